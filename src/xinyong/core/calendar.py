"""The working-day calendar (工作日历): the one clock for every deadline (DOMAIN.md §3).

A day is a working day when it is a Monday–Friday that is not a public holiday, or a
weekend day declared a 调休 make-up working day. The exceptions come from the State
Council's yearly notice, stored as `CalendarYear` + `WorkdayException` rows (seeded from
the chinese-calendar package, extended by import or the admin). A date in a year without
a `CalendarYear` row raises `CalendarUnknownYear`: the platform never guesses a schedule.

Counting follows 民法典 art. 201: the start day is not counted. "Within 7 working days of
a decision on D" therefore means "on or before ``add_workdays(D, 7)``", and
``workdays_between(a, b)`` counts the working days after ``a`` up to and including ``b``.

Speed: the table is read once into memory (a `WorkCalendar`) and kept in a module-level
cache. The cache is dropped at once when a calendar row is saved or deleted in this process
(post_save/post_delete signals, plus `invalidate()` after bulk writes), and re-validated
against a one-query fingerprint of the table every `RECHECK_SECONDS`, so that a change made
by another process (the CLI while the web server runs) is seen too. While a change made by
this thread may still be rolled back (a test, a failing service), every access re-validates
with the fingerprint query, so a rolled-back change is never served.
Hot loops should take one snapshot (`current()`) or use `deadline_for`.
"""

from __future__ import annotations

import contextvars
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone

from .errors import CalendarUnknownYear
from .models import CalendarYear, WorkdayException

# How long an in-process snapshot is trusted before one fingerprint query re-checks it
# against the database (changes made by other processes become visible within this time).
RECHECK_SECONDS = 5.0

# The next year's schedule is published around November (DOMAIN.md §3): from this month
# on, a missing next year is shown as a warning.
NEXT_YEAR_WARNING_MONTH = 11

WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def _check_date(value: Any) -> date:
    # A datetime is a date subclass; its .date() in UTC can be the wrong day in China, so
    # callers must convert deliberately (timezone.localdate()).
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"a datetime.date is required, got {type(value).__name__}")
    return value


def _check_count(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"the number of working days must be an int, got {type(n).__name__}")
    return n


@dataclass(frozen=True)
class _Segment:
    """A run of consecutive known years with the ordinals of all its working days."""

    first_year: int
    last_year: int
    workdays: list[int]


class WorkCalendar:
    """An immutable snapshot of the calendar table; all queries are in memory."""

    def __init__(
        self,
        *,
        fingerprint: tuple[Any, ...],
        years: Iterable[int],
        exceptions: dict[date, tuple[bool, str]],
    ):
        self.fingerprint = fingerprint
        self.years: frozenset[int] = frozenset(years)
        # ordinal -> True for a make-up working day, False for a holiday
        self._kind = {d.toordinal(): workday for d, (workday, _) in exceptions.items()}
        self._name = {d.toordinal(): name for d, (_, name) in exceptions.items() if name}
        self._segments: dict[int, _Segment] = {}
        for first, last in _runs(sorted(self.years)):
            start = date(first, 1, 1).toordinal()
            end = date(last, 12, 31).toordinal()
            workdays = [o for o in range(start, end + 1) if self._is_workday_ordinal(o)]
            segment = _Segment(first, last, workdays)
            for year in range(first, last + 1):
                self._segments[year] = segment

    def _is_workday_ordinal(self, ordinal: int) -> bool:
        kind = self._kind.get(ordinal)
        if kind is not None:
            return kind
        # date.fromordinal(o).weekday() == (o + 6) % 7: Monday is 0
        return (ordinal + 6) % 7 < 5

    def _segment(self, d: date) -> _Segment:
        segment = self._segments.get(d.year)
        if segment is None:
            raise CalendarUnknownYear(d.year)
        return segment

    def is_known(self, d: date) -> bool:
        return _check_date(d).year in self.years

    def is_workday(self, d: date) -> bool:
        d = _check_date(d)
        if d.year not in self.years:
            raise CalendarUnknownYear(d.year)
        return self._is_workday_ordinal(d.toordinal())

    def holiday_name(self, d: date) -> str:
        """The holiday a day belongs to (for holidays and make-up days), else ""."""
        d = _check_date(d)
        if d.year not in self.years:
            raise CalendarUnknownYear(d.year)
        return self._name.get(d.toordinal(), "")

    def add_workdays(self, d: date, n: int) -> date:
        """The n-th working day after d (d itself not counted, 民法典 art. 201).

        n == 0 returns d unchanged (even when d is not a working day). A negative n counts
        backwards: the |n|-th working day before d, so that for a working day w,
        ``add_workdays(add_workdays(w, n), -n) == w``.
        """
        d = _check_date(d)
        n = _check_count(n)
        segment = self._segment(d)
        if n == 0:
            return d
        ordinal = d.toordinal()
        days = segment.workdays
        if n > 0:
            index = bisect_right(days, ordinal) + n - 1
            if index >= len(days):
                raise CalendarUnknownYear(segment.last_year + 1)
        else:
            index = bisect_left(days, ordinal) + n
            if index < 0:
                raise CalendarUnknownYear(segment.first_year - 1)
        return date.fromordinal(days[index])

    def workdays_between(self, a: date, b: date) -> int:
        """Working days after a up to and including b; 0 when b <= a (never negative).

        Both dates must lie in known years, and so must every year between them. To ask
        "how many working days late", call ``workdays_between(deadline, actual)``.
        """
        a = _check_date(a)
        b = _check_date(b)
        seg_a = self._segment(a)
        seg_b = self._segment(b)
        if b <= a:
            return 0
        if seg_a is not seg_b:
            raise CalendarUnknownYear(seg_a.last_year + 1)
        days = seg_a.workdays
        return bisect_right(days, b.toordinal()) - bisect_right(days, a.toordinal())

    def workdays_in_year(self, year: int) -> int:
        segment = self._segments.get(year)
        if segment is None:
            raise CalendarUnknownYear(year)
        days = segment.workdays
        return bisect_right(days, date(year, 12, 31).toordinal()) - bisect_left(
            days, date(year, 1, 1).toordinal()
        )

    def deadline_for(
        self, dates: Iterable[date], n: int, *, skip_unknown: bool = False
    ) -> dict[date, date]:
        """``add_workdays(d, n)`` for each distinct date, computed once per date.

        With ``skip_unknown`` a date whose deadline falls in (or starts from) an unknown
        year is left out of the result instead of raising, so that a batch can report
        those rows individually."""
        n = _check_count(n)
        result: dict[date, date] = {}
        for d in set(dates):
            try:
                result[d] = self.add_workdays(d, n)
            except CalendarUnknownYear:
                if not skip_unknown:
                    raise
        return result


