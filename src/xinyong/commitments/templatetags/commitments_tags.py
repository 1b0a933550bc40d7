"""`{% subject_commitments subject_id %}`: a subject's commitments and their fulfilment
in its credit file. Public pages get only 可向社会公开 commitments, masked."""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import commitments_for_subject, present_public

register = template.Library()


@register.inclusion_tag("commitments/includes/subject_commitments.html")
def subject_commitments(subject_id: Any, public_only: bool = True) -> dict[str, Any]:
    try:
        pk = int(subject_id)
    except (TypeError, ValueError):
        return {"items": []}
    items = [present_public(c) for c in commitments_for_subject(pk, public_only=public_only)]
    return {"items": items}
