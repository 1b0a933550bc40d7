"""The bulk path (core.bulk): a polars frame goes in unchanged on either database, and
the read-ahead thread hands over results, errors and early stops."""

from __future__ import annotations

import threading

import polars as pl
import pytest
from django.db import connection

from xinyong.core.bulk import bulk_insert_frame, read_ahead

pytestmark = pytest.mark.django_db


@pytest.fixture
def scratch_table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE xy_bulk_test (id integer, label text, flag boolean)")
    yield "xy_bulk_test"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE xy_bulk_test")


def test_frame_values_arrive_as_they_are(scratch_table):
    # Empty text is not NULL; quotes, separators, new lines and backslashes survive COPY.
    labels = ["", None, 'say "hi", then go', "two\nlines\r\n", "C:\\temp\\x", "=SUM(A1)", "北关区"]
    frame = pl.DataFrame(
        {
            "id": list(range(len(labels))),
            "label": labels,
            "flag": [True, False, None, True, False, True, False],
        },
        schema={"id": pl.Int64, "label": pl.Utf8, "flag": pl.Boolean},
    )
    bulk_insert_frame(scratch_table, frame)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, label, flag FROM {scratch_table} ORDER BY id")
        rows = cursor.fetchall()
    assert [r[1] for r in rows] == labels
    assert [None if r[2] is None else bool(r[2]) for r in rows] == frame["flag"].to_list()


def test_a_large_frame_is_sent_in_parts(scratch_table):
    frame = pl.DataFrame({"id": range(25_001), "label": ["x"] * 25_001, "flag": [True] * 25_001})
    bulk_insert_frame(scratch_table, frame)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(id) FROM {scratch_table}")
        assert cursor.fetchone() == (25_001, 25_000)


def test_read_ahead_yields_every_item_in_order_from_another_thread():
    seen_threads = set()

    def work(n: int) -> int:
        seen_threads.add(threading.current_thread().name)
        return n * n

    assert list(read_ahead(range(6), work)) == [(n, n * n) for n in range(6)]
    assert seen_threads == {"xinyong-read-ahead"}


def test_read_ahead_raises_the_error_of_the_thread_at_its_item():
    def work(n: int) -> int:
        if n == 3:
            raise ValueError("第 3 块无法读取")
        return n

    got = []
    with pytest.raises(ValueError, match="第 3 块"):
        for item, _ in read_ahead(range(6), work):
            got.append(item)
    assert got == [0, 1, 2]


def test_a_consumer_that_stops_early_stops_the_thread():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    for item, _ in read_ahead(endless(), lambda n: n):
        if item == 2:
            break
    count = len(produced)
    assert not any(t.name == "xinyong-read-ahead" for t in threading.enumerate())
    assert count <= 2 + 1 + 2 + 1  # the item taken, the queue's depth and one in hand
