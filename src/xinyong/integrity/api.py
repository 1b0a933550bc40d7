"""REST endpoints of 政务诚信 under /api/v1/integrity/…: monitoring summary, alerts,
bodies, a unit's credit file, cases with steps, arrears with payments and targets,
government commitments with fulfilment and complaints, the evaluation (ranking, a unit's
detail, manual scores, XLSX) and the scan. Thin adapters over services, monitoring,
evaluation and selectors; who may do what is decided there."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from xinyong.core.api import validated
from xinyong.core.api_files import XLSX, FileDownloadMixin
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import clean_year
from xinyong.orgs.permissions import ReadOnlyForLeader, readable_unit_ids, role_of

from . import evaluation, inputs, monitoring, selectors, services
from .exports import xlsx_response
from .models import Alert, ArrearsCase, GovCommitment, GovernmentBody, Indicator, IntegrityCase

_DATE: dict[str, Any] = {"invalid": "日期格式应为 YYYY-MM-DD。"}


class IsIntegrityStaff(BasePermission):
    message = services.READ_DENIED

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) in services.STAFF_ROLES


STAFF = [IsIntegrityStaff, ReadOnlyForLeader]


def _body(request: Request, data: dict[str, Any], label: str) -> GovernmentBody:
    """The body named in the request, among those the caller may see."""
    body = selectors.bodies_for(request.user).filter(pk=data.pop("body")).first()
    if body is None:
        raise NotFoundError(f"{label}不存在或无权查看。")
    return body  # type: ignore[no-any-return]


def _year(request: Request) -> int:
    return clean_year(request.query_params.get("year") or timezone.localdate().year)


# ---------------------------------------------------------------- serializers


class AlertSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "kind_label",
            "level",
            "level_label",
            "status",
            "status_label",
            "unit",
            "unit_name",
            "body",
            "title",
            "detail",
            "raised_on",
            "acknowledged_on",
            "response",
            "resolved_on",
            "resolution",
        ]


class BodySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    uscc = serializers.CharField(source="subject.identifier", read_only=True, default="")

    class Meta:
        model = GovernmentBody
        fields = ["id", "unit", "unit_name", "name", "kind", "kind_label", "uscc", "active", "note"]


class StepSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    on = serializers.DateField()
    note = serializers.CharField()


class CaseSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    body_name = serializers.CharField(source="body.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = IntegrityCase
        fields = [
            "id",
            "kind",
            "kind_label",
            "stage",
            "stage_label",
            "body",
            "body_name",
            "unit",
            "unit_name",
            "title",
            "case_number",
            "authority",
            "counterparty",
            "amount_wan",
            "description",
            "opened_on",
            "finding_on",
            "due_on",
            "closed_on",
            "outcome",
            "list_entry",
            "commitment",
            "steps",
        ]


class ArrearsSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    body_name = serializers.CharField(source="body.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    outstanding_wan = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = ArrearsCase
        fields = [
            "id",
            "body",
            "body_name",
            "unit",
            "unit_name",
            "creditor_name",
            "creditor_kind",
            "project",
            "amount_wan",
            "cleared_wan",
            "outstanding_wan",
            "due_on",
            "registered_on",
            "source",
            "status",
            "status_label",
            "cleared_on",
            "note",
        ]


class GovCommitmentSerializer(serializers.ModelSerializer):
    """政府承诺 (named apart from the credit commitments' serializer in the schema)."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    body_name = serializers.CharField(source="body.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = GovCommitment
        fields = [
            "id",
            "body",
            "body_name",
            "unit",
            "unit_name",
            "kind",
            "kind_label",
            "title",
            "content",
            "counterparty",
            "document_ref",
            "made_on",
            "due_on",
            "published",
            "status",
            "status_label",
            "assessed_on",
            "fulfilment_note",
            "new_official",
        ]


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(label="说明", max_length=inputs.MAX_TEXT)


class BodyInSerializer(serializers.Serializer):
    unit = serializers.CharField(label="主管单位", max_length=100)
    kind = serializers.CharField(label="主体类型", max_length=20)
    name = serializers.CharField(label="名称", max_length=200)
    uscc = serializers.CharField(
        label="统一社会信用代码", max_length=40, required=False, allow_blank=True
    )
    note = serializers.CharField(label="说明", max_length=300, required=False, allow_blank=True)


class CaseInSerializer(serializers.Serializer):
    body = serializers.IntegerField(label="涉及主体", min_value=1)
    kind = serializers.CharField(label="案件类型", max_length=20)
    title = serializers.CharField(label="案件名称", max_length=200)
    opened_on = serializers.DateField(label="立案/发现日期", error_messages=_DATE)
    case_number = serializers.CharField(
        label="案号", max_length=100, required=False, allow_blank=True
    )
    authority = serializers.CharField(
        label="法院/认定机关", max_length=200, required=False, allow_blank=True
    )
    counterparty = serializers.CharField(
        label="相对方", max_length=200, required=False, allow_blank=True
    )
    amount_wan = serializers.CharField(
        label="涉及金额（万元）", max_length=20, required=False, allow_blank=True
    )
    description = serializers.CharField(
        label="情况", max_length=inputs.MAX_TEXT, required=False, allow_blank=True
    )
    due_on = serializers.DateField(
        label="履行期限", required=False, allow_null=True, error_messages=_DATE
    )
    found = serializers.BooleanField(label="已认定", required=False, default=False)


class StepInSerializer(serializers.Serializer):
    kind = serializers.CharField(label="办理环节", max_length=20)
    on = serializers.DateField(label="日期", error_messages=_DATE)
    note = serializers.CharField(label="内容", max_length=inputs.MAX_TEXT)


class ArrearsInSerializer(serializers.Serializer):
    body = serializers.IntegerField(label="欠款主体", min_value=1)
    creditor_name = serializers.CharField(label="债权企业", max_length=200)
    creditor_code = serializers.CharField(
        label="债权企业代码", max_length=40, required=False, allow_blank=True
    )
    creditor_kind = serializers.CharField(label="企业类型", max_length=20)
    project = serializers.CharField(label="合同/项目", max_length=200)
    amount_wan = serializers.CharField(label="拖欠金额（万元）", max_length=20)
    due_on = serializers.DateField(label="约定付款期限", error_messages=_DATE)
    registered_on = serializers.DateField(label="登记日期", required=False, error_messages=_DATE)
    # The metaclass takes declared fields off the class, so "source" does not clash with
    # Field.source at run time; mypy only sees the class attribute.
    source = serializers.CharField(label="来源", max_length=20, required=False)  # type: ignore[assignment]
    note = serializers.CharField(
        label="说明", max_length=inputs.MAX_TEXT, required=False, allow_blank=True
    )


class PaymentInSerializer(serializers.Serializer):
    paid_on = serializers.DateField(label="支付日期", error_messages=_DATE)
    amount_wan = serializers.CharField(label="金额（万元）", max_length=20)
    note = serializers.CharField(label="说明", max_length=300, required=False, allow_blank=True)


class CommitmentInSerializer(serializers.Serializer):
    body = serializers.IntegerField(label="承诺主体", min_value=1)
    kind = serializers.CharField(label="承诺类型", max_length=20)
    title = serializers.CharField(label="承诺事项", max_length=200)
    content = serializers.CharField(label="承诺内容", max_length=inputs.MAX_TEXT)
    made_on = serializers.DateField(label="作出日期", error_messages=_DATE)
    due_on = serializers.DateField(
        label="兑现期限", required=False, allow_null=True, error_messages=_DATE
    )
    counterparty = serializers.CharField(
        label="相对方", max_length=200, required=False, allow_blank=True
    )
    document_ref = serializers.CharField(
        label="文件/合同编号", max_length=200, required=False, allow_blank=True
    )
    published = serializers.BooleanField(label="向社会公开", required=False, default=False)


class AssessInSerializer(serializers.Serializer):
    status = serializers.CharField(label="履行情况", max_length=20)
    note = serializers.CharField(label="履行情况说明", max_length=inputs.MAX_TEXT)
    on = serializers.DateField(label="认定日期", required=False, error_messages=_DATE)
    new_official = serializers.BooleanField(label="新官不理旧账", required=False, default=False)


class ComplaintInSerializer(serializers.Serializer):
    received_on = serializers.DateField(label="受理日期", error_messages=_DATE)
    complainant = serializers.CharField(label="投诉人", max_length=200)
    phone = serializers.CharField(label="联系电话", max_length=20, required=False, allow_blank=True)
    content = serializers.CharField(label="投诉内容", max_length=inputs.MAX_TEXT)


class ScoreInSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="年度")
    indicator = serializers.CharField(label="指标代码", max_length=30)
    unit = serializers.CharField(label="单位", max_length=100)
    score = serializers.CharField(label="得分", max_length=10)
    evidence = serializers.CharField(label="评分依据/证据", max_length=inputs.MAX_TEXT)


