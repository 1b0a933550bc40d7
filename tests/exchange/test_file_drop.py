"""The 前置机 file drop: CSV/XLSX data files with a manifest and SHA-256 checksums, written
atomically; receipts written back by the exchange machine acknowledge or return them."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import openpyxl
import pytest

from xinyong.collection.services import ingest_file
from xinyong.exchange import services
from xinyong.exchange.models import OutboundMessage
from xinyong.exchange.payloads import prepare

from .helpers import file_settings, store

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status


def _ack(root, key: str, status: str = "accepted", **extra) -> None:
    acks = root / "acks"
    acks.mkdir(parents=True, exist_ok=True)
    data = {"idempotency_key": key, "status": status, **extra}
    (acks / f"{key}.ack.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_csv_drop_with_manifest_checksum_and_receipts(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path, CHUNK_SIZE=2)
    store(1, 3)
    result = services.send_pending(actor=None)
    assert (result.transport, result.attempted, result.sent) == ("file", 2, 2)
    messages = list(OutboundMessage.objects.order_by("seq"))
    assert [m.status for m in messages] == [Status.SENT, Status.SENT]
    outbox = tmp_path / "outbox"
    # Only finished files: no temporary names left behind.
    names = sorted(p.name for p in outbox.iterdir())
    assert names == sorted(
        [f"{m.idempotency_key}.csv" for m in messages]
        + [f"{m.idempotency_key}.manifest.json" for m in messages]
    )
    first = messages[0]
    manifest = json.loads((outbox / f"{first.idempotency_key}.manifest.json").read_text("utf-8"))
    data = (outbox / f"{first.idempotency_key}.csv").read_bytes()
    assert manifest["idempotency_key"] == first.idempotency_key
    assert (manifest["kind"], manifest["record_type"], manifest["parts"]) == ("batch", "XZCF", 2)
    assert manifest["files"] == [
        {
            "name": f"{first.idempotency_key}.csv",
            "format": "csv",
            "rows": 2,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    ]
    # Machine data for the exchange machine: plain UTF-8, no BOM (docs/exchange.md).
    assert not data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert [r["CF_WSH"] for r in rows] == ["北关市监罚〔2026〕1号", "北关市监罚〔2026〕2号"]
    assert rows[0]["CF_NR_FK"] == "0.2" and rows[0]["CZLX"] == "新增或更新"

    # Sent, not acknowledged: nothing is written again while the receipt is awaited.
    assert services.send_pending(actor=None).attempted == 0
    _ack(tmp_path, messages[0].idempotency_key, receipt="QZJ-2026-0001")
    _ack(tmp_path, messages[1].idempotency_key, "rejected", detail="CF_CFJGDM 校验位错误")
    result = services.send_pending(actor=None)
    assert result.acks_collected == 2
    first.refresh_from_db()
    second = messages[1]
    second.refresh_from_db()
    assert (first.status, first.receipt) == (Status.ACKNOWLEDGED, "QZJ-2026-0001")
    assert (second.status, second.last_error) == (Status.FAILED, "市平台退回：CF_CFJGDM 校验位错误")
    assert sorted(p.name for p in (tmp_path / "acks" / "processed").iterdir()) == sorted(
        f"{m.idempotency_key}.ack.json" for m in messages
    )
    # Resent after a fix: the same file name (idempotency key) is written again.
    services.resend_message(actor=None, message=second.pk)
    assert services.send_pending(actor=None).sent == 1
    second.refresh_from_db()
    assert second.status == Status.SENT and second.attempts == 1


def test_csv_drop_carries_values_exactly_as_the_http_message(settings, tmp_path):
    # The CSV is read by the city platform's exchange machine, not opened by people: a
    # quote added for Excel would be stored (and published) by the city as part of the
    # record, and the same record would differ between the two transports. So values
    # travel as stored; people who read the drops choose FILE_FORMAT=xlsx (every cell text).
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    formula = '=HYPERLINK("http://evil.example","点我")'
    store(1, 1, CF_SY=formula, BZ="+1 经查", CF_NR="-")
    services.send_pending(actor=None)
    message = OutboundMessage.objects.get()
    path = tmp_path / "outbox" / f"{message.idempotency_key}.csv"
    data = path.read_bytes()
    assert not data.startswith("\ufeff".encode())
    (row,) = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert (row["CF_SY"], row["BZ"], row["CF_NR"]) == (formula, "+1 经查", "-")
    assert [row] == prepare(message).rows
    # Read back through the one pipeline, as an inbound drop is: the same record, unchanged.
    again = ingest_file(
        actor=None, unit="区市场监管局", record_type="XZCF", path=path, reported_on="2026-03-05"
    )
    assert (again.rows, again.duplicates, again.updated, again.rejected) == (1, 1, 0, 0)


def test_xlsx_drop_keeps_every_value_as_text(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path, FILE_FORMAT="xlsx")
    store(1, 1, CF_NR_FK="0.20", BZ="=1+1")
    services.send_pending(actor=None)
    message = OutboundMessage.objects.get()
    path = tmp_path / "outbox" / f"{message.idempotency_key}.xlsx"
    manifest = json.loads(
        (tmp_path / "outbox" / f"{message.idempotency_key}.manifest.json").read_text("utf-8")
    )
    assert manifest["files"][0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    sheet = openpyxl.load_workbook(path, read_only=True).active
    header, row = list(sheet.iter_rows(values_only=True))
    values = dict(zip(header, row, strict=True))
    assert values["CF_WSH"] == "北关市监罚〔2026〕1号"
    assert values["CF_JDRQ"] == "2026-03-02"
    assert values["BZ"] == "=1+1"  # written as text, never as a formula
    assert isinstance(values["CF_NR_FK"], str)


def test_unwritable_drop_directory_is_retried(settings, tmp_path):
    blocker = tmp_path / "outbox"
    blocker.write_text("not a directory")
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    store(1, 1)
    result = services.send_pending(actor=None)
    assert result.retrying == 1
    message = OutboundMessage.objects.get()
    assert message.status == Status.PENDING and message.last_error.startswith("写入交换目录失败")
