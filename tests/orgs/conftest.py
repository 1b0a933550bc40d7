from __future__ import annotations

from typing import Any

import pytest

from xinyong.orgs import services
from xinyong.orgs.models import Role, Unit

PASSWORD = "Xinyong@2026"


def unit(name: str) -> Unit:
    target = services.resolve_unit_name(name)
    assert isinstance(target, Unit)
    return target


def make_user(username: str, role: str, unit_name: str | None = None, **extra: Any) -> Any:
    return services.create_user(
        actor=None,
        username=username,
        password=PASSWORD,
        role=role,
        unit=unit(unit_name) if unit_name else None,
        **extra,
    )


@pytest.fixture
def scj() -> Unit:
    return unit("区市场监管局")


@pytest.fixture
def rsj() -> Unit:
    return unit("区人社局")


@pytest.fixture
def admin_user(db: Any) -> Any:
    return make_user("xyb_admin", Role.CREDIT_ADMIN, "区发改委")


@pytest.fixture
def reviewer_a(db: Any) -> Any:
    return make_user("reviewer_a", Role.REVIEWER, "区市场监管局")


@pytest.fixture
def reporter_a(db: Any) -> Any:
    return make_user("reporter_a", Role.REPORTER, "区市场监管局")


@pytest.fixture
def reviewer_b(db: Any) -> Any:
    return make_user("reviewer_b", Role.REVIEWER, "区人社局")


@pytest.fixture
def reporter_b(db: Any) -> Any:
    return make_user("reporter_b", Role.REPORTER, "区人社局")


@pytest.fixture
def leader(db: Any) -> Any:
    return make_user("leader_x", Role.LEADER)


@pytest.fixture
def bank(db: Any) -> Any:
    return make_user("bank_x", Role.BANK, organisation="中国银行安阳北关支行")


@pytest.fixture
def org_dept(db: Any) -> Any:
    return make_user("zzb_x", Role.ORG_DEPT, "区委组织部")
