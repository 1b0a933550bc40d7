from __future__ import annotations

import pytest

from xinyong.core import identifiers


@pytest.fixture(autouse=True)
def _fresh_override_cache():
    """The override set is cached per process; a rolled-back test must not leak into the next."""
    identifiers.invalidate_overrides()
    yield
    identifiers.invalidate_overrides()
