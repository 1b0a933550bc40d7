"""The exchange in the admin: read-only views of the outbox, the messages with their
attempts and the files pushed down, plus a resend action that goes through the service
(which checks the state and writes the event). Nothing here edits a message directly:
the outbox's guarantees depend on the sender being the only writer."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from xinyong.core.admin_privacy import PersonDataAdmin
from xinyong.core.errors import DomainError

# The records app's read-only mixin (no add, change or delete), shared rather than copied.
from xinyong.records.admin import _ReadOnly

from . import services
from .models import DeliveryAttempt, InboundFile, OutboundMessage, OutboxEntry


@admin.register(OutboxEntry)
class OutboxEntryAdmin(PersonDataAdmin):
    list_display = (
        "id",
        "kind",
        "change",
        "batch",
        "record",
        "created_at",
        "expanded_at",
        "message_count",
        "item_count",
    )
    list_filter = ("kind", "change")
    readonly_fields = [f.name for f in OutboxEntry._meta.fields]


class AttemptInline(_ReadOnly, admin.TabularInline):
    model = DeliveryAttempt
    fields = (
        "number",
        "transport",
        "started_at",
        "duration_ms",
        "outcome",
        "http_status",
        "detail",
    )
    readonly_fields = fields
    extra = 0


@admin.register(OutboundMessage)
class OutboundMessageAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "id",
        "idempotency_key",
        "kind",
        "operation",
        "record_type_code",
        "item_count",
        "status",
        "attempts",
        "acknowledged_at",
        "receipt",
    )
    list_filter = ("status", "kind", "operation", "transport")
    search_fields = ("idempotency_key", "receipt", "record_type_code")
    readonly_fields = [f.name for f in OutboundMessage._meta.fields if f.name != "record_ids"]
    exclude = ("record_ids",)
    inlines = [AttemptInline]
    actions = ["resend"]

    @admin.action(description="重新发送所选报文（发送失败或未获确认的）")
    def resend(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        done = 0
        for message in queryset:
            try:
                services.resend_message(actor=request.user, message=message)
                done += 1
            except DomainError as exc:
                self.message_user(request, exc.message, level=messages.WARNING)
        self.message_user(request, f"已重新排队 {done} 个报文。")


@admin.register(InboundFile)
class InboundFileAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("id", "filename", "kind", "code", "status", "message", "batch", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("filename", "sha256")
    readonly_fields = [f.name for f in InboundFile._meta.fields]
