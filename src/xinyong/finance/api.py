"""REST endpoints of 信易贷 under /api/v1/xinyidai/…: the published white list (banks and
staff), screening and the two reviews, the export for the provincial platform, a bank's
request for an authorised enterprise's credit report, loan outcomes and statistics.
Thin adapters over services and selectors; token or session authentication."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from xinyong.core.api import validated as _validated
from xinyong.core.api_files import FileDownloadMixin
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.inputs import clean_year
from xinyong.orgs.models import Role
from xinyong.orgs.permissions import IsCreditAdmin, role_of
from xinyong.subjects.models import Subject

from . import exports, selectors, services
from .models import LoanOutcome, WhitelistItem, WhitelistRun
from .views import bank_grade, bank_reasons, can_view_staff

_DATE_ERRORS: dict[str, Any] = {"invalid": "日期格式应为 YYYY-MM-DD。"}


class IsBank(BasePermission):
    message = "只有合作银行用户可以执行此操作。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) == Role.BANK


class IsFinanceStaff(BasePermission):
    message = "只有信用办、金融工作局审核员和领导可以执行此操作。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return can_view_staff(request.user)


class IsBankOrFinanceStaff(BasePermission):
    message = "只有合作银行、信用办、金融工作局审核员和领导可以查看白名单。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) == Role.BANK or can_view_staff(request.user)


class WhitelistItemSerializer(serializers.ModelSerializer):
    """A subject on a screening run or the published 信易贷 white list (named apart from
    the personnel file item in the OpenAPI document)."""

    name = serializers.CharField(source="subject.name")
    code = serializers.CharField(source="subject.display_identifier")
    status_label = serializers.CharField(source="get_status_display")
    grade = serializers.CharField(
        help_text="筛选时信用等级；对银行仅在信用办公开信用等级时给出，否则为空"
    )

    class Meta:
        model = WhitelistItem
        fields = [
            "id",
            "subject",
            "name",
            "code",
            "grade",
            "status",
            "status_label",
            "reasons",
            "note",
            "removed_on",
        ]

    def to_representation(self, instance: WhitelistItem) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        # A bank reads what its pages show (views.bank_grade, views.bank_reasons): the
        # criteria of the run are in the context when the caller is a bank.
        criteria = self.context.get("bank_criteria")
        if criteria is not None:
            data["grade"] = bank_grade(instance)
            data["reasons"] = bank_reasons(instance, criteria)
        return data


class RunSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code")
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = WhitelistRun
        fields = [
            "id",
            "number",
            "rule",
            "criteria",
            "screened_on",
            "status",
            "status_label",
            "candidates",
            "eligible",
            "seconds",
            "credit_opinion",
            "finance_opinion",
            "published_at",
        ]


class OpinionSerializer(serializers.Serializer):
    opinion = serializers.CharField(
        label="审核意见", max_length=2000, required=False, allow_blank=True
    )


class OutcomeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="subject.name", read_only=True)
    recommended = serializers.SerializerMethodField()

    class Meta:
        model = LoanOutcome
        fields = [
            "id",
            "bank",
            "subject",
            "name",
            "applied_on",
            "status",
            "granted_on",
            "amount_wan",
            "loan_type",
            "rate_percent",
            "term_months",
            "note",
            "recommended",
        ]

    def get_recommended(self, o: LoanOutcome) -> bool:
        return o.whitelist_item_id is not None


class OutcomeInputSerializer(serializers.Serializer):
    subject = serializers.IntegerField(label="企业（主体编号）", min_value=1)
    applied_on = serializers.DateField(label="申请日期", error_messages=_DATE_ERRORS)
    status = serializers.CharField(label="结果", max_length=20, help_text="applied/granted/refused")
    granted_on = serializers.DateField(
        label="放款日期", required=False, allow_null=True, error_messages=_DATE_ERRORS
    )
    amount_wan = serializers.DecimalField(
        label="金额（万元）", max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    loan_type = serializers.CharField(
        label="贷款方式", max_length=20, required=False, allow_blank=True
    )
    rate_percent = serializers.DecimalField(
        label="年利率（%）", max_digits=6, decimal_places=3, required=False, allow_null=True
    )
    term_months = serializers.IntegerField(label="期限（月）", required=False, allow_null=True)
    note = serializers.CharField(label="说明", max_length=300, required=False, allow_blank=True)


def _run(pk: int) -> WhitelistRun:
    run = WhitelistRun.objects.select_related("rule").filter(pk=pk).first()
    if run is None:
        raise NotFoundError("名单批次不存在。")
    return run


class WhitelistView(GenericAPIView):
    """The published white list (listed and removed entries, each with its reasons)."""

    permission_classes = [IsBankOrFinanceStaff]
    serializer_class = WhitelistItemSerializer

    @extend_schema(responses=WhitelistItemSerializer(many=True))
    def get(self, request: Request) -> Response:
        run = services.current_run()
        page = self.paginate_queryset(selectors.published_items(run))
        context = (
            {"bank_criteria": run.criteria}
            if run is not None and role_of(request.user) == Role.BANK
            else {}
        )
        return self.get_paginated_response(
            WhitelistItemSerializer(page, many=True, context=context).data
        )


class RunCollectionView(GenericAPIView):
    """GET: screening runs; POST: screen every candidate with the rule in force (信用办)."""

    serializer_class = RunSerializer

    def get_permissions(self) -> list[BasePermission]:
        return [IsCreditAdmin()] if self.request.method == "POST" else [IsFinanceStaff()]

    @extend_schema(responses=RunSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(WhitelistRun.objects.select_related("rule").order_by("-id"))
        return self.get_paginated_response(RunSerializer(page, many=True).data)

    @extend_schema(request=None, responses={201: RunSerializer})
    def post(self, request: Request) -> Response:
        run = services.screen(actor=request.user)
        return Response(RunSerializer(run).data, status=201)


class RunItemsView(GenericAPIView):
    """A run's subjects with their reasons; ?status=listed|ineligible|excluded|removed."""

    permission_classes = [IsFinanceStaff]
    serializer_class = WhitelistItemSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, required=False, enum=list(WhitelistItem.Status.values))
        ],
        responses=WhitelistItemSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        run = _run(pk)
        qs = run.items.select_related("subject").order_by("subject__name")
        status = request.query_params.get("status")
        if status:
            if status not in WhitelistItem.Status.values:
                raise DomainError(f"状态应为：{'、'.join(WhitelistItem.Status.values)}。")
            qs = qs.filter(status=status)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(WhitelistItemSerializer(page, many=True).data)


