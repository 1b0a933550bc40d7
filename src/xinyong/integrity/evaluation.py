"""The 政务诚信 evaluation (河南条例 art. 54: the annual assessment of departments and lower
levels over 依法行政、政务公开、勤政高效、守信践诺; DOMAIN.md §11).

The indicator system is data (IndicatorSystem/Indicator, seeded from
data/indicators.json, edited in the admin): no official weights exist, so every weight,
threshold and deduction is configuration. Leaf indicators are scored in one of four ways:

- RATE:   score = weight × value ÷ 100 (value a platform rate in %); a unit with nothing
          to measure (no 双公示 records, no objections) gets the full weight and the
          row says so;
- DEDUCT: score = max(0, weight − deduct_points × count); one fact is deducted under
          one indicator only (a commitment broken by a new leadership: 新官不理旧账,
          not also 政府违约毁约 — see `_m_broken`);
- ZERO:   score = weight when the count is 0, else 0 (targets "zero");
- MANUAL: the credit office's score with its evidence (ManualScore), clipped to
          [0, weight]; an indicator not yet scored is left out of both the score and the
          maximum, so a running score during the year compares like with like.

Values come from platform data each time (`compute`): change the data and the score
changes. The annual figure for year Y uses 1 January Y to 31 December Y, the running
figure 1 January Y to today. percent = score ÷ maximum of the indicators scored × 100;
units below the system's warning threshold — or with a body on the 失信被执行人 list —
are warned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from xinyong.collection.selectors import Period, percent, resolve_record_types, unit_rates
from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.inputs import clean_year
from xinyong.orgs.models import Unit
from xinyong.orgs.services import resolve_unit
from xinyong.records.models import CreditRecord
from xinyong.rights.models import Objection
from xinyong.rights.objections import provider_due_date
from xinyong.sanctions.models import ListEntry

from . import inputs, services
from .models import (
    Alert,
    ArrearsCase,
    ArrearsPayment,
    CommitmentComplaint,
    EvaluationResult,
    GovCommitment,
    GovernmentBody,
    Indicator,
    IndicatorSystem,
    IntegrityCase,
    ManualScore,
)
from .monitoring import sxbzxr_q

Method = Indicator.Method
ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def _q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- metrics


@dataclass(frozen=True)
class MetricValue:
    value: Decimal | None
    text: str


@dataclass
class _Run:
    units: list[Unit]
    start: date
    end: date
    # Metric key → "code name" of the system's automatically scored indicator reading it
    # (empty outside an evaluation): how one metric learns whether another indicator
    # already counts a fact, and names it.
    scored_by: dict[str, str] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return [u.pk for u in self.units]


def _rates(run: _Run) -> dict[int, Any]:
    if "rates" not in run.cache:
        types = resolve_record_types("双公示")
        rows = unit_rates(Period.between(run.start, run.end), record_types=types, units=run.units)
        run.cache["rates"] = {r.unit.pk: r for r in rows}
    return dict(run.cache["rates"])


def _m_timeliness(run: _Run) -> dict[int, MetricValue]:
    return {
        uid: MetricValue(
            r.timeliness,
            f"按时报送 {r.on_time}/{r.timed} 条"
            + (f"，期限未定 {r.undetermined} 条" if r.undetermined else ""),
        )
        for uid, r in _rates(run).items()
    }


def _m_compliance(run: _Run) -> dict[int, MetricValue]:
    return {
        uid: MetricValue(r.compliance, f"通过校验 {r.rows_passed}/{r.rows_submitted} 行")
        for uid, r in _rates(run).items()
    }


def _m_objections(run: _Run) -> dict[int, MetricValue]:
    """Objections forwarded to the unit in the period, answered within the providing
    unit's limit (河南条例 art. 41: 3 working days, plus paused days). Cases whose limit
    has not yet passed and that are still unanswered are not judged yet."""
    judged: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = defaultdict(int)
    rows = Objection.objects.filter(
        provider_unit_id__in=run.ids,
        route=Objection.Route.PROVIDER,
        forwarded_on__gte=run.start,
        forwarded_on__lte=run.end,
    ).prefetch_related("pauses")
    for o in rows:
        uid = o.provider_unit_id
        if uid is None:
            continue
        replied = o.provider_replied_on
        day = replied if replied is not None and replied <= run.end else run.end
        due = provider_due_date(o, today=day)
        if due is None:
            continue
        if replied is not None and replied <= run.end:
            judged[uid] += 1
            on_time[uid] += int(replied <= due)
        elif run.end > due:
            judged[uid] += 1
    return {
        uid: MetricValue(
            percent(on_time[uid], judged[uid]), f"按时答复 {on_time[uid]}/{judged[uid]} 件"
        )
        for uid in run.ids
    }


def _counts(rows: Any, key: str = "unit_id") -> dict[int, int]:
    return {r[key]: r["n"] for r in rows}


def _count_metric(run: _Run, counts: dict[int, int], label: str) -> dict[int, MetricValue]:
    return {
        uid: MetricValue(Decimal(counts.get(uid, 0)), f"{label} {counts.get(uid, 0)} 件")
        for uid in run.ids
    }


def _m_sxbzxr(run: _Run) -> dict[int, MetricValue]:
    """Bodies of the unit with a 失信被执行人 entry in force on any day of the period."""
    entries = (
        ListEntry.objects.filter(sxbzxr_q())
        .filter(
            Q(status=ListEntry.Status.LISTED)
            | Q(status=ListEntry.Status.REMOVED, removed_on__gt=run.start),
            effective_from__isnull=False,
            effective_from__lte=run.end,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=run.start))
    )
    rows = (
        GovernmentBody.objects.filter(
            Q(subject__list_entries__in=entries) | Q(subject__absorbed__list_entries__in=entries),
            unit_id__in=run.ids,
        )
        .values("unit_id")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    counts = _counts(rows)
    return {
        uid: MetricValue(
            Decimal(counts.get(uid, 0)), f"列入失信被执行人的主体 {counts.get(uid, 0)} 个"
        )
        for uid in run.ids
    }


def _live_arrears() -> Any:
    return ArrearsCase.objects.exclude(status=ArrearsCase.Status.REVOKED)


def _m_new_arrears(run: _Run) -> dict[int, MetricValue]:
    rows = (
        _live_arrears()
        .filter(ArrearsCase.arose_q(run.start, run.end), unit_id__in=run.ids)
        .values("unit_id")
        .annotate(n=Count("id"), wan=Sum("amount_wan"))
        .order_by()
    )
    by_unit = {r["unit_id"]: r for r in rows}
    out = {}
    for uid in run.ids:
        r = by_unit.get(uid)
        n = r["n"] if r else 0
        wan = _q2(Decimal(r["wan"] or 0)) if r else _q2(ZERO)
        out[uid] = MetricValue(Decimal(n), f"新增拖欠 {n} 笔，{wan} 万元")
    return out


def _m_arrears_clearance(run: _Run) -> dict[int, MetricValue]:
    owed = _counts(
        _live_arrears()
        .filter(ArrearsCase.arose_q(None, run.end), unit_id__in=run.ids)
        .values("unit_id")
        .annotate(n=Sum("amount_wan"))
        .order_by()
    )
    paid = _counts(
        ArrearsPayment.objects.filter(
            case__in=_live_arrears(), case__unit_id__in=run.ids, paid_on__lte=run.end
        )
        .values("case__unit_id")
        .annotate(n=Sum("amount_wan"))
        .order_by(),
        key="case__unit_id",
    )
    out = {}
    for uid in run.ids:
        # SQLite returns sums of decimals without their scale: two places for display.
        total = _q2(Decimal(owed.get(uid) or 0))
        done = _q2(Decimal(paid.get(uid) or 0))
        rate = _q2(done * HUNDRED / total) if total else None
        out[uid] = MetricValue(rate, f"已清偿 {done}/{total} 万元")
    return out


def _legacy_commitment_q() -> Q:
    """Broken commitments that are 新官不理旧账 cases: assess_commitment opens their case
    as kind LEGACY on the finding day, and `legacy_cases` counts that case."""
    return Q(cases__kind=IntegrityCase.Kind.LEGACY)


def _quoted(titles: list[str], limit: int = 3) -> str:
    shown = "、".join(f"“{t}”" for t in titles[:limit])
    return shown + ("等" if len(titles) > limit else "")


def _m_broken(run: _Run) -> dict[int, MetricValue]:
    """Commitments found broken in the period. One broken commitment is one fact, and one
    fact is punished once (过罚相当, 国办发〔2020〕49号; 河南条例 art. 31): when the system
    scores `legacy_cases` automatically, a commitment broken by a new leadership counts
    there only — the more specific indicator — and this row names it. Without such an
    indicator every broken commitment counts here, so no fact is lost."""
    broken = GovCommitment.objects.filter(
        unit_id__in=run.ids,
        status=GovCommitment.Status.BROKEN,
        assessed_on__gte=run.start,
        assessed_on__lte=run.end,
    )
    legacy_by = run.scored_by.get("legacy_cases")
    moved: dict[int, list[str]] = defaultdict(list)
    if legacy_by:
        for uid, title in (
            broken.filter(_legacy_commitment_q())
            .distinct()
            .order_by("assessed_on", "pk")
            .values_list("unit_id", "title")
        ):
            moved[uid].append(title)
        broken = broken.exclude(_legacy_commitment_q())
    counts = _counts(broken.values("unit_id").annotate(n=Count("id")).order_by())
    out = {}
    for uid in run.ids:
        n = counts.get(uid, 0)
        text = f"认定未兑现的承诺 {n} 件"
        if moved.get(uid):
            text += (
                f"；另有 {len(moved[uid])} 件属新官不理旧账（{_quoted(moved[uid])}），"
                f"计入 {legacy_by}，本项不重复扣分"
            )
        out[uid] = MetricValue(Decimal(n), text)
    return out


def _m_fulfilment(run: _Run) -> dict[int, MetricValue]:
    """Commitments settled in the period (kept or broken) plus those past their due date
    and still unsettled at its end: the share kept."""
    base = GovCommitment.objects.filter(unit_id__in=run.ids)
    settled = base.filter(assessed_on__gte=run.start, assessed_on__lte=run.end).filter(
        status__in=(GovCommitment.Status.FULFILLED, GovCommitment.Status.BROKEN)
    )
    overdue = base.filter(due_on__lt=run.end, due_on__gte=run.start).filter(
        Q(status=GovCommitment.Status.PENDING) | Q(assessed_on__gt=run.end)
    )
    kept = _counts(
        settled.filter(status=GovCommitment.Status.FULFILLED)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    total = _counts(settled.values("unit_id").annotate(n=Count("id")).order_by())
    late = _counts(overdue.values("unit_id").annotate(n=Count("id")).order_by())
    out = {}
    for uid in run.ids:
        n = total.get(uid, 0) + late.get(uid, 0)
        out[uid] = MetricValue(percent(kept.get(uid, 0), n), f"兑现 {kept.get(uid, 0)}/{n} 项")
    return out


def _case_counts(run: _Run, kind: str, *, pending: bool) -> dict[int, int]:
    qs = IntegrityCase.objects.filter(unit_id__in=run.ids, kind=kind, opened_on__lte=run.end)
    if pending:
        qs = qs.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=run.end))
    else:
        qs = qs.filter(opened_on__gte=run.start)
    return _counts(qs.values("unit_id").annotate(n=Count("id")).order_by())


def _m_pending_enforcement(run: _Run) -> dict[int, MetricValue]:
    return _count_metric(
        run, _case_counts(run, IntegrityCase.Kind.ENFORCEMENT, pending=True), "未结执行案件"
    )


def _m_legacy(run: _Run) -> dict[int, MetricValue]:
    """新官不理旧账 cases opened in the period, broken commitments among them (which
    `_m_broken` then leaves out: one fact, one deduction)."""
    counted = _count_metric(
        run, _case_counts(run, IntegrityCase.Kind.LEGACY, pending=False), "新官不理旧账"
    )
    broken_by = run.scored_by.get("broken_commitments")
    if not broken_by:
        return counted
    from_commitments = _counts(
        IntegrityCase.objects.filter(
            unit_id__in=run.ids,
            kind=IntegrityCase.Kind.LEGACY,
            opened_on__gte=run.start,
            opened_on__lte=run.end,
            commitment__status=GovCommitment.Status.BROKEN,
        )
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for uid, n in from_commitments.items():
        mv = counted[uid]
        counted[uid] = MetricValue(
            mv.value,
            f"{mv.text}（其中认定未兑现的政府承诺 {n} 件，只在本项扣分，不再计入 {broken_by}）",
        )
    return counted


def _m_discipline(run: _Run) -> dict[int, MetricValue]:
    return _count_metric(
        run, _case_counts(run, IntegrityCase.Kind.DISCIPLINE, pending=False), "纪律处分"
    )


def _m_penalties(run: _Run) -> dict[int, MetricValue]:
    """Administrative penalties (行政处罚 records) decided against the unit's bodies, with
    those of subjects merged into a body's (they keep their records: the body's own
    subject once absorbed, monitoring.follow_merged_subjects)."""
    counts: dict[int, int] = {}
    # One count per path: a record's subject is either the body's or one absorbed into it.
    for records in ("subject__records", "subject__absorbed__records"):
        rows = (
            GovernmentBody.objects.filter(
                unit_id__in=run.ids,
                **{
                    f"{records}__record_type__code": "XZCF",
                    f"{records}__status": CreditRecord.Status.ACTIVE,
                    f"{records}__decision_date__gte": run.start,
                    f"{records}__decision_date__lte": run.end,
                },
            )
            .values("unit_id")
            .annotate(n=Count(records, distinct=True))
            .order_by()
        )
        for uid, n in _counts(rows).items():
            counts[uid] = counts.get(uid, 0) + n
    return _count_metric(run, counts, "受到行政处罚")


def _m_complaints(run: _Run) -> dict[int, MetricValue]:
    rows = (
        CommitmentComplaint.objects.filter(
            commitment__unit_id__in=run.ids,
            substantiated=True,
            replied_on__gte=run.start,
            replied_on__lte=run.end,
        )
        .values("commitment__unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _count_metric(run, _counts(rows, key="commitment__unit_id"), "属实的承诺投诉")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    compute: Callable[[_Run], dict[int, MetricValue]]
    is_rate: bool


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("sgs_timeliness", "双公示及时率（%）", _m_timeliness, True),
        Metric("sgs_compliance", "双公示合规率（%）", _m_compliance, True),
        Metric("objection_on_time", "异议核查按时答复率（%）", _m_objections, True),
        Metric("sxbzxr_bodies", "列入失信被执行人的主体数", _m_sxbzxr, False),
        Metric("new_arrears", "新增拖欠中小企业账款笔数", _m_new_arrears, False),
        Metric("arrears_clearance", "拖欠账款清偿率（%）", _m_arrears_clearance, True),
        Metric(
            "broken_commitments",
            "认定未兑现的政府承诺数（新官不理旧账另有指标计分时不含）",
            _m_broken,
            False,
        ),
        Metric("commitment_fulfilment", "政府承诺兑现率（%）", _m_fulfilment, True),
        Metric("pending_enforcement", "被执行人未结案件数", _m_pending_enforcement, False),
        Metric("legacy_cases", "新官不理旧账案件数", _m_legacy, False),
        Metric("discipline_cases", "纪律处分数", _m_discipline, False),
        Metric("penalties", "受到行政处罚数", _m_penalties, False),
        Metric("complaints", "属实的承诺投诉数", _m_complaints, False),
    )
}
METRIC_CHOICES = [(m.key, m.label) for m in METRICS.values()]


def metric_values(key: str, units: Sequence[Unit], start: date, end: date) -> dict[int, Decimal]:
    """One platform measure for many units over [start, end] (the ledger binds its rows to
    these through integrity/ledger_metrics.py)."""
    computed = METRICS[key].compute(_Run(list(units), start, end))
    return {uid: value.value for uid, value in computed.items() if value.value is not None}


# ---------------------------------------------------------------- the system as data


def check_system(system: IndicatorSystem) -> list[str]:
    """What is wrong with a system's configuration, in Chinese (empty: fine)."""
    problems = []
    indicators = list(system.indicators.all())
    leaves = [i for i in indicators if i.parent_id is not None]
    for top in (i for i in indicators if i.parent_id is None):
        total = sum((c.weight for c in leaves if c.parent_id == top.pk), ZERO)
        if total != top.weight:
            problems.append(
                f"一级指标“{top.name}”分值 {top.weight} 与其二级指标合计 {total} 不一致。"
            )
    for leaf in leaves:
        if leaf.method == Method.MANUAL:
            continue
        metric = METRICS.get(leaf.metric)
        if metric is None:
            problems.append(f"指标“{leaf.name}”的平台数据来源“{leaf.metric}”未定义。")
        elif metric.is_rate != (leaf.method == Method.RATE):
            problems.append(
                f"指标“{leaf.name}”的评分方法与数据来源不匹配（比率指标须按比率得分）。"
            )
        if leaf.method == Method.DEDUCT and leaf.deduct_points <= 0:
            problems.append(f"指标“{leaf.name}”按件扣分，但每件扣分为 0。")
    total = sum((leaf.weight for leaf in leaves), ZERO)
    if total != HUNDRED:
        problems.append(f"二级指标分值合计为 {total}，不是 100；得分率按实际满分折算。")
    return problems


