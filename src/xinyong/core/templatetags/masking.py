"""Template filters for public output: `{% load masking %}{{ person.id_number|mask_id }}`.

Thin wrappers over xinyong.core.masking, so that templates and serializers mask alike."""

from __future__ import annotations

from typing import Any

from django import template

from xinyong.core import masking

register = template.Library()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@register.filter
def mask_id(value: Any) -> str:
    return masking.mask_id_number(_text(value))


@register.filter
def mask_phone(value: Any) -> str:
    return masking.mask_phone(_text(value))


@register.filter
def mask_name(value: Any) -> str:
    return masking.mask_name(_text(value))


@register.filter
def mask_text(value: Any) -> str:
    return masking.mask_text(_text(value))
