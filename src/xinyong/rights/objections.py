"""Objections (异议) to public credit information: filing, workflow, deadlines, decision.

Rules (DOMAIN.md §6, 《河南省社会信用条例》第四十一条):
- anyone may object to a record, online (the public portal, no login) or at a counter
  (staff enter it); the record shows 异议处理中 publicly at once (`has_open_objection`,
  read by `publicity.selectors.public_status`);
- the credit office decides alone within 3 working days of receipt (route OFFICE), or
  forwards the case to the providing unit, which answers within 3 working days of the
  forwarding, the whole case closing within 7 working days of receipt (route PROVIDER);
- time spent on testing, appraisal or expert review does not count: paused working days
  are added to every limit (`ObjectionPause`);
- outcomes 更正 (the record corrected as a new version), 撤销 (withdrawn, publicity
  ends), 维持 (kept), each with reasons, told to the applicant and synced downstream
  through `rights.signals.objection_decided`;
- government bodies and public servants object through the same path
  (`applicant_is_government`);
- an objection may concern a subject rather than a record (record None, e.g. a proposed
  list entry; sanctions links it and acts on the decision through the signal).

The limits are data (`RightsPolicy`, the row in force on the receipt date); deadlines are
computed by `core.calendar` only. Every change goes through a function below:
keyword-only, explicit actor, one transaction, one event (docs/conventions.md).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinyong.core import calendar
from xinyong.core.audit import record_event
from xinyong.core.bootstrap import reference_loader
from xinyong.core.errors import CalendarUnknownYear, DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import refuse_control_characters
from xinyong.core.masking import mask_id_number, mask_name, mask_phone, mask_text
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.records.models import CreditRecord
from xinyong.rights.steps import not_before, pending_label, step_day

from .attachments import check_files, save_attachments
from .models import Channel, Objection, ObjectionPause, RightsPolicy
from .repair import _phone, _text, normalise_code, policy_on
from .signals import objection_decided

TARGET = "rights.Objection"
OPEN_STATUSES = (
    Objection.Status.RECEIVED,
    Objection.Status.FORWARDED,
    Objection.Status.PROVIDER_REPLIED,
)

# Evidence files of an objection: documents and photos only, at most 5 of 10 MB each.
MAX_EVIDENCE_FILES = 5
EVIDENCE_EXTENSIONS = frozenset({".pdf", ".jpg", ".jpeg", ".png", ".docx"})

# 《河南省社会信用条例》：2020年9月25日河南省第十三届人大常委会第二十次会议通过，
# 自2021年1月1日起施行；第四十一条规定异议处理时限。
DEFAULT_POLICY_FROM = date(2021, 1, 1)

HOW_TO_APPEAL = "如对处理结果不服，可依法申请行政复议或者提起行政诉讼。"


# ------------------------------------------------------------------ reference data


@reference_loader(50, "异议与信用修复办理时限")
def load_rights_policy() -> str:
    """The default limits (河南条例 art. 41; repair per 信用中国 practice), once."""
    if RightsPolicy.objects.filter(effective_from=DEFAULT_POLICY_FROM).exists():
        return "已存在"
    RightsPolicy.objects.create(effective_from=DEFAULT_POLICY_FROM)
    return "已创建 1 条"


# ------------------------------------------------------------------ deadlines


def _today(on: date | None) -> date:
    return on or timezone.localdate()


def _pauses(objection: Objection) -> list[ObjectionPause]:
    cached = getattr(objection, "_prefetched_objects_cache", {}).get("pauses")
    if cached is not None:
        return list(cached)
    if objection.pk is None:
        return []
    return list(objection.pauses.all())


def paused_workdays(
    objection: Objection, *, today: date | None = None, since: date | None = None
) -> int:
    """Working days the clock stood still up to `today` (the as-of day): for each pause,
    the working days in (started_on, min(ended_on, today)]; an open pause counts up to
    `today`. A pause recorded later never reaches back into an earlier as-of day, so a
    past month's report stays as it was. With `since`, only the paused working days after
    that day."""
    until = _today(today)
    total = 0
    for pause in _pauses(objection):
        end = until if pause.ended_on is None else min(pause.ended_on, until)
        start = pause.started_on if since is None else max(pause.started_on, since)
        if end > start:
            total += calendar.workdays_between(start, end)
    return total


def _policy(objection: Objection) -> RightsPolicy:
    return policy_on(objection.received_on)


def due_date(objection: Objection, *, today: date | None = None) -> date:
    """The day by which the case must be closed: 3 working days after receipt when the
    credit office decides alone, 7 when the providing unit verifies (河南条例 art. 41),
    plus the paused working days."""
    policy = _policy(objection)
    days = (
        policy.objection_total_days
        if objection.route == Objection.Route.PROVIDER
        else policy.objection_office_days
    )
    return calendar.add_workdays(
        objection.received_on, days + paused_workdays(objection, today=today)
    )


def provider_due_date(objection: Objection, *, today: date | None = None) -> date | None:
    """The day by which the providing unit must answer: 3 working days after forwarding
    (河南条例 art. 41) plus the working days paused after forwarding (a pause that ended
    before the unit was asked never stopped its clock); None when not forwarded."""
    if objection.route != Objection.Route.PROVIDER or objection.forwarded_on is None:
        return None
    days = _policy(objection).objection_provider_reply_days
    paused = paused_workdays(objection, today=today, since=objection.forwarded_on)
    return calendar.add_workdays(objection.forwarded_on, days + paused)


def decided_late(objection: Objection) -> bool:
    """Closed after its case deadline, the paused days counted up to the decision day:
    the one rule of lateness for a decided case (the ledger's 办结及时率 and the monthly
    通报 both read it)."""
    return objection.decided_on is not None and objection.decided_on > due_date(
        objection, today=objection.decided_on
    )


def is_case_overdue(objection: Objection, today: date) -> bool:
    return objection.status != Objection.Status.DECIDED and today > due_date(objection, today=today)


def is_provider_overdue(objection: Objection, today: date) -> bool:
    if objection.status != Objection.Status.FORWARDED:
        return False
    due = provider_due_date(objection, today=today)
    return due is not None and today > due


def is_overdue(objection: Objection, today: date) -> bool:
    return is_case_overdue(objection, today) or is_provider_overdue(objection, today)


def days_left(objection: Objection, today: date) -> int:
    """Working days until the case deadline (negative: working days overdue)."""
    due = due_date(objection, today=today)
    if today <= due:
        return calendar.workdays_between(today, due)
    return -calendar.workdays_between(due, today)


@dataclass(frozen=True)
class Deadlines:
    """One case's deadlines as of a day. A deadline needing a year whose calendar is not
    loaded is None and its year is in `missing_years`; `overdue` is True only when known."""

    due: date | None
    provider_due: date | None
    overdue: bool
    days_left: int | None
    paused_days: int | None
    missing_years: tuple[int, ...] = ()

    @property
    def note(self) -> str:
        return pending_label(self.missing_years) if self.missing_years else ""


def deadlines(objection: Objection, today: date) -> Deadlines:
    """Every deadline figure of one case; an unknown calendar year makes the figures that
    need it None (shown with `note`) instead of failing the page or list."""
    missing: set[int] = set()

    def known(compute: Callable[[], Any]) -> Any:
        try:
            return compute()
        except CalendarUnknownYear as exc:
            missing.add(exc.year)
            return None

    open_case = objection.status != Objection.Status.DECIDED
    due = known(lambda: due_date(objection, today=today))
    provider_due = known(lambda: provider_due_date(objection, today=today))
    case_overdue = open_case and due is not None and today > due
    provider_overdue = (
        objection.status == Objection.Status.FORWARDED
        and provider_due is not None
        and today > provider_due
    )
    left = known(lambda: days_left(objection, today)) if open_case and due is not None else None
    return Deadlines(
        due=due,
        provider_due=provider_due,
        overdue=case_overdue or provider_overdue,
        days_left=left,
        paused_days=known(lambda: paused_workdays(objection, today=today)),
        missing_years=tuple(sorted(missing)),
    )


def overdue_objections(today: date) -> QuerySet[Objection]:
    """Open objections known to be past the case deadline, or forwarded and not answered
    in time. A case whose deadline needs an unloaded year is not listed here: its figures
    carry `deadlines(...).note` instead."""
    candidates = Objection.objects.filter(status__in=OPEN_STATUSES).prefetch_related("pauses")
    ids = [o.pk for o in candidates if deadlines(o, today).overdue]
    return (
        Objection.objects.filter(pk__in=ids)
        .select_related("record", "record__record_type", "subject", "provider_unit")
        .order_by("received_on", "id")
    )


@dataclass
class PeriodOverdue:
    """The objections overdue during a period, per responsible unit, and those whose
    lateness cannot be judged until a missing year's calendar is loaded."""

    by_unit: list[tuple[str, int]] = field(default_factory=list)
    pending: int = 0
    missing_years: set[int] = field(default_factory=set)

    @property
    def pending_note(self) -> str:
        if not self.pending:
            return ""
        return f"另有 {self.pending} 件异议{pending_label(self.missing_years)}，暂未判断是否超期。"


