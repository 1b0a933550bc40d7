"""Reactions of rights to other apps' signals that have no other home here (connected in
RightsConfig.ready): the repair notices follow the publicity windows they copy their
dates from (publicity.signals.windows_computed — sent by every window computation: a
batch, a correction, an objection's 更正, `publicity recompute` / `refresh`)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from xinyong.publicity.signals import windows_computed

from .notices import follow_windows


@receiver(windows_computed, dispatch_uid="rights.notices.windows_computed")
def _windows_computed(
    sender: Any,
    record_ids: list[int] | None = None,
    batch_id: int | None = None,
    actor: Any = None,
    **kwargs: Any,
) -> None:
    follow_windows(record_ids=record_ids, batch_id=batch_id, actor=actor)
