from __future__ import annotations

from collections.abc import Iterator

import pytest

from xinyong.catalog.fieldspec import invalidate_cache


@pytest.fixture(autouse=True)
def fresh_spec_cache() -> Iterator[None]:
    """Each test's transaction is rolled back without signals: drop specs it cached."""
    invalidate_cache()
    yield
    invalidate_cache()
