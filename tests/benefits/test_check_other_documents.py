"""信易+ check of a natural person keyed by another document (护照:E12345678): the service,
the workspace page, the API and `xinyong benefits check` find the holder by the bare
number in any case or full width (`subjects.selectors.find_by_identifier`); a number held
under two document types is refused in Chinese (400 / the page's error), nothing
recorded. USCC and ID number as before."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from tests.finance.helpers import firm, make_user, person
from xinyong.benefits import services
from xinyong.benefits.models import ScenarioUse
from xinyong.core.errors import DomainError
from xinyong.core.models import ReadLog
from xinyong.orgs.models import Role
from xinyong.subjects.models import Subject

from ..publicity.helpers import person_penalty

pytestmark = pytest.mark.django_db

ON = date(2026, 10, 9)
PASSPORT = "E12345678"
LABEL = "统一社会信用代码、身份证号码或其他证件号码"


def holder(n: int = 1, *, document_type: str = "护照") -> Subject:
    record = person_penalty(
        n, decided="2026-03-02", id_number=PASSPORT, name="约翰·史密斯", CF_XDR_ZJLX=document_type
    )
    return record.subject


@pytest.fixture
def reporter():
    return make_user("oc_zjj", Role.REPORTER, "区住建局")


@pytest.mark.parametrize(
    "typed", [PASSPORT, "e12345678", "ｅ１２３４５６７８", " E1234 5678 ", "护照：e12345678"]
)
def test_the_service_finds_a_passport_holder_by_the_bare_number(reporter, typed) -> None:
    subject = holder()
    result = services.check(actor=reporter, subject_code=typed, on=ON)
    assert result.subject == subject
    uses = ScenarioUse.objects.all()
    assert uses.count() > 0 and {u.subject_id for u in uses} == {subject.pk}
    assert {u.queried_code for u in uses} == {subject.display_identifier}
    assert ReadLog.objects.filter(subject_id=str(subject.pk)).count() == 1


def test_a_number_under_two_document_types_is_refused_in_chinese(reporter) -> None:
    holder(1)
    permit = holder(2, document_type="港澳居民来往内地通行证")
    with pytest.raises(DomainError, match="证件类型:号码") as caught:
        services.check(actor=reporter, subject_code="e12345678", on=ON)
    assert caught.value.code == "document_type_ambiguous"
    assert not ScenarioUse.objects.exists() and not ReadLog.objects.exists()
    typed = "港澳居民来往内地通行证:E12345678"
    assert services.check(actor=reporter, subject_code=typed, on=ON).subject == permit


def test_uscc_and_id_number_as_before(reporter) -> None:
    company = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    resident = person("李秀英", date(1975, 11, 3), 42)
    assert services.check(actor=reporter, subject_code=company.identifier.lower()).subject == (
        company
    )
    assert services.check(actor=reporter, subject_code=resident.identifier).subject == resident
    unknown = services.check(actor=reporter, subject_code="91410503MA9ZZZZZ1X", on=ON)
    assert unknown.subject is None and unknown.eligible_for == []
    with pytest.raises(DomainError, match=LABEL):
        services.check(actor=reporter, subject_code="  ")


def test_the_page_takes_the_bare_number_and_shows_the_ambiguity(client, reporter) -> None:
    subject = holder(1)
    client.force_login(reporter)
    form = client.get(reverse("benefits:check")).content.decode()
    assert LABEL in form
    page = client.post(reverse("benefits:check"), {"subject": "ｅ１２３４５６７８", "scenario": ""})
    assert page.status_code == 200
    assert ScenarioUse.objects.filter(subject=subject).exists()
    assert 'id="check-result"' in page.content.decode()
    holder(2, document_type="港澳居民来往内地通行证")
    used = ScenarioUse.objects.count()
    page = client.post(reverse("benefits:check"), {"subject": "e12345678", "scenario": ""})
    assert page.status_code == 200
    assert "证件类型:号码" in page.content.decode()
    assert ScenarioUse.objects.count() == used


def test_the_api_and_the_cli_take_the_bare_number(reporter) -> None:
    subject = holder(1)
    api = APIClient()
    api.force_authenticate(reporter)
    r = api.post("/api/v1/benefits/check/", {"subject": "ｅ１２３４５６７８"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["subject"]["code"] == subject.display_identifier
    assert {u.subject_id for u in ScenarioUse.objects.filter(channel="api")} == {subject.pk}
    missing = api.post("/api/v1/benefits/check/", {}, format="json")
    assert missing.status_code == 400 and LABEL in missing.json()["detail"]
    out = io.StringIO()
    call_command("benefits", "check", "--subject", "e12345678", "--json", stdout=out)
    assert json.loads(out.getvalue())["subject"]["code"] == subject.display_identifier
    assert {u.subject_id for u in ScenarioUse.objects.filter(channel="cli")} == {subject.pk}
    holder(2, document_type="港澳居民来往内地通行证")
    r = api.post("/api/v1/benefits/check/", {"subject": PASSPORT}, format="json")
    assert r.status_code == 400 and "证件类型:号码" in r.json()["detail"]
    with pytest.raises(CommandError, match="证件类型:号码"):
        call_command("benefits", "check", "--subject", "e12345678")
