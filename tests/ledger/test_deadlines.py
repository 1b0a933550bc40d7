"""Deadlines in working days, warnings before and after, repeated delays (2026 plan copied
from the seed; 2026 calendar: 2026-11-30 is a Monday)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from xinyong.core.errors import DomainError
from xinyong.ledger import selectors, services
from xinyong.ledger.models import Assignment, DeadlineWarning, ProgressReport
from xinyong.orgs.models import User

from .helpers import assignment, plan, user

pytestmark = pytest.mark.django_db

SCJ = "区市场监管局"


def _state(p, a, on):
    return selectors.assignment_states(p, on=on, assignments=[a])[0]


def test_copy_moves_deadlines_to_the_new_year() -> None:
    p = plan(2026)
    assert p.copied_from.year == 2023
    rows = {r.number: r for r in p.rows.all()}
    assert rows[1].deadline == date(2026, 11, 30)
    assert rows[19].deadline == date(2026, 12, 30)
    assert rows[5].deadline is None
    assert Assignment.objects.filter(row__plan=p).count() == 930
    assert p.rules.warning_workdays == 5


def test_fixed_deadline_warning_window_and_overdue() -> None:
    p = plan()
    a = assignment(p, 2, SCJ)  # 制定部门工作方案, due 2026-11-30
    # 11-20 (Fri) → 11-30: 6 working days left, outside the 5-day window.
    s = _state(p, a, date(2026, 11, 20))
    assert (s.due_on, s.due_soon, s.overdue) == (date(2026, 11, 30), False, False)
    # 11-23 (Mon): 5 working days left → due soon.
    assert _state(p, a, date(2026, 11, 23)).due_soon is True
    assert _state(p, a, date(2026, 11, 30)).overdue is False
    s = _state(p, a, date(2026, 12, 1))
    assert (s.overdue, s.delays, s.missed) == (True, 1, [date(2026, 11, 30)])


def test_completion_in_time_under_review_is_not_overdue() -> None:
    p = plan()
    a = assignment(p, 2, SCJ)
    services.report_progress(
        actor=_admin(),
        assignment=a,
        claim="completed",
        narrative="已印发部门工作方案。",
        reported_on=date(2026, 11, 20),
        date_reason="信用办按纸质报送补录。",
    )
    a.refresh_from_db()
    assert a.status == Assignment.Status.LEAD_ACCEPTED  # no lead unit other than the office
    s = _state(p, a, date(2026, 12, 3))
    assert (s.overdue, s.delays, s.due_soon) == (False, 0, False)


def test_late_completion_counts_one_delay() -> None:
    p = plan()
    a = assignment(p, 3, SCJ)
    admin = _admin()
    report = services.report_progress(
        actor=admin,
        assignment=a,
        claim="completed",
        narrative="已召开专题会议。",
        reported_on=date(2026, 11, 25),
        date_reason="信用办按纸质报送补录。",
    )
    services.review_report(actor=admin, report=report, accept=True)
    a.refresh_from_db()
    a.completed_on = date(2026, 12, 2)  # as if reported after the deadline
    s = _state(p, a, date(2026, 12, 10))
    assert (s.done, s.overdue, s.delays) == (True, False, 1)


def test_ongoing_rows_are_due_quarterly() -> None:
    p = plan()
    a = assignment(p, 5, SCJ)  # 双公示, 持续推进
    # Q1 ends 2026-03-31; 5 working days later (清明 4–6 April) is 2026-04-08.
    s = _state(p, a, date(2026, 4, 2))
    assert s.due_on == date(2026, 4, 8) and s.due_soon is True and s.overdue is False
    s = _state(p, a, date(2026, 4, 9))
    assert s.overdue is True and s.missed == [date(2026, 4, 8)]
    admin = _admin()
    for day in (date(2026, 4, 3), date(2026, 10, 12)):
        services.report_progress(
            actor=admin,
            assignment=a,
            claim="in_progress",
            narrative="按季度报送。",
            reported_on=day,
            date_reason="信用办按纸质报送补录。",
        )
    # Q2 (due 2026-07-07) was missed; Q3 (due 2026-10-13) was reported in time.
    s = _state(p, a, date(2026, 11, 25))
    assert s.missed == [date(2026, 7, 7)]
    assert (s.overdue, s.delays, s.repeated_delays) == (False, 1, 0)
    other = assignment(p, 5, "区人社局")
    s = _state(p, other, date(2026, 11, 25))
    assert s.missed == [date(2026, 4, 8), date(2026, 7, 7), date(2026, 10, 13)]
    assert (s.overdue, s.delays, s.repeated_delays) == (True, 3, 2)


def test_warnings_job_is_idempotent(monkeypatch) -> None:
    p = plan()
    first = services.run_warnings(on=date(2026, 11, 23))
    # Every open fixed-deadline assignment due 11-30 is due soon; every 持续推进 one has
    # missed its three quarters (nobody reported in this test).
    due_30 = Assignment.objects.filter(row__plan=p, row__deadline=date(2026, 11, 30)).count()
    ongoing = Assignment.objects.filter(row__plan=p, row__deadline__isnull=True).count()
    assert first.due_soon == due_30
    assert first.overdue == ongoing * 3
    again = services.run_warnings(on=date(2026, 11, 23))
    assert (again.due_soon, again.overdue) == (0, 0)
    assert DeadlineWarning.objects.count() == due_30 + ongoing * 3
    w = DeadlineWarning.objects.filter(
        assignment=assignment(p, 2, SCJ), kind=DeadlineWarning.Kind.DUE_SOON
    ).get()
    assert w.due_on == date(2026, 11, 30)
    assert "2026年台账第2项" in w.message and "区市场监管局" in w.message
    # The CLI warns on a day that has come.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 1))
    call_command("ledger", "warnings", "--on", "2026-12-01")
    assert (
        DeadlineWarning.objects.filter(kind="overdue", due_on=date(2026, 11, 30)).count() == due_30
    )


def _admin():
    return User.objects.filter(username="dl_admin").first() or user(
        "dl_admin", "credit_admin", "区发改委"
    )


def test_reports_dated_in_the_future_are_refused() -> None:
    p = plan()
    a = assignment(p, 2, SCJ)
    with pytest.raises(DomainError, match="不能晚于今天"):
        services.report_progress(
            actor=_admin(),
            assignment=a,
            claim="in_progress",
            narrative="x",
            reported_on=date(2099, 1, 1),
        )
    assert not ProgressReport.objects.exists()


def test_an_ongoing_row_accepted_as_done_owes_no_later_quarter_and_stays_accepted() -> None:
    """Reported complete 2026-03-20 and accepted 2026-03-25: the July and October
    deadlines (2026-07-07, 2026-10-13) are not missed reports, and a progress report on
    2026-11-20 keeps the row accepted (it used to fall to 推进中, 30 %)."""
    from xinyong.ledger.models import Row
    from xinyong.orgs.models import Role

    admin = user("ongoing_admin", Role.CREDIT_ADMIN, "区发改委")
    p = plan()
    row = Row.objects.filter(plan=p, deadline__isnull=True).order_by("number").first()
    assert row is not None and row.is_ongoing
    a = Assignment.objects.filter(row=row).select_related("row", "unit").first()
    assert a is not None
    report = services.report_progress(
        actor=admin,
        assignment=a,
        claim="completed",
        narrative="完成。",
        reported_on=date(2026, 3, 20),
        date_reason="信用办按纸质报送补录。",
    )
    services.review_report(actor=admin, report=report, accept=True, on=date(2026, 3, 25))

    def state_on(day: date) -> selectors.AssignmentState:
        qs = Assignment.objects.filter(pk=a.pk).select_related("row", "unit", "row__plan")
        return selectors.assignment_states(p, on=day, assignments=qs)[0]

    later = state_on(date(2026, 11, 26))
    assert (later.done, later.overdue, later.delays, later.missed) == (True, False, 0, [])
    services.report_progress(
        actor=admin,
        assignment=a,
        claim="in_progress",
        narrative="四季度进展。",
        reported_on=date(2026, 11, 20),
        date_reason="信用办按纸质报送补录。",
    )
    a.refresh_from_db()
    assert a.status == "accepted" and a.last_reported_on == date(2026, 11, 20)
    # Replayed for a past day (as a 通报 does), the row is accepted too.
    assert state_on(date(2026, 11, 25)).assignment.status == "accepted"
