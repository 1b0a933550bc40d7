"""The repair and notice API (/api/v1/repairs…, /api/v1/notices/…), OpenAPI-documented."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.publicity.models import PublicityWindow
from xinyong.rights.models import RepairApplication, RepairNotice

from .repair_helpers import ORG_USCC, PERSON_ID, penalty_row, person_penalty_row, staff, store
from .test_repair_pages import store_recent

pytestmark = pytest.mark.django_db


def client_for(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


BODY = {
    "applicant_name": "安阳市北关区某某化工有限公司",
    "applicant_phone": "13800001234",
    "subject_identifier": ORG_USCC,
    "fulfilment_statement": "罚款已缴清。",
    "commitment_accepted": True,
}


def test_public_apply_and_status() -> None:
    r = store_recent()
    anon = client_for()
    created = anon.post("/api/v1/repairs", {**BODY, "record": r.pk}, format="json")
    assert created.status_code == 201, created.content
    code = created.json()["query_code"]
    assert created.json()["status"] == "submitted"
    assert created.json()["applicant_phone"] == "138****1234"
    status = anon.get("/api/v1/repairs/status", {"code": code})
    assert status.status_code == 200 and status.json()["status_label"] == "已提交"
    again = anon.post("/api/v1/repairs", {**BODY, "record": r.pk}, format="json")
    assert again.status_code == 400
    assert again.json()["detail"] == "该信息已有正在办理的信用修复申请，请勿重复申请。"
    assert (
        anon.post("/api/v1/repairs", {**BODY, "record": 999999}, format="json").status_code == 404
    )
    bad = anon.post("/api/v1/repairs", {"record": "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["detail"].startswith("请求数据有误")
    assert anon.get("/api/v1/repairs/status", {"code": "zz"}).status_code == 404
    assert anon.get("/api/v1/repairs").status_code in (401, 403)


def test_public_apply_refused_when_not_yet_eligible() -> None:
    r = store_recent(days=20)
    response = client_for().post("/api/v1/repairs", {**BODY, "record": r.pk}, format="json")
    assert response.status_code == 400
    assert "最短公示期尚未届满" in response.json()["detail"]
    assert response.json()["code"] == "not_eligible_not_yet"


def test_staff_workflow_through_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    # Applied online on 09-23 (an online application is dated the day it comes in); the
    # steps below are recorded on 10-16, each dated on or after the one before.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 9, 23))
    r = store_recent(2)
    code = (
        client_for()
        .post("/api/v1/repairs", {**BODY, "record": r.pk}, format="json")
        .json()["query_code"]
    )
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 10, 16))
    app = RepairApplication.objects.get(query_code=code)
    admin, unit_staff, other, leader = (
        client_for(users[k]) for k in ("admin", "reporter", "other", "leader")
    )
    assert [a["query_code"] for a in unit_staff.get("/api/v1/repairs").json()["results"]] == [code]
    assert other.get("/api/v1/repairs").json()["results"] == []
    assert other.get(f"/api/v1/repairs/{app.pk}").status_code == 404
    assert leader.get(f"/api/v1/repairs/{app.pk}").status_code == 200

    done = admin.post(
        f"/api/v1/repairs/{app.pk}/complete", {"complete": True, "on": "2026-09-24"}, format="json"
    )
    assert done.status_code == 200 and done.json()["decision_due"] == "2026-10-15"
    assert (
        leader.post(
            f"/api/v1/repairs/{app.pk}/provider-review",
            {"agrees": True, "opinion": "同意"},
            format="json",
        ).status_code
        == 403
    )
    assert (
        other.post(
            f"/api/v1/repairs/{app.pk}/provider-review",
            {"agrees": True, "opinion": "同意"},
            format="json",
        ).status_code
        == 404
    )
    reviewed = unit_staff.post(
        f"/api/v1/repairs/{app.pk}/provider-review",
        {"agrees": True, "opinion": "同意", "on": "2026-09-28"},
        format="json",
    )
    assert reviewed.json()["status"] == "office_review"
    assert (
        unit_staff.post(
            f"/api/v1/repairs/{app.pk}/decide", {"approve": True, "reason": "同意"}, format="json"
        ).status_code
        == 403
    )
    decided = admin.post(
        f"/api/v1/repairs/{app.pk}/decide",
        {"approve": True, "reason": "已履行", "on": "2026-10-14"},
        format="json",
    )
    assert decided.json()["status"] == "approved" and decided.json()["sync_due"] == "2026-10-19"
    assert PublicityWindow.objects.get(record=r).end_reason == "repaired"
    synced = admin.post(f"/api/v1/repairs/{app.pk}/sync", {"on": "2026-10-16"}, format="json")
    assert synced.json()["synced_on"] == "2026-10-16"
    assert (
        admin.post(f"/api/v1/repairs/{app.pk}/sync", {"on": "bad"}, format="json").status_code
        == 400
    )
    assert [
        a["id"] for a in admin.get("/api/v1/repairs", {"status": "approved"}).json()["results"]
    ] == [app.pk]
    assert admin.get("/api/v1/repairs", {"status": "nope"}).status_code == 400


def test_notice_api_scoped_masked_and_pdf() -> None:
    users = staff()
    store([person_penalty_row(1)], reported_on=date(2026, 3, 12))
    notice = RepairNotice.objects.get()
    unit_staff, other = client_for(users["reporter"]), client_for(users["other"])
    listed = unit_staff.get("/api/v1/notices/").json()["results"]
    assert [n["number"] for n in listed] == [notice.number]
    assert listed[0]["party_identifier"] == "110105********002X"
    assert PERSON_ID not in str(listed)
    assert other.get("/api/v1/notices/").json()["results"] == []
    assert other.get(f"/api/v1/notices/{notice.pk}/pdf").status_code == 404
    pdf = unit_staff.get(f"/api/v1/notices/{notice.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    served = unit_staff.post(
        f"/api/v1/notices/{notice.pk}/serve",
        {"method": "邮寄送达", "served_on": "2026-03-13"},
        format="json",
    )
    assert served.json()["served_on"] == "2026-03-13"
    assert unit_staff.get("/api/v1/notices/", {"served": "0"}).json()["results"] == []


def test_openapi_documents_repair_and_notice_endpoints() -> None:
    users = staff()
    schema = client_for(users["admin"]).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for p in (
        "/api/v1/repairs",
        "/api/v1/repairs/status",
        "/api/v1/repairs/{id}/decide",
        "/api/v1/repairs/{id}/sync",
        "/api/v1/notices/",
        "/api/v1/notices/{id}/pdf",
    ):
        assert p in paths, p
    assert paths["/api/v1/repairs"]["post"]["summary"] == "在线申请信用修复（公众，免费）"
