"""Read side of collection: periods, the three 双公示 rates per unit, batches and records
narrowed to what the reader may see.

The rates are defined openly (DOMAIN.md §4: no public formula exists) and the same
definitions are shown next to the numbers on every page and in the 通报:

- 及时率 = records reported within `add_workdays(decision date, 7)` ÷ records reported
  whose deadline is known (发改办财金〔2018〕424号: 双公示 within 7 working days; the
  start day is not counted). A record whose deadline falls in a year without a working-day
  calendar is 期限未定: counted apart, in neither number, until the year is loaded
  (`services.settle_deadlines`) — never guessed on time;
- 合规率 = rows passing validation ÷ rows submitted (from the batches);
- 上报率 = records with a decision date in the period's months, reported by the time
  the rate is computed (also after the month's end) ÷ the count the unit declared for
  those months (MonthlyDeclaration) — the under-reporting check's rule
  (`declared_month_records`).

Each counts a unit's own reports only: what the city platform pushed down and the
exchange stored under the receiving unit (Batch.Channel.UPSTREAM) is not that unit's
report of its own decisions (`reported_records`, `reported_batches`).

Every figure comes from a handful of GROUP BY unit queries (no per-record Python),
which run alike on SQLite and PostgreSQL.
"""

from __future__ import annotations

import calendar as pycalendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from xinyong.catalog.models import RecordType
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.records.models import CreditRecord, RecordWithdrawal

from .models import Batch, CollectionPolicy, MonthlyDeclaration, QualityWarning

RATE_DEFINITIONS: dict[str, str] = {
    "timeliness": "及时率 = 自决定日期起 7 个工作日内（不含决定当日）报送的记录数 ÷ 报送期限已确定的报送记录数"
    "（依据：发改办财金〔2018〕424号，双公示信息 7 个工作日内上网公示）；报送期限所在年度尚无工作日历的记录"
    "列为“期限未定”，不计入分子和分母，信用办导入该年度节假日安排后自动补算",
    "compliance": "合规率 = 通过校验的行数 ÷ 提交的行数（按报送批次统计，退回行不计入通过数）",
    "reporting": "上报率 = 决定日期在申报月份、属申报信息类别、截至统计时已报送的记录数"
    "（次月报送的也计入，如本月最后几日作出、次月在 7 个工作日期限内报送的决定；每月每类至多计申报数）"
    " ÷ 单位申报的本期作出决定数（月度申报）；与疑似漏报预警（报送数少于申报数）按同一口径计数",
    "scope": "统计范围：有报送期限的行政行为信息（双公示及其他八类行政行为，“十公示”）；"
    "登记注册、司法、荣誉等没有报送期限的信息不计入；市平台下发的数据不是接收单位自行报送的，"
    "不设报送期限，不计入接收单位的各项比率",
}

SHUANGGONGSHI = "双公示"

_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[-年/.]\s*(\d{1,2})\s*月?\s*$")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise DomainError(f"统计期间不正确：{year}年{month}月。")
        last = pycalendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last))

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        if start > end:
            raise DomainError("起始日期不能晚于截止日期。")
        return cls(start, end)

    @property
    def is_month(self) -> bool:
        return (
            self.start.day == 1
            and self.start.year == self.end.year
            and self.start.month == self.end.month
            and self.end.day == pycalendar.monthrange(self.end.year, self.end.month)[1]
        )

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def month_number(self) -> int:
        return self.start.month

    @property
    def key(self) -> str:
        """YYYY-MM for a month, else "YYYY-MM-DD~YYYY-MM-DD"."""
        if self.is_month:
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m-%d}~{self.end:%Y-%m-%d}"

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start:%Y年%m月%d日}至{self.end:%Y年%m月%d日}"

    def months(self) -> list[tuple[int, int]]:
        """The (year, month) pairs the period touches."""
        out = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def previous(self) -> Period:
        y, m = self.year, self.month_number
        return Period.month(y - 1, 12) if m == 1 else Period.month(y, m - 1)

    def next(self) -> Period:
        y, m = self.year, self.month_number
        return Period.month(y + 1, 1) if m == 12 else Period.month(y, m + 1)


def parse_period(text: Any) -> Period:
    """A month from "2026-10" (also "2026年10月", "2026/10"); DomainError otherwise."""
    match = _PERIOD_RE.match(str(text or ""))
    if not match:
        raise DomainError(f"统计月份格式不正确：“{text}”，请按 2026-10 的格式填写。")
    return Period.month(int(match.group(1)), int(match.group(2)))


