"""Checks and feedback: 发起响应 → 信息推送 → 执行反馈 → 统计分析 (DOMAIN.md §8).

A unit about to handle a matter asks about a subject (`run_check`); the platform returns
the measures that legally apply now — for each of the subject's active list entries, the
measures linked to that list type and that matter, in force and with a basis — and
records the check (Check + CheckMeasure rows + a JSON snapshot of what was returned). The
unit reports per returned measure what it did (`submit_feedback`); feedback is due
`feedback_workdays()` working days after the check and `remind_overdue` reminds units
whose feedback is late. A check always answers: when the deadline reaches into a year
whose working-day calendar is not loaded, it is stored as 期限待定 (null, never overdue)
and filled when that year is loaded (sanctions.deadlines). `check_statistics` counts checks, hits, measures and feedback by
unit and by month; typical cases are written up and published (`write_case`,
`publish_case`).
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from xinyong.core import identifiers
from xinyong.core.audit import record_event
from xinyong.core.calendar import add_workdays_if_known
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.exports import safe_cell, xlsx_workbook
from xinyong.core.masking import mask_name, mask_text
from xinyong.core.models import Event
from xinyong.orgs.models import Unit
from xinyong.orgs.permissions import (
    can_write_unit_data,
    readable_unit_ids,
    require,
    scope_to_user_units,
)
from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import find_by_identifier, log_person_reads, subject_for
from xinyong.subjects.services import resolve

from .deadlines import pending_note
from .measures import applicable_measures, get_matter
from .models import Check, CheckMeasure, ListEntry, Matter, Measure, TypicalCase

# Working days a unit has to report what it did with the returned measures. Not fixed by
# law: a platform policy of the credit office, overridable with the setting
# XINYONG_CHECK_FEEDBACK_WORKDAYS (environment variable of the same name).
DEFAULT_FEEDBACK_WORKDAYS = 5
REMINDER_ACTION = "sanctions.feedback_reminded"

# Purposes of the read-log entries a check of a natural person leaves (个人信息保护法;
# 河南条例 art. 40). The person's 查询记录 (reports.content.queries_of) lists each check
# once, from its Check row, and recognises by these prefixes the reads that are that same
# query: finding the person and running the check (CHECK_PURPOSE, on the day the check was
# recorded) and the checking unit reopening its own check, e.g. to report feedback
# (FOLLOW_UP_PURPOSE). Anyone else opening the record — the credit office, a leader — is
# listed as that (REVIEW_PURPOSE).
CHECK_PURPOSE = "联合奖惩核查："
FOLLOW_UP_PURPOSE = "办理本单位联合奖惩查询"
REVIEW_PURPOSE = "查阅联合奖惩查询记录"


def feedback_workdays() -> int:
    value = getattr(settings, "XINYONG_CHECK_FEEDBACK_WORKDAYS", DEFAULT_FEEDBACK_WORKDAYS)
    try:
        n = int(value)
    except (TypeError, ValueError):
        return DEFAULT_FEEDBACK_WORKDAYS
    return n if n > 0 else DEFAULT_FEEDBACK_WORKDAYS


# ---------------------------------------------------------------- subjects and entries


def check_purpose(matter: Matter) -> str:
    """The read-log purpose of finding and checking a subject for `matter`."""
    return f"{CHECK_PURPOSE}{matter.name}"


def find_subject(value: Any, *, reader: Any, purpose: str) -> Subject:
    """A subject from its platform id (digits, short) or any of its identifiers (USCC,
    ID number, registration number …) — a passport or permit number also bare, without
    its type (`find_by_identifier`). A merged-away subject gives its survivor. The person
    found is read-logged once, with `purpose`; nothing is logged when none is found."""
    text = str(value or "").strip()
    if not text:
        raise DomainError(
            "请输入信用主体的统一社会信用代码、身份证号码或其他证件号码（或主体编号）。"
        )
    if len(text) > 64:
        raise DomainError("主体代码过长。")
    # ASCII only, as reports.services.find_subject: "²²²²²²²²" passes str.isdigit() and
    # finds the holder of 22222222 (NFKC), but int() refuses it (it was a 500); "١٢٣" is
    # not platform subject 123. Other digits are looked up as a code only.
    if text.isascii() and text.isdigit() and len(text) <= 12:
        # A 台湾居民来往大陆通行证 number is 8 digits, as a platform id may be: a check of
        # the wrong subject must not be recorded on a guess.
        holder = find_by_identifier(text)
        if holder is None:
            # By platform id only what the reader may find (a person not by walking ids).
            return resolve(subject_for(reader, text, purpose=purpose))
        by_id = Subject.objects.filter(pk=int(text)).first()
        if by_id is not None and resolve(by_id).pk != holder.pk:
            raise DomainError(
                "该数字既是平台主体编号，也是另一信用主体的证件号码：请改填统一社会信用代码或身份证号码，"
                "或按“证件类型:号码”填写证件号码（如“台湾居民来往大陆通行证:12345678”）。"
            )
        subject = holder
    else:
        found = find_by_identifier(text)
        if found is None:
            code = identifiers.normalise(text)
            raise NotFoundError(
                f"平台中没有代码为“{identifiers.mask_identifier(code)}”的信用主体，"
                "也就没有该主体的名单记录；请核对代码。"
            )
        subject = found
    log_person_reads([subject], reader=reader, purpose=purpose)
    return subject


def active_entries(subject: Subject, on: date) -> QuerySet[ListEntry]:
    """The subject's entries in force on `on`. Delegates to the lists module (the one
    definition of "active": listed, effective, not removed, not ended)."""
    from . import lists

    return lists.active_entries(subject, on)


# ---------------------------------------------------------------- 发起响应 / 信息推送


def _require_check_unit(actor: Any, unit: Unit) -> None:
    # actor None is the system itself (the operator's CLI on the server).
    if actor is not None and not can_write_unit_data(actor, unit):
        raise NotPermitted(f"无权以“{unit.name}”的名义查询：只能为本单位办理的事项查询。")


def _measure_item(measure: Measure, entry: ListEntry) -> dict[str, Any]:
    return {
        "code": measure.code,
        "name": measure.name,
        "kind": measure.kind,
        "kind_label": measure.get_kind_display(),
        "legal_basis": measure.legal_basis,
        "source_list": measure.source_list,
        "implementing": measure.implementing_text
        or "、".join(u.name for u in measure.implementing_units.all()),
        "list_type": entry.list_type.code,
        "list_type_name": entry.list_type.name,
        "entry_id": entry.pk,
        "basis_document": entry.basis_document,
    }


def run_check(
    *,
    actor: Any,
    unit: Unit,
    subject: Subject | None = None,
    identifier: str = "",
    matter: Matter | str,
    reference: str = "",
    on: date | None = None,
    read_logged: bool = False,
) -> Check:
    """Record one check and return it with the measures that legally apply on `on`
    (default today): for each active entry of the subject, the measures of that list type
    and matter in force (punishments for black lists, incentives for red lists). Each
    measure appears once, with the first entry that triggered it.

    Checking a person is one read of their data, logged with the check's purpose:
    `read_logged=True` says the caller found `subject` through a lookup that already wrote
    that entry (the check form's `find_subject` or `search_for` with `check_purpose`), so
    the lookup and the check stay one line of the read log."""
    _require_check_unit(actor, unit)
    if isinstance(matter, str):
        matter = get_matter(matter)
    on = on or timezone.localdate()
    purpose = check_purpose(matter)
    if not unit.active:
        raise DomainError(f"责任单位“{unit.name}”已停用。")
    if subject is None:
        subject = find_subject(identifier, reader=actor, purpose=purpose)
    else:
        subject = resolve(subject)
        if not read_logged:
            log_person_reads([subject], reader=actor, purpose=purpose)
    reference = " ".join(str(reference or "").split())[:100]

    entries = list(
        active_entries(subject, on).select_related("list_type").order_by("list_type__kind", "id")
    )
    found: dict[int, tuple[Measure, ListEntry]] = {}
    for entry in entries:
        for measure in applicable_measures(list_type=entry.list_type, matter=matter, on=on):
            found.setdefault(measure.pk, (measure, entry))
    items = sorted(found.values(), key=lambda pair: (pair[0].kind, pair[0].code))
    snapshot = {
        "on": on.isoformat(),
        "matter": {"code": matter.code, "name": matter.name},
        "subject": {"id": subject.pk, "name": subject.name, "code": subject.display_identifier},
        "entries": [
            {
                "id": e.pk,
                "list_type": e.list_type.code,
                "list_type_name": e.list_type.name,
                "kind": e.list_type.kind,
                "basis_document": e.basis_document,
                "effective_from": e.effective_from.isoformat() if e.effective_from else None,
                "ends_on": e.ends_on.isoformat() if e.ends_on else None,
            }
            for e in entries
        ],
        "measures": [_measure_item(m, e) for m, e in items],
    }
    hit = bool(items)
    with transaction.atomic():
        check = Check.objects.create(
            unit=unit,
            checked_by=actor if getattr(actor, "pk", None) else None,
            subject=subject,
            matter=matter,
            matter_reference=reference,
            checked_on=on,
            hit=hit,
            snapshot=snapshot,
            feedback_status=Check.FeedbackStatus.PENDING
            if hit
            else Check.FeedbackStatus.NOT_NEEDED,
            # 期限待定 (None) while the deadline's year has no calendar: the measures
            # that apply are answered all the same (sanctions.deadlines).
            feedback_due=add_workdays_if_known(on, feedback_workdays()) if hit else None,
        )
        CheckMeasure.objects.bulk_create(
            [CheckMeasure(check_run=check, measure=m, list_entry=e) for m, e in items]
        )
        record_event(
            actor=actor,
            action="sanctions.check_run",
            target_type="sanctions.check",
            target_id=check.pk,
            target_repr=f"{unit.name} 查询 {subject.display_identifier}（{matter.name}）",
            new={
                "subject": subject.pk,
                "matter": matter.code,
                "on": on,
                "hit": hit,
                "measures": [m.code for m, _e in items],
                "reference": reference,
            },
        )
    return check


# ---------------------------------------------------------------- reads


def checks_for(user: Any) -> QuerySet[Check]:
    return scope_to_user_units(
        user, Check.objects.select_related("unit", "subject", "matter", "checked_by")
    ).order_by("-checked_on", "-id")


def get_check(user: Any, check_id: Any) -> Check:
    """One check the user may read; another unit's check answers 404 (no leak)."""
    try:
        pk = int(check_id)
    except (TypeError, ValueError):
        raise NotFoundError(f"查询记录编号“{check_id}”无效。") from None
    check = checks_for(user).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if check is None:
        raise NotFoundError(f"未找到查询记录 {pk}。")
    return check


def listed_name(check: Check) -> str:
    """The subject's name in a list of checks: a natural person by the first character
    only, since a list is not a logged read of each person (the check itself is)."""
    name = str((check.snapshot.get("subject") or {}).get("name") or check.subject.name)
    return mask_name(name) if check.subject.is_person else name


def log_check_read(check: Check, *, reader: Any) -> None:
    """Log that `reader` was shown a check of a natural person (its page, its API
    answer, the answer to a feedback report), with a purpose naming the check. The
    checking unit's own staff and the one who ran it are following up their own query;
    anyone else is reviewing another unit's record."""
    if not check.subject.is_person:
        return
    reader_pk = getattr(reader, "pk", None)
    own = reader_pk is None or reader_pk == check.checked_by_id
    own = own or getattr(reader, "unit_id", None) == check.unit_id
    if own:
        purpose = f"{FOLLOW_UP_PURPOSE}第 {check.pk} 号（{check.matter.name}）"
    else:
        purpose = f"{REVIEW_PURPOSE}第 {check.pk} 号（{check.unit.name}·{check.matter.name}）"
    log_person_reads([check.subject], reader=reader, purpose=purpose)


def check_measures(check: Check) -> list[CheckMeasure]:
    return list(
        check.measures.select_related("measure", "list_entry__list_type", "reported_by").order_by(
            "measure__kind", "measure__code"
        )
    )


def is_overdue(check: Check, today: date) -> bool:
    return (
        check.feedback_status == Check.FeedbackStatus.PENDING
        and check.feedback_due is not None
        and check.feedback_due < today
    )


def feedback_due_pending(check: Check) -> bool:
    """A hit whose feedback deadline is not known yet (期限待定): never overdue."""
    return check.hit and check.feedback_due is None


def feedback_due_text(check: Check) -> str:
    """The feedback deadline as pages and the CLI show it: "2026-03-09",
    "期限待定（2027 年工作日历尚未导入）", or "" when no feedback is needed."""
    if check.feedback_due is not None:
        return check.feedback_due.isoformat()
    if feedback_due_pending(check):
        return pending_note(check.checked_on, feedback_workdays())
    return ""


def overdue_checks(user: Any, today: date) -> QuerySet[Check]:
    return checks_for(user).filter(
        feedback_status=Check.FeedbackStatus.PENDING, feedback_due__lt=today
    )


def check_data(check: Check, *, today: date | None = None) -> dict[str, Any]:
    """The JSON shape of a check (API and CLI)."""
    today = today or timezone.localdate()
    rows = check_measures(check)
    return {
        "id": check.pk,
        "unit": check.unit.name,
        "subject": check.snapshot.get("subject"),
        "matter": check.snapshot.get("matter"),
        "reference": check.matter_reference,
        "checked_on": check.checked_on.isoformat(),
        "hit": check.hit,
        "entries": check.snapshot.get("entries", []),
        "measures": [
            {
                "id": row.pk,
                **next(
                    (
                        m
                        for m in check.snapshot.get("measures", [])
                        if m["code"] == row.measure.code
                    ),
                    {"code": row.measure.code, "name": row.measure.name},
                ),
                "action": row.action,
                "action_label": row.get_action_display(),
                "reason": row.reason,
                "reported_on": row.reported_on.isoformat() if row.reported_on else None,
            }
            for row in rows
        ],
        "feedback_status": check.feedback_status,
        "feedback_status_label": check.get_feedback_status_display(),
        "feedback_due": check.feedback_due.isoformat() if check.feedback_due else None,
        "feedback_due_note": feedback_due_text(check) if feedback_due_pending(check) else "",
        "overdue": is_overdue(check, today),
    }


# ---------------------------------------------------------------- 执行反馈


REPORTABLE = {
    CheckMeasure.Action.APPLIED,
    CheckMeasure.Action.NOT_APPLIED,
    CheckMeasure.Action.NOT_APPLICABLE,
}


def submit_feedback(
    *,
    actor: Any,
    check: Check,
    items: dict[int, tuple[str, str]],
    on: date | None = None,
) -> Check:
    """Report, per returned measure (CheckMeasure id → (action, reason)), what the unit
    did: applied / not applied (reason required) / not applicable. Measures not named keep
    their state; the check is done once every measure is reported. A later report may
    correct an earlier one (both are in the event log)."""
    if actor is not None and not can_write_unit_data(actor, check.unit):
        raise NotPermitted(f"无权为“{check.unit.name}”的查询反馈执行情况。")
    if not check.hit:
        raise DomainError("该次查询未命中任何措施，无需反馈。")
    if not items:
        raise DomainError("请至少填写一项措施的执行情况。")
    on = on or timezone.localdate()
    if on < check.checked_on:
        raise DomainError("反馈日期不能早于查询日期。")
    rows = {row.pk: row for row in check.measures.select_related("measure")}
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    with transaction.atomic():
        for row_id, (action, reason) in items.items():
            row = rows.get(int(row_id))
            if row is None:
                raise DomainError(f"措施 {row_id} 不属于本次查询。")
            action = str(action or "").strip()
            reason = str(reason or "").strip()[:2000]
            if action not in REPORTABLE:
                raise DomainError(
                    f"“{row.measure.name}”的执行情况无效：请选择已实施、未实施（说明理由）或不适用。"
                )
            if action == CheckMeasure.Action.NOT_APPLIED and not reason:
                raise DomainError(f"“{row.measure.name}”未实施，须说明理由。")
            if (row.action, row.reason) == (action, reason):
                continue
            old[row.measure.code] = {"action": row.action, "reason": row.reason}
            new[row.measure.code] = {"action": action, "reason": reason}
            row.action = action
            row.reason = reason
            row.reported_on = on
            row.reported_by = actor if getattr(actor, "pk", None) else None
            row.save(update_fields=["action", "reason", "reported_on", "reported_by"])
        if not new:
            raise DomainError("执行情况没有变化。")
        done = all(r.action != CheckMeasure.Action.PENDING for r in rows.values())
        old_status = check.feedback_status
        check.feedback_status = Check.FeedbackStatus.DONE if done else Check.FeedbackStatus.PENDING
        check.save(update_fields=["feedback_status", "updated_at"])
        record_event(
            actor=actor,
            action="sanctions.feedback_submitted",
            target_type="sanctions.check",
            target_id=check.pk,
            target_repr=f"{check.unit.name} 查询 {check.subject.display_identifier} 的执行反馈",
            old={"status": old_status, "measures": old},
            new={"status": check.feedback_status, "measures": new, "on": on},
        )
    return check


def remind_overdue(*, actor: Any = None, today: date | None = None) -> list[Check]:
    """Remind every unit whose feedback is overdue on `today`: one reminder event per
    overdue check, once (running again the same or a later day adds nothing). The unit's
    workspace lists its overdue checks."""
    if actor is not None:
        require(actor, "credit_admin")
    today = today or timezone.localdate()
    overdue = list(
        Check.objects.select_related("unit", "subject")
        .filter(feedback_status=Check.FeedbackStatus.PENDING, feedback_due__lt=today)
        .order_by("feedback_due", "id")
    )
    if not overdue:
        return []
    already = set(
        Event.objects.filter(
            action=REMINDER_ACTION,
            target_type="sanctions.check",
            target_id__in=[str(c.pk) for c in overdue],
        ).values_list("target_id", flat=True)
    )
    reminded = []
    for check in overdue:
        if str(check.pk) in already:
            continue
        with transaction.atomic():
            record_event(
                actor=actor,
                action=REMINDER_ACTION,
                target_type="sanctions.check",
                target_id=check.pk,
                target_repr=f"提醒 {check.unit.name} 反馈查询 {check.pk}（期限 {check.feedback_due}）",
                new={"unit": check.unit.name, "due": check.feedback_due, "reminded_on": today},
            )
        reminded.append(check)
    return reminded


def run_reminder_job() -> str:
    """The scheduler's daily run of `remind_overdue` (registered in apps.py): the platform
    reminds a unit when its feedback is overdue without an operator running
    `xinyong sanctions remind`. Running it again the same day adds nothing."""
    reminded = remind_overdue(actor=None, today=timezone.localdate())
    return f"联合奖惩：提醒逾期未反馈的查询 {len(reminded)} 次"


def reminded_check_ids(checks: list[Check]) -> set[int]:
    ids = [str(c.pk) for c in checks]
    return {
        int(t)
        for t in Event.objects.filter(
            action=REMINDER_ACTION, target_type="sanctions.check", target_id__in=ids
        ).values_list("target_id", flat=True)
    }


# ---------------------------------------------------------------- 统计分析


@dataclass
class StatRow:
    key: str
    label: str
    checks: int = 0
    hits: int = 0
    measures: int = 0
    applied: int = 0
    not_applied: int = 0
    not_applicable: int = 0
    pending: int = 0
    feedback_expected: int = 0
    feedback_done: int = 0
    overdue: int = 0
    # Pending feedback whose deadline is 期限待定: neither overdue nor done (the feedback
    # rate counts it as not given yet, never as given in time).
    due_pending: int = 0

    @property
    def feedback_rate(self) -> float | None:
        """Share of hit checks whose feedback is complete (percent, one decimal)."""
        if not self.feedback_expected:
            return None
        return round(self.feedback_done * 100 / self.feedback_expected, 1)

    @property
    def hit_rate(self) -> float | None:
        return round(self.hits * 100 / self.checks, 1) if self.checks else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "checks": self.checks,
            "hits": self.hits,
            "measures": self.measures,
            "applied": self.applied,
            "not_applied": self.not_applied,
            "not_applicable": self.not_applicable,
            "pending": self.pending,
            "feedback_expected": self.feedback_expected,
            "feedback_done": self.feedback_done,
            "feedback_rate": self.feedback_rate,
            "overdue": self.overdue,
            "due_pending": self.due_pending,
        }


