"""Sanctions deadlines whose year's working-day calendar is not loaded yet (期限待定).

The next year's holiday schedule is published around November (DOMAIN.md §3); until it
is imported, a working-day deadline reaching into that year cannot be computed. A check
must still answer which 联合奖惩 measures apply, an event must still be assigned, a
red-list entry still published and a notice still served: the deadline is stored as
unknown, shown as 期限待定, never overdue, and computed when the year is loaded
(`calendar_years_loaded`). An edit of a loaded year's holidays (`calendar_days_changed`)
redoes the computed deadlines whose window holds a changed day.

Dates (2026 from the chinese-calendar package): 2026-12-28 is a Monday; 2027-01-01 a
Friday. 2026 National Day: holidays 10-01 … 10-07, make-up working day Saturday 10-10.
Counting never includes the start day (民法典 art. 201)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.collection.test_rules_review_fixes import holiday_cn_2027
from tests.sanctions.governance_helpers import admin, company, entry, make_user, unit
from xinyong.core import calendar_services
from xinyong.core.errors import DomainError
from xinyong.core.models import CalendarYear, Event, WorkdayException
from xinyong.orgs.models import Role
from xinyong.sanctions import checks, events, governance, lists
from xinyong.sanctions.models import Check, DishonestyEvent, ListEntry

pytestmark = pytest.mark.django_db

S = ListEntry.Status
PENDING_2027 = "期限待定（2027 年工作日历尚未导入）"
SETTLE = "sanctions.deadlines_settle"
RECALCULATE = "sanctions.deadlines_recalculate"


@pytest.fixture(autouse=True)
def year_end(clock: Any) -> Any:
    """Late December 2026, the 2027 schedule not published (whatever the package ships)."""
    clock.today = date(2026, 12, 28)
    CalendarYear.objects.filter(year__gte=2027).delete()
    return clock


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "fin": make_user("ddl_fin", Role.REPORTER, "区财政局"),
        "office": admin(),
        "hrss": make_user("ddl_hrss", Role.REPORTER, "区人社局"),
    }


@pytest.fixture
def court() -> Any:
    subject = company("MA0DDL0A", "安阳市北关区期限待定建材有限公司")
    entry(subject, "SX_BZXR", effective_from=date(2026, 1, 5))
    return subject


def _check(people: dict[str, Any], subject: Any, on: date) -> Check:
    return checks.run_check(
        actor=people["fin"], unit=unit("区财政局"), subject=subject, matter="PROCUREMENT", on=on
    )


def _event(people: dict[str, Any], on: date, due_on: date | None = None) -> DishonestyEvent:
    event = events.register_event(
        actor=people["office"],
        title="某建材公司拒不履行法院判决",
        source="信用中国（河南安阳）舆情监测",
        description="群众反映该公司拒不履行生效判决。",
        detected_on=on,
    )
    return events.assign_event(
        actor=people["office"], event=event, unit=unit("区市场监管局"), on=on, due_on=due_on
    )


def _red(people: dict[str, Any], body: str, on: date) -> ListEntry:
    return lists.propose_entry(
        actor=people["office"],
        list_type=lists.get_list_type("RED"),
        subject=company(body, f"安阳市北关区守信企业{body}有限公司"),
        basis_document=f"北政〔2026〕{body}号",
        reasons="2025 年度区级诚信示范企业",
        on=on,
    )


def _wages(people: dict[str, Any], body: str, proposed: date, served: date) -> ListEntry:
    proposal = lists.propose_entry(
        actor=people["hrss"],
        list_type=lists.get_list_type("SX_WAGES"),
        subject=company(body, f"安阳市北关区欠薪劳务{body}有限公司"),
        basis_document=f"北人社列字〔2026〕{body}号",
        reasons="拖欠农民工工资 62 万元，经责令限期支付逾期未支付",
        on=proposed,
        designating_unit=unit("区人社局"),
    )
    return lists.serve_notice(actor=people["hrss"], entry=proposal, served_on=served)


def _reload(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


def _exception(day: date) -> WorkdayException:
    return WorkdayException.objects.get(date=day)


# ---------------------------------------------------------------- checks


def test_a_check_late_in_december_answers_with_its_deadline_pending(people, court) -> None:
    check = _check(people, court, date(2026, 12, 28))
    # The measures are answered as on any other day; only the feedback deadline waits:
    # 12-29, 12-30, 12-31 and two working days of 2027.
    assert check.hit is True
    assert sorted(cm.measure.code for cm in check.measures.select_related("measure")) == [
        "P-PROCUREMENT"
    ]
    assert check.feedback_status == Check.FeedbackStatus.PENDING
    assert check.feedback_due is None
    assert _reload(check).feedback_due is None
    assert checks.feedback_due_text(check) == PENDING_2027
    data = checks.check_data(check, today=date(2027, 1, 10))
    assert (data["feedback_due"], data["feedback_due_note"], data["overdue"]) == (
        None,
        PENDING_2027,
        False,
    )
    # A check without a hit needs no feedback and has no deadline at all.
    clean = _check(people, company("MA0DDL0B", "安阳市北关区清白商贸有限公司"), date(2026, 12, 28))
    assert (clean.hit, clean.feedback_due, checks.feedback_due_text(clean)) == (False, None, "")
    assert checks.check_data(clean)["feedback_due_note"] == ""

    # Loaded the way tests/conftest.py's next_year_calendar loads it (plain weekdays), but
    # through the calendar service, whose signal settles the pending deadline:
    # 12-29, 12-30, 12-31, 2027-01-01 (a Friday, working under this assumption), 01-04.
    calendar_services.save_calendar_year(actor=None, year=2027, source="测试假设：仅按周末计算")
    assert _reload(check).feedback_due == date(2027, 1, 4)
    assert _reload(clean).feedback_due is None
    (event,) = Event.objects.filter(action=SETTLE)
    assert event.new_values["years"] == [2027]
    assert event.new_values["check_feedback"] == 1
    # Loading it again settles nothing more and writes no second event.
    calendar_services.save_calendar_year(actor=None, year=2027, source="测试假设：仅按周末计算")
    assert Event.objects.filter(action=SETTLE).count() == 1


def test_importing_2027_with_new_year_holidays_settles_the_check(people, court) -> None:
    check = _check(people, court, date(2026, 12, 28))
    # 12-29, 12-30, 12-31, (01-01 … 01-03 元旦), 01-04, 01-05 → 2027-01-05.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert _reload(check).feedback_due == date(2027, 1, 5)
    assert checks.feedback_due_text(check) == "2027-01-05"


def test_a_2026_holiday_edit_moves_the_computed_feedback_deadline(people, court) -> None:
    # 09-28 (Mon): 09-29, 09-30, 10-08, 10-09, 10-10 (make-up Saturday) → 10-10.
    check = _check(people, court, date(2026, 9, 28))
    assert check.feedback_due == date(2026, 10, 10)
    # Outside the window: checked after the edited day.
    later = _check(people, court, date(2026, 10, 12))
    assert later.feedback_due == date(2026, 10, 19)

    # 10-10 was declared a working day by mistake: 09-29, 09-30, 10-08, 10-09, 10-12.
    calendar_services.delete_workday_exception(actor=None, pk=_exception(date(2026, 10, 10)).pk)
    assert _reload(check).feedback_due == date(2026, 10, 12)
    assert _reload(later).feedback_due == date(2026, 10, 19)

    # A holiday added on Friday 10-09: 09-29, 09-30, 10-08, 10-12, 10-13.
    calendar_services.save_workday_exception(
        actor=None, day=date(2026, 10, 9), kind=WorkdayException.Kind.HOLIDAY, name="测试"
    )
    assert _reload(check).feedback_due == date(2026, 10, 13)
    assert _reload(later).feedback_due == date(2026, 10, 19)
    runs = [e.new_values for e in Event.objects.filter(action=RECALCULATE).order_by("id")]
    assert [(r["days"], r["check_feedback"]) for r in runs] == [
        (["2026-10-10"], 1),
        (["2026-10-09"], 1),
    ]


def test_a_holiday_edit_can_push_a_deadline_into_the_unknown_year(people, court) -> None:
    # 12-24 (Thu): 12-25, 12-28, 12-29, 12-30, 12-31 → 12-31.
    check = _check(people, court, date(2026, 12, 24))
    assert check.feedback_due == date(2026, 12, 31)
    calendar_services.save_workday_exception(
        actor=None, day=date(2026, 12, 31), kind=WorkdayException.Kind.HOLIDAY, name="测试"
    )
    assert _reload(check).feedback_due is None
    assert checks.feedback_due_text(check) == PENDING_2027
    (run,) = Event.objects.filter(action=RECALCULATE)
    assert (run.new_values["check_feedback"], run.new_values["undetermined"]) == (1, 1)
    # 12-25, 12-28, 12-29, 12-30, (12-31 now off, 元旦 01-01 … 01-03), 01-04.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert _reload(check).feedback_due == date(2027, 1, 4)


def test_the_check_page_and_api_say_the_deadline_is_pending(people, court) -> None:
    api = APIClient()
    api.force_authenticate(people["fin"])
    response = api.get("/api/v1/checks", {"subject": court.identifier, "matter": "PROCUREMENT"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert [m["code"] for m in data["measures"]] == ["P-PROCUREMENT"]
    assert (data["feedback_due"], data["feedback_due_note"]) == (None, PENDING_2027)
    detail = api.get(f"/api/v1/checks/{data['id']}")
    assert detail.json()["feedback_due_note"] == PENDING_2027

    web = Client()
    web.force_login(people["fin"])
    page = web.get(f"/workspace/sanctions/checks/{data['id']}/").content.decode()
    assert f"反馈期限 {PENDING_2027}" in page
    assert "None" not in page
    listing = web.get("/workspace/sanctions/checks/").content.decode()
    assert PENDING_2027 in listing


def test_the_check_command_answers_with_the_deadline_pending(court, capsys) -> None:
    from django.core.management import call_command

    call_command("sanctions", "check", court.identifier, "--matter", "PROCUREMENT")
    out = capsys.readouterr().out
    assert f"适用措施 1 项（反馈期限 {PENDING_2027}）" in out
    assert "None" not in out


# ---------------------------------------------------------------- the other deadlines


def test_an_event_assigned_late_in_december_waits_for_its_deadline(people) -> None:
    event = _event(people, date(2026, 12, 28))
    assert (event.status, event.due_on, event.assigned_on) == (
        DishonestyEvent.Status.ASSIGNED,
        None,
        date(2026, 12, 28),
    )
    assert events.due_text(event) == PENDING_2027
    # A date the office gave itself is kept as given, also across a calendar import.
    typed = _event(people, date(2026, 12, 28), due_on=date(2027, 1, 8))
    assert (typed.due_on, typed.due_computed) == (date(2027, 1, 8), False)
    # 12-29, 12-30, 12-31, (元旦 01-01 … 01-03), 01-04, 01-05 → 2027-01-05.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert _reload(event).due_on == date(2027, 1, 5)
    assert _reload(typed).due_on == date(2027, 1, 8)
    assert events.due_text(event) == "2027-01-05"


def test_a_red_entry_stays_in_publicity_until_its_end_is_known(people, clock) -> None:
    red = _red(people, "MA0DDL1A", date(2026, 12, 28))
    assert (red.status, red.publicity_from, red.publicity_until) == (
        S.PUBLICISING,
        date(2026, 12, 28),
        None,
    )
    assert lists.publicity_until_text(red) == "公示期截止日期待定（2027 年工作日历尚未导入）"
    clock.today = date(2027, 1, 10)
    # Neither the daily job nor a person makes it take effect early.
    assert lists.promote_due_entries(on=date(2027, 1, 10)).promoted == []
    with pytest.raises(DomainError, match="公示期截止日期待定（2027 年工作日历尚未导入）"):
        lists.make_effective(actor=people["office"], entry=red, on=date(2027, 1, 10))
    assert _reload(red).status == S.PUBLICISING
    # 12-29, 12-30, 12-31, (元旦), 01-04, 01-05 → publicity until 2027-01-05.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert _reload(red).publicity_until == date(2027, 1, 5)
    assert lists.promote_due_entries(on=date(2027, 1, 10)).promoted == [red.pk]


def test_a_black_entry_is_not_listed_before_its_objection_deadline_is_known(people, clock) -> None:
    clock.today = date(2026, 12, 24)
    proposal = _wages(people, "MA0DDL2A", date(2026, 12, 21), date(2026, 12, 24))
    # 10 working days after Thursday 12-24: 12-25, 12-28, 12-29, 12-30, 12-31, then 2027.
    assert (proposal.notice_served_on, proposal.objection_deadline) == (date(2026, 12, 24), None)
    assert (
        lists.objection_deadline_text(proposal) == "异议期截止日期待定（2027 年工作日历尚未导入）"
    )
    note = proposal.changes.order_by("id").last().note
    assert "异议期截止日期待定（2027 年工作日历尚未导入）" in note
    clock.today = date(2027, 1, 11)
    with pytest.raises(DomainError, match="异议期截止日期待定（2027 年工作日历尚未导入）"):
        lists.make_effective(actor=people["hrss"], entry=proposal, on=date(2027, 1, 11))
    # 12-25, 12-28, 12-29, 12-30, 12-31, (元旦), 01-04, 01-05, 01-06, 01-07, 01-08.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert _reload(proposal).objection_deadline == date(2027, 1, 8)
    listed = lists.make_effective(actor=people["hrss"], entry=proposal, on=date(2027, 1, 11))
    assert listed.status == S.LISTED
    (run,) = Event.objects.filter(action=SETTLE)
    assert run.new_values["notice_objection"] == 1


def test_a_2026_holiday_edit_moves_event_publicity_and_objection_deadlines(people, clock) -> None:
    clock.today = date(2026, 9, 28)
    # Assigned 09-28: 09-29, 09-30, 10-08, 10-09, 10-10 → 10-10.
    event = _event(people, date(2026, 9, 28))
    typed = _event(people, date(2026, 9, 28), due_on=date(2026, 10, 10))
    # Published 09-28 for 5 working days → 10-10 as well.
    red = _red(people, "MA0DDL3A", date(2026, 9, 28))
    clock.today = date(2026, 9, 29)
    # Served 09-29, 10 working days: 09-30, 10-08, 10-09, 10-10, 10-12 … 10-16, 10-19.
    proposal = _wages(people, "MA0DDL3B", date(2026, 9, 25), date(2026, 9, 29))
    assert (event.due_on, typed.due_on, red.publicity_until, proposal.objection_deadline) == (
        date(2026, 10, 10),
        date(2026, 10, 10),
        date(2026, 10, 10),
        date(2026, 10, 19),
    )

    # Without the make-up Saturday 10-10 each of them ends one working day later.
    calendar_services.delete_workday_exception(actor=None, pk=_exception(date(2026, 10, 10)).pk)
    assert _reload(event).due_on == date(2026, 10, 12)
    assert _reload(typed).due_on == date(2026, 10, 10)
    assert _reload(red).publicity_until == date(2026, 10, 12)
    assert _reload(proposal).objection_deadline == date(2026, 10, 20)
    (run,) = Event.objects.filter(action=RECALCULATE)
    assert run.new_values == {
        "days": ["2026-10-10"],
        "check_feedback": 0,
        "event_handling": 1,
        "red_publicity": 1,
        "notice_objection": 1,
        "undetermined": 0,
    }


# ---------------------------------------------------------------- reminders and statistics


def test_nothing_is_overdue_while_the_deadlines_are_pending(people, court, clock) -> None:
    check = _check(people, court, date(2026, 12, 28))
    event = _event(people, date(2026, 12, 28))
    clock.today = date(2027, 1, 10)
    on = date(2027, 1, 10)
    assert checks.remind_overdue(actor=None, today=on) == []
    assert not Event.objects.filter(action=checks.REMINDER_ACTION).exists()
    assert list(checks.overdue_checks(people["fin"], on)) == []
    assert checks.is_overdue(check, on) is False
    assert list(events.all_events(overdue=True, on=on)) == []
    assert events.is_overdue(event, on) is False
    stats = checks.check_statistics(reader=people["office"], today=on)
    # Pending feedback, neither overdue nor done: the rate counts it as not yet given.
    assert (stats.total.overdue, stats.total.due_pending) == (0, 1)
    assert (stats.total.feedback_expected, stats.total.feedback_done) == (1, 0)


def test_a_governance_case_counted_in_working_days_says_a_date_may_be_given(people) -> None:
    listed = entry(
        company("MA0DDL4A", "安阳市北关区治理对象有限公司"),
        "SX_WAGES",
        effective_from=date(2026, 6, 1),
    )
    with pytest.raises(DomainError, match="也可以直接指定完成期限"):
        governance.open_case(
            actor=people["office"],
            entry=listed,
            lead_unit=unit("区人社局"),
            due_workdays=10,
            on=date(2026, 12, 28),
        )
    case = governance.open_case(
        actor=people["office"],
        entry=listed,
        lead_unit=unit("区人社局"),
        due_on=date(2027, 1, 29),
        on=date(2026, 12, 28),
    )
    assert case.due_on == date(2027, 1, 29)


def test_event_and_entry_pages_api_and_cli_say_pending(people, clock, capsys) -> None:
    from django.core.management import call_command

    event = _event(people, date(2026, 12, 28))
    red = _red(people, "MA0DDL5A", date(2026, 12, 28))
    proposal = _wages(people, "MA0DDL5B", date(2026, 12, 28), date(2026, 12, 28))
    api = APIClient()
    api.force_authenticate(people["office"])
    data = api.get(f"/api/v1/governance/events/{event.pk}").json()
    assert (data["due_on"], data["due_note"], data["overdue"]) == (None, PENDING_2027, False)
    data = api.get(f"/api/v1/list-entries/{red.pk}").json()
    assert (data["status"], data["publicity_until"]) == ("publicising", None)
    assert data["publicity_until_note"] == "公示期截止日期待定（2027 年工作日历尚未导入）"
    data = api.get(f"/api/v1/list-entries/{proposal.pk}").json()
    assert data["objection_deadline"] is None
    assert data["objection_deadline_note"] == "异议期截止日期待定（2027 年工作日历尚未导入）"

    web = Client()
    web.force_login(people["office"])
    pages = {
        f"/workspace/sanctions/events/{event.pk}/": PENDING_2027,
        "/workspace/sanctions/events/": PENDING_2027,
        f"/workspace/sanctions/lists/{red.pk}/": "公示截止</th><td>待定（2027 年工作日历尚未导入）",
        f"/workspace/sanctions/lists/{proposal.pk}/": "异议截止 待定（2027 年工作日历尚未导入）",
        "/credit/lists/red/": "待定（2027 年工作日历尚未导入）",
    }
    for url, text in pages.items():
        response = web.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert text in body, url
        assert "None" not in body, url

    call_command("governance", "events")
    assert f"期限 {PENDING_2027}" in capsys.readouterr().out
