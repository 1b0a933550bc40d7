"""The database's bulk path, behind one function per operation (ARCHITECTURE rule 7).

Bulk inserts go through `xinyong.core.bulk.bulk_insert` (SQLite `executemany`;
PostgreSQL `COPY … FROM STDIN` in text blocks).
Both run inside the caller's `transaction.atomic()`, so a batch commits whole or not at
all. Values are passed in the form each driver takes directly (ISO text for dates on
SQLite, Django's own adaptation for datetimes), bypassing the ORM's per-field work that
makes `bulk_create` several times slower (TECH-NOTES.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection

# Re-exported for the callers of this module: the one bulk path is xinyong.core.bulk.
from xinyong.core.bulk import bulk_insert as bulk_insert
from xinyong.core.bulk import bulk_insert_frame as bulk_insert_frame

# Identity lookups: SQLite's bound-parameter limit is 32766 on current builds but 999 on
# old ones; stay under both.
LOOKUP_CHUNK = 900


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# SQLite's default page cache (2 MB) thrashes when a million rows go into a table with
# several indexes (the random identity_key index above all). 96 MB holds the indexes of a
# million-row batch (identity key ≈ 75 MB); more only adds to the process's peak memory.
SQLITE_CACHE_KIB = 98_304


def tune_for_bulk() -> None:
    """Per-connection settings for a large batch (SQLite only; no effect on PostgreSQL)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")


def qn(name: str) -> str:
    return str(connection.ops.quote_name(name))


def db_datetime(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def execute_many(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    params: list[Any] = list(rows)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount or 0)


def select_in(sql_prefix: str, values: Sequence[Any], *, suffix: str = "") -> list[tuple[Any, ...]]:
    """Run `sql_prefix IN (…) suffix` over `values` in chunks; all rows returned.

    PostgreSQL: one `= ANY(%s)` query with the values as one array parameter, instead
    of a statement (and its parse and plan) per 900 keys."""
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if is_postgres():
            if values:
                cursor.execute(f"{sql_prefix} = ANY(%s) {suffix}", [list(values)])
                found.extend(cursor.fetchall())
            return found
        for start in range(0, len(values), LOOKUP_CHUNK):
            part = values[start : start + LOOKUP_CHUNK]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"{sql_prefix} IN ({marks}) {suffix}", list(part))
            found.extend(cursor.fetchall())
    return found
