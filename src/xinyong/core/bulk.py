"""The one bulk insert path of the project (ARCHITECTURE rule 7), used by collection's
record store, subjects' bulk match and publicity's batch windows.

SQLite: `executemany` on the raw cursor. PostgreSQL: psycopg 3 `COPY … FROM STDIN`, the
rows formatted as COPY text in Python and written in blocks of about 1 MB: one
`copy.write()` per block costs far less than psycopg's `write_row` per row (measured on a
million records, TECH-NOTES.md). Both run inside the caller's transaction.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import polars as pl
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


def bulk_insert_frame(table: str, frame: pl.DataFrame) -> None:
    """Insert a polars frame whose column names are `table`'s columns.

    PostgreSQL: the frame is written as CSV by polars (C speed, no Python object per
    value) and sent through `COPY … FROM STDIN (FORMAT csv)`, whose quoting rules are the
    ones polars writes: an empty string is quoted, a null is an empty field. SQLite: the
    rows stream into `executemany`. Text values only for dates and datetimes (ISO)."""
    if frame.height == 0:
        return
    if connection.vendor != "postgresql":
        bulk_insert(table, frame.columns, frame.iter_rows())
        return
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in frame.columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {qn(table)} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            for start in range(0, frame.height, COPY_FRAME_ROWS):
                part = frame.slice(start, COPY_FRAME_ROWS)
                copy.write(part.write_csv(include_header=False).encode())


# Rows per COPY write: bounds the CSV text held in memory at once (~10 MB).
COPY_FRAME_ROWS = 10_000


T = TypeVar("T")
R = TypeVar("R")
_DONE = object()


def read_ahead(
    items: Iterable[T], work: Callable[[T], R], *, depth: int = 2
) -> Iterator[tuple[T, R]]:
    """(item, work(item)) for each item, produced by a background thread up to `depth`
    items ahead of the consumer.

    `work` must not use the database: the thread has its own connection, outside the
    caller's transaction (it is closed when the thread ends). An exception in the thread
    is raised in the consumer at the item where it happened; a consumer that stops early
    stops the thread."""
    from django.db import connections

    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(value: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, work(item))):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=produce, name="xinyong-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            value = handoff.get()
            if value is _DONE:
                return
            if isinstance(value, BaseException):
                raise value
            yield value
    finally:
        stop.set()
        thread.join()
