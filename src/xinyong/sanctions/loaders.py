"""Reference data of the sanctions app, loaded by `xinyong init` through the services.

Each data file is `{"kind": ..., "items": [...]}` matched by `code`. The reference loaders
only add missing items, so that what the credit office changed in the admin survives
every `xinyong init` (the pattern of catalog.loaders).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from xinyong.core.bootstrap import reference_loader
from xinyong.core.errors import DomainError

from .models import ListType

DATA_DIR = Path(__file__).resolve().parent / "data"


def _read(name: str, kind: str) -> list[dict[str, Any]]:
    path = DATA_DIR / name
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DomainError(f"无法读取数据文件“{name}”：{exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("kind") != kind
        or not isinstance(data.get("items"), list)
    ):
        raise DomainError(f'数据文件“{name}”格式不对：应为 {{"kind": "{kind}", "items": [...]}}。')
    return [item for item in data["items"] if isinstance(item, dict)]


def load_list_types(*, actor: Any = None, update_existing: bool = False) -> tuple[int, int, int]:
    """Load data/list_types.json: (created, updated, unchanged)."""
    from . import lists

    created = updated = unchanged = 0
    with transaction.atomic():
        for i, item in enumerate(_read("list_types.json", "list_types"), start=1):
            unknown = sorted(set(item) - set(lists.LIST_TYPE_ATTRS))
            if unknown:
                raise DomainError(f"名单类型第 {i} 项：不认识的属性 {'、'.join(unknown)}。")
            current = ListType.objects.filter(code=item.get("code")).first()
            try:
                if current is None:
                    lists.create_list_type(actor=actor, **item)
                    created += 1
                elif not update_existing:
                    unchanged += 1
                else:
                    before = lists._type_snapshot(current)
                    after = lists.update_list_type(actor=actor, list_type=current, **item)
                    if lists._type_snapshot(after) == before:
                        unchanged += 1
                    else:
                        updated += 1
            except DomainError as exc:
                raise DomainError(
                    f"名单类型第 {i} 项（{item.get('code')}）：{exc.message}"
                ) from exc
    return created, updated, unchanged


@reference_loader(60, "名单类型")
def load_list_types_reference() -> str:
    created, updated, unchanged = load_list_types(update_existing=False)
    return f"名单类型 {created + updated + unchanged} 项（新增 {created}，未变 {unchanged}）"


@reference_loader(61, "办理事项与奖惩措施清单")
def load_measures_reference() -> str:
    """data/matters.json and data/measures.json (measures.load_matters_and_measures); runs
    after the list types (60) that the measures point to."""
    from .measures import load_matters_and_measures

    return "；".join(c.summary() for c in load_matters_and_measures(update_existing=False))
