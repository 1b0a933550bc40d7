"""信易+ check by an outside provider (a bank): the answer says only whether the subject
may enjoy each benefit; the grade, list entries and penalties behind it stay with the
platform's staff (信用等级仅供本平台工作人员查看). The check is recorded in full as before."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.finance.helpers import (
    BANK,
    admin,
    bank_user,
    firm,
    list_entry,
    make_user,
    person,
    set_grade,
)
from xinyong.benefits import services
from xinyong.benefits.models import ScenarioUse
from xinyong.core.errors import NotFoundError
from xinyong.core.models import Event, ReadLog
from xinyong.finance.services import record_staff_authorisation
from xinyong.orgs.models import Role

pytestmark = pytest.mark.django_db
ON = date(2026, 10, 9)


@pytest.fixture
def world():
    credit = admin()
    d_firm = firm("MA44UC2R", "安阳市北关区欠薪建筑工程有限公司", grade="D")
    list_entry(d_firm, "SX_BZXR", date(2026, 9, 1), actor=credit)
    someone = person("张建国", date(1968, 5, 12), 31)
    set_grade(someone, "A")
    a_firm = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    bank = bank_user()
    # A bank checks only firms it may see (bank_may_see): both have authorised it.
    today = timezone.localdate()
    for subject in (d_firm, a_firm):
        record_staff_authorisation(
            actor=credit,
            subject=subject,
            bank=BANK,
            scope="financing",
            valid_from=today,
            valid_until=today + timedelta(days=180),
            document=ContentFile(b"%PDF-1.4 signed", name="shouquan.pdf"),
        )
    return {
        "credit": credit,
        "reporter": make_user("rep_zjj", Role.REPORTER, "区住建局"),
        "bank": bank,
        "d": d_firm,
        "a": a_firm,
        "person": someone,
    }


def _text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


def test_bank_learns_only_yes_or_no_per_scenario(world):
    d = world["d"]
    result = services.check(actor=world["bank"], subject_code=d.identifier, on=ON)
    data = result.as_dict()
    assert data["reasons_shown"] is False
    assert [r["eligible"] for r in data["results"]] == [False] * 7
    assert all(r["reasons"] == [] for r in data["results"])
    assert all(a.reasons == [] for a in result.answers)
    text = _text(data)
    assert "信用等级" not in text and "失信被执行人" not in text and "名单" not in text
    # The same subject, checked by the credit office: the reasons are there.
    staff = services.check(actor=world["credit"], subject_code=d.identifier, on=ON).as_dict()
    assert staff["reasons_shown"] is True
    assert [r["eligible"] for r in staff["results"]] == [r["eligible"] for r in data["results"]]
    assert "信用等级为 D" in _text(staff)


def test_bank_check_is_still_recorded_in_full(world):
    d = world["d"]
    services.check(actor=world["bank"], subject_code=d.identifier, on=ON)
    uses = list(ScenarioUse.objects.filter(subject=d).order_by("id"))
    assert len(uses) == 7 and not any(u.eligible for u in uses)
    assert uses[0].actor == world["bank"] and uses[0].channel == "workspace"
    assert "信用等级为 D" in _text(uses[0].reasons)
    assert Event.objects.filter(action="benefits.check").count() == 1


def test_bank_check_of_a_person_is_not_found(world):
    # Never a natural person to a bank (bank_may_see); nothing of the person is read.
    p = world["person"]
    with pytest.raises(NotFoundError):
        services.check(actor=world["bank"], subject_code=p.identifier, on=ON)
    assert not ReadLog.objects.filter(subject_id=str(p.pk)).exists()


def test_staff_of_a_unit_keep_the_reasons(world):
    # Unit staff read grades and lists in the workspace anyway (supervision READ_ROLES).
    data = services.check(
        actor=world["reporter"], subject_code=world["d"].identifier, on=ON
    ).as_dict()
    assert data["reasons_shown"] is True and "信用等级为 D" in _text(data)


def test_bank_page_shows_eligibility_without_reasons(client, world):
    client.force_login(world["bank"])
    page = client.post(
        reverse("benefits:check"), {"subject": world["d"].identifier, "scenario": ""}
    ).content.decode()
    assert '信易批：<span class="tag">不可享受</span>' in page
    assert "信用等级" not in page and "失信被执行人" not in page
    assert "具体原因仅供本平台工作人员查看" in page
    page = client.post(
        reverse("benefits:check"), {"subject": world["a"].identifier, "scenario": "XYP"}
    ).content.decode()
    assert '信易批：<span class="tag">可享受</span>' in page and "信用等级" not in page
    client.force_login(world["credit"])
    page = client.post(
        reverse("benefits:check"), {"subject": world["d"].identifier, "scenario": "XYP"}
    ).content.decode()
    assert "信用等级为 D" in page and "具体原因仅供本平台工作人员查看" not in page


def test_bank_api_check_hides_reasons(world):
    api = APIClient()
    api.force_authenticate(world["bank"])
    r = api.post("/api/v1/benefits/check/", {"subject": world["d"].identifier}, format="json")
    assert r.status_code == 200
    body = r.json()
    assert body["reasons_shown"] is False and body["eligible_for"] == []
    assert all(a["reasons"] == [] for a in body["results"])
    assert "信用等级" not in r.content.decode()
    api.force_authenticate(world["credit"])
    r = api.post(
        "/api/v1/benefits/check/",
        {"subject": world["d"].identifier, "scenario": "XYP"},
        format="json",
    )
    assert r.json()["reasons_shown"] is True and "信用等级为 D" in r.content.decode()
