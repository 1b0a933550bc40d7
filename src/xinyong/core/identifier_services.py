"""The write path of the identifier override list: every change writes one event and
refreshes the cached set that `core.identifiers.check` reads."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from . import identifiers
from .audit import record_event
from .errors import DomainError, NotFoundError
from .identifiers import IdentifierKind
from .models import IdentifierOverride

_TARGET = "core.IdentifierOverride"


def _required(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"请填写{label}。")
    return value


def add_override(*, actor: Any, code: str, reason: str, basis: str) -> IdentifierOverride:
    """Declare a code real although it fails its check. Only a code of a known kind whose
    length and characters are right may be overridden: a typo is corrected, not excused."""
    reason = _required(reason, "原因")[:300]
    basis = _required(basis, "依据（如营业执照核验、登记机关复函）")[:300]
    verdict = identifiers.structural_check(code)
    if not verdict.normalised:
        raise DomainError("代码为空，无法加入校验例外名单。")
    if verdict.kind == IdentifierKind.UNKNOWN:
        raise DomainError(f"“{verdict.normalised}”不是可识别的代码：{verdict.reason}")
    if verdict.valid:
        raise DomainError(f"“{verdict.normalised}”校验通过，无需加入例外名单。")
    if verdict.reason.startswith(("长度错误", "含非法字符")):
        raise DomainError(
            f"“{verdict.normalised}”{verdict.reason}，这类错误应更正代码，不能作为例外。"
        )
    with transaction.atomic():
        existing = (
            IdentifierOverride.objects.select_for_update().filter(code=verdict.normalised).first()
        )
        if existing and existing.active:
            raise DomainError(f"“{verdict.normalised}”已在校验例外名单中。")
        old = None
        if existing:
            old = {"active": False, "reason": existing.reason, "basis": existing.basis}
            existing.active = True
            existing.reason = reason
            existing.basis = basis
            existing.deactivated_at = None
            existing.deactivation_reason = ""
            existing.created_by = actor if getattr(actor, "pk", None) else None
            existing.save()
            override = existing
        else:
            override = IdentifierOverride.objects.create(
                code=verdict.normalised,
                kind=verdict.kind.value,
                reason=reason,
                basis=basis,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
        record_event(
            actor=actor,
            action="core.identifier_override_add",
            target_type=_TARGET,
            target_id=override.pk,
            target_repr=identifiers.mask_identifier(verdict),
            old=old,
            new={
                "code": identifiers.mask_identifier(verdict),
                "kind": verdict.kind.value,
                "failed_check": verdict.reason,
                "reason": reason,
                "basis": basis,
            },
        )
        transaction.on_commit(identifiers.invalidate_overrides)
    identifiers.invalidate_overrides()
    return override


def remove_override(*, actor: Any, code: str, reason: str) -> IdentifierOverride:
    """Withdraw an override; the row stays (inactive) as the history of the decision."""
    reason = _required(reason, "撤销原因")[:300]
    normalised = identifiers.structural_check(code).normalised
    with transaction.atomic():
        override = (
            IdentifierOverride.objects.select_for_update()
            .filter(code=normalised, active=True)
            .first()
        )
        if override is None:
            raise NotFoundError(f"“{normalised or code}”不在有效的校验例外名单中。")
        override.active = False
        override.deactivated_at = timezone.now()
        override.deactivation_reason = reason
        override.save(update_fields=["active", "deactivated_at", "deactivation_reason"])
        record_event(
            actor=actor,
            action="core.identifier_override_remove",
            target_type=_TARGET,
            target_id=override.pk,
            target_repr=identifiers.mask_identifier(override.code),
            old={"active": True, "reason": override.reason, "basis": override.basis},
            new={"active": False, "reason": reason},
        )
        transaction.on_commit(identifiers.invalidate_overrides)
    identifiers.invalidate_overrides()
    return override


def list_overrides(*, include_inactive: bool = False) -> list[IdentifierOverride]:
    qs = IdentifierOverride.objects.select_related("created_by")
    if not include_inactive:
        qs = qs.filter(active=True)
    return list(qs.order_by("code"))
