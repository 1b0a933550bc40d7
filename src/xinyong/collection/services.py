"""The one ingestion pipeline (docs/collection.md): files, API rows, form entries and the
CLI all go through `ingest_file` / `ingest_rows` and one set of rules.

Stages: read → map headers → validate (pipeline.validate, vectorised) → reject duplicates
within the batch → match or create subjects in bulk → classify against stored identities
(new / duplicate / correction) → write with the database's bulk path (pipeline.persist)
→ one event. Everything from the Batch row to the last warning is written in ONE
transaction: a crash or a kill at any moment leaves the whole batch or nothing.

The file is processed in chunks (`reader.CHUNK_ROWS`) so that memory stays bounded for
files of a million rows; identity lookups, subject matching, deadlines and identifier
checks are set-based per chunk (identifiers and dates once per distinct value).
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from hashlib import sha256
from pathlib import Path
from typing import Any

import polars as pl
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xinyong.catalog.fieldspec import FieldType, RecordTypeSpec, get_spec
from xinyong.catalog.models import RecordType
from xinyong.core import calendar
from xinyong.core.audit import record_event
from xinyong.core.bulk import read_ahead
from xinyong.core.errors import CalendarUnknownYear, DomainError, NotFoundError
from xinyong.core.exports import looks_like_formula
from xinyong.core.identifiers import DOCUMENT_SEPARATOR, OTHER_PERSON_DOCUMENTS
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.orgs.services import resolve_unit
from xinyong.records.models import CreditRecord, RecordVersion
from xinyong.records.services import identity_key
from xinyong.records.signals import batch_stored
from xinyong.subjects.services import match_or_create_many

from .models import Batch, QualityWarning, RejectedRow
from .pipeline import persist
from .pipeline.reader import (
    CHUNK_ROWS,
    Chunk,
    SourceTable,
    UnreadableFile,
    read_file,
    rows_table,
)
from .pipeline.validate import (
    PERSON,
    Rejected,
    RowError,
    Validator,
    map_headers,
    payload_json,
)

__all__ = [
    "IngestResult",
    "RowError",
    "UnreadableFile",
    "ingest_file",
    "ingest_rows",
    "pushed_down",
    "rejected_rows_xlsx",
]

Progress = Callable[[int, int], None]

_MAX_LISTED_WARNINGS = 20
# Rounds in which only the first pending row of each identity is checked; after them the
# remaining rows of identities whose earlier rows were refused go together (`_Loader.store`).
_FIRST_ROW_ROUNDS = 2
# Leads the document part of the identity of a record sent without its optional document
# number (docs/collection.md); no real 文书号 starts like this.
UNDOCUMENTED = "无文号"
_TARGET = "collection.Batch"
UPSTREAM = Batch.Channel.UPSTREAM.value
UPSTREAM_NOTE = (
    "市平台下发的数据：不是本单位对自身决定的报送，不设报送期限、不计迟报，"
    "不计入本单位的及时率、合规率和上报率。"
)
_PUSHED_DOWN: ContextVar[bool] = ContextVar("collection_pushed_down", default=False)


@contextmanager
def pushed_down() -> Iterator[None]:
    """Every ingest inside is of data pushed down by the city platform: its batch is an
    upstream one whatever channel the caller names. For callers that pick the channel
    themselves (sanctions.importer, through its `ingest_context`)."""
    token = _PUSHED_DOWN.set(True)
    try:
        yield
    finally:
        _PUSHED_DOWN.reset(token)


_RECORD_COLUMNS = (
    "created_at",
    "updated_at",
    "record_type_id",
    "identity_key",
    "subject_id",
    "party_name",
    "party_identifier",
    "document_number",
    "decision_date",
    "deciding_unit_name",
    "deciding_unit_code",
    "source_unit_id",
    "reported_on",
    "deadline",
    "is_late",
    "nature",
    "status",
    "payload",
    "content_hash",
    "version",
    "name_mismatch",
    "batch_id",
)


@dataclass
class IngestResult:
    batch: Batch
    rows: int = 0
    accepted: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    late: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "late": self.late,
            "errors": [e.as_dict() for e in self.errors],
            # "文件只有表头", missing holiday years, name mismatches …: scripts see them too.
            "warnings": list(self.warnings),
        }


# ---------------------------------------------------------------- resolving the inputs


def _resolve_unit(unit: Any) -> Unit:
    found = resolve_unit(unit)
    if not found.active:
        raise DomainError(f"单位“{found.name}”已停用，不能报送数据。")
    return found


def _resolve_type(record_type: Any) -> tuple[RecordType, RecordTypeSpec]:
    key = (
        record_type.code if isinstance(record_type, RecordType) else str(record_type or "").strip()
    )
    if not key:
        raise DomainError("请指定信息类别（目录代码或中文名称）。")
    spec = get_spec(key)
    if not spec.active:
        raise DomainError(f"信息类别“{spec.name}”已停用，不再接收数据。")
    rt = RecordType.objects.filter(code=spec.code).first()
    if rt is None:
        raise NotFoundError(f"公共信用信息目录中没有信息类别“{record_type}”。")
    return rt, spec


def _resolve_reported_on(value: Any) -> date:
    today = timezone.localdate()
    if value in (None, ""):
        return today
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise DomainError(f"报送日期“{value}”格式不对，应为 2026-03-05 这样的日期。") from None
    if not isinstance(value, date):
        raise DomainError("报送日期格式不对。")
    if value > today:
        raise DomainError(f"报送日期 {value.isoformat()} 晚于今天，不能预报送。")
    return value


def _check_permission(actor: Any, unit: Unit) -> None:
    # The system (CLI, scheduled jobs) acts as the credit office.
    if actor is None:
        return
    permissions.require(actor, "write_unit_data", unit)


# ---------------------------------------------------------------- the loader


_ANSWER_SCHEMA = {
    "_ident": pl.Utf8,
    "_kind": pl.Utf8,
    "_name": pl.Utf8,
    "_subject": pl.Int64,
    "_mismatch": pl.Utf8,
    "_refused": pl.Utf8,
}


class _Loader:
    """Processes the chunks of one batch inside the batch's transaction."""

    def __init__(
        self,
        *,
        batch: Batch,
        actor: Any,
        rt: RecordType,
        spec: RecordTypeSpec,
        unit: Unit,
        validator: Validator,
        reported_on: date,
    ) -> None:
        self.batch = batch
        self.actor = actor
        self.rt = rt
        self.spec = spec
        self.unit = unit
        self.validator = validator
        self.reported_on = reported_on
        # Text, so that polars can write it into the bulk path on either database.
        self.now_db = str(persist.db_datetime(timezone.now()))
        self.result = IngestResult(batch=batch)
        self.rejected: list[Rejected] = []
        self._rejected_lock = threading.Lock()
        self.rejected_rows = 0
        self.errors: list[RowError] = []
        self.seen = pl.DataFrame(schema={"_key": pl.Utf8, "_first": pl.Int64})
        self.corrected_ids: list[int] = []
        self.corrections = 0  # records `_correct` overwrote (their alerts are redone)
        self.taken_over_ids: list[int] = []
        self.left_subject_ids: set[int] = set()
        # (code, kind, name) → (subject id, name-conflict note, refusal): see _subjects.
        self.matched = pl.DataFrame(schema=_ANSWER_SCHEMA)
        self.name_notes: list[str] = []
        self.name_mismatches = 0
        self.no_calendar = 0
        self.upstream = batch.channel == UPSTREAM
        # What the city platform pushes down is no report of the receiving unit's own
        # decision: the 7 working days (发改办财金〔2018〕424号) do not apply to it.
        self.workdays = 0 if self.upstream else spec.report_deadline_workdays
        role = spec.by_role
        self.f_name = role("party_name")
        self.f_kind = role("party_kind")
        self.f_uscc = role("party_uscc")
        self.f_idno = role("party_id_number")
        self.f_idtype = role("party_id_type")
        self.f_doc = role("document_number")
        self.f_date = role("decision_date")
        self.f_unit_name = role("deciding_unit_name")
        self.f_unit_code = role("deciding_unit_code")
        # What tells records apart when the optional document number is empty: besides the
        # subject and the decision date, the type's required fields that feed no common
        # column (诚信荣誉: 荣誉名称). Multi-valued fields are left out (not one text).
        self.identity_fields = [
            f
            for f in spec.fields
            if f.required and f.role is None and f.type != FieldType.MULTI_ENUM
        ]

    # -- helpers

    def _col(self, fs: Any) -> pl.Expr:
        return pl.col(fs.code) if fs is not None else pl.lit(None, dtype=pl.Utf8)

    def _header(self, fs: Any, fallback: str = "") -> str:
        if fs is None:
            return fallback
        return self.validator.colmap.header.get(fs.code) or fs.label

    def _subject_header(self, kind: str | None) -> str:
        """The column a subject error belongs to: a person's ID number, otherwise the USCC."""
        if kind == PERSON and self.f_idno is not None:
            return self._header(self.f_idno)
        return self._header(self.f_uscc or self.f_idno, "主体代码")

    def _undocumented_identity(self) -> pl.Expr:
        """The document part of the identity of a row without its (optional) document
        number: without it every honour of one grantor would be one record."""
        parts = [
            pl.lit(UNDOCUMENTED),
            pl.col("_ident"),
            self._col(self.f_date),
            *(pl.col(f.code).cast(pl.Utf8) for f in self.identity_fields),
        ]
        return pl.concat_str([p.fill_null("") for p in parts], separator="|")

    def _identity_words(self, undocumented: bool) -> str:
        """What two rows of one identity share, for the duplicate message."""
        if self.f_doc is None:
            return "主体代码"
        if not undocumented:
            return "决定机关代码和文书号"
        names = [
            *([self.f_unit_code.label] if self.f_unit_code is not None else []),
            "主体标识",
            *([self.f_date.label] if self.f_date is not None else []),
            *(f.label for f in self.identity_fields),
        ]
        return f"未填{self.f_doc.label}：{'、'.join(names[:-1])}和{names[-1]}"

    def _reject(self, raw: pl.DataFrame, errors: dict[int, RowError]) -> None:
        if not errors:
            return
        rows = raw.filter(pl.col("_row").is_in(list(errors)))
        self._add_rejected(
            [
                Rejected(
                    row=values[-1],
                    original=self.validator._original(values[:-1]),
                    errors=[errors[values[-1]]],
                )
                for values in rows.rows()
            ]
        )

    def _add_rejected(self, rejected: list[Rejected]) -> None:
        # Both threads report rejected rows; the storing thread writes them out.
        with self._rejected_lock:
            self.rejected.extend(rejected)

    def flush_rejected(self) -> None:
        """Write the rejected rows reported so far (per chunk, so that a million-row file
        with many bad rows does not keep them all in memory); keep their errors only."""
        with self._rejected_lock:
            rejected, self.rejected = self.rejected, []
        if not rejected:
            return
        persist.bulk_insert(
            RejectedRow._meta.db_table,
            ("batch_id", "row_number", "original", "errors"),
            (
                (
                    self.batch.pk,
                    r.row,
                    json.dumps(r.original, ensure_ascii=False),
                    json.dumps([e.as_dict() for e in r.errors], ensure_ascii=False),
                )
                for r in rejected
            ),
        )
        self.rejected_rows += len(rejected)
        self.errors.extend(e for r in rejected for e in r.errors)

    # -- per chunk

    def prepare(self, chunk: Chunk) -> tuple[pl.DataFrame, pl.DataFrame] | None:
        """Validation and everything else a chunk needs before the database: identity
        keys, duplicates within the batch, payload and its hash. No database access, so
        that it runs in the reading thread while the previous chunk is being stored."""
        checked = self.validator.run(chunk)
        self._add_rejected(checked.rejected)
        valid = checked.valid
        spec = self.spec
        if valid.height == 0:
            return None
        chunk_raw = chunk.frame
        raw = chunk_raw.select([*[c for c in chunk_raw.columns if c != "_row"], "_row"])

        # The subject's identifier: a person's ID number, otherwise the USCC. A person
        # identified by another document (护照, 通行证, 其他) is keyed by the document type
        # and its number (`护照:E12345678`, core.identifiers.document_key): the same number
        # on two kinds of document may belong to two people.
        kind = self._col(self.f_kind)
        person_id = self._col(self.f_idno)
        if self.f_idtype is not None:
            doc_type = pl.col(self.f_idtype.code)
            person_id = (
                pl.when(doc_type.is_in(list(OTHER_PERSON_DOCUMENTS)))
                .then(pl.concat_str([doc_type, pl.lit(DOCUMENT_SEPARATOR), person_id]))
                .otherwise(person_id)
            )
        ident = (
            pl.when(kind == PERSON)
            .then(person_id)
            .otherwise(pl.coalesce(self._col(self.f_uscc), self._col(self.f_idno)))
        )
        doc = self._col(self.f_doc) if self.f_doc is not None else ident
        valid = valid.with_columns(
            ident.alias("_ident"),
            doc.alias("_doc"),
            self._col(self.f_unit_code).fill_null("").alias("_unit_code"),
        )
        missing = valid.filter(pl.col("_ident").is_null())
        if missing.height:
            self._reject(
                raw,
                {
                    r: RowError(
                        r,
                        self._subject_header(k),
                        "no_subject",
                        "无法确定信用主体：缺少统一社会信用代码或证件号码",
                    )
                    for r, k in missing.select("_row", kind.alias("_k")).rows()
                },
            )
            valid = valid.filter(pl.col("_ident").is_not_null())

        # The identity. Duplicates within the batch are decided in `store`, once the
        # subject checks have run: a row is a duplicate only of a row that is kept.
        if self.f_doc is not None and not self.f_doc.required:
            valid = valid.with_columns(
                (pl.col("_doc").fill_null("").str.strip_chars() == "").alias("_undocumented")
            )
            identity_doc = (
                pl.when(pl.col("_undocumented"))
                .then(self._undocumented_identity())
                .otherwise(pl.col("_doc"))
            )
        else:
            # A required document number is never empty here (the validator refused it).
            valid = valid.with_columns(pl.lit(False).alias("_undocumented"))
            identity_doc = pl.col("_doc")
        valid = valid.with_columns(identity_doc.alias("_identity_doc"))
        keys = [
            identity_key(spec.code, u, d)
            for u, d in zip(
                valid.get_column("_unit_code").to_list(),
                valid.get_column("_identity_doc").to_list(),
                strict=True,
            )
        ]
        valid = valid.with_columns(pl.Series("_key", keys, dtype=pl.Utf8)).drop("_identity_doc")

        # Payload and its fingerprint.
        valid = valid.with_columns(payload_json(spec).alias("_payload"))
        hashes = [sha256(p.encode()).hexdigest() for p in valid.get_column("_payload").to_list()]
        return raw, valid.with_columns(pl.Series("_hash", hashes, dtype=pl.Utf8))

    def store(self, raw: pl.DataFrame, valid: pl.DataFrame) -> None:
        """Subjects, checks against the stored identities, duplicates within the batch,
        then new / duplicate / correction.

        The first row of an identity that passes every check is the one kept; a later row
        of that identity is a duplicate of it, never of a row that was itself refused. A
        row whose identity an earlier chunk kept is a duplicate at once."""
        # Probing the batch's kept keys with this chunk's (not the other way round) keeps
        # this linear in the chunk, not in the batch so far.
        earlier = self.seen.join(valid.select("_key"), on="_key", how="semi")
        pending = valid
        if earlier.height:
            marked = valid.join(earlier, on="_key", how="left", maintain_order="left")
            self._duplicates_in_file(raw, marked.filter(pl.col("_first").is_not_null()))
            pending = valid.join(earlier, on="_key", how="anti", maintain_order="left")
        first_row = pl.col("_row") == pl.col("_row").min().over("_key")
        kept: list[pl.DataFrame] = []
        rounds = 0
        while pending.height:
            rounds += 1
            repeated = bool(pending.get_column("_key").is_duplicated().any())
            if repeated and rounds <= _FIRST_ROW_ROUNDS:
                # Subjects are matched (and created) for the first row of each identity
                # only; an identity whose first row is refused gives its next row a turn.
                take, rest = pending.filter(first_row), pending.filter(~first_row)
            else:
                # Usually one row per identity. Past the first rounds, the remaining rows
                # go together, so that a file with one document number on thousands of
                # refused rows stays linear; the first of them to pass is kept.
                take, rest = pending, pending.clear()
            checked = self._checked(raw, take)
            if repeated and rest.height == 0:
                winners, losers = checked.filter(first_row), checked.filter(~first_row)
            else:
                winners, losers = checked, checked.clear()
            kept.append(winners)
            if rest.height == 0 and losers.height == 0:
                break
            won = winners.select("_key", pl.col("_row").alias("_first"))
            self._duplicates_in_file(
                raw,
                pl.concat(
                    [
                        losers.select("_row", "_key", "_undocumented"),
                        rest.select("_row", "_key", "_undocumented"),
                    ]
                ).join(won, on="_key", how="inner"),
            )
            pending = rest.join(won, on="_key", how="anti", maintain_order="left")
        if not kept:
            return
        valid = kept[0] if len(kept) == 1 else pl.concat(kept)
        if valid.height == 0:
            return
        self.seen = pl.concat([self.seen, valid.select("_key", pl.col("_row").alias("_first"))])

        stored = pl.col("_id").is_not_null()
        same = pl.col("_old_hash") == pl.col("_hash")
        # The unit reporting its own decision that so far exists only as the city's copy
        # stored under it: the unit's report takes the record over (docs/collection.md).
        takeover = (
            stored
            & pl.lit(not self.upstream)
            & pl.col("_old_upstream").fill_null(False)
            & (pl.col("_old_unit") == self.unit.pk)
            & (pl.col("_old_status") != CreditRecord.Status.WITHDRAWN.value)
        )
        duplicates = valid.filter(stored & same & ~takeover)
        self.result.duplicates += duplicates.height
        corrections = valid.filter(stored & ~same & ~takeover)
        taken = valid.filter(takeover)
        new = valid.filter(~stored)

        day = self.reported_on.isoformat()
        new = self._timeliness(new, day)
        corrections = self._timeliness(corrections, None)
        # Dated by the unit's own report: the city's day says nothing of the unit's
        # reporting (发改办财金〔2018〕424号 counts from the unit's decision date).
        taken = self._timeliness(taken, day)
        self._insert(new)
        self._correct(corrections)
        self._take_over(taken)

    def _duplicates_in_file(self, raw: pl.DataFrame, dups: pl.DataFrame) -> None:
        """Reject `dups` (columns _row, _key, _undocumented, _first) as repeating row _first."""
        if dups.height == 0:
            return
        header = self._header(self.f_doc or self.f_uscc, "文书号")
        self._reject(
            raw,
            {
                r: RowError(
                    r,
                    header,
                    "duplicate_in_file",
                    f"与第 {first} 行是同一条记录（{self._identity_words(undocumented)}相同），"
                    "同一批次中只能出现一次",
                )
                for r, first, undocumented in dups.select("_row", "_first", "_undocumented").rows()
            },
        )

    def _checked(self, raw: pl.DataFrame, valid: pl.DataFrame) -> pl.DataFrame:
        """The rows of `valid` that pass the subject checks and may change the record
        stored under their identity (if any), joined to it; the others are rejected.
        Each row is judged on its own: the batch's duplicates are the caller's."""
        valid = self._subjects(raw, valid)
        found = persist.select_in(
            "SELECT r.identity_key, r.id, r.content_hash, r.source_unit_id, r.reported_on, "
            "r.version, r.subject_id, r.status, COALESCE(b.channel, '') "
            f"FROM {CreditRecord._meta.db_table} r LEFT JOIN {Batch._meta.db_table} b "
            "ON b.id = r.batch_id WHERE r.identity_key",
            valid.get_column("_key").unique().to_list(),
        )
        existing = pl.DataFrame(
            [
                (k, i, h, u, str(r)[:10], v, sj, st, ch == UPSTREAM)
                for k, i, h, u, r, v, sj, st, ch in found
            ],
            schema={
                "_key": pl.Utf8,
                "_id": pl.Int64,
                "_old_hash": pl.Utf8,
                "_old_unit": pl.Int64,
                "_old_reported": pl.Utf8,
                "_old_version": pl.Int64,
                "_old_subject": pl.Int64,
                "_old_status": pl.Utf8,
                "_old_upstream": pl.Boolean,
            },
            orient="row",
        )
        valid = valid.join(existing, on="_key", how="left", maintain_order="left")
        changed = pl.col("_id").is_not_null() & (pl.col("_old_hash") != pl.col("_hash"))
        other_unit = valid.filter(changed & (pl.col("_old_unit") != self.unit.pk))
        if other_unit.height:
            names = dict(
                Unit.objects.filter(
                    pk__in=other_unit.get_column("_old_unit").unique().to_list()
                ).values_list("pk", "name")
            )
            self._reject(
                raw,
                {
                    r: RowError(
                        r,
                        self._header(self.f_doc, "文书号"),
                        "other_unit",
                        f"该记录已由“{names.get(u, u)}”报送，内容不同；只能由原报送单位更正",
                    )
                    for r, u in other_unit.select("_row", "_old_unit").rows()
                },
            )
        withdrawn = valid.filter(
            changed
            & (pl.col("_old_unit") == self.unit.pk)
            & (pl.col("_old_status") == CreditRecord.Status.WITHDRAWN.value)
        )
        if withdrawn.height:
            self._reject(
                raw,
                {
                    r: RowError(
                        r,
                        self._header(self.f_doc, "文书号"),
                        "withdrawn",
                        "该记录已撤销（撤回），内容不能再以报送方式更正；如原决定恢复或重新作出，"
                        "请以新的决定文书号报送",
                    )
                    for r in withdrawn.get_column("_row").to_list()
                },
            )
        # The city's changed copy never overwrites a unit's own report of its decision: the
        # unit decided, its report stands (and its lateness and rates with it). The other
        # direction is a takeover (`store`).
        crossing = valid.filter(
            changed
            & (pl.col("_old_unit") == self.unit.pk)
            & (pl.col("_old_status") != CreditRecord.Status.WITHDRAWN.value)
            & ~pl.col("_old_upstream")
            & pl.lit(self.upstream)
        )
        if crossing.height:
            self._reject(
                raw,
                {
                    r: RowError(
                        r,
                        self._header(self.f_doc, "文书号"),
                        "own_record",
                        f"该记录已由“{self.unit.name}”自行报送，市平台下发的内容与之不同，"
                        "不覆盖单位自行报送的记录；如有错误，请由该单位更正",
                    )
                    for r in crossing.get_column("_row").to_list()
                },
            )
        refused = pl.concat(
            [other_unit.select("_row"), withdrawn.select("_row"), crossing.select("_row")]
        )
        return valid.join(refused, on="_row", how="anti", maintain_order="left")

    def _subjects(self, raw: pl.DataFrame, valid: pl.DataFrame) -> pl.DataFrame:
        name = self._col(self.f_name)
        kind = self._col(self.f_kind)
        valid = valid.with_columns(kind.alias("_kind"), name.alias("_name"))
        on = ["_ident", "_kind", "_name"]
        # In row order, so that a new subject is registered under the first row's name (the
        # conflict note says "已按前者登记").
        triples = valid.select(on).unique(maintain_order=True)
        # A bulk load names the same subject on many rows across chunks: each distinct
        # (code, kind, name) is matched once per batch and its answer reused (kept as a
        # polars frame: a quarter of a million answers as Python tuples cost 100 MB).
        fresh = triples.join(
            self.matched, on=on, how="anti", nulls_equal=True, maintain_order="left"
        )
        if fresh.height:
            items = fresh.rows()
            matched = match_or_create_many(
                actor=self.actor, items=items, source=f"归集批次 {self.batch.pk}"
            )
            answers = []
            for triple in items:
                key = str(triple[0] or "")
                if triple in matched.rejected:
                    answers.append((*triple, None, "", matched.rejected[triple]))
                else:
                    answers.append((*triple, matched[key], matched.name_conflicts.get(key, ""), ""))
            self.matched = pl.concat(
                [self.matched, pl.DataFrame(answers, schema=_ANSWER_SCHEMA, orient="row")]
            )
        valid = valid.join(self.matched, on=on, how="left", nulls_equal=True, maintain_order="left")
        refused = valid.filter(pl.col("_refused") != "")
        if refused.height:
            # A person's ID number is reported against its own column, not the USCC's.
            self._reject(
                raw,
                {
                    r: RowError(r, self._subject_header(k), "subject", message)
                    for r, k, message in refused.select("_row", "_kind", "_refused").rows()
                },
            )
            valid = valid.filter(pl.col("_refused") == "")
        valid = valid.drop("_kind", "_name", "_refused")
        flagged = valid.filter(pl.col("_mismatch") != "")
        if flagged.height:
            self.name_mismatches += flagged.height
            for r, message in flagged.select("_row", "_mismatch").head(_MAX_LISTED_WARNINGS).rows():
                if len(self.name_notes) < _MAX_LISTED_WARNINGS:
                    self.name_notes.append(f"第 {r} 行：{message}")
        return valid

    def _timeliness(self, frame: pl.DataFrame, reported_on: str | None) -> pl.DataFrame:
        """deadline = add_workdays(decision date, n) (发改办财金〔2018〕424号: 7 working
        days, the start day not counted); late when reported after it. A correction keeps
        the report date of the record's first report."""
        reported = pl.lit(reported_on) if reported_on else pl.col("_old_reported")
        decision = self._col(self.f_date)
        if frame.height == 0 or not self.workdays or self.f_date is None:
            return frame.with_columns(
                decision.alias("_decision"),
                pl.lit(None, dtype=pl.Utf8).alias("_deadline"),
                pl.lit(False).alias("_late"),
                reported.alias("_reported"),
            )
        days = [
            date.fromisoformat(d)
            for d in frame.get_column(self.f_date.code).drop_nulls().unique().to_list()
        ]
        deadlines = calendar.deadline_for(days, self.workdays, skip_unknown=True)
        olds = [d.isoformat() for d in days]
        news = [deadlines[d].isoformat() if d in deadlines else None for d in days]
        self.no_calendar += frame.filter(
            pl.col(self.f_date.code).is_in(
                [o for o, n in zip(olds, news, strict=True) if n is None]
            )
        ).height
        deadline = decision.replace_strict(olds, news, default=None, return_dtype=pl.Utf8)
        frame = frame.with_columns(
            decision.alias("_decision"), deadline.alias("_deadline"), reported.alias("_reported")
        )
        return frame.with_columns(
            (pl.col("_reported") > pl.col("_deadline")).fill_null(False).alias("_late")
        )

    def _insert(self, new: pl.DataFrame) -> None:
        if new.height == 0:
            return
        spec = self.spec
        frame = new.select(
            pl.lit(self.now_db).alias("created_at"),
            pl.lit(self.now_db).alias("updated_at"),
            pl.lit(self.rt.pk).alias("record_type_id"),
            pl.col("_key"),
            pl.col("_subject"),
            self._col(self.f_name).fill_null(""),
            pl.col("_ident"),
            pl.col("_doc").fill_null(""),
            pl.col("_decision"),
            self._col(self.f_unit_name).fill_null(""),
            pl.col("_unit_code"),
            pl.lit(self.unit.pk).alias("source_unit_id"),
            pl.col("_reported"),
            pl.col("_deadline"),
            pl.col("_late"),
            pl.lit(spec.nature).alias("nature"),
            pl.lit(CreditRecord.Status.ACTIVE.value).alias("status"),
            pl.col("_payload"),
            pl.col("_hash"),
            pl.lit(1).alias("version"),
            pl.col("_mismatch"),
            pl.lit(self.batch.pk).alias("batch_id"),
        )
        frame.columns = list(_RECORD_COLUMNS)
        persist.bulk_insert_frame(CreditRecord._meta.db_table, frame)
        self.result.accepted += new.height
        self.result.late += int(new.get_column("_late").sum())

    def _keep_versions(self, ids: list[int]) -> None:
        """Keep the superseded content of `ids` first (河南条例 art. 41: corrections keep
        history)."""
        record_table = CreditRecord._meta.db_table
        version_table = RecordVersion._meta.db_table
        for start in range(0, len(ids), persist.LOOKUP_CHUNK):
            part = ids[start : start + persist.LOOKUP_CHUNK]
            marks = ", ".join(["%s"] * len(part))
            persist.execute(
                f"INSERT INTO {version_table} (record_id, version, payload, content_hash, superseded_at, "
                f"superseded_by_batch_id) SELECT id, version, payload, content_hash, %s, %s FROM {record_table} "
                f"WHERE id IN ({marks})",
                [self.now_db, self.batch.pk, *part],
            )

    def _overwrite(self, frame: pl.DataFrame, bump: pl.Expr) -> None:
        """Write `frame`'s content, report date and timeliness over its stored records,
        the version raised by `bump` (0 or 1), the records moved to this batch."""
        rows = frame.select(
            pl.col("_subject"),
            self._col(self.f_name).fill_null(""),
            pl.col("_ident"),
            pl.col("_doc").fill_null(""),
            pl.col("_decision"),
            self._col(self.f_unit_name).fill_null(""),
            pl.col("_reported"),
            pl.col("_deadline"),
            pl.col("_late"),
            pl.col("_payload"),
            pl.col("_hash"),
            bump.cast(pl.Int64).alias("_bump"),
            pl.col("_mismatch"),
            pl.lit(self.batch.pk).alias("batch_id"),
            pl.lit(self.now_db).alias("updated_at"),
            pl.col("_id"),
        )
        persist.execute_many(
            f"UPDATE {CreditRecord._meta.db_table} SET subject_id = %s, party_name = %s, "
            "party_identifier = %s, document_number = %s, decision_date = %s, "
            "deciding_unit_name = %s, reported_on = %s, deadline = %s, is_late = %s, payload = %s, "
            "content_hash = %s, version = version + %s, name_mismatch = %s, batch_id = %s, "
            "updated_at = %s WHERE id = %s",
            rows.rows(),
        )
        # A correction may name another subject: the one the record leaves is regraded
        # too (its white-list standing can only improve by losing a record).
        self.left_subject_ids.update(
            frame.filter(pl.col("_old_subject") != pl.col("_subject"))
            .get_column("_old_subject")
            .to_list()
        )

    def _correct(self, corrections: pl.DataFrame) -> None:
        if corrections.height == 0:
            return
        ids = corrections.get_column("_id").to_list()
        self._keep_versions(ids)
        # The report date stays the first report's (`_timeliness`).
        self._overwrite(corrections, pl.lit(1))
        self.corrected_ids.extend(ids)
        # Lateness belongs to the first report: a correction is not counted again in the
        # batch's `late`, but its recomputed 迟报 gets (or loses) its alert (`finish`).
        self.result.updated += corrections.height
        self.corrections += corrections.height

    def _take_over(self, taken: pl.DataFrame) -> None:
        """The unit's own report of records so far stored only as the city's copy: they
        become the unit's, dated and judged by this report. Written like corrections; the
        chunk's one identity lookup found them (with their batch's channel), no query more."""
        if taken.height == 0:
            return
        differs = pl.col("_old_hash") != pl.col("_hash")
        changed = taken.filter(differs).get_column("_id").to_list()
        # The deciding unit's content prevails over the city's copy: a new version.
        self._keep_versions(changed)
        self._overwrite(taken, differs)
        self.corrected_ids.extend(changed)
        self.taken_over_ids.extend(taken.get_column("_id").to_list())
        # Honest for the unit's batch: the first report of these records is this one, so
        # the same content is accepted (not a duplicate), a different one a correction;
        # either is late or not by this report.
        self.result.updated += len(changed)
        self.result.accepted += taken.height - len(changed)
        self.result.late += int(taken.get_column("_late").sum())

    # -- the end of the batch

    def finish(self) -> None:
        self.flush_rejected()
        self.result.rejected = self.rejected_rows
        self.result.errors = sorted(self.errors, key=lambda e: e.row)
        if self.result.late or self.corrections:
            self._late_warnings()
        if self.name_mismatches:
            self.result.warnings.extend(self.name_notes)
            if self.name_mismatches > len(self.name_notes):
                self.result.warnings.append(
                    f"另有 {self.name_mismatches - len(self.name_notes)} 行的主体名称与平台登记名称不一致，已在记录上标注。"
                )
        if self.taken_over_ids:
            self.result.warnings.append(
                f"{len(self.taken_over_ids)} 条记录此前由市平台下发，本次由本单位自行报送："
                "已转为本单位的报送，报送期限和迟报按本次报送日期计算，计入本单位的及时率、上报率。"
            )
        if self.no_calendar:
            self.result.warnings.append(
                f"{self.no_calendar} 条记录的决定日期所在年度（或其后）缺少工作日历，报送期限暂为“期限未定”，"
                "不计入及时率；信用办导入相应年度的节假日安排后，自动补算报送期限和迟报。"
            )

    def _late_warnings(self) -> None:
        """One QualityWarning(late_record) per late record of this batch (inserted, or its
        text brought up to date when a correction moved the decision date). A corrected
        record no longer late has its open alert closed as resolved, as
        `recompute_deadlines` does. Set-based: two statements per batch."""
        if self.corrections:
            # Of this batch's records only corrected (and taken-over) ones can have had an
            # alert; a new record has none to close.
            persist.execute(
                _close_late_warnings_sql(
                    f"SELECT id FROM {CreditRecord._meta.db_table} "
                    "WHERE batch_id = %s AND is_late = %s"
                ),
                [
                    QualityWarning.Resolution.RESOLVED.value,
                    CORRECTED_LATE_NOTE,
                    self.now_db,
                    self.now_db,
                    QualityWarning.Kind.LATE_RECORD.value,
                    self.batch.pk,
                    False,
                ],
            )
        persist.execute(
            _late_warnings_sql("batch_id = %s AND is_late = %s", "CAST(deadline AS TEXT)"),
            [
                self.now_db,
                self.now_db,
                QualityWarning.Kind.LATE_RECORD.value,
                f"迟报：{self.spec.name}（文书号 ",
                self.batch.pk,
                True,
            ],
        )


