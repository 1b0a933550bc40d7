from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone


class Clock:
    def __init__(self) -> None:
        self.today: date = timezone.localdate()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Today, settable: a red entry's publicity counts from the day it is actually
    created (not from a backdated proposal date), so a test that walks an entry through
    2026 dates creates it on the day it says. Conversions of a given datetime are left
    to Django."""
    state = Clock()
    real = timezone.localdate

    def localdate(value: Any = None, *args: Any, **kwargs: Any) -> date:
        return state.today if value is None else real(value, *args, **kwargs)

    monkeypatch.setattr(timezone, "localdate", localdate)
    return state
