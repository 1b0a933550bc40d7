"""Admin: the credit office maintains the white-list rules and the city average per year
(saved through services: criteria validated, one event per change); runs, items,
authorisations, outcomes and events are read-only here (their pages and services own the
workflow)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from xinyong.core.errors import DomainError

from . import services
from .models import (
    Authorisation,
    CityBenchmark,
    LoanOutcome,
    MatchmakingEvent,
    WhitelistRule,
    WhitelistRun,
)


@admin.register(WhitelistRule)
class WhitelistRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "effective_from", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        values = {k: form.cleaned_data[k] for k in services.RULE_ATTRS if k in form.cleaned_data}
        try:
            if change:
                services.update_rule(actor=request.user, rule=obj, **values)
            else:
                created = services.create_rule(
                    actor=request.user, code=form.cleaned_data["code"], **values
                )
                obj.pk = created.pk
        except DomainError as exc:
            messages.error(request, exc.message)


@admin.register(CityBenchmark)
class CityBenchmarkAdmin(admin.ModelAdmin):
    list_display = ("year", "city_growth_percent", "source")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            saved = services.set_benchmark(
                actor=request.user,
                year=form.cleaned_data["year"],
                city_growth_percent=form.cleaned_data["city_growth_percent"],
                source=form.cleaned_data["source"],
            )
            obj.pk = saved.pk
        except DomainError as exc:
            messages.error(request, exc.message)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WhitelistRun)
class WhitelistRunAdmin(_ReadOnly):
    list_display = ("number", "rule", "screened_on", "candidates", "eligible", "status")
    list_filter = ("status",)


@admin.register(Authorisation)
class AuthorisationAdmin(_ReadOnly):
    list_display = ("code", "subject", "bank", "scope", "valid_until", "status", "channel")
    list_filter = ("status", "channel", "bank")


@admin.register(LoanOutcome)
class LoanOutcomeAdmin(_ReadOnly):
    list_display = ("bank", "subject", "applied_on", "status", "amount_wan", "loan_type")
    list_filter = ("status", "loan_type", "bank")


@admin.register(MatchmakingEvent)
class MatchmakingEventAdmin(_ReadOnly):
    list_display = ("held_on", "title", "firm_count")
