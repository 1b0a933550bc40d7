"""Reading people's input in services: free text with a length limit, dates in the forms
departments write them, and a row-level problem of an imported file. One reading for
every app, so that the same input gets the same answer everywhere."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import DomainError

MAX_TEXT = 4000


def refuse_control_characters(text: str, label: str) -> str:
    """`text` unchanged, or a Chinese refusal when it holds control characters other than
    line breaks and tabs, or lone surrogates: PostgreSQL text cannot store NUL or a lone
    surrogate, and none of them is ever meant in a form field. (A required field of
    invisible characters must not pass as filled in either.)"""
    for ch in text:
        category = unicodedata.category(ch)
        if (category == "Cc" and ch not in "\n\r\t") or category == "Cs":
            raise DomainError(f"{label}含有无法识别的控制字符，请删除后重新填写。")
    return text


def clean_text(value: Any, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = refuse_control_characters(str(value or "").strip(), label)
    if required and not text:
        raise DomainError(f"请填写{label}。")
    if len(text) > limit:
        raise DomainError(f"{label}过长：最多 {limit} 个字。")
    return text


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