@dataclass
class Statistics:
    start: date | None
    end: date | None
    total: StatRow
    by_unit: list[StatRow] = field(default_factory=list)
    by_month: list[StatRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "total": self.total.as_dict(),
            "by_unit": [r.as_dict() for r in self.by_unit],
            "by_month": [r.as_dict() for r in self.by_month],
        }


def parse_period(raw: str) -> tuple[date | None, date | None]:
    """ "" (all), "2026" (a year) or "2026-03" (a month) → (start, end) inclusive."""
    text = str(raw or "").strip()
    if not text:
        return None, None
    try:
        if len(text) == 4 and text.isdigit():
            year = int(text)
            return date(year, 1, 1), date(year, 12, 31)
        if len(text) == 7 and text[4] == "-":
            year, month = int(text[:4]), int(text[5:])
            start = date(year, month, 1)
            end = date(year + (month == 12), month % 12 + 1, 1)
            return start, date.fromordinal(end.toordinal() - 1)
    except ValueError:
        pass
    raise DomainError(f"统计期间“{text}”格式不对：应为年份（如 2026）或年月（如 2026-03）。")


def check_statistics(
    *, reader: Any, start: date | None = None, end: date | None = None, today: date | None = None
) -> Statistics:
    """Checks, hits, measures returned and what became of them, feedback rate and overdue
    checks — in total, by unit and by month — over the checks `reader` may read."""
    today = today or timezone.localdate()
    qs = checks_for(reader)
    if start:
        qs = qs.filter(checked_on__gte=start)
    if end:
        qs = qs.filter(checked_on__lte=end)
    checks = list(
        qs.values_list(
            "pk",
            "unit_id",
            "unit__name",
            "unit__sort_order",
            "checked_on",
            "hit",
            "feedback_status",
            "feedback_due",
        )
    )
    actions: dict[int, list[str]] = defaultdict(list)
    ids = [c[0] for c in checks]
    for i in range(0, len(ids), 900):
        for check_id, action in CheckMeasure.objects.filter(
            check_run_id__in=ids[i : i + 900]
        ).values_list("check_run_id", "action"):
            actions[check_id].append(action)

    total = StatRow("total", "合计")
    units: dict[int, StatRow] = {}
    unit_order: dict[int, tuple[int, str]] = {}
    months: dict[str, StatRow] = {}
    for pk, unit_id, unit_name, sort_order, checked_on, hit, status, due in checks:
        month = f"{checked_on:%Y-%m}"
        unit_row = units.setdefault(unit_id, StatRow(str(unit_id), unit_name))
        unit_order[unit_id] = (sort_order, unit_name)
        month_row = months.setdefault(
            month, StatRow(month, f"{checked_on.year}年{checked_on.month}月")
        )
        for row in (total, unit_row, month_row):
            row.checks += 1
            row.hits += 1 if hit else 0
            for action in actions.get(pk, []):
                row.measures += 1
                if action == CheckMeasure.Action.APPLIED:
                    row.applied += 1
                elif action == CheckMeasure.Action.NOT_APPLIED:
                    row.not_applied += 1
                elif action == CheckMeasure.Action.NOT_APPLICABLE:
                    row.not_applicable += 1
                else:
                    row.pending += 1
            if status != Check.FeedbackStatus.NOT_NEEDED:
                row.feedback_expected += 1
            if status == Check.FeedbackStatus.DONE:
                row.feedback_done += 1
            if status == Check.FeedbackStatus.PENDING and due is not None and due < today:
                row.overdue += 1
            if status == Check.FeedbackStatus.PENDING and hit and due is None:
                row.due_pending += 1
    return Statistics(
        start=start,
        end=end,
        total=total,
        by_unit=[units[k] for k in sorted(units, key=lambda k: unit_order[k])],
        by_month=[months[k] for k in sorted(months)],
    )


