"""Pages of credit repair and repair notices.

Public (under /credit/): the repair form on a record (`rights:repair-public-new`) and the
status lookup by query code (`rights:repair-status`). Workspace (under /workspace/rights/):
the repair list and detail with the review actions, the counter form, the notice list,
PDF and serving. Thin adapters over `repair` and `notices`; refusals are shown in Chinese.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.masking import mask_id_number, mask_name
from xinyong.orgs import permissions
from xinyong.orgs.models import Role
from xinyong.publicity.views import throttled
from xinyong.records.models import CreditRecord
from xinyong.subjects.selectors import log_person_reads
from xinyong.subjects.services import resolve as resolve_subject
from xinyong.web.access import role_required

from . import notices, repair
from .models import Channel, RepairApplication

STAFF_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, Role.LEADER)
_DENIED = "只有信用办、责任单位工作人员和领导可以查看信用修复事项。"
PAGE_SIZE = 50


def _parse_date(value: Any) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"日期“{text[:20]}”格式不正确，应为 YYYY-MM-DD。") from None


def public_record(request: Any, pk: int) -> CreditRecord:
    """A record the public may see; anything else is 404 (fail safe). A natural person's
    record opens only with the signed token the publicity person query hands out (`?t=`),
    as the publicity record page does (nobody may walk the ids), and each view of it is
    read-logged there the same way (个人信息保护法; 河南条例 art. 40). The one gate of
    the public rights forms and of the public POSTs of the objection and repair APIs
    (a DRF request reads `t` from its query string the same way)."""
    from xinyong.publicity.selectors import is_publicly_visible
    from xinyong.publicity.views import log_person_read, token_allows
    from xinyong.subjects.services import resolve as resolve_subject

    record = (
        CreditRecord.objects.select_related("record_type", "subject", "source_unit")
        .filter(pk=pk)
        .first()
        if 0 < pk < 2**63
        else None
    )
    if record is None or not is_publicly_visible(record):
        raise Http404("未找到该公示信息。")
    subject = resolve_subject(record.subject)
    if subject.is_person:
        if not token_allows(request, subject):
            raise Http404("自然人信息仅可通过完整身份证号码和姓名查询后查看。")
        log_person_read(request, subject)
    return record


def _log_staff_read(request: HttpRequest, record: CreditRecord, purpose: str) -> None:
    """Staff pages that show a person's full name and ID number log the read."""
    log_person_reads([record.subject], reader=request.user, purpose=purpose)


def _public_party(record: CreditRecord) -> dict[str, str]:
    if record.subject.is_person:
        return {
            "name": mask_name(record.party_name),
            "identifier": mask_id_number(record.party_identifier),
        }
    return {"name": record.party_name, "identifier": record.party_identifier}


# ------------------------------------------------------------------ public pages


@throttled
def repair_public_new(request: HttpRequest, pk: int) -> HttpResponse:
    record = public_record(request, pk)
    today = timezone.localdate()
    verdict = repair.repair_eligibility(record, today)
    values = {
        "applicant_name": "",
        "applicant_phone": "",
        "subject_identifier": "",
        "fulfilment_statement": "",
    }
    error = ""
    if request.method == "POST":
        values = {key: request.POST.get(key, "")[:5000] for key in values}
        try:
            app = repair.apply_for_repair(
                actor=None,
                record=record,
                channel=Channel.ONLINE,
                commitment_accepted=request.POST.get("commitment_accepted") == "on",
                commitment_text=repair.commitment_text_for(record),
                attachments=request.FILES.getlist("materials"),
                applicant_name=values["applicant_name"],
                applicant_phone=values["applicant_phone"],
                subject_identifier=values["subject_identifier"],
                fulfilment_statement=values["fulfilment_statement"],
            )
        except DomainError as exc:
            error = exc.message
            verdict = repair.repair_eligibility(record, today)
        else:
            return render(
                request,
                "rights/repair_public_done.html",
                {"application": app, "record": record, "party": _public_party(record)},
            )
    return render(
        request,
        "rights/repair_public_form.html",
        {
            "record": record,
            "party": _public_party(record),
            "verdict": verdict,
            "values": values,
            "error": error,
            "commitment": repair.commitment_text_for(record, public=True),
        },
    )


