"""Signals through which `records` tells its consumers (publicity, rights, supervision,
exchange …) that records changed, without importing them (ARCHITECTURE: dependencies
point one way).

Both are sent inside the writing transaction, so a receiver's writes commit or roll back
with the change. Receivers must be set-based: a batch may hold a million records.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: batch_id (int) — every record created or corrected by that batch now has
# CreditRecord.batch_id == batch_id; left_subject_ids (list[int]) — subjects that a
# correction in the batch moved a record away from (they no longer hold it).
batch_stored = Signal()

# kwargs: record (CreditRecord), change ("corrected" | "withdrawn" | "restored"), actor;
# with "withdrawn" also `on`, the date the withdrawal takes effect, and `kind`, a
# RecordWithdrawal.Kind value: "revocation" (撤销/撤回, the decision was changed or
# revoked) or "keying_error" (录入错误作废, the record was keyed wrongly). Receivers treat
# both as the record leaving public view; the kind is there for those that explain it.
record_changed = Signal()