# The note a late-record warning closes with when a correction of the record (another
# decision date) put its report within the deadline, or the deadline became 期限未定.
CORRECTED_LATE_NOTE = (
    "记录更正后按新的决定日期重新计算报送期限，该记录未超期限（或期限暂未定），自动解除"
)


def _late_prefix(type_name: str) -> str:
    return f"迟报：{type_name}（文书号 "


def _late_message_sql(deadline: str) -> str:
    """The text of a late-record warning, from the record's columns. Parameters: the
    message prefix ("迟报：<type>（文书号 "), then those of `deadline`."""
    return (
        "%s || document_number || '）决定日期 ' || CAST(decision_date AS TEXT) || '，报送期限 ' || "
        f"{deadline} || '，实际报送 ' || CAST(reported_on AS TEXT)"
    )


def _late_warnings_sql(where: str, deadline: str) -> str:
    """INSERT … SELECT of one QualityWarning(late_record) per record matching `where`,
    idempotent by the warning's (unit, kind, key) constraint; written set-based from the
    records themselves. A record's open warning is kept, its text brought up to date
    should a correction have moved the decision date or deadline. Parameters:
    created_at, updated_at, kind, message prefix, then those of `deadline` (an SQL text
    expression) and of `where`."""
    table = QualityWarning._meta.db_table
    return (
        f"INSERT INTO {table} (created_at, updated_at, unit_id, kind, "
        f"{persist.qn('key')}, period, record_id, message) "
        "SELECT %s, %s, source_unit_id, %s, 'record:' || CAST(id AS TEXT), "
        f"SUBSTR(CAST(reported_on AS TEXT), 1, 7), id, {_late_message_sql(deadline)} "
        f"FROM {CreditRecord._meta.db_table} WHERE {where} "
        f"ON CONFLICT (unit_id, kind, {persist.qn('key')}) DO UPDATE SET "
        "message = excluded.message, updated_at = excluded.updated_at "
        f"WHERE {table}.resolution = '' AND {table}.message <> excluded.message"
    )


