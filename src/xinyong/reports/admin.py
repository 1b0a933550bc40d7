"""Configuration of credit reports: purposes and the 信用报告应用目录 are reference data the
credit office edits; issued reports are read-only here (they are sealed)."""

from __future__ import annotations

from django.contrib import admin

from xinyong.core.admin_privacy import PersonDataAdmin

from .models import ApplicationMatter, Report, ReportPurpose


@admin.register(ReportPurpose)
class ReportPurposeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "applies_to",
        "on_subject_request",
        "self_service",
        "special",
        "active",
    )
    list_filter = ("applies_to", "special", "active")
    search_fields = ("code", "name")


@admin.register(ApplicationMatter)
class ApplicationMatterAdmin(admin.ModelAdmin):
    list_display = ("unit", "name", "purpose", "usage_count", "published", "active")
    list_filter = ("published", "active", "purpose")
    search_fields = ("name", "unit__name")
    readonly_fields = ("usage_count",)


@admin.register(Report)
class ReportAdmin(PersonDataAdmin):
    list_display = (
        "number",
        "subject_name",
        "purpose",
        "channel",
        "issued_at",
        "valid_until",
        "print_count",
    )
    list_filter = ("channel", "purpose", "kind")
    search_fields = ("number", "subject_name")
    exclude = ("content",)
    readonly_fields = (
        "number",
        "kind",
        "subject",
        "subject_name",
        "subject_identifier",
        "purpose",
        "matter",
        "channel",
        "issued_by",
        "issued_by_label",
        "issued_unit",
        "issued_at",
        "valid_until",
        "version",
        "free_quota",
        "content_sha256",
        "pdf_sha256",
        "seal_alg",
        "key_id",
        "record_count",
        "print_count",
    )
