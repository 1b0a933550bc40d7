"""Back office of supervision. The evaluation model (versions, indicators, cut-offs) and
the per-grade policies are configuration, edited here; grades, grade history, draws and
their targets are written by the services (recompute, draws) and shown read-only, a
natural person masked (core.admin_privacy)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xinyong.core.admin_privacy import PersonDataAdmin, PersonListAdmin

from .models import (
    Draw,
    DrawTarget,
    EvaluationModel,
    ExternalEvaluation,
    GradeChange,
    Indicator,
    Inspector,
    InspectorConflict,
    SubjectGrade,
    SupervisionPolicy,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ("order", "code", "name", "kind", "params", "points", "cap")


@admin.register(EvaluationModel)
class EvaluationModelAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "effective_from", "effective_to", "base_score", "active")
    list_filter = ("active",)
    inlines = [IndicatorInline]


@admin.register(SubjectGrade)
class SubjectGradeAdmin(PersonDataAdmin):
    list_display = ("subject", "grade", "score", "source", "model", "computed_at")
    list_filter = ("grade", "source")
    raw_id_fields = ("subject",)


@admin.register(GradeChange)
class GradeChangeAdmin(PersonDataAdmin):
    list_display = (
        "subject",
        "old_grade",
        "new_grade",
        "old_score",
        "new_score",
        "reason",
        "changed_at",
    )
    list_filter = ("new_grade",)


@admin.register(ExternalEvaluation)
class ExternalEvaluationAdmin(PersonDataAdmin):
    list_display = (
        "subject",
        "source",
        "evaluator",
        "grade",
        "evaluated_on",
        "valid_until",
        "takes_precedence",
    )
    list_filter = ("source", "grade", "takes_precedence")


@admin.register(SupervisionPolicy)
class SupervisionPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "grade",
        "inspection_ratio",
        "frequency_per_year",
        "approach",
        "effective_from",
        "effective_to",
    )


@admin.register(Inspector)
class InspectorAdmin(admin.ModelAdmin):
    list_display = ("name", "badge_number", "unit", "active")
    list_filter = ("unit", "active")
    search_fields = ("name", "badge_number")


@admin.register(InspectorConflict)
class InspectorConflictAdmin(PersonListAdmin):
    list_display = ("inspector", "subject", "reason", "declared_on")
    raw_id_fields = ("subject",)


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "status", "seed_hash", "committed_at", "drawn_at")
    list_filter = ("status",)


@admin.register(DrawTarget)
class DrawTargetAdmin(PersonDataAdmin):
    list_display = ("draw", "subject", "grade")