def percent(numerator: int, denominator: int | None) -> Decimal | None:
    """numerator ÷ denominator as a percentage with two decimals (half up), or None when
    there is nothing to divide by."""
    if not denominator:
        return None
    value = Decimal(numerator) * 100 / Decimal(denominator)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def resolve_record_types(types: str | Sequence[str] | None) -> list[RecordType] | None:
    """None for "all types"; "双公示" for licences and penalties together; otherwise codes
    or Chinese names."""
    if types is None or types == "" or types == []:
        return None
    names = [types] if isinstance(types, str) else list(types)
    found: list[RecordType] = []
    for name in names:
        name = str(name).strip()
        if not name:
            continue
        if name == SHUANGGONGSHI:
            found.extend(RecordType.objects.filter(is_shuanggongshi=True).order_by("sort_order"))
            continue
        rt = RecordType.objects.filter(Q(code=name.upper()) | Q(name=name)).first()
        if rt is None:
            raise NotFoundError(f"未知信息类别：{name}")
        found.append(rt)
    return found


def deadline_types() -> list[RecordType]:
    """The record types with a reporting deadline (十公示): the ones the rates measure.
    Registration, court and honour records have no deadline, so counting them would make
    every unit look timely and inflate its 上报率 against declarations of decisions."""
    return list(
        RecordType.objects.filter(report_deadline_workdays__gt=0).order_by("sort_order", "code")
    )


def active_policy() -> CollectionPolicy:
    policy = CollectionPolicy.objects.filter(active=True).order_by("-id").first()
    return policy or CollectionPolicy()


@dataclass
class UnitRates:
    unit: Unit
    reported: int = 0
    late: int = 0
    # 期限未定: reported records of a type with a deadline whose deadline year has no
    # calendar yet. Out of 及时率 until the year is loaded.
    undetermined: int = 0
    decided_reported: int = 0
    declared: int | None = None
    rows_submitted: int = 0
    rows_rejected: int = 0
    duplicates: int = 0
    corrections: int = 0
    batches: int = 0
    warnings: int = 0
    warning_kinds: list[str] = field(default_factory=list)

    @property
    def timed(self) -> int:
        """Reported records whose deadline is known: the denominator of 及时率."""
        return self.reported - self.undetermined

    @property
    def on_time(self) -> int:
        return self.timed - self.late

    @property
    def rows_passed(self) -> int:
        return self.rows_submitted - self.rows_rejected

    @property
    def timeliness(self) -> Decimal | None:
        return percent(self.on_time, self.timed)

    @property
    def compliance(self) -> Decimal | None:
        return percent(self.rows_passed, self.rows_submitted)

    @property
    def reporting(self) -> Decimal | None:
        return percent(self.decided_reported, self.declared)

    @property
    def silent(self) -> bool:
        return self.reported == 0 and self.batches == 0

    def as_json(self) -> dict[str, Any]:
        def pct(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "unit_id": self.unit.pk,
            "unit": self.unit.name,
            "reported": self.reported,
            "late": self.late,
            "undetermined": self.undetermined,
            "on_time": self.on_time,
            "decided_reported": self.decided_reported,
            "declared": self.declared,
            "rows_submitted": self.rows_submitted,
            "rows_passed": self.rows_passed,
            "rejected": self.rows_rejected,
            "duplicates": self.duplicates,
            "corrections": self.corrections,
            "batches": self.batches,
            "warnings": self.warnings,
            "timeliness": pct(self.timeliness),
            "compliance": pct(self.compliance),
            "reporting": pct(self.reporting),
        }


def _month_q(months: Iterable[tuple[int, int]]) -> Q:
    q = Q(pk__in=[])
    for y, m in months:
        q |= Q(year=y, month=m)
    return q


def _counted(
    period: Period, record_types: Sequence[RecordType] | None
) -> tuple[QuerySet[CreditRecord], QuerySet[Batch], QuerySet[MonthlyDeclaration]]:
    """The reports, batches and the period's monthly declarations the rates count, of
    `record_types` when given (unit_rates and units_for_period read the same ones)."""
    records = reported_records()
    batches = reported_batches()
    declarations = MonthlyDeclaration.objects.filter(_month_q(period.months()))
    if record_types is not None:
        type_ids = [rt.pk for rt in record_types]
        records = records.filter(record_type_id__in=type_ids)
        batches = batches.filter(record_type_id__in=type_ids)
        declarations = declarations.filter(record_type_id__in=type_ids)
    return records, batches, declarations


