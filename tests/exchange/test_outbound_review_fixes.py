"""Outbound exchange, review fixes (issue 10 §1; docs/exchange.md): a repair undone by a
broken 信用修复型 commitment reaches the city as an item it keeps and can act on; a
re-drop never shows the old manifest beside new data; list entries keep their JLBS when
row ids are reused; retries last about two hours; file receipts are read whatever the
current transport."""

from __future__ import annotations

import hashlib
import json
import random
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from xinyong.commitments.models import Commitment
from xinyong.exchange import services, transports
from xinyong.exchange.conf import get_config
from xinyong.exchange.fake_platform import FakeCityPlatform
from xinyong.exchange.models import OutboundMessage, OutboxEntry
from xinyong.exchange.payloads import prepare
from xinyong.records.models import CreditRecord
from xinyong.rights import repair
from xinyong.rights.models import RepairApplication
from xinyong.sanctions import lists
from xinyong.sanctions.models import ListEntry

from ..commitments.test_commitment_exclusion import admin, apply, approve_repair, breach
from ..rights.repair_helpers import penalty_row, record
from ..rights.repair_helpers import store as store_penalty
from ..sanctions.governance_helpers import company
from .helpers import SECRET, TOKEN, file_settings, http_settings, make_user, store

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _sent_items(city: FakeCityPlatform, kind: str) -> list[dict[str, str]]:
    return [item for env in city.received.values() if env["kind"] == kind for item in env["items"]]


# ------------------------------------------------------------------ A. repair undone


def test_a_broken_repair_commitment_tells_the_city_the_repair_is_undone(settings, moment):
    office = admin()
    moment.set(date(2026, 3, 12))
    store_penalty([penalty_row(1, decided="2026-03-10")])
    r = record(1)
    moment.set(date(2026, 6, 15))
    app = apply(r, date(2026, 6, 15), name=r.subject.name)
    moment.set(date(2026, 6, 30))
    app = approve_repair(app, office, date(2026, 6, 30))
    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url)
        services.send_pending(actor=None)
        (approved,) = _sent_items(city, "repair")
        assert (approved["XF_JG"], approved["XF_JDRQ"]) == ("准予信用修复，停止公示", "2026-06-30")
        assert approved["JLBS"] == r.identity_key
        assert approved["GXSJ"] == "2026-06-30T10:00:00+08:00"

        moment.set(date(2026, 9, 1))
        promise = Commitment.objects.get(repair_application=app)
        breach(promise, date(2026, 9, 1))
        services.send_pending(actor=None)
        assert not OutboundMessage.objects.exclude(status=Status.ACKNOWLEDGED).exists()
        # The approval is not sent again; the restoration follows it.
        first, restored = _sent_items(city, "repair")
    assert first == approved
    # The same identity, a later update time: the city (latest GXSJ per JLBS) keeps it
    # and shows the penalty again (DOMAIN.md §9).
    assert restored["JLBS"] == r.identity_key
    assert restored["GXSJ"] == "2026-09-01T10:00:00+08:00" > approved["GXSJ"]
    assert (restored["XF_JG"], restored["XF_JDRQ"]) == ("撤销修复，恢复公示", "2026-09-01")
    assert (restored["XF_XXLB"], restored["XF_WSH"], restored["XF_ZTDM"]) == (
        "XZCF",
        r.document_number,
        r.subject.identifier,
    )
    message = OutboundMessage.objects.get(entry__change="restored")
    # Listed and filtered with the repairs; the entry names the application it undoes.
    assert (message.kind, message.operation) == ("repair", "repair")
    assert (message.entry.kind, message.entry.repair_id, message.entry.record_id) == (
        "record",
        app.pk,
        r.pk,
    )
    # The record itself was not touched to get there: its version and time stand.
    kept = CreditRecord.objects.get(pk=r.pk)
    assert (kept.version, kept.updated_at) == (1, datetime(2026, 3, 12, 10, tzinfo=SHANGHAI))

    # Bookkeeping on the application afterwards (已同步) does not move the approval's
    # update time past the restoration, should the approval message be built again.
    moment.set(date(2026, 9, 5))
    repair.record_sync(actor=office, application=app, on=date(2026, 9, 5))
    again = prepare(OutboundMessage.objects.get(entry__change="approved")).rows[0]
    assert again["GXSJ"] == "2026-06-30T10:00:00+08:00"


