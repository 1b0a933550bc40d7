"""Reads of the exchange, shared by the workspace pages, the API and the CLI."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from xinyong.core.errors import DomainError
from xinyong.core.inputs import clean_day

from .models import DeliveryAttempt, InboundFile, OutboundMessage, OutboxEntry


def _day(value: Any, label: str) -> date | None:
    """An optional filter day, read as every date input is (core.inputs.clean_day): not
    before EARLIEST_DAY — midnight of 0001-01-01 in Asia/Shanghai is before the first
    instant a datetime can hold in UTC, and converting it was a server error."""
    if value in (None, ""):
        return None
    return clean_day(value, label)


def filter_messages(
    *,
    status: str = "",
    kind: str = "",
    q: str = "",
    created_from: Any = None,
    created_to: Any = None,
) -> QuerySet[OutboundMessage]:
    """Messages, newest first, narrowed by status, kind, a text (idempotency key, record
    type code or receipt) and a creation date range (inclusive, Asia/Shanghai days)."""
    qs = OutboundMessage.objects.select_related("entry").order_by("-id")
    if status:
        if status not in OutboundMessage.Status.values:
            raise DomainError(f"状态“{status}”无效，应为 pending、sent、acknowledged 或 failed。")
        qs = qs.filter(status=status)
    if kind:
        if kind not in OutboxEntry.Kind.values:
            raise DomainError(
                f"类型“{kind}”无效，应为 batch、record、list_entry、repair 或 commitment。"
            )
        qs = qs.filter(kind=kind)
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(idempotency_key__icontains=text)
            | Q(record_type_code__iexact=text)
            | Q(receipt__iexact=text)
        )
    start = _day(created_from, "起始日期")
    end = _day(created_to, "截止日期")
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(created_at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end:
        qs = qs.filter(created_at__lte=datetime.combine(end, time.max, tzinfo=tz))
    return qs


def attempts_of(message: OutboundMessage) -> QuerySet[DeliveryAttempt]:
    return DeliveryAttempt.objects.filter(message=message).order_by("number", "id")


def message_data(m: OutboundMessage) -> dict[str, Any]:
    def at(value: datetime | None) -> str | None:
        return timezone.localtime(value).isoformat(timespec="seconds") if value else None

    return {
        "id": m.pk,
        "idempotency_key": m.idempotency_key,
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "operation": m.operation,
        "operation_label": m.get_operation_display(),
        "record_type": m.record_type_code,
        "sequence": m.seq,
        "parts": m.entry.message_count,
        "items": m.item_count,
        "status": m.status,
        "status_label": m.get_status_display(),
        "attempts": m.attempts,
        "transport": m.transport,
        "created_at": at(m.created_at),
        "next_attempt_at": at(m.next_attempt_at) if m.status == m.Status.PENDING else None,
        "sent_at": at(m.sent_at),
        "acknowledged_at": at(m.acknowledged_at),
        "receipt": m.receipt,
        "last_error": m.last_error,
        "filename": m.filename,
        "batch_id": m.entry.batch_id,
        "record_id": m.entry.record_id,
        "list_entry_id": m.entry.list_entry_id,
        "repair_id": m.entry.repair_id,
        "commitment_id": m.entry.commitment_id,
        "change": m.entry.change,
    }


def attempt_data(a: DeliveryAttempt) -> dict[str, Any]:
    return {
        "number": a.number,
        "transport": a.transport,
        "started_at": timezone.localtime(a.started_at).isoformat(timespec="seconds"),
        "duration_ms": a.duration_ms,
        "outcome": a.outcome,
        "outcome_label": a.get_outcome_display(),
        "http_status": a.http_status,
        "detail": a.detail,
    }


def filter_inbound(*, status: str = "", kind: str = "") -> QuerySet[InboundFile]:
    qs = InboundFile.objects.order_by("-id")
    if status:
        if status not in InboundFile.Status.values:
            raise DomainError(f"状态“{status}”无效，应为 processing、done 或 rejected。")
        qs = qs.filter(status=status)
    if kind:
        if kind not in InboundFile.Kind.values:
            raise DomainError(f"类型“{kind}”无效，应为 list、records 或 feedback。")
        qs = qs.filter(kind=kind)
    return qs


def inbound_data(f: InboundFile) -> dict[str, Any]:
    return {
        "id": f.pk,
        "filename": f.filename,
        "sha256": f.sha256,
        "size": f.size,
        "kind": f.kind,
        "kind_label": f.get_kind_display() if f.kind else "",
        "code": f.code,
        "status": f.status,
        "status_label": f.get_status_display(),
        "message": f.message,
        "result": f.result,
        "batch_id": f.batch_id,
        "moved_to": f.moved_to,
        "created_at": timezone.localtime(f.created_at).isoformat(timespec="seconds"),
    }


# ---------------------------------------------------------------- commitments shared

# The entry changes that announce a fulfilment (commitments.signals.commitments_changed).
FULFILMENT_CHANGES = ("kept", "partly", "broken")


def _acknowledged_commitment_messages(changes: tuple[str, ...] = ()) -> QuerySet[OutboundMessage]:
    qs = OutboundMessage.objects.filter(
        kind=OutboxEntry.Kind.COMMITMENT,
        status=OutboundMessage.Status.ACKNOWLEDGED,
        entry__commitment_id=OuterRef("pk"),
    )
    return qs.filter(entry__change__in=changes) if changes else qs


def commitments_shared_with_city(unit: Any, period: Any) -> QuerySet[Any]:
    """Commitments accepted by `unit`, made in `period` (anything with inclusive `start`
    and `end` dates, e.g. collection.selectors.Period), that the city platform has
    acknowledged receiving — at least one commitment message of theirs is 已确认 (any of
    its messages carries the whole commitment: state transfer). A message only sent as a
    前置机 file and not yet receipted does not count, nor does one the platform refused.
    Counted as of now: a commitment made on the period's last day and acknowledged a
    minute after midnight counts for that period."""
    from xinyong.commitments.models import Commitment

    return (
        Commitment.objects.filter(
            accepting_unit=unit, made_on__gte=period.start, made_on__lte=period.end
        )
        .exclude(status__in=(Commitment.Status.UNCONFIRMED, Commitment.Status.WITHDRAWN))
        .filter(Exists(_acknowledged_commitment_messages()))
    )


def fulfilments_shared_with_city(unit: Any, period: Any) -> QuerySet[Any]:
    """Commitments of `unit` whose fulfilment (全部履行 / 部分履行 / 全部未履行) was recorded
    in `period` (verified_on) and whose fulfilment message the city platform acknowledged
    (履约践诺信息, ledger row 24)."""
    from xinyong.commitments.models import Commitment

    return Commitment.objects.filter(
        accepting_unit=unit, verified_on__gte=period.start, verified_on__lte=period.end
    ).filter(Exists(_acknowledged_commitment_messages(FULFILMENT_CHANGES)))
