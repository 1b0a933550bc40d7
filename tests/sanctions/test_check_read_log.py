"""One 联合奖惩 check of a person is one read of their data: finding the person on the
check form and running the check write exactly one read-log entry, whichever way the
person was found (ID number, or chosen by platform id from a name search), as the API and
the CLI already did."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from xinyong.core.models import ReadLog
from xinyong.orgs.models import Role
from xinyong.sanctions.models import Check
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject

from .governance_helpers import admin, entry, make_user, unit

pytestmark = pytest.mark.django_db

ID_NUMBER = "410503196805120318"
PURPOSE = "联合奖惩核查：政府采购"


@pytest.fixture
def person() -> Subject:
    subject, _created, _conflict = get_or_create_subject(
        actor=None, identifier=ID_NUMBER, name="张建国"
    )
    entry(subject, "SX_BZXR", effective_from=date(2026, 1, 5))
    return subject


def _logs(person: Subject, since: int) -> list[tuple[Any, str]]:
    return list(
        ReadLog.objects.filter(pk__gt=since, subject_id=str(person.pk))
        .order_by("id")
        .values_list("reader__username", "purpose")
    )


def _last_id() -> int:
    return ReadLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_checking_a_person_by_id_number_on_the_form_is_one_read(person) -> None:
    fin = make_user("rl_fin", Role.REPORTER, "区财政局")
    client = Client()
    client.force_login(fin)
    since = _last_id()
    response = client.post(
        "/workspace/sanctions/checks/new/",
        {"unit": str(unit("区财政局").pk), "matter": "PROCUREMENT", "subject": ID_NUMBER},
    )
    assert response.status_code == 302
    assert Check.objects.filter(subject=person).count() == 1
    assert _logs(person, since) == [("rl_fin", PURPOSE)]


def test_checking_a_person_chosen_from_the_candidates_is_one_read(person) -> None:
    get_or_create_subject(actor=None, identifier="410503199001010010", name="张建国")
    office = admin()
    client = Client()
    client.force_login(office)
    form = {"unit": str(unit("区发改委").pk), "matter": "PROCUREMENT"}
    # The credit office may search persons by name: both namesakes are listed, each a read.
    listed = client.post("/workspace/sanctions/checks/new/", {**form, "subject": "张建国"})
    assert listed.status_code == 200
    assert "找到多个信用主体" in listed.content.decode()
    since = _last_id()
    chosen = client.post("/workspace/sanctions/checks/new/", {**form, "subject_id": str(person.pk)})
    assert chosen.status_code == 302
    assert _logs(person, since) == [("gov_admin", PURPOSE)]
    assert ReadLog.objects.filter(pk__gt=since).count() == 1


def test_the_api_and_the_cli_write_one_read_per_check(person) -> None:
    fin = make_user("rl_fin", Role.REPORTER, "区财政局")
    api = APIClient()
    api.force_authenticate(fin)
    since = _last_id()
    response = api.get("/api/v1/checks", {"subject": ID_NUMBER, "matter": "PROCUREMENT"})
    assert response.status_code == 200, response.content
    assert _logs(person, since) == [("rl_fin", PURPOSE)]
    since = _last_id()
    call_command("sanctions", "check", ID_NUMBER, "--matter", "PROCUREMENT", "--unit", "区财政局")
    assert [p for _r, p in _logs(person, since)] == [PURPOSE]
