"""Subjects in the admin: look and search only. Creating, renaming and merging go through
the services (API, CLI), which write the events; persons' ID numbers are shown masked."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Subject, SubjectIdentifier
from .selectors import log_person_reads


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SubjectIdentifierInline(_ReadOnly, admin.TabularInline):
    model = SubjectIdentifier
    fields = ("kind", "display_value", "is_primary", "valid", "source", "created_at")
    readonly_fields = fields
    extra = 0

    @admin.display(description="代码")
    def display_value(self, obj: SubjectIdentifier) -> str:
        return obj.display_value


@admin.register(Subject)
class SubjectAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("id", "name", "kind", "display_identifier", "is_government_body", "merged_into")
    list_filter = ("kind", "is_government_body")
    search_fields = ("name", "identifier")
    fields = (
        "kind",
        "name",
        "display_identifier",
        "identifier_type",
        "is_government_body",
        "region_code",
        "registered_on",
        "merged_into",
        "merged_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [SubjectIdentifierInline]
    actions = None

    @admin.display(description="主标识")
    def display_identifier(self, obj: Subject) -> str:
        return obj.display_identifier

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        subject = super().get_object(request, object_id, from_field)
        if subject is not None:
            log_person_reads([subject], reader=request.user, purpose="配置管理查看信用主体")
        return subject
