"""Units, users and API tokens: the one write path (docs/conventions.md), plus the unit-name
functions every importer uses to turn a 责任单位 text into units."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import positive_id

from . import permissions
from .models import ApiToken, Role, Unit, UnitAlias, UnitGroup, User

# ---------------------------------------------------------------------------------------
# Unit names
# ---------------------------------------------------------------------------------------

_OPEN_BRACKETS = "〈<‹(（［[【"
_CLOSE_BRACKETS = "〉>›)）］]】"
_BRACKETS = str.maketrans(
    {**{c: "（" for c in _OPEN_BRACKETS}, **{c: "）" for c in _CLOSE_BRACKETS}}
)
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")


def normalise_unit_name(name: str) -> str:
    """The form under which names and aliases are stored and looked up: full-width letters,
    digits and spaces to half-width (NFKC), every kind of bracket to （）, no whitespace."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    text = _SPACE.sub("", text)
    return text.translate(_BRACKETS)


@dataclass(frozen=True)
class UnitMention:
    name: str
    lead: bool  # "牵头" (leads) rather than "负责" (takes part)


_CLAUSE_SPLIT = re.compile(r"[，,；;。\n\t]+| {1,}|\u3000+")
_ITEM_SPLIT = re.compile(r"[、/]+")
_LEAD_SUFFIX = "牵头"
_ROLE_SUFFIXES = (
    "按职责分工负责",
    "按职责分工",
    "分别负责",
    "负责",
    "配合",
    "等单位",
    "等部门",
    "等",
)


def split_unit_mentions(text: str) -> list[UnitMention]:
    """Split a 责任单位 text ("区发改委牵头，各街道〈镇〉、区政府各相关部门负责") into the unit
    names it mentions, in order, each marked as leading or taking part. Names are returned
    as written (only stripped); resolve them with `resolve_unit_name`."""
    mentions: list[UnitMention] = []
    for clause in _CLAUSE_SPLIT.split(_TAG.sub(" ", str(text or ""))):
        pending: list[str] = []
        for raw in _ITEM_SPLIT.split(clause):
            item = raw.strip()
            if not item:
                continue
            lead = item.endswith(_LEAD_SUFFIX)
            if lead:
                item = item[: -len(_LEAD_SUFFIX)]
            ends_role = False
            for suffix in _ROLE_SUFFIXES:
                if item.endswith(suffix) and len(item) > len(suffix):
                    item = item[: -len(suffix)]
                    ends_role = True
                    break
            if item:
                pending.append(item)
            if lead or ends_role:
                mentions.extend(UnitMention(n, lead) for n in pending)
                pending = []
        mentions.extend(UnitMention(n, False) for n in pending)
    return mentions


def split_unit_names(text: str) -> list[str]:
    return [m.name for m in split_unit_mentions(text)]


def resolve_unit_name(name: str) -> Unit | UnitGroup:
    """The unit or group a name (any known spelling) stands for; DomainError if unknown."""
    key = normalise_unit_name(name)
    if not key:
        raise DomainError("单位名称为空。", code="unknown_unit")
    alias = UnitAlias.objects.select_related("unit", "group").filter(alias=key).first()
    if alias is not None:
        target = alias.unit or alias.group
        assert target is not None  # the check constraint guarantees one of them
        return target
    unit = Unit.objects.filter(name=key).first()
    if unit is not None:
        return unit
    group = UnitGroup.objects.filter(name=key).first()
    if group is not None:
        return group
    raise DomainError(f"未知单位名称：{str(name).strip()}", code="unknown_unit")


