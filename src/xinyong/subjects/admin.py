"""Subjects in the admin: look and search only. Creating, renaming and merging go through
the services (API, CLI), which write the events. A natural person is shown masked — name
and ID number (core.admin_privacy); opening one is still logged as a read."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xinyong.core.admin_privacy import PersonDataAdmin, PersonDataInline

from .models import Subject, SubjectIdentifier
from .selectors import log_person_reads


class SubjectIdentifierInline(PersonDataInline):
    model = SubjectIdentifier
    fields = ("kind", "display_value", "is_primary", "valid", "source", "created_at")
    readonly_fields = fields

    @admin.display(description="代码")
    def display_value(self, obj: SubjectIdentifier) -> str:
        return obj.display_value


@admin.register(Subject)
class SubjectAdmin(PersonDataAdmin):
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

    @admin.display(description="主标识")
    def display_identifier(self, obj: Subject) -> str:
        return obj.display_identifier

    def object_opened(self, request: HttpRequest, obj: Any) -> None:
        log_person_reads([obj], reader=request.user, purpose="配置管理查看信用主体")
