"""Quality checks of collection and the units' monthly declarations.

Checks for one unit and one month (`check_unit_period`), or for every unit
(`run_checks`, the job behind `xinyong collection check`):

- under_reported: fewer records with a decision date in the month than the unit declared
  (疑似瞒报漏报; DOMAIN.md §4 asks for zero 迟报/瞒报);
- number_gap: a gap in a unit's document-number sequence "prefix〔year〕serial号"
  (12号 and 14号 present, 13号 missing);
- repeated_lateness: at least `CollectionPolicy.late_warning_threshold` late records
  reported in the month (listed for 约谈预警);
- not_declared: a past month for which an obliged unit filed no declaration.

Idempotent: a live warning is unique per (unit, kind, key); running a check again creates
none twice and leaves an unchanged fact alone. One `collection.check` event is written per
run that changed something.

A 瞒报/漏报 suspicion (`SUSPICION_KINDS`) follows the fact it states (`_Finding.fact`:
"少3件", "缺13号、15-16号", "未申报"), because a 情况说明 or an office's 整改完成 answers
that fact only:
- same fact: the warning keeps its state (its text may follow other counts, e.g. declared
  6 and reported 5 is still 少1件);
- another fact while nobody has answered yet: the warning is updated in place;
- another fact after a 情况说明 (说明待确认, 整改完成 or 退回): the answered warning is closed
  as superseded, as it stands, and a new open warning names it (`previous`);
- fact gone: the warning is closed as resolved with a note ("申报与报送已一致，自动解除").
Each closing writes its own event. Records voided as keying errors (录入错误作废) stand for
no decision and are not counted (`selectors.decision_records`), nor are the records the
city platform pushed down: they are no report of the receiving unit's (`reported_records`).
Other kinds are kept as before: updated in place, removed when their cause has gone unless
the unit has read them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from xinyong.catalog.models import RecordType
from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.inputs import clean_text
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.records.models import CreditRecord

from .models import SUSPICION_KINDS, Batch, MonthlyDeclaration, QualityWarning
from .selectors import (
    Period,
    active_policy,
    decision_records,
    declarable_record_types,
    declared_month_records,
    reported_batches,
    reported_records,
)

Kind = QualityWarning.Kind

# A gap larger than this is more likely a mistyped serial than hundreds of hidden
# decisions: the warning still fires but lists only the first numbers.
MAX_LISTED_MISSING = 50

# "北市监罚〔2026〕12号", "北市监罚[2026]12号", "北市监罚（2026）第12号", "…﹝2026﹞…".
# NFKC turns full-width brackets/parentheses into ASCII ones first.
_DOC_RE = re.compile(
    r"^(?P<prefix>.*?)[〔\[(【﹝〖](?P<year>(?:19|20)\d{2})[〕\])】﹞〗]第?0*(?P<serial>\d{1,7})号?$"
)


@dataclass(frozen=True)
class DocumentNumber:
    prefix: str
    year: int
    serial: int

    @property
    def sequence(self) -> str:
        return f"{self.prefix}〔{self.year}〕"

    def with_serial(self, serial: int) -> str:
        return f"{self.prefix}〔{self.year}〕{serial}号"


def parse_document_number(text: Any) -> DocumentNumber | None:
    """Split a document number into (prefix, year, serial); None when it does not follow
    the "prefix〔year〕serial号" pattern (such numbers cannot show gaps)."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = re.sub(r"\s+", "", value)
    match = _DOC_RE.match(value)
    if not match:
        return None
    prefix = match.group("prefix")
    if not prefix:
        return None
    return DocumentNumber(prefix, int(match.group("year")), int(match.group("serial")))


def find_number_gaps(numbers: Iterable[Any]) -> dict[tuple[str, int], list[int]]:
    """For each (prefix, year) sequence, the serials missing between its lowest and
    highest number. Sequences without gaps are left out."""
    serials: dict[tuple[str, int], set[int]] = defaultdict(set)
    for text in numbers:
        parsed = parse_document_number(text)
        if parsed is not None:
            serials[(parsed.prefix, parsed.year)].add(parsed.serial)
    gaps = {}
    for key, found in serials.items():
        low, high = min(found), max(found)
        if high - low + 1 > len(found):
            gaps[key] = [n for n in range(low, high + 1) if n not in found]
    return gaps


