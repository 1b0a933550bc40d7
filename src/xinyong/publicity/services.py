"""The one write path of publicity windows (docs/conventions.md: services).

- `compute_windows_for_batch(batch_id)`: set-based, for every record of a batch (the
  `records.signals.batch_stored` receiver). Records are grouped by the facts their window
  depends on, each group is decided once (`rules.Decider`), new windows are inserted by one
  INSERT … SELECT and the computed values written per group in id chunks.
- `compute_window(record)`: one record (corrections, the CLI, the refresh safety net).
- `end_publicity` / `restore_publicity`: used by repair (REPAIRED), objections
  (WITHDRAWN on 撤销) and the record lifecycle (withdrawn / restored).
- `expire(on=…)`: the daily job. A window whose `ends_on` (last public day) lies before
  `on` is ended with EXPIRED and `ended_on` = the day after `ends_on` — the first day on
  which the record was no longer due to be public — whatever day the job happens to run,
  so a late run records the legal date. Idempotent: a second run finds nothing to end.

Recomputing a window changes its computed columns only; an ended window stays ended (a
correction does not republish a repaired or withdrawn record).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models.fields.json import KT
from django.utils import timezone

from xinyong.catalog.fieldspec import get_spec
from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError
from xinyong.records.models import CreditRecord

from .models import PublicityWindow
from .rules import SECTOR_TEXT_LABELS, Decider, Decision, Facts, detect_sectors

CHUNK = 900  # ids per statement: under SQLite's historic 999-parameter limit
SEVERITY_LABELS = ("失信程度",)


def _today() -> date:
    return timezone.localdate()


# ---------------------------------------------------------------- facts of records


class _TypeFields:
    """The payload keys of one record type that the window depends on."""

    def __init__(self, record_type_code: str) -> None:
        spec = get_spec(record_type_code)
        by_role = spec.by_role
        self.kinds = getattr(by_role("penalty_kinds"), "code", None)
        self.fine = getattr(by_role("fine_amount"), "code", None)
        self.party_kind = getattr(by_role("party_kind"), "code", None)
        self.texts = [f.code for f in spec.fields if f.label in SECTOR_TEXT_LABELS]
        severity = by_role("severity") if "severity" in _known_roles() else None
        if severity is None:
            severity = next((f for f in spec.fields if f.label in SEVERITY_LABELS), None)
        self.severity = severity.code if severity else None
        self.is_penalty = self.kinds is not None

    def keys(self) -> list[str]:
        keys = [self.kinds, self.fine, self.party_kind, self.severity, *self.texts]
        return [k for k in keys if k]


def _known_roles() -> set[str]:
    from xinyong.catalog.fieldspec import ROLES

    return set(ROLES)


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    text = str(value)
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except ValueError:
            return [text]
        return [str(v) for v in loaded] if isinstance(loaded, list) else [text]
    return [text]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _facts(
    *,
    fields: _TypeFields,
    record_type_id: int,
    decision_date: date | None,
    reported_on: date | None,
    deciding_unit_name: str,
    source_unit_name: str,
    values: dict[str, Any],
) -> Facts:
    sectors: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    if fields.is_penalty:
        texts = [_text(values.get(k)) for k in fields.texts]
        sectors = detect_sectors(texts, [deciding_unit_name or "", source_unit_name or ""])
        kinds = tuple(sorted(set(_as_list(values.get(fields.kinds or "")))))
    return Facts(
        record_type_id=record_type_id,
        decision_date=decision_date,
        reported_on=reported_on,
        sectors=sectors,
        kinds=kinds,
        fine_wan=_text(values.get(fields.fine)) if fields.fine and "罚款" in kinds else "",
        party_kind=_text(values.get(fields.party_kind)) if fields.party_kind else "",
        severity_hint=_text(values.get(fields.severity)).strip() if fields.severity else "",
    )


def facts_of(record: CreditRecord) -> Facts:
    fields = _TypeFields(record.record_type.code)
    return _facts(
        fields=fields,
        record_type_id=record.record_type_id,
        decision_date=record.decision_date,
        reported_on=record.reported_on,
        deciding_unit_name=record.deciding_unit_name,
        source_unit_name=record.source_unit.name if record.source_unit_id else "",
        values=record.payload or {},
    )


# ---------------------------------------------------------------- single record


def _window_values(record: CreditRecord, decider: Decider | None = None) -> Decision:
    return (decider or Decider()).decide(facts_of(record))


def compute_window(record: CreditRecord, *, actor: Any = None) -> PublicityWindow:
    """Create or recompute the window of one record (one event)."""
    with transaction.atomic():
        decision = _window_values(record)
        window = PublicityWindow.objects.filter(record_id=record.pk).first()
        old = _snapshot(window) if window else None
        if window is None:
            window = PublicityWindow(record_id=record.pk)
        for name, value in decision.as_fields().items():
            setattr(window, name, value)
        if record.status == CreditRecord.Status.WITHDRAWN and not window.ended_on:
            window.ended_on = _today()
            window.end_reason = PublicityWindow.EndReason.WITHDRAWN
        window.save()
        record_event(
            actor=actor,
            action="publicity.window_computed",
            target_type="records.CreditRecord",
            target_id=record.pk,
            target_repr=f"{record.record_type_id}/{record.document_number}",
            old=old,
            new=_snapshot(window),
        )
        return window


def _snapshot(window: PublicityWindow) -> dict[str, Any]:
    return {
        "policy_id": window.policy_id,
        "severity": window.severity,
        "is_published": window.is_published,
        "starts_on": window.starts_on,
        "repair_from": window.repair_from,
        "ends_on": window.ends_on,
        "ended_on": window.ended_on,
        "end_reason": window.end_reason,
    }


def window_for(record: CreditRecord) -> PublicityWindow:
    """The record's window, computed on the spot if it has none yet (safety net)."""
    window = PublicityWindow.objects.select_related("policy").filter(record_id=record.pk).first()
    return window if window is not None else compute_window(record)


