"""Write path of the working-day calendar: seeding, import of holiday-cn JSON, and the
admin's edits. Each function is one transaction writing exactly one event; what the
receivers of `calendar_years_loaded` / `calendar_days_changed` redo inside it (stored
reporting deadlines) they record themselves.

The reads (is_workday, add_workdays, …) live in `xinyong.core.calendar`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from typing import Any

from django.db import transaction

from . import calendar
from .audit import record_event
from .errors import DomainError, NotFoundError
from .inputs import refuse_control_characters
from .models import CalendarYear, WorkdayException

HOLIDAY = WorkdayException.Kind.HOLIDAY
WORKDAY = WorkdayException.Kind.WORKDAY

# Years an import may name: wide enough for any real notice, narrow enough to catch typos.
MIN_YEAR = 2000
MAX_YEAR = 2100
MAX_IMPORT_BYTES = 1024 * 1024
NAME_MAX = WorkdayException._meta.get_field("name").max_length or 50
SOURCE_MAX = CalendarYear._meta.get_field("source").max_length or 200

# Sources written by the package seed look exactly like this; any other source (an import,
# a manual edit) marks a year the credit office maintains, which the seed never overwrites.
PACKAGE_SOURCE_PREFIX = "chinese-calendar "
PACKAGE_SOURCE_SUFFIX = "（国务院办公厅通知）"
MANUAL_EDIT_MARK = "；经人工调整"

# chinese-calendar names its holidays in English; the platform shows Chinese.
PACKAGE_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _weekend(d: date) -> bool:
    return d.weekday() >= 5


def _counts(year: int) -> dict[str, int]:
    qs = WorkdayException.objects.filter(year_id=year)
    return {
        "holidays": qs.filter(kind=HOLIDAY).count(),
        "workdays": qs.filter(kind=WORKDAY).count(),
    }


def _is_workday(day: date, kind: str | None) -> bool:
    return kind == WORKDAY if kind else not _weekend(day)


def _changed_days(before: Mapping[date, str], after: Mapping[date, str]) -> list[date]:
    """The days whose status (working day or rest day) differs between two sets of
    exceptions {date: kind}: a holiday added on a Sunday or a renamed one changes none."""
    return sorted(
        d
        for d in before.keys() | after.keys()
        if _is_workday(d, before.get(d)) != _is_workday(d, after.get(d))
    )


def _stored_exceptions(years: Iterable[int]) -> dict[date, str]:
    return dict(
        WorkdayException.objects.filter(year_id__in=list(years)).values_list("date", "kind")
    )


def _year_state(year: CalendarYear) -> dict[str, Any]:
    return {"year": year.year, "source": year.source, **_counts(year.year)}


def _exception_state(exc: WorkdayException) -> dict[str, Any]:
    return {"date": exc.date, "kind": exc.kind, "name": exc.name, "year": exc.year_id}


# --- seeding from the chinese-calendar package -----------------------------------------------


def package_source() -> str:
    return f"{PACKAGE_SOURCE_PREFIX}{metadata.version('chinese-calendar')}{PACKAGE_SOURCE_SUFFIX}"


def is_package_source(source: str) -> bool:
    return source.startswith(PACKAGE_SOURCE_PREFIX) and source.endswith(PACKAGE_SOURCE_SUFFIX)


def package_exceptions() -> dict[int, list[tuple[date, str, str]]]:
    """Per year, the package's holidays (including those on weekends) and make-up working
    days, as (date, kind, Chinese name)."""
    import chinese_calendar

    by_year: dict[int, list[tuple[date, str, str]]] = {}
    for day, name in chinese_calendar.holidays.items():
        by_year.setdefault(day.year, []).append(
            (day, HOLIDAY, PACKAGE_HOLIDAY_NAMES.get(name, name or "")[:NAME_MAX])
        )
    for day, name in chinese_calendar.workdays.items():
        if not _weekend(day):
            continue  # a weekday is a working day anyway: nothing to store
        by_year.setdefault(day.year, []).append(
            (day, WORKDAY, PACKAGE_HOLIDAY_NAMES.get(name, name or "")[:NAME_MAX])
        )
    return by_year


def seed_from_package(*, actor: Any = None) -> str:
    """Load every year the package knows that is missing, or that an older package
    version seeded. Years the credit office imported or edited are left alone. Idempotent:
    a second run changes nothing and writes no event."""
    source = package_source()
    existing = dict(CalendarYear.objects.values_list("year", "source"))
    data = package_exceptions()
    todo = [
        year
        for year in sorted(data)
        if year not in existing or (is_package_source(existing[year]) and existing[year] != source)
    ]
    kept = sorted(y for y in data if y in existing and not is_package_source(existing[y]))
    if not todo:
        note = f"，其中 {len(kept)} 年为信用办维护，未覆盖" if kept else ""
        return f"已是最新（{len(existing)} 个年度{note}）"
    with transaction.atomic(), calendar.bulk_change():
        replaced = [y for y in todo if y in existing]
        before = _stored_exceptions(replaced)
        if replaced:
            WorkdayException.objects.filter(year_id__in=replaced).delete()
            CalendarYear.objects.filter(year__in=replaced).delete()
        CalendarYear.objects.bulk_create([CalendarYear(year=y, source=source) for y in todo])
        rows = [
            WorkdayException(date=d, kind=kind, name=name, year_id=y)
            for y in todo
            for d, kind, name in data[y]
        ]
        WorkdayException.objects.bulk_create(rows, batch_size=500)
        record_event(
            actor=actor,
            action="core.calendar_seed",
            target_type="calendar_year",
            target_id=f"{todo[0]}-{todo[-1]}",
            target_repr=f"工作日历 {todo[0]}–{todo[-1]} 年",
            old={"replaced_years": replaced} if replaced else None,
            new={"years": todo, "source": source, "exceptions": len(rows)},
        )
        after = {d: kind for y in replaced for d, kind, _name in data[y]}
        calendar.days_changed(_changed_days(before, after), actor=actor)
        calendar.years_loaded(todo, actor=actor)
    return f"载入 {len(todo)} 个年度（{todo[0]}–{todo[-1]}），节假日与调休 {len(rows)} 条"


# --- import of a holiday-cn JSON file ------------------------------------------------------------


@dataclass(frozen=True)
class ImportSummary:
    year: int
    holidays: int
    workdays: int
    skipped_cross_year: int
    replaced: bool
    source: str

    @property
    def message(self) -> str:
        verb = "已替换" if self.replaced else "已导入"
        extra = (
            f"；另有 {self.skipped_cross_year} 个跨年日期与相邻年度日历一致，未重复保存"
            if self.skipped_cross_year
            else ""
        )
        return f"{verb} {self.year} 年工作日历：节假日 {self.holidays} 天，调休上班 {self.workdays} 天{extra}。"


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError("文件过大：节假日安排文件不应超过 1 MB，请确认选择了正确的文件。")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(
            "文件不是 UTF-8 编码的 JSON，请使用 holiday-cn 格式的原始文件。"
        ) from None


def _parse_year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainError("文件缺少年份（year）或年份不是数字。")
    if isinstance(value, float):
        if not value.is_integer():
            raise DomainError(f"年份 {value} 不是整数。")
        value = int(value)
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise DomainError(f"年份 {value} 不在可接受的范围（{MIN_YEAR}–{MAX_YEAR}）内。")
    return value


@dataclass(frozen=True)
class _Day:
    date: date
    off: bool
    name: str


def _parse_days(raw: list[Any]) -> list[_Day]:
    days: list[_Day] = []
    seen: set[date] = set()
    for index, item in enumerate(raw, start=1):
        where = f"第 {index} 条日期"
        if not isinstance(item, dict):
            raise DomainError(f"{where}格式错误：应为包含 name、date、isOffDay 的对象。")
        text = item.get("date")
        if not isinstance(text, str) or not _ISO_DATE.match(text.strip()):
            raise DomainError(f"{where}的日期“{text}”无效，应为 YYYY-MM-DD 格式。")
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise DomainError(f"{where}的日期“{text}”不存在。") from None
        off = item.get("isOffDay")
        if not isinstance(off, bool):
            raise DomainError(f"{where}（{day}）缺少 isOffDay 或其值不是 true/false。")
        name = item.get("name", "")
        if not isinstance(name, str):
            raise DomainError(f"{where}（{day}）的节日名称（name）不是文字。")
        # A lone surrogate (JSON allows "\ud800") cannot be stored, NUL not on PostgreSQL.
        name = refuse_control_characters(name.strip(), f"{where}（{day}）的节日名称")
        if len(name) > NAME_MAX:
            raise DomainError(f"{where}（{day}）的节日名称过长（超过 {NAME_MAX} 个字）。")
        if day in seen:
            raise DomainError(f"{where}：{day} 重复出现。")
        seen.add(day)
        if not off and not _weekend(day):
            raise DomainError(
                f"{where}：{day}（{calendar.WEEKDAY_NAMES[day.weekday()]}）被标为调休上班，"
                "但当天本来就是工作日；调休上班日只能是周六或周日，请核对文件。"
            )
        days.append(_Day(day, off, name))
    return days


def import_holiday_cn_json(
    *,
    data: bytes | str,
    actor: Any,
    source: str | None = None,
    expected_year: int | None = None,
) -> ImportSummary:
    """Replace one year's holidays and make-up days with those of a holiday-cn JSON file
    ({"year", "papers", "days": [{"name", "date", "isOffDay"}]}).

    Days of the neighbouring year that the file repeats (a 元旦 break starting on 12-30)
    are accepted only when the calendar already says the same for them; otherwise the
    file is refused, since they belong to the other year's schedule."""
    text = _decode(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError(
            f"文件不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有错误。"
        ) from None
    except RecursionError:
        # "[[[[…" nested past the interpreter's recursion limit; 1 MB allows 500 000 levels,
        # a real holiday-cn file has three.
        raise DomainError(
            "文件中的 JSON 嵌套层数过多，不是 holiday-cn 格式的节假日安排文件。"
        ) from None
    if not isinstance(doc, dict):
        raise DomainError("文件内容应为 holiday-cn 格式的 JSON 对象（含 year、papers、days）。")
    year = _parse_year(doc.get("year"))
    if expected_year is not None and expected_year != year:
        raise DomainError(f"文件中的年份为 {year}，与指定的年份 {expected_year} 不符。")
    papers = doc.get("papers", [])
    if not isinstance(papers, list) or not all(isinstance(p, str) for p in papers):
        raise DomainError("文件中的通知网址列表（papers）格式错误：应为文字列表。")
    for index, paper in enumerate(papers, start=1):
        refuse_control_characters(paper, f"第 {index} 个通知网址（papers）")
    source = refuse_control_characters((source or "").strip(), "来源")
    raw_days = doc.get("days")
    if not isinstance(raw_days, list):
        raise DomainError("文件缺少日期列表（days）。")
    if not raw_days:
        raise DomainError(
            f"{year} 年的节假日安排尚未公布（文件中没有任何日期），不能导入；"
            f"请在国务院办公厅发布 {year} 年节假日安排的通知后再导入。"
        )
    days = _parse_days(raw_days)

    cal = calendar.current()
    own: list[_Day] = []
    skipped = 0
    for day in days:
        if day.date.year == year:
            own.append(day)
            continue
        if cal.is_known(day.date) and cal.is_workday(day.date) == (not day.off):
            skipped += 1
            continue
        other = day.date.year
        if not cal.is_known(day.date):
            raise DomainError(
                f"{day.date} 不在 {year} 年内，而 {other} 年的日历尚未载入；"
                f"请先导入 {other} 年的日历。"
            )
        raise DomainError(
            f"{day.date} 不在 {year} 年内，且与已载入的 {other} 年日历不一致；"
            f"请核对文件，或先在配置管理中修正 {other} 年的日历。"
        )
    if not own:
        raise DomainError(f"文件中没有 {year} 年内的日期，不能导入。")

    if not source:
        links = "、".join(p.strip() for p in papers if p.strip())
        source = f"holiday-cn {year}.json" + (f"（{links}）" if links else "")
    source = source[:SOURCE_MAX]

    with transaction.atomic(), calendar.bulk_change():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        old = _year_state(existing) if existing else None
        before = _stored_exceptions([year]) if existing else {}
        if existing:
            WorkdayException.objects.filter(year_id=year).delete()
            existing.source = source
            existing.save()  # also moves loaded_at, which the cache fingerprint watches
            cal_year = existing
        else:
            cal_year = CalendarYear.objects.create(year=year, source=source)
        WorkdayException.objects.bulk_create(
            [
                WorkdayException(
                    date=d.date, kind=HOLIDAY if d.off else WORKDAY, name=d.name, year=cal_year
                )
                for d in own
            ]
        )
        summary = ImportSummary(
            year=year,
            holidays=sum(1 for d in own if d.off),
            workdays=sum(1 for d in own if not d.off),
            skipped_cross_year=skipped,
            replaced=existing is not None,
            source=source,
        )
        record_event(
            actor=actor,
            action="core.calendar_import",
            target_type="calendar_year",
            target_id=year,
            target_repr=f"{year}年工作日历",
            old=old,
            new={
                "year": year,
                "source": source,
                "holidays": summary.holidays,
                "workdays": summary.workdays,
            },
        )
        if existing:
            after = {d.date: HOLIDAY if d.off else WORKDAY for d in own}
            calendar.days_changed(_changed_days(before, after), actor=actor)
        calendar.years_loaded([year], actor=actor)
    return summary


# --- the admin's edits -----------------------------------------------------------------------------


def save_calendar_year(*, actor: Any, year: int, source: str) -> CalendarYear:
    """Create a year (its days then follow the weekday rule until exceptions are added) or
    change its source note."""
    source = refuse_control_characters((source or "").strip(), "来源")[:SOURCE_MAX]
    if not source:
        raise DomainError("请填写来源（例如国务院办公厅通知的文号或网址）。")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(f"年份 {year} 不在可接受的范围（{MIN_YEAR}–{MAX_YEAR}）内。")
    with transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        old = _year_state(existing) if existing else None
        obj = existing or CalendarYear(year=year)
        obj.source = source
        obj.save()
        record_event(
            actor=actor,
            action="core.calendar_year_update" if existing else "core.calendar_year_create",
            target_type="calendar_year",
            target_id=year,
            target_repr=f"{year}年工作日历",
            old=old,
            new=_year_state(obj),
        )
        calendar.years_loaded([year], actor=actor)
    return obj


def delete_calendar_year(*, actor: Any, year: int) -> None:
    """Forget a year and all its exceptions: its dates become unknown again."""
    with transaction.atomic(), calendar.bulk_change():
        obj = CalendarYear.objects.select_for_update().filter(year=year).first()
        if obj is None:
            raise NotFoundError(f"工作日历中没有 {year} 年。")
        old = _year_state(obj)
        WorkdayException.objects.filter(year_id=year).delete()
        obj.delete()
        record_event(
            actor=actor,
            action="core.calendar_year_delete",
            target_type="calendar_year",
            target_id=year,
            target_repr=f"{year}年工作日历",
            old=old,
            new=None,
        )


def validate_workday_exception(
    *, day: date, kind: str, name: str = "", exclude_pk: int | None = None
) -> None:
    """The checks `save_workday_exception` applies, for forms to show before saving."""
    if kind not in WorkdayException.Kind.values:
        raise DomainError("类型无效：应为“休息日（节假日）”或“工作日（调休上班）”。")
    if kind == WORKDAY and not _weekend(day):
        raise DomainError(
            f"{day} 是{calendar.WEEKDAY_NAMES[day.weekday()]}，本来就是工作日；"
            "调休上班日只能是周六或周日。"
        )
    refuse_control_characters(name, "节日名称")
    if len(name) > NAME_MAX:
        raise DomainError(f"节日名称不能超过 {NAME_MAX} 个字。")
    if not CalendarYear.objects.filter(year=day.year).exists():
        raise DomainError(f"工作日历中还没有 {day.year} 年，请先添加该年度或导入其节假日安排。")
    clash = WorkdayException.objects.filter(date=day)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(f"{day} 已有一条节假日或调休记录，请修改那一条。")


def _mark_manual(year: int) -> None:
    # A hand-edited year is the credit office's own: the package seed must not overwrite it.
    obj = CalendarYear.objects.select_for_update().get(year=year)
    if MANUAL_EDIT_MARK not in obj.source:
        obj.source = (obj.source[: SOURCE_MAX - len(MANUAL_EDIT_MARK)] + MANUAL_EDIT_MARK).strip()
    obj.save()  # moves loaded_at in any case


def save_workday_exception(
    *, actor: Any, day: date, kind: str, name: str = "", pk: int | None = None
) -> WorkdayException:
    """Add or change one holiday / make-up working day. Its year follows from the date."""
    name = (name or "").strip()
    with transaction.atomic(), calendar.bulk_change():
        validate_workday_exception(day=day, kind=kind, name=name, exclude_pk=pk)
        if pk is None:
            obj = WorkdayException(date=day, kind=kind, name=name, year_id=day.year)
            old = None
        else:
            found = WorkdayException.objects.select_for_update().filter(pk=pk).first()
            if found is None:
                raise NotFoundError("该节假日或调休记录不存在或已被删除。")
            obj = found
            old = _exception_state(obj)
            old_year = obj.year_id
            obj.date, obj.kind, obj.name, obj.year_id = day, kind, name, day.year
            if old_year != day.year:
                _mark_manual(old_year)
        obj.save()
        _mark_manual(day.year)
        record_event(
            actor=actor,
            action="core.workday_exception_update" if old else "core.workday_exception_create",
            target_type="workday_exception",
            target_id=obj.pk,
            target_repr=str(obj),
            old=old,
            new=_exception_state(obj),
        )
        before = {old["date"]: old["kind"]} if old else {}
        calendar.days_changed(_changed_days(before, {day: kind}), actor=actor)
    return obj


def delete_workday_exception(*, actor: Any, pk: int) -> None:
    with transaction.atomic(), calendar.bulk_change():
        obj = WorkdayException.objects.select_for_update().filter(pk=pk).first()
        if obj is None:
            raise NotFoundError("该节假日或调休记录不存在或已被删除。")
        old = _exception_state(obj)
        text = str(obj)
        obj.delete()
        _mark_manual(old["year"])
        record_event(
            actor=actor,
            action="core.workday_exception_delete",
            target_type="workday_exception",
            target_id=pk,
            target_repr=text,
            old=old,
            new=None,
        )
        calendar.days_changed(_changed_days({old["date"]: old["kind"]}, {}), actor=actor)


def delete_workday_exceptions(*, actor: Any, pks: Iterable[int]) -> int:
    """Delete several (the admin's bulk action): one service call, hence one event, each."""
    count = 0
    for pk in pks:
        delete_workday_exception(actor=actor, pk=pk)
        count += 1
    return count


def record_recount(
    *,
    actor: Any,
    action: str,
    what: str,
    new: Mapping[str, Any],
    years: Iterable[int] = (),
    days: Iterable[date] = (),
) -> None:
    """The one event a module writes after it redid the dates it derives from the calendar
    (a receiver of `calendar.calendar_years_loaded` with `years`, of
    `calendar.calendar_days_changed` with `days`): every module's history names the load
    or the edit it follows the same way — target 日历年度 "2027" / "2027-2028", or
    节假日调整 "2026-10-10" / "2026-10-01~2026-10-10"."""
    loaded = sorted(set(years))
    if loaded:
        first_year, last_year = loaded[0], loaded[-1]
        record_event(
            actor=actor,
            action=action,
            target_type="calendar_year",
            target_id=str(first_year) if first_year == last_year else f"{first_year}-{last_year}",
            target_repr=f"工作日历载入（{'、'.join(str(y) for y in loaded)} 年）后补算{what}",
            new=dict(new),
        )
        return
    changed = sorted(set(days))
    first, last = changed[0], changed[-1]
    record_event(
        actor=actor,
        action=action,
        target_type="workday_exception",
        target_id=str(first) if first == last else f"{first}~{last}",
        target_repr=f"工作日历调整（{'、'.join(str(d) for d in changed)}）后重算{what}",
        new=dict(new),
    )
