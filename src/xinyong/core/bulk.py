"""The one bulk insert path of the project (ARCHITECTURE rule 7), used by collection's
record store, subjects' bulk match and publicity's batch windows.

SQLite: `executemany` on the raw cursor. PostgreSQL: psycopg 3 `COPY … FROM STDIN`, the
rows formatted as COPY text in Python and written in blocks of about 1 MB: one
`copy.write()` per block costs far less than psycopg's `write_row` per row (measured on a
million records, TECH-NOTES.md). Both run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection

# Characters that COPY's text format gives a meaning (PostgreSQL docs, "COPY: Text Format").
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_BLOCK_CHARS = 1 << 20


def copy_text(value: Any) -> str:
    """One value in COPY's text format (NULL is `\\N`)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows (tuples in `columns` order) into `table` with the backend's fastest path.

    `table` and `columns` are unquoted names. Values are what the driver takes directly
    (ISO text or date objects for dates, `connection.ops.adapt_datetimefield_value` for
    datetimes, JSON text for JSON columns)."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                block: list[str] = []
                size = 0
                for row in rows:
                    line = "\t".join([copy_text(v) for v in row]) + "\n"
                    block.append(line)
                    size += len(line)
                    if size >= COPY_BLOCK_CHARS:
                        copy.write("".join(block))
                        block, size = [], 0
                if block:
                    copy.write("".join(block))
        else:
            marks = ", ".join(["%s"] * len(columns))
            params: Any = rows  # Django's SQLite wrapper accepts any iterable
            cursor.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", params)
