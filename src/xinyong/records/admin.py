"""Credit records in the admin: look and search only. Records change only through the
collection pipeline (which writes the events and keeps the versions); a natural person's
ID number is shown masked."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xinyong.core.identifiers import mask_identifier

from .models import CreditRecord, RecordVersion


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecordVersionInline(_ReadOnly, admin.TabularInline):
    model = RecordVersion
    fields = ("version", "content_hash", "superseded_at", "superseded_by_batch")
    readonly_fields = fields
    extra = 0


@admin.register(CreditRecord)
class CreditRecordAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "document_number",
        "party_name",
        "shown_identifier",
        "record_type",
        "source_unit",
        "decision_date",
        "reported_on",
        "is_late",
        "version",
        "status",
    )
    list_filter = ("record_type", "is_late", "status", "nature")
    search_fields = ("document_number", "party_name", "party_identifier")
    date_hierarchy = "decision_date"
    list_select_related = ("record_type", "source_unit")
    exclude = ("party_identifier",)
    readonly_fields = ("shown_identifier",)
    inlines = [RecordVersionInline]

    @admin.display(description="主体代码")
    def shown_identifier(self, obj: CreditRecord) -> str:
        return mask_identifier(obj.party_identifier)
