"""Admin: the credit office maintains the file categories (who keeps which file) and the
诚信典型 titles, saved through `services.save_reference` (one event each). Persons, items
and nominations are not in the admin on purpose: every read of a personnel file must be
admitted by `access` and logged with its purpose, which the admin's change lists would
bypass."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from xinyong.core.errors import DomainError

from . import services
from .models import FileCategory, HonourKind


class _ThroughService(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            services.save_reference(actor=request.user, obj=obj, created=not change)
        except DomainError as exc:
            messages.error(request, exc.message)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Categories and titles are referenced by files and nominations: deactivate instead.
        return False


@admin.register(FileCategory)
class FileCategoryAdmin(_ThroughService):
    list_display = ("name", "code", "keeper_unit", "is_public_servant", "org_dept_reads", "active")
    list_filter = ("is_public_servant", "active")
    search_fields = ("name", "code")


@admin.register(HonourKind)
class HonourKindAdmin(_ThroughService):
    list_display = ("name", "code", "nominee", "lookback_years", "active")
    list_filter = ("nominee", "active")
