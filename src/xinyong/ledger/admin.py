"""Admin: the credit office edits plans, tasks, rows and their targets (next year's plan is
copied from this year's with the action below and then edited), the rules of a plan
year (saved through services, one event each). A row's 责任单位 text decides which units
hold it (its assignments follow the text). Progress, reviews,
warnings and 通报 are changed only through the workspace (read-only here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from xinyong.core.errors import DomainError
from xinyong.sanctions.admin import ReadOnlyAdmin  # shown for inspection, written by services

from . import services
from .models import (
    Activity,
    Assignment,
    Bulletin,
    Plan,
    PlanRules,
    ProgressReport,
    Row,
    RowTarget,
    Task,
)


@admin.action(description="复制为下一年度方案（完成时限顺延一年，不复制进展）")
def copy_to_next_year(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Plan]) -> None:
    for plan in queryset.order_by("year"):
        try:
            copy = services.copy_plan(actor=request.user, plan=plan, year=plan.year + 1)
        except DomainError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
        else:
            modeladmin.message_user(request, f"已复制为 {copy.year} 年工作方案。", messages.SUCCESS)


# Set on the request when a service refused a save the form had passed (a permission, a
# rule checked only there): Django would still report "changed successfully".
_REFUSED = "_ledger_admin_refused"


class _ServiceRefusalIsNoSuccess(admin.ModelAdmin):
    """The forms check what the services check (their clean() calls the services'
    check_* functions), so the admin shows a refusal beside the form and saves nothing.
    Should a service still refuse while saving, nothing of the change is kept (the admin's
    transaction is rolled back), the refusal is shown, and no success message is."""

    def _refused(self, request: HttpRequest, exc: DomainError) -> None:
        setattr(request, _REFUSED, True)
        messages.error(request, exc.message)
        transaction.set_rollback(True)

    def message_user(
        self,
        request: HttpRequest,
        message: Any,
        level: int | str = messages.INFO,
        *args: Any,
        **kw: Any,
    ) -> None:
        if getattr(request, _REFUSED, False) and level == messages.SUCCESS:
            return
        super().message_user(request, message, level, *args, **kw)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not getattr(request, _REFUSED, False):
            super().save_related(request, form, formsets, change)

    # After a rollback is set the transaction takes no more queries: no LogEntry either.
    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if not getattr(request, _REFUSED, False):
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if not getattr(request, _REFUSED, False):
            return super().log_change(request, obj, message)
        return None


class _EditedThroughService(_ServiceRefusalIsNoSuccess):
    """Plans, tasks, rows and targets are saved through services.save_plan_item (one
    event per change)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            services.save_plan_item(actor=request.user, item=obj, changed=list(form.changed_data))
        except DomainError as exc:
            self._refused(request, exc)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        try:
            for item in formset.save(commit=False):
                services.save_plan_item(actor=request.user, item=item, changed=["targets"])
            for item in formset.deleted_objects:
                services.delete_plan_item(actor=request.user, item=item)
        except DomainError as exc:
            self._refused(request, exc)


@admin.register(Plan)
class PlanAdmin(_EditedThroughService):
    list_display = ("year", "title", "document_number", "issued_on", "copied_from")
    actions = [copy_to_next_year]


@admin.register(Task)
class TaskAdmin(_EditedThroughService):
    list_display = ("plan", "number", "group_title", "title", "units_text")
    list_filter = ("plan",)
    search_fields = ("title", "text")
    filter_horizontal = ("lead_units", "units")


class TargetForm(forms.ModelForm):
    class Meta:
        model = RowTarget
        fields = ("kind", "metric_code", "activity_kind", "comparison", "value")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or data.get("DELETE"):
            return data
        target = RowTarget(**{k: data.get(k) for k in self.Meta.fields})
        try:
            services.check_target(target)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc
        return data


class TargetInline(admin.TabularInline):
    model = RowTarget
    form = TargetForm
    extra = 0


class RowForm(forms.ModelForm):
    class Meta:
        model = Row
        fields = (
            "plan",
            "number",
            "level1",
            "level2",
            "level3",
            "level4",
            "work",
            "units_text",
            "deadline",
            "plan_clause",
            "note",
            "seed_line",
            "tasks",
            "lead_units",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or (self.instance.pk and "units_text" not in self.changed_data):
            return data
        # The 责任单位 text decides the row's assignments (services.save_plan_item).
        try:
            services.check_row_units(self.instance, data.get("units_text") or "")
        except DomainError as exc:
            self.add_error("units_text", exc.message)
        return data


@admin.register(Row)
class RowAdmin(_EditedThroughService):
    form = RowForm
    list_display = ("plan", "number", "level3", "short_title", "deadline")
    list_filter = ("plan", "level2")
    search_fields = ("level4", "work", "units_text")
    filter_horizontal = ("tasks", "lead_units")
    inlines = [TargetInline]

    @admin.display(description="事项摘要")
    def short_title(self, obj: Row) -> str:
        return obj.short_title


class PlanRulesForm(forms.ModelForm):
    class Meta:
        model = PlanRules
        fields = ("plan", *services.RULE_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            services.check_rules({k: data[k] for k in services.RULE_FIELDS if k in data})
        except DomainError as exc:
            raise ValidationError(exc.message) from exc
        return data


@admin.register(PlanRules)
class PlanRulesAdmin(_ServiceRefusalIsNoSuccess):
    list_display = ("plan", "warning_workdays", "points_per_row", "overdue_deduction")
    form = PlanRulesForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one per plan, created with the plan

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        values = {k: form.cleaned_data[k] for k in services.RULE_FIELDS if k in form.cleaned_data}
        current = PlanRules.objects.get(pk=obj.pk)
        try:
            services.update_rules(actor=request.user, rules=current, values=values)
        except DomainError as exc:
            self._refused(request, exc)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("row", "unit", "status", "last_reported_on")
    list_filter = ("row__plan", "status", "unit")


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "reported_on", "claim", "review")
    list_filter = ("claim", "review")


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("plan", "unit", "kind", "title", "held_on")
    list_filter = ("plan", "kind", "unit")


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ("plan", "period", "status", "published_on")
