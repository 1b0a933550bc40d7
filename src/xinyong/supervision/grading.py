"""Credit grades (A/B/C/D) from the evaluation model in force (DOMAIN.md §10).

- The model is data (EvaluationModel + Indicator, loaded from data/evaluation_model.json):
  base score, points per item, caps, cut-offs, versions with effective dates. No national
  cut-offs exist, so everything here is configurable and every score is explained.
- One computation serves everything: the record indicators are one set of conditional
  sums (`_record_sql`, a single pass over the records, GROUP BY subject), list membership
  and commitments one GROUP BY each (`_other_counts`), external results `_external`, and
  `_result` combines one subject's counts. `explain`, `compute_grade` and small
  `recompute_subjects` runs go through `_evaluate`; large runs (`recompute_batch` for a
  big batch, `recompute_subjects` of many subjects, `recompute_all`) keep the counts in
  temporary tables and compute `_result` once per distinct counts vector. A page never
  disagrees with the stored grade.
- A provincial or sector result (ExternalEvaluation) with `takes_precedence`, valid on
  the date, replaces the computed letter; the platform's own score stays beside it.
- Writes are set-based: only subjects whose grade, score, source, model or explanation
  differ are written, and a GradeChange row is written only when the grade or the score
  changed (a first grade included), so a second run writes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from xinyong.catalog.models import RecordType
from xinyong.collection.pipeline.persist import bulk_insert, db_datetime, is_postgres
from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.publicity.rules import add_months
from xinyong.subjects.models import Subject

from .loaders import KIND_PARAMS, check_cutoffs, check_params
from .models import (
    EvaluationModel,
    ExternalEvaluation,
    GradeChange,
    Indicator,
    SubjectGrade,
)

LETTERS = ("A", "B", "C", "D")
EXTERNAL_CODE = "EXTERNAL"
_IN_CHUNK = 500  # subject ids per IN (...) list in incremental runs


def _today() -> date:
    return timezone.localdate()


def _worse(a: str, b: str) -> str:
    return a if LETTERS.index(a) >= LETTERS.index(b) else b


def _as_list(value: Any) -> list[Any]:
    """A params value that may be one string or a list of them (severity, statuses)."""
    return [value] if isinstance(value, str) else list(value or [])


def _num(value: Decimal | float | int) -> float | int:
    """A JSON-friendly number: 5 rather than 5.0, 0.5 as is."""
    f = float(value)
    return int(f) if f == int(f) else round(f, 2)


# ---------------------------------------------------------------- the model in force


def model_in_force(on: date) -> EvaluationModel:
    """The active model whose effective interval contains `on` (latest start, then
    highest version wins)."""
    model = (
        EvaluationModel.objects.filter(active=True, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from", "-version")
        .first()
    )
    if model is None:
        raise DomainError(f"{on:%Y-%m-%d} 没有生效的信用评价模型，请先在配置管理中设定。")
    return model


def letter_for(score: Decimal | float, cutoffs: dict[str, Any]) -> str:
    """Cut-offs {"A": 90, "B": 75, "C": 60}: score >= A → A, >= B → B, >= C → C, else D."""
    s = float(score)
    for letter in ("A", "B", "C"):
        if letter in cutoffs and s >= float(cutoffs[letter]):
            return letter
    return "D"


@dataclass(frozen=True)
class _Ind:
    code: str
    name: str
    kind: str
    params: dict[str, Any]
    points: Decimal
    cap: Decimal | None
    max_grade: str | None


def _indicators(model: EvaluationModel) -> list[_Ind]:
    """The model's indicators, checked as the admin and the loader check them: a model
    written past them (shell, SQL) is refused with a message naming what to correct,
    rather than failing deep in a computation (inside an upload's transaction, the grade
    receiver runs there)."""
    fix = f"信用评价模型“{model}”配置有误，无法计算信用等级，请在配置管理中更正："
    check_cutoffs(model.cutoffs, fix)
    out = []
    for ind in model.indicators.order_by("order", "code"):
        params = check_params(ind.kind, ind.params, f"{fix}指标 {ind.code}：", strict=False)
        mg = params.get("max_grade")
        out.append(
            _Ind(
                code=ind.code,
                name=ind.name,
                kind=ind.kind,
                params=params,
                points=Decimal(ind.points),
                cap=Decimal(ind.cap) if ind.cap is not None else None,
                max_grade=str(mg) if mg in LETTERS else None,
            )
        )
    return out


# ---------------------------------------------------------------- contributions


@dataclass
class Contribution:
    code: str
    name: str
    count: int
    points_each: Decimal
    points: Decimal
    cap: Decimal | None
    capped: bool
    max_grade: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "count": self.count,
            "points_each": _num(self.points_each),
            "points": _num(self.points),
            "cap": _num(self.cap) if self.cap is not None else None,
            "capped": self.capped,
            "max_grade": self.max_grade,
        }


@dataclass
class GradeResult:
    subject_id: int
    model: EvaluationModel
    on: date
    score: Decimal
    computed_grade: str
    grade: str
    source: str
    contributions: list[Contribution]
    external: ExternalEvaluation | None = None
    floors: list[str] = field(default_factory=list)

    def stored_explanation(self) -> list[dict[str, Any]]:
        items = [c.as_dict() for c in self.contributions if c.count]
        if self.external is not None:
            ext = self.external
            items.append(
                {
                    "code": EXTERNAL_CODE,
                    "name": f"{ext.get_source_display()}：{ext.evaluator} "
                    f"{ext.evaluated_on:%Y-%m-%d} 评价为 {ext.grade}（优先采用）",
                    "grade": ext.grade,
                    "computed_grade": self.computed_grade,
                }
            )
        return items

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "on": self.on.isoformat(),
            "model": {"id": self.model.pk, "name": self.model.name, "version": self.model.version},
            "base_score": _num(self.model.base_score),
            "score": _num(self.score),
            "computed_grade": self.computed_grade,
            "grade": self.grade,
            "source": self.source,
            "floors": self.floors,
            "external": (
                {
                    "source": self.external.source,
                    "evaluator": self.external.evaluator,
                    "grade": self.external.grade,
                    "evaluated_on": self.external.evaluated_on.isoformat(),
                    "valid_until": (
                        self.external.valid_until.isoformat() if self.external.valid_until else None
                    ),
                }
                if self.external
                else None
            ),
            "contributions": [c.as_dict() for c in self.contributions],
        }


def _combine(
    inds: list[_Ind], counts: Sequence[int], base: Decimal, cutoffs: dict[str, Any]
) -> tuple[Decimal, str, list[Contribution], list[str]]:
    score = base
    contributions = []
    floors: list[str] = []
    for ind, n in zip(inds, counts, strict=True):
        raw = ind.points * n
        capped = ind.cap is not None and abs(raw) > ind.cap
        pts = (ind.cap if raw > 0 else -ind.cap) if capped and ind.cap is not None else raw
        score += pts
        contributions.append(
            Contribution(ind.code, ind.name, n, ind.points, pts, ind.cap, capped, ind.max_grade)
        )
        if n and ind.max_grade:
            floors.append(ind.code)
    grade = letter_for(score, cutoffs)
    for ind, n in zip(inds, counts, strict=True):
        if n and ind.max_grade:
            grade = _worse(grade, ind.max_grade)
    return score.quantize(Decimal("0.01")), grade, contributions, floors


# ---------------------------------------------------------------- aggregate queries


def _in_clause(column: str, ids: Sequence[int] | None) -> tuple[str, list[Any]]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


@dataclass
class _RecordSql:
    """The record indicators as SQL over `records_creditrecord r LEFT JOIN
    publicity_publicitywindow w`: one conditional sum per counted indicator (`slots` are
    their positions in the model), `any_sql` true for a row that counts for at least one
    of them, and the split used by the set-based runs (`window_sql`, `plain_types`)."""

    sums: list[str]
    params: list[Any]
    slots: list[int]
    any_sql: str
    any_params: list[Any]
    # True for a window that some severity/repaired indicator may count (never NULL when
    # the window exists: severity and end_reason are NOT NULL). Empty: no such indicator.
    window_sql: str
    window_params: list[Any]
    # Record types of the indicators without a window condition; None when one of them
    # counts every type (then the rows cannot be split by window).
    plain_types: list[int] | None
    plain_after: str | None  # every plain indicator needs a decision date after this
    on_s: str = ""
    conds: list[tuple[str, list[Any]]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return "r.status = 'active' AND r.decision_date <= %s"

    def sums_with_base(self) -> tuple[list[str], list[Any]]:
        """The sums with the base condition inside them, for a pass that keeps every
        row (a record that counts nothing still tells which subjects a batch holds)."""
        sqls: list[str] = []
        params: list[Any] = []
        for cond, p in self.conds:
            sqls.append(f"SUM(CASE WHEN {self.base} AND {cond} THEN 1 ELSE 0 END)")
            params.extend([self.on_s, *p])
        return sqls, params


def _record_sql(inds: list[_Ind], on: date) -> _RecordSql | None:
    rec = [(i, ind) for i, ind in enumerate(inds) if ind.kind in ("records", "repaired")]
    if not rec:
        return None
    codes = {str(ind.params.get("record_type", "")).upper() for _, ind in rec}
    type_ids = dict(RecordType.objects.filter(code__in=codes).values_list("code", "pk"))
    on_s = on.isoformat()
    out = _RecordSql([], [], [], "", [], "", [], [], None, on_s)
    not_repaired = "(w.end_reason IS NULL OR w.end_reason <> 'repaired' OR w.ended_on > %s)"
    any_conds: list[str] = []
    window_conds: list[str] = []
    plain_types: list[int] | None = []
    plain_after: list[str | None] = []
    for i, ind in rec:
        conds: list[str] = []
        p: list[Any] = []
        rt = str(ind.params.get("record_type", "")).upper()
        if rt:
            if rt not in type_ids:
                continue  # type not in the catalogue: the indicator counts nothing
            conds.append("r.record_type_id = %s")
            p.append(type_ids[rt])
        within = ind.params.get("within_months")
        after = add_months(on, -int(within)).isoformat() if within else None
        if after:
            conds.append("r.decision_date > %s")
            p.append(after)
        older = ind.params.get("older_than_months")
        if older:
            conds.append("r.decision_date <= %s")
            p.append(add_months(on, -int(older)).isoformat())
        if ind.kind == "repaired":
            # Repaired dishonesty on or before the date (publicity ended as 已修复).
            conds.append("r.nature = 'dishonest'")
            conds.append("w.end_reason = 'repaired' AND w.ended_on <= %s")
            p.append(on_s)
            window_conds.append("w.end_reason = 'repaired'")
        else:
            severity = ind.params.get("severity")
            if severity:
                values = [severity] if isinstance(severity, str) else list(severity)
                marks = ", ".join(["%s"] * len(values))
                conds.append(f"w.severity IN ({marks})")
                p.extend(values)
                window_conds.append(f"w.severity IN ({marks})")
                out.window_params.extend(values)
            else:
                if rt and plain_types is not None:
                    plain_types.append(type_ids[rt])
                else:
                    plain_types = None
                plain_after.append(after)
            conds.append(not_repaired)
            p.append(on_s)
        cond = " AND ".join(conds) or "1=1"
        out.sums.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)")
        out.params.extend(p)
        out.conds.append((cond, p))
        out.slots.append(i)
        any_conds.append(f"({cond})")
        out.any_params.extend(p)
    if not out.sums:
        return None
    out.any_sql = " OR ".join(any_conds)
    out.window_sql = " OR ".join(window_conds)
    out.plain_types = sorted(set(plain_types)) if plain_types is not None else None
    out.plain_after = min(a for a in plain_after if a) if plain_after and all(plain_after) else None
    return out


def _record_counts(inds: list[_Ind], on: date, ids: Sequence[int] | None) -> dict[int, list[int]]:
    """One pass over the records: a conditional count per record/repaired indicator."""
    rs = _record_sql(inds, on)
    if rs is None:
        return {}
    out: dict[int, list[int]] = {}
    n_ind = len(inds)
    chunks: Iterable[Sequence[int] | None] = (
        [ids[k : k + _IN_CHUNK] for k in range(0, len(ids), _IN_CHUNK)]
        if ids is not None
        else [None]
    )
    # A full run reads most records: on SQLite a plain table scan with a temporary B-tree
    # for the GROUP BY is ~6× faster than walking the subject index (random row lookups).
    scan_hint = " NOT INDEXED" if ids is None and not is_postgres() else ""
    with connection.cursor() as cursor:
        for chunk in chunks:
            in_sql, in_params = _in_clause("r.subject_id", chunk)
            sql = (
                f"SELECT r.subject_id, {', '.join(rs.sums)} "
                f"FROM records_creditrecord r{scan_hint} "
                "LEFT JOIN publicity_publicitywindow w ON w.record_id = r.id "
                f"WHERE {rs.base}{in_sql} AND ({rs.any_sql}) GROUP BY r.subject_id"
            )
            cursor.execute(sql, [*rs.params, on.isoformat(), *in_params, *rs.any_params])
            for row in cursor.fetchall():
                counts = [0] * n_ind
                for slot, value in zip(rs.slots, row[1:], strict=True):
                    counts[slot] = int(value or 0)
                out[row[0]] = counts
    return out


def _add(out: dict[int, list[int]], n_ind: int, sid: int, slot: int, n: int) -> None:
    counts = out.get(sid)
    if counts is None:
        counts = out[sid] = [0] * n_ind
    counts[slot] += n


def _other_counts(
    inds: list[_Ind],
    on: date,
    ids: Sequence[int] | None,
    out: dict[int, list[int]],
    among: str | None = None,
) -> None:
    """List membership (one GROUP BY over the entries in force) and commitments (one
    GROUP BY per indicator), added into `out`. `among`: a subquery of subject ids (a
    temporary table of a set-based run) instead of `ids`."""
    from xinyong.commitments.models import Commitment
    from xinyong.commitments.services import breach_cleared_q
    from xinyong.records.models import CreditRecord
    from xinyong.sanctions.lists import in_force_q
    from xinyong.sanctions.models import ListEntry

    n_ind = len(inds)
    by_kind = {
        str(ind.params.get("list_kind")): i for i, ind in enumerate(inds) if ind.kind == "list"
    }
    if by_kind:
        qs = ListEntry.objects.filter(in_force_q(on), list_type__kind__in=list(by_kind))
        qs = _only(qs, ids, among)
        rows = qs.values_list("subject_id", "list_type__kind").annotate(n=Count("id"))
        for sid, kind, n in rows:
            _add(out, n_ind, sid, by_kind[kind], n)
    for i, ind in enumerate(inds):
        if ind.kind not in ("commitment_kept", "commitment_broken"):
            continue
        default = ["kept"] if ind.kind == "commitment_kept" else ["broken"]
        # A single status written as a string, as `severity` may be ("broken").
        statuses = _as_list(ind.params.get("statuses")) or default
        # The day the fulfilment was established: the verification, else the flag of an
        # overdue 容缺/证明事项 commitment.
        day_q = Q(verified_on__isnull=False, verified_on__lte=on) | Q(
            verified_on__isnull=True, overdue_flagged_on__isnull=False, overdue_flagged_on__lte=on
        )
        status_q = Q(status__in=list(statuses))
        if ind.kind == "commitment_broken":
            # A 容缺受理型/证明事项型 commitment flagged 逾期未补正 stays 待核查, but its
            # deadline was missed: it counts as not fulfilled from the flag (dated by
            # overdue_flagged_on above) until a fulfilment is recorded.
            status_q |= Q(status=Commitment.Status.PENDING, overdue_flagged_on__isnull=False)
        cq = Commitment.objects.filter(day_q).filter(status_q)
        within = ind.params.get("within_months")
        if within:
            lo = add_months(on, -int(within))
            cq = cq.filter(
                Q(verified_on__gt=lo) | Q(verified_on__isnull=True, overdue_flagged_on__gt=lo)
            )
        if ind.kind == "commitment_broken":
            # A breach whose dishonesty record was withdrawn or repaired no longer costs
            # the breach points (the model's basis: 已撤销的记录不计分, a repaired one
            # counts only as repaired history), by the rule that lifts the 告知承诺 bar.
            cleared = CreditRecord.objects.filter(
                breach_cleared_q(on, expired=False), pk=OuterRef("breach_record_id")
            )
            cq = cq.exclude(Exists(cleared))
        cq = _only(cq, ids, among)
        for sid, n in (
            cq.values_list("subject_id").annotate(n=Count("id")).values_list("subject_id", "n")
        ):
            _add(out, n_ind, sid, i, n)


def _only(qs: Any, ids: Sequence[int] | None, among: str | None) -> Any:
    if among is not None:
        return qs.filter(subject_id__in=RawSQL(among, ()))
    if ids is not None:
        return qs.filter(subject_id__in=list(ids))
    return qs


_SOURCE_RANK: dict[str, int] = {"provincial": 0, "sector": 1}


def _precedence(ev: ExternalEvaluation) -> tuple[int, int, int]:
    """Sort key of external results, the one in precedence first: provincial before
    sector, then the latest evaluation, then the latest stored."""
    return (_SOURCE_RANK.get(ev.source, 9), -ev.evaluated_on.toordinal(), -ev.pk)


def _first_per_root(
    evaluations: Iterable[ExternalEvaluation], root_of: dict[int, int]
) -> dict[int, ExternalEvaluation]:
    """Per root subject, the result in precedence among its own and those of the subjects
    merged into it: a merge must not let a newer sector result beat a provincial one."""
    out: dict[int, ExternalEvaluation] = {}
    for ev in evaluations:
        root = root_of.get(ev.subject_id, ev.subject_id)
        if root not in out or _precedence(ev) < _precedence(out[root]):
            out[root] = ev
    return out


def _external(
    on: date, ids: Sequence[int] | None, among: str | None = None
) -> dict[int, ExternalEvaluation]:
    """Per subject, the result that takes precedence on `on` (`_precedence`)."""
    from xinyong.records.models import CreditRecord

    # A result reported as a record stands only while the record does (已撤销的记录不计分);
    # sync_sector_record drops it on withdrawal, this also covers results stored before.
    qs = (
        ExternalEvaluation.objects.filter(takes_precedence=True, evaluated_on__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .filter(Q(record__isnull=True) | Q(record__status=CreditRecord.Status.ACTIVE))
    )
    return _first_per_root(_only(qs, ids, among), {})


def _members(roots: Sequence[int]) -> dict[int, int]:
    """member subject id → root: each root and the subjects merged into it."""
    mapping = {r: r for r in roots}
    for k in range(0, len(roots), _IN_CHUNK):
        chunk = list(roots[k : k + _IN_CHUNK])
        for sid, root in Subject.objects.filter(merged_into_id__in=chunk).values_list(
            "pk", "merged_into_id"
        ):
            mapping[sid] = root
    return mapping


def _evaluate(
    model: EvaluationModel, on: date, roots: Sequence[int] | None
) -> tuple[list[_Ind], dict[int, list[int]], dict[int, ExternalEvaluation]]:
    """Counts per root subject (merged subjects' records count for the survivor) and the
    external results in precedence. `roots` None means every subject."""
    inds = _indicators(model)
    if roots is None:
        member_to_root = dict(
            Subject.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into_id")
        )
        query_ids: Sequence[int] | None = None
    else:
        member_to_root = _members(roots)
        query_ids = sorted(member_to_root)
    raw = _record_counts(inds, on, query_ids)
    _other_counts(inds, on, query_ids, raw)
    external = _external(on, query_ids)
    if member_to_root and any(m != r for m, r in member_to_root.items()):
        merged: dict[int, list[int]] = {}
        for sid, counts in raw.items():
            root = member_to_root.get(sid, sid)
            cur = merged.get(root)
            merged[root] = (
                counts if cur is None else [a + b for a, b in zip(cur, counts, strict=True)]
            )
        raw = merged
        external = _first_per_root(external.values(), member_to_root)
    return inds, raw, external


def _result(
    subject_id: int,
    model: EvaluationModel,
    on: date,
    inds: list[_Ind],
    counts: Sequence[int],
    ext: ExternalEvaluation | None,
) -> GradeResult:
    score, computed, contributions, floors = _combine(
        inds, counts, Decimal(model.base_score), dict(model.cutoffs or {})
    )
    grade, source = computed, str(SubjectGrade.Source.COMPUTED)
    if ext is not None:
        grade, source = ext.grade, ext.source
        # A legal fact known here (serious-dishonesty listing) still caps the letter.
        for c in contributions:
            if c.count and c.max_grade:
                grade = _worse(grade, c.max_grade)
    return GradeResult(
        subject_id, model, on, score, computed, grade, str(source), contributions, ext, floors
    )


def _root(subject: Subject | int) -> Subject:
    pk = subject.pk if isinstance(subject, Subject) else int(subject)
    s = Subject.objects.filter(pk=pk).first()
    if s is None:
        raise NotFoundError("没有这个信用主体。")
    if s.merged_into_id:
        s = Subject.objects.get(pk=s.merged_into_id)
    return s


def compute_grade(subject: Subject | int, on: date | None = None) -> GradeResult:
    """The grade of `subject` on `on` (default today) with every indicator's
    contribution; nothing is written."""
    day = on or _today()
    root = _root(subject)
    model = model_in_force(day)
    inds, counts, external = _evaluate(model, day, [root.pk])
    return _result(
        root.pk, model, day, inds, counts.get(root.pk, [0] * len(inds)), external.get(root.pk)
    )


def explain(subject: Subject | int, on: date | None = None) -> list[Contribution]:
    """Each indicator's contribution (indicator, count, points, capped?)."""
    return compute_grade(subject, on).contributions


# ---------------------------------------------------------------- writing


def _dump(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


_NORMALISED: dict[str, str] = {}


def _normalise(text: Any) -> str:
    if text is None:
        return "[]"
    if not isinstance(text, str):
        return _dump(text)
    hit = _NORMALISED.get(text)
    if hit is None:
        hit = _dump(json.loads(text))
        if len(_NORMALISED) < 100_000:
            _NORMALISED[text] = hit
    return hit


def _existing(ids: Sequence[int] | None) -> dict[int, tuple[str, float | None, str, Any, str]]:
    expl = "explanation::text" if is_postgres() else "explanation"
    out: dict[int, tuple[str, float | None, str, Any, str]] = {}
    base = (
        f"SELECT subject_id, grade, score, source, model_id, {expl} FROM supervision_subjectgrade"
    )
    with connection.cursor() as cursor:
        chunks: Iterable[Sequence[int] | None] = (
            [ids[k : k + _IN_CHUNK] for k in range(0, len(ids), _IN_CHUNK)]
            if ids is not None
            else [None]
        )
        for chunk in chunks:
            if chunk is None:
                cursor.execute(base)
            else:
                cursor.execute(
                    f"{base} WHERE subject_id IN ({', '.join(['%s'] * len(chunk))})", list(chunk)
                )
            for sid, grade, score, source, model_id, text in cursor.fetchall():
                out[sid] = (
                    grade,
                    float(score) if score is not None else None,
                    source,
                    model_id,
                    text,
                )
    return out


@dataclass
class RecomputeResult:
    on: date
    model: str
    subjects: int = 0
    written: int = 0
    changed: int = 0
    grades: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LETTERS, 0))
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "model": self.model,
            "subjects": self.subjects,
            "written": self.written,
            "changed": self.changed,
            "grades": self.grades,
            "seconds": round(self.seconds, 3),
        }


