"""The configuration admin of rows that concern credit subjects: a natural person's data
masked (DOMAIN.md §2) on every list and read-only change page — names, ID numbers,
phones in the columns, in free texts and JSON payloads, in the page title and breadcrumb,
and in the text of every row shown through a link (`张**（410503********0318）`).

Masked, not logged: the admin is for configuration (ARCHITECTURE "Interfaces"), so it
shows nothing that would be a read of personal data. Who needs a person's data in full
opens the workspace page, which asks the purpose and writes the read log (个人信息保护法;
DOMAIN.md §6). What is masked and how: `core.masked_rows`.

Use `PersonDataAdmin` (or `PersonDataInline`) instead of `admin.ModelAdmin` for every
read-only admin of a model that reaches a subject, `PersonListAdmin` for an editable one
(its list masked, subjects offered masked on its form); the paths to the subject are
found from the model (`person_paths`), or set `person_paths` on the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest
from django.utils.text import Truncator

from .masked_rows import PersonSecrets, is_subject_model, mask_instance
from .masked_rows import person_paths as derived_paths

# The secrets of the row a change page shows, for the rows of its inlines.
_SECRETS_ATTR = "_xinyong_person_secrets"


class LookOnly:
    """Rows shown masked are never saved: no add, change or delete here (the services
    write them, with their events)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _Masking:
    model: Any
    # Lookups to the subjects a row concerns; None: every path `masked_rows` finds.
    person_paths: tuple[str, ...] | None = None

    def paths(self) -> tuple[str, ...]:
        return derived_paths(self.model) if self.person_paths is None else self.person_paths

    def related_paths(self) -> list[str]:
        return [p for p in self.paths() if p]

    def mask(self, obj: Any, extra: PersonSecrets | None = None) -> Any:
        secrets = mask_instance(obj, self.paths(), extra)
        setattr(obj, _SECRETS_ATTR, secrets)
        return obj

    def masked_text(self, obj: Any, text: str) -> str:
        """A text a display method builds from other rows, masked as `obj` is."""
        secrets = getattr(obj, _SECRETS_ATTR, None) or PersonSecrets()
        return secrets.mask(text)

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request)  # type: ignore[misc]
        related = self.related_paths()
        return qs.select_related(*related) if related else qs


def _masked_str(obj: Any) -> str:
    mask_instance(obj)
    return str(obj)


class _MaskedRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id box of a subject, labelled with the subject masked."""

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        label, url = super().label_and_url_for_value(value)
        if not label:
            return label, url
        key = self.rel.get_related_field().name
        obj = self.rel.model._default_manager.using(self.db).get(**{key: value})
        return Truncator(_masked_str(obj)).words(14), url


class PersonListAdmin(_Masking, admin.ModelAdmin):
    """An editable admin of rows that concern subjects: the list is masked, and a subject
    is offered and labelled masked on the form; the row's own fields are shown as stored,
    since the form edits them."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        subject_field = is_subject_model(db_field.related_model)
        if subject_field and db_field.name in self.raw_id_fields and "widget" not in kwargs:
            kwargs["widget"] = _MaskedRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using")
            )
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and subject_field:
            formfield.label_from_instance = _masked_str  # type: ignore[method-assign]
        return formfield

    def get_list_select_related(self, request: HttpRequest) -> Any:
        # The changelist's own select_related() would replace the paths set above.
        own = super().get_list_select_related(request)
        if own is True:
            return True
        names = list(own or ())
        if own is False:
            for name in self.get_list_display(request):
                if not isinstance(name, str):
                    continue
                try:
                    f = self.model._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                if f.concrete and (f.many_to_one or f.one_to_one):
                    names.append(name)
        return tuple(dict.fromkeys([*names, *self.related_paths()]))

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        # Never masked under an editable list: its rows would be saved as shown.
        if not self.list_editable:
            changelist.result_list = [self.mask(row) for row in changelist.result_list]
        return changelist


class PersonDataAdmin(LookOnly, PersonListAdmin):
    """A read-only admin of rows that concern subjects: masked everywhere."""

    actions = None

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            return None
        self.object_opened(request, obj)
        return self.mask(obj)

    def object_opened(self, request: HttpRequest, obj: Any) -> None:
        """Called with the row as stored, before it is masked for its change page."""


class PersonDataInline(LookOnly, _Masking, admin.TabularInline):
    """Rows under a masked row: masked with its persons' data and their own."""

    extra = 0

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset: Any = super().get_formset(request, obj, **kwargs)
        inline = self
        parent = getattr(obj, _SECRETS_ATTR, None)

        class MaskedFormSet(formset):
            def get_queryset(self) -> Any:
                # Unbound, the formset and the admin take the rows (and each inline's
                # `original`) from here; the admin's inlines are never bound (look only).
                if not hasattr(self, "_masked_rows"):
                    self._masked_rows = [inline.mask(row, parent) for row in super().get_queryset()]
                return self._masked_rows

        return MaskedFormSet
