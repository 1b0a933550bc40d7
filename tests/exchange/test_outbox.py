"""The transactional outbox: what is queued, in which transaction, and how it is split and
written in the national exchange field format."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from xinyong.exchange import outbox, services
from xinyong.exchange.models import OutboundMessage, OutboxEntry
from xinyong.exchange.payloads import prepare
from xinyong.records.models import CreditRecord
from xinyong.records.services import correct_record, withdraw_record
from xinyong.rights import repair
from xinyong.sanctions import lists

from ..rights.repair_helpers import penalty_row as repair_penalty_row
from ..rights.repair_helpers import record as repair_record
from ..rights.repair_helpers import staff as repair_staff
from ..rights.repair_helpers import store as repair_store
from ..rights.test_repair import apply as apply_for_repair
from ..sanctions.governance_helpers import company
from .helpers import make_user, store

pytestmark = pytest.mark.django_db


def test_a_batch_is_one_outbox_entry_in_the_ingest_transaction(settings):
    settings.XINYONG_EXCHANGE = {"CHUNK_SIZE": 3}
    result = store(1, 7)
    entries = list(OutboxEntry.objects.all())
    assert [(e.kind, e.change, e.batch_id) for e in entries] == [
        ("batch", "stored", result.batch.pk)
    ]
    # No message exists until the sender splits the entry: the ingest paid for one row.
    assert OutboundMessage.objects.count() == 0
    assert services.expand_entries() == 3
    entry = OutboxEntry.objects.get()
    assert (entry.message_count, entry.item_count) == (3, 7)
    chunks = list(OutboundMessage.objects.order_by("seq"))
    assert [m.item_count for m in chunks] == [3, 3, 1]
    assert [m.seq for m in chunks] == [1, 2, 3]
    keys = [m.idempotency_key for m in chunks]
    assert len(set(keys)) == 3
    assert all(k.startswith(f"410503-{entry.uid}-0000") for k in keys)
    ids = sorted(CreditRecord.objects.values_list("id", flat=True))
    assert [i for m in chunks for i in m.record_ids] == ids
    # Splitting again does nothing: each entry is split once.
    assert services.expand_entries() == 0


def test_a_rolled_back_change_leaves_no_outbox_entry():
    with pytest.raises(RuntimeError), transaction.atomic():
        store(1, 2)
        assert OutboxEntry.objects.count() == 1
        raise RuntimeError("the surrounding work failed")
    assert OutboxEntry.objects.count() == 0
    assert CreditRecord.objects.count() == 0


def test_payload_uses_the_national_codes_of_the_catalogue():
    store(1, 1, CF_CFLB="警告；罚款", CF_NR="警告并罚款2000元")
    services.expand_entries()
    prepared = prepare(OutboundMessage.objects.get())
    env = prepared.envelope
    assert (env["kind"], env["operation"], env["record_type"], env["count"]) == (
        "batch",
        "upsert",
        "XZCF",
        1,
    )
    codes = [c["code"] for c in env["columns"]]
    assert codes[:3] == ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM"]
    assert codes[-8:] == ["CZLX", "JLBS", "BBH", "JLZT", "GXSJ", "CHRQ", "CHLY", "XF_JG"]
    item = env["items"][0]
    record = CreditRecord.objects.get()
    assert item["CF_XDR_MC"] == "安阳市北关区某某商贸有限公司"
    assert item["CF_WSH"] == "北关市监罚〔2026〕1号"
    assert item["CF_CFLB"] == "警告；罚款"
    assert item["CF_NR_FK"] == "0.2"  # 万元 (DOMAIN.md §4): 2000元 is 0.2
    assert item["CF_JDRQ"] == "2026-03-02"
    assert (item["CZLX"], item["JLZT"], item["BBH"]) == ("新增或更新", "有效", "1")
    assert (item["CHRQ"], item["CHLY"]) == ("", "")
    assert item["JLBS"] == record.identity_key
    # The same content always gives the same bytes (the body hash identifies a send).
    assert prepare(OutboundMessage.objects.get()).sha256 == prepared.sha256


def test_correction_and_withdrawal_are_single_messages_with_the_current_state():
    admin = make_user("ex_admin")
    store(1, 1)
    record = CreditRecord.objects.get()
    correct_record(
        actor=admin,
        record=record,
        changes={"CF_NR": "罚款3000元", "CF_NR_FK": "0.3"},
        reason="金额笔误",
    )
    withdraw_record(actor=admin, record=record, reason="复议撤销", on=date(2026, 11, 2))
    kinds = list(OutboxEntry.objects.order_by("id").values_list("kind", "change"))
    assert kinds == [("batch", "stored"), ("record", "corrected"), ("record", "withdrawn")]
    services.expand_entries()
    corrected, withdrawn = OutboundMessage.objects.filter(kind="record").order_by("id")
    assert (corrected.operation, withdrawn.operation) == ("upsert", "withdraw")
    item = prepare(withdrawn).envelope["items"][0]
    assert (item["CZLX"], item["JLZT"], item["BBH"]) == ("撤销", "已撤销", "2")
    assert (item["CHRQ"], item["CHLY"]) == ("2026-11-02", "复议撤销")
    assert item["CF_NR_FK"] == "0.3"


def test_list_changes_are_queued_except_proposals_and_upstream_entries():
    admin = make_user("ex_admin")
    subject = company("40000101", "安阳市北关区丙商贸有限公司")
    # A list the district designates itself (the court's list only comes from upstream).
    entry = lists.propose_entry(
        actor=admin,
        list_type=lists.get_list_type("ABNORMAL"),
        subject=subject,
        basis_document="北关市监异〔2026〕301号",
        reasons="通过登记的住所或者经营场所无法联系",
        on=date(2026, 6, 15),
    )
    assert OutboxEntry.objects.count() == 0  # a proposal stays internal
    lists.make_effective(actor=admin, entry=entry, on=date(2026, 6, 15))
    lists.remove_entry(actor=admin, entry=entry, on=date(2026, 11, 20), reason="已履行完毕")
    assert list(OutboxEntry.objects.order_by("id").values_list("kind", "change")) == [
        ("list_entry", "listed"),
        ("list_entry", "removed"),
    ]
    services.expand_entries()
    removed = OutboundMessage.objects.order_by("id").last()
    assert removed is not None
    item = prepare(removed).envelope["items"][0]
    assert (item["MD_LXDM"], item["MD_ZT"], item["MD_YCRQ"]) == ("ABNORMAL", "移出", "2026-11-20")
    assert item["MD_ZTMC"] == "安阳市北关区丙商贸有限公司"
    assert removed.operation == "list"


def test_suppressed_block_queues_nothing():
    with outbox.suppressed():
        store(1, 2)
    assert OutboxEntry.objects.count() == 0
    store(3, 1)
    assert OutboxEntry.objects.count() == 1


def test_an_approved_repair_is_queued_and_a_refusal_is_not():
    users = repair_staff()
    repair_store([repair_penalty_row(1, decided="2026-03-10")])
    record = repair_record(1)
    app = apply_for_repair(record, on=date(2026, 9, 22))
    # Filing queues its 信用修复型 commitment (test_commitment_outbox); the steps up to the
    # decision queue nothing.
    before = OutboxEntry.objects.count()
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 9, 24)
    )
    app = repair.provider_review(
        actor=users["reviewer"],
        application=app,
        agrees=True,
        opinion="整改到位。",
        on=date(2026, 9, 29),
    )
    assert OutboxEntry.objects.count() == before
    repair.decide_repair(
        actor=users["admin"],
        application=app,
        approve=True,
        reason="已履行义务。",
        on=date(2026, 10, 14),
    )
    entry = OutboxEntry.objects.order_by("id").last()
    assert entry is not None
    assert (entry.kind, entry.change, entry.repair_id, entry.record_id) == (
        "repair",
        "approved",
        app.pk,
        record.pk,
    )
    services.expand_entries()
    message = OutboundMessage.objects.get(entry=entry)
    item = prepare(message).envelope["items"][0]
    assert (item["XF_WSH"], item["XF_JDRQ"], item["JLBS"]) == (
        record.document_number,
        "2026-10-14",
        record.identity_key,
    )
