from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.core import calendar
from xinyong.core.calendar import (
    add_workdays,
    deadline_for,
    is_workday,
    known_years,
    missing_next_year,
    workdays_between,
)
from xinyong.core.calendar_services import (
    delete_calendar_year,
    package_source,
    seed_from_package,
)
from xinyong.core.errors import CalendarUnknownYear
from xinyong.core.models import CalendarYear, Event, WorkdayException

pytestmark = pytest.mark.django_db

D = date


# --- 2026, as the State Council notice of 2025-11-04 has it (DOMAIN.md §3) ----------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 1, 1), False),  # 元旦
        (D(2026, 1, 2), False),
        (D(2026, 1, 3), False),
        (D(2026, 1, 4), True),  # Sunday, worked
        (D(2026, 2, 13), True),
        (D(2026, 2, 14), True),  # Saturday, worked
        (D(2026, 2, 15), False),  # 春节 2/15–2/23
        (D(2026, 2, 16), False),
        (D(2026, 2, 20), False),
        (D(2026, 2, 23), False),
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday, worked
        (D(2026, 3, 1), False),  # an ordinary Sunday
        (D(2026, 3, 2), True),  # an ordinary Monday
        (D(2026, 4, 6), False),  # 清明 4/4–4/6
        (D(2026, 5, 1), False),  # 劳动节 5/1–5/5
        (D(2026, 5, 5), False),
        (D(2026, 5, 6), True),
        (D(2026, 5, 9), True),  # Saturday, worked
        (D(2026, 6, 19), False),  # 端午
        (D(2026, 9, 20), True),  # Sunday, worked
        (D(2026, 9, 25), False),  # 中秋
        (D(2026, 10, 1), False),  # 国庆 10/1–10/7
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday, worked
        (D(2026, 10, 11), False),
    ],
)
def test_2026_schedule(day: date, expected: bool) -> None:
    assert is_workday(day) is expected


def test_2026_has_248_working_days() -> None:
    assert calendar.current().workdays_in_year(2026) == 248
    assert workdays_between(D(2025, 12, 31), D(2026, 12, 31)) == 248


def test_seven_working_days_from_a_decision_on_30_january_2026() -> None:
    # The decision day is not counted (民法典 art. 201); 2/1 is a Sunday.
    assert add_workdays(D(2026, 1, 30), 7) == D(2026, 2, 10)
    assert workdays_between(D(2026, 1, 30), D(2026, 2, 10)) == 7


def test_deadline_across_national_day() -> None:
    # 10/8 Thu, 10/9 Fri, 10/10 Sat (worked), 10/12–10/15.
    assert add_workdays(D(2026, 9, 30), 7) == D(2026, 10, 15)
    assert add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_workdays(D(2026, 10, 3), 1) == D(2026, 10, 8)  # decided on a holiday


def test_deadline_across_spring_festival() -> None:
    # 2/14 Sat (worked), 2/24–2/27, 2/28 Sat (worked), 3/2 Mon.
    assert add_workdays(D(2026, 2, 13), 7) == D(2026, 3, 2)
    assert add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_workdays(D(2026, 2, 14), 1) == D(2026, 2, 24)


