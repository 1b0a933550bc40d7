"""The one write path of publicity windows (docs/conventions.md: services).

- `compute_windows_for_batch(batch_id)`: set-based, for every record of a batch (the
  `records.signals.batch_stored` receiver). Records are grouped by the facts their window
  depends on in one pass, each group is decided once (`rules.Decider`), and one
  INSERT … SELECT writes every window from its group's values (ON CONFLICT … DO UPDATE
  where records may already have one).
- The 计算说明 of a window is stored once per distinct text (`Explanation`); read it as
  `PublicityWindow.explanation_text`.
- `compute_window(record)`: one record (corrections, the CLI, the refresh safety net).
- `end_publicity` / `restore_publicity`: used by repair (REPAIRED), objections
  (WITHDRAWN on 撤销) and the record lifecycle (withdrawn / restored).
- `expire(on=…)`: the daily job. A window whose `ends_on` (last public day) lies before
  `on` is ended with EXPIRED and `ended_on` = the day after `ends_on` — the first day on
  which the record was no longer due to be public — whatever day the job happens to run,
  so a late run records the legal date. Idempotent: a second run finds nothing to end.

Recomputing a window changes its computed columns only; an ended window stays ended (a
correction does not republish a repaired or withdrawn record). Both computations —
`compute_window` and the set-based `_compute_for` — announce it on
`publicity.signals.windows_computed`, so that dates derived from a window elsewhere
follow it (`_announce`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from xinyong.catalog.fieldspec import get_spec, invalidate_cache
from xinyong.catalog.models import RecordType
from xinyong.core.audit import record_event
from xinyong.core.bulk import bulk_insert
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.orgs.models import Unit
from xinyong.records.models import CreditRecord

from .models import Explanation, PublicityWindow, expiry_day
from .rules import SECTOR_TEXT_LABELS, Decider, Decision, Facts, detect_sectors
from .signals import windows_computed

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
        severity = by_role("severity")
        if severity is None:  # a type defined by an office without the role
            severity = next((f for f in spec.fields if f.label in SEVERITY_LABELS), None)
        self.severity = severity.code if severity else None
        self.procedure = getattr(by_role("procedure"), "code", None)
        self.is_penalty = self.kinds is not None

    def keys(self) -> list[str]:
        keys = [self.kinds, self.fine, self.party_kind, self.severity, self.procedure, *self.texts]
        return [k for k in keys if k]


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
        procedure=_text(values.get(fields.procedure)) if fields.procedure else "",
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
        shared = explanation_ids([decision.explanation])[decision.explanation]
        for name, value in _stored_fields(decision, shared).items():
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
        _announce([record.pk], actor)
        return window


def _announce(record_ids: list[int] | None, actor: Any, *, batch_id: int | None = None) -> None:
    """The one hook after windows were written, inside their transaction: a commitment's
    check day follows its record's longest period (commitments.receivers), a repair
    notice its record's dates (rights.receivers)."""
    windows_computed.send(
        sender=PublicityWindow, record_ids=record_ids, batch_id=batch_id, actor=actor
    )


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
    window = (
        PublicityWindow.objects.select_related("policy", "shared_explanation")
        .filter(record_id=record.pk)
        .first()
    )
    return window if window is not None else compute_window(record)


# ---------------------------------------------------------------- shared explanations


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def explanation_ids(texts: Iterable[str]) -> dict[str, int]:
    """The `Explanation` id of each text, creating the missing ones. Safe against a
    concurrent batch creating the same text (the unique digest; conflicts are ignored and
    the rows read back)."""
    by_digest = {_digest(t): t for t in set(texts)}
    found: dict[str, int] = {}

    def read(digests: list[str]) -> None:
        for start in range(0, len(digests), CHUNK):
            rows = Explanation.objects.filter(digest__in=digests[start : start + CHUNK])
            for digest, pk in rows.values_list("digest", "pk"):
                found[by_digest[digest]] = pk

    read(list(by_digest))
    missing = [d for d, t in by_digest.items() if t not in found]
    if missing:
        Explanation.objects.bulk_create(
            [Explanation(digest=d, text=by_digest[d]) for d in missing],
            ignore_conflicts=True,
            batch_size=CHUNK // 2,
        )
        read(missing)
    return found


