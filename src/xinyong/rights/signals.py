"""Signals through which `rights` tells later consumers (exchange with the city platform,
…) about its decisions without importing them. Sent inside the deciding transaction."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: application (RepairApplication), approved (bool). Receivers push the result to
# every platform that received the record; `repair.record_sync` marks it done.
repair_decided = Signal()

# kwargs: objection (Objection, decided), actor. Sent when an objection is decided (更正 /
# 撤销 / 维持): receivers sync the outcome downstream (exchange with the city platform)
# and act on what the objection concerns (sanctions: the list entries linked to it).
objection_decided = Signal()

# kwargs: application (RepairApplication, just filed), actor. Sent inside the filing
# transaction: the application carries a 信用修复型 commitment (commitments records it).
repair_applied = Signal()