# ---------------------------------------------------------------- views


class SummaryView(GenericAPIView):
    """Monitoring summary: government bodies on the 失信被执行人 list (target 0), alerts,
    pending cases, this year's arrears target (scoped to the caller's units)."""

    permission_classes = STAFF
    serializer_class = serializers.Serializer  # free-form JSON, described below

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(selectors.dashboard_json(request.user))


class AlertListView(GenericAPIView):
    permission_classes = STAFF
    serializer_class = AlertSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, required=False, enum=list(Alert.Status.values))
        ],
        responses=AlertSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = selectors.alerts_for(request.user)
        status = request.query_params.get("status")
        if status:
            if status not in Alert.Status.values:
                raise DomainError(f"状态应为：{'、'.join(Alert.Status.values)}。")
            qs = qs.filter(status=status)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(AlertSerializer(page, many=True).data)


class AlertAcknowledgeView(GenericAPIView):
    """The unit signs the alert off with its measures."""

    permission_classes = STAFF
    serializer_class = TextSerializer

    @extend_schema(request=TextSerializer, responses=AlertSerializer)
    def post(self, request: Request, pk: int) -> Response:
        alert = selectors.alert_for(request.user, pk)
        data = validated(TextSerializer(data=request.data))
        alert = services.acknowledge_alert(actor=request.user, alert=alert, response=data["text"])
        return Response(AlertSerializer(alert).data)