def unit_rates(
    period: Period,
    *,
    record_types: Sequence[RecordType] | None = None,
    units: Sequence[Unit] | None = None,
) -> list[UnitRates]:
    """The rates of every unit in `units` (default: `units_for_period`, in 通报 order) for
    `period`, optionally for some record types only. Units that reported nothing are
    included with zeros."""
    if units is None:
        units = units_for_period(period, record_types=record_types)
    rows = {u.pk: UnitRates(unit=u) for u in units}
    if not rows:
        return []
    restrict = len(rows) < 50  # a long IN list costs more than it saves

    records, batches, declarations = _counted(period, record_types)
    # Standing warnings only: a closed suspicion (resolved, superseded) is history.
    warnings = QualityWarning.objects.filter(
        period__in=[f"{y}-{m:02d}" for y, m in period.months()], resolution=""
    )
    if restrict:
        ids = sorted(rows)
        records = records.filter(source_unit_id__in=ids)
        batches = batches.filter(unit_id__in=ids)
        declarations = declarations.filter(unit_id__in=ids)
        warnings = warnings.filter(unit_id__in=ids)

    # A type without a deadline (registration, honours) has none to wait for.
    timed_types = [
        rt.pk
        for rt in (deadline_types() if record_types is None else record_types)
        if rt.report_deadline_workdays
    ]
    for item in (
        records.filter(reported_on__gte=period.start, reported_on__lte=period.end)
        .values("source_unit_id")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(is_late=True)),
            undetermined=Count(
                "id", filter=Q(deadline__isnull=True, record_type_id__in=timed_types)
            ),
        )
        .order_by()
    ):
        if (row := rows.get(item["source_unit_id"])) is not None:
            row.reported, row.late = item["n"], item["late"]
            row.undetermined = item["undetermined"]
    # Matched to the declarations type by type and month by month, as the under-reporting
    # warning is: a licence reported in a month where only penalties were declared does
    # not cover a missing penalty (and 上报率 cannot say 100% beside "少 1 件").
    for unit_id, (matched, _declared) in declared_reporting(
        period, units=units, record_types=record_types
    ).items():
        if (row := rows.get(unit_id)) is not None:
            row.decided_reported = matched
    for item in (
        batches.filter(reported_on__gte=period.start, reported_on__lte=period.end)
        .values("unit_id")
        .annotate(
            n=Count("id"),
            submitted=Sum("rows"),
            rejected=Sum("rejected"),
            duplicates=Sum("duplicates"),
            corrections=Sum("updated"),
        )
        .order_by()
    ):
        if (row := rows.get(item["unit_id"])) is not None:
            row.batches = item["n"]
            row.rows_submitted = item["submitted"] or 0
            row.rows_rejected = item["rejected"] or 0
            row.duplicates = item["duplicates"] or 0
            row.corrections = item["corrections"] or 0
    for item in declarations.values("unit_id").annotate(n=Sum("declared_count")).order_by():
        if (row := rows.get(item["unit_id"])) is not None:
            row.declared = item["n"] or 0
    for item in (
        warnings.values("unit_id", "kind").annotate(n=Count("id")).order_by("unit_id", "kind")
    ):
        if (row := rows.get(item["unit_id"])) is not None:
            row.warnings += item["n"]
            row.warning_kinds.append(item["kind"])
    return list(rows.values())


def units_for_period(
    period: Period, *, record_types: Sequence[RecordType] | None = None
) -> list[Unit]:
    """The units a period's rates and 通报 list, in 通报 order: every unit active now, and
    any unit since deactivated (abolished, merged) that has records or batches reported in
    the period or declarations for its months, of `record_types` when given. A past
    month's 通报 regenerated after a unit was abolished keeps that unit's row, and its
    reports and 迟报 stay in the district totals and rates."""
    records, batches, declarations = _counted(period, record_types)
    records = records.filter(reported_on__gte=period.start, reported_on__lte=period.end)
    batches = batches.filter(reported_on__gte=period.start, reported_on__lte=period.end)
    return list(
        Unit.objects.filter(
            Q(active=True)
            | Q(pk__in=records.values("source_unit_id"))
            | Q(pk__in=batches.values("unit_id"))
            | Q(pk__in=declarations.values("unit_id"))
        ).order_by("sort_order", "name")
    )