# ------------------------------------------------------------------ declarations


def declare_month(
    *,
    actor: Any,
    unit: Unit,
    record_type: RecordType,
    year: int,
    month: int,
    count: int,
    note: str = "",
    today: date | None = None,
) -> MonthlyDeclaration:
    """File (or correct) a unit's count of decisions of one type in one month, then re-run
    the month's checks for the unit so that a shortfall shows at once. `actor` None is
    the system (the operator's CLI)."""
    if actor is not None:
        permissions.require(actor, "write_unit_data", unit)
    # 上报率 is measured against declarations of the types with a reporting deadline only;
    # a count of another type would hide 未申报 and feign a 瞒报/漏报 shortfall. Here, so
    # that every way in (page, API, CLI) refuses it.
    if not declarable_record_types().filter(pk=record_type.pk).exists():
        raise DomainError(f"“{record_type.name}”无需申报月度决定数。")
    period = Period.month(int(year), int(month))
    today = today or timezone.localdate()
    if period.start > today:
        raise DomainError(f"{period.label}尚未开始，不能申报该月的决定数。")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise DomainError("决定数应为不小于 0 的整数。")
    if count > 1_000_000:
        raise DomainError("决定数过大，请核对后重新填写。")
    note = str(note or "").strip()
    if len(note) > 300:
        raise DomainError("说明不能超过 300 个字。")
    with transaction.atomic():
        existing = (
            MonthlyDeclaration.objects.select_for_update()
            .filter(unit=unit, record_type=record_type, year=period.year, month=period.month_number)
            .first()
        )
        old = (
            {"declared_count": existing.declared_count, "note": existing.note} if existing else None
        )
        if existing is None:
            declaration = MonthlyDeclaration.objects.create(
                unit=unit,
                record_type=record_type,
                year=period.year,
                month=period.month_number,
                declared_count=count,
                note=note,
                declared_by=actor if getattr(actor, "pk", None) else None,
            )
        else:
            existing.declared_count = count
            existing.note = note
            existing.declared_by = actor if getattr(actor, "pk", None) else None
            existing.save(update_fields=["declared_count", "note", "declared_by", "updated_at"])
            declaration = existing
        record_event(
            actor=actor,
            action="collection.declare",
            target_type="collection.MonthlyDeclaration",
            target_id=declaration.pk,
            target_repr=str(declaration),
            old=old,
            new={"declared_count": count, "note": note, "period": period.key},
        )
    check_unit_period(unit, period.year, period.month_number, today=today)
    return declaration


# ------------------------------------------------------------------ checks


@dataclass
class CheckSummary:
    period: str
    units_checked: int = 0
    created: int = 0
    updated: int = 0
    resolved: int = 0
    # Answered suspicions closed because their fact changed (each also counts a new
    # warning in `created`).
    superseded: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: CheckSummary) -> None:
        self.units_checked += other.units_checked
        self.created += other.created
        self.updated += other.updated
        self.resolved += other.resolved
        self.superseded += other.superseded
        self.warnings.extend(other.warnings)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.resolved)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "units_checked": self.units_checked,
            "created": self.created,
            "updated": self.updated,
            "resolved": self.resolved,
            "superseded": self.superseded,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class _Finding:
    kind: str
    key: str
    message: str
    # What a 情况说明 answers (see the module doc); "" for kinds that need none.
    fact: str = ""


def _serials_text(missing: list[int]) -> str:
    """13, 15, 16 → "13号、15-16号": runs of missing numbers, as the gap's fact."""
    runs: list[tuple[int, int]] = []
    for n in missing:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return "、".join(f"{a}号" if a == b else f"{a}-{b}号" for a, b in runs)


def _gap_fact(missing: list[int]) -> str:
    text = f"缺{_serials_text(missing)}"
    if len(text) <= 200:
        return text
    # Hundreds of scattered numbers: the exact set, fingerprinted, still tells facts apart.
    digest = hashlib.sha256(",".join(map(str, missing)).encode()).hexdigest()[:16]
    return f"缺{len(missing)}个文书号（{digest}）"