def _overdue_in(objection: Objection, start: date, end: date) -> bool:
    """Overdue on some day of [start, end]: decided late within the period (`decided_late`,
    the ledger's rule), or open past its case deadline on a day of the period."""
    decided = objection.decided_on
    if decided is not None and start <= decided <= end and decided_late(objection):
        return True
    last_open = end if decided is None else min(end, decided - timedelta(days=1))
    if last_open < start:
        return False
    # Between pauses the deadline stands still, so the latest day of each unpaused stretch
    # is where lateness shows: the last open day, and each day a pause started (older data
    # may hold a pause begun after the deadline had passed).
    days = {last_open} | {
        p.started_on for p in _pauses(objection) if start <= p.started_on <= last_open
    }
    return any(day > due_date(objection, today=day) for day in days)


def overdue_in_period(start: date, end: date) -> PeriodOverdue:
    """For the monthly 通报: per responsible unit, the objections overdue on some day of
    [start, end]. The responsible unit is the providing unit the case was forwarded to,
    else the record's source unit; objections about a subject alone that the office
    handles count under 信用办."""
    candidates = (
        Objection.objects.filter(received_on__lte=end)
        .filter(Q(decided_on__isnull=True) | Q(decided_on__gte=start))
        .select_related("provider_unit", "record__source_unit")
        .prefetch_related("pauses")
    )
    result = PeriodOverdue()
    counts: dict[tuple[int, str], int] = {}
    for objection in candidates:
        try:
            overdue = _overdue_in(objection, start, end)
        except CalendarUnknownYear as exc:
            result.pending += 1
            result.missing_years.add(exc.year)
            continue
        if not overdue:
            continue
        unit = objection.provider_unit or (
            objection.record.source_unit if objection.record is not None else None
        )
        key = (unit.sort_order, unit.name) if unit is not None else (-1, "区信用办（自行处理）")
        counts[key] = counts.get(key, 0) + 1
    result.by_unit = [(name, n) for (_order, name), n in sorted(counts.items())]
    return result


