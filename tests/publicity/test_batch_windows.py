"""The set-based batch path (`compute_windows_for_batch`) against the one-record rules, and
the 计算说明 stored once per distinct text."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from xinyong.orgs.models import Role
from xinyong.publicity import services
from xinyong.publicity.models import Explanation, PublicityWindow
from xinyong.publicity.rules import Decider
from xinyong.records.models import CreditRecord

from ..collection.ingest_helpers import org_row, person_row
from .helpers import ENV, ingest

pytestmark = pytest.mark.django_db

COMPUTED = (
    "policy_id",
    "severity",
    "is_published",
    "not_published_reason",
    "starts_on",
    "repair_from",
    "ends_on",
)


def _rows() -> list[dict[str, object]]:
    """Rows whose windows differ in every fact the window depends on."""
    return [
        org_row(1, CF_JDRQ="2026-03-02"),  # small fine, market sector: 3 months
        org_row(2, CF_JDRQ="2026-03-02", CF_NR_FK="20"),  # larger fine: the longer class
        org_row(3, CF_JDRQ="2026-03-02", CF_CFLB="警告", CF_NR="警告", CF_NR_FK=""),
        org_row(4, CF_JDRQ="2026-03-02", CF_CFLB="警告；罚款；吊销许可证件"),
        org_row(5, CF_JDRQ="2024-01-15", CF_WFXW="使用未经定期检验的特种设备"),
        org_row(6, CF_JDRQ="2023-03-01"),  # the rule in force before 58号令
        # Quotes and a backslash: the payload's JSON text holds escapes.
        org_row(7, CF_JDRQ="2026-03-02", CF_YJ='《某"条例"》第\\3条，违反安全生产规定'),
        person_row(8, CF_JDRQ="2026-03-02", CF_NR_FK="0.5"),
        person_row(9, CF_JDRQ="2026-03-02", CF_NR_FK="5"),  # above a person's small fine
        org_row(10, CF_JDRQ="2026-03-02", CF_CFLB="通报批评", CF_NR="通报批评", CF_NR_FK=""),
    ]


def _stored(window: PublicityWindow) -> dict[str, object]:
    return {name: getattr(window, name) for name in COMPUTED}


def test_batch_windows_equal_the_one_record_rules() -> None:
    records = ingest("区市场监管局", "XZCF", _rows())
    assert len(records) == 10
    windows = PublicityWindow.objects.select_related("shared_explanation").in_bulk(
        [r.pk for r in records]
    )
    decider = Decider()
    seen = set()
    for record in records:
        expected = decider.decide(services.facts_of(record)).as_fields()
        window = windows[record.pk]
        assert _stored(window) == {name: expected[name] for name in COMPUTED}, record
        assert window.explanation_text == expected["explanation"]
        seen.add((window.policy_id, window.is_published, window.ends_on))
    assert len(seen) >= 4  # the rows really reach different rules


def test_payload_written_by_the_orm_gives_the_same_windows() -> None:
    # The ORM stores JSON with \u escapes (ensure_ascii), the bulk path without: the
    # database's JSON functions must read both alike.
    records = ingest("区市场监管局", "XZCF", _rows()[:5])
    for record in records:
        record.payload = {**record.payload, "CF_CFLB": record.payload["CF_CFLB"]}
        record.save(update_fields=["payload"])
    PublicityWindow.objects.filter(record__in=records).delete()
    services.compute_windows_for_batch(records[0].batch_id)
    decider = Decider()
    for record in CreditRecord.objects.filter(pk__in=[r.pk for r in records]):
        expected = decider.decide(services.facts_of(record)).as_fields()
        window = PublicityWindow.objects.get(record=record)
        assert _stored(window) == {name: expected[name] for name in COMPUTED}
        assert window.explanation_text == expected["explanation"]


def test_explanation_is_stored_once_and_shown_unchanged(django_user_model) -> None:
    first, second = ingest("区市场监管局", "XZCF", [org_row(31, CF_JDRQ="2026-03-02"), org_row(32)])
    text = Decider().decide(services.facts_of(first)).explanation
    assert "适用《" in text
    w1 = PublicityWindow.objects.get(record=first)
    w2 = PublicityWindow.objects.get(record=second)
    assert w1.shared_explanation_id == w2.shared_explanation_id
    assert w1.explanation_text == w2.explanation_text == text
    assert Explanation.objects.filter(text=text).count() == 1
    # A single-record recomputation reuses the same shared text.
    services.compute_window(first)
    assert (
        PublicityWindow.objects.get(record=first).shared_explanation_id == w1.shared_explanation_id
    )
    assert Explanation.objects.filter(text=text).count() == 1

    # Every reader shows the text: the CLI and the staff panel of the record page.
    out = StringIO()
    call_command("publicity", "window", str(first.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["explanation"] == text
    admin = django_user_model.objects.create_user(
        username="xyb", password="Xinyong@Test2026", role=Role.CREDIT_ADMIN, is_staff=True
    )
    client = Client()
    client.force_login(admin)
    body = client.get(f"/workspace/collection/records/{first.pk}/").content.decode()
    assert f"<td>{text}</td>" in body
    boss = django_user_model.objects.create_superuser(username="boss", password="x-Very-Long-1")
    admin_client = Client()
    admin_client.force_login(boss)
    page = admin_client.get(f"/admin/publicity/publicitywindow/{first.pk}/change/")
    assert page.status_code == 200 and text in page.content.decode()


def test_explanation_ids_are_stable() -> None:
    first = services.explanation_ids(["甲", "乙"])
    again = services.explanation_ids(["乙", "甲", "丙"])
    assert again["甲"] == first["甲"] and again["乙"] == first["乙"]
    assert Explanation.objects.count() == 3


def test_recompute_updates_values_and_keeps_the_ending() -> None:
    record, other = ingest(
        "区生态环境局",
        "XZCF",
        [
            org_row(41, CF_JDRQ="2026-03-10", CF_CFJG=ENV, CF_SJLY=ENV),
            org_row(42, CF_JDRQ="2026-03-10", CF_CFJG=ENV, CF_SJLY=ENV),
        ],
    )
    before = PublicityWindow.objects.get(record=record)
    services.end_publicity(actor=None, record=record, reason="repaired", on=date(2026, 7, 1))
    PublicityWindow.objects.filter(record=record).update(
        ends_on=date(2030, 1, 1), shared_explanation=None
    )
    PublicityWindow.objects.filter(record=other).delete()  # and one record without window

    summary = services.compute_windows_for_batch(record.batch_id)

    assert summary["records"] == 2
    after = PublicityWindow.objects.get(record=record)
    assert _stored(after) == _stored(before)
    assert (after.ended_on, after.end_reason) == (date(2026, 7, 1), "repaired")
    assert after.created_at == before.created_at
    assert after.explanation_text == before.explanation_text
    assert _stored(PublicityWindow.objects.get(record=other)) == _stored(before)


def test_refresh_computes_only_records_without_window() -> None:
    records = ingest("区市场监管局", "XZCF", [org_row(51), org_row(52), org_row(53)])
    PublicityWindow.objects.filter(record=records[1]).delete()
    assert services.refresh() == {"records": 1, "groups": 1, "published": 1}
    assert PublicityWindow.objects.filter(record__in=records).count() == 3
    assert CreditRecord.objects.filter(publicity__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_migration_moves_each_window_s_own_text_into_one_shared_row() -> None:
    """Windows computed before the shared texts: after publicity 0005 each points at one
    Explanation per distinct text, and shows the same words."""
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    moved = importlib.import_module("xinyong.publicity.migrations.0005_explanation_stored_once")
    before = [("publicity", "0004_derived_rows_without_db_constraint")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        window = old.get_model("publicity", "PublicityWindow")
        for record_id, text in [(900001, "旧说明甲"), (900002, "旧说明甲"), (900003, "旧说明乙")]:
            window.objects.create(record_id=record_id, explanation=text)
        moved.move_texts(old, None)
        shared = {
            w.record_id: (w.shared_explanation_id, w.shared_explanation.text)
            for w in window.objects.select_related("shared_explanation")
        }
        assert shared[900001] == shared[900002] and shared[900001][1] == "旧说明甲"
        assert shared[900003][1] == "旧说明乙" and shared[900003][0] != shared[900001][0]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert PublicityWindow.objects.get(record_id=900002).explanation_text == "旧说明甲"
