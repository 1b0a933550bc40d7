"""A unit reporting its own decision after the city platform pushed it down takes the
record over: the record moves to the unit's own batch, is dated by the unit's own report
(deadline and 迟报 from the decision date, 发改办财金〔2018〕424号) and counts in the unit's
rates (DOMAIN.md §4: 上报率 = records reported ÷ declared). The city's changed copy of a
unit's own record stays refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from xinyong.collection import quality, selectors
from xinyong.collection.models import Batch, QualityWarning
from xinyong.core.models import Event
from xinyong.records.models import CreditRecord, RecordVersion

from .qhelpers import declare, penalty_row, unit
from .test_upstream_batches import _ingest

pytestmark = pytest.mark.django_db

OCT = selectors.Period.month(2026, 10)
SECOND = "北市监罚〔2026〕2号"
TAKEN_OVER_NOTE = (
    "1 条记录此前由市平台下发，本次由本单位自行报送：已转为本单位的报送，"
    "报送期限和迟报按本次报送日期计算，计入本单位的及时率、上报率。"
)


def _rates(name: str) -> Any:
    return next(r for r in selectors.unit_rates(OCT) if r.unit.name == name)


def test_the_unit_reporting_its_pushed_down_decision_takes_the_record_over(clock: Any) -> None:
    clock.today = date(2026, 11, 3)
    scj = unit("区市场监管局")
    declare(scj, 2026, 10, 3)
    rows = [penalty_row(n, decided="2026-10-09") for n in (1, 2, 3)]
    city = _ingest([rows[1]], Batch.Channel.UPSTREAM, date(2026, 10, 12), unit=scj)
    pushed = CreditRecord.objects.get(batch=city.batch)
    assert (pushed.document_number, pushed.deadline, pushed.is_late) == (SECOND, None, False)

    own = _ingest(rows, Batch.Channel.API, date(2026, 10, 13), unit=scj)

    # The unit's first report of 2号: accepted, as 1号 and 3号, not a duplicate.
    assert (own.accepted, own.updated, own.duplicates, own.rejected, own.late) == (3, 0, 0, 0, 0)
    own.batch.refresh_from_db()
    assert (own.batch.accepted, own.batch.duplicates) == (3, 0)
    assert TAKEN_OVER_NOTE in own.warnings
    pushed.refresh_from_db()
    # Dated by the unit's report: 7 working days from Friday 10-09 (10-10 is a working
    # Saturday of the 2026 National Day schedule) end on 10-19.
    assert (pushed.batch_id, pushed.reported_on, pushed.deadline, pushed.is_late) == (
        own.batch.pk,
        date(2026, 10, 13),
        date(2026, 10, 19),
        False,
    )
    assert (pushed.version, pushed.source_unit_id) == (1, scj.pk)
    assert not RecordVersion.objects.filter(record=pushed).exists()
    event = Event.objects.get(action="collection.ingest", target_id=str(own.batch.pk))
    assert event.new_values["taken_over_records"] == [pushed.pk]
    assert event.new_values["taken_over_count"] == 1

    rates = _rates("区市场监管局")
    assert (rates.reported, rates.declared, rates.decided_reported) == (3, 3, 3)
    assert (rates.late, rates.reporting, rates.timeliness) == (
        0,
        Decimal("100.00"),
        Decimal("100.00"),
    )
    summary = quality.check_unit_period(scj, 2026, 10, today=date(2026, 11, 3))
    assert summary.warnings == []
    assert not QualityWarning.objects.filter(unit=scj, resolution="").exists()

    # Now the unit's own record: the city's same copy is a duplicate, its changed copy is
    # refused as before, and the record stays the unit's.
    again = _ingest([rows[1]], Batch.Channel.UPSTREAM, date(2026, 10, 20), unit=scj)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 1, 0)
    changed = {**rows[1], "CF_NR": "罚款3000元"}
    refused = _ingest([changed], Batch.Channel.UPSTREAM, date(2026, 10, 20), unit=scj)
    assert (refused.updated, refused.rejected) == (0, 1)
    assert refused.errors[0].code == "own_record"
    pushed.refresh_from_db()
    assert (pushed.batch_id, pushed.reported_on) == (own.batch.pk, date(2026, 10, 13))


def test_a_different_own_row_is_the_units_version_of_the_record(clock: Any) -> None:
    clock.today = date(2026, 11, 3)
    scj = unit("区市场监管局")
    declare(scj, 2026, 10, 1)
    row = penalty_row(2, decided="2026-10-09")
    city = _ingest([row], Batch.Channel.UPSTREAM, date(2026, 10, 12), unit=scj)
    pushed = CreditRecord.objects.get(batch=city.batch)

    own = _ingest(
        [{**row, "BZ": "当事人已缴纳罚款"}], Batch.Channel.API, date(2026, 10, 13), unit=scj
    )

    # The deciding unit's content prevails: a correction, the city's copy kept as version 1.
    assert (own.accepted, own.updated, own.duplicates, own.rejected, own.late) == (0, 1, 0, 0, 0)
    assert not own.errors
    pushed.refresh_from_db()
    assert pushed.payload["BZ"] == "当事人已缴纳罚款"
    assert (pushed.version, pushed.batch_id) == (2, own.batch.pk)
    assert (pushed.reported_on, pushed.deadline, pushed.is_late) == (
        date(2026, 10, 13),
        date(2026, 10, 19),
        False,
    )
    kept = RecordVersion.objects.get(record=pushed)
    assert (kept.version, kept.superseded_by_batch_id) == (1, own.batch.pk)
    assert kept.payload.get("BZ") in (None, "")
    event = Event.objects.get(action="collection.ingest", target_id=str(own.batch.pk))
    assert event.new_values["taken_over_records"] == [pushed.pk]
    assert event.new_values["corrected_records"] == [pushed.pk]

    rates = _rates("区市场监管局")
    assert (rates.reported, rates.declared, rates.reporting) == (1, 1, Decimal("100.00"))


def test_lateness_of_a_taken_over_record_is_counted_from_the_units_own_report(
    clock: Any,
) -> None:
    """Decided Tuesday 09-01, due 09-10: the city's copy of 09-03 was in time, the unit's
    own report of 10-13 is not; the lateness is the unit's."""
    clock.today = date(2026, 11, 3)
    scj = unit("区市场监管局")
    row = penalty_row(5, decided="2026-09-01")
    city = _ingest([row], Batch.Channel.UPSTREAM, date(2026, 9, 3), unit=scj)
    pushed = CreditRecord.objects.get(batch=city.batch)

    own = _ingest([row], Batch.Channel.UPLOAD, date(2026, 10, 13), unit=scj)

    assert (own.accepted, own.late) == (1, 1)
    pushed.refresh_from_db()
    assert (pushed.reported_on, pushed.deadline, pushed.is_late) == (
        date(2026, 10, 13),
        date(2026, 9, 10),
        True,
    )
    late = QualityWarning.objects.get(kind=QualityWarning.Kind.LATE_RECORD)
    assert (late.unit_id, late.record_id, late.period) == (scj.pk, pushed.pk, "2026-10")
    assert "报送期限 2026-09-10，实际报送 2026-10-13" in late.message