def _gap_findings(unit: Unit, period: Period) -> list[_Finding]:
    """Gaps in the unit's sequences of the period's year. A missing number is reported
    under the month in which the next existing number was decided (when the gap became
    visible), so that each month's check owns a fixed set of gaps."""
    rows = (
        decision_records()
        .filter(source_unit=unit, decision_date__year=period.year)
        .values_list("document_number", "decision_date")
    )
    decided: dict[tuple[str, int], dict[int, date]] = defaultdict(dict)
    for number, decision_date in rows:
        parsed = parse_document_number(number)
        if parsed is None or parsed.year != period.year or decision_date is None:
            continue
        serials = decided[(parsed.prefix, parsed.year)]
        if parsed.serial not in serials or decision_date < serials[parsed.serial]:
            serials[parsed.serial] = decision_date
    findings = []
    for (prefix, year), serials in sorted(decided.items()):
        present = sorted(serials)
        missing: list[int] = []
        for low, high in pairwise(present):
            seen_on = serials[high]
            if high - low > 1 and period.start <= seen_on <= period.end:
                missing.extend(range(low + 1, high))
        if not missing:
            continue
        shown = "、".join(f"{n}号" for n in missing[:MAX_LISTED_MISSING])
        more = (
            f"等共 {len(missing)} 个"
            if len(missing) > MAX_LISTED_MISSING
            else f"共 {len(missing)} 个"
        )
        findings.append(
            _Finding(
                Kind.NUMBER_GAP,
                f"{prefix}〔{year}〕@{period.key}"[-200:],
                f"文书号“{prefix}〔{year}〕”不连续，缺少 {shown}（{more}），请核实是否漏报或瞒报。",
                _gap_fact(missing),
            )
        )
    return findings


def _shortfall_findings(unit: Unit, period: Period) -> list[_Finding]:
    declared = list(
        MonthlyDeclaration.objects.filter(
            unit=unit,
            year=period.year,
            month=period.month_number,
            # One stored before declare_month refused other types asks for nothing.
            record_type__in=declarable_record_types(),
        )
        .select_related("record_type")
        .order_by("record_type__sort_order")
    )
    if not declared:
        return []
    reported = dict(
        # The same records 上报率 counts (selectors.declared_month_records).
        declared_month_records(period)
        .filter(source_unit=unit, record_type_id__in=[d.record_type_id for d in declared])
        .values("record_type_id")
        .annotate(n=Count("id"))
        .values_list("record_type_id", "n")
        .order_by()
    )
    findings = []
    for d in declared:
        n = reported.get(d.record_type_id, 0)
        if n < d.declared_count:
            findings.append(
                _Finding(
                    Kind.UNDER_REPORTED,
                    f"{period.key}|{d.record_type.code}",
                    f"{period.label}{d.record_type.name}：申报作出决定 {d.declared_count} 件，"
                    f"已报送 {n} 件，少 {d.declared_count - n} 件，请补报或说明。",
                    # The shortfall, not the two counts: declared 6 and reported 5 is the
                    # same 少1件 that a 情况说明 of declared 5 and reported 4 answered.
                    f"少{d.declared_count - n}件",
                )
            )
    return findings


def _lateness_findings(unit: Unit, period: Period, threshold: int) -> list[_Finding]:
    late = (
        reported_records()
        .filter(
            source_unit=unit,
            reported_on__gte=period.start,
            reported_on__lte=period.end,
            is_late=True,
        )
        .count()
    )
    if threshold and late >= threshold:
        return [
            _Finding(
                Kind.REPEATED_LATENESS,
                period.key,
                f"{period.label}迟报 {late} 条，达到约谈预警标准（每月 {threshold} 条），列入约谈预警。",
            )
        ]
    return []


def _obliged_unit_ids() -> set[int]:
    """Units expected to declare monthly: providing units of the types with a reporting
    deadline, and every unit that has ever reported such records itself (receiving what
    the city platform pushes down makes no unit a decision maker)."""
    types = declarable_record_types()
    ids = set(types.values_list("providing_units", flat=True))
    ids |= set(
        reported_batches()
        .filter(record_type__in=types)
        .values_list("unit_id", flat=True)
        .distinct()
    )
    ids.discard(None)  # type: ignore[arg-type]
    return {int(i) for i in ids}