@throttled
def repair_status(request: HttpRequest) -> HttpResponse:
    code = (request.POST.get("code") if request.method == "POST" else request.GET.get("code")) or ""
    code = code[:40]
    error = ""
    done = ""
    view: dict[str, Any] | None = None
    app: RepairApplication | None = None
    if code.strip():
        try:
            app = repair.repair_by_code(code)
        except DomainError as exc:
            error = exc.message
    if app is not None and request.method == "POST":
        try:
            app = repair.resubmit_repair(
                actor=None,
                application=app,
                supplement=request.POST.get("supplement", "")[:5000],
                attachments=request.FILES.getlist("materials"),
            )
            done = "补正材料已提交。"
        except DomainError as exc:
            error = exc.message
    objection_url = ""
    objection_via_search = False
    if app is not None:
        view = repair.public_view(app)
        # An organisation's record: its objection form is open to anyone. A person's: the
        # query code is a key to this application only, not to the person's pages (a
        # token would open them all for half an hour), so the person goes through the
        # public query with ID number and name, as for any of their records.
        person = resolve_subject(app.record.subject).is_person
        try:
            objection_url = reverse(
                "publicity:search" if person else "rights:objection-public-new",
                args=[] if person else [app.record_id],
            )
        except NoReverseMatch:
            objection_url = ""
        objection_via_search = person
    return render(
        request,
        "rights/repair_status.html",
        {
            "code": code,
            "error": error,
            "done": done,
            "view": view,
            "objection_url": objection_url,
            "objection_via_search": objection_via_search,
        },
        status=404 if error and app is None and code.strip() else 200,
    )


# ------------------------------------------------------------------ workspace


@role_required(*STAFF_ROLES, denied=_DENIED)
def repair_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    qs = repair.repairs_visible_to(request.user).order_by("-id")
    status = request.GET.get("status", "")
    if status in RepairApplication.Status.values:
        qs = qs.filter(status=status)
    overdue_only = request.GET.get("overdue") == "1"
    overdue_ids = set(repair.overdue_repairs(today).values_list("pk", flat=True))
    if overdue_only:
        qs = qs.filter(pk__in=overdue_ids)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for app in page:
        due, pending = repair.due_or_pending(repair.decision_due, app)
        rows.append(
            {
                "app": app,
                "due": due,
                "due_pending": pending,
                "overdue": app.pk in overdue_ids,
                "party": _public_party(app.record),
            }
        )
    return render(
        request,
        "rights/repair_list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": RepairApplication.Status.choices,
            "overdue_only": overdue_only,
        },
    )


def _can_provider(user: Any, app: RepairApplication) -> bool:
    return permissions.can_write_unit_data(user, app.record.source_unit_id)