def resolve_unit(value: Any) -> Unit:
    """One unit from a Unit, its id, or any spelling of its name; a group or an unknown name
    is refused with a Chinese message (DomainError / NotFoundError)."""
    if isinstance(value, Unit):
        return value
    text = value.strip() if isinstance(value, str) else ""
    # ASCII digits only: "²" passes str.isdigit() but int() refuses it (it was a 500), and
    # "١٢" would be unit 12. Any other text, a long run of digits too, is read as a name.
    if (isinstance(value, int) and not isinstance(value, bool)) or (
        text.isascii() and text.isdigit() and len(text) < 12
    ):
        pk = positive_id(value)
        found = Unit.objects.filter(pk=pk).first() if pk else None
        if found is None:
            raise NotFoundError(f"单位 {value} 不存在。")
        return found
    target = resolve_unit_name(str(value or ""))
    if not isinstance(target, Unit):
        raise DomainError(
            f"“{str(value).strip()}”是单位组，不是单个单位，请指定具体单位。", code="unknown_unit"
        )
    return target


def resolve_units(name: str) -> list[Unit]:
    """The units a name stands for: one unit, or a group's members in 通报 order."""
    target = resolve_unit_name(name)
    if isinstance(target, UnitGroup):
        return list(target.members.order_by("sort_order", "name"))
    return [target]


# ---------------------------------------------------------------------------------------
# Loading the unit list (reference data)
# ---------------------------------------------------------------------------------------


@dataclass
class LoadSummary:
    units_created: int = 0
    units_updated: int = 0
    groups_created: int = 0
    groups_updated: int = 0
    aliases_added: int = 0
    aliases_moved: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.units_created,
                self.units_updated,
                self.groups_created,
                self.groups_updated,
                self.aliases_added,
                self.aliases_moved,
            )
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "units_created": self.units_created,
            "units_updated": self.units_updated,
            "groups_created": self.groups_created,
            "groups_updated": self.groups_updated,
            "aliases_added": self.aliases_added,
            "aliases_moved": self.aliases_moved,
        }

    def text(self) -> str:
        return (
            f"单位新增 {self.units_created} 个、更新 {self.units_updated} 个；"
            f"单位组新增 {self.groups_created} 个、更新 {self.groups_updated} 个；"
            f"别名新增 {self.aliases_added} 个、改指 {self.aliases_moved} 个"
        )


_KINDS = {value for value, _label in Unit.Kind.choices}


def _names(entry: dict[str, Any], key: str, owner: str, label: str) -> list[str]:
    """A list-of-names field of a unit file entry (aliases, members, member kinds). Checked
    item by item: a string in its place would be read letter by letter, each letter
    becoming an alias that resolves to `owner`."""
    value = entry.get(key, [])
    if not isinstance(value, list):
        raise DomainError(f"{owner}的{label}应为列表。")
    for item in value:
        if not isinstance(item, str):
            raise DomainError(f"{owner}的{label}应为文本列表，“{item}”不是文本。")
    return value


_TYPE_WORDS = {str: "文本", int: "整数", bool: "true 或 false"}


def _check_types(entry: dict[str, Any], owner: str, fields: dict[str, tuple[type, str]]) -> None:
    for key, (kind, label) in fields.items():
        # An exact type: true is an int to isinstance, but no sort order.
        if key in entry and type(entry[key]) is not kind:
            raise DomainError(f"{owner}的{label}应为{_TYPE_WORDS[kind]}。")


def _entry_name(entry: Any, where: str) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise DomainError(f"单位文件{where}缺少名称。")
    return name.strip()