def get_system(year: Any) -> IndicatorSystem:
    the_year = clean_year(year)
    found = IndicatorSystem.objects.filter(year=the_year).first()
    if found is None:
        raise NotFoundError(
            f"尚未建立 {the_year} 年政务诚信指标体系，请在配置管理中建立或运行评价以沿用最近年度的指标。"
        )
    return found


def ensure_system(*, actor: Any, year: Any) -> IndicatorSystem:
    """The year's system; when missing, a copy of the nearest year's (weights and all),
    so that a new year starts from last year's configuration."""
    the_year = clean_year(year)
    found = IndicatorSystem.objects.filter(year=the_year).first()
    if found is not None:
        return found
    services.require_office(actor, "建立年度指标体系")
    source = (
        IndicatorSystem.objects.filter(year__lt=the_year).order_by("-year").first()
        or IndicatorSystem.objects.filter(year__gt=the_year).order_by("year").first()
    )
    if source is None:
        raise DomainError("没有可沿用的政务诚信指标体系，请先在配置管理中建立。")
    with transaction.atomic():
        system = IndicatorSystem.objects.create(
            year=the_year,
            name=source.name,
            legal_basis=source.legal_basis,
            warning_threshold=source.warning_threshold,
            evaluated_kinds=source.evaluated_kinds,
            note=f"沿用 {source.year} 年指标体系",
        )
        copies: dict[int, Indicator] = {}
        # Parents before children (NULLs sort first on SQLite, last on PostgreSQL).
        ordered = [
            *source.indicators.filter(parent__isnull=True).order_by("sort_order"),
            *source.indicators.filter(parent__isnull=False).order_by("sort_order"),
        ]
        for ind in ordered:
            copies[ind.pk] = Indicator.objects.create(
                system=system,
                parent=copies.get(ind.parent_id) if ind.parent_id else None,
                code=ind.code,
                name=ind.name,
                weight=ind.weight,
                method=ind.method,
                metric=ind.metric,
                deduct_points=ind.deduct_points,
                criteria=ind.criteria,
                sort_order=ind.sort_order,
            )
        record_event(
            actor=actor,
            action="integrity.system_copy",
            target_type="integrity.IndicatorSystem",
            target_id=system.pk,
            target_repr=str(system),
            new={"year": the_year, "copied_from": source.year, "indicators": len(copies)},
        )
    return system


