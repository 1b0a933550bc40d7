"""Registers the working-day calendar's reference loader (run by `xinyong init` and for
every test database): the years 2004–2026 from the chinese-calendar package."""

from __future__ import annotations

from .bootstrap import reference_loader
from .calendar_services import seed_from_package


@reference_loader(10, "工作日历")
def load_calendar() -> str:
    return seed_from_package(actor=None)