# ---------------------------------------------------------------- deadlines of new years


def _timed_types() -> dict[int, tuple[str, int]]:
    """{record type id: (name, working days)} of the types with a reporting deadline."""
    return {
        pk: (name, n)
        for pk, name, n in RecordType.objects.filter(report_deadline_workdays__gt=0).values_list(
            "pk", "name", "report_deadline_workdays"
        )
        if n
    }


def _own_report_sql() -> str:
    # Pushed down by the city platform: no deadline of the receiving unit's to compute.
    return (
        f"NOT EXISTS (SELECT 1 FROM {Batch._meta.db_table} b WHERE b.id = "
        f"{CreditRecord._meta.db_table}.batch_id AND b.channel = '{UPSTREAM}')"
    )


def settle_deadlines(years: list[int]) -> None:
    """Deadlines and 迟报 of the records stored while the working-day calendar of their
    deadline's year was missing (their deadline is null: 期限未定), now that `years` are
    loaded: computed as the ingest computes them, with the late-record warnings the ingest
    raises. Set-based per distinct (record type, decision date); records of types without
    a reporting deadline are not touched."""
    if not years:
        return
    types = _timed_types()
    if not types:
        return
    # A deadline in year Y counts from a decision in Y or late in Y-1: the index on
    # (record type, decision date) bounds the search.
    waiting = (
        CreditRecord.objects.filter(
            record_type_id__in=list(types),
            deadline__isnull=True,
            decision_date__gte=date(min(years) - 1, 1, 1),
            decision_date__lte=date(max(years), 12, 31),
        )
        # Pushed down by the city platform: no deadline of the receiving unit's to settle.
        .exclude(batch__channel=UPSTREAM)
        .values_list("record_type_id", "decision_date")
        .distinct()
    )
    by_type: dict[int, set[date]] = {}
    for type_id, decided in waiting:
        if decided is not None:
            by_type.setdefault(type_id, set()).add(decided)
    settled: list[tuple[int, date, date]] = []
    for type_id, days in by_type.items():
        deadlines = calendar.deadline_for(days, types[type_id][1], skip_unknown=True)
        settled.extend((type_id, d, deadlines[d]) for d in sorted(deadlines))
    if not settled:
        return
    now = str(persist.db_datetime(timezone.now()))
    where = (
        f"record_type_id = %s AND decision_date = %s AND deadline IS NULL AND {_own_report_sql()}"
    )
    # The warnings first, while the records to settle are still those without a deadline.
    persist.execute_many(
        _late_warnings_sql(f"{where} AND reported_on > %s", "CAST(%s AS TEXT)"),
        [
            (
                now,
                now,
                QualityWarning.Kind.LATE_RECORD.value,
                _late_prefix(types[t][0]),
                due.isoformat(),
                t,
                decided,
                due,
            )
            for t, decided, due in settled
        ],
    )
    persist.execute_many(
        f"UPDATE {CreditRecord._meta.db_table} SET deadline = %s, is_late = (reported_on > %s) "
        f"WHERE {where}",
        [(due, due, t, decided) for t, decided, due in settled],
    )


