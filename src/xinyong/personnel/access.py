"""Who may read and keep a personnel file (issue 8 §3; 个人信息保护法 art. 6: least
privilege). The one place the personnel pages, API, CLI and services ask.

Read a file:
- 组织部门 (role `org_dept`): every file of a category with `org_dept_reads` (all
  公务员诚信档案; practitioners' files only where the category says so);
- the person's own unit leadership (本单位领导): a 单位负责人 (role `unit_leader`) whose
  `unit` is the person's unit, for 公务员 files. A district 领导 (role `leader`) has no
  unit and reads every unit's other data, but is not any person's unit leadership: refused;
- the keeping unit (`FileCategory.keeper_unit`: 区委组织部, 区司法局, 区卫健委, 区交通局 …):
  its staff and its head (reporter, reviewer, org_dept, unit_leader accounts of that unit).
Nobody else — credit admins and superusers included: the credit office runs the
platform, it does not read cadres' files.

Keep a file (register persons, add items, record 容错免责, revoke): the keeping unit's
reporters, reviewers and org_dept accounts; for 公务员 files any org_dept account.
Nominate 诚信典型 for a unit: its reporters, reviewers and org_dept accounts. A 单位负责人
reads and never writes (orgs.permissions), here as everywhere.
"""

from __future__ import annotations

from typing import Any

from xinyong.orgs.models import Role
from xinyong.orgs.permissions import role_of

from .models import FileCategory, Person

# A unit's staff, who act for it (keep its categories' files, nominate in its name).
KEEPER_STAFF_ROLES = frozenset({Role.REPORTER, Role.REVIEWER, Role.ORG_DEPT})
KEEPER_WRITER_ROLES = KEEPER_STAFF_ROLES
# Who of the keeping unit reads its categories' files: its staff and its head.
KEEPER_READER_ROLES = KEEPER_STAFF_ROLES | {Role.UNIT_LEADER}
# Roles that can possibly hold access to some file: the workspace pages admit these and
# the services decide per file.
PAGE_ROLES = (Role.ORG_DEPT, Role.UNIT_LEADER, Role.REPORTER, Role.REVIEWER)
# The roles the 诚信典型 pages (nomination and selection) admit.
HONOUR_ROLES = (
    Role.CREDIT_ADMIN,
    Role.ORG_DEPT,
    Role.LEADER,
    Role.UNIT_LEADER,
    Role.REPORTER,
    Role.REVIEWER,
)

# One refusal for a file the reader may not read and for one that does not exist (page,
# API, CLI alike), so that the answer never tells whether a file exists.
READ_DENIED = (
    "无权查阅该人员信用档案，或该档案不存在：仅组织部门、本人所在单位领导和建档管理单位可以查阅。"
)
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
        role == Role.UNIT_LEADER
        and category.is_public_servant
        and unit_id is not None
        and unit_id == person.unit_id
    ):
        return "本单位领导"
    if role in KEEPER_READER_ROLES and unit_id is not None and unit_id == category.keeper_unit_id:
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
    if unit_id is None or role not in KEEPER_READER_ROLES:
        return False
    if role == Role.UNIT_LEADER:
        return True
    return FileCategory.objects.filter(keeper_unit_id=unit_id).exists()
