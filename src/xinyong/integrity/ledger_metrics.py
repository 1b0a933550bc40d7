"""The 政务诚信 measures the work ledger binds its rows to (ledger.metrics autodiscovers
this module): a unit's bodies on the 失信被执行人 list, its new arrears, the district's
new arrears and open alerts. The figures are integrity's own (evaluation.METRICS), so the ledger and the
政务诚信 evaluation never disagree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone


def _bulk(key: str) -> Callable[[Sequence[Any], Any], dict[int, Decimal]]:
    def bulk(units: Sequence[Any], period: Any) -> dict[int, Decimal]:
        from .evaluation import metric_values

        until = min(period.end, timezone.localdate())
        return metric_values(key, units, period.start, until)

    return bulk


def _one(key: str) -> Callable[[Any, Any], Decimal | None]:
    bulk = _bulk(key)

    def fn(unit: Any, period: Any) -> Decimal | None:
        return bulk([unit], period).get(unit.pk)

    return fn


def district_new_arrears(unit: Any, period: Any) -> int:
    """New arrears anywhere in the district: every body of every unit, a unit that is no
    longer active included. The seed's 台账 row 10 (确保全年不新增政府机构、事业单位、国有
    企业拖欠民营企业、中小企业账款) is a district target whose responsible units (区工信局,
    区人社局) own few of the bodies that can fall into arrears. Counted as integrity's
    evaluation counts a unit's (ArrearsCase.arose_q: became arrears in the period, the day
    after the due date; revoked registrations left out), so the sum of the per-unit
    figures and this one agree."""
    from .models import ArrearsCase

    until = min(period.end, timezone.localdate())
    return (
        ArrearsCase.objects.exclude(status=ArrearsCase.Status.REVOKED)
        .filter(ArrearsCase.arose_q(period.start, until))
        .count()
    )


def open_alerts(unit: Any, period: Any) -> int:
    from .models import Alert

    return Alert.objects.exclude(status=Alert.Status.RESOLVED).count()


def register_metrics(register: Any) -> None:
    register(
        "integrity.unit_bodies_on_sxbzxr",
        "本单位及下属单位列入失信被执行人数",
        _one("sxbzxr_bodies"),
        bulk=_bulk("sxbzxr_bodies"),
        unit_label="家",
        comparison="<=",
        target=0,
        description="本单位机关本级及其所属事业单位、国有企业（政务诚信·政府机构主体）中，"
        "期间内任一日在失信被执行人名单上的数量",
        drill="integrity:dashboard",
    )
    register(
        "integrity.new_arrears",
        "新增拖欠中小企业账款笔数",
        _one("new_arrears"),
        bulk=_bulk("new_arrears"),
        unit_label="笔",
        comparison="<=",
        target=0,
        description="期间内新形成（约定付款期限次日起逾期）的拖欠民营企业、中小企业账款"
        "（不含已撤销的登记）",
        drill="integrity:dashboard",
        district_figure="integrity.district_new_arrears",
    )
    register(
        "integrity.district_new_arrears",
        "全区新增拖欠中小企业账款笔数",
        district_new_arrears,
        scope="district",
        unit_label="笔",
        comparison="<=",
        target=0,
        description="全区各单位的机关、事业单位、国有企业中，期间内新形成（约定付款期限次日起"
        "逾期）的拖欠民营企业、中小企业账款（不含已撤销的登记）；台账第10项的每个责任单位都看"
        "全区数",
        drill="integrity:dashboard",
    )
    register(
        "integrity.alerts",
        "政务诚信未解除预警数",
        open_alerts,
        scope="district",
        unit_label="条",
        comparison="<=",
        target=0,
        description="政府机构列入失信被执行人、新增拖欠、未结案件等尚未解除的预警",
        drill="integrity:dashboard",
    )
