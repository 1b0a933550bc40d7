"""Who may read and keep a personnel file (issue 8 §3; 个人信息保护法 art. 6: least
privilege). The one place the personnel pages, API, CLI and services ask.

Read a file:
- 组织部门 (role `org_dept`): every file of a category with `org_dept_reads` (all
  公务员诚信档案; practitioners' files only where the category says so);
- the person's own unit leadership: a user with role `leader` whose `unit` is the
  person's unit, for 公务员 files (a district leader without a unit is not the person's
  unit leadership and is refused);
- the keeping unit (`FileCategory.keeper_unit`: 区委组织部, 区司法局, 区卫健委, 区交通局 …):
  its staff (reporter, reviewer, leader, org_dept accounts of that unit).
Nobody else — credit admins and superusers included: the credit office runs the
platform, it does not read cadres' files.

Keep a file (register persons, add items, record 容错免责, revoke): the keeping unit's
reporters, reviewers and org_dept accounts; for 公务员 files any org_dept account.
"""

from __future__ import annotations

from typing import Any

from xinyong.orgs.models import Role
from xinyong.orgs.permissions import role_of

from .models import FileCategory, Person

KEEPER_STAFF_ROLES = frozenset({Role.REPORTER, Role.REVIEWER, Role.LEADER, Role.ORG_DEPT})
KEEPER_WRITER_ROLES = frozenset({Role.REPORTER, Role.REVIEWER, Role.ORG_DEPT})
# Roles that can possibly hold access to some file: the workspace pages admit these and
# the services decide per file.
PAGE_ROLES = (Role.ORG_DEPT, Role.LEADER, Role.REPORTER, Role.REVIEWER)

READ_DENIED = "无权查阅该人员信用档案：仅组织部门、本人所在单位领导和建档管理单位可以查阅。"
WRITE_DENIED = "无权维护该类人员信用档案：仅建档管理单位可以登记。"


def read_basis(user: Any, person: Person) -> str | None:
    """Why `user` may read `person`'s file ("组织部门", "本单位领导", "建档管理单位"), or
    None when refused."""
    role = role_of(user)
    if role is None or role == Role.CREDIT_ADMIN:
        return None
    category = person.category
    if role == Role.ORG_DEPT and category.org_dept_reads:
        return "组织部门"
    unit_id = getattr(user, "unit_id", None)
    if (
        role == Role.LEADER
        and category.is_public_servant
        and unit_id is not None
        and unit_id == person.unit_id
    ):
        return "本单位领导"
    if role in KEEPER_STAFF_ROLES and unit_id is not None and unit_id == category.keeper_unit_id:
        return "建档管理单位"
    return None


def can_read(user: Any, person: Person) -> bool:
    return read_basis(user, person) is not None


def can_keep(user: Any, category: FileCategory) -> bool:
    role = role_of(user)
    if role is None or role == Role.CREDIT_ADMIN:
        return False
    if role == Role.ORG_DEPT and category.is_public_servant:
        return True
    unit_id = getattr(user, "unit_id", None)
    return (
        role in KEEPER_WRITER_ROLES and unit_id is not None and unit_id == category.keeper_unit_id
    )


def keepable_categories(user: Any) -> list[FileCategory]:
    return [c for c in FileCategory.objects.filter(active=True) if can_keep(user, c)]


def may_hold_access(user: Any) -> bool:
    """Whether `user` could read any file at all (menus; the first gate of the pages)."""
    role = role_of(user)
    if role == Role.ORG_DEPT:
        return True
    unit_id = getattr(user, "unit_id", None)
    if unit_id is None or role not in KEEPER_STAFF_ROLES:
        return False
    if role == Role.LEADER:
        return True
    return FileCategory.objects.filter(keeper_unit_id=unit_id).exists()