def record_config_change(*, actor: Any, obj: Any, deleted: bool = False) -> None:
    """The one event of an admin edit of the indicator data (system, indicator)."""
    snapshot = {
        f.name: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in ("created_at", "updated_at")
    }
    record_event(
        actor=actor,
        action=f"integrity.{type(obj).__name__.lower()}_{'delete' if deleted else 'save'}",
        target_type=f"integrity.{type(obj).__name__}",
        target_id=obj.pk,
        target_repr=str(obj),
        new=None if deleted else snapshot,
        old=snapshot if deleted else None,
    )


def evaluated_units(system: IndicatorSystem) -> list[Unit]:
    units = Unit.objects.filter(active=True)
    kinds = [str(k) for k in (system.evaluated_kinds or [])]
    if kinds:
        units = units.filter(kind__in=kinds)
    return list(units.order_by("sort_order", "name"))


def set_manual_score(
    *,
    actor: Any,
    indicator: Indicator,
    unit: Any,
    score: Any,
    evidence: Any,
    on: date | None = None,
) -> ManualScore:
    """The credit office scores a manual indicator for a unit, with its evidence."""
    services.require_office(actor, "人工评分")
    if indicator.parent_id is None:
        raise DomainError("只能对二级指标评分。")
    if indicator.method != Method.MANUAL:
        raise DomainError(f"指标“{indicator.name}”由平台数据自动计分，不能人工评分。")
    the_unit = resolve_unit(unit)
    if the_unit.pk not in {u.pk for u in evaluated_units(indicator.system)}:
        raise DomainError(f"“{the_unit.name}”不是 {indicator.system.year} 年的参评单位。")
    raw = str(score if score is not None else "").strip()
    try:
        value = Decimal(raw)
    except ArithmeticError:
        raise DomainError(f"得分“{raw}”不是数字。") from None
    if not value.is_finite() or value < 0 or value > indicator.weight:
        raise DomainError(f"得分应在 0 到 {indicator.weight} 分之间。")
    text = inputs.text(evidence, "评分依据/证据", limit=inputs.MAX_TEXT)
    day = on or timezone.localdate()
    with transaction.atomic():
        existing = (
            ManualScore.objects.select_for_update()
            .filter(indicator=indicator, unit=the_unit)
            .first()
        )
        old = {"score": existing.score, "evidence": existing.evidence} if existing else None
        row, _created = ManualScore.objects.update_or_create(
            indicator=indicator,
            unit=the_unit,
            defaults={
                "score": _q2(value),
                "evidence": text,
                "scored_on": day,
                "scored_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        record_event(
            actor=actor,
            action="integrity.manual_score",
            target_type="integrity.ManualScore",
            target_id=row.pk,
            target_repr=f"{indicator.system.year} {the_unit.name} {indicator.name}",
            old=old,
            new={"score": row.score, "evidence": text, "scored_on": day},
        )
    return row


# ---------------------------------------------------------------- computing


@dataclass
class ItemScore:
    code: str
    name: str
    group_code: str
    group_name: str
    weight: Decimal
    method: str
    value: Decimal | None
    value_text: str
    score: Decimal | None  # None: not scored yet (manual)
    basis: str

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "group": self.group_name,
            "weight": str(self.weight),
            "method": self.method,
            "value": None if self.value is None else str(self.value),
            "value_text": self.value_text,
            "score": None if self.score is None else str(self.score),
            "basis": self.basis,
        }


