"""Helpers for every export a person opens in a spreadsheet program (XLSX, CSV).

A text cell that starts with `=`, `+`, `-` or `@` (or a tab / carriage return, which some
programs strip before evaluating) is read as a formula by Excel and WPS: a submitted value
such as `=HYPERLINK(...)` would run when the export is opened (CSV/formula injection,
OWASP). Records store such text unchanged; every export passes its cells through
`safe_cell`, which prefixes a single quote so that the cell is shown as the text it is.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as it may be written into an exported cell: text that a spreadsheet would
    evaluate gets a leading single quote; numbers, dates, None and other text pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
