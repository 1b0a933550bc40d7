"""Reference data of commitments, loaded by `xinyong init` (create-missing-only: what the
credit office changed in the admin is never undone):

- the catalogue type 信用承诺违诺信息 (CNWN), through catalog's own loader and services;
- the seed 承诺事项清单 (data/commitment_matters.json), through `services.create_matter`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from xinyong.catalog import loaders as catalog_loaders
from xinyong.core.bootstrap import reference_loader
from xinyong.core.errors import DomainError
from xinyong.orgs.services import resolve_unit

from . import services
from .models import CommitmentMatter

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_matters(data: Any, *, actor: Any = None, update_existing: bool = False) -> tuple[int, int]:
    """Create (and with `update_existing`, update) matters; returns (created, updated)."""
    if not isinstance(data, dict) or data.get("kind") != "commitment_matters":
        raise DomainError(
            '承诺事项文件格式不对：应为 {"kind": "commitment_matters", "items": [...]}。'
        )
    items = data.get("items")
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise DomainError("承诺事项文件格式不对：items 必须是对象列表。")
    created = updated = 0
    with transaction.atomic():
        for i, item in enumerate(items, start=1):
            values = dict(item)
            where = f"第 {i} 项（{values.get('name')}）"
            try:
                unit = resolve_unit(values.pop("unit", ""))
                kind = services.coerce_kind(values.get("kind"))
                current = CommitmentMatter.objects.filter(
                    unit=unit, name=values.get("name"), kind=kind
                ).first()
                if current is None:
                    services.create_matter(actor=actor, unit=unit, **values)
                    created += 1
                elif update_existing:
                    before = current.updated_at
                    after = services.update_matter(actor=actor, matter=current, **values)
                    updated += int(after.updated_at != before)
            except DomainError as exc:
                raise DomainError(f"{where}：{exc.message}") from exc
    return created, updated


@reference_loader(50, "信用承诺违诺信息目录")
def load_breach_record_type() -> str:
    result = catalog_loaders.load_file(DATA_DIR / "record_types.json", update_existing=False)
    return result.summary()


@reference_loader(51, "信用承诺事项清单")
def load_matter_reference() -> str:
    data = json.loads((DATA_DIR / "commitment_matters.json").read_text(encoding="utf-8"))
    created, _updated = load_matters(data)
    return f"信用承诺事项 {len(data['items'])} 项（新增 {created}）"
