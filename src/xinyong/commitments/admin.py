"""Admin: the credit office maintains 承诺事项清单 (saved through services, so every change
is checked and leaves one event); commitments themselves are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from xinyong.core.admin_privacy import PersonDataAdmin
from xinyong.core.errors import DomainError

from . import services
from .models import Commitment, CommitmentMatter


@admin.register(CommitmentMatter)
class CommitmentMatterAdmin(admin.ModelAdmin):
    list_display = ("unit", "name", "kind", "verification_workdays", "published", "active")
    list_filter = ("kind", "published", "active", "unit")
    search_fields = ("name", "unit__name")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        values = {k: form.cleaned_data[k] for k in services.MATTER_ATTRS if k in form.cleaned_data}
        try:
            if change:
                services.update_matter(actor=request.user, matter=obj, **values)
            else:
                created = services.create_matter(
                    actor=request.user, unit=form.cleaned_data["unit"], **values
                )
                obj.pk = created.pk
        except DomainError as exc:
            messages.error(request, exc.message)


@admin.register(Commitment)
class CommitmentAdmin(PersonDataAdmin):
    list_display = ("code", "kind", "committer_name", "accepting_unit", "made_on", "status")
    list_filter = ("kind", "status", "channel", "publicity")
    search_fields = ("code", "committer_name")