def _validate_unit_file(data: Any) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        raise DomainError("单位文件格式错误：应为含 “units” 列表的 JSON 对象。")
    if not isinstance(data.get("groups", []), list):
        raise DomainError("单位文件格式错误：“groups” 应为单位组列表。")
    seen: dict[str, str] = {}

    def claim(alias: str, owner: str) -> None:
        key = normalise_unit_name(alias)
        if not key:
            raise DomainError(f"单位文件中“{owner}”有空的名称或别名。")
        if key in seen and seen[key] != owner:
            raise DomainError(f"单位文件中名称“{alias}”同时属于“{seen[key]}”和“{owner}”。")
        seen[key] = owner

    for i, entry in enumerate(data["units"], start=1):
        name = _entry_name(entry, f"第 {i} 个单位")
        owner = f"单位“{name}”"
        kind = entry.get("kind")
        if not isinstance(kind, str) or kind not in _KINDS:
            raise DomainError(f"{owner}的类型“{kind}”无效。")
        _check_types(
            entry,
            owner,
            {
                "short_name": (str, "简称"),
                "sort_order": (int, "排序号"),
                "is_credit_office": (bool, "是否信用办（is_credit_office）"),
                "active": (bool, "是否启用（active）"),
            },
        )
        if entry.get("sort_order", 0) < 0:
            raise DomainError(f"{owner}的排序号应为非负整数。")
        for alias in [name, *_names(entry, "aliases", owner, "别名")]:
            claim(alias, name)
    unit_names = {
        normalise_unit_name(str(a))
        for u in data["units"]
        for a in [u["name"], *u.get("aliases", [])]
    }
    for i, entry in enumerate(data.get("groups", []), start=1):
        name = _entry_name(entry, f"第 {i} 个单位组")
        owner = f"单位组“{name}”"
        _check_types(entry, owner, {"description": (str, "说明")})
        for alias in [name, *_names(entry, "aliases", owner, "别名")]:
            claim(alias, name)
        for kind in _names(entry, "member_kinds", owner, "成员类型"):
            if kind not in _KINDS:
                raise DomainError(f"{owner}的成员类型“{kind}”无效。")
        for member in _names(entry, "members", owner, "成员"):
            if (
                normalise_unit_name(member) not in unit_names
                and not Unit.objects.filter(name=member.strip()).exists()
            ):
                raise DomainError(f"{owner}的成员“{member}”不在单位列表中。")


def _point_alias(
    alias: str,
    *,
    unit: Unit | None,
    group: UnitGroup | None,
    summary: LoadSummary,
    update_existing: bool = True,
) -> None:
    key = normalise_unit_name(alias)
    existing = UnitAlias.objects.filter(alias=key).first()
    if existing is None:
        UnitAlias.objects.create(alias=key, unit=unit, group=group)
        summary.aliases_added += 1
    elif update_existing and (
        existing.unit_id != (unit.pk if unit else None)
        or existing.group_id != (group.pk if group else None)
    ):
        existing.unit, existing.group = unit, group
        existing.save(update_fields=["unit", "group"])
        summary.aliases_moved += 1


