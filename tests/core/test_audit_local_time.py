"""Times inside an event's changes are written in Shanghai time, like the 时间 column of
the event log, and the hash chain covers them as written."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client
from django.utils import timezone

from xinyong.core.audit import record_event, verify_chains
from xinyong.core.models import Event
from xinyong.orgs.models import Role, User

pytestmark = pytest.mark.django_db

# 2026-12-01 01:30 in Asia/Shanghai.
AFTER_LOCAL_MIDNIGHT = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)


def test_aware_datetimes_are_stored_in_local_time_and_the_chain_verifies(monkeypatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: AFTER_LOCAL_MIDNIGHT)
    # An event written before the change kept UTC text; it still verifies beside new ones.
    before = record_event(
        actor=None,
        action="test.revoke",
        target_type="thing",
        target_id=1,
        new={"revoked_at": "2026-11-30T17:30:00+00:00"},
    )
    event = record_event(
        actor=None,
        action="test.revoke",
        target_type="thing",
        target_id=2,
        old={"revoked_at": None},
        new={
            "revoked_at": timezone.now(),
            "naive": datetime(2026, 11, 30, 9, 0),
            "day": date(2026, 12, 1),
        },
    )
    stored = Event.objects.get(pk=event.pk)
    assert stored.new_values == {
        "revoked_at": "2026-12-01T01:30:00+08:00",
        "naive": "2026-11-30T09:00:00",
        "day": "2026-12-01",
    }
    assert Event.objects.get(pk=before.pk).new_values == {"revoked_at": "2026-11-30T17:30:00+00:00"}
    assert verify_chains() == []
    Event.objects.filter(pk=event.pk).update(
        new_values={**stored.new_values, "revoked_at": "2026-11-30T17:30:00+00:00"}
    )
    assert [p.entry_id for p in verify_chains()] == [event.pk]


def test_event_log_page_shows_the_local_time(monkeypatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: AFTER_LOCAL_MIDNIGHT)
    admin = User.objects.create_user(
        username="xyb", password="Xinyong@Test2026", role=Role.CREDIT_ADMIN, is_staff=True
    )
    record_event(
        actor=admin,
        action="test.revoke",
        target_type="thing",
        target_id=1,
        new={"revoked_at": timezone.now()},
    )
    client = Client()
    client.force_login(admin)
    html = client.get("/workspace/events/?action=test.revoke").content.decode()
    assert "2026-12-01T01:30:00+08:00" in html
    assert "2026-11-30T17:30" not in html
