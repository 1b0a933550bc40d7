"""Pages of classified supervision and 双随机 draws.

Staff (/workspace/supervision/…): policies per grade (credit office edits), the unit's
inspector roster and declared conflicts, draws (list, set-up, detail, run) and the entry
of inspection results. Public (/credit/draws/…): every draw with its published seed hash
and, once drawn, the seed, the targets (natural persons masked), the inspectors and the
inspection outcomes, and a verify page that re-runs the draw for anyone.

Thin adapters over `supervision.policy` and `supervision.draws`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from xinyong.catalog.models import RecordType
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.publicity.views import throttled
from xinyong.subjects.selectors import search_for
from xinyong.web.access import role_required
from xinyong.web.navigation import register_module

from . import draws, policy
from .models import Draw, InspectorConflict, SupervisionPolicy
from .views_grades import READ_ROLES as GRADE_READ_ROLES

PAGE_SIZE = 30
WRITE_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER)
READ_ROLES = (Role.CREDIT_ADMIN, Role.LEADER, Role.REPORTER, Role.REVIEWER)
GROUP = "分级分类监管"


def grades_visible(user: Any) -> bool:
    """Whether `user` sees a draw with its grades (drawn subjects' grades, per-grade pool
    counts): the roles the grade pages and the grade API admit; anyone else — bank,
    organisation-department and unit-leader accounts — sees it as the public page shows
    it (`draws.grades_public`)."""
    return permissions.role_of(user) in GRADE_READ_ROLES or draws.grades_public()


def register_navigation() -> None:
    register_module(
        "supervision.draws",
        "双随机抽查",
        "supervision:draws",
        roles=READ_ROLES,
        order=620,
        group=GROUP,
        description="按信用等级比例抽取检查对象和检查人员，种子先公布哈希、后公开",
    )
    register_module(
        "supervision.inspectors",
        "检查人员名录",
        "supervision:inspectors",
        roles=READ_ROLES,
        order=621,
        group=GROUP,
        description="本单位执法检查人员与回避申报",
    )
    register_module(
        "supervision.policies",
        "分级分类监管政策",
        "supervision:policies",
        roles=READ_ROLES,
        order=622,
        group=GROUP,
        description="A/B/C/D 各类抽查比例、频次、监管方式及依据",
    )


def _http(exc: DomainError) -> Exception:
    if isinstance(exc, NotFoundError):
        return Http404(exc.message)
    return PermissionDenied(exc.message)


def _writable_units(user: Any) -> list[Unit]:
    if permissions.is_credit_admin(user):
        return list(Unit.objects.filter(active=True))
    if user.unit_id and permissions.can_write_unit_data(user, user.unit_id):
        return [user.unit]
    return []


def _pick_unit(request: HttpRequest, units: list[Unit]) -> Unit:
    chosen = str(request.POST.get("unit", "")).strip()
    if len(units) == 1 and not chosen:
        return units[0]
    found = next((u for u in units if str(u.pk) == chosen), None)
    if found is None:
        raise DomainError("请选择单位。")
    return found


# ---------------------------------------------------------------- policies


@role_required(*READ_ROLES, denied="无权查看分级分类监管政策。")
def policy_list(request: HttpRequest) -> HttpResponse:
    in_force = {g: policy.policy_for(g) for g in policy.GRADES}
    return render(
        request,
        "supervision/policy_list.html",
        {
            "policies": SupervisionPolicy.objects.order_by("grade", "-effective_from", "-id"),
            "in_force_ids": {p.pk for p in in_force.values() if p is not None},
            "may_edit": permissions.is_credit_admin(request.user),
        },
    )


def _policy_form(request: HttpRequest, instance: SupervisionPolicy | None) -> HttpResponse:
    if not permissions.is_credit_admin(request.user):
        raise PermissionDenied("只有信用办管理员可以修改分级分类监管政策。")
    fields = (
        "grade",
        "inspection_ratio",
        "frequency_per_year",
        "approach",
        "basis",
        "effective_from",
        "effective_to",
    )
    values: dict[str, Any] = policy.snapshot(instance) if instance else {"grade": "A"}
    error = ""
    if request.method == "POST":
        values = {f: str(request.POST.get(f, "")).strip()[:2000] for f in fields}
        try:
            if instance is None:
                saved = policy.create_policy(actor=request.user, **values)
            else:
                saved = policy.update_policy(actor=request.user, policy=instance, **values)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"已保存 {saved.grade} 类监管政策。")
            return redirect("supervision:policies")
    return render(
        request,
        "supervision/policy_form.html",
        {"values": values, "error": error, "instance": instance, "grades": policy.GRADES},
    )


@role_required(Role.CREDIT_ADMIN, denied="只有信用办管理员可以修改分级分类监管政策。")
def policy_new(request: HttpRequest) -> HttpResponse:
    return _policy_form(request, None)


@role_required(Role.CREDIT_ADMIN, denied="只有信用办管理员可以修改分级分类监管政策。")
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        instance = policy.get_policy(pk)
    except DomainError as exc:
        raise _http(exc) from None
    return _policy_form(request, instance)


# ---------------------------------------------------------------- inspectors


@role_required(*READ_ROLES, denied="无权查看检查人员名录。")
def inspector_list(request: HttpRequest) -> HttpResponse:
    units = _writable_units(request.user)
    values = {"name": "", "badge_number": "", "unit": ""}
    error = ""
    if request.method == "POST":
        values = {k: str(request.POST.get(k, "")).strip()[:50] for k in values}
        try:
            unit = _pick_unit(request, units)
            inspector = draws.create_inspector(
                actor=request.user,
                unit=unit,
                name=values["name"],
                badge_number=values["badge_number"],
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"已将 {inspector.name} 加入检查人员名录。")
            return redirect("supervision:inspectors")
    page = Paginator(draws.inspectors_visible_to(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "supervision/inspector_list.html",
        {"page": page, "units": units, "values": values, "error": error},
    )


@require_POST
@role_required(*WRITE_ROLES, denied="无权修改检查人员名录。")
def inspector_active(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        inspector = draws.get_inspector(request.user, pk)
        active = request.POST.get("active") == "1"
        draws.set_inspector_active(actor=request.user, inspector=inspector, active=active)
    except DomainError as exc:
        raise _http(exc) from None
    messages.success(request, f"{inspector.name} 已{'恢复在岗' if active else '设为不在岗'}。")
    return redirect("supervision:inspectors")


@role_required(*READ_ROLES, denied="无权查看检查人员名录。")
def inspector_conflicts(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        inspector = draws.get_inspector(request.user, pk)
    except DomainError as exc:
        raise _http(exc) from None
    values = {"subject": "", "reason": "", "declared_on": ""}
    error = ""
    candidates: list[Any] = []
    if request.method == "POST":
        values = {k: str(request.POST.get(k, "")).strip()[:200] for k in values}
        try:
            if not permissions.can_write_unit_data(request.user, inspector.unit):
                raise PermissionDenied("无权为其他单位的检查人员申报回避。")
            chosen = str(request.POST.get("subject_id", "")).strip()
            found = search_for(
                request.user, values["subject"], limit=10, purpose="双随机抽查回避申报"
            )
            subject = next((s for s in found if str(s.pk) == chosen), None)
            if subject is None and len(found) == 1:
                subject = found[0]
            if subject is None:
                if not found:
                    raise DomainError("没有找到该主体，请输入统一社会信用代码或准确名称。")
                candidates = found
                raise DomainError("找到多个主体，请选择一个。")
            draws.declare_conflict(
                actor=request.user,
                inspector=inspector,
                subject=subject,
                reason=values["reason"],
                declared_on=values["declared_on"] or None,
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"已登记 {inspector.name} 对 {subject.name} 的回避。")
            return redirect("supervision:inspector-conflicts", pk=inspector.pk)
    conflicts = InspectorConflict.objects.filter(inspector=inspector).select_related("subject")
    return render(
        request,
        "supervision/inspector_conflicts.html",
        {
            "inspector": inspector,
            "conflicts": conflicts,
            "values": values,
            "error": error,
            "candidates": candidates,
            "may_edit": permissions.can_write_unit_data(request.user, inspector.unit),
        },
    )


@require_POST
@role_required(*WRITE_ROLES, denied="无权修改回避申报。")
def conflict_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = (
        InspectorConflict.objects.select_related("inspector__unit")
        .filter(inspector__in=draws.inspectors_visible_to(request.user), pk=pk)
        .first()
    )
    if conflict is None:
        raise Http404("没有这条回避申报。")
    inspector_pk = conflict.inspector_id
    try:
        draws.withdraw_conflict(actor=request.user, conflict=conflict)
    except DomainError as exc:
        raise _http(exc) from None
    messages.success(request, "已撤回回避申报。")
    return redirect("supervision:inspector-conflicts", pk=inspector_pk)


# ---------------------------------------------------------------- draws (staff)


@role_required(*READ_ROLES, denied="无权查看双随机抽查。")
def draw_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(draws.draws_visible_to(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "supervision/draw_list.html",
        {"page": page, "may_create": bool(_writable_units(request.user))},
    )


@role_required(*WRITE_ROLES, denied="只有责任单位的填报员、审核员或信用办管理员可以发起抽查。")
def draw_new(request: HttpRequest) -> HttpResponse:
    units = _writable_units(request.user)
    if not units:
        raise PermissionDenied("您的账号未指定所属单位，不能发起抽查，请联系信用办。")
    keys = ("unit", "title", "record_type", "region", "inspectors_per_target")
    values: dict[str, Any] = {"inspectors_per_target": "2", "grades": list(policy.GRADES)}
    error = ""
    if request.method == "POST":
        values = {k: str(request.POST.get(k, "")).strip()[:200] for k in keys}
        values["grades"] = [g for g in request.POST.getlist("grades") if g in policy.GRADES]
        try:
            if not values["grades"]:
                raise DomainError("请至少选择一个信用等级。")
            draw = draws.create_draw(
                actor=request.user,
                unit=_pick_unit(request, units),
                title=values["title"],
                record_type=values["record_type"] or None,
                region=values["region"],
                grades=values["grades"],
                inspectors_per_target=values["inspectors_per_target"] or "2",
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "抽查任务已建立，随机种子的哈希已公布。")
            return redirect("supervision:draw", pk=draw.pk)
    return render(
        request,
        "supervision/draw_form.html",
        {
            "units": units,
            "values": values,
            "error": error,
            "grades": policy.GRADES,
            "record_types": RecordType.objects.filter(active=True).order_by("sort_order", "code"),
        },
    )


@role_required(*READ_ROLES, denied="无权查看双随机抽查。")
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        draw = draws.get_draw(request.user, pk)
    except DomainError as exc:
        raise _http(exc) from None
    show = grades_visible(request.user)
    return render(
        request,
        "supervision/draw_detail.html",
        {
            "draw": draw,
            "summary": draws.summary(draw, with_grades=show),
            "targets": draws.public_targets(draw, with_grades=show),
            "show_grades": show,
            "may_edit": permissions.can_write_unit_data(request.user, draw.unit),
        },
    )


@require_POST
@role_required(*WRITE_ROLES, denied="无权执行抽取。")
def draw_run(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        draw = draws.get_draw(request.user, pk)
        draws.run_draw(actor=request.user, draw=draw)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已抽取，随机种子和抽取结果已公开。")
    return redirect("supervision:draw", pk=pk)


@role_required(*WRITE_ROLES, denied="无权录入检查结果。")
def inspection_entry(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        target = draws.get_target(request.user, pk)
    except DomainError as exc:
        raise _http(exc) from None
    if not permissions.can_write_unit_data(request.user, target.draw.unit):
        raise PermissionDenied("只能为本单位的抽查录入检查结果。")
    keys = (
        "document_number",
        "inspected_on",
        "matters",
        "outcome",
        "handling",
        "legal_rep",
        "inspecting_unit_name",
        "inspecting_unit_code",
    )
    values = {k: "" for k in keys}
    error = ""
    if request.method == "POST":
        values = {k: str(request.POST.get(k, "")).strip()[:4000] for k in keys}
        try:
            draws.record_inspection(actor=request.user, target=target, **values)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "检查结果已作为行政检查信息入库并公示。")
            return redirect("supervision:draw", pk=target.draw_id)
    return render(
        request,
        "supervision/draw_inspection_form.html",
        {
            "target": target,
            "name": draws.public_name(target.subject),
            "values": values,
            "error": error,
            "unit_has_code": bool(target.draw.unit.uscc),
        },
    )


# ---------------------------------------------------------------- public pages
# Throttled per address like the rest of /credit/ and the draws API: a verify request
# re-runs the whole draw.


@throttled
def public_draw_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Draw.objects.select_related("unit"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "supervision/draw_public_list.html", {"page": page})


def _public(pk: int) -> Draw:
    try:
        return draws.get_public_draw(pk)
    except DomainError as exc:
        raise Http404(exc.message) from None


@throttled
def public_draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Grades are staff-only unless the credit office made them public (see
    # draws.summary / public_targets / public_data): totals only, no per-grade counts.
    draw = _public(pk)
    show = draws.grades_public()
    return render(
        request,
        "supervision/draw_public_detail.html",
        {
            "draw": draw,
            "summary": draws.summary(draw, with_grades=show),
            "targets": draws.public_targets(draw, with_grades=show),
            "show_grades": show,
            # The method shown is the one the draw was drawn (and verifies) by.
            "algorithm": draws.algorithm_of(draw),
            "algorithm_v1": draws.ALGORITHM_V1,
        },
    )


@throttled
def public_draw_verify(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _public(pk)
    return render(
        request,
        "supervision/draw_verify.html",
        {"draw": draw, "report": draws.verify_draw(draw, with_grades=draws.grades_public())},
    )


@throttled
def public_draw_data(request: HttpRequest, pk: int) -> JsonResponse:
    draw = _public(pk)
    return JsonResponse(draws.public_data(draw), json_dumps_params={"ensure_ascii": False})


# Mounted by supervision/urls.py (staff, namespace "supervision") and by the project's
# urls.py under credit/ (public, namespace "draws_public").
staff_urlpatterns: list[URLPattern] = [
    path("policies/", policy_list, name="policies"),
    path("policies/new/", policy_new, name="policy-new"),
    path("policies/<int:pk>/", policy_edit, name="policy-edit"),
    path("inspectors/", inspector_list, name="inspectors"),
    path("inspectors/<int:pk>/active/", inspector_active, name="inspector-active"),
    path("inspectors/<int:pk>/conflicts/", inspector_conflicts, name="inspector-conflicts"),
    path("conflicts/<int:pk>/withdraw/", conflict_withdraw, name="conflict-withdraw"),
    path("draws/", draw_list, name="draws"),
    path("draws/new/", draw_new, name="draw-new"),
    path("draws/<int:pk>/", draw_detail, name="draw"),
    path("draws/<int:pk>/run/", draw_run, name="draw-run"),
    path("draws/targets/<int:pk>/inspection/", inspection_entry, name="inspection-entry"),
]

public_urlpatterns: list[URLPattern] = [
    path("draws/", public_draw_list, name="draws"),
    path("draws/<int:pk>/", public_draw_detail, name="draw"),
    path("draws/<int:pk>/verify/", public_draw_verify, name="draw-verify"),
    path("draws/<int:pk>/data.json", public_draw_data, name="draw-data"),
]
