"""Signals of the sanctions app, sent inside the writing transaction so that a receiver's
writes commit or roll back with the change."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: entry (ListEntry), change (ListEntryChange), actor (User or None). Sent on every
# status change of a list entry (proposed, publicising, listed, removed, cancelled), so
# that consumers (checks, governance, exchange with the city platform) learn of removals
# through the same channel as listings (DOMAIN §8 "Removal").
entry_changed = Signal()
