"""The metric registry: platform numbers that ledger rows are bound to.

A metric is a function `fn(unit, period) -> value` (a number, or None when there is
nothing to measure yet), registered under a dotted code:

    from xinyong.ledger.metrics import register_metric
    register_metric("collection.late_rate", "双公示迟报率", late_rate,
                    unit_label="%", comparison="<=", target=0)

`unit` is a `orgs.Unit` for per-unit metrics (scope "unit") and None for district-wide
ones (scope "district"); `period` has `start` and `end` dates (collection.selectors.Period).
An optional `bulk(units, period) -> {unit_id: value}` computes many units at once for the
通报 and the dashboard.

Other apps do not import the ledger (ARCHITECTURE: "ledger reads everyone and nobody
imports it"). An app offers metrics by adding a module `<app>/ledger_metrics.py` with a
function `register_metrics(register)`; the ledger imports every such module when Django
starts (`autodiscover`) and passes `register_metric` in:

    # xinyong/finance/ledger_metrics.py
    def register_metrics(register):
        register("finance.credit_loan_amount", "信用贷款发放额", loan_amount,
                 unit_label="万元", scope="district", comparison=">=")

A row bound to a code that nobody registered shows "未接入" instead of a number; it is
neither met nor missed, and the assessment leaves it out.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.apps import apps

Value = Decimal | int | None
MetricFn = Callable[[Any, Any], Value]
BulkFn = Callable[[Sequence[Any], Any], dict[int, Value]]
Scope = Literal["unit", "district"]

NOT_CONNECTED = "未接入"
NO_DATA = "无数据"


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    fn: MetricFn
    unit_label: str = ""
    scope: Scope = "unit"
    comparison: str = "<="
    target: Decimal | None = None
    bulk: BulkFn | None = None
    description: str = ""
    # A workspace URL name (or path) listing what stands behind the number, for drilling
    # from the dashboard and the ledger pages.
    drill: str = ""
    # The code of a district metric that gives this per-unit metric's district figure
    # itself (counting units no longer active too): the dashboard shows that one only.
    district_figure: str = ""

    def value(self, unit: Any, period: Any) -> Value:
        return self.fn(unit if self.scope == "unit" else None, period)

    def values(self, units: Sequence[Any], period: Any) -> dict[int, Value]:
        """{unit_id: value} for many units; district metrics give every unit the same."""
        if self.scope == "district":
            one = self.fn(None, period)
            return {u.pk: one for u in units}
        if self.bulk is not None:
            found = self.bulk(units, period)
            return {u.pk: found.get(u.pk) for u in units}
        return {u.pk: self.fn(u, period) for u in units}


_registry: dict[str, Metric] = {}


def register_metric(
    code: str,
    label: str,
    fn: MetricFn,
    *,
    unit_label: str = "",
    scope: Scope = "unit",
    comparison: str = "<=",
    target: Decimal | int | None = None,
    bulk: BulkFn | None = None,
    description: str = "",
    drill: str = "",
    district_figure: str = "",
) -> Metric:
    """Register (or replace, by code) a metric."""
    if comparison not in ("<=", ">="):
        raise ValueError("comparison must be '<=' or '>='")
    if scope not in ("unit", "district"):
        raise ValueError("scope must be 'unit' or 'district'")
    metric = Metric(
        code=code,
        label=label,
        fn=fn,
        unit_label=unit_label,
        scope=scope,
        comparison=comparison,
        target=None if target is None else Decimal(target),
        bulk=bulk,
        description=description,
        drill=drill,
        district_figure=district_figure,
    )
    _registry[code] = metric
    return metric


def unregister_metric(code: str) -> None:
    _registry.pop(code, None)


def get_metric(code: str) -> Metric | None:
    return _registry.get(code)


def all_metrics() -> list[Metric]:
    return sorted(_registry.values(), key=lambda m: m.code)


def format_value(metric: Metric | None, value: Value) -> str:
    if metric is None:
        return NOT_CONNECTED
    if value is None:
        return NO_DATA
    return f"{value}{metric.unit_label}"


def autodiscover() -> list[str]:
    """Import `<app>.ledger_metrics` of every installed app and let it register its
    metrics; returns the modules found."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.ledger_metrics"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        hook = getattr(module, "register_metrics", None)
        if callable(hook):
            hook(register_metric)
            found.append(name)
    return found
