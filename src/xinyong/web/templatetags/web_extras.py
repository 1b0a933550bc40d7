from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import template

from xinyong.core import event_labels

register = template.Library()


@dataclass(frozen=True)
class ChangeRow:
    field: str
    old: str
    new: str
    changed: bool


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value or "（空）"
    return json.dumps(value, ensure_ascii=False)


@register.simple_tag
def change_rows(old: Any, new: Any, target_type: str = "") -> list[ChangeRow]:
    """An event's old and new values side by side, one row per field, named in Chinese
    after the target's model (event_labels.field_label). Values that are not objects (a
    list, a number) show as one row named "值"."""
    if old is None and new is None:
        return []
    if isinstance(old, dict | None) and isinstance(new, dict | None):
        before, after = old or {}, new or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [
            ChangeRow(
                event_labels.field_label(k, target_type),
                _show(before.get(k)) if old is not None else "—",
                _show(after.get(k)) if new is not None else "—",
                before.get(k) != after.get(k),
            )
            for k in keys
        ]
    return [ChangeRow("值", _show(old), _show(new), old != new)]


CHANNELS = {"web": "网页", "api": "接口", "system": "系统", "cli": "命令行"}


@register.filter
def channel_label(value: str) -> str:
    return CHANNELS.get(value, value)


@register.filter
def action_label(value: Any) -> str:
    """An event's action code as a Chinese phrase (`{{ event.action|action_label }}`)."""
    return event_labels.action_label(value)


@register.filter
def target_type_label(value: Any) -> str:
    return event_labels.target_type_label(value)


@register.filter
def event_target(event: Any) -> str:
    """An event's object as people read it (`{{ event|event_target }}`): "报送批次 20",
    not the technical "collection.Batch 20"."""
    return event_labels.target_text(
        getattr(event, "target_type", ""),
        getattr(event, "target_id", ""),
        getattr(event, "target_repr", ""),
    )


@register.simple_tag
def page_url(querystring: str, number: int) -> str:
    return f"?{querystring}&page={number}" if querystring else f"?page={number}"


@register.filter
def zh_duration(value: Any) -> str:
    """A timedelta in Chinese words: 30 分钟, 1 小时 30 分钟."""
    try:
        minutes = max(int(value.total_seconds() // 60), 0)
    except AttributeError:
        return ""
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} 小时" if hours else "", f"{minutes} 分钟" if minutes else ""]
    return " ".join(p for p in parts if p) or "不到 1 分钟"
