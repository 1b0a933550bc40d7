"""Display helpers for the collection pages: percentages and their colour marks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from xinyong.collection.selectors import format_percent

register = template.Library()

# 100% is the target the seed sets for all three rates (DOMAIN.md §4); below 90% is
# marked red so that the worst units stand out in the overview.
GOOD = Decimal("100")
WARN = Decimal("90")


def rate_class(value: Decimal | None) -> str:
    if value is None:
        return "rate-none"
    if value >= GOOD:
        return "rate-good"
    if value >= WARN:
        return "rate-warn"
    return "rate-bad"


@register.filter
def rate(value: Any) -> SafeString:
    """`{{ row.timeliness|rate }}` → the percentage in a span coloured by its level."""
    number = value if isinstance(value, Decimal) or value is None else Decimal(str(value))
    return format_html('<span class="{}">{}</span>', rate_class(number), format_percent(number))