def overdue_by_unit(start: date, end: date) -> list[tuple[str, int]]:
    """`overdue_in_period(start, end).by_unit`: (unit name, count) for the ledger."""
    return overdue_in_period(start, end).by_unit


# ------------------------------------------------------------------ reads


def has_open_objection(record: CreditRecord) -> bool:
    return Objection.objects.filter(record_id=record.pk, status__in=OPEN_STATUSES).exists()


def objections_visible_to(user: Any) -> QuerySet[Objection]:
    """Credit admins and leaders see every objection; a unit's reporter or reviewer sees
    the objections forwarded to its unit; anyone else nothing."""
    qs = Objection.objects.select_related(
        "record", "record__record_type", "record__source_unit", "subject", "provider_unit"
    ).prefetch_related("pauses")
    ids = permissions.readable_unit_ids(user)
    if ids is None:
        return qs
    if not ids or permissions.role_of(user) not in permissions.UNIT_STAFF_ROLES:
        return qs.none()
    return qs.filter(provider_unit_id__in=sorted(ids))


def get_objection_for(user: Any, pk: Any) -> Objection:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError("未找到该异议申请。") from None
    found = objections_visible_to(user).filter(pk=key).first()
    if found is None:
        raise NotFoundError("未找到该异议申请，或无权查看。")
    return found


