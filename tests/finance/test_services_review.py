"""Review of the 信易贷 services (docs/finance.md): an outcome is linked only to the list in
force on the application day; the statistics count what their notes say (recommended
firms, per-bank amounts by 放款日期, bank participations); the ledger metric of a past
period; screening on a past base day reads that day's grade; sane bounds on event sizes,
decimals and resubmitted outcomes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.collection.selectors import Period
from xinyong.core.errors import DomainError
from xinyong.finance import ledger_metrics, selectors, services
from xinyong.finance.models import LoanOutcome, MatchmakingEvent, WhitelistItem, WhitelistRun
from xinyong.supervision.models import GradeChange

from .helpers import BANK, admin, bank_user, finance_reviewer, firm, set_grade

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    # The clock too, not only the date: after 16:00 UTC it is already tomorrow in
    # Shanghai, and a list published "now" would be published after "today".
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))


def _publish(credit, reviewer, *, exclude=None) -> WhitelistRun:
    run = services.screen(actor=credit, on=timezone.localdate())
    if exclude is not None:
        services.exclude_item(
            actor=credit,
            item=WhitelistItem.objects.get(run=run, subject=exclude),
            reason="经核实存在重大涉诉风险",
        )
    services.approve_credit(actor=credit, run=run, opinion="同意")
    return services.approve_finance(actor=reviewer, run=run, opinion="同意发布")


def _published_on(run: WhitelistRun, day: date) -> None:
    at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI)
    WhitelistRun.objects.filter(pk=run.pk).update(published_at=at)


def _good():
    return firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")


# ---------------------------------------------------------------- 1. list in force


def test_firm_left_off_the_new_list_is_not_listed_after_it_is_published():
    credit, reviewer, bank = admin(), finance_reviewer(), bank_user()
    good = _good()
    run1 = _publish(credit, reviewer)
    _published_on(run1, date(2026, 9, 27))
    run2 = _publish(credit, reviewer, exclude=good)
    _published_on(run2, date(2026, 10, 27))
    assert WhitelistItem.objects.get(run=run2, subject=good).status == "excluded"
    api = APIClient()
    api.force_authenticate(bank)
    response = api.post(
        "/api/v1/xinyidai/outcomes/",
        {"subject": good.pk, "applied_on": "2026-11-16", "status": "applied"},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert "2026-11-16 不在已发布的白名单中" in str(response.json())
    # Applied while the first list was in force: reported, linked to that list's entry.
    o = services.report_outcome(
        actor=bank, subject=good, applied_on=date(2026, 10, 1), status="applied"
    )
    assert o.whitelist_item == WhitelistItem.objects.get(run=run1, subject=good)


def test_outcome_on_the_day_a_new_list_is_published_follows_the_new_list():
    credit, reviewer, bank = admin(), finance_reviewer(), bank_user()
    good = _good()
    run1 = _publish(credit, reviewer)
    _published_on(run1, date(2026, 9, 27))
    run2 = _publish(credit, reviewer, exclude=good)
    _published_on(run2, date(2026, 10, 27))
    with pytest.raises(DomainError, match="不在已发布的白名单中"):
        services.report_outcome(
            actor=bank, subject=good, applied_on=date(2026, 10, 27), status="applied"
        )
    o = services.report_outcome(
        actor=bank, subject=good, applied_on=date(2026, 10, 26), status="applied"
    )
    assert o.whitelist_item is not None and o.whitelist_item.run_id == run1.pk


# ---------------------------------------------------------------- 3. statistics


def test_firm_removed_last_year_is_not_a_recommended_firm_this_year():
    credit, reviewer = admin(), finance_reviewer()
    good = _good()
    run = _publish(credit, reviewer)
    _published_on(run, date(2025, 3, 1))
    set_grade(good, "C")
    removed = services.rescreen(on=date(2025, 6, 1), trigger="每日复核")
    assert [i.subject_id for i in removed] == [good.pk]
    item = WhitelistItem.objects.get(run=run, subject=good)
    assert (item.status, item.removed_on) == ("removed", date(2025, 6, 1))
    assert selectors.statistics(2026).recommended == 0
    # It was recommended in 2025, the year the list was published.
    assert selectors.statistics(2025).recommended == 1


def test_firm_removed_this_year_from_the_list_in_force_on_1_january_is_recommended():
    credit, reviewer = admin(), finance_reviewer()
    good = _good()
    run = _publish(credit, reviewer)
    _published_on(run, date(2025, 3, 1))
    set_grade(good, "C")
    services.rescreen(on=date(2026, 2, 1), trigger="每日复核")
    assert selectors.statistics(2026).recommended == 1


def test_per_bank_credit_amounts_add_up_to_the_credit_loan_volume():
    good = _good()
    LoanOutcome.objects.create(
        bank=BANK,
        subject=good,
        applied_on=date(2025, 12, 20),
        status="granted",
        granted_on=date(2026, 1, 10),
        amount_wan=Decimal("100"),
        loan_type="credit",
        rate_percent=Decimal("3.8"),
    )
    LoanOutcome.objects.create(
        bank="安阳农商银行",
        subject=good,
        applied_on=date(2026, 11, 20),
        status="granted",
        granted_on=date(2026, 11, 25),
        amount_wan=Decimal("50"),
        loan_type="secured",
        rate_percent=Decimal("4.1"),
    )
    stats = selectors.statistics(2026)
    assert stats.credit_volume == Decimal("100")
    assert sum(Decimal(b["credit_amount"]) for b in stats.by_bank) == stats.credit_volume
    assert sum(Decimal(b["amount"]) for b in stats.by_bank) == stats.all_volume == Decimal("150")
    rows = {b["bank"]: b for b in stats.by_bank}
    # Applications by 申请日期: the December 2025 application is last year's.
    assert (rows[BANK]["applied"], rows[BANK]["granted"]) == (0, 1)
    assert (rows["安阳农商银行"]["applied"], rows["安阳农商银行"]["granted"]) == (1, 1)
    last = {b["bank"]: b for b in selectors.statistics(2025).by_bank}
    assert (last[BANK]["applied"], last[BANK]["granted"], last[BANK]["amount"]) == (1, 0, "0")


def test_bank_participations_are_counted_per_event():
    for day in (date(2026, 5, 21), date(2026, 9, 17)):
        MatchmakingEvent.objects.create(
            title="银企对接会",
            held_on=day,
            banks=["中国银行安阳北关支行", "安阳农商银行"],
            firm_count=10,
            evidence="签到表",
        )
    stats = selectors.statistics(2026)
    assert stats.event_firms == 20
    assert stats.event_banks == 4


def test_a_bank_named_twice_for_one_event_participates_once():
    ev = services.record_matchmaking(
        actor=admin(),
        title="2026年第四季度银企对接会",
        held_on=date(2026, 11, 20),
        banks="中国银行安阳北关支行、安阳农商银行、中国银行安阳北关支行",
        firm_count=12,
        evidence="签到表",
    )
    assert ev.banks == ["中国银行安阳北关支行", "安阳农商银行"]
    assert selectors.statistics(2026).event_banks == 2


# ---------------------------------------------------------------- 4. ledger metric


def test_white_list_metric_of_a_past_period_is_not_todays_list():
    credit, reviewer = admin(), finance_reviewer()
    _good()
    firm("MA46D1L7", "安阳市北关区红旗路物业服务有限公司", grade="B")
    run = _publish(credit, reviewer)
    assert timezone.localtime(run.published_at).date() > date(2026, 3, 31)
    first_quarter = Period(date(2026, 1, 1), date(2026, 3, 31))
    assert ledger_metrics.white_list_pushed(None, first_quarter) == 0
    assert ledger_metrics.white_list_pushed(None, Period.month(2026, 11)) == 2


def test_white_list_metric_counts_the_list_in_force_at_the_period_end():
    credit, reviewer = admin(), finance_reviewer()
    good = _good()
    firm("MA46D1L7", "安阳市北关区红旗路物业服务有限公司", grade="B")
    run = _publish(credit, reviewer)
    _published_on(run, date(2026, 2, 10))
    set_grade(good, "C")
    services.rescreen(on=date(2026, 5, 6), trigger="每日复核")
    assert ledger_metrics.white_list_pushed(None, Period.month(2026, 1)) == 0
    assert ledger_metrics.white_list_pushed(None, Period.month(2026, 3)) == 2
    # Removed on 5 May: still listed on 5 May, off by the end of the month.
    assert ledger_metrics.white_list_pushed(None, Period(date(2026, 5, 1), date(2026, 5, 5))) == 2
    assert ledger_metrics.white_list_pushed(None, Period.month(2026, 5)) == 1


# ---------------------------------------------------------------- 10. grade of the base day


def _change(subject, old: str, new: str, at: datetime) -> None:
    GradeChange.objects.create(
        subject=subject, old_grade=old, new_grade=new, reason="每日重算", changed_at=at
    )


def test_screening_on_a_past_base_day_uses_the_grade_of_that_day():
    credit = admin()
    good = _good()
    set_grade(good, "C")
    _change(good, "A", "C", datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI))
    run = services.screen(actor=credit, on=date(2026, 10, 9))
    item = WhitelistItem.objects.get(run=run, subject=good)
    assert (item.grade, item.status) == ("A", "listed")
    today = services.screen(actor=credit, on=TODAY)
    assert WhitelistItem.objects.get(run=today, subject=good).grade == "C"


def test_grade_of_a_past_day_is_the_last_change_by_that_day():
    credit = admin()
    good = _good()
    later = firm("MA46D1L7", "安阳市北关区红旗路物业服务有限公司", grade="B")
    set_grade(good, "A")
    _change(good, "", "C", datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI))
    # Late evening of the base day in Shanghai (13:30 UTC): counts for that day.
    _change(good, "C", "B", datetime(2026, 10, 9, 21, 30, tzinfo=SHANGHAI))
    _change(good, "B", "A", datetime(2026, 10, 20, 9, 0, tzinfo=SHANGHAI))
    # First graded after the base day: ungraded on it.
    _change(later, "", "B", datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI))
    run = services.screen(actor=credit, on=date(2026, 10, 9))
    items = {i.subject_id: i for i in run.items.all()}
    assert items[good.pk].grade == "B"
    assert (items[later.pk].grade, items[later.pk].status) == ("", "ineligible")
    assert "尚未评价信用等级" in str(items[later.pk].reasons)
    before = services.screen(actor=credit, on=date(2026, 2, 28))
    assert {i.subject_id: i.grade for i in before.items.all()}[good.pk] == ""


# ---------------------------------------------------------------- 7. firm count bound


@pytest.mark.parametrize("count", ["99999999999999999999", "100001", "-3"])
def test_an_absurd_firm_count_is_refused_in_chinese(count):
    with pytest.raises(DomainError, match="参加企业数"):
        services.record_matchmaking(
            actor=admin(),
            title="2026年第四季度银企对接会",
            held_on=date(2026, 11, 20),
            banks="中国银行安阳北关支行",
            firm_count=count,
            evidence="签到表",
        )
    assert MatchmakingEvent.objects.count() == 0


def test_events_form_refuses_an_absurd_firm_count(client):
    client.raise_request_exception = False
    client.force_login(admin())
    r = client.post(
        reverse("finance:events"),
        {
            "title": "2026年第四季度银企对接会",
            "held_on": "2026-11-20",
            "venue": "区政务服务中心",
            "banks": "中国银行安阳北关支行",
            "firms": "",
            "firm_count": "99999999999999999999",
            "evidence": "签到表",
        },
    )
    assert r.status_code in (200, 302)
    assert MatchmakingEvent.objects.count() == 0


# ---------------------------------------------------------------- 8. resubmitted outcome


def _granted(bank, subject, **extra):
    values = {
        "applied_on": TODAY.isoformat(),
        "status": "granted",
        "granted_on": TODAY.isoformat(),
        "amount_wan": "100",
        "loan_type": "credit",
        "rate_percent": "3.8",
        "term_months": "12",
    }
    values.update(extra)
    return services.report_outcome(actor=bank, subject=subject, **values)


def test_a_resubmitted_outcome_is_refused_naming_the_one_recorded():
    credit, reviewer, bank = admin(), finance_reviewer(), bank_user()
    good = _good()
    _publish(credit, reviewer)
    first = _granted(bank, good)
    with pytest.raises(DomainError, match=f"已报送过.*编号 {first.pk}"):
        _granted(bank, good)
    # The same again with 万元 written "100.00": still the same loan.
    with pytest.raises(DomainError, match="已报送过"):
        _granted(bank, good, amount_wan="100.00")
    assert LoanOutcome.objects.filter(subject=good).count() == 1
    assert selectors.statistics(2026).credit_volume == Decimal("100")


def test_a_second_different_loan_of_the_same_firm_is_recorded():
    credit, reviewer, bank = admin(), finance_reviewer(), bank_user()
    good = _good()
    _publish(credit, reviewer)
    _granted(bank, good)
    _granted(
        bank,
        good,
        amount_wan="50",
    )
    _granted(bank, good, loan_type="secured")
    other = bank_user("bank2", "中国工商银行安阳北关支行")
    _granted(other, good)
    assert LoanOutcome.objects.filter(subject=good).count() == 4


def test_an_update_that_makes_an_outcome_a_copy_of_another_is_refused():
    credit, reviewer, bank = admin(), finance_reviewer(), bank_user()
    good = _good()
    _publish(credit, reviewer)
    _granted(bank, good)
    applied = services.report_outcome(actor=bank, subject=good, applied_on=TODAY, status="applied")
    with pytest.raises(DomainError, match="已报送过"):
        services.update_outcome(
            actor=bank,
            outcome=applied,
            status="granted",
            granted_on=TODAY,
            amount_wan="100",
            loan_type="credit",
            rate_percent="3.8",
        )
    # Updating an outcome with its own values is no copy of another.
    services.update_outcome(actor=bank, outcome=applied, status="applied", note="补充材料中")


def test_a_resubmitted_outcome_form_does_not_count_the_loan_twice(client):
    credit, reviewer, bank = admin(), finance_reviewer(), bank_user()
    good = _good()
    _publish(credit, reviewer)
    form = {
        "applied_on": TODAY.isoformat(),
        "status": "granted",
        "granted_on": TODAY.isoformat(),
        "amount_wan": "100",
        "loan_type": "credit",
        "rate_percent": "3.8",
        "term_months": "12",
    }
    client.force_login(bank)
    url = reverse("finance:bank-subject", args=[good.pk])
    client.post(url, form)
    client.post(url, form)
    assert LoanOutcome.objects.filter(subject=good).count() == 1
    assert selectors.statistics(2026).credit_volume == Decimal("100")


# ---------------------------------------------------------------- decimals beyond storage


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount_wan", "0.001", "金额（万元）最多 2 位小数"),
        ("amount_wan", "100.125", "金额（万元）最多 2 位小数"),
        ("rate_percent", "3.8125", "年利率（%）最多 3 位小数"),
        ("rate_percent", "0.0001", "年利率（%）最多 3 位小数"),
    ],
)
def test_more_decimals_than_stored_are_refused(field, value, message):
    credit, reviewer, bank = admin(), finance_reviewer(), bank_user()
    good = _good()
    _publish(credit, reviewer)
    with pytest.raises(DomainError, match=message):
        _granted(bank, good, **{field: value})
    assert not LoanOutcome.objects.exists()


def test_decimals_within_storage_are_kept_exactly():
    credit, reviewer, bank = admin(), finance_reviewer(), bank_user()
    good = _good()
    _publish(credit, reviewer)
    o = _granted(bank, good, amount_wan="0.01", rate_percent="3.125")
    o.refresh_from_db()
    assert (o.amount_wan, o.rate_percent) == (Decimal("0.01"), Decimal("3.125"))
    # Trailing zeros are no extra precision.
    o2 = _granted(bank, good, amount_wan="12.500", rate_percent="3.8000")
    o2.refresh_from_db()
    assert (o2.amount_wan, o2.rate_percent) == (Decimal("12.50"), Decimal("3.800"))


def test_city_growth_with_more_decimals_than_stored_is_refused():
    with pytest.raises(DomainError, match="全市平均增速最多 2 位小数"):
        services.set_benchmark(
            actor=admin(), year=2026, city_growth_percent="12.345", source="市金融局"
        )
