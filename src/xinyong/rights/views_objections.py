"""Pages of objections (异议).

Public (under /credit/, anonymous, throttled per IP): the objection form on a public
record (`rights:objection-public-new`) and the status lookup by query code
(`rights:objection-status`). Workspace (under /workspace/rights/): the task list (the
credit office sees every case, a unit the cases forwarded to it; overdue first), the case
page with its actions (forward, reply, pause, resume, decide) and the counter form. Thin
adapters over `objections`; refusals are shown in Chinese.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.catalog.fieldspec import get_spec
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import positive_id
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.publicity.views import throttled
from xinyong.records.models import CreditRecord
from xinyong.records.services import IDENTITY_ROLES
from xinyong.subjects.selectors import log_person_reads, masked_repr
from xinyong.web.access import role_required

from . import objections
from .models import Channel, Objection, ObjectionPause
from .views_repair import _log_staff_read, _parse_date, _public_party, public_record

STAFF_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, Role.LEADER)
_DENIED = "只有信用办、责任单位工作人员和领导可以查看异议事项。"
PAGE_SIZE = 50
FORM_FIELDS = (
    "category",
    "description",
    "requested_change",
    "applicant_name",
    "applicant_phone",
    "applicant_identifier",
)


def _form_values(request: HttpRequest) -> dict[str, Any]:
    return {key: request.POST.get(key, "")[:5000] for key in FORM_FIELDS}


def _empty_values() -> dict[str, Any]:
    return dict.fromkeys(FORM_FIELDS, "")


# ------------------------------------------------------------------ public pages


@throttled
def objection_public_new(request: HttpRequest, pk: int) -> HttpResponse:
    record = public_record(request, pk)
    values = _empty_values()
    error = ""
    if request.method == "POST":
        values = _form_values(request)
        try:
            objection = objections.file_objection(
                actor=None,
                record=record,
                channel=Channel.ONLINE,
                attachments=request.FILES.getlist("evidence"),
                applicant_is_government=request.POST.get("applicant_is_government") == "on",
                **values,
            )
        except DomainError as exc:
            error = exc.message
        else:
            return render(
                request,
                "rights/objection_public_done.html",
                {"objection": objection, "record": record, "party": _public_party(record)},
            )
    return render(
        request,
        "rights/objection_public_form.html",
        {
            "record": record,
            "party": _public_party(record),
            "values": values,
            "error": error,
            "categories": Objection.Category.choices,
            "max_files": objections.MAX_EVIDENCE_FILES,
        },
    )


@throttled
def objection_status(request: HttpRequest) -> HttpResponse:
    code = (request.GET.get("code") or "")[:40]
    error = ""
    view: dict[str, Any] | None = None
    if code.strip():
        try:
            view = objections.public_view(objections.objection_by_code(code))
        except DomainError as exc:
            error = exc.message
    return render(
        request, "rights/objection_status.html", {"code": code, "view": view, "error": error}
    )


# ------------------------------------------------------------------ workspace


@role_required(*STAFF_ROLES, denied=_DENIED)
def objection_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    qs = objections.objections_visible_to(request.user)
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.filter(status__in=objections.OPEN_STATUSES)
    elif state == "decided":
        qs = qs.filter(status=Objection.Status.DECIDED)
    else:
        state = "all"
    rows: list[dict[str, Any]] = []
    for obj in qs.order_by("received_on", "id"):
        figures = objections.deadlines(obj, today)
        left = figures.days_left
        rows.append(
            {
                "obj": obj,
                "due": figures.due,
                "provider_due": figures.provider_due,
                "overdue": figures.overdue,
                "left": left,
                "overdue_days": -left if left is not None and left < 0 else 0,
                "note": figures.note,
                "party": _party(obj),
            }
        )
    # Overdue first, then by deadline: what needs doing first is on top.
    rows.sort(key=lambda r: (not r["overdue"], r["due"] or today, r["obj"].pk))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "rights/objection_list.html",
        {
            "page": page,
            "rows": page.object_list,
            "state": state,
            "is_admin": permissions.is_credit_admin(request.user),
            "today": today,
        },
    )


def _party(obj: Objection) -> dict[str, str]:
    if obj.record is not None:
        return _public_party(obj.record)
    subject = obj.subject
    return {"name": masked_repr(subject), "identifier": ""}


def _editable_fields(record: CreditRecord) -> list[dict[str, Any]]:
    spec = get_spec(record.record_type.code)
    out = []
    for fs in spec.fields:
        if fs.role in IDENTITY_ROLES:
            continue
        value = (record.payload or {}).get(fs.code)
        if isinstance(value, list):
            value = "；".join(str(v) for v in value)
        out.append({"code": fs.code, "label": fs.label, "value": "" if value is None else value})
    return out


def _corrections(request: HttpRequest, record: CreditRecord) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for item in _editable_fields(record):
        key = f"field__{item['code']}"
        if key in request.POST:
            new = request.POST.get(key, "").strip()[:5000]
            if new != str(item["value"]).strip():
                changes[item["code"]] = new
    return changes


@role_required(*STAFF_ROLES, denied=_DENIED)
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        obj = objections.get_objection_for(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        if permissions.is_leader(request.user):
            raise PermissionDenied("领导账号为只读账号，不能办理异议。")
        action = request.POST.get("action", "")
        try:
            on = _parse_date(request.POST.get("on"))
            if action == "forward":
                unit = None
                unit_id = request.POST.get("unit", "").strip()
                if unit_id:
                    # `positive_id`: "²" passed str.isdigit() and int() raised (a 500).
                    unit = Unit.objects.filter(pk=positive_id(unit_id) or 0).first()
                    if unit is None:
                        raise DomainError("所选核查单位不存在。")
                objections.forward_to_provider(
                    actor=request.user,
                    objection=obj,
                    unit=unit,
                    note=request.POST.get("note", ""),
                    on=on,
                )
            elif action == "reply":
                objections.provider_reply(
                    actor=request.user, objection=obj, reply=request.POST.get("reply", ""), on=on
                )
            elif action == "pause":
                objections.start_pause(
                    actor=request.user,
                    objection=obj,
                    reason=request.POST.get("reason", ""),
                    note=request.POST.get("note", ""),
                    on=on,
                )
            elif action == "resume":
                objections.end_pause(actor=request.user, objection=obj, on=on)
            elif action in Objection.Outcome.values:
                changes = None
                if action == Objection.Outcome.CORRECTED and obj.record is not None:
                    changes = _corrections(request, obj.record)
                objections.decide_objection(
                    actor=request.user,
                    objection=obj,
                    outcome=action,
                    reason=request.POST.get("reason", ""),
                    corrected_values=changes,
                    on=on,
                )
            else:
                raise DomainError("未知的操作。")
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已办理。")
        return redirect("rights:objection-detail", pk=obj.pk)
    log_person_reads([obj.subject], reader=request.user, purpose="办理异议申请")
    today = timezone.localdate()
    figures = objections.deadlines(obj, today)
    user = request.user
    is_admin = permissions.is_credit_admin(user)
    can_provider = bool(
        obj.provider_unit_id and permissions.can_write_unit_data(user, obj.provider_unit_id)
    )
    pauses = list(obj.pauses.all())
    return render(
        request,
        "rights/objection_detail.html",
        {
            "obj": obj,
            "record": obj.record,
            "due": figures.due,
            "provider_due": figures.provider_due,
            "overdue": figures.overdue,
            "deadline_note": figures.note,
            "attachments": obj.attachments.all(),
            "pauses": pauses,
            "open_pause": next((p for p in pauses if p.ended_on is None), None),
            "paused_days": figures.paused_days,
            "is_admin": is_admin,
            "can_provider": can_provider,
            "can_pause": is_admin or can_provider,
            "units": Unit.objects.filter(active=True).order_by("sort_order", "id")
            if is_admin
            else [],
            "pause_reasons": ObjectionPause.Reason.choices,
            "fields": _editable_fields(obj.record)
            if is_admin and obj.record is not None and obj.status != Objection.Status.DECIDED
            else [],
            "today": today,
        },
    )


@role_required(
    Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, denied="只有信用办或报送单位可以受理窗口异议。"
)
def objection_counter_new(request: HttpRequest, record_pk: int) -> HttpResponse:
    from xinyong.records.selectors import records_visible_to

    record = (
        records_visible_to(request.user)
        .select_related("record_type", "subject", "source_unit")
        .filter(pk=record_pk)
        .first()
    )
    if record is None:
        raise Http404("未找到该信用记录，或无权查看。")
    values = _empty_values()
    error = ""
    if request.method == "POST":
        values = _form_values(request)
        try:
            obj = objections.file_objection(
                actor=request.user,
                record=record,
                channel=Channel.COUNTER,
                attachments=request.FILES.getlist("evidence"),
                applicant_is_government=request.POST.get("applicant_is_government") == "on",
                received_on=_parse_date(request.POST.get("received_on")),
                **values,
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"已受理，查询码 {obj.query_code}，请告知申请人。")
            if objections.objections_visible_to(request.user).filter(pk=obj.pk).exists():
                return redirect("rights:objection-detail", pk=obj.pk)
            return redirect("rights:objection-list")
    _log_staff_read(request, record, "窗口受理异议申请")
    return render(
        request,
        "rights/objection_counter_form.html",
        {
            "record": record,
            "values": values,
            "error": error,
            "categories": Objection.Category.choices,
            "max_files": objections.MAX_EVIDENCE_FILES,
            "today": timezone.localdate(),
        },
    )


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    register_module(
        "rights.objections",
        "异议处理",
        "rights:objection-list",
        roles=STAFF_ROLES,
        order=410,
        group="异议与信用修复",
        description="异议申请的受理、转办核查、暂停计时与办结，超期案件置顶",
    )
