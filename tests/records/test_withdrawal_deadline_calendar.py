"""The 3-working-day deadline for withdrawing a revoked penalty from publicity (行政处罚法
art. 48; art. 85: 三日 means working days) follows the working-day calendar: filled in when
a year unknown at the withdrawal is loaded, redone when a loaded year's holidays change."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from xinyong.collection.services import ingest_rows
from xinyong.core import calendar_services
from xinyong.core.models import CalendarYear, Event, WorkdayException
from xinyong.records.models import CreditRecord, RecordWithdrawal
from xinyong.records.services import withdraw_record

from ..collection.ingest_helpers import org_row
from ..collection.test_rules_review_fixes import holiday_cn_2027

pytestmark = pytest.mark.django_db

RECALCULATE = "records.withdrawal_deadlines_recalculate"


def _penalty(n: int, *, decided: str, reported: date) -> CreditRecord:
    result = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=[org_row(n, CF_JDRQ=decided)],
        reported_on=reported,
    )
    assert result.accepted == 1, [e.as_dict() for e in result.errors]
    return CreditRecord.objects.get(batch=result.batch)


def _withdraw(record: CreditRecord, *, revoked: date, on: date) -> RecordWithdrawal:
    withdraw_record(
        actor=None,
        record=record,
        reason="经行政复议，原处罚决定被撤销",
        revoked_on=revoked,
        on=on,
    )
    return RecordWithdrawal.objects.get(record=record)


def test_a_deadline_in_a_year_not_loaded_is_filled_in_when_the_year_is_imported(
    clock: Any,
) -> None:
    clock.today = date(2027, 1, 6)
    CalendarYear.objects.filter(year__gte=2027).delete()
    record = _penalty(1, decided="2026-12-10", reported=date(2026, 12, 11))
    # Revoked Tuesday 2026-12-29: working days 12-30, 12-31, then 2027, not loaded.
    withdrawal = _withdraw(record, revoked=date(2026, 12, 29), on=date(2027, 1, 6))
    assert (withdrawal.deadline, withdrawal.is_late) == (None, False)

    # 2027 New Year: 01-01 (Fri) to 01-03 off, so the third working day is Monday 01-04;
    # withdrawn on 01-06, two working days late.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    withdrawal.refresh_from_db()
    assert (withdrawal.deadline, withdrawal.is_late) == (date(2027, 1, 4), True)
    event = Event.objects.get(action=RECALCULATE)
    assert event.target_type == "calendar_year" and event.target_id == "2027"
    assert event.new_values["withdrawals"][0]["record"] == record.pk
    assert event.new_values["withdrawals"][0]["deadline"] == "2027-01-04"

    # Loading the year again changes nothing and writes no second event.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert Event.objects.filter(action=RECALCULATE).count() == 1


def test_removing_the_make_up_working_day_moves_the_deadline_and_lifts_the_lateness(
    clock: Any,
) -> None:
    clock.today = date(2026, 11, 30)
    record = _penalty(2, decided="2026-09-21", reported=date(2026, 9, 22))
    # Revoked Friday 10-09: 10-10 (make-up Saturday), 10-12, 10-13 → due 10-13; withdrawn
    # 10-14, late.
    withdrawal = _withdraw(record, revoked=date(2026, 10, 9), on=date(2026, 10, 14))
    assert (withdrawal.deadline, withdrawal.is_late) == (date(2026, 10, 13), True)
    # One revoked after the changed day is left alone.
    later = _withdraw(
        _penalty(3, decided="2026-09-21", reported=date(2026, 9, 22)),
        revoked=date(2026, 10, 12),
        on=date(2026, 10, 14),
    )
    assert later.deadline == date(2026, 10, 15)

    calendar_services.delete_workday_exception(
        actor=None, pk=WorkdayException.objects.get(date=date(2026, 10, 10)).pk
    )
    # Without the make-up day: 10-12, 10-13, 10-14 → due 10-14; withdrawn that day, on time.
    withdrawal.refresh_from_db()
    assert (withdrawal.deadline, withdrawal.is_late) == (date(2026, 10, 14), False)
    later.refresh_from_db()
    assert (later.deadline, later.is_late) == (date(2026, 10, 15), False)
    [event] = Event.objects.filter(action=RECALCULATE)
    assert event.target_type == "workday_exception" and event.target_id == "2026-10-10"
    assert [w["record"] for w in event.new_values["withdrawals"]] == [record.pk]
    assert event.new_values["withdrawals"][0]["old_late"] is True
