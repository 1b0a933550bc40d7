"""What a message says, built at send time in the national exchange field format.

Records travel with their catalogue field codes (DOMAIN.md §4: CF_XDR_MC, CF_WSH, XK_XKJGDM
…; the catalogue's codes are those of the national exchange), every field of the type in
catalogue order, multi-valued fields joined with "；" as the national templates write them.
The columns after them describe the record itself; they are the platform's own (the
national templates have no such columns), named in the same style:

    CZLX 操作类型 (新增或更新 / 撤销) · JLBS 记录标识 (sha256 of type|deciding unit|document
    number, the record's identity) · BBH 版本号 · JLZT 记录状态 (有效 / 已撤销) ·
    GXSJ 更新时间 (ISO 8601, Asia/Shanghai) · CHRQ 撤回日期 · CHLY 撤回理由 ·
    XF_JG 修复结果 (a record granted credit repair: what the repair items say, see below)

A message carries the record's current state (state transfer): a retry after a change
sends the newer content, and the receiver keeps, per JLBS, the item with the latest GXSJ,
so that the order in which messages arrive does not matter.

List changes and repair decisions have no national template: their columns (MD_…, XF_…)
are defined below and in docs/exchange.md. Nor have credit commitments: their columns
(CN_…) are the DOMAIN.md §9 data model named like the catalogue's CNWN type (信用承诺违诺
信息, whose CN_ codes they reuse), one item per commitment carrying its current state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from xinyong.catalog.fieldspec import MULTI_JOIN, get_spec
from xinyong.core.errors import DomainError
from xinyong.core.identifiers import split_document_key
from xinyong.records.models import CreditRecord, RecordWithdrawal

from .conf import get_config
from .models import OutboundMessage, OutboxEntry

RECORD_META: list[tuple[str, str]] = [
    ("CZLX", "操作类型"),
    ("JLBS", "记录标识"),
    ("BBH", "版本号"),
    ("JLZT", "记录状态"),
    ("GXSJ", "更新时间"),
    # A withdrawn record's date and public reason (行政处罚法 art. 48: withdrawn with the
    # reason made public); empty otherwise. A record voided as keyed wrongly (录入错误作废)
    # travels as the same withdrawal, its reason prefixed "录入错误作废：" so that the
    # receiver deletes it as a keying error instead of publishing a revocation notice.
    ("CHRQ", "撤回日期"),
    ("CHLY", "撤回理由"),
    # A record granted credit repair carries the repair's result as the repair item does
    # (`_record_repair_result`): the repair item has the record's JLBS, and a record item
    # of a later change (an objection 更正, a correction, a re-submission) has a later GXSJ
    # and replaces it at the city, which must still see that the record is not published
    # (DOMAIN.md §5). Empty for a record never repaired.
    ("XF_JG", "修复结果"),
]

LIST_FIELDS: list[tuple[str, str]] = [
    ("MD_LXDM", "名单类型代码"),
    ("MD_LXMC", "名单类型名称"),
    ("MD_ZTMC", "主体名称"),
    ("MD_ZTDM", "主体代码"),
    ("MD_ZT", "名单状态"),
    ("MD_RDWH", "认定文书号"),
    ("MD_LRLY", "列入理由"),
    ("MD_RDJG", "认定机关"),
    ("MD_SXRQ", "生效日期"),
    ("MD_YXQZ", "有效期至"),
    ("MD_YCRQ", "移出日期"),
    ("MD_YCLY", "移出理由"),
    ("MD_BDRQ", "变动日期"),
    ("JLBS", "记录标识"),
    ("GXSJ", "更新时间"),
]

REPAIR_FIELDS: list[tuple[str, str]] = [
    ("XF_XXLB", "信息类别"),
    ("XF_WSH", "决定文书号"),
    ("XF_ZTMC", "主体名称"),
    ("XF_ZTDM", "主体代码"),
    ("XF_JDRQ", "修复决定日期"),
    ("XF_JDJG", "修复决定机关"),
    ("XF_JG", "修复结果"),
    ("JLBS", "记录标识"),
    ("GXSJ", "更新时间"),
]

# A commitment and its fulfilment (DOMAIN.md §9). The party, code, type, reason, content,
# date, accepting unit and fulfilment columns use the codes of the catalogue's CNWN type
# (commitments/data/record_types.json) so that a commitment and its breach record line up.
COMMITMENT_FIELDS: list[tuple[str, str]] = [
    ("CN_XDR_MC", "承诺人名称"),
    ("CN_XDR_LB", "承诺人类别"),
    ("CN_XDR_SHXYM", "统一社会信用代码"),
    ("CN_XDR_ZJLX", "证件类型"),
    ("CN_XDR_ZJHM", "证件号码"),
    ("CN_CNBM", "承诺编码"),
    ("CN_CNLX", "承诺类型"),
    ("CN_CNSY", "承诺事由"),
    ("CN_CNNR", "承诺内容"),
    ("CN_WNZR", "违诺责任"),
    ("CN_CNRQ", "承诺作出日期"),
    ("CN_YXQZ", "承诺有效期至"),
    ("CN_SLDW", "承诺受理单位"),
    ("CN_SLDWDM", "承诺受理单位统一社会信用代码"),
    ("CN_LXZT", "履行状态"),
    ("CN_HCRQ", "核查日期"),
    ("CN_WLXNR", "未履行内容"),
    ("CN_ZJNR", "违诺责任追究内容"),
    ("CN_YQRQ", "逾期未补正标记日期"),
    ("CN_GKSX", "公开属性"),
    ("BZ", "备注"),
    ("CZLX", "操作类型"),
    ("JLBS", "记录标识"),
    ("GXSJ", "更新时间"),
]

STATUS_LABELS = dict(CreditRecord.Status.choices)
OPERATION_LABELS = dict(OutboundMessage.Operation.choices)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return MULTI_JOIN.join(_text(v) for v in value)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class Prepared:
    """A message ready for a transport: its envelope (JSON) and its rows as a table."""

    message: OutboundMessage
    envelope: dict[str, Any]
    columns: list[tuple[str, str]]  # (code, Chinese label)
    rows: list[dict[str, str]]

    @property
    def body(self) -> bytes:
        # Sorted keys and fixed separators: the same content gives the same bytes, so the
        # body hash recorded with the message identifies what was sent.
        return json.dumps(
            self.envelope, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def _record_rows(
    message: OutboundMessage, ids: list[int]
) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    spec = get_spec(message.record_type_code)
    columns = [(f.code, f.label) for f in spec.fields] + RECORD_META
    found = {
        r["id"]: r
        for r in CreditRecord.objects.filter(pk__in=ids).values(
            "id", "identity_key", "payload", "version", "status", "updated_at"
        )
    }
    withdrawals = {
        w["record_id"]: w
        for w in RecordWithdrawal.objects.filter(record_id__in=ids).values(
            "record_id", "withdrawn_on", "reason", "kind"
        )
    }
    repair_results = _record_repair_results(ids)
    rows = []
    for pk in ids:
        r = found.get(pk)
        if r is None:
            # Records are never deleted (PROTECT); a missing one means a restored backup
            # older than the outbox: say so rather than sending a silent gap.
            raise DomainError(f"报文 {message.idempotency_key} 引用的信用记录 {pk} 已不存在。")
        payload = r["payload"] if isinstance(r["payload"], dict) else {}
        row = {f.code: _text(payload.get(f.code)) for f in spec.fields}
        withdrawn = r["status"] == CreditRecord.Status.WITHDRAWN
        row["CZLX"] = OPERATION_LABELS[
            OutboundMessage.Operation.WITHDRAW if withdrawn else OutboundMessage.Operation.UPSERT
        ]
        row["JLBS"] = r["identity_key"]
        row["BBH"] = str(r["version"])
        row["JLZT"] = STATUS_LABELS.get(r["status"], r["status"])
        row["GXSJ"] = _text(r["updated_at"])
        withdrawal = withdrawals.get(pk) if withdrawn else None
        row["CHRQ"] = _text(withdrawal["withdrawn_on"]) if withdrawal else ""
        row["CHLY"] = _withdrawal_reason(withdrawal) if withdrawal else ""
        row["XF_JG"] = repair_results.get(pk, "")
        rows.append(row)
    return columns, rows


VOID_LABEL = RecordWithdrawal.Kind.KEYING_ERROR.label


def _withdrawal_reason(withdrawal: Mapping[str, Any]) -> str:
    reason = _text(withdrawal["reason"])
    if withdrawal["kind"] == RecordWithdrawal.Kind.KEYING_ERROR:
        return f"{VOID_LABEL}：{reason}"
    return reason


def _subject_code(identifier: str) -> str:
    """A subject's code in a 主体代码 column (MD_ZTDM, XF_ZTDM), which has no 证件类型
    beside it: a person identified by another document is keyed `<证件类型>:<号码>` inside
    the platform only, so the document number goes out alone, as CF_XDR_ZJHM carries it."""
    document = split_document_key(identifier)
    return document[1] if document is not None else identifier


def _list_rows(entry: OutboxEntry) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    from xinyong.sanctions.models import ListEntry

    item = ListEntry.objects.select_related("list_type", "subject").get(
        pk=int(entry.list_entry_id or 0)
    )
    row = {
        "MD_LXDM": item.list_type.code,
        "MD_LXMC": item.list_type.name,
        "MD_ZTMC": item.subject.name,
        "MD_ZTDM": _subject_code(item.subject.identifier),
        "MD_ZT": item.get_status_display(),
        "MD_RDWH": item.basis_document,
        "MD_LRLY": item.reasons,
        "MD_RDJG": item.designating_authority or item.list_type.designating_authority,
        "MD_SXRQ": _text(item.effective_from),
        "MD_YXQZ": _text(item.ends_on),
        "MD_YCRQ": _text(item.removed_on),
        "MD_YCLY": item.removal_reason,
        "MD_BDRQ": _text(timezone.localtime(entry.created_at).date()),
        # The entry's own exchange id, not its row id, which a restored backup reuses.
        "JLBS": f"{get_config().node}-MD-{item.exchange_uid}",
        "GXSJ": _text(item.updated_at),
    }
    return LIST_FIELDS, [row]


# XF_JG 修复结果. An approval stops the record's publicity; a broken 信用修复型 commitment
# undoes it (DOMAIN.md §9: the penalty is public again until its longest period), or, when
# that period has already run out, undoes it with nothing left to show.
REPAIR_APPROVED = "准予信用修复，停止公示"
REPAIR_UNDONE = "撤销修复，恢复公示"
REPAIR_UNDONE_EXPIRED = "撤销修复，公示期已满"


def _undone_result(end_reason: str) -> str:
    """XF_JG of a repair undone: the record is public again, or its longest period has
    already run out (the restored window ended 公示期满) and nothing is shown."""
    from xinyong.publicity.models import PublicityWindow

    if end_reason == PublicityWindow.EndReason.EXPIRED:
        return REPAIR_UNDONE_EXPIRED
    return REPAIR_UNDONE


def _record_repair_result(end_reason: str) -> str:
    """XF_JG of the item of a record granted credit repair, from its publicity window now:
    the same result the latest repair item sent for it says, so that a record item of a
    later change, which replaces that repair item at the city (same JLBS, later GXSJ),
    says it too. The repair in force (window ended 已修复) → 准予信用修复，停止公示; undone
    by a broken 信用修复型 commitment → 撤销修复，恢复公示 / 撤销修复，公示期已满. A
    withdrawn record goes as a withdrawal (撤销 overrides the repair), with no result."""
    from xinyong.publicity.models import PublicityWindow

    if end_reason == PublicityWindow.EndReason.REPAIRED:
        return REPAIR_APPROVED
    if end_reason == PublicityWindow.EndReason.WITHDRAWN:
        return ""
    return _undone_result(end_reason)


def _record_repair_results(ids: list[int]) -> dict[int, str]:
    """XF_JG per record id, for the records among `ids` granted credit repair (usually
    none: one query then). Only an approval ends a window 已修复 (rights.decide_repair), and
    a broken commitment's restoration is the only way back from it."""
    from xinyong.publicity.models import PublicityWindow
    from xinyong.rights.models import RepairApplication

    repaired = set(
        RepairApplication.objects.filter(
            record_id__in=ids, status=RepairApplication.Status.APPROVED
        ).values_list("record_id", flat=True)
    )
    if not repaired:
        return {}
    ends = dict(
        PublicityWindow.objects.filter(record_id__in=repaired).values_list(
            "record_id", "end_reason"
        )
    )
    return {pk: _record_repair_result(ends.get(pk) or "") for pk in repaired}


