"""Back office of supervision. The evaluation model (versions, indicators, cut-offs) and
the per-grade policies are configuration, edited here; grades, grade history, draws and
their targets are written by the services (recompute, draws) and shown read-only, a
natural person masked (core.admin_privacy)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from xinyong.core.admin_forms import ServiceModelForm, ServiceSavedAdmin
from xinyong.core.admin_privacy import PersonDataAdmin, PersonListAdmin
from xinyong.core.errors import DomainError

from . import policy
from .loaders import check_cutoffs, check_params
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


# A model saved here is in force at once and every upload regrades through it: the
# checks are the loader's (loaders.check_cutoffs / check_params), so that nothing saved
# here fails the computation or inverts the letters; refused → the form again, unsaved.


class EvaluationModelForm(forms.ModelForm):
    class Meta:
        model = EvaluationModel
        fields = (
            "name",
            "version",
            "effective_from",
            "effective_to",
            "base_score",
            "cutoffs",
            "basis",
            "active",
        )

    def clean_cutoffs(self) -> dict[str, float]:
        try:
            return check_cutoffs(self.cleaned_data.get("cutoffs"))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ("order", "code", "name", "kind", "params", "points", "cap")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind and "params" in data:
            try:
                data["params"] = check_params(kind, data["params"])
            except DomainError as exc:
                self.add_error("params", exc.message)
        cap = data.get("cap")
        if cap is not None and cap < 0:
            # _combine compares the absolute value of the points with the cap.
            self.add_error("cap", "封顶是加分或扣分绝对值的上限，须为 0 或正数。")
        return data


class IndicatorInline(admin.TabularInline):
    model = Indicator
    form = IndicatorForm
    extra = 0
    fields = ("order", "code", "name", "kind", "params", "points", "cap")


@admin.register(EvaluationModel)
class EvaluationModelAdmin(admin.ModelAdmin):
    form = EvaluationModelForm
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


class SupervisionPolicyForm(ServiceModelForm):
    """Saved by policy.create_policy / update_policy, whose clean_values refuses what a
    draw cannot use (a ratio outside 0–100 % would make a negative quota) and whose event
    records the old and new values."""

    class Meta:
        model = SupervisionPolicy
        fields = (
            "grade",
            "inspection_ratio",
            "frequency_per_year",
            "approach",
            "basis",
            "effective_from",
            "effective_to",
        )

    def _post_clean(self) -> None:
        # The service checked and saved the row; the model's checks here would only come
        # after that save, in Django's wording.
        pass

    def save_through_service(self, data: dict[str, Any]) -> SupervisionPolicy:
        values = {name: data.get(name) for name in self._meta.fields or ()}
        if self.instance.pk:
            return policy.update_policy(actor=self.request_user, policy=self.instance, **values)
        return policy.create_policy(actor=self.request_user, **values)


@admin.register(SupervisionPolicy)
class SupervisionPolicyAdmin(ServiceSavedAdmin):
    form = SupervisionPolicyForm
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
