"""Reading people's input in services: free text with a length limit, dates in the forms
departments write them, and a row-level problem of an imported file. One reading for
every app, so that the same input gets the same answer everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import DomainError

MAX_TEXT = 4000


def clean_text(value: Any, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"请填写{label}。")
    if len(text) > limit:
        raise DomainError(f"{label}过长：最多 {limit} 个字。")
    return text


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