def _declaration_findings(
    unit: Unit, period: Period, today: date, obliged: set[int]
) -> list[_Finding]:
    if period.end >= today or unit.pk not in obliged:
        return []
    if MonthlyDeclaration.objects.filter(
        unit=unit,
        year=period.year,
        month=period.month_number,
        # A count of a type that needs none declares nothing.
        record_type__in=declarable_record_types(),
    ).exists():
        return []
    return [
        _Finding(
            Kind.NOT_DECLARED,
            period.key,
            f"{period.label}未申报作出的行政许可、行政处罚等决定数，无法核算上报率，请尽快申报。",
            "未申报",
        )
    ]


_CHECKED_KINDS = (Kind.NUMBER_GAP, Kind.UNDER_REPORTED, Kind.REPEATED_LATENESS, Kind.NOT_DECLARED)


# The note a suspicion (or a read 约谈预警) closes with when its fact has gone.
RESOLVED_NOTES = {
    Kind.UNDER_REPORTED: "申报与报送已一致，自动解除",
    Kind.NUMBER_GAP: "文书号已连续，自动解除",
    Kind.NOT_DECLARED: "已申报决定数，自动解除",
    Kind.REPEATED_LATENESS: "当月迟报已不再达到约谈预警标准，自动解除",
}

# How a new warning names the answered one it replaces.
_PREVIOUS_STATE: dict[str, str] = {
    QualityWarning.Rectification.EXPLAINED: "已提交情况说明",
    QualityWarning.Rectification.DONE: "已确认整改完成",
    QualityWarning.Rectification.RETURNED: "情况说明已被退回",
}


def _message(finding: _Finding, previous: QualityWarning | None) -> str:
    if previous is None:
        return finding.message
    state = _PREVIOUS_STATE.get(previous.rectification, "已处理")
    fact = f"（{previous.fact}）" if previous.fact else ""
    return f"{finding.message}前次预警{fact}{state}，现情况有变化，请重新说明。"


def _same_fact(warning: QualityWarning, finding: _Finding) -> bool:
    if warning.fact:
        return warning.fact == finding.fact
    # Written before facts were stored: the same text states the same fact.
    return warning.message == _message(finding, warning.previous)


def _close(warning: QualityWarning, resolution: str, note: str, now: Any) -> None:
    """Close a live warning as it stands, freeing its key for the next live one."""
    suffix = f"#{warning.pk}"
    warning.key = f"{warning.key[: 200 - len(suffix)]}{suffix}"
    warning.resolution = resolution
    warning.resolution_note = note
    warning.resolved_at = now
    warning.save(
        update_fields=["key", "resolution", "resolution_note", "resolved_at", "updated_at"]
    )


def _warning_event(action: str, warning: QualityWarning, new: dict[str, Any]) -> None:
    record_event(
        actor=None,
        action=action,
        target_type="collection.QualityWarning",
        target_id=warning.pk,
        target_repr=str(warning),
        old={"rectification": warning.rectification, "fact": warning.fact},
        new=new,
    )


def _apply(unit: Unit, period: Period, findings: list[_Finding], summary: CheckSummary) -> None:
    """Make the live warnings of (unit, period, checked kinds) match `findings`."""
    standing = {
        (w.kind, w.key): w
        for w in QualityWarning.objects.filter(
            unit=unit, period=period.key, kind__in=_CHECKED_KINDS, resolution=""
        ).select_related("previous")
    }
    wanted = {(f.kind, f.key): f for f in findings}
    now = timezone.now()
    for ident, finding in wanted.items():
        warning = standing.get(ident)
        if warning is None:
            warning = _create(unit, period, finding, summary, previous=None)
        elif (
            finding.kind in SUSPICION_KINDS
            and warning.rectification
            and not _same_fact(warning, finding)
        ):
            warning = _supersede(unit, period, warning, finding, summary, now)
        else:
            _follow(warning, finding, summary)
        summary.warnings.append(
            {
                "unit": unit.name,
                "kind": finding.kind,
                "key": finding.key,
                "message": warning.message,
            }
        )
    for ident, warning in standing.items():
        if ident in wanted:
            continue
        # A read 约谈预警 whose lateness has gone (a raised threshold, a calendar edit, a
        # correction) is closed too, not left listed for 约谈 (`units_for_interview`); an
        # unread one nobody saw simply goes.
        if warning.kind in SUSPICION_KINDS or warning.acknowledged_at is not None:
            note = RESOLVED_NOTES[QualityWarning.Kind(warning.kind)]
            _warning_event(
                "collection.warning.resolve",
                warning,
                {"resolution": QualityWarning.Resolution.RESOLVED, "note": note},
            )
            _close(warning, QualityWarning.Resolution.RESOLVED, note, now)
            summary.resolved += 1
        else:
            warning.delete()
            summary.resolved += 1


