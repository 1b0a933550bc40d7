"""The credit record store's rules that every writer shares.

Records are written in bulk by the collection pipeline (`xinyong.collection.services`),
which is the one write path for submitted data; this module holds what defines a record:
its identity and the fingerprint of its content.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable
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
                f"“{fs.label}”决定记录的身份，不能更正。如系录入错误，请由报送单位在该记录页"
                f"选择“录入错误作废”，再报送正确的记录；如原决定已被变更或撤销，请选择“撤销/撤回”。"
            )
    current = dict(record.payload or {})
    row: dict[str, Any] = {}
    for fs in spec.fields:
        if fs.code in changes and isinstance(changes[fs.code], dict | bool | list | tuple):
            # As a JSON batch row would send it: the reader refuses an object or a boolean
            # (wrong_type) and reads a list only for a multi-value field.
            value = changes[fs.code]
            row[fs.code] = list(value) if isinstance(value, tuple) else value
            continue
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


def is_pushed_down(record: CreditRecord) -> bool:
    """Whether the record is still the city platform's copy (an upstream batch's): the
    city's content prevails, so it is not corrected, withdrawn or voided here."""
    from xinyong.collection.models import Batch

    return (
        record.batch_id is not None
        and Batch.objects.filter(pk=record.batch_id, channel=Batch.Channel.UPSTREAM).exists()
    )


PUSHED_DOWN_NOT_ENDED = (
    "该记录由市平台下发，内容以上级平台为准，不能在本平台撤销/作废；"
    "如原决定已变更、撤销或录入有误，请反馈市平台撤销或更正后重新下发。"
)


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
        if is_pushed_down(locked):
            # The city's content prevails, as for a correction by upload (collection
            # services refuse it there too).
            raise DomainError(
                "该记录由市平台下发，内容以上级平台为准，不能在本平台更正；"
                "如有错误，请反馈市平台更正后重新下发。"
            )
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

KIND_CHOICES_TEXT = "请选择“撤销/撤回”或“录入错误作废”。"


def withdraw_record(
    *,
    actor: Any,
    record: CreditRecord,
    reason: str,
    revoked_on: date | None = None,
    basis_document: str = "",
    on: date | None = None,
    kind: str | None = None,
    replacement_document: str = "",
) -> CreditRecord:
    """Withdraw one record (撤回/撤销): it stops being public on `on` (default today); its
    content stays for staff. Consumers are told (record_changed, change="withdrawn").

    `revoked_on` is the date the decision was changed, revoked or found unlawful or void
    (by the unit itself, 行政复议 or a court); for a penalty it starts the three-working-day
    withdrawal deadline of 行政处罚法 art. 48, and a withdrawal after it is marked late.
    The reason is the public explanation that article requires.

    `kind` RecordWithdrawal.Kind.KEYING_ERROR hands over to `void_record` (录入错误作废),
    so that one entry point (the record page, the API) serves both kinds; a void takes no
    revocation date and no basis document, a revocation no replacement."""
    from xinyong.core.errors import DomainError

    from .models import RecordWithdrawal

    Kind = RecordWithdrawal.Kind
    chosen = str(kind or Kind.REVOCATION)
    if chosen not in Kind.values:
        raise DomainError(f"撤回类型无效：{KIND_CHOICES_TEXT}")
    if chosen == Kind.KEYING_ERROR:
        if revoked_on is not None:
            raise DomainError(
                "录入错误作废不填写变更或撤销决定日期：决定本身并未被变更或撤销。"
                "如原决定已被变更或撤销，请选择“撤销/撤回”。"
            )
        if str(basis_document or "").strip():
            raise DomainError(
                "录入错误作废不填写依据文书号；正确记录的文书号请填写在“正确记录的文书号”中。"
            )
        return void_record(
            actor=actor,
            record=record,
            reason=reason,
            replacement_document=replacement_document,
            on=on,
        )
    if str(replacement_document or "").strip():
        raise DomainError("只有“录入错误作废”可以填写正确记录的文书号。")
    return _withdraw_revoked(
        actor=actor,
        record=record,
        reason=reason,
        revoked_on=revoked_on,
        basis_document=basis_document,
        on=on,
    )


