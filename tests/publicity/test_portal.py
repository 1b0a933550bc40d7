from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from xinyong.core.models import ReadLog
from xinyong.rights.models import Objection

from .helpers import (
    ORG_USCC,
    PERSON_ID,
    api_query_person,
    penalty,
    person_penalty,
    query_person,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_search_by_name_and_code_links_to_subject_page() -> None:
    record = penalty(31, decided="2026-03-10")
    client = Client()
    for q in ("某某商贸", ORG_USCC.lower()):
        body = client.get("/credit/", {"q": q}).content.decode()
        assert "安阳市北关区某某商贸有限公司" in body
        assert f"/credit/subject/{record.subject_id}/" in body


def test_subject_page_groups_records_with_status_and_repair_date() -> None:
    record = penalty(32, decided="2026-03-10")
    body = Client().get(f"/credit/subject/{record.subject_id}/").content.decode()
    assert "行政处罚（1）" in body
    assert record.document_number in body
    assert "公示中" in body
    assert "2026-06-11" in body and "2027-03-10" in body


def test_open_objection_shows_in_plain_words() -> None:
    record = penalty(33, decided="2026-03-10")
    Objection.objects.create(
        record=record,
        subject=record.subject,
        channel="online",
        category="wrong",
        description="金额有误",
        applicant_name="张三",
        applicant_phone="13812345678",
        received_on="2026-04-01",
    )
    body = Client().get(f"/credit/record/{record.pk}/").content.decode()
    assert "异议处理中" in body


def test_unpublished_records_never_appear() -> None:
    warning = penalty(
        34,
        decided="2026-03-02",
        unit_name="区市场监管局",
        CF_CFLB="警告",
        CF_NR="警告",
        CF_NR_FK="",
    )
    client = Client()
    assert (
        warning.document_number
        not in client.get(f"/credit/subject/{warning.subject_id}/").content.decode()
    )
    assert client.get(f"/credit/record/{warning.pk}/").status_code == 404


def test_person_found_only_by_full_id_and_exact_name_and_masked() -> None:
    record = person_penalty(35, decided="2026-03-10")
    client = Client()
    by_name = client.get("/credit/", {"q": "李四"}).content.decode()
    assert "李*" not in by_name and "自然人查询结果" not in by_name
    assert client.get(f"/credit/subject/{record.subject_id}/").status_code == 404
    assert client.get(f"/credit/record/{record.pk}/").status_code == 404
    wrong = query_person(client, PERSON_ID, "李五").content.decode()
    assert "未找到" in wrong
    reads = ReadLog.objects.count()
    found = query_person(client, PERSON_ID.lower(), "李四")
    assert found.status_code == 302
    assert ReadLog.objects.count() == reads + 1
    page = client.get(found["Location"]).content.decode()
    assert "李*" in page and "110105********002X" in page
    assert record.document_number in page and PERSON_ID not in page
    incomplete = query_person(client, PERSON_ID, "")
    assert incomplete.status_code == 200
    assert "须同时填写" in incomplete.content.decode()


def test_portal_is_throttled_per_ip(settings) -> None:
    settings.PUBLICITY_PORTAL_RATE = "3/min"
    client = Client()
    codes = [client.get("/credit/", {"q": "某某"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/credit/")
    assert response.status_code == 429
    assert "查询过于频繁" in response.content.decode()
    assert response["Retry-After"] == "60"
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get("/credit/").status_code == 200


def test_public_api_search_detail_and_throttle(settings) -> None:
    record = penalty(36, decided="2026-03-10")
    client = Client()
    found = client.get("/api/v1/public/subjects", {"q": ORG_USCC}).json()["results"]
    assert [s["id"] for s in found] == [record.subject_id]
    detail = client.get(f"/api/v1/public/subjects/{record.subject_id}").json()
    (item,) = detail["records"]
    assert item["status"] == "公示中"
    assert (item["repair_from"], item["publicity_ends_on"]) == ("2026-06-11", "2027-03-10")
    bad = client.get("/api/v1/public/subjects", {"q": "x"})
    assert bad.status_code == 400 and "至少输入 2 个字符" in bad.json()["detail"]
    assert client.get("/api/v1/public/subjects/0").status_code == 404
    settings.PUBLICITY_API_RATE = "2/min"
    cache.clear()
    codes = [client.get("/api/v1/public/subjects", {"q": "某某"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_public_api_person_needs_id_and_name() -> None:
    record = person_penalty(37, decided="2026-03-10")
    client = Client()
    assert client.get("/api/v1/public/subjects", {"q": "李四"}).json()["results"] == []
    assert client.get(f"/api/v1/public/subjects/{record.subject_id}").status_code == 404
    (person,) = api_query_person(client, PERSON_ID, "李四").json()["results"]
    assert person["name"] == "李*" and person["identifier"] == "110105********002X"
    detail = client.get(
        f"/api/v1/public/subjects/{record.subject_id}", {"t": person["token"]}
    ).json()
    assert [r["id"] for r in detail["records"]] == [record.pk]
    assert PERSON_ID not in str(detail)