def _create(
    unit: Unit,
    period: Period,
    finding: _Finding,
    summary: CheckSummary,
    *,
    previous: QualityWarning | None,
) -> QualityWarning:
    summary.created += 1
    return QualityWarning.objects.create(  # type: ignore[no-any-return]
        unit=unit,
        kind=finding.kind,
        key=finding.key,
        period=period.key,
        message=_message(finding, previous),
        fact=finding.fact,
        previous=previous,
    )


def _supersede(
    unit: Unit,
    period: Period,
    answered: QualityWarning,
    finding: _Finding,
    summary: CheckSummary,
    now: Any,
) -> QualityWarning:
    """The answer was about another fact: keep it as it stands, and ask anew."""
    note = f"情况已变化（{answered.fact or '原预警'} → {finding.fact}），已另行预警"
    _close(answered, QualityWarning.Resolution.SUPERSEDED, note, now)
    fresh = _create(unit, period, finding, summary, previous=answered)
    summary.superseded += 1
    _warning_event(
        "collection.warning.supersede",
        answered,
        {
            "resolution": QualityWarning.Resolution.SUPERSEDED,
            "note": note,
            "superseded_by": fresh.pk,
            "fact": finding.fact,
        },
    )
    return fresh


def _follow(warning: QualityWarning, finding: _Finding, summary: CheckSummary) -> None:
    """Bring a live warning's text and fact up to date, its state untouched."""
    message = _message(finding, warning.previous)
    if warning.message != message or warning.fact != finding.fact:
        warning.message = message
        warning.fact = finding.fact
        warning.save(update_fields=["message", "fact", "updated_at"])
        summary.updated += 1


def _check(
    unit: Unit, period: Period, today: date, threshold: int, obliged: set[int]
) -> CheckSummary:
    summary = CheckSummary(period=period.key, units_checked=1)
    findings = [
        *_shortfall_findings(unit, period),
        *_gap_findings(unit, period),
        *_lateness_findings(unit, period, threshold),
        *_declaration_findings(unit, period, today, obliged),
    ]
    _apply(unit, period, findings, summary)
    return summary


def _log(summary: CheckSummary, actor: Any, target: str, target_id: Any) -> None:
    if summary.changed:
        record_event(
            actor=actor,
            action="collection.check",
            target_type="collection.QualityWarning",
            target_id=target_id,
            target_repr=target,
            new={k: v for k, v in summary.as_json().items() if k != "warnings"},
        )


def check_unit_period(
    unit: Unit, year: int, month: int, *, actor: Any = None, today: date | None = None
) -> CheckSummary:
    """Run every check for one unit and one month (called after each batch and each
    declaration)."""
    period = Period.month(int(year), int(month))
    today = today or timezone.localdate()
    threshold = active_policy().late_warning_threshold
    with transaction.atomic():
        summary = _check(unit, period, today, threshold, _obliged_unit_ids())
        _log(summary, actor, f"{unit.name} {period.label}质量检查", f"{unit.pk}:{period.key}")
    return summary


def batch_months(batch: Batch) -> list[tuple[int, int]]:
    """The months a batch may affect: its report month and, for a record type with a
    reporting deadline (the ones declared and measured by month), every month its records'
    decision dates fall in. A registration batch dates its records by 成立日期, decades
    back: those months owe no declaration and are not checked. Months the statistics
    cannot hold (before 2000) are left out rather than failing a batch already stored."""
    months = {(batch.reported_on.year, batch.reported_on.month)}
    if batch.record_type.report_deadline_workdays:
        for d in (
            CreditRecord.objects.filter(batch=batch, decision_date__isnull=False)
            .values_list("decision_date", flat=True)
            .distinct()
        ):
            if d is not None:
                months.add((d.year, d.month))
    return sorted(m for m in months if _measurable(*m))


