"""Read side of the ledger: the plan of a year, each assignment's deadline state, the
rows' targets evaluated against platform metrics and activities, per-unit summaries in
the fixed 通报 order, the assessment, and reads narrowed to what the reader may see.

Deadlines (working days through xinyong.core.calendar, rules of the plan year):
- a row with a date: due that day, or the next working day when that day is not one
  (《民法典》第二百零三条). Overdue after it unless the unit's completion is accepted, or
  was reported on or before it and is still being reviewed. A warning goes out from
  `warning_workdays` working days before.
- a 持续推进 row: the unit reports at least once a quarter, by `ongoing_report_workdays`
  working days after the quarter's end (a report counts for one quarter only). A quarter
  without a report by then is a missed deadline, unless a completion report was waiting
  for review on that day or the plan was not yet issued; the latest past quarter decides
  whether the row is overdue now.
- every missed deadline counts as one delay; delays beyond the first are "repeated".
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xinyong.collection.selectors import Period
from xinyong.core import calendar
from xinyong.core.errors import CalendarUnknownYear, NotFoundError, NotPermitted
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.orgs.selectors import credit_office_unit

from . import metrics
from .models import (
    Activity,
    Assignment,
    DeadlineWarning,
    Evidence,
    Plan,
    PlanRules,
    ProgressReport,
    Row,
    RowTarget,
    SupervisionItem,
)

Status = Assignment.Status
PENDING_STATUSES = (Status.SUBMITTED, Status.LEAD_ACCEPTED)
STATUS_ORDER = (
    Status.ACCEPTED,
    Status.LEAD_ACCEPTED,
    Status.SUBMITTED,
    Status.IN_PROGRESS,
    Status.RETURNED,
    Status.NOT_REPORTED,
)
STATUS_LABELS = dict(Status.choices)
QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))


def today() -> date:
    return timezone.localdate()


# ------------------------------------------------------------------ plans


def plan_for_year(year: int) -> Plan | None:
    return Plan.objects.filter(year=year).first()


def current_plan(on: date | None = None) -> Plan | None:
    """This year's plan, else the latest earlier one."""
    on = on or today()
    return (
        Plan.objects.filter(year=on.year).first()
        or Plan.objects.filter(year__lt=on.year).order_by("-year").first()
    )


@dataclass(frozen=True)
class PlanOutline:
    plan: Plan
    groups: list[str]
    task_count: int


def issued_plan_outline(district: str, on: date | None = None) -> PlanOutline | None:
    """The latest plan issued by `on` that names `district` in its title or issuer, with its
    task groups in order, for the public portal. A copy for a coming year has no 印发日期
    until it is issued; the shipped seed plan is 北关区's and must not stand for another
    district's."""
    plan = (
        Plan.objects.filter(issued_on__lte=on or today())
        .filter(Q(title__contains=district) | Q(issuer__contains=district))
        .order_by("-year")
        .first()
    )
    if plan is None:
        return None
    groups: dict[str, str] = {}
    tasks = plan.tasks.order_by("number").values_list("group_number", "group_title")
    for number, title in tasks:
        groups.setdefault(number, title)
    return PlanOutline(plan=plan, groups=[t for t in groups.values() if t], task_count=len(tasks))


def get_plan(year: Any) -> Plan:
    try:
        plan = Plan.objects.filter(year=int(year)).first()
    except (TypeError, ValueError):
        plan = None
    if plan is None:
        raise NotFoundError(f"没有 {year} 年的工作方案。")
    return plan


def rules_for(plan: Plan) -> PlanRules:
    rules = PlanRules.objects.filter(plan=plan).first()
    return rules or PlanRules(plan=plan)


def plan_period(plan: Plan, on: date | None = None) -> Period:
    """The plan year up to `on` (metrics count what has happened so far)."""
    end = date(plan.year, 12, 31)
    if on is not None and on < end:
        end = max(on, date(plan.year, 1, 1))
    return Period.between(date(plan.year, 1, 1), end)


# ------------------------------------------------------------------ deadlines


class _Days:
    """Working-day arithmetic with a per-call cache; a year whose calendar is not loaded
    is remembered instead of failing the whole page: a call that needed it answers None
    and leaves that year in `missing`."""

    def __init__(self) -> None:
        # A date, or the year whose calendar the answer needs and is not loaded.
        self._cache: dict[tuple[str, date, int], date | int] = {}
        self.unknown: set[int] = set()
        self.missing: int | None = None

    def _lookup(self, key: tuple[str, date, int]) -> date | None:
        if key not in self._cache:
            kind, day, n = key
            try:
                if kind == "add":
                    self._cache[key] = calendar.add_workdays(day, n)
                else:
                    self._cache[key] = (
                        day if calendar.is_workday(day) else calendar.add_workdays(day, 1)
                    )
            except CalendarUnknownYear as exc:
                self.unknown.add(exc.year)
                self._cache[key] = exc.year
        found = self._cache[key]
        self.missing = found if isinstance(found, int) else None
        return found if isinstance(found, date) else None

    def add(self, day: date, n: int) -> date | None:
        return self._lookup(("add", day, n))

    def postponed(self, day: date) -> date | None:
        """`day`, or the next working day when it is not one: 《民法典》第二百零三条,
        期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日."""
        return self._lookup(("postponed", day, 0))

    def between(self, a: date, b: date) -> int | None:
        try:
            return calendar.workdays_between(a, b)
        except CalendarUnknownYear as exc:
            self.unknown.add(exc.year)
            return None


