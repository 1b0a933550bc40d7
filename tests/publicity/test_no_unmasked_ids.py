"""Privacy scan: no 18-digit ID number and no 11-digit mobile number appears in clear in
any public page, public API response or public export, with data that contain natural
persons with real-format ID numbers (DOMAIN.md §2)."""

from __future__ import annotations

import contextlib
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import NoReverseMatch, reverse

from .helpers import ORG_USCC, api_query_person, penalty, person_penalty, query_person

pytestmark = pytest.mark.django_db

ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(body17: str) -> str:
    """A real-format ID number (GB 11643-1999 check character)."""
    return (
        body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, WEIGHTS, strict=True)) % 11]
    )


PEOPLE = [(resident_id("41050219850612301"), "王小明"), (resident_id("41050519920101202"), "赵丽")]
LEGAL_REP_ID = resident_id("41050319700315401")


def assert_clean(where: str, body: str) -> None:
    ids = ID18.findall(body)
    phones = MOBILE.findall(body)
    assert not ids, f"{where}: unmasked ID number {ids}"
    assert not phones, f"{where}: unmasked mobile number {phones}"
    for number, _ in PEOPLE:
        assert number not in body
    assert LEGAL_REP_ID not in body


@pytest.fixture
def data():
    people = [
        person_penalty(40 + i, decided="2026-03-10", id_number=number, name=name)
        for i, (number, name) in enumerate(PEOPLE)
    ]
    org = penalty(
        50,
        decided="2026-03-10",
        CF_FR_ZJLX="身份证",
        CF_FR_ZJHM=LEGAL_REP_ID,
        CF_SY=f"经查，法定代表人（身份证号{LEGAL_REP_ID}，电话13912345678）组织生产。",
    )
    return people, org


def test_no_unmasked_identifiers_in_public_output(data, settings) -> None:
    settings.PUBLICITY_PORTAL_RATE = "10000/min"
    settings.PUBLICITY_API_RATE = "10000/min"
    cache.clear()
    people, org = data
    client = Client()
    pages: list[str] = ["/", "/credit/", f"/credit/?q={ORG_USCC}", "/credit/?q=某某商贸"]
    pages += [f"/credit/subject/{org.subject_id}/", f"/credit/subject/{org.subject_id}/export.csv"]
    pages += [f"/credit/record/{org.pk}/"]
    api = [f"/api/v1/public/subjects?q={ORG_USCC}", f"/api/v1/public/subjects/{org.subject_id}"]
    # A person's pages, including the rights forms on their records, need the token.
    tokens: dict[int, str] = {org.pk: ""}
    for record, (number, name) in zip(people, PEOPLE, strict=True):
        found = query_person(client, number, name)
        assert found.status_code == 302
        assert_clean("person search", found["Location"])
        query = found["Location"].split("?", 1)[1]
        tokens[record.pk] = f"?{query}"
        pages += [
            f"/credit/subject/{record.subject_id}/?{query}",
            f"/credit/subject/{record.subject_id}/export.csv?{query}",
            f"/credit/record/{record.pk}/?{query}",
        ]
        res = api_query_person(client, number, name)
        assert_clean("person api search", res.content.decode())
        token = res.json()["results"][0]["token"]
        api.append(f"/api/v1/public/subjects/{record.subject_id}?t={token}")
    for name in ("rights:objection-public-new", "rights:repair-public-new"):
        for record in [*people, org]:
            with contextlib.suppress(NoReverseMatch):
                pages.append(reverse(name, args=[record.pk]) + tokens[record.pk])
    for name in ("rights:objection-status", "rights:repair-status"):
        with contextlib.suppress(NoReverseMatch):
            pages.append(reverse(name))
    seen_person_record = 0
    for url in pages + api:
        response = client.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        body = response.content.decode("utf-8-sig")
        assert_clean(url, body)
        if "110105" in body or "410502********" in body or "410505********" in body:
            seen_person_record += 1
    # The scan really saw persons' (masked) identifiers, so it would have seen clear ones.
    assert seen_person_record >= 4
