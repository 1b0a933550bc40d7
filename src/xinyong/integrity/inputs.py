"""Checking what people type (pages, API, CLI, files) into the values services store:
each failure is a DomainError naming the field in Chinese, never a 500."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from xinyong.core.errors import DomainError
from xinyong.core.inputs import clean_day, clean_text

MAX_TEXT = 4000
# 万元 with two decimals; a district's single arrears case or contract never comes near
# ten billion yuan, so a larger figure is a typing mistake (e.g. yuan typed as 万元).
MAX_WAN = Decimal("1000000")


def text(value: Any, label: str, *, limit: int = 200, required: bool = True) -> str:
    # Most of this app's fields are 200-character columns: the shorter default limit.
    return clean_text(value, label, limit=limit, required=required)


def day(
    value: Any, label: str, *, required: bool = True, not_after_today: bool = False
) -> date | None:
    """A date written 2026-11-25 (or a date object from a serializer), not before the
    core's EARLIEST_DAY: 0001-01-01 is a typing slip, not an act of 2026's government."""
    if isinstance(value, date):
        return clean_day(value, label, not_after_today=not_after_today)
    raw = "" if value is None else str(value).strip()
    if not raw:
        if required:
            raise DomainError(f"请填写{label}。")
        return None
    try:
        parsed = date.fromisoformat(raw)
    except ValueError:
        raise DomainError(f"{label}“{raw}”不是有效日期，应为 2026-11-25 这样的格式。") from None
    return clean_day(parsed, label, not_after_today=not_after_today)


def wan(
    value: Any, label: str, *, required: bool = True, allow_zero: bool = False
) -> Decimal | None:
    """An amount in 万元, two decimals at most, positive (or zero when allowed)."""
    raw = "" if value is None else str(value).strip().replace(",", "").replace("，", "")
    if raw.endswith("万元"):
        raw = raw[:-2].strip()
    if not raw:
        if required:
            raise DomainError(f"请填写{label}。")
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise DomainError(f"{label}“{raw}”不是数字，请以万元为单位填写，如 12.5。") from None
    if not amount.is_finite():
        raise DomainError(f"{label}“{raw}”不是数字。")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(f"{label}应大于 0。")
    if amount > MAX_WAN:
        raise DomainError(f"{label}超过 {MAX_WAN} 万元，请核对单位是否为万元。")
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(f"{label}最多保留两位小数（万元）。")
    return amount.quantize(Decimal("0.01"))


def choice(value: Any, label: str, choices: Any) -> str:
    """A TextChoices value given by its code or its Chinese label."""
    raw = "" if value is None else str(value).strip()
    for code, name in choices:
        if raw in (code, name):
            return str(code)
    allowed = "、".join(str(name) for _code, name in choices)
    if not raw:
        raise DomainError(f"请选择{label}（{allowed}）。")
    raise DomainError(f"{label}“{raw}”无效，应为：{allowed}。")


def pk(value: Any) -> int:
    """A database id from a form or URL value; 0 (matches nothing) when it is not one."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0
