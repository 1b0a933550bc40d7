"""Reactions to other apps' signals: a repair application carries a 信用修复型
commitment (rights.signals.repair_applied), which lapses when the repair ends unapproved
(rights.signals.repair_decided with approved False; records.signals.record_changed
"withdrawn", on which rights ends the record's open applications as 终止办理), and whose
check day follows the repaired record's window when publicity recomputes it
(publicity.signals.windows_computed). The 核查期限 counted in working days follows the
calendar: filled when a missing year is loaded (core.calendar.calendar_years_loaded),
recomputed when a loaded year's holidays change (calendar_days_changed)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from xinyong.core.calendar import calendar_days_changed, calendar_years_loaded
from xinyong.publicity.signals import windows_computed
from xinyong.records.signals import record_changed
from xinyong.rights.models import RepairApplication
from xinyong.rights.signals import repair_applied, repair_decided

from .services import (
    follow_repair_check_days,
    lapse_repair_commitments,
    recompute_verify_dues,
    record_repair_commitment,
    settle_verify_dues,
)


@receiver(repair_applied, dispatch_uid="commitments.repair_commitment")
def _repair_applied(sender: Any, application: Any, actor: Any = None, **kwargs: Any) -> None:
    record_repair_commitment(actor=actor, application=application)


@receiver(repair_decided, dispatch_uid="commitments.repair_refused")
def _repair_decided(sender: Any, application: Any, approved: bool = False, **kwargs: Any) -> None:
    if not approved:
        # The signal carries no actor: the decision's maker is the application's.
        lapse_repair_commitments(actor=application.decided_by, applications=[application])


@receiver(record_changed, dispatch_uid="commitments.record_withdrawn")
def _record_changed(
    sender: Any, record: Any = None, change: str = "", actor: Any = None, **kwargs: Any
) -> None:
    if record is None or change != "withdrawn":
        return
    # rights' own receiver of this signal ends the record's open applications (终止办理)
    # first: it is connected when RightsConfig.ready imports rights.repair, before this
    # app's ready (INSTALLED_APPS order), and receivers run in connection order.
    lapse_repair_commitments(
        actor=actor,
        applications=RepairApplication.objects.filter(
            record_id=record.pk,
            status__in=(RepairApplication.Status.REFUSED, RepairApplication.Status.TERMINATED),
        ),
    )


@receiver(windows_computed, dispatch_uid="commitments.repair_check_day")
def _windows_computed(
    sender: Any, record_ids: list[int] | None = None, actor: Any = None, **kwargs: Any
) -> None:
    follow_repair_check_days(actor=actor, record_ids=record_ids)


@receiver(calendar_years_loaded, dispatch_uid="commitments.settle_verify_dues")
def _calendar_years_loaded(sender: Any, years: list[int], actor: Any = None, **kwargs: Any) -> None:
    # Commitments recorded while these years were unknown have no 核查期限 (待定) until now.
    settle_verify_dues(years, actor=actor)


@receiver(calendar_days_changed, dispatch_uid="commitments.recompute_verify_dues")
def _calendar_days_changed(sender: Any, days: list[Any], actor: Any = None, **kwargs: Any) -> None:
    # 核查期限 computed from the old schedule of these days are wrong now.
    recompute_verify_dues(days, actor=actor)
