"""The working-day calendar in the admin: years, their holidays and make-up working days,
and the upload of a year's holiday-cn JSON. Every change goes through
`core.calendar_services` (one event each); the service runs while the form is validated so
that a refusal comes back as a form error, never as a server error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from . import calendar_services
from .admin_forms import ServiceModelForm, ServiceSavedAdmin
from .calendar import WEEKDAY_NAMES
from .errors import DomainError
from .models import CalendarYear, WorkdayException


class _CalendarYearForm(ServiceModelForm):
    class Meta:
        model = CalendarYear
        fields = ("year", "source")

    def save_through_service(self, data: dict[str, Any]) -> CalendarYear:
        adding = self.instance._state.adding
        year = int(data["year"]) if adding else self.instance.year
        if adding and CalendarYear.objects.filter(year=year).exists():
            raise ValidationError(f"{year} 年已在工作日历中，请修改该年度或导入其节假日安排。")
        return calendar_services.save_calendar_year(
            actor=self.request_user, year=year, source=data.get("source", "")
        )


@admin.register(CalendarYear)
class CalendarYearAdmin(ServiceSavedAdmin):
    list_display = ("year", "source", "holiday_count", "makeup_count", "loaded_at")
    search_fields = ("source",)
    ordering = ("-year",)
    form = _CalendarYearForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                holidays=Count(
                    "exceptions", filter=Q(exceptions__kind=WorkdayException.Kind.HOLIDAY)
                ),
                makeups=Count(
                    "exceptions", filter=Q(exceptions__kind=WorkdayException.Kind.WORKDAY)
                ),
            )
        )

    @admin.display(description="节假日（天）", ordering="holidays")
    def holiday_count(self, obj: Any) -> int:
        return int(getattr(obj, "holidays", 0))

    @admin.display(description="调休上班（天）", ordering="makeups")
    def makeup_count(self, obj: Any) -> int:
        return int(getattr(obj, "makeups", 0))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("year", "loaded_at") if obj else ("loaded_at",)

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        calendar_services.delete_calendar_year(actor=request.user, year=obj.year)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for year in list(queryset.values_list("year", flat=True)):
            calendar_services.delete_calendar_year(actor=request.user, year=year)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The service deletes a year together with its exceptions, so they are part of the
        # deletion, not a protection that blocks it.
        to_delete, model_count, perms_needed, _protected = super().get_deleted_objects(
            objs, request
        )
        extra = [str(e) for e in WorkdayException.objects.filter(year__in=list(objs))]
        if extra:
            to_delete = [*to_delete, *extra]
            model_count[str(WorkdayException._meta.verbose_name_plural)] = len(extra)
        return to_delete, model_count, perms_needed, []

    # --- the JSON import page ---

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import-json/",
                self.admin_site.admin_view(self.import_view),
                name="core_calendaryear_import",
            )
        ]
        return [*own, *super().get_urls()]

    def _may_import(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_import": self._may_import(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self._may_import(request):
            raise PermissionDenied("无权导入工作日历。")
        posted = request.method == "POST"
        form = (
            HolidayJsonImportForm(request.POST, request.FILES)
            if posted
            else HolidayJsonImportForm()
        )
        if posted and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = calendar_services.import_holiday_cn_json(
                    data=upload.read(),
                    actor=request.user,
                    source=form.cleaned_data.get("source") or None,
                    expected_year=form.cleaned_data.get("year"),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, summary.message, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:core_calendaryear_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导入年度节假日安排",
            "form": form,
        }
        return TemplateResponse(request, "admin/core/calendaryear/import_json.html", context)


class HolidayJsonImportForm(forms.Form):
    file = forms.FileField(
        label="节假日安排文件",
        help_text="holiday-cn 格式的 JSON 文件，例如 2027.json（不超过 1 MB）。",
        error_messages={"required": "请选择要导入的文件。", "empty": "上传的文件是空的。"},
    )
    year = forms.IntegerField(
        label="核对年份",
        required=False,
        min_value=calendar_services.MIN_YEAR,
        max_value=calendar_services.MAX_YEAR,
        help_text="可选：填写后，文件中的年份必须与之一致。",
    )
    source = forms.CharField(
        label="来源说明",
        required=False,
        max_length=calendar_services.SOURCE_MAX,
        help_text="可选：例如“国办发明电〔2026〕X号”；不填则取文件中的通知网址。",
    )


class _WorkdayExceptionForm(ServiceModelForm):
    class Meta:
        model = WorkdayException
        fields = ("date", "kind", "name")

    def save_through_service(self, data: dict[str, Any]) -> WorkdayException:
        return calendar_services.save_workday_exception(
            actor=self.request_user,
            day=data["date"],
            kind=data["kind"],
            name=data.get("name", ""),
            pk=self.instance.pk,
        )


@admin.register(WorkdayException)
class WorkdayExceptionAdmin(ServiceSavedAdmin):
    list_display = ("date", "weekday", "kind", "name", "year")
    list_filter = ("kind", "year")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("-date",)
    form = _WorkdayExceptionForm

    readonly_fields = ("year",)

    @admin.display(description="星期")
    def weekday(self, obj: WorkdayException) -> str:
        return WEEKDAY_NAMES[obj.date.weekday()]

    def delete_model(self, request: HttpRequest, obj: WorkdayException) -> None:
        calendar_services.delete_workday_exception(actor=request.user, pk=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WorkdayException]) -> None:
        calendar_services.delete_workday_exceptions(
            actor=request.user, pks=list(queryset.values_list("pk", flat=True))
        )