def _withdraw_revoked(
    *,
    actor: Any,
    record: CreditRecord,
    reason: str,
    revoked_on: date | None,
    basis_document: str,
    on: date | None,
) -> CreditRecord:
    from django.utils import timezone

    from xinyong.core.calendar import add_workdays
    from xinyong.core.errors import CalendarUnknownYear, DomainError

    from .models import CreditRecord, RecordWithdrawal

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
        if is_penalty(record):
            try:
                deadline = add_workdays(revoked_on, PENALTY_WITHDRAWAL_WORKDAYS)
            except CalendarUnknownYear as exc:
                # A missing holiday schedule must not keep a revoked penalty public: the
                # record is withdrawn, and the deadline stays open until it is loaded.
                deadline_note = exc.message

    def details(withdrawal: RecordWithdrawal) -> dict[str, Any]:
        return {
            "status": CreditRecord.Status.WITHDRAWN,
            "reason": why,
            "withdrawn_on": day,
            "revoked_on": revoked_on,
            "basis_document": document,
            "deadline": deadline,
            "deadline_note": deadline_note,
            "late": withdrawal.is_late,
            "was_public": withdrawal.was_public,
        }

    return _end_record(
        actor=actor,
        record=record,
        day=day,
        action="records.withdrawn",
        fields={
            "kind": RecordWithdrawal.Kind.REVOCATION,
            "revoked_on": revoked_on,
            "deadline": deadline,
            "is_late": deadline is not None and day > deadline,
            "basis_document": document,
            "reason": why,
            "replacement_document": "",
            "replaced_by": None,
        },
        details=details,
    )


def void_record(
    *,
    actor: Any,
    record: CreditRecord,
    reason: str,
    replacement_document: str = "",
    on: date | None = None,
) -> CreditRecord:
    """Void one record as keyed wrongly (录入错误作废), e.g. 北关市监罚〔2026〕3500号 uploaded
    for 350号: the decision itself stands (under its right number) or never existed as
    keyed. Like a withdrawal, the record stops being public on `on` (default today) and
    consumers are told (record_changed, change="withdrawn", kind="keying_error"), so
    publicity, grades, lists and the exchange react the same; its content stays for staff.

    Unlike a withdrawal it is not 行政处罚法 art. 48's: no revocation date, no deadline,
    never late, and not explained in the public 撤回公告 (no decision was changed). The
    record's own unit or the credit office voids it (as for a withdrawal), and only while
    nothing rests on it that a void would silently undo (`void_blocker`).

    `replacement_document` is the 文书号 of the correct record; when that record exists
    (same reporting unit and type, active) the void links it."""
    from django.utils import timezone

    from xinyong.core.errors import DomainError

    from .models import CreditRecord, RecordWithdrawal

    _require_record_writer(actor, record)
    text = str(reason or "").strip()
    if not text:
        raise DomainError("请填写作废理由（如：文书号录入错误）。")
    why = _reason_text(text)
    day = on or timezone.localdate()
    replacement_text = str(replacement_document or "").strip()
    if len(replacement_text) > 200:
        raise DomainError("正确记录的文书号过长（最多 200 字）。")
    replacement = _replacement_for(record, replacement_text) if replacement_text else None

    def check(locked: CreditRecord) -> None:
        blocker = void_blocker(locked)
        if blocker:
            raise DomainError(blocker)

    def details(withdrawal: RecordWithdrawal) -> dict[str, Any]:
        return {
            "status": CreditRecord.Status.WITHDRAWN,
            "kind": RecordWithdrawal.Kind.KEYING_ERROR,
            "reason": why,
            "withdrawn_on": day,
            "replacement_document": replacement_text,
            "replaced_by": replacement.pk if replacement else None,
            "was_public": withdrawal.was_public,
        }

    return _end_record(
        actor=actor,
        record=record,
        day=day,
        action="records.voided",
        fields={
            "kind": RecordWithdrawal.Kind.KEYING_ERROR,
            "revoked_on": None,
            "deadline": None,
            "is_late": False,
            "basis_document": "",
            "reason": why,
            "replacement_document": replacement_text,
            "replaced_by": replacement,
        },
        details=details,
        check=check,
    )


