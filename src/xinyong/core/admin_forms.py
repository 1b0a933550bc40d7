"""Admin forms that change data through a service while they are validated: a refusal of
the service (DomainError) becomes a form error, so the admin neither saves nor logs a
change that was not made, and shows the Chinese reason on the form (docs/conventions.md).
The acting user reaches the form on a per-request subclass (`for_request`), never on the
shared form class, which concurrent requests would overwrite."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .errors import DomainError

FormClass = TypeVar("FormClass", bound=type[forms.BaseForm])


class ServiceModelForm(forms.ModelForm):
    """`save_through_service(data)` runs the service in clean() and returns what it saved
    (kept as `saved` for the admin's save_model), or None when it saved nothing."""

    request_user: Any = None
    saved: Any = None

    def save_through_service(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must name its service")

    def validate_unique(self) -> None:
        # The service checks what must be unique (and has already saved the row).
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.saved = self.save_through_service(data)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc
        return data


def for_request(form: FormClass, request: HttpRequest) -> FormClass:
    """The admin's form class for this request, carrying the acting user into clean()."""
    return type(form.__name__, (form,), {"request_user": request.user})  # type: ignore[return-value]


class ServiceSavedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """An admin whose form saves through its service (`ServiceModelForm`): the form class
    carries the acting user (`for_request`), and save_model only hands the row the
    service stored back, so that Django logs the change under its real id."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        return for_request(super().get_form(request, obj, change=change, **kwargs), request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = getattr(form, "saved", None)
        if saved is not None:
            obj.pk = saved.pk
            obj.refresh_from_db()