def declared_reporting(
    period: Period,
    *,
    units: Sequence[Unit],
    record_types: Sequence[RecordType] | None = None,
) -> dict[int, tuple[int, int]]:
    """{unit id: (reported, declared)} over the months of `period` the unit declared,
    matched month by month and type by type as the under-reporting check matches them
    (quality: 申报作出决定 N 件，已报送 n 件): records of a declared type with a decision
    date in a declared month (`declared_month_records`: reported by now, also after the
    month's end), against the declared counts.
    A record of an undeclared month or type, or beyond a month's declared count, cannot make
    up for one missing elsewhere; nor can a record voided as keyed wrongly.
    Units that declared nothing in the period are absent (their 上报率 is not measured,
    as in `UnitRates.reporting`)."""
    ids = [u.pk for u in units]
    if not ids:
        return {}
    declarations = MonthlyDeclaration.objects.filter(_month_q(period.months()), unit_id__in=ids)
    records = declared_month_records(period).filter(source_unit_id__in=ids)
    if record_types is not None:
        type_ids = [rt.pk for rt in record_types]
        declarations = declarations.filter(record_type_id__in=type_ids)
        records = records.filter(record_type_id__in=type_ids)
    declared: dict[tuple[int, int, int, int], int] = {}
    for d in declarations.values("unit_id", "record_type_id", "year", "month", "declared_count"):
        key = (d["unit_id"], d["record_type_id"], d["year"], d["month"])
        declared[key] = d["declared_count"]
    if not declared:
        return {}
    found = {
        (r["source_unit_id"], r["record_type_id"], r["y"], r["m"]): r["n"]
        for r in records.annotate(y=ExtractYear("decision_date"), m=ExtractMonth("decision_date"))
        .values("source_unit_id", "record_type_id", "y", "m")
        .annotate(n=Count("id"))
        .order_by()
    }
    out: dict[int, tuple[int, int]] = {}
    for key, count in declared.items():
        reported, total = out.get(key[0], (0, 0))
        # A month reported beyond its declaration does not cover another month's shortfall:
        # the under-reporting warning is raised per month, and so is the rate's shortfall.
        out[key[0]] = (reported + min(found.get(key, 0), count), total + count)
    return out


def reported_batches() -> QuerySet[Batch]:
    """The batches a unit submitted itself: all but those the city platform pushed down
    (exchange.inbound stores them under the receiving unit, by default the credit office).
    What 合规率 counts: the rows the city sent are not the unit's to get right."""
    return Batch.objects.exclude(channel=Batch.Channel.UPSTREAM)


def reported_records() -> QuerySet[CreditRecord]:
    """The records a unit reported itself: all but those of batches pushed down by the
    city platform. A provincial penalty pushed down months after its decision is no late
    report of the unit it is stored under: 及时率 measures a unit's reporting of its own
    decisions from its own decision date (发改办财金〔2018〕424号). Every rate, check and
    sample of a unit's reporting starts here. The ingest moves a pushed-down record to the
    unit's batch when the unit reports it itself, and never back (the city's changed copy
    of a unit's record is refused), so the record's batch tells which side it is on."""
    return CreditRecord.objects.exclude(batch__channel=Batch.Channel.UPSTREAM)


def decision_records() -> QuerySet[CreditRecord]:
    """The records that stand for a decision the unit made and reported: its own reports
    (`reported_records`) but those voided as keyed wrongly (录入错误作废 — 3500号 uploaded
    for 350号 is no decision). A withdrawn (撤销/撤回) record still is: the decision was
    made, then changed or revoked. What the under-reporting and number-gap checks and 上报率
    count."""
    return reported_records().exclude(withdrawal__kind=RecordWithdrawal.Kind.KEYING_ERROR)


def declared_month_records(period: Period) -> QuerySet[CreditRecord]:
    """The records that count toward the monthly declarations of the months `period`
    touches — one rule for 上报率 (`declared_reporting`) and the under-reporting check
    (quality._shortfall_findings): a unit's decisions (`decision_records`) with a decision
    date in one of those months, reported by the time the figure is computed, whatever the
    report date. A decision of a month's last week is due up to 7 working days into the next
    month (发改办财金〔2018〕424号) and a month's 通报 is drawn up in the next: cut at the
    month's end, a decision reported on time would count as missing (上报率 0% beside no
    漏报 warning). A late report counts as reported too: its lateness is 及时率's, not
    上报率's."""
    months = period.months()
    first = date(months[0][0], months[0][1], 1)
    last_y, last_m = months[-1]
    last = date(last_y, last_m, pycalendar.monthrange(last_y, last_m)[1])
    return decision_records().filter(decision_date__gte=first, decision_date__lte=last)


def unit_year_rates(
    unit: Unit, year: int, *, until: date | None = None
) -> list[tuple[Period, UnitRates]]:
    """One unit's rates month by month for `year`, up to the month of `until`."""
    out = []
    types = deadline_types()
    for month in range(1, 13):
        period = Period.month(year, month)
        if until is not None and period.start > until:
            break
        out.append((period, unit_rates(period, record_types=types, units=[unit])[0]))
    return out


# ------------------------------------------------------------------ scoped reads


