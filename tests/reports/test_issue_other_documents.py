"""Staff issuing a credit report of a natural person keyed by another document
(护照:E12345678): the staff form, the API and `xinyong reports issue --subject` take the
bare number as the holder has it, as the public paths do; a number held under two
document types, or one that is also a platform id, must be typed with its type."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from xinyong.core.errors import DomainError, NotFoundError
from xinyong.orgs.models import Role
from xinyong.reports import services
from xinyong.reports.models import Report

from ..publicity.helpers import person_penalty
from .helpers import ORG_USCC, PERSON_ID, org_with_penalty, person_with_penalty, user

pytestmark = pytest.mark.django_db

PASSPORT = "E12345678"
HOLDER = "约翰·史密斯"
TAIWAN_PERMIT = "台湾居民来往大陆通行证"


def holder(n: int = 1, *, number: str = PASSPORT, document_type: str = "护照") -> int:
    record = person_penalty(
        n, decided="2026-03-02", id_number=number, name=HOLDER, CF_XDR_ZJLX=document_type
    )
    return record.subject_id


@pytest.mark.parametrize(
    "typed", [PASSPORT, "e12345678", "ｅ１２３４５６７８", " E1234 5678 ", "护照:E12345678"]
)
def test_staff_find_a_passport_holder_by_the_bare_number(typed: str) -> None:
    subject_id = holder()
    assert services.find_subject(typed).pk == subject_id


def test_a_number_held_under_two_document_types_asks_for_the_type() -> None:
    holder(1)
    permit = holder(2, document_type="港澳居民来往内地通行证")
    with pytest.raises(DomainError, match="证件类型:号码") as caught:
        services.find_subject(PASSPORT)
    assert "护照:E12345678" in caught.value.message
    assert services.find_subject("港澳居民来往内地通行证：e12345678").pk == permit


def test_an_all_digit_permit_number_is_not_taken_for_a_platform_id() -> None:
    subject_id = holder(1, number="87654321", document_type=TAIWAN_PERMIT)
    assert services.find_subject("87654321").pk == subject_id
    # Nobody holds it: the platform-id message as before.
    with pytest.raises(NotFoundError, match="没有编号为 87654320 的信用主体"):
        services.find_subject("87654320")


def test_a_permit_number_that_is_also_a_platform_id_must_be_told_apart() -> None:
    org = org_with_penalty(1)
    number = f"{org.pk:08d}"
    subject_id = holder(2, number=number, document_type=TAIWAN_PERMIT)
    with pytest.raises(DomainError, match="既是平台主体编号"):
        services.find_subject(number)
    assert services.find_subject(f"{TAIWAN_PERMIT}:{number}").pk == subject_id
    assert services.find_subject(ORG_USCC).pk == org.pk
    # An id passed as an integer is an id: the platform's own callers are not asked.
    assert services.find_subject(org.pk).pk == org.pk


def test_uscc_id_number_and_platform_id_are_found_as_before() -> None:
    org = org_with_penalty(1)
    person = person_with_penalty(2)
    assert services.find_subject(ORG_USCC.lower()).pk == org.pk
    assert services.find_subject(PERSON_ID.lower()).pk == person.pk
    assert services.find_subject(str(org.pk)).pk == org.pk
    with pytest.raises(NotFoundError, match="请核对代码"):
        services.find_subject("91410503MA00000000")
    with pytest.raises(
        DomainError, match="请输入信用主体的统一社会信用代码、身份证号码或其他证件号码"
    ):
        services.find_subject("  ")


def test_the_staff_form_issues_a_report_of_a_passport_holder() -> None:
    subject_id = holder()
    clerk = user("rsj", Role.REPORTER, "区人社局")
    c = Client()
    c.force_login(clerk)
    form = c.get("/workspace/reports/new/").content.decode()
    assert "统一社会信用代码、身份证号码或其他证件号码" in form
    response = c.post(
        "/workspace/reports/new/", {"subject": "e12345678", "purpose": "employment", "matter": ""}
    )
    assert response.status_code == 302, response.content.decode()
    assert Report.objects.get().subject_id == subject_id


def test_the_api_and_the_cli_take_the_bare_number(tmp_path) -> None:
    subject_id = holder()
    api = APIClient()
    api.force_authenticate(user("rsj", Role.REPORTER, "区人社局"))
    created = api.post(
        "/api/v1/reports/",
        {"subject": "ｅ１２３４５６７８", "purpose": "employment"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    holder(2, document_type="港澳居民来往内地通行证")
    refused = api.post(
        "/api/v1/reports/", {"subject": PASSPORT, "purpose": "employment"}, format="json"
    )
    assert refused.status_code == 400 and "证件类型:号码" in refused.json()["detail"]
    out = tmp_path / "r.pdf"
    call_command(
        "reports", "issue", "--subject", "护照:E12345678", "--purpose", "self_query",
        "--out", str(out),
    )  # fmt: skip
    assert {r.subject_id for r in Report.objects.all()} == {subject_id}
    with pytest.raises(CommandError, match="证件类型:号码"):
        call_command(
            "reports", "issue", "--subject", PASSPORT, "--purpose", "self_query", "--out", str(out)
        )
