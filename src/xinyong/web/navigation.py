"""The staff workspace's left navigation, as a registry that every app fills in.

An app adds its pages in its `AppConfig.ready()`:

    from xinyong.web.navigation import register_module
    register_module("collection.batches", "数据归集", "collection:batches",
                    roles=("credit_admin", "reporter"), order=200, group="归集与质量",
                    description="部门数据上报、校验与退回")

Only registered modules appear: a module that is not built yet has no entry, so the
navigation never shows a link that leads nowhere. The workspace home's "平台模块" overview
is generated from the same registry, so it describes only what exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from xinyong.orgs.permissions import role_of

Check = Callable[[Any], bool]


@dataclass(frozen=True)
class Module:
    key: str
    title: str
    url_name: str
    roles: frozenset[str] | None
    order: int
    group: str
    description: str
    check: Check | None = None

    def visible_to(self, user: Any) -> bool:
        role = role_of(user)  # None for anonymous and deactivated accounts
        if role is None:
            return False
        if self.check is not None and not self.check(user):
            return False
        return self.roles is None or role in self.roles

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class Group:
    title: str
    modules: tuple[Module, ...]


_registry: dict[str, Module] = {}


def register_module(
    key: str,
    title: str,
    url_name: str,
    roles: Iterable[str] | None = None,
    order: int = 1000,
    *,
    group: str = "其他",
    description: str = "",
    check: Check | None = None,
) -> Module:
    """Add (or replace, by key) a workspace page. `roles` None means every signed-in
    user; superusers count as credit admins (orgs.permissions.role_of); `check` is an
    extra condition on the user (e.g. "may enter the admin")."""
    module = Module(
        key=key,
        title=title,
        url_name=url_name,
        roles=frozenset(roles) if roles is not None else None,
        order=order,
        group=group,
        description=description,
        check=check,
    )
    _registry[key] = module
    return module


def unregister_module(key: str) -> None:
    _registry.pop(key, None)


def all_modules() -> list[Module]:
    """Every registered module whose URL resolves, in navigation order."""
    found = []
    for module in sorted(_registry.values(), key=lambda m: (m.order, m.key)):
        try:
            reverse(module.url_name)
        except NoReverseMatch:
            # A module whose page is not routed would be a dead link: leave it out.
            continue
        found.append(module)
    return found


def _group(modules: list[Module]) -> list[Group]:
    titles: list[str] = []
    members: dict[str, list[Module]] = {}
    for module in modules:
        if module.group not in members:
            titles.append(module.group)
            members[module.group] = []
        members[module.group].append(module)
    return [Group(title, tuple(members[title])) for title in titles]


def groups_for(user: Any) -> list[Group]:
    """The navigation a user sees: visible modules grouped, groups in order of their
    first module."""
    return _group([m for m in all_modules() if m.visible_to(user)])


def all_groups() -> list[Group]:
    return _group(all_modules())


def _may_manage_tokens(user: Any) -> bool:
    from xinyong.orgs.views_tokens import may_manage_tokens

    return may_manage_tokens(user)


# orgs sits below web and registers no navigation of its own; its token pages are shown
# to exactly those they (and the token API) admit.
register_module(
    "orgs.tokens",
    "接口令牌",
    "orgs:tokens",
    order=980,
    group="系统配置",
    description="单位系统与银行的接口令牌：签发（令牌只显示一次）、使用情况、撤销",
    check=_may_manage_tokens,
)