# ---------------------------------------------------------------- deadlines after a calendar edit

# The note a late-record warning closes with when an edit of the calendar moved the
# record's deadline to or past its report date, or into a year not loaded yet.
LIFTED_LATE_NOTE = "工作日历调整后报送期限为 {deadline}，该记录未超期限，自动解除"
UNDETERMINED_LATE_NOTE = (
    "工作日历调整后报送期限落入尚未载入的年度，暂为“期限未定”，自动解除；载入后重新计算"
)


@dataclass
class DeadlineRecount:
    """What `recompute_deadlines` changed: records whose deadline moved, of them those
    that turned late, turned on time or became 期限未定, and the warnings it closed."""

    days: list[date]
    records: int = 0
    turned_late: int = 0
    turned_on_time: int = 0
    undetermined: int = 0
    warnings_resolved: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "days": [d.isoformat() for d in self.days],
            "records": self.records,
            "turned_late": self.turned_late,
            "turned_on_time": self.turned_on_time,
            "undetermined": self.undetermined,
            "warnings_resolved": self.warnings_resolved,
        }


def recompute_deadlines(days: list[date], *, actor: Any = None) -> DeadlineRecount:
    """Deadlines and 迟报 of the stored records after `days` of loaded years turned from
    working day to rest day or back, computed as the ingest computes them.

    add_workdays(D, n) changes only when a changed day X lies in (D, deadline]: the
    records to redo are those decided before some changed day whose stored deadline is on
    or after the first changed day after their decision; for a moved exception both its
    old and its new day are in `days`. Set-based per distinct (record type, decision
    date), as `settle_deadlines`. A record that turns late gets the ingest's late-record
    warning; one that turns on time, or whose deadline now falls in a year not loaded
    (期限未定), has its open late-record warning closed as resolved with a note, which
    frees the warning's key should a later edit make it late again; a record late before
    and after keeps its warning, its text naming the new deadline. Records of upstream
    batches keep having no deadline, and a batch's `late` count stays what it reported.
    One event when a record changed."""
    recount = DeadlineRecount(days=sorted(set(days)))
    types = _timed_types()
    if not recount.days or not types:
        return recount
    first, last = recount.days[0], recount.days[-1]
    cal = calendar.current()
    # Decided before the n-th working day before the first changed day, a record has
    # its deadline before that day, under the old schedule as under the new one (they
    # differ on `days` only).
    try:
        earliest = cal.add_workdays(first, -max(n for _, n in types.values()))
    except CalendarUnknownYear:
        earliest = date(first.year - 1, 1, 1)
    groups = (
        CreditRecord.objects.filter(
            record_type_id__in=list(types),
            decision_date__gte=earliest,
            decision_date__lt=last,
            deadline__gte=first,
        )
        .exclude(batch__channel=UPSTREAM)
        .values_list("record_type_id", "decision_date")
        .order_by()
        .distinct()
    )
    by_type: dict[int, set[date]] = {}
    for type_id, decided in groups:
        if decided is not None:
            by_type.setdefault(type_id, set()).add(decided)
    # (type, decision date, first changed day after it, new deadline or None)
    known: list[tuple[int, date, date, date]] = []
    pending: list[tuple[int, date, date]] = []
    for type_id, decided_days in by_type.items():
        deadlines = cal.deadline_for(decided_days, types[type_id][1], skip_unknown=True)
        for decided in sorted(decided_days):
            edited = min(d for d in recount.days if d > decided)
            due = deadlines.get(decided)
            if due is None:
                pending.append((type_id, decided, edited))
            else:
                known.append((type_id, decided, edited, due))
    if known:
        _redo_known(known, types, recount)
    if pending:
        _redo_pending(pending, recount)
    if recount.records:
        from xinyong.core.calendar_services import record_recount

        record_recount(
            actor=actor,
            action="collection.deadlines_recalculate",
            what="报送期限",
            days=recount.days,
            new=recount.as_json(),
        )
    return recount


