"""`{% subject_public_lists subject_id %}`: the published list entries in force on a
subject's public page (sanctions.public_lists), so that the portal says what the credit
report's chapter 四 says; publicity's templates need no import of sanctions.

`{{ change.to_status|entry_status_label }}`: a list entry status code (ListEntryChange
stores them without choices) as its ListEntry.Status label."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from ..lists import public_entries_of
from ..models import ListEntry
from ..public_lists import present_entry

register = template.Library()


@register.inclusion_tag("sanctions/includes/subject_public_lists.html")
def subject_public_lists(subject_id: Any) -> dict[str, Any]:
    try:
        pk = int(subject_id)
    except (TypeError, ValueError):
        return {"entries": []}
    return {"entries": [present_entry(e) for e in public_entries_of(pk, timezone.localdate())]}


@register.filter
def entry_status_label(value: Any) -> str:
    """A status code as its label ("listed" → "列入"); an empty value (the first change
    has no former status) stays empty, an unknown one is shown as stored."""
    text = str(value or "")
    if text in ListEntry.Status.values:
        return str(ListEntry.Status(text).label)
    return text