def void_blocker(record: CreditRecord) -> str:
    """Why `record` may not be voided as a keying error, in Chinese; "" when it may.

    A void ends the record as if it had never been keyed. Where a legal effect rests on
    it, that effect would end silently with it: a list entry (列入, 拟列入 or a red list's
    publicity — 河南条例 art. 28's notice and objection rights run on that basis), an
    objection not yet decided (河南条例 art. 41: the applicant is told the outcome, which a
    void would pre-empt), a repair application under review. Those are handled first, or
    the record is withdrawn as 撤销/撤回 when the decision really was changed or revoked.
    Asked of the installed apps only (records does not depend on them)."""
    from django.apps import apps

    if apps.is_installed("xinyong.sanctions"):
        from xinyong.sanctions.models import ListEntry

        S = ListEntry.Status
        entry = (
            ListEntry.objects.filter(
                basis_record_id=record.pk, status__in=(S.PROPOSED, S.PUBLICISING, S.LISTED)
            )
            .select_related("list_type")
            .order_by("id")
            .first()
        )
        if entry is not None:
            return (
                f"该记录是列入“{entry.list_type.name}”（{entry.get_status_display()}）的依据，"
                "不能作为录入错误作废：请先依法处理该名单条目（移出或撤销拟列入）；"
                "如原决定已被变更或撤销，请按“撤销/撤回”办理。"
            )
    if apps.is_installed("xinyong.rights"):
        from xinyong.rights.models import Objection, RepairApplication

        objection = (
            Objection.objects.filter(record_id=record.pk)
            .exclude(status=Objection.Status.DECIDED)
            .order_by("id")
            .first()
        )
        if objection is not None:
            return (
                f"该记录有尚未办结的异议（查询码 {objection.query_code}），不能作为录入错误作废："
                "请先办结该异议（结论可为更正或撤销），申请人将被告知处理结果。"
            )
        repair = (
            RepairApplication.objects.filter(record_id=record.pk)
            .exclude(
                status__in=(RepairApplication.Status.APPROVED, RepairApplication.Status.REFUSED)
            )
            .order_by("id")
            .first()
        )
        if repair is not None:
            return (
                f"该记录有尚未办结的信用修复申请（查询码 {repair.query_code}），"
                "不能作为录入错误作废：请先办结该信用修复申请。"
            )
    return ""


def _replacement_for(record: CreditRecord, document_number: str) -> CreditRecord | None:
    """The active record of the same reporting unit and type with this 文书号, if any."""
    from .models import CreditRecord

    return _numbered_like(
        record,
        document_number,
        record_type_id=record.record_type_id,
        status=CreditRecord.Status.ACTIVE,
    )


def _numbered_like(
    record: CreditRecord, document_number: str, **narrow: Any
) -> CreditRecord | None:
    """Another record of `record`'s reporting unit with this 文书号, narrowed by `narrow`
    (type, status): the one with the same identity first, else the newest with the number
    as written (another deciding-unit code of the same unit)."""
    from xinyong.core.errors import DomainError

    from .models import CreditRecord

    wanted = normalise_document_number(document_number)
    if wanted == normalise_document_number(record.document_number):
        raise DomainError("正确记录的文书号不能是本记录的文书号。")
    same = CreditRecord.objects.filter(source_unit_id=record.source_unit_id, **narrow).exclude(
        pk=record.pk
    )
    key = identity_key(record.record_type.code, record.deciding_unit_code, document_number)
    found = same.filter(identity_key=key).first()
    if found is None:
        found = same.filter(document_number__in={document_number, wanted}).order_by("-id").first()
    return found