# The records of one (type, decision date) whose deadline window holds a changed day.
_WINDOW = "record_type_id = %s AND decision_date = %s AND deadline >= %s"


def _close_late_warnings_sql(records: str) -> str:
    """Close the open late-record warnings of the records `records` selects, as resolved,
    their key freed (as quality._close does). Parameters: resolution, note, resolved_at,
    updated_at, kind, then those of `records`."""
    key = persist.qn("key")
    return (
        f"UPDATE {QualityWarning._meta.db_table} SET resolution = %s, resolution_note = %s, "
        f"resolved_at = %s, updated_at = %s, {key} = {key} || '#' || CAST(id AS TEXT) "
        f"WHERE kind = %s AND resolution = '' AND record_id IN ({records})"
    )


def _redo_known(
    groups: list[tuple[int, date, date, date]],
    types: dict[int, tuple[str, int]],
    recount: DeadlineRecount,
) -> None:
    records = CreditRecord._meta.db_table
    warnings = QualityWarning._meta.db_table
    changed = f"{_WINDOW} AND deadline <> %s AND {_own_report_sql()}"
    late = QualityWarning.Kind.LATE_RECORD.value
    now = str(persist.db_datetime(timezone.now()))
    live: list[tuple[int, date, date, date]] = []  # the groups with a record to change
    with connection.cursor() as cursor:
        for t, decided, edited, due in groups:
            cursor.execute(
                "SELECT COUNT(*), "
                "COALESCE(SUM(CASE WHEN reported_on > %s AND is_late = %s THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN reported_on <= %s AND is_late = %s THEN 1 ELSE 0 END), 0) "
                f"FROM {records} WHERE {changed}",
                [due, False, due, True, t, decided, edited, due],
            )
            n, turned_late, turned_on_time = cursor.fetchone()
            if not n:
                continue
            live.append((t, decided, edited, due))
            recount.records += int(n)
            recount.turned_late += int(turned_late)
            recount.turned_on_time += int(turned_on_time)
            if turned_on_time:
                recount.warnings_resolved += persist.execute(
                    _close_late_warnings_sql(
                        f"SELECT id FROM {records} WHERE {changed} "
                        "AND is_late = %s AND reported_on <= %s"
                    ),
                    [
                        QualityWarning.Resolution.RESOLVED.value,
                        LIFTED_LATE_NOTE.format(deadline=due.isoformat()),
                        now,
                        now,
                        late,
                        t,
                        decided,
                        edited,
                        due,
                        True,
                        due,
                    ],
                )
    if not live:
        return
    # Late before and after: the standing warning names the new deadline.
    persist.execute_many(
        f"UPDATE {warnings} SET updated_at = %s, message = (SELECT "
        f"{_late_message_sql('CAST(%s AS TEXT)')} FROM {records} "
        f"WHERE {records}.id = {warnings}.record_id) "
        f"WHERE kind = %s AND resolution = '' AND record_id IN (SELECT id FROM {records} "
        f"WHERE {changed} AND is_late = %s AND reported_on > %s)",
        [
            [
                now,
                _late_prefix(types[t][0]),
                due.isoformat(),
                late,
                t,
                decided,
                edited,
                due,
                True,
                due,
            ]
            for t, decided, edited, due in live
        ],
    )
    # Turned late: the warning the ingest raises, before the records change.
    persist.execute_many(
        _late_warnings_sql(f"{changed} AND is_late = %s AND reported_on > %s", "CAST(%s AS TEXT)"),
        [
            [
                now,
                now,
                late,
                _late_prefix(types[t][0]),
                due.isoformat(),
                t,
                decided,
                edited,
                due,
                False,
                due,
            ]
            for t, decided, edited, due in live
        ],
    )
    persist.execute_many(
        f"UPDATE {records} SET deadline = %s, is_late = (reported_on > %s) WHERE {changed}",
        [(due, due, t, decided, edited, due) for t, decided, edited, due in live],
    )


