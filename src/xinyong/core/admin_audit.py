"""The event log and the read log in the admin: look, filter, search — never change.

Both logs are hash chains (core.audit); an edit or deletion here would break them, so the
admin offers no add, change or delete at all, and no bulk actions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Event, ReadLog


class _ReadOnlyLogAdmin(admin.ModelAdmin):
    date_hierarchy = "occurred_at"
    list_per_page = 50
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(_ReadOnlyLogAdmin):
    list_display = ("occurred_at", "actor_label", "channel", "action", "target_type", "target_repr")
    list_filter = (
        "action",
        "target_type",
        "channel",
        "occurred_at",
        ("actor", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("action", "target_type", "target_id", "target_repr", "actor_label")
    readonly_fields = (
        "occurred_at",
        "actor",
        "actor_label",
        "channel",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "old_values",
        "new_values",
        "source_ip",
        "prev_hash",
        "entry_hash",
    )


@admin.register(ReadLog)
class ReadLogAdmin(_ReadOnlyLogAdmin):
    list_display = (
        "occurred_at",
        "reader_label",
        "reader_unit",
        "channel",
        "subject_type",
        "subject_repr",
        "purpose",
    )
    list_filter = (
        "subject_type",
        "channel",
        "occurred_at",
        ("reader", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("reader_label", "reader_unit", "subject_id", "subject_repr", "purpose")
    readonly_fields = (
        "occurred_at",
        "reader",
        "reader_label",
        "reader_unit",
        "channel",
        "subject_type",
        "subject_id",
        "subject_repr",
        "purpose",
        "source_ip",
        "prev_hash",
        "entry_hash",
    )