class RunActionView(GenericAPIView):
    """Review a run: approve-credit (信用办), approve-finance (金融工作局审核员, publishes)
    or return (either reviewer, opinion required)."""

    permission_classes = [IsFinanceStaff]
    serializer_class = OpinionSerializer
    action_name = ""

    @extend_schema(request=OpinionSerializer, responses=RunSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(OpinionSerializer(data=request.data))
        run = _run(pk)
        opinion = data.get("opinion", "")
        if self.action_name == "approve-credit":
            run = services.approve_credit(actor=request.user, run=run, opinion=opinion)
        elif self.action_name == "approve-finance":
            run = services.approve_finance(actor=request.user, run=run, opinion=opinion)
        else:
            run = services.return_run(actor=request.user, run=run, opinion=opinion)
        return Response(RunSerializer(run).data)


class ExportView(FileDownloadMixin, GenericAPIView):
    """The published list as XLSX or CSV for the provincial 信易贷 platform (信用办)."""

    # `?format=` is this export's own parameter: FileDownloadMixin's negotiation keeps DRF
    # from reading it as a renderer name (which answered 404 for csv and xlsx alike).
    permission_classes = [IsCreditAdmin]
    download_types = ("application/octet-stream",)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                str,
                required=False,
                enum=["xlsx", "csv"],
                description="导出格式，默认 xlsx",
            )
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        name, content = exports.export_whitelist(
            actor=request.user, fmt=request.query_params.get("format", "xlsx")
        )
        response = HttpResponse(content, content_type="application/octet-stream")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response


class BankReportView(FileDownloadMixin, GenericAPIView):
    """An authorised enterprise's credit report (PDF) for the calling bank; without the
    enterprise's authorisation in force: 403, and the attempt is logged."""

    permission_classes = [IsBank]
    download_types = ("application/pdf",)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        subject = Subject.objects.filter(pk=pk).first()
        if subject is None or subject.is_person:
            raise NotFoundError("未找到该企业。")
        report, pdf = services.bank_report(actor=request.user, subject=subject)
        response = HttpResponse(pdf, content_type="application/pdf")
        number = getattr(report, "number", "") or str(getattr(report, "pk", ""))
        response["Content-Disposition"] = f'inline; filename="report-{number}.pdf"'
        return response


class OutcomeCollectionView(GenericAPIView):
    """GET: the calling bank's reported outcomes; POST: report one."""

    permission_classes = [IsBank]
    serializer_class = OutcomeSerializer

    @extend_schema(responses=OutcomeSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = LoanOutcome.objects.filter(bank=services.bank_of(request.user)).select_related(
            "subject"
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(OutcomeSerializer(page, many=True).data)

    @extend_schema(request=OutcomeInputSerializer, responses={201: OutcomeSerializer})
    def post(self, request: Request) -> Response:
        data = _validated(OutcomeInputSerializer(data=request.data))
        subject = Subject.objects.filter(pk=data.pop("subject")).first()
        if subject is None:
            raise NotFoundError("未找到该企业。")
        outcome = services.report_outcome(actor=request.user, subject=subject, **data)
        return Response(OutcomeSerializer(outcome).data, status=201)


class StatisticsView(GenericAPIView):
    """信易贷 figures for a year (?year=2026): credit-loan volume and growth against the
    city average, success rate of recommended firms, 银企对接 events."""

    permission_classes = [IsFinanceStaff]

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("year") or str(timezone.localdate().year)
        return Response(selectors.statistics(clean_year(text)).as_dict())


urlpatterns = [
    path("xinyidai/whitelist/", WhitelistView.as_view(), name="xinyidai-whitelist"),
    path("xinyidai/runs/", RunCollectionView.as_view(), name="xinyidai-runs"),
    path("xinyidai/runs/<int:pk>/items/", RunItemsView.as_view(), name="xinyidai-run-items"),
    path(
        "xinyidai/runs/<int:pk>/approve-credit/",
        RunActionView.as_view(action_name="approve-credit"),
        name="xinyidai-approve-credit",
    ),
    path(
        "xinyidai/runs/<int:pk>/approve-finance/",
        RunActionView.as_view(action_name="approve-finance"),
        name="xinyidai-approve-finance",
    ),
    path(
        "xinyidai/runs/<int:pk>/return/",
        RunActionView.as_view(action_name="return"),
        name="xinyidai-return",
    ),
    path("xinyidai/export/", ExportView.as_view(), name="xinyidai-export"),
    path("xinyidai/subjects/<int:pk>/report/", BankReportView.as_view(), name="xinyidai-report"),
    path("xinyidai/outcomes/", OutcomeCollectionView.as_view(), name="xinyidai-outcomes"),
    path("xinyidai/statistics/", StatisticsView.as_view(), name="xinyidai-statistics"),
]