def _upsert(rows: list[tuple[Any, ...]]) -> None:
    cols = ("subject_id", "model_id", "score", "grade", "source", "explanation", "computed_at")
    update = ", ".join(f"{c} = excluded.{c}" for c in cols[1:])
    if not rows:
        return
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS tmp_subjectgrade "
                "(subject_id bigint, model_id bigint, score numeric, grade varchar(1), "
                "source varchar(12), explanation text, computed_at timestamptz) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE tmp_subjectgrade")
            bulk_insert("tmp_subjectgrade", cols, rows)
            cursor.execute(
                f"INSERT INTO supervision_subjectgrade ({', '.join(cols)}) "
                "SELECT subject_id, model_id, score, grade, source, explanation::jsonb, computed_at "
                f"FROM tmp_subjectgrade ON CONFLICT (subject_id) DO UPDATE SET {update}"
            )
        else:
            cursor.executemany(
                f"INSERT INTO supervision_subjectgrade ({', '.join(cols)}) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (subject_id) DO UPDATE SET {update}",
                rows,
            )


def _write(
    model: EvaluationModel,
    on: date,
    inds: list[_Ind],
    counts: dict[int, list[int]],
    external: dict[int, ExternalEvaluation],
    roots: Sequence[int],
    existing: dict[int, tuple[str, float | None, str, Any, str]],
    reason: str,
    result: RecomputeResult,
    chunk: int,
) -> None:
    now = timezone.now()
    now_db = db_datetime(now)
    zero = [0] * len(inds)
    cache: dict[tuple[int, ...], tuple[str, float, str, str]] = {}
    upserts: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []

    def flush() -> None:
        _upsert(upserts)
        if changes:
            bulk_insert(
                "supervision_gradechange",
                (
                    "subject_id",
                    "old_grade",
                    "new_grade",
                    "old_score",
                    "new_score",
                    "reason",
                    "changed_at",
                ),
                changes,
            )
        upserts.clear()
        changes.clear()

    for sid in roots:
        c = counts.get(sid, zero)
        ext = external.get(sid)
        if ext is None:
            key = tuple(c)
            hit = cache.get(key)
            if hit is None:
                r = _result(sid, model, on, inds, c, None)
                hit = cache[key] = (
                    r.grade,
                    float(r.score),
                    r.source,
                    _dump(r.stored_explanation()),
                )
            grade, score, source, expl = hit
        else:
            r = _result(sid, model, on, inds, c, ext)
            grade, score, source, expl = (
                r.grade,
                float(r.score),
                r.source,
                _dump(r.stored_explanation()),
            )
        result.grades[grade] += 1
        old = existing.get(sid)
        if old is not None:
            o_grade, o_score, o_source, o_model, o_text = old
            if (
                o_grade == grade
                and o_score is not None
                and round(o_score, 2) == round(score, 2)
                and o_source == source
                and o_model == model.pk
                and _normalise(o_text) == expl
            ):
                continue
        upserts.append((sid, model.pk, score, grade, source, expl, now_db))
        if old is None or old[0] != grade or old[1] is None or round(old[1], 2) != round(score, 2):
            changes.append(
                (
                    sid,
                    old[0] if old else "",
                    grade,
                    old[1] if old else None,
                    score,
                    reason[:200],
                    now_db,
                )
            )
            result.changed += 1
        result.written += 1
        if len(upserts) >= chunk:
            flush()
    flush()


