"""Helpers for every export a person opens in a spreadsheet program (XLSX, CSV).

A text cell that starts with `=`, `+`, `-` or `@` (or a tab / carriage return, which some
programs strip before evaluating) is read as a formula by Excel and WPS: a submitted value
such as `=HYPERLINK(...)` would run when the export is opened (CSV/formula injection,
OWASP). `{=` starts the array-formula form `{=...}`, which xlsxwriter's `write()` turns
into an array formula (a `{` alone is ordinary text, e.g. the JSON of a rejected API value,
and stays as it is). Records store such text unchanged; every export passes its cells through
`safe_cell`, which prefixes a single quote so that the cell is shown as the text it is.

XLSX exports open their workbook with `xlsx_workbook`: xlsxwriter's `write()` would
otherwise turn text that looks like a formula or a URL into a formula or a hyperlink.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import xlsxwriter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "{=")


def looks_like_formula(value: Any) -> bool:
    """Whether a spreadsheet would read this text as a formula if it were typed in."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def safe_cell(value: Any) -> Any:
    """The value as it may be written into an exported cell: text that a spreadsheet would
    evaluate gets a leading single quote; numbers, dates, None and other text pass through."""
    if looks_like_formula(value):
        return "'" + value
    return value


def xlsx_workbook(target: IO[bytes] | str) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook (in memory, for a BytesIO) that writes every text as text:
    no formula from `=…` / `{=…}`, no hyperlink from `http://…`."""
    import xlsxwriter

    return xlsxwriter.Workbook(
        target, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
