"""Workspace pages of the lists (/workspace/sanctions/lists/…) and the public red list
(/credit/lists/red/). Thin adapters over sanctions.lists; refusals come back as the
service's Chinese message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.masking import mask_name, mask_text
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.publicity.views import throttled
from xinyong.subjects.selectors import subject_by_code_for

from . import lists, notices
from .models import ListEntry, ListType

PAGE_SIZE = 50
READ_ROLES = (Role.CREDIT_ADMIN, Role.LEADER, Role.REPORTER, Role.REVIEWER)
ENTRY_PURPOSE = "名单管理"


def _display_name(entry: ListEntry) -> str:
    return mask_name(entry.subject.name) if entry.subject.is_person else entry.subject.name


def _public_reasons(entry: ListEntry) -> str:
    """The reasons as the public may read them: ID and mobile numbers masked, and a
    person's own name as on the rest of the page (DOMAIN.md §2)."""
    return mask_text(
        entry.reasons, person_name=entry.subject.name if entry.subject.is_person else None
    )


def _errors(form: forms.Form) -> str:
    return "；".join(str(e) for errs in form.errors.values() for e in errs)


# ---------------------------------------------------------------- list types


@login_required
def type_list(request: HttpRequest) -> HttpResponse:
    if permissions.role_of(request.user) not in READ_ROLES:
        raise PermissionDenied("您的账号无权查看名单管理。")
    types = (
        ListType.objects.select_related("record_type")
        .prefetch_related("designating_units")
        .order_by("kind", "code")
    )
    return render(request, "sanctions/list_types.html", {"types": types})


# ---------------------------------------------------------------- entries


class EntryFilterForm(forms.Form):
    type = forms.ChoiceField(label="名单类型", required=False)
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *list(ListEntry.Status.choices)]
    )
    source = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部"), *list(ListEntry.Source.choices)]
    )
    q = forms.CharField(label="主体名称或代码", required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "全部")] + [
            (lt.code, lt.name) for lt in ListType.objects.order_by("kind", "code")
        ]


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    if permissions.role_of(request.user) not in READ_ROLES:
        raise PermissionDenied("您的账号无权查看名单条目。")
    form = EntryFilterForm(request.GET or None)
    qs = lists.entries_visible_to(request.user).order_by("-id")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["type"]:
            qs = qs.filter(list_type__code=data["type"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["source"]:
            qs = qs.filter(source=data["source"])
        if data["q"]:
            text = data["q"].strip()
            qs = qs.filter(Q(subject__name__icontains=text) | Q(subject__identifier=text.upper()))
    elif form.is_bound:
        qs = qs.none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.display_name = _display_name(entry)  # type: ignore[attr-defined]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "sanctions/list_entries.html",
        {
            "form": form,
            "page": page,
            "querystring": params.urlencode(),
            "may_propose": permissions.role_of(request.user)
            in (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER),
        },
    )


class ProposeForm(forms.Form):
    list_type = forms.ModelChoiceField(
        label="名单类型",
        # Lists designated outside the district come in by upstream import only.
        queryset=ListType.objects.filter(active=True, locally_designable=True).order_by(
            "kind", "code"
        ),
    )
    subject = forms.CharField(label="信用主体（统一社会信用代码或身份证号码）", max_length=64)
    basis_document = forms.CharField(label="认定文书号", max_length=200)
    reasons = forms.CharField(label="列入理由（具体失信/守信事实）", widget=forms.Textarea)
    on = forms.DateField(label="拟列入日期", widget=forms.DateInput(attrs={"type": "date"}))
    designating_unit = forms.ModelChoiceField(
        label="认定单位", queryset=Unit.objects.filter(active=True), required=False
    )
    basis_record = forms.IntegerField(
        label="依据信用记录编号（异议该记录即异议本条目）",
        required=False,
        min_value=1,
        max_value=2**63 - 1,
    )
    ends_on = forms.DateField(
        label="有效期至（留空按默认期限）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@login_required
def entry_new(request: HttpRequest) -> HttpResponse:
    role = permissions.role_of(request.user)
    if role not in (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER):
        raise PermissionDenied("只有信用办管理员或认定单位的工作人员可以提出列入。")
    form = ProposeForm(request.POST or None, initial={"on": timezone.localdate()})
    if role != Role.CREDIT_ADMIN:
        del form.fields["designating_unit"]
        # Only the types the user's unit designates on (the service refuses the others).
        field = form.fields["list_type"]
        assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
        unit_id = getattr(request.user, "unit_id", None)
        field.queryset = (
            field.queryset.filter(designating_units=unit_id) if unit_id else field.queryset.none()
        )
    error = ""
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                subject = subject_by_code_for(request.user, data["subject"], purpose=ENTRY_PURPOSE)
                entry = lists.propose_entry(
                    actor=request.user,
                    list_type=data["list_type"],
                    subject=subject,
                    basis_document=data["basis_document"],
                    reasons=data["reasons"],
                    on=data["on"],
                    designating_unit=data.get("designating_unit"),
                    basis_record=lists.find_basis_record(request.user, data.get("basis_record")),
                    ends_on=data.get("ends_on"),
                )
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, f"已提出列入（条目 {entry.pk}）。")
                return redirect("sanctions:list-entry", pk=entry.pk)
        else:
            error = _errors(form)
    return render(request, "sanctions/list_entry_form.html", {"form": form, "error": error})


def _entry_or_404(request: HttpRequest, pk: int) -> ListEntry:
    if permissions.role_of(request.user) not in READ_ROLES:
        raise PermissionDenied("您的账号无权查看名单条目。")
    try:
        return lists.get_entry(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(request, pk)
    today = timezone.localdate()
    if entry.subject.is_person:
        from xinyong.subjects.selectors import log_person_reads

        log_person_reads([entry.subject], reader=request.user, purpose=ENTRY_PURPOSE)
    return render(
        request,
        "sanctions/list_entry_detail.html",
        {
            "entry": entry,
            "changes": entry.changes.select_related("actor").order_by("id"),
            "objections": lists.entry_objections(entry),
            "measures": lists.measures_for(entry.list_type, today),
            "active_today": lists.active_entries(entry.subject, today).filter(pk=entry.pk).exists(),
            "may_manage": lists.can_manage_entry(request.user, entry)
            and permissions.role_of(request.user) != Role.LEADER,
            "today": today,
            "objection_text": lists.objection_deadline_text(entry, label=""),
            "publicity_text": lists.publicity_until_text(entry, label=""),
            "refusal": lists.effective_refusal(entry, today)
            if entry.status in (ListEntry.Status.PROPOSED, ListEntry.Status.PUBLICISING)
            else None,
        },
    )


class ActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("serve", "送达告知书"),
            ("effective", "列入生效"),
            ("remove", "移出"),
            ("cancel", "撤销"),
        ]
    )
    on = forms.DateField(label="日期")
    reason = forms.CharField(label="理由", required=False, max_length=2000)