def _measurable(year: int, month: int) -> bool:
    try:
        Period.month(year, month)
    except DomainError:
        return False
    return True


def check_after_batch(
    batch: Batch, *, actor: Any = None, today: date | None = None
) -> CheckSummary:
    """Run the checks of every month `batch` may affect, for its unit."""
    summary = CheckSummary(period=f"{batch.reported_on:%Y-%m}")
    for year, month in batch_months(batch):
        summary.merge(check_unit_period(batch.unit, year, month, actor=actor, today=today))
    return summary


def check_after_void(record: CreditRecord, *, today: date | None = None) -> CheckSummary | None:
    """Re-run the checks of the month a record voided as keyed wrongly was decided in:
    it no longer counts as a decision (`selectors.decision_records`), so the month's
    shortfall grows and a gap its number made (3500号 for 350号) closes. A gap the void
    opens in a later month's sequence is found by that month's next check."""
    decided = record.decision_date
    if decided is None or not record.record_type.report_deadline_workdays:
        return None
    if not _measurable(decided.year, decided.month):
        return None
    return check_unit_period(record.source_unit, decided.year, decided.month, today=today)


def run_checks(
    *,
    year: int,
    month: int,
    actor: Any = None,
    today: date | None = None,
    units: Iterable[Unit] | None = None,
) -> CheckSummary:
    """The job: every active unit's checks for one month, in one transaction."""
    period = Period.month(int(year), int(month))
    today = today or timezone.localdate()
    threshold = active_policy().late_warning_threshold
    obliged = _obliged_unit_ids()
    unit_list = (
        list(units)
        if units is not None
        else list(Unit.objects.filter(active=True).order_by("sort_order", "name"))
    )
    summary = CheckSummary(period=period.key)
    with transaction.atomic():
        for unit in unit_list:
            summary.merge(_check(unit, period, today, threshold, obliged))
        _log(summary, actor, f"{period.label}归集质量检查", period.key)
    return summary


def acknowledge_warning(*, actor: Any, warning: QualityWarning) -> QualityWarning:
    """A unit marks a warning as read; an acknowledged warning is kept even when its cause
    goes away, as a record of what the unit was told (a suspicion is kept in any case,
    closed as resolved)."""
    if actor is not None:
        permissions.require(actor, "write_unit_data", warning.unit)
    if warning.acknowledged_at is not None:
        return warning
    with transaction.atomic():
        warning.acknowledged_at = timezone.now()
        warning.acknowledged_by = actor if getattr(actor, "pk", None) else None
        warning.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
        record_event(
            actor=actor,
            action="collection.acknowledge_warning",
            target_type="collection.QualityWarning",
            target_id=warning.pk,
            target_repr=str(warning),
            new={"acknowledged_at": warning.acknowledged_at},
        )
    return warning


# ------------------------------------------------------------------ 督促整改 of suspicions

Rect = QualityWarning.Rectification
MAX_EXPLANATION = 2000


def _suspicion(warning: QualityWarning) -> None:
    if warning.kind not in SUSPICION_KINDS:
        raise DomainError(
            "只有疑似瞒报漏报的预警（报送数少于申报数、文书号不连续、未申报决定数）需要整改说明。"
        )


def _require_live(warning: QualityWarning, *, instead: str, needless: str) -> None:
    """A closed warning is history: its fact has gone or changed."""
    if warning.resolution == QualityWarning.Resolution.SUPERSEDED:
        raise DomainError(f"该预警所述情况已发生变化，已由新的预警取代，请{instead}。")
    if warning.resolution == QualityWarning.Resolution.RESOLVED:
        raise DomainError(f"该预警已自动解除（{warning.resolution_note}），{needless}。")


def require_explainer(actor: Any, warning: QualityWarning) -> None:
    """Only the warned unit's reporter or reviewer explains (actor None: the system)."""
    if actor is None:
        return
    role = permissions.role_of(actor)
    if role is None:
        raise NotPermitted("请先登录，或账号已停用。")
    if role == Role.CREDIT_ADMIN:
        raise NotPermitted("情况说明由被预警单位的填报员或审核员填写。")
    if role not in (Role.REPORTER, Role.REVIEWER) or actor.unit_id != warning.unit_id:
        raise NotPermitted(f"无权为“{warning.unit.name}”填写情况说明。")


