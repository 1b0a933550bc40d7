"""Reading people's input in services: free text with a length limit, row ids, dates in
the forms departments write them, and a row-level problem of an imported file. One
reading for every app, so that the same input gets the same answer everywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import DomainError

MAX_TEXT = 4000


# Control characters (Unicode category Cc) other than tab and line breaks: never meant in
# a form field or a cell, and PostgreSQL text cannot hold NUL. One definition for the
# forms (here) and the collection pipeline (a polars regex over whole columns).
CONTROL_CHARACTERS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
_CONTROL = re.compile(CONTROL_CHARACTERS)
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def refuse_control_characters(text: str, label: str) -> str:
    """`text` unchanged, or a Chinese refusal when it holds a control character or a lone
    surrogate (which no database or file can store). A required field of invisible
    characters must not pass as filled in either."""
    if _CONTROL.search(text) or LONE_SURROGATE.search(text):
        raise DomainError(f"{label}含有无法识别的控制字符，请删除后重新填写。")
    return text


def clean_text(value: Any, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = refuse_control_characters(str(value or "").strip(), label)
    if required and not text:
        raise DomainError(f"请填写{label}。")
    if len(text) > limit:
        raise DomainError(f"{label}过长：最多 {limit} 个字。")
    return text


_ID = re.compile(r"[0-9]{1,18}")


def positive_id(value: Any) -> int | None:
    """A row id as typed in a form, query string, API field or CLI argument, or None. ASCII
    digits only: `str.isdigit()` is also True for "²", which int() refuses, and int()
    reads full-width and other Unicode digits ("١٢٣" is 123) as another row's id; a
    value past SQLite's 64-bit integers (18 digits stay below 2**63) made the lookup a
    500. A JSON integer is taken as it is, within the same range (never a bool)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value < 2**63 else None
    text = str(value or "").strip()
    number = int(text) if _ID.fullmatch(text) else 0
    return number if number > 0 else None


def clean_year(value: Any) -> int:
    """A year typed in a form or query (2000–2100); `str.isdigit` is not enough: it
    accepts "²", which int() then refuses."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(f"年度“{str(value)[:20]}”无效，应为 2026 这样的四位年份。") from None
    if not 2000 <= number <= 2100:
        raise DomainError(f"年度“{str(value)[:20]}”超出范围（2000–2100）。")
    return number


# The earliest date a person may give for an act the platform records (a list entry, a
# commitment …): no list or commitment the platform carries is older (the national
# 失信被执行人名单 dates from 2013), and 0001-01-01 or 1900-01-01 are typing slips that
# would otherwise reach date arithmetic and codes (a 承诺编码 with a short year).
EARLIEST_DAY = date(2000, 1, 1)


def clean_day(value: Any, label: str, *, not_after_today: bool = False) -> date:
    """A required date in any form `clean_date` reads, not before EARLIEST_DAY and, for a
    step that records what already happened, not after today."""
    from django.utils import timezone

    day = clean_date(value, label)
    assert day is not None
    if day < EARLIEST_DAY:
        raise DomainError(f"{label} {day.isoformat()} 早于 {EARLIEST_DAY.isoformat()}，请核对。")
    if not_after_today and day > timezone.localdate():
        raise DomainError(
            f"{label} {day.isoformat()} 晚于今天（{timezone.localdate().isoformat()}），"
            "不能预先登记。"
        )
    return day


def clean_date(value: Any, label: str, *, required: bool = True) -> date | None:
    """A date object, or text in any unambiguous form the collection pipeline reads
    (2026-9-28, 2026/9/28, 2026年9月28日, Excel serials, datetimes)."""
    if value in (None, ""):
        if required:
            raise DomainError(f"请填写{label}。")
        return None
    if isinstance(value, date):
        return value
    from xinyong.collection.pipeline.validate import parse_date

    parsed, problem = parse_date(str(value).strip()[:40])
    if parsed is None:
        raise DomainError(f"{label}：{problem}")
    return date.fromisoformat(parsed)


@dataclass
class RowProblem:
    """Why one row of an imported file was refused: its spreadsheet row number (header = 1),
    the column as written in the file (or "整行"), and the reason."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}