@dataclass
class AssignmentState:
    assignment: Assignment
    on: date
    # The deadline that applies now (next or missed), postponed past non-working days.
    due_on: date | None = None
    # The year whose calendar the current deadline needs and is not loaded: the deadline
    # is then shown as not computable (期限待定) rather than guessed (DOMAIN §3).
    due_pending_year: int | None = None
    overdue: bool = False
    due_soon: bool = False
    delays: int = 0
    missed: list[date] = field(default_factory=list)
    unknown_years: set[int] = field(default_factory=set)
    last_evidence: int | None = None  # evidence items of the latest completion report

    @property
    def status(self) -> str:
        return self.assignment.status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.assignment.status]

    @property
    def done(self) -> bool:
        return self.assignment.status == Status.ACCEPTED

    @property
    def repeated_delays(self) -> int:
        return max(0, self.delays - 1)

    @property
    def due_text(self) -> str:
        """The current deadline as the pages, the API and the CLI show it: "期限 2026-10-13",
        "期限 2023-12-30（顺延至 2024-01-02）", "期限待定：2027年工作日历尚未导入"."""
        if self.due_on is not None:
            return f"期限 {deadline_text(self.assignment.row, self.due_on)}"
        if self.due_pending_year is None:
            return ""
        missing = f"{self.due_pending_year}年工作日历尚未导入"
        deadline = self.assignment.row.deadline
        if deadline is None:
            return f"期限待定：{missing}"
        if self.due_pending_year == deadline.year:
            return f"期限 {deadline:%Y-%m-%d}（是否顺延待定：{missing}）"
        return f"期限 {deadline:%Y-%m-%d}（顺延，期限待定：{missing}）"

    def warnings(self) -> list[tuple[str, date]]:
        out: list[tuple[str, date]] = [(DeadlineWarning.Kind.OVERDUE, d) for d in self.missed]
        if self.due_soon and self.due_on is not None:
            out.append((DeadlineWarning.Kind.DUE_SOON, self.due_on))
        return out

    def as_dict(self) -> dict[str, Any]:
        a = self.assignment
        return {
            "assignment": a.pk,
            "unit": a.unit.name,
            "status": a.status,
            "status_label": self.status_label,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "due_text": self.due_text,
            "due_pending_year": self.due_pending_year,
            "overdue": self.overdue,
            "due_soon": self.due_soon,
            "delays": self.delays,
            "last_reported_on": a.last_reported_on.isoformat() if a.last_reported_on else None,
        }


def deadline_text(row: Row, due: date) -> str:
    """A deadline of `row` as shown: "2026-11-30", or "2023-12-30（顺延至 2024-01-02）" when
    the row's date fell on a non-working day."""
    if row.deadline is not None and due != row.deadline:
        return f"{row.deadline:%Y-%m-%d}（顺延至 {due:%Y-%m-%d}）"
    return f"{due:%Y-%m-%d}"


def _quarters(year: int) -> list[tuple[date, date]]:
    starts = (1, 4, 7, 10)
    return [
        (date(year, s, 1), date(year, m, d)) for s, (m, d) in zip(starts, QUARTER_ENDS, strict=True)
    ]


def _fixed_state(state: AssignmentState, printed: date, rules: PlanRules, days: _Days) -> None:
    a = state.assignment
    on = state.on
    deadline = days.postponed(printed)
    if deadline is None:
        # Whether (or to when) the date moves needs a calendar not loaded: neither
        # overdue nor due soon until it is imported, and shown as such.
        state.due_pending_year = days.missing
        return
    state.due_on = deadline
    pending_in_time = a.status in PENDING_STATUSES and (
        a.completed_on is not None and a.completed_on <= deadline
    )
    if state.done or a.status in PENDING_STATUSES:
        late = a.completed_on is not None and a.completed_on > deadline
        if late:
            state.delays = 1
        if not state.done and not pending_in_time and on > deadline:
            state.overdue = True
            state.missed = [deadline]
        return
    if on > deadline:
        state.overdue = True
        state.delays = 1
        state.missed = [deadline]
        return
    left = days.between(on, deadline)
    state.due_soon = left is not None and left <= rules.warning_workdays