def _redo_pending(groups: list[tuple[int, date, date]], recount: DeadlineRecount) -> None:
    """The records whose deadline an edit pushed into a year not loaded: 期限未定, as if
    stored now; `settle_deadlines` computes it once that year is loaded."""
    records = CreditRecord._meta.db_table
    where = f"{_WINDOW} AND {_own_report_sql()}"
    now = str(persist.db_datetime(timezone.now()))
    for t, decided, edited in groups:
        recount.warnings_resolved += persist.execute(
            _close_late_warnings_sql(f"SELECT id FROM {records} WHERE {where} AND is_late = %s"),
            [
                QualityWarning.Resolution.RESOLVED.value,
                UNDETERMINED_LATE_NOTE,
                now,
                now,
                QualityWarning.Kind.LATE_RECORD.value,
                t,
                decided,
                edited,
                True,
            ],
        )
        n = persist.execute(
            f"UPDATE {records} SET deadline = NULL, is_late = %s WHERE {where}",
            [False, t, decided, edited],
        )
        recount.records += n
        recount.undetermined += n


# ---------------------------------------------------------------- the services


def _ignored_columns_warning(ignored: list[str]) -> str:
    # A file of 1,000 stray columns must not produce a 10 KB warning.
    shown = "、".join(ignored[:_MAX_LISTED_WARNINGS])
    more = f" 等 {len(ignored)} 列" if len(ignored) > _MAX_LISTED_WARNINGS else ""
    return f"已忽略未识别的列：{shown}{more}"


