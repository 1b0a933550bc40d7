"""Blacklist governance (seed task 10): the district's black-list picture, the yearly
targets, and the governance cases the working group (专班) runs per listed subject.

The picture
    For a date ``on``: per list type, how many subjects are on it that day; how many
    district enterprises are on any serious-dishonesty list (严重失信主体名单) and their
    share of all district enterprises; how many government bodies are on the
    失信被执行人 list; and the same numbers at each of the last 12 month ends.

    The numbers of one day come from ``lists.list_share(on)`` (its docstring states the
    definitions: district enterprises = district USCC of category 91; in force = by the
    entry's effective, removal and end dates). Because in-force is decided by dates and
    not by today's status, a past month end stays what it was: an entry removed in March
    still counts at the end of February and no longer at the end of March.

Targets (GovernanceTarget, one row per year): the maximum share, and the maximum number
of government bodies on the 失信被执行人 list (seed task 10: zero).

Governance cases: opened by the credit office for a listed entry with a lead unit, a plan
and a deadline; the lead unit records actions; the case is closed with an outcome.
Every change goes through a service here and writes one event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinyong.core.audit import record_event
from xinyong.core.calendar import add_workdays
from xinyong.core.errors import CalendarUnknownYear, DomainError, NotFoundError, NotPermitted
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.orgs.services import resolve_unit_name

from . import lists
from .models import GovernanceAction, GovernanceCase, GovernanceTarget, ListEntry, ListType

# The working group (专班) of seed task 10, by the names the unit registry knows.
WORKING_GROUP = (
    "区发改委",
    "区法院",
    "区市场监管局",
    "区人社局",
    "区税务局",
    "区应急局",
    "区医保局",
    "区环保局",
)
TREND_MONTHS = 12
# Cases are opened for entries that restrict a subject; a red-list entry needs no governance.
GOVERNED_KINDS = (ListType.Kind.SERIOUS, ListType.Kind.ABNORMAL, ListType.Kind.WATCH)
CLOSING_OUTCOMES = (
    GovernanceCase.Status.REMOVED,
    GovernanceCase.Status.REPAIRED,
    GovernanceCase.Status.DEREGISTERED,
    GovernanceCase.Status.CLOSED_OTHER,
)
MAX_TEXT = 2000


def today() -> date:
    return timezone.localdate()


# ------------------------------------------------------------------ the picture


def in_force_q(on: date) -> Q:
    """Entries in force on ``on``: the lists module's rule (``lists.active_entries``),
    applied to every subject at once."""
    return lists._in_force(on)


@dataclass(frozen=True)
class PointInTime:
    on: date
    blacklisted_enterprises: int
    district_enterprises: int
    share: Decimal
    government_bodies_on_judgment_debtors: int
    government_bodies: list[str]
    by_type: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "blacklisted_enterprises": self.blacklisted_enterprises,
            "district_enterprises": self.district_enterprises,
            "share": str(self.share),
            "government_bodies_on_judgment_debtors": self.government_bodies_on_judgment_debtors,
        }


def point_in_time(d: date) -> PointInTime:
    """The black-list numbers as they stood on day ``d`` (from ``lists.list_share``,
    which counts by the entries' dates, so that a past day stays what it was)."""
    share = lists.list_share(d)
    return PointInTime(
        on=d,
        blacklisted_enterprises=share["listed_enterprises"],
        district_enterprises=share["enterprises"],
        share=Decimal(share["share_percent"]),
        government_bodies_on_judgment_debtors=share["government_bodies_on_sxbzxr"],
        government_bodies=[row["name"] for row in share["government_bodies"]],
        by_type=share["by_type"],
    )


def month_ends(on: date, months: int = TREND_MONTHS) -> list[date]:
    """The last ``months`` month ends up to ``on``; the current month is counted at
    ``on`` itself (its end has not come yet). Oldest first."""
    points: list[date] = [on]
    first_of_month = on.replace(day=1)
    while len(points) < months:
        end = first_of_month - timedelta(days=1)
        points.append(end)
        first_of_month = end.replace(day=1)
    return list(reversed(points))


@dataclass
class TargetCheck:
    year: int
    max_share: Decimal | None
    max_government_bodies: int | None
    share_above: bool
    government_above: bool
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "max_share": None if self.max_share is None else str(self.max_share),
            "max_government_bodies": self.max_government_bodies,
            "share_above_target": self.share_above,
            "government_bodies_above_target": self.government_above,
            "note": self.note,
        }


