"""A multi-value enumeration (处罚类别) in another order is the same decision: re-sending a
record as 罚款；警告 after 警告；罚款 is a duplicate, not a correction (issue 3: "sending the
same record again changes nothing"). Values are stored in the catalogue's order; records
stored before are put in that order and re-hashed by records migration 0009."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

import pytest
from django.apps import apps

from xinyong.catalog.fieldspec import get_spec
from xinyong.collection.pipeline.validate import stored_payload_texts
from xinyong.collection.services import ingest_rows
from xinyong.records.models import CreditRecord, RecordVersion
from xinyong.records.services import content_hash

from .ingest_helpers import org_row, person_row

pytestmark = pytest.mark.django_db

migration = importlib.import_module("xinyong.records.migrations.0009_multi_enum_catalogue_order")


def send(*rows: dict[str, Any]) -> Any:
    return ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=list(rows),
        reported_on=date(2026, 3, 5),
    )


def counts(result: Any) -> tuple[int, int, int]:
    return (result.accepted, result.updated, result.duplicates)


def test_values_are_stored_in_the_catalogue_order() -> None:
    send(org_row(1, CF_CFLB="罚款；没收违法所得；警告", CF_NR="警告、罚款并没收违法所得"))
    assert CreditRecord.objects.get().payload["CF_CFLB"] == ["警告", "罚款", "没收违法所得"]


def test_the_same_values_in_another_order_are_a_duplicate() -> None:
    assert counts(send(org_row(1, CF_CFLB="罚款；警告", CF_NR="警告并罚款2000元"))) == (1, 0, 0)
    stored = CreditRecord.objects.get()
    again = send(org_row(1, CF_CFLB="警告,罚款", CF_NR="警告并罚款2000元"))
    assert counts(again) == (0, 0, 1)
    as_list = send(org_row(1, CF_CFLB=["罚款", "警告"], CF_NR="警告并罚款2000元"))
    assert counts(as_list) == (0, 0, 1)
    record = CreditRecord.objects.get()
    assert (record.version, record.content_hash) == (1, stored.content_hash)
    assert not RecordVersion.objects.exists()
    # A different set is still a correction.
    changed = send(org_row(1, CF_CFLB="警告；罚款；没收违法所得", CF_NR="警告并罚款2000元"))
    assert counts(changed) == (0, 1, 0)


def test_stored_payload_texts_give_the_hash_the_pipeline_took() -> None:
    send(
        org_row(1, CF_CFLB="罚款；警告", CF_NR="警告并罚款2000元", CF_NR_FK="1,234.5"),
        person_row(2, CF_SY='经查："引号"与\\反斜杠\n第二行'),
    )
    spec = get_spec("行政处罚")
    records = list(CreditRecord.objects.order_by("pk"))
    assert len(records) == 2
    texts = stored_payload_texts(spec.fields, [r.payload for r in records])
    assert [content_hash(t) for t in texts] == [r.content_hash for r in records]


def _as_before_0009(record: CreditRecord, values: list[str]) -> None:
    """The record as a platform before 0009 stored it: the values in the order sent, the
    hash over that text."""
    spec = get_spec("行政处罚")
    payload = dict(record.payload, CF_CFLB=values)
    (text,) = stored_payload_texts(spec.fields, [payload])
    CreditRecord.objects.filter(pk=record.pk).update(
        payload=payload, content_hash=content_hash(text)
    )


def test_migration_puts_stored_values_in_order_and_hashes_them_again() -> None:
    send(
        org_row(1, CF_CFLB="警告；罚款", CF_NR="警告并罚款2000元"),
        org_row(2, CF_CFLB="罚款"),
    )
    first, second = CreditRecord.objects.order_by("pk")
    expected_hash = first.content_hash
    untouched = (second.payload, second.content_hash)
    _as_before_0009(first, ["罚款", "警告"])
    first.refresh_from_db()
    assert first.content_hash != expected_hash

    migration.catalogue_order(apps, None)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.payload["CF_CFLB"] == ["警告", "罚款"]
    assert first.content_hash == expected_hash
    assert (second.payload, second.content_hash) == untouched
    # The next re-send in the old order is a duplicate.
    assert counts(send(org_row(1, CF_CFLB="罚款；警告", CF_NR="警告并罚款2000元"))) == (0, 0, 1)


def test_migration_leaves_values_outside_the_catalogue_as_they_are() -> None:
    send(org_row(1, CF_CFLB="警告；罚款", CF_NR="警告并罚款2000元"))
    record = CreditRecord.objects.get()
    _as_before_0009(record, ["罚款", "警告", "旧目录中的类别"])
    record.refresh_from_db()
    before = (record.payload, record.content_hash)
    migration.catalogue_order(apps, None)
    record.refresh_from_db()
    assert (record.payload, record.content_hash) == before