def _repair_rows(entry: OutboxEntry) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    from xinyong.publicity.models import PublicityWindow
    from xinyong.rights.models import RepairApplication

    app = (
        RepairApplication.objects.select_related("record__record_type", "subject")
        .filter(pk=int(entry.repair_id or 0))
        .first()
    )
    if app is None:
        raise DomainError(f"待推送变更 {entry.uid} 引用的信用修复申请已不存在。")
    undone = entry.kind == OutboxEntry.Kind.RECORD
    result = REPAIR_APPROVED
    if undone:
        window = PublicityWindow.objects.filter(record_id=app.record_id).first()
        result = _undone_result(window.end_reason if window is not None else "")
    row = {
        "XF_XXLB": app.record.record_type.code,
        "XF_WSH": app.record.document_number,
        "XF_ZTMC": app.subject.name,
        "XF_ZTDM": _subject_code(app.subject.identifier),
        # A restoration is dated the day it took effect (the change was queued with it).
        "XF_JDRQ": _text(timezone.localdate(entry.created_at) if undone else app.decided_on),
        "XF_JDJG": f"{settings.XINYONG_DISTRICT}社会信用体系建设领导小组办公室",
        "XF_JG": result,
        "JLBS": app.record.identity_key,
        # The time of the decision or of its undoing: the entry was queued in that very
        # transaction. Not the application's updated_at, which later bookkeeping (已同步)
        # moves: a rebuilt approval would then outdate the restoration at the city, which
        # keeps the latest GXSJ per JLBS.
        "GXSJ": _text(entry.created_at),
    }
    return REPAIR_FIELDS, [row]


