"""`calendar_days_changed`: the calendar services name the days of loaded years whose
status (working day or rest day) an edit changed, inside the edit's transaction; the
collection app redoes the deadlines stored from them (tests/collection/
test_calendar_edit_deadlines.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from xinyong.core import calendar, calendar_services
from xinyong.core.calendar import calendar_days_changed
from xinyong.core.models import CalendarYear, WorkdayException

pytestmark = pytest.mark.django_db

HOLIDAY = WorkdayException.Kind.HOLIDAY
WORKDAY = WorkdayException.Kind.WORKDAY


@pytest.fixture
def sent() -> Iterator[list[tuple[list[date], Any, list[bool]]]]:
    """(days, actor, each day's is_workday as the receiver sees it) per signal."""
    seen: list[tuple[list[date], Any, list[bool]]] = []

    def receiver(sender: Any, days: list[date], actor: Any = None, **kwargs: Any) -> None:
        seen.append((days, actor, [calendar.is_workday(d) for d in days]))

    calendar_days_changed.connect(receiver, dispatch_uid="test_days_changed")
    try:
        yield seen
    finally:
        calendar_days_changed.disconnect(dispatch_uid="test_days_changed")


def test_adding_moving_and_deleting_an_exception_names_the_days(sent: list[Any]) -> None:
    # Thursday 2026-10-15 becomes a holiday: a change, and the receiver sees it already.
    obj = calendar_services.save_workday_exception(
        actor="信用办", day=date(2026, 10, 15), kind=HOLIDAY, name="测试"
    )
    assert sent == [([date(2026, 10, 15)], "信用办", [False])]
    # Moved to Friday 10-16: both days change.
    calendar_services.save_workday_exception(
        actor=None, pk=obj.pk, day=date(2026, 10, 16), kind=HOLIDAY, name="测试"
    )
    assert sent[-1][::2] == ([date(2026, 10, 15), date(2026, 10, 16)], [True, False])
    calendar_services.delete_workday_exception(actor=None, pk=obj.pk)
    assert sent[-1][0] == [date(2026, 10, 16)]
    # The make-up Saturday 10-10 turned into a holiday in place.
    saturday = WorkdayException.objects.get(date=date(2026, 10, 10))
    calendar_services.save_workday_exception(
        actor=None, pk=saturday.pk, day=saturday.date, kind=HOLIDAY, name="国庆节"
    )
    assert sent[-1][::2] == ([date(2026, 10, 10)], [False])
    assert len(sent) == 4


def test_edits_that_change_no_day_send_nothing(sent: list[Any]) -> None:
    holiday = WorkdayException.objects.get(date=date(2026, 10, 7))
    calendar_services.save_workday_exception(
        actor=None, pk=holiday.pk, day=holiday.date, kind=HOLIDAY, name="国庆"
    )
    # Sunday 10-11 rests anyway, with or without a holiday row.
    sunday = calendar_services.save_workday_exception(
        actor=None, day=date(2026, 10, 11), kind=HOLIDAY, name="国庆节"
    )
    calendar_services.delete_workday_exception(actor=None, pk=sunday.pk)
    assert sent == []


def test_reimport_names_the_differences_and_a_new_year_none(sent: list[Any]) -> None:
    days = [
        {"name": name, "date": d.isoformat(), "isOffDay": kind == HOLIDAY}
        for d, kind, name in WorkdayException.objects.filter(year_id=2026).values_list(
            "date", "kind", "name"
        )
        if d not in (date(2026, 10, 10), date(2026, 10, 3))  # 10-03 is a Saturday
    ]
    days.append({"name": "测试", "date": "2026-11-02", "isOffDay": True})
    calendar_services.import_holiday_cn_json(
        data=json.dumps({"year": 2026, "papers": [], "days": days}), actor=None
    )
    assert [s[0] for s in sent] == [[date(2026, 10, 10), date(2026, 11, 2)]]

    CalendarYear.objects.filter(year__gte=2027).delete()
    calendar_services.import_holiday_cn_json(
        data=json.dumps(
            {
                "year": 2027,
                "papers": [],
                "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": True}],
            }
        ),
        actor=None,
    )
    assert len(sent) == 1  # a year loaded for the first time is settled, not redone


def test_seed_replacing_an_older_package_year_names_the_differences(sent: list[Any]) -> None:
    CalendarYear.objects.filter(year=2026).update(
        source=f"{calendar_services.PACKAGE_SOURCE_PREFIX}0.1{calendar_services.PACKAGE_SOURCE_SUFFIX}"
    )
    # What the older version had wrong: 10-07 worked, Thursday 10-15 off.
    with calendar.bulk_change():
        WorkdayException.objects.filter(date=date(2026, 10, 7)).delete()
        WorkdayException.objects.create(date=date(2026, 10, 15), kind=HOLIDAY, year_id=2026)
    calendar_services.seed_from_package(actor=None)
    assert [s[0] for s in sent] == [[date(2026, 10, 7), date(2026, 10, 15)]]