def _stored_fields(decision: Decision, explanation_id: int) -> dict[str, Any]:
    """The window columns a decision writes: the explanation as a shared text."""
    values = decision.as_fields()
    del values["explanation"]
    return values | {"shared_explanation_id": explanation_id}


# ---------------------------------------------------------------- set-based


def _payload_expr(keys: list[str]) -> tuple[str, list[str]]:
    """SQL text of the payload values at `keys` as one JSON array text, with its
    parameters. SQLite (before 3.45) parses the payload once per json_extract call, so all
    paths go into one call (which returns an array when given two or more paths)."""
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


KEY_SEP = "\x1f"  # the unit separator: in no date, id or unit name, nor in JSON text


def _key_sql(type_fields: dict[int, _TypeFields]) -> tuple[str, list[Any]]:
    """SQL text of a record's grouping key: everything its window depends on as ONE text
    (type, dates, source unit, deciding unit, then the payload values' JSON array, last
    as it may hold the separator). The payload paths depend on the record type: a CASE
    over every type, so that one pass reads the whole batch."""
    cases: list[str] = []
    params: list[Any] = [KEY_SEP] * 5
    for type_id, fields in type_fields.items():
        values_sql, values_params = _payload_expr(fields.keys())
        if values_params:
            cases.append(f"WHEN %s THEN {values_sql}")
            params += [type_id, *values_params]
    values = f"CASE r.record_type_id {' '.join(cases)} ELSE '[]' END" if cases else "'[]'"
    sep = "%s"
    sql = (
        f"CAST(r.record_type_id AS text) || {sep} || "
        f"COALESCE(CAST(r.decision_date AS text), '') || {sep} || "
        f"COALESCE(CAST(r.reported_on AS text), '') || {sep} || "
        f"CAST(r.source_unit_id AS text) || {sep} || "
        f"COALESCE(r.deciding_unit_name, '') || {sep} || {values}"
    )
    return sql, params


def _as_date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


class _Grouper:
    """Numbers the distinct keys of a pass and counts the records of each."""

    def __init__(self) -> None:
        self.number: dict[str, int] = {}
        self.counts: list[int] = []

    def __call__(self, key: str) -> int:
        group = self.number.get(key)
        if group is None:
            group = self.number[key] = len(self.counts)
            self.counts.append(0)
        self.counts[group] += 1
        return group

    def add(self, key: str, count: int) -> None:
        self.number[key] = len(self.counts)
        self.counts.append(count)


GROUP_FUNCTION = "xinyong_window_group"


def _group_records(key_sql: str, key_params: list[Any], where: str, params: list[Any]) -> _Grouper:
    """Fill the temporary table `tmp_window_record` with every record matching `where`
    and its key's group, and return the distinct keys with their counts.

    SQLite: the table holds (record id, group number), the number given by a Python
    function that SQLite calls once per record (a dict lookup): cheaper than writing each
    record's long key and sorting them, and SQLite has no hash aggregate. PostgreSQL: the
    table holds (record id, key) and a hash aggregate finds the distinct keys."""
    record_table = qn(CreditRecord._meta.db_table)
    window_table = qn(PublicityWindow._meta.db_table)
    source = f"FROM {record_table} r LEFT JOIN {window_table} w ON w.record_id = r.id WHERE {where}"
    grouper = _Grouper()
    with connection.cursor() as cursor:
        # A failed statement rolls the temporary tables back with the transaction; a
        # rolled-back savepoint may leave them behind, hence IF EXISTS first.
        cursor.execute("DROP TABLE IF EXISTS tmp_window_record")
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMPORARY TABLE tmp_window_record AS "
                f"SELECT r.id AS record_id, {key_sql} AS k {source}",
                [*key_params, *params],
            )
            cursor.execute("SELECT k, COUNT(*) FROM tmp_window_record GROUP BY k")
            for key, count in cursor.fetchall():
                grouper.add(key, count)
            return grouper
        raw = connection.connection
        raw.create_function(GROUP_FUNCTION, 1, grouper, deterministic=True)
        try:
            cursor.execute(
                "CREATE TEMPORARY TABLE tmp_window_record "
                "(record_id INTEGER PRIMARY KEY, grp INTEGER NOT NULL)"
            )
            cursor.execute(
                f"INSERT INTO tmp_window_record (record_id, grp) "
                f"SELECT r.id, {GROUP_FUNCTION}({key_sql}) {source}",
                [*key_params, *params],
            )
        finally:
            raw.create_function(GROUP_FUNCTION, 1, None)
    return grouper