def test_a_repair_undone_after_the_longest_period_says_it_is_not_shown_again(moment):
    office = admin()
    moment.set(date(2025, 11, 21))
    store_penalty([penalty_row(2, decided="2025-11-20")], reported_on=date(2025, 11, 21))
    r = record(2)
    moment.set(date(2026, 3, 2))
    app = apply(r, date(2026, 3, 2), name=r.subject.name)
    moment.set(date(2026, 3, 9))
    app = approve_repair(app, office, date(2026, 3, 9))
    moment.set(date(2026, 11, 25))
    breach(Commitment.objects.get(repair_application=app), date(2026, 11, 25))
    services.expand_entries()
    item = prepare(OutboundMessage.objects.get(entry__change="restored")).rows[0]
    # The longest period ran out on 2026-11-20: the repair is undone, nothing to show.
    assert (item["XF_JG"], item["XF_JDRQ"]) == ("撤销修复，公示期已满", "2026-11-25")
    assert item["GXSJ"] == "2026-11-25T10:00:00+08:00"
    assert RepairApplication.objects.get(pk=app.pk).status == "approved"


# ------------------------------------------------------------------ B. re-drop


def test_a_redrop_never_shows_the_old_manifest_beside_the_new_data(settings, tmp_path, monkeypatch):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    store(1, 1)
    services.send_pending(actor=None)
    message = OutboundMessage.objects.get()
    outbox = tmp_path / "outbox"
    first = (outbox / f"{message.idempotency_key}.csv").read_bytes()
    # The record changed since (state transfer: the resend carries the new content).
    CreditRecord.objects.update(updated_at=timezone.now() + timedelta(minutes=5))
    services.resend_message(actor=None, message=message.pk)

    seen: list[str] = []
    real = transports.write_output

    def checked(path: Path, data: bytes) -> None:
        real(path, data)
        if path.suffix == ".csv":
            manifest = path.with_name(f"{message.idempotency_key}.manifest.json")
            if manifest.exists():
                announced = json.loads(manifest.read_text("utf-8"))["files"][0]["sha256"]
                seen.append(
                    "complete"
                    if announced == hashlib.sha256(data).hexdigest()
                    else "old manifest beside new data"
                )
            else:
                seen.append("no manifest yet")

    monkeypatch.setattr(transports, "write_output", checked)
    assert services.send_pending(actor=None).sent == 1
    assert seen == ["no manifest yet"]
    data = (outbox / f"{message.idempotency_key}.csv").read_bytes()
    assert data != first
    manifest = json.loads((outbox / f"{message.idempotency_key}.manifest.json").read_text("utf-8"))
    assert manifest["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert sorted(p.name for p in outbox.iterdir()) == [
        f"{message.idempotency_key}.csv",
        f"{message.idempotency_key}.manifest.json",
    ]


# ------------------------------------------------------------------ C. list entry JLBS


def test_a_list_entry_is_identified_by_its_own_exchange_id_not_its_row_id():
    office = make_user("ex_admin")
    subject = company("40000101", "安阳市北关区丙商贸有限公司")
    entry = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("ABNORMAL"),
        subject=subject,
        basis_document="北关市监异〔2026〕301号",
        reasons="通过登记的住所或者经营场所无法联系",
        on=date(2026, 6, 15),
    )
    lists.make_effective(actor=office, entry=entry, on=date(2026, 6, 15))
    entry.refresh_from_db()
    assert re.fullmatch(r"[0-9a-f]{32}", entry.exchange_uid)
    services.expand_entries()
    item = prepare(OutboundMessage.objects.get(kind="list_entry")).rows[0]
    assert item["JLBS"] == f"410503-MD-{entry.exchange_uid}"
    # A database restored from an older backup hands out the same row id again: the new
    # entry's identity differs all the same, so the city's copy of the first stays.
    other = ListEntry.objects.create(
        list_type=entry.list_type,
        subject=company("40000102", "安阳市北关区丁商贸有限公司"),
        basis_document="北关市监异〔2026〕302号",
        reasons="通过登记的住所或者经营场所无法联系",
        status=ListEntry.Status.LISTED,
        effective_from=date(2026, 6, 16),
    )
    assert other.exchange_uid != entry.exchange_uid
    # Set on creation, never changed by later changes to the entry.
    lists.remove_entry(actor=office, entry=entry, on=date(2026, 11, 20), reason="已履行完毕")
    services.expand_entries()
    removed = OutboundMessage.objects.filter(kind="list_entry").order_by("id").last()
    assert removed is not None
    assert prepare(removed).rows[0]["JLBS"] == f"410503-MD-{entry.exchange_uid}"


# ------------------------------------------------------------------ D. retry span