def objection_by_code(code: Any) -> Objection:
    """The objection an applicant follows with its query code (no login)."""
    text = normalise_code(code)
    if not text:
        raise DomainError("请输入查询码。")
    if len(text) != 12:
        raise NotFoundError("查询码应为12位字母和数字，请核对后重新输入。")
    found = (
        Objection.objects.select_related("record", "subject")
        .prefetch_related("pauses")
        .filter(query_code=text)
        .first()
    )
    if found is None:
        raise NotFoundError("未找到该查询码对应的异议申请，请核对后重新输入。")
    return found


def public_view(objection: Objection, *, today: date | None = None) -> dict[str, Any]:
    """The applicant-facing fields only, masked where personal: no provider opinion, no
    staff names, no unmasked identifiers."""
    record = objection.record
    person = objection.subject.is_person
    decided = objection.status == Objection.Status.DECIDED
    state = None if decided else deadlines(objection, _today(today))
    # Staff type the reason freely, and the notice quotes it: an ID or phone number in it
    # (and a person's own full name) is masked as in any public text (DOMAIN.md §2).
    own_name = objection.subject.name if person else None
    return {
        "query_code": objection.query_code,
        "status": objection.status,
        "status_label": objection.get_status_display(),
        "record_id": record.pk if record is not None else None,
        "document_number": record.document_number if record is not None else "",
        "subject_name": mask_name(objection.subject.name) if person else objection.subject.name,
        "category_label": objection.get_category_display(),
        "applicant_name": mask_name(objection.applicant_name),
        "applicant_phone": mask_phone(objection.applicant_phone),
        "received_on": objection.received_on,
        "due_on": state.due if state is not None else None,
        "due_note": state.note if state is not None and state.due is None else "",
        "paused": any(p.ended_on is None for p in _pauses(objection)),
        "outcome": objection.outcome if decided else "",
        "outcome_label": objection.get_outcome_display() if decided else "",
        "outcome_reason": mask_text(objection.outcome_reason, person_name=own_name)
        if decided
        else "",
        "decided_on": objection.decided_on,
        "applicant_notice": mask_text(objection.applicant_notice, person_name=own_name)
        if decided
        else "",
    }


def masked_identifier(objection: Objection) -> str:
    return mask_id_number(objection.applicant_identifier) if objection.applicant_identifier else ""


# ------------------------------------------------------------------ writes


def _snapshot(o: Objection) -> dict[str, Any]:
    return {
        "status": o.status,
        "route": o.route,
        "provider_unit": o.provider_unit_id,
        "forwarded_on": o.forwarded_on,
        "provider_replied_on": o.provider_replied_on,
        "outcome": o.outcome,
        "decided_on": o.decided_on,
    }


def _repr(o: Objection) -> str:
    about = f"记录 {o.record_id}" if o.record_id else f"主体 {o.subject_id}"
    return f"异议 {o.query_code}（{about}）"


def _lock(objection: Objection) -> Objection:
    return (
        # of=self: PostgreSQL cannot lock the nullable side (record, unit) of an outer join.
        Objection.objects.select_for_update(of=("self",))
        .select_related("record", "subject", "provider_unit")
        .get(pk=objection.pk)
    )


def _last_pause_end(obj: Objection) -> date | None:
    last = obj.pauses.filter(ended_on__isnull=False).order_by("-ended_on").first()
    return last.ended_on if last is not None else None


