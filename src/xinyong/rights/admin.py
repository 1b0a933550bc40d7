"""Rights in the admin. The deadline policy (RightsPolicy) is configuration and may be
edited here; objections, pauses, materials, repair applications and notices change only
through their services (which check permissions, keep the deadlines and write the
events), so the admin only looks at them. A natural person — the subject, an applicant —
is shown masked in every column and text (core.admin_privacy)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from xinyong.core.admin_privacy import PersonDataAdmin, PersonDataInline
from xinyong.core.masking import mask_id_number, mask_name, mask_phone

from .models import (
    Attachment,
    Objection,
    ObjectionPause,
    RepairApplication,
    RepairNotice,
    RightsPolicy,
)


@admin.register(RightsPolicy)
class RightsPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "effective_from",
        "objection_office_days",
        "objection_provider_reply_days",
        "objection_total_days",
        "repair_review_days",
        "repair_sync_days",
        "active",
    )
    list_filter = ("active",)


class PauseInline(PersonDataInline):
    model = ObjectionPause
    fields = ("reason", "started_on", "ended_on", "note")
    readonly_fields = fields


class AttachmentInline(PersonDataInline):
    model = Attachment
    fields = ("original_name", "size", "sha256", "created_at")
    readonly_fields = fields


def _masked_applicant(obj: Any) -> str:
    return f"{mask_name(obj.applicant_name)}（{mask_phone(obj.applicant_phone)}）"


@admin.register(Objection)
class ObjectionAdmin(PersonDataAdmin):
    list_display = (
        "query_code",
        "record",
        "subject",
        "category",
        "channel",
        "received_on",
        "route",
        "provider_unit",
        "status",
        "outcome",
        "decided_on",
    )
    list_filter = ("status", "outcome", "route", "channel", "category", "applicant_is_government")
    search_fields = ("query_code", "record__document_number", "subject__name")
    list_select_related = ("record", "subject", "provider_unit")
    date_hierarchy = "received_on"
    exclude = ("applicant_name", "applicant_phone", "applicant_identifier")
    readonly_fields = ("applicant", "applicant_id")
    inlines = [PauseInline, AttachmentInline]

    @admin.display(description="申请人")
    def applicant(self, obj: Objection) -> str:
        return _masked_applicant(obj)

    @admin.display(description="申请人证件号码")
    def applicant_id(self, obj: Objection) -> str:
        return mask_id_number(obj.applicant_identifier) if obj.applicant_identifier else "—"


@admin.register(RepairApplication)
class RepairApplicationAdmin(PersonDataAdmin):
    list_display = (
        "query_code",
        "record",
        "subject",
        "channel",
        "submitted_on",
        "complete_on",
        "status",
        "decided_on",
        "synced_on",
    )
    list_filter = ("status", "channel")
    search_fields = ("query_code", "record__document_number", "subject__name")
    list_select_related = ("record", "subject")
    date_hierarchy = "submitted_on"
    exclude = ("applicant_name", "applicant_phone")
    readonly_fields = ("applicant",)
    inlines = [AttachmentInline]

    @admin.display(description="申请人")
    def applicant(self, obj: RepairApplication) -> str:
        return _masked_applicant(obj)


@admin.register(RepairNotice)
class RepairNoticeAdmin(PersonDataAdmin):
    list_display = (
        "number",
        "record",
        "earliest_repair_on",
        "publicity_ends_on",
        "served_on",
        "serve_method",
    )
    list_filter = ("serve_method",)
    search_fields = ("number", "record__document_number")
    list_select_related = ("record",)
