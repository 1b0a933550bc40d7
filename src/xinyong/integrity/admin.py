"""Back office of 政务诚信. The indicator data (systems, indicators, their weights,
methods and thresholds) is configuration edited here, each save and delete audited with
one event; bodies are registered here or on the pages; alerts, cases, arrears,
commitments, scores and results are written by the services and shown read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpRequest

from .evaluation import METRIC_CHOICES, check_system, record_config_change
from .models import (
    Alert,
    ArrearsCase,
    EvaluationResult,
    GovCommitment,
    GovernmentBody,
    Indicator,
    IndicatorSystem,
    IntegrityCase,
    ManualScore,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Configuration rows: every save or delete leaves one event."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_config_change(actor=request.user, obj=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_config_change(actor=request.user, obj=obj, deleted=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            record_config_change(actor=request.user, obj=obj, deleted=True)
        super().delete_queryset(request, queryset)


class MetricChoiceMixin:
    """The platform data source is picked from the metrics the code knows."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "metric":
            return forms.ChoiceField(
                choices=[("", "（人工评分，无）"), *METRIC_CHOICES],
                required=False,
                label="平台数据来源",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]


class IndicatorInline(MetricChoiceMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Indicator
    extra = 0
    fields = (
        "sort_order",
        "code",
        "name",
        "parent",
        "weight",
        "method",
        "metric",
        "deduct_points",
        "criteria",
    )


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(AuditedAdmin):
    list_display = ("year", "name", "warning_threshold")
    inlines = [IndicatorInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_config_change(actor=request.user, obj=obj, deleted=True)
            obj.delete()
        for obj in instances:
            obj.save()
            record_config_change(actor=request.user, obj=obj)
        formset.save_m2m()

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        # get_object, as Django's own change_view: an id that is not a number ("abc",
        # "add/add") is "not found" (Django then redirects with its 不存在 message).
        system = self.get_object(request, unquote(object_id))
        if system is not None and request.method == "GET":
            for problem in check_system(system):
                messages.warning(request, problem)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Indicator)
class IndicatorAdmin(MetricChoiceMixin, AuditedAdmin):
    list_display = (
        "system",
        "code",
        "name",
        "parent",
        "weight",
        "method",
        "metric",
        "deduct_points",
    )
    list_filter = ("system", "method")
    search_fields = ("code", "name")


@admin.register(GovernmentBody)
class GovernmentBodyAdmin(AuditedAdmin):
    list_display = ("name", "kind", "unit", "subject", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "unit__name")
    raw_id_fields = ("subject",)


@admin.register(ManualScore)
class ManualScoreAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "unit", "score", "scored_on", "scored_by")
    list_filter = ("indicator__system",)


@admin.register(EvaluationResult)
class EvaluationResultAdmin(ReadOnlyAdmin):
    list_display = ("system", "rank", "unit", "score", "max_score", "percent", "warning", "as_of")
    list_filter = ("system", "warning")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("raised_on", "kind", "level", "status", "unit", "title")
    list_filter = ("kind", "level", "status")


@admin.register(IntegrityCase)
class IntegrityCaseAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "stage", "unit", "opened_on", "closed_on")
    list_filter = ("kind", "stage")


@admin.register(ArrearsCase)
class ArrearsCaseAdmin(ReadOnlyAdmin):
    list_display = ("body", "creditor_name", "amount_wan", "cleared_wan", "due_on", "status")
    list_filter = ("status", "creditor_kind")


@admin.register(GovCommitment)
class GovCommitmentAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "body", "made_on", "status", "published")
    list_filter = ("kind", "status", "published")
