"""Working-day deadlines of sanctions whose year's calendar may not be loaded yet (期限待定).

Four deadlines are counted in working days from a stored start day (民法典 art. 201: the
start day not counted):

- a check's feedback (`Check.feedback_due`): `checks.feedback_workdays()` after
  `checked_on`;
- a dishonesty event's handling (`DishonestyEvent.due_on`): `events.handling_workdays()`
  after `assigned_on`, when the platform computed it (`due_computed`; a date the office
  gave is kept as given);
- a red-list entry's publicity (`ListEntry.publicity_until`): the type's
  `publicity_workdays` after `publicity_from` (河南条例 art. 28);
- the objection period after the prior written notice (`ListEntry.objection_deadline`):
  the type's `notice_objection_workdays` after `notice_served_on` (河南条例 art. 28).

The next year's schedule is published around November (DOMAIN.md §3). Until it is
imported a deadline reaching into it cannot be computed; the action still succeeds and
stores the deadline as NULL, shown as "期限待定（2027 年工作日历尚未导入）" and never
overdue. When the calendar services load a year (`calendar_years_loaded`), `settle` fills
those deadlines from their start day and today's setting or type value; when an edit of a
loaded year changes days (`calendar_days_changed`), `recompute` redoes the computed
deadlines whose window (start, deadline] holds a changed day, on rows still waiting on
them (feedback pending, event not yet handled, entry still 拟列入 for its objection
deadline or 公示中 for its publicity end): a date already acted on is kept. Both run inside the
calendar's transaction and write one event per run when a deadline changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Model, Q

from xinyong.core import calendar
from xinyong.core.calendar_services import record_recount
from xinyong.core.errors import CalendarUnknownYear

PENDING = "期限待定"


def pending_note(start: date | None, n: int, *, label: str = "期限") -> str:
    """How a deadline still unknown is shown: "期限待定（2027 年工作日历尚未导入）"."""
    if start is not None:
        try:
            calendar.add_workdays(start, n)
        except CalendarUnknownYear as exc:
            return f"{label}待定（{exc.year} 年工作日历尚未导入）"
    # Computable now but not yet stored (a year loaded without the calendar services).
    return f"{label}待定"


# ---------------------------------------------------------------- the stored deadlines


@dataclass(frozen=True)
class _Kind:
    """One stored deadline: its model, start and deadline fields, which rows it has, and
    its number of working days — per list type (`per_type`, a ListType field) or one
    value (`workdays`)."""

    key: str
    model: Callable[[], type[Model]]
    start: str
    deadline: str
    scope: Q
    # The rows still waiting on the deadline: only theirs is redone when the calendar is
    # edited. A date already acted on (feedback given, event handled, entry listed or
    # withdrawn) stays as it was counted when it was acted on.
    live: Q
    workdays: Callable[[], int] | None = None
    per_type: str = ""

    def counts(self) -> dict[int | None, int]:
        if self.workdays is not None:
            return {None: self.workdays()}
        from .models import ListType

        return dict(ListType.objects.values_list("pk", self.per_type))

    def group_of(self, row: tuple[Any, ...]) -> tuple[int | None, date]:
        return (row[0], row[1]) if self.per_type else (None, row[0])

    def fields(self) -> tuple[str, ...]:
        return ("list_type_id", self.start) if self.per_type else (self.start,)

    def rows(self, type_id: int | None, start: date) -> Any:
        qs = self.model()._default_manager.filter(self.scope, **{self.start: start})
        return qs.filter(list_type_id=type_id) if self.per_type else qs


def _check() -> type[Model]:
    from .models import Check

    return Check


def _event() -> type[Model]:
    from .models import DishonestyEvent

    return DishonestyEvent


def _entry() -> type[Model]:
    from .models import ListEntry

    return ListEntry


def _feedback_workdays() -> int:
    from .checks import feedback_workdays

    return feedback_workdays()


def _handling_workdays() -> int:
    from .events import handling_workdays

    return handling_workdays()


KINDS = (
    # A check without a hit needs no feedback and has no deadline at all.
    _Kind(
        "check_feedback",
        _check,
        "checked_on",
        "feedback_due",
        Q(hit=True),
        Q(feedback_status="pending"),  # Check.FeedbackStatus.PENDING
        _feedback_workdays,
    ),
    # A handling deadline the office gave itself stays as given.
    _Kind(
        "event_handling",
        _event,
        "assigned_on",
        "due_on",
        Q(due_computed=True, assigned_on__isnull=False),
        Q(status__in=("registered", "assigned")),  # DishonestyEvent: not yet 已处置
        _handling_workdays,
    ),
    _Kind(
        "red_publicity",
        _entry,
        "publicity_from",
        "publicity_until",
        Q(publicity_from__isnull=False),
        Q(status="publicising"),  # ListEntry.Status.PUBLICISING: not yet in force
        per_type="publicity_workdays",
    ),
    _Kind(
        "notice_objection",
        _entry,
        "notice_served_on",
        "objection_deadline",
        Q(notice_served_on__isnull=False),
        # ListEntry.Status.PROPOSED: once listed (河南条例 art. 28: after the objection
        # period) the deadline it was listed after must not move past the listing.
        Q(status="proposed"),
        per_type="notice_objection_workdays",
    ),
)


def _groups(kind: _Kind, qs: Any) -> set[tuple[int | None, date]]:
    return {kind.group_of(row) for row in qs.values_list(*kind.fields()).order_by().distinct()}


def settle(years: list[int], *, actor: Any = None) -> dict[str, int]:
    """Fill the deadlines stored as 期限待定 that the calendar can compute now that
    `years` are loaded, from their start day and today's setting or type value; one
    event when one was filled. Set-based per distinct (list type, start day)."""
    counts: dict[str, int] = {}
    if not years:
        return counts
    cal = calendar.current()
    for kind in KINDS:
        model = kind.model()
        waiting = model._default_manager.filter(kind.scope, **{f"{kind.deadline}__isnull": True})
        workdays = kind.counts()
        filled = 0
        for type_id, start in sorted(_groups(kind, waiting), key=lambda g: (g[0] or 0, g[1])):
            n = workdays.get(type_id)
            if n is None:
                continue
            due = cal.deadline_for([start], n, skip_unknown=True).get(start)
            if due is None:
                continue
            filled += (
                kind.rows(type_id, start)
                .filter(**{f"{kind.deadline}__isnull": True})
                .update(**{kind.deadline: due})
            )
        counts[kind.key] = filled
    if any(counts.values()):
        record_recount(
            actor=actor,
            action="sanctions.deadlines_settle",
            what="联合奖惩期限",
            years=years,
            new={"years": years, **counts},
        )
    return counts


def recompute(days: list[date], *, actor: Any = None) -> dict[str, Any]:
    """Redo the deadlines the platform computed whose window (start, deadline] holds one
    of `days` (days of loaded years that turned from working day to rest day or back) on
    rows still waiting on them (`_Kind.live`), and retry those still 期限待定 that start before one of them: from the start day and
    today's setting or type value. A deadline now reaching into a year not loaded becomes
    期限待定 (NULL). One event when a deadline changed."""
    changed_days = sorted(set(days))
    result: dict[str, Any] = {"days": [d.isoformat() for d in changed_days]}
    if not changed_days:
        return result
    first, last = changed_days[0], changed_days[-1]
    cal = calendar.current()
    undetermined = 0
    for kind in KINDS:
        model = kind.model()
        # add_workdays(start, n) changes only when a changed day lies in (start, deadline].
        # A stored date is redone only on rows still waiting on it (`live`); a 期限待定 is
        # retried on every row, as `settle` fills it (it was never a date acted on).
        touched = model._default_manager.filter(
            Q(kind.live, **{f"{kind.deadline}__gte": first})
            | Q(**{f"{kind.deadline}__isnull": True}),
            kind.scope,
            **{f"{kind.start}__lt": last},
        )
        workdays = kind.counts()
        changed = 0
        for type_id, start in sorted(_groups(kind, touched), key=lambda g: (g[0] or 0, g[1])):
            n = workdays.get(type_id)
            if n is None:
                continue
            edited = min(d for d in changed_days if d > start)
            due = cal.deadline_for([start], n, skip_unknown=True).get(start)
            rows = kind.rows(type_id, start).filter(
                Q(kind.live, **{f"{kind.deadline}__gte": edited})
                | Q(**{f"{kind.deadline}__isnull": True})
            )
            if due is None:
                moved = rows.filter(**{f"{kind.deadline}__isnull": False}).update(
                    **{kind.deadline: None}
                )
                undetermined += moved
            else:
                moved = rows.exclude(**{kind.deadline: due}).update(**{kind.deadline: due})
            changed += moved
        result[kind.key] = changed
    result["undetermined"] = undetermined
    if any(result[kind.key] for kind in KINDS):
        record_recount(
            actor=actor,
            action="sanctions.deadlines_recalculate",
            what="联合奖惩期限",
            days=changed_days,
            new=result,
        )
    return result