def _runs(years: list[int]) -> Iterator[tuple[int, int]]:
    """Consecutive runs in a sorted list: [2004, 2005, 2007] -> (2004, 2005), (2007, 2007)."""
    if not years:
        return
    start = prev = years[0]
    for year in years[1:]:
        if year != prev + 1:
            yield start, prev
            start = year
        prev = year
    yield start, prev


# --- the module-level cache ---------------------------------------------------------------

# Each thread keeps its own snapshot (a few kB), so that a thread inside a transaction
# never shares what it sees with a thread outside it.
_local = threading.local()
# Bumped on every change made in this process and on every commit of such a change: a
# snapshot taken under an older generation is re-validated before it is used again.
_generation = 0


def _fingerprint() -> tuple[Any, ...]:
    # Every change to an exception also touches its year's loaded_at (see the signal
    # handlers and the services), so the years' count and latest timestamp identify the
    # table's state, also after a rollback.
    agg = CalendarYear.objects.aggregate(n=Count("year"), last=Max("loaded_at"))
    return (agg["n"], agg["last"])


def _load(fingerprint: tuple[Any, ...]) -> WorkCalendar:
    years = list(CalendarYear.objects.values_list("year", flat=True))
    exceptions = {
        day: (kind == WorkdayException.Kind.WORKDAY, name)
        for day, kind, name in WorkdayException.objects.values_list("date", "kind", "name")
    }
    return WorkCalendar(fingerprint=fingerprint, years=years, exceptions=exceptions)


def _pending_state() -> tuple[bool, bool]:
    """(still pending, some decided since the last look) for this thread's own changes.

    Each change made inside a transaction queued a callback with `transaction.on_commit`.
    Django drops queued callbacks when their transaction or savepoint rolls back and runs
    them on commit, so a change is undecided exactly while its callback is still queued."""
    pending: list[Any] = getattr(_local, "pending", [])
    if not pending:
        return False, False
    queued = {id(entry[1]) for entry in getattr(connection, "run_on_commit", ())}
    still = [cb for cb in pending if id(cb) in queued]
    _local.pending = still
    return bool(still), len(still) != len(pending)


def current() -> WorkCalendar:
    """The calendar as the database has it now (cached; see the module docstring)."""
    cal: WorkCalendar | None = getattr(_local, "cal", None)
    pending, decided = _pending_state()
    if (
        cal is not None
        and not pending
        and not decided
        and _local.generation == _generation
        and time.monotonic() - _local.checked_at < RECHECK_SECONDS
    ):
        return cal
    generation = _generation
    fingerprint = _fingerprint()
    if cal is None or cal.fingerprint != fingerprint:
        cal = _load(fingerprint)
    _local.cal = cal
    _local.generation = generation
    _local.checked_at = time.monotonic()
    return cal


def _bump() -> None:
    global _generation
    _generation += 1


def invalidate() -> None:
    """Make every thread re-validate its snapshot. Services call it after bulk writes
    (which send no signals); the signal handlers call it for single saves and deletes."""
    _bump()
    if connection.in_atomic_block:

        def committed() -> None:  # a new object per change, to be found in the queue
            _bump()

        _local.pending = [*getattr(_local, "pending", []), committed]
        transaction.on_commit(committed)


