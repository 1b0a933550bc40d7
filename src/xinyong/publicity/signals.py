"""Signals through which `publicity` tells later consumers that windows were (re)computed,
without importing them (ARCHITECTURE: dependencies point one way). A consumer that keeps
a date derived from a window (commitments: a 信用修复型 commitment's check day) follows it
here instead of at every place that changes a record or a policy.

Sent inside the writing transaction, so a receiver's writes commit or roll back with the
windows."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: record_ids (list[int] | None), batch_id (int | None), actor. The records whose
# windows were computed: one record's (a correction, an objection's correction, the
# on-the-spot safety net), or None after a set-based pass. For a batch's pass `batch_id`
# names the batch whose records (by their latest batch) were computed, so a receiver
# checks those alone; None with no batch_id (`recompute` after a policy change,
# `refresh`) may have touched any number of records — a receiver then checks everything
# it derives from windows, set-based.
windows_computed = Signal()