# ---------------------------------------------------------------- set-based


def _compute_for(
    records_qs: Any, *, actor: Any, target: tuple[str, Any], action: str
) -> dict[str, int]:
    decider = Decider()
    now = timezone.now()
    groups: dict[Decision, list[int]] = defaultdict(list)
    type_ids = list(records_qs.order_by().values_list("record_type_id", flat=True).distinct())
    total = 0
    for type_id in type_ids:
        rt = decider.record_type(type_id)
        fields = _TypeFields(rt.code)
        keys = fields.keys()
        annotations = {f"k_{k}": KT(f"payload__{k}") for k in keys}
        rows = (
            records_qs.filter(record_type_id=type_id)
            .order_by()
            .annotate(**annotations)
            .values_list(
                "id",
                "decision_date",
                "reported_on",
                "deciding_unit_name",
                "source_unit__name",
                *annotations.keys(),
            )
        )
        for row in rows.iterator(chunk_size=20000):
            values = dict(zip(keys, row[5:], strict=True))
            facts = _facts(
                fields=fields,
                record_type_id=type_id,
                decision_date=row[1],
                reported_on=row[2],
                deciding_unit_name=row[3] or "",
                source_unit_name=row[4] or "",
                values=values,
            )
            groups[decider.decide(facts)].append(row[0])
            total += 1
    if not total:
        return {"records": 0, "groups": 0, "published": 0}
    with transaction.atomic():
        all_ids = [i for ids in groups.values() for i in ids]
        existing: set[int] = set()
        for start in range(0, len(all_ids), CHUNK):
            existing.update(
                PublicityWindow.objects.filter(
                    record_id__in=all_ids[start : start + CHUNK]
                ).values_list("record_id", flat=True)
            )
        published = 0
        for decision, ids in groups.items():
            values = decision.as_fields() | {"updated_at": now}
            _update_ids([i for i in ids if i in existing], values)
            _insert_ids([i for i in ids if i not in existing], values | {"created_at": now})
            if decision.is_published:
                published += len(ids)
        summary = {"records": total, "groups": len(groups), "published": published}
        record_event(
            actor=actor,
            action=action,
            target_type=target[0],
            target_id=target[1],
            target_repr=f"{target[0]} {target[1]}",
            new=summary,
        )
    return summary


def _update_ids(ids: list[int], values: dict[str, Any]) -> None:
    """UPDATE … WHERE record_id IN (…) in chunks, through the driver: the ORM's per-value
    lookup preparation costs more than the statement itself on a million ids."""
    qn = connection.ops.quote_name
    fields = {f.attname: f for f in PublicityWindow._meta.concrete_fields}
    columns = list(values)
    assignments = ", ".join(f"{qn(fields[c].column)} = %s" for c in columns)
    params = [fields[c].get_db_prep_save(values[c], connection) for c in columns]
    table = qn(PublicityWindow._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {assignments} WHERE record_id IN ({marks})", [*params, *chunk]
            )


