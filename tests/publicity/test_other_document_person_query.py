"""A natural person keyed by another document (护照:E12345678, DOMAIN.md §1) finds their
own page with the bare document number and their exact name, as an ID-card holder does
with the ID number; the name+number pair stays the proof."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.security.openapi_contract import contract_problems, find_operation, openapi_document
from xinyong.core.models import ReadLog
from xinyong.records.models import CreditRecord

from .helpers import PERSON_ID, api_query_person, person_penalty, query_person

pytestmark = pytest.mark.django_db

PASSPORT = "E12345678"
HOLDER = "约翰·史密斯"
AMBIGUOUS = "请选择证件类型"


def passport_penalty(
    n: int, *, name: str = HOLDER, document_type: str = "护照", number: str = PASSPORT
) -> CreditRecord:
    return person_penalty(
        n, decided="2026-03-10", id_number=number, name=name, CF_XDR_ZJLX=document_type
    )


@pytest.mark.parametrize("typed", [PASSPORT, "e12345678", "ｅ１２３４５６７８", " E1234 5678 "])
def test_portal_finds_the_passport_holder_by_the_bare_number(typed: str) -> None:
    record = passport_penalty(81)
    assert record.subject.identifier == "护照:E12345678"
    client = Client()

    response = query_person(client, typed, HOLDER)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/credit/subject/{record.subject_id}/?t=")
    assert ReadLog.objects.filter(subject_id=str(record.subject_id)).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert record.document_number in page and PASSPORT not in page


def test_portal_accepts_the_number_with_its_document_type_chosen() -> None:
    record = passport_penalty(82)
    response = Client().post(
        "/credit/", {"id_type": "护照", "id_number": "ｅ１２３４５６７８", "name": HOLDER}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"/credit/subject/{record.subject_id}/?t=")
    # Under another document type the same number is another document: not found.
    other = Client().post(
        "/credit/", {"id_type": "台湾居民来往大陆通行证", "id_number": PASSPORT, "name": HOLDER}
    )
    assert other.status_code == 200
    assert "未找到与所填身份证号码和姓名相符的自然人信用信息" in other.content.decode()


def test_api_finds_the_passport_holder_by_the_bare_number() -> None:
    record = passport_penalty(83)
    for typed in (PASSPORT, "ｅ１２３４５６７８"):
        response = api_query_person(Client(), typed, HOLDER)
        assert response.status_code == 200
        ((found,),) = [response.json()["results"]]
        assert found["id"] == record.subject_id and found["token"]
        assert PASSPORT not in response.content.decode()
    chosen = Client().post(
        "/api/v1/public/subjects",
        {"id_type": "护照", "id_number": PASSPORT, "name": HOLDER},
        content_type="application/json",
    )
    assert [r["id"] for r in chosen.json()["results"]] == [record.subject_id]


def test_a_wrong_name_still_finds_nothing_and_logs_no_read() -> None:
    record = passport_penalty(84)
    page = query_person(Client(), PASSPORT, "约翰").content.decode()
    assert "未找到与所填身份证号码和姓名相符的自然人信用信息" in page
    assert api_query_person(Client(), PASSPORT, "约翰·史密").json() == {"results": []}
    assert not ReadLog.objects.filter(subject_id=str(record.subject_id)).exists()


def test_same_number_and_name_under_two_document_types_asks_for_the_type() -> None:
    passport = passport_penalty(85)
    permit = passport_penalty(86, document_type="港澳居民来往内地通行证")
    assert passport.subject_id != permit.subject_id

    page = query_person(Client(), PASSPORT, HOLDER)
    assert page.status_code == 200
    assert AMBIGUOUS in page.content.decode()
    api = api_query_person(Client(), PASSPORT, HOLDER)
    assert api.status_code == 400
    assert AMBIGUOUS in api.json()["detail"]
    assert not ReadLog.objects.exists()

    chosen = Client().post(
        "/credit/", {"id_type": "港澳居民来往内地通行证", "id_number": PASSPORT, "name": HOLDER}
    )
    assert chosen["Location"].startswith(f"/credit/subject/{permit.subject_id}/?t=")


def test_same_number_under_two_types_with_different_names_is_no_ambiguity() -> None:
    passport = passport_penalty(87)
    passport_penalty(88, name="陈大文", document_type="港澳居民来往内地通行证")
    response = query_person(Client(), PASSPORT, HOLDER)
    assert response["Location"].startswith(f"/credit/subject/{passport.subject_id}/?t=")


def test_an_id_card_holder_is_unaffected() -> None:
    record = person_penalty(89, decided="2026-03-10")
    response = query_person(Client(), PERSON_ID.lower(), "李四")
    assert response["Location"].startswith(f"/credit/subject/{record.subject_id}/?t=")
    chosen = Client().post(
        "/credit/", {"id_type": "居民身份证", "id_number": PERSON_ID, "name": "李四"}
    )
    assert chosen["Location"].startswith(f"/credit/subject/{record.subject_id}/?t=")
    assert "未找到" in query_person(Client(), PERSON_ID, "李五").content.decode()


def test_the_form_labels_the_number_for_every_document() -> None:
    body = Client().get("/credit/").content.decode()
    assert "证件号码（身份证或护照等）" in body
    assert '<option value="居民身份证" selected>' in body and '<option value="护照">' in body


def test_an_unknown_document_type_is_refused_in_chinese() -> None:
    page = Client().post("/credit/", {"id_type": "驾驶证", "id_number": PASSPORT, "name": HOLDER})
    assert page.status_code == 200 and "证件类型无效" in page.content.decode()
    api = Client().post(
        "/api/v1/public/subjects",
        {"id_type": "驾驶证", "id_number": PASSPORT, "name": HOLDER},
        content_type="application/json",
    )
    assert api.status_code == 400


def test_the_openapi_body_declares_the_optional_document_type() -> None:
    passport_penalty(90)
    passport_penalty(91, document_type="其他")
    document = openapi_document()
    _template, post = find_operation(document, "post", "/api/v1/public/subjects")
    name = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    body = document["components"]["schemas"][name]
    assert set(body["properties"]) == {"id_type", "id_number", "name"}
    assert set(body["required"]) == {"id_number", "name"}
    assert "居民身份证" in str(body["properties"]["id_type"])
    for typed in (PASSPORT, "护照:E12345678"):
        response = api_query_person(Client(), typed, HOLDER)
        problems = contract_problems(document, "post", "/api/v1/public/subjects", response)
        assert not problems, problems
