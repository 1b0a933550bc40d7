"""`subjects.models.of_subject`: a subject's rows with those of the duplicates merged
into it, through the table's subject index — never an OR across the join on
`merged_into`, which scans the whole table (the public subject page, commitments, the
政务诚信 unit file, 信易+ checks)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from xinyong.commitments.models import Commitment
from xinyong.commitments.selectors import commitments_for_subject
from xinyong.publicity.selectors import public_records
from xinyong.records.models import CreditRecord
from xinyong.sanctions.models import ListEntry
from xinyong.subjects.models import of_subject

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan text"),
]


def _plan(qs: Any) -> list[str]:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[3] for row in cursor.fetchall()]


@pytest.mark.parametrize(
    ("name", "query", "table"),
    [
        ("records", lambda: CreditRecord.objects.filter(of_subject(1)), "records_creditrecord"),
        ("public records", lambda: public_records().filter(of_subject(1)), "records_creditrecord"),
        ("list entries", lambda: ListEntry.objects.filter(of_subject(1)), "sanctions_listentry"),
        ("commitments", lambda: Commitment.objects.filter(of_subject(1)), "commitments_commitment"),
        (
            "public commitments",
            lambda: commitments_for_subject(1, public_only=True),
            "commitments_commitment",
        ),
    ],
)
def test_rows_of_a_subject_are_found_through_the_subject_index(
    name: str, query: Any, table: str
) -> None:
    plan = _plan(query())
    assert not any(step.startswith(f"SCAN {table}") for step in plan), (name, plan)
    assert any(step.startswith(f"SEARCH {table}") for step in plan), (name, plan)
