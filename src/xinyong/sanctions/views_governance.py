"""Pages of blacklist governance and dishonesty events (workspace, under
/workspace/sanctions/), and the public list of published event handlings (/credit/events/).

Thin adapters over `governance` and `events`: reads through their selectors (already
scoped to the reader: a unit sees its own cases and events; another unit's answers 404),
writes through their services; refusals are shown as messages, never as a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.inputs import clean_day
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.publicity.views import throttled
from xinyong.subjects.selectors import masked_repr, subject_by_code_for
from xinyong.web.access import role_required

from . import events, governance
from .models import DishonestyEvent, GovernanceCase, ListEntry

PAGE_SIZE = 30
READ_ROLES = (Role.CREDIT_ADMIN, Role.LEADER, Role.REPORTER, Role.REVIEWER)
PICTURE_ROLES = (Role.CREDIT_ADMIN, Role.LEADER)
DATE_ERRORS = {"invalid": "日期格式应为 YYYY-MM-DD。", "required": "请填写日期。"}
DENIED_PICTURE = "只有信用办管理员和领导可以查看全区黑名单情况。"
DENIED_STAFF = "只有信用办、领导和责任单位工作人员可以查看。"


def _date_field(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _form_errors(form: forms.Form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = "；".join(str(e) for e in errors)
        parts.append(f"{label}：{text}" if label else text)
    return "，".join(parts)


def _querystring(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _get_on(request: HttpRequest) -> tuple[date, str]:
    raw = request.GET.get("on", "").strip()
    if not raw:
        return governance.today(), ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return governance.today(), f"日期“{raw[:20]}”无效，已按今天统计。"
    try:
        # clean_day refuses days before 2000: the 12-month trend counts back from the
        # day, and from 0001-03-01 that overflowed (a 500).
        return clean_day(day, "统计日期"), ""
    except DomainError as exc:
        return governance.today(), f"{exc.message}已按今天统计。"


# ------------------------------------------------------------------ the picture


class TargetForm(forms.Form):
    year = forms.IntegerField(
        label="年度", min_value=2000, max_value=2100, error_messages={"invalid": "年度应为整数。"}
    )
    max_blacklist_share = forms.DecimalField(
        label="黑名单企业占比上限（%）",
        min_value=0,
        max_value=100,
        decimal_places=3,
        error_messages={"invalid": "应为数字。"},
    )
    max_government_bodies_listed = forms.IntegerField(
        label="列入失信被执行人的政府机构数上限", min_value=0, initial=0
    )
    note = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea)


@role_required(*PICTURE_ROLES, denied=DENIED_PICTURE)
def picture(request: HttpRequest) -> HttpResponse:
    on, warning = _get_on(request)
    if warning:
        messages.warning(request, warning)
    try:
        pic = governance.blacklist_picture(on=on)
    except DomainError as exc:
        messages.error(request, exc.message)
        pic = governance.blacklist_picture(on=governance.today())
    chart = {
        "types": [{"name": row["name"], "value": row["subjects"]} for row in pic.types],
        "months": [p.on.strftime("%Y-%m") for p in pic.trend],
        "listed": [p.blacklisted_enterprises for p in pic.trend],
        "share": [float(p.share) for p in pic.trend],
        "maxShare": float(pic.target.max_share) if pic.target.max_share is not None else None,
    }
    form = TargetForm(
        initial={
            "year": on.year,
            "max_blacklist_share": pic.target.max_share,
            "max_government_bodies_listed": pic.target.max_government_bodies or 0,
            "note": pic.target.note,
        }
    )
    return render(
        request,
        "sanctions/governance_picture.html",
        {
            "pic": pic,
            "chart": chart,
            "target_form": form,
            "can_set_target": permissions.is_credit_admin(request.user),
        },
    )


@require_POST
@role_required(Role.CREDIT_ADMIN, denied="只有信用办管理员可以设定治理目标。")
def set_target(request: HttpRequest) -> HttpResponse:
    form = TargetForm(request.POST)
    if not form.is_valid():
        messages.error(request, "治理目标有误：" + _form_errors(form))
        return redirect("sanctions:governance")
    data = form.cleaned_data
    try:
        target = governance.set_target(
            actor=request.user,
            year=data["year"],
            max_blacklist_share=data["max_blacklist_share"],
            max_government_bodies_listed=data["max_government_bodies_listed"],
            note=data["note"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已保存{target}。")
    return redirect("sanctions:governance")


# ------------------------------------------------------------------ governance cases


class CaseForm(forms.Form):
    entry = forms.ModelChoiceField(
        label="名单条目",
        queryset=ListEntry.objects.none(),
        error_messages={"invalid_choice": "该名单条目不可立案（不在列或已有治理中的案件）。"},
    )
    lead_unit = forms.ModelChoiceField(
        label="牵头单位",
        queryset=Unit.objects.filter(active=True),
        error_messages={"invalid_choice": "请选择有效的牵头单位。"},
    )
    plan = forms.CharField(label="治理方案", required=False, max_length=2000, widget=forms.Textarea)
    due_on = _date_field("完成期限（日期）", required=False)
    due_workdays = forms.IntegerField(
        label="或：自今日起的工作日数", required=False, min_value=1, max_value=250
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entries = governance.governable_entries()
        self.fields["entry"].queryset = entries  # type: ignore[attr-defined]
        self.fields["entry"].label_from_instance = lambda e: (  # type: ignore[attr-defined]
            f"{e.list_type.name} · {masked_repr(e.subject)} · {e.basis_document}"
        )
        group = governance.working_group_units()
        ids = [u.pk for u in group]
        others = Unit.objects.filter(active=True).exclude(pk__in=ids)
        choices = [("", "——请选择——")]
        choices.append(("专班成员单位", [(u.pk, u.name) for u in group]))  # type: ignore[arg-type]
        choices.append(("其他单位", [(u.pk, u.name) for u in others]))  # type: ignore[arg-type]
        self.fields["lead_unit"].choices = choices  # type: ignore[attr-defined]


class ActionForm(forms.Form):
    on = _date_field("日期")
    action = forms.CharField(label="工作内容", max_length=200)
    contact = forms.CharField(label="联系人/对接情况", required=False, max_length=200)
    note = forms.CharField(label="进展", required=False, max_length=2000, widget=forms.Textarea)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="办结结果",
        choices=[(o.value, o.label) for o in governance.CLOSING_OUTCOMES],
    )
    on = _date_field("办结日期")
    note = forms.CharField(label="办结说明", required=False, max_length=2000, widget=forms.Textarea)


@role_required(*READ_ROLES, denied=DENIED_STAFF)
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in GovernanceCase.Status.values:
        status = ""
    overdue = request.GET.get("overdue") == "1"
    qs = governance.cases_for(request.user, status=status, overdue=overdue)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = governance.today()
    rows = [
        (case, governance.is_overdue(case, today), masked_repr(case.entry.subject))
        for case in page.object_list
    ]
    return render(
        request,
        "sanctions/governance_cases.html",
        {
            "page": page,
            "rows": rows,
            "querystring": _querystring(request),
            "status": status,
            "overdue": overdue,
            "statuses": GovernanceCase.Status.choices,
            "can_open": permissions.is_credit_admin(request.user),
        },
    )


@role_required(Role.CREDIT_ADMIN, denied="只有信用办管理员可以为名单主体立案治理。")
def case_new(request: HttpRequest) -> HttpResponse:
    form = CaseForm(request.POST or None, initial={"entry": request.GET.get("entry")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = governance.open_case(
                actor=request.user,
                entry=data["entry"],
                lead_unit=data["lead_unit"],
                plan=data["plan"],
                due_on=data["due_on"],
                due_workdays=data["due_workdays"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已立案，完成期限 {case.due_on.isoformat()}。")
            return redirect("sanctions:governance-case", pk=case.pk)
    return render(request, "sanctions/governance_case_form.html", {"form": form})


@role_required(*READ_ROLES, denied=DENIED_STAFF)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = governance.get_case(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    may_work = governance.can_work_on_case(request.user, case) and (
        case.status == GovernanceCase.Status.OPEN
    )
    return render(
        request,
        "sanctions/governance_case_detail.html",
        {
            "case": case,
            "subject": masked_repr(case.entry.subject),
            "overdue": governance.is_overdue(case),
            "actions": case.actions.select_related("actor"),
            "may_work": may_work,
            "action_form": ActionForm(initial={"on": governance.today()}),
            "close_form": CloseForm(initial={"on": governance.today()}),
        },
    )


def _case_post(request: HttpRequest, pk: int) -> GovernanceCase:
    try:
        return governance.get_case(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


@require_POST
@role_required(Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, denied=DENIED_STAFF)
def case_action(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_post(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "工作记录有误：" + _form_errors(form))
    else:
        try:
            governance.record_action(actor=request.user, case=case, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已记录工作进展。")
    return redirect("sanctions:governance-case", pk=case.pk)


@require_POST
@role_required(Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, denied=DENIED_STAFF)
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_post(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "办结信息有误：" + _form_errors(form))
    else:
        try:
            governance.close_case(actor=request.user, case=case, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "案件已办结。")
    return redirect("sanctions:governance-case", pk=case.pk)


# ------------------------------------------------------------------ dishonesty events


class EventForm(forms.Form):
    title = forms.CharField(label="事件名称", max_length=200)
    source = forms.CharField(label="监测来源", max_length=200)
    subject_code = forms.CharField(
        label="涉及主体（统一社会信用代码或身份证号，可不填）", required=False, max_length=64
    )
    description = forms.CharField(label="事件情况", max_length=4000, widget=forms.Textarea)
    detected_on = _date_field("发现日期")


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="承办单位",
        queryset=Unit.objects.filter(active=True),
        error_messages={"invalid_choice": "请选择有效的承办单位。"},
    )
    due_on = _date_field("处置期限（不填则按工作日规则计算）", required=False)


class HandlingForm(forms.Form):
    on = _date_field("处置日期")
    handling = forms.CharField(label="处置情况", max_length=4000, widget=forms.Textarea)


class PublishForm(forms.Form):
    public_text = forms.CharField(
        label="公布内容（身份证号、手机号将自动遮蔽）", max_length=4000, widget=forms.Textarea
    )


def _subject_by_code(user: Any, code: str) -> Any:
    if not code.strip():
        return None
    return subject_by_code_for(user, code, purpose="登记失信事件")


@role_required(*READ_ROLES, denied=DENIED_STAFF)
def event_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in DishonestyEvent.Status.values:
        status = ""
    overdue = request.GET.get("overdue") == "1"
    qs = events.events_for(request.user, status=status, overdue=overdue)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = events.today()
    rows = [
        (event, events.is_overdue(event, today), events.staff_texts(event), events.due_text(event))
        for event in page.object_list
    ]
    return render(
        request,
        "sanctions/event_list.html",
        {
            "page": page,
            "rows": rows,
            "querystring": _querystring(request),
            "status": status,
            "overdue": overdue,
            "statuses": DishonestyEvent.Status.choices,
            "can_register": permissions.is_credit_admin(request.user),
        },
    )


@role_required(Role.CREDIT_ADMIN, denied="只有信用办管理员可以登记失信事件。")
def event_new(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subject = _subject_by_code(request.user, data["subject_code"])
            event = events.register_event(
                actor=request.user,
                title=data["title"],
                source=data["source"],
                description=data["description"],
                detected_on=data["detected_on"],
                subject=subject,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已登记失信事件。")
            return redirect("sanctions:event", pk=event.pk)
    return render(request, "sanctions/event_form.html", {"form": form})


@role_required(*READ_ROLES, denied=DENIED_STAFF)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        event = events.get_event(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    is_admin = permissions.is_credit_admin(request.user)
    texts = events.staff_texts(event)
    may_handle = (
        event.status == DishonestyEvent.Status.ASSIGNED
        and permissions.can_write_unit_data(request.user, event.assigned_unit_id)
    )
    return render(
        request,
        "sanctions/event_detail.html",
        {
            "event": event,
            "texts": texts,
            "subject": masked_repr(event.subject) if event.subject else "",
            "overdue": events.is_overdue(event),
            "due_text": events.due_text(event),
            "may_assign": is_admin
            and event.status
            in (DishonestyEvent.Status.REGISTERED, DishonestyEvent.Status.ASSIGNED),
            "may_handle": may_handle,
            "may_publish": is_admin and event.status == DishonestyEvent.Status.HANDLED,
            "assign_form": AssignForm(initial={"unit": event.assigned_unit_id}),
            "handling_form": HandlingForm(initial={"on": events.today()}),
            "publish_form": PublishForm(initial={"public_text": texts["handling"]}),
            "workdays": events.handling_workdays(),
        },
    )


def _event_post(request: HttpRequest, pk: int) -> DishonestyEvent:
    try:
        return events.get_event(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


@require_POST
@role_required(Role.CREDIT_ADMIN, denied="只有信用办管理员可以交办失信事件。")
def event_assign(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_post(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "交办信息有误：" + _form_errors(form))
    else:
        try:
            event = events.assign_event(
                actor=request.user,
                event=event,
                unit=form.cleaned_data["unit"],
                due_on=form.cleaned_data["due_on"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"已交办{event.assigned_unit}，处置期限 {events.due_text(event)}。"
            )
    return redirect("sanctions:event", pk=pk)


@require_POST
@role_required(Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, denied=DENIED_STAFF)
def event_handle(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_post(request, pk)
    form = HandlingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "处置情况有误：" + _form_errors(form))
    else:
        try:
            events.record_handling(actor=request.user, event=event, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已登记处置情况。")
    return redirect("sanctions:event", pk=pk)


@require_POST
@role_required(Role.CREDIT_ADMIN, denied="只有信用办管理员可以公布处置情况。")
def event_publish(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_post(request, pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "公布内容有误：" + _form_errors(form))
    else:
        try:
            events.publish_event(
                actor=request.user, event=event, public_text=form.cleaned_data["public_text"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已在门户公布处置情况。")
    return redirect("sanctions:event", pk=pk)


# ------------------------------------------------------------------ public portal


@throttled
def public_events(request: HttpRequest) -> HttpResponse:
    page = Paginator(events.published_events(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [events.public_view(event) for event in page.object_list]
    return render(
        request,
        "sanctions/event_public_list.html",
        {"page": page, "rows": rows, "querystring": _querystring(request)},
    )


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    register_module(
        "sanctions.governance",
        "黑名单治理",
        "sanctions:governance",
        roles=PICTURE_ROLES,
        order=420,
        group="联合奖惩",
        description="全区黑名单在列情况、企业占比与趋势、治理目标",
    )
    register_module(
        "sanctions.governance_cases",
        "治理案件",
        "sanctions:governance-cases",
        roles=READ_ROLES,
        order=421,
        group="联合奖惩",
        description="失信治理专班对在列主体的逐户治理：工作记录、期限与办结",
    )
    register_module(
        "sanctions.events",
        "失信事件",
        "sanctions:events",
        roles=READ_ROLES,
        order=422,
        group="联合奖惩",
        description="监测发现的失信事件：登记、交办、处置与公布",
    )