@login_required
@require_POST
def entry_action(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请求有误：" + _errors(form))
        return redirect("sanctions:list-entry", pk=pk)
    data = form.cleaned_data
    try:
        if data["action"] == "serve":
            lists.serve_notice(actor=request.user, entry=entry, served_on=data["on"])
            messages.success(request, "已登记告知书送达。")
        elif data["action"] == "effective":
            lists.make_effective(actor=request.user, entry=entry, on=data["on"])
            messages.success(request, "已列入生效。")
        elif data["action"] == "remove":
            lists.remove_entry(
                actor=request.user, entry=entry, on=data["on"], reason=data["reason"]
            )
            messages.success(request, "已移出名单。")
        else:
            lists.cancel_entry(
                actor=request.user, entry=entry, on=data["on"], reason=data["reason"]
            )
            messages.success(request, "已撤销拟列入。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("sanctions:list-entry", pk=pk)


@login_required
def entry_notice(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(request, pk)
    try:
        pdf = notices.notice_pdf(entry)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sanctions:list-entry", pk=pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    from urllib.parse import quote

    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(notices.notice_filename(entry))}"
    )
    return response


# ---------------------------------------------------------------- public red list


@throttled
def public_red_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    page = Paginator(lists.red_list_public(today), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for entry in page.object_list:
        rows.append(
            {
                "name": _display_name(entry),
                "code": entry.subject.display_identifier,
                "type": entry.list_type.name,
                "status": "公示中" if entry.status == ListEntry.Status.PUBLICISING else "已生效",
                "publicity_until": lists.publicity_until_text(entry, label=""),
                "effective_from": entry.effective_from,
                "authority": entry.designating_authority,
                "reasons": _public_reasons(entry),
            }
        )
    return render(
        request, "sanctions/list_red_public.html", {"rows": rows, "page": page, "today": today}
    )


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    register_module(
        "sanctions.lists",
        "名单管理",
        "sanctions:list-entries",
        roles=READ_ROLES,
        order=400,
        group="联合奖惩",
        description="红黑名单、经营异常名录和重点关注名单的列入、告知、生效与移出",
    )
    register_module(
        "sanctions.list_types",
        "名单类型",
        "sanctions:list-types",
        roles=READ_ROLES,
        order=401,
        group="联合奖惩",
        description="各类名单的法律依据、认定机关、列入与移出条件",
    )
