"""Publicity windows in the admin: read-only (windows change only through services); a
natural person's record is shown masked (core.admin_privacy)."""

from __future__ import annotations

from django.contrib import admin

from xinyong.core.admin_privacy import PersonDataAdmin

from .models import PublicityWindow


@admin.register(PublicityWindow)
class PublicityWindowAdmin(PersonDataAdmin):
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
        return self.masked_text(obj, obj.explanation_text)