STAT_HEADERS = (
    ("label", "单位/月份"),
    ("checks", "查询次数"),
    ("hits", "命中次数"),
    ("measures", "返回措施数"),
    ("applied", "已实施"),
    ("not_applied", "未实施"),
    ("not_applicable", "不适用"),
    ("pending", "待反馈措施"),
    ("feedback_expected", "应反馈查询"),
    ("feedback_done", "已反馈查询"),
    ("feedback_rate", "反馈率（%）"),
    ("overdue", "逾期未反馈"),
    ("due_pending", "反馈期限待定"),
)


def statistics_xlsx(stats: Statistics) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsx_workbook(buffer)
    head = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    period = "全部" if not stats.start else f"{stats.start:%Y-%m-%d} 至 {stats.end:%Y-%m-%d}"
    for title, rows in (("按单位", stats.by_unit), ("按月份", stats.by_month)):
        sheet = workbook.add_worksheet(title)
        sheet.write_string(0, 0, f"联合奖惩查询与反馈统计（{title}，期间：{period}）", head)
        for col, (_key, label) in enumerate(STAT_HEADERS):
            sheet.write_string(1, col, label, head)
        for r, row in enumerate([*rows, stats.total], start=2):
            data = row.as_dict()
            for col, (key, _label) in enumerate(STAT_HEADERS):
                value = data[key]
                if isinstance(value, int | float):
                    sheet.write_number(r, col, value)
                elif value is None:
                    sheet.write_string(r, col, "—")
                else:
                    sheet.write_string(r, col, safe_cell(str(value)))
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, len(STAT_HEADERS) - 1, 12)
        sheet.freeze_panes(2, 1)
    workbook.close()
    return buffer.getvalue()


