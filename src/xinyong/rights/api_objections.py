"""REST endpoints of objections (/api/v1/objections…).

The public files an objection to a public record and follows it by query code (anonymous,
throttled); staff list and read the cases within their scope (the credit office all, a
unit the cases forwarded to it) and act on them: forward, reply, pause, resume, decide.
Thin adapters over `objections`.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import date
from typing import Any

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from xinyong.core.api import validated as _validated
from xinyong.core.errors import DomainError
from xinyong.core.masking import mask_name
from xinyong.orgs.models import Unit
from xinyong.orgs.permissions import IsUnitStaff, ReadOnlyForLeader
from xinyong.subjects.selectors import log_person_reads

from . import objections
from .api_common import DATE_ERRORS, IsUnitStaffOrLeader, PublicSubmitStaffListView, PublicThrottle
from .models import Channel, Objection, ObjectionPause
from .views_repair import public_record

# A natural person's record is filed on only with the signed token the public person
# query hands out (POST /api/v1/public/subjects answers it), as on the portal's forms.
PERSON_TOKEN_PARAMETER = OpenApiParameter(
    "t",
    OpenApiTypes.STR,
    description="自然人的信息必填：自然人查询（POST /api/v1/public/subjects）返回的 token，30分钟内有效",
)

# ------------------------------------------------------------------ serializers


class ObjectionFileSerializer(serializers.Serializer):
    record = serializers.IntegerField(
        label="信用记录编号", min_value=1, error_messages={"invalid": "应为整数。"}
    )
    category = serializers.ChoiceField(
        label="异议类型",
        choices=Objection.Category.choices,
        error_messages={"invalid_choice": "异议类型无效。"},
    )
    description = serializers.CharField(label="异议内容（哪里有误）", max_length=5000)
    requested_change = serializers.CharField(
        label="请求更正为", max_length=5000, required=False, allow_blank=True
    )
    applicant_name = serializers.CharField(label="申请人", max_length=200)
    applicant_phone = serializers.CharField(label="联系电话", max_length=20)
    applicant_identifier = serializers.CharField(
        label="申请人证件号码或统一社会信用代码", max_length=40, required=False, allow_blank=True
    )
    applicant_is_government = serializers.BooleanField(
        label="申请人为行政事业单位或公职人员", required=False, default=False
    )


class ObjectionPublicSerializer(serializers.Serializer):
    query_code = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    record_id = serializers.IntegerField(allow_null=True)
    document_number = serializers.CharField()
    subject_name = serializers.CharField()
    category_label = serializers.CharField()
    applicant_name = serializers.CharField()
    applicant_phone = serializers.CharField()
    received_on = serializers.DateField()
    due_on = serializers.DateField(allow_null=True)
    due_note = serializers.CharField(
        help_text="办结期限无法计算时的说明，如“期限待定（缺少2027年日历）”"
    )
    paused = serializers.BooleanField()
    outcome = serializers.CharField()
    outcome_label = serializers.CharField()
    outcome_reason = serializers.CharField()
    decided_on = serializers.DateField(allow_null=True)
    applicant_notice = serializers.CharField()


class PauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ObjectionPause
        fields = ["reason", "started_on", "ended_on", "note"]


class ObjectionSerializer(serializers.ModelSerializer):
    record_id = serializers.IntegerField(source="record.pk", read_only=True, allow_null=True)
    document_number = serializers.SerializerMethodField()
    subject_name = serializers.SerializerMethodField()
    provider_unit_name = serializers.CharField(
        source="provider_unit.name", read_only=True, allow_null=True
    )
    due_on = serializers.SerializerMethodField()
    provider_due_on = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    deadline_note = serializers.SerializerMethodField(
        help_text="期限需要尚未导入的年度日历时的说明，如“期限待定（缺少2027年日历）”；否则为空"
    )

    class Meta:
        model = Objection
        fields = [
            "id",
            "query_code",
            "record_id",
            "document_number",
            "subject_name",
            "channel",
            "category",
            "applicant_is_government",
            "received_on",
            "route",
            "status",
            "provider_unit_name",
            "forwarded_on",
            "provider_replied_on",
            "due_on",
            "provider_due_on",
            "overdue",
            "deadline_note",
            "outcome",
            "decided_on",
        ]

    def _deadlines(self, obj: Objection) -> objections.Deadlines:
        # One computation per case for the four fields that read it.
        cache: dict[int, objections.Deadlines] = self.context.setdefault("_deadlines", {})
        if obj.pk not in cache:
            cache[obj.pk] = objections.deadlines(obj, timezone.localdate())
        return cache[obj.pk]

    def get_document_number(self, obj: Objection) -> str:
        return obj.record.document_number if obj.record is not None else ""

    def get_subject_name(self, obj: Objection) -> str:
        return mask_name(obj.subject.name) if obj.subject.is_person else obj.subject.name

    def get_due_on(self, obj: Objection) -> date | None:
        return self._deadlines(obj).due

    def get_provider_due_on(self, obj: Objection) -> date | None:
        return self._deadlines(obj).provider_due

    def get_overdue(self, obj: Objection) -> bool:
        return self._deadlines(obj).overdue

    def get_deadline_note(self, obj: Objection) -> str:
        return self._deadlines(obj).note


class ObjectionDetailSerializer(ObjectionSerializer):
    party_identifier = serializers.SerializerMethodField()
    pauses = PauseSerializer(many=True, read_only=True)

    class Meta(ObjectionSerializer.Meta):
        fields = [
            *ObjectionSerializer.Meta.fields,
            "party_identifier",
            "description",
            "requested_change",
            "applicant_name",
            "applicant_phone",
            "applicant_identifier",
            "provider_reply",
            "outcome_reason",
            "applicant_notice",
            "pauses",
        ]

    def get_subject_name(self, obj: Objection) -> str:
        return obj.subject.name

    def get_party_identifier(self, obj: Objection) -> str:
        return obj.record.party_identifier if obj.record is not None else obj.subject.identifier


class ForwardSerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        label="核查单位编号", required=False, min_value=1, help_text="缺省为该信息的报送单位"
    )
    note = serializers.CharField(
        label="转办说明", required=False, allow_blank=True, max_length=1000
    )
    on = serializers.DateField(label="转办日期", required=False, error_messages=DATE_ERRORS)


class ReplySerializer(serializers.Serializer):
    reply = serializers.CharField(label="核查意见", max_length=5000)
    on = serializers.DateField(label="答复日期", required=False, error_messages=DATE_ERRORS)


class PauseInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        label="暂停原因",
        choices=ObjectionPause.Reason.choices,
        error_messages={"invalid_choice": "暂停原因只能是检测检验、鉴定或专家评审。"},
    )
    note = serializers.CharField(label="说明", required=False, allow_blank=True, max_length=300)
    on = serializers.DateField(label="开始日期", required=False, error_messages=DATE_ERRORS)


class ResumeSerializer(serializers.Serializer):
    on = serializers.DateField(label="结束日期", required=False, error_messages=DATE_ERRORS)


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        label="处理结果",
        choices=Objection.Outcome.choices,
        error_messages={
            "invalid_choice": "处理结果只能是 corrected（更正）、revoked（撤销）或 kept（维持）。"
        },
    )
    reason = serializers.CharField(label="处理理由", max_length=5000)
    corrected_values = serializers.DictField(
        label="更正后的信息项",
        child=serializers.CharField(allow_blank=True, max_length=5000),
        required=False,
        help_text="更正时填写：{字段代码: 新值}；受理后该信息已由提供单位更正的，可不填",
    )
    on = serializers.DateField(label="办结日期", required=False, error_messages=DATE_ERRORS)


# ------------------------------------------------------------------ views


class ObjectionCollectionView(PublicSubmitStaffListView):
    """GET: staff list (scoped, overdue first); POST: anyone files online (throttled)."""

    serializer_class = ObjectionSerializer

    @extend_schema(
        summary="异议申请列表（信用办全部，单位限转办本单位的）",
        operation_id="objections_list",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, description="状态", enum=Objection.Status.values
            ),
            OpenApiParameter("overdue", OpenApiTypes.BOOL, description="仅超期"),
        ],
        responses=ObjectionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = objections.objections_visible_to(request.user).order_by("received_on", "id")
        status = request.query_params.get("status")
        if status:
            if status not in Objection.Status.values:
                raise DomainError("状态参数无效，可选：" + "、".join(Objection.Status.values))
            qs = qs.filter(status=status)
        if request.query_params.get("overdue") in ("1", "true"):
            overdue = objections.overdue_objections(timezone.localdate()).values("pk")
            qs = qs.filter(pk__in=overdue)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ObjectionSerializer(page, many=True).data)

    @extend_schema(
        summary="在线提出异议（公众）",
        operation_id="objections_file",
        auth=[],
        request=ObjectionFileSerializer,
        parameters=[PERSON_TOKEN_PARAMETER],
        responses={201: ObjectionPublicSerializer},
        description=(
            "对公示中的信用信息提出异议（《河南省社会信用条例》第四十一条），"
            "证据材料以 multipart 字段 evidence 上传（PDF/JPG/PNG/DOCX，每个≤10MB，最多5个）。"
            "自然人的信息须在网址中附自然人查询返回的 token（?t=…），否则返回404。"
            "提交后该信息即显示“异议处理中”。返回查询码。"
        ),
    )
    def post(self, request: Request) -> Response:
        data = _validated(ObjectionFileSerializer(data=request.data))
        # The portal's gate: a person's record only with the person token, read-logged.
        record = public_record(request, data.pop("record"))
        files = request.FILES.getlist("evidence") if hasattr(request, "FILES") else []
        obj = objections.file_objection(
            actor=None, record=record, channel=Channel.ONLINE, attachments=files, **data
        )
        return Response(ObjectionPublicSerializer(objections.public_view(obj)).data, status=201)


class ObjectionStatusView(GenericAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle, UserRateThrottle]
    serializer_class = ObjectionPublicSerializer

    @extend_schema(
        summary="凭查询码查询异议办理进度（公众）",
        operation_id="objections_status",
        auth=[],
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, required=True, description="12位查询码")
        ],
        responses={200: ObjectionPublicSerializer},
    )
    def get(self, request: Request) -> Response:
        obj = objections.objection_by_code(request.query_params.get("code", "")[:40])
        return Response(ObjectionPublicSerializer(objections.public_view(obj)).data)


def _read_logged(request: Request, obj: Objection) -> None:
    log_person_reads([obj.subject], reader=request.user, purpose="办理异议申请")


class ObjectionDetailView(GenericAPIView):
    permission_classes = [IsUnitStaffOrLeader]
    serializer_class = ObjectionDetailSerializer

    @extend_schema(summary="异议申请详情", operation_id="objections_detail")
    def get(self, request: Request, pk: int) -> Response:
        obj = objections.get_objection_for(request.user, pk)
        _read_logged(request, obj)
        return Response(ObjectionDetailSerializer(obj).data)


class _ActionView(GenericAPIView):
    permission_classes = [IsUnitStaff, ReadOnlyForLeader]
    serializer_class = ObjectionDetailSerializer
    input_serializer: type[serializers.Serializer] = ResumeSerializer

    @abstractmethod
    def act(self, request: Request, obj: Objection, data: dict[str, Any]) -> None:
        """Call the service for this action."""

    def post(self, request: Request, pk: int) -> Response:
        obj = objections.get_objection_for(request.user, pk)
        data = _validated(self.input_serializer(data=request.data))
        self.act(request, obj, data)
        fresh = objections.get_objection_for(request.user, pk)
        _read_logged(request, fresh)
        return Response(ObjectionDetailSerializer(fresh).data)


class ObjectionForwardView(_ActionView):
    input_serializer = ForwardSerializer

    @extend_schema(
        summary="转提供单位核查（信用办）",
        request=ForwardSerializer,
        operation_id="objections_forward",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, obj: Objection, data: dict[str, Any]) -> None:
        unit = None
        if data.get("unit"):
            unit = Unit.objects.filter(pk=data["unit"]).first()
            if unit is None:
                raise DomainError("核查单位不存在。")
        objections.forward_to_provider(
            actor=request.user,
            objection=obj,
            unit=unit,
            note=data.get("note", ""),
            on=data.get("on"),
        )


class ObjectionReplyView(_ActionView):
    input_serializer = ReplySerializer

    @extend_schema(
        summary="提供单位核查答复", request=ReplySerializer, operation_id="objections_reply"
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, obj: Objection, data: dict[str, Any]) -> None:
        objections.provider_reply(
            actor=request.user, objection=obj, reply=data["reply"], on=data.get("on")
        )


class ObjectionPauseView(_ActionView):
    input_serializer = PauseInputSerializer

    @extend_schema(
        summary="暂停计时（检测检验、鉴定、专家评审）",
        request=PauseInputSerializer,
        operation_id="objections_pause",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, obj: Objection, data: dict[str, Any]) -> None:
        objections.start_pause(
            actor=request.user,
            objection=obj,
            reason=data["reason"],
            note=data.get("note", ""),
            on=data.get("on"),
        )


class ObjectionResumeView(_ActionView):
    input_serializer = ResumeSerializer

    @extend_schema(
        summary="结束暂停，恢复计时", request=ResumeSerializer, operation_id="objections_resume"
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, obj: Objection, data: dict[str, Any]) -> None:
        objections.end_pause(actor=request.user, objection=obj, on=data.get("on"))


class ObjectionDecideView(_ActionView):
    input_serializer = DecideSerializer

    @extend_schema(
        summary="办结异议（信用办）：更正、撤销或维持",
        request=DecideSerializer,
        operation_id="objections_decide",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, obj: Objection, data: dict[str, Any]) -> None:
        objections.decide_objection(
            actor=request.user,
            objection=obj,
            outcome=data["outcome"],
            reason=data["reason"],
            corrected_values=data.get("corrected_values"),
            on=data.get("on"),
        )


urlpatterns = [
    path("objections", ObjectionCollectionView.as_view(), name="objections"),
    path("objections/status", ObjectionStatusView.as_view(), name="objection-status"),
    path("objections/<int:pk>", ObjectionDetailView.as_view(), name="objection"),
    path("objections/<int:pk>/forward", ObjectionForwardView.as_view(), name="objection-forward"),
    path("objections/<int:pk>/reply", ObjectionReplyView.as_view(), name="objection-reply"),
    path("objections/<int:pk>/pause", ObjectionPauseView.as_view(), name="objection-pause"),
    path("objections/<int:pk>/resume", ObjectionResumeView.as_view(), name="objection-resume"),
    path("objections/<int:pk>/decide", ObjectionDecideView.as_view(), name="objection-decide"),
]
