"""REST endpoints of credit repair and repair notices (/api/v1/repairs…, /api/v1/notices/…).

The public applies and follows progress by query code (anonymous, throttled); staff list,
read and act on applications within their data scope; unit staff list their own unit's
notices and download the PDF. Thin adapters over `repair` and `notices`.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import date
from typing import Any

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from xinyong.core.api import validated as _validated
from xinyong.core.api_files import FileDownloadMixin
from xinyong.core.errors import DomainError
from xinyong.core.masking import mask_id_number, mask_name
from xinyong.orgs.permissions import IsUnitStaff, ReadOnlyForLeader
from xinyong.subjects.selectors import log_person_reads

from . import notices, repair
from .api_common import DATE_ERRORS, IsUnitStaffOrLeader, PublicSubmitStaffListView, PublicThrottle
from .api_objections import PERSON_TOKEN_PARAMETER
from .models import Channel, RepairApplication, RepairNotice
from .views_repair import public_record

# ------------------------------------------------------------------ serializers


class RepairApplySerializer(serializers.Serializer):
    record = serializers.IntegerField(
        label="信用记录编号", min_value=1, error_messages={"invalid": "应为整数。"}
    )
    applicant_name = serializers.CharField(label="申请人", max_length=200)
    applicant_phone = serializers.CharField(label="联系电话", max_length=20)
    subject_identifier = serializers.CharField(
        label="信用主体代码",
        max_length=40,
        help_text="信用主体的统一社会信用代码、身份证号码或其他证件号码（护照等），用于核实身份",
    )
    fulfilment_statement = serializers.CharField(label="履行义务情况说明", max_length=5000)
    commitment_accepted = serializers.BooleanField(label="同意信用修复承诺书")


class RepairPublicSerializer(serializers.Serializer):
    query_code = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    record_id = serializers.IntegerField()
    document_number = serializers.CharField()
    party_name = serializers.CharField()
    applicant_name = serializers.CharField()
    applicant_phone = serializers.CharField()
    submitted_on = serializers.DateField()
    complete_on = serializers.DateField(allow_null=True)
    decision_due = serializers.DateField(allow_null=True)
    decision_due_pending = serializers.CharField(
        allow_blank=True, help_text="决定期限所在年度缺少工作日历时为“期限待定（缺少某年日历）”"
    )
    decided_on = serializers.DateField(allow_null=True)
    decision_reason = serializers.CharField(allow_blank=True)
    applicant_notice = serializers.CharField(allow_blank=True)
    synced_on = serializers.DateField(allow_null=True)


class RepairSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    record_id = serializers.IntegerField(source="record.pk", read_only=True)
    document_number = serializers.CharField(source="record.document_number", read_only=True)
    party_name = serializers.SerializerMethodField()
    provider_unit_name = serializers.CharField(
        source="provider_unit.name", read_only=True, default=""
    )
    decision_due = serializers.SerializerMethodField()
    decision_due_pending = serializers.SerializerMethodField()

    class Meta:
        model = RepairApplication
        fields = [
            "id",
            "query_code",
            "record_id",
            "document_number",
            "party_name",
            "channel",
            "channel_label",
            "status",
            "status_label",
            "provider_unit",
            "provider_unit_name",
            "submitted_on",
            "incomplete_on",
            "resubmitted_on",
            "complete_on",
            "decision_due",
            "decision_due_pending",
            "provider_agrees",
            "provider_reviewed_on",
            "decided_on",
            "synced_on",
        ]

    def get_party_name(self, app: RepairApplication) -> str:
        return mask_name(app.record.party_name) if app.subject.is_person else app.record.party_name

    def get_decision_due(self, app: RepairApplication) -> date | None:
        return repair.due_or_pending(repair.decision_due, app)[0]

    def get_decision_due_pending(self, app: RepairApplication) -> str:
        """“期限待定（缺少某年日历）” while the deadline's year has no calendar, else ""."""
        return repair.due_or_pending(repair.decision_due, app)[1]


