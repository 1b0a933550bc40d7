"""What collection does when another app's data changes (connected in apps.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from xinyong.core.calendar import calendar_days_changed, calendar_years_loaded
from xinyong.records.models import RecordWithdrawal
from xinyong.records.signals import record_changed

from .services import recompute_deadlines, settle_deadlines


@receiver(calendar_years_loaded, dispatch_uid="collection_settle_deadlines")
def _calendar_years_loaded(sender: Any, years: list[int], **kwargs: Any) -> None:
    # Records stored while these years were unknown have no deadline (期限未定) until now.
    settle_deadlines(years)


@receiver(calendar_days_changed, dispatch_uid="collection_recompute_deadlines")
def _calendar_days_changed(sender: Any, days: list[Any], actor: Any = None, **kwargs: Any) -> None:
    # Deadlines computed from the old schedule of these days are wrong now.
    recompute_deadlines(days, actor=actor)


@receiver(record_changed, dispatch_uid="collection_recheck_after_void")
def _record_changed(sender: Any, record: Any, change: str = "", **kwargs: Any) -> None:
    # A void (录入错误作废) takes the record out of the month's counted decisions.
    if change == "withdrawn" and kwargs.get("kind") == RecordWithdrawal.Kind.KEYING_ERROR:
        from .quality import check_after_void

        check_after_void(record)