# ---------------------------------------------------------------- set-based runs
#
# Above _SET_ABOVE subjects the work stays in the database. Temporary tables hold the
# subjects with their indicator counts (gr_cnt: one row per subject, one column per
# indicator of the model), the subjects merged into them (gr_member: member → root; a
# merged subject counts for its survivor) and one computed result per distinct counts
# vector (gr_vec): most subjects share a handful of vectors, so each explanation is built
# a few times, and the grades and their history are written by INSERT … SELECT joins
# instead of one Python tuple per subject. Subjects with an external result in
# precedence are computed one by one (their explanation names the evaluator).

_SET_ABOVE = 2_000
_TEMP_TABLES = ("gr_cnt", "gr_member", "gr_vec")
# PostgreSQL: big enough for the hash tables of a million-record batch (the default 4 MB
# spills them to disk); no JIT (it compiles for longer than these statements run).
_PG_SETTINGS = {"work_mem": "64MB", "jit": "off"}


@dataclass(frozen=True)
class _Scope:
    """What the caller already put in gr_cnt and how to find the records left to count.

    - everyone: every subject (one pass over all records).
    - batch (PostgreSQL): the batch's own records are counted; the members' other
      records are left.
    - lo..hi (SQLite): the batch's new records have these ids; `pure` when nothing else
      has an id in the range.
    - none of these: listed subjects, all their records are left."""

    everyone: bool = False
    batch: int | None = None
    lo: int = 0
    hi: int = 0
    pure: bool = False

    @property
    def ranged(self) -> bool:
        return self.hi >= self.lo > 0