class AlertResolveView(GenericAPIView):
    permission_classes = STAFF
    serializer_class = TextSerializer

    @extend_schema(request=TextSerializer, responses=AlertSerializer)
    def post(self, request: Request, pk: int) -> Response:
        alert = selectors.alert_for(request.user, pk)
        data = validated(TextSerializer(data=request.data))
        alert = services.resolve_alert(actor=request.user, alert=alert, resolution=data["text"])
        return Response(AlertSerializer(alert).data)


class BodyListView(GenericAPIView):
    permission_classes = STAFF
    serializer_class = BodySerializer

    @extend_schema(responses=BodySerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.bodies_for(request.user))
        return self.get_paginated_response(BodySerializer(page, many=True).data)

    @extend_schema(request=BodyInSerializer, responses={201: BodySerializer})
    def post(self, request: Request) -> Response:
        data = validated(BodyInSerializer(data=request.data))
        body = services.register_body(
            actor=request.user,
            unit=data["unit"],
            kind=data["kind"],
            name=data["name"],
            identifier=data.get("uscc", ""),
            note=data.get("note", ""),
        )
        return Response(BodySerializer(body).data, status=201)


class UnitFileView(GenericAPIView):
    """A unit's credit file (bodies, 失信被执行人 entries, penalties, cases, arrears,
    commitments)."""

    permission_classes = STAFF
    serializer_class = serializers.Serializer  # free-form JSON, described below

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        unit = selectors.unit_for(request.user, pk)
        return Response(selectors.unit_file_json(unit))


class _BodyCollectionView(GenericAPIView):
    """GET: the rows the caller may see (paginated); POST: create one for a body the
    caller may see, through `create` (the service decides who may write)."""

    permission_classes = STAFF
    input_class: type[serializers.Serializer] = serializers.Serializer
    body_label = "主体"

    @abstractmethod
    def rows(self, request: Request) -> Any:
        """The rows of this collection the caller may see."""

    @abstractmethod
    def create(self, request: Request, body: GovernmentBody, data: dict[str, Any]) -> Any:
        """Call the service that creates one row for `body`."""

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.rows(request))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        data = validated(self.input_class(data=request.data))
        body = _body(request, data, self.body_label)
        return Response(self.get_serializer(self.create(request, body, data)).data, status=201)


@extend_schema_view(
    get=extend_schema(
        operation_id="integrity_cases_list",
        parameters=[
            OpenApiParameter("stage", str, required=False, enum=list(IntegrityCase.Stage.values))
        ],
        responses=CaseSerializer(many=True),
    ),
    post=extend_schema(request=CaseInSerializer, responses={201: CaseSerializer}),
)
class CaseListView(_BodyCollectionView):
    serializer_class = CaseSerializer
    input_class = CaseInSerializer
    body_label = "涉及主体"

    def rows(self, request: Request) -> Any:
        qs = selectors.cases_for(request.user).prefetch_related("steps")
        stage = request.query_params.get("stage")
        if stage:
            if stage not in IntegrityCase.Stage.values:
                raise DomainError(f"阶段应为：{'、'.join(IntegrityCase.Stage.values)}。")
            qs = qs.filter(stage=stage)
        return qs

    def create(self, request: Request, body: GovernmentBody, data: dict[str, Any]) -> Any:
        return services.create_case(actor=request.user, body=body, **data)


