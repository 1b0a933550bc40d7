"""Receivers through which personnel follows the rights workflow without rights knowing
personnel: a decided objection acts on the linked file item, and the keepers of a file
answer as the providing unit."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from xinyong.rights.objections import register_provider_check
from xinyong.rights.signals import objection_decided

from . import services

register_provider_check(services.keeper_answers)


@receiver(objection_decided, dispatch_uid="personnel.objection_decided")
def on_objection_decided(sender: Any, objection: Any, actor: Any = None, **kwargs: Any) -> None:
    services.apply_objection_outcome(actor=actor, objection=objection)
