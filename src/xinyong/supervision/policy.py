"""Classified-supervision policy per grade (分级分类监管, DOMAIN.md §10): the inspection
ratio, the yearly frequency and the approach for A / B / C / D, each with its basis and
effective dates. Policies are data (ARCHITECTURE rule 3): seeded from
data/supervision_policies.json, edited by the credit office, audited.

`policy_for(grade, on)` is what a draw uses: the row of that grade in force on the day
(the latest `effective_from` not after `on` whose `effective_to` has not passed). The
draw takes `inspection_ratio` of each grade's pool and leaves out a subject already drawn
`frequency_per_year` times in the calendar year (draws.create_draw, checked again by
draws.run_draw against the draws run since the set-up).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.orgs import permissions

from .models import GradeLetter, SupervisionPolicy

DATA_FILE = Path(__file__).resolve().parent / "data" / "supervision_policies.json"
GRADES = tuple(GradeLetter.values)  # ("A", "B", "C", "D")
_TARGET = "supervision.SupervisionPolicy"
_FIELDS = (
    "grade",
    "inspection_ratio",
    "frequency_per_year",
    "approach",
    "basis",
    "effective_from",
    "effective_to",
)


def snapshot(policy: SupervisionPolicy) -> dict[str, Any]:
    return {
        "grade": policy.grade,
        "inspection_ratio": str(Decimal(policy.inspection_ratio).quantize(Decimal("0.01"))),
        "frequency_per_year": policy.frequency_per_year,
        "approach": policy.approach,
        "basis": policy.basis,
        "effective_from": policy.effective_from.isoformat(),
        "effective_to": policy.effective_to.isoformat() if policy.effective_to else None,
    }


def _date(value: Any, label: str, *, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            raise DomainError(f"请填写{label}。")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(f"{label}“{value}”格式不对，应为 2026-01-01 这样的日期。") from None


def clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise a policy's values; every refusal is a Chinese DomainError."""
    grade = str(values.get("grade") or "").strip().upper()
    if grade not in GRADES:
        raise DomainError("等级应为 A、B、C、D 之一。")
    try:
        ratio = Decimal(str(values.get("inspection_ratio", "")).strip().rstrip("%"))
    except InvalidOperation:
        raise DomainError("抽查比例应为 0 到 100 之间的数字（百分比）。") from None
    if not ratio.is_finite() or ratio < 0 or ratio > 100:
        raise DomainError("抽查比例应为 0 到 100 之间的数字（百分比）。")
    if ratio != ratio.quantize(Decimal("0.01")):
        raise DomainError("抽查比例最多保留两位小数。")
    try:
        frequency = int(str(values.get("frequency_per_year", "")).strip())
    except ValueError:
        raise DomainError("每年抽查频次应为整数。") from None
    if frequency < 0 or frequency > 366:
        raise DomainError("每年抽查频次应在 0 到 366 之间。")
    approach = str(values.get("approach") or "").strip()
    if not approach:
        raise DomainError("请填写监管方式。")
    if len(approach) > 200:
        raise DomainError("监管方式不超过200字。")
    basis = str(values.get("basis") or "").strip()
    if not basis:
        # ARCHITECTURE rule 3: a policy without its basis is not a policy.
        raise DomainError("请填写政策依据（文件名称、文号或先例），没有依据的监管政策不能保存。")
    effective_from = _date(values.get("effective_from"), "生效日期", required=True)
    effective_to = _date(values.get("effective_to"), "失效日期", required=False)
    assert effective_from is not None
    if effective_to is not None and effective_to < effective_from:
        raise DomainError("失效日期不能早于生效日期。")
    return {
        "grade": grade,
        "inspection_ratio": ratio,
        "frequency_per_year": frequency,
        "approach": approach,
        "basis": basis,
        "effective_from": effective_from,
        "effective_to": effective_to,
    }


def create_policy(*, actor: Any, **values: Any) -> SupervisionPolicy:
    """Add a policy row (e.g. a new ratio from a new date). Credit office only."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    cleaned = clean_values(values)
    with transaction.atomic():
        policy = SupervisionPolicy.objects.create(**cleaned)
        record_event(
            actor=actor,
            action="supervision.policy_create",
            target_type=_TARGET,
            target_id=policy.pk,
            target_repr=f"{policy.grade}类 {policy.inspection_ratio}%",
            new=snapshot(policy),
        )
    return policy


def update_policy(*, actor: Any, policy: SupervisionPolicy, **values: Any) -> SupervisionPolicy:
    """Change a policy; the old and new values go into the event. Credit office only."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    merged = {**snapshot(policy), **{k: v for k, v in values.items() if k in _FIELDS}}
    cleaned = clean_values(merged)
    with transaction.atomic():
        old = snapshot(policy)
        for name, value in cleaned.items():
            setattr(policy, name, value)
        policy.save()
        new = snapshot(policy)
        if new != old:
            record_event(
                actor=actor,
                action="supervision.policy_update",
                target_type=_TARGET,
                target_id=policy.pk,
                target_repr=f"{policy.grade}类 {policy.inspection_ratio}%",
                old=old,
                new=new,
            )
    return policy


def get_policy(pk: Any) -> SupervisionPolicy:
    try:
        return SupervisionPolicy.objects.get(pk=int(pk))
    except (TypeError, ValueError, SupervisionPolicy.DoesNotExist):
        raise NotFoundError("没有这条监管政策。") from None


def policy_for(grade: str, on: date | None = None) -> SupervisionPolicy | None:
    """The policy of `grade` in force on `on` (today by default), or None."""
    day = on or timezone.localdate()
    return (
        SupervisionPolicy.objects.filter(grade=grade, effective_from__lte=day)
        .exclude(effective_to__lt=day)
        .order_by("-effective_from", "-id")
        .first()
    )


def policies_in_force(on: date | None = None) -> dict[str, SupervisionPolicy]:
    """Every grade's policy in force on `on`; a grade without one raises DomainError,
    because a draw cannot be set up without a ratio for each grade."""
    found: dict[str, SupervisionPolicy] = {}
    missing = []
    for grade in GRADES:
        policy = policy_for(grade, on)
        if policy is None:
            missing.append(grade)
        else:
            found[grade] = policy
    if missing:
        day = (on or timezone.localdate()).isoformat()
        raise DomainError(
            f"{day} 没有生效的 {'、'.join(missing)} 类监管政策，请信用办先在“分级分类监管政策”中配置。"
        )
    return found


def load_default_policies(*, path: Path = DATA_FILE) -> str:
    """Create the grades' policies from the data file where a grade has none yet
    (create-missing-only: `xinyong init` must never undo what the credit office changed)."""
    try:
        items = json.loads(path.read_text(encoding="utf-8"))["items"]
    except (OSError, ValueError, KeyError) as exc:
        raise DomainError(f"监管政策数据文件 {path.name} 无法读取：{exc}") from None
    created = 0
    for item in items:
        cleaned = clean_values(item)
        if SupervisionPolicy.objects.filter(grade=cleaned["grade"]).exists():
            continue
        create_policy(actor=None, **cleaned)
        created += 1
    return f"分级分类监管政策 {len(items)} 项（新增 {created}）"
