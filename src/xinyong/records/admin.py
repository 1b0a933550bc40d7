"""Credit records in the admin: look and search only. Records change only through the
collection pipeline (which writes the events and keeps the versions). A natural person's
record is shown masked — name, ID number, phone, in the columns and in the payload
(core.admin_privacy); the record page in the workspace shows it in full and logs the read."""

from __future__ import annotations

from django.contrib import admin

from xinyong.core.admin_privacy import LookOnly, PersonDataAdmin, PersonDataInline
from xinyong.core.identifiers import mask_identifier

from .models import CreditRecord, RecordVersion

# exchange.admin shows its outbox look-only with this.
_ReadOnly = LookOnly


class RecordVersionInline(PersonDataInline):
    model = RecordVersion
    fields = ("version", "content_hash", "superseded_at", "superseded_by_batch")
    readonly_fields = fields


@admin.register(CreditRecord)
class CreditRecordAdmin(PersonDataAdmin):
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
