"""Workspace pages of the spot checks of published information and of the 整改 of
瞒报/漏报 suspicions (2023 work plan, task 4).

Who sees what: the credit office and leaders every check (leaders read only); a unit's
reporter and reviewer their own unit's sampled records and suspicions, with the reply
forms; everyone else nothing. Reads go through `spot_checks.items_for`/`get_check`,
writes through `spot_checks` and `quality`; a refusal of the service is the page's 403.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.masking import mask_name
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.orgs.selectors import get_unit

from . import quality, selectors, spot_checks
from .forms_spot_checks import DrawForm, ExplainForm, ReplyForm, ReviewForm, VerdictForm
from .models import PROBLEM_KINDS, SUSPICION_KINDS, QualityWarning, SpotCheck, SpotCheckItem

STAFF_ROLES = (Role.REPORTER, Role.REVIEWER)
OFFICE_ROLES = (Role.CREDIT_ADMIN, Role.LEADER)
NO_ACCESS = "公示信息抽查仅供信用办、领导和被抽查单位查看。"


def _role(request: HttpRequest) -> str | None:
    return permissions.role_of(request.user)


def _own_unit(request: HttpRequest) -> int:
    unit_id = getattr(request.user, "unit_id", None)
    if not unit_id:
        raise PermissionDenied("您的账号未指定所属单位，请联系信用办。")
    return int(unit_id)


def _refuse(exc: DomainError) -> Any:
    if isinstance(exc, NotFoundError):
        raise Http404(exc.message)
    raise PermissionDenied(exc.message)


def _form_errors(form: Form) -> str:
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label}：" if field is not None and field.label else ""
        parts.append(label + "；".join(str(e) for e in errors))
    return "；".join(parts) or "提交的内容有误。"


def _display_party(item: SpotCheckItem) -> str:
    record = item.record
    return mask_name(record.party_name) if record.subject.is_person else record.party_name


def _decorate(items: list[SpotCheckItem]) -> list[SpotCheckItem]:
    for item in items:
        item.display_party = _display_party(item)  # type: ignore[attr-defined]
    return items


def _check_stats() -> dict[int, spot_checks.SpotStats]:
    out: dict[int, spot_checks.SpotStats] = {}
    V, R = SpotCheckItem.Verdict, SpotCheckItem.Rectification
    for row in (
        SpotCheckItem.objects.values("spot_check_id")
        .annotate(
            n=Count("id"),
            passed=Count("id", filter=Q(verdict=V.PASSED)),
            failed=Count("id", filter=Q(verdict=V.FAILED)),
            replied=Count("id", filter=Q(rectification=R.REPLIED)),
            confirmed=Count("id", filter=Q(rectification=R.CONFIRMED)),
        )
        .order_by()
    ):
        out[row["spot_check_id"]] = spot_checks.SpotStats(
            row["n"], row["passed"], row["failed"], row["replied"], row["confirmed"]
        )
    return out


# ------------------------------------------------------------------ pages


@login_required
def check_list(request: HttpRequest) -> HttpResponse:
    role = _role(request)
    if role in STAFF_ROLES:
        return redirect("collection:spot-check-unit", pk=_own_unit(request))
    if role not in OFFICE_ROLES:
        raise PermissionDenied(NO_ACCESS)
    stats = _check_stats()
    checks = list(SpotCheck.objects.select_related("drawn_by").order_by("-period")[:120])
    rows = [(c, stats.get(c.pk, spot_checks.SpotStats())) for c in checks]
    return render(
        request,
        "collection/spot_check_list.html",
        {"rows": rows, "can_draw": role == Role.CREDIT_ADMIN},
    )


@login_required
def check_new(request: HttpRequest) -> HttpResponse:
    if not permissions.is_credit_admin(request.user):
        raise PermissionDenied("只有信用办管理员可以抽取公示信息抽查样本。")
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = spot_checks.draw(
                actor=request.user,
                period=data["period"],
                per_unit=data["per_unit"],
                note=data["note"],
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            units = check.items.values("unit").distinct().count()
            messages.success(
                request, f"已抽取{check}：{units} 个单位，共 {check.items.count()} 条。"
            )
            return redirect("collection:spot-check", pk=check.pk)
    return render(
        request,
        "collection/spot_check_new.html",
        {"form": form, "types": selectors.deadline_types()},
    )


@login_required
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        check = spot_checks.get_check(request.user, pk)
    except DomainError as exc:
        _refuse(exc)
    if _role(request) in STAFF_ROLES:
        url = reverse("collection:spot-check-unit", args=[_own_unit(request)])
        return redirect(f"{url}?check={check.pk}")
    items = _decorate(
        list(
            spot_checks.items_for(request.user)
            .filter(spot_check=check)
            .order_by("unit__sort_order", "unit__name", "id")
        )
    )
    by_unit: dict[int, list[SpotCheckItem]] = defaultdict(list)
    units: dict[int, Unit] = {}
    for item in items:
        by_unit[item.unit_id].append(item)
        units[item.unit_id] = item.unit
    stats = spot_checks.stats_by_unit(check.items.all())
    pool = check.pool or {}
    groups = [
        {
            "unit": units[uid],
            "pool": len(pool.get(str(uid), [])),
            "stats": stats.get(uid, spot_checks.SpotStats()),
            "items": unit_items,
        }
        for uid, unit_items in by_unit.items()
    ]
    return render(
        request,
        "collection/spot_check_detail.html",
        {
            "check": check,
            "groups": groups,
            "total": spot_checks.totals(stats.values()),
            "verified": spot_checks.verify_sample(check),
            "is_admin": permissions.is_credit_admin(request.user),
            "problem_kinds": PROBLEM_KINDS,
            "review_form": ReviewForm(),
        },
    )


@login_required
def unit_items(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        unit = get_unit(pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    if not spot_checks.can_read(request.user):
        raise PermissionDenied(NO_ACCESS)
    if not permissions.can_read_unit_data(request.user, unit):
        raise PermissionDenied(f"无权查看“{unit.name}”的抽查情况。")
    qs = spot_checks.items_for(request.user).filter(unit=unit)
    chosen = None
    raw = request.GET.get("check", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 12:
        chosen = SpotCheck.objects.filter(pk=int(raw)).first()
        if chosen is not None:
            qs = qs.filter(spot_check=chosen)
    items = _decorate(list(qs.order_by("-period", "id")))
    return render(
        request,
        "collection/spot_check_unit.html",
        {
            "unit": unit,
            "items": items,
            "chosen": chosen,
            "stats": spot_checks.totals(spot_checks.stats_by_unit(qs).values()),
            "can_reply": _role(request) in STAFF_ROLES and request.user.unit_id == unit.pk,  # type: ignore[union-attr]
            "reply_form": ReplyForm(),
        },
    )


# ------------------------------------------------------------------ item actions


def _item(request: HttpRequest, pk: int) -> SpotCheckItem:
    try:
        return spot_checks.get_item(request.user, pk)
    except DomainError as exc:
        return _refuse(exc)  # type: ignore[no-any-return]


def _detail_url(item: SpotCheckItem) -> str:
    return f"{reverse('collection:spot-check', args=[item.spot_check_id])}#item-{item.pk}"


def _unit_url(item: SpotCheckItem) -> str:
    return f"{reverse('collection:spot-check-unit', args=[item.unit_id])}#item-{item.pk}"


@login_required
@require_POST
def item_verdict(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    if not permissions.is_credit_admin(request.user):
        raise PermissionDenied("只有信用办管理员可以作出核查结论。")
    form = VerdictForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_detail_url(item))
    try:
        spot_checks.record_verdict(
            actor=request.user,
            item=item,
            verdict=form.cleaned_data["verdict"],
            problems=form.cleaned_data["problems"],
            note=form.cleaned_data["note"],
        )
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已保存核查结论：{item.record.document_number}。")
    return redirect(_detail_url(item))


@login_required
@require_POST
def item_reply(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    try:
        spot_checks.require_replier(request.user, item)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_unit_url(item))
    try:
        spot_checks.reply(actor=request.user, item=item, text=form.cleaned_data["text"])
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已提交整改情况，等待信用办确认。")
    return redirect(_unit_url(item))


@login_required
@require_POST
def item_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    if not permissions.is_credit_admin(request.user):
        raise PermissionDenied("只有信用办管理员可以确认整改情况。")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_detail_url(item))
    accepted = form.cleaned_data["decision"] == "accept"
    try:
        spot_checks.confirm(
            actor=request.user, item=item, accepted=accepted, reason=form.cleaned_data["reason"]
        )
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确认整改完成。" if accepted else "已退回，请单位重新整改。")
    return redirect(_detail_url(item))


# ------------------------------------------------------------------ 瞒报/漏报 suspicions

SUSPICION_STATES = selectors.SUSPICION_STATES


@login_required
def suspicion_list(request: HttpRequest) -> HttpResponse:
    role = _role(request)
    if role in STAFF_ROLES:
        return redirect(f"{reverse('collection:unit', args=[_own_unit(request)])}#warnings")
    if role not in OFFICE_ROLES:
        raise PermissionDenied("疑似瞒报漏报整改情况仅供信用办和领导查看。")
    state = request.GET.get("state", "open")
    if state not in SUSPICION_STATES:
        state = "open"
    qs = selectors.filter_suspicions(
        QualityWarning.objects.filter(kind__in=SUSPICION_KINDS).select_related("unit", "previous"),
        state,
    )
    period = request.GET.get("period", "").strip()
    period_error = ""
    if period:
        try:
            qs = qs.filter(period=selectors.parse_period(period).key)
        except DomainError as exc:
            period_error = exc.message
    return render(
        request,
        "collection/suspicion_list.html",
        {
            "warnings": list(qs.order_by("-period", "unit__sort_order", "kind", "key")[:500]),
            "state": state,
            "states": SUSPICION_STATES,
            "period": period if not period_error else "",
            "period_error": period_error,
            "is_admin": role == Role.CREDIT_ADMIN,
            "review_form": ReviewForm(),
        },
    )


def _warning(request: HttpRequest, pk: int) -> QualityWarning:
    warning = selectors.warnings_for(request.user).filter(pk=pk).first()
    if warning is None:
        raise Http404("未找到该预警。")
    return warning


def _back(request: HttpRequest, warning: QualityWarning) -> HttpResponse:
    target = str(request.POST.get("next", ""))
    if target.startswith("/workspace/collection/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect(f"{reverse('collection:unit', args=[warning.unit_id])}#warning-{warning.pk}")


@login_required
@require_POST
def warning_explain(request: HttpRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk)
    try:
        quality.require_explainer(request.user, warning)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None
    form = ExplainForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(request, warning)
    try:
        quality.explain_warning(actor=request.user, warning=warning, text=form.cleaned_data["text"])
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已提交情况说明，等待信用办确认。")
    return _back(request, warning)


@login_required
@require_POST
def warning_review(request: HttpRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk)
    if not permissions.is_credit_admin(request.user):
        raise PermissionDenied("只有信用办管理员可以确认整改情况。")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(request, warning)
    accepted = form.cleaned_data["decision"] == "accept"
    try:
        quality.review_warning(
            actor=request.user,
            warning=warning,
            accepted=accepted,
            reason=form.cleaned_data["reason"],
        )
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确认整改完成。" if accepted else "已退回，请单位重新说明。")
    return _back(request, warning)


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    register_module(
        "collection.spot_checks",
        "公示信息抽查",
        "collection:spot-checks",
        roles=(Role.CREDIT_ADMIN, Role.LEADER, Role.REPORTER, Role.REVIEWER),
        order=205,
        group="归集与质量",
        description="按月抽查各单位公示的十公示信息，核查、整改与确认",
    )
