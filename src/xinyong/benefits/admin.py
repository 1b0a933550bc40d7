"""Admin: the credit office maintains 信易+ scenarios (saved through services, so every
change is validated — the criteria included — and leaves one event); uses are read-only,
a natural person masked (core.admin_privacy)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from xinyong.core.admin_privacy import PersonDataAdmin
from xinyong.core.errors import DomainError

from . import services
from .models import Scenario, ScenarioUse


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "field", "provider", "published", "active", "sort_order")
    list_filter = ("published", "active")
    search_fields = ("code", "name", "provider")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        values = {
            k: form.cleaned_data[k] for k in services.SCENARIO_ATTRS if k in form.cleaned_data
        }
        try:
            if change:
                services.update_scenario(actor=request.user, scenario=obj, **values)
            else:
                created = services.create_scenario(
                    actor=request.user, code=form.cleaned_data["code"], **values
                )
                obj.pk = created.pk
        except DomainError as exc:
            messages.error(request, exc.message)


@admin.register(ScenarioUse)
class ScenarioUseAdmin(PersonDataAdmin):
    list_display = ("checked_at", "scenario", "queried_code", "eligible", "actor_label", "channel")
    list_filter = ("scenario", "eligible", "channel")