# ---------------------------------------------------------------- typical cases


def write_case(
    *, actor: Any, unit: Unit, title: str, body: str, check: Check | None = None
) -> TypicalCase:
    """Write up a 典型案例 (unpublished until the credit office publishes it)."""
    if not can_write_unit_data(actor, unit):
        raise NotPermitted(f"无权以“{unit.name}”的名义报送典型案例。")
    title = " ".join(str(title or "").split())
    body = str(body or "").strip()
    if not title:
        raise DomainError("案例标题不能为空。")
    if len(title) > 200:
        raise DomainError("案例标题最多 200 个字。")
    if len(body) < 20:
        raise DomainError(
            "案例内容过短：请写明主体失信（守信）事实、采取的措施和依据、成效（至少 20 个字）。"
        )
    if check is not None and check.unit_id != unit.pk:
        raise DomainError("关联的查询记录不属于该单位。")
    with transaction.atomic():
        case = TypicalCase.objects.create(title=title, unit=unit, check_run=check, body=body)
        record_event(
            actor=actor,
            action="sanctions.case_written",
            target_type="sanctions.typical_case",
            target_id=case.pk,
            target_repr=title,
            new={"unit": unit.name, "check": check.pk if check else None},
        )
    return case


def publish_case(*, actor: Any, case: TypicalCase, on: date | None = None) -> TypicalCase:
    """Publish a case on the portal (/credit/cases/); only the credit office publishes.
    The title and text are masked where they are shown (`public_title`, `public_body`):
    ID numbers, phone numbers, and the name of a person the linked check was about."""
    require(actor, "credit_admin")
    if case.published_on is not None:
        raise DomainError(f"案例“{case.title}”已于 {case.published_on:%Y-%m-%d} 发布。")
    on = on or timezone.localdate()
    with transaction.atomic():
        case.published_on = on
        case.save(update_fields=["published_on", "updated_at"])
        record_event(
            actor=actor,
            action="sanctions.case_published",
            target_type="sanctions.typical_case",
            target_id=case.pk,
            target_repr=case.title,
            new={"published_on": on},
        )
    return case