@dataclass
class UnitScore:
    unit: Unit
    items: list[ItemScore]
    score: Decimal = ZERO
    max_score: Decimal = ZERO
    percent: Decimal = ZERO
    rank: int = 0
    warning: bool = False
    reasons: list[str] = field(default_factory=list)
    unscored: int = 0

    def groups(self) -> list[dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for item in self.items:
            g = out.setdefault(
                item.group_code,
                {"code": item.group_code, "name": item.group_name, "score": ZERO, "max": ZERO},
            )
            if item.score is not None:
                g["score"] += item.score
                g["max"] += item.weight
        return list(out.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit.pk,
            "unit": self.unit.name,
            "rank": self.rank,
            "score": str(self.score),
            "max_score": str(self.max_score),
            "percent": str(self.percent),
            "warning": self.warning,
            "reasons": self.reasons,
            "unscored": self.unscored,
            "groups": [
                {**g, "score": str(g["score"]), "max": str(g["max"])} for g in self.groups()
            ],
            "items": [i.as_json() for i in self.items],
        }


@dataclass
class Evaluation:
    system: IndicatorSystem
    start: date
    end: date
    rows: list[UnitScore]
    problems: list[str]

    @property
    def running(self) -> bool:
        return self.end < date(self.system.year, 12, 31)

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.system.year,
            "system": self.system.name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "running": self.running,
            "warning_threshold": str(self.system.warning_threshold),
            "problems": self.problems,
            "units": [r.as_json() for r in self.rows],
        }


