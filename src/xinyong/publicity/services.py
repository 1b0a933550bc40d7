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
from array import array
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from xinyong.catalog.fieldspec import get_spec
from xinyong.core.audit import record_event
from xinyong.core.bulk import bulk_insert
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Unit
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


def _payload_expr(keys: list[str]) -> tuple[str, list[str]]:
    """SQL text of the payload values at `keys` as one JSON array text, with its
    parameters. The array text is the record's grouping key as it comes from the
    database: it is parsed in Python only once per distinct value. SQLite (before 3.45)
    re-parses the payload for every json_extract call, so all paths go into one call
    (which returns an array when given two or more paths)."""
    if not keys:
        return "'[]'", []
    if connection.vendor == "postgresql":
        return "jsonb_build_array(" + ", ".join(
            ["r.payload -> %s::text"] * len(keys)
        ) + ")::text", keys
    paths = ['$."' + k.replace('"', '""') + '"' for k in keys]
    if len(paths) == 1:
        paths.append(paths[0])  # two paths, so that SQLite returns an array
    return "json_extract(r.payload, " + ", ".join(["%s"] * len(paths)) + ")", paths


KEY_SEP = "\x1f"  # the unit separator: in no date, id or unit name


def _as_date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _compute_for(
    where: str, params: list[Any], *, actor: Any, target: tuple[str, Any], action: str
) -> dict[str, int]:
    """Compute the window of every record matching `where` (SQL over `r`, the records
    table, and `w`, its LEFT JOINed window).

    One query per record type reads the few columns and payload values a window depends
    on (extracted by the database's JSON functions); each distinct combination of them is
    decided once (`Decider`), so Python does a tuple lookup per record. New windows are
    staged as (record id, group) pairs through the bulk path and inserted by one
    INSERT … SELECT; records that already have a window (corrections, re-runs) are
    updated per group, keeping their ending."""
    decider = Decider()
    now = timezone.now()
    record_table = qn(CreditRecord._meta.db_table)
    window_table = qn(PublicityWindow._meta.db_table)
    joins = f"FROM {record_table} r LEFT JOIN {window_table} w ON w.record_id = r.id"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT r.record_type_id {joins} WHERE {where}", params)
        type_ids = sorted(row[0] for row in cursor.fetchall())
    units = dict(Unit.objects.values_list("pk", "name"))
    decisions: list[Decision] = []  # distinct; a record's group is its index here
    index_of: dict[Decision, int] = {}
    new_ids = array("q")
    new_groups = array("l")
    old_ids: dict[int, list[int]] = defaultdict(list)
    total = 0
    for type_id in type_ids:
        fields = _TypeFields(decider.record_type(type_id).code)
        keys = fields.keys()
        values_sql, values_params = _payload_expr(keys)
        group_of: dict[str, int] = {}
        # Everything a window depends on comes back as ONE text per record (dates as
        # text, unit, then the payload values' JSON array last, as it may hold the
        # separator): a single dict lookup per record, parsed once per distinct key.
        # `+r.record_type_id` keeps SQLite off the (record_type, decision_date) index,
        # which would scan every record of the type instead of the batch's.
        sep = "%s"
        key_sql = (
            f"COALESCE(CAST(r.decision_date AS text), '') || {sep} || "
            f"COALESCE(CAST(r.reported_on AS text), '') || {sep} || "
            f"CAST(r.source_unit_id AS text) || {sep} || "
            f"COALESCE(r.deciding_unit_name, '') || {sep} || {values_sql}"
        )
        sql = (
            f"SELECT r.id, w.record_id, {key_sql} {joins} "
            f"WHERE +r.record_type_id = %s AND ({where})"
        )
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, [*[KEY_SEP] * 4, *values_params, type_id, *params])
            while rows := cursor.fetchmany(20000):
                for rid, existing, key in rows:
                    group = group_of.get(key)
                    if group is None:
                        decided, reported, unit_id, unit_name, raw = key.split(KEY_SEP, 4)
                        facts = _facts(
                            fields=fields,
                            record_type_id=type_id,
                            decision_date=_as_date(decided),
                            reported_on=_as_date(reported),
                            deciding_unit_name=unit_name,
                            source_unit_name=units.get(int(unit_id), ""),
                            values=dict(zip(keys, json.loads(raw), strict=False)),
                        )
                        decision = decider.decide(facts)
                        group = index_of.get(decision)
                        if group is None:
                            group = index_of[decision] = len(decisions)
                            decisions.append(decision)
                        group_of[key] = group
                    if existing is None:
                        new_ids.append(rid)
                        new_groups.append(group)
                    else:
                        old_ids[group].append(rid)
                total += len(rows)
    if not total:
        return {"records": 0, "groups": 0, "published": 0}
    published = sum(1 for g in new_groups if decisions[g].is_published) + sum(
        len(ids) for g, ids in old_ids.items() if decisions[g].is_published
    )
    with transaction.atomic():
        for group, ids in old_ids.items():
            _update_ids(ids, decisions[group].as_fields() | {"updated_at": now})
        _insert_staged(new_ids, new_groups, decisions, now)
        summary = {"records": total, "groups": len(decisions), "published": published}
        record_event(
            actor=actor,
            action=action,
            target_type=target[0],
            target_id=target[1],
            target_repr=f"{target[0]} {target[1]}",
            new=summary,
        )
    return summary


