"""Admin: the credit office edits plans, tasks, rows and their targets (next year's plan is
copied from this year's with the action below and then edited), the rules of a plan
year (saved through services, one event each). Progress, reviews,
warnings and 通报 are changed only through the workspace (read-only here)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
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


class _EditedThroughService(admin.ModelAdmin):
    """Plans, tasks, rows and targets are saved through services.save_plan_item (one
    event per change)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            services.save_plan_item(actor=request.user, item=obj, changed=list(form.changed_data))
        except DomainError as exc:
            messages.error(request, exc.message)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for item in formset.save(commit=False):
            services.save_plan_item(actor=request.user, item=item, changed=["targets"])
        for item in formset.deleted_objects:
            services.delete_plan_item(actor=request.user, item=item)


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


class TargetInline(admin.TabularInline):
    model = RowTarget
    extra = 0


@admin.register(Row)
class RowAdmin(_EditedThroughService):
    list_display = ("plan", "number", "level3", "short_title", "deadline")
    list_filter = ("plan", "level2")
    search_fields = ("level4", "work", "units_text")
    filter_horizontal = ("tasks", "lead_units")
    inlines = [TargetInline]


@admin.register(PlanRules)
class PlanRulesAdmin(admin.ModelAdmin):
    list_display = ("plan", "warning_workdays", "points_per_row", "overdue_deduction")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one per plan, created with the plan

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        values = {k: form.cleaned_data[k] for k in services.RULE_FIELDS if k in form.cleaned_data}
        current = PlanRules.objects.get(pk=obj.pk)
        try:
            services.update_rules(actor=request.user, rules=current, values=values)
        except DomainError as exc:
            messages.error(request, exc.message)


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
