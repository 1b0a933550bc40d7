"""Clear the per-process spec cache whenever catalogue data changes in this process.

Clearing is always safe (the next `get_spec` reloads). It happens at once, and again when
the transaction commits, so that a spec reloaded mid-transaction (seeing uncommitted
data) does not outlive it. A rollback fires no signal: code that rolls back a catalogue
change (tests do) calls `fieldspec.invalidate_cache()` itself."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .fieldspec import invalidate_cache
from .models import PublicityPolicy, RecordType


@receiver(post_save, sender=RecordType)
@receiver(post_delete, sender=RecordType)
@receiver(post_save, sender=PublicityPolicy)
@receiver(post_delete, sender=PublicityPolicy)
def _catalogue_changed(**kwargs: Any) -> None:
    invalidate_cache()
    transaction.on_commit(invalidate_cache)


@receiver(m2m_changed, sender=RecordType.providing_units.through)
def _units_changed(**kwargs: Any) -> None:
    invalidate_cache()
    transaction.on_commit(invalidate_cache)