@dataclass
class Picture:
    on: date
    now: PointInTime
    trend: list[PointInTime]
    target: TargetCheck
    open_cases: int = 0
    overdue_cases: int = 0

    @property
    def types(self) -> list[dict[str, Any]]:
        return self.now.by_type

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "current": {**self.now.as_dict(), "government_bodies": self.now.government_bodies},
            "list_types": self.types,
            "trend": [p.as_dict() for p in self.trend],
            "target": self.target.as_dict(),
            "open_cases": self.open_cases,
            "overdue_cases": self.overdue_cases,
        }


def check_target(point: PointInTime) -> TargetCheck:
    target = GovernanceTarget.objects.filter(year=point.on.year).first()
    if target is None:
        # Seed task 10 sets "zero government bodies" as a standing goal even before the
        # office records a year's target; the share has no default number.
        return TargetCheck(
            year=point.on.year,
            max_share=None,
            max_government_bodies=0,
            share_above=False,
            government_above=point.government_bodies_on_judgment_debtors > 0,
        )
    return TargetCheck(
        year=target.year,
        max_share=target.max_blacklist_share,
        max_government_bodies=target.max_government_bodies_listed,
        share_above=point.share > target.max_blacklist_share,
        government_above=point.government_bodies_on_judgment_debtors
        > target.max_government_bodies_listed,
        note=target.note,
    )


def blacklist_picture(*, on: date | None = None) -> Picture:
    """The district's black-list picture on ``on`` (default today)."""
    on = on or today()
    now = point_in_time(on)
    trend = [now if d == on else point_in_time(d) for d in month_ends(on)]
    open_cases = GovernanceCase.objects.filter(status=GovernanceCase.Status.OPEN)
    return Picture(
        on=on,
        now=now,
        trend=trend,
        target=check_target(now),
        open_cases=open_cases.count(),
        overdue_cases=open_cases.filter(due_on__lt=on).count(),
    )


# ------------------------------------------------------------------ targets


