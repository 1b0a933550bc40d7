"""The person query never puts the ID number or the name in a URL (个人信息保护法 art. 51:
security measures for personal information). A URL is kept in nginx's access log (six
months, docs/deploy.md §5), in the browser's history on the service hall's PCs and in
the Referer of the next request; a form's POST body is in none of them.

Portal: POST with CSRF, then redirect to the person's page addressed by the signed
token; the old GET form answers with the empty form. API: POST with a JSON body; GET
with the person's parameters is a 400 pointing at POST."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

from tests.security.openapi_contract import contract_problems, find_operation, openapi_document
from xinyong.core.models import ReadLog

from .helpers import PERSON_ID, api_query_person, person_penalty, query_person

pytestmark = pytest.mark.django_db

NAME = "李四"
MASKED_ID = "110105********002X"
SECRETS = (PERSON_ID, PERSON_ID.lower(), NAME, quote(NAME))


def _reads_of(subject_id: int) -> int:
    return ReadLog.objects.filter(subject_id=str(subject_id)).count()


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


# ---------------------------------------------------------------- portal


def test_portal_query_redirects_to_the_token_page_without_id_or_name() -> None:
    record = person_penalty(71, decided="2026-03-10")
    client = Client()
    reads = _reads_of(record.subject_id)

    response = query_person(client, PERSON_ID.lower(), NAME)

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"/credit/subject/{record.subject_id}/?t=")
    _assert_no_secret(location)
    # The query itself is a read of the person, logged before anything is shown.
    assert _reads_of(record.subject_id) == reads + 1
    entry = ReadLog.objects.filter(subject_id=str(record.subject_id)).first()
    assert entry is not None
    assert entry.purpose == "信用信息公开查询"
    assert entry.subject_repr.startswith("李*") and PERSON_ID not in entry.subject_repr

    page = client.get(location)
    body = page.content.decode()
    assert page.status_code == 200
    assert "李*" in body and MASKED_ID in body and record.document_number in body
    _assert_no_secret(body)
    assert _reads_of(record.subject_id) == reads + 2


def test_the_followed_redirect_shows_the_masked_result() -> None:
    record = person_penalty(72, decided="2026-03-10")
    response = query_person(Client(), PERSON_ID, NAME, follow=True)
    ((url, status),) = response.redirect_chain
    assert status == 302
    _assert_no_secret(url)
    body = response.content.decode()
    assert "李*" in body and MASKED_ID in body and record.document_number in body
    _assert_no_secret(body)


def test_portal_query_via_get_shows_no_result_and_does_not_echo() -> None:
    person_penalty(73, decided="2026-03-10")
    client = Client()
    reads = ReadLog.objects.count()
    for params in (
        {"id_number": PERSON_ID, "name": NAME},
        {"id_number": PERSON_ID},
        {"name": NAME},
    ):
        response = client.get("/credit/", params)
        body = response.content.decode()
        assert response.status_code == 200
        assert "自然人查询须通过本页的查询表单提交" in body, params
        assert "自然人查询结果" not in body and "/credit/subject/" not in body
        assert MASKED_ID not in body and "李*" not in body
        _assert_no_secret(body)
        # The form is empty: nothing of the URL is put back into it.
        assert re.search(r'id="id_number"[^>]*value="[^"]', body) is None
        assert re.search(r'id="name"[^>]*value="[^"]', body) is None
    assert ReadLog.objects.count() == reads


def test_portal_form_is_a_post_with_csrf_token() -> None:
    body = Client().get("/credit/").content.decode()
    form = re.search(r'<form[^>]*id="person-form"[^>]*>(.*?)</form>', body, re.S)
    assert form is not None
    assert 'method="post"' in form.group(0)
    assert 'name="csrfmiddlewaretoken"' in form.group(1)


def test_portal_validation_error_rerenders_the_form_with_what_was_typed() -> None:
    person_penalty(74, decided="2026-03-10")
    client = Client()

    missing = client.post("/credit/", {"id_number": PERSON_ID, "name": ""})
    body = missing.content.decode()
    assert missing.status_code == 200
    assert "查询自然人须同时填写完整的身份证号码和姓名。" in body
    assert f'value="{PERSON_ID}"' in body
    # The page holds what was typed: no cache may keep it.
    assert "no-store" in missing["Cache-Control"]

    only_name = client.post("/credit/", {"id_number": "", "name": NAME}).content.decode()
    assert "须同时填写" in only_name and f'value="{NAME}"' in only_name

    wrong = client.post("/credit/", {"id_number": PERSON_ID, "name": "李五"})
    wrong_body = wrong.content.decode()
    assert wrong.status_code == 200
    assert "未找到与所填身份证号码和姓名相符的自然人信用信息" in wrong_body
    assert f'value="{PERSON_ID}"' in wrong_body and 'value="李五"' in wrong_body
    assert "no-store" in wrong["Cache-Control"]

    too_long = client.post("/credit/", {"id_number": "1" * 41, "name": NAME}).content.decode()
    assert "身份证号码或姓名过长" in too_long


def test_portal_form_enforces_csrf() -> None:
    record = person_penalty(75, decided="2026-03-10")
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/credit/", {"id_number": PERSON_ID, "name": NAME})
    assert refused.status_code == 403
    assert "CSRF" in refused.content.decode() or "刷新" in refused.content.decode()

    form = client.get("/credit/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    accepted = client.post(
        "/credit/",
        {"csrfmiddlewaretoken": token.group(1), "id_number": PERSON_ID, "name": NAME},
    )
    assert accepted.status_code == 302
    assert accepted["Location"].startswith(f"/credit/subject/{record.subject_id}/?t=")


def test_portal_person_query_is_throttled_like_the_search(settings) -> None:
    person_penalty(76, decided="2026-03-10")
    settings.PUBLICITY_PORTAL_RATE = "2/min"
    client = Client()
    codes = [query_person(client, PERSON_ID, NAME).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


# ---------------------------------------------------------------- API


def test_api_post_query_answers_the_masked_person_with_a_token() -> None:
    record = person_penalty(77, decided="2026-03-10")
    client = Client()
    reads = _reads_of(record.subject_id)

    response = api_query_person(client, PERSON_ID, NAME)

    assert response.status_code == 200
    (person,) = response.json()["results"]
    assert person["name"] == "李*" and person["identifier"] == MASKED_ID
    _assert_no_secret(response.content.decode())
    assert _reads_of(record.subject_id) == reads + 1
    detail = client.get(f"/api/v1/public/subjects/{record.subject_id}", {"t": person["token"]})
    assert [r["id"] for r in detail.json()["records"]] == [record.pk]

    assert api_query_person(client, PERSON_ID, "李五").json() == {"results": []}
    assert _reads_of(record.subject_id) == reads + 2  # the detail read, not the miss


def test_api_post_query_refuses_incomplete_input_in_chinese() -> None:
    client = Client()
    missing = client.post(
        "/api/v1/public/subjects", {"id_number": PERSON_ID}, content_type="application/json"
    )
    assert missing.status_code == 400
    assert missing.json()["code"] == "invalid"
    assert "姓名" in missing.json()["detail"]
    too_long = api_query_person(client, "1" * 41, NAME)
    assert too_long.status_code == 400 and "证件号码（身份证或护照等）" in too_long.json()["detail"]


def test_api_get_with_person_parameters_is_refused_and_points_at_post() -> None:
    person_penalty(78, decided="2026-03-10")
    client = Client()
    reads = ReadLog.objects.count()
    for params in ({"id_number": PERSON_ID, "name": NAME}, {"name": NAME, "q": "某某商贸"}):
        response = client.get("/api/v1/public/subjects", params)
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "person_query_requires_post"
        assert "POST" in body["detail"] and "自然人" in body["detail"]
        _assert_no_secret(response.content.decode())
    assert ReadLog.objects.count() == reads


def test_api_post_query_is_throttled(settings) -> None:
    person_penalty(79, decided="2026-03-10")
    settings.PUBLICITY_API_RATE = "2/min"
    client = Client()
    codes = [api_query_person(client, PERSON_ID, NAME).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_api_person_query_is_documented_as_a_post() -> None:
    person_penalty(80, decided="2026-03-10")
    document = openapi_document()
    _template, post = find_operation(document, "post", "/api/v1/public/subjects")
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    body = document["components"]["schemas"][name]
    assert set(body["properties"]) == {"id_type", "id_number", "name"}
    assert set(body["required"]) == {"id_number", "name"}
    _template, get = find_operation(document, "get", "/api/v1/public/subjects")
    assert {p["name"] for p in get.get("parameters", [])} == {"q"}
    assert "POST" in get["description"]

    client = Client()
    for method, response in (
        ("post", api_query_person(client, PERSON_ID, NAME)),
        ("post", api_query_person(client, PERSON_ID, "")),
        ("get", client.get("/api/v1/public/subjects", {"id_number": PERSON_ID, "name": NAME})),
    ):
        problems = contract_problems(document, method, "/api/v1/public/subjects", response)
        assert not problems, problems
