"""The one write path of 政务诚信: bodies, alerts, cases with their 通报/约谈 steps,
arrears (清欠) and government commitments with complaints. Each function takes keyword
arguments and an explicit `actor` (None: the system), runs in one transaction and writes
one event (docs/conventions.md).

Who may do what (orgs.permissions decides the unit scope):
- 信用办管理员: everything, and alone the findings — 通报, 约谈, 督办, 认定, 办结, a
  commitment found broken or lawfully changed, resolving alerts, arrears disputes;
- a unit's 填报员/审核员: their own unit's bodies, arrears and payments, commitments and
  their fulfilment, progress steps on their cases, signing alerts off with a response;
- 领导: reads everything, changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.masking import mask_phone
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.orgs.services import resolve_unit
from xinyong.subjects.models import Subject, SubjectKind
from xinyong.subjects.services import get_or_create_subject

from . import inputs
from .models import (
    Alert,
    ArrearsCase,
    ArrearsPayment,
    CaseStep,
    CommitmentComplaint,
    GovCommitment,
    GovernmentBody,
    IntegrityCase,
)

STAFF_ROLES = frozenset({Role.CREDIT_ADMIN, Role.LEADER, Role.REPORTER, Role.REVIEWER})
READ_DENIED = "只有信用办、责任单位工作人员和领导可以查看政务诚信信息。"
# Findings on a commitment only the credit office makes (docs/integrity.md).
OFFICE_FINDINGS = frozenset({GovCommitment.Status.BROKEN, GovCommitment.Status.CHANGED})
OFFICE_STEPS = frozenset(
    {
        CaseStep.Kind.NOTICE,
        CaseStep.Kind.INTERVIEW,
        CaseStep.Kind.SUPERVISE,
        CaseStep.Kind.FINDING,
        CaseStep.Kind.CLOSE,
        CaseStep.Kind.WARNING,
    }
)


# ---------------------------------------------------------------- permissions


def may_read(user: Any, unit: Unit | int | None = None) -> bool:
    """Staff roles only (banks and the organisation department have no business with a
    unit's integrity file), then the unit scope of orgs.permissions."""
    if permissions.role_of(user) not in STAFF_ROLES:
        return False
    return unit is None or permissions.can_read_unit_data(user, unit)


def require_read(user: Any, unit: Unit | int | None = None) -> None:
    if permissions.role_of(user) is None:
        raise NotPermitted("请先登录，或账号已停用。")
    if permissions.role_of(user) not in STAFF_ROLES:
        raise NotPermitted(READ_DENIED)
    if unit is not None:
        permissions.require(user, "read_unit_data", unit)


def require_write(actor: Any, unit: Unit | int) -> None:
    if actor is not None:
        permissions.require(actor, "write_unit_data", unit)


def require_office(actor: Any, what: str = "执行此操作") -> None:
    if actor is None or permissions.is_credit_admin(actor):
        return
    if permissions.role_of(actor) is None:
        raise NotPermitted("请先登录，或账号已停用。")
    raise NotPermitted(f"只有信用办管理员可以{what}。")


def scope(user: Any, qs: QuerySet[Any], unit_field: str = "unit") -> QuerySet[Any]:
    if permissions.role_of(user) not in STAFF_ROLES:
        return qs.none()
    return permissions.scope_to_user_units(user, qs, unit_field)


def _today(on: date | None) -> date:
    return on or timezone.localdate()


def _not_future(d: date, label: str, today: date) -> date:
    if d > today:
        raise DomainError(f"{label}不能晚于今天（{today.isoformat()}）。")
    return d


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def get_body(value: Any) -> GovernmentBody:
    if isinstance(value, GovernmentBody):
        return value
    found = (
        GovernmentBody.objects.select_related("unit", "subject").filter(pk=inputs.pk(value)).first()
    )
    if found is None:
        raise NotFoundError(f"政务诚信主体“{value}”不存在。")
    return found


# ---------------------------------------------------------------- bodies


def _organ_name(unit: Unit) -> str:
    return unit.name


def ensure_organ_bodies(*, actor: Any = None) -> list[GovernmentBody]:
    """Every active unit is a credit subject (机关本级): create the missing rows (the
    unit's subject is linked when its 统一社会信用代码 is known). Idempotent."""
    require_office(actor, "维护政务诚信主体")
    with transaction.atomic():
        have = set(
            GovernmentBody.objects.filter(kind=GovernmentBody.Kind.ORGAN).values_list(
                "unit_id", flat=True
            )
        )
        created = []
        for unit in Unit.objects.filter(active=True).exclude(pk__in=have).order_by("sort_order"):
            subject = (
                Subject.objects.filter(identifier=unit.uscc, merged_into__isnull=True).first()
                if unit.uscc
                else None
            )
            if subject is not None and GovernmentBody.objects.filter(subject=subject).exists():
                subject = None
            created.append(
                GovernmentBody.objects.create(
                    unit=unit,
                    subject=subject,
                    name=_organ_name(unit),
                    kind=GovernmentBody.Kind.ORGAN,
                )
            )
        if created:
            record_event(
                actor=actor,
                action="integrity.organs_ensure",
                target_type="integrity.GovernmentBody",
                target_id=created[0].pk,
                target_repr=f"补建机关本级主体 {len(created)} 个",
                new={"units": [b.unit_id for b in created]},
            )
    return created


def _subject_for(actor: Any, identifier: str, name: str) -> Subject:
    subject, _created, _conflict = get_or_create_subject(
        actor=actor,
        identifier=identifier,
        name=name,
        kind=SubjectKind.ORGANISATION,
        source="政务诚信主体登记",
    )
    if subject.kind != SubjectKind.ORGANISATION:
        raise DomainError("政务诚信主体应为机关、事业单位或企业，不能是自然人或个体工商户。")
    return subject


def _body_snapshot(body: GovernmentBody) -> dict[str, Any]:
    return {
        "unit_id": body.unit_id,
        "subject_id": body.subject_id,
        "name": body.name,
        "kind": body.kind,
        "active": body.active,
        "note": body.note,
    }


def register_body(
    *,
    actor: Any,
    unit: Any,
    kind: Any,
    name: Any,
    identifier: Any = "",
    note: Any = "",
    on: date | None = None,
) -> GovernmentBody:
    """Register a body under `unit` (its 事业单位, 国有企业 …), or link the unit's own
    subject (kind 机关本级) by its 统一社会信用代码. A body linked to a subject already on
    the 失信被执行人 list raises the alert at once."""
    the_unit = resolve_unit(unit)
    require_write(actor, the_unit)
    the_kind = inputs.choice(kind, "主体类型", GovernmentBody.Kind.choices)
    the_name = inputs.text(name, "主体名称")
    code = inputs.text(identifier, "统一社会信用代码", limit=40, required=False)
    the_note = inputs.text(note, "说明", limit=300, required=False)
    if the_kind == GovernmentBody.Kind.SOE and not code:
        raise DomainError("登记国有企业须填写统一社会信用代码。")
    with transaction.atomic():
        subject = _subject_for(actor, code, the_name) if code else None
        if subject is not None:
            other = GovernmentBody.objects.filter(subject=subject).select_related("unit").first()
            if other is not None and not (
                the_kind == GovernmentBody.Kind.ORGAN
                and other.kind == the_kind
                and other.unit_id == the_unit.pk
            ):
                raise DomainError(
                    f"该统一社会信用代码已登记为“{other.unit.name}”的“{other.name}”。"
                )
        body = None
        old = None
        if the_kind == GovernmentBody.Kind.ORGAN:
            body = (
                GovernmentBody.objects.select_for_update()
                .filter(unit=the_unit, kind=GovernmentBody.Kind.ORGAN)
                .first()
            )
            old = _body_snapshot(body) if body else None
        if body is None:
            body = GovernmentBody(unit=the_unit, kind=the_kind)
        body.name = the_name
        body.subject = subject if subject is not None else body.subject
        body.note = the_note
        body.active = True
        body.save()
        from .monitoring import listed_alerts_for_body

        alerts = listed_alerts_for_body(body=body, on=_today(on))
        record_event(
            actor=actor,
            action="integrity.body_register",
            target_type="integrity.GovernmentBody",
            target_id=body.pk,
            target_repr=f"{the_unit.name} · {body.name}",
            old=old,
            new={**_body_snapshot(body), "alerts": [a.pk for a in alerts]},
        )
    return body


# ---------------------------------------------------------------- alerts


def ensure_alert(
    *,
    key: str,
    kind: str,
    level: str,
    title: str,
    detail: str,
    on: date,
    unit: Unit | None = None,
    body: GovernmentBody | None = None,
    subject: Subject | None = None,
) -> tuple[Alert, bool]:
    """The alert with `key`, created when missing or when its cause went away and has
    come back (True: raised now). No event of its own: the service that found the cause
    records it in its event (one event per change).

    An alert the credit office lifted while its cause lasted stays lifted: raising it
    again every day would overrule the office. Only a cause that went away
    (close_alert) and recurs raises a new alert; the old one keeps its sign-off and
    resolution under a retired key."""
    key = key[:100]
    found = Alert.objects.filter(key=key).first()
    earlier = ""
    if found is not None:
        if found.status != Alert.Status.RESOLVED or found.cause_gone_on is None:
            return found, False
        found.key = retired_alert_key(key, found)
        found.save(update_fields=["key", "updated_at"])
        why = f"（{found.resolution}）" if found.resolution else ""
        earlier = (
            f"\n此前同一事项的预警于 {found.raised_on.isoformat()} 发出、"
            f"{(found.resolved_on or found.cause_gone_on).isoformat()} 解除{why}，"
            f"{on.isoformat()} 再次出现。"
        )
    alert = Alert.objects.create(
        key=key,
        kind=kind,
        level=level,
        title=title[:200],
        detail=detail + earlier,
        raised_on=on,
        unit=unit,
        body=body,
        subject=subject if subject is not None else (body.subject if body else None),
    )
    return alert, True


def retired_alert_key(key: str, alert: Alert) -> str:
    """The key an alert keeps once a recurrence of its cause took over `key`: unique by
    the alert's id, and never equal to a live key (no live key contains "@")."""
    return f"{key[:80]}@{alert.pk}"


def close_alert(key: str, *, on: date, resolution: str) -> Alert | None:
    """The cause of the alert with `key` went away: mark it resolved (returned) and note
    the day, so that a recurrence raises a new alert (ensure_alert). An alert the office
    already lifted is only marked (None). No event of its own, see ensure_alert."""
    alert = Alert.objects.filter(key=key[:100]).first()
    if alert is None:
        return None
    # Never before the alert was raised: arrears registered after they were paid (a
    # payment may be dated back to the day the debt became arrears) are lifted the day
    # they were registered; the resolution keeps the true date.
    on = max(on, alert.raised_on)
    if alert.status == Alert.Status.RESOLVED:
        if alert.cause_gone_on is None:
            alert.cause_gone_on = on
            alert.save(update_fields=["cause_gone_on", "updated_at"])
        return None
    alert.status = Alert.Status.RESOLVED
    alert.resolved_on = on
    alert.resolution = resolution
    alert.cause_gone_on = on
    alert.save(update_fields=["status", "resolved_on", "resolution", "cause_gone_on", "updated_at"])
    return alert


def _alert_event(actor: Any, action: str, alert: Alert, old: dict[str, Any] | None) -> None:
    record_event(
        actor=actor,
        action=action,
        target_type="integrity.Alert",
        target_id=alert.pk,
        target_repr=alert.title,
        old=old,
        new={
            "status": alert.status,
            "response": alert.response,
            "resolution": alert.resolution,
            "acknowledged_on": alert.acknowledged_on,
            "resolved_on": alert.resolved_on,
        },
    )


def acknowledge_alert(*, actor: Any, alert: Alert, response: Any, on: date | None = None) -> Alert:
    """The unit signs the alert off with what it is doing about it."""
    if alert.unit_id is None:
        require_office(actor, "签收未归属单位的预警")
    else:
        require_write(actor, alert.unit_id)
    text = inputs.text(response, "签收意见（整改措施）", limit=inputs.MAX_TEXT)
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status != Alert.Status.OPEN:
            raise DomainError(f"该预警{alert.get_status_display()}，不能再签收。")
        old = {"status": alert.status}
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_on = _today(on)
        alert.acknowledged_by = _user(actor)
        alert.response = text
        alert.save()
        _alert_event(actor, "integrity.alert_acknowledge", alert, old)
    return alert


def resolve_alert(*, actor: Any, alert: Alert, resolution: Any, on: date | None = None) -> Alert:
    require_office(actor, "解除预警")
    text = inputs.text(resolution, "解除说明", limit=inputs.MAX_TEXT)
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == Alert.Status.RESOLVED:
            raise DomainError("该预警已解除。")
        old = {"status": alert.status}
        alert.status = Alert.Status.RESOLVED
        alert.resolved_on = _today(on)
        alert.resolution = text
        alert.save()
        _alert_event(actor, "integrity.alert_resolve", alert, old)
    return alert


# ---------------------------------------------------------------- cases


def _case_snapshot(case: IntegrityCase) -> dict[str, Any]:
    return {
        "body_id": case.body_id,
        "kind": case.kind,
        "stage": case.stage,
        "title": case.title,
        "case_number": case.case_number,
        "amount_wan": case.amount_wan,
        "opened_on": case.opened_on,
        "finding_on": case.finding_on,
        "due_on": case.due_on,
        "closed_on": case.closed_on,
        "list_entry_id": case.list_entry_id,
        "commitment_id": case.commitment_id,
    }


def case_alert_key(case: IntegrityCase) -> str:
    return f"case:{case.pk}"


def warn_pending_case(case: IntegrityCase, on: date) -> tuple[Alert, bool]:
    """预警 before a finding: a pending enforcement case of a body warns the unit before
    the court lists the body as 失信被执行人."""
    amount = f"，涉及金额 {case.amount_wan} 万元" if case.amount_wan is not None else ""
    return ensure_alert(
        key=case_alert_key(case),
        kind=Alert.Kind.PENDING_CASE,
        level=Alert.Level.WARNING,
        title=f"{case.body.name} 有被执行人未结案件 {case.case_number or case.title}",
        detail=(
            f"{case.authority or '法院'}立案的执行案件“{case.title}”尚未执结{amount}。"
            "请主管单位督促履行生效法律文书，避免被列入失信被执行人名单。"
        ),
        on=on,
        unit=case.unit,
        body=case.body,
    )


def create_case(
    *,
    actor: Any,
    body: Any,
    kind: Any,
    title: Any,
    opened_on: Any,
    case_number: Any = "",
    authority: Any = "",
    counterparty: Any = "",
    amount_wan: Any = None,
    description: Any = "",
    due_on: Any = None,
    found: bool = False,
    list_entry: Any = None,
    commitment: GovCommitment | None = None,
    today: date | None = None,
) -> IntegrityCase:
    """Register a case against a body. A case registered before any finding is in 预警;
    an enforcement case in 预警 raises the early-warning alert to the unit. `found`
    starts it in 履约督办 (the court listed the body, the breach was found)."""
    the_body = get_body(body)
    # The kind is read (code or Chinese label) before the permission is decided on it:
    # "纪律处分" is the office's as much as "discipline".
    the_kind = inputs.choice(kind, "案件类型", IntegrityCase.Kind.choices)
    if found or the_kind == IntegrityCase.Kind.DISCIPLINE:
        require_office(actor, "登记已认定的政务失信案件")
    else:
        require_write(actor, the_body.unit_id)
    now = _today(today)
    opened = inputs.day(opened_on, "立案/发现日期")
    assert opened is not None
    _not_future(opened, "立案/发现日期", now)
    due = inputs.day(due_on, "履行/整改期限", required=False)
    if due is not None and due < opened:
        raise DomainError("履行/整改期限不能早于立案/发现日期。")
    with transaction.atomic():
        case = IntegrityCase.objects.create(
            body=the_body,
            unit=the_body.unit,
            kind=the_kind,
            stage=IntegrityCase.Stage.SUPERVISION if found else IntegrityCase.Stage.WARNING,
            title=inputs.text(title, "案件名称"),
            case_number=inputs.text(case_number, "案号/文书号", limit=100, required=False),
            authority=inputs.text(authority, "法院/认定机关", required=False),
            counterparty=inputs.text(counterparty, "申请执行人/相对方", required=False),
            amount_wan=inputs.wan(amount_wan, "涉及金额", required=False),
            description=inputs.text(description, "情况", limit=inputs.MAX_TEXT, required=False),
            opened_on=opened,
            finding_on=opened if found else None,
            due_on=due,
            list_entry=list_entry,
            commitment=commitment,
        )
        CaseStep.objects.create(
            case=case,
            kind=CaseStep.Kind.FINDING if found else CaseStep.Kind.WARNING,
            on=opened,
            note="登记并认定" if found else "登记，进入预警",
            actor=_user(actor),
        )
        alert = None
        if the_kind == IntegrityCase.Kind.ENFORCEMENT and not found:
            alert, _ = warn_pending_case(case, opened)
        record_event(
            actor=actor,
            action="integrity.case_create",
            target_type="integrity.IntegrityCase",
            target_id=case.pk,
            target_repr=str(case),
            new={**_case_snapshot(case), "alert_id": alert.pk if alert else None},
        )
    return case


def add_step(
    *,
    actor: Any,
    case: IntegrityCase,
    kind: Any,
    on: Any,
    note: Any,
    today: date | None = None,
) -> CaseStep:
    """A step in a case: 通报, 约谈, 督办, 认定 (→ 履约督办) and 办结 by the credit office;
    履行/整改进展 by the unit."""
    the_kind = inputs.choice(kind, "办理环节", CaseStep.Kind.choices)
    if the_kind in (CaseStep.Kind.LISTED, CaseStep.Kind.REMOVED):
        raise DomainError("列入、移出失信被执行人由名单变更自动记录，不能手工登记。")
    if the_kind in OFFICE_STEPS:
        require_office(actor, f"登记“{CaseStep.Kind(the_kind).label}”")
    else:
        require_write(actor, case.unit_id)
    day = inputs.day(on, "日期")
    assert day is not None
    _not_future(day, "日期", _today(today))
    text = inputs.text(note, "内容", limit=inputs.MAX_TEXT)
    with transaction.atomic():
        case = (
            IntegrityCase.objects.select_for_update().select_related("body", "unit").get(pk=case.pk)
        )
        if case.stage == IntegrityCase.Stage.CLOSED:
            raise DomainError("案件已办结，不能再登记办理环节。")
        if day < case.opened_on:
            raise DomainError(f"日期不能早于立案/发现日期 {case.opened_on.isoformat()}。")
        old = _case_snapshot(case)
        step = CaseStep.objects.create(
            case=case, kind=the_kind, on=day, note=text, actor=_user(actor)
        )
        if the_kind == CaseStep.Kind.FINDING:
            case.stage = IntegrityCase.Stage.SUPERVISION
            case.finding_on = day
        elif the_kind == CaseStep.Kind.CLOSE:
            case.stage = IntegrityCase.Stage.CLOSED
            case.closed_on = day
            case.outcome = text
            close_alert(case_alert_key(case), on=day, resolution=f"案件办结：{text}")
        case.save()
        record_event(
            actor=actor,
            action="integrity.case_step",
            target_type="integrity.IntegrityCase",
            target_id=case.pk,
            target_repr=str(case),
            old=old,
            new={**_case_snapshot(case), "step": the_kind, "step_on": day, "note": text},
        )
    return step


# ---------------------------------------------------------------- arrears


def arrears_alert_key(case: ArrearsCase) -> str:
    return f"arrears:{case.pk}"


def warn_arrears(case: ArrearsCase, on: date) -> tuple[Alert, bool]:
    return ensure_alert(
        key=arrears_alert_key(case),
        kind=Alert.Kind.ARREARS,
        level=Alert.Level.SEVERE,
        title=f"{case.body.name} 新增拖欠{case.get_creditor_kind_display()}账款 {case.amount_wan} 万元",
        detail=(
            f"{case.body.name}拖欠{case.creditor_name}“{case.project}”款项 {case.amount_wan} 万元，"
            f"约定付款期限 {case.due_on.isoformat()}，已逾期。目标为全年无新增拖欠，请主管单位"
            "制定清偿计划并报告进展（《保障中小企业款项支付条例》）。"
        ),
        on=on,
        unit=case.unit,
        body=case.body,
    )


def _arrears_snapshot(case: ArrearsCase) -> dict[str, Any]:
    return {
        "body_id": case.body_id,
        "creditor_name": case.creditor_name,
        "creditor_kind": case.creditor_kind,
        "project": case.project,
        "amount_wan": case.amount_wan,
        "cleared_wan": case.cleared_wan,
        "due_on": case.due_on,
        "registered_on": case.registered_on,
        "status": case.status,
        "cleared_on": case.cleared_on,
    }


def _refuse_duplicate_arrears(
    unit: Unit,
    creditor_name: str,
    creditor: Subject | None,
    project: str,
    amount: Decimal,
    due: date,
) -> None:
    """The same debt (unit, creditor, contract, amount, due date) registered again — from
    a complaint and again from a survey, say — would count as two new arrears and raise
    two alerts. Any status counts: a case found not to be arrears is reopened by the
    credit office, not registered anew."""
    same_creditor = Q(creditor_name=creditor_name)
    if creditor is not None:
        same_creditor |= Q(creditor_subject=creditor)
    existing = (
        ArrearsCase.objects.select_related("body")
        .filter(same_creditor, unit=unit, project=project, amount_wan=amount, due_on=due)
        .order_by("id")
        .first()
    )
    if existing is not None:
        raise DomainError(
            f"该笔拖欠已登记：第 {existing.pk} 号（{existing}，合同/项目“{existing.project}”，"
            f"约定付款期限 {existing.due_on.isoformat()}，登记日期 "
            f"{existing.registered_on.isoformat()}，状态：{existing.get_status_display()}），"
            "请勿重复登记。"
        )


def register_arrears(
    *,
    actor: Any,
    body: Any,
    creditor_name: Any,
    creditor_kind: Any,
    project: Any,
    amount_wan: Any,
    due_on: Any,
    registered_on: Any = None,
    source: Any = ArrearsCase.Source.SURVEY,
    creditor_code: Any = "",
    note: Any = "",
    today: date | None = None,
) -> ArrearsCase:
    """Register an amount a body owes a private or small enterprise past its due date;
    raises the 新增拖欠 alert to the credit office and the unit."""
    the_body = get_body(body)
    require_write(actor, the_body.unit_id)
    now = _today(today)
    registered = inputs.day(registered_on, "登记日期", required=False) or now
    _not_future(registered, "登记日期", now)
    due = inputs.day(due_on, "约定付款期限")
    assert due is not None
    if due >= registered:
        raise DomainError(
            f"约定付款期限 {due.isoformat()} 尚未届满（登记日 {registered.isoformat()}），不属于拖欠账款。"
        )
    name = inputs.text(creditor_name, "债权企业名称")
    code = inputs.text(creditor_code, "债权企业统一社会信用代码", limit=40, required=False)
    amount = inputs.wan(amount_wan, "拖欠金额")
    assert amount is not None
    the_project = inputs.text(project, "合同/项目名称")
    with transaction.atomic():
        # Serialises registrations of one unit, so two clicks cannot both pass the check.
        Unit.objects.select_for_update().filter(pk=the_body.unit_id).first()
        creditor = None
        if code:
            creditor, _created, _conflict = get_or_create_subject(
                actor=actor, identifier=code, name=name, source="清欠登记"
            )
            if creditor.is_government_body:
                raise DomainError("债权方是机关、事业单位，不属于拖欠民营企业和中小企业账款。")
            if creditor.kind == SubjectKind.PERSON:
                raise DomainError("债权方应为企业或个体工商户，不能是自然人。")
        _refuse_duplicate_arrears(the_body.unit, name, creditor, the_project, amount, due)
        case = ArrearsCase.objects.create(
            body=the_body,
            unit=the_body.unit,
            creditor_name=name,
            creditor_subject=creditor,
            creditor_kind=inputs.choice(
                creditor_kind, "企业类型", ArrearsCase.CreditorKind.choices
            ),
            project=the_project,
            amount_wan=amount,
            due_on=due,
            registered_on=registered,
            source=inputs.choice(source, "来源", ArrearsCase.Source.choices),
            note=inputs.text(note, "说明", limit=inputs.MAX_TEXT, required=False),
        )
        alert, _ = warn_arrears(case, registered)
        record_event(
            actor=actor,
            action="integrity.arrears_register",
            target_type="integrity.ArrearsCase",
            target_id=case.pk,
            target_repr=str(case),
            new={**_arrears_snapshot(case), "alert_id": alert.pk},
        )
    return case


def record_payment(
    *,
    actor: Any,
    case: ArrearsCase,
    paid_on: Any,
    amount_wan: Any,
    note: Any = "",
    today: date | None = None,
) -> ArrearsPayment:
    """A payment towards an arrears case; the one that pays the rest clears it and lifts
    its alert. A payment is dated from the day the debt became arrears (a payment made by
    the due date was not late and is not part of the arrears) to today."""
    require_write(actor, case.unit_id)
    paid = inputs.day(paid_on, "支付日期")
    assert paid is not None
    _not_future(paid, "支付日期", _today(today))
    amount = inputs.wan(amount_wan, "支付金额")
    assert amount is not None
    text = inputs.text(note, "说明", limit=300, required=False)
    with transaction.atomic():
        case = (
            ArrearsCase.objects.select_for_update().select_related("body", "unit").get(pk=case.pk)
        )
        if case.status in (ArrearsCase.Status.CLEARED, ArrearsCase.Status.REVOKED):
            raise DomainError(f"该笔账款{case.get_status_display()}，不能再登记支付。")
        if paid < case.arrears_from:
            raise DomainError(
                f"支付日期 {paid.isoformat()} 早于该笔账款逾期之日 "
                f"{case.arrears_from.isoformat()}（约定付款期限 {case.due_on.isoformat()} 的次日），"
                "不是清偿拖欠的支付。"
            )
        if amount > case.outstanding_wan:
            raise DomainError(f"支付金额超过尚欠金额 {case.outstanding_wan} 万元。")
        old = _arrears_snapshot(case)
        payment = ArrearsPayment.objects.create(
            case=case, paid_on=paid, amount_wan=amount, note=text, actor=_user(actor)
        )
        case.cleared_wan = case.cleared_wan + amount
        if case.outstanding_wan == 0:
            # Payments may be entered out of order: the debt was cleared on the day of
            # the latest payment, not of the one entered last.
            cleared = case.payments.aggregate(last=Max("paid_on"))["last"]
            case.status = ArrearsCase.Status.CLEARED
            case.cleared_on = cleared
            close_alert(
                arrears_alert_key(case),
                on=cleared,
                resolution=f"{cleared.isoformat()} 已全部清偿",
            )
        elif case.status == ArrearsCase.Status.OPEN:
            case.status = ArrearsCase.Status.PARTIAL
        case.save()
        record_event(
            actor=actor,
            action="integrity.arrears_payment",
            target_type="integrity.ArrearsCase",
            target_id=case.pk,
            target_repr=str(case),
            old=old,
            new={**_arrears_snapshot(case), "payment": {"paid_on": paid, "amount_wan": amount}},
        )
    return payment


def set_arrears_status(
    *, actor: Any, case: ArrearsCase, status: Any, note: Any, on: date | None = None
) -> ArrearsCase:
    """The credit office marks a case disputed (litigation, arbitration), found not to be
    arrears, or open again."""
    require_office(actor, "认定拖欠账款的争议或核销")
    the_status = inputs.choice(status, "状态", ArrearsCase.Status.choices)
    if the_status in (ArrearsCase.Status.CLEARED, ArrearsCase.Status.PARTIAL):
        raise DomainError("清偿情况按登记的支付自动计算，请登记支付。")
    text = inputs.text(note, "说明", limit=inputs.MAX_TEXT)
    day = _today(on)
    with transaction.atomic():
        case = (
            ArrearsCase.objects.select_for_update().select_related("body", "unit").get(pk=case.pk)
        )
        if case.status == ArrearsCase.Status.CLEARED:
            raise DomainError("该笔账款已清偿完毕。")
        old = _arrears_snapshot(case)
        if the_status == ArrearsCase.Status.OPEN and case.cleared_wan > 0:
            the_status = ArrearsCase.Status.PARTIAL
        case.status = the_status
        case.note = f"{case.note}\n{day.isoformat()} {text}".strip()
        alert = None
        if the_status == ArrearsCase.Status.REVOKED:
            close_alert(arrears_alert_key(case), on=day, resolution=f"核实不属于拖欠：{text}")
        elif the_status in (ArrearsCase.Status.OPEN, ArrearsCase.Status.PARTIAL):
            # Found to be arrears after all: warned again now, not at the next scan.
            alert, _ = warn_arrears(case, day)
        case.save()
        record_event(
            actor=actor,
            action="integrity.arrears_status",
            target_type="integrity.ArrearsCase",
            target_id=case.pk,
            target_repr=str(case),
            old=old,
            new={**_arrears_snapshot(case), "note": text, "alert_id": alert.pk if alert else None},
        )
    return case


# ---------------------------------------------------------------- commitments


def _commitment_snapshot(c: GovCommitment) -> dict[str, Any]:
    return {
        "body_id": c.body_id,
        "kind": c.kind,
        "title": c.title,
        "made_on": c.made_on,
        "due_on": c.due_on,
        "published": c.published,
        "status": c.status,
        "assessed_on": c.assessed_on,
        "new_official": c.new_official,
    }


def record_commitment(
    *,
    actor: Any,
    body: Any,
    kind: Any,
    title: Any,
    content: Any,
    made_on: Any,
    due_on: Any = None,
    counterparty: Any = "",
    document_ref: Any = "",
    published: bool = False,
    today: date | None = None,
) -> GovCommitment:
    the_body = get_body(body)
    require_write(actor, the_body.unit_id)
    made = inputs.day(made_on, "作出日期")
    assert made is not None
    _not_future(made, "作出日期", _today(today))
    due = inputs.day(due_on, "兑现期限", required=False)
    if due is not None and due < made:
        raise DomainError("兑现期限不能早于作出日期。")
    with transaction.atomic():
        c = GovCommitment.objects.create(
            body=the_body,
            unit=the_body.unit,
            kind=inputs.choice(kind, "承诺类型", GovCommitment.Kind.choices),
            title=inputs.text(title, "承诺事项"),
            content=inputs.text(content, "承诺内容", limit=inputs.MAX_TEXT),
            counterparty=inputs.text(counterparty, "相对方", required=False),
            document_ref=inputs.text(document_ref, "文件/合同编号", required=False),
            made_on=made,
            due_on=due,
            published=bool(published),
        )
        record_event(
            actor=actor,
            action="integrity.commitment_record",
            target_type="integrity.GovCommitment",
            target_id=c.pk,
            target_repr=str(c),
            new=_commitment_snapshot(c),
        )
    return c


def assess_commitment(
    *,
    actor: Any,
    commitment: GovCommitment,
    status: Any,
    note: Any,
    on: Any = None,
    new_official: bool = False,
    today: date | None = None,
) -> GovCommitment:
    """Record whether a commitment was kept. The unit may report it 已兑现; 未兑现 and
    依法变更/解除 are findings of the credit office — also after a 已兑现 (a complaint may
    show the report was wrong; the report stays in the note and the event). Nobody
    overrides a finding of 未兑现 or 依法变更 here. A broken commitment opens a case in
    履约督办 (政府违约毁约, or 新官不理旧账 when a change of leadership was the reason) and
    raises an alert."""
    the_status = inputs.choice(status, "履行情况", GovCommitment.Status.choices)
    if the_status == GovCommitment.Status.PENDING:
        raise DomainError("请选择已兑现、未兑现（违约）或依法变更/解除。")
    office_finding = the_status in OFFICE_FINDINGS
    if office_finding:
        require_office(actor, "认定政府承诺未兑现或依法变更")
    else:
        require_write(actor, commitment.unit_id)
    now = _today(today)
    day = inputs.day(on, "认定日期", required=False) or now
    _not_future(day, "认定日期", now)
    text = inputs.text(note, "履行情况说明", limit=inputs.MAX_TEXT)
    with transaction.atomic():
        c = (
            GovCommitment.objects.select_for_update()
            .select_related("body", "unit")
            .get(pk=commitment.pk)
        )
        if c.status in OFFICE_FINDINGS:
            raise DomainError(
                f"信用办已认定为“{c.get_status_display()}”"
                f"（{c.assessed_on.isoformat() if c.assessed_on else ''}），不能再更改。"
            )
        if c.status == GovCommitment.Status.FULFILLED and not office_finding:
            raise DomainError(f"该承诺已认定为“{c.get_status_display()}”。")
        if day < c.made_on:
            raise DomainError("认定日期不能早于承诺作出日期。")
        old = {**_commitment_snapshot(c), "note": c.fulfilment_note}
        note_text = text
        if c.status == GovCommitment.Status.FULFILLED:
            reported = c.assessed_on.isoformat() if c.assessed_on else ""
            note_text = f"{text}\n（此前 {reported} 报告已兑现：{c.fulfilment_note}）"
        c.status = the_status
        c.assessed_on = day
        c.fulfilment_note = note_text
        c.new_official = bool(new_official) and the_status == GovCommitment.Status.BROKEN
        c.save()
        case = alert = None
        if the_status == GovCommitment.Status.BROKEN:
            kind = IntegrityCase.Kind.LEGACY if c.new_official else IntegrityCase.Kind.CONTRACT
            case = IntegrityCase.objects.create(
                body=c.body,
                unit=c.unit,
                kind=kind,
                stage=IntegrityCase.Stage.SUPERVISION,
                title=f"未兑现：{c.title}"[:200],
                case_number=c.document_ref[:100],
                counterparty=c.counterparty,
                description=text,
                opened_on=day,
                finding_on=day,
                commitment=c,
            )
            CaseStep.objects.create(
                case=case, kind=CaseStep.Kind.FINDING, on=day, note=text, actor=_user(actor)
            )
            alert, _ = ensure_alert(
                key=f"broken:{c.pk}",
                kind=Alert.Kind.BROKEN_COMMITMENT,
                level=Alert.Level.SEVERE,
                title=f"{c.body.name} {IntegrityCase.Kind(kind).label}：{c.title}"[:200],
                detail=f"{c.get_kind_display()}“{c.title}”认定未兑现：{text}。已进入履约督办。",
                on=day,
                unit=c.unit,
                body=c.body,
            )
        record_event(
            actor=actor,
            action="integrity.commitment_assess",
            target_type="integrity.GovCommitment",
            target_id=c.pk,
            target_repr=str(c),
            old=old,
            new={
                **_commitment_snapshot(c),
                "note": text,
                "case_id": case.pk if case else None,
                "alert_id": alert.pk if alert else None,
            },
        )
    return c


def file_complaint(
    *,
    actor: Any,
    commitment: GovCommitment,
    received_on: Any,
    complainant: Any,
    content: Any,
    phone: Any = "",
    today: date | None = None,
) -> CommitmentComplaint:
    """A complaint that a government commitment is not being kept (received at the
    credit office or by the unit)."""
    require_write(actor, commitment.unit_id)
    day = inputs.day(received_on, "受理日期")
    assert day is not None
    _not_future(day, "受理日期", _today(today))
    number = inputs.text(phone, "联系电话", limit=20, required=False)
    if number and not number.replace("-", "").isdigit():
        raise DomainError("联系电话只能包含数字和“-”。")
    with transaction.atomic():
        complaint = CommitmentComplaint.objects.create(
            commitment=commitment,
            received_on=day,
            complainant=inputs.text(complainant, "投诉人"),
            phone=number,
            content=inputs.text(content, "投诉内容", limit=inputs.MAX_TEXT),
        )
        record_event(
            actor=actor,
            action="integrity.complaint_file",
            target_type="integrity.CommitmentComplaint",
            target_id=complaint.pk,
            target_repr=f"{commitment.title} 投诉",
            new={
                "commitment_id": commitment.pk,
                "received_on": day,
                "phone": mask_phone(number) if number else "",
            },
        )
    return complaint


def answer_complaint(
    *,
    actor: Any,
    complaint: CommitmentComplaint,
    substantiated: Any,
    reply: Any,
    on: Any = None,
    today: date | None = None,
) -> CommitmentComplaint:
    commitment = complaint.commitment
    require_write(actor, commitment.unit_id)
    if substantiated not in (True, False):
        raise DomainError("请选择投诉是否属实。")
    now = _today(today)
    day = inputs.day(on, "办结日期", required=False) or now
    _not_future(day, "办结日期", now)
    text = inputs.text(reply, "办理结果", limit=inputs.MAX_TEXT)
    with transaction.atomic():
        complaint = CommitmentComplaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.status == CommitmentComplaint.Status.ANSWERED:
            raise DomainError("该投诉已办结。")
        if day < complaint.received_on:
            raise DomainError("办结日期不能早于受理日期。")
        complaint.status = CommitmentComplaint.Status.ANSWERED
        complaint.substantiated = substantiated
        complaint.reply = text
        complaint.replied_on = day
        complaint.save()
        record_event(
            actor=actor,
            action="integrity.complaint_answer",
            target_type="integrity.CommitmentComplaint",
            target_id=complaint.pk,
            target_repr=f"{commitment.title} 投诉",
            old={"status": CommitmentComplaint.Status.OPEN},
            new={"status": complaint.status, "substantiated": substantiated, "replied_on": day},
        )
    return complaint


def total_wan(values: Any) -> Decimal:
    return sum((Decimal(v) for v in values if v is not None), Decimal("0"))
