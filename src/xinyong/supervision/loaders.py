"""Reference data of supervision, loaded by `xinyong init` (create-missing-only: what the
credit office changed in the admin is never undone; a new version of the model is a new
EvaluationModel row, not an edit of the old one).

- order 70: the 行业信用评价结果 record type (through catalog's loader and services) and
  the evaluation model (data/evaluation_model.json).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from xinyong.catalog.loaders import load_file as load_catalog_file
from xinyong.core.audit import record_event
from xinyong.core.bootstrap import reference_loader
from xinyong.core.errors import DomainError

from .models import EvaluationModel, Indicator

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_ATTRS = {
    "name", "version", "effective_from", "effective_to", "base_score", "cutoffs", "basis",
    "active", "indicators",
}  # fmt: skip
INDICATOR_ATTRS = {"code", "name", "kind", "params", "points", "cap", "order"}


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(f"{where}：日期“{value}”格式应为 YYYY-MM-DD。") from None


def _check_cutoffs(cutoffs: Any, where: str) -> dict[str, float]:
    if not isinstance(cutoffs, dict) or set(cutoffs) != {"A", "B", "C"}:
        raise DomainError(f'{where}：等级分界应为 {{"A": 分数, "B": 分数, "C": 分数}}。')
    try:
        a, b, c = (float(cutoffs[k]) for k in ("A", "B", "C"))
    except (TypeError, ValueError):
        raise DomainError(f"{where}：等级分界须为数字。") from None
    if not a > b > c:
        raise DomainError(f"{where}：等级分界须满足 A > B > C。")
    return {"A": a, "B": b, "C": c}


def load_models(data: Any, *, actor: Any = None) -> tuple[int, int]:
    """Create the model versions that do not exist yet (matched by name and version)."""
    if not isinstance(data, dict) or data.get("kind") != "evaluation_model":
        raise DomainError(
            '评价模型文件格式不对：应为 {"kind": "evaluation_model", "models": [...]}。'
        )
    created = unchanged = 0
    kinds = set(Indicator.Kind.values)
    with transaction.atomic():
        for i, item in enumerate(data.get("models") or [], start=1):
            where = f"第 {i} 个模型（{item.get('name')} v{item.get('version')}）"
            unknown = set(item) - MODEL_ATTRS
            if unknown:
                raise DomainError(f"{where}：不认识的属性 {'、'.join(sorted(unknown))}。")
            if EvaluationModel.objects.filter(
                name=item["name"], version=int(item["version"])
            ).exists():
                unchanged += 1
                continue
            start = _date(item.get("effective_from"), where)
            if start is None:
                raise DomainError(f"{where}：缺少生效日期。")
            model = EvaluationModel.objects.create(
                name=item["name"],
                version=int(item["version"]),
                effective_from=start,
                effective_to=_date(item.get("effective_to"), where),
                base_score=Decimal(str(item.get("base_score", 100))),
                cutoffs=_check_cutoffs(item.get("cutoffs"), where),
                basis=item["basis"],
                active=bool(item.get("active", True)),
            )
            for ind in item.get("indicators") or []:
                unknown = set(ind) - INDICATOR_ATTRS
                if unknown or ind.get("kind") not in kinds:
                    raise DomainError(f"{where}：指标 {ind.get('code')} 的属性或类型不对。")
                Indicator.objects.create(
                    model=model,
                    code=ind["code"],
                    name=ind["name"],
                    kind=ind["kind"],
                    params=ind.get("params") or {},
                    points=Decimal(str(ind["points"])),
                    cap=Decimal(str(ind["cap"])) if ind.get("cap") is not None else None,
                    order=int(ind.get("order", 100)),
                )
            record_event(
                actor=actor,
                action="supervision.model.create",
                target_type="supervision.EvaluationModel",
                target_id=model.pk,
                target_repr=str(model),
                new={"indicators": model.indicators.count(), "cutoffs": model.cutoffs},
            )
            created += 1
    return created, unchanged


@reference_loader(70, "信用评价模型")
def load_grading_reference() -> str:
    types = load_catalog_file(DATA_DIR / "record_types.json", update_existing=False)
    data = json.loads((DATA_DIR / "evaluation_model.json").read_text(encoding="utf-8"))
    created, unchanged = load_models(data)
    return f"{types.summary()}；评价模型 新增 {created}，已有 {unchanged}"


@reference_loader(71, "分级分类监管政策")
def load_supervision_policies() -> str:
    # Draws: the policy per grade (data/supervision_policies.json), create-missing-only.
    from .policy import load_default_policies

    return load_default_policies()