def explain_warning(*, actor: Any, warning: QualityWarning, text: Any) -> QualityWarning:
    """The unit's 情况说明 of a 瞒报/漏报 suspicion (numbers voided, 不予处罚, the missing
    records 补报 …), answering the warning's fact as it stands (`fact`). Explaining also
    marks the warning read. A closed warning (resolved or superseded) takes no more
    answers."""
    require_explainer(actor, warning)
    _suspicion(warning)
    body = clean_text(text, "情况说明", limit=MAX_EXPLANATION)
    with transaction.atomic():
        warning = QualityWarning.objects.select_for_update().get(pk=warning.pk)
        _require_live(warning, instead="对新的预警作出情况说明", needless="无需再说明")
        if warning.rectification == Rect.EXPLAINED:
            raise DomainError("已提交情况说明，正在等待信用办确认，不能重复提交。")
        if warning.rectification == Rect.DONE:
            raise DomainError("该预警已确认整改完成，无需再说明。")
        old = {"rectification": warning.rectification}
        now = timezone.now()
        who = actor if getattr(actor, "pk", None) else None
        warning.explanation = body
        warning.explained_at = now
        warning.explained_by = who
        warning.rectification = Rect.EXPLAINED
        if warning.acknowledged_at is None:
            warning.acknowledged_at = now
            warning.acknowledged_by = who
        warning.save()
        record_event(
            actor=actor,
            action="collection.warning.explain",
            target_type="collection.QualityWarning",
            target_id=warning.pk,
            target_repr=str(warning),
            old=old,
            new={"rectification": warning.rectification, "explanation": body},
        )
    return warning


def review_warning(
    *, actor: Any, warning: QualityWarning, accepted: bool, reason: Any = ""
) -> QualityWarning:
    """The credit office marks the suspicion 整改完成, or returns the explanation with a
    reason (the unit explains again)."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    _suspicion(warning)
    why = clean_text(reason, "退回理由", required=not accepted, limit=MAX_EXPLANATION)
    with transaction.atomic():
        warning = QualityWarning.objects.select_for_update().get(pk=warning.pk)
        _require_live(warning, instead="确认新的预警", needless="无需确认")
        if warning.rectification == Rect.DONE:
            raise DomainError("该预警已确认整改完成。")
        if warning.rectification != Rect.EXPLAINED:
            raise DomainError("单位尚未提交情况说明，不能确认整改。")
        old = {"rectification": warning.rectification}
        warning.rectification = Rect.DONE if accepted else Rect.RETURNED
        warning.review_reason = why
        warning.reviewed_at = timezone.now()
        warning.reviewed_by = actor if getattr(actor, "pk", None) else None
        warning.save()
        record_event(
            actor=actor,
            action="collection.warning.review",
            target_type="collection.QualityWarning",
            target_id=warning.pk,
            target_repr=str(warning),
            old=old,
            new={"rectification": warning.rectification, "reason": why},
        )
    return warning


def unrectified_suspicions(period: Period) -> dict[int, int]:
    """{unit id: 瞒报/漏报 suspicions of the month not (yet) confirmed 整改完成}. Closed ones
    are not: a resolved fact needs no 整改, a superseded one is counted by its successor."""
    rows = (
        QualityWarning.objects.filter(period=period.key, kind__in=SUSPICION_KINDS, resolution="")
        .exclude(rectification=Rect.DONE)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {int(r["unit_id"]): int(r["n"]) for r in rows}


def units_for_interview(period: Period) -> list[Unit]:
    """Units listed for 约谈预警 in the month, in 通报 order: those whose warning is open
    (a closed one's lateness no longer reaches the threshold)."""
    ids = QualityWarning.objects.filter(
        kind=Kind.REPEATED_LATENESS, period=period.key, resolution=""
    ).values_list("unit_id", flat=True)
    return list(Unit.objects.filter(pk__in=list(ids)).order_by("sort_order", "name"))
