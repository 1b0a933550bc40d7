"""Back office for sanctions. List types are configured here and saved through
sanctions.lists (a type without a legal basis, or concerning a forbidden matter, is
refused with the reason on the form). Everything the workflows own — entries and their
history, checks, feedback, cases, governance, events — is shown read-only: changes go
through the workspace pages, the API or the CLI, which call the services. Rows that
concern a natural person show them masked (core.admin_privacy)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from xinyong.core.admin_privacy import PersonDataAdmin, PersonDataInline
from xinyong.core.errors import DomainError
from xinyong.core.masked_rows import person_paths

from . import lists, measures
from .models import (
    Check,
    CheckMeasure,
    DishonestyEvent,
    GovernanceAction,
    GovernanceCase,
    GovernanceTarget,
    ListEntry,
    ListEntryChange,
    ListType,
    Matter,
    Measure,
    TypicalCase,
)


class ListTypeForm(forms.ModelForm):
    legal_basis = forms.CharField(
        label="法律依据",
        required=False,  # checked by the service so that the refusal reads as the rule says
        widget=forms.Textarea(attrs={"rows": 3, "cols": 100}),
    )

    class Meta:
        model = ListType
        fields = list(lists.LIST_TYPE_ATTRS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        values = {k: data.get(k) for k in lists.LIST_TYPE_ATTRS}
        try:
            lists.validate_list_type(values, instance=self.instance if self.instance.pk else None)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc
        return data


@admin.register(ListType)
class ListTypeAdmin(admin.ModelAdmin):
    form = ListTypeForm
    list_display = (
        "code",
        "name",
        "kind",
        "designating_authority",
        "locally_designable",
        "default_duration_months",
        "active",
    )
    list_filter = ("kind", "locally_designable", "active")
    search_fields = ("code", "name", "field", "legal_basis")
    # The units whose staff may propose on the type (the credit office always may).
    filter_horizontal = ("designating_units",)

    def save_model(self, request: HttpRequest, obj: ListType, form: Any, change: bool) -> None:
        values = {k: form.cleaned_data.get(k) for k in lists.LIST_TYPE_ATTRS}
        values["designating_units"] = list(values.get("designating_units") or [])
        if change:
            current = ListType.objects.get(pk=obj.pk)
            saved = lists.update_list_type(actor=request.user, list_type=current, **values)
        else:
            saved = lists.create_list_type(actor=request.user, **values)
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None  # the service already set the designating units (and wrote the event)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # entries point to their type; retire a type by deactivating it


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for inspection; written only by the services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ListEntryChangeInline(PersonDataInline):
    model = ListEntryChange
    fields = ("on", "from_status", "to_status", "note", "actor")
    readonly_fields = fields


@admin.register(ListEntry)
class ListEntryAdmin(PersonDataAdmin):
    list_display = (
        "id",
        "list_type",
        "subject",
        "status",
        "source",
        "effective_from",
        "ends_on",
        "removed_on",
    )
    list_filter = ("list_type", "status", "source")
    search_fields = ("subject__name", "subject__identifier", "basis_document")
    raw_id_fields = ("subject", "basis_record")
    inlines = [ListEntryChangeInline]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    """Measures are edited here and saved through sanctions.measures.save_measure: a
    measure without a legal basis, or naming a forbidden matter, is refused on the form."""

    form = measures.MeasureAdminForm
    list_display = (
        "code",
        "name",
        "kind",
        "source_list",
        "effective_from",
        "effective_to",
        "active",
    )
    list_filter = ("kind", "active", "list_types")
    search_fields = ("code", "name", "legal_basis")
    filter_horizontal = ("implementing_units", "list_types", "matters")

    def save_model(self, request: HttpRequest, obj: Measure, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = measures.save_measure(
            actor=request.user,
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            legal_basis=data["legal_basis"],
            source_list=data.get("source_list") or "",
            implementing_text=data.get("implementing_text") or "",
            unit_names=[u.name for u in data.get("implementing_units") or []],
            list_type_codes=[lt.code for lt in data.get("list_types") or []],
            matter_codes=[m.code for m in data.get("matters") or []],
            effective_from=data.get("effective_from"),
            effective_to=data.get("effective_to"),
            active=bool(data.get("active")),
        )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None  # save_measure already set the relations (and wrote the event)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # checks point to measures; retire a measure by deactivating it


for model, display in (
    (Matter, ("code", "name")),
    (Measure, ("code", "name", "kind", "source_list", "effective_from", "active")),
    (Check, ("id", "unit", "subject", "matter", "checked_on", "hit", "feedback_status")),
    (CheckMeasure, ("check_run", "measure", "action", "reported_on")),
    (TypicalCase, ("title", "unit", "published_on")),
    (GovernanceTarget, ("year", "max_blacklist_share", "max_government_bodies_listed")),
    (GovernanceCase, ("id", "entry", "lead_unit", "status", "due_on", "closed_on")),
    (GovernanceAction, ("case", "on", "action")),
    (DishonestyEvent, ("title", "source", "status", "detected_on", "due_on")),
):
    if not admin.site.is_registered(model):
        # A row that reaches a subject (a check, a case, a governance action …) is shown
        # masked; the others are configuration-like and shown as stored.
        base = PersonDataAdmin if person_paths(model) else ReadOnlyAdmin
        admin.site.register(
            model, type(f"{model.__name__}Admin", (base,), {"list_display": display})
        )
