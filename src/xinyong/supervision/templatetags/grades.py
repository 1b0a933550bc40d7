"""Template tags for other apps' pages: `{% load grades %}`.

- `{% grade_letter subject %}`: the stored grade letter (staff pages only — never the
  score details), or "未评价".
- `{% public_grade_letter subject %}`: the same for the portal, empty unless the credit
  office enabled public grades (settings.XINYONG_PUBLIC_GRADES, default off).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from ..models import SubjectGrade

register = template.Library()


def _letter(subject: Any) -> str:
    pk = getattr(subject, "merged_into_id", None) or getattr(subject, "pk", subject)
    grade = SubjectGrade.objects.filter(subject_id=pk).values_list("grade", flat=True).first()
    return grade or ""


@register.simple_tag
def grade_letter(subject: Any) -> str:
    return _letter(subject) or "未评价"


@register.simple_tag
def public_grade_letter(subject: Any) -> str:
    if not getattr(settings, "XINYONG_PUBLIC_GRADES", False):
        return ""
    return _letter(subject)