def _sql(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return int(cursor.rowcount or 0)


def _fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def _many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, [list(r) for r in rows])


def _ordered_join() -> str:
    # SQLite has no statistics on temporary tables and may start a join from the wrong
    # side; CROSS JOIN keeps the written order there. PostgreSQL plans freely.
    return "JOIN" if is_postgres() else "CROSS JOIN"


def _drop_temp() -> None:
    schema = "pg_temp" if is_postgres() else "temp"
    for table in _TEMP_TABLES:
        _sql(f"DROP TABLE IF EXISTS {schema}.{table}")


def _create_temp(n_ind: int) -> None:
    pg = is_postgres()
    key = "bigint PRIMARY KEY" if pg else "INTEGER PRIMARY KEY"
    tail = " ON COMMIT DROP" if pg else ""
    _drop_temp()
    counts = "".join(f", c{i} integer NOT NULL DEFAULT 0" for i in range(n_ind))
    _sql(f"CREATE TEMP TABLE gr_cnt (subject_id {key}{counts}){tail}")
    _sql(f"CREATE TEMP TABLE gr_member (id {key}, root bigint NOT NULL){tail}")
    vcols = "".join(f"c{i} integer, " for i in range(n_ind))
    _sql(
        f"CREATE TEMP TABLE gr_vec (vid {key}, {vcols}grade varchar(1), score decimal(7, 2), "
        f"source varchar(12), explanation {'jsonb' if pg else 'text'}){tail}"
    )


def _pg_set(name: str, value: str) -> str:
    """Set a PostgreSQL setting for the rest of the transaction; returns the old value
    (set back when the run ends, so that the rest of the caller's transaction runs as
    before)."""
    old = str(_fetch(f"SELECT current_setting('{name}')")[0][0])
    _sql("SELECT set_config(%s, %s, true)", [name, value])
    return old


def _analyze(*tables: str) -> None:
    if is_postgres():
        for table in tables:
            _sql(f"ANALYZE {table}")


def _add_on_conflict(cols: Sequence[str]) -> str:
    return " ON CONFLICT (subject_id) DO UPDATE SET " + ", ".join(
        f"{c} = gr_cnt.{c} + excluded.{c}" for c in cols
    )


def _fill_batch(batch_id: int, rs: _RecordSql | None, n_ind: int) -> _Scope:
    """gr_cnt ← every subject holding a record of the batch."""
    if is_postgres():
        if rs is None:
            _sql(
                "INSERT INTO gr_cnt (subject_id) SELECT DISTINCT subject_id "
                "FROM records_creditrecord WHERE batch_id = %s",
                [batch_id],
            )
        else:
            # One pass over the batch's records gives its subjects and what these records
            # count. When the rows split (see _count_records), only the windows some
            # indicator may count are joined, and the records of the other indicators'
            # types without such a window are counted afterwards with the members' other
            # records.
            sums, params = rs.sums_with_base()
            window = "publicity_publicitywindow"
            if _splits(rs):
                sums = [f"COALESCE({s} FILTER (WHERE w.record_id IS NOT NULL), 0)" for s in sums]
                window = f"(SELECT * FROM publicity_publicitywindow w WHERE {rs.window_sql})"
                params = [*params, *rs.window_params]
            # The batch is not committed, so the statistics know nothing of its records
            # and would have one window looked up per record, then sort a million rows
            # to group them: hash join and hash aggregate. CREATE TABLE AS (unlike
            # INSERT … SELECT) may run the pass in parallel workers.
            nestloop = _pg_set("enable_nestloop", "off")
            sort = _pg_set("enable_sort", "off")
            by_slot = dict(zip(rs.slots, sums, strict=True))
            columns = ", ".join(f"{by_slot.get(i, '0')}::integer AS c{i}" for i in range(n_ind))
            _sql("DROP TABLE pg_temp.gr_cnt")
            _sql(
                "CREATE TEMP TABLE gr_cnt ON COMMIT DROP AS "
                f"SELECT r.subject_id, {columns} FROM records_creditrecord r "
                f"LEFT JOIN {window} w ON w.record_id = r.id "
                "WHERE r.batch_id = %s GROUP BY r.subject_id",
                [*params, batch_id],
            )
            _sql(
                "ALTER TABLE gr_cnt ADD PRIMARY KEY (subject_id), "
                + ", ".join(f"ALTER COLUMN c{i} SET DEFAULT 0" for i in range(n_ind))
            )
            _pg_set("enable_nestloop", nestloop)
            _pg_set("enable_sort", sort)
        return _Scope(batch=batch_id)
    insert = "INSERT INTO gr_cnt (subject_id) SELECT DISTINCT subject_id FROM records_creditrecord "
    hi = _fetch("SELECT MAX(id) FROM records_creditrecord WHERE batch_id = %s", [batch_id])[0][0]
    first = _fetch(
        "SELECT id FROM records_creditrecord WHERE batch_id = %s AND version = 1 "
        "ORDER BY id LIMIT 1",
        [batch_id],
    )
    if hi is None or not first:
        _sql(f"{insert}WHERE batch_id = %s", [batch_id])
        return _Scope()
    lo = int(first[0][0])
    # The batch's new records take consecutive ids (one writer at a time on SQLite): when
    # the batch index holds hi − lo + 1 of them, the range holds nothing else, and its
    # subjects come from the subject index alone ("+id" keeps SQLite off the rowid range,
    # which would read every record row) instead of one table row per record.
    in_range = _fetch(
        "SELECT COUNT(*) FROM records_creditrecord WHERE batch_id = %s AND id BETWEEN %s AND %s",
        [batch_id, lo, hi],
    )[0][0]
    if in_range != hi - lo + 1:
        _sql(f"{insert}WHERE batch_id = %s", [batch_id])
        return _Scope(lo=lo, hi=hi)
    _sql(f"{insert}WHERE +id BETWEEN %s AND %s", [lo, hi])
    # Corrected records keep their older ids.
    _sql(
        f"{insert}WHERE batch_id = %s AND (id < %s OR id > %s) ON CONFLICT (subject_id) DO NOTHING",
        [batch_id, lo, hi],
    )
    return _Scope(lo=lo, hi=hi, pure=True)


def _fill_listed(ids: Iterable[int]) -> _Scope:
    bulk_insert("gr_cnt", ("subject_id",), ((i,) for i in sorted(set(ids))))
    _sql(
        "DELETE FROM gr_cnt WHERE NOT EXISTS "
        "(SELECT 1 FROM subjects_subject s WHERE s.id = gr_cnt.subject_id)"
    )
    return _Scope()


def _fill_everyone() -> _Scope:
    _sql(
        "INSERT INTO gr_cnt (subject_id) SELECT id FROM subjects_subject WHERE merged_into_id IS NULL"
    )
    _sql(
        "INSERT INTO gr_member (id, root) "
        "SELECT id, merged_into_id FROM subjects_subject WHERE merged_into_id IS NOT NULL"
    )
    return _Scope(everyone=True)


def _resolve_roots() -> None:
    """gr_member ← the subjects of gr_cnt merged into another one (their root joins
    gr_cnt) and every subject merged into a subject of gr_cnt."""
    join = _ordered_join()
    moved = _fetch(
        f"SELECT s.id, s.merged_into_id FROM subjects_subject s {join} gr_cnt c "
        "ON c.subject_id = s.id WHERE s.merged_into_id IS NOT NULL"
    )
    _many("INSERT INTO gr_member (id, root) VALUES (%s, %s)", moved)
    _many(
        "INSERT INTO gr_cnt (subject_id) VALUES (%s) ON CONFLICT (subject_id) DO NOTHING",
        [(root,) for _, root in moved],
    )
    absorbed = _fetch(
        f"SELECT s.id, s.merged_into_id FROM subjects_subject s {join} gr_cnt c "
        "ON c.subject_id = s.merged_into_id WHERE s.merged_into_id IS NOT NULL"
    )
    _many("INSERT INTO gr_member (id, root) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING", absorbed)


