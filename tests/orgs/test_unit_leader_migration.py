"""orgs 0003: a 领导 account with a unit (how a unit's head was set up before 单位负责人
existed, reading every unit's data) becomes a 单位负责人 of that unit; a district 领导
without a unit stays. Reversible."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xinyong.orgs.models import Role, Unit, User

BEFORE = [("orgs", "0002_user_granted_units")]
AFTER = [("orgs", "0003_unit_leader")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest() -> list[tuple[str, str]]:
    """Every app's latest migration: going back to BEFORE also unapplied the migrations of
    other apps that depend on a later orgs migration (sanctions' designating units)."""
    executor = MigrationExecutor(connection)
    return list(executor.loader.graph.leaf_nodes())


def _roles() -> dict[str, tuple[str, str | None]]:
    return {
        u.username: (u.role, u.unit.name if u.unit else None)
        for u in User.objects.select_related("unit").filter(username__startswith="m_")
    }


@pytest.fixture
def before(transactional_db: Any) -> Any:
    """The accounts as an installation before 0003 holds them. Transactional: the
    migration changes the user table's constraints, which cannot run inside a test's
    transaction."""
    _migrate(BEFORE)
    try:
        scj = Unit.objects.get(name="区市场监管局")
        User.objects.create(username="m_scj_leader", role="leader", unit=scj)
        User.objects.create(username="m_district", role="leader", unit=None)
        User.objects.create(username="m_reporter", role="reporter", unit=scj)
    except BaseException:
        _migrate(_latest())
        raise
    yield
    # The database as every other test expects it.
    _migrate(_latest())


def test_leader_with_a_unit_becomes_unit_leader_and_back(before: None) -> None:
    _migrate(AFTER)
    assert _roles() == {
        "m_scj_leader": (Role.UNIT_LEADER, "区市场监管局"),
        "m_district": (Role.LEADER, None),
        "m_reporter": (Role.REPORTER, "区市场监管局"),
    }
    _migrate(BEFORE)
    try:
        assert _roles() == {
            "m_scj_leader": ("leader", "区市场监管局"),
            "m_district": ("leader", None),
            "m_reporter": ("reporter", "区市场监管局"),
        }
    finally:
        _migrate(AFTER)
    assert _roles()["m_scj_leader"] == (Role.UNIT_LEADER, "区市场监管局")
