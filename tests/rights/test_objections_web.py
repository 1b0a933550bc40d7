"""Objection pages and API: public filing and status, staff lists and actions, OpenAPI."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xinyong.core.models import ReadLog
from xinyong.publicity.selectors import is_publicly_visible, public_status
from xinyong.records.models import CreditRecord
from xinyong.rights import objections
from xinyong.rights.models import Channel, Objection

from .repair_helpers import PERSON_ID, penalty_row, person_penalty_row, record, staff, store

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle() -> None:
    cache.clear()


@pytest.fixture
def users() -> dict[str, Any]:
    return staff()


@pytest.fixture
def rec() -> CreditRecord:
    store([penalty_row(1)])
    return record(1)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


FORM = {
    "category": "wrong",
    "description": "罚款金额应为3万元。",
    "requested_change": "罚款3万元",
    "applicant_name": "安阳市北关区某某化工有限公司",
    "applicant_phone": "13800001234",
}


def test_public_form_files_and_shows_the_query_code(rec: CreditRecord) -> None:
    client = Client()
    page = client.get(f"/credit/record/{rec.pk}/objection/")
    assert page.status_code == 200
    assert "提出异议" in page.content.decode()
    bad = client.post(f"/credit/record/{rec.pk}/objection/", {**FORM, "applicant_phone": "1"})
    assert "联系电话格式不正确" in bad.content.decode()
    done = client.post(
        f"/credit/record/{rec.pk}/objection/",
        {**FORM, "evidence": SimpleUploadedFile("凭证.png", b"\x89PNG data")},
    )
    assert done.status_code == 200
    obj = Objection.objects.get()
    assert obj.query_code in done.content.decode()
    assert obj.channel == Channel.ONLINE and obj.attachments.count() == 1
    subject_page = client.get(f"/credit/subject/{rec.subject_id}/").content.decode()
    assert "异议处理中" in subject_page
    status = client.get(f"/credit/objection/status/?code={obj.query_code}").content.decode()
    assert "已受理" in status and "138****1234" in status
    assert "13800001234" not in status
    missing = client.get("/credit/objection/status/?code=ZZZZZZZZZZZZ").content.decode()
    assert "未找到该查询码" in missing


def test_public_form_is_404_for_records_not_public(
    rec: CreditRecord, users: dict[str, Any]
) -> None:
    objections.decide_objection(
        actor=users["admin"],
        objection=objections.file_objection(
            actor=None,
            record=rec,
            channel=Channel.ONLINE,
            category="wrong",
            description="x",
            applicant_name="甲",
            applicant_phone="13800001234",
        ),
        outcome="revoked",
        reason="已撤销",
    )
    assert Client().get(f"/credit/record/{rec.pk}/objection/").status_code == 404
    assert Client().get("/credit/record/abc/objection/").status_code == 404


def test_workspace_list_puts_overdue_first_and_units_see_only_theirs(
    rec: CreditRecord, users: dict[str, Any]
) -> None:
    old = objections.file_objection(
        actor=None,
        record=rec,
        channel=Channel.ONLINE,
        category="wrong",
        description="旧案",
        applicant_name="甲",
        applicant_phone="13800001234",
        received_on=date(2026, 9, 29),
    )
    store([penalty_row(2)])
    new = objections.file_objection(
        actor=None,
        record=record(2),
        channel=Channel.ONLINE,
        category="wrong",
        description="新案",
        applicant_name="乙",
        applicant_phone="13900001234",
    )
    admin = login(users["admin"]).get("/workspace/rights/objections/").content.decode()
    assert admin.index(old.query_code) < admin.index(new.query_code)
    assert "超期" in admin
    assert (
        new.query_code
        not in login(users["reporter"]).get("/workspace/rights/objections/").content.decode()
    )
    objections.forward_to_provider(actor=users["admin"], objection=new)
    assert (
        new.query_code
        in login(users["reporter"]).get("/workspace/rights/objections/").content.decode()
    )
    assert login(users["other"]).get(f"/workspace/rights/objections/{new.pk}/").status_code == 404
    assert Client().get("/workspace/rights/objections/").status_code == 302


def test_workspace_detail_actions_and_correction(rec: CreditRecord, users: dict[str, Any]) -> None:
    obj = objections.file_objection(
        actor=None,
        record=rec,
        channel=Channel.ONLINE,
        category="wrong",
        description="金额有误",
        applicant_name="甲",
        applicant_phone="13800001234",
    )
    admin = login(users["admin"])
    url = f"/workspace/rights/objections/{obj.pk}/"
    assert "转提供单位核查" in admin.get(url).content.decode()
    admin.post(url, {"action": "forward", "note": "请核实"})
    reporter = login(users["reporter"])
    reporter.post(url, {"action": "reply", "reply": "金额录入有误"})
    assert login(users["leader"]).post(url, {"action": "kept", "reason": "x"}).status_code == 403
    assert reporter.post(url, {"action": "kept", "reason": "x"}).status_code == 403
    response = admin.post(
        url, {"action": "corrected", "reason": "核实有误", "field__CF_NR_FK": "3"}, follow=True
    )
    assert "已办理" in response.content.decode()
    fresh = Objection.objects.get(pk=obj.pk)
    assert fresh.outcome == "corrected"
    assert CreditRecord.objects.get(pk=rec.pk).payload["CF_NR_FK"] == "3"
    bad = admin.post(url, {"action": "kept", "reason": "再次"}, follow=True)
    assert "该异议已办结" in bad.content.decode()


def test_counter_form_and_read_log_for_a_person(users: dict[str, Any]) -> None:
    store([person_penalty_row(9)])
    rec = record(9)
    admin = login(users["admin"])
    response = admin.post(
        f"/workspace/rights/records/{rec.pk}/objection/",
        {**FORM, "applicant_name": "李四", "applicant_is_government": "on"},
        follow=True,
    )
    obj = Objection.objects.get()
    assert f"查询码 {obj.query_code}" in response.content.decode()
    assert obj.channel == Channel.COUNTER and obj.applicant_is_government
    assert ReadLog.objects.filter(subject_id=str(obj.subject_id), purpose="办理异议申请").exists()
    status = Client().get(f"/credit/objection/status/?code={obj.query_code}").content.decode()
    assert PERSON_ID not in status and "李*" in status


def test_api_public_file_and_status_and_staff_decide(
    rec: CreditRecord, users: dict[str, Any]
) -> None:
    anon = Client()
    refused = anon.post("/api/v1/objections", {**FORM, "record": rec.pk, "category": "nope"})
    assert refused.status_code == 400 and "异议类型无效" in refused.json()["detail"]
    assert anon.post("/api/v1/objections", {**FORM, "record": 999999}).status_code == 404
    created = anon.post("/api/v1/objections", {**FORM, "record": rec.pk})
    assert created.status_code == 201, created.content
    code = created.json()["query_code"]
    assert public_status(CreditRecord.objects.get(pk=rec.pk)) == "异议处理中"
    status = anon.get(f"/api/v1/objections/status?code={code}").json()
    assert status["status"] == "received" and "provider_reply" not in status
    assert anon.get("/api/v1/objections").status_code in (401, 403)
    obj = Objection.objects.get(query_code=code)
    admin = login(users["admin"])
    listed = admin.get("/api/v1/objections").json()
    assert [row["query_code"] for row in listed["results"]] == [code]
    assert admin.get("/api/v1/objections?status=bogus").status_code == 400
    paused = admin.post(
        f"/api/v1/objections/{obj.pk}/pause",
        {"reason": "appraisal"},
        content_type="application/json",
    )
    assert paused.status_code == 200 and paused.json()["pauses"][0]["reason"] == "appraisal"
    early = admin.post(
        f"/api/v1/objections/{obj.pk}/resume", {"on": "2020-01-01"}, content_type="application/json"
    )
    assert early.status_code == 400 and "不能早于暂停开始日期" in early.json()["detail"]
    resumed = admin.post(f"/api/v1/objections/{obj.pk}/resume", {}, content_type="application/json")
    assert resumed.json()["pauses"][0]["ended_on"] == obj.received_on.isoformat()
    decided = admin.post(
        f"/api/v1/objections/{obj.pk}/decide",
        {"outcome": "revoked", "reason": "决定书已撤销"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["outcome"] == "revoked"
    assert not is_publicly_visible(CreditRecord.objects.get(pk=rec.pk))
    final = anon.get(f"/api/v1/objections/status?code={code}").json()
    assert final["outcome_label"] == "撤销" and "停止公示" in final["applicant_notice"]
    other = login(users["other"])
    assert other.get(f"/api/v1/objections/{obj.pk}").status_code == 404


def test_openapi_documents_the_objection_endpoints(users: dict[str, Any]) -> None:
    schema = login(users["admin"]).get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/objections",
        "/api/v1/objections/status",
        "/api/v1/objections/{id}",
        "/api/v1/objections/{id}/forward",
        "/api/v1/objections/{id}/reply",
        "/api/v1/objections/{id}/pause",
        "/api/v1/objections/{id}/resume",
        "/api/v1/objections/{id}/decide",
    ):
        assert path in schema["paths"], path
    assert schema["paths"]["/api/v1/objections"]["post"]["operationId"] == "objections_file"
