"""Self-service reports for a natural person keyed by another document (护照:E12345678):
the bare passport number and the exact name start the request (河南条例 art. 40: two
free reports a year to every subject)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from xinyong.core.errors import DomainError
from xinyong.reports import services
from xinyong.reports.models import Report

from ..publicity.helpers import PERSON_ID, person_penalty

pytestmark = pytest.mark.django_db

PASSPORT = "E12345678"
HOLDER = "约翰·史密斯"


def holder(n: int = 1, *, document_type: str = "护照") -> int:
    record = person_penalty(
        n, decided="2026-03-02", id_number=PASSPORT, name=HOLDER, CF_XDR_ZJLX=document_type
    )
    return record.subject_id


@pytest.mark.parametrize("typed", [PASSPORT, "ｅ１２３４５６７８", "护照：E12345678"])
def test_a_passport_holder_starts_a_self_service_report(typed: str) -> None:
    subject_id = holder()
    request, shown = services.start_self_service(identifier=typed, name=HOLDER)
    assert request.subject_id == subject_id
    assert len(shown) == 6 and shown.isdigit()  # the demo confirmer's one-time code


def test_the_portal_form_takes_the_passport_number_through_to_the_free_report() -> None:
    subject_id = holder()
    client = Client()
    assert "证件号码（身份证或护照等）" in client.get("/credit/reports/").content.decode()
    response = client.post("/credit/reports/", {"identifier": "e12345678", "name": HOLDER})
    assert response.status_code == 302
    url = response["Location"]
    code = re.search(r"一次性确认码：<strong>(\d{6})</strong>", client.get(url).content.decode())
    assert code
    page = client.post(url, {"code": code.group(1), "purpose": "self_query"}).content.decode()
    assert "信用报告已生成" in page and PASSPORT not in page
    report = Report.objects.get()
    assert report.subject_id == subject_id
    assert report.channel == "self_service" and report.free_quota


def test_a_wrong_name_finds_nothing() -> None:
    holder()
    with pytest.raises(DomainError, match="未找到代码与名称一致的信用主体"):
        services.start_self_service(identifier=PASSPORT, name="约翰")


def test_the_same_number_and_name_under_two_documents_asks_for_the_type() -> None:
    holder(1)
    permit = holder(2, document_type="港澳居民来往内地通行证")
    with pytest.raises(DomainError, match="请选择证件类型"):
        services.start_self_service(identifier=PASSPORT, name=HOLDER)
    request, _shown = services.start_self_service(
        identifier="港澳居民来往内地通行证:E12345678", name=HOLDER
    )
    assert request.subject_id == permit


def test_an_id_card_holder_is_unaffected() -> None:
    subject = person_penalty(3, decided="2026-03-02").subject
    request, _shown = services.start_self_service(identifier=PERSON_ID.lower(), name="李四")
    assert request.subject_id == subject.pk
