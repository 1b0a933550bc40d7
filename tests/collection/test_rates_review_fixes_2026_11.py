"""Review of issue 3 §3, defects 2 and 4 (2026-11): which reports count toward a month's
上报率, and which units a period's rates and 通报 list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.collection.qhelpers import batch, declare, record, unit
from xinyong.collection import quality, reports, selectors
from xinyong.collection.models import QualityWarning

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ 2. 上报率


def test_reporting_rate_counts_on_time_report_after_month_end() -> None:
    """Decided 2026-10-30, deadline 2026-11-10, reported on time 11-05: it counts toward
    October's declaration, in 上报率 as in the under-reporting check."""
    scj = unit("区市场监管局")
    declare(scj, 2026, 10, 1)
    record(scj, "北市监罚〔2026〕1号", decided=date(2026, 10, 30), reported=date(2026, 11, 5))
    batch(scj, reported=date(2026, 11, 5), rows=1)
    quality.check_unit_period(scj, 2026, 10, today=date(2026, 11, 26))
    assert not QualityWarning.objects.filter(
        unit=scj, period="2026-10", kind=QualityWarning.Kind.UNDER_REPORTED, resolution=""
    ).exists()
    period = selectors.Period.month(2026, 10)
    row = selectors.unit_rates(period, record_types=selectors.deadline_types(), units=[scj])[0]
    assert row.decided_reported == 1
    assert row.reporting == Decimal("100.00")
    assert selectors.declared_reporting(period, units=[scj]) == {scj.pk: (1, 1)}


def test_reporting_rate_and_tongbao_agree_for_late_month_decisions() -> None:
    """Two declared, one decided 10-09 reported in October, one decided 10-29 reported
    11-04: the October 通报 (made in November) says 100.00%, and the records counted are
    the ones `declared_month_records` returns (the shortfall check's rule)."""
    scj = unit("区市场监管局")
    declare(scj, 2026, 10, 2)
    record(scj, "北市监罚〔2026〕1号", decided=date(2026, 10, 9), reported=date(2026, 10, 12))
    record(scj, "北市监罚〔2026〕2号", decided=date(2026, 10, 29), reported=date(2026, 11, 4))
    period = selectors.Period.month(2026, 10)
    assert selectors.declared_month_records(period).filter(source_unit=scj).count() == 2
    row = next(r for r in reports.monthly_report(period).rows if r.unit == scj)
    assert (row.decided_reported, row.declared) == (2, 2)
    assert row.reporting == Decimal("100.00")


def test_reporting_definition_says_which_reports_count() -> None:
    text = selectors.RATE_DEFINITIONS["reporting"]
    assert "次月报送的也计入" in text and "截至统计时" in text


# ------------------------------------------------------------------ 4. units of a period


def test_october_tongbao_keeps_unit_deactivated_in_november() -> None:
    oct_ = selectors.Period.month(2026, 10)
    scj = unit("区市场监管局")
    for n in range(1, 4):
        record(
            scj,
            f"北市监罚〔2026〕{n}号",
            decided=date(2026, 10, 9),
            reported=date(2026, 10, 20),
            late=n == 1,
        )
    batch(scj, reported=date(2026, 10, 20), rows=3)
    before = reports.monthly_report(oct_)
    assert (before.totals.reported, before.totals.late) == (3, 1)
    scj.active = False
    scj.save(update_fields=["active"])
    after = reports.monthly_report(oct_)
    assert (after.totals.reported, after.totals.late) == (3, 1)
    assert [r.unit for r in after.rows].count(scj) == 1
    assert len(after.rows) == len(before.rows)


def test_deactivated_unit_listed_only_in_periods_it_has_data() -> None:
    scj = unit("区市场监管局")
    fgw = unit("区发改委")
    declare(fgw, 2026, 9, 2)  # a declaration alone keeps the unit in September
    record(scj, "北市监罚〔2026〕1号", decided=date(2026, 10, 9), reported=date(2026, 10, 20))
    for u in (scj, fgw):
        u.active = False
        u.save(update_fields=["active"])
    types = selectors.deadline_types()
    oct_ids = [
        r.unit.pk
        for r in selectors.unit_rates(selectors.Period.month(2026, 10), record_types=types)
    ]
    sep_ids = [
        r.unit.pk for r in selectors.unit_rates(selectors.Period.month(2026, 9), record_types=types)
    ]
    nov_ids = [
        r.unit.pk
        for r in selectors.unit_rates(selectors.Period.month(2026, 11), record_types=types)
    ]
    assert scj.pk in oct_ids and fgw.pk not in oct_ids
    assert fgw.pk in sep_ids and scj.pk not in sep_ids
    assert scj.pk not in nov_ids and fgw.pk not in nov_ids
    assert selectors.units_for_period(selectors.Period.month(2026, 10)).count(scj) == 1


def test_overview_marks_deactivated_unit(client) -> None:  # type: ignore[no-untyped-def]
    from tests.collection.qhelpers import user
    from xinyong.orgs.models import Role

    scj = unit("区市场监管局")
    record(scj, "北市监罚〔2026〕1号", decided=date(2026, 10, 9), reported=date(2026, 10, 20))
    scj.active = False
    scj.save(update_fields=["active"])
    admin = user("office_admin_rates", Role.CREDIT_ADMIN, "区发改委")
    client.force_login(admin)
    page = client.get("/workspace/collection/?period=2026-10").content.decode()
    assert "区市场监管局（已停用）" in page


def test_rates_api_keeps_a_unit_deactivated_after_the_period() -> None:
    from rest_framework.test import APIClient

    from tests.collection.qhelpers import user

    scj = unit("区市场监管局")
    record(scj, "北市监罚〔2026〕9号", decided=date(2026, 10, 9), reported=date(2026, 10, 20))
    batch(scj, reported=date(2026, 10, 20), rows=1)
    scj.active = False
    scj.save(update_fields=["active"])
    api = APIClient()
    api.force_authenticate(user("rates_admin_x", "credit_admin"))
    body = api.get("/api/v1/collection/rates", {"period": "2026-10"}).json()
    row = next(u for u in body["units"] if u["unit"] == scj.name)
    assert row["reported"] == 1