@role_required(*STAFF_ROLES, denied=_DENIED)
def repair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        app = repair.get_repair_for(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            on = _parse_date(request.POST.get("on"))
            if action == "complete":
                repair.mark_complete(actor=request.user, application=app, complete=True, on=on)
            elif action == "incomplete":
                repair.mark_complete(
                    actor=request.user,
                    application=app,
                    complete=False,
                    note=request.POST.get("note", ""),
                    on=on,
                )
            elif action == "provider":
                agrees = request.POST.get("agrees")
                if agrees not in ("yes", "no"):
                    raise DomainError("请选择是否同意修复。")
                repair.provider_review(
                    actor=request.user,
                    application=app,
                    agrees=agrees == "yes",
                    opinion=request.POST.get("opinion", ""),
                    on=on,
                )
            elif action in ("approve", "refuse"):
                repair.decide_repair(
                    actor=request.user,
                    application=app,
                    approve=action == "approve",
                    reason=request.POST.get("reason", ""),
                    on=on,
                )
            elif action == "sync":
                repair.record_sync(actor=request.user, application=app, on=on)
            else:
                raise DomainError("未知的操作。")
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已办理。")
        return redirect("rights:repair-detail", pk=app.pk)
    log_person_reads([app.subject], reader=request.user, purpose="办理信用修复申请")
    today = timezone.localdate()
    due, due_pending = repair.due_or_pending(repair.decision_due, app)
    sync, sync_pending = repair.due_or_pending(repair.sync_due, app)
    user = request.user
    return render(
        request,
        "rights/repair_detail.html",
        {
            "app": app,
            "record": app.record,
            "due": due,
            "due_pending": due_pending,
            "sync": sync,
            "sync_pending": sync_pending,
            "overdue": repair.is_overdue(app, today),
            "attachments": app.attachments.all(),
            "is_admin": permissions.is_credit_admin(user),
            "can_provider": _can_provider(user, app),
            "today": today,
        },
    )


@role_required(
    Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, denied="只有信用办或报送单位可以受理窗口申请。"
)
def repair_counter_new(request: HttpRequest, record_pk: int) -> HttpResponse:
    from xinyong.records.selectors import records_visible_to

    record = (
        records_visible_to(request.user)
        .select_related("record_type", "subject")
        .filter(pk=record_pk)
        .first()
    )
    if record is None:
        raise Http404("未找到该信用记录，或无权查看。")
    today = timezone.localdate()
    verdict = repair.repair_eligibility(record, today)
    values = {"applicant_name": "", "applicant_phone": "", "fulfilment_statement": ""}
    error = ""
    if request.method == "POST":
        values = {key: request.POST.get(key, "")[:5000] for key in values}
        try:
            app = repair.apply_for_repair(
                actor=request.user,
                record=record,
                channel=Channel.COUNTER,
                commitment_accepted=request.POST.get("commitment_accepted") == "on",
                commitment_text=repair.commitment_text_for(record),
                attachments=request.FILES.getlist("materials"),
                applicant_name=values["applicant_name"],
                applicant_phone=values["applicant_phone"],
                fulfilment_statement=values["fulfilment_statement"],
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"已受理，查询码 {app.query_code}，请告知申请人。")
            return redirect("rights:repair-detail", pk=app.pk)
    _log_staff_read(request, record, "窗口受理信用修复申请")
    return render(
        request,
        "rights/repair_counter_form.html",
        {
            "record": record,
            "verdict": verdict,
            "values": values,
            "error": error,
            "commitment": repair.commitment_text_for(record),
        },
    )


@role_required(*STAFF_ROLES, denied="只有信用办、责任单位工作人员和领导可以查看信用修复告知书。")
def notice_list(request: HttpRequest) -> HttpResponse:
    qs = notices.notices_visible_to(request.user).order_by("-id")
    served = request.GET.get("served", "")
    if served == "1":
        qs = qs.filter(served_on__isnull=False)
    elif served == "0":
        qs = qs.filter(served_on__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"notice": n, "party": _public_party(n.record)} for n in page]
    return render(
        request,
        "rights/notice_list.html",
        {
            "page": page,
            "rows": rows,
            "served": served,
            "methods": notices.SERVE_METHODS,
            "today": timezone.localdate(),
            "can_serve": permissions.role_of(request.user)
            in (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER),
        },
    )


@role_required(*STAFF_ROLES, denied="只有信用办、责任单位工作人员和领导可以下载信用修复告知书。")
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notice = notices.get_notice_for(request.user, pk)
        pdf = notices.notice_pdf(notice)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("rights:notice-list")
    log_person_reads([notice.record.subject], reader=request.user, purpose="打印信用修复告知书")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notice.number}.pdf"'
    return response


@require_POST
@role_required(
    Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, denied="领导账号为只读账号，不能登记送达。"
)
def notice_serve(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notice = notices.get_notice_for(request.user, pk)
        notices.serve_notice(
            actor=request.user,
            notice=notice,
            method=request.POST.get("method", ""),
            served_on=_parse_date(request.POST.get("served_on")),
        )
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已登记告知书 {notice.number} 的送达。")
    return redirect(reverse("rights:notice-list") + "?" + request.GET.urlencode())


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    group = "异议与信用修复"
    register_module(
        "rights.repairs",
        "信用修复",
        "rights:repair-list",
        roles=STAFF_ROLES,
        order=420,
        group=group,
        description="信用修复申请的审查、审核、决定与结果同步",
    )
    register_module(
        "rights.notices",
        "修复告知书",
        "rights:notice-list",
        roles=STAFF_ROLES,
        order=430,
        group=group,
        description="行政处罚信用修复告知书（两书同达）的打印与送达登记",
    )
