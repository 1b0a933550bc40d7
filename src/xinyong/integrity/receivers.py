"""Reactions to other apps' signals: a list entry of a government body changed
(sanctions.signals.entry_changed) → alert and case (monitoring.handle_entry); a subject
merged into a body's subject (subjects.signals.subjects_merged) → its listings alert the
body's unit (monitoring.on_subjects_merged)."""

from __future__ import annotations


def connect() -> None:
    from xinyong.sanctions.signals import entry_changed
    from xinyong.subjects.signals import subjects_merged

    from .monitoring import on_entry_changed, on_subjects_merged

    entry_changed.connect(on_entry_changed, dispatch_uid="integrity.entry_changed")
    subjects_merged.connect(on_subjects_merged, dispatch_uid="integrity.subjects_merged")
