"""Upstream list files (court 失信被执行人, the national feedback of local 失信企业 …) →
list entries, through the one collection pipeline.

The file is ingested as credit records of the list type's catalogue type
(collection.services.ingest_file); the stored records are then turned into entries
(`import_upstream_entries`): one entry per record identity (`upstream_key`), listed
directly — the designating authority upstream gave notice itself — and idempotent. Each
entry runs to the end date the upstream row gives, else to the type's default duration,
and one whose end has already passed is stored as ended. With a full snapshot, upstream
entries of the type that are no longer in the file end here (DOMAIN §8: a delisted entry
must never still look active). A row the pipeline rejects is still in the file: it keeps
its entry when its identity can be read, and a row whose identity cannot be read stops the
snapshot from ending anything (it might be any entry's row). Withdrawing a basis record
ends its entries (lists.end_entries_of_withdrawn_record).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from xinyong.catalog.fieldspec import FieldSpec, FieldType, RecordTypeSpec, get_spec
from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError
from xinyong.orgs import permissions
from xinyong.records.models import CreditRecord
from xinyong.records.services import identity_key

from . import lists
from .models import ListEntry, ListEntryChange, ListType
from .signals import entry_changed

Status = ListEntry.Status
ENDED_UPSTREAM = "上级名单全量数据中已无此条目，随上级移出"


@dataclass
class ImportResult:
    list_type: str
    created: list[int] = field(default_factory=list)
    unchanged: int = 0
    ended: list[int] = field(default_factory=list)
    # Created already ended: the end date (upstream's, or the default duration) had passed.
    expired: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # Why a full snapshot ended nothing (rows whose identity could not be read), or "".
    removal_withheld: str = ""
    ingest: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "list_type": self.list_type,
            "created": len(self.created),
            "unchanged": self.unchanged,
            "ended": len(self.ended),
            "expired": len(self.expired),
            "created_ids": self.created,
            "ended_ids": self.ended,
            "expired_ids": self.expired,
            "skipped": self.skipped,
            "removal_withheld": self.removal_withheld,
            "ingest": self.ingest,
        }


def _require_admin(actor: Any) -> None:
    # The system (CLI, scheduled pulls) acts as the credit office.
    if actor is not None:
        permissions.require(actor, "credit_admin")


def _reasons(record: CreditRecord) -> str:
    """The dishonest fact as upstream stated it: the type's text fields that describe the
    behaviour (失信情形, 义务, 履行情况), by their catalogue labels."""
    payload = record.payload if isinstance(record.payload, dict) else {}
    parts = []
    try:
        spec = get_spec(record.record_type.code)
        wanted = [f for f in spec.fields if any(k in f.label for k in ("情形", "义务", "履行"))]
        parts = [f"{f.label}：{payload[f.code]}" for f in wanted if payload.get(f.code)]
    except DomainError:
        pass
    head = f"上级推送：{record.deciding_unit_name or '认定机关'}（{record.document_number}）"
    return "；".join([head, *parts])


def _upstream_end(record: CreditRecord) -> date | None:
    """The end date the upstream row states (its catalogue field in the 有效期至 role),
    or None."""
    try:
        spec = get_spec(record.record_type.code)
    except DomainError:
        return None
    fs = spec.by_role("valid_to")
    payload = record.payload if isinstance(record.payload, dict) else {}
    value = payload.get(fs.code) if fs is not None else None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _record_type(list_type: ListType) -> Any:
    if list_type.record_type_id is None:
        raise DomainError(
            f"名单类型“{list_type.name}”未关联公共信用信息目录中的信息类别，"
            "不能导入上级名单文件；请信用办在配置管理中设置“上级推送对应的信息类别”。"
        )
    return list_type.record_type


def import_upstream_entries(
    *,
    actor: Any,
    list_type: ListType | str,
    records: Iterable[CreditRecord] | None = None,
    batch_id: int | None = None,
    snapshot_keys: set[str] | None = None,
    removal_withheld: str = "",
    on: date | None = None,
) -> ImportResult:
    """Turn stored records of the list type's catalogue type into upstream entries.

    `records` (or the records of `batch_id`) are converted: a record whose identity
    already has an open upstream entry is left alone, otherwise a listed entry is
    created with effective_from = the record's decision date (发布时间) and ends_on = the
    row's own end date or the type's default duration (lists.default_end). An entry whose
    end is before `on` is stored as ended (removed the day after its end), once. With
    `snapshot_keys` (the identities of every row in a full upstream file), open upstream
    entries of the type whose key is not in it are removed on `on`; `removal_withheld`
    says why a full file removes nothing (kept in the result and the event). One event."""
    _require_admin(actor)
    lt = lists.get_list_type(list_type)
    rt = _record_type(lt)
    day = on or timezone.localdate()
    result = ImportResult(list_type=lt.code, removal_withheld=removal_withheld)
    qs = CreditRecord.objects.select_related("record_type", "subject").filter(record_type=rt)
    if records is not None:
        ids = [r.pk for r in records]
        chosen = list(qs.filter(pk__in=ids).order_by("id"))
    elif batch_id is not None:
        chosen = list(qs.filter(batch_id=batch_id).order_by("id"))
    else:
        chosen = []
    with transaction.atomic():
        upstream = ListEntry.objects.filter(list_type=lt, source=ListEntry.Source.UPSTREAM)
        open_keys = set(
            upstream.filter(status__in=lists.OPEN_STATUSES).values_list("upstream_key", flat=True)
        )
        for record in chosen:
            if record.identity_key in open_keys:
                result.unchanged += 1
                continue
            if record.status != CreditRecord.Status.ACTIVE:
                result.skipped.append(f"{record.document_number}：记录已撤销")
                continue
            start = record.decision_date or record.reported_on
            ends_on = _upstream_end(record) or lists.default_end(lt, start)
            removed_on = None
            if ends_on is not None and ends_on < day:
                if upstream.filter(upstream_key=record.identity_key).exists():
                    # Already here and ended (expired, or stored ended by an earlier
                    # import): a file that still carries the row does not list it again.
                    result.unchanged += 1
                    continue
                removed_on = max(ends_on + timedelta(days=1), start)
            entry = ListEntry.objects.create(
                list_type=lt,
                subject=record.subject,
                basis_document=record.document_number[:200],
                basis_record=record,
                reasons=_reasons(record),
                designating_unit=None,
                designating_authority=(record.deciding_unit_name or lt.designating_authority)[:200],
                # Stored ended at once, with one history row rather than a listing and a
                # removal: its whole term lies before the import, and receivers must not
                # raise alerts for a listing that is already over.
                status=Status.REMOVED if removed_on else Status.LISTED,
                source=ListEntry.Source.UPSTREAM,
                upstream_key=record.identity_key,
                effective_from=start,
                ends_on=ends_on,
                removed_on=removed_on,
                removal_reason=lists.expiry_reason(ends_on) if removed_on and ends_on else "",
            )
            note = f"上级推送列入（归集批次 {record.batch_id or '—'}）"
            if removed_on:
                note += f"，导入时{entry.removal_reason}"
            change = ListEntryChange.objects.create(
                entry=entry,
                from_status="",
                to_status=entry.status,
                on=entry.removed_on or start,
                note=note,
                actor=actor if getattr(actor, "pk", None) else None,
            )
            entry_changed.send(sender=ListEntry, entry=entry, change=change, actor=actor)
            if removed_on:
                result.expired.append(entry.pk)
                continue
            open_keys.add(record.identity_key)
            if lt.kind == ListType.Kind.SERIOUS:
                # Listed upstream, known here from today: red entries end as with a local
                # serious listing (the red list's own exit criteria).
                lists.end_red_entries(actor=actor, serious=entry, on=day)
            result.created.append(entry.pk)
        if snapshot_keys is not None:
            gone = ListEntry.objects.filter(
                list_type=lt, source=ListEntry.Source.UPSTREAM, status=Status.LISTED
            ).exclude(upstream_key__in=snapshot_keys)
            for entry in gone.order_by("id"):
                _end(entry, actor=actor, on=day, reason=ENDED_UPSTREAM)
                result.ended.append(entry.pk)
        record_event(
            actor=actor,
            action="sanctions.entries_import",
            target_type="sanctions.ListType",
            target_id=lt.pk,
            target_repr=lt.name,
            new={
                "batch_id": batch_id,
                "full_snapshot": snapshot_keys is not None,
                "removal_withheld": removal_withheld,
                "on": day,
                "created": len(result.created),
                "unchanged": result.unchanged,
                "ended": len(result.ended),
                "expired": len(result.expired),
                "created_ids": result.created[:1000],
                "ended_ids": result.ended[:1000],
                "expired_ids": result.expired[:1000],
            },
        )
    return result


def _end(entry: ListEntry, *, actor: Any, on: date, reason: str) -> None:
    """Remove an upstream entry inside the import's transaction and event (the import is
    one service call, one event); the history row and the signal are the same as
    lists.remove_entry's."""
    day = max(on, entry.effective_from) if entry.effective_from else on
    entry.status = Status.REMOVED
    entry.removed_on = day
    entry.removal_reason = reason
    entry.save(update_fields=["status", "removed_on", "removal_reason", "updated_at"])
    change = ListEntryChange.objects.create(
        entry=entry,
        from_status=Status.LISTED,
        to_status=Status.REMOVED,
        on=day,
        note=reason,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    entry_changed.send(sender=ListEntry, entry=entry, change=change, actor=actor)


@dataclass
class Snapshot:
    """The record identities an upstream file holds."""

    # Rows that pass validation: their stored records are converted into entries.
    valid: set[str] = field(default_factory=set)
    # Those and the rejected rows whose identity could still be read: what is still on
    # the upstream list (a row rejected for a bad date is still the court's listing).
    present: set[str] = field(default_factory=set)
    # Rejected rows whose identity could not be read: they may be any entry's row.
    unreadable: list[int] = field(default_factory=list)


def _identity_fields(spec: RecordTypeSpec) -> tuple[FieldSpec | None, list[FieldSpec]]:
    """(deciding unit code, the fields the document part of the identity comes from): the
    document number, or for a type without one the party's USCC, else its ID number
    (collection.services computes the same identity)."""
    doc = spec.by_role("document_number")
    parts = (
        [doc]
        if doc is not None
        else [f for f in (spec.by_role("party_uscc"), spec.by_role("party_id_number")) if f]
    )
    return spec.by_role("deciding_unit_code"), parts


def _cell_parser(fs: FieldSpec, overrides: frozenset[str]) -> Callable[[str], Any] | None:
    """The validator's own normalisation of an identity field, or None for a field type
    whose normalisation depends on other cells (an ID number and its document type)."""
    from xinyong.collection.pipeline.validate import code_parser, free_code_parser
    from xinyong.core.identifiers import IdentifierKind

    if fs.type == FieldType.TEXT:
        return lambda raw: (raw, None)
    if fs.type == FieldType.USCC:
        return code_parser(IdentifierKind.USCC, "统一社会信用代码", overrides=overrides)
    if fs.type == FieldType.IDENTIFIER:
        if fs.identifier_kind is not None:
            kind = fs.identifier_kind
            return code_parser(kind, kind.label, overrides=overrides)
        return free_code_parser(fs)
    return None


def read_snapshot(record_type_code: str, path: Path | str) -> Snapshot:
    """The identities of an upstream file's rows, computed with the collection pipeline's
    own reader, header map and validator. A row the validator rejects still counts as
    present when none of its errors concerns an identity column and those cells
    normalise as the validator's would; otherwise its row number is `unreadable`."""
    from xinyong.collection.pipeline.reader import read_file
    from xinyong.collection.pipeline.validate import Validator, map_headers

    spec = get_spec(record_type_code)
    table = read_file(Path(path))
    colmap = map_headers(spec, table.headers, strict=True)
    today = timezone.localdate()
    validator = Validator(spec, colmap, table.headers, today=today, reported_on=today)
    unit, parts = _identity_fields(spec)
    wanted = [f for f in (unit, *parts) if f is not None]
    mapped = [f for f in wanted if f.code in colmap.source]
    reader = _IdentityReader(
        spec_code=spec.code,
        unit=unit.code if unit else None,
        parts=[f.code for f in parts],
        headers={colmap.header.get(f.code) or f.label for f in wanted},
        parsers={f.code: _cell_parser(f, validator.overrides) for f in wanted},
    )
    snapshot = Snapshot()
    for chunk in table.chunks:
        checked = validator.run(chunk)
        valid = checked.valid
        for row in valid.select([f.code for f in wanted]).rows(named=True):
            key = reader.key(row)
            snapshot.valid.add(key)
            snapshot.present.add(key)
        if not checked.rejected:
            continue
        numbers = [r.row for r in checked.rejected]
        cells = {
            row[0]: dict(zip([f.code for f in mapped], row[1:], strict=True))
            for row in chunk.frame.filter(pl.col("_row").is_in(numbers))
            .select(["_row", *[colmap.source[f.code] for f in mapped]])
            .rows()
        }
        for rejected in checked.rejected:
            key_or_none = reader.rejected_key(rejected.errors, cells.get(rejected.row))
            if key_or_none is None:
                snapshot.unreadable.append(rejected.row)
            else:
                snapshot.present.add(key_or_none)
    snapshot.unreadable.sort()
    return snapshot


@dataclass
class _IdentityReader:
    spec_code: str
    unit: str | None
    parts: list[str]
    headers: set[str]
    parsers: dict[str, Callable[[str], Any] | None]

    def key(self, values: dict[str, Any]) -> str:
        """The identity as collection.services computes it from normalised cells."""
        doc = next((values[p] for p in self.parts if values.get(p)), None)
        unit = values.get(self.unit) if self.unit else None
        return identity_key(self.spec_code, unit or "", doc or "")

    def rejected_key(self, errors: list[Any], cells: dict[str, Any] | None) -> str | None:
        """The identity of a row the validator rejected, or None when it cannot be read:
        a row-level error (a ragged row, whose cells may sit in the wrong columns), an
        error on an identity column, no document part, or an identity cell that cannot be
        normalised here."""
        if cells is None or any(e.column in self.headers or not e.column for e in errors):
            return None
        values: dict[str, Any] = {}
        for code, parse in self.parsers.items():
            text = str(cells.get(code) or "").strip()
            if not text:
                continue
            if parse is None:
                return None
            norm, error = parse(text)
            if error is not None:
                return None
            values[code] = norm
        if not any(values.get(p) for p in self.parts):
            return None
        return self.key(values)


def _withheld_message(rows: list[int]) -> str:
    shown = "、".join(str(r) for r in sorted(rows)[:10]) + ("等" if len(rows) > 10 else "")
    return (
        f"全量名单中有无法识别的行（第 {shown} 行），本次不移出任何条目；"
        "请上级核实后重新下发全量名单。"
    )


def import_list_file(
    *,
    actor: Any,
    list_type: ListType | str,
    unit: Any,
    path: Path | str,
    full_snapshot: bool = False,
    on: date | None = None,
    operator: str = "",
    ingest_context: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> ImportResult:
    """Ingest an upstream list file through collection.services.ingest_file, then convert
    (`import_upstream_entries`). With `full_snapshot` the file is the whole current list:
    upstream entries missing from it end on `on` (default today), unless a row of it
    cannot be identified (then nothing ends, and `removal_withheld` says why).

    The ingest alone runs inside `ingest_context()`: exchange.inbound passes its outbox
    suppression, so that the pushed-down rows are not sent back up while the local
    entries they end (red entries, lists.end_red_entries) are sent as usual."""
    from xinyong.collection.models import Batch
    from xinyong.collection.services import ingest_file

    _require_admin(actor)
    lt = lists.get_list_type(list_type)
    rt = _record_type(lt)
    # The identities of the file's rows: the valid ones find the unchanged duplicates
    # (which keep their earlier batch); all that can be read say, for a full snapshot,
    # what is still listed upstream.
    snapshot = read_snapshot(rt.code, path)
    keys = snapshot.valid
    if full_snapshot and not keys:
        # An empty or unreadable "full" file would end every entry: refuse instead.
        raise DomainError("全量文件中没有一行有效数据，未导入，也未移出任何条目；请检查文件。")
    with ingest_context():
        ingest = ingest_file(
            actor=actor,
            unit=unit,
            record_type=rt.code,
            path=path,
            channel=Batch.Channel.CLI if actor is None else Batch.Channel.UPLOAD,
            operator=operator,
        )
    # The file's records: new and corrected ones carry this batch; unchanged duplicates
    # keep their earlier batch, so they are found by identity.
    records: list[CreditRecord] = list(CreditRecord.objects.filter(batch_id=ingest.batch.pk))
    if keys:
        records += list(
            CreditRecord.objects.filter(record_type=rt, identity_key__in=keys).exclude(
                batch_id=ingest.batch.pk
            )
        )
    # A row that cannot be identified might be any entry's: removing on such a file
    # could end a listing the court still holds, and lift its measures wrongly. The
    # entries stay until a file that can be read in full shows them gone.
    withheld = (
        _withheld_message(snapshot.unreadable) if full_snapshot and snapshot.unreadable else ""
    )
    result = import_upstream_entries(
        actor=actor,
        list_type=lt,
        records=records,
        snapshot_keys=snapshot.present if full_snapshot and not withheld else None,
        removal_withheld=withheld,
        on=on,
    )
    result.ingest = ingest.as_json()
    return result
