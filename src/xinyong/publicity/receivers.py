"""Receivers of the records signals (connected in PublicityConfig.ready).

Both signals are sent inside the writing transaction, so the windows commit or roll back
with the records. The batch receiver is set-based and idempotent: receiving the same
batch twice recomputes the same windows.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import PublicityWindow


def on_batch_stored(sender: Any, batch_id: int, **kwargs: Any) -> None:
    from .services import compute_windows_for_batch

    compute_windows_for_batch(batch_id, actor=kwargs.get("actor"))


def on_record_changed(
    sender: Any, record: Any, change: str, actor: Any = None, **kwargs: Any
) -> None:
    from . import services

    if change == "corrected":
        services.compute_window(record, actor=actor)
    elif change == "withdrawn":
        services.end_publicity(
            actor=actor,
            record=record,
            reason=PublicityWindow.EndReason.WITHDRAWN,
            on=kwargs.get("on") or timezone.localdate(),
        )
    elif change == "restored":
        services.restore_publicity(actor=actor, record=record)
