"""Dates of the steps of an objection or a repair application, shared by both workflows.

A step records what already happened: never after today (core.inputs.clean_day, the
project's one date check) and never before the steps it follows. A deadline that needs a
year whose holidays are not loaded is shown, not guessed (DOMAIN.md §3)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from xinyong.core.errors import DomainError
from xinyong.core.inputs import clean_day


def not_before(day: date, label: str, steps: Iterable[tuple[str, date | None]]) -> None:
    """Refuse a step dated before a step it follows; the latest earlier step is named, so
    that staff see which two dates disagree."""
    dated = [(when, name) for name, when in steps if when is not None]
    if not dated:
        return
    latest, name = max(dated)
    if day < latest:
        raise DomainError(f"{label}（{day.isoformat()}）不能早于{name}（{latest.isoformat()}）。")


def step_day(on: date | None, label: str, *earlier: tuple[str, date | None]) -> date:
    """The day a step is recorded on: `on` (staff record a step taken earlier, at the
    counter or on paper) or today, checked against the steps it follows."""
    day = timezone.localdate() if on is None else clean_day(on, label, not_after_today=True)
    not_before(day, label, earlier)
    return day


def pending_label(years: Iterable[int]) -> str:
    """How a deadline that needs an unloaded year's calendar is shown (DOMAIN.md §3: an
    explicit, visible condition, never a guess): 期限待定（缺少2027年日历）."""
    return f"期限待定（缺少{'、'.join(str(y) for y in sorted(set(years)))}年日历）"
