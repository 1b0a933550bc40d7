from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from xinyong.orgs.models import Role, Unit, User

PASSWORD = "Xinyong@Test2026"


@pytest.fixture
def unit(db: Any) -> Unit:
    unit, _ = Unit.objects.get_or_create(
        name="北关区测试局", defaults={"kind": Unit.Kind.GOVERNMENT, "sort_order": 9999}
    )
    return unit


@pytest.fixture
def make_user(db: Any, unit: Unit) -> Callable[..., User]:
    def make(username: str, role: str, **extra: Any) -> User:
        extra.setdefault("unit", unit)
        return User.objects.create_user(username=username, password=PASSWORD, role=role, **extra)

    return make


@pytest.fixture
def reporter(make_user: Callable[..., User]) -> User:
    return make_user("tianbao", Role.REPORTER, full_name="王填报")


@pytest.fixture
def credit_admin(make_user: Callable[..., User]) -> User:
    return make_user("xinyongban", Role.CREDIT_ADMIN, full_name="李管理", is_staff=True)


@pytest.fixture
def reporter_client(reporter: User) -> Client:
    client = Client()
    client.force_login(reporter)
    return client


@pytest.fixture
def admin_client_(credit_admin: User) -> Client:
    client = Client()
    client.force_login(credit_admin)
    return client


@pytest.fixture
def superuser(make_user: Callable[..., User]) -> User:
    return make_user(
        "chaoji", Role.CREDIT_ADMIN, full_name="赵超管", is_staff=True, is_superuser=True
    )
