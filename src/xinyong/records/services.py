"""The credit record store's rules that every writer shares.

Records are written in bulk by the collection pipeline (`xinyong.collection.services`),
which is the one write path for submitted data; this module holds what defines a record:
its identity and the fingerprint of its content.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date

    from .models import CreditRecord


def normalise_document_number(value: str | None) -> str:
    """A document number as compared: half-width (NFKC), no whitespace. Brackets are kept
    as written: 〔2023〕 and [2023] are not silently made equal."""
    return "".join(unicodedata.normalize("NFKC", value or "").split())


def identity_key(
    type_code: str, deciding_unit_code: str | None, document_number: str | None
) -> str:
    """sha256 of "<type code>|<deciding unit code>|<document number>" (normalised): a
    record's identity (docs/collection.md). Sending the same identity again is a duplicate
    or a correction, never a second record."""
    text = "|".join(
        (
            (type_code or "").strip().upper(),
            (deciding_unit_code or "").strip().upper(),
            normalise_document_number(document_number),
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(payload_json: str) -> str:
    """The fingerprint of a record's payload as serialised by the pipeline."""
    return hashlib.sha256(payload_json.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- single-record changes
# Corrections and withdrawals decided outside a batch (an objection decided 更正 or 撤销,
# 河南条例 art. 41). Each keeps history, writes one event and tells the record's consumers
# through `records.signals.record_changed`, inside the same transaction.

# Fields that make up a record's identity or its subject: changing them is not a
# correction of this record but a different record (withdraw it and report anew).
IDENTITY_ROLES = (
    "document_number",
    "deciding_unit_code",
    "party_kind",
    "party_uscc",
    "party_id_type",
    "party_id_number",
)


def can_change_record(actor: Any, record: CreditRecord) -> bool:
    """The credit office, the record's reporting unit, or the system (actor None)."""
    from xinyong.orgs import permissions

    return (
        actor is None
        or permissions.is_credit_admin(actor)
        or permissions.can_write_unit_data(actor, record.source_unit_id)
    )


def _require_record_writer(actor: Any, record: CreditRecord) -> None:
    from xinyong.core.errors import NotPermitted

    if not can_change_record(actor, record):
        raise NotPermitted("只有信用办管理员或该记录的报送单位可以更正或撤销信用记录。")


def _reason_text(reason: Any) -> str:
    from xinyong.core.errors import DomainError

    text = str(reason or "").strip()
    if not text:
        raise DomainError("请填写更正或撤销的理由。")
    if len(text) > 2000:
        raise DomainError("理由过长（最多 2000 字）。")
    return text


def corrected_payload(record: CreditRecord, changes: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The record's payload with `changes` (field code → new value) applied, validated by
    the same rules as a submitted row; returns (payload, payload JSON). Refusals in Chinese."""
    from django.utils import timezone

    from xinyong.catalog.fieldspec import get_spec
    from xinyong.collection.pipeline.reader import UnreadableFile, rows_table
    from xinyong.collection.pipeline.validate import (
        MULTI_JOIN,
        Validator,
        map_headers,
        payload_json,
    )
    from xinyong.core.errors import DomainError

    if not isinstance(changes, dict) or not changes:
        raise DomainError("请填写需要更正的信息项。")
    spec = get_spec(record.record_type.code)
    known = {fs.code: fs for fs in spec.fields}
    for code in changes:
        fs = known.get(str(code))
        if fs is None:
            raise DomainError(f"信息项“{str(code)[:40]}”不属于信息类别“{spec.name}”。")
        if fs.role in IDENTITY_ROLES:
            raise DomainError(
                f"“{fs.label}”决定记录的身份，不能更正；如确有错误，请撤销该记录后由报送单位重新报送。"
            )
    current = dict(record.payload or {})
    row: dict[str, Any] = {}
    for fs in spec.fields:
        value = changes[fs.code] if fs.code in changes else current.get(fs.code)
        if isinstance(value, list | tuple):
            value = MULTI_JOIN.join(str(v) for v in value)
        row[fs.code] = "" if value is None else str(value)
    try:
        table = rows_table([row])
        colmap = map_headers(spec, table.headers, strict=False)
    except UnreadableFile as exc:
        raise DomainError(str(exc)) from None
    validator = Validator(
        spec,
        colmap,
        table.headers,
        today=timezone.localdate(),
        reported_on=record.reported_on,
    )
    result = validator.run(next(iter(table.chunks)))
    if result.rejected:
        problems = "；".join(f"{e.column}：{e.message}" for r in result.rejected for e in r.errors)
        raise DomainError(f"更正后的内容未通过校验：{problems}")
    text = str(result.valid.select(payload_json(spec)).item())
    return json.loads(text), text


def correct_record(
    *, actor: Any, record: CreditRecord, changes: dict[str, Any], reason: str
) -> CreditRecord:
    """Correct one record as a new version: the old content is kept as a RecordVersion,
    the common columns follow the corrected payload, and consumers are told
    (record_changed, change="corrected")."""
    from datetime import date

    from django.db import transaction

    from xinyong.catalog.fieldspec import get_spec
    from xinyong.core import calendar
    from xinyong.core.audit import record_event
    from xinyong.core.errors import CalendarUnknownYear, DomainError

    from .models import CreditRecord, RecordVersion
    from .signals import record_changed

    _require_record_writer(actor, record)
    why = _reason_text(reason)
    payload, text = corrected_payload(record, changes)
    new_hash = content_hash(text)
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        if locked.status != CreditRecord.Status.ACTIVE:
            raise DomainError("该记录已撤销，不能更正。")
        if locked.content_hash == new_hash:
            raise DomainError("更正后的内容与现有内容相同，无需更正。")
        RecordVersion.objects.create(
            record=locked,
            version=locked.version,
            payload=locked.payload,
            content_hash=locked.content_hash,
        )
        old = {"version": locked.version, "payload": {k: locked.payload.get(k) for k in changes}}
        spec = get_spec(locked.record_type.code)
        name = spec.by_role("party_name")
        decided = spec.by_role("decision_date")
        unit_name = spec.by_role("deciding_unit_name")
        if name is not None and payload.get(name.code):
            locked.party_name = str(payload[name.code])[:200]
        if decided is not None and payload.get(decided.code):
            new_date = date.fromisoformat(str(payload[decided.code]))
            if new_date != locked.decision_date and spec.report_deadline_workdays:
                # The deadline follows the decision date (发改办财金〔2018〕424号: 7
                # working days), lateness the first report, as for a batch correction.
                try:
                    locked.deadline = calendar.add_workdays(new_date, spec.report_deadline_workdays)
                except CalendarUnknownYear:
                    locked.deadline = None
                locked.is_late = bool(locked.deadline and locked.reported_on > locked.deadline)
            locked.decision_date = new_date
        if unit_name is not None:
            locked.deciding_unit_name = str(payload.get(unit_name.code) or "")[:200]
        locked.payload = payload
        locked.content_hash = new_hash
        locked.version += 1
        locked.save()
        record_event(
            actor=actor,
            action="records.corrected",
            target_type="records.CreditRecord",
            target_id=locked.pk,
            target_repr=locked.document_number,
            old=old,
            new={
                "version": locked.version,
                "payload": {k: payload.get(k) for k in changes},
                "reason": why,
            },
        )
        record_changed.send(sender=CreditRecord, record=locked, change="corrected", actor=actor)
    return locked


# 行政处罚法 (2021) art. 48: withdrawn "within three days"; art. 85: 三日 in this law
# means working days, holidays excluded.
PENALTY_WITHDRAWAL_WORKDAYS = 3


def withdraw_record(
    *,
    actor: Any,
    record: CreditRecord,
    reason: str,
    revoked_on: date | None = None,
    basis_document: str = "",
    on: date | None = None,
) -> CreditRecord:
    """Withdraw one record (撤回/撤销): it stops being public on `on` (default today); its
    content stays for staff. Consumers are told (record_changed, change="withdrawn").

    `revoked_on` is the date the decision was changed, revoked or found unlawful or void
    (by the unit itself, 行政复议 or a court); for a penalty it starts the three-working-day
    withdrawal deadline of 行政处罚法 art. 48, and a withdrawal after it is marked late.
    The reason is the public explanation that article requires."""
    from django.db import transaction
    from django.utils import timezone

    from xinyong.core.audit import record_event
    from xinyong.core.calendar import add_workdays
    from xinyong.core.errors import CalendarUnknownYear, DomainError
    from xinyong.publicity.selectors import is_publicly_visible

    from .models import CreditRecord, RecordWithdrawal
    from .signals import record_changed

    _require_record_writer(actor, record)
    why = _reason_text(reason)
    day = on or timezone.localdate()
    document = str(basis_document or "").strip()
    if len(document) > 200:
        raise DomainError("依据文书号过长（最多 200 字）。")
    deadline = None
    deadline_note = ""
    if revoked_on is not None:
        if revoked_on > day:
            raise DomainError(
                f"变更或撤销决定日期 {revoked_on.isoformat()} 晚于撤回日期 {day.isoformat()}。"
            )
        if record.decision_date and revoked_on < record.decision_date:
            raise DomainError(
                f"变更或撤销决定日期 {revoked_on.isoformat()} 早于原决定日期 "
                f"{record.decision_date.isoformat()}。"
            )
        if _is_penalty(record):
            try:
                deadline = add_workdays(revoked_on, PENALTY_WITHDRAWAL_WORKDAYS)
            except CalendarUnknownYear as exc:
                # A missing holiday schedule must not keep a revoked penalty public: the
                # record is withdrawn, and the deadline stays open until it is loaded.
                deadline_note = exc.message
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        if locked.status == CreditRecord.Status.WITHDRAWN:
            raise DomainError("该记录已撤销。")
        # Asked of publicity's one visibility rule while the record is still active.
        was_public = is_publicly_visible(locked, day)
        locked.status = CreditRecord.Status.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        withdrawal, _ = RecordWithdrawal.objects.update_or_create(
            record=locked,
            defaults={
                "withdrawn_on": day,
                "revoked_on": revoked_on,
                "deadline": deadline,
                "is_late": deadline is not None and day > deadline,
                "was_public": was_public,
                "basis_document": document,
                "reason": why,
                "withdrawn_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        record_event(
            actor=actor,
            action="records.withdrawn",
            target_type="records.CreditRecord",
            target_id=locked.pk,
            target_repr=locked.document_number,
            old={"status": CreditRecord.Status.ACTIVE},
            new={
                "status": locked.status,
                "reason": why,
                "withdrawn_on": day,
                "revoked_on": revoked_on,
                "basis_document": document,
                "deadline": deadline,
                "deadline_note": deadline_note,
                "late": withdrawal.is_late,
                "was_public": was_public,
            },
        )
        # `on`: publicity ends on the withdrawal day, not on the day a receiver runs.
        record_changed.send(
            sender=CreditRecord, record=locked, change="withdrawn", actor=actor, on=day
        )
    return locked


def _is_penalty(record: CreditRecord) -> bool:
    from xinyong.catalog.fieldspec import get_spec

    return get_spec(record.record_type.code).by_role("penalty_kinds") is not None