def _splits(rs: _RecordSql) -> bool:
    """Whether the rows that can count split into those with a window some
    severity/repaired indicator may count and those of the other indicators' types
    without such a window (every other indicator names its type)."""
    return bool(rs.window_sql) and rs.plain_types is not None


def _count_records(rs: _RecordSql, on: date, scope: _Scope, merged: bool) -> None:
    """gr_cnt += the record indicators of the records `scope` leaves to count (keyed by
    the record's subject, a member or a root)."""
    cols = [f"c{s}" for s in rs.slots]
    head = (
        f"INSERT INTO gr_cnt (subject_id, {', '.join(cols)}) "
        f"SELECT r.subject_id, {', '.join(rs.sums)} "
    )
    tail = f" GROUP BY r.subject_id{_add_on_conflict(cols)}"
    window = "LEFT JOIN publicity_publicitywindow w ON w.record_id = r.id"
    base_params = [on.isoformat(), *rs.any_params]

    def run(source: str, where: str, params: Sequence[Any]) -> None:
        _sql(
            f"{head}FROM {source} WHERE {where} AND {rs.base} AND ({rs.any_sql}){tail}",
            [*rs.params, *params, *base_params],
        )

    if scope.everyone:
        # A full run reads most records: on SQLite a plain table scan with a temporary
        # B-tree for the GROUP BY is ~6× faster than walking the subject index.
        hint = "" if is_postgres() else " NOT INDEXED"
        run(f"records_creditrecord r{hint} {window}", "1=1", [])
        return
    members = "SELECT subject_id FROM gr_cnt" + (
        " UNION ALL SELECT id FROM gr_member" if merged else ""
    )
    member = f"r.subject_id IN ({members})"
    split = _splits(rs)
    if is_postgres():
        other = "r.batch_id IS DISTINCT FROM %s AND " if scope.batch is not None else ""
        other_params = [scope.batch] if scope.batch is not None else []
        if split and scope.batch is not None:
            _count_plain(rs, run, "r.batch_id = %s", [scope.batch])
        if scope.batch is not None and _only_batch(scope.batch):
            return
        if not split:
            run(f"records_creditrecord r {window}", f"{other}{member}", other_params)
            return
        # The rows that can count: those whose publicity window some severity/repaired
        # indicator may count, and the records of the other indicators' types without
        # such a window. Both are far fewer than the members' records.
        run(
            "publicity_publicitywindow w JOIN records_creditrecord r ON r.id = w.record_id",
            f"({rs.window_sql}) AND {other}{member}",
            [*rs.window_params, *other_params],
        )
        _count_plain(rs, run, f"{other}{member}", other_params)
        return
    # Driving tables: gr_cnt, and the members not in it (a merged subject of the batch
    # is in both).
    drivers = [("gr_cnt m", "m.subject_id", "1=1")]
    if merged:
        drivers.append(
            (
                "gr_member m",
                "m.id",
                "NOT EXISTS (SELECT 1 FROM gr_cnt c WHERE c.subject_id = m.id)",
            )
        )
    if not scope.ranged:
        # SQLite, listed subjects: through the subject index, one subject at a time.
        for table, key, where in drivers:
            run(
                f"{table} CROSS JOIN records_creditrecord r ON r.subject_id = {key} {window}",
                where,
                [],
            )
        return
    only = "" if scope.pure else f" AND {member}"
    if split:
        run(
            "publicity_publicitywindow w CROSS JOIN records_creditrecord r ON r.id = w.record_id",
            f"w.record_id BETWEEN %s AND %s AND ({rs.window_sql}){only}",
            [scope.lo, scope.hi, *rs.window_params],
        )
        _count_plain(rs, run, f"+r.id BETWEEN %s AND %s{only}", [scope.lo, scope.hi])
    else:
        run(
            f"records_creditrecord r {window}",
            f"r.id BETWEEN %s AND %s{only}",
            [scope.lo, scope.hi],
        )
    # The members' other records (older batches), through the subject index: its entries
    # carry the record id, so the records of the range are skipped without being read.
    for table, key, where in drivers:
        run(
            f"{table} CROSS JOIN records_creditrecord r ON r.subject_id = {key} {window}",
            f"{where} AND (r.id < %s OR r.id > %s)",
            [scope.lo, scope.hi],
        )


def _only_batch(batch_id: int) -> bool:
    """No record outside this batch (the first batch of a new platform): two ends of the
    batch index and one probe for records without a batch, instead of a pass over
    every record to find none."""
    low, high = _fetch("SELECT MIN(batch_id), MAX(batch_id) FROM records_creditrecord")[0]
    if low != batch_id or high != batch_id:
        return False
    return not _fetch("SELECT 1 FROM records_creditrecord WHERE batch_id IS NULL LIMIT 1")


def _count_plain(rs: _RecordSql, run: Any, where: str, params: list[Any]) -> None:
    """Records counted by the indicators without a window condition (by type), except
    those already counted through their window."""
    if not rs.plain_types:
        return
    marks = ", ".join(["%s"] * len(rs.plain_types))
    after = " AND r.decision_date > %s" if rs.plain_after else ""
    run(
        "records_creditrecord r LEFT JOIN publicity_publicitywindow w ON w.record_id = r.id",
        f"r.record_type_id IN ({marks}){after} AND {where} "
        f"AND (w.record_id IS NULL OR NOT ({rs.window_sql}))",
        [
            *rs.plain_types,
            *([rs.plain_after] if rs.plain_after else []),
            *params,
            *rs.window_params,
        ],
    )


def _count_others(inds: list[_Ind], on: date, scope: _Scope, merged: bool) -> None:
    """gr_cnt += list membership and commitments, then the members' counts go to their
    root and the members leave gr_cnt."""
    n_ind = len(inds)
    cols = [f"c{i}" for i in range(n_ind)]
    members = "SELECT subject_id FROM gr_cnt" + (
        " UNION ALL SELECT id FROM gr_member" if merged else ""
    )
    other: dict[int, list[int]] = {}
    _other_counts(inds, on, None, other, among=None if scope.everyone else members)
    if other and cols:
        _many(
            f"INSERT INTO gr_cnt (subject_id, {', '.join(cols)}) "
            f"VALUES ({', '.join(['%s'] * (n_ind + 1))}){_add_on_conflict(cols)}",
            [(sid, *c) for sid, c in other.items()],
        )
    if merged:
        if cols:
            _sql(
                f"INSERT INTO gr_cnt (subject_id, {', '.join(cols)}) "
                f"SELECT m.root, {', '.join(f'SUM(c.{c})' for c in cols)} "
                "FROM gr_cnt c JOIN gr_member m ON m.id = c.subject_id "
                f"WHERE 1=1 GROUP BY m.root{_add_on_conflict(cols)}"
            )
        _sql("DELETE FROM gr_cnt WHERE subject_id IN (SELECT id FROM gr_member)")


def _set_external(scope: _Scope, on: date, merged: bool) -> dict[int, ExternalEvaluation]:
    """The external results in precedence, per root (as `_evaluate` merges them)."""
    among = None
    if not scope.everyone:
        among = "SELECT subject_id FROM gr_cnt" + (
            " UNION ALL SELECT id FROM gr_member" if merged else ""
        )
    external = _external(on, None, among=among)
    if not external or not merged:
        return external
    return _first_per_root(external.values(), dict(_fetch("SELECT id, root FROM gr_member")))


