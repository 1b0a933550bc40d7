"""Workspace pages of the work ledger (under /workspace/ledger/): units see and report on
their own rows; lead units' reviewers and the credit office review; the credit office
runs 督办, 通报 and the assessment; leaders see everything, write 批示 and use the
dashboard. Thin adapters over `services` and `selectors`; refusals are shown in Chinese."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import MAX_TEXT, positive_id
from xinyong.orgs import form_keys, permissions
from xinyong.orgs.models import Role, Unit
from xinyong.web.access import role_required
from xinyong.web.navigation import register_module

from . import dashboard, reports, selectors, services
from .models import Activity, Assignment, Bulletin, Plan, ProgressReport, SupervisionItem

STAFF_ROLES = (Role.CREDIT_ADMIN, Role.LEADER, Role.REPORTER, Role.REVIEWER)
WRITE_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER)
REVIEW_ROLES = (Role.CREDIT_ADMIN, Role.REVIEWER)
OFFICE_ROLES = (Role.CREDIT_ADMIN, Role.LEADER)
DENIED_STAFF = "只有信用办、领导和责任单位工作人员可以查看工作台账。"
DENIED_REVIEW = "只有信用办管理员和部门审核员可以审核台账进展。"
DENIED_OFFICE = "只有信用办管理员和领导可以查看。"
DENIED_ADMIN = "只有信用办管理员可以执行此操作。"
PAGE_SIZE = 50
STATUS_FILTERS = {
    "accepted": (Assignment.Status.ACCEPTED,),
    "pending": (Assignment.Status.SUBMITTED, Assignment.Status.LEAD_ACCEPTED),
    "in_progress": (Assignment.Status.IN_PROGRESS, Assignment.Status.RETURNED),
    "not_reported": (Assignment.Status.NOT_REPORTED,),
}
STATUS_FILTER_LABELS = {
    "accepted": "已完成",
    "pending": "待审核",
    "in_progress": "推进中（含退回）",
    "not_reported": "未报送",
}


def register_navigation() -> None:
    group = "工作台账"
    register_module(
        "ledger.home",
        "工作台账",
        "ledger:home",
        roles=STAFF_ROLES,
        order=800,
        group=group,
        description="年度工作方案的台账事项、责任单位进展报送与期限预警",
    )
    register_module(
        "ledger.review",
        "进展审核",
        "ledger:review",
        roles=REVIEW_ROLES,
        order=801,
        group=group,
        description="牵头单位和信用办审核各单位报送的完成情况",
    )
    register_module(
        "ledger.activities",
        "宣传培训活动",
        "ledger:activities",
        roles=STAFF_ROLES,
        order=802,
        group=group,
        description="诚信宣传、信用培训、信易贷对接和典型案例的记录与佐证",
    )
    register_module(
        "ledger.supervision",
        "督办事项",
        "ledger:supervision",
        roles=STAFF_ROLES,
        order=803,
        group=group,
        description="重点任务督办、领导批示与办理反馈",
    )
    register_module(
        "ledger.bulletins",
        "台账通报",
        "ledger:bulletins",
        roles=OFFICE_ROLES,
        order=804,
        group=group,
        description="按月通报各单位推进情况（XLSX、PDF）",
    )
    register_module(
        "ledger.assessment",
        "目标考核",
        "ledger:assessment",
        roles=OFFICE_ROLES,
        order=805,
        group=group,
        description="按考核规则计算各单位得分与排名",
    )
    register_module(
        "ledger.dashboard",
        "领导驾驶舱",
        "ledger:dashboard",
        roles=OFFICE_ROLES,
        order=806,
        group=group,
        description="方案完成情况、逾期、双公示、黑名单、异议修复、信易贷、政务诚信一屏总览",
    )
    register_module(
        "ledger.plans",
        "年度方案",
        "ledger:plans",
        roles=OFFICE_ROLES,
        order=807,
        group=group,
        description="各年度工作方案与重点工作，复制为下一年度方案",
    )


# ------------------------------------------------------------------ helpers


def _plan(request: HttpRequest) -> Plan:
    year = request.GET.get("year") or request.POST.get("year")
    if year:
        try:
            return selectors.get_plan(year)
        except DomainError as exc:
            raise Http404(exc.message) from None
    plan = selectors.current_plan()
    if plan is None:
        raise Http404("尚未载入任何年度工作方案。")
    return plan


def _date_or_none(value: Any) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"日期格式不正确：“{text[:20]}”，应为 YYYY-MM-DD。") from None


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    try:
        return selectors.get_assignment_for(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


def _plans() -> list[Plan]:
    return list(Plan.objects.order_by("-year"))


@dataclass
class Posted:
    """A refused form submission, shown again with the page (status 200, as the other
    workspace forms do) instead of a redirect that would lose what was typed: which form
    (`form`), for which object on the page (`target`), why, and the typed values."""

    form: str
    error: str
    values: dict[str, str] = field(default_factory=dict)
    target: int | None = None
    # Set by the page: False when the form is not on the page for this person (a refused
    # permission, or the object has moved on), so the error is shown at the top instead.
    inline: bool = True


# Browsers never fill a file input again (a page may not choose files on a person's
# disk), so after a refusal the person has to choose the files once more: say so.
FILES_AGAIN = "已选择的文件未上传，请重新选择文件。"


def _typed(request: HttpRequest, *names: str) -> dict[str, str]:
    # Bounded: one character over the longest field limit is enough for the person to see
    # what was refused, and the page never echoes an arbitrarily large body back.
    return {name: str(request.POST.get(name, ""))[: MAX_TEXT + 1] for name in names}


def _refused(request: HttpRequest, form: str, exc: DomainError, *names: str) -> Posted:
    error = exc.message
    if request.FILES.getlist("files"):
        error += FILES_AGAIN
    return Posted(form=form, error=error, values=_typed(request, *names))


# ------------------------------------------------------------------ the ledger list


@role_required(*STAFF_ROLES, denied=DENIED_STAFF)
def home(request: HttpRequest) -> HttpResponse:
    plan = _plan(request)
    qs = selectors.assignments_for(request.user, plan).order_by(
        "row__number", "unit__sort_order", "unit__name"
    )
    status = request.GET.get("status", "")
    if status in STATUS_FILTERS:
        qs = qs.filter(status__in=STATUS_FILTERS[status])
    unit = Unit.objects.filter(pk=positive_id(request.GET.get("unit")) or 0).first()
    if unit is not None:
        qs = qs.filter(unit=unit)
    row_number = positive_id(request.GET.get("row"))
    if row_number:
        qs = qs.filter(row__number=row_number)
    states = selectors.assignment_states(plan, assignments=qs)
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        states = [s for s in states if s.overdue]
    page = Paginator(states, PAGE_SIZE).get_page(request.GET.get("page"))
    targets = selectors.evaluate_targets(plan, [s.assignment for s in page.object_list])
    role = permissions.role_of(request.user)
    own = role in (Role.REPORTER, Role.REVIEWER)
    warnings = (
        selectors.warnings_for(request.user, plan).filter(created_on__gte=date(plan.year, 1, 1))[
            :10
        ]
        if own
        else []
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ledger/home.html",
        {
            "plan": plan,
            "plans": _plans(),
            "page": page,
            "rows": [(s, targets.get(s.assignment.pk, [])) for s in page.object_list],
            "status": status,
            "status_filters": STATUS_FILTER_LABELS,
            "unit": unit,
            "units": Unit.objects.filter(ledger_assignments__row__plan=plan)
            .distinct()
            .order_by("sort_order"),
            "row_number": row_number or "",
            "only_overdue": only_overdue,
            "own": own,
            "warnings": warnings,
            "querystring": query.urlencode(),
            "NAV_CURRENT": "ledger:home",
        },
    )


@role_required(*STAFF_ROLES, denied=DENIED_STAFF)
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _assignment_page(request, _assignment(request, pk))


def _assignment_page(
    request: HttpRequest, a: Assignment, posted: Posted | None = None
) -> HttpResponse:
    plan = a.row.plan
    state = selectors.assignment_states(plan, assignments=[a])[0]
    targets = selectors.evaluate_targets(plan, [a]).get(a.pk, [])
    reports_qs = a.reports.select_related("submitted_by").prefetch_related("evidence")
    user = request.user
    may_report = permissions.role_of(user) in WRITE_ROLES and permissions.can_write_unit_data(
        user, a.unit
    )
    reviewable = {
        r.pk
        for r in reports_qs
        if (r.review == ProgressReport.Review.SUBMITTED and services.may_lead_review(user, r))
        or (r.review == ProgressReport.Review.LEAD_ACCEPTED and permissions.is_credit_admin(user))
    }
    may_supervise = permissions.is_credit_admin(user)
    if posted is not None:
        posted.inline = {
            "report": may_report,
            "supervise": may_supervise,
            "review": posted.target in reviewable,
        }.get(posted.form, False)
    return render(
        request,
        "ledger/assignment.html",
        {
            "a": a,
            "row": a.row,
            "plan": plan,
            "state": state,
            "targets": targets,
            "reports": reports_qs,
            "reviewable": reviewable,
            "may_report": may_report,
            # Only the credit office may date a report earlier than the day it is filed.
            "may_backdate": permissions.is_credit_admin(user),
            "today": timezone.localdate(),
            "claims": ProgressReport.Claim.choices,
            "supervision": a.supervision_items.prefetch_related("instructions"),
            "may_supervise": may_supervise,
            # One-time keys: a form sent twice records one report / one 督办 item.
            "once_report": form_keys.issue(request) if may_report else "",
            "once_supervise": form_keys.issue(request) if may_supervise else "",
            "tasks": a.row.tasks.all(),
            "lead_units": a.row.lead_units.all(),
            "posted": posted,
            "NAV_CURRENT": "ledger:home",
        },
    )


@require_POST
@role_required(*WRITE_ROLES, denied="只有责任单位的填报员、审核员或信用办管理员可以报送进展。")
def assignment_report(request: HttpRequest, pk: int) -> HttpResponse:
    a = _assignment(request, pk)
    links = [line for line in str(request.POST.get("links", "")).splitlines() if line.strip()]
    try:
        reported_on = _date_or_none(request.POST.get("reported_on"))
        form_keys.submit_once(
            request,
            lambda: services.report_progress(
                actor=request.user,
                assignment=a,
                claim=str(request.POST.get("claim", "")),
                narrative=str(request.POST.get("narrative", ""))[: MAX_TEXT + 1],
                reported_on=reported_on,
                date_reason=str(request.POST.get("date_reason", "")),
                files=request.FILES.getlist("files"),
                links=links,
            ),
        )
    except DomainError as exc:
        posted = _refused(
            request, "report", exc, "claim", "narrative", "reported_on", "date_reason", "links"
        )
        return _assignment_page(request, a, posted)
    messages.success(request, "进展已报送。")
    return redirect("ledger:assignment", pk=a.pk)


@require_POST
@role_required(*REVIEW_ROLES, denied=DENIED_REVIEW)
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.get_report_for(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    decision = request.POST.get("decision")
    try:
        if decision not in ("accept", "return"):
            raise DomainError("请选择审核结果：通过或退回。")
        services.review_report(
            actor=request.user,
            report=report,
            accept=decision == "accept",
            comment=str(request.POST.get("comment", "")),
        )
    except DomainError as exc:
        posted = _refused(request, "review", exc, "comment")
        posted.target = report.pk
        if request.POST.get("next") == "queue":
            return _review_page(request, posted)
        return _assignment_page(request, _assignment(request, report.assignment_id), posted)
    messages.success(request, "已审核通过。" if decision == "accept" else "已退回修改。")
    if request.POST.get("next") == "queue":
        return redirect("ledger:review")
    return redirect("ledger:assignment", pk=report.assignment_id)


@role_required(*REVIEW_ROLES, denied=DENIED_REVIEW)
def review_queue(request: HttpRequest) -> HttpResponse:
    return _review_page(request)


def _review_page(request: HttpRequest, posted: Posted | None = None) -> HttpResponse:
    queue = selectors.review_queue(request.user).prefetch_related("evidence")
    shown = list(queue[:200])
    if posted is not None:
        posted.inline = any(r.pk == posted.target for r in shown)
    return render(
        request,
        "ledger/review.html",
        {
            "reports": shown,
            "total": queue.count(),
            "posted": posted,
            "NAV_CURRENT": "ledger:review",
        },
    )


@role_required(*STAFF_ROLES, denied=DENIED_STAFF)
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        evidence = selectors.evidence_for(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    if evidence.url:
        return redirect(evidence.url)
    if not evidence.file:
        raise Http404("该材料没有文件。")
    # Evidence files are at most 10 MB (rights.attachments limits): read them whole.
    with evidence.file.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{_quote(evidence.original_name)}"
    )
    return response


# ------------------------------------------------------------------ activities


@role_required(*STAFF_ROLES, denied=DENIED_STAFF)
def activities(request: HttpRequest) -> HttpResponse:
    plan = _plan(request)
    user = request.user
    role = permissions.role_of(user)
    may_write = role in WRITE_ROLES
    posted = None
    if request.method == "POST":
        unit = (
            getattr(user, "unit", None)
            if role != Role.CREDIT_ADMIN
            else Unit.objects.filter(pk=positive_id(request.POST.get("unit")) or 0).first()
        )
        try:
            if not may_write:
                raise NotPermitted("领导账号为只读账号，不能录入活动。")
            if unit is None:
                raise DomainError("请选择单位。")
            # Blank is "not counted"; 0 is a count; anything else goes to the service as
            # typed, which refuses it with its own message (参加人数应为非负整数, or out of
            # range). Too many digits for int() to read are out of range anyway.
            typed = str(request.POST.get("participants", "")).strip()
            participants: Any = (
                (int(typed) if len(typed) <= 20 else services.MAX_PARTICIPANTS + 1)
                if typed.isdecimal()
                else (typed or None)
            )
            held_on = _date_or_none(request.POST.get("held_on")) or date.min
            form_keys.submit_once(
                request,
                lambda: services.record_activity(
                    actor=user,
                    plan=plan,
                    unit=unit,
                    kind=str(request.POST.get("kind", "")),
                    title=str(request.POST.get("title", "")),
                    held_on=held_on,
                    place=str(request.POST.get("place", "")),
                    participants=participants,
                    description=str(request.POST.get("description", "")),
                    files=request.FILES.getlist("files"),
                    links=[x for x in str(request.POST.get("links", "")).splitlines() if x.strip()],
                ),
            )
        except DomainError as exc:
            posted = _refused(
                request,
                "activity",
                exc,
                "unit",
                "kind",
                "title",
                "held_on",
                "place",
                "participants",
                "description",
                "links",
            )
            posted.inline = may_write
        else:
            messages.success(request, "活动已记录。")
            return redirect(f"{request.path}?year={plan.year}")
    qs = selectors.activities_for(user, plan)
    kind = request.GET.get("kind", "")
    if kind in Activity.Kind.values:
        qs = qs.filter(kind=kind)
    unit_filter = Unit.objects.filter(pk=positive_id(request.GET.get("unit")) or 0).first()
    if unit_filter is not None:
        qs = qs.filter(unit=unit_filter)
    page = Paginator(qs.order_by("-held_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/activities.html",
        {
            "plan": plan,
            "plans": _plans(),
            "page": page,
            "kinds": Activity.Kind.choices,
            "kind": kind,
            "may_write": may_write,
            "choose_unit": role == Role.CREDIT_ADMIN,
            "units": Unit.objects.filter(active=True).order_by("sort_order", "name"),
            "unit_filter": unit_filter,
            "posted": posted,
            # A one-time key: the form sent twice records one activity.
            "once": form_keys.issue(request) if may_write else "",
            "NAV_CURRENT": "ledger:activities",
        },
    )


# ------------------------------------------------------------------ 督办


@role_required(*STAFF_ROLES, denied=DENIED_STAFF)
def supervision_list(request: HttpRequest) -> HttpResponse:
    plan = _plan(request)
    items = selectors.supervision_for(request.user, plan).order_by("-opened_on", "-id")
    return render(
        request,
        "ledger/supervision_list.html",
        {"plan": plan, "plans": _plans(), "items": items, "NAV_CURRENT": "ledger:supervision"},
    )


@require_POST
@role_required(Role.CREDIT_ADMIN, denied=DENIED_ADMIN)
def supervision_open(request: HttpRequest, pk: int) -> HttpResponse:
    a = _assignment(request, pk)
    try:
        due_on = _date_or_none(request.POST.get("due_on"))
        item = form_keys.submit_once(
            request,
            lambda: services.open_supervision(
                actor=request.user,
                assignment=a,
                reason=str(request.POST.get("reason", "")),
                due_on=due_on,
            ),
        )
    except DomainError as exc:
        return _assignment_page(request, a, _refused(request, "supervise", exc, "reason", "due_on"))
    messages.success(request, "已发起督办。")
    return redirect("ledger:supervision-item", pk=item.pk)


@role_required(*STAFF_ROLES, denied=DENIED_STAFF)
def supervision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        item = selectors.get_supervision_for(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    user = request.user
    posted = None
    if request.method == "POST":
        action = str(request.POST.get("action", ""))
        try:
            if action == "instruct":
                services.add_instruction(
                    actor=user, item=item, text=str(request.POST.get("text", ""))
                )
                messages.success(request, "批示已记录。")
            elif action == "respond":
                services.respond_supervision(
                    actor=user, item=item, response=str(request.POST.get("response", ""))
                )
                messages.success(request, "办理情况已反馈。")
            elif action == "close":
                services.close_supervision(
                    actor=user, item=item, note=str(request.POST.get("note", ""))
                )
                messages.success(request, "督办事项已办结。")
            else:
                raise DomainError("未知操作。")
        except DomainError as exc:
            posted = _refused(request, action, exc, "text", "response", "note")
        else:
            return redirect("ledger:supervision-item", pk=item.pk)
    role = permissions.role_of(user)
    open_ = item.status != SupervisionItem.Status.CLOSED
    may = {
        "instruct": role == Role.LEADER and open_,
        "respond": open_
        and role in WRITE_ROLES
        and permissions.can_write_unit_data(user, item.assignment.unit),
        "close": open_ and role == Role.CREDIT_ADMIN,
    }
    if posted is not None:
        posted.inline = may.get(posted.form, False)
    return render(
        request,
        "ledger/supervision_detail.html",
        {
            "item": item,
            "a": item.assignment,
            "may_instruct": may["instruct"],
            "may_respond": may["respond"],
            "may_close": may["close"],
            "posted": posted,
            "NAV_CURRENT": "ledger:supervision",
        },
    )


# ------------------------------------------------------------------ 通报


@role_required(*OFFICE_ROLES, denied=DENIED_OFFICE)
def bulletins(request: HttpRequest) -> HttpResponse:
    plan = _plan(request)
    may_draft = permissions.is_credit_admin(request.user)
    posted = None
    if request.method == "POST":
        try:
            bulletin = services.draft_bulletin(
                actor=request.user, plan=plan, period=str(request.POST.get("period", ""))
            )
        except DomainError as exc:
            posted = _refused(request, "draft", exc, "period")
            posted.inline = may_draft
        else:
            return redirect("ledger:bulletin", pk=bulletin.pk)
    today = timezone.localdate()
    return render(
        request,
        "ledger/bulletins.html",
        {
            "plan": plan,
            "plans": _plans(),
            "items": plan.bulletins.all(),
            "may_draft": may_draft,
            "default_period": f"{today:%Y-%m}" if today.year == plan.year else f"{plan.year}-12",
            "posted": posted,
            "NAV_CURRENT": "ledger:bulletins",
        },
    )


def _bulletin(pk: int) -> Bulletin:
    bulletin = Bulletin.objects.select_related("plan").filter(pk=pk).first()
    if bulletin is None:
        raise Http404("未找到该通报。")
    return bulletin


@role_required(*OFFICE_ROLES, denied=DENIED_OFFICE)
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin(pk)
    posted = None
    if request.method == "POST":
        action = str(request.POST.get("action", ""))
        try:
            if action == "comment":
                services.update_commentary(
                    actor=request.user,
                    bulletin=bulletin,
                    commentary=str(request.POST.get("commentary", "")),
                )
                messages.success(request, "评述已保存。")
            elif action == "publish":
                services.publish_bulletin(actor=request.user, bulletin=bulletin)
                messages.success(request, "通报已印发。")
            else:
                raise DomainError("未知操作。")
        except DomainError as exc:
            posted = _refused(request, action, exc, "commentary")
        else:
            return redirect("ledger:bulletin", pk=bulletin.pk)
    may_edit = (
        permissions.is_credit_admin(request.user) and bulletin.status == Bulletin.Status.DRAFT
    )
    if posted is not None:
        posted.inline = may_edit and posted.form in ("comment", "publish")
    data = (
        bulletin.snapshot
        if bulletin.status == Bulletin.Status.PUBLISHED and bulletin.snapshot
        else reports.bulletin_data(bulletin.plan, bulletin.period, bulletin=bulletin)
    )
    return render(
        request,
        "ledger/bulletin.html",
        {
            "bulletin": bulletin,
            "data": data,
            "may_edit": may_edit,
            "posted": posted,
            "NAV_CURRENT": "ledger:bulletins",
        },
    )


@role_required(*OFFICE_ROLES, denied=DENIED_OFFICE)
def bulletin_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    bulletin = _bulletin(pk)
    name = f"{bulletin.period}工作台账通报"
    try:
        if fmt == "xlsx":
            content = reports.bulletin_xlsx(bulletin.plan, bulletin.period, bulletin=bulletin)
            ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        elif fmt == "pdf":
            content = reports.bulletin_pdf(bulletin.plan, bulletin.period, bulletin=bulletin)
            ctype = "application/pdf"
        else:
            raise Http404("不支持的格式。")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("ledger:bulletin", pk=bulletin.pk)
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}.{fmt}"
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


# ------------------------------------------------------------------ assessment


@role_required(*OFFICE_ROLES, denied=DENIED_OFFICE)
def assessment(request: HttpRequest) -> HttpResponse:
    plan = _plan(request)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            reports.assessment_xlsx(plan),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = _quote(f"{plan.year}年目标责任考核得分")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}.xlsx"
        return response
    scores = selectors.assessment(plan)
    return render(
        request,
        "ledger/assessment.html",
        {
            "plan": plan,
            "plans": _plans(),
            "scores": scores,
            "rules_text": selectors.rules_text(selectors.rules_for(plan)),
            "NAV_CURRENT": "ledger:assessment",
        },
    )


# ------------------------------------------------------------------ dashboard and plans


@role_required(*OFFICE_ROLES, denied=DENIED_OFFICE)
def dashboard_page(request: HttpRequest) -> HttpResponse:
    plan = _plan(request)
    data = dashboard.dashboard_data(plan)
    return render(
        request,
        "ledger/dashboard.html",
        {"plan": plan, "plans": _plans(), "data": data, "NAV_CURRENT": "ledger:dashboard"},
    )


@role_required(*OFFICE_ROLES, denied=DENIED_OFFICE)
def plans(request: HttpRequest) -> HttpResponse:
    may_copy = permissions.is_credit_admin(request.user)
    posted = None
    if request.method == "POST":
        source = Plan.objects.filter(pk=positive_id(request.POST.get("plan")) or 0).first()
        year = positive_id(request.POST.get("target_year"))
        try:
            if not may_copy:
                raise NotPermitted(DENIED_ADMIN)
            if source is None or year is None:
                raise DomainError("请选择要复制的方案并填写目标年度。")
            copy = services.copy_plan(actor=request.user, plan=source, year=year)
        except DomainError as exc:
            posted = _refused(request, "copy", exc, "plan", "target_year")
            posted.inline = may_copy
        else:
            messages.success(request, f"已复制为 {copy.year} 年工作方案，可在配置管理中修改。")
            return redirect("ledger:plans")
    items = Plan.objects.order_by("-year").prefetch_related("tasks")
    plan = _plan(request)
    return render(
        request,
        "ledger/plans.html",
        {
            "items": items,
            "plan": plan,
            "tasks": plan.tasks.prefetch_related("lead_units", "rows").order_by("number"),
            # Each row with its targets as _targets.html names them ("双公示迟报率（不高于
            # 0%）"), not RowTarget.__str__'s metric codes.
            "rows": [
                (r, [selectors.target_label(t) for t in r.targets.all()])
                for r in plan.rows.prefetch_related("tasks", "targets").order_by("number")
            ],
            "may_copy": may_copy,
            "posted": posted,
            "next_year": (
                Plan.objects.order_by("-year").values_list("year", flat=True).first() or plan.year
            )
            + 1,
            "NAV_CURRENT": "ledger:plans",
        },
    )
