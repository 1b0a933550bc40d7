"""Receivers through which sanctions reacts to records, rights and the working-day
calendar without those apps importing it (ARCHITECTURE: dependencies point one way)."""

from __future__ import annotations

from typing import Any


def on_record_changed(
    sender: Any, record: Any = None, change: str = "", on: Any = None, **_: Any
) -> None:
    # A withdrawn basis record ends the entries resting on it, local and upstream, on
    # the withdrawal day.
    if record is not None and change == "withdrawn":
        from .lists import end_entries_of_withdrawn_record

        end_entries_of_withdrawn_record(record=record, on=on)


def on_objection_decided(sender: Any, objection: Any = None, **_: Any) -> None:
    # An objection decided 撤销 cancels the proposals it concerns.
    if objection is not None:
        from .lists import apply_objection_outcome

        apply_objection_outcome(actor=None, objection=objection)


def on_calendar_years_loaded(sender: Any, years: Any = (), actor: Any = None, **_: Any) -> None:
    # Deadlines stored as 期限待定 while these years were unknown can be computed now.
    from .deadlines import settle

    settle(list(years), actor=actor)
    _cancel_red_entries_ending_in_publicity(actor)


def on_calendar_days_changed(sender: Any, days: Any = (), actor: Any = None, **_: Any) -> None:
    # Deadlines computed from the old schedule of these days are wrong now.
    from .deadlines import recompute

    recompute(list(days), actor=actor)
    _cancel_red_entries_ending_in_publicity(actor)


def _cancel_red_entries_ending_in_publicity(actor: Any) -> None:
    # A red entry whose publicity end, just computed or moved, reaches its own end date
    # could never take effect: it is withdrawn rather than left 公示中.
    from django.utils import timezone

    from .lists import cancel_red_entries_ending_in_publicity

    cancel_red_entries_ending_in_publicity(actor=actor, on=timezone.localdate())


def connect() -> None:
    from xinyong.core.calendar import calendar_days_changed, calendar_years_loaded
    from xinyong.records.signals import record_changed
    from xinyong.rights import signals as rights_signals

    record_changed.connect(on_record_changed, dispatch_uid="sanctions.record_changed")
    calendar_years_loaded.connect(
        on_calendar_years_loaded, dispatch_uid="sanctions.calendar_years_loaded"
    )
    calendar_days_changed.connect(
        on_calendar_days_changed, dispatch_uid="sanctions.calendar_days_changed"
    )
    decided = getattr(rights_signals, "objection_decided", None)
    if decided is not None:
        decided.connect(on_objection_decided, dispatch_uid="sanctions.objection_decided")
