"""Who may see and change what: the one place every app asks.

Data scope (ARCHITECTURE "privacy at the boundary"; 数据安全法, 个人信息保护法 art. 6 and
art. 51: least privilege):

- 信用办管理员 (and superusers) read and write every unit's data;
- 领导 (district leaders) read every unit's data and change nothing; a 领导 account has no
  unit (orgs.services and a database constraint refuse one);
- 单位负责人 (a unit's head, role `unit_leader`) read their own unit's data only and change
  nothing — no reporting, reviewing, declaring or account management; the personnel app
  treats them as 本单位领导 for the 公务员 files of their unit's staff;
- 部门填报员 / 部门审核员 (and a unit's system account) read and write their own unit only;
- 银行用户 / 组织部门 see no unit's data unless the credit office granted them the unit
  (`User.granted_units`), and then read only;
- anonymous visitors and deactivated accounts see nothing unit-scoped; an account bound to
  a deactivated unit counts as deactivated (`deactivated_unit`: not a credit admin's).

Pages and APIs that show the whole district (overviews, dashboards, 通报) admit
`READ_ALL_ROLES` only; a 单位负责人 is refused there (403), never shown every unit. Pages
list the roles they admit, so a 单位负责人 enters only where it is listed (归集: its unit's
quality page, batches and records; 人员信用档案; 诚信典型) and is refused (403) in every
other module; APIs that admit any account narrow their answer with `readable_unit_ids`.

Services call `require(...)`; API views add the DRF permission classes below. Menus may
hide what a user cannot do, but the refusal always comes from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission

from xinyong.core.errors import NotPermitted

from .models import Role, Unit

_M = TypeVar("_M", bound=Model)

UNIT_STAFF_ROLES = frozenset({Role.REPORTER, Role.REVIEWER})
# Roles that read their own unit's data: its staff, and its head (read only).
OWN_UNIT_READ_ROLES = UNIT_STAFF_ROLES | {Role.UNIT_LEADER}
READ_ALL_ROLES = frozenset({Role.CREDIT_ADMIN, Role.LEADER})
# Roles that look and never change anything, whatever the page.
READ_ONLY_ROLES = frozenset({Role.LEADER, Role.UNIT_LEADER})
GRANTED_READ_ROLES = frozenset({Role.BANK, Role.ORG_DEPT})


def deactivated_unit(user: Any) -> Unit | None:
    """The inactive unit that switches `user`'s account off, or None.

    A unit is deactivated when it is abolished or merged: its staff, its head and its
    system account stop acting for it (collection already refuses its submissions, and no
    account or token is created for it). Accounts without a unit (领导, banks) are not
    concerned. Credit admins (and superusers) are not switched off by their own unit
    being deactivated: their rights are district-wide, not their unit's, and they are the
    ones who switch units back on or move accounts to the unit that took over."""
    if getattr(user, "is_superuser", False) or getattr(user, "role", None) == Role.CREDIT_ADMIN:
        return None
    if not getattr(user, "unit_id", None):
        return None
    unit = user.unit
    return None if unit.active else unit


def deactivated_unit_message(unit: Unit) -> str:
    """The one Chinese reason given at login, on the API and when issuing tokens."""
    return f"责任单位“{unit.name}”已停用，其账号和接口令牌不能再使用。"


def role_of(user: Any) -> str | None:
    """The effective role, or None for anonymous and deactivated accounts (including an
    account whose unit is deactivated, see `deactivated_unit`)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not getattr(user, "is_active", False):
        return None
    if getattr(user, "is_superuser", False):
        return Role.CREDIT_ADMIN
    if deactivated_unit(user) is not None:
        return None
    return str(user.role)


def is_credit_admin(user: Any) -> bool:
    return role_of(user) == Role.CREDIT_ADMIN


def is_leader(user: Any) -> bool:
    """A district 领导 (reads every unit); a 单位负责人 is not one."""
    return role_of(user) == Role.LEADER


def is_read_only(user: Any) -> bool:
    """领导 and 单位负责人: they look, they do not change data."""
    return role_of(user) in READ_ONLY_ROLES


def _unit_id(unit: Unit | int | None) -> int | None:
    if unit is None:
        return None
    return unit if isinstance(unit, int) else unit.pk


def _granted_ids(user: Any) -> set[int]:
    cached = getattr(user, "_granted_unit_ids", None)
    if cached is None:
        cached = set(user.granted_units.values_list("pk", flat=True))
        user._granted_unit_ids = cached
    return set(cached)


def readable_unit_ids(user: Any) -> set[int] | None:
    """The ids of the units whose data `user` may read; None means every unit."""
    role = role_of(user)
    if role is None:
        return set()
    if role in READ_ALL_ROLES:
        return None
    if role in OWN_UNIT_READ_ROLES:
        return {user.unit_id} if user.unit_id else set()
    if role in GRANTED_READ_ROLES:
        return _granted_ids(user)
    return set()


