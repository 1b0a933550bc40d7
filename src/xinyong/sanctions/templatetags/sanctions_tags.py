"""`{% subject_public_lists subject_id %}`: the published list entries in force on a
subject's public page (sanctions.public_lists), so that the portal says what the credit
report's chapter 四 says; publicity's templates need no import of sanctions."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from ..lists import public_entries_of
from ..public_lists import present_entry

register = template.Library()


@register.inclusion_tag("sanctions/includes/subject_public_lists.html")
def subject_public_lists(subject_id: Any) -> dict[str, Any]:
    try:
        pk = int(subject_id)
    except (TypeError, ValueError):
        return {"entries": []}
    return {"entries": [present_entry(e) for e in public_entries_of(pk, timezone.localdate())]}