def test_deadline_across_the_year_end() -> None:
    # 2025-12-31 Wed; 2026-01-01..03 off; 1/4 Sun worked; 1/5 Mon.
    assert add_workdays(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert add_workdays(D(2025, 12, 31), 2) == D(2026, 1, 5)
    assert workdays_between(D(2025, 12, 31), D(2026, 1, 5)) == 2


def test_zero_days_returns_the_same_date_even_on_a_holiday() -> None:
    assert add_workdays(D(2026, 10, 1), 0) == D(2026, 10, 1)
    assert add_workdays(D(2026, 3, 2), 0) == D(2026, 3, 2)


def test_negative_days_count_backwards() -> None:
    assert add_workdays(D(2026, 2, 10), -7) == D(2026, 1, 30)
    assert add_workdays(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert add_workdays(D(2026, 10, 4), -1) == D(2026, 9, 30)  # from inside 国庆
    assert add_workdays(D(2026, 3, 2), -1) == D(2026, 2, 28)  # the worked Saturday


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2026, 1, 30), D(2026, 2, 10), 7),
        (D(2026, 9, 30), D(2026, 10, 8), 1),
        (D(2026, 10, 1), D(2026, 10, 7), 0),  # all holidays
        (D(2026, 2, 13), D(2026, 3, 2), 7),
        (D(2026, 3, 2), D(2026, 3, 2), 0),  # same day
        (D(2026, 2, 10), D(2026, 1, 30), 0),  # b before a: never negative
        (D(2026, 3, 6), D(2026, 3, 9), 1),  # Friday → Monday
    ],
)
def test_workdays_between(a: date, b: date, expected: int) -> None:
    assert workdays_between(a, b) == expected


def test_unknown_year_raises_naming_the_year() -> None:
    with pytest.raises(CalendarUnknownYear) as info:
        is_workday(D(2027, 1, 4))
    assert info.value.year == 2027
    assert "2027 年" in info.value.message
    with pytest.raises(CalendarUnknownYear) as info:
        add_workdays(D(2026, 12, 31), 1)  # the deadline falls into 2027
    assert info.value.year == 2027
    with pytest.raises(CalendarUnknownYear) as info:
        workdays_between(D(2026, 12, 1), D(2027, 1, 10))
    assert info.value.year == 2027
    with pytest.raises(CalendarUnknownYear) as info:
        add_workdays(D(2004, 1, 2), -1)  # 2004-01-01 is a holiday; before it lies 2003
    assert info.value.year == 2003
    with pytest.raises(CalendarUnknownYear) as info:
        add_workdays(D(2027, 3, 1), 0)
    assert info.value.year == 2027


def test_a_missing_year_in_the_middle_is_never_bridged() -> None:
    delete_calendar_year(actor=None, year=2010)
    assert is_workday(D(2009, 12, 31)) is True
    with pytest.raises(CalendarUnknownYear) as info:
        add_workdays(D(2009, 12, 31), 1)
    assert info.value.year == 2010
    with pytest.raises(CalendarUnknownYear) as info:
        workdays_between(D(2009, 6, 1), D(2011, 6, 1))
    assert info.value.year == 2010
    with pytest.raises(CalendarUnknownYear) as info:
        add_workdays(D(2011, 1, 4), -5)
    assert info.value.year == 2010
    assert 2010 not in known_years()


def test_wrong_argument_types_are_refused() -> None:
    with pytest.raises(TypeError):
        is_workday(datetime(2026, 1, 30, 12, 0))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        add_workdays(D(2026, 1, 30), 7.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        add_workdays(D(2026, 1, 30), True)


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=D(2004, 3, 1), max_value=D(2026, 9, 30)),
    n=st.integers(min_value=0, max_value=40),
)
def test_add_and_between_agree(day: date, n: int) -> None:
    result = add_workdays(day, n)
    assert workdays_between(day, result) == n
    if n > 0:
        assert is_workday(result)
        assert workdays_between(day, result - timedelta(days=1)) == n - 1
        assert add_workdays(result, -n) <= day < result


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=D(2004, 3, 1), max_value=D(2026, 9, 30)),
    n=st.integers(min_value=-40, max_value=40),
)
def test_backwards_undoes_forwards_on_working_days(day: date, n: int) -> None:
    workday = day if is_workday(day) else add_workdays(day, 1)
    assert add_workdays(add_workdays(workday, n), -n) == workday


def test_deadline_for_computes_each_distinct_date_once() -> None:
    dates = [D(2026, 1, 30), D(2026, 9, 30), D(2026, 1, 30), D(2026, 2, 13)]
    assert deadline_for(dates, 7) == {
        D(2026, 1, 30): D(2026, 2, 10),
        D(2026, 9, 30): D(2026, 10, 15),
        D(2026, 2, 13): D(2026, 3, 2),
    }
    with pytest.raises(CalendarUnknownYear):
        deadline_for([D(2026, 1, 30), D(2026, 12, 28)], 7)
    assert deadline_for([D(2026, 1, 30), D(2026, 12, 28), D(2027, 2, 1)], 7, skip_unknown=True) == {
        D(2026, 1, 30): D(2026, 2, 10)
    }


