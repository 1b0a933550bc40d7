from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from xinyong.core.calendar import add_workdays, current, is_workday, known_years
from xinyong.core.calendar_services import (
    delete_calendar_year,
    delete_workday_exception,
    import_holiday_cn_json,
    save_calendar_year,
    save_workday_exception,
    seed_from_package,
)
from xinyong.core.errors import CalendarUnknownYear, DomainError
from xinyong.core.models import CalendarYear, Event, WorkdayException

pytestmark = pytest.mark.django_db

D = date
PAPER = "https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm"


def doc(year: Any = 2026, days: Any = None, **extra: Any) -> str:
    if days is None:
        days = [{"name": "元旦", "date": "2026-01-01", "isOffDay": True}]
    return json.dumps({"year": year, "papers": [PAPER], "days": days, **extra}, ensure_ascii=False)


def refused(data: str | bytes, **kwargs: Any) -> str:
    events = Event.objects.count()
    exceptions = list(WorkdayException.objects.filter(year_id=2026).values_list("date", "kind"))
    with pytest.raises(DomainError) as info:
        import_holiday_cn_json(data=data, actor=None, **kwargs)
    # A refusal changes nothing and writes no event.
    assert Event.objects.count() == events
    assert (
        list(WorkdayException.objects.filter(year_id=2026).values_list("date", "kind"))
        == exceptions
    )
    return info.value.message


def test_import_2026_into_a_fresh_year(realdata: Path) -> None:
    delete_calendar_year(actor=None, year=2026)
    assert 2026 not in known_years()
    with pytest.raises(CalendarUnknownYear):
        is_workday(D(2026, 1, 4))

    summary = import_holiday_cn_json(
        data=(realdata / "holiday-cn" / "2026.json").read_bytes(), actor=None
    )
    assert (summary.year, summary.holidays, summary.workdays, summary.replaced) == (
        2026,
        33,
        6,
        False,
    )
    assert summary.message == "已导入 2026 年工作日历：节假日 33 天，调休上班 6 天。"
    assert CalendarYear.objects.get(year=2026).source == f"holiday-cn 2026.json（{PAPER}）"
    assert current().workdays_in_year(2026) == 248
    assert is_workday(D(2026, 1, 4)) and is_workday(D(2026, 10, 10))
    assert not is_workday(D(2026, 2, 23))
    assert add_workdays(D(2026, 1, 30), 7) == D(2026, 2, 10)
    assert WorkdayException.objects.get(date=D(2026, 10, 4)).name == "国庆节"

    event = Event.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.target_type, event.target_id) == (
        "core.calendar_import",
        "calendar_year",
        "2026",
    )
    assert event.old_values is None
    assert event.new_values == {
        "year": 2026,
        "source": f"holiday-cn 2026.json（{PAPER}）",
        "holidays": 33,
        "workdays": 6,
    }


def test_import_replaces_a_year_and_keeps_it_from_the_seed(realdata: Path) -> None:
    summary = import_holiday_cn_json(
        data=(realdata / "holiday-cn" / "2026.json").read_text(encoding="utf-8"),
        actor=None,
        source="国办发明电〔2025〕7号",
    )
    assert summary.replaced is True
    event = Event.objects.order_by("-id").first()
    assert event is not None
    assert event.old_values == {
        "year": 2026,
        "source": "chinese-calendar 1.11.0（国务院办公厅通知）",
        "holidays": 33,
        "workdays": 6,
    }
    seed_from_package()
    assert CalendarYear.objects.get(year=2026).source == "国办发明电〔2025〕7号"


def test_a_year_with_cross_year_days_imports_when_its_neighbour_agrees(realdata: Path) -> None:
    # 2019.json repeats 2018-12-29 (worked) and 2018-12-30/31 (off) from the 元旦 break.
    summary = import_holiday_cn_json(
        data=(realdata / "holiday-cn" / "2019.json").read_bytes(), actor=None
    )
    assert (summary.year, summary.skipped_cross_year) == (2019, 3)
    assert is_workday(D(2018, 12, 29)) is True
    assert is_workday(D(2018, 12, 31)) is False
    assert WorkdayException.objects.get(date=D(2018, 12, 31)).year_id == 2018


