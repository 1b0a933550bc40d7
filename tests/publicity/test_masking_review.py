"""Review findings on public masking (DOMAIN.md §2): only resident ID numbers are masked in
free text — a permit number or an all-digit USCC is shown as it is — and a natural
person's own full name is masked inside the free text of their record too."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client

from xinyong.publicity.presenters import present_record, present_withdrawal
from xinyong.records.models import RecordWithdrawal
from xinyong.records.services import withdraw_record

from .helpers import api_query_person, penalty, person_penalty, query_person

pytestmark = pytest.mark.django_db

PERMIT_NO = "410503202605120101"  # 施工许可证号: not an ID number (wrong check character)
ALL_DIGIT_USCC = "914105037167125998"  # valid USCC (GB 32100), all digits
REP_ID = "410503198001070318"  # valid resident ID number (GB 11643)
PARTY_ID = "41050219850612301X"  # valid resident ID number, check character X


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PUBLICITY_PORTAL_RATE = "10000/min"
    settings.PUBLICITY_API_RATE = "10000/min"
    cache.clear()
    yield
    cache.clear()


def _fields(record) -> dict[str, str]:
    return {f["code"]: f["value"] for f in present_record(record, with_fields=True)["fields"]}


def test_permit_number_and_all_digit_uscc_are_not_masked() -> None:
    record = penalty(
        61,
        decided="2026-05-12",
        CF_XDR_SHXYM=ALL_DIGIT_USCC,
        CF_WSH=PERMIT_NO,
        CF_SY=f"经查，当事人持施工许可证{PERMIT_NO}超范围施工，法定代表人张三（身份证{REP_ID}）。",
    )
    fields = _fields(record)
    assert fields["CF_XDR_SHXYM"] == ALL_DIGIT_USCC
    assert fields["CF_WSH"] == PERMIT_NO
    # An organisation's record: the legal representative's name is not the party's own
    # name and stays; his ID number is masked.
    assert fields["CF_SY"] == (
        f"经查，当事人持施工许可证{PERMIT_NO}超范围施工，法定代表人张三（身份证410503********0318）。"
    )
    assert present_record(record)["document_number"] == PERMIT_NO

    client = Client()
    page = client.get(f"/credit/record/{record.pk}/").content.decode()
    assert ALL_DIGIT_USCC in page and PERMIT_NO in page
    assert "914105********5998" not in page and "410503********0101" not in page
    assert REP_ID not in page
    subject_page = client.get(f"/credit/subject/{record.subject_id}/").content.decode()
    assert PERMIT_NO in subject_page
    export = client.get(f"/credit/subject/{record.subject_id}/export.csv")
    assert PERMIT_NO in export.content.decode("utf-8-sig")
    api = client.get(f"/api/v1/public/subjects/{record.subject_id}").json()
    api_fields = {f["code"]: f["value"] for f in api["records"][0]["fields"]}
    assert api_fields["CF_XDR_SHXYM"] == ALL_DIGIT_USCC
    assert api_fields["CF_WSH"] == PERMIT_NO
    assert api["records"][0]["document_number"] == PERMIT_NO


def test_persons_own_name_is_masked_in_free_text() -> None:
    record = person_penalty(
        62,
        decided="2026-05-12",
        id_number=PARTY_ID,
        name="张建国",
        CF_SY=f"当事人张建国（身份证{PARTY_ID.lower()}）无证经营，张建国对事实无异议。",
    )
    fields = _fields(record)
    assert fields["CF_XDR_MC"] == "张**"
    assert fields["CF_XDR_ZJHM"] == "410502********301X"
    assert fields["CF_SY"] == ("当事人张**（身份证410502********301x）无证经营，张**对事实无异议。")

    client = Client()
    found = query_person(client, PARTY_ID, "张建国")
    query = found["Location"].split("?", 1)[1]
    page = client.get(f"/credit/record/{record.pk}/?{query}").content.decode()
    assert "当事人张**（身份证410502********301x）无证经营" in page
    assert "张建国" not in page
    token = api_query_person(client, PARTY_ID, "张建国")
    api = client.get(
        f"/api/v1/public/subjects/{record.subject_id}", {"t": token.json()["results"][0]["token"]}
    )
    assert api.status_code == 200
    assert "张建国" not in api.content.decode()


def test_persons_own_name_is_masked_in_a_withdrawal_reason() -> None:
    record = person_penalty(63, decided="2026-05-12", id_number=PARTY_ID, name="张建国")
    withdraw_record(
        actor=None,
        record=record,
        reason="复议撤销：张建国提供了许可证明",
        revoked_on=date(2026, 11, 2),
        basis_document="北关复决〔2026〕3号",
        on=date(2026, 11, 3),
    )
    shown = present_withdrawal(RecordWithdrawal.objects.get(record=record))
    assert shown["party_name"] == "张**"
    assert shown["reason"] == "复议撤销：张**提供了许可证明"