def link_replacement(*, actor: Any, record: CreditRecord, document_number: Any) -> CreditRecord:
    """Link a record voided as keyed wrongly (录入错误作废) to its correct record, typically
    reported after the void (a void links it at once only when it already exists). The
    correct record is chosen by its 文书号 among the voided record's own unit's records of
    the same type, and must be active: a withdrawn or voided record, or one of another type
    or unit, is refused with the reason. A link may be changed (a wrong pick); the event
    `records.void_linked` keeps the previous one.

    The link is staff information: nothing public changes, and the exchange message of a
    void (撤销 with CHLY "录入错误作废：<理由>") carries no correct record, so nothing is
    sent again."""
    from django.db import transaction

    from xinyong.core.audit import record_event
    from xinyong.core.errors import DomainError

    from .models import CreditRecord, RecordWithdrawal

    _require_record_writer(actor, record)
    text = str(document_number or "").strip()
    if not text:
        raise DomainError("请填写正确记录的文书号。")
    if len(text) > 200:
        raise DomainError("正确记录的文书号过长（最多 200 字）。")
    with transaction.atomic():
        withdrawal = (
            RecordWithdrawal.objects.select_for_update()
            .select_related("record__record_type")
            .filter(record_id=record.pk)
            .first()
        )
        if withdrawal is None or not withdrawal.is_void:
            raise DomainError("只有录入错误作废的记录可以关联正确记录。")
        voided = withdrawal.record
        target = _numbered_like(voided, text, record_type_id=voided.record_type_id)
        if target is None:
            elsewhere = _numbered_like(voided, text)
            if elsewhere is not None:
                raise DomainError(
                    f"文书号为“{elsewhere.document_number}”的记录属于“{elsewhere.record_type.name}”，"
                    f"与作废记录的信息类别“{voided.record_type.name}”不同，不能关联。"
                )
            raise DomainError(
                f"未找到本单位报送的“{voided.record_type.name}”中文书号为“{text}”的记录："
                "正确记录须由作废记录的报送单位以同一信息类别报送，请先报送正确的记录再关联。"
            )
        if target.status != CreditRecord.Status.ACTIVE:
            raise DomainError(
                f"文书号为“{target.document_number}”的记录已撤销或作废，不能作为正确记录。"
            )
        if withdrawal.replaced_by_id == target.pk:
            raise DomainError(f"已关联该正确记录（{target.document_number}）。")
        old = {
            "replaced_by": withdrawal.replaced_by_id,
            "replacement_document": withdrawal.replacement_document,
        }
        withdrawal.replaced_by = target
        withdrawal.replacement_document = target.document_number
        withdrawal.save(update_fields=["replaced_by", "replacement_document"])
        record_event(
            actor=actor,
            action="records.void_linked",
            target_type="records.CreditRecord",
            target_id=voided.pk,
            target_repr=voided.document_number,
            old=old,
            new={"replaced_by": target.pk, "replacement_document": target.document_number},
        )
    return voided