def load_units(*, actor: Any, data: Any, update_existing: bool = True) -> LoadSummary:
    """Load a unit file (see orgs/data/units.json) idempotently: create or update units and
    groups, add aliases, repoint aliases the file assigns elsewhere. Nothing is deleted:
    units may be referenced by users and records. One event when anything changed.

    With `update_existing=False` (what `xinyong init` does on every start) only what is
    missing is added, so that edits made by the credit office in the admin survive."""
    _require(actor, "manage_units")
    _validate_unit_file(data)
    summary = LoadSummary()
    with transaction.atomic():
        by_name: dict[str, Unit] = {}
        for entry in data["units"]:
            name = str(entry["name"]).strip()
            unit = Unit.objects.filter(name=name).first()
            if unit is None:
                # A renamed unit: its old canonical name is now one of its aliases.
                keys = [normalise_unit_name(a) for a in entry.get("aliases", [])]
                old = UnitAlias.objects.filter(alias__in=keys, unit__isnull=False).first()
                unit = old.unit if old else None
            wanted = {
                "name": name,
                "short_name": str(entry.get("short_name", "")).strip(),
                "kind": entry["kind"],
                "sort_order": int(entry.get("sort_order", 1000)),
                "is_credit_office": bool(entry.get("is_credit_office", False)),
                "active": bool(entry.get("active", True)),
            }
            if unit is None:
                unit = Unit.objects.create(**wanted)
                summary.units_created += 1
            elif update_existing:
                changed = [k for k, v in wanted.items() if getattr(unit, k) != v]
                if changed:
                    for k in changed:
                        setattr(unit, k, wanted[k])
                    unit.save(update_fields=[*changed, "updated_at"])
                    summary.units_updated += 1
            for alias in [name, *entry.get("aliases", [])]:
                by_name[normalise_unit_name(str(alias))] = unit
                _point_alias(
                    str(alias),
                    unit=unit,
                    group=None,
                    summary=summary,
                    update_existing=update_existing,
                )
        office_ids = sorted({u.pk for u in by_name.values() if u.is_credit_office})
        if office_ids and update_existing:
            summary.units_updated += (
                Unit.objects.filter(is_credit_office=True)
                .exclude(pk__in=office_ids)
                .update(is_credit_office=False)
            )

        for entry in data.get("groups", []):
            name = str(entry["name"]).strip()
            group, created = UnitGroup.objects.get_or_create(
                name=name, defaults={"description": str(entry.get("description", ""))}
            )
            if created:
                summary.groups_created += 1
            elif not update_existing:
                for alias in [name, *entry.get("aliases", [])]:
                    _point_alias(
                        str(alias), unit=None, group=group, summary=summary, update_existing=False
                    )
                continue
            members = {
                by_name.get(normalise_unit_name(str(m))) or Unit.objects.get(name=str(m).strip())
                for m in entry.get("members", [])
            }
            kinds = entry.get("member_kinds", [])
            if kinds:
                members |= set(Unit.objects.filter(kind__in=kinds, active=True))
            member_ids = {u.pk for u in members}
            current_ids = set(group.members.values_list("pk", flat=True))
            description = str(entry.get("description", ""))
            if not created and (current_ids != member_ids or group.description != description):
                summary.groups_updated += 1
            if group.description != description:
                group.description = description
                group.save(update_fields=["description", "updated_at"])
            if current_ids != member_ids:
                group.members.set(member_ids)
            for alias in [name, *entry.get("aliases", [])]:
                _point_alias(str(alias), unit=None, group=group, summary=summary)
        if summary.changed:
            record_event(
                actor=actor,
                action="orgs.units_load",
                target_type="orgs.Unit",
                target_id="*",
                target_repr="责任单位名录",
                new=summary.as_dict(),
            )
    return summary


def add_unit_alias(*, actor: Any, unit: Unit, alias: str) -> UnitAlias:
    """Record another spelling of a unit found in a document."""
    _require(actor, "manage_units")
    key = normalise_unit_name(alias)
    if not key:
        raise DomainError("别名不能为空。")
    with transaction.atomic():
        existing = UnitAlias.objects.select_related("unit", "group").filter(alias=key).first()
        if existing is not None:
            if existing.unit_id == unit.pk:
                return existing
            raise DomainError(f"别名“{alias}”已属于“{existing.unit or existing.group}”。")
        created = UnitAlias.objects.create(alias=key, unit=unit)
        record_event(
            actor=actor,
            action="orgs.unit_alias_add",
            target_type="orgs.Unit",
            target_id=unit.pk,
            target_repr=unit.name,
            new={"alias": key},
        )
    return created


# ---------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------

_ROLES = {value for value, _label in Role.choices}


def _check_role(role: str) -> str:
    if role not in _ROLES:
        labels = "、".join(label for _v, label in Role.choices)
        raise DomainError(f"角色“{role}”无效，应为：{labels}。")
    return role


def _check_role_unit(role: str, unit: Unit | None, organisation: str) -> None:
    if role in (Role.REPORTER, Role.REVIEWER) and unit is None:
        raise DomainError("部门填报员和部门审核员必须属于一个责任单位。")
    # A district leader reads every unit (orgs.permissions): a unit would wrongly suggest
    # a unit's head, who is a 单位负责人 and reads that unit only. The database constraints
    # on User say the same (orgs 0003).
    if role == Role.LEADER and unit is not None:
        raise DomainError(
            "领导账号查看全区数据，不能指定所属单位；单位的负责人请使用“单位负责人”角色。"
        )
    if role == Role.UNIT_LEADER and unit is None:
        raise DomainError("单位负责人必须属于一个责任单位。")
    if role == Role.BANK and not organisation:
        raise DomainError("银行用户必须填写所属机构（如银行支行名称）。")
    if unit is not None and not unit.active:
        raise DomainError(f"责任单位“{unit.name}”已停用。")


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "unit": user.unit.name if user.unit_id and user.unit else None,
        "organisation": user.organisation,
        "is_active": user.is_active,
        "is_system_account": user.is_system_account,
    }


