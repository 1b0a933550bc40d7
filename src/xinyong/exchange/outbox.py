"""Queueing changes for the city platform, inside the transaction of the change.

The receivers below are connected to the signals that records, sanctions, rights and
commitments send inside their writing transactions, so an `OutboxEntry` commits or rolls back with the
change it announces: nothing accepted is lost, nothing rolled back is announced. Each
receiver writes one row, whatever the size of the change (a million-record batch is one
entry referencing the batch); the expensive part — splitting and building payloads — is
the sender's, outside the ingest transaction.

What comes down from the city platform (exchange.inbound) is not pushed back up: the
import runs inside `suppressed()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .models import OutboxEntry

_suppressed: ContextVar[bool] = ContextVar("exchange_outbox_suppressed", default=False)

# List entry statuses the city platform is told about. A proposal (拟列入) is internal
# until notice and objection have run their course; its cancellation likewise.
_INTERNAL_LIST_STATUSES = {"proposed"}


@contextmanager
def suppressed() -> Iterator[None]:
    """Within this block, changes are not queued (data that came from the city platform)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def is_suppressed() -> bool:
    return _suppressed.get()


def queue_batch(batch_id: int) -> OutboxEntry | None:
    if is_suppressed():
        return None
    return OutboxEntry.objects.create(
        kind=OutboxEntry.Kind.BATCH, change="stored", batch_id=batch_id
    )


def queue_record_change(record: Any, change: str) -> OutboxEntry | None:
    if is_suppressed():
        return None
    return OutboxEntry.objects.create(kind=OutboxEntry.Kind.RECORD, change=change, record=record)


def queue_list_change(entry: Any, change: Any) -> OutboxEntry | None:
    if is_suppressed() or entry.source == "upstream":
        # Upstream entries came from the city/provincial platform: no echo.
        return None
    to_status = str(getattr(change, "to_status", "") or entry.status)
    from_status = str(getattr(change, "from_status", "") or "")
    if to_status in _INTERNAL_LIST_STATUSES:
        return None
    if to_status == "cancelled" and from_status in _INTERNAL_LIST_STATUSES:
        return None
    return OutboxEntry.objects.create(
        kind=OutboxEntry.Kind.LIST_ENTRY, change=to_status, list_entry=entry
    )


def queue_repair(application: Any) -> OutboxEntry | None:
    if is_suppressed():
        return None
    return OutboxEntry.objects.create(
        kind=OutboxEntry.Kind.REPAIR,
        change="approved",
        repair=application,
        record_id=application.record_id,
    )


# What may happen to a commitment (commitments.signals.commitments_changed); each is one
# entry, so the city platform hears of the commitment made, of its fulfilment and of an
# overdue flag (plan task 5; ledger row 24: 共享信用承诺及履约践诺信息).
COMMITMENT_CHANGES = {
    "recorded": "作出承诺",
    "kept": "核查为全部履行",
    "partly": "核查为部分履行",
    "broken": "核查为全部未履行",
    "overdue": "逾期未补正",
}


def queue_commitment_changes(commitments: list[Any], change: str) -> list[OutboxEntry]:
    """One entry per commitment, in one statement (the daily overdue check may flag many).
    A natural person's commitment goes like a person's record does: in full, to a lawful
    receiver of shared data; its 公开属性 travels with it (exchange.payloads)."""
    if is_suppressed() or not commitments:
        return []
    if change not in COMMITMENT_CHANGES:
        raise ValueError(f"unknown commitment change {change!r}")
    return OutboxEntry.objects.bulk_create(
        [
            OutboxEntry(kind=OutboxEntry.Kind.COMMITMENT, change=change, commitment=c)
            for c in commitments
        ]
    )


# ---------------------------------------------------------------- receivers


def on_batch_stored(sender: Any, batch_id: int | None = None, **_: Any) -> None:
    if batch_id is not None:
        queue_batch(batch_id)


def on_record_changed(sender: Any, record: Any = None, change: str = "", **_: Any) -> None:
    if record is not None and change:
        queue_record_change(record, change)


def on_entry_changed(sender: Any, entry: Any = None, change: Any = None, **_: Any) -> None:
    if entry is not None:
        queue_list_change(entry, change)


def on_repair_decided(
    sender: Any, application: Any = None, approved: bool = False, **_: Any
) -> None:
    # Only an approval changes what the city platform shows (the record stops being
    # published); a refusal changes nothing there.
    if application is not None and approved:
        queue_repair(application)


def on_commitments_changed(
    sender: Any, commitments: list[Any] | None = None, change: str = "", **_: Any
) -> None:
    if commitments and change:
        queue_commitment_changes(list(commitments), change)


def connect() -> None:
    from xinyong.commitments.signals import commitments_changed
    from xinyong.records.signals import batch_stored, record_changed
    from xinyong.rights.signals import repair_decided
    from xinyong.sanctions.signals import entry_changed

    batch_stored.connect(on_batch_stored, dispatch_uid="exchange.batch_stored")
    record_changed.connect(on_record_changed, dispatch_uid="exchange.record_changed")
    entry_changed.connect(on_entry_changed, dispatch_uid="exchange.entry_changed")
    repair_decided.connect(on_repair_decided, dispatch_uid="exchange.repair_decided")
    commitments_changed.connect(on_commitments_changed, dispatch_uid="exchange.commitments_changed")