def _write_set(
    model: EvaluationModel,
    on: date,
    inds: list[_Ind],
    external: dict[int, ExternalEvaluation],
    reason: str,
    result: RecomputeResult,
) -> None:
    """Grade every subject of gr_cnt (its roots, with their counts) and write what
    changed, as `_write` does one subject at a time."""
    cols = [f"c{i}" for i in range(len(inds))]
    col_list = ", ".join(cols)
    pg = is_postgres()

    ext_roots = sorted(external)
    ext_counts: dict[int, list[int]] = {}
    for k in range(0, len(ext_roots), _IN_CHUNK):
        part = ext_roots[k : k + _IN_CHUNK]
        marks = ", ".join(["%s"] * len(part))
        for row in _fetch(f"SELECT * FROM gr_cnt WHERE subject_id IN ({marks})", part):
            ext_counts[row[0]] = [int(v) for v in row[1:]]
        _sql(f"DELETE FROM gr_cnt WHERE subject_id IN ({marks})", part)
    if ext_roots:
        existing = _existing(ext_roots)
        _write(model, on, inds, ext_counts, external, ext_roots, existing, reason, result, 5000)

    # Most subjects of a batch count nothing at all: the zero vector is what is left.
    vectors: list[tuple[Any, ...]] = []
    if cols:
        nonzero = " OR ".join(f"{c} <> 0" for c in cols)
        vectors = _fetch(
            f"SELECT {col_list}, COUNT(*) FROM gr_cnt WHERE {nonzero} GROUP BY {col_list}"
        )
    zeros = int(_fetch("SELECT COUNT(*) FROM gr_cnt")[0][0]) - sum(int(v[-1]) for v in vectors)
    if zeros:
        vectors.append((*([0] * len(cols)), zeros))
    vec_rows = []
    for vid, row in enumerate(vectors, start=1):
        r = _result(0, model, on, inds, [int(v) for v in row[:-1]], None)
        result.grades[r.grade] += int(row[-1])
        vec_rows.append(
            (vid, *row[:-1], r.grade, float(r.score), r.source, _dump(r.stored_explanation()))
        )
    bulk_insert("gr_vec", ("vid", *cols, "grade", "score", "source", "explanation"), vec_rows)
    if cols and not pg:
        _sql(f"CREATE INDEX temp.gr_vec_counts ON gr_vec ({col_list})")
    _analyze("gr_cnt", "gr_vec")

    match = " AND ".join(f"v.{c} = c.{c}" for c in cols) or "1=1"
    pairs = f"FROM gr_cnt c JOIN gr_vec v ON {match} "
    old = "LEFT JOIN supervision_subjectgrade g ON g.subject_id = c.subject_id "
    moved = (
        "(g.subject_id IS NULL OR g.grade <> v.grade OR g.score IS NULL "
        "OR ROUND(g.score, 2) <> ROUND(v.score, 2))"
    )
    differs = (
        f"({moved} OR g.source <> v.source OR g.model_id IS NULL OR g.model_id <> %s "
        "OR g.explanation <> v.explanation)"
    )
    now_db = db_datetime(timezone.now())
    cols_out = "(subject_id, model_id, score, grade, source, explanation, computed_at) "
    select = f"SELECT c.subject_id, %s, v.score, v.grade, v.source, v.explanation, %s {pairs}"
    upsert = (
        f"INSERT INTO supervision_subjectgrade {cols_out}{select}{old}WHERE {differs} "
        "ORDER BY c.subject_id ON CONFLICT (subject_id) DO UPDATE SET "
        + ", ".join(
            f"{c} = excluded.{c}"
            for c in ("model_id", "score", "grade", "source", "explanation", "computed_at")
        )
    )
    history = (
        "INSERT INTO supervision_gradechange "
        "(subject_id, old_grade, new_grade, old_score, new_score, reason, changed_at) "
    )
    graded = _fetch(
        f"SELECT 1 FROM gr_cnt c {_ordered_join()} supervision_subjectgrade g "
        "ON g.subject_id = c.subject_id LIMIT 1"
    )
    if not graded:
        # None has a grade yet (a batch of new subjects): each gets its first grade and
        # its first history row, written without looking up old ones. A grade written
        # for one of them meanwhile by another transaction makes the plain INSERT fail;
        # the general path below then applies.
        try:
            with transaction.atomic():
                changed = _sql(
                    f"{history}SELECT c.subject_id, '', v.grade, NULL, v.score, %s, %s "
                    f"{pairs}ORDER BY c.subject_id",
                    [reason[:200], now_db],
                )
                written = _sql(
                    f"INSERT INTO supervision_subjectgrade {cols_out}{select}ORDER BY c.subject_id",
                    [model.pk, now_db],
                )
        except IntegrityError:
            pass
        else:
            result.changed += changed
            result.written += written
            return
    if not pg:
        # SQLite keeps the explanation as text: one written in another layout (not by
        # _dump) but with the same content is not a change.
        same_but_text = [
            (sid,)
            for sid, o_text, n_text in _fetch(
                f"SELECT c.subject_id, g.explanation, v.explanation {pairs}"
                "JOIN supervision_subjectgrade g ON g.subject_id = c.subject_id "
                "WHERE g.grade = v.grade AND g.score IS NOT NULL "
                "AND ROUND(g.score, 2) = ROUND(v.score, 2) AND g.source = v.source "
                "AND g.model_id = %s AND g.explanation <> v.explanation",
                [model.pk],
            )
            if _normalise(o_text) == n_text
        ]
        _many("DELETE FROM gr_cnt WHERE subject_id = %s", same_but_text)
    result.changed += _sql(
        f"{history}SELECT c.subject_id, COALESCE(g.grade, ''), v.grade, g.score, v.score, %s, %s "
        f"{pairs}{old}WHERE {moved} ORDER BY c.subject_id",
        [reason[:200], now_db],
    )
    if not pg:
        result.written += _sql(upsert, [model.pk, now_db, model.pk])
        return
    # PostgreSQL: ON CONFLICT costs about half as much again as a plain INSERT of a new
    # row; the grades that exist are updated, the others inserted (upsert as above if
    # one was written meanwhile).
    try:
        with transaction.atomic():
            written = _sql(
                "UPDATE supervision_subjectgrade g SET model_id = %s, score = v.score, "
                "grade = v.grade, source = v.source, explanation = v.explanation, "
                f"computed_at = %s {pairs}WHERE g.subject_id = c.subject_id AND {differs}",
                [model.pk, now_db, model.pk],
            )
            written += _sql(
                f"INSERT INTO supervision_subjectgrade {cols_out}{select}"
                "WHERE NOT EXISTS (SELECT 1 FROM supervision_subjectgrade g "
                "WHERE g.subject_id = c.subject_id) ORDER BY c.subject_id",
                [model.pk, now_db],
            )
    except IntegrityError:
        written = _sql(upsert, [model.pk, now_db, model.pk])
    result.written += written


def _set_run(
    model: EvaluationModel,
    on: date,
    reason: str,
    fill: Callable[[_RecordSql | None, int], _Scope],
) -> tuple[RecomputeResult, int | None]:
    """One set-based run inside temporary tables: `fill(rs, n)` puts the subjects into
    gr_cnt (and may count some records already) and says what is left to count. Also
    returns the subject's id when there is exactly one (the audit event names it)."""
    result = RecomputeResult(on=on, model=str(model))
    inds = _indicators(model)
    rs = _record_sql(inds, on)
    pg = is_postgres()
    saved = {k: _pg_set(k, v) for k, v in _PG_SETTINGS.items()} if pg else {}
    _create_temp(len(inds))
    scope = fill(rs, len(inds))
    if not scope.everyone:
        _resolve_roots()
    merged = bool(_fetch("SELECT 1 FROM gr_member LIMIT 1"))
    _analyze("gr_cnt", "gr_member")
    if rs is not None:
        _count_records(rs, on, scope, merged)
    _count_others(inds, on, scope, merged)
    result.subjects = int(_fetch("SELECT COUNT(*) FROM gr_cnt")[0][0])
    only = _fetch("SELECT subject_id FROM gr_cnt")[0][0] if result.subjects == 1 else None
    external = _set_external(scope, on, merged)
    _write_set(model, on, inds, external, reason, result)
    _drop_temp()
    for name, value in saved.items():
        _pg_set(name, value)
    return result, (int(only) if only is not None else None)


def recompute_subjects(
    ids: Iterable[int],
    *,
    on: date | None = None,
    reason: str = "信用信息变化",
    actor: Any = None,
) -> RecomputeResult:
    """Incremental: recompute only these subjects (merged ones count for their survivor)."""
    day = on or _today()
    started = time.perf_counter()
    wanted = {int(i) for i in ids if i is not None}
    if not wanted:
        return RecomputeResult(on=day, model="")
    model = model_in_force(day)
    with transaction.atomic():
        if len(wanted) > _SET_ABOVE:
            result, only = _set_run(model, day, reason, lambda rs, n: _fill_listed(wanted))
        else:
            roots = sorted(
                {root or sid for sid, root in _pairs(Subject.objects.filter(pk__in=wanted), wanted)}
            )
            result = RecomputeResult(on=day, model=str(model), subjects=len(roots))
            only = roots[0] if len(roots) == 1 else None
            inds, counts, external = _evaluate(model, day, roots)
            existing = _existing(roots)
            _write(model, day, inds, counts, external, roots, existing, reason, result, 5000)
        result.seconds = time.perf_counter() - started
        _subjects_event(result, only, reason, actor)
    return result


def recompute_batch(batch_id: int, *, on: date | None = None, actor: Any = None) -> RecomputeResult:
    """Receiver body: recompute the subjects holding a record of the batch (stored in
    the current transaction). A large batch is graded set-based from its own records."""
    reason = f"批次 {batch_id} 信用信息入库"
    head = _fetch(
        "SELECT subject_id FROM records_creditrecord WHERE batch_id = %s LIMIT %s",
        [batch_id, _SET_ABOVE + 1],
    )
    if len(head) <= _SET_ABOVE:
        return recompute_subjects({row[0] for row in head}, on=on, reason=reason, actor=actor)
    day = on or _today()
    started = time.perf_counter()
    model = model_in_force(day)
    with transaction.atomic():
        result, only = _set_run(model, day, reason, lambda rs, n: _fill_batch(batch_id, rs, n))
        result.seconds = time.perf_counter() - started
        _subjects_event(result, only, reason, actor)
    return result


