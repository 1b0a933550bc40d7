"""Metrics computed from data the platform already holds (collection, sanctions, rights,
commitments), registered through the same hook other apps use (ledger.metrics).

Each function takes (unit, period) and returns a number, or None when there is nothing to
measure (a unit that reported no 双公示 record has no 迟报率). Figures are counted up to
the end of the period or today, whichever comes first, so that a period in progress shows
today's state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Any

from django.db.models import Q
from django.utils import timezone

from xinyong.collection.selectors import (
    Period,
    declared_reporting,
    percent,
    resolve_record_types,
    unit_rates,
)


def _until(period: Any) -> date:
    return min(period.end, timezone.localdate())


class Rate(Decimal):
    """A percentage as shown: rounded to two decimals (collection.selectors.percent), with
    its exact value kept for judging a target (RowTarget.met_by). The seed's targets are
    zero tolerance (合规率 100%, 迟报率 0, DOMAIN §4): one rejected row in 20,001 shows
    100.00% and still misses 100%."""

    exact: Fraction


def rate(numerator: int, denominator: int | None) -> Rate | None:
    shown = percent(numerator, denominator)
    if shown is None or denominator is None:
        return None
    found = Rate(shown)
    found.exact = Fraction(numerator * 100, denominator)
    return found


# ------------------------------------------------------------------ collection (双公示)


def _rates(units: Sequence[Any], period: Any) -> dict[int, Any]:
    types = resolve_record_types("双公示")
    return {r.unit.pk: r for r in unit_rates(period, record_types=types, units=list(units))}


def late_rate_bulk(units: Sequence[Any], period: Any) -> dict[int, Decimal | None]:
    """迟报率 = 迟报条数 ÷ 报送条数 (双公示 records reported in the period; 7 working days,
    发改办财金〔2018〕424号)."""
    return {pk: rate(r.late, r.timed) for pk, r in _rates(units, period).items()}


def compliance_bulk(units: Sequence[Any], period: Any) -> dict[int, Decimal | None]:
    """合规率 = 通过校验的行数 ÷ 提交的行数 (collection's definition)."""
    return {pk: rate(r.rows_passed, r.rows_submitted) for pk, r in _rates(units, period).items()}


def report_rate_bulk(units: Sequence[Any], period: Any) -> dict[int, Decimal | None]:
    """上报率 = 报送条数 ÷ 申报作出决定数 (双公示; DOMAIN.md §4, the seed's 瞒报率为零),
    over the months and types the unit declared (collection.selectors.declared_reporting).
    A unit that declared nothing, or only zeros, has no 上报率 — None, as in collection."""
    until = _until(period)
    if until < period.start:
        return {}
    found = declared_reporting(
        Period.between(period.start, until),
        units=list(units),
        record_types=resolve_record_types("双公示"),
    )
    return {pk: rate(reported, declared) for pk, (reported, declared) in found.items()}


def _one(bulk: Callable[[Sequence[Any], Any], dict[int, Any]]) -> Callable[[Any, Any], Any]:
    def fn(unit: Any, period: Any) -> Any:
        return bulk([unit], period).get(unit.pk)

    return fn


# ------------------------------------------------------------------ sanctions


def _sxbzxr_entries(on: date) -> Any:
    from xinyong.sanctions.lists import in_force_q
    from xinyong.sanctions.models import ListEntry

    return ListEntry.objects.filter(in_force_q(on)).filter(
        Q(list_type__field="失信被执行人") | Q(list_type__record_type__code="SXBZXR")
    )


def government_bodies(unit: Any, period: Any) -> int:
    """Government bodies on the 失信被执行人 list in the district (seed task 15: zero)."""
    from xinyong.sanctions.lists import list_share

    return int(list_share(_until(period))["government_bodies_on_sxbzxr"])


def blacklist_share(unit: Any, period: Any) -> Decimal:
    """Share of district enterprises on a serious-dishonesty list (seed task 10)."""
    from xinyong.sanctions.lists import list_share

    return Decimal(list_share(_until(period))["share_percent"])


def feedback_overdue_bulk(units: Sequence[Any], period: Any) -> dict[int, int]:
    """Checks of the period that hit a listed subject and whose feedback (执行反馈) was
    past its due date and still missing at the end of the period (or today): a past
    month's 通报 counts the feedback given after that month as missing then. A check's
    feedback was complete on the day its last measure was reported (CheckMeasure
    .reported_on; a measure corrected later moves that day)."""
    from collections import Counter

    from django.db.models import Max

    from xinyong.sanctions.models import Check

    until = _until(period)
    late = (
        Check.objects.filter(
            unit_id__in=[u.pk for u in units],
            checked_on__gte=period.start,
            checked_on__lte=period.end,
            feedback_due__lt=until,
        )
        .exclude(feedback_status=Check.FeedbackStatus.NOT_NEEDED)
        .annotate(completed_on=Max("measures__reported_on"))
        .filter(Q(feedback_status=Check.FeedbackStatus.PENDING) | Q(completed_on__gt=until))
        .values_list("unit_id", flat=True)
    )
    found = Counter(late)
    return {u.pk: found.get(u.pk, 0) for u in units}


# ------------------------------------------------------------------ rights


def objections_overdue_bulk(units: Sequence[Any], period: Any) -> dict[int, int]:
    """Objections that were overdue on some day of the period (rights.objections)."""
    from xinyong.rights.objections import overdue_by_unit

    found = dict(overdue_by_unit(period.start, _until(period)))
    return {u.pk: found.get(u.name, 0) for u in units}


def repairs_overdue_bulk(units: Sequence[Any], period: Any) -> dict[int, int]:
    """Repair applications overdue on some day of the period: open past their review or
    sync deadline, or decided or synced late within it (rights.repair)."""
    from xinyong.rights.repair import overdue_repairs_by_unit

    found = dict(overdue_repairs_by_unit(_until(period), since=period.start))
    return {u.pk: found.get(u.name, 0) for u in units}


def objections_overdue_district(unit: Any, period: Any) -> int:
    """rights' own total of overdue objections, those the credit office handles itself
    (filed against a subject alone, counted under 区信用办（自行处理）) included: a sum
    over the units would leave them out."""
    from xinyong.rights.objections import overdue_by_unit

    return sum(n for _name, n in overdue_by_unit(period.start, _until(period)))


def repairs_overdue_district(unit: Any, period: Any) -> int:
    """rights' own total of overdue repair applications (units no longer active too)."""
    from xinyong.rights.repair import overdue_repairs_by_unit

    return sum(n for _name, n in overdue_repairs_by_unit(_until(period), since=period.start))


def _judged_late(decided_on: date, late: Callable[[], bool]) -> bool | None:
    """`late()` for a decision on `decided_on`. A deadline that needs a year whose
    calendar is not loaded, when that year comes after the decision's, lies after the
    decision day: not late (the pages show it as 期限待定). When the decision day's own
    year is not loaded, either answer would be a guess (DOMAIN.md §3): None, and the
    decision stays out of the ratio."""
    from xinyong.core.errors import CalendarUnknownYear

    try:
        return late()
    except CalendarUnknownYear as exc:
        return False if exc.year > decided_on.year else None


def _on_time_rate(verdicts: Iterable[bool | None]) -> Decimal | None:
    judged = [late for late in verdicts if late is not None]
    return rate(sum(1 for late in judged if not late), len(judged))


def objections_on_time(unit: Any, period: Any) -> Decimal | None:
    """办结及时率 of objections decided in the period: not decided late
    (rights.objections.decided_late, the rule the monthly 通报 reads too) ÷ decided."""
    from xinyong.rights import objections
    from xinyong.rights.models import Objection

    decided = Objection.objects.filter(
        decided_on__gte=period.start, decided_on__lte=_until(period)
    ).prefetch_related("pauses")
    verdicts = []
    for objection in decided:
        assert objection.decided_on is not None
        verdicts.append(
            _judged_late(objection.decided_on, partial(objections.decided_late, objection))
        )
    return _on_time_rate(verdicts)


def repairs_on_time(unit: Any, period: Any) -> Decimal | None:
    """办结及时率 of repair applications decided in the period: decided on or before the
    decision deadline (rights.repair.decision_due) ÷ decided. An application without a
    complete date has no deadline to miss. One ended (终止办理) because its record was
    withdrawn had no decision on its merits: left out, as rights.repair counts it
    (overdue_repairs_by_unit: no late decision, only days open late)."""
    from xinyong.rights.models import RepairApplication
    from xinyong.rights.repair import decision_due

    def late(app: RepairApplication, decided_on: date) -> bool:
        due = decision_due(app)
        return due is not None and decided_on > due

    verdicts = []
    for app in RepairApplication.objects.filter(
        decided_on__gte=period.start, decided_on__lte=_until(period)
    ).exclude(status=RepairApplication.Status.TERMINATED):
        assert app.decided_on is not None
        verdicts.append(_judged_late(app.decided_on, partial(late, app, app.decided_on)))
    return _on_time_rate(verdicts)


# ------------------------------------------------------------------ commitments


def commitments_shared(unit: Any, period: Any) -> int:
    """Commitments the unit made in the period that the city platform has confirmed
    receiving (台账 row 24: 向市信用信息平台共享信用承诺及履约践诺信息): made is not shared."""
    from xinyong.exchange.selectors import commitments_shared_with_city

    return int(commitments_shared_with_city(unit, period).count())


def register_metrics(register: Callable[..., Any]) -> None:
    register(
        "collection.late_rate",
        "双公示迟报率",
        _one(late_rate_bulk),
        bulk=late_rate_bulk,
        unit_label="%",
        comparison="<=",
        target=0,
        description="迟报条数 ÷ 报送条数（行政许可、行政处罚，7 个工作日内报送，发改办财金〔2018〕424号）",
        drill="collection:overview",
    )
    register(
        "collection.compliance_rate",
        "双公示合规率",
        _one(compliance_bulk),
        bulk=compliance_bulk,
        unit_label="%",
        comparison=">=",
        target=100,
        description="通过校验的行数 ÷ 提交的行数",
        drill="collection:overview",
    )
    register(
        "collection.report_rate",
        "双公示上报率",
        _one(report_rate_bulk),
        bulk=report_rate_bulk,
        unit_label="%",
        comparison=">=",
        target=100,
        description="报送条数 ÷ 单位申报的作出决定数（行政许可、行政处罚，按单位已申报的月份和类别逐月"
        "逐类比对，决定日期在该月的已报送记录计入；少报即瞒报、漏报）。期间内未申报作出决定数（或申报"
        "数均为 0）的单位无法计算，显示“无数据”，不计达标与否，与归集模块的上报率一致",
        drill="collection:overview",
    )
    register(
        "sanctions.government_bodies_on_sxbzxr",
        "全区列入失信被执行人的政府机构数",
        government_bodies,
        scope="district",
        unit_label="家",
        comparison="<=",
        target=0,
        description="失信被执行人名单在列的政府机构主体数（重点工作第15项：零增长、清零）",
        drill="sanctions:governance",
    )
    register(
        "sanctions.blacklist_share",
        "严重失信主体名单企业占比",
        blacklist_share,
        scope="district",
        unit_label="%",
        comparison="<=",
        description="列入严重失信主体名单的本区企业 ÷ 本区企业（重点工作第10项）",
        drill="sanctions:governance",
    )
    register(
        "sanctions.feedback_overdue",
        "奖惩措施逾期未反馈数",
        _one(feedback_overdue_bulk),
        bulk=feedback_overdue_bulk,
        unit_label="件",
        comparison="<=",
        target=0,
        description="期间内命中名单的奖惩查询中，至期末（或今天）已超过反馈期限仍未反馈执行情况的件数",
        drill="sanctions:checks",
    )
    register(
        "rights.objections_overdue",
        "超期办理的异议数",
        _one(objections_overdue_bulk),
        bulk=objections_overdue_bulk,
        unit_label="件",
        comparison="<=",
        target=0,
        description="期间内曾超过办理时限仍未办结，或在期间内超期办结的异议（按提供单位计）",
        drill="rights:objection-list",
        district_figure="rights.objections_overdue_district",
    )
    register(
        "rights.objections_overdue_district",
        "全区超期办理的异议数",
        objections_overdue_district,
        scope="district",
        unit_label="件",
        comparison="<=",
        target=0,
        description="期间内曾超过办理时限仍未办结，或在期间内超期办结的异议，含信用办自行处理的",
        drill="rights:objection-list",
    )
    register(
        "rights.repairs_overdue",
        "超期办理的信用修复申请数",
        _one(repairs_overdue_bulk),
        bulk=repairs_overdue_bulk,
        unit_label="件",
        comparison="<=",
        target=0,
        description="期间内曾超过审核或同步时限仍未办结，或在期间内超期作出决定、超期同步修复结果的"
        "信用修复申请（按记录提供单位计）",
        drill="rights:repair-list",
        district_figure="rights.repairs_overdue_district",
    )
    register(
        "rights.repairs_overdue_district",
        "全区超期办理的信用修复申请数",
        repairs_overdue_district,
        scope="district",
        unit_label="件",
        comparison="<=",
        target=0,
        description="期间内曾超过审核或同步时限仍未办结，或在期间内超期作出决定、超期同步修复结果的"
        "信用修复申请",
        drill="rights:repair-list",
    )
    register(
        "rights.objections_on_time",
        "异议按时办结率",
        objections_on_time,
        scope="district",
        unit_label="%",
        comparison=">=",
        target=100,
        description="期间内办结的异议中在办理时限内办结的比例；办理时限落在尚未导入工作日历的年份"
        "（期限待定）的，办结时尚未到期，计为按时",
        drill="rights:objection-list",
    )
    register(
        "rights.repairs_on_time",
        "信用修复按时办结率",
        repairs_on_time,
        scope="district",
        unit_label="%",
        comparison=">=",
        target=100,
        description="期间内作出决定的信用修复申请中在审核时限内决定的比例（因记录撤销而终止办理的不计）；"
        "审核时限落在尚未导入工作日历的年份（期限待定）的，决定时尚未到期，计为按时",
        drill="rights:repair-list",
    )
    register(
        "commitments.shared",
        "共享的信用承诺数",
        commitments_shared,
        unit_label="条",
        comparison=">=",
        target=1,
        description="期间内本单位受理作出、并经市信用信息共享平台确认接收的信用承诺条数",
        drill="commitments:list",
    )