def _check_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise DomainError("用户名不能为空。")
    if len(username) > 150:
        raise DomainError("用户名不能超过 150 个字符。")
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise DomainError("用户名只能包含字母、数字和 @ . + - _ 字符。") from exc
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(f"用户名“{username}”已被使用。")
    return username


def create_user(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    unit: Unit | None,
    full_name: str = "",
    organisation: str = "",
    phone: str = "",
    superuser: bool = False,
) -> User:
    """Create a person's account. Credit admins (and the system) create any account; a
    unit's reviewer creates reporters of its own unit only."""
    role = _check_role(role)
    actor_role = permissions.role_of(actor)
    if actor is not None:
        if actor_role == Role.REVIEWER:
            if role != Role.REPORTER or unit is None or unit.pk != actor.unit_id:
                raise NotPermitted("部门审核员只能为本单位创建部门填报员账号。")
        elif actor_role != Role.CREDIT_ADMIN:
            raise NotPermitted("只有信用办管理员或部门审核员可以创建用户。")
        if superuser and not getattr(actor, "is_superuser", False):
            raise NotPermitted("只有超级管理员可以创建超级管理员。")
    organisation = (organisation or "").strip()
    _check_role_unit(role, unit, organisation)
    username = _check_username(username)
    user = User(
        username=username,
        full_name=(full_name or "").strip()[:50],
        role=role,
        unit=unit,
        organisation=organisation[:100],
        phone=(phone or "").strip()[:20],
        is_staff=superuser or role == Role.CREDIT_ADMIN,
        is_superuser=superuser,
    )
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        raise DomainError("密码不符合要求：" + "；".join(exc.messages)) from exc
    user.set_password(password)
    with transaction.atomic():
        user.save()
        record_event(
            actor=actor,
            action="orgs.user_create",
            target_type="orgs.User",
            target_id=user.pk,
            target_repr=user.audit_label(),
            new=_user_snapshot(user),
        )
    return user


_KEEP: Any = object()


def set_role(*, actor: Any, user: User, role: str, unit: Unit | None = _KEEP) -> User:
    """Change a user's role (and optionally unit). Credit admins only; not one's own."""
    _require(actor, "credit_admin")
    role = _check_role(role)
    if actor is not None and actor.pk == user.pk:
        raise NotPermitted("不能修改自己的角色。")
    new_unit = user.unit if unit is _KEEP else unit
    _check_role_unit(role, new_unit, user.organisation)

    def flags() -> dict[str, bool]:
        return {"is_superuser": user.is_superuser, "is_staff": user.is_staff}

    old = _user_snapshot(user) | flags()
    with transaction.atomic():
        role_changed = role != user.role
        user.role = role
        user.unit = new_unit
        # The role decides: a superuser counts as 信用办管理员 whatever its role says
        # (orgs.permissions.role_of), so one moved to another role stops being a
        # superuser; only a credit admin enters the admin site. An edit that leaves the
        # stored role as it was (a unit given to an older superuser whose stored role is
        # the default) is no move.
        user.is_superuser = user.is_superuser and (role == Role.CREDIT_ADMIN or not role_changed)
        user.is_staff = user.is_superuser or role == Role.CREDIT_ADMIN
        user.save(update_fields=["role", "unit", "is_superuser", "is_staff"])
        record_event(
            actor=actor,
            action="orgs.user_set_role",
            target_type="orgs.User",
            target_id=user.pk,
            target_repr=user.audit_label(),
            old=old,
            new=_user_snapshot(user) | flags(),
        )
    return user


