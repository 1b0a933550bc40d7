"""The base of the workspace's plain Django forms: control characters are refused in
Chinese (`core.inputs.refuse_control_characters`) before Django's own NUL check answers in
English, and before `strip` silently drops a vertical tab; text is stripped afterwards."""

from __future__ import annotations

from typing import Any

from django import forms

from .errors import DomainError
from .inputs import refuse_control_characters


class TextForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.strip = False
                field.validators = [
                    v
                    for v in field.validators
                    if type(v).__name__ != "ProhibitNullCharactersValidator"
                ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, field in self.fields.items():
            value = data.get(name)
            if isinstance(field, forms.CharField) and isinstance(value, str):
                try:
                    text = refuse_control_characters(value, str(field.label)).strip()
                except DomainError as exc:
                    self.add_error(name, exc.message)
                    data.pop(name, None)
                    continue
                if field.required and not text:
                    # Blank after stripping is empty, as Django's own stripping would make it.
                    self.add_error(name, field.error_messages["required"])
                    data.pop(name, None)
                else:
                    data[name] = text
        return data
