from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from xinyong.web import navigation
from xinyong.web.navigation import register_module, unregister_module


def user(role: str, **extra) -> SimpleNamespace:
    base = {"is_authenticated": True, "is_active": True, "is_superuser": False, "role": role}
    return SimpleNamespace(**{**base, **extra})


@pytest.fixture(autouse=True)
def web_modules_only() -> Iterator[None]:
    """Other apps add their own entries; these tests look at the web app's alone."""
    saved = dict(navigation._registry)
    navigation._registry.clear()
    navigation._registry.update({k: m for k, m in saved.items() if k.startswith("web.")})
    yield
    navigation._registry.clear()
    navigation._registry.update(saved)


@pytest.fixture
def extra_modules() -> Iterator[None]:
    register_module(
        "test.ledger", "工作台账", "web:portal-home", roles=["leader"], order=500, group="台账"
    )
    register_module("test.dead", "未建成模块", "no-such-app:index", order=510, group="台账")
    yield
    unregister_module("test.ledger")
    unregister_module("test.dead")


def titles(groups) -> list[tuple[str, list[str]]]:
    return [(g.title, [m.title for m in g.modules]) for g in groups]


def test_navigation_by_role() -> None:
    assert titles(navigation.groups_for(user("reporter"))) == [("工作台", ["工作台首页"])]
    assert titles(navigation.groups_for(user("credit_admin", is_staff=True, is_active=True))) == [
        ("工作台", ["工作台首页"]),
        ("审计与安全", ["操作日志", "个人信息查阅记录"]),
        ("系统配置", ["配置管理"]),
    ]


def test_admin_entry_needs_staff_flag() -> None:
    groups = titles(navigation.groups_for(user("credit_admin", is_staff=False)))
    assert ("系统配置", ["配置管理"]) not in groups


def test_superuser_counts_as_credit_admin() -> None:
    groups = titles(navigation.groups_for(user("reporter", is_superuser=True, is_staff=True)))
    assert ("审计与安全", ["操作日志", "个人信息查阅记录"]) in groups


def test_anonymous_and_inactive_see_nothing() -> None:
    assert navigation.groups_for(SimpleNamespace(is_authenticated=False)) == []
    assert navigation.groups_for(user("credit_admin", is_active=False)) == []


def test_registered_module_appears_and_unrouted_one_does_not(extra_modules) -> None:
    leader = titles(navigation.groups_for(user("leader")))
    assert leader == [("工作台", ["工作台首页"]), ("台账", ["工作台账"])]
    everything = [m.key for m in navigation.all_modules()]
    assert "test.ledger" in everything
    assert "test.dead" not in everything


def test_register_replaces_by_key(extra_modules) -> None:
    register_module(
        "test.ledger", "台账（新）", "web:portal-home", roles=None, order=5, group="台账"
    )
    leader = titles(navigation.groups_for(user("leader")))
    # order 5 puts the group after 工作台 (order 0) but before audit (900).
    assert leader == [("工作台", ["工作台首页"]), ("台账", ["台账（新）"])]
