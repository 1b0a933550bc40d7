"""Reactions to other apps' signals: a repair application carries a 信用修复型
commitment (rights.signals.repair_applied)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from xinyong.rights.signals import repair_applied

from .services import record_repair_commitment


@receiver(repair_applied, dispatch_uid="commitments.repair_commitment")
def _repair_applied(sender: Any, application: Any, actor: Any = None, **kwargs: Any) -> None:
    record_repair_commitment(actor=actor, application=application)