def test_a_million_rows_are_fast(django_assert_max_num_queries) -> None:
    start = D(2025, 1, 1)
    rows = [start + timedelta(days=i % 700) for i in range(1_000_000)]
    began = time.perf_counter()
    with django_assert_max_num_queries(3):
        deadlines = deadline_for(rows, 7)
        cal = calendar.current()
        for day in rows[:200_000]:
            cal.add_workdays(day, 7)
    assert time.perf_counter() - began < 5.0  # ~0.4 s measured; generous for slow CI
    assert len(deadlines) == 700
    assert deadlines[D(2026, 1, 30)] == D(2026, 2, 10)


def test_known_years_and_the_next_year_banner() -> None:
    assert known_years() == set(range(2004, 2027))
    assert missing_next_year(D(2026, 11, 25)) == 2027
    assert missing_next_year(D(2026, 12, 31)) == 2027
    assert missing_next_year(D(2026, 10, 31)) is None
    assert missing_next_year(D(2025, 11, 25)) is None  # 2026 is loaded


def test_describe_day() -> None:
    assert calendar.describe_day(D(2026, 2, 14)) == "2026-02-14 星期六 工作日（春节调休上班）"
    assert calendar.describe_day(D(2026, 2, 16)) == "2026-02-16 星期一 休息日（春节）"
    assert calendar.describe_day(D(2026, 3, 7)) == "2026-03-07 星期六 休息日（周末）"
    assert calendar.describe_day(D(2026, 3, 9)) == "2026-03-09 星期一 工作日"


# --- the oracle: an independent copy of the official schedules ------------------------------


def _holiday_cn_overrides(folder: Path) -> dict[date, bool]:
    """date -> is a working day, from every holiday-cn year file."""
    overrides: dict[date, bool] = {}
    for path in sorted(folder.glob("20*.json")):
        for item in json.loads(path.read_text(encoding="utf-8"))["days"]:
            day = date.fromisoformat(item["date"])
            workday = not item["isOffDay"]
            assert overrides.get(day, workday) == workday, f"{path.name} contradicts for {day}"
            overrides[day] = workday
    return overrides


def test_oracle_every_day_2007_to_2026_matches_holiday_cn(realdata: Path) -> None:
    overrides = _holiday_cn_overrides(realdata / "holiday-cn")
    mismatches = []
    day = D(2007, 1, 1)
    checked = 0
    while day <= D(2026, 12, 31):
        expected = overrides.get(day, day.weekday() < 5)
        if is_workday(day) != expected:
            mismatches.append(day)
        checked += 1
        day += timedelta(days=1)
    assert checked == 7305
    assert mismatches == []
    # The cross-year entries (e.g. 2006-12-30 worked for 元旦 2007) agree too.
    for day, workday in overrides.items():
        assert is_workday(day) is workday, day


# --- the seed ----------------------------------------------------------------------------------


def test_seed_covers_2004_to_2026_from_the_package() -> None:
    years = dict(CalendarYear.objects.values_list("year", "source"))
    assert sorted(years) == list(range(2004, 2027))
    assert years[2026] == "chinese-calendar 1.11.0（国务院办公厅通知）" == package_source()
    holidays_2026 = WorkdayException.objects.filter(
        year_id=2026, kind=WorkdayException.Kind.HOLIDAY
    )
    # Weekend holidays are stored too, with their Chinese names.
    assert holidays_2026.get(date=D(2026, 1, 3)).name == "元旦"
    assert holidays_2026.get(date=D(2026, 2, 21)).name == "春节"
    assert holidays_2026.count() == 33
    makeups = WorkdayException.objects.filter(year_id=2026, kind=WorkdayException.Kind.WORKDAY)
    assert sorted(makeups.values_list("date", flat=True)) == [
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    ]
    assert WorkdayException.objects.get(date=D(2015, 9, 3)).name.startswith("抗日战争")