def update_profile(
    *, actor: Any, user: User, full_name: str, phone: str = "", organisation: str = ""
) -> User:
    """Name, phone and organisation of an account: its managers, or the user themself."""
    if actor is not None and actor.pk != user.pk:
        _require_manage_account(actor, user)
    old = _user_snapshot(user) | {"phone": user.phone}
    with transaction.atomic():
        user.full_name = (full_name or "").strip()[:50]
        user.phone = (phone or "").strip()[:20]
        user.organisation = (organisation or "").strip()[:100]
        user.save(update_fields=["full_name", "phone", "organisation"])
        record_event(
            actor=actor,
            action="orgs.user_update",
            target_type="orgs.User",
            target_id=user.pk,
            target_repr=user.audit_label(),
            old=old,
            new=_user_snapshot(user) | {"phone": user.phone},
        )
    return user


def _require_manage_account(actor: Any, user: User) -> None:
    if actor is None:
        return
    if permissions.is_credit_admin(actor):
        return
    if (
        permissions.role_of(actor) == Role.REVIEWER
        and user.unit_id == actor.unit_id
        and (user.role == Role.REPORTER)
    ):
        return
    raise NotPermitted("无权管理该账号：部门审核员只能管理本单位的填报员和接口账号。")


def deactivate(*, actor: Any, user: User, reason: str = "") -> User:
    """Switch an account off (it can no longer log in or use its tokens)."""
    _require_manage_account(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise DomainError("不能停用自己的账号。")
    if not user.is_active:
        raise DomainError(f"账号“{user.username}”已是停用状态。")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        record_event(
            actor=actor,
            action="orgs.user_deactivate",
            target_type="orgs.User",
            target_id=user.pk,
            target_repr=user.audit_label(),
            old={"is_active": True},
            new={"is_active": False, "reason": reason},
        )
    return user


def reactivate(*, actor: Any, user: User) -> User:
    _require_manage_account(actor, user)
    if user.is_active:
        raise DomainError(f"账号“{user.username}”已是启用状态。")
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        record_event(
            actor=actor,
            action="orgs.user_reactivate",
            target_type="orgs.User",
            target_id=user.pk,
            target_repr=user.audit_label(),
            old={"is_active": False},
            new={"is_active": True},
        )
    return user


def grant_unit_access(*, actor: Any, user: User, unit: Unit) -> User:
    """Let a bank or organisation-department user read one unit's data."""
    _require(actor, "credit_admin")
    if user.role not in permissions.GRANTED_READ_ROLES:
        raise DomainError("只有银行用户和组织部门用户需要按单位授权查阅。")
    if user.granted_units.filter(pk=unit.pk).exists():
        raise DomainError(f"“{user.username}”已获授权查阅“{unit.name}”。")
    with transaction.atomic():
        user.granted_units.add(unit)
        user.__dict__.pop("_granted_unit_ids", None)
        record_event(
            actor=actor,
            action="orgs.user_grant_unit",
            target_type="orgs.User",
            target_id=user.pk,
            target_repr=user.audit_label(),
            new={"unit": unit.name},
        )
    return user


def revoke_unit_access(*, actor: Any, user: User, unit: Unit) -> User:
    _require(actor, "credit_admin")
    if not user.granted_units.filter(pk=unit.pk).exists():
        raise DomainError(f"“{user.username}”未获授权查阅“{unit.name}”。")
    with transaction.atomic():
        user.granted_units.remove(unit)
        user.__dict__.pop("_granted_unit_ids", None)
        record_event(
            actor=actor,
            action="orgs.user_revoke_unit",
            target_type="orgs.User",
            target_id=user.pk,
            target_repr=user.audit_label(),
            old={"unit": unit.name},
        )
    return user


# ---------------------------------------------------------------------------------------
# System accounts and API tokens
# ---------------------------------------------------------------------------------------


def create_system_account(*, actor: Any, unit: Unit, username: str) -> User:
    """An account a unit's own system uses through API tokens; it cannot log in with a
    password. Credit admins create one for any unit, a reviewer for its own unit."""
    _require(actor, "manage_tokens", unit)
    if not unit.active:
        raise DomainError(f"责任单位“{unit.name}”已停用。")
    username = _check_username(username)
    user = User(
        username=username,
        full_name=f"{unit.name}接口",
        role=Role.REPORTER,
        unit=unit,
        is_system_account=True,
    )
    return _save_system_account(actor, user)


def _save_system_account(actor: Any, user: User) -> User:
    """A system account never logs in with a password; its creation is an event."""
    user.set_unusable_password()
    with transaction.atomic():
        user.save()
        record_event(
            actor=actor,
            action="orgs.system_account_create",
            target_type="orgs.User",
            target_id=user.pk,
            target_repr=user.audit_label(),
            new=_user_snapshot(user),
        )
    return user


def _free_username(base: str) -> str:
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}_{n}"
    return username