def _waiting(history: list[tuple[Any, ...]]) -> list[tuple[date, date | None]]:
    """The stretches during which a completion report waited for review: from the day it
    was filed to the day a final decision ended the wait (None: still waiting). The lead
    unit's acceptance does not end it; the credit office's decision, or a return by
    either, does."""
    spans: list[tuple[date, date | None]] = []
    for day, claim, review, lead_on, office_on in history:
        if claim != ProgressReport.Claim.COMPLETED:
            continue
        end: date | None = None
        if review == ProgressReport.Review.ACCEPTED:
            end = office_on
        elif review == ProgressReport.Review.RETURNED:
            end = office_on or lead_on
        spans.append((day, end))
    return spans


def _ongoing_state(
    state: AssignmentState,
    plan: Plan,
    reports: list[date],
    history: list[tuple[Any, ...]],
    rules: PlanRules,
    days: _Days,
) -> None:
    on = state.on
    latest_missed = False
    # While a completion waits for review the unit may not file another report
    # (services.report_progress), so a deadline falling then is covered, as a dated row
    # reported complete in time is not overdue while it is being reviewed.
    spans = _waiting(history)

    def waiting(day: date) -> bool:
        return any(start <= day and (end is None or end > day) for start, end in spans)

    # A report counts for the quarter whose window it falls in: from the day after the
    # previous quarter's deadline to this quarter's deadline, so that one report made in
    # the days of grace after a quarter's end is not counted twice.
    window_start = date(plan.year, 1, 1)
    for start, end in _quarters(plan.year):
        if start > on:
            break
        due = days.add(end, rules.ongoing_report_workdays)
        if due is None:
            accepted_on = state.assignment.accepted_on
            if not (state.done and accepted_on is not None and accepted_on <= end):
                # This quarter's deadline needs a calendar not loaded (the fourth
                # quarter's, next year's): not computable rather than guessed, and the
                # quarters missed before it stay missed.
                state.due_pending_year = days.missing
            break
        if plan.issued_on is not None and due <= plan.issued_on:
            # Nobody owed a report under a plan not yet issued (seed 2023: issued 04-18,
            # first quarter due 04-10).
            continue
        reported = any(window_start <= r <= due for r in reports) or waiting(min(due, on))
        window_start = due + timedelta(days=1)
        accepted_on = state.assignment.accepted_on
        if state.done and accepted_on is not None and due > accepted_on:
            # Accepted as done: the quarters after that are not owed any more (a later
            # progress report is welcome and keeps the row accepted, services).
            break
        if on > due:
            latest_missed = not reported
            if not reported:
                state.delays += 1
                state.missed.append(due)
            continue
        state.due_on = due
        if not reported and not state.done:
            left = days.between(on, due)
            state.due_soon = left is not None and left <= rules.warning_workdays
        break
    state.overdue = latest_missed and not state.done


def _as_of(assignment: Assignment, history: list[tuple[Any, ...]], on: date) -> Assignment:
    """A copy of `assignment` with the status and dates it had at the end of `on`,
    replayed from its progress reports (reported_on ≤ on) and their review dates, the
    way services.report_progress and services.review_report moved it.

    `history` is in filing order, the order the services applied the reports in. A
    report the credit office backdated counts from its 报送日期 (the day the unit handed
    it in), its review from the day of the review; but it was filed after the reports
    filed before it, so a 推进中 filed earlier with a later date does not step back the
    completion it accepted."""
    past = copy.copy(assignment)
    past.status = Status.NOT_REPORTED
    past.last_reported_on = past.completed_on = past.accepted_on = None
    for day, claim, review, lead_on, office_on in history:
        past.last_reported_on = max(day, past.last_reported_on or day)
        if claim != ProgressReport.Claim.COMPLETED:
            if not (past.status == Status.ACCEPTED and assignment.row.is_ongoing):
                past.status = Status.IN_PROGRESS
            continue
        past.completed_on = day
        lead_done = lead_on is not None and lead_on <= on
        office_done = office_on is not None and office_on <= on
        returned = review == ProgressReport.Review.RETURNED
        if office_done:
            past.status = Status.RETURNED if returned else Status.ACCEPTED
            if returned:
                past.completed_on = None
            else:
                past.accepted_on = office_on
        elif lead_done:
            # Returned by the lead unit when the office never acted on it.
            past.status = (
                Status.RETURNED if returned and office_on is None else Status.LEAD_ACCEPTED
            )
            if past.status == Status.RETURNED:
                past.completed_on = None
        elif lead_on is not None or review == ProgressReport.Review.SUBMITTED:
            past.status = Status.SUBMITTED
        elif office_on is not None:
            # The credit office decided later, possibly straight from the lead unit's
            # stage (it may act at either): where the report waited depends on the row.
            from .services import needs_lead_review

            past.status = (
                Status.SUBMITTED if needs_lead_review(assignment) else Status.LEAD_ACCEPTED
            )
        else:
            past.status = Status.LEAD_ACCEPTED
    return past