def can_read_unit_data(user: Any, unit: Unit | int | None) -> bool:
    unit_id = _unit_id(unit)
    ids = readable_unit_ids(user)
    if ids is None:
        return True
    return unit_id is not None and unit_id in ids


def can_write_unit_data(user: Any, unit: Unit | int | None) -> bool:
    role = role_of(user)
    if role == Role.CREDIT_ADMIN:
        return True
    if role in UNIT_STAFF_ROLES:
        unit_id = _unit_id(unit)
        return unit_id is not None and unit_id == user.unit_id
    return False


def can_manage_unit_users(user: Any, unit: Unit | int | None) -> bool:
    """Credit admins manage every unit's accounts; a unit's reviewer manages its own."""
    role = role_of(user)
    if role == Role.CREDIT_ADMIN:
        return True
    unit_id = _unit_id(unit)
    return role == Role.REVIEWER and unit_id is not None and unit_id == user.unit_id


def scope_to_user_units(
    user: Any, queryset: QuerySet[_M], unit_field: str = "unit"
) -> QuerySet[_M]:
    """Narrow `queryset` to the rows of units `user` may read. `unit_field` is the lookup
    path to the unit foreign key (e.g. "unit", "record__source_unit")."""
    ids = readable_unit_ids(user)
    if ids is None:
        return queryset
    if not ids:
        return queryset.none()
    return queryset.filter(**{f"{unit_field}__in": sorted(ids)})


def _unit_label(unit: Unit | int | None) -> str:
    if isinstance(unit, Unit):
        return f"“{unit.name}”"
    return "该单位"


_Check = Callable[[Any, Any], bool]

# perm name -> (check, Chinese refusal with {unit} placeholder)
PERMISSIONS: dict[str, tuple[_Check, str]] = {
    "read_unit_data": (can_read_unit_data, "无权查看{unit}的数据。"),
    "write_unit_data": (can_write_unit_data, "无权修改{unit}的数据。"),
    "manage_users": (can_manage_unit_users, "无权管理{unit}的用户账号。"),
    "manage_tokens": (can_manage_unit_users, "无权管理{unit}的接口令牌。"),
    "manage_units": (lambda u, _unit: is_credit_admin(u), "只有信用办管理员可以维护责任单位。"),
    "credit_admin": (lambda u, _unit: is_credit_admin(u), "只有信用办管理员可以执行此操作。"),
    "read_all_units": (
        lambda u, _unit: role_of(u) in READ_ALL_ROLES,
        "只有信用办管理员和领导可以查看全区数据。",
    ),
}


def has_perm(user: Any, perm: str, unit: Unit | int | None = None) -> bool:
    try:
        check, _message = PERMISSIONS[perm]
    except KeyError:
        raise ValueError(f"unknown permission {perm!r}") from None
    return bool(check(user, unit))


def require(user: Any, perm: str, unit: Unit | int | None = None) -> None:
    """Raise NotPermitted (HTTP 403, Chinese message) unless `user` holds `perm`."""
    if has_perm(user, perm, unit):
        return
    if role_of(user) is None:
        raise NotPermitted("请先登录，或账号已停用。")
    raise NotPermitted(PERMISSIONS[perm][1].format(unit=_unit_label(unit)))


# DRF permission classes: coarse gates at the door; object checks stay in services.


class IsCreditAdmin(BasePermission):
    message = "只有信用办管理员可以执行此操作。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_credit_admin(request.user)


class IsUnitStaff(BasePermission):
    """A unit's reporter or reviewer (with a unit), or a credit admin."""

    message = "只有责任单位的填报员、审核员或信用办管理员可以执行此操作。"

    def has_permission(self, request: Any, view: Any) -> bool:
        role = role_of(request.user)
        if role == Role.CREDIT_ADMIN:
            return True
        return role in UNIT_STAFF_ROLES and request.user.unit_id is not None


class IsReviewerOrCreditAdmin(BasePermission):
    message = "只有部门审核员或信用办管理员可以执行此操作。"

    def has_permission(self, request: Any, view: Any) -> bool:
        role = role_of(request.user)
        return role == Role.CREDIT_ADMIN or (
            role == Role.REVIEWER and request.user.unit_id is not None
        )


class ReadOnlyForLeader(BasePermission):
    """Leaders (district 领导 and 单位负责人) look; they do not change data."""

    message = "领导和单位负责人账号为只读账号，不能修改数据。"

    def has_permission(self, request: Any, view: Any) -> bool:
        # Listed alone in a view's permission_classes it replaces the default
        # IsAuthenticated, so it must refuse anonymous callers itself: an anonymous POST
        # to /api/v1/collection/declarations reached the view and crashed (found by
        # tests/security/test_api_fuzz.py).
        if not getattr(request.user, "is_authenticated", False):
            return False
        return request.method in SAFE_METHODS or not is_read_only(request.user)
