"""Blacklist governance: the picture (historically correct month ends, share, government
bodies, targets) and governance cases (deadlines, actions, outcomes, scope, events)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.sanctions import governance, lists
from xinyong.sanctions.models import GovernanceCase

from .governance_helpers import admin, company, entry, make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def district() -> dict[str, object]:
    """Four district enterprises (A–D), one outside the district, one government body."""
    a = company("MA44T3K1", "安阳市北关区恒达商贸有限公司")
    b = company("MA44UC2R", "安阳北关豫安建筑工程有限公司")
    c = company("MA45B8Q0", "安阳市鑫源食品有限公司")
    d = company("MA46D1L7", "安阳市北关区红旗路物业服务有限公司")
    outside = company("MA47HN3E", "安阳市文峰区某贸易有限公司", region="410502")
    gov = company("00582640", "安阳市北关区某某局", category="11")
    entries = {
        "a": entry(a, "SX_BZXR", effective_from=date(2026, 1, 15)),
        "b": entry(b, "SX_TAX", effective_from=date(2026, 2, 10), removed_on=date(2026, 4, 20)),
        "c": entry(c, "ABNORMAL", effective_from=date(2026, 3, 1)),
        "outside": entry(outside, "SX_BZXR", effective_from=date(2026, 1, 5)),
        "gov": entry(gov, "SX_BZXR", effective_from=date(2026, 5, 1)),
    }
    return {"a": a, "b": b, "c": c, "d": d, "gov": gov, "entries": entries}


def test_month_ends_count_twelve_with_the_current_month_at_the_day() -> None:
    ends = governance.month_ends(date(2026, 3, 15))
    assert len(ends) == 12
    assert ends[0] == date(2025, 4, 30)
    assert ends[-2:] == [date(2026, 2, 28), date(2026, 3, 15)]


def test_picture_counts_by_dates_not_by_todays_status(district: dict) -> None:
    pic = governance.blacklist_picture(on=date(2026, 6, 30))
    # A only: B was removed on 2026-04-20, C is on a non-serious list, the outside
    # enterprise is not a district enterprise.
    assert pic.now.blacklisted_enterprises == 1
    assert pic.now.district_enterprises == 4
    assert pic.now.share == Decimal("25.000")
    assert pic.now.government_bodies_on_judgment_debtors == 1
    by_month = {p.on: p for p in pic.trend}
    assert by_month[date(2025, 12, 31)].blacklisted_enterprises == 0
    assert by_month[date(2026, 1, 31)].blacklisted_enterprises == 1
    # B counted while it was on the list, and no longer after its removal.
    assert by_month[date(2026, 2, 28)].blacklisted_enterprises == 2
    assert by_month[date(2026, 2, 28)].share == Decimal("50.000")
    assert by_month[date(2026, 3, 31)].blacklisted_enterprises == 2
    assert by_month[date(2026, 4, 30)].blacklisted_enterprises == 1
    assert by_month[date(2026, 4, 30)].government_bodies_on_judgment_debtors == 0
    assert by_month[date(2026, 5, 31)].government_bodies_on_judgment_debtors == 1
    types = {row["code"]: row for row in pic.types}
    assert types["SX_BZXR"]["subjects"] == 2  # A and the government body (district)
    assert types["SX_TAX"]["subjects"] == 0
    assert types["ABNORMAL"]["subjects"] == 1


def test_targets_flag_share_and_government_bodies(district: dict) -> None:
    office = admin()
    # Without a recorded target, zero government bodies is still the goal.
    pic = governance.blacklist_picture(on=date(2026, 6, 30))
    assert pic.target.max_share is None
    assert pic.target.government_above is True
    governance.set_target(
        actor=office, year=2026, max_blacklist_share="20", max_government_bodies_listed=0
    )
    pic = governance.blacklist_picture(on=date(2026, 6, 30))
    assert pic.target.max_share == Decimal("20.000")
    assert pic.target.share_above is True  # 25.000 % > 20 %
    governance.set_target(actor=office, year=2026, max_blacklist_share="25")
    assert governance.blacklist_picture(on=date(2026, 6, 30)).target.share_above is False
    assert Event.objects.filter(action="sanctions.target_set").count() == 2


def test_target_refusals() -> None:
    office = admin()
    with pytest.raises(DomainError, match="0 至 100"):
        governance.set_target(actor=office, year=2026, max_blacklist_share="120")
    with pytest.raises(DomainError, match="应为数字"):
        governance.set_target(actor=office, year=2026, max_blacklist_share="百分之一")
    leader = make_user("leader1", Role.LEADER)
    with pytest.raises(NotPermitted):
        governance.set_target(actor=leader, year=2026, max_blacklist_share="1")


def test_case_lifecycle_with_working_day_deadline(district: dict) -> None:
    office = admin()
    court = unit("区法院")
    a_entry = district["entries"]["a"]
    case = governance.open_case(
        actor=office,
        entry=a_entry,
        lead_unit=court,
        plan="约谈法定代表人，督促履行判决",
        due_workdays=10,
        on=date(2026, 9, 25),
    )
    # 10 working days after 2026-09-25 across the National Day holiday.
    assert case.due_on == date(2026, 10, 15)
    assert case.status == GovernanceCase.Status.OPEN
    with pytest.raises(DomainError, match="已有治理中的案件"):
        governance.open_case(actor=office, entry=a_entry, lead_unit=court, due_on=date(2026, 12, 1))
    court_staff = make_user("court_rev", Role.REVIEWER, "区法院")
    governance.record_action(
        actor=court_staff,
        case=case,
        on=date(2026, 9, 28),
        action="约谈法定代表人",
        contact="张经理 13912345678",
        note="承诺 10 月底前履行",
    )
    other = make_user("rsj_rev", Role.REVIEWER, "区人社局")
    with pytest.raises(NotPermitted):
        governance.record_action(actor=other, case=case, on=date(2026, 9, 28), action="走访")
    assert governance.cases_for(other).count() == 0
    assert list(governance.cases_for(court_staff)) == [case]
    # Overdue from the day after the deadline, while open.
    assert list(governance.cases_for(office, overdue=True, on=date(2026, 10, 15))) == []
    assert list(governance.cases_for(office, overdue=True, on=date(2026, 10, 16))) == [case]
    # "Removed from the list" only once the list shows it.
    with pytest.raises(DomainError, match="尚未移出名单"):
        governance.close_case(
            actor=court_staff, case=case, outcome="removed", on=date(2026, 10, 20)
        )
    lists.remove_entry(actor=office, entry=a_entry, on=date(2026, 10, 19), reason="已履行完毕")
    closed = governance.close_case(
        actor=court_staff, case=case, outcome="removed", on=date(2026, 10, 20)
    )
    assert closed.status == GovernanceCase.Status.REMOVED
    assert closed.closed_on == date(2026, 10, 20)
    assert list(governance.cases_for(office, overdue=True, on=date(2026, 11, 1))) == []
    with pytest.raises(DomainError, match="已办结"):
        governance.record_action(actor=office, case=closed, on=date(2026, 10, 21), action="回访")
    actions = list(
        Event.objects.filter(target_type="sanctions.GovernanceCase", target_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "sanctions.governance_case_opened",
        "sanctions.governance_action_recorded",
        "sanctions.governance_case_closed",
    ]


def test_case_refusals(district: dict) -> None:
    office = admin()
    court = unit("区法院")
    removed = district["entries"]["b"]
    with pytest.raises(DomainError, match="不处于列入状态"):
        governance.open_case(
            actor=office, entry=removed, lead_unit=court, due_workdays=5, on=date(2026, 6, 1)
        )
    with pytest.raises(DomainError, match="二者选一"):
        governance.open_case(
            actor=office, entry=district["entries"]["a"], lead_unit=court, on=date(2026, 6, 1)
        )
    with pytest.raises(DomainError, match="早于立案日期"):
        governance.open_case(
            actor=office,
            entry=district["entries"]["a"],
            lead_unit=court,
            due_on=date(2026, 5, 1),
            on=date(2026, 6, 1),
        )
    red = entry(district["d"], "RED", effective_from=date(2026, 2, 1))
    with pytest.raises(DomainError, match="红名单"):
        governance.open_case(
            actor=office, entry=red, lead_unit=court, due_workdays=5, on=date(2026, 6, 1)
        )
    reporter = make_user("court_rep", Role.REPORTER, "区法院")
    with pytest.raises(NotPermitted):
        governance.open_case(
            actor=reporter,
            entry=district["entries"]["a"],
            lead_unit=court,
            due_workdays=5,
            on=date(2026, 6, 1),
        )
    case = governance.open_case(
        actor=office,
        entry=district["entries"]["a"],
        lead_unit=court,
        due_on=date(2026, 6, 30),
        on=date(2026, 6, 1),
    )
    with pytest.raises(DomainError, match="办结说明"):
        governance.close_case(actor=office, case=case, outcome="deregistered", on=date(2026, 6, 2))
    with pytest.raises(DomainError, match="办结结果无效"):
        governance.close_case(
            actor=office, case=case, outcome="done", on=date(2026, 6, 2), note="x"
        )
    done = governance.close_case(
        actor=office,
        case=case,
        outcome="deregistered",
        on=date(2026, 6, 2),
        note="长期停业的僵尸企业，已依法注销",
    )
    assert done.get_status_display() == "已清理（僵尸企业注销）"
    assert GovernanceCase.objects.filter(status="open").count() == 0


def test_working_group_resolves_all_eight_units() -> None:
    names = [u.name for u in governance.working_group_units()]
    assert names == [
        "区发改委",
        "区法院",
        "区市场监管局",
        "区人社局",
        "区税务局",
        "区应急局",
        "区医保局",
        "区生态环境局",
    ]
