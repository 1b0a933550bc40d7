"""The demo installation names fields and objects in Chinese wherever people read them:
the 操作日志's change tables, the configuration admin's field labels and object names
(ARCHITECTURE.md: every page is in Chinese)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.contrib.admin.utils import label_for_field

from xinyong.core import event_labels

pytestmark = pytest.mark.django_db

# A bare technical name (held_on, firm_count, Lead reviewed by).
ASCII_NAME = re.compile(r"[A-Za-z_ ]+")


def _demo_payload_keys() -> dict[tuple[str, str], str]:
    """Every (target type, key) of the demo's events' old/new values, with an action
    that wrote it."""
    from xinyong.core.models import Event

    keys: dict[tuple[str, str], str] = {}
    for target_type, action, old, new in Event.objects.values_list(
        "target_type", "action", "old_values", "new_values"
    ).iterator():
        for values in (old, new):
            if isinstance(values, dict):
                for key in values:
                    keys.setdefault((target_type, str(key)), action)
    return keys


def test_every_key_of_the_demos_events_has_a_chinese_label(actors: Any) -> None:
    keys = _demo_payload_keys()
    assert len(keys) > 100, "the demo writes events with values"
    unnamed = sorted(
        f"{target_type} {key} ({action})"
        for (target_type, key), action in keys.items()
        if ASCII_NAME.fullmatch(event_labels.field_label(key, target_type))
    )
    assert unnamed == [], "add these keys to core/event_labels.FIELD_LABELS"


def test_field_label_prefers_the_target_models_field() -> None:
    # A field of the target model: its verbose_name, also under its column name.
    assert event_labels.field_label("held_on", "ledger.Activity") == "日期"
    assert event_labels.field_label("held_on", "finance.MatchmakingEvent") == "举办日期"
    assert event_labels.field_label("unit_id", "ledger.Activity") == "单位"
    # Not a field of the target (or no model at all): the shared dictionary.
    assert event_labels.field_label("acks_collected", "exchange.OutboundMessage") == "收到回执数"
    assert event_labels.field_label("firm_count", "ledger.Activity") == "firm_count"
    assert event_labels.field_label("years", "calendar_year") == "年度"
    # Unknown: the key itself, never a blank cell.
    assert event_labels.field_label("zz_new_key", "ledger.Activity") == "zz_new_key"
    assert event_labels.field_label("title", "") == "标题"


def test_event_log_field_names_are_chinese(actors: Any) -> None:
    from xinyong.core.models import Event

    client = actors.client("credit_admin")
    pages = Event.objects.count() // 50 + 1
    for page in range(1, pages + 1):
        body = client.get("/workspace/events/", {"page": page}).content.decode()
        changes = re.findall(r'<table class="changes">(.*?)</table>', body, re.S)
        fields = [m for table in changes for m in re.findall(r"<tr[^>]*><td>([^<]*)</td>", table)]
        bare = [f for f in fields if f != "值" and ASCII_NAME.fullmatch(f.strip())]
        assert bare == [], (page, bare)


def test_admin_field_labels_are_chinese(actors: Any) -> None:
    from xinyong.ledger.models import ProgressReport

    english = [
        f"{model._meta.label}.{f.name}"
        for model in apps.get_models()
        if model.__module__.startswith("xinyong")
        for f in model._meta.get_fields()
        if getattr(f, "concrete", False)
        and not f.auto_created
        and ASCII_NAME.fullmatch(str(f.verbose_name))
    ]
    assert english == [], english

    report = ProgressReport.objects.order_by("pk").first()
    assert report is not None
    body = (
        actors.client("credit_admin")
        .get(f"/admin/ledger/progressreport/{report.pk}/change/")
        .content.decode()
    )
    assert "Lead reviewed by" not in body and "Office reviewed by" not in body
    assert "牵头单位审核人" in body


def test_admin_list_columns_are_chinese(actors: Any) -> None:
    english = [
        f"{model._meta.label}.{name}"
        for model, model_admin in django_admin.site._registry.items()
        if model.__module__.startswith("xinyong")
        for name in model_admin.list_display
        # "ID" is how Chinese admin pages name the row number too.
        if (label := str(label_for_field(name, model, model_admin))) != "ID"
        and ASCII_NAME.fullmatch(label)
    ]
    assert english == [], english
    body = actors.client("credit_admin").get("/admin/ledger/row/").content.decode()
    assert "Short title" not in body and "事项摘要" in body


# A status or kind code left raw in an object's name (`4 →listed`, `32 #1 sent`).
RAW_WORD = re.compile(r"(?<![A-Za-z0-9_./@-])([a-z][a-z_]{2,})(?![A-Za-z0-9_./@-])")


def test_object_names_are_chinese(actors: Any) -> None:
    """What the admin's lists, change pages and history, and the events' descriptions,
    show as each object's name."""
    from xinyong.orgs.models import ApiToken, User

    # Account names are the one technical word an object's name may carry.
    usernames = set(User.objects.values_list("username", flat=True))
    raw: list[str] = []
    for model in apps.get_models():
        if not model.__module__.startswith("xinyong") or model in (User, ApiToken):
            continue
        for obj in model._default_manager.order_by("pk")[:30]:
            text = str(obj)
            words = {w for w in RAW_WORD.findall(text) if w not in usernames}
            if "None" in text or words:
                raw.append(f"{model._meta.label}: {text}")
    assert raw == [], raw


def test_object_names_of_the_reviewers_examples(actors: Any) -> None:
    from xinyong.exchange.models import DeliveryAttempt
    from xinyong.publicity.models import PublicityWindow
    from xinyong.sanctions.models import CheckMeasure, ListEntryChange

    change = ListEntryChange.objects.filter(from_status="", to_status="listed").first()
    assert change is not None
    assert str(change) == f"名单条目 {change.entry_id} {change.on} 列入"
    measure = CheckMeasure.objects.filter(action="pending").first()
    assert measure is not None
    assert str(measure).endswith("：待反馈"), str(measure)
    attempt = DeliveryAttempt.objects.filter(outcome="acknowledged").first()
    assert attempt is not None
    assert str(attempt) == f"报文 {attempt.message_id} 第 {attempt.number} 次发送：已确认"
    window = PublicityWindow.objects.filter(is_published=True, ends_on=None).first()
    assert window is not None and window.starts_on is not None
    assert str(window) == f"记录 {window.record_id} 公示 {window.starts_on} 起持续公示"
