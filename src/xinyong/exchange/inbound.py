"""Files pushed down by the city platform: lists, feedback on what we sent, and credit
information such as evaluation results (docs/exchange.md).

The 前置机 drops each delivery into the inbox directory as data file(s) plus a manifest
`<name>.manifest.json`, the same pattern as our outbound drops:

    {"kind": "list", "list_type": "SX_BZXR", "full_snapshot": false, "unit": "区法院",
     "files": [{"name": "sxbzxr-20261120.csv", "sha256": "…"}]}
    {"kind": "records", "record_type": "XZCF", "unit": "区市场监管局", "files": [...]}
    {"kind": "feedback", "files": [...]}

A delivery whose files have not all arrived waits. Otherwise each file is checked (SHA-256
as announced, not imported before) and imported through the one collection pipeline
(`collection.services.ingest_file`, via `sanctions.importer.import_list_file` for lists),
so it gets the same checks, batches and rejected-row reports as a department's file —
but as an upstream batch (上级平台下发) of the receiving unit: no reporting deadline, no
迟报, and none of that unit's rates, which measure its reporting of its own decisions;
feedback rows acknowledge or return our messages, and a record returned is shown on the
inbound page and in the record's own history (`exchange.record_returned`), where its unit
sees it. The delivery then moves to `done/` or `rejected/` with a `<name>.result.json`
beside it; a refused manifest is recorded as an `InboundFile` too. What came from the city
platform is not queued to be pushed back (exchange.outbox.suppressed around the ingest),
but a local entry it ends — a red entry of a subject listed upstream — is sent as any
removal is.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError
from xinyong.orgs import permissions

from . import outbox
from .conf import get_config
from .models import InboundFile, OutboundMessage

MANIFEST_SUFFIX = ".manifest.json"
KINDS = {k.value for k in InboundFile.Kind}
ACCEPT_WORDS = {"接收", "已接收", "成功", "入库", "accepted", "ok", "duplicate"}
RETURN_WORDS = {"退回", "拒收", "失败", "rejected", "failed", "error"}
FEEDBACK_HEADERS = {
    "key": {"幂等键", "idempotency_key", "报文标识", "BWBS"},
    "record": {"记录标识", "JLBS"},
    "result": {"处理结果", "result", "status", "CLJG"},
    "reason": {"原因", "退回原因", "reason", "detail", "YY"},
    "receipt": {"回执号", "receipt", "HZH"},
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Delivery:
    manifest: Path
    data: dict[str, Any] = field(default_factory=dict)
    problem: str = ""

    @property
    def name(self) -> str:
        return self.manifest.name[: -len(MANIFEST_SUFFIX)]

    def files(self) -> list[dict[str, Any]]:
        raw = self.data.get("files")
        return [f for f in raw if isinstance(f, dict)] if isinstance(raw, list) else []


@dataclass
class ImportRun:
    imported: int = 0
    rejected: int = 0
    waiting: int = 0
    busy: bool = False
    files: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "rejected": self.rejected,
            "waiting": self.waiting,
            "busy": self.busy,
            "files": self.files,
        }

    @property
    def summary(self) -> str:
        if self.busy:
            return "另一次导入正在进行，本次未导入；稍后再试。"
        return (
            f"下发文件：导入 {self.imported} 个，拒收 {self.rejected} 个，"
            f"等待文件到齐 {self.waiting} 个。"
        )


def _read_manifest(path: Path) -> Delivery:
    delivery = Delivery(manifest=path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        delivery.problem = f"清单文件无法解析：{exc}"
        return delivery
    if not isinstance(data, dict):
        delivery.problem = "清单文件应为 JSON 对象。"
        return delivery
    try:
        # JSON may escape a lone surrogate (\ud800), which no UTF-8 text, file name or
        # database column can hold: the messages below echo the manifest's values.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        delivery.problem = "清单中含有无效字符（孤立的 Unicode 代理项），不是有效的文本。"
        return delivery
    delivery.data = data
    kind = str(data.get("kind") or "")
    if kind not in KINDS:
        delivery.problem = f"清单中的类型“{kind}”无效，应为 list（名单）、records（信用信息）或 feedback（接收反馈）。"
    elif not delivery.files():
        delivery.problem = "清单中没有列出数据文件（files）。"
    elif kind == "list" and not data.get("list_type"):
        delivery.problem = "名单文件须在清单中注明名单类型（list_type）。"
    elif kind == "list" and not isinstance(data.get("full_snapshot", False), bool):
        # A full snapshot ends every upstream entry missing from the file: only a JSON
        # true may ask for it. "false" or "0" read as true would lift listings the court
        # still holds; an unclear flag refuses the delivery rather than guess.
        shown = json.dumps(data["full_snapshot"], ensure_ascii=False)
        delivery.problem = (
            f"清单中的全量标记（full_snapshot）“{shown}”无效，"
            "应为不加引号的 true（全量名单）或 false（增量）。"
        )
    elif kind == "records" and not data.get("record_type"):
        delivery.problem = "信用信息文件须在清单中注明信息类别（record_type）。"
    for item in delivery.files():
        name = str(item.get("name") or "")
        if not name or Path(name).name != name or name.startswith("."):
            delivery.problem = delivery.problem or f"清单中的文件名“{name}”无效（不得含路径）。"
    return delivery


# ---------------------------------------------------------------- the kinds


@contextmanager
def _pushed_down_list() -> Iterator[None]:
    from xinyong.collection.services import pushed_down

    # The list importer names its own channel: the ingest is marked upstream around it.
    with outbox.suppressed(), pushed_down():
        yield


def _import_list(data: dict[str, Any], path: Path, unit: str) -> tuple[dict[str, Any], int | None]:
    from xinyong.sanctions.importer import import_list_file

    result = import_list_file(
        actor=None,
        list_type=str(data["list_type"]),
        unit=unit,
        path=path,
        # A JSON boolean or absent (_read_manifest refuses anything else).
        full_snapshot=data.get("full_snapshot") is True,
        operator="city-platform",
        # Only the pushed-down rows are kept from going back up: the local red entries
        # that a serious listing ends are our own changes and go out as usual.
        ingest_context=_pushed_down_list,
    )
    payload = result.as_json()
    payload.pop("created_ids", None)
    payload.pop("ended_ids", None)
    return payload, None


def _import_records(
    data: dict[str, Any], path: Path, unit: str
) -> tuple[dict[str, Any], int | None]:
    from xinyong.collection.models import Batch
    from xinyong.collection.services import ingest_file

    result = ingest_file(
        actor=None,
        unit=unit,
        record_type=str(data["record_type"]),
        path=path,
        # Stored under the receiving unit, yet no report of its own decisions: no deadline
        # (发改办财金〔2018〕424号 counts from the unit's own decision) and none of its rates.
        channel=Batch.Channel.UPSTREAM,
        operator="city-platform",
    )
    return result.as_json(), result.batch.pk


def _column(headers: list[str], names: set[str]) -> int | None:
    wanted = {n.lower() for n in names}
    for i, h in enumerate(headers):
        if str(h).strip().lstrip("\ufeff").lower() in wanted:
            return i
    return None


def _apply_feedback(path: Path) -> tuple[dict[str, Any], int | None]:
    """Rows (幂等键 or 记录标识, 处理结果, 原因, 回执号): a message accepted is acknowledged,
    one returned fails with the platform's reason (a person fixes and resends); record-level
    returns are listed in the result for the providing units."""
    from xinyong.collection.pipeline.reader import read_file
    from xinyong.records.models import CreditRecord

    table = read_file(path)
    cols = {k: _column(table.headers, v) for k, v in FEEDBACK_HEADERS.items()}
    if cols["result"] is None or (cols["key"] is None and cols["record"] is None):
        raise DomainError("反馈文件须有“处理结果”列，以及“幂等键”或“记录标识”列。")
    acknowledged = returned = unknown = 0
    returned_records: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []

    def cell(row: dict[str, Any], key: str) -> str:
        index = cols[key]
        return str(row.get(f"c{index}") or "").strip() if index is not None else ""

    for chunk in table.chunks:
        for row in chunk.frame.iter_rows(named=True):
            verdict = cell(row, "result").lower()
            accepted = verdict in ACCEPT_WORDS
            if not accepted and verdict not in RETURN_WORDS:
                errors.append({"row": row["_row"], "message": f"处理结果“{verdict}”无法识别"})
                continue
            reason = cell(row, "reason")
            key = cell(row, "key")
            if key:
                with transaction.atomic():
                    message = (
                        OutboundMessage.objects.select_for_update()
                        .filter(idempotency_key=key)
                        .first()
                    )
                    if message is None:
                        unknown += 1
                        errors.append({"row": row["_row"], "message": f"报文 {key} 不存在"})
                        continue
                    if message.status == OutboundMessage.Status.ACKNOWLEDGED and accepted:
                        acknowledged += 1
                        continue
                    if accepted:
                        message.status = OutboundMessage.Status.ACKNOWLEDGED
                        message.acknowledged_at = timezone.now()
                        message.receipt = cell(row, "receipt")[:100] or message.receipt
                        message.last_error = ""
                        acknowledged += 1
                    else:
                        message.status = OutboundMessage.Status.FAILED
                        message.last_error = f"市平台反馈退回：{reason or '未说明原因'}"
                        returned += 1
                    message.lease_until = None
                    message.lease_token = ""
                    message.save()
                continue
            identity = cell(row, "record")
            record = (
                CreditRecord.objects.select_related("source_unit")
                .filter(identity_key=identity)
                .first()
            )
            if record is None:
                unknown += 1
                errors.append({"row": row["_row"], "message": f"记录标识 {identity[:16]}… 不存在"})
                continue
            if not accepted:
                returned += 1
                returned_records.append(
                    {
                        "record_id": record.pk,
                        "document_number": record.document_number,
                        "unit": record.source_unit.name,
                        "reason": reason or "未说明原因",
                    }
                )
            else:
                acknowledged += 1
    return (
        {
            "acknowledged": acknowledged,
            "returned": returned,
            "unknown": unknown,
            "returned_records": returned_records[:1000],
            "errors": errors[:1000],
        },
        None,
    )


# ---------------------------------------------------------------- one delivery


def _archive(delivery: Delivery, target: Path, result: dict[str, Any]) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    folder = target / f"{stamp}-{delivery.name}"
    n = 1
    while folder.exists():
        n += 1
        folder = target / f"{stamp}-{delivery.name}-{n}"
    folder.mkdir()
    for item in delivery.files():
        source = delivery.manifest.parent / str(item.get("name"))
        if source.exists():
            shutil.move(str(source), folder / source.name)
    shutil.move(str(delivery.manifest), folder / delivery.manifest.name)
    (folder / f"{delivery.name}.result.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, default=str),
        encoding="utf-8",
        errors="backslashreplace",
    )
    return folder


def _process_file(
    delivery: Delivery, item: dict[str, Any], unit: str, actor: Any
) -> dict[str, Any]:
    data = delivery.data
    kind = str(data["kind"])
    path = delivery.manifest.parent / str(item["name"])
    sha = _sha256(path)
    announced = str(item.get("sha256") or "").lower()
    code = str(data.get("list_type") or data.get("record_type") or "")[:30]
    report: dict[str, Any] = {"name": path.name, "sha256": sha, "kind": kind, "code": code}
    earlier = InboundFile.objects.filter(sha256=sha).first()
    if earlier is not None and earlier.status == InboundFile.Status.DONE:
        when = timezone.localtime(earlier.created_at)
        report.update(
            ok=False,
            duplicate=True,
            message=f"同一文件已于 {when:%Y-%m-%d %H:%M} 导入，不重复导入。",
        )
        return report
    # Recorded before the import: a process killed during the import leaves this row in
    # "processing", and the next run imports the file again (the pipeline recognises the
    # records already stored as duplicates). A file rejected earlier may be delivered
    # again on purpose: it is processed anew.
    row = earlier or InboundFile.objects.create(
        filename=path.name, sha256=sha, size=path.stat().st_size, kind=kind, code=code
    )
    row.filename, row.kind, row.code = path.name, kind, code
    refusal = ""
    if not announced:
        refusal = "清单未给出该文件的 SHA-256 校验和，拒收。"
    elif announced != sha:
        refusal = "文件校验和与清单不符（传输不完整或被改动），拒收。"
    if refusal:
        _finish(row, actor, ok=False, message=refusal, outcome={}, batch_id=None)
        report.update(ok=False, message=refusal, inbound_file=row.pk)
        return report
    batch_id = None
    try:
        if kind == "list":
            # Suppresses the echo of its own ingest (see _import_list).
            outcome, batch_id = _import_list(data, path, unit)
        else:
            with outbox.suppressed():
                if kind == "records":
                    outcome, batch_id = _import_records(data, path, unit)
                else:
                    outcome, batch_id = _apply_feedback(path)
        ok = True
        message = _done_message(kind, outcome)
        if isinstance(outcome.get("ingest"), dict):
            batch_id = batch_id or _batch_of(sha)
    except DomainError as exc:
        ok = False
        outcome = {}
        message = exc.message
        failed_batch = getattr(exc, "batch", None)
        batch_id = getattr(failed_batch, "pk", None)
    _finish(row, actor, ok=ok, message=message, outcome=outcome, batch_id=batch_id)
    report.update(ok=ok, message=message, result=outcome, inbound_file=row.pk, batch=batch_id)
    return report


def _done_message(kind: str, outcome: dict[str, Any]) -> str:
    """The page's one-line result of an imported file: what was not taken, if anything
    (the rows themselves are listed beneath it)."""
    parts = ["已导入"]
    ingest = outcome.get("ingest") if kind == "list" else outcome
    rejected = ingest.get("rejected") if kind != "feedback" and isinstance(ingest, dict) else 0
    if rejected:
        parts.append(f"{rejected} 行未通过校验被退回")
    if outcome.get("removal_withheld"):
        parts.append(str(outcome["removal_withheld"]))
    if kind == "feedback" and outcome.get("returned_records"):
        parts.append(f"市平台退回记录 {len(outcome['returned_records'])} 条")
    return "；".join(parts)


def _finish(
    row: InboundFile,
    actor: Any,
    *,
    ok: bool,
    message: str,
    outcome: dict[str, Any],
    batch_id: int | None,
) -> None:
    with transaction.atomic():
        row.status = InboundFile.Status.DONE if ok else InboundFile.Status.REJECTED
        row.message = message
        row.result = outcome
        row.batch_id = batch_id
        row.processed_by = actor if getattr(actor, "pk", None) else None
        row.save()
        record_event(
            actor=actor,
            action="exchange.import",
            target_type="exchange.InboundFile",
            target_id=row.pk,
            target_repr=row.filename,
            new={
                "kind": row.kind,
                "code": row.code,
                "ok": ok,
                "message": message,
                "result": outcome,
            },
        )
        # The providing unit reads its record's history, not this page (河南条例 art. 17:
        # failing data goes back to whoever provided it).
        returns = outcome.get("returned_records") if ok else None
        for returned in returns or []:
            record_event(
                actor=actor,
                action="exchange.record_returned",
                target_type="records.CreditRecord",
                target_id=returned["record_id"],
                target_repr=f"{returned['document_number']} 退回原因：{returned['reason']}",
                new={
                    "document_number": returned["document_number"],
                    "unit": returned["unit"],
                    "reason": returned["reason"],
                    "inbound_file": row.pk,
                    "filename": row.filename,
                },
            )


def _batch_of(sha: str) -> int | None:
    from xinyong.collection.models import Batch

    # import_list_file reports its ingest without the batch id: the batch is the newest
    # one of this file's content.
    batch = Batch.objects.filter(file_sha256=sha).order_by("-id").first()
    return batch.pk if batch else None


def import_inbox(*, actor: Any) -> ImportRun:
    """Import every complete delivery in the inbox, oldest manifest first."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    config = get_config()
    inbox = config.inbox_dir
    run = ImportRun()
    if not inbox.is_dir():
        inbox.mkdir(parents=True, exist_ok=True)
        return run
    # One import at a time, whoever starts it (the 立即导入 button, the CLI, the scheduler):
    # a second run over the same delivery would import it again and then find its files
    # archived under it. An advisory lock on a file in the inbox holds across processes
    # and is released by the kernel if the process dies.
    with (inbox / ".import.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            run.busy = True
            return run
        try:
            _import_deliveries(inbox, config, run, actor)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return run


def _refuse_manifest(delivery: Delivery, inbox: Path, actor: Any) -> dict[str, Any]:
    """A manifest that cannot be used is archived under rejected/ and recorded as an
    InboundFile of its own (keyed by the manifest's SHA-256), so that the page and the
    event log say why the delivery was not imported."""
    path = delivery.manifest
    try:
        sha, size = _sha256(path), path.stat().st_size
    except OSError:
        sha, size = hashlib.sha256(f"manifest:{path.name}".encode()).hexdigest(), 0
    kind = str(delivery.data.get("kind") or "")
    code = str(delivery.data.get("list_type") or delivery.data.get("record_type") or "")[:30]
    result = {"ok": False, "message": delivery.problem, "files": []}
    folder = _archive(delivery, inbox / "rejected", result)
    report: dict[str, Any] = {"name": path.name, "ok": False, "message": delivery.problem}
    row = InboundFile.objects.filter(sha256=sha).first()
    if row is not None and row.status == InboundFile.Status.DONE:
        # The same bytes were once imported as a data file: that record stays as it is.
        return report
    if row is None:
        row = InboundFile.objects.create(filename=path.name, sha256=sha, size=size)
    row.filename, row.size, row.moved_to = path.name, size, str(folder)
    row.kind = kind if kind in KINDS else ""
    row.code = code
    _finish(row, actor, ok=False, message=delivery.problem, outcome={}, batch_id=None)
    report["inbound_file"] = row.pk
    return report


def _import_deliveries(inbox: Path, config: Any, run: ImportRun, actor: Any) -> None:
    manifests = sorted(inbox.glob("*" + MANIFEST_SUFFIX), key=lambda p: (p.stat().st_mtime, p.name))
    for manifest in manifests:
        delivery = _read_manifest(manifest)
        if delivery.problem:
            run.rejected += 1
            run.files.append(_refuse_manifest(delivery, inbox, actor))
            continue
        missing = [
            str(i["name"]) for i in delivery.files() if not (inbox / str(i["name"])).is_file()
        ]
        if missing:
            run.waiting += 1
            continue
        unit = str(delivery.data.get("unit") or config.inbound_unit)
        reports = [_process_file(delivery, item, unit, actor) for item in delivery.files()]
        ok = all(r.get("ok") for r in reports)
        result = {"ok": ok, "manifest": delivery.data, "files": reports}
        folder = _archive(delivery, inbox / ("done" if ok else "rejected"), result)
        for r in reports:
            if r.get("inbound_file"):
                InboundFile.objects.filter(pk=r["inbound_file"]).update(moved_to=str(folder))
            r.pop("result", None)
            run.files.append(r)
        if ok:
            run.imported += len(reports)
        else:
            run.rejected += sum(1 for r in reports if not r.get("ok"))
            run.imported += sum(1 for r in reports if r.get("ok"))


def run_import_job() -> str:
    run = import_inbox(actor=None)
    if not (run.imported or run.rejected):
        return ""
    return run.summary