class _Edge(random.Random):
    """Picks the low or the high end of each jittered wait."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high

    def uniform(self, a: float, b: float) -> float:
        return b if self.high else a


def test_retries_with_the_default_settings_last_about_two_hours(settings):
    settings.XINYONG_EXCHANGE = {}
    config = get_config()
    # A wait follows every failed attempt but the last.
    waits = range(1, config.max_attempts)
    shortest = sum(services.backoff_seconds(n, config, _Edge(False)) for n in waits)
    longest = sum(services.backoff_seconds(n, config, _Edge(True)) for n in waits)
    assert (config.max_attempts, config.backoff_base, config.backoff_cap) == (10, 30, 3600)
    # Ceilings 30, 60 … 1920 s, then 3600 s twice: 11,010 s; the jitter takes half to all.
    assert (shortest, longest) == (5505, 11010)
    average = (shortest + longest) / 2
    assert timedelta(hours=1.5) < timedelta(seconds=average) < timedelta(hours=2.5)


# ------------------------------------------------------------------ E. receipts


def _ack(root: Path, key: str) -> None:
    acks = root / "acks"
    acks.mkdir(parents=True, exist_ok=True)
    (acks / f"{key}.ack.json").write_text(
        json.dumps({"idempotency_key": key, "status": "accepted", "receipt": "QZJ-0007"}),
        encoding="utf-8",
    )


def test_file_receipts_are_read_after_switching_to_http(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    store(1, 1)
    services.send_pending(actor=None)
    message = OutboundMessage.objects.get()
    assert message.status == Status.SENT
    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        settings.XINYONG_EXCHANGE = {
            **http_settings(city.url),
            "FILE_ACK_DIR": str(tmp_path / "acks"),
        }
        # No receipt yet, nothing to send: a quiet run.
        assert services.send_pending(actor=None).acks_collected == 0
        _ack(tmp_path, message.idempotency_key)
        result = services.send_pending(actor=None)
        assert city.stats()["requests"] == 0
    assert (result.transport, result.acks_collected) == ("http", 1)
    message.refresh_from_db()
    assert (message.status, message.receipt) == (Status.ACKNOWLEDGED, "QZJ-0007")
    assert (tmp_path / "acks" / "processed" / f"{message.idempotency_key}.ack.json").exists()


def test_http_without_file_messages_or_an_ack_directory_runs_quietly(settings, tmp_path):
    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        settings.XINYONG_EXCHANGE = {
            **http_settings(city.url),
            "FILE_ACK_DIR": str(tmp_path / "nowhere"),
        }
        store(1, 1)
        result = services.send_pending(actor=None)
    assert (result.acknowledged, result.acks_collected, result.errors) == (1, 0, [])
    assert not (tmp_path / "nowhere").exists()
    assert OutboxEntry.objects.count() == 1


# ------------------------------------------------------------------ C. the migration

BEFORE_UID = [("sanctions", "0003_listtype_locally_designable")]


def _latest() -> list[tuple[str, str]]:
    """Every app's latest migration: going back to BEFORE_UID also unapplied the later
    sanctions migrations (and any of other apps that depend on them)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return list(MigrationLoader(connection).graph.leaf_nodes())


def _migrate(targets: list[tuple[str, str]]) -> Any:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_entries_sent_before_the_exchange_id_keep_their_jlbs():
    """An installation whose entries went to the city as `<node>-MD-<row id>`: after the
    migration the same entries carry the same JLBS (the city's copy is updated), new
    ones a random id. Transactional: the migration alters the table's constraints."""
    old = _migrate(BEFORE_UID)
    try:
        subject = company("40000103", "安阳市北关区戊商贸有限公司")
        OldEntry = old.get_model("sanctions", "ListEntry")
        OldType = old.get_model("sanctions", "ListType")
        kept = [
            OldEntry.objects.create(
                list_type=OldType.objects.get(code="ABNORMAL"),
                subject_id=subject.pk,
                basis_document=f"北关市监异〔2025〕{n}号",
                reasons="通过登记的住所或者经营场所无法联系",
                status="listed",
                effective_from=date(2025, 6, 15),
            ).pk
            for n in (1, 2)
        ]
    finally:
        _migrate(_latest())
    assert dict(ListEntry.objects.filter(pk__in=kept).values_list("pk", "exchange_uid")) == {
        pk: str(pk) for pk in kept
    }
    lists.remove_entry(
        actor=make_user("ex_mig_admin"),
        entry=ListEntry.objects.get(pk=kept[0]),
        on=date(2026, 11, 20),
        reason="已履行完毕",
    )
    services.expand_entries()
    item = prepare(OutboundMessage.objects.get(kind="list_entry")).rows[0]
    assert (item["JLBS"], item["MD_ZT"]) == (f"410503-MD-{kept[0]}", "移出")
