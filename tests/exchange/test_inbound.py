"""Files pushed down by the city platform: imported once, through the collection pipeline
and the list services, moved to done/ or rejected/ with a result file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from xinyong.collection.models import Batch
from xinyong.core.models import Event
from xinyong.exchange import services
from xinyong.exchange.inbound import import_inbox
from xinyong.exchange.models import InboundFile, OutboundMessage, OutboxEntry
from xinyong.records.models import CreditRecord
from xinyong.sanctions.models import ListEntry

from ..collection.ingest_helpers import org_row, write_csv
from ..sanctions.test_lists_import import _file as list_file
from ..sanctions.test_lists_import import _row as list_row
from .helpers import file_settings, store

pytestmark = pytest.mark.django_db


def _deliver(inbox: Path, name: str, data: Path, **manifest: Any) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    target = inbox / data.name
    if data != target:
        target.write_bytes(data.read_bytes())
    sha = manifest.pop("sha256", hashlib.sha256(target.read_bytes()).hexdigest())
    body = {**manifest, "files": [{"name": target.name, "sha256": sha}]}
    path = inbox / f"{name}.manifest.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def _folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


def test_a_list_file_is_imported_once_and_archived_with_its_result(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    inbox = tmp_path / "inbox"
    rows = [
        list_row("40000001", "安阳市北关区甲商贸有限公司", "（2026）豫0503执101号"),
        list_row("40000002", "安阳市北关区乙商贸有限公司", "（2026）豫0503执102号"),
    ]
    data = list_file(tmp_path, rows, "sxbzxr-20261120.csv")
    _deliver(inbox, "sxbzxr-20261120", data, kind="list", list_type="SX_BZXR", unit="区法院")

    run = import_inbox(actor=None)
    assert (run.imported, run.rejected, run.waiting) == (1, 0, 0)
    entries = ListEntry.objects.filter(source=ListEntry.Source.UPSTREAM)
    assert entries.count() == 2
    assert set(entries.values_list("status", flat=True)) == {ListEntry.Status.LISTED}
    # What came from the city platform is not pushed back up.
    assert OutboxEntry.objects.count() == 0
    row = InboundFile.objects.get()
    assert (row.status, row.kind, row.code, row.message) == ("done", "list", "SX_BZXR", "已导入")
    assert row.result["created"] == 2
    batch = Batch.objects.get(pk=row.batch_id)
    assert (batch.accepted, batch.unit.name) == (2, "区法院")
    [folder] = _folders(inbox / "done")
    assert folder.name.endswith("-sxbzxr-20261120")
    assert sorted(p.name for p in folder.iterdir()) == [
        "sxbzxr-20261120.csv",
        "sxbzxr-20261120.manifest.json",
        "sxbzxr-20261120.result.json",
    ]
    result = json.loads((folder / "sxbzxr-20261120.result.json").read_text("utf-8"))
    assert result["ok"] is True and result["files"][0]["result"]["created"] == 2
    assert list(inbox.glob("*.csv")) == []
    assert Event.objects.filter(action="exchange.import", target_id=str(row.pk)).count() == 1

    # The same content delivered again under another name is refused, not re-imported.
    again = tmp_path / "copy"
    again.mkdir()
    copy = again / "sxbzxr-20261121.csv"
    copy.write_bytes(data.read_bytes())
    _deliver(inbox, "sxbzxr-20261121", copy, kind="list", list_type="SX_BZXR", unit="区法院")
    run = import_inbox(actor=None)
    assert (run.imported, run.rejected) == (0, 1)
    assert run.files[0]["message"].endswith("导入，不重复导入。")
    assert InboundFile.objects.count() == 1
    assert ListEntry.objects.count() == 2
    assert len(_folders(inbox / "rejected")) == 1


def test_incomplete_deliveries_wait_and_bad_ones_are_rejected(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir(parents=True)
    data = write_csv(tmp_path / "xzcf.csv", [org_row(1)])
    # 1. announced but not arrived yet: waits, untouched
    (inbox / "later.manifest.json").write_text(
        json.dumps(
            {
                "kind": "records",
                "record_type": "XZCF",
                "files": [{"name": "later.csv", "sha256": "0" * 64}],
            }
        ),
        encoding="utf-8",
    )
    # 2. checksum differs from the manifest
    _deliver(inbox, "broken", data, kind="records", record_type="XZCF", sha256="f" * 64)
    # 3. not JSON
    (inbox / "garbage.manifest.json").write_text("{not json", encoding="utf-8")
    # 4. a path in a file name
    (inbox / "escape.manifest.json").write_text(
        json.dumps({"kind": "feedback", "files": [{"name": "../etc/passwd", "sha256": "0" * 64}]}),
        encoding="utf-8",
    )
    run = import_inbox(actor=None)
    assert (run.imported, run.rejected, run.waiting) == (0, 3, 1)
    messages = {f["name"]: f["message"] for f in run.files}
    assert messages["xzcf.csv"] == "文件校验和与清单不符（传输不完整或被改动），拒收。"
    assert messages["garbage.manifest.json"].startswith("清单文件无法解析")
    assert messages["escape.manifest.json"] == "清单中的文件名“../etc/passwd”无效（不得含路径）。"
    assert (inbox / "later.manifest.json").exists()
    assert CreditRecord.objects.count() == 0
    assert InboundFile.objects.get(filename="xzcf.csv").status == "rejected"
    # The refused manifests are recorded with their reasons too.
    refused = dict(
        InboundFile.objects.filter(filename__endswith=".manifest.json").values_list(
            "filename", "status"
        )
    )
    assert refused == {"garbage.manifest.json": "rejected", "escape.manifest.json": "rejected"}


def test_records_file_goes_through_the_pipeline_with_its_rejected_rows(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    inbox = tmp_path / "inbox"
    data = write_csv(
        tmp_path / "xzcf-city.csv", [org_row(1), org_row(2, CF_XDR_SHXYM="91512081MA62K0260X")]
    )
    _deliver(inbox, "xzcf-city", data, kind="records", record_type="XZCF", unit="区市场监管局")
    run = import_inbox(actor=None)
    assert run.imported == 1
    row = InboundFile.objects.get()
    assert (row.result["accepted"], row.result["rejected"]) == (1, 1)
    assert row.result["errors"][0]["column"] in ("统一社会信用代码", "CF_XDR_SHXYM")
    batch = Batch.objects.get(pk=row.batch_id)
    assert (batch.accepted, batch.rejected, batch.filename) == (1, 1, "xzcf-city.csv")
    assert OutboxEntry.objects.count() == 0


def test_feedback_acknowledges_and_returns_our_messages(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path, CHUNK_SIZE=1)
    store(1, 3)
    services.send_pending(actor=None)
    a, b, c = OutboundMessage.objects.order_by("seq")
    record = CreditRecord.objects.order_by("id").first()
    assert record is not None
    inbox = tmp_path / "inbox"
    inbox.mkdir(parents=True)
    feedback = inbox / "fk-20261120.csv"
    feedback.write_text(
        "幂等键,记录标识,处理结果,原因,回执号\n"
        f"{a.idempotency_key},,接收,,CITY-77\n"
        f"{b.idempotency_key},,退回,处罚机关代码与名称不一致,\n"
        f",{record.identity_key},退回,相对人名称与登记不符,\n"
        f"{c.idempotency_key},,不知道,,\n",
        encoding="utf-8",
    )
    _deliver(inbox, "fk-20261120", feedback, kind="feedback")
    run = import_inbox(actor=None)
    assert run.imported == 1
    a.refresh_from_db()
    b.refresh_from_db()
    c.refresh_from_db()
    assert (a.status, a.receipt) == ("acknowledged", "CITY-77")
    assert (b.status, b.last_error) == ("failed", "市平台反馈退回：处罚机关代码与名称不一致")
    assert c.status == "sent"
    result = InboundFile.objects.get().result
    assert (result["acknowledged"], result["returned"]) == (1, 2)
    assert result["returned_records"] == [
        {
            "record_id": record.pk,
            "document_number": "北关市监罚〔2026〕1号",
            "unit": "区市场监管局",
            "reason": "相对人名称与登记不符",
        }
    ]
    assert result["errors"] == [{"row": 5, "message": "处理结果“不知道”无法识别"}]


def test_a_second_import_while_one_runs_imports_nothing(settings, tmp_path, monkeypatch):
    """The 立即导入 button, the CLI and the scheduler may start an import at the same
    time: the second one must not import the delivery again (it did, and the first then
    crashed on the archived files and marked the imported file refused)."""
    from xinyong.exchange import inbound

    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    inbox = tmp_path / "inbox"
    rows = [list_row("40000001", "安阳市北关区甲商贸有限公司", "（2026）豫0503执101号")]
    data = list_file(tmp_path, rows, "sx.csv")
    _deliver(inbox, "sx", data, kind="list", list_type="SX_BZXR", unit="区法院")
    real = inbound._import_list
    seconds: list[Any] = []

    def import_while_another_starts(*args: Any) -> Any:
        seconds.append(import_inbox(actor=None))
        return real(*args)

    monkeypatch.setattr(inbound, "_import_list", import_while_another_starts)
    first = import_inbox(actor=None)
    assert (first.imported, first.rejected, first.busy) == (1, 0, False)
    [second] = seconds
    assert second.busy and (second.imported, second.rejected) == (0, 0)
    assert second.summary == "另一次导入正在进行，本次未导入；稍后再试。"
    assert Batch.objects.count() == 1
    assert list(InboundFile.objects.values_list("status", flat=True)) == ["done"]
    # Once the first run is over the lock is free again.
    assert not import_inbox(actor=None).busy
