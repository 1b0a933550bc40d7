"""A 失信事件's texts as staff see them: the governance API (`api:governance-event`, the
list), the workspace pages, the CLI and the event log's object column show the title and
texts masked as the portal does (events.masked_text → core.masking.mask_text): no ID or
mobile number, and the involved person's name by its first character. None of these is a
logged read of the person's data (DOMAIN.md §2, §6); the stored event stays as entered."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.sanctions import events
from xinyong.sanctions.models import DishonestyEvent
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject

from .governance_helpers import admin, make_user, unit

pytestmark = pytest.mark.django_db

ID_NUMBER = "410503196805120318"
MASKED_ID = "410503********0318"
PHONE = "13812345678"
TITLE = f"张建国（{ID_NUMBER}）拒不履行"


@pytest.fixture
def person() -> Subject:
    subject, _created, _conflict = get_or_create_subject(
        actor=None, identifier=ID_NUMBER, name="张建国"
    )
    return subject


def _event(office: Any, subject: Subject | None) -> DishonestyEvent:
    event = events.register_event(
        actor=office,
        title=TITLE,
        source=f"12345 热线（来电 {PHONE}）",
        description=f"群众反映张建国（{ID_NUMBER}，电话 {PHONE}）拒不履行判决。",
        detected_on=date(2026, 9, 25),
        subject=subject,
    )
    events.assign_event(actor=office, event=event, unit=unit("区法院"), on=date(2026, 9, 28))
    events.record_handling(
        actor=office, event=event, handling=f"已约谈张建国（{PHONE}）", on=date(2026, 10, 9)
    )
    return event


def _outputs(office: Any, court: Any, event: DishonestyEvent) -> dict[str, str]:
    api = APIClient()
    api.force_authenticate(office)
    detail = api.get(reverse("api:governance-event", args=[event.pk]))
    listed = api.get(reverse("api:governance-events"))
    assert detail.status_code == 200 and listed.status_code == 200
    office_pages = Client()
    office_pages.force_login(office)
    court_pages = Client()
    court_pages.force_login(court)
    cli = StringIO()
    call_command("governance", "events", "--json", stdout=cli)
    out = {
        "api detail": json.dumps(detail.json(), ensure_ascii=False),
        "api list": json.dumps(listed.json(), ensure_ascii=False),
        "cli": cli.getvalue(),
        "event log": office_pages.get("/workspace/events/").content.decode(),
    }
    for who, client in (("office", office_pages), ("court", court_pages)):
        for page in ("/workspace/sanctions/events/", f"/workspace/sanctions/events/{event.pk}/"):
            response = client.get(page)
            assert response.status_code == 200
            out[f"{who} {page}"] = response.content.decode()
    return out


def test_staff_outputs_mask_a_persons_id_phone_and_name(person) -> None:
    office = admin()
    court = make_user("ev_court", Role.REVIEWER, "区法院")
    event = _event(office, person)
    outputs = _outputs(office, court, event)
    for where, text in outputs.items():
        assert ID_NUMBER not in text, where
        assert PHONE not in text, where
        assert "张建国" not in text, where
    api = APIClient()
    api.force_authenticate(office)
    data = api.get(reverse("api:governance-event", args=[event.pk])).json()
    assert data["title"] == f"张**（{MASKED_ID}）拒不履行"
    assert data["description"] == f"群众反映张**（{MASKED_ID}，电话 138****5678）拒不履行判决。"
    assert data["handling"] == "已约谈张**（138****5678）"
    assert data["source"] == "12345 热线（来电 138****5678）"
    assert (
        f"张**（{MASKED_ID}）拒不履行" in outputs[f"office /workspace/sanctions/events/{event.pk}/"]
    )
    # The event log's object column names the event masked, and it is stored so.
    stored = Event.objects.filter(action="sanctions.event_registered").get()
    assert stored.target_repr == f"张**（{MASKED_ID}）拒不履行"
    # What is stored is as entered: the credit office's record of the event.
    event.refresh_from_db()
    assert event.title == TITLE


def test_an_event_without_a_linked_person_still_hides_the_numbers() -> None:
    office = admin()
    court = make_user("ev_court", Role.REVIEWER, "区法院")
    event = _event(office, None)
    for where, text in _outputs(office, court, event).items():
        assert ID_NUMBER not in text, where
        assert PHONE not in text, where