_touch_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "xinyong_calendar_touch_suppressed", default=False
)


@contextmanager
def bulk_change() -> Iterator[None]:
    """For services that rewrite many exceptions and then save the year themselves: skip
    the per-row touch of the year row."""
    token = _touch_suppressed.set(True)
    try:
        yield
    finally:
        _touch_suppressed.reset(token)
        invalidate()


# Sent inside the writing transaction once the schedules of `years` (a sorted list of
# int) are in the table; `actor` is who loaded them. For what waited on those years:
# deadlines that could not be computed while a year was unknown (collection.receivers).
calendar_years_loaded = Signal()


def years_loaded(years: Iterable[int], *, actor: Any = None) -> None:
    """Called by the calendar services after writing a year and its exceptions."""
    invalidate()  # bulk writes send no signals: receivers must read the new table
    calendar_years_loaded.send(sender=CalendarYear, years=sorted(set(years)), actor=actor)


# Sent inside the writing transaction when days of years that were already loaded turned
# from working day to rest day or back (`days`: a sorted list of date); `actor` is who
# edited them. For what was computed from the old schedule and stored: the reporting
# deadlines and 迟报 of collected records (collection.receivers).
calendar_days_changed = Signal()


def days_changed(days: Iterable[date], *, actor: Any = None) -> None:
    """Called by the calendar services after an edit of loaded years, with the days whose
    status the edit changed (nothing is sent when there are none)."""
    changed = sorted(set(days))
    if not changed:
        return
    invalidate()  # bulk writes send no signals: receivers must read the new table
    calendar_days_changed.send(sender=WorkdayException, days=changed, actor=actor)


def touch_year(year: int) -> None:
    CalendarYear.objects.filter(pk=year).update(loaded_at=timezone.now())


@receiver(post_save, sender=CalendarYear, dispatch_uid="calendar_year_saved")
@receiver(post_delete, sender=CalendarYear, dispatch_uid="calendar_year_deleted")
def _year_changed(sender: Any, **kwargs: Any) -> None:
    invalidate()


@receiver(post_save, sender=WorkdayException, dispatch_uid="workday_exception_saved")
@receiver(post_delete, sender=WorkdayException, dispatch_uid="workday_exception_deleted")
def _exception_changed(sender: Any, instance: WorkdayException, **kwargs: Any) -> None:
    if not _touch_suppressed.get():
        touch_year(instance.year_id)
    invalidate()


# --- the public functions -----------------------------------------------------------------


def is_workday(d: date) -> bool:
    return current().is_workday(d)


def add_workdays(d: date, n: int) -> date:
    """See `WorkCalendar.add_workdays`: add_workdays(date(2026, 1, 30), 7) == date(2026, 2, 10)."""
    return current().add_workdays(d, n)


def add_workdays_if_known(d: date, n: int) -> date | None:
    """`add_workdays(d, n)`, or None while the result falls in (or counts from) a year whose
    schedule is not loaded. For a deadline a person's action stores: the next year's
    schedule is published around November (DOMAIN.md §3), and only the date is unknown,
    not whether the action may be taken. The caller stores it as 期限待定 and fills it
    when the year is loaded (`calendar_years_loaded`)."""
    try:
        return add_workdays(d, n)
    except CalendarUnknownYear:
        return None


def workdays_between(a: date, b: date) -> int:
    """See `WorkCalendar.workdays_between`: working days in (a, b]; 0 when b <= a."""
    return current().workdays_between(a, b)


def deadline_for(
    decision_dates: Iterable[date], n: int, *, skip_unknown: bool = False
) -> dict[date, date]:
    """Deadlines for many dates at once: {date: add_workdays(date, n)}, each distinct date
    computed once from one snapshot."""
    return current().deadline_for(decision_dates, n, skip_unknown=skip_unknown)


def known_years() -> set[int]:
    return set(current().years)


def missing_next_year(today: date) -> int | None:
    """Next year's number when today is in November or December and next year's schedule
    is not loaded (the staff workspace shows a banner), else None."""
    today = _check_date(today)
    if today.month < NEXT_YEAR_WARNING_MONTH:
        return None
    nxt = today.year + 1
    return None if nxt in current().years else nxt


def describe_day(d: date) -> str:
    """A one-line Chinese description, e.g. "2026-02-16 星期一 休息日（春节）"."""
    cal = current()
    workday = cal.is_workday(d)
    name = cal.holiday_name(d)
    weekend = d.weekday() >= 5
    if workday:
        label = f"工作日（{name}调休上班）" if weekend else "工作日"
    elif name:
        label = f"休息日（{name}）"
    else:
        label = "休息日（周末）" if weekend else "休息日（节假日）"
    return f"{d.isoformat()} {WEEKDAY_NAMES[d.weekday()]} {label}"