def _staff_id(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _check_evidence(files: Iterable[Any]) -> list[Any]:
    items = [f for f in files or () if f is not None]
    if len(items) > MAX_EVIDENCE_FILES:
        raise DomainError(f"证据材料最多上传 {MAX_EVIDENCE_FILES} 个文件。")
    for item in items:
        name = unicodedata.normalize("NFKC", str(getattr(item, "name", "") or "")).strip()
        if PurePath(name).suffix.lower() not in EVIDENCE_EXTENSIONS:
            raise DomainError(
                f"文件“{name[:60]}”的类型不允许上传，证据材料仅支持 PDF、JPG、PNG、DOCX。"
            )
    return check_files(items)  # sizes: at most 10 MB each, never empty


def _require_staff_for(actor: Any, record: CreditRecord | None) -> None:
    if permissions.is_credit_admin(actor):
        return
    if record is not None and permissions.can_write_unit_data(actor, record.source_unit_id):
        return
    if permissions.role_of(actor) is None:
        raise NotPermitted("请先登录，或账号已停用。")
    raise NotPermitted("只有信用办或该信息的报送单位可以在窗口受理异议。")


# Apps that own what an objection concerns may name further people who answer as the
# providing unit (personnel: the 组织部门 keeping a public servant's file holds no unit
# staff role). Each check is (actor, objection) -> bool; none registered changes nothing.
_PROVIDER_CHECKS: list[Callable[[Any, Objection], bool]] = []


def register_provider_check(check: Callable[[Any, Objection], bool]) -> None:
    if check not in _PROVIDER_CHECKS:
        _PROVIDER_CHECKS.append(check)


def _require_provider(actor: Any, objection: Objection) -> None:
    if permissions.is_credit_admin(actor):
        return
    if objection.provider_unit_id and permissions.can_write_unit_data(
        actor, objection.provider_unit_id
    ):
        return
    if any(check(actor, objection) for check in _PROVIDER_CHECKS):
        return
    if permissions.role_of(actor) is None:
        raise NotPermitted("请先登录，或账号已停用。")
    raise NotPermitted("只有信用办或承担核查的提供单位可以办理此异议。")


def file_objection(
    *,
    actor: Any,
    record: CreditRecord | None,
    channel: str,
    category: str,
    description: str,
    applicant_name: str,
    applicant_phone: str,
    applicant_identifier: str = "",
    requested_change: str = "",
    attachments: Iterable[Any] = (),
    applicant_is_government: bool = False,
    received_on: date | None = None,
    subject: Any = None,
) -> Objection:
    """File an objection to `record` (or, with record None, to `subject` itself, e.g. a
    proposed list entry). Online filings come from anyone (actor None); counter filings
    are entered by the credit office or the record's unit. The record shows 异议处理中
    publicly from this moment."""
    if channel not in Channel.values:
        raise DomainError("受理渠道无效。")
    if category not in Objection.Category.values:
        raise DomainError("请选择异议类型。")
    if record is None and subject is None:
        raise DomainError("请指明异议针对的信用信息或信用主体。")
    if channel == Channel.COUNTER:
        _require_staff_for(actor, record)
    what = _text(description, "异议内容（哪里有误）")
    wanted = _text(requested_change, "请求更正的内容", required=False)
    name = _text(applicant_name, "申请人", limit=200)
    phone = _phone(applicant_phone)
    ident = normalise_code(applicant_identifier)
    if len(ident) > 40:
        raise DomainError("申请人证件号码过长。")
    files = _check_evidence(attachments)
    day = step_day(received_on, "受理日期")
    with transaction.atomic():
        if record is not None:
            locked = (
                CreditRecord.objects.select_for_update().select_related("subject").get(pk=record.pk)
            )
            if locked.status != CreditRecord.Status.ACTIVE:
                raise DomainError("该信息已撤销，无需提出异议。")
            if Objection.objects.filter(
                record=locked, status__in=OPEN_STATUSES, applicant_phone=phone
            ).exists():
                raise DomainError(
                    "您对该信息提出的异议正在办理中，请勿重复提交，可凭查询码查询进度。"
                )
            the_subject = locked.subject
        else:
            locked = None
            the_subject = subject
        objection = Objection.objects.create(
            record=locked,
            subject=the_subject,
            channel=channel,
            category=category,
            description=what,
            requested_change=wanted,
            applicant_name=name,
            applicant_phone=phone,
            applicant_identifier=ident,
            applicant_is_government=bool(applicant_is_government),
            received_on=day,
            received_by=_staff_id(actor),
        )
        count = len(save_attachments(objection=objection, files=files))
        record_event(
            actor=actor,
            action="rights.objection.file",
            target_type=TARGET,
            target_id=objection.pk,
            target_repr=_repr(objection),
            new={
                **_snapshot(objection),
                "channel": channel,
                "category": category,
                "record": objection.record_id,
                "subject": objection.subject_id,
                "government": objection.applicant_is_government,
                "evidence": count,
                "received_on": day,
            },
        )
    return objection


def forward_to_provider(
    *,
    actor: Any,
    objection: Objection,
    unit: Unit | None = None,
    note: str = "",
    on: date | None = None,
) -> Objection:
    """The credit office forwards the case to the providing unit (the record's source unit
    unless another is named): the unit answers within 3 working days, the case closes
    within 7 of receipt (河南条例 art. 41)."""
    permissions.require(actor, "credit_admin")
    day = step_day(on, "转办日期")
    text = _text(note, "转办说明", required=False, limit=1000)
    with transaction.atomic():
        obj = _lock(objection)
        if obj.status != Objection.Status.RECEIVED:
            raise DomainError(f"当前状态为“{obj.get_status_display()}”，不能转提供单位核查。")
        target = unit or (obj.record.source_unit if obj.record is not None else None)
        if target is None:
            raise DomainError("请选择负责核查的单位。")
        not_before(day, "转办日期", [("受理日期", obj.received_on)])
        old = _snapshot(obj)
        obj.route = Objection.Route.PROVIDER
        obj.provider_unit = target
        obj.forwarded_on = day
        obj.status = Objection.Status.FORWARDED
        obj.save()
        record_event(
            actor=actor,
            action="rights.objection.forward",
            target_type=TARGET,
            target_id=obj.pk,
            target_repr=_repr(obj),
            old=old,
            new={**_snapshot(obj), "note": text},
        )
    return obj


def provider_reply(
    *, actor: Any, objection: Objection, reply: str, on: date | None = None
) -> Objection:
    """The providing unit answers with its verification opinion."""
    text = _text(reply, "核查意见")
    day = step_day(on, "答复日期")
    with transaction.atomic():
        obj = _lock(objection)
        _require_provider(actor, obj)
        if obj.status != Objection.Status.FORWARDED:
            raise DomainError(f"当前状态为“{obj.get_status_display()}”，不能答复。")
        not_before(day, "答复日期", [("受理日期", obj.received_on), ("转办日期", obj.forwarded_on)])
        old = _snapshot(obj)
        obj.provider_reply = text
        obj.provider_replied_on = day
        obj.status = Objection.Status.PROVIDER_REPLIED
        obj.save()
        record_event(
            actor=actor,
            action="rights.objection.reply",
            target_type=TARGET,
            target_id=obj.pk,
            target_repr=_repr(obj),
            old=old,
            new={**_snapshot(obj), "reply": text},
        )
    return obj


def start_pause(
    *, actor: Any, objection: Objection, reason: str, note: str = "", on: date | None = None
) -> ObjectionPause:
    """Stop the clock for testing, appraisal or expert review (河南条例 art. 41)."""
    if reason not in ObjectionPause.Reason.values:
        raise DomainError("暂停原因只能是检测检验、鉴定或专家评审。")
    text = _text(note, "暂停说明", required=False, limit=300)
    day = step_day(on, "暂停开始日期")
    with transaction.atomic():
        obj = _lock(objection)
        _require_provider(actor, obj)
        if obj.status == Objection.Status.DECIDED:
            raise DomainError("该异议已办结，不能暂停计时。")
        if obj.pauses.filter(ended_on__isnull=True).exists():
            raise DomainError("该异议已处于暂停计时状态。")
        not_before(
            day,
            "暂停开始日期",
            [
                ("受理日期", obj.received_on),
                ("转办日期", obj.forwarded_on),
                ("核查答复日期", obj.provider_replied_on),
                ("上一次暂停的结束日期", _last_pause_end(obj)),
            ],
        )
        try:
            due: date | None = due_date(obj, today=day)
        except CalendarUnknownYear as exc:
            if exc.year <= day.year:
                raise
            due = None  # past the loaded years, so after `day`: not yet passed
        if due is not None and day > due:
            # The pause would move a deadline that has already passed and erase the
            # lateness from every report; the law stops the clock, it does not rewind it.
            raise DomainError(
                f"暂停开始日期（{day.isoformat()}）晚于办结期限（{due.isoformat()}）："
                "异议已超期，不能再暂停计时。"
            )
        pause = ObjectionPause.objects.create(
            objection=obj, reason=reason, started_on=day, note=text
        )
        record_event(
            actor=actor,
            action="rights.objection.pause",
            target_type=TARGET,
            target_id=obj.pk,
            target_repr=_repr(obj),
            new={"reason": reason, "started_on": day, "note": text},
        )
    return pause


def end_pause(*, actor: Any, objection: Objection, on: date | None = None) -> ObjectionPause:
    """The clock runs again; the paused working days extend every limit."""
    day = step_day(on, "暂停结束日期")
    with transaction.atomic():
        obj = _lock(objection)
        _require_provider(actor, obj)
        pause = obj.pauses.select_for_update().filter(ended_on__isnull=True).first()
        if pause is None:
            raise DomainError("该异议当前没有暂停计时。")
        not_before(day, "暂停结束日期", [("暂停开始日期", pause.started_on)])
        pause.ended_on = day
        pause.save(update_fields=["ended_on"])
        record_event(
            actor=actor,
            action="rights.objection.resume",
            target_type=TARGET,
            target_id=obj.pk,
            target_repr=_repr(obj),
            old={"reason": pause.reason, "started_on": pause.started_on},
            new={
                "ended_on": day,
                "paused_workdays": calendar.workdays_between(pause.started_on, day),
            },
        )
    return pause


def _notice(obj: Objection, outcome: str, reason: str, day: date) -> str:
    head = f"您于 {obj.received_on:%Y-%m-%d} 提出的异议（查询码 {obj.query_code}）已于 {day:%Y-%m-%d} 办结。"
    # Staff end their reason with a full stop; the sentence below adds its own.
    reason = reason.rstrip("。． .")
    if outcome == Objection.Outcome.CORRECTED:
        body = (
            f"经核查，决定予以更正。理由：{reason}。更正后的信息即日生效，"
            "并同步至已接收该信息的单位和平台。"
        )
    elif outcome == Objection.Outcome.REVOKED:
        body = (
            f"经核查，决定撤销该信息。理由：{reason}。该信息已停止公示，"
            "撤销结果同步至已接收该信息的单位和平台。"
        )
    else:
        body = f"经核查，原信息无误，决定维持。理由：{reason}。{HOW_TO_APPEAL}"
    return head + body


def _already_applied(record: CreditRecord, changes: dict[str, Any]) -> bool:
    """Whether the record already holds `changes` (validated as a correction would be)."""
    from xinyong.records import services as records

    _, text = records.corrected_payload(record, changes)
    return records.content_hash(text) == record.content_hash


def _corrected_since(record: CreditRecord, day: date) -> bool:
    """Whether the record was corrected (a version superseded) on or after `day`: the
    objection's receipt day, counted in local days like every date of the case."""
    from datetime import datetime, time

    start = timezone.make_aware(datetime.combine(day, time.min))
    return record.versions.filter(superseded_at__gte=start).exists()


def decide_objection(
    *,
    actor: Any,
    objection: Objection,
    outcome: str,
    reason: str,
    corrected_values: dict[str, Any] | None = None,
    on: date | None = None,
) -> Objection:
    """The credit office closes the case: 更正 corrects the record as a new version, 撤销
    withdraws it (publicity ends on the decision day), 维持 keeps it. The applicant's
    notice is written, and `objection_decided` is sent so that downstream receivers
    (exchange with the city platform, sanctions' list entries) follow; the event records
    which receivers were told."""
    from xinyong.records import services as records

    permissions.require(actor, "credit_admin")
    if outcome not in Objection.Outcome.values:
        raise DomainError("处理结果只能是更正、撤销或维持。")
    text = _text(reason, "处理理由")
    for key, value in (corrected_values or {}).items():
        if isinstance(value, str):
            refuse_control_characters(value, f"更正后的信息项“{str(key)[:40]}”")
    day = step_day(on, "办结日期")
    with transaction.atomic():
        obj = _lock(objection)
        if obj.status == Objection.Status.DECIDED:
            raise DomainError("该异议已办结。")
        if obj.pauses.filter(ended_on__isnull=True).exists():
            raise DomainError("该异议正在暂停计时（检测检验、鉴定或专家评审），请先结束暂停。")
        not_before(
            day,
            "办结日期",
            [
                ("受理日期", obj.received_on),
                ("转办日期", obj.forwarded_on),
                ("核查答复日期", obj.provider_replied_on),
                ("暂停计时的结束日期", _last_pause_end(obj)),
            ],
        )
        old = _snapshot(obj)
        record = obj.record
        effect: dict[str, Any] = {}
        if outcome == Objection.Outcome.CORRECTED:
            if record is None:
                raise DomainError("该异议不针对具体信用信息，不能作出更正决定，请选择撤销或维持。")
            if corrected_values and not _already_applied(record, corrected_values):
                corrected = records.correct_record(
                    actor=actor,
                    record=record,
                    changes=corrected_values,
                    reason=f"异议 {obj.query_code} 决定更正：{text}",
                )
                effect = {"record_version": corrected.version, "changes": corrected_values}
            elif _corrected_since(record, obj.received_on):
                # The providing unit (or the office) corrected the record while the case
                # was open, typically on verifying it: the outcome is still 更正 (河南条例
                # art. 41), and the decision names the version that carries it.
                effect = {
                    "record_version": record.version,
                    "changes": corrected_values or {},
                    "corrected_during_case": True,
                }
            elif corrected_values:
                raise DomainError(
                    "更正后的内容与现有内容相同，且受理异议后该信息未经更正，不能作出更正决定。"
                )
            else:
                raise DomainError("请填写更正后的信息项。")
        elif outcome == Objection.Outcome.REVOKED and record is not None:
            if record.status == CreditRecord.Status.ACTIVE:
                # Publicity ends on the decision day (the withdrawal's receiver uses `on`).
                records.withdraw_record(
                    actor=actor,
                    record=record,
                    # Not the query code: it is the applicant's key to the case, and the
                    # reason travels to the provider and the city platform.
                    reason=f"经异议核查决定撤销：{text}",
                    on=day,
                )
            effect = {"record_status": CreditRecord.Status.WITHDRAWN}
        obj.status = Objection.Status.DECIDED
        obj.outcome = outcome
        obj.outcome_reason = text
        obj.decided_on = day
        obj.decided_by = _staff_id(actor)
        obj.applicant_notice = _notice(obj, outcome, text, day)
        obj.notified_at = timezone.now()
        obj.save()
        responses = objection_decided.send(sender=Objection, objection=obj, actor=actor)
        receivers = sorted(
            f"{getattr(r, '__module__', '')}.{getattr(r, '__qualname__', repr(r))}"
            for r, _ in responses
        )
        record_event(
            actor=actor,
            action="rights.objection.decide",
            target_type=TARGET,
            target_id=obj.pk,
            target_repr=_repr(obj),
            old=old,
            new={
                **_snapshot(obj),
                "reason": text,
                "effect": effect,
                "applicant_notice": obj.applicant_notice,
                "sync": {"signal": "rights.objection_decided", "receivers": receivers},
            },
        )
    return obj
