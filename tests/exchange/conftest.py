"""Fixtures shared by the exchange tests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Moment:
    """The current instant and day, set together (`timezone.now` and the `clock`)."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.at = timezone.now()

    def set(self, day: date, hour: int = 10) -> None:
        self.at = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
        self.clock.today = day


@pytest.fixture
def moment(clock: Any, monkeypatch: pytest.MonkeyPatch) -> Moment:
    state = Moment(clock)
    monkeypatch.setattr(timezone, "now", lambda: state.at)
    return state