def _subjects_event(result: RecomputeResult, only: int | None, reason: str, actor: Any) -> None:
    if result.written:
        record_event(
            actor=actor,
            action="supervision.grades.recompute_subjects",
            target_type="supervision.SubjectGrade",
            target_id=only if only is not None else "",
            target_repr=f"{result.subjects} 个主体（{reason}）",
            new=result.as_dict(),
        )


def _pairs(qs: Any, wanted: set[int]) -> list[tuple[int, int | None]]:
    pairs: list[tuple[int, int | None]] = []
    ordered = sorted(wanted)
    for k in range(0, len(ordered), _IN_CHUNK):
        pairs.extend(
            Subject.objects.filter(pk__in=ordered[k : k + _IN_CHUNK]).values_list(
                "pk", "merged_into_id"
            )
        )
    return pairs


def recompute_all(
    on: date | None = None,
    *,
    actor: Any = None,
    reason: str = "全量重新评价",
) -> RecomputeResult:
    """Full, set-based recompute of every (not merged-away) subject."""
    day = on or _today()
    started = time.perf_counter()
    model = model_in_force(day)
    with transaction.atomic():
        result, _ = _set_run(model, day, reason, lambda rs, n: _fill_everyone())
        drop_merged_grades()
        result.seconds = time.perf_counter() - started
        record_event(
            actor=actor,
            action="supervision.grades.recompute",
            target_type="supervision.SubjectGrade",
            target_id="",
            target_repr=f"{day:%Y-%m-%d} 全量评价（{model}）",
            new=result.as_dict(),
        )
    return result


def drop_merged_grades(ids: Sequence[int] | None = None) -> int:
    """Delete the grades of merged-away subjects (of `ids`, or all): their records count
    for the survivor, which holds the one grade (distribution() and the draw pools read
    grades by row). Their GradeChange history stays."""
    qs = SubjectGrade.objects.filter(subject__merged_into__isnull=False)
    if ids is not None:
        qs = qs.filter(subject_id__in=list(ids))
    return int(qs.delete()[0])


# ---------------------------------------------------------------- reads


def grade_of(subject: Subject | int) -> SubjectGrade | None:
    root = _root(subject)
    return SubjectGrade.objects.select_related("model").filter(subject_id=root.pk).first()


def distribution() -> dict[str, int]:
    counts = dict.fromkeys(LETTERS, 0)
    for grade, n in (
        SubjectGrade.objects.values_list("grade").annotate(n=Count("pk")).values_list("grade", "n")
    ):
        counts[grade] = n
    return counts


def history(subject: Subject | int, limit: int = 50) -> list[GradeChange]:
    root = _root(subject)
    return list(
        GradeChange.objects.filter(subject_id=root.pk).order_by("-changed_at", "-id")[:limit]
    )


def model_indicators(model: EvaluationModel) -> list[Indicator]:
    return list(model.indicators.order_by("order", "code"))


def _window(params: dict[str, Any], verb: str) -> str:
    within, older = params.get("within_months"), params.get("older_than_months")
    if within and older:
        return f"{older} 个月以前、{within} 个月以内{verb}"
    if within:
        return f"近 {within} 个月内{verb}"
    if older:
        return f"{older} 个月以前{verb}"
    return "不限时间"


def condition_text(kind: str, params: dict[str, Any], type_names: dict[str, str]) -> str:
    """An indicator's condition as a sentence (what `_record_sql` / `_other_counts`
    count), for the model page: "行政处罚，失信程度为一般、不分级；近 36 个月内作出".
    `type_names`: the catalogue's record type names by code."""
    from xinyong.catalog.models import Severity
    from xinyong.commitments.models import Commitment
    from xinyong.sanctions.models import ListType

    def label(choices: Any, value: Any) -> str:
        return str(choices(value).label) if value in choices.values else str(value)

    params = dict(params or {})
    rt = str(params.get("record_type") or "").upper()
    type_text = ""
    if rt:
        name = type_names.get(rt)
        type_text = name if name else f"{rt}（目录中没有该类别，不计数）"
    parts: list[str]
    if kind == "records":
        what = type_text or "任一类别的信用记录"
        severity = _as_list(params.get("severity"))
        if severity:
            what += "，失信程度为" + "、".join(label(Severity, s) for s in severity)
        parts = [what, _window(params, "作出")]
    elif kind == "repaired":
        what = "已信用修复的失信记录" + (f"（{type_text}）" if type_text else "")
        parts = [what, _window(params, "作出")]
    elif kind == "list":
        parts = [f"列入{label(ListType.Kind, params.get('list_kind'))}，在有效期内"]
    elif kind in ("commitment_kept", "commitment_broken"):
        default = ["kept"] if kind == "commitment_kept" else ["broken"]
        statuses = _as_list(params.get("statuses")) or default
        what = "信用承诺履行状态为" + "、".join(label(Commitment.Status, s) for s in statuses)
        parts = [what, _window(params, "核查确认")]
        if kind == "commitment_broken":
            parts.append("容缺受理型、证明事项型承诺逾期未补正的同样计入（自标记逾期之日起）")
    else:
        parts = [f"未知的指标类型 {kind}，不计数"]
    if params.get("max_grade") in LETTERS:
        parts.append(f"等级最高为 {params['max_grade']} 级")
    unused = sorted(set(params) - KIND_PARAMS.get(kind, set()) - {"max_grade"})
    if unused:
        parts.append("未使用的参数：" + "、".join(unused))
    return "；".join(parts)


@dataclass
class IndicatorRow:
    indicator: Indicator
    condition: str


def described_indicators(model: EvaluationModel) -> list[IndicatorRow]:
    """The model's indicators with their conditions in words (the model page)."""
    indicators = model_indicators(model)
    codes = {str((i.params or {}).get("record_type") or "").upper() for i in indicators}
    names = dict(RecordType.objects.filter(code__in=codes - {""}).values_list("code", "name"))
    return [IndicatorRow(i, condition_text(i.kind, i.params, names)) for i in indicators]


# ---------------------------------------------------------------- external results


_GRADE_ALIASES = {
    "A": "A", "AAA": "A", "AA": "A", "优秀": "A", "优": "A", "诚信": "A", "A级": "A",
    "B": "B", "A-": "B", "良好": "B", "良": "B", "较好": "B", "B级": "B",
    "C": "C", "B-": "C", "一般": "C", "中": "C", "较差": "C", "基本守信": "C", "C级": "C",
    "D": "D", "差": "D", "失信": "D", "不良": "D", "D级": "D",
}  # fmt: skip


def normalise_grade(value: Any) -> str:
    """Map a provincial or sector grade expression to A/B/C/D."""
    text = str(value or "").strip().upper().replace(" ", "")
    if text in _GRADE_ALIASES:
        return _GRADE_ALIASES[text]
    raise DomainError(
        f"评价等级“{value}”无法识别：应为 A/B/C/D（或 AAA、优秀、良好、一般、差 等常见表述）。"
    )


def _parse_date(value: Any, label: str) -> date | None:
    text = str(value or "").strip()[:10]
    if not text:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise DomainError(f"{label}“{value}”格式不对，应为 2026-03-10 这样的日期。") from None


def _parse_score(value: Any) -> Decimal | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise DomainError(f"评价得分“{value}”不是数字。") from None


def _yes(value: Any, default: bool = True) -> bool:
    text = str(value or "").strip()
    if not text:
        return default
    if text in ("是", "Y", "y", "1", "true", "True", "优先"):
        return True
    if text in ("否", "N", "n", "0", "false", "False", "不优先"):
        return False
    raise DomainError(f"“是否优先”的值“{value}”应为 是 或 否。")


def add_external(
    *,
    actor: Any,
    subject: Subject,
    source: str,
    evaluator: str,
    grade: Any,
    evaluated_on: date,
    sector: str = "",
    score: Decimal | None = None,
    valid_until: date | None = None,
    takes_precedence: bool = True,
    record: Any = None,
    recompute: bool = True,
) -> ExternalEvaluation:
    """Store one provincial or sector result and recompute the subject's grade."""
    if source not in (SubjectGrade.Source.PROVINCIAL, SubjectGrade.Source.SECTOR):
        raise DomainError(
            "评价来源应为 provincial（省公共信用综合评价）或 sector（行业信用评价）。"
        )
    evaluator = str(evaluator or "").strip()
    if not evaluator:
        raise DomainError("请填写评价机构。")
    if valid_until and valid_until < evaluated_on:
        raise DomainError("有效期至不能早于评价日期。")
    letter = normalise_grade(grade)
    with transaction.atomic():
        ev = ExternalEvaluation.objects.create(
            subject=subject,
            source=source,
            evaluator=evaluator[:200],
            sector=str(sector or "")[:100],
            grade=letter,
            original_grade=str(grade)[:50],
            score=score,
            evaluated_on=evaluated_on,
            valid_until=valid_until,
            takes_precedence=takes_precedence,
            record=record,
        )
        record_event(
            actor=actor,
            action="supervision.external.add",
            target_type="supervision.ExternalEvaluation",
            target_id=ev.pk,
            target_repr=f"{subject.name} {evaluator} {letter}",
            new={"source": source, "grade": letter, "evaluated_on": evaluated_on.isoformat()},
        )
        if recompute:
            recompute_subjects([subject.pk], reason=f"导入{ev.get_source_display()}", actor=actor)
    return ev