class RepairDetailSerializer(RepairSerializer):
    party_identifier = serializers.CharField(source="record.party_identifier", read_only=True)
    sync_due = serializers.SerializerMethodField()
    sync_due_pending = serializers.SerializerMethodField()

    class Meta(RepairSerializer.Meta):
        fields = [
            *RepairSerializer.Meta.fields,
            "party_identifier",
            "applicant_name",
            "applicant_phone",
            "fulfilment_statement",
            "commitment_text",
            "commitment_accepted",
            "provider_opinion",
            "decision_reason",
            "applicant_notice",
            "sync_due",
            "sync_due_pending",
        ]

    def get_party_name(self, app: RepairApplication) -> str:
        return app.record.party_name

    def get_sync_due(self, app: RepairApplication) -> date | None:
        return repair.due_or_pending(repair.sync_due, app)[0]

    def get_sync_due_pending(self, app: RepairApplication) -> str:
        """“期限待定（缺少某年日历）” while the deadline's year has no calendar, else ""."""
        return repair.due_or_pending(repair.sync_due, app)[1]


class CompleteSerializer(serializers.Serializer):
    complete = serializers.BooleanField(label="材料是否齐全")
    note = serializers.CharField(
        label="需补正内容", required=False, allow_blank=True, max_length=500
    )
    on = serializers.DateField(label="日期", required=False, error_messages=DATE_ERRORS)


class ProviderReviewSerializer(serializers.Serializer):
    agrees = serializers.BooleanField(label="是否同意修复")
    opinion = serializers.CharField(label="审核意见", max_length=5000)
    on = serializers.DateField(label="日期", required=False, error_messages=DATE_ERRORS)


class RepairDecisionSerializer(serializers.Serializer):
    """The repair decision (named apart from the objection decision in the OpenAPI
    document)."""

    approve = serializers.BooleanField(label="是否准予修复")
    reason = serializers.CharField(label="决定理由", max_length=5000)
    on = serializers.DateField(label="日期", required=False, error_messages=DATE_ERRORS)


class SyncSerializer(serializers.Serializer):
    on = serializers.DateField(label="同步日期", required=False, error_messages=DATE_ERRORS)


class NoticeSerializer(serializers.ModelSerializer):
    record_id = serializers.IntegerField(source="record.pk", read_only=True)
    document_number = serializers.CharField(source="record.document_number", read_only=True)
    party_name = serializers.SerializerMethodField()
    party_identifier = serializers.SerializerMethodField()
    source_unit_name = serializers.CharField(source="record.source_unit.name", read_only=True)

    class Meta:
        model = RepairNotice
        fields = [
            "id",
            "number",
            "record_id",
            "document_number",
            "party_name",
            "party_identifier",
            "source_unit_name",
            "earliest_repair_on",
            "publicity_ends_on",
            "served_on",
            "serve_method",
        ]

    def get_party_name(self, notice: RepairNotice) -> str:
        record = notice.record
        return mask_name(record.party_name) if record.subject.is_person else record.party_name

    def get_party_identifier(self, notice: RepairNotice) -> str:
        record = notice.record
        return (
            mask_id_number(record.party_identifier)
            if record.subject.is_person
            else record.party_identifier
        )


class ServeSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        label="送达方式",
        choices=list(notices.SERVE_METHODS),
        error_messages={"invalid_choice": "送达方式无效。"},
    )
    served_on = serializers.DateField(label="送达日期", required=False, error_messages=DATE_ERRORS)


# ------------------------------------------------------------------ views


