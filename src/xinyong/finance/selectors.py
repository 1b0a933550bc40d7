"""Reads of 信易贷: the published white list, a run's items, and the statistics page
(credit-loan volume and growth against the city average, success rate of recommended
firms, 银企对接 events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from .models import CityBenchmark, LoanOutcome, MatchmakingEvent, WhitelistItem, WhitelistRun
from .services import current_run, listed_on

ItemStatus = WhitelistItem.Status


def published_items(run: WhitelistRun | None = None) -> QuerySet[WhitelistItem]:
    """The published list's items that banks see: listed and removed (with the reason)."""
    run = run or current_run()
    if run is None:
        return WhitelistItem.objects.none()
    return (
        WhitelistItem.objects.filter(run=run, status__in=(ItemStatus.LISTED, ItemStatus.REMOVED))
        .select_related("subject")
        .order_by("status", "subject__name")
    )


def run_counts(run: WhitelistRun) -> dict[str, int]:
    rows = run.items.values("status").annotate(n=Count("id"))
    counts = {s: 0 for s in ItemStatus.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def failure_counts(run: WhitelistRun) -> list[tuple[str, int]]:
    """How many subjects failed each condition (a subject may fail several)."""
    counts: dict[str, int] = {}
    for reasons in run.items.filter(status=ItemStatus.INELIGIBLE).values_list("reasons", flat=True):
        for r in reasons or []:
            if not r.get("passed"):
                counts[r.get("label", "")] = counts.get(r.get("label", ""), 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def _pct(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _granted_q() -> Q:
    # A loan dated after today has not been granted yet: report_outcome refuses such
    # dates, but rows stored before it did must not count either.
    return Q(status=LoanOutcome.Status.GRANTED, granted_on__lte=timezone.localdate())


def granted_loans(start: date, end: date, loan_type: str | None = None) -> QuerySet[LoanOutcome]:
    """Loans granted (by 放款日期) from `start` to `end`, never after today: the one
    definition of the statistics page and the work ledger's metric
    (ledger_metrics.credit_loan_amount), so that the two never disagree."""
    qs = LoanOutcome.objects.filter(_granted_q(), granted_on__gte=start, granted_on__lte=end)
    if loan_type:
        qs = qs.filter(loan_type=loan_type)
    return qs


def granted_amount(start: date, end: date, loan_type: str | None = None) -> Decimal:
    total = granted_loans(start, end, loan_type).aggregate(total=Sum("amount_wan"))["total"]
    return Decimal(total or 0)


def _volume(year: int, loan_type: str | None = None) -> Decimal:
    return granted_amount(date(year, 1, 1), date(year, 12, 31), loan_type)


@dataclass
class Statistics:
    year: int
    credit_volume: Decimal
    credit_volume_prev: Decimal
    credit_growth: Decimal | None
    all_volume: Decimal
    credit_share: Decimal | None
    city_growth: Decimal | None
    city_source: str
    beats_city: bool | None
    recommended: int
    applied: int
    granted: int
    success_rate: Decimal | None
    granted_amount_recommended: Decimal
    events: int
    event_firms: int
    event_banks: int
    by_bank: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}


def statistics(year: int) -> Statistics:
    """Definitions (docs/finance.md):
    - credit-loan volume: 信用贷款 granted (放款日期) in the year, 万元; growth against the
      previous year's volume; the target is growth above the city average for the year
      (CityBenchmark, entered as data);
    - recommended firms: firms listed on a white list published in the year, or listed on
      1 January (`services.listed_on`: not removed on or before that day);
    - success rate: among recommended firms that applied in the year (application
      reported by a bank), the share granted a loan;
    - per bank: applications by 申请日期, loans and amounts by 放款日期 (`_by_bank`);
    - 银企对接: events held in the year, bank and firm participations (家次)."""
    credit = _volume(year, LoanOutcome.LoanType.CREDIT)
    prev = _volume(year - 1, LoanOutcome.LoanType.CREDIT)
    total = _volume(year)
    growth = _pct(credit - prev, prev)
    bench = CityBenchmark.objects.filter(year=year).first()
    beats = None
    if bench is not None and growth is not None:
        beats = growth > bench.city_growth_percent
    # The lists published in the year, and the one in force on 1 January as `listed_on`
    # reads it (one rule: a firm removed on or before 1 January was not listed that day).
    published_in_year = Q(
        run__published_at__year=year,
        run__status__in=(WhitelistRun.Status.PUBLISHED, WhitelistRun.Status.SUPERSEDED),
        status__in=(ItemStatus.LISTED, ItemStatus.REMOVED),
    )
    recommended = (
        WhitelistItem.objects.filter(
            published_in_year | Q(pk__in=listed_on(date(year, 1, 1)).values("pk"))
        )
        .values("subject")
        .distinct()
        .count()
    )
    outcomes = LoanOutcome.objects.filter(
        applied_on__year=year, applied_on__lte=timezone.localdate()
    )
    rec_outcomes = outcomes.filter(whitelist_item__isnull=False)
    applied = rec_outcomes.values("subject").distinct().count()
    granted_qs = rec_outcomes.filter(_granted_q())
    granted = granted_qs.values("subject").distinct().count()
    granted_amount = granted_qs.aggregate(t=Sum("amount_wan"))["t"] or Decimal("0")
    events = MatchmakingEvent.objects.filter(held_on__year=year)
    # 家次: each bank once per event it attended, as event_firms counts firms per event.
    bank_visits = sum(len(set(names or [])) for names in events.values_list("banks", flat=True))
    return Statistics(
        year=year,
        credit_volume=credit,
        credit_volume_prev=prev,
        credit_growth=growth,
        all_volume=total,
        credit_share=_pct(credit, total),
        city_growth=bench.city_growth_percent if bench else None,
        city_source=bench.source if bench else "",
        beats_city=beats,
        recommended=recommended,
        applied=applied,
        granted=granted,
        success_rate=_pct(granted, applied),
        granted_amount_recommended=granted_amount,
        events=events.count(),
        event_firms=sum(events.values_list("firm_count", flat=True)),
        event_banks=bank_visits,
        by_bank=_by_bank(year, outcomes),
    )


def _by_bank(year: int, applications: QuerySet[LoanOutcome]) -> list[dict[str, Any]]:
    """Per bank: applications by 申请日期 in the year; loans and amounts by 放款日期, the
    basis of 信用贷款发放额 (granted_loans), so that the banks' amounts add up to the
    headline figures (a loan applied for in December and granted in January counts in
    January's year)."""
    rows: dict[str, dict[str, Any]] = {}

    def row(bank: str) -> dict[str, Any]:
        return rows.setdefault(
            bank,
            {"bank": bank, "applied": 0, "granted": 0, "amount": "0", "credit_amount": "0"},
        )

    for r in applications.values("bank").annotate(n=Count("id")):
        row(r["bank"])["applied"] = r["n"]
    loans = granted_loans(date(year, 1, 1), date(year, 12, 31))
    for r in loans.values("bank").annotate(
        n=Count("id"),
        amount=Sum("amount_wan"),
        credit_amount=Sum("amount_wan", filter=Q(loan_type=LoanOutcome.LoanType.CREDIT)),
    ):
        target = row(r["bank"])
        target["granted"] = r["n"]
        target["amount"] = str(r["amount"] or Decimal("0"))
        target["credit_amount"] = str(r["credit_amount"] or Decimal("0"))
    return [rows[bank] for bank in sorted(rows)]