class CaseDetailView(GenericAPIView):
    permission_classes = STAFF
    serializer_class = CaseSerializer

    def get(self, request: Request, pk: int) -> Response:
        return Response(CaseSerializer(selectors.case_for(request.user, pk)).data)


class CaseStepView(GenericAPIView):
    """通报, 约谈, 督办, 认定, 办结 (credit office) or 履行/整改进展 (the unit)."""

    permission_classes = STAFF
    serializer_class = StepInSerializer

    @extend_schema(request=StepInSerializer, responses={201: CaseSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.case_for(request.user, pk)
        data = validated(StepInSerializer(data=request.data))
        services.add_step(actor=request.user, case=case, **data)
        return Response(CaseSerializer(selectors.case_for(request.user, pk)).data, status=201)


@extend_schema_view(
    get=extend_schema(
        operation_id="integrity_arrears_list", responses=ArrearsSerializer(many=True)
    ),
    post=extend_schema(request=ArrearsInSerializer, responses={201: ArrearsSerializer}),
)
class ArrearsListView(_BodyCollectionView):
    serializer_class = ArrearsSerializer
    input_class = ArrearsInSerializer
    body_label = "欠款主体"

    def rows(self, request: Request) -> Any:
        return selectors.arrears_for(request.user)

    def create(self, request: Request, body: GovernmentBody, data: dict[str, Any]) -> Any:
        return services.register_arrears(actor=request.user, body=body, **data)


class ArrearsPaymentView(GenericAPIView):
    permission_classes = STAFF
    serializer_class = PaymentInSerializer

    @extend_schema(request=PaymentInSerializer, responses={201: ArrearsSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.arrears_case_for(request.user, pk)
        data = validated(PaymentInSerializer(data=request.data))
        services.record_payment(actor=request.user, case=case, **data)
        return Response(
            ArrearsSerializer(selectors.arrears_case_for(request.user, pk)).data, status=201
        )


class ArrearsTargetView(GenericAPIView):
    """The target "no new arrears this year" per unit and for the district (?year=)."""

    permission_classes = STAFF
    serializer_class = serializers.Serializer  # free-form JSON, described below

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        year = _year(request)
        district, rows = selectors.arrears_targets(year, selectors.units_for(request.user))
        return Response(
            {"year": year, "district": district.as_json(), "units": [r.as_json() for r in rows]}
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="integrity_commitments_list",
        responses=GovCommitmentSerializer(many=True),
    ),
    post=extend_schema(request=CommitmentInSerializer, responses={201: GovCommitmentSerializer}),
)
class CommitmentListView(_BodyCollectionView):
    serializer_class = GovCommitmentSerializer
    input_class = CommitmentInSerializer
    body_label = "承诺主体"

    def rows(self, request: Request) -> Any:
        return selectors.commitments_for(request.user)

    def create(self, request: Request, body: GovernmentBody, data: dict[str, Any]) -> Any:
        return services.record_commitment(actor=request.user, body=body, **data)


class CommitmentAssessView(GenericAPIView):
    permission_classes = STAFF
    serializer_class = AssessInSerializer

    @extend_schema(request=AssessInSerializer, responses=GovCommitmentSerializer)
    def post(self, request: Request, pk: int) -> Response:
        c = selectors.commitment_for(request.user, pk)
        data = validated(AssessInSerializer(data=request.data))
        c = services.assess_commitment(actor=request.user, commitment=c, **data)
        return Response(GovCommitmentSerializer(c).data)


class CommitmentComplaintView(GenericAPIView):
    permission_classes = STAFF
    serializer_class = ComplaintInSerializer

    @extend_schema(
        request=ComplaintInSerializer,
        responses={
            201: inline_serializer(
                "IntegrityComplaintFiled",
                {"id": serializers.IntegerField(), "status": serializers.CharField()},
            )
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        c = selectors.commitment_for(request.user, pk)
        data = validated(ComplaintInSerializer(data=request.data))
        complaint = services.file_complaint(actor=request.user, commitment=c, **data)
        return Response({"id": complaint.pk, "status": complaint.status}, status=201)


class EvaluationView(GenericAPIView):
    """The year's scores recomputed from platform data now (?year=); unit staff see
    their own unit's line only."""

    permission_classes = STAFF
    serializer_class = serializers.Serializer  # free-form JSON, described below

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        system = evaluation.get_system(_year(request))
        data = evaluation.compute(system).as_json()
        readable = readable_unit_ids(request.user)
        if readable is not None:
            data["units"] = [u for u in data["units"] if u["unit_id"] in readable]
        return Response(data)


class EvaluationUnitView(GenericAPIView):
    permission_classes = STAFF
    serializer_class = serializers.Serializer  # free-form JSON, described below

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: int) -> Response:
        unit = selectors.unit_for(request.user, pk)
        system = evaluation.get_system(_year(request))
        return Response(evaluation.unit_evaluation(system, unit).as_json())


class ManualScoreView(GenericAPIView):
    """The credit office scores a manual indicator for a unit, with evidence."""

    permission_classes = STAFF
    serializer_class = ScoreInSerializer

    @extend_schema(
        request=ScoreInSerializer,
        responses={
            201: inline_serializer(
                "IntegrityManualScore",
                {"id": serializers.IntegerField(), "score": serializers.CharField()},
            )
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(ScoreInSerializer(data=request.data))
        system = evaluation.get_system(data["year"])
        indicator = Indicator.objects.filter(
            system=system, code=data["indicator"].strip().upper()
        ).first()
        if indicator is None:
            raise NotFoundError(f"{system.year} 年指标体系中没有指标“{data['indicator']}”。")
        row = evaluation.set_manual_score(
            actor=request.user,
            indicator=indicator,
            unit=data["unit"],
            score=data["score"],
            evidence=data["evidence"],
        )
        return Response({"id": row.pk, "score": str(row.score)}, status=201)


class EvaluationExportView(FileDownloadMixin, GenericAPIView):
    """The annual assessment XLSX (credit office and leaders)."""

    permission_classes = STAFF
    download_types = (XLSX,)

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False)],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        if readable_unit_ids(request.user) is not None:
            raise NotPermitted("只有信用办管理员和领导可以导出全区政务诚信评价。")
        return xlsx_response(evaluation.get_system(_year(request)))


class ScanView(GenericAPIView):
    """Run the monitoring now (credit office)."""

    permission_classes = STAFF
    serializer_class = serializers.Serializer  # free-form JSON, described below

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        return Response(monitoring.scan(actor=request.user).as_json())


urlpatterns = [
    path("integrity/summary/", SummaryView.as_view(), name="integrity-summary"),
    path("integrity/alerts/", AlertListView.as_view(), name="integrity-alerts"),
    path(
        "integrity/alerts/<int:pk>/acknowledge/",
        AlertAcknowledgeView.as_view(),
        name="integrity-alert-ack",
    ),
    path(
        "integrity/alerts/<int:pk>/resolve/",
        AlertResolveView.as_view(),
        name="integrity-alert-resolve",
    ),
    path("integrity/bodies/", BodyListView.as_view(), name="integrity-bodies"),
    path("integrity/units/<int:pk>/file/", UnitFileView.as_view(), name="integrity-unit-file"),
    path("integrity/cases/", CaseListView.as_view(), name="integrity-cases"),
    path("integrity/cases/<int:pk>/", CaseDetailView.as_view(), name="integrity-case"),
    path("integrity/cases/<int:pk>/steps/", CaseStepView.as_view(), name="integrity-case-steps"),
    path("integrity/arrears/", ArrearsListView.as_view(), name="integrity-arrears"),
    path(
        "integrity/arrears/targets/", ArrearsTargetView.as_view(), name="integrity-arrears-targets"
    ),
    path(
        "integrity/arrears/<int:pk>/payments/",
        ArrearsPaymentView.as_view(),
        name="integrity-arrears-payments",
    ),
    path("integrity/commitments/", CommitmentListView.as_view(), name="integrity-commitments"),
    path(
        "integrity/commitments/<int:pk>/assess/",
        CommitmentAssessView.as_view(),
        name="integrity-commitment-assess",
    ),
    path(
        "integrity/commitments/<int:pk>/complaints/",
        CommitmentComplaintView.as_view(),
        name="integrity-commitment-complaints",
    ),
    path("integrity/evaluation/", EvaluationView.as_view(), name="integrity-evaluation"),
    path(
        "integrity/evaluation/export/",
        EvaluationExportView.as_view(),
        name="integrity-evaluation-export",
    ),
    path(
        "integrity/evaluation/scores/",
        ManualScoreView.as_view(),
        name="integrity-evaluation-scores",
    ),
    path(
        "integrity/evaluation/units/<int:pk>/",
        EvaluationUnitView.as_view(),
        name="integrity-evaluation-unit",
    ),
    path("integrity/scan/", ScanView.as_view(), name="integrity-scan"),
]