def _decimal(value: Any, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(f"{label}应为数字（百分比），例如 0.5。") from None
    if not number.is_finite() or number < 0 or number > 100:
        raise DomainError(f"{label}应在 0 至 100 之间。")
    return number.quantize(Decimal("0.001"), ROUND_HALF_UP)


# The range of the column (PositiveSmallIntegerField); no law sets a number. Past it the
# save was a 500 (out of range on PostgreSQL, OverflowError on SQLite past 2^63).
MAX_GOVERNMENT_BODIES = 32767


@transaction.atomic
def set_target(
    *,
    actor: Any,
    year: int,
    max_blacklist_share: Any,
    max_government_bodies_listed: int = 0,
    note: str = "",
) -> GovernanceTarget:
    """Create or change a year's governance target (credit office only)."""
    permissions.require(actor, "credit_admin")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise DomainError("年度无效，应为 2000 至 2100 之间的年份。")
    share = _decimal(max_blacklist_share, "黑名单企业占比上限")
    if (
        not isinstance(max_government_bodies_listed, int)
        or isinstance(max_government_bodies_listed, bool)
        or not 0 <= max_government_bodies_listed <= MAX_GOVERNMENT_BODIES
    ):
        raise DomainError(f"政府机构数上限应为 0 至 {MAX_GOVERNMENT_BODIES} 之间的整数。")
    note = str(note or "").strip()[:MAX_TEXT]
    target = GovernanceTarget.objects.select_for_update(of=("self",)).filter(year=year).first()
    old = None
    if target is None:
        target = GovernanceTarget(year=year)
    else:
        old = {
            "max_blacklist_share": str(target.max_blacklist_share),
            "max_government_bodies_listed": target.max_government_bodies_listed,
            "note": target.note,
        }
    target.max_blacklist_share = share
    target.max_government_bodies_listed = max_government_bodies_listed
    target.note = note
    target.save()
    record_event(
        actor=actor,
        action="sanctions.target_set",
        target_type="sanctions.GovernanceTarget",
        target_id=target.pk,
        target_repr=str(target),
        old=old,
        new={
            "max_blacklist_share": str(share),
            "max_government_bodies_listed": max_government_bodies_listed,
            "note": note,
        },
    )
    return target


# ------------------------------------------------------------------ governance cases


def working_group_units() -> list[Unit]:
    """The 专班 units, resolved through the unit registry (names and aliases)."""
    units: list[Unit] = []
    for name in WORKING_GROUP:
        try:
            target = resolve_unit_name(name)
        except DomainError:
            continue
        if isinstance(target, Unit) and target.active and target not in units:
            units.append(target)
    return units


def _text(value: Any, label: str, *, required: bool, limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"请填写{label}。")
    if len(text) > limit:
        raise DomainError(f"{label}过长：最多 {limit} 个字。")
    return text


def _date(value: Any, label: str) -> date:
    if isinstance(value, date):
        return value
    raise DomainError(f"请填写{label}（YYYY-MM-DD）。")


def _case_snapshot(case: GovernanceCase) -> dict[str, Any]:
    return {
        "entry": case.entry_id,
        "lead_unit": case.lead_unit.name,
        "status": case.status,
        "plan": case.plan,
        "due_on": case.due_on,
        "closed_on": case.closed_on,
        "outcome_note": case.outcome_note,
    }


def _case_repr(case: GovernanceCase) -> str:
    entry = case.entry
    subject = entry.subject
    from xinyong.subjects.selectors import masked_repr

    return f"{entry.list_type.name} · {masked_repr(subject)}"


def can_work_on_case(actor: Any, case: GovernanceCase) -> bool:
    """The credit office, and the staff of the case's lead unit."""
    return permissions.can_write_unit_data(actor, case.lead_unit_id)


@transaction.atomic
def open_case(
    *,
    actor: Any,
    entry: ListEntry,
    lead_unit: Unit,
    plan: str = "",
    due_on: date | None = None,
    due_workdays: int | None = None,
    on: date | None = None,
) -> GovernanceCase:
    """Open a governance case for a listed entry (credit office). The deadline is a
    calendar date (``due_on``) or a number of working days after ``on``."""
    permissions.require(actor, "credit_admin")
    on = on or today()
    entry = (
        ListEntry.objects.select_for_update(of=("self",))
        .select_related("list_type", "subject")
        .get(pk=entry.pk)
    )
    if entry.list_type.kind not in GOVERNED_KINDS:
        raise DomainError("红名单（守信激励对象）条目无需开展失信治理。")
    if not ListEntry.objects.filter(in_force_q(on), pk=entry.pk).exists():
        raise DomainError(
            f"该名单条目在 {on.isoformat()} 不处于列入状态（状态：{entry.get_status_display()}），"
            "只能对在列主体开展治理。"
        )
    if GovernanceCase.objects.filter(entry=entry, status=GovernanceCase.Status.OPEN).exists():
        raise DomainError("该名单条目已有治理中的案件，请在原案件中记录工作进展。")
    if not lead_unit.active:
        raise DomainError(f"“{lead_unit.name}”已停用，不能作为牵头单位。")
    if (due_on is None) == (due_workdays is None):
        raise DomainError("请填写完成期限：指定日期，或自今日起的工作日数（二者选一）。")
    if due_workdays is not None:
        if isinstance(due_workdays, bool) or not isinstance(due_workdays, int):
            raise DomainError("工作日数应为整数。")
        if not 1 <= due_workdays <= 250:
            raise DomainError("工作日数应在 1 至 250 之间。")
        try:
            due_on = add_workdays(on, due_workdays)
        except CalendarUnknownYear as exc:
            # Opening the case need not wait for next year's schedule: a date will do.
            raise DomainError(exc.message + "也可以直接指定完成期限（日期）。") from None
    assert due_on is not None
    if due_on < on:
        raise DomainError(f"完成期限 {due_on.isoformat()} 早于立案日期 {on.isoformat()}。")
    case = GovernanceCase.objects.create(
        entry=entry,
        lead_unit=lead_unit,
        plan=_text(plan, "治理方案", required=False),
        due_on=due_on,
    )
    record_event(
        actor=actor,
        action="sanctions.governance_case_opened",
        target_type="sanctions.GovernanceCase",
        target_id=case.pk,
        target_repr=_case_repr(case),
        new={**_case_snapshot(case), "opened_on": on},
    )
    return case


@transaction.atomic
def record_action(
    *,
    actor: Any,
    case: GovernanceCase,
    on: date,
    action: str,
    contact: str = "",
    note: str = "",
) -> GovernanceAction:
    """A working-group action on an open case (date, action, contact, progress)."""
    case = (
        GovernanceCase.objects.select_for_update(of=("self",))
        .select_related("lead_unit", "entry__list_type", "entry__subject")
        .get(pk=case.pk)
    )
    if not can_work_on_case(actor, case):
        raise NotPermitted(f"只有信用办或牵头单位“{case.lead_unit.name}”可以记录该案件的工作。")
    if case.status != GovernanceCase.Status.OPEN:
        raise DomainError("案件已办结，不能再记录工作。")
    on = _date(on, "工作日期")
    if on > today():
        raise DomainError(f"工作日期 {on.isoformat()} 晚于今天，不能预先记录。")
    item = GovernanceAction.objects.create(
        case=case,
        on=on,
        action=_text(action, "工作内容", required=True, limit=200),
        contact=_text(contact, "联系人/对接情况", required=False, limit=200),
        note=_text(note, "进展", required=False),
        actor=actor if getattr(actor, "pk", None) else None,
    )
    record_event(
        actor=actor,
        action="sanctions.governance_action_recorded",
        target_type="sanctions.GovernanceCase",
        target_id=case.pk,
        target_repr=_case_repr(case),
        new={"on": on, "action": item.action, "contact": item.contact, "note": item.note},
    )
    return item


@transaction.atomic
def close_case(
    *, actor: Any, case: GovernanceCase, outcome: str, on: date, note: str = ""
) -> GovernanceCase:
    """Close an open case with its outcome. "Removed from the list" needs the entry to
    be removed already (through the lists module), so that the case never claims what
    the list does not show."""
    case = (
        GovernanceCase.objects.select_for_update(of=("self",))
        .select_related("lead_unit", "entry__list_type", "entry__subject")
        .get(pk=case.pk)
    )
    if not can_work_on_case(actor, case):
        raise NotPermitted(f"只有信用办或牵头单位“{case.lead_unit.name}”可以办结该案件。")
    if case.status != GovernanceCase.Status.OPEN:
        raise DomainError("案件已办结。")
    if outcome not in CLOSING_OUTCOMES:
        labels = "、".join(str(GovernanceCase.Status(o).label) for o in CLOSING_OUTCOMES)
        raise DomainError(f"办结结果无效，应为：{labels}。")
    on = _date(on, "办结日期")
    if on > today():
        raise DomainError(f"办结日期 {on.isoformat()} 晚于今天。")
    note = _text(note, "办结说明", required=outcome != GovernanceCase.Status.REMOVED)
    if outcome == GovernanceCase.Status.REMOVED:
        entry = case.entry
        if entry.status != ListEntry.Status.REMOVED or entry.removed_on is None:
            raise DomainError(
                "该主体尚未移出名单：请先在名单管理中办理移出，再以“已移出名单”办结。"
            )
        if entry.removed_on > on:
            raise DomainError(
                f"名单移出日期为 {entry.removed_on.isoformat()}，办结日期不能早于移出日期。"
            )
    old = _case_snapshot(case)
    case.status = outcome
    case.closed_on = on
    case.outcome_note = note
    case.save(update_fields=["status", "closed_on", "outcome_note", "updated_at"])
    record_event(
        actor=actor,
        action="sanctions.governance_case_closed",
        target_type="sanctions.GovernanceCase",
        target_id=case.pk,
        target_repr=_case_repr(case),
        old=old,
        new=_case_snapshot(case),
    )
    return case


# ------------------------------------------------------------------ case selectors


def all_cases(
    *, status: str = "", overdue: bool = False, on: date | None = None
) -> QuerySet[GovernanceCase]:
    """Every case (unscoped: for the operator's CLI and for scoped selectors below)."""
    qs = GovernanceCase.objects.select_related(
        "lead_unit", "entry__list_type", "entry__subject"
    ).order_by("due_on", "id")
    if status:
        if status not in GovernanceCase.Status.values:
            raise DomainError("案件状态无效。")
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=GovernanceCase.Status.OPEN, due_on__lt=on or today())
    return qs


