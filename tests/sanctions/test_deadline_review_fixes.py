"""Review fixes: 期限待定 deadlines of list entries and the 维持-objection rule."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.sanctions.governance_helpers import admin, company, make_user, unit
from xinyong.core import calendar_services
from xinyong.core.errors import DomainError
from xinyong.core.models import CalendarYear, Event, WorkdayException
from xinyong.orgs.models import Role
from xinyong.rights.models import Objection
from xinyong.sanctions import lists
from xinyong.sanctions.models import ListEntry

pytestmark = pytest.mark.django_db


def _load_2027() -> None:
    calendar_services.import_holiday_cn_json(
        actor=None,
        data=json.dumps(
            {
                "year": 2027,
                "papers": [],
                "days": [
                    {"name": "元旦", "date": f"2027-01-0{d}", "isOffDay": True} for d in (1, 2, 3)
                ],
            }
        ),
    )


def _red(on: date, ends_on: date) -> ListEntry:
    return lists.propose_entry(
        actor=admin(),
        list_type=lists.get_list_type("RED"),
        subject=company("MA0RWW1A", "安阳市北关区评审守信一有限公司"),
        basis_document="北政〔2026〕91号",
        reasons="2025 年度区级诚信示范企业",
        on=on,
        ends_on=ends_on,
    )


# ------------------------------------------------ 2. red entry ending inside 期限待定 publicity


def test_red_entry_ending_before_its_pending_publicity_is_refused(clock):
    clock.today = date(2026, 12, 28)
    CalendarYear.objects.filter(year__gte=2027).delete()
    # 5 working days (RED publicity) span at least 5 calendar days: 12-31 is inside.
    with pytest.raises(DomainError, match="公示期至少至 2027-01-02"):
        _red(date(2026, 12, 28), date(2026, 12, 31))
    assert not ListEntry.objects.filter(basis_document="北政〔2026〕91号").exists()


def test_red_entry_whose_filled_publicity_reaches_its_end_is_ended_when_the_year_loads(clock):
    clock.today = date(2026, 12, 28)
    CalendarYear.objects.filter(year__gte=2027).delete()
    # Accepted: 2027-01-04 is beyond 12-28 + 5 calendar days, but publicity ends 2027-01-05.
    red = _red(date(2026, 12, 28), date(2027, 1, 4))
    assert red.status == ListEntry.Status.PUBLICISING
    assert red.publicity_until is None
    _load_2027()
    red.refresh_from_db()
    assert red.publicity_until == date(2027, 1, 5)
    assert red.status == ListEntry.Status.CANCELLED, (red.status, red.publicity_until)
    last = red.changes.order_by("-id").first()
    assert last is not None and last.to_status == ListEntry.Status.CANCELLED
    assert last.on == date(2026, 12, 28)
    assert "公示截止日期 2027-01-05 不早于有效期至 2027-01-04" in last.note
    assert Event.objects.filter(action="sanctions.entry_cancel", target_id=str(red.pk)).exists()
    clock.today = date(2027, 1, 11)
    lists.promote_due_entries(on=date(2027, 1, 11))
    red.refresh_from_db()
    assert red.status != ListEntry.Status.PUBLICISING
    assert red.pk not in [e.pk for e in lists.red_list_public(date(2027, 1, 11))]


# ------------------------------------------------ 3. recompute keeps deadlines already acted on


def test_recompute_leaves_a_listed_entrys_objection_deadline_before_its_listing(clock):
    clock.today = date(2026, 9, 29)
    hrss = make_user("rvw_hrss", Role.REPORTER, "区人社局")
    e = lists.propose_entry(
        actor=hrss,
        list_type=lists.get_list_type("SX_WAGES"),
        subject=company("MA0RWW2A", "安阳市北关区评审欠薪劳务有限公司"),
        basis_document="北人社列字〔2026〕77号",
        reasons="拖欠农民工工资 62 万元，经责令限期支付逾期未支付",
        on=date(2026, 9, 25),
        designating_unit=unit("区人社局"),
    )
    lists.serve_notice(actor=hrss, entry=e, served_on=date(2026, 9, 29))
    e.refresh_from_db()
    assert e.objection_deadline == date(2026, 10, 19)
    clock.today = date(2026, 10, 20)
    listed = lists.make_effective(actor=hrss, entry=e, on=date(2026, 10, 20))
    assert listed.status == ListEntry.Status.LISTED
    calendar_services.delete_workday_exception(
        actor=None, pk=WorkdayException.objects.get(date=date(2026, 10, 10)).pk
    )
    listed.refresh_from_db()
    assert listed.objection_deadline == date(2026, 10, 19)
    assert listed.objection_deadline < listed.effective_from


# ------------------------------------------------ 4. a 维持 objection decided before the notice


def test_a_kept_objection_decided_before_the_notice_does_not_waive_the_objection_period():
    hrss = make_user("hrss_rvw", Role.REPORTER, "区人社局")
    subject = company("3000RW95", "安阳市北关区评审劳务有限公司")
    e = lists.propose_entry(
        actor=hrss,
        list_type=lists.get_list_type("SX_WAGES"),
        subject=subject,
        basis_document="北人社列字〔2026〕99号",
        reasons="拖欠农民工工资 62 万元，经责令限期支付逾期未支付",
        on=date(2026, 9, 21),
        designating_unit=unit("区人社局"),
    )
    early = Objection.objects.create(
        subject=subject,
        channel="online",
        category=Objection.Category.WRONG,
        description="对欠薪认定有异议",
        applicant_name=subject.name,
        applicant_phone="13800000000",
        received_on=date(2026, 9, 22),
        status=Objection.Status.DECIDED,
        outcome=Objection.Outcome.KEPT,
        decided_on=date(2026, 9, 24),
    )
    lists.link_objection(actor=hrss, entry=e, objection=early)
    lists.serve_notice(actor=hrss, entry=e, served_on=date(2026, 9, 29))
    e.refresh_from_db()
    assert e.objection_deadline == date(2026, 10, 19)
    with pytest.raises(DomainError):
        lists.make_effective(actor=hrss, entry=e, on=date(2026, 9, 29))
    with pytest.raises(DomainError):
        lists.make_effective(actor=hrss, entry=e, on=date(2026, 10, 19))
    listed = lists.make_effective(actor=hrss, entry=e, on=date(2026, 10, 20))
    assert listed.status == ListEntry.Status.LISTED
