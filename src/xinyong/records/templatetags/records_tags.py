"""Template helpers of the credit record store for the staff pages that show withdrawals
(the unit's quality page lists them and counts the keying-error voids apart)."""

from __future__ import annotations

from typing import Any

from django import template

from xinyong.records import selectors

register = template.Library()


@register.simple_tag
def void_count(unit: Any, year: Any) -> int:
    """{% void_count unit year as n %}: the unit's 录入错误作废 in that year, counted in
    the database (the page lists at most 200 withdrawals)."""
    try:
        return selectors.void_count(unit, int(year))
    except (TypeError, ValueError):
        return 0
