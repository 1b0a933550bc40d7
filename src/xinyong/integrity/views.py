"""Pages of 政务诚信. Workspace (under /workspace/integrity/): the monitoring dashboard
(government bodies on the 失信被执行人 list, alerts, pending cases, arrears target), the
units' credit files, alerts with sign-off, cases with 通报/约谈/督办 steps, arrears with
payments, government commitments with fulfilment and complaints, the evaluation ranking,
a unit's scores with manual scoring, the XLSX. Portal (under /credit/integrity/): the
service commitments and 诚信承诺书 units published. Thin adapters; refusals in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import clean_year
from xinyong.core.masking import mask_name, mask_phone
from xinyong.orgs import permissions
from xinyong.orgs.models import Role
from xinyong.publicity.views import throttled
from xinyong.web.access import role_required

from . import evaluation, inputs, monitoring, selectors, services
from .exports import xlsx_response
from .models import (
    Alert,
    ArrearsCase,
    CaseStep,
    CommitmentComplaint,
    GovCommitment,
    GovernmentBody,
    Indicator,
    IntegrityCase,
)

STAFF = (Role.CREDIT_ADMIN, Role.LEADER, Role.REPORTER, Role.REVIEWER)
WRITERS = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER)
OFFICE = (Role.CREDIT_ADMIN,)
READ_ALL = (Role.CREDIT_ADMIN, Role.LEADER)
_DENIED = services.READ_DENIED
_WRITE_DENIED = "只有信用办或责任单位工作人员可以登记政务诚信信息。"
PAGE = 50


def _run(request: HttpRequest, action: Callable[[], Any], done: str) -> bool:
    """Call a service; a refusal of permission is a 403 page, a refused input a message."""
    try:
        action()
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


def _or_404(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def _post(request: HttpRequest, *keys: str) -> dict[str, str]:
    return {k: str(request.POST.get(k, ""))[: inputs.MAX_TEXT] for k in keys}


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE).get_page(request.GET.get("page"))


def _filter(request: HttpRequest, qs: Any, field: str, choices: Any) -> tuple[Any, str]:
    """Narrow `qs` by ?field= when the value is one of `choices`."""
    value = request.GET.get(field, "")
    if value in choices.values:
        return qs.filter(**{field: value}), value
    return qs, ""


def _list_page(
    request: HttpRequest, template: str, qs: Any, filters: dict[str, Any], **extra: Any
) -> HttpResponse:
    """A paginated list narrowed by the ?field= filters given with their choices; the
    template gets each selected value and `<field>_choices`."""
    context: dict[str, Any] = {}
    for field, choices in filters.items():
        qs, context[field] = _filter(request, qs, field, choices)
        context[f"{field}_choices"] = choices.choices
    return render(request, template, {"page": _page(request, qs), **context, **extra})


def _body_form(
    request: HttpRequest,
    *,
    template: str,
    keys: tuple[str, ...],
    label: str,
    create: Callable[[GovernmentBody, dict[str, str]], Any],
    done: str,
    target: str,
    initial: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """An entry form for something a body did (a case, an arrears case, a commitment):
    the body is chosen among those the user may write for."""
    bodies = _writable_bodies(request.user)
    values = _post(request, "body", *keys)
    if request.method != "POST":
        values.update(initial or {})
    else:
        holder: dict[str, Any] = {}

        def act() -> None:
            body = bodies.filter(pk=inputs.pk(values["body"])).first()
            if body is None:
                raise DomainError(f"请选择{label}。")
            holder["obj"] = create(body, values)

        if _run(request, act, done):
            return redirect(target, pk=holder["obj"].pk)
    return render(request, template, {"bodies": bodies, "values": values, **extra})


def _writable_bodies(user: Any) -> Any:
    qs = selectors.bodies_for(user).filter(active=True)
    if permissions.is_credit_admin(user):
        return qs
    return qs.filter(unit_id=getattr(user, "unit_id", None) or 0)


def _year(request: HttpRequest) -> int:
    try:
        return clean_year(request.GET.get("year") or timezone.localdate().year)
    except DomainError:
        return timezone.localdate().year


# ---------------------------------------------------------------- dashboard and files


@role_required(*STAFF, denied=_DENIED)
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _run(
            request,
            lambda: monitoring.scan(actor=request.user),
            "已完成监测，新的预警已发出。",
        )
        return redirect("integrity:dashboard")
    data = selectors.dashboard(request.user)
    return render(
        request,
        "integrity/dashboard.html",
        {
            **data,
            "is_office": permissions.is_credit_admin(request.user),
            "own_unit": None
            if permissions.readable_unit_ids(request.user) is None
            else request.user.unit,  # type: ignore[union-attr]
        },
    )


@role_required(*STAFF, denied=_DENIED)
def unit_list(request: HttpRequest) -> HttpResponse:
    units = selectors.units_for(request.user)
    if permissions.readable_unit_ids(request.user) is not None and len(units) == 1:
        return redirect("integrity:unit", pk=units[0].pk)
    return render(
        request,
        "integrity/units.html",
        # Leaders read every file but register nothing: no button leading to a refusal.
        {"units": units, "can_register": permissions.role_of(request.user) in WRITERS},
    )


@role_required(*STAFF, denied=_DENIED)
def unit_file(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _or_404(lambda: selectors.unit_for(request.user, pk))
    return render(
        request,
        "integrity/unit_file.html",
        {
            **selectors.unit_file(unit),
            "can_write": permissions.can_write_unit_data(request.user, unit),
        },
    )


@role_required(*WRITERS, denied=_WRITE_DENIED)
def body_new(request: HttpRequest) -> HttpResponse:
    units = list(selectors.units_for(request.user))
    if not permissions.is_credit_admin(request.user):
        units = [u for u in units if u.pk == request.user.unit_id]  # type: ignore[union-attr]
    values = _post(request, "unit", "kind", "name", "uscc", "note")
    if request.method == "POST":
        holder: dict[str, Any] = {}

        def act() -> None:
            unit = next((u for u in units if str(u.pk) == values["unit"]), None)
            if unit is None:
                raise DomainError("请选择主管单位。")
            holder["body"] = services.register_body(
                actor=request.user,
                unit=unit,
                kind=values["kind"],
                name=values["name"],
                identifier=values["uscc"],
                note=values["note"],
            )

        if _run(request, act, "已登记政务诚信主体。"):
            return redirect("integrity:unit", pk=holder["body"].unit_id)
    return render(
        request,
        "integrity/body_new.html",
        {"units": units, "kinds": GovernmentBody.Kind.choices, "values": values},
    )


# ---------------------------------------------------------------- alerts


@role_required(*STAFF, denied=_DENIED)
def alert_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        "integrity/alerts.html",
        selectors.alerts_for(request.user),
        {"status": Alert.Status, "kind": Alert.Kind},
    )


@role_required(*STAFF, denied=_DENIED)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _or_404(lambda: selectors.alert_for(request.user, pk))
    if request.method == "POST":
        values = _post(request, "action", "text")
        if values["action"] == "resolve":
            _run(
                request,
                lambda: services.resolve_alert(
                    actor=request.user, alert=alert, resolution=values["text"]
                ),
                "预警已解除。",
            )
        else:
            _run(
                request,
                lambda: services.acknowledge_alert(
                    actor=request.user, alert=alert, response=values["text"]
                ),
                "已签收预警。",
            )
        return redirect("integrity:alert", pk=alert.pk)
    can_ack = alert.status == Alert.Status.OPEN and (
        permissions.is_credit_admin(request.user)
        or (
            alert.unit_id is not None
            and permissions.can_write_unit_data(request.user, alert.unit_id)
        )
    )
    return render(
        request,
        "integrity/alert.html",
        {
            "alert": alert,
            "can_ack": can_ack,
            "can_resolve": alert.status != Alert.Status.RESOLVED
            and permissions.is_credit_admin(request.user),
        },
    )


# ---------------------------------------------------------------- cases


@role_required(*STAFF, denied=_DENIED)
def case_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        "integrity/cases.html",
        selectors.cases_for(request.user),
        {"stage": IntegrityCase.Stage, "kind": IntegrityCase.Kind},
        can_write=permissions.role_of(request.user) in WRITERS,
    )


@role_required(*WRITERS, denied=_WRITE_DENIED)
def case_new(request: HttpRequest) -> HttpResponse:
    def create(body: GovernmentBody, v: dict[str, str]) -> IntegrityCase:
        return services.create_case(
            actor=request.user,
            body=body,
            kind=v["kind"],
            title=v["title"],
            opened_on=v["opened_on"],
            case_number=v["case_number"],
            authority=v["authority"],
            counterparty=v["counterparty"],
            amount_wan=v["amount_wan"] or None,
            description=v["description"],
            due_on=v["due_on"] or None,
            found=v["found"] == "on",
        )

    return _body_form(
        request,
        template="integrity/case_new.html",
        keys=(
            "kind",
            "title",
            "case_number",
            "authority",
            "counterparty",
            "amount_wan",
            "opened_on",
            "due_on",
            "description",
            "found",
        ),
        label="涉及主体",
        create=create,
        done="已登记案件。",
        target="integrity:case",
        kinds=IntegrityCase.Kind.choices,
        is_office=permissions.is_credit_admin(request.user),
    )


@role_required(*STAFF, denied=_DENIED)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _or_404(lambda: selectors.case_for(request.user, pk))
    if request.method == "POST":
        values = _post(request, "kind", "on", "note")
        _run(
            request,
            lambda: services.add_step(
                actor=request.user,
                case=case,
                kind=values["kind"],
                on=values["on"],
                note=values["note"],
            ),
            "已登记办理环节。",
        )
        return redirect("integrity:case", pk=case.pk)
    is_office = permissions.is_credit_admin(request.user)
    allowed = [
        (k, label)
        for k, label in CaseStep.Kind.choices
        if k not in (CaseStep.Kind.LISTED, CaseStep.Kind.REMOVED)
        and (is_office or k not in services.OFFICE_STEPS)
    ]
    can_write = case.stage != IntegrityCase.Stage.CLOSED and (
        is_office or permissions.can_write_unit_data(request.user, case.unit_id)
    )
    return render(
        request,
        "integrity/case.html",
        {
            "case": case,
            "steps": case.steps.select_related("actor"),
            "step_kinds": allowed,
            "can_write": can_write,
            "today": timezone.localdate(),
        },
    )


# ---------------------------------------------------------------- arrears


@role_required(*STAFF, denied=_DENIED)
def arrears_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    district, rows = selectors.arrears_targets(year, selectors.units_for(request.user))
    return _list_page(
        request,
        "integrity/arrears.html",
        selectors.arrears_for(request.user),
        {"status": ArrearsCase.Status},
        year=year,
        district=district,
        rows=rows,
        all_units=permissions.readable_unit_ids(request.user) is None,
        can_write=permissions.role_of(request.user) in WRITERS,
    )


@role_required(*WRITERS, denied=_WRITE_DENIED)
def arrears_new(request: HttpRequest) -> HttpResponse:
    def create(body: GovernmentBody, v: dict[str, str]) -> ArrearsCase:
        return services.register_arrears(
            actor=request.user,
            body=body,
            creditor_name=v["creditor_name"],
            creditor_code=v["creditor_code"],
            creditor_kind=v["creditor_kind"],
            project=v["project"],
            amount_wan=v["amount_wan"],
            due_on=v["due_on"],
            registered_on=v["registered_on"] or None,
            source=v["source"],
            note=v["note"],
        )

    return _body_form(
        request,
        template="integrity/arrears_new.html",
        keys=(
            "creditor_name",
            "creditor_code",
            "creditor_kind",
            "project",
            "amount_wan",
            "due_on",
            "registered_on",
            "source",
            "note",
        ),
        label="欠款主体",
        create=create,
        done="已登记拖欠账款，并向信用办和主管单位发出预警。",
        target="integrity:arrears-case",
        initial={"registered_on": timezone.localdate().isoformat()},
        creditor_kinds=ArrearsCase.CreditorKind.choices,
        sources=ArrearsCase.Source.choices,
    )


@role_required(*STAFF, denied=_DENIED)
def arrears_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _or_404(lambda: selectors.arrears_case_for(request.user, pk))
    if request.method == "POST":
        values = _post(request, "action", "paid_on", "amount_wan", "note", "status")
        if values["action"] == "status":
            _run(
                request,
                lambda: services.set_arrears_status(
                    actor=request.user, case=case, status=values["status"], note=values["note"]
                ),
                "已更新状态。",
            )
        else:
            _run(
                request,
                lambda: services.record_payment(
                    actor=request.user,
                    case=case,
                    paid_on=values["paid_on"],
                    amount_wan=values["amount_wan"],
                    note=values["note"],
                ),
                "已登记支付。",
            )
        return redirect("integrity:arrears-case", pk=case.pk)
    open_case = case.status not in (ArrearsCase.Status.CLEARED, ArrearsCase.Status.REVOKED)
    return render(
        request,
        "integrity/arrears_case.html",
        {
            "case": case,
            "payments": case.payments.all(),
            "can_pay": open_case and permissions.can_write_unit_data(request.user, case.unit_id),
            "can_status": case.status != ArrearsCase.Status.CLEARED
            and permissions.is_credit_admin(request.user),
            "statuses": [
                (k, v)
                for k, v in ArrearsCase.Status.choices
                if k
                in (
                    ArrearsCase.Status.OPEN,
                    ArrearsCase.Status.DISPUTED,
                    ArrearsCase.Status.REVOKED,
                )
            ],
            "today": timezone.localdate(),
        },
    )


# ---------------------------------------------------------------- commitments


@role_required(*STAFF, denied=_DENIED)
def commitment_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        "integrity/commitments.html",
        selectors.commitments_for(request.user),
        {"kind": GovCommitment.Kind, "status": GovCommitment.Status},
        can_write=permissions.role_of(request.user) in WRITERS,
    )


@role_required(*WRITERS, denied=_WRITE_DENIED)
def commitment_new(request: HttpRequest) -> HttpResponse:
    def create(body: GovernmentBody, v: dict[str, str]) -> GovCommitment:
        return services.record_commitment(
            actor=request.user,
            body=body,
            kind=v["kind"],
            title=v["title"],
            content=v["content"],
            made_on=v["made_on"],
            due_on=v["due_on"] or None,
            counterparty=v["counterparty"],
            document_ref=v["document_ref"],
            published=v["published"] == "on",
        )

    return _body_form(
        request,
        template="integrity/commitment_new.html",
        keys=(
            "kind",
            "title",
            "content",
            "counterparty",
            "document_ref",
            "made_on",
            "due_on",
            "published",
        ),
        label="承诺主体",
        create=create,
        done="已登记政府承诺。",
        target="integrity:commitment",
        kinds=GovCommitment.Kind.choices,
    )


def _complaint_rows(commitment: GovCommitment) -> list[dict[str, Any]]:
    # Complainants may be natural persons: names and phones are shown masked.
    return [
        {
            "c": c,
            "complainant": mask_name(c.complainant) if len(c.complainant) <= 4 else c.complainant,
            "phone": mask_phone(c.phone) if c.phone else "",
        }
        for c in commitment.complaints.all()
    ]


@role_required(*STAFF, denied=_DENIED)
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = _or_404(lambda: selectors.commitment_for(request.user, pk))
    if request.method == "POST":
        values = _post(
            request,
            "action",
            "status",
            "note",
            "on",
            "new_official",
            "received_on",
            "complainant",
            "phone",
            "content",
            "complaint",
            "substantiated",
            "reply",
        )
        action = values["action"]
        if action == "assess":
            _run(
                request,
                lambda: services.assess_commitment(
                    actor=request.user,
                    commitment=c,
                    status=values["status"],
                    note=values["note"],
                    on=values["on"] or None,
                    new_official=values["new_official"] == "on",
                ),
                "已记录履行情况。",
            )
        elif action == "complaint":
            _run(
                request,
                lambda: services.file_complaint(
                    actor=request.user,
                    commitment=c,
                    received_on=values["received_on"],
                    complainant=values["complainant"],
                    phone=values["phone"],
                    content=values["content"],
                ),
                "已登记投诉。",
            )
        else:

            def answer() -> None:
                complaint = _or_404(
                    lambda: selectors.complaint_for(request.user, values["complaint"])
                )
                services.answer_complaint(
                    actor=request.user,
                    complaint=complaint,
                    substantiated={"yes": True, "no": False}.get(values["substantiated"]),
                    reply=values["reply"],
                    on=values["on"] or None,
                )

            _run(request, answer, "投诉已办结。")
        return redirect("integrity:commitment", pk=c.pk)
    can_write = permissions.can_write_unit_data(request.user, c.unit_id)
    is_office = permissions.is_credit_admin(request.user)
    # After a unit's 已兑现 the office may still find 未兑现 or 依法变更 (services.
    # assess_commitment); a finding of the office is final for everyone.
    reported = c.status == GovCommitment.Status.FULFILLED
    allowed: set[str] = {GovCommitment.Status.FULFILLED}
    if is_office:
        allowed = set(services.OFFICE_FINDINGS) | (set() if reported else allowed)
    outcomes = [(k, v) for k, v in GovCommitment.Status.choices if k in allowed]
    return render(
        request,
        "integrity/commitment.html",
        {
            "c": c,
            "complaints": _complaint_rows(c),
            "cases": c.cases.all(),
            "can_assess": can_write
            and (c.status == GovCommitment.Status.PENDING or (is_office and reported)),
            "can_write": can_write,
            "outcomes": outcomes,
            "open_status": CommitmentComplaint.Status.OPEN,
            "today": timezone.localdate(),
        },
    )


@throttled
def public_commitments(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrity/public_commitments.html",
        {"commitments": selectors.published_commitments()},
    )


# ---------------------------------------------------------------- evaluation


@role_required(*STAFF, denied=_DENIED)
def evaluation_page(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    if request.method == "POST":
        _run(
            request,
            lambda: evaluation.evaluate(actor=request.user, year=request.POST.get("year", year)),
            "已保存评价结果，低于预警线的单位已收到预警。",
        )
        return redirect(f"{request.path}?year={year}")
    system = evaluation.IndicatorSystem.objects.filter(year=year).first()
    result, not_begun = None, ""
    if system is not None:
        try:
            result = evaluation.compute(system)
        except DomainError as exc:  # next year's system set up ahead: 尚未开始
            not_begun = exc.message
    rows = result.rows if result else []
    readable = permissions.readable_unit_ids(request.user)
    if readable is not None:
        rows = [r for r in rows if r.unit.pk in readable]
    return render(
        request,
        "integrity/evaluation.html",
        {
            "year": year,
            "system": system,
            "result": result,
            "not_begun": not_begun,
            "rows": rows,
            "groups": rows[0].groups() if rows else [],
            "is_office": permissions.is_credit_admin(request.user),
            "can_export": readable is None,
            "years": evaluation.IndicatorSystem.objects.values_list("year", flat=True),
        },
    )


@role_required(*STAFF, denied=_DENIED)
def evaluation_unit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _or_404(lambda: selectors.unit_for(request.user, pk))
    year = _year(request)
    system = _or_404(lambda: evaluation.get_system(year))
    if request.method == "POST":
        values = _post(request, "indicator", "score", "evidence")

        def act() -> None:
            indicator = Indicator.objects.filter(system=system, code=values["indicator"]).first()
            if indicator is None:
                raise DomainError("请选择指标。")
            evaluation.set_manual_score(
                actor=request.user,
                indicator=indicator,
                unit=unit,
                score=values["score"],
                evidence=values["evidence"],
            )

        _run(request, act, "已保存人工评分。")
        return redirect(f"{request.path}?year={year}")
    row, not_begun = None, ""
    try:
        row = evaluation.unit_evaluation(system, unit)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:  # a year not begun: the office may still prepare scores
        not_begun = exc.message
    manual = system.indicators.filter(
        method=Indicator.Method.MANUAL, parent__isnull=False
    ).order_by("sort_order")
    return render(
        request,
        "integrity/evaluation_unit.html",
        {
            "unit": unit,
            "system": system,
            "row": row,
            "not_begun": not_begun,
            "manual": manual,
            "is_office": permissions.is_credit_admin(request.user),
        },
    )


@role_required(*READ_ALL, denied="只有信用办管理员和领导可以导出全区政务诚信评价。")
def evaluation_export(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    system = _or_404(lambda: evaluation.get_system(year))
    try:
        return xlsx_response(system)
    except DomainError as exc:  # a year not begun has nothing to export
        messages.error(request, exc.message)
        return redirect(f"{reverse('integrity:evaluation')}?year={year}")


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    group = "政务诚信"
    register_module(
        "integrity.dashboard",
        "政务诚信监测",
        "integrity:dashboard",
        roles=STAFF,
        order=700,
        group=group,
        description="政府机构失信被执行人清零、预警、未结案件、清欠目标",
    )
    register_module(
        "integrity.units",
        "单位信用档案",
        "integrity:units",
        roles=STAFF,
        order=705,
        group=group,
        description="各单位及所属事业单位、国有企业的政务信用档案",
    )
    register_module(
        "integrity.cases",
        "政务失信案件",
        "integrity:cases",
        roles=STAFF,
        order=710,
        group=group,
        description="被执行人未结案件、违约毁约、新官不理旧账：预警、通报、约谈、履约督办",
    )
    register_module(
        "integrity.arrears",
        "清欠（拖欠中小企业账款）",
        "integrity:arrears",
        roles=STAFF,
        order=715,
        group=group,
        description="拖欠民营企业和中小企业账款的登记、清偿与“无新增拖欠”目标",
    )
    register_module(
        "integrity.commitments",
        "政府承诺履约",
        "integrity:commitments",
        roles=STAFF,
        order=720,
        group=group,
        description="服务承诺、诚信承诺书、合同与会议纪要承诺的兑现与投诉",
    )
    register_module(
        "integrity.evaluation",
        "政务诚信评价",
        "integrity:evaluation",
        roles=STAFF,
        order=725,
        group=group,
        description="依法行政、政务公开、勤政高效、守信践诺的年度与运行得分、排名与预警",
    )
