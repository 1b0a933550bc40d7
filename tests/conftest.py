from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
REALDATA = SHARED / "realdata"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the reference data that `xinyong init` loads
    (units, calendar …), exactly as a fresh installation has it."""
    from xinyong.core import bootstrap

    with django_db_blocker.unblock():
        bootstrap.run_reference_loaders()


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.exists():
        pytest.fail(f"shared/realdata not found at {REALDATA}: CI lays shared/ beside the checkout")
    return REALDATA
