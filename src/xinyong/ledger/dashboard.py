"""The leaders' dashboard (领导小组): one JSON document behind one screen of charts, each
with the URL of the list behind it (drill-down).

- plan completion: the plan's assignments by status → the ledger list filtered by status;
- overdue items by unit → the ledger list of that unit's overdue items;

The ledger figures are as of today, the day the list behind them judges deadlines on,
also for a plan year that has ended (its fourth quarter's reports fall due in January);
the platform figures cover the plan year, up to today or the year's end.

- 双公示 rates per unit for the year (collection) → the unit's collection page;
- black-list share and trend (sanctions.governance) → the governance picture;
- objections and repairs handled on time (rights) → the rights lists;
- 信易贷 volume and government integrity alerts: whatever metrics the finance and
  integrity apps register under "finance." / "integrity." (ledger.metrics); "未接入" while
  none is registered.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from xinyong.collection.selectors import resolve_record_types, unit_rates

from . import metrics, selectors
from .models import Plan


def _url(name: str, *args: Any, query: dict[str, Any] | None = None) -> str:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(query)}" if query else url


def _ledger_list(**query: Any) -> str:
    return _url("ledger:home", query={k: v for k, v in query.items() if v not in (None, "")})


def _registered(prefix: str, period: Any) -> dict[str, Any]:
    registered = metrics.all_metrics()
    codes = {m.code for m in registered}
    found = [
        m
        for m in registered
        if m.code.startswith(prefix) and not (m.district_figure and m.district_figure in codes)
    ]
    if not found:
        return {"connected": False, "label": metrics.NOT_CONNECTED, "items": []}
    items = []
    for metric in found:
        value = metric.value(None, period) if metric.scope == "district" else None
        if metric.scope == "unit":
            # A per-unit metric is summed over the units for the district figure.
            from xinyong.orgs.models import Unit

            units = list(Unit.objects.filter(active=True))
            values = [v for v in metric.values(units, period).values() if v is not None]
            value = sum(values) if values else None
        items.append(
            {
                "code": metric.code,
                "label": metric.label,
                "unit_label": metric.unit_label,
                "value": None if value is None else float(value),
                "display": metrics.format_value(metric, value),
                "url": _url(metric.drill) if metric.drill and ":" in metric.drill else metric.drill,
            }
        )
    return {"connected": True, "label": "", "items": items}


def dashboard_data(plan: Plan, *, on: date | None = None) -> dict[str, Any]:
    on = on or selectors.today()
    picture = selectors.plan_picture(plan, on=on)
    totals = picture.totals()
    period = selectors.plan_period(plan, on)
    figures_on = min(on, date(plan.year, 12, 31))
    completion = [
        {"key": "accepted", "name": "已完成", "value": totals["accepted"]},
        {"key": "pending", "name": "待审核", "value": totals["pending"]},
        {"key": "in_progress", "name": "推进中", "value": totals["in_progress"]},
        {"key": "not_reported", "name": "未报送", "value": totals["not_reported"]},
    ]
    for item in completion:
        item["url"] = _ledger_list(year=plan.year, status=item["key"])
    overdue = sorted(
        (s for s in picture.units if s.overdue),
        key=lambda s: (-s.overdue, s.unit.sort_order, s.unit.name),
    )
    rates = [
        r
        for r in unit_rates(period, record_types=resolve_record_types("双公示"))
        if r.reported or r.rows_submitted
    ]
    from xinyong.sanctions.governance import blacklist_picture

    black = blacklist_picture(on=figures_on)
    objections = metrics.get_metric("rights.objections_on_time")
    repairs = metrics.get_metric("rights.repairs_on_time")
    overdue_objections = metrics.get_metric("rights.objections_overdue")
    overdue_repairs = metrics.get_metric("rights.repairs_overdue")

    def district_total(metric: metrics.Metric | None) -> int | None:
        if metric is None:
            return None
        # The source's own district figure where it offers one: a sum over the units
        # misses what belongs to no unit (objections the credit office handles itself).
        district = metrics.get_metric(metric.district_figure) if metric.district_figure else None
        if district is not None:
            found = district.value(None, period)
            return None if found is None else int(found)
        values = metric.values([s.unit for s in picture.units], period).values()
        return int(sum(v for v in values if v is not None))

    def value(metric: metrics.Metric | None) -> float | None:
        if metric is None:
            return None
        found = metric.value(None, period)
        return None if found is None else float(found)

    return {
        "year": plan.year,
        "on": on.isoformat(),
        "figures_on": figures_on.isoformat(),
        "plan": {"title": plan.title, "rows": plan.rows.count()},
        "completion": {
            "rate": str(picture.completion),
            "totals": totals,
            "items": completion,
            "overdue_url": _ledger_list(year=plan.year, overdue=1),
        },
        "overdue_by_unit": [
            {
                "unit": s.unit.name,
                "unit_id": s.unit.pk,
                "overdue": s.overdue,
                "rows": s.overdue_rows,
                "url": _ledger_list(year=plan.year, unit=s.unit.pk, overdue=1),
            }
            for s in overdue
        ],
        "shuanggongshi": {
            "period": f"{period.start:%Y-%m-%d}~{period.end:%Y-%m-%d}",
            "units": [
                {
                    "unit": r.unit.name,
                    "unit_id": r.unit.pk,
                    "reported": r.reported,
                    "late": r.late,
                    "timeliness": None if r.timeliness is None else float(r.timeliness),
                    "compliance": None if r.compliance is None else float(r.compliance),
                    # The unit's page of the plan year (it opens today's year by default).
                    "url": _url("collection:unit", r.unit.pk, query={"year": plan.year}),
                }
                for r in rates
            ],
            # The overview shows one month: the last month of the figures, in the plan year.
            "url": _url("collection:overview", query={"period": f"{figures_on:%Y-%m}"}),
        },
        "blacklist": {
            "share": float(black.now.share),
            "listed": black.now.blacklisted_enterprises,
            "enterprises": black.now.district_enterprises,
            "government_bodies": black.now.government_bodies_on_judgment_debtors,
            "max_share": None if black.target.max_share is None else float(black.target.max_share),
            "months": [p.on.strftime("%Y-%m") for p in black.trend],
            "trend_share": [float(p.share) for p in black.trend],
            "trend_listed": [p.blacklisted_enterprises for p in black.trend],
            "url": _url("sanctions:governance", query={"on": figures_on.isoformat()}),
        },
        "rights": {
            "objections_on_time": value(objections),
            "repairs_on_time": value(repairs),
            "objections_overdue": district_total(overdue_objections),
            "repairs_overdue": district_total(overdue_repairs),
            "objections_url": _url("rights:objection-list"),
            "repairs_url": _url("rights:repair-list"),
        },
        "finance": _registered("finance.", period),
        "integrity": _registered("integrity.", period),
        "unknown_years": sorted(picture.unknown_years),
    }