def cases_for(user: Any) -> QuerySet[TypicalCase]:
    return scope_to_user_units(user, TypicalCase.objects.select_related("unit")).order_by("-id")


def get_case_for(user: Any, case_id: Any) -> TypicalCase:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFoundError("案例编号无效。") from None
    case = cases_for(user).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if case is None:
        raise NotFoundError(f"未找到案例 {pk}。")
    return case


def published_cases() -> QuerySet[TypicalCase]:
    return (
        TypicalCase.objects.select_related("unit", "check_run__subject")
        .filter(published_on__isnull=False)
        .order_by("-published_on", "-id")
    )


def _case_person_name(case: TypicalCase) -> str | None:
    """The full name of the natural person the case is about, as far as the platform
    knows it: the subject of the check the case is linked to."""
    check = case.check_run
    if check is not None and check.subject.is_person:
        return check.subject.name
    return None


def public_title(case: TypicalCase) -> str:
    """The title as the portal shows it (page, list, <title>): ID and mobile numbers
    masked, and the person's own name by its first character (DOMAIN.md §2)."""
    return mask_text(case.title, person_name=_case_person_name(case))


def public_body(case: TypicalCase) -> str:
    return mask_text(case.body, person_name=_case_person_name(case))


def units_user_may_check_for(user: Any) -> list[Unit]:
    """Admins check on behalf of any active unit; unit staff for their own unit."""
    ids = readable_unit_ids(user)
    qs = Unit.objects.filter(active=True).order_by("sort_order", "name")
    if ids is None:
        return [u for u in qs if can_write_unit_data(user, u)]
    return [u for u in qs.filter(pk__in=sorted(ids)) if can_write_unit_data(user, u)]