def _unreadable(
    *,
    actor: Any,
    unit: Unit,
    rt: RecordType,
    channel: str,
    filename: str,
    sha: str,
    reported_on: date,
    message: str,
    operator: str,
) -> Batch:
    with transaction.atomic():
        batch = Batch.objects.create(
            unit=unit,
            record_type=rt,
            channel=channel,
            filename=filename[:255],
            file_sha256=sha,
            reported_on=reported_on,
            status=Batch.Status.UNREADABLE,
            message=message,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        record_event(
            actor=actor,
            action="collection.ingest_unreadable",
            target_type=_TARGET,
            target_id=batch.pk,
            target_repr=f"{unit.name} {rt.name} {filename}".strip(),
            new={
                "message": message,
                "filename": filename,
                "channel": channel,
                "os_user": operator or None,
            },
        )
    return batch


def _run(
    *,
    actor: Any,
    unit: Any,
    record_type: Any,
    open_table: Callable[[], SourceTable],
    filename: str,
    reported_on: Any,
    channel: str,
    progress: Progress | None,
    strict: bool,
    operator: str,
) -> IngestResult:
    started = time.monotonic()
    if _PUSHED_DOWN.get():
        channel = UPSTREAM
    unit_obj = _resolve_unit(unit)
    rt, spec = _resolve_type(record_type)
    _check_permission(actor, unit_obj)
    day = _resolve_reported_on(reported_on)
    sha = ""
    try:
        table = open_table()
        sha = table.sha256
        colmap = map_headers(spec, table.headers, strict=strict)
        validator = Validator(
            spec, colmap, table.headers, today=timezone.localdate(), reported_on=day
        )
        with transaction.atomic():
            batch = Batch.objects.create(
                unit=unit_obj,
                record_type=rt,
                channel=channel,
                filename=filename[:255],
                file_sha256=sha,
                reported_on=day,
                headers=table.headers,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            persist.tune_for_bulk()
            loader = _Loader(
                batch=batch,
                actor=actor,
                rt=rt,
                spec=spec,
                unit=unit_obj,
                validator=validator,
                reported_on=day,
            )
            done = 0
            # Reading, validation and hashing of the next chunks run in a thread while this
            # one is stored: polars and the database drivers release the GIL, so the two
            # overlap on a second core.
            for chunk, prepared in read_ahead(table.chunks, loader.prepare, depth=1):
                if prepared is not None:
                    loader.store(*prepared)
                loader.flush_rejected()
                done += chunk.frame.height + len(chunk.ragged)
                if progress is not None:
                    progress(done, max(done, table.total_estimate))
            loader.finish()
            result = loader.result
            result.rows = done
            if done == 0:
                result.warnings.append("文件只有表头，没有数据行：本批没有导入任何记录。")
            if colmap.ignored:
                result.warnings.insert(0, _ignored_columns_warning(colmap.ignored))
            result.warnings[0:0] = table.warnings
            if loader.upstream:
                result.warnings.insert(0, UPSTREAM_NOTE)
            batch.rows = done
            batch.accepted = result.accepted
            batch.updated = result.updated
            batch.duplicates = result.duplicates
            batch.rejected = result.rejected
            batch.late = result.late
            batch.warnings = result.warnings
            batch.duration_ms = int((time.monotonic() - started) * 1000)
            batch.save()
            record_event(
                actor=actor,
                action="collection.ingest",
                target_type=_TARGET,
                target_id=batch.pk,
                target_repr=f"{unit_obj.name} {spec.name} {filename}".strip(),
                new={
                    "channel": channel,
                    "filename": filename,
                    "file_sha256": sha,
                    "reported_on": day,
                    "rows": result.rows,
                    "accepted": result.accepted,
                    "updated": result.updated,
                    "duplicates": result.duplicates,
                    "rejected": result.rejected,
                    "late": result.late,
                    # Corrected records (their old contents are RecordVersions of this batch).
                    "corrected_records": loader.corrected_ids[:1000],
                    "corrected_count": len(loader.corrected_ids),
                    # Records the city pushed down that this batch, the unit's own report,
                    # took over (some of them also in corrected_records).
                    "taken_over_records": loader.taken_over_ids[:1000],
                    "taken_over_count": len(loader.taken_over_ids),
                    "os_user": operator or None,
                },
            )
            if result.accepted or result.updated:
                # Inside the transaction: publicity windows and repair notices commit or
                # roll back with the batch (records.signals).
                batch_stored.send(
                    sender=Batch,
                    batch_id=batch.pk,
                    left_subject_ids=sorted(loader.left_subject_ids),
                )
    except UnreadableFile as exc:
        exc.batch = _unreadable(
            actor=actor,
            unit=unit_obj,
            rt=rt,
            channel=channel,
            filename=filename,
            sha=sha,
            reported_on=day,
            message=exc.message,
            operator=operator,
        )
        raise
    except IntegrityError as exc:
        raise DomainError(
            "写入时与同时进行的另一批报送冲突（同一记录被同时报送），本批未保存，请重试。"
        ) from exc
    if progress is not None:
        progress(result.rows, result.rows)
    return result


def ingest_file(
    *,
    actor: Any,
    unit: Any,
    record_type: Any,
    path: Path | str,
    filename: str | None = None,
    reported_on: Any = None,
    channel: str = Batch.Channel.UPLOAD,
    progress: Progress | None = None,
    operator: str = "",
    chunk_rows: int = CHUNK_ROWS,
) -> IngestResult:
    """Ingest a CSV/XLSX file for `unit` as `record_type` (docs/collection.md).

    `operator` is the OS user for CLI runs (recorded in the event). Raises DomainError
    (unknown unit/type, NotPermitted) before anything is stored, or UnreadableFile after
    recording an `unreadable` Batch."""
    path = Path(path)
    return _run(
        actor=actor,
        unit=unit,
        record_type=record_type,
        open_table=lambda: read_file(path, chunk_rows=chunk_rows),
        # A name that is not UTF-8 (a file from Windows) arrives as lone surrogates
        # (PEP 383), which neither the database nor the event's JSON can store: it is
        # kept as the GBK such names are in practice.
        filename=filename
        or (
            path.name.encode("utf-8", "surrogateescape").decode("gb18030", "replace")
            if any("\udc80" <= c <= "\udcff" for c in path.name)
            else path.name
        ),
        reported_on=reported_on,
        channel=channel,
        progress=progress,
        strict=True,
        operator=operator,
    )


def ingest_rows(
    *,
    actor: Any,
    unit: Any,
    record_type: Any,
    rows: list[dict[str, Any]],
    reported_on: Any = None,
    channel: str = Batch.Channel.API,
    operator: str = "",
) -> IngestResult:
    """Ingest rows from the API or the form: a list of dicts keyed by field code or
    Chinese label; `row` in errors is the 1-based item number. A field missing from every
    row is reported per row (必填项为空), not as an unreadable file."""
    return _run(
        actor=actor,
        unit=unit,
        record_type=record_type,
        open_table=lambda: rows_table(rows),
        filename="",
        reported_on=reported_on,
        channel=channel,
        progress=None,
        strict=False,
        operator=operator,
    )


# ---------------------------------------------------------------- rejected rows as XLSX


def rejected_rows_xlsx(batch: Batch) -> bytes:
    """The batch's rejected rows as an XLSX workbook: the row as written plus 行号, 错误列,
    错误原因 — ready to fix and re-send (the three extra columns are ignored on re-import).

    Formula injection: every cell is a string cell (never evaluated), and text a
    spreadsheet would read as a formula carries the cell's quote-prefix flag, the mark
    Excel and WPS set when a person types 'text: it shows and edits as text. Not
    `safe_cell`'s literal apostrophe, which would become part of the value when the fixed
    workbook is sent again ("-1 违法" stored as "'-1 违法")."""
    import xlsxwriter

    rows = list(RejectedRow.objects.filter(batch=batch).order_by("row_number"))
    headers: list[str] = [str(h) for h in (batch.headers or [])]
    for item in rows:
        for key in item.original or {}:
            if key not in headers:
                headers.append(key)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet("退回数据")
    head = workbook.add_format(
        {"bold": True, "bg_color": "#F2F2F2", "border": 1, "quote_prefix": True}
    )
    quoted = workbook.add_format({"quote_prefix": True})
    reason = workbook.add_format({"font_color": "#C00000", "quote_prefix": True})
    all_headers = [*headers, "行号", "错误列", "错误原因"]
    for col, name in enumerate(all_headers):
        sheet.write_string(0, col, name, head)
    for r, item in enumerate(rows, start=1):
        original = item.original or {}
        for col, name in enumerate(headers):
            value = original.get(name)
            if value is not None and value != "":
                text = str(value)
                sheet.write_string(r, col, text, quoted if looks_like_formula(text) else None)
        errors = item.errors or []
        columns = []
        for e in errors:
            column = e.get("column") or "整行"
            if column not in columns:
                columns.append(column)
        sheet.write_number(r, len(headers), item.row_number)
        sheet.write_string(r, len(headers) + 1, "、".join(columns), quoted)
        sheet.write_string(
            r,
            len(headers) + 2,
            "；".join(f"{e.get('column') or '整行'}：{e.get('message')}" for e in errors),
            reason,
        )
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, len(all_headers) - 1, 16)
    sheet.set_column(len(all_headers) - 1, len(all_headers) - 1, 60)
    workbook.close()
    return buffer.getvalue()