def _decide_keys(
    keys: Iterable[str], type_fields: dict[int, _TypeFields], decider: Decider
) -> list[Decision]:
    """The decision of each key, in order (parsed once per distinct key)."""
    units = dict(Unit.objects.values_list("pk", "name"))
    out = []
    for key in keys:
        type_id, decided, reported, unit_id, unit_name, raw = key.split(KEY_SEP, 5)
        fields = type_fields[int(type_id)]
        keys_ = fields.keys()
        facts = _facts(
            fields=fields,
            record_type_id=int(type_id),
            decision_date=_as_date(decided),
            reported_on=_as_date(reported),
            deciding_unit_name=unit_name,
            source_unit_name=units.get(int(unit_id), ""),
            values=dict(zip(keys_, json.loads(raw), strict=False)) if keys_ else {},
        )
        out.append(decider.decide(facts))
    return out


def _write_windows(grouper: _Grouper, decisions: list[Decision], now: Any) -> None:
    """One INSERT … SELECT of every record in `tmp_window_record` with its group's values
    (from the temporary table `tmp_window_group`). A record that already has a window
    (a correction, a re-run) gets the new computed values and keeps its ending."""
    explanation_of = explanation_ids(d.explanation for d in decisions)
    fields = {f.attname: f for f in PublicityWindow._meta.concrete_fields}
    prepared: dict[Decision, tuple[Any, ...]] = {}
    for decision in decisions:
        if decision not in prepared:
            values = _stored_fields(decision, explanation_of[decision.explanation])
            prepared[decision] = tuple(
                fields[c].get_db_prep_save(v, connection) for c, v in values.items()
            )
    columns = list(_stored_fields(decisions[0], 0))
    db_columns = [fields[c].column for c in columns]
    window_table = qn(PublicityWindow._meta.db_table)
    created = connection.ops.adapt_datetimefield_value(now)
    postgres = connection.vendor == "postgresql"
    link, link_type = ("k", "text") if postgres else ("grp", "integer")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS tmp_window_group")
        # Same column types as the window table on both backends.
        cursor.execute(
            f"CREATE TEMPORARY TABLE tmp_window_group AS SELECT CAST(NULL AS {link_type}) "
            f"AS {link}, {', '.join(qn(c) for c in db_columns)} FROM {window_table} WHERE 1 = 0"
        )
        links: Iterable[Any] = grouper.number if postgres else range(len(grouper.counts))
        bulk_insert(
            "tmp_window_group",
            (link, *db_columns),
            (
                (link_value, *prepared[decision])
                for link_value, decision in zip(links, decisions, strict=True)
            ),
        )
        if postgres:
            # Temporary tables get no statistics of their own: without them the planner
            # takes the group table for as large as the record table.
            cursor.execute("ANALYZE tmp_window_group")
        else:
            cursor.execute("CREATE UNIQUE INDEX tmp_window_group_grp ON tmp_window_group (grp)")
        names = ", ".join(qn(c) for c in db_columns)
        picked = ", ".join(f"g.{qn(c)}" for c in db_columns)
        # The CROSS JOIN makes SQLite walk the records in id order (appending to the
        # window's primary key) and look each group up by its number.
        sql = (
            f"INSERT INTO {window_table} (record_id, created_at, updated_at, end_reason, "
            f"{names}) SELECT t.record_id, %s, %s, '', {picked} FROM tmp_window_record t "
            f"CROSS JOIN tmp_window_group g WHERE g.{link} = t.{link}"
        )
        if _any_window_among_staged(cursor):
            # The WHERE above also keeps SQLite's parser from reading ON CONFLICT as a
            # join constraint.
            updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in [*db_columns, "updated_at"])
            sql += f" ON CONFLICT (record_id) DO UPDATE SET {updates}"
        cursor.execute(sql, [created, created])
        cursor.execute("DROP TABLE tmp_window_group")
        cursor.execute("DROP TABLE tmp_window_record")


