from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from xinyong.core.models import Event, ReadLog
from xinyong.subjects import services
from xinyong.subjects.demo import demo_resident_id, demo_uscc

pytestmark = pytest.mark.django_db

PERSON_ID = demo_resident_id(date(1968, 5, 12), 31)


def _client(role: str | None) -> APIClient:
    client = APIClient()
    if role:
        user = get_user_model().objects.create_user(username=f"u_{role}", password="x", role=role)
        client.force_authenticate(user)
    return client


@pytest.fixture
def subjects():
    company, _, _ = services.get_or_create_subject(
        actor=None, identifier=demo_uscc("91", "MA44T3K1"), name="安阳市北关区恒达商贸有限公司"
    )
    person, _, _ = services.get_or_create_subject(actor=None, identifier=PERSON_ID, name="张建国")
    return company, person


def test_search_masks_persons_for_staff_and_logs_the_read(subjects):
    _company, person = subjects
    # By the exact ID number: staff find no natural person by name
    # (test_api_least_privilege.py).
    response = _client("reporter").get(
        "/api/v1/subjects/", {"q": PERSON_ID, "purpose": "核查处罚对象"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "results": [
            {
                "id": person.pk,
                "kind": "person",
                "kind_label": "自然人",
                "name": "张建国",
                "identifier": PERSON_ID[:6] + "********" + PERSON_ID[-4:],
                "identifier_type": "resident_id",
                "is_government_body": False,
                "region_code": "",
                "merged_into": None,
            }
        ],
    }
    log = ReadLog.objects.get()
    assert (log.reader_label, log.channel, log.purpose, log.subject_id) == (
        "u_reporter（部门填报员）",
        "api",
        "核查处罚对象",
        str(person.pk),
    )
    assert PERSON_ID not in log.subject_repr


def test_credit_admin_sees_the_full_number(subjects):
    _company, person = subjects
    response = _client("credit_admin").get(f"/api/v1/subjects/{person.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["identifier"] == PERSON_ID
    assert body["identifiers"][0]["value"] == PERSON_ID
    assert body["survivor"] == person.pk
    assert ReadLog.objects.get().purpose == "接口查看信用主体详情"


def test_company_by_code_is_not_read_logged(subjects):
    company, _person = subjects
    response = _client("leader").get("/api/v1/subjects/", {"q": company.identifier.lower()})
    assert [r["id"] for r in response.json()["results"]] == [company.pk]
    assert response.json()["results"][0]["identifier"] == company.identifier
    detail = _client("reporter").get(f"/api/v1/subjects/{company.pk}/").json()
    assert detail["identifiers"] == [
        {
            "kind": "uscc",
            "kind_label": "统一社会信用代码",
            "value": company.identifier,
            "is_primary": True,
            "valid": True,
            "source": "",
        }
    ]
    assert not ReadLog.objects.exists()


def test_anonymous_and_bad_input(subjects):
    assert _client(None).get("/api/v1/subjects/", {"q": "恒达"}).status_code in {401, 403}
    assert _client(None).post(
        "/api/v1/identifiers/check", {"codes": ["x"]}, format="json"
    ).status_code in {
        401,
        403,
    }
    staff = _client("reporter")
    missing = staff.get("/api/v1/subjects/")
    assert missing.status_code == 400
    assert missing.json()["detail"] == "请输入统一社会信用代码、身份证号码或名称中的文字。"
    assert (
        staff.get("/api/v1/subjects/", {"q": "恒达", "limit": "abc"}).json()["detail"]
        == "limit 应为 1–200 的整数。"
    )
    assert staff.get("/api/v1/subjects/999999/").status_code == 404
    assert staff.get("/api/v1/subjects/99999999999999999999999/").status_code == 404


def test_identifier_check_endpoint():
    response = _client("reporter").post(
        "/api/v1/identifiers/check",
        {"codes": ["91512081MA62K0260E", "13830295-X", "91512081MA62K0260F", ""]},
        format="json",
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["kind"], r["valid"]) for r in results] == [
        ("uscc", True),
        ("org_code", True),
        ("uscc", False),
        ("unknown", False),
    ]
    assert results[0]["category_label"] == "企业"
    assert results[2]["reason"] == "校验位错误：第18位应为“E”，实为“F”"
    assert results[3]["reason"] == "为空：未提供代码"


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, "请求数据有误：待校验代码：该字段是必填项。"),
        ({"codes": []}, "请求数据有误：待校验代码：不能为空。"),
        ({"codes": "91512081MA62K0260E"}, "请求数据有误：待校验代码：应为代码列表。"),
        ({"codes": ["x"] * 1001}, "请求数据有误：待校验代码：一次最多校验 1000 个代码。"),
        ({"codes": ["x"], "hint": "passport"}, "请求数据有误：代码类型：只能是 uscc"),
    ],
)
def test_identifier_check_refusals(payload, detail):
    response = _client("reporter").post("/api/v1/identifiers/check", payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)


def test_merge_and_rename_need_the_credit_admin(subjects):
    company, _person = subjects
    dup, _, _ = services.get_or_create_subject(
        actor=None, identifier="320402000022814", name="恒达商贸"
    )
    refused = _client("reviewer").post(
        f"/api/v1/subjects/{company.pk}/merge/",
        {"absorb_id": dup.pk, "reason": "同一企业"},
        format="json",
    )
    assert refused.status_code == 403
    admin = _client("credit_admin")
    merged = admin.post(
        f"/api/v1/subjects/{company.pk}/merge/",
        {"absorb_id": dup.pk, "reason": "同一企业"},
        format="json",
    )
    assert merged.status_code == 200
    assert {i["value"] for i in merged.json()["identifiers"]} == {
        company.identifier,
        "320402000022814",
    }
    merge_event = Event.objects.get(action="subjects.merge")
    assert merge_event.actor_label == "u_credit_admin（信用办管理员）"
    assert merge_event.channel == "api"
    again = admin.post(
        f"/api/v1/subjects/{company.pk}/merge/",
        {"absorb_id": dup.pk, "reason": "同一企业"},
        format="json",
    )
    assert again.status_code == 400
    assert again.json()["detail"] == f"主体 {dup.pk} 已合并至 {company.pk}，不能再次合并。"
    renamed = admin.post(
        f"/api/v1/subjects/{company.pk}/rename/", {"name": "安阳市恒达商贸有限公司"}, format="json"
    )
    assert renamed.json()["name"] == "安阳市恒达商贸有限公司"
    assert (
        admin.post(f"/api/v1/subjects/{company.pk}/rename/", {}, format="json").status_code == 400
    )


def test_schema_documents_the_endpoints():
    response = _client("reporter").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/subjects/" in paths
    assert "/api/v1/identifiers/check" in paths
