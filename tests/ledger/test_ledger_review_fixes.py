"""Defects a reviewer confirmed in the ledger (system date 2026-11-26; the 2026 plan copied
from the seed; 2026 calendar: 国庆 10-01..10-07, make-up working day 10-10, so the third
quarter's report is due Tue 2026-10-13):

1. a 持续推进 row whose completion waits for review was counted as missing the quarters
   it could not report on (report_progress refuses while a completion waits);
2. a unit could backdate its report and so erase its lateness;
3. the fourth quarter's deadline (January of the next year) was never warned about and
   never in a 通报;
4. quarterly deadlines before the plan was issued counted as missed;
5. finishing a dated row late cost nothing in the assessment;
6. the dashboard dropped the overdue objections the credit office handles itself;
7. TERMINATED repair applications counted as late decisions;
8. 每项满分 0 turned every unit into "本年度无台账任务";
9. a past month's 通报 read today's feedback status for 奖惩措施逾期未反馈数.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import Clock
from tests.rights.repair_helpers import apply as apply_repair
from tests.rights.repair_helpers import penalty_row, staff, store
from tests.rights.repair_helpers import record as penalty_record
from tests.sanctions.governance_helpers import company, entry
from xinyong.collection.selectors import Period
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.ledger import dashboard, reports, selectors, services
from xinyong.ledger.ledger_metrics import feedback_overdue_bulk, repairs_on_time
from xinyong.ledger.models import Assignment, DeadlineWarning, Plan, ProgressReport
from xinyong.orgs.models import Role, User
from xinyong.rights import objections, repair
from xinyong.rights.models import Channel, Objection, RepairApplication
from xinyong.sanctions import checks

from .helpers import assignment, client, pdf, plan, unit, user

pytestmark = pytest.mark.django_db

RSJ = "区人社局"
SCJ = "区市场监管局"
DCJ = "区督查局"
Q1_DUE = date(2026, 4, 8)
Q2_DUE = date(2026, 7, 7)
Q3_DUE = date(2026, 10, 13)
Q4_DUE = date(2027, 1, 7)  # 2027 loaded as plain weekdays (next_year_calendar)


def _admin() -> Any:
    return User.objects.filter(username="fix_admin").first() or user(
        "fix_admin", Role.CREDIT_ADMIN, "区发改委"
    )


def _state(p: Plan, a: Assignment, on: date) -> selectors.AssignmentState:
    return selectors.assignment_states(p, on=on, assignments=[a])[0]


def _file(clock: Clock, day: date, actor: Any, a: Assignment, claim: str, **kw: Any) -> Any:
    clock.today = day
    return services.report_progress(
        actor=actor, assignment=a, claim=claim, narrative="按季度报送工作进展。", **kw
    )


# ------------------------------------------------------------------ 1. pending completion


def test_a_completion_waiting_for_review_covers_the_quarters_it_blocks(clock: Clock) -> None:
    p = plan()
    rsj = user("fix_rsj", Role.REPORTER, RSJ)
    a = assignment(p, 5, RSJ)  # 双公示, 持续推进, reviewed first by 区市场监管局
    _file(clock, date(2026, 4, 3), rsj, a, "in_progress")
    _file(clock, date(2026, 6, 20), rsj, a, "completed", files=[pdf()])
    a.refresh_from_db()
    assert a.status == Assignment.Status.SUBMITTED
    clock.today = date(2026, 9, 25)
    with pytest.raises(DomainError, match="该事项已有待审核的完成报告"):
        services.report_progress(actor=rsj, assignment=a, claim="in_progress", narrative="三季度")
    clock.today = date(2026, 10, 14)
    s = _state(p, a, date(2026, 10, 14))
    assert (s.overdue, s.delays, s.missed, s.due_soon) == (False, 0, [], False)
    services.run_warnings(on=date(2026, 10, 14))
    assert not DeadlineWarning.objects.filter(assignment=a).exists()
    # Returned after the deadline: the deadline fell while the unit could not report.
    clock.today = date(2026, 10, 20)
    services.review_report(
        actor=_admin(),
        report=a.reports.get(claim="completed"),
        accept=False,
        comment="请补充四季度计划。",
    )
    a.refresh_from_db()
    s = _state(p, a, date(2026, 10, 20))
    assert (s.status, s.overdue, s.delays, s.missed) == ("returned", False, 0, [])
    # An acceptance that came after a quarter's deadline does not make it missed either.
    scj = assignment(p, 5, SCJ)  # the lead unit itself: waits for the credit office
    _file(clock, date(2026, 4, 3), _admin(), scj, "in_progress")
    _file(clock, date(2026, 6, 22), _admin(), scj, "completed", files=[pdf()])
    clock.today = date(2026, 10, 20)
    services.review_report(actor=_admin(), report=scj.reports.get(claim="completed"), accept=True)
    clock.today = date(2026, 11, 26)
    scj.refresh_from_db()
    s = _state(p, scj, date(2026, 11, 26))
    assert (s.done, s.overdue, s.delays, s.missed) == (True, False, 0, [])
    # The October 通报 replays the same: neither row is overdue at 10-31.
    rows = {r[1]: r for r in reports.bulletin_data(p, "2026-10")["rows"]}
    column = reports.BASE_COLUMNS.index("逾期事项")
    assert "第5项" not in rows[RSJ][column] and "第5项" not in rows[SCJ][column]


# ------------------------------------------------------------------ 2. backdating


def test_a_unit_reports_on_the_day_it_files_and_lateness_stays(clock: Clock) -> None:
    p = plan()
    scj = user("fix_scj", Role.REPORTER, SCJ)
    a = assignment(p, 2, SCJ)  # due 2026-11-30
    clock.today = date(2026, 12, 10)
    with pytest.raises(DomainError, match="报送日期即提交当天"):
        services.report_progress(
            actor=scj,
            assignment=a,
            claim="completed",
            narrative="已印发部门工作方案。",
            reported_on=date(2026, 11, 20),
        )
    response = client(scj).post(
        f"/api/v1/ledger/assignments/{a.pk}/reports/",
        {"claim": "completed", "narrative": "已印发。", "reported_on": "2026-11-20"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "报送日期即提交当天" in response.json()["detail"]
    assert not ProgressReport.objects.filter(assignment=a).exists()
    # The page does not offer a unit a date to choose, and refuses one sent anyway.
    page = client(scj).get(f"/workspace/ledger/assignments/{a.pk}/").content.decode()
    assert 'name="reported_on"' not in page and "报送日期：提交当天（2026-12-10）" in page
    refused = client(scj).post(
        f"/workspace/ledger/assignments/{a.pk}/report/",
        {"claim": "completed", "narrative": "已印发。", "reported_on": "2026-11-20"},
    )
    assert refused.status_code == 200 and "报送日期即提交当天" in refused.content.decode()
    report = services.report_progress(
        actor=scj,
        assignment=a,
        claim="completed",
        narrative="已印发部门工作方案。",
        reported_on=date(2026, 12, 10),
        files=[pdf()],
    )
    assert report.reported_on == date(2026, 12, 10) and report.date_reason == ""
    s = _state(p, a, date(2026, 12, 10))
    assert (s.overdue, s.delays) == (True, 1)


def test_only_the_credit_office_records_an_earlier_date_with_a_reason(clock: Clock) -> None:
    p = plan()
    admin = _admin()
    a = assignment(p, 3, SCJ)  # due 2026-11-30
    clock.today = date(2026, 12, 10)
    with pytest.raises(DomainError, match="请填写补录理由"):
        services.report_progress(
            actor=admin,
            assignment=a,
            claim="completed",
            narrative="已召开专题会议。",
            reported_on=date(2026, 11, 20),
        )
    reason = "该单位11月20日已报送纸质材料，系统故障未能录入。"
    posted = client(admin).post(
        f"/workspace/ledger/assignments/{a.pk}/report/",
        {
            "claim": "completed",
            "narrative": "已召开专题会议。",
            "reported_on": "2026-11-20",
            "date_reason": reason,
            "files": [pdf()],
        },
    )
    assert posted.status_code == 302
    report = ProgressReport.objects.get(assignment=a)
    assert (report.reported_on, report.date_reason) == (date(2026, 11, 20), reason)
    event = Event.objects.filter(action="ledger.progress_reported").latest("id")
    assert event.new_values["date_reason"] == reason
    assert event.new_values["filed_on"] == "2026-12-10"
    a.refresh_from_db()
    s = _state(p, a, date(2026, 12, 10))
    assert (s.overdue, s.delays) == (False, 0)
    page = client(admin).get(f"/workspace/ledger/assignments/{a.pk}/").content.decode()
    assert 'name="reported_on"' in page and 'name="date_reason"' in page
    assert f"信用办补录：{reason}" in page


# ------------------------------------------------------------------ 3. Q4 in January


def test_the_fourth_quarter_is_warned_and_reported_in_january(
    next_year_calendar: None, clock: Clock
) -> None:
    p = plan()
    rsj = user("fix_rsj", Role.REPORTER, RSJ)
    a = assignment(p, 5, RSJ)
    for day in (date(2026, 4, 3), date(2026, 7, 6), date(2026, 10, 12)):
        _file(clock, day, rsj, a, "in_progress")
    ongoing = Assignment.objects.filter(row__plan=p, row__deadline__isnull=True).count()
    clock.today = date(2027, 1, 8)
    run = services.run_warnings(on=date(2027, 1, 8))
    assert run.overdue == ongoing
    warned = DeadlineWarning.objects.filter(kind="overdue", due_on=Q4_DUE)
    assert warned.count() == ongoing
    # The previous plan's deadlines of last year are not warned about again in January.
    assert not DeadlineWarning.objects.filter(due_on__year=2026).exists()
    mine = warned.get(assignment=a)
    assert mine.message.startswith("2026年台账第5项") and "2027-01-07" in mine.message
    assert services.run_warnings(on=date(2027, 1, 8)).overdue == 0

    # The January 通报 of the 2026 plan: drafted in February, state at 01-31.
    clock.today = date(2027, 2, 1)
    bulletin = services.draft_bulletin(actor=_admin(), plan=p, period="2027-01")
    data = reports.bulletin_data(p, bulletin.period, bulletin=bulletin)
    assert data["on"] == "2027-01-31"
    assert data["title"] == "北关区2027年1月社会信用体系建设工作台账（2026年度）推进情况通报"
    assert data["summary"].startswith("截至2027年1月31日，2026年工作台账")
    column = reports.BASE_COLUMNS.index("逾期事项")
    assert "第5项" in {r[1]: r for r in data["rows"]}[RSJ][column]
    december = {r[1]: r for r in reports.bulletin_data(p, "2026-12")["rows"]}
    assert "第5项" not in december[RSJ][column]
    with pytest.raises(DomainError, match="通报期间应在 2026 年内或 2027 年 1 月"):
        services.draft_bulletin(actor=_admin(), plan=p, period="2027-02")


def test_the_cli_writes_the_previous_plans_january_bulletin(
    next_year_calendar: None, clock: Clock, tmp_path: Any
) -> None:
    plan()
    clock.today = date(2027, 2, 1)
    out = tmp_path / "通报.xlsx"
    call_command("ledger", "report", "--period", "2027-01", "--year", "2026", "--out", str(out))
    assert out.read_bytes().startswith(b"PK")


# ------------------------------------------------------------------ 4. issued_on


def test_quarters_due_before_the_plan_was_issued_are_not_owed() -> None:
    seed = Plan.objects.get(year=2023)
    assert seed.issued_on == date(2023, 4, 18)
    s = _state(seed, assignment(seed, 5, RSJ), date(2023, 4, 19))
    assert (s.overdue, s.missed, s.due_on) == (False, [], date(2023, 7, 7))
    p = plan()
    p.issued_on = date(2026, 4, 18)
    p.save()
    s = _state(p, assignment(p, 5, RSJ), date(2026, 4, 20))
    assert (s.overdue, s.delays, s.missed, s.due_on) == (False, 0, [], Q2_DUE)
    assert services.run_warnings(on=date(2026, 4, 20)).overdue == 0
    # The quarters after the issue date are owed as before.
    s = _state(p, assignment(p, 5, RSJ), date(2026, 7, 8))
    assert (s.overdue, s.missed) == (True, [Q2_DUE])


# ------------------------------------------------------------------ 5. late completion


def test_finishing_a_dated_row_late_is_deducted_as_the_rules_say(clock: Clock) -> None:
    p = plan()
    admin = _admin()
    dcj = user("fix_dcj", Role.REPORTER, DCJ)
    # 区督查局 has rows 1 and 8, both due 2026-11-30: row 1 in time, row 8 on 12-10.
    row1 = _file(clock, date(2026, 11, 20), dcj, assignment(p, 1, DCJ), "completed", files=[pdf()])
    services.review_report(actor=admin, report=row1, accept=True)
    row8 = _file(clock, date(2026, 12, 10), dcj, assignment(p, 8, DCJ), "completed", files=[pdf()])
    services.review_report(actor=admin, report=row8, accept=True)
    s = _state(p, assignment(p, 8, DCJ), date(2026, 12, 10))
    assert (s.done, s.overdue, s.delays) == (True, False, 1)
    score = {x.unit.name: x for x in selectors.assessment(p, on=date(2026, 12, 10))}[DCJ]
    assert (score.delayed, score.overdue, score.deductions, score.score) == (
        1,
        0,
        Decimal("2"),
        Decimal("98.00"),
    )
    text = selectors.rules_text(p.rules)
    assert "每项逾期（含逾期后完成的）2 分" in text


# ------------------------------------------------------------------ 6. dashboard 超期异议


def test_the_dashboard_counts_objections_the_office_handles_itself(clock: Clock) -> None:
    clock.today = date(2026, 11, 26)
    p = plan()
    subject = company("MA0000XY", "安阳市北关区异议商贸有限公司")
    objections.file_objection(
        actor=None,
        record=None,
        subject=subject,
        channel=Channel.ONLINE,
        category=Objection.Category.INFRINGING,
        description="拟列入名单的依据不足。",
        applicant_name="安阳市北关区异议商贸有限公司",
        applicant_phone="13800005678",
        received_on=date(2026, 11, 2),
    )
    rights = objections.overdue_in_period(date(2026, 1, 1), date(2026, 11, 26))
    assert rights.by_unit == [("区信用办（自行处理）", 1)]
    data = dashboard.dashboard_data(p, on=date(2026, 11, 26))
    assert data["rights"]["objections_overdue"] == 1


# ------------------------------------------------------------------ 7. TERMINATED repairs


def test_terminated_repairs_are_left_out_of_the_on_time_rate(clock: Clock) -> None:
    clock.today = date(2026, 11, 26)
    users = staff()
    store([penalty_row(1, decided="2026-02-10")])
    r = penalty_record(1)
    app = apply_repair(r, date(2026, 9, 1))
    # Complete Tue 09-01, decision due 09-15; the record was withdrawn on 09-20.
    repair.mark_complete(actor=users["admin"], application=app, complete=True, on=date(2026, 9, 1))
    ended = repair.end_repairs_of_withdrawn_record(actor=None, record=r, on=date(2026, 9, 20))
    assert [x.status for x in ended] == [RepairApplication.Status.TERMINATED]
    year = Period.between(date(2026, 1, 1), date(2026, 12, 31))
    assert repairs_on_time(None, year) is None


# ------------------------------------------------------------------ 8. 每项满分 0


@pytest.mark.parametrize("points", [0, "-5"])
def test_points_per_row_must_be_positive(points: Any) -> None:
    p = plan()
    with pytest.raises(DomainError, match="每项满分应大于 0"):
        services.update_rules(actor=_admin(), rules=p.rules, values={"points_per_row": points})
    p.rules.refresh_from_db()
    assert p.rules.points_per_row == Decimal("10.00")


# ------------------------------------------------------------------ 9. feedback at month end


def test_a_past_months_bulletin_counts_feedback_overdue_at_that_months_end(clock: Clock) -> None:
    p = plan()
    fin = unit("区财政局")
    reporter = user("fix_fin", Role.REPORTER, "区财政局")
    listed = company("MA0000FK", "安阳市北关区失信建材有限公司")
    entry(listed, "SX_BZXR", effective_from=date(2026, 1, 5))
    clock.today = date(2026, 10, 12)
    check = checks.run_check(
        actor=reporter, unit=fin, subject=listed, matter="PROCUREMENT", on=date(2026, 10, 12)
    )
    assert check.feedback_due == date(2026, 10, 19)
    clock.today = date(2026, 11, 5)
    row = check.measures.get()
    checks.submit_feedback(
        actor=reporter, check=check, items={row.pk: ("applied", "")}, on=date(2026, 11, 5)
    )
    clock.today = date(2026, 11, 26)
    october = Period.between(date(2026, 1, 1), date(2026, 10, 31))
    assert feedback_overdue_bulk([fin], october) == {fin.pk: 1}
    assert feedback_overdue_bulk([fin], Period.between(date(2026, 1, 1), date(2026, 11, 26))) == {
        fin.pk: 0
    }
    data = reports.bulletin_data(p, "2026-10")
    column = data["columns"].index("奖惩措施逾期未反馈数（件）")
    assert {r[1]: r for r in data["rows"]}["区财政局"][column] == "1"
