"""Reactions to other apps' signals: a list entry of a government body changed
(sanctions.signals.entry_changed) → alert and case (monitoring.handle_entry)."""

from __future__ import annotations


def connect() -> None:
    from xinyong.sanctions.signals import entry_changed

    from .monitoring import on_entry_changed

    entry_changed.connect(on_entry_changed, dispatch_uid="integrity.entry_changed")
