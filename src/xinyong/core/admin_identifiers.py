"""The identifier override list in the admin. Adding and withdrawing go through
`core.identifier_services` (one event each); nothing is edited or deleted in place."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from . import identifier_services
from .admin_forms import ServiceModelForm, for_request
from .models import IdentifierOverride


class _AddOverrideForm(ServiceModelForm):
    class Meta:
        model = IdentifierOverride
        fields = ("code", "reason", "basis")
        labels = {"code": "代码"}

    def save_through_service(self, data: dict[str, Any]) -> IdentifierOverride:
        # A withdrawn code may be declared again: the service decides, not the form.
        return identifier_services.add_override(
            actor=self.request_user,
            code=data.get("code", ""),
            reason=data.get("reason", ""),
            basis=data.get("basis", ""),
        )


class _WithdrawOverrideForm(ServiceModelForm):
    withdraw = forms.BooleanField(label="撤销此例外", required=False)

    class Meta:
        model = IdentifierOverride
        fields = ("deactivation_reason",)

    def save_through_service(self, data: dict[str, Any]) -> None:
        if data.get("withdraw"):
            identifier_services.remove_override(
                actor=self.request_user,
                code=self.instance.code,
                reason=data.get("deactivation_reason", ""),
            )


@admin.register(IdentifierOverride)
class IdentifierOverrideAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "reason", "basis", "active", "created_by", "created_at")
    list_filter = ("active", "kind")
    search_fields = ("code", "reason", "basis")
    actions = None

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = _WithdrawOverrideForm if obj else _AddOverrideForm
        return for_request(super().get_form(request, obj, change=change, **kwargs), request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        fixed = ("code", "kind", "reason", "basis", "created_by", "created_at", "active")
        return fixed if obj.active else (*fixed, "deactivated_at", "deactivation_reason")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("code", "reason", "basis")
        fields = ["code", "kind", "reason", "basis", "created_by", "created_at", "active"]
        if obj.active:
            fields += ["withdraw", "deactivation_reason"]
        else:
            fields += ["deactivated_at", "deactivation_reason"]
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The service already saved (and logged) the change inside form.clean().
        saved = getattr(form, "saved", None)
        if saved is not None:
            obj.pk = saved.pk
            obj.code = saved.code

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
