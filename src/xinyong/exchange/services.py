"""Sending the outbox to the city platform (docs/exchange.md).

    expand_entries   outbox entries → messages (send chunks with idempotency keys)
    send_pending     claim due messages, deliver, record the outcome and schedule retries
    collect_acks     file-drop receipts → acknowledged / failed
    resend_message   a person puts a failed or unacknowledged message back in the queue

Nothing lost, nothing sent twice, also when the sending process is killed (kill -9):

- a change and its outbox entry commit together (exchange.outbox);
- an entry's messages are created in one transaction with the entry's `expanded_at`;
- a message is claimed (lease) in its own short transaction, delivered with no
  transaction open, and its outcome written in a transaction that checks the claim is
  still ours; a sender killed after delivering and before recording leaves the message
  pending with an expiring claim, and the next run delivers it again under the same
  idempotency key, which the platform deduplicates and acknowledges with the original
  receipt;
- an acknowledged message is never sent again automatically.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.orgs import permissions

from .conf import ExchangeConfig, get_config
from .models import DeliveryAttempt, OutboundMessage, OutboxEntry
from .payloads import prepare
from .transports import FileDropTransport, Outcome, Transport, read_file_acks, transport_for

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
TARGET = "exchange.OutboundMessage"
# The most messages one sending run may be asked for (page, API and CLI alike): the
# web page's bound. A number past SQLite's 64-bit integers in LIMIT was a database error.
MAX_SEND_LIMIT = 10_000


def _require_admin(actor: Any) -> None:
    # The system (scheduler, CLI) acts as the credit office.
    if actor is not None:
        permissions.require(actor, "credit_admin")


# ---------------------------------------------------------------- splitting entries


def _operation(entry: OutboxEntry) -> str:
    if entry.kind == OutboxEntry.Kind.LIST_ENTRY:
        return OutboundMessage.Operation.LIST
    if entry.kind == OutboxEntry.Kind.REPAIR or _undoes_repair(entry):
        return OutboundMessage.Operation.REPAIR
    if entry.kind == OutboxEntry.Kind.RECORD and entry.change == "withdrawn":
        return OutboundMessage.Operation.WITHDRAW
    return OutboundMessage.Operation.UPSERT


def _undoes_repair(entry: OutboxEntry) -> bool:
    """A record made public again because the repair's 信用修复型 commitment was broken
    (DOMAIN.md §9; commitments.restore_repaired_publicity sends records' "restored").
    Bound to the repair it undoes when split (`_bind_undone_repair`)."""
    return (
        entry.kind == OutboxEntry.Kind.RECORD
        and entry.change == "restored"
        and entry.repair_id is not None
    )


def _bind_undone_repair(entry: OutboxEntry) -> None:
    """The city platform was told of the repair (a repair item, JLBS = the record's) and
    keeps, per JLBS, the item with the latest GXSJ: the record item as first sent would
    lose to it. So a restoration travels as a repair item saying the repair is undone,
    and the entry is bound here to the approval it undoes — the latest one decided before
    the restoration. Without one (nothing was repaired) the record goes as it is."""
    from xinyong.rights.models import RepairApplication

    if entry.kind != OutboxEntry.Kind.RECORD or entry.change != "restored":
        return
    if entry.repair_id is not None or entry.record_id is None:
        return
    undone = (
        RepairApplication.objects.filter(
            record_id=entry.record_id,
            status=RepairApplication.Status.APPROVED,
            decided_on__lte=timezone.localdate(entry.created_at),
        )
        .order_by("-decided_on", "-id")
        .first()
    )
    if undone is not None:
        entry.repair = undone
        entry.save(update_fields=["repair"])


def _key(entry: OutboxEntry, seq: int) -> str:
    return f"{get_config().node}-{entry.uid}-{seq:05d}"


def _expand_one(entry_id: int, chunk_size: int) -> int:
    """Split one entry into messages, in one transaction; 0 if another sender did it."""
    from xinyong.records.models import CreditRecord

    with transaction.atomic():
        claimed = OutboxEntry.objects.filter(pk=entry_id, expanded_at__isnull=True).update(
            expanded_at=timezone.now()
        )
        if not claimed:
            return 0
        entry = OutboxEntry.objects.get(pk=entry_id)
        _bind_undone_repair(entry)
        op = _operation(entry)
        messages: list[OutboundMessage] = []
        items = 0
        if entry.kind == OutboxEntry.Kind.BATCH and entry.batch is not None:
            type_code = entry.batch.record_type.code
            ids = list(
                CreditRecord.objects.filter(batch_id=entry.batch.pk)
                .order_by("id")
                .values_list("id", flat=True)
            )
            # Records of this batch that a later batch corrected carry the later batch's
            # id now and travel with it (with their newer content); nothing is lost.
            for seq, start in enumerate(range(0, len(ids), chunk_size), start=1):
                chunk = ids[start : start + chunk_size]
                messages.append(
                    OutboundMessage(
                        entry=entry,
                        seq=seq,
                        idempotency_key=_key(entry, seq),
                        kind=entry.kind,
                        operation=op,
                        record_type_code=type_code,
                        record_ids=chunk,
                        item_count=len(chunk),
                    )
                )
            items = len(ids)
        else:
            type_code = ""
            record_ids: list[int] = []
            # A restoration is a repair message (what the city receives and keys on).
            kind = OutboxEntry.Kind.REPAIR if _undoes_repair(entry) else entry.kind
            if entry.record is not None:
                type_code = entry.record.record_type.code
                if kind == OutboxEntry.Kind.RECORD:
                    record_ids = [entry.record.pk]
            elif entry.list_entry is not None:
                type_code = entry.list_entry.list_type.code
            messages.append(
                OutboundMessage(
                    entry=entry,
                    seq=1,
                    idempotency_key=_key(entry, 1),
                    kind=kind,
                    operation=op,
                    record_type_code=type_code,
                    record_ids=record_ids,
                    item_count=1,
                )
            )
            items = 1
        now = timezone.now()
        for m in messages:
            m.next_attempt_at = now
        OutboundMessage.objects.bulk_create(messages, batch_size=500)
        entry.message_count = len(messages)
        entry.item_count = items
        entry.save(update_fields=["message_count", "item_count"])
    return len(messages)


def expand_entries(*, limit: int | None = None) -> int:
    """Split waiting outbox entries into messages; returns the number of messages made."""
    config = get_config()
    ids = OutboxEntry.objects.filter(expanded_at__isnull=True).order_by("id")
    made = 0
    for entry_id in list(ids.values_list("id", flat=True)[: limit or None]):
        made += _expand_one(entry_id, config.chunk_size)
    return made


# ---------------------------------------------------------------- sending


def backoff_seconds(
    attempt: int, config: ExchangeConfig, rng: random.Random | None = None
) -> float:
    """Delay before attempt `attempt + 1`: exponential (base × 2^(n-1), capped) with "full
    jitter" in its upper half, so that many messages failing together do not retry in
    lockstep against a platform that is just coming back."""
    ceiling = min(config.backoff_cap, config.backoff_base * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)


@dataclass
class SendResult:
    expanded: int = 0
    attempted: int = 0
    acknowledged: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    acks_collected: int = 0
    transport: str = ""
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "transport": self.transport,
            "expanded": self.expanded,
            "attempted": self.attempted,
            "acknowledged": self.acknowledged,
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "acks_collected": self.acks_collected,
            "errors": self.errors[:20],
        }

    @property
    def summary(self) -> str:
        return (
            f"发送方式 {self.transport}：新生成报文 {self.expanded} 个，本次发送 {self.attempted} 个，"
            f"已确认 {self.acknowledged}，已投递待回执 {self.sent}，待重试 {self.retrying}，"
            f"失败 {self.failed}；收到回执 {self.acks_collected} 个。"
        )


def due_messages(now: datetime) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )


def _claim(pk: int, token: str, now: datetime, lease: float) -> bool:
    return bool(
        OutboundMessage.objects.filter(pk=pk, status=Status.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + timedelta(seconds=lease), lease_token=token)
    )


def _record_outcome(
    message: OutboundMessage,
    token: str,
    outcome: Outcome,
    *,
    transport: str,
    started: datetime,
    duration_ms: int,
    body_sha256: str,
    filename: str,
    config: ExchangeConfig,
) -> str:
    """Write the attempt and the message's new state; returns the attempt's outcome kind,
    or "" when the claim was lost (another sender took over after our lease expired)."""
    with transaction.atomic():
        locked = OutboundMessage.objects.select_for_update().filter(pk=message.pk).first()
        if locked is None or locked.lease_token != token or locked.status != Status.PENDING:
            return ""
        locked.attempts += 1
        locked.transport = transport
        locked.lease_until = None
        locked.lease_token = ""
        locked.body_sha256 = body_sha256
        kind = outcome.kind
        if kind == Outcome.ACKNOWLEDGED:
            locked.status = Status.ACKNOWLEDGED
            locked.sent_at = locked.sent_at or started
            locked.acknowledged_at = timezone.now()
            locked.receipt = outcome.receipt
            locked.last_error = ""
        elif kind == Outcome.SENT:
            locked.status = Status.SENT
            locked.sent_at = started
            locked.filename = filename
            locked.last_error = ""
        elif kind == Outcome.RETRY and locked.attempts < config.max_attempts:
            locked.next_attempt_at = timezone.now() + timedelta(
                seconds=backoff_seconds(locked.attempts, config)
            )
            locked.last_error = outcome.detail
        else:
            if kind == Outcome.RETRY:
                kind = Outcome.FAILED
                locked.last_error = f"已尝试 {locked.attempts} 次仍失败：{outcome.detail}"
            else:
                locked.last_error = outcome.detail
            locked.status = Status.FAILED
        locked.save()
        DeliveryAttempt.objects.create(
            message=locked,
            number=locked.attempts,
            transport=transport,
            started_at=started,
            duration_ms=duration_ms,
            outcome=kind,
            http_status=outcome.http_status,
            detail=outcome.detail or locked.last_error,
        )
    return kind


def _deliver_one(
    message: OutboundMessage, transport: Transport, config: ExchangeConfig, result: SendResult
) -> None:
    token = uuid.uuid4().hex
    now = timezone.now()
    lease = max(config.lease_seconds, getattr(transport, "timeout", 0) + 1)
    if not _claim(message.pk, token, now, lease):
        return
    started = timezone.now()
    clock = time.monotonic()
    body_sha = ""
    filename = ""
    try:
        prepared = prepare(message)
        body_sha = prepared.sha256
        outcome = transport.deliver(prepared)
        if outcome.kind == Outcome.SENT:
            filename = f"{message.idempotency_key}.{config.file_format}"
    except DomainError as exc:
        outcome = Outcome(Outcome.FAILED, detail=exc.message)
    duration = int((time.monotonic() - clock) * 1000)
    kind = _record_outcome(
        message,
        token,
        outcome,
        transport=transport.name,
        started=started,
        duration_ms=duration,
        body_sha256=body_sha,
        filename=filename,
        config=config,
    )
    if not kind:
        return
    result.attempted += 1
    if kind == Outcome.ACKNOWLEDGED:
        result.acknowledged += 1
    elif kind == Outcome.SENT:
        result.sent += 1
    elif kind == Outcome.RETRY:
        result.retrying += 1
    else:
        result.failed += 1
        result.errors.append(f"{message.idempotency_key}：{outcome.detail}")


def collect_acks(config: ExchangeConfig | None = None) -> tuple[int, list[str]]:
    """Apply the 前置机's receipt files to sent messages; processed receipts move to
    `processed/` beside them. Returns (receipts applied, problems).

    A resent message has several drops under one key, and a receipt does not say which
    drop it answers: the return of an older drop may come after the newer drop was made,
    before or after that drop's own receipt. Acceptance wins whatever the order: an
    "accepted"/"duplicate" receipt acknowledges a message still waiting, queued again or
    failed by the return of another drop (the platform has it), and nothing undoes an
    acknowledgement. A return fails only a message waiting for a receipt (sent); a
    message queued again by a person keeps its redelivery, whose own receipt decides."""
    config = config or get_config()
    applied = 0
    problems: list[str] = []
    done_dir = config.file_ack_dir / "processed"
    for ack in read_file_acks(config.file_ack_dir):
        with transaction.atomic():
            message = (
                OutboundMessage.objects.select_for_update()
                .filter(idempotency_key=ack.idempotency_key)
                .first()
            )
            reason = f"市平台退回：{ack.detail or '未说明原因'}"
            if message is None:
                problems.append(f"回执 {ack.path.name} 对应的报文不存在")
            elif ack.accepted and message.status != Status.ACKNOWLEDGED:
                message.status = Status.ACKNOWLEDGED
                message.acknowledged_at = timezone.now()
                message.receipt = ack.receipt
                message.last_error = ""
                message.lease_until = None
                message.lease_token = ""
                message.save()
                applied += 1
            elif not ack.accepted and message.status == Status.SENT:
                message.status = Status.FAILED
                message.last_error = reason
                message.save()
                applied += 1
            elif not ack.accepted and message.status == Status.PENDING:
                # Said on the page until the redelivery is made (which clears it).
                message.last_error = f"此前投递的文件被{reason}；已重新排队发送。"
                message.save(update_fields=["last_error", "updated_at"])
                applied += 1
        done_dir.mkdir(parents=True, exist_ok=True)
        try:
            ack.path.replace(done_dir / ack.path.name)
        except OSError as exc:
            problems.append(f"回执 {ack.path.name} 无法归档：{exc}")
    return applied, problems


def _awaiting_file_receipts() -> bool:
    """Messages last delivered as 前置机 files that are not acknowledged: their receipt
    has not come (a resent one waits in the queue, and its first drop may still be
    acknowledged), or one drop was returned and a newer drop may still be accepted."""
    return OutboundMessage.objects.filter(
        transport=FileDropTransport.name,
        status__in=(Status.SENT, Status.PENDING, Status.FAILED),
    ).exists()


def send_pending(
    *, actor: Any, limit: int | None = None, transport: Transport | None = None
) -> SendResult:
    """One sending run: split new entries, collect file receipts, deliver due messages in
    queue order (at most `limit`). Safe to run concurrently and to kill at any point."""
    _require_admin(actor)
    if limit is not None and not 1 <= limit <= MAX_SEND_LIMIT:
        raise DomainError(f"发送数量上限应为不超过 {MAX_SEND_LIMIT} 的正整数。")
    config = get_config()
    transport = transport or transport_for(config)
    result = SendResult(transport=transport.name)
    result.expanded = expand_entries()
    if transport.name == "file" or _awaiting_file_receipts():
        # Also after a switch to http: messages dropped as files still get their receipts
        # from the exchange machine. An ack directory that does not exist reads as empty.
        result.acks_collected, problems = collect_acks(config)
        result.errors.extend(problems)
    now = timezone.now()
    ids = list(due_messages(now).order_by("id").values_list("id", flat=True)[: limit or None])
    for message in (
        OutboundMessage.objects.filter(pk__in=ids).select_related("entry").order_by("id")
    ):
        _deliver_one(message, transport, config, result)
    if result.attempted or result.expanded or result.acks_collected:
        record_event(
            actor=actor,
            action="exchange.send",
            target_type=TARGET,
            target_id="",
            target_repr=f"向市平台推送（{transport.name}）",
            new=result.as_json(),
        )
    return result


def run_send_job() -> str:
    """The scheduler's interval job: "" when there was nothing to do."""
    result = send_pending(actor=None)
    if not (result.attempted or result.expanded or result.acks_collected):
        return ""
    return result.summary


# ---------------------------------------------------------------- people's actions


def get_message(pk: Any) -> OutboundMessage:
    try:
        return OutboundMessage.objects.select_related("entry").get(pk=int(pk))
    except (TypeError, ValueError, OutboundMessage.DoesNotExist):
        raise NotFoundError(f"推送报文 {pk} 不存在。") from None


def resend_message(*, actor: Any, message: OutboundMessage | int | str) -> OutboundMessage:
    """Put a failed (or sent and never acknowledged) message back in the queue, due now,
    with a fresh attempt budget and the same idempotency key. An acknowledged message is
    refused: the platform has it."""
    _require_admin(actor)
    pk = message.pk if isinstance(message, OutboundMessage) else message
    with transaction.atomic():
        locked = OutboundMessage.objects.select_for_update().filter(pk=get_message(pk).pk).first()
        assert locked is not None
        if locked.status == Status.ACKNOWLEDGED:
            raise DomainError(
                f"报文 {locked.idempotency_key} 已于 {timezone.localtime(locked.acknowledged_at):%Y-%m-%d %H:%M} "
                "被市平台确认接收，不需要重发。"
            )
        if locked.status == Status.PENDING:
            raise DomainError(f"报文 {locked.idempotency_key} 已在待发送队列中。")
        old = {
            "status": locked.status,
            "attempts": locked.attempts,
            "last_error": locked.last_error,
        }
        locked.status = Status.PENDING
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.lease_until = None
        locked.lease_token = ""
        locked.save()
        record_event(
            actor=actor,
            action="exchange.resend",
            target_type=TARGET,
            target_id=locked.pk,
            target_repr=locked.idempotency_key,
            old=old,
            new={"status": locked.status},
        )
    return locked


# ---------------------------------------------------------------- reading


def status_counts() -> dict[str, Any]:
    """Messages per status, entries not yet split, and the oldest waiting message."""
    counts = {s: 0 for s in Status.values}
    for row in OutboundMessage.objects.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    waiting = OutboxEntry.objects.filter(expanded_at__isnull=True)
    oldest = OutboundMessage.objects.filter(status=Status.PENDING).order_by("created_at").first()
    return {
        "messages": counts,
        "total": sum(counts.values()),
        "entries_waiting": waiting.count(),
        "oldest_pending_at": timezone.localtime(oldest.created_at).isoformat(timespec="seconds")
        if oldest
        else None,
    }