def system_account_username(unit: Unit) -> str:
    return f"sys_unit_{unit.pk}"


def ensure_system_account(*, actor: Any, unit: Unit) -> User:
    """The unit's active system account, created when missing."""
    existing = (
        User.objects.filter(unit=unit, is_system_account=True, is_active=True)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        _require(actor, "manage_tokens", unit)
        # As create_system_account: a deactivated unit gets no account, hence no token.
        if not unit.active:
            raise DomainError(f"责任单位“{unit.name}”已停用。")
        return existing
    username = _free_username(system_account_username(unit))
    return create_system_account(actor=actor, unit=unit, username=username)


# ---------------------------------------------------------------------------------------
# Banks' system accounts
# ---------------------------------------------------------------------------------------
#
# A bank is not a Unit: it is the organisation (所属机构) of its 银行用户 accounts, and
# finance matches authorisations and loan outcomes on that exact text
# (finance.services.bank_of). A bank's system account is therefore a role-bank account
# with the same organisation and no unit, so that it holds exactly a bank user's
# permissions (orgs.permissions: no unit's data unless granted; finance: its own bank).


def registered_banks() -> list[str]:
    """The banks on the platform: the organisations of active 银行用户 accounts (the same
    list as finance.services.known_banks, which orgs may not import)."""
    names = (
        User.objects.filter(role=Role.BANK, is_active=True)
        .exclude(organisation="")
        .values_list("organisation", flat=True)
        .distinct()
    )
    return sorted(set(names))


def resolve_bank_name(name: str) -> str:
    """The registered spelling of a bank's name, matched like unit names (full-width
    characters, brackets and spaces do not matter). A bank must first have a 银行用户
    account: a token for a misspelt bank would report loan outcomes under a bank that
    finance does not know."""
    key = normalise_unit_name(name)
    if not key:
        raise DomainError("银行名称为空。", code="unknown_bank")
    for bank in registered_banks():
        if normalise_unit_name(bank) == key:
            return bank
    raise DomainError(
        f"未知银行名称：{str(name).strip()}。平台上还没有该银行的在用银行用户账号，"
        "请先在后台为该银行创建银行用户（所属机构填写银行全称）。",
        code="unknown_bank",
    )


def bank_system_account_username(bank: str) -> str:
    # Usernames allow only ASCII letters, digits and @.+-_: a stable digest of the name.
    return "sys_bank_" + hashlib.sha256(bank.encode("utf-8")).hexdigest()[:10]


def create_bank_system_account(*, actor: Any, bank: str, username: str) -> User:
    """An account a bank's own system uses through API tokens: role 银行用户 for `bank`,
    no unit, no usable password. Credit admins only (banks are registered by the credit
    office, not by a unit)."""
    _require(actor, "credit_admin")
    bank = resolve_bank_name(bank)
    username = _check_username(username)
    user = User(
        username=username,
        full_name=f"{bank}接口"[:50],
        role=Role.BANK,
        unit=None,
        organisation=bank,
        is_system_account=True,
    )
    return _save_system_account(actor, user)


def ensure_bank_system_account(*, actor: Any, bank: str) -> User:
    """The bank's active system account, created when missing."""
    _require(actor, "credit_admin")
    bank = resolve_bank_name(bank)
    existing = (
        User.objects.filter(
            role=Role.BANK, organisation=bank, is_system_account=True, is_active=True
        )
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    username = _free_username(bank_system_account_username(bank))
    return create_bank_system_account(actor=actor, bank=bank, username=username)


def issue_bank_token(*, actor: Any, bank: str, name: str) -> tuple[ApiToken, str]:
    """Issue a token for a bank's system account (credit admins only), creating the
    account when missing. `bank` is any spelling of a registered bank's name."""
    _require(actor, "credit_admin")
    with transaction.atomic():
        account = ensure_bank_system_account(actor=actor, bank=bank)
        return issue_token(actor=actor, user=account, name=name)


def _require(actor: Any, perm: str, unit: Unit | None = None) -> None:
    """`permissions.require`, except that the system itself (actor None: loaders, CLI)
    may do anything."""
    if actor is not None:
        permissions.require(actor, perm, unit)


def _require_token_manager(actor: Any, user: User) -> None:
    _require(actor, "credit_admin" if user.unit_id is None else "manage_tokens", user.unit)


# An error report raised in here must not carry the plaintext key.
@sensitive_variables("key")
def issue_token(*, actor: Any, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for a system account. Returns the token row and the plaintext key,
    which is shown once and never stored (only its SHA-256 and its first 8 characters)."""
    _require_token_manager(actor, user)
    if not user.is_system_account:
        raise DomainError("接口令牌只能签发给接口系统账号；个人账号请使用密码登录。")
    if not user.is_active:
        raise DomainError(f"账号“{user.username}”已停用，不能签发令牌。")
    inactive = permissions.deactivated_unit(user)
    if inactive is not None:
        raise DomainError(permissions.deactivated_unit_message(inactive))
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写令牌用途。")
    if len(name) > 100:
        raise DomainError("令牌用途不能超过 100 个字符。")
    while True:
        key = secrets.token_urlsafe(32)
        prefix = key[:8]
        # The prefix is typed on command lines (`xinyong tokens revoke <prefix>`): one
        # starting with "-" would be read as an option (1 token in 64).
        if not prefix.startswith("-") and not ApiToken.objects.filter(prefix=prefix).exists():
            break
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=prefix, key_hash=ApiToken.hash_key(key)
        )
        record_event(
            actor=actor,
            action="orgs.token_issue",
            target_type="orgs.ApiToken",
            target_id=token.pk,
            target_repr=f"{prefix}… {name}（{user.username}）",
            new={"name": name, "prefix": prefix, "user": user.username},
        )
    return token, key


def issue_unit_token(*, actor: Any, unit: Unit, name: str) -> tuple[ApiToken, str]:
    """Issue a token for a unit's system account, creating the account when missing."""
    _require(actor, "manage_tokens", unit)
    with transaction.atomic():
        account = ensure_system_account(actor=actor, unit=unit)
        return issue_token(actor=actor, user=account, name=name)


def revoke_token(*, actor: Any, token: ApiToken, reason: str = "") -> ApiToken:
    _require_token_manager(actor, token.user)
    if token.revoked_at is not None:
        raise DomainError(
            f"令牌 {token.prefix}… 已于 {timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M} 停用。"
        )
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        record_event(
            actor=actor,
            action="orgs.token_revoke",
            target_type="orgs.ApiToken",
            target_id=token.pk,
            target_repr=f"{token.prefix}… {token.name}（{token.user.username}）",
            new={"revoked_at": token.revoked_at, "reason": reason},
        )
    return token


def find_token_by_prefix(prefix: str) -> ApiToken:
    prefix = (prefix or "").strip().rstrip("…").rstrip(".")
    if len(prefix) < 4:
        raise DomainError("请至少提供令牌前缀的前 4 个字符。")
    matches = list(ApiToken.objects.select_related("user").filter(prefix__startswith=prefix)[:2])
    if not matches:
        raise NotFoundError(f"没有前缀为“{prefix}”的令牌。")
    if len(matches) > 1:
        raise DomainError(f"前缀“{prefix}”对应多个令牌，请提供完整的 8 位前缀。")
    return matches[0]
