"""Read queries for units, users and tokens, already narrowed to what the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xinyong.core.errors import NotFoundError

from . import permissions
from .models import ApiToken, Role, Unit, User


def active_units() -> QuerySet[Unit]:
    """Every active unit in 通报 order: public organisational information."""
    return (
        Unit.objects.filter(active=True).prefetch_related("aliases").order_by("sort_order", "name")
    )


def credit_office_unit() -> Unit | None:
    return Unit.objects.filter(is_credit_office=True).first()


def get_unit(unit_id: Any) -> Unit:
    try:
        return Unit.objects.get(pk=int(unit_id))
    except (Unit.DoesNotExist, TypeError, ValueError):
        raise NotFoundError("未找到该责任单位。") from None


def unit_users_for(reader: Any, unit: Unit) -> QuerySet[User]:
    """A unit's accounts, for those who manage them (credit admins; the unit's reviewer)."""
    permissions.require(reader, "manage_users", unit)
    return User.objects.filter(unit=unit).select_related("unit").order_by("username")


def tokens_for(
    reader: Any, *, unit: Unit | None = None, bank: str | None = None
) -> QuerySet[ApiToken]:
    """The tokens `reader` may manage: all for credit admins (optionally one unit's or one
    bank's), the own unit's for a reviewer. Banks' tokens are the credit office's alone."""
    qs = ApiToken.objects.select_related("user", "user__unit").order_by("-created_at", "-pk")
    if bank is not None:
        permissions.require(reader, "credit_admin")
        qs = qs.filter(user__role=Role.BANK, user__organisation=bank, user__unit__isnull=True)
    if permissions.is_credit_admin(reader):
        return qs.filter(user__unit=unit) if unit is not None else qs
    permissions.require(reader, "manage_tokens", reader.unit if reader.unit_id else None)
    if unit is not None and unit.pk != reader.unit_id:
        permissions.require(reader, "manage_tokens", unit)
    return qs.filter(user__unit_id=reader.unit_id)


def token_for(reader: Any, token_id: Any) -> ApiToken:
    """One token within the reader's scope; a token outside it is reported as not found,
    so that its existence is not revealed."""
    try:
        pk = int(token_id)
    except (TypeError, ValueError):
        raise NotFoundError("未找到该令牌。") from None
    token = tokens_for(reader).filter(pk=pk).first()
    if token is None:
        raise NotFoundError("未找到该令牌。")
    return token