def _end_record(
    *,
    actor: Any,
    record: CreditRecord,
    day: date,
    action: str,
    fields: dict[str, Any],
    details: Any,
    check: Any = None,
) -> CreditRecord:
    """The write both kinds share: the record leaves public view on `day`, its
    RecordWithdrawal says how, one event, and record_changed (change="withdrawn") tells
    publicity, grades, lists and the exchange, all in one transaction."""
    from django.db import transaction

    from xinyong.core.audit import record_event
    from xinyong.core.errors import DomainError
    from xinyong.publicity.selectors import is_publicly_visible

    from .models import CreditRecord, RecordWithdrawal
    from .signals import record_changed

    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        if locked.status == CreditRecord.Status.WITHDRAWN:
            raise DomainError("该记录已撤销。")
        if is_pushed_down(locked):
            # The city's record: ending it here would also queue the withdrawal up to the
            # city as the unit's (as for a correction by hand, correct_record).
            raise DomainError(PUSHED_DOWN_NOT_ENDED)
        if check is not None:
            check(locked)
        # Asked of publicity's one visibility rule while the record is still active.
        was_public = is_publicly_visible(locked, day)
        locked.status = CreditRecord.Status.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        withdrawal, _ = RecordWithdrawal.objects.update_or_create(
            record=locked,
            defaults={
                **fields,
                "withdrawn_on": day,
                "was_public": was_public,
                "withdrawn_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        record_event(
            actor=actor,
            action=action,
            target_type="records.CreditRecord",
            target_id=locked.pk,
            target_repr=locked.document_number,
            old={"status": CreditRecord.Status.ACTIVE},
            new=details(withdrawal),
        )
        # `on`: publicity ends on the withdrawal day, not on the day a receiver runs.
        record_changed.send(
            sender=CreditRecord,
            record=locked,
            change="withdrawn",
            actor=actor,
            on=day,
            kind=withdrawal.kind,
        )
    return locked


def is_penalty(record: CreditRecord) -> bool:
    """Whether the record is an administrative penalty (行政处罚法 art. 48 applies)."""
    from xinyong.catalog.fieldspec import get_spec

    return get_spec(record.record_type.code).by_role("penalty_kinds") is not None


def _withdrawal_deadlines(
    withdrawals: Any, *, actor: Any, years: Iterable[int] = (), days: Iterable[date] = ()
) -> list[dict[str, Any]]:
    """Recompute add_workdays(revoked_on, 3) for these penalty withdrawals (行政处罚法
    art. 48/85) from today's calendar; store and return those that moved. A day in a year
    still unknown leaves the deadline open (None, not late), as at the withdrawal."""
    from xinyong.core.calendar import add_workdays_if_known
    from xinyong.core.calendar_services import record_recount

    moved: list[dict[str, Any]] = []
    for withdrawal in withdrawals.select_related("record__record_type"):
        if not is_penalty(withdrawal.record):
            continue
        deadline = add_workdays_if_known(withdrawal.revoked_on, PENALTY_WITHDRAWAL_WORKDAYS)
        late = deadline is not None and withdrawal.withdrawn_on > deadline
        if (deadline, late) == (withdrawal.deadline, withdrawal.is_late):
            continue
        moved.append(
            {
                "record": withdrawal.record_id,
                "document_number": withdrawal.record.document_number,
                "old_deadline": withdrawal.deadline,
                "deadline": deadline,
                "old_late": withdrawal.is_late,
                "late": late,
            }
        )
        withdrawal.deadline, withdrawal.is_late = deadline, late
        withdrawal.save(update_fields=["deadline", "is_late"])
    if moved:
        record_recount(
            actor=actor,
            action="records.withdrawal_deadlines_recalculate",
            what="撤回期限",
            years=years,
            days=days,
            new={"withdrawals": moved},
        )
    return moved


def settle_withdrawal_deadlines(years: list[int], *, actor: Any = None) -> list[dict[str, Any]]:
    """Penalty withdrawals whose 3-working-day deadline fell in a year not loaded at the
    time get it now that `years` are loaded (core.calendar.calendar_years_loaded)."""
    from .models import RecordWithdrawal

    waiting = RecordWithdrawal.objects.filter(
        kind=RecordWithdrawal.Kind.REVOCATION,
        revoked_on__isnull=False,
        deadline__isnull=True,
        revoked_on__year__gte=min(years) - 1,
        revoked_on__year__lte=max(years),
    )
    return _withdrawal_deadlines(
        waiting,
        actor=actor,
        years=years,
    )


def recompute_withdrawal_deadlines(days: list[Any], *, actor: Any = None) -> list[dict[str, Any]]:
    """The deadlines whose window (revoked_on, deadline] holds a day whose working-day
    status an edit of the calendar changed (core.calendar.calendar_days_changed)."""
    from .models import RecordWithdrawal

    first, last = min(days), max(days)
    affected = RecordWithdrawal.objects.filter(
        kind=RecordWithdrawal.Kind.REVOCATION,
        revoked_on__isnull=False,
        revoked_on__lt=last,
        deadline__gte=first,
    )
    return _withdrawal_deadlines(affected, actor=actor, days=days)
