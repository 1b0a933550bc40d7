"""The one write path of the catalogue. Each function takes keyword arguments and an
explicit `actor`, runs in one transaction, and writes exactly one event.

A record type is refused when it has no legal basis (or a basis that names no document:
`xinyong.core.legal_basis`) or when its name, description or fields name a matter that
may not be recorded as credit information (国办发〔2020〕49号; 河南条例 art. 27;
DOMAIN.md §7), or information that 河南条例 art. 45 forbids collecting (DOMAIN.md §6).
`validate_record_type` runs the same checks without writing.

A value of the wrong type (a number written as text in a data file, a missing text) is
refused in Chinese, naming the attribute, before anything compares it; and an item's code
never changes once created (`_keep_code`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError
from xinyong.core.legal_basis import basis_problem
from xinyong.orgs.models import Unit

from .fieldspec import (
    ART45_NEVER,
    ART45_NEVER_RULE,
    PARTY_KINDS,
    art45_topic,
    parse_fields,
    searchable_text,
)
from .models import (
    Category,
    CountedFrom,
    ForbiddenMatter,
    Nature,
    PublicityPolicy,
    RecordType,
    Severity,
    Sharing,
    UpdateCycle,
)
from .selectors import check_lawful_matter, describe_forbidden, keyword_terms, policy_in_force

__all__ = [
    "check_lawful_matter",
    "create_forbidden_matter",
    "create_publicity_policy",
    "create_record_type",
    "policy_in_force",
    "update_forbidden_matter",
    "update_publicity_policy",
    "update_record_type",
    "validate_record_type",
]

_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,19}$")

RECORD_TYPE_ATTRS = (
    "code",
    "name",
    "category",
    "nature",
    "sharing",
    "subject_types",
    "update_cycle",
    "coverage",
    "description",
    "legal_basis",
    "is_shuanggongshi",
    "is_shigongshi",
    "report_deadline_workdays",
    "default_policy",
    "fields",
    "active",
    "effective_from",
    "sort_order",
)


def _snapshot(rt: RecordType, units: Iterable[Unit] | None = None) -> dict[str, Any]:
    data = {name: getattr(rt, name) for name in RECORD_TYPE_ATTRS if name != "default_policy"}
    data["default_policy"] = (
        rt.default_policy.code if rt.default_policy_id and rt.default_policy else None
    )
    data["version"] = rt.version
    if units is not None:
        data["providing_units"] = sorted(u.name for u in units)
    return data


def _check_choice(value: Any, choices: type[Any], what: str) -> None:
    if value not in choices.values:
        allowed = "、".join(str(label) for label in choices.labels)
        raise DomainError(f"{what}“{value}”无效，可选：{allowed}。")


# What a value of each kind of model field must be, as said in a refusal. JSON fields
# (fields, subject_types, keywords) are checked with their own meaning.
_VALUE_KINDS: dict[str, tuple[type, str]] = {
    "CharField": (str, "文本"),
    "TextField": (str, "文本"),
    "BooleanField": (bool, "true 或 false"),
    "DateField": (date, "日期"),
    "PositiveSmallIntegerField": (int, "整数"),
    "PositiveIntegerField": (int, "整数"),
}


def _check_types(model: type[models.Model], values: Mapping[str, Any], what: str) -> None:
    """Refuse a value of the wrong type before a comparison or a string method fails on
    it: data files reach the services as parsed JSON (`xinyong catalog load`)."""
    for name, value in values.items():
        field = model._meta.get_field(name)
        if not isinstance(field, models.Field):
            continue
        related = field.related_model
        if isinstance(related, type):
            expected: type = related
            kind = str(related._meta.verbose_name)
        elif field.get_internal_type() in _VALUE_KINDS:
            expected, kind = _VALUE_KINDS[field.get_internal_type()]
        else:
            continue
        label = f"{what}的“{field.verbose_name}”"
        if value is None:
            if field.null:
                continue
            raise DomainError(f"{label}缺少值，应为{kind}。", code="wrong_type")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            shown = json.dumps(value, ensure_ascii=False, default=str)
            optional = "或留空" if field.null else ""
            raise DomainError(f"{label}必须是{kind}{optional}，现为 {shown}。", code="wrong_type")


def _keep_code(what: str, old: str, new: Any) -> None:
    """Refuse a change of an item's code: `xinyong init` and `xinyong catalog load` find
    items by code (loaders.py) and would create a renamed one again, and the program
    names some types by code (rights.notices PENALTY_CODE = "XZCF")."""
    if new != old:
        raise DomainError(
            f"{what}的代码“{old}”不能修改：目录数据的加载（xinyong init、xinyong catalog load）"
            "按代码识别条目，程序和报表也按代码引用它。如需新的代码，请新增一项并停用本项。",
            code="code_fixed",
        )


def validate_record_type(values: Mapping[str, Any], *, instance: RecordType | None = None) -> None:
    """Refuse (DomainError, Chinese) an item that may not enter the catalogue. `values`
    holds the attributes after the change (for an update: the instance's merged with the
    changes)."""
    name = str(values.get("name") or "").strip()
    code = str(values.get("code") or "").strip()
    label = name or code or "新信息类别"
    if instance is not None and instance.pk:
        _keep_code(f"信息类别“{instance.name}”", instance.code, code.upper())
    _check_types(
        RecordType,
        {k: v for k, v in values.items() if k in RECORD_TYPE_ATTRS},
        f"信息类别“{label}”",
    )
    basis = str(values.get("legal_basis") or "").strip()
    if not basis:
        raise DomainError(
            f"缺少法律依据：信息类别“{label}”必须写明其依据的法律、法规或党中央、国务院政策文件"
            "（国办发〔2020〕49号；《河南省社会信用条例》第十一条）。",
            code="no_legal_basis",
        )
    # Text that names no document (“无”, “见附件”, “《……》第……条”) is no basis either.
    problem = basis_problem(basis)
    if problem is not None:
        raise DomainError(
            f"缺少法律依据：信息类别“{label}”的法律依据“{basis}”不是有效的引用：{problem}。"
            "依照国办发〔2020〕49号和《河南省社会信用条例》第十一条，"
            "目录条目须以法律、法规、规章或政策文件为依据。",
            code="no_legal_basis",
        )
    if not _CODE_RE.match(code):
        raise DomainError(f"代码“{code}”无效：须为 2–20 位大写字母、数字或下划线，以字母开头。")
    if not name:
        raise DomainError("信息类别必须有名称。")
    clash = RecordType.objects.filter(code=code) | RecordType.objects.filter(name=name)
    if instance is not None and instance.pk:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise DomainError(f"已有代码为“{code}”或名称为“{name}”的信息类别。")
    _check_choice(values.get("category"), Category, "目录类别")
    _check_choice(values.get("nature"), Nature, "信息性质")
    _check_choice(values.get("sharing"), Sharing, "共享属性")
    _check_choice(values.get("update_cycle"), UpdateCycle, "更新周期")
    subject_types = values.get("subject_types")
    if (
        not isinstance(subject_types, list | tuple)
        or not subject_types
        or any(s not in PARTY_KINDS for s in subject_types)
        or len(set(subject_types)) != len(subject_types)
    ):
        raise DomainError(f"适用主体类型必须是以下一项或多项：{'、'.join(PARTY_KINDS)}。")
    deadline = values.get("report_deadline_workdays")
    if deadline is not None and (
        isinstance(deadline, bool) or not isinstance(deadline, int) or deadline <= 0
    ):
        raise DomainError("报送时限（工作日）必须是正整数或留空。")
    if values.get("is_shuanggongshi") and not values.get("is_shigongshi"):
        # 双公示 (licences, penalties) is part of 十公示 (the ten acts).
        raise DomainError("双公示的信息类别同时属于十公示，请一并勾选“十公示”。")
    # The item's own subject, not only its fields (parse_fields): a type about blood
    # types is refused whatever its field labels say.
    for attr, where in (("name", "名称"), ("description", "说明"), ("coverage", "覆盖范围")):
        topic = art45_topic(str(values.get(attr) or ""), ART45_NEVER)
        if topic is not None:
            raise DomainError(
                f"不得纳入公共信用信息目录：信息类别“{label}”的{where}涉及{topic}信息。"
                f"{ART45_NEVER_RULE}。",
                code="forbidden_personal_info",
            )
    specs = parse_fields(values.get("fields"))
    text = "\n".join(
        [
            name,
            str(values.get("description") or ""),
            str(values.get("coverage") or ""),
            searchable_text(specs),
        ]
    )
    hits = check_lawful_matter(text)
    if hits:
        raise DomainError(
            f"不得纳入公共信用信息目录：信息类别“{label}”涉及{describe_forbidden(hits)}。",
            code="forbidden_matter",
        )


def _apply(rt: RecordType, values: Mapping[str, Any]) -> None:
    for name in RECORD_TYPE_ATTRS:
        if name in values:
            setattr(rt, name, values[name])
    # Store the canonical JSON form so that the admin and exports show one spelling.
    rt.fields = [s.to_dict() for s in parse_fields(rt.fields)]
    try:
        rt.full_clean(exclude=["providing_units"])
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages)) from exc


def _normalise_inputs(values: dict[str, Any]) -> dict[str, Any]:
    for key in ("code",):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip().upper()
    for key in ("name", "legal_basis", "coverage", "description"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip()
    if "subject_types" in values and isinstance(values["subject_types"], tuple):
        values["subject_types"] = list(values["subject_types"])
    return values


def create_record_type(
    *, actor: Any, providing_units: Iterable[Unit] = (), **values: Any
) -> RecordType:
    """Add a catalogue item. `values` are RecordType attributes (RECORD_TYPE_ATTRS);
    `fields` is the JSON field list (docs/catalog.md)."""
    unknown = set(values) - set(RECORD_TYPE_ATTRS)
    if unknown:
        raise TypeError(f"unknown record type attributes: {sorted(unknown)}")
    values = _normalise_inputs(
        {
            "nature": Nature.NEUTRAL,
            "sharing": Sharing.PUBLIC,
            "update_cycle": UpdateCycle.REALTIME,
            "subject_types": list(PARTY_KINDS),
            **values,
        }
    )
    validate_record_type(values)
    units = list(providing_units)
    with transaction.atomic():
        rt = RecordType()
        _apply(rt, values)
        rt.version = 1
        rt.save()
        rt.providing_units.set(units)
        record_event(
            actor=actor,
            action="catalog.record_type_created",
            target_type="catalog.RecordType",
            target_id=rt.pk,
            target_repr=str(rt),
            new=_snapshot(rt, units),
        )
    return rt


def update_record_type(
    *,
    actor: Any,
    record_type: RecordType,
    providing_units: Iterable[Unit] | None = None,
    **changes: Any,
) -> RecordType:
    """Change a catalogue item; the version goes up by one when anything changed.
    Returns the item unchanged (and writes no event) when nothing differs."""
    unknown = set(changes) - set(RECORD_TYPE_ATTRS)
    if unknown:
        raise TypeError(f"unknown record type attributes: {sorted(unknown)}")
    changes = _normalise_inputs(dict(changes))
    with transaction.atomic():
        rt = RecordType.objects.select_for_update().get(pk=record_type.pk)
        old_units = list(rt.providing_units.all())
        old = _snapshot(rt, old_units)
        merged = {name: getattr(rt, name) for name in RECORD_TYPE_ATTRS} | changes
        validate_record_type(merged, instance=rt)
        _apply(rt, changes)
        units = list(providing_units) if providing_units is not None else old_units
        new = _snapshot(rt, units)
        new["version"] = old["version"]
        if new == old:
            return rt
        rt.version += 1
        new["version"] = rt.version
        rt.save()
        if providing_units is not None:
            rt.providing_units.set(units)
        diff_old = {k: v for k, v in old.items() if new.get(k) != v}
        diff_new = {k: v for k, v in new.items() if old.get(k) != v}
        record_event(
            actor=actor,
            action="catalog.record_type_updated",
            target_type="catalog.RecordType",
            target_id=rt.pk,
            target_repr=str(rt),
            old=diff_old,
            new=diff_new,
        )
    record_type.refresh_from_db()
    return rt


# ---------------------------------------------------------------- publicity policies

POLICY_ATTRS = (
    "code",
    "name",
    "document",
    "severity",
    "min_months",
    "max_months",
    "counted_from",
    "legal_basis",
    "effective_from",
    "effective_to",
    "sector",
    "notes",
    "active",
)


def validate_publicity_policy(values: Mapping[str, Any]) -> None:
    _check_types(
        PublicityPolicy,
        {k: v for k, v in values.items() if k in POLICY_ATTRS},
        f"公示期限政策“{values.get('name') or values.get('code')}”",
    )
    if not str(values.get("legal_basis") or "").strip():
        raise DomainError(
            f"缺少依据：公示期限政策“{values.get('name') or values.get('code')}”必须写明依据。"
        )
    _check_choice(values.get("severity"), Severity, "失信程度")
    _check_choice(values.get("counted_from"), CountedFrom, "起算日")
    low, high = values.get("min_months"), values.get("max_months")
    if high is None or (low is not None and low > high):
        raise DomainError("最短公示期不能长于最长公示期。")
    start, end = values.get("effective_from"), values.get("effective_to")
    if not isinstance(start, date) or (end is not None and end < start):
        raise DomainError("适用截止日期不能早于施行日期。")


def _save_policy(policy: PublicityPolicy, values: Mapping[str, Any]) -> None:
    for name in POLICY_ATTRS:
        if name in values:
            setattr(policy, name, values[name])
    validate_publicity_policy({name: getattr(policy, name) for name in POLICY_ATTRS})
    try:
        policy.full_clean()
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages)) from exc
    policy.save()


def policy_snapshot(policy: PublicityPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in POLICY_ATTRS}


def create_publicity_policy(*, actor: Any, **values: Any) -> PublicityPolicy:
    unknown = set(values) - set(POLICY_ATTRS)
    if unknown:
        raise TypeError(f"unknown policy attributes: {sorted(unknown)}")
    with transaction.atomic():
        policy = PublicityPolicy()
        _save_policy(policy, {"counted_from": CountedFrom.DECISION_DATE, **values})
        record_event(
            actor=actor,
            action="catalog.policy_created",
            target_type="catalog.PublicityPolicy",
            target_id=policy.pk,
            target_repr=str(policy),
            new=policy_snapshot(policy),
        )
    return policy


def update_publicity_policy(
    *, actor: Any, policy: PublicityPolicy, **changes: Any
) -> PublicityPolicy:
    unknown = set(changes) - set(POLICY_ATTRS)
    if unknown:
        raise TypeError(f"unknown policy attributes: {sorted(unknown)}")
    with transaction.atomic():
        current = PublicityPolicy.objects.select_for_update().get(pk=policy.pk)
        _keep_code(f"公示期限政策“{current.name}”", current.code, changes.get("code", current.code))
        old = policy_snapshot(current)
        _save_policy(current, changes)
        new = policy_snapshot(current)
        if new != old:
            record_event(
                actor=actor,
                action="catalog.policy_updated",
                target_type="catalog.PublicityPolicy",
                target_id=current.pk,
                target_repr=str(current),
                old={k: v for k, v in old.items() if new[k] != v},
                new={k: v for k, v in new.items() if old[k] != v},
            )
    policy.refresh_from_db()
    return current


# ---------------------------------------------------------------- forbidden matters

MATTER_ATTRS = ("code", "name", "keywords", "reason", "basis", "active")


def _save_matter(matter: ForbiddenMatter, values: Mapping[str, Any]) -> None:
    for name in MATTER_ATTRS:
        if name in values:
            setattr(matter, name, values[name])
    _check_types(
        ForbiddenMatter,
        {name: getattr(matter, name) for name in MATTER_ATTRS},
        f"事项“{matter.name}”",
    )
    keywords = matter.keywords
    if (
        not isinstance(keywords, list)
        or not keywords
        or not all(isinstance(k, str) and k.strip() for k in keywords)
    ):
        raise DomainError(f"事项“{matter.name}”至少需要一个关键词（文本列表）。")
    matter.keywords = [k.strip() for k in keywords]
    for keyword in matter.keywords:
        if any(not alt for term in keyword_terms(keyword) for alt in term):
            raise DomainError(
                f"事项“{matter.name}”的关键词“{keyword}”有空的部分：用“+”连接的每一项、"
                "用“|”分隔的每个备选词都要写出。"
            )
    if not matter.basis.strip() or not matter.reason.strip():
        raise DomainError(f"事项“{matter.name}”必须写明理由和依据。")
    try:
        matter.full_clean()
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages)) from exc
    matter.save()


def matter_snapshot(matter: ForbiddenMatter) -> dict[str, Any]:
    return {name: getattr(matter, name) for name in MATTER_ATTRS}


def create_forbidden_matter(*, actor: Any, **values: Any) -> ForbiddenMatter:
    unknown = set(values) - set(MATTER_ATTRS)
    if unknown:
        raise TypeError(f"unknown matter attributes: {sorted(unknown)}")
    with transaction.atomic():
        matter = ForbiddenMatter()
        _save_matter(matter, values)
        record_event(
            actor=actor,
            action="catalog.forbidden_matter_created",
            target_type="catalog.ForbiddenMatter",
            target_id=matter.pk,
            target_repr=str(matter),
            new=matter_snapshot(matter),
        )
    return matter


def update_forbidden_matter(
    *, actor: Any, matter: ForbiddenMatter, **changes: Any
) -> ForbiddenMatter:
    unknown = set(changes) - set(MATTER_ATTRS)
    if unknown:
        raise TypeError(f"unknown matter attributes: {sorted(unknown)}")
    with transaction.atomic():
        current = ForbiddenMatter.objects.select_for_update().get(pk=matter.pk)
        _keep_code(f"事项“{current.name}”", current.code, changes.get("code", current.code))
        old = matter_snapshot(current)
        _save_matter(current, changes)
        new = matter_snapshot(current)
        if new != old:
            record_event(
                actor=actor,
                action="catalog.forbidden_matter_updated",
                target_type="catalog.ForbiddenMatter",
                target_id=current.pk,
                target_repr=str(current),
                old={k: v for k, v in old.items() if new[k] != v},
                new={k: v for k, v in new.items() if old[k] != v},
            )
    matter.refresh_from_db()
    return current