# Column headers accepted in an import file (Chinese label → key).
IMPORT_COLUMNS = {
    "统一社会信用代码": "identifier",
    "主体代码": "identifier",
    "证件号码": "identifier",
    "主体名称": "name",
    "名称": "name",
    "评价等级": "grade",
    "等级": "grade",
    "评价得分": "score",
    "得分": "score",
    "评价日期": "evaluated_on",
    "有效期至": "valid_until",
    "评价机构": "evaluator",
    "行业": "sector",
    "是否优先": "takes_precedence",
}


@dataclass
class ImportResult:
    source: str
    imported: int = 0
    errors: list[str] = field(default_factory=list)
    subjects: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "imported": self.imported,
            "rejected": len(self.errors),
            "errors": self.errors[:200],
        }


def import_external_file(*, actor: Any, path: Path | str, source: str) -> ImportResult:
    """Import a provincial or sector result file (CSV or XLSX, header row in Chinese).
    Rows with errors are reported and skipped; the others are stored and their subjects
    recomputed in one incremental run."""
    from xinyong.collection.pipeline.reader import read_file
    from xinyong.subjects.services import get_or_create_subject

    if source not in (SubjectGrade.Source.PROVINCIAL, SubjectGrade.Source.SECTOR):
        raise DomainError(
            "--source 应为 provincial（省公共信用综合评价）或 sector（行业信用评价）。"
        )
    table = read_file(path)
    keys = [IMPORT_COLUMNS.get(h.strip()) for h in table.headers]
    missing = {"identifier", "name", "grade", "evaluated_on", "evaluator"} - set(
        k for k in keys if k
    )
    if missing:
        labels = {
            "identifier": "统一社会信用代码",
            "name": "主体名称",
            "grade": "评价等级",
            "evaluated_on": "评价日期",
            "evaluator": "评价机构",
        }
        raise DomainError("文件缺少列：" + "、".join(labels[m] for m in sorted(missing)))
    result = ImportResult(source=source)
    with transaction.atomic():
        for chunk in table.chunks:
            for row in chunk.frame.iter_rows(named=True):
                values: dict[str, Any] = {}
                for pos, key in enumerate(keys):
                    if key and not values.get(key):
                        values[key] = row.get(f"c{pos}") or ""
                line = row.get("_row")
                try:
                    subject, _, _ = get_or_create_subject(
                        actor=actor,
                        identifier=values["identifier"],
                        name=values["name"],
                        source=f"导入{dict(SubjectGrade.Source.choices)[source]}",
                    )
                    evaluated_on = _parse_date(values["evaluated_on"], "评价日期")
                    if evaluated_on is None:
                        raise DomainError("评价日期为空。")
                    ev = add_external(
                        actor=actor,
                        subject=subject,
                        source=source,
                        evaluator=values["evaluator"],
                        grade=values["grade"],
                        evaluated_on=evaluated_on,
                        sector=values.get("sector", ""),
                        score=_parse_score(values.get("score")),
                        valid_until=_parse_date(values.get("valid_until"), "有效期至"),
                        takes_precedence=_yes(values.get("takes_precedence")),
                        recompute=False,
                    )
                except DomainError as exc:
                    result.errors.append(f"第 {line} 行：{exc.message}")
                    continue
                result.imported += 1
                result.subjects.append(ev.subject_id)
        if result.subjects:
            recompute_subjects(result.subjects, reason="导入外部评价结果", actor=actor)
    return result


def _sector_values(rec: Any) -> dict[str, Any] | None:
    """The ExternalEvaluation fields a 行业信用评价结果 record gives in its current state,
    None when it gives none (withdrawn or voided: 已撤销的记录不计分; a grade that is
    not recognised)."""
    if rec.status != "active":
        return None
    p = rec.payload or {}
    try:
        letter = normalise_grade(p.get("HY_DJ"))
    except DomainError:
        return None  # validated by the catalogue enum; an unknown value gives no result
    return {
        "subject_id": rec.subject_id,
        "source": SubjectGrade.Source.SECTOR,
        "evaluator": (rec.deciding_unit_name or rec.source_unit.name)[:200],
        "sector": str(p.get("HY_HY") or "")[:100],
        "grade": letter,
        "original_grade": str(p.get("HY_YSDJ") or p.get("HY_DJ") or "")[:50],
        "score": _parse_score(p.get("HY_DF")),
        "evaluated_on": rec.decision_date,
        "valid_until": _parse_date(p.get("HY_YXQZ"), "有效期至"),
        "takes_precedence": str(p.get("HY_YX") or "是") != "否",
    }


def sync_sector_record(record: Any) -> list[int]:
    """Bring the sector result of one 行业信用评价结果 record in line with the record as
    it stands (receiver of records.signals.record_changed): corrected → the corrected
    letter and dates, withdrawn or voided → no result, restored → the result again.
    Returns the subjects whose result this touched (to recompute); [] for a record of
    any other type."""
    from xinyong.records.models import CreditRecord

    rec = (
        CreditRecord.objects.select_related("record_type", "source_unit")
        .filter(pk=record.pk)
        .first()
    )
    if rec is None or rec.record_type.code != SECTOR_RESULT_TYPE:
        return []
    touched = set(
        ExternalEvaluation.objects.filter(record=rec).values_list("subject_id", flat=True)
    )
    values = _sector_values(rec)
    if values is None:
        ExternalEvaluation.objects.filter(record=rec).delete()
    else:
        ExternalEvaluation.objects.update_or_create(record=rec, defaults=values)
        touched.add(rec.subject_id)
    return sorted(touched)


def external_from_batch(batch_id: int, *, actor: Any = None) -> int:
    """Receiver body: sector evaluation results reported through the pipeline as
    行业信用评价结果 records (type HYXYPJ) become ExternalEvaluation rows. Idempotent: a
    record already turned into a result is updated, not duplicated; a record corrected
    to a grade that is not recognised loses its result."""
    from xinyong.collection.models import Batch
    from xinyong.records.models import CreditRecord

    # A batch holds records of its own type only: any other batch is answered from its
    # row, without walking its (possibly million) records for a type they cannot have.
    code = Batch.objects.filter(pk=batch_id).values_list("record_type__code", flat=True).first()
    if code is not None and code != SECTOR_RESULT_TYPE:
        return 0
    records = CreditRecord.objects.filter(
        batch_id=batch_id, record_type__code=SECTOR_RESULT_TYPE, status="active"
    ).select_related("source_unit")
    made: list[int] = []
    dropped: list[int] = []
    for rec in records.iterator():
        values = _sector_values(rec)
        if values is None:
            gone = ExternalEvaluation.objects.filter(record=rec)
            dropped.extend(gone.values_list("subject_id", flat=True))
            gone.delete()
            continue
        ExternalEvaluation.objects.update_or_create(record=rec, defaults=values)
        made.append(rec.subject_id)
    if made or dropped:
        recompute_subjects([*made, *dropped], reason="行业信用评价结果报送", actor=actor)
    return len(made)


SECTOR_RESULT_TYPE = "HYXYPJ"


def when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def subject_by_code(code: Any) -> Subject:
    """The (surviving) subject holding this USCC or ID number."""
    from xinyong.core import identifiers
    from xinyong.subjects.models import SubjectIdentifier

    value = identifiers.normalise(code)
    if not value:
        raise DomainError("请提供统一社会信用代码或证件号码。")
    row = SubjectIdentifier.objects.filter(value=value).select_related("subject").first()
    if row is None:
        raise NotFoundError(f"没有代码为“{value}”的信用主体。")
    return _root(row.subject)


def grades_on(subjects: QuerySet[Subject], on: date) -> dict[int, str]:
    """The grade of each subject on day `on` ('' when it had none). Today it is the
    current grade. On a past base day it is read from the history (GradeChange): the new
    grade of the last change on or before that day, else the grade the first later change
    replaced ('' if that was the first grade), else the current grade (never changed since)."""
    from django.db.models import Subquery, Value
    from django.db.models.functions import Coalesce

    if on >= timezone.localdate():
        return dict(
            SubjectGrade.objects.filter(subject__in=subjects).values_list("subject_id", "grade")
        )
    changes = GradeChange.objects.filter(subject_id=OuterRef("pk"))
    # changed_at__date is the Asia/Shanghai day (TIME_ZONE), like every other day here.
    before = changes.filter(changed_at__date__lte=on).order_by("-changed_at", "-id")
    after = changes.filter(changed_at__date__gt=on).order_by("changed_at", "id")
    rows = subjects.annotate(
        grade_on=Coalesce(
            Subquery(before.values("new_grade")[:1]),
            Subquery(after.values("old_grade")[:1]),
            "grade__grade",
            Value(""),
        )
    ).values_list("pk", "grade_on")
    return {pk: grade for pk, grade in rows if grade}