def assignment_states(
    plan: Plan,
    *,
    on: date | None = None,
    assignments: Iterable[Assignment] | None = None,
) -> list[AssignmentState]:
    """The deadline state of every assignment of `plan` (or of `assignments`) on `on`."""
    on = on or today()
    rules = rules_for(plan)
    if assignments is None:
        assignments = (
            Assignment.objects.filter(row__plan=plan)
            .select_related("row", "unit", "row__plan")
            .order_by("row__number", "unit__sort_order", "unit__name")
        )
    items = list(assignments)
    ids = [a.pk for a in items]
    reports: dict[int, list[date]] = defaultdict(list)
    latest_completion: dict[int, int] = {}
    history: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    # Filing order (id), not 报送日期: a backdated report was applied after the reports
    # filed before it (_as_of), and the latest completion is the last one filed.
    for a_id, day, claim, pk, review, lead_on, office_on in (
        ProgressReport.objects.filter(assignment_id__in=ids, reported_on__lte=on)
        .order_by("id")
        .values_list(
            "assignment_id",
            "reported_on",
            "claim",
            "pk",
            "review",
            "lead_reviewed_on",
            "office_reviewed_on",
        )
    ):
        reports[a_id].append(day)
        history[a_id].append((day, claim, review, lead_on, office_on))
        if claim == ProgressReport.Claim.COMPLETED:
            latest_completion[a_id] = pk
    if on < today():
        # A past date (a month's 通报) shows the state on that date, not today's.
        items = [_as_of(a, history.get(a.pk, []), on) for a in items]
    evidence = dict(
        Evidence.objects.filter(report_id__in=list(latest_completion.values()))
        .values("report_id")
        .annotate(n=Count("id"))
        .values_list("report_id", "n")
    )
    days = _Days()
    states = []
    for a in items:
        state = AssignmentState(assignment=a, on=on)
        if a.row.deadline is not None:
            _fixed_state(state, a.row.deadline, rules, days)
        else:
            _ongoing_state(state, plan, reports.get(a.pk, []), history.get(a.pk, []), rules, days)
        if a.pk in latest_completion:
            state.last_evidence = evidence.get(latest_completion[a.pk], 0)
        state.unknown_years = set(days.unknown)
        states.append(state)
    return states


# ------------------------------------------------------------------ targets


@dataclass
class TargetResult:
    target: RowTarget
    label: str
    value: Any
    display: str
    met: bool | None
    connected: bool
    drill: str = ""

    @property
    def verdict(self) -> str:
        if not self.connected:
            return metrics.NOT_CONNECTED
        if self.met is None:
            return metrics.NO_DATA
        return "达标" if self.met else "未达标"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.target.metric_code or f"activity.{self.target.activity_kind}",
            "label": self.label,
            "comparison": self.target.comparison,
            "target": str(self.target.value),
            "value": None if self.value is None else str(self.value),
            "display": self.display,
            "met": self.met,
            "connected": self.connected,
            "verdict": self.verdict,
        }


def plain_number(value: Decimal | int | float | str) -> str:
    """A number as leaders read it: 10.00 → "10", 0.50 → "0.5", 100 → "100".
    `Decimal.normalize()` alone turns 10 into 1E+1 and 100 into 1E+2."""
    return f"{Decimal(str(value)).normalize():f}"


def target_label(target: RowTarget) -> str:
    comparison = target.get_comparison_display()
    value = plain_number(target.value)
    if target.kind == RowTarget.Kind.ACTIVITY:
        # RowTarget.__str__ names an unsaved target too, whose kind the form may refuse.
        kind = dict(Activity.Kind.choices).get(target.activity_kind, target.activity_kind)
        return f"{kind}（年内{comparison} {value} 次）"
    metric = metrics.get_metric(target.metric_code)
    name = metric.label if metric else target.metric_code
    unit = metric.unit_label if metric else ""
    return f"{name}（{comparison} {value}{unit}）"