def _commitment_rows(entry: OutboxEntry) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    from xinyong.commitments.models import Commitment, Kind
    from xinyong.commitments.services import EXCHANGE_KIND, person_document

    c = (
        Commitment.objects.select_related("subject", "accepting_unit", "breach_record")
        .filter(pk=int(entry.commitment_id or 0))
        .first()
    )
    if c is None:
        raise DomainError(f"待推送变更 {entry.uid} 引用的信用承诺已不存在。")
    unit = c.accepting_unit
    subject = c.subject
    assert subject is not None  # only a 待确认 public-window attempt has none; never sent
    person = subject.is_person
    # A resident ID number, or the type and number of another document (never its key).
    document_type, document_number = person_document(c.committer_code) if person else ("", "")
    # Identifiers in full, as for records: the city platform is a lawful receiver of
    # shared data; CN_GKSX (公开属性) tells it what it may show the public (DOMAIN.md §9).
    row = {
        "CN_XDR_MC": c.committer_name,
        "CN_XDR_LB": subject.get_kind_display(),
        "CN_XDR_SHXYM": "" if person else c.committer_code,
        "CN_XDR_ZJLX": document_type,
        "CN_XDR_ZJHM": document_number,
        "CN_CNBM": c.code,
        "CN_CNLX": EXCHANGE_KIND[Kind(c.kind)],
        "CN_CNSY": c.reason,
        "CN_CNNR": c.content,
        "CN_WNZR": c.breach_liability,
        "CN_CNRQ": _text(c.made_on),
        "CN_YXQZ": _text(c.valid_until),
        "CN_SLDW": unit.name if unit else "",
        "CN_SLDWDM": unit.uscc if unit else "",
        # 待核查 until the accepting unit records 全部履行 / 部分履行 / 全部未履行.
        "CN_LXZT": c.get_status_display(),
        "CN_HCRQ": _text(c.verified_on),
        "CN_WLXNR": c.unfulfilled_content,
        "CN_ZJNR": c.liability_action,
        "CN_YQRQ": _text(c.overdue_flagged_on),
        "CN_GKSX": c.get_publicity_display(),
        # A breach also travels as a CNWN record (its own batch): name it, so the city can
        # link the two.
        "BZ": f"违诺失信信息记录标识：{c.breach_record.identity_key}" if c.breach_record else "",
        "CZLX": OPERATION_LABELS[OutboundMessage.Operation.UPSERT],
        # 承诺编码 is unique nationally (region + date + serial, DOMAIN.md §9).
        "JLBS": c.code,
        "GXSJ": _text(c.updated_at),
    }
    return COMMITMENT_FIELDS, [row]


def prepare(message: OutboundMessage) -> Prepared:
    """Build the message's rows and envelope from the current state of what it refers to."""
    entry = message.entry
    if message.kind in (OutboxEntry.Kind.BATCH, OutboxEntry.Kind.RECORD):
        columns, rows = _record_rows(message, [int(i) for i in message.record_ids])
    elif message.kind == OutboxEntry.Kind.LIST_ENTRY:
        columns, rows = _list_rows(entry)
    elif message.kind == OutboxEntry.Kind.COMMITMENT:
        columns, rows = _commitment_rows(entry)
    else:
        columns, rows = _repair_rows(entry)
    envelope = {
        "idempotency_key": message.idempotency_key,
        "node": get_config().node,
        "sender": settings.XINYONG_PLATFORM_NAME,
        "kind": message.kind,
        "operation": message.operation,
        "record_type": message.record_type_code,
        "sequence": message.seq,
        "parts": entry.message_count,
        "count": len(rows),
        "columns": [{"code": code, "label": label} for code, label in columns],
        "items": rows,
    }
    return Prepared(message=message, envelope=envelope, columns=columns, rows=rows)