def _insert_ids(ids: list[int], values: dict[str, Any]) -> None:
    """INSERT … SELECT one window per record id with the group's values (end_reason and
    ended_on start empty), in chunks, through the driver."""
    if not ids:
        return
    qn = connection.ops.quote_name
    fields = {f.attname: f for f in PublicityWindow._meta.concrete_fields}
    values = values | {"end_reason": ""}
    columns = list(values)
    names = ", ".join(qn(fields[c].column) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    params = [fields[c].get_db_prep_save(values[c], connection) for c in columns]
    window_table = qn(PublicityWindow._meta.db_table)
    record_table = qn(CreditRecord._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            id_marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {window_table} (record_id, {names}) "
                f"SELECT r.id, {marks} FROM {record_table} r WHERE r.id IN ({id_marks})",
                [*params, *chunk],
            )


def compute_windows_for_batch(batch_id: int, *, actor: Any = None) -> dict[str, int]:
    """Compute (or recompute) the window of every record whose latest batch is
    `batch_id`. Idempotent: running it twice leaves the same windows."""
    qs = CreditRecord.objects.filter(batch_id=batch_id)
    return _compute_for(
        qs, actor=actor, target=("collection.Batch", batch_id), action="publicity.batch_computed"
    )


def refresh(*, actor: Any = None) -> dict[str, int]:
    """Safety net: create the window of every record that has none (idempotent)."""
    qs = CreditRecord.objects.filter(publicity__isnull=True)
    return _compute_for(
        qs, actor=actor, target=("publicity", "refresh"), action="publicity.refreshed"
    )


# ---------------------------------------------------------------- end / restore


def end_publicity(
    *, actor: Any, record: CreditRecord, reason: PublicityWindow.EndReason | str, on: date
) -> PublicityWindow:
    """End the record's publicity on `on` for `reason`. Idempotent: a window already ended
    keeps its first ending, except that a withdrawal overrides any other reason (the
    record should never have been public)."""
    reason = PublicityWindow.EndReason(reason)
    with transaction.atomic():
        window = window_for(record)
        window = PublicityWindow.objects.select_for_update().get(pk=window.pk)
        if window.ended_on and (
            window.end_reason == reason or reason != PublicityWindow.EndReason.WITHDRAWN
        ):
            return window
        old = _snapshot(window)
        window.ended_on = on
        window.end_reason = reason
        window.save(update_fields=["ended_on", "end_reason", "updated_at"])
        record_event(
            actor=actor,
            action="publicity.ended",
            target_type="records.CreditRecord",
            target_id=record.pk,
            target_repr=f"{record.document_number}（{reason.label}）",
            old=old,
            new=_snapshot(window),
        )
        return window


def restore_publicity(*, actor: Any, record: CreditRecord) -> PublicityWindow:
    """Undo an ending (a withdrawal reversed, a repair decision annulled). A window whose
    maximum has already passed is ended again at once as 公示期满."""
    with transaction.atomic():
        window = window_for(record)
        window = PublicityWindow.objects.select_for_update().get(pk=window.pk)
        old = _snapshot(window)
        if window.ends_on and window.ends_on < _today():
            window.ended_on = window.ends_on + timedelta(days=1)
            window.end_reason = PublicityWindow.EndReason.EXPIRED
        else:
            window.ended_on = None
            window.end_reason = ""
        if old["ended_on"] == window.ended_on and old["end_reason"] == window.end_reason:
            return window
        window.save(update_fields=["ended_on", "end_reason", "updated_at"])
        record_event(
            actor=actor,
            action="publicity.restored",
            target_type="records.CreditRecord",
            target_id=record.pk,
            target_repr=record.document_number,
            old=old,
            new=_snapshot(window),
        )
        return window


# ---------------------------------------------------------------- daily expiry


def expire(*, actor: Any = None, on: date | None = None) -> dict[str, Any]:
    """End every published window whose last public day (`ends_on`) is before `on`."""
    day = on or _today()
    if not isinstance(day, date):
        raise DomainError("日期无效。")
    with transaction.atomic():
        due = PublicityWindow.objects.filter(
            is_published=True, ended_on__isnull=True, ends_on__lt=day
        )
        by_day = list(due.order_by().values_list("ends_on", flat=True).distinct())
        count = 0
        now = timezone.now()
        for ends_on in by_day:
            if ends_on is None:
                continue
            count += due.filter(ends_on=ends_on).update(
                ended_on=ends_on + timedelta(days=1),
                end_reason=PublicityWindow.EndReason.EXPIRED,
                updated_at=now,
            )
        summary = {"on": day.isoformat(), "expired": count}
        if count:
            record_event(
                actor=actor,
                action="publicity.expired",
                target_type="publicity",
                target_id=day.isoformat(),
                target_repr=f"{day.isoformat()} 公示期满处理",
                new=summary,
            )
    return summary