def _all_type_fields() -> dict[int, _TypeFields]:
    types = list(RecordType.objects.values_list("pk", "code"))
    try:
        return {pk: _TypeFields(code) for pk, code in types}
    except NotFoundError:
        # A type created by another process within the spec cache's lifetime.
        invalidate_cache()
        return {pk: _TypeFields(code) for pk, code in types}


def _any_window_among_staged(cursor: Any) -> bool:
    """Whether a record in `tmp_window_record` may already have a window (a correction, a
    re-run). A fresh batch's records have ids in a range where no window exists, which
    one index probe shows; only otherwise does the insert pay for ON CONFLICT."""
    cursor.execute("SELECT MIN(record_id), MAX(record_id) FROM tmp_window_record")
    low, high = cursor.fetchone()
    cursor.execute(
        f"SELECT 1 FROM {qn(PublicityWindow._meta.db_table)} "
        "WHERE record_id BETWEEN %s AND %s LIMIT 1",
        [low, high],
    )
    return cursor.fetchone() is not None


def _compute_for(
    where: str,
    params: list[Any],
    *,
    actor: Any,
    target: tuple[str, Any],
    action: str,
    batch_id: int | None = None,
) -> dict[str, int]:
    """Compute the window of every record matching `where` (SQL over `r`, the records
    table, and `w`, its LEFT JOINed window).

    One pass reads the few columns and payload values a window depends on (extracted by
    the database's JSON functions) as one key per record and groups the records by key;
    each distinct key is decided once in Python (`Decider`), and one INSERT … SELECT
    writes every window from its group's values. No Python work per record beyond the
    SQLite group function's dict lookup."""
    decider = Decider()
    now = timezone.now()
    type_fields = _all_type_fields()
    key_sql, key_params = _key_sql(type_fields)
    with transaction.atomic():
        grouper = _group_records(key_sql, key_params, where, params)
        total = sum(grouper.counts)
        if not total:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE tmp_window_record")
            return {"records": 0, "groups": 0, "published": 0}
        decisions = _decide_keys(grouper.number, type_fields, decider)
        published = sum(n for n, d in zip(grouper.counts, decisions, strict=True) if d.is_published)
        _write_windows(grouper, decisions, now)
        _announce(None, actor, batch_id=batch_id)
        summary = {"records": total, "groups": len(set(decisions)), "published": published}
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


def compute_windows_for_batch(batch_id: int, *, actor: Any = None) -> dict[str, int]:
    """Compute (or recompute) the window of every record whose latest batch is
    `batch_id`. Idempotent: running it twice leaves the same windows."""
    return _compute_for(
        "r.batch_id = %s",
        [batch_id],
        actor=actor,
        target=("collection.Batch", batch_id),
        action="publicity.batch_computed",
        batch_id=batch_id,
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


def recompute(
    *, decided_from: date, decided_to: date | None = None, actor: Any = None
) -> dict[str, int]:
    """Apply the policies as they now stand to every record decided in [decided_from,
    decided_to]: after `xinyong catalog load` brought a changed rule (a policy's new end
    date, a new class), or after an office corrected a policy in the admin. Windows are
    otherwise kept as computed when the record was stored. An ending already recorded
    (repaired, withdrawn, expired) is kept; a window whose new longest period has passed
    is ended by the next expiry run. Idempotent."""
    if decided_to is not None and decided_to < decided_from:
        raise DomainError("结束日期不能早于开始日期。")
    where, params = "r.decision_date >= %s", [decided_from]
    if decided_to is not None:
        where, params = where + " AND r.decision_date <= %s", [decided_from, decided_to]
    span = f"{decided_from.isoformat()}..{decided_to.isoformat() if decided_to else ''}"
    return _compute_for(
        where,
        params,
        actor=actor,
        target=("publicity", f"recompute {span}"),
        action="publicity.recomputed",
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
            window.ended_on = expiry_day(window.ends_on)
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
                ended_on=expiry_day(ends_on),
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