def batches_for(reader: Any, *, unit: Unit | None = None) -> QuerySet[Batch]:
    qs = permissions.scope_to_user_units(
        reader, Batch.objects.select_related("unit", "record_type", "created_by"), "unit"
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.order_by("-id")


def batch_for(reader: Any, batch_id: Any) -> Batch:
    """A batch the reader may see; NotFoundError (404) otherwise, so that ids of other
    units' batches are not confirmed."""
    try:
        pk = int(batch_id)
    except (TypeError, ValueError):
        raise NotFoundError("未找到该报送批次。") from None
    batch = batches_for(reader).filter(pk=pk).first()
    if batch is None:
        raise NotFoundError("未找到该报送批次。")
    return batch


def records_for(reader: Any) -> QuerySet[CreditRecord]:
    return permissions.scope_to_user_units(
        reader,
        CreditRecord.objects.select_related("record_type", "source_unit", "subject"),
        "source_unit",
    )


def record_for(reader: Any, record_id: Any) -> CreditRecord:
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise NotFoundError("未找到该信用记录。") from None
    record = records_for(reader).filter(pk=pk).first()
    if record is None:
        raise NotFoundError("未找到该信用记录。")
    return record


def filter_records(
    qs: QuerySet[CreditRecord],
    *,
    record_type: RecordType | None = None,
    unit: Unit | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    late_only: bool = False,
    text: str = "",
) -> QuerySet[CreditRecord]:
    """The records list's filters; dates apply to the decision date."""
    if record_type is not None:
        qs = qs.filter(record_type=record_type)
    if unit is not None:
        qs = qs.filter(source_unit=unit)
    if date_from is not None:
        qs = qs.filter(decision_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(decision_date__lte=date_to)
    if late_only:
        qs = qs.filter(is_late=True)
    text = " ".join(str(text or "").split())
    if text:
        qs = qs.filter(
            Q(party_name__icontains=text)
            | Q(document_number__icontains=text)
            | Q(party_identifier=text.upper())
        )
    return qs


def declarations_for(reader: Any, *, unit: Unit | None = None) -> QuerySet[MonthlyDeclaration]:
    qs = permissions.scope_to_user_units(
        reader, MonthlyDeclaration.objects.select_related("unit", "record_type"), "unit"
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.order_by("-year", "-month", "record_type__sort_order")


def warnings_for(
    reader: Any, *, unit: Unit | None = None, period: str | None = None
) -> QuerySet[QualityWarning]:
    qs = permissions.scope_to_user_units(
        reader, QualityWarning.objects.select_related("unit", "record", "previous"), "unit"
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if period:
        qs = qs.filter(period=period)
    return qs.order_by("-period", "kind", "key")


# The suspicion list's filters (/workspace/collection/suspicions/): the default "open" is
# what still needs the unit or the office; closed ones are history.
SUSPICION_STATES = {
    "open": "未整改完成",
    "pending": "待说明",
    "explained": "已说明待确认",
    "returned": "已退回",
    "done": "整改完成",
    "closed": "已解除或另行预警",
    "all": "全部",
}


def filter_suspicions(qs: QuerySet[QualityWarning], state: str) -> QuerySet[QualityWarning]:
    """Narrow suspicions to one of `SUSPICION_STATES` (an unknown state: "open")."""
    R = QualityWarning.Rectification
    if state == "all":
        return qs
    if state == "closed":
        return qs.exclude(resolution="")
    if state == "done":
        # 整改完成 stays what it was, also once the fact has gone or changed.
        return qs.filter(rectification=R.DONE)
    live = qs.filter(resolution="")
    if state == "pending":
        return live.filter(rectification="")
    if state in (R.EXPLAINED, R.RETURNED):
        return live.filter(rectification=state)
    return live.exclude(rectification=R.DONE)


def declarable_record_types() -> QuerySet[RecordType]:
    """The types a unit declares monthly counts for: the ten administrative acts with a
    reporting deadline (双公示 and 十公示)."""
    return (
        RecordType.objects.filter(active=True)
        .filter(Q(is_shuanggongshi=True) | Q(is_shigongshi=True))
        .order_by("sort_order", "code")
    )


def withdrawals_of(unit: Unit, year: int) -> QuerySet[RecordWithdrawal]:
    """A unit's record withdrawals in a year, newest first (its quality page: a late
    withdrawal is a quality fact, 行政处罚法 art. 48)."""
    return (
        RecordWithdrawal.objects.filter(record__source_unit=unit, withdrawn_on__year=year)
        .select_related("record", "record__record_type")
        .order_by("-withdrawn_on", "-id")
    )