def qn(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _insert_staged(
    ids: array[int], groups: array[int], decisions: list[Decision], now: Any
) -> None:
    """Insert one window per staged (record id, group): the groups' values go into a
    temporary table, the pairs through the bulk path, and one INSERT … SELECT joins them
    (end_reason and ended_on start empty)."""
    if not ids:
        return
    fields = {f.attname: f for f in PublicityWindow._meta.concrete_fields}
    columns = list(decisions[0].as_fields())
    db_columns = [fields[c].column for c in columns]
    window_table = qn(PublicityWindow._meta.db_table)
    created = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        # A failed statement rolls the temporary tables back with the transaction; a
        # rolled-back savepoint may leave them behind, hence IF EXISTS first.
        for table in ("tmp_window_group", "tmp_window_record"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        # Same column types as the window table on both backends. The CROSS JOIN makes
        # SQLite walk the pairs in record id order (appending to the window's primary
        # key) and look each group up by its index.
        cursor.execute(
            f"CREATE TEMPORARY TABLE tmp_window_group AS SELECT CAST(0 AS integer) AS grp, "
            f"{', '.join(qn(c) for c in db_columns)} FROM {window_table} WHERE 1 = 0"
        )
        cursor.execute("CREATE UNIQUE INDEX tmp_window_group_grp ON tmp_window_group (grp)")
        cursor.execute("CREATE TEMPORARY TABLE tmp_window_record (record_id bigint, grp integer)")
        marks = ", ".join(["%s"] * (len(columns) + 1))
        cursor.executemany(
            f"INSERT INTO tmp_window_group VALUES ({marks})",
            [
                (
                    no,
                    *(fields[c].get_db_prep_save(v, connection) for c, v in d.as_fields().items()),
                )
                for no, d in enumerate(decisions)
            ],
        )
        bulk_insert("tmp_window_record", ("record_id", "grp"), zip(ids, groups, strict=True))
        names = ", ".join(qn(c) for c in db_columns)
        picked = ", ".join(f"g.{qn(c)}" for c in db_columns)
        cursor.execute(
            f"INSERT INTO {window_table} (record_id, created_at, updated_at, end_reason, "
            f"{names}) SELECT t.record_id, %s, %s, '', {picked} FROM tmp_window_record t "
            "CROSS JOIN tmp_window_group g WHERE g.grp = t.grp",
            [created, created],
        )
        cursor.execute("DROP TABLE tmp_window_group")
        cursor.execute("DROP TABLE tmp_window_record")


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


def compute_windows_for_batch(batch_id: int, *, actor: Any = None) -> dict[str, int]:
    """Compute (or recompute) the window of every record whose latest batch is
    `batch_id`. Idempotent: running it twice leaves the same windows."""
    return _compute_for(
        "r.batch_id = %s",
        [batch_id],
        actor=actor,
        target=("collection.Batch", batch_id),
        action="publicity.batch_computed",
    )


def refresh(*, actor: Any = None) -> dict[str, int]:
    """Safety net: create the window of every record that has none (idempotent)."""
    return _compute_for(
        "w.record_id IS NULL",
        [],
        actor=actor,
        target=("publicity", "refresh"),
        action="publicity.refreshed",
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