class RepairCollectionView(PublicSubmitStaffListView):
    """GET: staff list (scoped); POST: anyone applies online (throttled)."""

    serializer_class = RepairSerializer

    @extend_schema(
        summary="信用修复申请列表（限本人可见单位）",
        operation_id="repairs_list",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, description="状态", enum=RepairApplication.Status.values
            ),
            OpenApiParameter("overdue", OpenApiTypes.BOOL, description="仅超期"),
        ],
        responses=RepairSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        from django.utils import timezone

        qs = repair.repairs_visible_to(request.user).order_by("-id")
        status = request.query_params.get("status")
        if status:
            if status not in RepairApplication.Status.values:
                raise DomainError(
                    "状态参数无效，可选：" + "、".join(RepairApplication.Status.values)
                )
            qs = qs.filter(status=status)
        if request.query_params.get("overdue") in ("1", "true"):
            qs = qs.filter(pk__in=repair.overdue_repairs(timezone.localdate()).values("pk"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(RepairSerializer(page, many=True).data)

    @extend_schema(
        summary="在线申请信用修复（公众，免费）",
        operation_id="repairs_apply",
        auth=[],
        request=RepairApplySerializer,
        parameters=[PERSON_TOKEN_PARAMETER],
        responses={201: RepairPublicSerializer},
        description=(
            "最短公示期届满后可申请；不符合条件的立即拒绝并说明理由。信用修复全程免费。"
            "自然人的信息须在网址中附自然人查询返回的 token（?t=…），否则返回404。返回查询码。"
        ),
    )
    def post(self, request: Request) -> Response:
        data = _validated(RepairApplySerializer(data=request.data))
        # The portal's gate: a person's record only with the person token, read-logged
        # (without it the eligibility answer would tell a walker about the record).
        record = public_record(request, data.pop("record"))
        files = request.FILES.getlist("materials") if hasattr(request, "FILES") else []
        app = repair.apply_for_repair(
            actor=None,
            record=record,
            channel=Channel.ONLINE,
            commitment_text=repair.commitment_text_for(record),
            attachments=files,
            **data,
        )
        return Response(RepairPublicSerializer(repair.public_view(app)).data, status=201)


class RepairStatusView(GenericAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle, UserRateThrottle]
    serializer_class = RepairPublicSerializer

    @extend_schema(
        summary="凭查询码查询信用修复进度（公众）",
        operation_id="repairs_status",
        auth=[],
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, required=True, description="12位查询码")
        ],
        responses={200: RepairPublicSerializer},
    )
    def get(self, request: Request) -> Response:
        app = repair.repair_by_code(request.query_params.get("code", "")[:40])
        return Response(RepairPublicSerializer(repair.public_view(app)).data)


def _read_logged(request: Request, app: RepairApplication) -> None:
    log_person_reads([app.subject], reader=request.user, purpose="办理信用修复申请")


class RepairDetailView(GenericAPIView):
    permission_classes = [IsUnitStaffOrLeader]
    serializer_class = RepairDetailSerializer

    @extend_schema(summary="信用修复申请详情", operation_id="repairs_detail")
    def get(self, request: Request, pk: int) -> Response:
        app = repair.get_repair_for(request.user, pk)
        _read_logged(request, app)
        return Response(RepairDetailSerializer(app).data)


class _ActionView(GenericAPIView):
    permission_classes = [IsUnitStaff, ReadOnlyForLeader]
    serializer_class = RepairDetailSerializer
    input_serializer: type[serializers.Serializer] = SyncSerializer

    @abstractmethod
    def act(
        self, request: Request, app: RepairApplication, data: dict[str, Any]
    ) -> RepairApplication:
        """Call the service for this action and return the application."""

    def post(self, request: Request, pk: int) -> Response:
        app = repair.get_repair_for(request.user, pk)
        data = _validated(self.input_serializer(data=request.data))
        done = self.act(request, app, data)
        # The answer carries the person's full name and ID number (RepairDetailSerializer),
        # so it is a read like the detail endpoint's.
        _read_logged(request, done)
        return Response(RepairDetailSerializer(done).data)


