"""Defects found in review of rights: the repair form as an ID-number oracle, persons'
records walkable through the rights forms, NUL characters, evidence downloads, unlogged
staff reads, the provider's deadline after a pause, and the notice's cited title."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.core.models import Event, ReadLog
from xinyong.publicity.views import person_token
from xinyong.records.models import CreditRecord
from xinyong.rights import notices
from xinyong.rights import objections as O
from xinyong.rights import repair as R
from xinyong.rights.models import Objection, RepairApplication, RepairNotice

from .repair_helpers import (
    ORG_USCC,
    PERSON_ID,
    penalty_row,
    person_penalty_row,
    record,
    staff,
    store,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("next_year_calendar")]

WRONG_ID = "110105194912310010"
TITLE_22 = (
    "《国务院办公厅印发〈关于进一步完善信用修复制度的实施方案〉的通知》（国办发〔2025〕22号）"
)


def recent(n: int = 1, *, person: bool = False) -> CreditRecord:
    decided = timezone.localdate() - timedelta(days=150)
    row = (
        person_penalty_row(n, decided=decided.isoformat())
        if person
        else penalty_row(n, decided=decided.isoformat())
    )
    store([row], reported_on=decided + timedelta(days=1))
    return record(n)


def apply_online(
    rec: CreditRecord,
    *,
    applicant_name: str = "李四",
    phone: str = "13800001234",
    identifier: str = PERSON_ID,
    **extra: Any,
) -> RepairApplication:
    """An online repair application as the public form makes it (a person's by default)."""
    return R.apply_for_repair(
        actor=None,
        record=rec,
        channel="online",
        applicant_name=applicant_name,
        applicant_phone=phone,
        fulfilment_statement="已缴",
        commitment_accepted=True,
        subject_identifier=identifier,
        **extra,
    )


def token_for(rec: CreditRecord) -> str:
    return f"?t={person_token(rec.subject)}"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def repair_error(response: Any) -> str:
    found = re.search(r'id="repair-error">(.*?)<', response.content.decode())
    return found.group(1) if found else ""


def page_without(response: Any, echoed: str) -> str:
    html = response.content.decode().replace(echoed, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def objection_error(response: Any) -> str:
    found = re.search(r'id="objection-error">(.*?)<', response.content.decode())
    return found.group(1) if found else ""


REPAIR_FORM = {
    "applicant_name": "李四",
    "applicant_phone": "13800001234",
    "fulfilment_statement": "罚款已缴清。",
    "commitment_accepted": "on",
}


# ------------------------------------------------------------------ 1. identity oracle


def test_repair_form_is_throttled(settings: Any) -> None:
    settings.PUBLICITY_PORTAL_RATE = "30/min"
    rec = recent()
    client = Client()
    codes = [
        client.post(
            f"/credit/record/{rec.pk}/repair/", {"subject_identifier": WRONG_ID}
        ).status_code
        for _ in range(40)
    ]
    assert codes[:30] == [200] * 30
    assert codes[30:] == [429] * 10
    last = client.post(f"/credit/record/{rec.pk}/repair/", {"subject_identifier": WRONG_ID})
    assert "查询过于频繁" in last.content.decode() and last["Retry-After"] == "60"


def test_right_and_wrong_id_look_the_same_until_the_form_is_complete() -> None:
    rec = recent(person=True)
    url = f"/credit/record/{rec.pk}/repair/" + token_for(rec)
    client = Client()
    wrong = client.post(url, {"subject_identifier": WRONG_ID})
    right = client.post(url, {"subject_identifier": PERSON_ID})
    assert wrong.status_code == right.status_code == 200
    assert repair_error(wrong) == repair_error(right) == "请填写申请人。"
    # Apart from the echoed input and the CSRF token, the two pages are the same.
    assert page_without(wrong, WRONG_ID) == page_without(right, PERSON_ID)
    no_phone = {**REPAIR_FORM, "applicant_phone": ""}
    assert repair_error(client.post(url, {**no_phone, "subject_identifier": WRONG_ID})) == (
        repair_error(client.post(url, {**no_phone, "subject_identifier": PERSON_ID}))
    )
    # Only a complete form is checked against the subject.
    mismatch = client.post(url, {**REPAIR_FORM, "subject_identifier": WRONG_ID})
    assert repair_error(mismatch) == "所填主体代码与该信息的信用主体不一致，请核对。"
    assert RepairApplication.objects.count() == 0
    done = client.post(url, {**REPAIR_FORM, "subject_identifier": PERSON_ID})
    assert "信用修复申请已提交" in done.content.decode()
    assert RepairApplication.objects.count() == 1


# ------------------------------------------------------------------ 2. person token


def test_person_record_rights_forms_need_the_person_token_and_log_the_read() -> None:
    rec = recent(person=True)
    anon = Client()
    for kind in ("objection", "repair"):
        url = f"/credit/record/{rec.pk}/{kind}/"
        before = ReadLog.objects.count()
        bare = anon.get(url)
        assert bare.status_code == 404
        assert "北关环罚〔2026〕1号" not in bare.content.decode()
        assert anon.get(url + "?t=forged").status_code == 404
        assert ReadLog.objects.count() == before
        page = anon.get(url + token_for(rec))
        assert page.status_code == 200
        html = page.content.decode()
        assert "北关环罚〔2026〕1号" in html and "李*" in html and PERSON_ID not in html
        logs = list(ReadLog.objects.order_by("id")[before:])
        assert len(logs) == 1
        assert logs[0].subject_id == str(rec.subject_id)
        assert logs[0].purpose == "信用信息公开查询"
        assert logs[0].reader_label == "系统"
    # A person's objection filed with the token.
    filed = anon.post(
        f"/credit/record/{rec.pk}/objection/" + token_for(rec),
        {
            "category": "wrong",
            "description": "罚款金额有误。",
            "applicant_name": "李四",
            "applicant_phone": "13800001234",
        },
    )
    assert "异议已受理" in filed.content.decode()


def test_organisation_record_rights_forms_stay_open_without_read_log() -> None:
    rec = recent()
    anon = Client()
    before = ReadLog.objects.count()
    for kind in ("objection", "repair"):
        page = anon.get(f"/credit/record/{rec.pk}/{kind}/")
        assert page.status_code == 200
        assert "安阳市北关区某某化工有限公司" in page.content.decode()
    assert ReadLog.objects.count() == before
    assert anon.get(f"/credit/record/{'9' * 25}/objection/").status_code == 404


def test_refused_repair_status_sends_a_person_through_the_public_query() -> None:
    rec = recent(person=True)
    users = staff()
    app = apply_online(rec)
    R.mark_complete(actor=users["admin"], application=app, complete=True)
    R.provider_review(actor=users["reporter"], application=app, agrees=False, opinion="未整改")
    R.decide_repair(actor=users["admin"], application=app, approve=False, reason="未整改")
    html = Client().get("/credit/repair/status/", {"code": app.query_code}).content.decode()
    # The query code opens this application only: no person token, the person's pages
    # stay behind the ID number and name.
    link = re.search(r'href="([^"]+)" id="repair-object-link"', html)
    assert link is not None and link.group(1) == "/credit/"
    assert "?t=" not in html and "凭身份证号码和姓名查询" in html


# ------------------------------------------------------------------ 3. NUL


def test_nul_in_public_forms_and_codes_is_refused_in_chinese() -> None:
    rec = recent()
    client = Client(raise_request_exception=False)
    objection = client.post(
        f"/credit/record/{rec.pk}/objection/",
        {
            "category": "wrong",
            "description": "错\x00误",
            "applicant_name": "王五",
            "applicant_phone": "13800001111",
        },
    )
    assert objection.status_code == 200
    assert (
        objection_error(objection)
        == "异议内容（哪里有误）含有无法识别的控制字符，请删除后重新填写。"
    )
    name = client.post(
        f"/credit/record/{rec.pk}/objection/",
        {
            "category": "wrong",
            "description": "错",
            "applicant_name": "王\x00五",
            "applicant_phone": "13800001111",
        },
    )
    assert objection_error(name) == "申请人含有无法识别的控制字符，请删除后重新填写。"
    ident = client.post(
        f"/credit/record/{rec.pk}/objection/",
        {
            "category": "wrong",
            "description": "错",
            "applicant_name": "王五",
            "applicant_phone": "13800001111",
            "applicant_identifier": "9151\x002081MA62K0260E",
        },
    )
    assert "异议已受理" in ident.content.decode()
    assert Objection.objects.get().applicant_identifier == ORG_USCC
    repair = client.post(
        f"/credit/record/{rec.pk}/repair/",
        {
            "applicant_name": "某\x00",
            "applicant_phone": "13800001111",
            "subject_identifier": ORG_USCC,
            "fulfilment_statement": "x",
            "commitment_accepted": "on",
        },
    )
    assert repair.status_code == 200
    assert repair_error(repair) == "申请人含有无法识别的控制字符，请删除后重新填写。"
    phone = client.post(
        f"/credit/record/{rec.pk}/repair/",
        {**REPAIR_FORM, "applicant_phone": "1380000\x001234", "subject_identifier": ORG_USCC},
    )
    assert repair_error(phone).startswith("联系电话格式不正确")
    assert RepairApplication.objects.count() == 0

    code = Objection.objects.get().query_code
    found = client.get("/credit/objection/status/", {"code": code[:5] + "\x00" + code[5:]})
    assert found.status_code == 200 and code in found.content.decode()
    bad = client.get("/credit/objection/status/", {"code": "ABCDEFGHJK\x00L"})
    assert bad.status_code == 200 and "查询码应为12位字母和数字" in bad.content.decode()
    bad = client.get("/credit/repair/status/", {"code": "ABCDEFGHJK\x00L"})
    assert bad.status_code == 404 and "查询码应为12位字母和数字" in bad.content.decode()


def test_nul_in_staff_inputs_is_refused_in_chinese() -> None:
    rec = recent()
    users = staff()
    admin = login(users["admin"])
    obj = O.file_objection(
        actor=None,
        record=rec,
        channel="online",
        category="wrong",
        description="错",
        applicant_name="王五",
        applicant_phone="13800001111",
    )
    url = f"/workspace/rights/objections/{obj.pk}/"
    page = admin.post(
        url, {"action": "corrected", "reason": "核实", "field__CF_NR": "罚款\x003万元"}, follow=True
    )
    assert "含有无法识别的控制字符" in page.content.decode()
    assert Objection.objects.get().status != Objection.Status.DECIDED
    page = admin.post(url, {"action": "kept", "reason": "无\x00误"}, follow=True)
    assert "处理理由含有无法识别的控制字符，请删除后重新填写。" in page.content.decode()
    app = apply_online(rec, applicant_name="某公司", phone="13800001111", identifier=ORG_USCC)
    page = admin.post(
        f"/workspace/rights/repairs/{app.pk}/",
        {"action": "incomplete", "note": "缺\x00材料"},
        follow=True,
    )
    assert "需补正的材料或内容含有无法识别的控制字符，请删除后重新填写。" in page.content.decode()
    assert RepairApplication.objects.get().status == RepairApplication.Status.SUBMITTED


# ------------------------------------------------------------------ 4. attachment download


PDF = b"%PDF-1.4 evidence\n"


def test_staff_download_objection_evidence_and_repair_materials() -> None:
    rec = recent(person=True)
    users = staff()
    obj = O.file_objection(
        actor=None,
        record=rec,
        channel="online",
        category="wrong",
        description="错",
        applicant_name="李四",
        applicant_phone="13800001111",
        attachments=[SimpleUploadedFile("证据.pdf", PDF, content_type="text/html")],
    )
    O.forward_to_provider(actor=users["admin"], objection=obj)
    evidence = obj.attachments.get()
    app = apply_online(
        rec,
        applicant_name="李四",
        phone="13800001111",
        attachments=[SimpleUploadedFile("缴款凭证.png", b"\x89PNG fake", content_type="text/html")],
    )
    material = app.attachments.get()

    admin, reporter = login(users["admin"]), login(users["reporter"])
    link = f"/workspace/rights/attachments/{evidence.pk}/"
    assert link in admin.get(f"/workspace/rights/objections/{obj.pk}/").content.decode()
    assert f"/workspace/rights/attachments/{material.pk}/" in (
        reporter.get(f"/workspace/rights/repairs/{app.pk}/").content.decode()
    )
    for client, attachment, body, ctype in (
        (admin, evidence, PDF, "application/pdf"),
        (reporter, evidence, PDF, "application/pdf"),
        (reporter, material, b"\x89PNG fake", "image/png"),
        (login(users["leader"]), material, b"\x89PNG fake", "image/png"),
    ):
        reads, events = ReadLog.objects.count(), Event.objects.count()
        got = client.get(f"/workspace/rights/attachments/{attachment.pk}/")
        assert got.status_code == 200
        assert got.content == body
        assert got["Content-Type"] == ctype
        assert got["Content-Disposition"].startswith("attachment;")
        assert got["X-Content-Type-Options"] == "nosniff"
        assert ReadLog.objects.count() == reads + 1
        log = ReadLog.objects.order_by("-id").first()
        assert log is not None and log.reader_id == got.wsgi_request.user.pk
        assert f"材料 {attachment.pk}" in log.purpose
        assert Event.objects.count() == events + 1
        event = Event.objects.order_by("-id").first()
        assert event is not None and event.action == "rights.attachment.download"
        assert event.actor_id == got.wsgi_request.user.pk and event.target_id == str(attachment.pk)

    other = login(users["other"])
    reads = ReadLog.objects.count()
    for attachment in (evidence, material):
        assert other.get(f"/workspace/rights/attachments/{attachment.pk}/").status_code == 404
        anon = Client().get(f"/workspace/rights/attachments/{attachment.pk}/")
        assert anon.status_code == 302 and "/login" in anon["Location"]
        assert anon.content != PDF
    assert admin.get("/workspace/rights/attachments/999999/").status_code == 404
    assert ReadLog.objects.count() == reads


# ------------------------------------------------------------------ 5. read logs


def test_counter_forms_log_the_read_of_the_full_id() -> None:
    rec = recent(person=True)
    users = staff()
    reporter = login(users["reporter"])
    for url in (
        f"/workspace/rights/records/{rec.pk}/objection/",
        f"/workspace/rights/records/{rec.pk}/repair/",
    ):
        before = ReadLog.objects.count()
        page = reporter.get(url)
        assert page.status_code == 200 and PERSON_ID in page.content.decode()
        assert ReadLog.objects.count() == before + 1
        log = ReadLog.objects.order_by("-id").first()
        assert log is not None and log.reader_id == users["reporter"].pk
        assert log.subject_id == str(rec.subject_id)


def test_repair_api_actions_log_the_read_of_the_full_id() -> None:
    rec = recent(person=True)
    users = staff()
    app = apply_online(rec, applicant_name="李四", phone="13800001111")
    admin, reporter = api(users["admin"]), api(users["reporter"])
    steps: tuple[tuple[APIClient, Any, str, dict[str, Any]], ...] = (
        (admin, users["admin"], "complete", {"complete": True}),
        (reporter, users["reporter"], "provider-review", {"agrees": True, "opinion": "同意"}),
        (admin, users["admin"], "decide", {"approve": True, "reason": "同意"}),
        (admin, users["admin"], "sync", {}),
    )
    for client, user, action, body in steps:
        before = ReadLog.objects.count()
        done = client.post(f"/api/v1/repairs/{app.pk}/{action}", body, format="json")
        assert done.status_code == 200, done.content
        assert done.json()["party_identifier"] == PERSON_ID
        assert ReadLog.objects.count() == before + 1
        log = ReadLog.objects.order_by("-id").first()
        assert log is not None and log.reader_id == user.pk
        assert log.subject_id == str(rec.subject_id)


# ------------------------------------------------------------------ 6. provider deadline


def test_provider_deadline_counts_only_pauses_after_forwarding() -> None:
    store([penalty_row(1, decided="2026-06-01")], reported_on=date(2026, 6, 2))
    users = staff()
    obj = O.file_objection(
        actor=None,
        record=record(1),
        channel="online",
        category="wrong",
        description="错",
        applicant_name="王五",
        applicant_phone="13800001111",
        received_on=date(2026, 11, 2),
    )
    O.start_pause(actor=users["admin"], objection=obj, reason="testing", on=date(2026, 11, 3))
    O.end_pause(actor=users["admin"], objection=obj, on=date(2026, 11, 10))
    O.forward_to_provider(actor=users["admin"], objection=obj, on=date(2026, 11, 11))
    obj = Objection.objects.get()
    assert O.paused_workdays(obj) == 5
    assert O.due_date(obj) == date(2026, 11, 18)
    assert O.provider_due_date(obj) == date(2026, 11, 16)
    assert O.is_provider_overdue(obj, date(2026, 11, 16)) is False
    assert O.is_provider_overdue(obj, date(2026, 11, 17)) is True
    # A pause after forwarding (11-12 to 11-13: one working day) does extend it.
    O.start_pause(actor=users["admin"], objection=obj, reason="testing", on=date(2026, 11, 12))
    O.end_pause(actor=users["admin"], objection=obj, on=date(2026, 11, 13))
    obj = Objection.objects.get()
    assert O.provider_due_date(obj) == date(2026, 11, 17)
    assert O.due_date(obj) == date(2026, 11, 19)
    page = login(users["admin"]).get(f"/workspace/rights/objections/{obj.pk}/").content.decode()
    assert 'id="objection-provider-due">2026-11-17<' in page


# ------------------------------------------------------------------ 7. notice title


def test_notice_cites_document_22_with_its_own_title() -> None:
    store([penalty_row(1)])
    data = notices.notice_data(RepairNotice.objects.get())
    text = data["opening"] + "".join(
        line for section in data["sections"] for line in section["lines"]
    )
    assert "失信约束制度" not in text
    assert f"根据{TITLE_22}和《河南省社会信用条例》" in data["opening"]
    assert data["sections"][-1]["lines"] == [f"{TITLE_22}；《河南省社会信用条例》。"]
    assert notices.document_citation("国办发〔2025〕22号") == TITLE_22


def test_a_persons_pages_link_the_rights_forms_with_the_token() -> None:
    rec = recent(person=True)
    anon = Client()
    token = token_for(rec)
    for page_url in (
        f"/credit/subject/{rec.subject_id}/{token}",
        f"/credit/record/{rec.pk}/{token}",
    ):
        html = anon.get(page_url).content.decode()
        link = re.search(rf'href="(/credit/record/{rec.pk}/objection/[^"]*)"', html)
        assert link is not None, page_url
        assert link.group(1) == f"/credit/record/{rec.pk}/objection/{token}"
        assert anon.get(link.group(1).replace("&amp;", "&")).status_code == 200
