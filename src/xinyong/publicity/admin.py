"""Publicity windows in the admin: read-only (windows change only through services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import PublicityWindow


@admin.register(PublicityWindow)
class PublicityWindowAdmin(admin.ModelAdmin):
    list_display = (
        "record",
        "policy",
        "is_published",
        "starts_on",
        "repair_from",
        "ends_on",
        "ended_on",
        "end_reason",
    )
    list_filter = ("is_published", "end_reason", "policy")
    search_fields = ("record__document_number", "record__party_name")
    list_select_related = ("record", "policy")
    raw_id_fields = ("record",)
    # The shared text is shown as text, not as a choice among every stored wording.
    exclude = ("shared_explanation",)
    readonly_fields = ("explanation_shown",)

    @admin.display(description="计算说明")
    def explanation_shown(self, obj: PublicityWindow) -> str:
        return obj.explanation_text

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
