"""`{% publicity_window record %}`: the staff panel on a record's workspace page — the
window, why and when publicity ended, and the history of window events."""

from __future__ import annotations

from typing import Any

from django import template

from xinyong.core.models import Event

from ..models import PublicityWindow
from ..selectors import public_status

register = template.Library()


@register.inclusion_tag("publicity/_staff_window.html")
def publicity_window(record: Any) -> dict[str, Any]:
    window = (
        PublicityWindow.objects.select_related("policy", "shared_explanation")
        .filter(record_id=record.pk)
        .first()
    )
    history = Event.objects.filter(
        target_type="records.CreditRecord",
        target_id=str(record.pk),
        action__startswith="publicity.",
    ).order_by("-id")[:20]
    return {
        "window": window,
        "status": public_status(record) if window else "未计算公示期限（不公示）",
        "history": history,
    }
