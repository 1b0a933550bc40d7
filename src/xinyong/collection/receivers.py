"""What collection does when another app's data changes (connected in apps.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from xinyong.core.calendar import calendar_years_loaded

from .services import settle_deadlines


@receiver(calendar_years_loaded, dispatch_uid="collection_settle_deadlines")
def _calendar_years_loaded(sender: Any, years: list[int], **kwargs: Any) -> None:
    # Records stored while these years were unknown have no deadline (期限未定) until now.
    settle_deadlines(years)
