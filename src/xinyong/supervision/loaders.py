"""Reference data of supervision, loaded by `xinyong init` (create-missing-only: what the
credit office changed in the admin is never undone; a new version of the model is a new
EvaluationModel row, not an edit of the old one).

- order 70: the 行业信用评价结果 record type (through catalog's loader and services) and
  the evaluation model (data/evaluation_model.json).
"""

from __future__ import annotations

import json
import math
import re
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


def check_cutoffs(cutoffs: Any, where: str = "") -> dict[str, float]:
    """The cut-offs as numbers, {"A": 90.0, "B": 75.0, "C": 60.0}, or a DomainError.
    `where` prefixes the message ("第 1 个模型（…）："). Shared by this loader, the admin
    form and the computation (grading), so that no path puts a model in force that
    `grading.letter_for` cannot read or that gives inverted letters."""
    if not isinstance(cutoffs, dict) or set(cutoffs) != {"A", "B", "C"}:
        raise DomainError(f'{where}等级分界应为 {{"A": 分数, "B": 分数, "C": 分数}}。')
    try:
        if any(isinstance(cutoffs[k], bool) for k in cutoffs):
            raise TypeError
        a, b, c = (float(cutoffs[k]) for k in ("A", "B", "C"))
    except (TypeError, ValueError):
        raise DomainError(f"{where}等级分界须为数字。") from None
    if not all(math.isfinite(x) for x in (a, b, c)):
        raise DomainError(f"{where}等级分界须为数字。")
    if not a > b > c:
        raise DomainError(f"{where}等级分界须满足 A > B > C。")
    return {"A": a, "B": b, "C": c}


# The params each indicator kind reads (grading: `_record_sql`, `_other_counts`,
# `_indicators`); "max_grade" is read for every kind.
KIND_PARAMS = {
    "records": {"record_type", "severity", "within_months", "older_than_months"},
    "repaired": {"record_type", "within_months", "older_than_months"},
    "list": {"list_kind"},
    "commitment_kept": {"statuses", "within_months"},
    "commitment_broken": {"statuses", "within_months"},
}
# No rule limits an age band; 50 years keeps add_months inside the calendar.
MAX_MONTHS = 600


def _months(params: dict[str, Any], key: str, where: str) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    whole = isinstance(value, int) and not isinstance(value, bool)
    digits = isinstance(value, str) and re.fullmatch(r"[0-9]{1,4}", value) is not None
    n = int(value) if whole or digits else 0
    if not 1 <= n <= MAX_MONTHS:
        raise DomainError(
            f"{where}{key} 应为 1 到 {MAX_MONTHS} 之间的整数月数（如 12），现为“{value}”；"
            "不限时间请删去该参数。"
        )
    return n


def _codes(
    params: dict[str, Any], key: str, allowed: Any, where: str, *, one: bool = False
) -> None:
    """A code or a list of codes from `allowed` (TextChoices); `one`: exactly one code,
    required (list_kind)."""
    value = params.get(key)
    choices = "、".join(f"{v}（{label}）" for v, label in allowed.choices)
    if value is None or value == "" or value == []:
        if one:
            raise DomainError(f"{where}缺少参数 {key}，可选：{choices}。")
        return
    values = [value] if isinstance(value, str) else value
    if (
        not isinstance(values, list)
        or (one and not isinstance(value, str))
        or any(not isinstance(v, str) or v not in allowed.values for v in values)
    ):
        raise DomainError(f"{where}{key} 的值“{value}”不对，可选：{choices}。")


def check_params(kind: Any, params: Any, where: str = "", *, strict: bool = True) -> dict[str, Any]:
    """An indicator's params checked against what its kind reads: types, ranges, known
    codes. `strict` (the admin form, this loader) also refuses keys the kind does not
    read and record types missing from the catalogue; the computation checks without it
    (both are ignored there and named on the model page). `where` prefixes the message."""
    from xinyong.catalog.models import RecordType, Severity
    from xinyong.commitments.models import Commitment
    from xinyong.sanctions.models import ListType

    if kind not in KIND_PARAMS:
        raise DomainError(f"{where}指标类型“{kind}”不对，可选：{'、'.join(KIND_PARAMS)}。")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise DomainError(f'{where}参数应为 JSON 对象，如 {{"record_type": "XZCF"}}。')
    known = KIND_PARAMS[kind] | {"max_grade"}
    unknown = sorted(set(params) - known)
    if strict and unknown:
        raise DomainError(
            f"{where}不认识的参数 {'、'.join(unknown)}（该类型可用：{'、'.join(sorted(known))}）。"
        )
    if "record_type" in KIND_PARAMS[kind] and params.get("record_type") not in (None, ""):
        rt = params["record_type"]
        if not isinstance(rt, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,29}", rt):
            raise DomainError(f"{where}record_type 应为目录中的记录类别代码，如 XZCF。")
        if strict and not RecordType.objects.filter(code=rt.upper()).exists():
            raise DomainError(f"{where}记录类别 {rt} 不在目录中。")
    within = older = None
    if "within_months" in KIND_PARAMS[kind]:
        within = _months(params, "within_months", where)
    if "older_than_months" in KIND_PARAMS[kind]:
        older = _months(params, "older_than_months", where)
    if within is not None and older is not None and older >= within:
        # "older than N and within M months" counts nothing unless N < M.
        raise DomainError(f"{where}older_than_months 须小于 within_months，否则不计任何记录。")
    if kind == "records":
        _codes(params, "severity", Severity, where)
    elif kind == "list":
        _codes(params, "list_kind", ListType.Kind, where, one=True)
    elif kind in ("commitment_kept", "commitment_broken"):
        _codes(params, "statuses", Commitment.Status, where)
    grade = params.get("max_grade")
    if grade is not None and grade not in ("A", "B", "C", "D"):
        raise DomainError(f"{where}max_grade 应为 A、B、C 或 D，现为“{grade}”。")
    return dict(params)


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
                cutoffs=check_cutoffs(item.get("cutoffs"), f"{where}："),
                basis=item["basis"],
                active=bool(item.get("active", True)),
            )
            for ind in item.get("indicators") or []:
                unknown = set(ind) - INDICATOR_ATTRS
                if unknown or ind.get("kind") not in kinds:
                    raise DomainError(f"{where}：指标 {ind.get('code')} 的属性或类型不对。")
                params = check_params(
                    ind["kind"], ind.get("params") or {}, f"{where}：指标 {ind.get('code')}："
                )
                Indicator.objects.create(
                    model=model,
                    code=ind["code"],
                    name=ind["name"],
                    kind=ind["kind"],
                    params=params,
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
