"""Pages of credit commitments. Public (under /credit/commitments/): the online window
for 主动公示型 commitments with its confirmation step, and the published matter lists.
Workspace (under /workspace/commitments/): the scoped list, the entry form, file import,
the detail page with fulfilment, the unit's matters and figures. Thin adapters over
`services` and `selectors`; refusals are shown in Chinese."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.collection.selectors import Period
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import positive_id
from xinyong.core.uploads import uploaded_file
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.publicity.views import throttled
from xinyong.web.access import role_required

from . import selectors, services
from .models import Commitment, CommitmentMatter, Kind

STAFF_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, Role.LEADER)
WRITER_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER)
_DENIED = "只有信用办、责任单位工作人员和领导可以查看信用承诺。"
_WRITE_DENIED = "只有信用办或责任单位工作人员可以录入信用承诺。"
CONFIRM_SALT = "commitments.public-confirm"
PAGE_SIZE = 50


# ------------------------------------------------------------------ public pages


@throttled
def public_window(request: HttpRequest) -> HttpResponse:
    matters = selectors.public_matters(kind=Kind.VOLUNTARY)
    values = {"matter": "", "uscc": "", "name": ""}
    error = ""
    if request.method == "POST":
        values = {key: str(request.POST.get(key, ""))[:200] for key in values}
        matter = matters.filter(pk=positive_id(values["matter"]) or 0).first()
        try:
            if matter is None:
                raise DomainError("请选择承诺事项。")
            commitment, shown = services.start_public_commitment(
                matter=matter,
                uscc=values["uscc"],
                name=values["name"],
                accepted=request.POST.get("accepted") == "on",
            )
        except DomainError as exc:
            error = exc.message
        else:
            request.session[f"commitment-shown-{commitment.pk}"] = shown
            token = signing.dumps({"c": commitment.pk}, salt=CONFIRM_SALT)
            return redirect("commitments:public-confirm", token=token)
    return render(
        request,
        "commitments/public_window.html",
        {"matters": matters, "values": values, "error": error},
    )


@throttled
def public_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=services.CONFIRM_SECONDS)
        pk = int(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404("确认链接无效或已过期，请重新填写承诺。") from None
    commitment = Commitment.objects.select_related("matter", "accepting_unit").filter(pk=pk).first()
    if commitment is None or commitment.channel != Commitment.Channel.PUBLIC_WINDOW:
        raise Http404("确认链接无效或已过期，请重新填写承诺。")
    error = ""
    if commitment.status != Commitment.Status.UNCONFIRMED:
        return render(
            request,
            "commitments/public_done.html",
            {"c": selectors.present_public(commitment)},
        )
    if request.method == "POST":
        try:
            commitment = services.confirm_public_commitment(
                commitment=commitment, response=str(request.POST.get("code", ""))[:20]
            )
        except DomainError as exc:
            error = exc.message
        else:
            request.session.pop(f"commitment-shown-{commitment.pk}", None)
            return render(
                request,
                "commitments/public_done.html",
                {"c": selectors.present_public(commitment)},
            )
    return render(
        request,
        "commitments/public_confirm.html",
        {
            "c": selectors.present_public(commitment),
            "shown": request.session.get(f"commitment-shown-{commitment.pk}", ""),
            "error": error,
        },
    )


@throttled
def public_matters(request: HttpRequest) -> HttpResponse:
    unit = Unit.objects.filter(pk=positive_id(request.GET.get("unit")) or 0, active=True).first()
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    matters = selectors.public_matters(unit=unit, kind=kind or None)
    units = Unit.objects.filter(commitment_matters__published=True).distinct()
    return render(
        request,
        "commitments/public_matters.html",
        {
            "matters": matters,
            "units": units,
            "unit": unit,
            "kind": kind,
            "kinds": Kind.choices,
        },
    )


# ------------------------------------------------------------------ workspace


@role_required(*STAFF_ROLES, denied=_DENIED)
def commitment_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.commitments_visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    status = request.GET.get("status", "")
    if status in Commitment.Status.values:
        qs = qs.filter(status=status)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        qs = qs.filter(overdue_flagged_on__isnull=False, status=Commitment.Status.PENDING)
    today = timezone.localdate()
    due = request.GET.get("due") == "1"
    if due:
        qs = qs.filter(selectors.due_for_check_q(today))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "commitments/list.html",
        {
            "page": page,
            "kind": kind,
            "status": status,
            "overdue": overdue,
            "due": due,
            "today": today,
            "kinds": Kind.choices,
            "statuses": Commitment.Status.choices,
            "can_write": permissions.role_of(request.user) in WRITER_ROLES,
        },
    )


def _writable_units(user: Any) -> list[Unit]:
    if permissions.is_credit_admin(user):
        return list(Unit.objects.filter(active=True))
    return [user.unit] if getattr(user, "unit_id", None) else []


@role_required(*WRITER_ROLES, denied=_WRITE_DENIED)
def commitment_new(request: HttpRequest) -> HttpResponse:
    units = _writable_units(request.user)
    unit_ids = [u.pk for u in units]
    matters = CommitmentMatter.objects.filter(unit_id__in=unit_ids, active=True).select_related(
        "unit"
    )
    keys = (
        "unit",
        "matter",
        "kind",
        "committer_name",
        "committer_code",
        "reason",
        "content",
        "breach_liability",
        "made_on",
        "valid_until",
        "publicity",
    )
    values = {k: "" for k in keys}
    values["made_on"] = timezone.localdate().isoformat()
    values["publicity"] = Commitment.Publicity.PUBLIC
    if units:
        values["unit"] = str(units[0].pk)
    error = ""
    if request.method == "POST":
        values = {k: str(request.POST.get(k, ""))[: services.MAX_TEXT] for k in keys}
        try:
            unit = next((u for u in units if u.pk == positive_id(values["unit"])), None)
            if unit is None:
                raise DomainError("请选择受理单位。")
            matter = None
            if values["matter"]:
                matter = matters.filter(pk=positive_id(values["matter"]) or 0).first()
                if matter is None:
                    raise DomainError("所选承诺事项不存在。")
            c = services.record_commitment(
                actor=request.user,
                unit=unit,
                item=services.CommitmentInput(
                    kind=values["kind"] or (matter.kind if matter else ""),
                    committer_name=values["committer_name"],
                    committer_code=values["committer_code"],
                    reason=values["reason"],
                    made_on=values["made_on"],  # type: ignore[arg-type]
                    content=values["content"],
                    breach_liability=values["breach_liability"],
                    matter=matter,
                    valid_until=values["valid_until"] or None,  # type: ignore[arg-type]
                    publicity=values["publicity"],
                ),
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
        else:
            pending = f"{c.verify_due_note}，导入后自动补算。" if c.verify_due_pending else ""
            messages.success(request, f"已录入，承诺编码 {c.code}。{pending}")
            return redirect("commitments:detail", pk=c.pk)
    return render(
        request,
        "commitments/new.html",
        {
            "units": units,
            "matters": matters,
            "values": values,
            "error": error,
            "kinds": Kind.choices,
            "publicities": Commitment.Publicity.choices,
        },
    )


@role_required(*WRITER_ROLES, denied=_WRITE_DENIED)
def commitment_import(request: HttpRequest) -> HttpResponse:
    units = _writable_units(request.user)
    result = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        unit = next((u for u in units if u.pk == positive_id(request.POST.get("unit"))), None)
        try:
            if unit is None:
                raise DomainError("请选择受理单位。")
            with uploaded_file(upload) as path:
                result = services.import_commitments(
                    actor=request.user,
                    unit=unit,
                    path=path,
                    filename=str(getattr(upload, "name", "") or ""),
                )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
        else:
            if not result.errors:
                messages.success(request, f"已导入 {len(result.created)} 条信用承诺。")
    return render(
        request,
        "commitments/import.html",
        {
            "units": units,
            "result": result,
            "error": error,
            "columns": list(services.IMPORT_COLUMNS),
            "required": services.REQUIRED_COLUMNS,
        },
    )


@role_required(*STAFF_ROLES, denied=_DENIED)
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        c = selectors.get_commitment_for(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    can_write = c.accepting_unit_id is not None and permissions.can_write_unit_data(
        request.user, c.accepting_unit_id
    )
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(f"无权记录“{c.accepting_unit}”所受理承诺的履行情况。")
        try:
            services.record_fulfilment(
                actor=request.user,
                commitment=c,
                status=request.POST.get("status", ""),
                evidence=request.POST.get("evidence", "")[: services.MAX_TEXT],
                unfulfilled_content=request.POST.get("unfulfilled_content", "")[
                    : services.MAX_TEXT
                ],
                liability_action=request.POST.get("liability_action", "")[: services.MAX_TEXT],
                verified_on=request.POST.get("verified_on") or None,
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已记录履行情况。")
        return redirect("commitments:detail", pk=c.pk)
    return render(
        request,
        "commitments/detail.html",
        {
            "c": c,
            "can_write": can_write and c.status == Commitment.Status.PENDING,
            "outcomes": list(services.FULFILMENT_LABELS.values()),
            "today": timezone.localdate(),
        },
    )


@role_required(*STAFF_ROLES, denied=_DENIED)
def matter_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "commitments/matters.html",
        {"matters": selectors.matters_for(request.user)},
    )


def _period(request: HttpRequest) -> Period:
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start") or f"{today.year}-01-01")
        end = date.fromisoformat(request.GET.get("end") or today.isoformat())
        return Period.between(start, end)
    except (ValueError, DomainError):
        return Period.between(date(today.year, 1, 1), today)


@role_required(*STAFF_ROLES, denied=_DENIED)
def unit_figures(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        if not request.user.unit_id:  # type: ignore[union-attr]
            raise PermissionDenied("您的账号未指定所属单位，请从单位列表选择。")
        return redirect("commitments:unit", pk=request.user.unit_id)  # type: ignore[union-attr]
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise Http404("未找到该单位。")
    if not permissions.can_read_unit_data(request.user, unit):
        raise PermissionDenied(f"无权查看“{unit.name}”的数据。")
    period = _period(request)
    return render(
        request,
        "commitments/unit.html",
        {
            "unit": unit,
            "figures": selectors.unit_commitment_counts(unit, period),
            "period": period,
        },
    )


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    group = "信用承诺与监管"
    register_module(
        "commitments.list",
        "信用承诺",
        "commitments:list",
        roles=STAFF_ROLES,
        order=500,
        group=group,
        description="各单位受理的信用承诺、到期待核查、履约核查与逾期未补正提醒",
    )
    register_module(
        "commitments.matters",
        "承诺事项清单",
        "commitments:matters",
        roles=STAFF_ROLES,
        order=505,
        group=group,
        description="各单位适用信用承诺的事项、承诺书模板与依据",
    )