class RepairCompleteView(_ActionView):
    input_serializer = CompleteSerializer

    @extend_schema(
        summary="材料审查：齐全或退回补正（信用办）",
        request=CompleteSerializer,
        operation_id="repairs_complete",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(
        self, request: Request, app: RepairApplication, data: dict[str, Any]
    ) -> RepairApplication:
        return repair.mark_complete(
            actor=request.user,
            application=app,
            complete=data["complete"],
            note=data.get("note", ""),
            on=data.get("on"),
        )


class RepairProviderReviewView(_ActionView):
    input_serializer = ProviderReviewSerializer

    @extend_schema(
        summary="提供单位审核意见",
        request=ProviderReviewSerializer,
        operation_id="repairs_provider_review",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(
        self, request: Request, app: RepairApplication, data: dict[str, Any]
    ) -> RepairApplication:
        return repair.provider_review(
            actor=request.user,
            application=app,
            agrees=data["agrees"],
            opinion=data["opinion"],
            on=data.get("on"),
        )


class RepairDecideView(_ActionView):
    input_serializer = RepairDecisionSerializer

    @extend_schema(
        summary="作出修复决定（信用办）：准予修复即停止公示",
        request=RepairDecisionSerializer,
        operation_id="repairs_decide",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(
        self, request: Request, app: RepairApplication, data: dict[str, Any]
    ) -> RepairApplication:
        return repair.decide_repair(
            actor=request.user,
            application=app,
            approve=data["approve"],
            reason=data["reason"],
            on=data.get("on"),
        )


class RepairSyncView(_ActionView):
    input_serializer = SyncSerializer

    @extend_schema(
        summary="登记修复结果已同步至各接收方（信用办）",
        request=SyncSerializer,
        operation_id="repairs_sync",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(
        self, request: Request, app: RepairApplication, data: dict[str, Any]
    ) -> RepairApplication:
        return repair.record_sync(actor=request.user, application=app, on=data.get("on"))


class NoticeListView(GenericAPIView):
    permission_classes = [IsUnitStaffOrLeader]
    serializer_class = NoticeSerializer

    @extend_schema(
        summary="信用修复告知书列表（限本单位）",
        operation_id="notices_list",
        parameters=[OpenApiParameter("served", OpenApiTypes.BOOL, description="是否已送达")],
        responses=NoticeSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = notices.notices_visible_to(request.user).order_by("-id")
        served = request.query_params.get("served")
        if served in ("1", "true"):
            qs = qs.filter(served_on__isnull=False)
        elif served in ("0", "false"):
            qs = qs.filter(served_on__isnull=True)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(NoticeSerializer(page, many=True).data)


class NoticePdfView(FileDownloadMixin, GenericAPIView):
    permission_classes = [IsUnitStaffOrLeader]
    serializer_class = NoticeSerializer
    download_types = ("application/pdf",)

    @extend_schema(
        summary="下载信用修复告知书 PDF",
        operation_id="notices_pdf",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF 文件")
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        notice = notices.get_notice_for(request.user, pk)
        pdf = notices.notice_pdf(notice)
        log_person_reads([notice.record.subject], reader=request.user, purpose="打印信用修复告知书")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{notice.number}.pdf"'
        return response


class NoticeServeView(GenericAPIView):
    permission_classes = [IsUnitStaff, ReadOnlyForLeader]
    serializer_class = NoticeSerializer

    @extend_schema(summary="登记告知书送达", request=ServeSerializer, operation_id="notices_serve")
    def post(self, request: Request, pk: int) -> Response:
        notice = notices.get_notice_for(request.user, pk)
        data = _validated(ServeSerializer(data=request.data))
        done = notices.serve_notice(
            actor=request.user,
            notice=notice,
            method=data["method"],
            served_on=data.get("served_on"),
        )
        return Response(NoticeSerializer(done).data)


urlpatterns = [
    path("repairs", RepairCollectionView.as_view(), name="repairs"),
    path("repairs/status", RepairStatusView.as_view(), name="repair-status"),
    path("repairs/<int:pk>", RepairDetailView.as_view(), name="repair"),
    path("repairs/<int:pk>/complete", RepairCompleteView.as_view(), name="repair-complete"),
    path(
        "repairs/<int:pk>/provider-review",
        RepairProviderReviewView.as_view(),
        name="repair-provider-review",
    ),
    path("repairs/<int:pk>/decide", RepairDecideView.as_view(), name="repair-decide"),
    path("repairs/<int:pk>/sync", RepairSyncView.as_view(), name="repair-sync"),
    path("notices/", NoticeListView.as_view(), name="notices"),
    path("notices/<int:pk>/pdf", NoticePdfView.as_view(), name="notice-pdf"),
    path("notices/<int:pk>/serve", NoticeServeView.as_view(), name="notice-serve"),
]