def _score(ind: Indicator, mv: MetricValue) -> tuple[Decimal, str]:
    if ind.method == Method.RATE:
        if mv.value is None:
            return ind.weight, "本期无可计算的数据，按满分计"
        return _q2(ind.weight * min(mv.value, HUNDRED) / HUNDRED), f"{ind.weight}×{mv.value}%"
    count = mv.value or ZERO
    if ind.method == Method.ZERO:
        return (ind.weight, "目标为零，已达成") if count == 0 else (ZERO, "目标为零，未达成")
    deducted = ind.deduct_points * count
    return max(
        ZERO, ind.weight - deducted
    ), f"扣 {min(deducted, ind.weight)} 分（每件 {ind.deduct_points}）"


def _item(
    leaf: Indicator,
    group: Indicator | None,
    value: Decimal | None,
    text: str,
    score: Decimal | None,
    basis: str,
) -> ItemScore:
    return ItemScore(
        code=leaf.code,
        name=leaf.name,
        group_code=group.code if group else "",
        group_name=group.name if group else "",
        weight=leaf.weight,
        method=leaf.method,
        value=value,
        value_text=text,
        score=score,
        basis=basis,
    )


def period_of(year: int, as_of: date | None = None) -> tuple[date, date]:
    """The period year `year` is evaluated over; refused (DomainError) for a year that has
    not begun."""
    start = date(year, 1, 1)
    end = min(date(year, 12, 31), as_of or timezone.localdate())
    if end < start:
        raise DomainError(f"{year} 年尚未开始，不能评价。")
    return start, end


