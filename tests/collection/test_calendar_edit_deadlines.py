"""An edit of a loaded year's holidays redoes the reporting deadlines and 迟报 it changes
(发改办财金〔2018〕424号: 7 working days from the decision, the start day not counted).

2026 National Day (the package's calendar): holidays 10-01 (Thu) … 10-07 (Wed), make-up
working day Saturday 10-10. A decision on Monday 09-28 has the deadline 10-13:
09-29, 09-30, 10-08, 10-09, 10-10, 10-12, 10-13."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from xinyong.collection import selectors
from xinyong.collection.models import Batch, QualityWarning
from xinyong.collection.services import ingest_rows, pushed_down
from xinyong.core import calendar_services
from xinyong.core.models import CalendarYear, Event, WorkdayException
from xinyong.records.models import CreditRecord

from .ingest_helpers import org_row
from .ingest_helpers import unit as unit_named
from .test_rules_review_fixes import holiday_cn_2027

pytestmark = pytest.mark.django_db

LATE = QualityWarning.Kind.LATE_RECORD
RECALCULATE = "collection.deadlines_recalculate"


@pytest.fixture(autouse=True)
def autumn(clock: Any) -> Any:
    clock.today = date(2026, 11, 30)
    return clock


def report(serial: int, decided: str, reported: date, unit: str = "区市场监管局") -> CreditRecord:
    result = ingest_rows(
        actor=None,
        unit=unit,
        record_type="行政处罚",
        rows=[org_row(serial, CF_JDRQ=decided)],
        reported_on=reported,
    )
    assert result.accepted == 1, result.errors
    return CreditRecord.objects.get(batch=result.batch)


def state(record: CreditRecord) -> tuple[date | None, bool]:
    record.refresh_from_db()
    return record.deadline, record.is_late


def exception(day: date) -> WorkdayException:
    return WorkdayException.objects.get(date=day)


def recalculations() -> list[dict[str, Any]]:
    return [e.new_values for e in Event.objects.filter(action=RECALCULATE).order_by("id")]


def test_removing_the_make_up_working_day_moves_the_deadline_and_lifts_the_late_warning() -> None:
    late = report(1, "2026-09-28", date(2026, 10, 14))
    on_time = report(2, "2026-09-28", date(2026, 10, 13))
    assert state(late) == (date(2026, 10, 13), True)
    assert state(on_time) == (date(2026, 10, 13), False)
    # Outside the window: decided long before, and decided after the edited day.
    early = report(3, "2026-09-01", date(2026, 9, 30))
    after = report(4, "2026-10-12", date(2026, 10, 20))
    # Wrong on purpose: a recomputation of these would put them right.
    CreditRecord.objects.filter(pk=early.pk).update(deadline=date(2026, 9, 11))
    CreditRecord.objects.filter(pk=after.pk).update(deadline=date(2026, 10, 30))
    with pushed_down():
        city = report(5, "2026-09-28", date(2026, 10, 20), unit="区发改委")
    warning = QualityWarning.objects.get(kind=LATE, record=late)
    october = selectors.Period.month(2026, 10)
    rates = selectors.unit_rates(october, units=[unit_named("区市场监管局")])[0]
    assert (rates.reported, rates.late) == (3, 1)

    # 10-10 declared a working day by mistake: 09-29, 09-30, 10-08, 10-09, 10-12, 10-13,
    # 10-14 → 10-14.
    calendar_services.delete_workday_exception(actor=None, pk=exception(date(2026, 10, 10)).pk)

    assert state(late) == (date(2026, 10, 14), False)
    assert state(on_time) == (date(2026, 10, 14), False)
    assert state(early) == (date(2026, 9, 11), True)
    assert state(after) == (date(2026, 10, 30), False)
    assert state(city) == (None, False)
    warning.refresh_from_db()
    assert warning.resolution == QualityWarning.Resolution.RESOLVED
    assert warning.resolution_note == (
        "工作日历调整后报送期限为 2026-10-14，该记录未超期限，自动解除"
    )
    assert warning.resolved_at is not None
    assert warning.key == f"record:{late.pk}#{warning.pk}"
    standing = QualityWarning.objects.filter(kind=LATE, resolution="")
    assert list(standing.values_list("record_id", flat=True)) == [early.pk]
    rates = selectors.unit_rates(october, units=[unit_named("区市场监管局")])[0]
    assert (rates.reported, rates.late, str(rates.timeliness)) == (3, 0, "100.00")
    # The batch keeps the count it reported.
    assert Batch.objects.get(pk=late.batch_id).late == 1
    assert recalculations() == [
        {
            "days": ["2026-10-10"],
            "records": 2,
            "turned_late": 0,
            "turned_on_time": 1,
            "undetermined": 0,
            "warnings_resolved": 1,
        }
    ]
    (event,) = Event.objects.filter(action=RECALCULATE)
    assert (event.target_type, event.target_id) == ("workday_exception", "2026-10-10")
    assert event.target_repr == "工作日历调整（2026-10-10）后重算报送期限"


def test_a_holiday_turned_working_day_makes_records_late_with_the_ingest_warning() -> None:
    turns_late = report(1, "2026-09-28", date(2026, 10, 13))
    stays_late = report(2, "2026-09-28", date(2026, 10, 20))
    old_warning = QualityWarning.objects.get(kind=LATE, record=stays_late)
    assert old_warning.message.endswith("报送期限 2026-10-13，实际报送 2026-10-20")

    # 10-07 worked after all: 09-29, 09-30, 10-07, 10-08, 10-09, 10-10, 10-12 → 10-12.
    calendar_services.delete_workday_exception(actor=None, pk=exception(date(2026, 10, 7)).pk)

    assert state(turns_late) == (date(2026, 10, 12), True)
    assert state(stays_late) == (date(2026, 10, 12), True)
    new = QualityWarning.objects.get(kind=LATE, record=turns_late)
    assert (new.unit, new.period, new.key, new.resolution) == (
        unit_named("区市场监管局"),
        "2026-10",
        f"record:{turns_late.pk}",
        "",
    )
    assert new.message == (
        "迟报：行政处罚（文书号 北关市监罚〔2026〕1号）决定日期 2026-09-28，报送期限 2026-10-12，"
        "实际报送 2026-10-13"
    )
    # The standing warning names the new deadline.
    old_warning.refresh_from_db()
    assert old_warning.resolution == ""
    assert old_warning.message == (
        "迟报：行政处罚（文书号 北关市监罚〔2026〕2号）决定日期 2026-09-28，报送期限 2026-10-12，"
        "实际报送 2026-10-20"
    )
    assert recalculations() == [
        {
            "days": ["2026-10-07"],
            "records": 2,
            "turned_late": 1,
            "turned_on_time": 0,
            "undetermined": 0,
            "warnings_resolved": 0,
        }
    ]


def test_a_moved_holiday_redoes_records_around_its_old_and_new_day() -> None:
    # Before: 10-07 holiday. Decided 10-08: 10-09, 10-10, 10-12, 10-13, 10-14, 10-15,
    # 10-16 → 10-16. Decided 10-06: 10-08 … 10-15 → 10-15.
    before_both = report(1, "2026-09-28", date(2026, 10, 13))
    between = report(2, "2026-10-08", date(2026, 10, 19))
    between_on_time = report(3, "2026-10-08", date(2026, 10, 16))
    in_holiday = report(4, "2026-10-06", date(2026, 10, 15))
    assert state(between) == (date(2026, 10, 16), True)
    assert state(in_holiday) == (date(2026, 10, 15), False)
    holiday = exception(date(2026, 10, 7))

    # The holiday moved to Friday 10-09: 10-07 is worked, 10-09 is not.
    calendar_services.save_workday_exception(
        actor=None, pk=holiday.pk, day=date(2026, 10, 9), kind=holiday.kind, name=holiday.name
    )

    # 09-29, 09-30, 10-07, 10-08, 10-10, 10-12, 10-13: one day gained, one lost.
    assert state(before_both) == (date(2026, 10, 13), False)
    # 10-10, 10-12, 10-13, 10-14, 10-15, 10-16, 10-19 → 10-19: only the new day counts.
    assert state(between) == (date(2026, 10, 19), False)
    assert state(between_on_time) == (date(2026, 10, 19), False)
    # 10-07, 10-08, 10-10, 10-12, 10-13, 10-14, 10-15: unchanged.
    assert state(in_holiday) == (date(2026, 10, 15), False)
    assert QualityWarning.objects.get(kind=LATE, record=between).resolution == (
        QualityWarning.Resolution.RESOLVED
    )
    assert recalculations() == [
        {
            "days": ["2026-10-07", "2026-10-09"],
            "records": 2,
            "turned_late": 0,
            "turned_on_time": 1,
            "undetermined": 0,
            "warnings_resolved": 1,
        }
    ]
    (event,) = Event.objects.filter(action=RECALCULATE)
    assert event.target_id == "2026-10-07~2026-10-09"


def test_renaming_a_holiday_or_adding_one_on_a_weekend_changes_no_record() -> None:
    record = report(1, "2026-09-28", date(2026, 10, 14))
    holiday = exception(date(2026, 10, 7))
    calendar_services.save_workday_exception(
        actor=None, pk=holiday.pk, day=holiday.date, kind=holiday.kind, name="国庆"
    )
    # Sunday 10-11 is a rest day anyway.
    assert not WorkdayException.objects.filter(date=date(2026, 10, 11)).exists()
    calendar_services.save_workday_exception(
        actor=None, day=date(2026, 10, 11), kind=WorkdayException.Kind.HOLIDAY, name="国庆节"
    )
    assert state(record) == (date(2026, 10, 13), True)
    assert recalculations() == []


def test_bulk_delete_redoes_each_edit() -> None:
    record = report(1, "2026-09-28", date(2026, 10, 14))
    # Without 10-06 and 10-07 as holidays: 09-29, 09-30, 10-06, 10-07, 10-08, 10-09,
    # 10-10 → 10-10.
    pks = [exception(date(2026, 10, 6)).pk, exception(date(2026, 10, 7)).pk]
    assert calendar_services.delete_workday_exceptions(actor=None, pks=pks) == 2
    assert state(record) == (date(2026, 10, 10), True)
    assert [e["days"] for e in recalculations()] == [["2026-10-06"], ["2026-10-07"]]
    assert QualityWarning.objects.filter(kind=LATE, record=record, resolution="").count() == 1


def test_reimporting_a_loaded_year_redoes_the_days_it_changes() -> None:
    record = report(1, "2026-09-28", date(2026, 10, 14))
    untouched = report(2, "2026-03-02", date(2026, 3, 20))
    CreditRecord.objects.filter(pk=untouched.pk).update(deadline=date(2026, 3, 12))
    days = [
        {"name": name or "国庆节", "date": d.isoformat(), "isOffDay": kind == "holiday"}
        for d, kind, name in WorkdayException.objects.filter(year_id=2026).values_list(
            "date", "kind", "name"
        )
        if d != date(2026, 10, 10)
    ]
    calendar_services.import_holiday_cn_json(
        data=json.dumps({"year": 2026, "papers": [], "days": days}), actor=None
    )
    assert state(record) == (date(2026, 10, 14), False)
    assert state(untouched) == (date(2026, 3, 12), True)
    assert [e["days"] for e in recalculations()] == [["2026-10-10"]]


def test_a_deadline_pushed_into_an_unknown_year_waits_for_that_year(clock: Any) -> None:
    clock.today = date(2027, 1, 20)
    CalendarYear.objects.filter(year__gte=2027).delete()
    # 2026-12-21 (Mon): 12-22, 12-23, 12-24, 12-25, 12-28, 12-29, 12-30 → 12-30.
    record = report(1, "2026-12-21", date(2027, 1, 5))
    assert state(record) == (date(2026, 12, 30), True)
    warning = QualityWarning.objects.get(kind=LATE, record=record)
    holiday = WorkdayException.Kind.HOLIDAY

    calendar_services.save_workday_exception(actor=None, day=date(2026, 12, 30), kind=holiday)
    assert state(record) == (date(2026, 12, 31), True)
    calendar_services.save_workday_exception(actor=None, day=date(2026, 12, 31), kind=holiday)
    # The 7th working day now lies in 2027, whose schedule is not loaded: 期限未定.
    assert state(record) == (None, False)
    warning.refresh_from_db()
    assert warning.resolution == QualityWarning.Resolution.RESOLVED
    assert warning.resolution_note == (
        "工作日历调整后报送期限落入尚未载入的年度，暂为“期限未定”，自动解除；载入后重新计算"
    )
    assert recalculations()[-1] == {
        "days": ["2026-12-31"],
        "records": 1,
        "turned_late": 0,
        "turned_on_time": 0,
        "undetermined": 1,
        "warnings_resolved": 1,
    }

    # 元旦 2027-01-01..03 off: 12-22 … 12-29, 01-04 → 2027-01-04; reported 01-05: late.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert state(record) == (date(2027, 1, 4), True)
    standing = QualityWarning.objects.get(kind=LATE, record=record, resolution="")
    assert standing.pk != warning.pk
    assert "报送期限 2027-01-04" in standing.message


def test_an_edit_in_the_configuration_admin_redoes_the_deadlines(admin_client: Any) -> None:
    """The way the office edits a day: 配置管理 → 节假日与调休, deleting the make-up day."""
    late = report(1, "2026-09-28", date(2026, 10, 14))
    assert state(late) == (date(2026, 10, 13), True)
    pk = exception(date(2026, 10, 10)).pk
    response = admin_client.post(f"/admin/core/workdayexception/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not WorkdayException.objects.filter(pk=pk).exists()
    assert state(late) == (date(2026, 10, 14), False)
    assert recalculations()[0]["turned_on_time"] == 1
