"""Dishonesty events: register → assign (working-day deadline) → handle → publish (masked),
overdue flags, scope, and the public list that never shows an unpublished event."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.sanctions import events
from xinyong.sanctions.models import DishonestyEvent

from .governance_helpers import admin, company, make_user, unit

pytestmark = pytest.mark.django_db

ID_NUMBER = "410503198805120036"
PHONE = "13912345678"


def _register(office, **extra) -> DishonestyEvent:
    values = {
        "title": "某餐饮公司拒不履行法院判决",
        "source": "信用中国（河南安阳）舆情监测",
        "description": f"群众反映，联系人 {PHONE}",
        "detected_on": date(2026, 9, 25),
    }
    values.update(extra)
    return events.register_event(actor=office, **values)


def test_event_workflow_with_default_deadline_and_masked_publication() -> None:
    office = admin()
    subject = company("MA48KP5A", "安阳市洹水餐饮管理有限公司")
    event = _register(office, subject=subject)
    assert event.status == DishonestyEvent.Status.REGISTERED
    assigned = events.assign_event(
        actor=office, event=event, unit=unit("区市场监管局"), on=date(2026, 9, 28)
    )
    # Default 5 working days after 2026-09-28: the holiday week is skipped and the
    # Saturday make-up day 2026-10-10 counts.
    assert events.handling_workdays() == 5
    assert assigned.due_on == date(2026, 10, 10)
    staff = make_user("scj_rev", Role.REVIEWER, "区市场监管局")
    other = make_user("rsj_rev", Role.REVIEWER, "区人社局")
    assert list(events.events_for(staff)) == [event]
    assert events.events_for(other).count() == 0
    with pytest.raises(NotPermitted):
        events.record_handling(actor=other, event=event, handling="已约谈", on=date(2026, 10, 9))
    assert list(events.all_events(overdue=True, on=date(2026, 10, 10))) == []
    assert list(events.all_events(overdue=True, on=date(2026, 10, 12))) == [event]
    handled = events.record_handling(
        actor=staff,
        event=event,
        handling=f"已约谈法定代表人（身份证 {ID_NUMBER}，电话 {PHONE}），督促履行。",
        on=date(2026, 10, 12),
    )
    assert handled.status == DishonestyEvent.Status.HANDLED
    assert list(events.all_events(overdue=True, on=date(2026, 10, 20))) == []
    # Nothing is public before publication.
    assert events.published_events().count() == 0
    with pytest.raises(NotPermitted):
        events.publish_event(actor=staff, event=event, public_text="x", on=date(2026, 10, 13))
    published = events.publish_event(
        actor=office,
        event=event,
        public_text=f"已约谈法定代表人（身份证 {ID_NUMBER}，电话 {PHONE}），已督促履行。",
        on=date(2026, 10, 13),
    )
    assert ID_NUMBER not in published.public_text
    assert PHONE not in published.public_text
    assert "410503********0036" in published.public_text
    assert "139****5678" in published.public_text
    assert [e.pk for e in events.published_events()] == [event.pk]
    view = events.public_view(published)
    assert view["subject"] == "安阳市洹水餐饮管理有限公司"
    assert view["unit"] == "区市场监管局"
    assert view["published_on"] == "2026-10-13"
    actions = list(
        Event.objects.filter(target_type="sanctions.DishonestyEvent", target_id=str(event.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "sanctions.event_registered",
        "sanctions.event_assigned",
        "sanctions.event_handled",
        "sanctions.event_published",
    ]


def test_event_refusals(settings) -> None:
    office = admin()
    with pytest.raises(DomainError, match="事件情况"):
        _register(office, description="  ")
    with pytest.raises(DomainError, match="晚于今天"):
        _register(office, detected_on=date(2099, 1, 1))
    reporter = make_user("scj_rep", Role.REPORTER, "区市场监管局")
    with pytest.raises(NotPermitted):
        _register(reporter)
    event = _register(office)
    with pytest.raises(DomainError, match="已交办"):
        events.record_handling(actor=office, event=event, handling="x", on=date(2026, 9, 26))
    with pytest.raises(DomainError, match="已处置"):
        events.publish_event(actor=office, event=event, public_text="x", on=date(2026, 9, 26))
    with pytest.raises(DomainError, match="早于发现日期"):
        events.assign_event(actor=office, event=event, unit=unit("区法院"), on=date(2026, 9, 1))
    settings.XINYONG_EVENT_HANDLING_WORKDAYS = 3
    assigned = events.assign_event(
        actor=office, event=event, unit=unit("区法院"), on=date(2026, 10, 12)
    )
    assert assigned.due_on == date(2026, 10, 15)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_public_page_shows_only_published_and_masked_text() -> None:
    office = admin()
    person = company("MA9F0T6W", "安阳市北关区安顺运输有限公司")
    shown = _register(office, title=f"运输公司拖欠运费（举报人电话 {PHONE}）", subject=person)
    hidden = _register(office, title="尚未公布的事件甲")
    for event in (shown, hidden):
        events.assign_event(actor=office, event=event, unit=unit("区法院"), on=date(2026, 9, 28))
        events.record_handling(actor=office, event=event, handling="已处置", on=date(2026, 10, 9))
    events.publish_event(
        actor=office,
        event=shown,
        public_text=f"已责令改正，当事人身份证 {ID_NUMBER}。",
        on=date(2026, 10, 12),
    )
    response = Client().get("/credit/events/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "运输公司拖欠运费" in html
    assert "尚未公布的事件甲" not in html
    assert ID_NUMBER not in html and PHONE not in html
    assert "410503********0036" in html
    api = Client().get("/api/v1/public/dishonesty-events")
    assert api.status_code == 200
    rows = api.json()["results"]
    assert [row["title"] for row in rows] == ["运输公司拖欠运费（举报人电话 139****5678）"]
    assert PHONE not in json.dumps(rows, ensure_ascii=False)


def test_event_pages_and_api_through_the_workflow() -> None:
    office = admin()
    client = _client(office)
    response = client.post(
        "/workspace/sanctions/events/new/",
        {
            "title": "某建筑公司欠薪",
            "source": "12345 热线",
            "description": "工人反映欠薪三个月",
            "detected_on": "2026-09-25",
            "subject_code": "",
        },
    )
    assert response.status_code == 302
    event = DishonestyEvent.objects.get(title="某建筑公司欠薪")
    scj = unit("区人社局")
    response = client.post(
        f"/workspace/sanctions/events/{event.pk}/assign/", {"unit": scj.pk, "due_on": "2026-12-10"}
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.due_on == date(2026, 12, 10) and event.assigned_unit == scj
    staff = make_user("rsj_rev", Role.REVIEWER, "区人社局")
    staff_client = _client(staff)
    page = staff_client.get(f"/workspace/sanctions/events/{event.pk}/")
    assert page.status_code == 200 and "登记处置情况" in page.content.decode()
    # Bad input gets a message, never a 500.
    bad = staff_client.post(
        f"/workspace/sanctions/events/{event.pk}/handle/", {"on": "2026-13-45", "handling": "x"}
    )
    assert bad.status_code == 302
    api = staff_client.post(
        f"/api/v1/governance/events/{event.pk}/handling",
        {"on": "2026-10-09", "handling": "已督促企业支付工资"},
        content_type="application/json",
    )
    assert api.status_code == 200, api.content
    assert api.json()["status"] == "handled"
    other = _client(make_user("scj_rev", Role.REVIEWER, "区市场监管局"))
    assert other.get(f"/workspace/sanctions/events/{event.pk}/").status_code == 404
    assert other.get(f"/api/v1/governance/events/{event.pk}").status_code == 404
    refused = staff_client.post(
        f"/api/v1/governance/events/{event.pk}/publish",
        {"public_text": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    published = client.post(
        f"/api/v1/governance/events/{event.pk}/publish",
        {"public_text": "已督促企业支付拖欠工资"},
        content_type="application/json",
    )
    assert published.status_code == 200 and published.json()["status"] == "published"
    invalid = client.post(
        "/api/v1/governance/events",
        {"title": "x", "source": "y", "description": "z", "detected_on": "昨天"},
        content_type="application/json",
    )
    assert invalid.status_code == 400
    assert "YYYY-MM-DD" in invalid.json()["detail"]


def test_cli_lists_overdue_events_as_json() -> None:
    office = admin()
    late = _register(office, title="逾期事件", detected_on=date(2026, 5, 20))
    events.assign_event(actor=office, event=late, unit=unit("区法院"), on=date(2026, 6, 1))
    on_time = _register(office, title="按期事件", detected_on=date(2026, 5, 20))
    events.assign_event(
        actor=office,
        event=on_time,
        unit=unit("区法院"),
        on=date(2026, 6, 1),
        due_on=date(2026, 12, 31),
    )
    out = StringIO()
    call_command("governance", "events", "--overdue", "--on", "2026-06-10", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [row["title"] for row in rows] == ["逾期事件"]
    assert rows[0]["due_on"] == "2026-06-08"
    assert rows[0]["overdue"] is True
    text = StringIO()
    call_command("governance", "events", "--on", "2026-06-10", stdout=text)
    assert "逾期事件" in text.getvalue() and "（逾期）" in text.getvalue()
    assert "按期事件" in text.getvalue()