def evaluate_targets(
    plan: Plan, assignments: Sequence[Assignment], *, on: date | None = None
) -> dict[int, list[TargetResult]]:
    """{assignment id: its row's targets evaluated for its unit}, each metric computed once
    for all the units that need it."""
    on = on or today()
    period = plan_period(plan, on)
    rows = {a.row_id for a in assignments}
    targets: dict[int, list[RowTarget]] = defaultdict(list)
    for t in RowTarget.objects.filter(row_id__in=rows).order_by("id"):
        targets[t.row_id].append(t)
    need: dict[str, dict[int, Unit]] = defaultdict(dict)
    for a in assignments:
        for t in targets.get(a.row_id, []):
            if t.kind == RowTarget.Kind.METRIC:
                need[t.metric_code][a.unit_id] = a.unit
    values: dict[str, dict[int, Any]] = {}
    for code, units in need.items():
        metric = metrics.get_metric(code)
        if metric is not None:
            values[code] = metric.values(list(units.values()), period)
    counts: dict[tuple[int, str], int] = {
        (r["unit_id"], r["kind"]): r["n"]
        for r in Activity.objects.filter(plan=plan, held_on__lte=on)
        .values("unit_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    }
    out: dict[int, list[TargetResult]] = {}
    for a in assignments:
        results = []
        for t in targets.get(a.row_id, []):
            if t.kind == RowTarget.Kind.ACTIVITY:
                n = counts.get((a.unit_id, t.activity_kind), 0)
                results.append(
                    TargetResult(t, target_label(t), n, f"{n} 次", t.met_by(n), True, "")
                )
                continue
            metric = metrics.get_metric(t.metric_code)
            if metric is None:
                results.append(
                    TargetResult(t, target_label(t), None, metrics.NOT_CONNECTED, None, False)
                )
                continue
            value = values[t.metric_code].get(a.unit_id)
            results.append(
                TargetResult(
                    t,
                    target_label(t),
                    value,
                    metrics.format_value(metric, value),
                    t.met_by(value),
                    True,
                    metric.drill,
                )
            )
        out[a.pk] = results
    return out


# ------------------------------------------------------------------ per-unit summaries


@dataclass
class UnitSummary:
    unit: Unit
    assignments: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    overdue_rows: list[int] = field(default_factory=list)
    due_soon: int = 0
    delays: int = 0
    repeated_delays: int = 0
    last_reported_on: date | None = None
    activities: dict[str, int] = field(default_factory=dict)
    targets_met: int = 0
    targets_missed: int = 0
    targets_unknown: int = 0
    missed_targets: list[str] = field(default_factory=list)
    open_supervision: int = 0
    # Open 督办 items past their 办理期限 and not answered on the picture's day.
    overdue_supervision: int = 0

    @property
    def accepted(self) -> int:
        return self.by_status.get(Status.ACCEPTED, 0)

    @property
    def pending(self) -> int:
        return sum(self.by_status.get(s, 0) for s in PENDING_STATUSES)

    @property
    def in_progress(self) -> int:
        return self.by_status.get(Status.IN_PROGRESS, 0) + self.by_status.get(Status.RETURNED, 0)

    @property
    def not_reported(self) -> int:
        return self.by_status.get(Status.NOT_REPORTED, 0)

    @property
    def silent(self) -> bool:
        return self.assignments > 0 and self.not_reported == self.assignments

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit.pk,
            "unit": self.unit.name,
            "assignments": self.assignments,
            "accepted": self.accepted,
            "pending": self.pending,
            "in_progress": self.in_progress,
            "not_reported": self.not_reported,
            "overdue": self.overdue,
            "overdue_rows": self.overdue_rows,
            "due_soon": self.due_soon,
            "delays": self.delays,
            "repeated_delays": self.repeated_delays,
            "last_reported_on": self.last_reported_on.isoformat()
            if self.last_reported_on
            else None,
            "activities": self.activities,
            "targets_met": self.targets_met,
            "targets_missed": self.targets_missed,
            "targets_unknown": self.targets_unknown,
            "missed_targets": self.missed_targets,
            "open_supervision": self.open_supervision,
            "overdue_supervision": self.overdue_supervision,
        }


@dataclass
class PlanPicture:
    plan: Plan
    on: date
    states: list[AssignmentState]
    targets: dict[int, list[TargetResult]]
    units: list[UnitSummary]

    def totals(self) -> dict[str, int]:
        counts: dict[str, int] = {s: 0 for s in STATUS_ORDER}
        for state in self.states:
            counts[state.status] += 1
        return {
            "assignments": len(self.states),
            "accepted": counts[Status.ACCEPTED],
            "pending": counts[Status.SUBMITTED] + counts[Status.LEAD_ACCEPTED],
            "in_progress": counts[Status.IN_PROGRESS] + counts[Status.RETURNED],
            "not_reported": counts[Status.NOT_REPORTED],
            "overdue": sum(1 for s in self.states if s.overdue),
            "due_soon": sum(1 for s in self.states if s.due_soon),
        }

    @property
    def completion(self) -> Decimal:
        total = len(self.states)
        if not total:
            return Decimal("0.00")
        done = sum(1 for s in self.states if s.done)
        return (Decimal(done) * 100 / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def unknown_years(self) -> set[int]:
        years: set[int] = set()
        for s in self.states:
            years |= s.unknown_years
        return years


def plan_picture(plan: Plan, *, on: date | None = None) -> PlanPicture:
    """Everything the 通报, the assessment and the dashboard need, computed once: every
    active unit in the fixed order (units without a row of this plan included)."""
    on = on or today()
    states = assignment_states(plan, on=on)
    assignments = [s.assignment for s in states]
    targets = evaluate_targets(plan, assignments, on=on)
    units = list(Unit.objects.filter(active=True).order_by("sort_order", "name"))
    summaries = {u.pk: UnitSummary(unit=u) for u in units}
    for state in states:
        a = state.assignment
        summary = summaries.get(a.unit_id)
        if summary is None:  # a deactivated unit still holding rows: list it at the end
            summary = summaries[a.unit_id] = UnitSummary(unit=a.unit)
        summary.assignments += 1
        summary.by_status[a.status] = summary.by_status.get(a.status, 0) + 1
        if state.overdue:
            summary.overdue += 1
            summary.overdue_rows.append(a.row.number)
        summary.due_soon += int(state.due_soon)
        summary.delays += state.delays
        summary.repeated_delays += state.repeated_delays
        if a.last_reported_on and (
            summary.last_reported_on is None or a.last_reported_on > summary.last_reported_on
        ):
            summary.last_reported_on = a.last_reported_on
        for result in targets.get(a.pk, []):
            if not result.connected or result.met is None:
                summary.targets_unknown += 1
            elif result.met:
                summary.targets_met += 1
            else:
                summary.targets_missed += 1
                summary.missed_targets.append(
                    f"第{a.row.number}项 {result.label}：{result.display}"
                )
    for row in (
        Activity.objects.filter(plan=plan, held_on__lte=on)
        .values("unit_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if row["unit_id"] in summaries:
            summaries[row["unit_id"]].activities[row["kind"]] = row["n"]
    days = _Days()
    for unit_id, due_on, responded_on in (
        # Open on `on`: opened by then and not closed by then (a past month's 通报).
        SupervisionItem.objects.filter(assignment__row__plan=plan, opened_on__lte=on)
        .filter(
            Q(closed_on__gt=on)
            | (Q(closed_on__isnull=True) & ~Q(status=SupervisionItem.Status.CLOSED))
        )
        .values_list("assignment__unit_id", "due_on", "responded_on")
    ):
        summary = summaries.get(unit_id)
        if summary is None:
            continue
        summary.open_supervision += 1
        # Overdue on `on` when its 办理期限 (postponed past a non-working day, 《民法典》
        # 第二百零三条, as the rows' deadlines are) lay before `on` and the unit had not
        # answered by then; not judged while that day's calendar is not loaded.
        if responded_on is not None and responded_on <= on:
            continue
        due = days.postponed(due_on) if due_on < on else None
        if due is not None and due < on:
            summary.overdue_supervision += 1
    return PlanPicture(
        plan=plan, on=on, states=states, targets=targets, units=list(summaries.values())
    )


# ------------------------------------------------------------------ assessment


@dataclass
class UnitScore:
    unit: Unit
    possible: Decimal = Decimal("0")
    earned: Decimal = Decimal("0")
    deductions: Decimal = Decimal("0")
    score: Decimal | None = None
    rank: int | None = None
    overdue: int = 0  # rows overdue on the day
    delayed: int = 0  # rows that missed a deadline: overdue now, or finished late
    repeated_delays: int = 0
    missing_evidence: int = 0
    rows: int = 0
    targets_met: int = 0
    targets_counted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "unit_id": self.unit.pk,
            "unit": self.unit.name,
            "rows": self.rows,
            "possible": str(self.possible),
            "earned": str(self.earned),
            "deductions": str(self.deductions),
            "score": None if self.score is None else str(self.score),
            "overdue": self.overdue,
            "delayed": self.delayed,
            "repeated_delays": self.repeated_delays,
            "missing_evidence": self.missing_evidence,
            "targets_met": self.targets_met,
            "targets_counted": self.targets_counted,
        }


SCORE_RULES_TEXT = (
    "每项责任分解满分 {points} 分：审核通过得满分，已报完成待审核得 {pending}，推进中（含退回修改）得 {progress}，未报送不得分；"
    "每个量化目标（已接入且有数据的平台指标、活动次数）达标得 {target} 分，未达标不得分；"
    "得分率 = 得分 ÷ 应得分 × 100，再扣除：每项逾期（含逾期后完成的）{overdue} 分、已报完成但无佐证材料每项 {evidence} 分、"
    "同一事项第二次起每次逾期 {repeat} 分；最低 0 分。"
)


def rules_text(rules: PlanRules) -> str:
    def pct(v: Decimal) -> str:
        return f"{plain_number(Decimal(str(v)) * 100)}%"

    return SCORE_RULES_TEXT.format(
        points=plain_number(rules.points_per_row),
        pending=pct(rules.pending_share),
        progress=pct(rules.progress_share),
        target=plain_number(rules.target_points),
        overdue=plain_number(rules.overdue_deduction),
        evidence=plain_number(rules.missing_evidence_deduction),
        repeat=plain_number(rules.repeated_delay_deduction),
    )


def assessment(
    plan: Plan, *, on: date | None = None, picture: PlanPicture | None = None
) -> list[UnitScore]:
    """Per-unit scores and ranking for the plan year (rules: PlanRules of the plan)."""
    picture = picture or plan_picture(plan, on=on)
    rules = rules_for(plan)
    base = Decimal(rules.points_per_row)
    share: dict[str, Decimal] = {
        Status.ACCEPTED: Decimal(1),
        Status.SUBMITTED: Decimal(rules.pending_share),
        Status.LEAD_ACCEPTED: Decimal(rules.pending_share),
        Status.IN_PROGRESS: Decimal(rules.progress_share),
        Status.RETURNED: Decimal(rules.progress_share),
        Status.NOT_REPORTED: Decimal(0),
    }
    scores = {s.unit.pk: UnitScore(unit=s.unit) for s in picture.units}
    for state in picture.states:
        a = state.assignment
        score = scores[a.unit_id]
        score.rows += 1
        score.possible += base
        score.earned += base * share[a.status]
        score.overdue += int(state.overdue)
        if state.delays:
            # A deadline missed stays missed when the row is finished later: "每项逾期"
            # deducts every row that missed one, overdue now or not.
            score.delayed += 1
            score.deductions += Decimal(rules.overdue_deduction)
        if (state.done or a.status in PENDING_STATUSES) and state.last_evidence == 0:
            score.missing_evidence += 1
            score.deductions += Decimal(rules.missing_evidence_deduction)
        if state.repeated_delays:
            score.repeated_delays += state.repeated_delays
            score.deductions += Decimal(rules.repeated_delay_deduction) * state.repeated_delays
        for result in picture.targets.get(a.pk, []):
            if result.connected and result.met is not None:
                score.targets_counted += 1
                score.possible += Decimal(rules.target_points)
                if result.met:
                    score.targets_met += 1
                    score.earned += Decimal(rules.target_points)
    q = Decimal("0.01")
    for score in scores.values():
        if score.possible:
            value = score.earned * 100 / score.possible - score.deductions
            score.score = max(Decimal(0), value).quantize(q, ROUND_HALF_UP)
            score.earned = score.earned.quantize(q, ROUND_HALF_UP)
            score.possible = score.possible.quantize(q, ROUND_HALF_UP)
    ranked = sorted(
        (s for s in scores.values() if s.score is not None),
        key=lambda s: (-(s.score or 0), s.unit.sort_order, s.unit.name),
    )
    previous: Decimal | None = None
    rank = 0
    for position, score in enumerate(ranked, start=1):
        if score.score != previous:
            rank = position
            previous = score.score
        score.rank = rank
    unranked = [s for s in scores.values() if s.score is None]
    return ranked + unranked


# ------------------------------------------------------------------ status (CLI / API)


def row_status(
    plan: Plan, *, unit: Unit | None = None, on: date | None = None
) -> list[dict[str, Any]]:
    """One entry per row (or per the unit's rows): id, indicator path, units, deadline,
    status and overdue; with a unit, its own status and targets."""
    on = on or today()
    assignments = (
        Assignment.objects.filter(row__plan=plan)
        .select_related("row", "unit", "row__plan")
        .order_by("row__number", "unit__sort_order", "unit__name")
    )
    if unit is not None:
        assignments = assignments.filter(unit=unit)
    states = assignment_states(plan, on=on, assignments=assignments)
    targets = evaluate_targets(plan, [s.assignment for s in states], on=on) if unit else {}
    by_row: dict[int, list[AssignmentState]] = defaultdict(list)
    rows: dict[int, Row] = {}
    for state in states:
        by_row[state.assignment.row_id].append(state)
        rows[state.assignment.row_id] = state.assignment.row
    out = []
    for row_id, items in by_row.items():
        row = rows[row_id]
        entry: dict[str, Any] = {
            "id": row.pk,
            "number": row.number,
            "indicator_path": row.indicator_path,
            "work": row.work,
            "deadline": row.deadline.isoformat() if row.deadline else row.deadline_label,
        }
        if unit is not None:
            state = items[0]
            entry.update(
                {
                    "assignment": state.assignment.pk,
                    "units": [unit.name],
                    "status": state.status_label,
                    "overdue": state.overdue,
                    "due_on": state.due_on.isoformat() if state.due_on else None,
                    "due_text": state.due_text,
                    "delays": state.delays,
                    "targets": [t.as_dict() for t in targets.get(state.assignment.pk, [])],
                }
            )
        else:
            done = sum(1 for s in items if s.done)
            overdue = [s.assignment.unit.name for s in items if s.overdue]
            entry.update(
                {
                    "units": [s.assignment.unit.name for s in items],
                    "status": f"已完成 {done}/{len(items)}",
                    "overdue": len(overdue),
                    "overdue_units": overdue,
                }
            )
        out.append(entry)
    return out


# ------------------------------------------------------------------ scoped reads


def assignments_for(reader: Any, plan: Plan) -> QuerySet[Assignment]:
    """Credit admins and leaders see every assignment; unit staff their own unit's, and a
    lead unit's reviewer also those of the rows it leads."""
    qs = Assignment.objects.filter(row__plan=plan).select_related("row", "unit", "row__plan")
    role = permissions.role_of(reader)
    if role in (Role.CREDIT_ADMIN, Role.LEADER):
        return qs
    if role in (Role.REPORTER, Role.REVIEWER) and reader.unit_id:
        q = Q(unit_id=reader.unit_id)
        if role == Role.REVIEWER:
            q |= Q(row__lead_units=reader.unit_id)
        return qs.filter(q).distinct()
    return qs.none()


def get_assignment_for(reader: Any, pk: Any) -> Assignment:
    try:
        assignment = (
            Assignment.objects.select_related("row", "unit", "row__plan").filter(pk=int(pk)).first()
        )
    except (TypeError, ValueError):
        assignment = None
    if assignment is None:
        raise NotFoundError("未找到该台账事项。")
    if not assignments_for(reader, assignment.row.plan).filter(pk=assignment.pk).exists():
        if permissions.role_of(reader) is None:
            raise NotPermitted("请先登录，或账号已停用。")
        raise NotFoundError("未找到该台账事项。")
    return assignment


def get_report_for(reader: Any, pk: Any) -> ProgressReport:
    try:
        report = ProgressReport.objects.select_related("assignment").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        report = None
    if report is None:
        raise NotFoundError("未找到该进展报告。")
    get_assignment_for(reader, report.assignment_id)
    return report


def review_queue(reader: Any) -> QuerySet[ProgressReport]:
    """Completion reports waiting for this reader: the credit office sees both stages; a
    lead unit's reviewer sees those waiting for the lead unit on rows it leads, except
    its own unit's (services.lead_review_unit_ids)."""
    qs = ProgressReport.objects.select_related(
        "assignment", "assignment__row", "assignment__unit", "submitted_by"
    ).order_by("reported_on", "id")
    role = permissions.role_of(reader)
    if role == Role.CREDIT_ADMIN:
        return qs.filter(
            review__in=(ProgressReport.Review.SUBMITTED, ProgressReport.Review.LEAD_ACCEPTED)
        )
    if role == Role.REVIEWER and reader.unit_id:
        office = credit_office_unit()
        if office is not None and reader.unit_id == office.pk:
            return qs.none()
        return (
            qs.filter(
                review=ProgressReport.Review.SUBMITTED, assignment__row__lead_units=reader.unit_id
            )
            .exclude(assignment__unit_id=reader.unit_id)
            .distinct()
        )
    return qs.none()


def activities_for(reader: Any, plan: Plan) -> QuerySet[Activity]:
    qs = Activity.objects.filter(plan=plan).select_related("unit").prefetch_related("evidence")
    return permissions.scope_to_user_units(reader, qs, "unit")


def supervision_for(reader: Any, plan: Plan) -> QuerySet[SupervisionItem]:
    qs = (
        SupervisionItem.objects.filter(assignment__row__plan=plan)
        .select_related("assignment", "assignment__row", "assignment__unit")
        .prefetch_related("instructions")
    )
    return permissions.scope_to_user_units(reader, qs, "assignment__unit")


def get_supervision_for(reader: Any, pk: Any) -> SupervisionItem:
    try:
        item = (
            SupervisionItem.objects.select_related("assignment", "assignment__row__plan")
            .filter(pk=int(pk))
            .first()
        )
    except (TypeError, ValueError):
        item = None
    if (
        item is None
        or not supervision_for(reader, item.assignment.row.plan).filter(pk=item.pk).exists()
    ):
        raise NotFoundError("未找到该督办事项。")
    return item


def warnings_for(reader: Any, plan: Plan) -> QuerySet[DeadlineWarning]:
    qs = DeadlineWarning.objects.filter(assignment__row__plan=plan).select_related(
        "assignment", "assignment__unit", "assignment__row"
    )
    return permissions.scope_to_user_units(reader, qs, "assignment__unit")


def evidence_for(reader: Any, pk: Any) -> Evidence:
    """One evidence file, if the reader may see the report or activity it proves."""
    try:
        evidence = Evidence.objects.select_related("report", "activity").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        evidence = None
    if evidence is None:
        raise NotFoundError("未找到该材料。")
    if evidence.report_id is not None:
        assert evidence.report is not None
        get_assignment_for(reader, evidence.report.assignment_id)
    else:
        assert evidence.activity is not None
        if not permissions.can_read_unit_data(reader, evidence.activity.unit_id):
            raise NotFoundError("未找到该材料。")
    return evidence