def test_2027_is_refused_as_not_yet_announced(realdata: Path) -> None:
    message = refused((realdata / "holiday-cn" / "2027.json").read_bytes())
    assert message == (
        "2027 年的节假日安排尚未公布（文件中没有任何日期），不能导入；"
        "请在国务院办公厅发布 2027 年节假日安排的通知后再导入。"
    )
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize(
    ("data", "kwargs", "expected"),
    [
        ("{not json", {}, "文件不是有效的 JSON：第 1 行第 2 列附近有错误。"),
        ("[1, 2]", {}, "文件内容应为 holiday-cn 格式的 JSON 对象（含 year、papers、days）。"),
        (doc(year="2026"), {}, "文件缺少年份（year）或年份不是数字。"),
        (doc(year=1999), {}, "年份 1999 不在可接受的范围（2000–2100）内。"),
        (doc(), {"expected_year": 2025}, "文件中的年份为 2026，与指定的年份 2025 不符。"),
        (doc(days={}), {}, "文件缺少日期列表（days）。"),
        (doc(papers="x"), {}, "文件中的通知网址列表（papers）格式错误：应为文字列表。"),
        (
            doc(days=[{"name": "元旦", "date": "2026-1-1", "isOffDay": True}]),
            {},
            "第 1 条日期的日期“2026-1-1”无效，应为 YYYY-MM-DD 格式。",
        ),
        (
            doc(days=[{"name": "元旦", "date": "2026-02-30", "isOffDay": True}]),
            {},
            "第 1 条日期的日期“2026-02-30”不存在。",
        ),
        (
            doc(days=[{"name": "元旦", "date": "2026-01-01", "isOffDay": "yes"}]),
            {},
            "第 1 条日期（2026-01-01）缺少 isOffDay 或其值不是 true/false。",
        ),
        (
            doc(
                days=[
                    {"name": "元旦", "date": "2026-01-01", "isOffDay": True},
                    {"name": "元旦", "date": "2026-01-01", "isOffDay": True},
                ]
            ),
            {},
            "第 2 条日期：2026-01-01 重复出现。",
        ),
        (
            # 2026-03-03 is a Tuesday: a make-up working day must be a weekend day.
            doc(days=[{"name": "春节", "date": "2026-03-03", "isOffDay": False}]),
            {},
            "第 1 条日期：2026-03-03（星期二）被标为调休上班，但当天本来就是工作日；"
            "调休上班日只能是周六或周日，请核对文件。",
        ),
        (
            # 2025-12-31 was a working day in the 2025 schedule: the file contradicts it.
            doc(
                days=[
                    {"name": "元旦", "date": "2025-12-31", "isOffDay": True},
                    {"name": "元旦", "date": "2026-01-01", "isOffDay": True},
                ]
            ),
            {},
            "2025-12-31 不在 2026 年内，且与已载入的 2025 年日历不一致；请核对文件，或先在配置管理中修正 2025 年的日历。",
        ),
        (
            doc(year=2030, days=[{"name": "元旦", "date": "2029-12-31", "isOffDay": True}]),
            {},
            "2029-12-31 不在 2030 年内，而 2029 年的日历尚未载入；请先导入 2029 年的日历。",
        ),
        (
            "\ufeff".encode() + b"\xb4\xba\xbd\xda",
            {},
            "文件不是 UTF-8 编码的 JSON，请使用 holiday-cn 格式的原始文件。",
        ),
    ],
)
def test_malformed_files_are_refused_with_a_chinese_reason(
    data: Any, kwargs: Any, expected: str
) -> None:
    assert refused(data, **kwargs) == expected


def test_a_consistent_cross_year_day_is_skipped_not_stored() -> None:
    days = [
        {"name": "元旦", "date": "2025-12-28", "isOffDay": True},  # a Sunday: off anyway
        {"name": "元旦", "date": "2026-01-01", "isOffDay": True},
    ]
    summary = import_holiday_cn_json(data=doc(days=days), actor=None)
    assert (summary.holidays, summary.workdays, summary.skipped_cross_year) == (1, 0, 1)
    assert not WorkdayException.objects.filter(date=D(2025, 12, 28)).exists()
    # The whole year was replaced: 2026-10-01 is an ordinary Thursday in this file.
    assert is_workday(D(2026, 10, 1)) is True


def test_admin_edits_write_events_and_protect_the_year_from_the_seed() -> None:
    exc = save_workday_exception(actor=None, day=D(2026, 3, 7), kind="workday", name="测试调休")
    assert is_workday(D(2026, 3, 7)) is True
    assert exc.year_id == 2026
    assert CalendarYear.objects.get(year=2026).source.endswith("；经人工调整")
    event = Event.objects.order_by("-id").first()
    assert event is not None and event.action == "core.workday_exception_create"
    assert event.new_values == {
        "date": "2026-03-07",
        "kind": "workday",
        "name": "测试调休",
        "year": 2026,
    }

    save_workday_exception(
        actor=None, day=D(2026, 3, 7), kind="holiday", name="改为休息", pk=exc.pk
    )
    assert is_workday(D(2026, 3, 7)) is False
    event = Event.objects.order_by("-id").first()
    assert event is not None and event.action == "core.workday_exception_update"
    assert event.old_values["kind"] == "workday"

    delete_workday_exception(actor=None, pk=exc.pk)
    assert is_workday(D(2026, 3, 7)) is False  # an ordinary Saturday again
    assert Event.objects.order_by("-id").first().action == "core.workday_exception_delete"  # type: ignore[union-attr]

    seed_from_package()
    assert not WorkdayException.objects.filter(date=D(2026, 3, 7)).exists()
    assert CalendarYear.objects.get(year=2026).source.endswith("；经人工调整")


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        (
            D(2026, 3, 3),
            "workday",
            "2026-03-03 是星期二，本来就是工作日；调休上班日只能是周六或周日。",
        ),
        (D(2027, 1, 2), "workday", "工作日历中还没有 2027 年，请先添加该年度或导入其节假日安排。"),
        (D(2026, 1, 1), "holiday", "2026-01-01 已有一条节假日或调休记录，请修改那一条。"),
        (D(2026, 3, 3), "other", "类型无效：应为“休息日（节假日）”或“工作日（调休上班）”。"),
    ],
)
def test_exception_edits_are_validated(day: date, kind: str, expected: str) -> None:
    with pytest.raises(DomainError) as info:
        save_workday_exception(actor=None, day=day, kind=kind)
    assert info.value.message == expected


def test_a_new_year_can_be_entered_by_hand() -> None:
    save_calendar_year(actor=None, year=2027, source="国办发明电〔2026〕X号")
    assert 2027 in known_years()
    save_workday_exception(actor=None, day=D(2027, 1, 1), kind="holiday", name="元旦")
    assert is_workday(D(2027, 1, 1)) is False
    assert add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert Event.objects.filter(action="core.calendar_year_create", target_id="2027").count() == 1
    with pytest.raises(DomainError) as info:
        save_calendar_year(actor=None, year=2027, source="  ")
    assert info.value.message == "请填写来源（例如国务院办公厅通知的文号或网址）。"
