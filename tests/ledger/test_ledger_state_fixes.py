"""Review fixes of the ledger's deadline state and review rights (`issues show 9`):

1. a completion the credit office backdates is replayed in filing order, so a 推进中
   filed before it does not step the accepted row back in a past month's 通报;
2. the reporting unit's own reviewer does not lead-review its completion when its unit is
   also a lead unit of the row;
3. the dashboard's overdue figures are as of the same day as the list behind them;
4. a 持续推进 row whose current deadline needs a calendar not yet imported shows 期限待定,
   not an old missed deadline;
9. a dated deadline on a non-working day falls due on the next working day
   (《民法典》第二百零三条).
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from xinyong.core.errors import NotPermitted
from xinyong.core.models import CalendarYear, WorkdayException
from xinyong.ledger import reports, selectors, services
from xinyong.ledger.models import Assignment, DeadlineWarning, Plan, ProgressReport
from xinyong.orgs.models import Role

from .helpers import assignment, client, pdf, plan, unit, user

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ 1. backdated completion


def test_a_backdated_completion_accepted_later_is_not_replayed_as_overdue(clock) -> None:
    p = plan()
    admin = user("s_admin1", Role.CREDIT_ADMIN, "区发改委")
    rep = user("s_rep1", Role.REPORTER, "区教育局")
    a = assignment(p, 8, "区教育局")  # due 2026-11-30
    clock.today = date(2026, 11, 10)
    services.report_progress(actor=rep, assignment=a, claim="in_progress", narrative="正在推进")
    clock.today = date(2026, 11, 12)
    done = services.report_progress(
        actor=admin,
        assignment=a,
        claim="completed",
        narrative="11月5日已书面报送完成",
        reported_on=date(2026, 11, 5),
        date_reason="纸质材料补录",
        files=[pdf()],
    )
    clock.today = date(2026, 11, 20)
    services.review_report(actor=admin, report=done, accept=True)
    a.refresh_from_db()
    assert a.status == Assignment.Status.ACCEPTED

    clock.today = date(2027, 1, 5)
    data = reports.bulletin_data(p, "2026-12")
    row = next(r for r in data["rows"] if r[1] == "区教育局")
    assert "第8项" not in row[data["columns"].index("逾期事项")]

    def replayed(on: date) -> selectors.AssignmentState:
        return selectors.assignment_states(p, on=on, assignments=[a])[0]

    # On 12-31 the row is what it is today: accepted on 11-20, completed on 11-05.
    past = replayed(date(2026, 12, 31))
    assert past.status == Assignment.Status.ACCEPTED and not past.overdue
    assert past.assignment.completed_on == date(2026, 11, 5)
    assert past.assignment.accepted_on == date(2026, 11, 20)
    assert past.assignment.last_reported_on == date(2026, 11, 10)
    # Before the acceptance the completion handed in on 11-05 was waiting for review.
    assert replayed(date(2026, 11, 15)).status in (
        Assignment.Status.SUBMITTED,
        Assignment.Status.LEAD_ACCEPTED,
    )
    assert replayed(date(2026, 11, 7)).status in (
        Assignment.Status.SUBMITTED,
        Assignment.Status.LEAD_ACCEPTED,
    )


# ------------------------------------------------------------------ 2. lead review


def test_the_reporting_units_own_reviewer_does_not_lead_review_its_completion(clock) -> None:
    clock.today = date(2026, 11, 2)
    p = plan()
    rsj = user("s_rsj", Role.REPORTER, "区人社局")
    rsj_rev = user("s_rsj_rev", Role.REVIEWER, "区人社局")
    zzb_rev = user("s_zzb_rev", Role.REVIEWER, "区委组织部")
    a = assignment(p, 7, "区人社局")  # led by 区委组织部 and 区人社局
    report = services.report_progress(
        actor=rsj, assignment=a, claim="completed", narrative="已组织培训", files=[pdf()]
    )
    assert report.review == ProgressReport.Review.SUBMITTED
    assert report.pk not in [r.pk for r in selectors.review_queue(rsj_rev)]
    assert not services.may_lead_review(rsj_rev, report)
    with pytest.raises(NotPermitted):
        services.review_report(actor=rsj_rev, report=report, accept=True, comment="同意")
    # The other lead unit reviews it.
    assert report.pk in [r.pk for r in selectors.review_queue(zzb_rev)]
    services.review_report(actor=zzb_rev, report=report, accept=True)
    report.refresh_from_db()
    assert report.review == ProgressReport.Review.LEAD_ACCEPTED


def test_a_row_led_only_by_the_reporting_unit_goes_to_the_credit_office(clock) -> None:
    clock.today = date(2026, 11, 2)
    p = plan()
    admin = user("s_admin2", Role.CREDIT_ADMIN, "区发改委")
    jrb = user("s_jrb", Role.REPORTER, "区金融办")
    jrb_rev = user("s_jrb_rev", Role.REVIEWER, "区金融办")
    a = assignment(p, 32, "区金融办")  # led by 区发改委 (the office) and 区金融办 itself
    report = services.report_progress(
        actor=jrb, assignment=a, claim="completed", narrative="已举办对接会", files=[pdf()]
    )
    assert report.review == ProgressReport.Review.LEAD_ACCEPTED
    assert report.pk not in [r.pk for r in selectors.review_queue(jrb_rev)]
    assert report.pk in [r.pk for r in selectors.review_queue(admin)]
    with pytest.raises(NotPermitted):
        services.review_report(actor=jrb_rev, report=report, accept=True)
    services.review_report(actor=admin, report=report, accept=True)
    a.refresh_from_db()
    assert a.status == Assignment.Status.ACCEPTED


# ------------------------------------------------------------------ 3. dashboard day


def test_dashboard_overdue_by_unit_matches_its_drill_down_list_in_january(clock) -> None:
    CalendarYear.objects.create(year=2027, source="测试假设：仅按周末计算")
    p = plan()
    admin = user("s_admin3", Role.CREDIT_ADMIN, "区发改委")
    rep = user("s_rep3", Role.REPORTER, "区教育局")
    jyj = unit("区教育局")
    clock.today = date(2026, 10, 12)
    for a in Assignment.objects.filter(row__plan=p, unit=jyj, row__deadline__isnull=True):
        services.report_progress(
            actor=rep, assignment=a, claim="in_progress", narrative="三季度进展"
        )
    clock.today = date(2027, 1, 20)  # the fourth quarter's reports were due 2027-01-07
    c = client(admin)
    data = c.get("/api/v1/ledger/dashboard/?year=2026").json()
    assert data["on"] == "2027-01-20"
    entry = {e["unit"]: e for e in data["overdue_by_unit"]}[jyj.name]
    listed = c.get(entry["url"]).content.decode().count('class="overdue"')
    assert entry["overdue"] == listed == 23
    assert data["completion"]["totals"]["overdue"] == sum(
        e["overdue"] for e in data["overdue_by_unit"]
    )
    page = c.get("/workspace/ledger/dashboard/?year=2026").content.decode()
    assert "2027-01-20" in page and "2026-12-31" in page  # platform figures: the plan year


# ------------------------------------------------------------------ 4. 期限待定


def test_an_ongoing_rows_deadline_needing_next_years_calendar_is_pending(clock, console) -> None:
    p = plan()
    rep = user("s_rep4", Role.REPORTER, "区教育局")
    a = assignment(p, 4, "区教育局")
    clock.today = date(2026, 10, 12)
    services.report_progress(actor=rep, assignment=a, claim="in_progress", narrative="三季度进展")
    clock.today = date(2026, 11, 26)  # the 2027 calendar is not loaded
    state = selectors.assignment_states(p, assignments=[a])[0]
    assert not state.overdue
    assert state.due_on is None and state.due_pending_year == 2027
    assert state.missed == [date(2026, 4, 8), date(2026, 7, 7)]
    assert state.due_text == "期限待定：2027年工作日历尚未导入"

    html = client(rep).get("/workspace/ledger/?year=2026&row=4").content.decode()
    assert "本期报送期限 2026-07-07" not in html
    assert "本期报送期限待定：2027年工作日历尚未导入" in html
    page = client(rep).get(f"/workspace/ledger/assignments/{a.pk}/").content.decode()
    assert "期限待定：2027年工作日历尚未导入" in page

    api = client(rep).get(f"/api/v1/ledger/assignments/{a.pk}/").json()
    assert api["due_on"] is None and api["due_text"] == "期限待定：2027年工作日历尚未导入"

    code, out, _ = console("ledger", "status", "--year", "2026", "--unit", "区教育局")
    assert code == 0
    line = next(x for x in out.splitlines() if "第4项" in x)
    assert "期限待定：2027年工作日历尚未导入" in line
    code, out, _ = console("ledger", "status", "--year", "2026", "--unit", "区教育局", "--json")
    row4 = next(r for r in json.loads(out)["rows"] if r["number"] == 4)
    assert row4["due_on"] is None and row4["due_text"] == "期限待定：2027年工作日历尚未导入"


def test_an_overdue_ongoing_row_keeps_its_missed_quarter_while_the_next_is_pending(clock) -> None:
    p = plan()
    a = assignment(p, 4, "区教育局")  # nothing reported all year
    clock.today = date(2026, 11, 26)
    state = selectors.assignment_states(p, assignments=[a])[0]
    assert state.overdue and state.due_on is None and state.due_pending_year == 2027
    assert state.missed == [date(2026, 4, 8), date(2026, 7, 7), date(2026, 10, 13)]
    page = client(user("s_rep4b", Role.REPORTER, "区教育局")).get(
        f"/workspace/ledger/assignments/{a.pk}/"
    )
    text = page.content.decode()
    assert "已过期限 2026-10-13" in text and "期限待定：2027年工作日历尚未导入" in text


# ------------------------------------------------------------------ 9. 顺延


def _row19() -> tuple[Plan, Assignment]:
    p = Plan.objects.get(year=2023)
    a = (
        Assignment.objects.select_related("row", "unit", "row__plan")
        .filter(row__plan=p, row__number=19)
        .order_by("unit__sort_order", "unit__name")
        .first()
    )
    assert a is not None
    return p, a


def test_a_dated_deadline_on_a_non_working_day_falls_due_on_the_next_working_day(clock) -> None:
    p, a = _row19()
    # 2023-12-30 is a Saturday, 12-31 a Sunday, 2024-01-01 元旦: due 2024-01-02.
    assert a.row.deadline == date(2023, 12, 30) and a.row.deadline.weekday() == 5

    def state(on: date) -> selectors.AssignmentState:
        clock.today = on
        return selectors.assignment_states(p, on=on, assignments=[a])[0]

    s = state(date(2023, 12, 31))
    assert not s.overdue and s.due_on == date(2024, 1, 2)
    assert s.due_text == "期限 2023-12-30（顺延至 2024-01-02）"
    # 12-27 (Wed): 12-28, 12-29 and 01-02 left, within the 5-day warning window.
    assert state(date(2023, 12, 27)).due_soon
    assert not state(date(2024, 1, 2)).overdue
    late = state(date(2024, 1, 3))
    assert late.overdue and late.missed == [date(2024, 1, 2)] and late.delays == 1


def test_a_completion_on_the_next_working_day_is_in_time(clock) -> None:
    p, a = _row19()
    admin = user("s_admin9", Role.CREDIT_ADMIN, "区发改委")
    clock.today = date(2024, 1, 2)
    report = services.report_progress(
        actor=admin,
        assignment=a,
        claim="completed",
        narrative="已完成",
        files=[pdf()],
    )
    clock.today = date(2024, 1, 10)
    services.review_report(actor=admin, report=report, accept=True)
    a.refresh_from_db()
    s = selectors.assignment_states(p, on=date(2024, 1, 10), assignments=[a])[0]
    assert s.done and s.delays == 0


def test_the_warnings_job_and_the_list_use_the_postponed_deadline(clock) -> None:
    _, a = _row19()
    clock.today = date(2024, 1, 3)
    services.run_warnings(on=date(2024, 1, 3))
    w = DeadlineWarning.objects.get(assignment=a, kind=DeadlineWarning.Kind.OVERDUE)
    assert w.due_on == date(2024, 1, 2)
    assert "2023-12-30（顺延至 2024-01-02）" in w.message
    admin = user("s_admin9b", Role.CREDIT_ADMIN, "区发改委")
    html = client(admin).get(f"/workspace/ledger/?year=2023&row=19&unit={a.unit_id}")
    assert "顺延至 2024-01-02" in html.content.decode()


def test_a_postponement_into_a_year_without_calendar_is_pending(clock) -> None:
    p, a = _row19()
    WorkdayException.objects.filter(year=2024).delete()
    CalendarYear.objects.filter(year=2024).delete()
    clock.today = date(2023, 12, 31)
    s = selectors.assignment_states(p, on=date(2023, 12, 31), assignments=[a])[0]
    assert not s.overdue and not s.due_soon
    assert s.due_on is None and s.due_pending_year == 2024
    assert s.due_text == "期限 2023-12-30（顺延，期限待定：2024年工作日历尚未导入）"
    assert 2024 in s.unknown_years