def compute(
    system: IndicatorSystem, *, as_of: date | None = None, units: list[Unit] | None = None
) -> Evaluation:
    """Score every evaluated unit (or `units`) from platform data now; ranked."""
    start, end = period_of(system.year, as_of)
    the_units = units if units is not None else evaluated_units(system)
    indicators = list(system.indicators.select_related("parent").order_by("sort_order", "code"))
    groups = {i.pk: i for i in indicators if i.parent_id is None}
    leaves = sorted(
        (i for i in indicators if i.parent_id is not None),
        key=lambda i: (
            groups[i.parent_id].sort_order if i.parent_id in groups else 0,
            i.sort_order,
            i.code,
        ),
    )
    scored_by: dict[str, str] = {}
    for leaf in leaves:
        if leaf.method != Method.MANUAL and leaf.metric in METRICS:
            scored_by.setdefault(leaf.metric, f"{leaf.code} {leaf.name}")
    run = _Run(units=the_units, start=start, end=end, scored_by=scored_by)
    values: dict[str, dict[int, MetricValue]] = {}
    for leaf in leaves:
        if leaf.method != Method.MANUAL and leaf.metric in METRICS and leaf.metric not in values:
            values[leaf.metric] = METRICS[leaf.metric].compute(run)
    manual = {
        (s.indicator_id, s.unit_id): s
        for s in ManualScore.objects.filter(indicator__system=system, unit__in=the_units)
    }
    sxbzxr = values.get("sxbzxr_bodies") or _m_sxbzxr(run)
    rows = []
    for unit in the_units:
        items = []
        for leaf in leaves:
            group = groups.get(leaf.parent_id or 0)

            if leaf.method == Method.MANUAL:
                s = manual.get((leaf.pk, unit.pk))
                score = None if s is None else min(max(s.score, ZERO), leaf.weight)
                items.append(
                    _item(
                        leaf,
                        group,
                        None,
                        "待评分" if s is None else f"人工评分 {s.scored_on:%Y-%m-%d}",
                        score,
                        "" if s is None else s.evidence,
                    )
                )
                continue
            mv = values.get(leaf.metric, {}).get(unit.pk)
            if mv is None:
                items.append(_item(leaf, group, None, "数据来源未定义", None, ""))
                continue
            score, how = _score(leaf, mv)
            items.append(_item(leaf, group, mv.value, mv.text, score, how))
        row = UnitScore(unit=unit, items=items)
        scored = [i for i in items if i.score is not None]
        row.score = sum((i.score for i in scored if i.score is not None), ZERO)
        row.max_score = sum((i.weight for i in scored), ZERO)
        row.unscored = len(items) - len(scored)
        row.percent = _q2(row.score * HUNDRED / row.max_score) if row.max_score else ZERO
        listed = sxbzxr.get(unit.pk)
        if row.max_score and row.percent < system.warning_threshold:
            row.reasons.append(f"得分率 {row.percent} 低于预警线 {system.warning_threshold}")
        if listed is not None and listed.value:
            row.reasons.append(f"有 {listed.value} 个主体列入失信被执行人")
        row.warning = bool(row.reasons)
        rows.append(row)
    # Ranked by percent, ties share a rank (docs/integrity.md): the score only orders the
    # display, since a unit with more indicators scored is not better for it.
    rows.sort(key=lambda r: (-r.percent, -r.score, r.unit.sort_order, r.unit.name))
    previous: Decimal | None = None
    for position, row in enumerate(rows, start=1):
        row.rank = rows[position - 2].rank if previous == row.percent else position
        previous = row.percent
    return Evaluation(system=system, start=start, end=end, rows=rows, problems=check_system(system))