def test_seed_is_idempotent_and_writes_no_event_when_nothing_changes() -> None:
    before = Event.objects.count()
    summary = seed_from_package()
    assert summary == "已是最新（23 个年度）"
    assert Event.objects.count() == before
    assert WorkdayException.objects.count() == 771


def test_seed_from_scratch_is_fast_and_writes_one_event() -> None:
    WorkdayException.objects.all().delete()
    CalendarYear.objects.all().delete()
    assert known_years() == set()
    began = time.perf_counter()
    summary = seed_from_package()
    elapsed = time.perf_counter() - began
    assert summary == "载入 23 个年度（2004–2026），节假日与调休 771 条"
    assert elapsed < 1.5  # ~0.1 s measured
    event = Event.objects.order_by("-id").first()
    assert event is not None and event.action == "core.calendar_seed"
    assert event.new_values["years"] == list(range(2004, 2027))
    assert add_workdays(D(2026, 1, 30), 7) == D(2026, 2, 10)


def test_seed_replaces_an_older_package_version_but_never_an_office_maintained_year() -> None:
    CalendarYear.objects.filter(year=2005).update(
        source="chinese-calendar 1.9.0（国务院办公厅通知）"
    )
    CalendarYear.objects.filter(year=2006).update(source="国办发明电〔2005〕xx号（人工录入）")
    WorkdayException.objects.filter(date=D(2006, 1, 2)).delete()
    summary = seed_from_package()
    assert summary == "载入 1 个年度（2005–2005），节假日与调休 30 条"
    assert CalendarYear.objects.get(year=2005).source == package_source()
    assert CalendarYear.objects.get(year=2006).source == "国办发明电〔2005〕xx号（人工录入）"
    assert not WorkdayException.objects.filter(date=D(2006, 1, 2)).exists()


# --- the cache -----------------------------------------------------------------------------------


def test_a_direct_change_is_seen_at_once_and_touches_the_year() -> None:
    assert is_workday(D(2026, 3, 2)) is True
    loaded_before = CalendarYear.objects.get(year=2026).loaded_at
    WorkdayException.objects.create(
        date=D(2026, 3, 2), kind=WorkdayException.Kind.HOLIDAY, name="测试", year_id=2026
    )
    assert is_workday(D(2026, 3, 2)) is False
    assert CalendarYear.objects.get(year=2026).loaded_at > loaded_before


def test_a_rolled_back_change_is_never_served(django_assert_num_queries) -> None:
    assert is_workday(D(2026, 3, 3)) is True
    with pytest.raises(RuntimeError), transaction.atomic():
        WorkdayException.objects.create(
            date=D(2026, 3, 3), kind=WorkdayException.Kind.HOLIDAY, year_id=2026
        )
        assert is_workday(D(2026, 3, 3)) is False
        raise RuntimeError("roll back")
    assert is_workday(D(2026, 3, 3)) is True
    # Once the rollback is seen, the snapshot is trusted again: no query per call.
    with django_assert_num_queries(0):
        assert is_workday(D(2026, 3, 3)) is True
        assert add_workdays(D(2026, 1, 30), 7) == D(2026, 2, 10)


def test_a_change_by_another_process_is_seen_after_the_recheck(monkeypatch) -> None:
    assert is_workday(D(2026, 3, 4)) is True
    # What another process does: rows written without this process's signals.
    WorkdayException.objects.bulk_create(
        [WorkdayException(date=D(2026, 3, 4), kind=WorkdayException.Kind.HOLIDAY, year_id=2026)]
    )
    calendar.touch_year(2026)
    monkeypatch.setattr(calendar, "RECHECK_SECONDS", 0.0)
    assert is_workday(D(2026, 3, 4)) is False
