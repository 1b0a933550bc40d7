"""What records do when the working-day calendar changes (connected in apps.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from xinyong.core.calendar import calendar_days_changed, calendar_years_loaded

from .services import recompute_withdrawal_deadlines, settle_withdrawal_deadlines


@receiver(calendar_years_loaded, dispatch_uid="records_settle_withdrawal_deadlines")
def _calendar_years_loaded(sender: Any, years: list[int], actor: Any = None, **kwargs: Any) -> None:
    # A withdrawal recorded while its deadline's year was unknown waited for this.
    settle_withdrawal_deadlines(years, actor=actor)


@receiver(calendar_days_changed, dispatch_uid="records_recompute_withdrawal_deadlines")
def _calendar_days_changed(sender: Any, days: list[Any], actor: Any = None, **kwargs: Any) -> None:
    recompute_withdrawal_deadlines(days, actor=actor)
