"""REST endpoints of 工作台账 under /api/v1/ledger/…: rows and their status, one
assignment with its reports, progress reporting (JSON or multipart with evidence files),
review, per-unit status, and the leaders' dashboard data. Thin adapters over `services`
and `selectors`; refusals come back as {"detail", "code"} in Chinese."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from xinyong.core.api import JSONParser, validated
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.orgs import permissions
from xinyong.orgs.models import Role

from . import dashboard, selectors, services
from .models import Plan, ProgressReport

_DATE_ERRORS: dict[str, Any] = {"invalid": "日期格式应为 YYYY-MM-DD。"}


class IsLedgerStaff(BasePermission):
    message = "只有信用办、领导和责任单位工作人员可以查看工作台账。"

    def has_permission(self, request: Any, view: Any) -> bool:
        role = permissions.role_of(request.user)
        if role in (Role.CREDIT_ADMIN, Role.LEADER):
            return True
        return role in (Role.REPORTER, Role.REVIEWER) and request.user.unit_id is not None


class IsOfficeOrLeader(BasePermission):
    message = "只有信用办管理员和领导可以查看。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return permissions.role_of(request.user) in (Role.CREDIT_ADMIN, Role.LEADER)


YEAR_PARAM = OpenApiParameter(
    "year", int, required=False, description="工作方案年度，默认当前方案（如 2026）"
)


def _plan(request: Request) -> Plan:
    year = request.query_params.get("year")
    if year:
        if not str(year).isdigit():
            raise DomainError("年度应为四位数字，如 2026。")
        return selectors.get_plan(year)
    plan = selectors.current_plan()
    if plan is None:
        raise DomainError("尚未载入任何年度工作方案。", code="no_plan")
    return plan


class LedgerReportSerializer(serializers.ModelSerializer):
    claim_label = serializers.CharField(source="get_claim_display", read_only=True)
    review_label = serializers.CharField(source="get_review_display", read_only=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "reported_on",
            "date_reason",
            "claim",
            "claim_label",
            "narrative",
            "review",
            "review_label",
            "lead_comment",
            "office_comment",
            "evidence",
        ]

    def get_evidence(self, report: ProgressReport) -> list[dict[str, Any]]:
        return [
            {"id": e.pk, "kind": e.kind, "name": e.original_name, "url": e.url}
            for e in report.evidence.all()
        ]


class ProgressSerializer(serializers.Serializer):
    claim = serializers.ChoiceField(
        label="进展状态",
        choices=ProgressReport.Claim.choices,
        help_text="in_progress 推进中 / completed 已完成",
    )
    narrative = serializers.CharField(label="工作进展", max_length=4000)
    reported_on = serializers.DateField(
        label="报送日期",
        required=False,
        error_messages=_DATE_ERRORS,
        help_text="默认今天；只有信用办可以补录更早的日期（须填写 date_reason）",
    )
    date_reason = serializers.CharField(
        label="补录理由", max_length=500, required=False, allow_blank=True
    )
    links = serializers.ListField(
        label="网站发布链接", child=serializers.CharField(max_length=500), required=False
    )


class LedgerReviewSerializer(serializers.Serializer):
    """The lead unit's or the credit office's review of a progress report (named apart
    from the spot-check review in the OpenAPI document)."""

    decision = serializers.ChoiceField(
        label="审核结果", choices=[("accept", "通过"), ("return", "退回")]
    )
    comment = serializers.CharField(
        label="审核意见", max_length=2000, required=False, allow_blank=True
    )


def _assignment_data(reader: Any, pk: Any) -> dict[str, Any]:
    a = selectors.get_assignment_for(reader, pk)
    plan = a.row.plan
    state = selectors.assignment_states(plan, assignments=[a])[0]
    targets = selectors.evaluate_targets(plan, [a]).get(a.pk, [])
    row = a.row
    return {
        "id": a.pk,
        "year": plan.year,
        "row": {
            "id": row.pk,
            "number": row.number,
            "level1": row.level1,
            "level2": row.level2,
            "level3": row.level3,
            "level4": row.level4,
            "work": row.work,
            "units_text": row.units_text,
            "deadline": row.deadline.isoformat() if row.deadline else row.deadline_label,
            "tasks": list(row.tasks.values_list("number", flat=True)),
            "lead_units": list(row.lead_units.values_list("name", flat=True)),
        },
        **state.as_dict(),
        "targets": [t.as_dict() for t in targets],
        "reports": LedgerReportSerializer(a.reports.prefetch_related("evidence"), many=True).data,
    }


class RowsView(GenericAPIView):
    """The plan's rows with their status: every row for the credit office and leaders,
    the caller's own rows (with its status and targets) for unit staff. `?year=`,
    `?unit=` (credit office and leaders)."""

    permission_classes = [IsLedgerStaff]

    @extend_schema(
        parameters=[
            YEAR_PARAM,
            OpenApiParameter(
                "unit",
                str,
                required=False,
                description="单位名称（任一写法）或编号；仅信用办和领导可用，责任单位只见本单位",
            ),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        plan = _plan(request)
        role = permissions.role_of(request.user)
        unit = None
        if role in (Role.REPORTER, Role.REVIEWER):
            unit = getattr(request.user, "unit", None)
        elif request.query_params.get("unit"):
            unit = services.resolve_unit_filter(request.query_params["unit"])
        rows = selectors.row_status(plan, unit=unit)
        return Response({"year": plan.year, "unit": unit.name if unit else None, "rows": rows})


class AssignmentView(GenericAPIView):
    permission_classes = [IsLedgerStaff]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_assignment_data(request.user, pk))


class ProgressView(GenericAPIView):
    """Report progress on an assignment of the caller's unit. JSON, or multipart with
    `files` (documents, photos) and `links` (one per field)."""

    permission_classes = [IsLedgerStaff]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = ProgressSerializer

    @extend_schema(request=ProgressSerializer, responses={201: LedgerReportSerializer})
    def post(self, request: Request, pk: int) -> Response:
        if permissions.is_leader(request.user):
            raise NotPermitted("领导账号为只读账号，不能报送进展。")
        a = selectors.get_assignment_for(request.user, pk)
        payload = request.data
        if hasattr(payload, "getlist"):
            data = {
                k: payload.get(k)
                for k in ("claim", "narrative", "reported_on", "date_reason")
                if payload.get(k)
            }
            data["links"] = [x for x in payload.getlist("links") if x]
        else:
            data = payload
        values = validated(ProgressSerializer(data=data))
        report = services.report_progress(
            actor=request.user,
            assignment=a,
            claim=values["claim"],
            narrative=values["narrative"],
            reported_on=values.get("reported_on"),
            date_reason=values.get("date_reason", ""),
            files=request.FILES.getlist("files") if hasattr(request, "FILES") else [],
            links=values.get("links", []),
        )
        return Response(LedgerReportSerializer(report).data, status=201)


class ReviewView(GenericAPIView):
    permission_classes = [IsLedgerStaff]
    serializer_class = LedgerReviewSerializer

    @extend_schema(request=LedgerReviewSerializer, responses=LedgerReportSerializer)
    def post(self, request: Request, pk: int) -> Response:
        if permissions.role_of(request.user) not in (Role.CREDIT_ADMIN, Role.REVIEWER):
            raise NotPermitted("只有牵头单位的审核员或信用办管理员可以审核进展。")
        report = selectors.get_report_for(request.user, pk)
        values = validated(LedgerReviewSerializer(data=request.data))
        report = services.review_report(
            actor=request.user,
            report=report,
            accept=values["decision"] == "accept",
            comment=values.get("comment", ""),
        )
        return Response(LedgerReportSerializer(report).data)


class StatusView(GenericAPIView):
    """Per-unit summary in the fixed 通报 order (every active unit), with totals."""

    permission_classes = [IsLedgerStaff]

    @extend_schema(parameters=[YEAR_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        plan = _plan(request)
        picture = selectors.plan_picture(plan)
        units = picture.units
        if permissions.role_of(request.user) in (Role.REPORTER, Role.REVIEWER):
            units = [s for s in units if s.unit.pk == getattr(request.user, "unit_id", None)]
        return Response(
            {
                "year": plan.year,
                "on": picture.on.isoformat(),
                "completion": str(picture.completion),
                "totals": picture.totals(),
                "units": [s.as_dict() for s in units],
            }
        )


class AssessmentView(GenericAPIView):
    permission_classes = [IsOfficeOrLeader]

    @extend_schema(parameters=[YEAR_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        plan = _plan(request)
        return Response(
            {
                "year": plan.year,
                "rules": selectors.rules_text(selectors.rules_for(plan)),
                "scores": [s.as_dict() for s in selectors.assessment(plan)],
            }
        )


class DashboardView(GenericAPIView):
    permission_classes = [IsOfficeOrLeader]

    @extend_schema(parameters=[YEAR_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(dashboard.dashboard_data(_plan(request)))


urlpatterns = [
    path("ledger/rows/", RowsView.as_view(), name="ledger-rows"),
    path("ledger/assignments/<int:pk>/", AssignmentView.as_view(), name="ledger-assignment"),
    path("ledger/assignments/<int:pk>/reports/", ProgressView.as_view(), name="ledger-progress"),
    path("ledger/reports/<int:pk>/review/", ReviewView.as_view(), name="ledger-review"),
    path("ledger/status/", StatusView.as_view(), name="ledger-status"),
    path("ledger/assessment/", AssessmentView.as_view(), name="ledger-assessment"),
    path("ledger/dashboard/", DashboardView.as_view(), name="ledger-dashboard"),
]
