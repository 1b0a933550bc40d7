"""Signals through which `subjects` tells its consumers (grades, …) about identity
changes without importing them (ARCHITECTURE: dependencies point one way). Sent inside
the writing transaction, so a receiver's writes commit or roll back with the change."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: keep (Subject, the survivor), absorb (Subject, now merged_into keep), actor.
# The absorbed subject's records, entries and commitments count for `keep` from now on.
subjects_merged = Signal()
