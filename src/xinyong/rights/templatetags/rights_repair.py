"""`{% repair_box record %}`: a record's repair window and eligibility, for the public
subject and record pages (publicity's templates include it)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from xinyong.rights.repair import repair_eligibility

register = template.Library()


@register.inclusion_tag("rights/includes/repair_box.html")
def repair_box(record: Any) -> dict[str, Any]:
    return {"record": record, "box": {"verdict": repair_eligibility(record, timezone.localdate())}}