def cases_for(
    reader: Any, *, status: str = "", overdue: bool = False, on: date | None = None
) -> QuerySet[GovernanceCase]:
    """The cases ``reader`` may see: all for the credit office and leaders, a unit's own
    (as lead unit) for its staff."""
    qs = all_cases(status=status, overdue=overdue, on=on)
    return permissions.scope_to_user_units(reader, qs, "lead_unit")


def get_case(reader: Any, case_id: Any) -> GovernanceCase:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFoundError("治理案件编号无效。") from None
    case = cases_for(reader).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if case is None:
        raise NotFoundError(f"治理案件 {pk} 不存在或无权查看。")
    return case


def is_overdue(case: GovernanceCase, on: date | None = None) -> bool:
    return case.status == GovernanceCase.Status.OPEN and case.due_on < (on or today())


def governable_entries(on: date | None = None) -> QuerySet[ListEntry]:
    """Entries for which a case may be opened: in force, restricting, no open case."""
    return (
        ListEntry.objects.filter(in_force_q(on or today()))
        .filter(list_type__kind__in=GOVERNED_KINDS)
        .exclude(governance_cases__status=GovernanceCase.Status.OPEN)
        .select_related("list_type", "subject")
        .order_by("list_type__kind", "list_type__code", "id")
    )
