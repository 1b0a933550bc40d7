"""Load catalogue data files (catalog/data/*.json) through the services.

Each file is `{"kind": "publicity_policies" | "forbidden_matters" | "record_types",
"items": [...]}`. Items are matched by `code`: new ones are created, existing ones are
updated to the file's content (and left alone, without an event, when nothing differs).
Running a load twice changes nothing. Registered as reference loader order 30, which
only adds missing items (`update_existing=False`): `xinyong init` runs on every
`make run`, and must never undo what the credit office changed in the admin. Shipping a
changed item to an installation is the explicit `xinyong catalog load`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from xinyong.core.bootstrap import reference_loader
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Unit
from xinyong.orgs.services import resolve_unit_name

from . import services
from .models import ForbiddenMatter, PublicityPolicy, RecordType

DATA_DIR = Path(__file__).resolve().parent / "data"
# Dependency order: record types point to policies.
DEFAULT_FILES = ("publicity_policies.json", "forbidden_matters.json", "record_types.json")
KIND_LABELS = {
    "publicity_policies": "公示期限政策",
    "forbidden_matters": "不得纳入事项",
    "record_types": "信息类别",
}


@dataclass
class LoadResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        total = self.created + self.updated + self.unchanged
        return (
            f"{KIND_LABELS[self.kind]} {total} 项（新增 {self.created}，更新 {self.updated}，"
            f"未变 {self.unchanged}）"
        )


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(f"{where}：日期“{value}”格式应为 YYYY-MM-DD。") from None


def _check_keys(item: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise DomainError(f"{where}：不认识的属性 {'、'.join(unknown)}。")


def _unit(name: str, where: str) -> Unit:
    try:
        target = resolve_unit_name(name)
    except DomainError as exc:
        raise DomainError(f"{where}：提供单位“{name}”不存在。") from exc
    if not isinstance(target, Unit):
        raise DomainError(f"{where}：“{name}”是单位组，不是单个提供单位。")
    return target


def _save_item(
    result: LoadResult,
    where: str,
    current: Any,
    update_existing: bool,
    *,
    actor: Any,
    values: dict[str, Any],
    create: Callable[..., Any],
    update: Callable[..., Any],
    stored_as: str,
    snapshot: Callable[[Any], Any],
) -> None:
    """Create a missing item, or (with `update_existing`) update the stored one through its
    service (`update(actor=…, <stored_as>=current, **values)`), counting what happened; a
    refusal names the item (`where`)."""
    if current is not None and not update_existing:
        result.unchanged += 1
        return
    try:
        if current is None:
            create(actor=actor, **values)
            result.created += 1
            return
        before = snapshot(current)
        after = update(actor=actor, **{stored_as: current}, **values)
    except DomainError as exc:
        raise DomainError(f"{where}：{exc.message}", code=exc.code) from exc
    if snapshot(after) == before:
        result.unchanged += 1
    else:
        result.updated += 1


def _load_policies(items: list[dict[str, Any]], actor: Any, update_existing: bool) -> LoadResult:
    result = LoadResult("publicity_policies")
    allowed = set(services.POLICY_ATTRS)
    for i, item in enumerate(items, start=1):
        where = f"第 {i} 项（{item.get('code')}）"
        _check_keys(item, allowed, where)
        values = dict(item)
        values["effective_from"] = _date(item.get("effective_from"), where)
        values["effective_to"] = _date(item.get("effective_to"), where)
        _save_item(
            result,
            where,
            PublicityPolicy.objects.filter(code=item.get("code")).first(),
            update_existing,
            actor=actor,
            values=values,
            create=services.create_publicity_policy,
            update=services.update_publicity_policy,
            stored_as="policy",
            snapshot=services.policy_snapshot,
        )
    return result


def _load_matters(items: list[dict[str, Any]], actor: Any, update_existing: bool) -> LoadResult:
    result = LoadResult("forbidden_matters")
    allowed = set(services.MATTER_ATTRS)
    for i, item in enumerate(items, start=1):
        where = f"第 {i} 项（{item.get('code')}）"
        _check_keys(item, allowed, where)
        _save_item(
            result,
            where,
            ForbiddenMatter.objects.filter(code=item.get("code")).first(),
            update_existing,
            actor=actor,
            values=item,
            create=services.create_forbidden_matter,
            update=services.update_forbidden_matter,
            stored_as="matter",
            snapshot=services.matter_snapshot,
        )
    return result


def _load_record_types(
    items: list[dict[str, Any]], actor: Any, update_existing: bool
) -> LoadResult:
    result = LoadResult("record_types")
    allowed = set(services.RECORD_TYPE_ATTRS) | {"providing_units"}
    for i, item in enumerate(items, start=1):
        where = f"第 {i} 项（{item.get('code')}）"
        _check_keys(item, allowed, where)
        values = dict(item)
        unit_names = values.pop("providing_units", None)
        if unit_names is not None and (
            not isinstance(unit_names, list) or not all(isinstance(n, str) for n in unit_names)
        ):
            raise DomainError(f"{where}：“提供单位”必须是单位名称（文本）的列表。")
        units = [_unit(n, where) for n in unit_names] if unit_names is not None else None
        policy_code = values.get("default_policy")
        if policy_code:
            policy = PublicityPolicy.objects.filter(code=policy_code).first()
            if policy is None:
                raise DomainError(f"{where}：默认公示期限政策“{policy_code}”不存在。")
            values["default_policy"] = policy
        else:
            values["default_policy"] = None
        if "effective_from" in values:
            values["effective_from"] = _date(values["effective_from"], where)
        current = RecordType.objects.filter(code=str(item.get("code", "")).upper()).first()
        if current is not None and not update_existing:
            result.unchanged += 1
            continue
        try:
            if current is None:
                services.create_record_type(actor=actor, providing_units=units or (), **values)
                result.created += 1
                continue
            version = current.version
            after = services.update_record_type(
                actor=actor, record_type=current, providing_units=units, **values
            )
        except DomainError as exc:
            raise DomainError(f"{where}：{exc.message}", code=exc.code) from exc
        if after.version == version:
            result.unchanged += 1
        else:
            result.updated += 1
    return result


_LOADERS = {
    "publicity_policies": _load_policies,
    "forbidden_matters": _load_matters,
    "record_types": _load_record_types,
}


def load_data(
    data: Any, *, actor: Any = None, source: str = "", update_existing: bool = True
) -> LoadResult:
    """Load one parsed data file, all or nothing."""
    label = f"文件“{source}”" if source else "数据"
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind not in _LOADERS:
        raise DomainError(
            f'{label}格式不对：应为 {{"kind": "record_types" | "publicity_policies" | '
            '"forbidden_matters", "items": [...]}。'
        )
    items = data.get("items")
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise DomainError(f"{label}格式不对：items 必须是对象列表。")
    with transaction.atomic():
        return _LOADERS[kind](items, actor, update_existing)


def load_file(path: Path | str, *, actor: Any = None, update_existing: bool = True) -> LoadResult:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DomainError(f"找不到文件“{path}”。") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise DomainError(
            f"无法读取文件“{path}”：须为 UTF-8 编码的 JSON（{exc.__class__.__name__}）。"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError(
            f"文件“{path}”不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg}。"
        ) from None
    return load_data(data, actor=actor, source=path.name, update_existing=update_existing)


def load_defaults(*, actor: Any = None, update_existing: bool = True) -> list[LoadResult]:
    with transaction.atomic():
        return [
            load_file(DATA_DIR / name, actor=actor, update_existing=update_existing)
            for name in DEFAULT_FILES
        ]


@reference_loader(30, "公共信用信息目录")
def load_catalog_reference() -> str:
    return "；".join(r.summary() for r in load_defaults(update_existing=False))