def unit_evaluation(system: IndicatorSystem, unit: Unit, *, as_of: date | None = None) -> UnitScore:
    """One unit's scores with its rank among all evaluated units."""
    for row in compute(system, as_of=as_of).rows:
        if row.unit.pk == unit.pk:
            return row
    raise NotFoundError(f"“{unit.name}”不是 {system.year} 年的参评单位。")


def evaluation_alert_key(system: IndicatorSystem, unit: Unit) -> str:
    return f"evaluation:{system.year}:{unit.pk}"


def evaluate(*, actor: Any, year: Any, as_of: date | None = None) -> Evaluation:
    """Compute and store the year's results (the annual assessment when run after the
    year, the running score before), warn the units below the line and lift the
    warnings of units no longer below it. One event."""
    services.require_office(actor, "运行政务诚信评价")
    # Refuse a year not begun before ensure_system copies (and commits) its system.
    period_of(clean_year(year), as_of)
    system = ensure_system(actor=actor, year=year)
    result = compute(system, as_of=as_of)
    day = as_of or timezone.localdate()
    with transaction.atomic():
        keep = []
        warned = []
        for row in result.rows:
            stored, _ = EvaluationResult.objects.update_or_create(
                system=system,
                unit=row.unit,
                defaults={
                    "as_of": result.end,
                    "score": row.score,
                    "max_score": row.max_score,
                    "percent": row.percent,
                    "rank": row.rank,
                    "warning": row.warning,
                    "detail": [i.as_json() for i in row.items],
                },
            )
            keep.append(stored.pk)
            key = evaluation_alert_key(system, row.unit)
            if row.warning:
                alert, created = services.ensure_alert(
                    key=key,
                    kind=Alert.Kind.EVALUATION,
                    level=Alert.Level.WARNING,
                    title=f"{row.unit.name} {system.year} 年政务诚信评价预警",
                    detail="；".join(row.reasons)
                    + f"（数据截至 {result.end.isoformat()}，第 {row.rank} 名）。",
                    on=day,
                    unit=row.unit,
                )
                if created:
                    warned.append(alert.pk)
            else:
                services.close_alert(
                    key, on=day, resolution=f"{result.end.isoformat()} 评价已不低于预警线"
                )
        EvaluationResult.objects.filter(system=system).exclude(pk__in=keep).delete()
        record_event(
            actor=actor,
            action="integrity.evaluate",
            target_type="integrity.IndicatorSystem",
            target_id=system.pk,
            target_repr=str(system),
            new={
                "year": system.year,
                "end": result.end,
                "units": len(result.rows),
                "warnings": sum(1 for r in result.rows if r.warning),
                "new_alerts": warned,
            },
        )
    return result
