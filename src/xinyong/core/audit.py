"""The event log and the personal-data read log, each a hash chain.

Every service writes exactly one event per change through `record_event`; every read of a
natural person's data goes through `record_read`. `verify_chains` recomputes both chains
and names the first entry that no longer matches.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from . import context
from .models import ChainedEntry, ChainHead, Event, ReadLog

GENESIS = "0" * 64
EVENT_CHAIN = "event"
READ_CHAIN = "read"

# The fields each chain's hash covers, in order. Changing these lists breaks every
# existing chain: add a new chain version instead.
_EVENT_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "channel",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "old_values",
    "new_values",
    "source_ip",
)
_READ_FIELDS = (
    "occurred_at",
    "reader_id",
    "reader_label",
    "reader_unit",
    "channel",
    "subject_type",
    "subject_id",
    "subject_repr",
    "purpose",
    "source_ip",
)


def _json_default(value: Any) -> Any:
    # Aware times in Shanghai time with their offset, as the event log's 时间 column shows
    # them. Only the text written into new events changes: the chain hashes the stored
    # JSON, so events written earlier with UTC text still verify.
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def to_json_safe(value: Any) -> Any:
    """What a JSON column will give back, so that the hash is stable across databases."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_json_default, ensure_ascii=False))


def _canonical(entry: ChainedEntry, fields: tuple[str, ...]) -> str:
    payload: dict[str, Any] = {}
    for name in fields:
        value = getattr(entry, name)
        if name == "occurred_at":
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        payload[name] = value
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )


def _digest(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


def _append(entry: ChainedEntry, chain: str, fields: tuple[str, ...]) -> None:
    with transaction.atomic():
        ChainHead.objects.get_or_create(chain=chain, defaults={"last_hash": GENESIS})
        head = ChainHead.objects.select_for_update().get(chain=chain)
        entry.occurred_at = timezone.now()
        entry.prev_hash = head.last_hash
        entry.entry_hash = _digest(head.last_hash, _canonical(entry, fields))
        entry.save(force_insert=True)
        head.last_hash = entry.entry_hash
        head.length += 1
        head.save(update_fields=["last_hash", "length"])


def actor_label(actor: Any) -> str:
    if actor is None:
        return "系统"
    label = getattr(actor, "audit_label", None)
    if callable(label):
        return str(label())
    return str(getattr(actor, "username", actor))


def record_event(
    *,
    actor: Any,
    action: str,
    target_type: str,
    target_id: Any,
    target_repr: str = "",
    old: Any = None,
    new: Any = None,
) -> Event:
    """Write one event. Call it inside the service's transaction so that the change and
    its event commit or roll back together."""
    ctx = context.current()
    event = Event(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor)[:150],
        channel=ctx.channel,
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:64],
        target_repr=str(target_repr)[:300],
        old_values=to_json_safe(old),
        new_values=to_json_safe(new),
        source_ip=ctx.source_ip,
    )
    _append(event, EVENT_CHAIN, _EVENT_FIELDS)
    return event


def record_read(
    *, reader: Any, subject_type: str, subject_id: Any, subject_repr: str, purpose: str
) -> ReadLog:
    """Log a read of a natural person's data. `subject_repr` must already be masked."""
    ctx = context.current()
    # A bank has no unit: its organisation is who read (the person's 查询记录 names it).
    affiliation = str(getattr(reader, "affiliation", "") or "")
    entry = ReadLog(
        reader=reader if getattr(reader, "pk", None) else None,
        reader_label=actor_label(reader)[:150],
        reader_unit=affiliation[:100],
        channel=ctx.channel,
        subject_type=subject_type,
        subject_id=str(subject_id)[:64],
        subject_repr=subject_repr[:200],
        purpose=(purpose or "未说明")[:200],
        source_ip=ctx.source_ip,
    )
    _append(entry, READ_CHAIN, _READ_FIELDS)
    return entry


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    entry_id: int | None
    message: str


def _verify(
    model: type[Event] | type[ReadLog], chain: str, fields: tuple[str, ...]
) -> ChainProblem | None:
    prev = GENESIS
    count = 0
    for entry in model.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if entry.prev_hash != prev:
            return ChainProblem(
                chain, entry.pk, f"第 {entry.pk} 条的前序哈希与上一条不符（其前的记录被删除或篡改）"
            )
        if _digest(prev, _canonical(entry, fields)) != entry.entry_hash:
            return ChainProblem(
                chain, entry.pk, f"第 {entry.pk} 条的内容与其哈希不符（记录被篡改）"
            )
        prev = entry.entry_hash
    head = ChainHead.objects.filter(chain=chain).first()
    head_hash = head.last_hash if head else GENESIS
    head_length = head.length if head else 0
    if head_hash != prev or head_length != count:
        return ChainProblem(
            chain,
            None,
            f"链尾与链头记录不符：应有 {head_length} 条，实有 {count} 条（最新记录被删除或篡改）",
        )
    return None


def verify_chains() -> list[ChainProblem]:
    problems = []
    for model, chain, fields in (
        (Event, EVENT_CHAIN, _EVENT_FIELDS),
        (ReadLog, READ_CHAIN, _READ_FIELDS),
    ):
        problem = _verify(model, chain, fields)
        if problem:
            problems.append(problem)
    return problems
