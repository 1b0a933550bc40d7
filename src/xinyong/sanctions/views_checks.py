"""Workspace pages of measures and checks (/workspace/sanctions/…) and the portal's
typical cases (/credit/cases/).

Thin adapters over `measures` and `checks`: a unit's staff check for their own unit, see
only their own unit's checks (another unit's answers 404) and report feedback; the credit
office and leaders see everything; the compliance report is theirs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.core.errors import DomainError, NotFoundError
from xinyong.orgs import permissions
from xinyong.orgs.models import Role
from xinyong.publicity.views import throttled
from xinyong.subjects.selectors import search_for
from xinyong.web.access import role_required
from xinyong.web.navigation import register_module

from . import checks, measures
from .models import Check, CheckMeasure, ListType, Matter, Measure, TypicalCase

PAGE_SIZE = 30
CHECK_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER)
READ_ROLES = (Role.CREDIT_ADMIN, Role.LEADER, Role.REPORTER, Role.REVIEWER)
OVERVIEW_ROLES = (Role.CREDIT_ADMIN, Role.LEADER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def register_navigation() -> None:
    group = "联合奖惩"
    register_module(
        "sanctions.check",
        "奖惩查询",
        "sanctions:check-new",
        roles=CHECK_ROLES,
        order=520,
        group=group,
        description="办理事项前查询主体适用的奖惩措施及依据",
    )
    register_module(
        "sanctions.checks",
        "查询与反馈",
        "sanctions:checks",
        roles=READ_ROLES,
        order=521,
        group=group,
        description="本单位的查询记录、执行反馈与逾期提醒",
    )
    register_module(
        "sanctions.stats",
        "奖惩统计",
        "sanctions:check-stats",
        roles=READ_ROLES,
        order=522,
        group=group,
        description="查询、命中、措施实施与反馈率，按单位、按月",
    )
    register_module(
        "sanctions.measures",
        "奖惩措施清单",
        "sanctions:measures",
        roles=READ_ROLES,
        order=523,
        group=group,
        description="措施名称、法律依据、实施单位、适用名单",
    )
    register_module(
        "sanctions.compliance",
        "于法有据检查",
        "sanctions:compliance",
        roles=OVERVIEW_ROLES,
        order=524,
        group=group,
        description="措施、名单类型、目录条目的法律依据检查",
    )
    register_module(
        "sanctions.cases",
        "典型案例",
        "sanctions:cases",
        roles=READ_ROLES,
        order=525,
        group=group,
        description="联合奖惩典型案例的报送与发布",
    )


def _today() -> date:
    return timezone.localdate()


def _http(exc: DomainError) -> Exception:
    if isinstance(exc, NotFoundError):
        return Http404(exc.message)
    return PermissionDenied(exc.message)


# ---------------------------------------------------------------- measures


@role_required(*READ_ROLES, denied="无权查看奖惩措施清单。")
def measure_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in Measure.Kind.values else ""
    list_type = request.GET.get("list_type", "")[:30]
    matter = request.GET.get("matter", "")[:30]
    query = request.GET.get("q", "").strip()[:100]
    items = measures.list_measures(kind=kind, list_type=list_type, matter=matter, query=query)
    today = _today()
    rows = [(m, measures.measure_problems(m, today)) for m in items]
    return render(
        request,
        "sanctions/measure_list.html",
        {
            "rows": rows,
            "kinds": Measure.Kind.choices,
            "list_types": ListType.objects.order_by("kind", "code"),
            "matters": Matter.objects.order_by("code"),
            "filters": {"kind": kind, "list_type": list_type, "matter": matter, "q": query},
        },
    )


@role_required(*READ_ROLES, denied="无权查看奖惩措施清单。")
def measure_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        measure = measures.get_measure(code)
    except DomainError as exc:
        raise _http(exc) from None
    return render(
        request,
        "sanctions/measure_detail.html",
        {"measure": measure, "problems": measures.measure_problems(measure, _today())},
    )


@role_required(*OVERVIEW_ROLES, denied="只有信用办管理员和领导可以查看于法有据检查。")
def compliance(request: HttpRequest) -> HttpResponse:
    report = measures.compliance_report(actor=request.user, on=_today())
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(measures.compliance_xlsx(report), content_type=XLSX)
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''compliance-{report.on:%Y%m%d}.xlsx"
        )
        return response
    return render(
        request,
        "sanctions/measure_compliance.html",
        {"report": report, "counts": report.counts(), "flagged": report.flagged},
    )


# ---------------------------------------------------------------- checks


def _check_units(request: HttpRequest) -> list[Any]:
    return checks.units_user_may_check_for(request.user)


@role_required(*CHECK_ROLES, denied="只有责任单位的填报员、审核员或信用办管理员可以发起查询。")
def check_new(request: HttpRequest) -> HttpResponse:
    units = _check_units(request)
    if not units:
        raise PermissionDenied("您的账号未指定所属单位，不能发起查询，请联系信用办。")
    data = request.POST if request.method == "POST" else request.GET
    values = {
        "subject": data.get("subject", "").strip()[:200],
        "subject_id": data.get("subject_id", "").strip()[:20],
        "matter": data.get("matter", "").strip()[:30],
        "reference": data.get("reference", "").strip()[:100],
        "unit": data.get("unit", "").strip()[:20],
    }
    error = ""
    candidates: list[Any] = []
    if request.method == "POST":
        try:
            unit = next((u for u in units if str(u.pk) == values["unit"]), None)
            if unit is None:
                if len(units) > 1:
                    raise DomainError("请选择查询单位。")
                unit = units[0]
            matter = measures.get_matter(values["matter"])
            purpose = checks.check_purpose(matter)
            if values["subject_id"]:
                subject = checks.find_subject(
                    values["subject_id"], reader=request.user, purpose=purpose
                )
            else:
                if not values["subject"]:
                    raise DomainError(
                        "请输入主体的统一社会信用代码、身份证号码、其他证件号码或名称。"
                    )
                found = search_for(request.user, values["subject"], limit=20, purpose=purpose)
                if not found:
                    raise DomainError(
                        f"没有找到与“{values['subject']}”相符的信用主体"
                        "（自然人请输入完整的身份证号码或其他证件号码）。"
                    )
                if len(found) > 1:
                    candidates = found
                    raise DomainError("找到多个信用主体，请选择要查询的一个。")
                subject = found[0]
            check = checks.run_check(
                actor=request.user,
                unit=unit,
                subject=subject,
                matter=matter,
                reference=values["reference"],
                # Finding the subject above logged the read with the check's purpose.
                read_logged=True,
            )
            return redirect("sanctions:check", pk=check.pk)
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "sanctions/check_form.html",
        {
            "units": units,
            "matters": Matter.objects.order_by("code"),
            "values": values,
            "error": error,
            "candidates": candidates,
            "overdue": checks.overdue_checks(request.user, _today()).count(),
        },
    )


@role_required(*READ_ROLES, denied="无权查看查询记录。")
def check_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    qs = checks.checks_for(request.user)
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        qs = qs.filter(feedback_status=Check.FeedbackStatus.PENDING, feedback_due__lt=today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (c, checks.is_overdue(c, today), checks.listed_name(c), checks.feedback_due_text(c))
        for c in page.object_list
    ]
    return render(
        request,
        "sanctions/check_list.html",
        {
            "page": page,
            "rows": rows,
            "only_overdue": only_overdue,
            "overdue": checks.overdue_checks(request.user, today).count(),
            "querystring": "overdue=1" if only_overdue else "",
        },
    )


@role_required(*READ_ROLES, denied="无权查看查询记录。")
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        check = checks.get_check(request.user, pk)
    except DomainError as exc:
        raise _http(exc) from None
    error = ""
    if request.method == "POST":
        items: dict[int, tuple[str, str]] = {}
        for row in check.measures.all():
            action = request.POST.get(f"action-{row.pk}", "").strip()
            if action:
                items[row.pk] = (action, request.POST.get(f"reason-{row.pk}", ""))
        try:
            checks.submit_feedback(actor=request.user, check=check, items=items)
            return redirect("sanctions:check", pk=check.pk)
        except DomainError as exc:
            error = exc.message
    snapshot = {m["code"]: m for m in check.snapshot.get("measures", [])}
    rows = [(row, snapshot.get(row.measure.code, {})) for row in checks.check_measures(check)]
    # The page shows the person's full name and list entries: a read, as every render is.
    checks.log_check_read(check, reader=request.user)
    return render(
        request,
        "sanctions/check_detail.html",
        {
            "check": check,
            "rows": rows,
            "entries": check.snapshot.get("entries", []),
            "overdue": checks.is_overdue(check, _today()),
            "due_text": checks.feedback_due_text(check),
            "may_report": check.hit and permissions.can_write_unit_data(request.user, check.unit),
            "actions": [
                (value, label)
                for value, label in CheckMeasure.Action.choices
                if value != CheckMeasure.Action.PENDING
            ],
            "error": error,
            "posted": request.POST if request.method == "POST" else {},
        },
    )


@role_required(*READ_ROLES, denied="无权查看奖惩统计。")
def check_stats(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", "").strip()[:10]
    error = ""
    try:
        start, end = checks.parse_period(period)
    except DomainError as exc:
        error, period, start, end = exc.message, "", None, None
    stats = checks.check_statistics(reader=request.user, start=start, end=end, today=_today())
    if request.GET.get("format") == "xlsx" and not error:
        response = HttpResponse(checks.statistics_xlsx(stats), content_type=XLSX)
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''check-stats-{period or 'all'}.xlsx"
        )
        return response
    return render(
        request,
        "sanctions/check_stats.html",
        {"stats": stats, "period": period, "error": error},
    )


# ---------------------------------------------------------------- typical cases


@role_required(*READ_ROLES, denied="无权查看典型案例。")
def case_list(request: HttpRequest) -> HttpResponse:
    units = checks.units_user_may_check_for(request.user)
    error = ""
    values = {"title": "", "body": "", "unit": "", "check": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        try:
            unit = next((u for u in units if str(u.pk) == values["unit"]), None)
            if unit is None:
                if len(units) != 1:
                    raise DomainError("请选择报送单位。")
                unit = units[0]
            check = checks.get_check(request.user, values["check"]) if values["check"] else None
            checks.write_case(
                actor=request.user,
                unit=unit,
                title=values["title"],
                body=values["body"],
                check=check,
            )
            return redirect("sanctions:cases")
        except DomainError as exc:
            error = exc.message
    page = Paginator(checks.cases_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sanctions/check_cases.html",
        {
            "page": page,
            "units": units,
            "values": values,
            "error": error,
            "may_publish": permissions.is_credit_admin(request.user),
            "querystring": "",
        },
    )


@require_POST
@role_required(Role.CREDIT_ADMIN, denied="只有信用办管理员可以发布典型案例。")
def case_publish(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = checks.get_case_for(request.user, pk)
        checks.publish_case(actor=request.user, case=case)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("sanctions:cases")


@throttled
def public_cases(request: HttpRequest) -> HttpResponse:
    page = Paginator(checks.published_cases(), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "sanctions/check_public_cases.html",
        {
            "page": page,
            "querystring": "",
            "cases": [(c, checks.public_title(c), checks.public_body(c)) for c in page],
        },
    )


@throttled
def public_case(request: HttpRequest, pk: int) -> HttpResponse:
    case: TypicalCase | None = checks.published_cases().filter(pk=pk).first()
    if case is None:
        raise Http404("未找到该案例。")
    return render(
        request,
        "sanctions/check_public_case.html",
        {"case": case, "title": checks.public_title(case), "body": checks.public_body(case)},
    )
