"""A 联合奖惩 check of a natural person keyed by another document (护照:E12345678): the
service, the form, the API and `xinyong sanctions check` find the holder by the bare
number in any case or full width (`subjects.selectors.find_by_identifier`), with one
read-log entry per lookup; a number held under two document types, or one that is also
a platform id, must be typed with its type. USCC, ID number and platform id as before."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.models import ReadLog
from xinyong.orgs.models import Role
from xinyong.sanctions import checks
from xinyong.sanctions.models import Check
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject

from ..publicity.helpers import person_penalty
from .governance_helpers import company, entry, make_user, unit

pytestmark = pytest.mark.django_db

PASSPORT = "E12345678"
ID_NUMBER = "410503196805120318"
PURPOSE = "联合奖惩核查：政府采购"
TAIWAN_PERMIT = "台湾居民来往大陆通行证"


def holder(n: int = 1, *, number: str = PASSPORT, document_type: str = "护照") -> Subject:
    record = person_penalty(
        n, decided="2026-03-02", id_number=number, name="约翰·史密斯", CF_XDR_ZJLX=document_type
    )
    subject = record.subject
    entry(subject, "SX_BZXR", effective_from=date(2026, 3, 9))
    return subject


def _last_id() -> int:
    return ReadLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _reads(since: int) -> list[tuple[str, str]]:
    return list(
        ReadLog.objects.filter(pk__gt=since).order_by("id").values_list("subject_id", "purpose")
    )


@pytest.mark.parametrize(
    "typed", [PASSPORT, "e12345678", "ｅ１２３４５６７８", " E1234 5678 ", "护照：e12345678"]
)
def test_find_subject_takes_the_bare_number_and_logs_one_read(typed: str) -> None:
    person = holder()
    since = _last_id()
    assert checks.find_subject(typed, reader=None, purpose=PURPOSE) == person
    assert _reads(since) == [(str(person.pk), PURPOSE)]


def test_the_same_number_under_two_document_types_asks_for_the_type() -> None:
    holder(1)
    permit = holder(2, document_type="港澳居民来往内地通行证")
    since = _last_id()
    with pytest.raises(DomainError, match="证件类型:号码") as caught:
        checks.find_subject("e12345678", reader=None, purpose=PURPOSE)
    assert caught.value.code == "document_type_ambiguous"
    assert _reads(since) == []  # nobody was shown
    typed = "港澳居民来往内地通行证：e12345678"
    assert checks.find_subject(typed, reader=None, purpose=PURPOSE) == permit
    assert _reads(since) == [(str(permit.pk), PURPOSE)]


def test_an_all_digit_permit_number_is_not_taken_for_a_platform_id() -> None:
    person = holder(1, number="87654321", document_type=TAIWAN_PERMIT)
    assert checks.find_subject("87654321", reader=None, purpose=PURPOSE) == person
    with pytest.raises(NotFoundError):
        checks.find_subject("87654320", reader=None, purpose=PURPOSE)


def test_a_permit_number_that_is_also_a_platform_id_must_be_told_apart() -> None:
    firm = company("MA00000A", "安阳市北关区失信建材有限公司")
    number = f"{firm.pk:08d}"
    person = holder(2, number=number, document_type=TAIWAN_PERMIT)
    since = _last_id()
    with pytest.raises(DomainError, match="既是平台主体编号"):
        checks.find_subject(number, reader=None, purpose=PURPOSE)
    assert _reads(since) == []
    typed = f"{TAIWAN_PERMIT}:{number}"
    assert checks.find_subject(typed, reader=None, purpose=PURPOSE) == person
    assert checks.find_subject(str(firm.pk), reader=None, purpose=PURPOSE) == firm


def test_uscc_id_number_and_platform_id_are_found_as_before() -> None:
    firm = company("MA00000A", "安阳市北关区失信建材有限公司")
    person, _c, _x = get_or_create_subject(actor=None, identifier=ID_NUMBER, name="张建国")
    find = checks.find_subject
    assert find(firm.identifier.lower(), reader=None, purpose=PURPOSE) == firm
    assert find(str(firm.pk), reader=None, purpose=PURPOSE) == firm
    since = _last_id()
    assert find(ID_NUMBER.lower(), reader=None, purpose=PURPOSE) == person
    assert _reads(since) == [(str(person.pk), PURPOSE)]
    with pytest.raises(NotFoundError, match="请核对代码"):
        find("91410503MA00000000", reader=None, purpose=PURPOSE)
    with pytest.raises(DomainError, match="统一社会信用代码、身份证号码或其他证件号码"):
        find("  ", reader=None, purpose=PURPOSE)


def test_the_form_checks_a_passport_holder_by_the_bare_number() -> None:
    person = holder()
    fin = make_user("oc_fin", Role.REPORTER, "区财政局")
    client = Client()
    client.force_login(fin)
    form = client.get("/workspace/sanctions/checks/new/").content.decode()
    assert "统一社会信用代码、身份证号码、其他证件号码或名称" in form
    since = _last_id()
    response = client.post(
        "/workspace/sanctions/checks/new/",
        {
            "unit": str(unit("区财政局").pk),
            "matter": "PROCUREMENT",
            "subject": "ｅ１２３４５６７８",
        },
    )
    assert response.status_code == 302, response.content.decode()
    check = Check.objects.get(subject=person)
    assert check.hit is True
    assert _reads(since) == [(str(person.pk), PURPOSE)]


def test_the_form_lists_both_holders_of_a_number_under_two_types() -> None:
    holder(1)
    holder(2, document_type="港澳居民来往内地通行证")
    office = make_user("oc_admin", Role.CREDIT_ADMIN, "区发改委")
    client = Client()
    client.force_login(office)
    response = client.post(
        "/workspace/sanctions/checks/new/",
        {"unit": str(unit("区财政局").pk), "matter": "PROCUREMENT", "subject": "e12345678"},
    )
    assert response.status_code == 200
    assert "找到多个信用主体" in response.content.decode()
    assert not Check.objects.exists()


def _api(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_api_and_the_cli_take_the_bare_number() -> None:
    person = holder()
    api = _api(make_user("oc_fin", Role.REPORTER, "区财政局"))
    since = _last_id()
    response = api.get("/api/v1/checks", {"subject": "e12345678", "matter": "PROCUREMENT"})
    assert response.status_code == 200, response.content
    assert response.json()["subject"]["id"] == person.pk
    assert _reads(since) == [(str(person.pk), PURPOSE)]
    since = _last_id()
    posted = api.post(
        "/api/v1/checks", {"subject": "ｅ１２３４５６７８", "matter": "PROCUREMENT"}, format="json"
    )
    assert posted.status_code == 201, posted.content
    assert _reads(since) == [(str(person.pk), PURPOSE)]
    since = _last_id()
    call_command("sanctions", "check", "e12345678", "--matter", "PROCUREMENT", "--unit", "区财政局")
    assert _reads(since) == [(str(person.pk), PURPOSE)]
    assert Check.objects.filter(subject=person).count() == 3


def test_the_api_and_the_cli_refuse_a_number_under_two_types_in_chinese() -> None:
    holder(1)
    holder(2, document_type="港澳居民来往内地通行证")
    api = _api(make_user("oc_fin", Role.REPORTER, "区财政局"))
    response = api.get("/api/v1/checks", {"subject": "e12345678", "matter": "PROCUREMENT"})
    assert response.status_code == 400
    assert "证件类型:号码" in response.json()["detail"]
    with pytest.raises(CommandError, match="证件类型:号码"):
        call_command(
            "sanctions",
            "check",
            "ｅ１２３４５６７８",
            "--matter",
            "PROCUREMENT",
            "--unit",
            "区财政局",
        )
    assert not Check.objects.exists()
