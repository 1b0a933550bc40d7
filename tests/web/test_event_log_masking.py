"""The workspace's event log shows a natural person's data masked (DOMAIN.md §2): a
correction of a person's record stores its old and new values as written (the hash chain
covers them), and the log page masks name, ID number and phone in them — so that reading
the log is no read of the person's data; their record page shows it in full and logs."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from xinyong.core.audit import record_event, verify_chains
from xinyong.core.models import Event, ReadLog
from xinyong.records.services import correct_record

from ..publicity.helpers import penalty, person_penalty

pytestmark = pytest.mark.django_db

ID_NUMBER = "410503196805120318"
MASKED_ID = "410503********0318"
PHONE = "13812345678"
NAME = "张建国"


def _log(client: Client, query: str = "") -> str:
    response = client.get("/workspace/events/" + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_persons_correction_is_shown_masked_and_stored_as_written(
    admin_client_: Client, credit_admin
) -> None:
    record = person_penalty(1, decided="2026-03-02", id_number=ID_NUMBER, name=NAME)
    correct_record(
        actor=credit_admin,
        record=record,
        changes={"CF_NR": f"罚款6000元，当事人{NAME}身份证{ID_NUMBER}，电话{PHONE}"},
        reason="金额笔误",
    )
    reads = ReadLog.objects.count()
    html = _log(admin_client_, "?action=records.corrected")
    for secret in (ID_NUMBER, PHONE, NAME):
        assert secret not in html, secret
    assert f"罚款6000元，当事人张**身份证{MASKED_ID}，电话138****5678" in html
    assert "金额笔误" in html
    assert ReadLog.objects.count() == reads
    # Masked on the page only: the event keeps what was written, and the chain holds.
    event = Event.objects.get(action="records.corrected")
    assert ID_NUMBER in json.dumps(event.new_values, ensure_ascii=False)
    assert verify_chains() == []


def test_a_name_the_subject_no_longer_uses_is_masked_too(
    admin_client_: Client, credit_admin
) -> None:
    # The record's party name as submitted differs from the subject's (the subject keeps
    # its first name): both are the person's.
    record = person_penalty(2, decided="2026-03-02", id_number=ID_NUMBER, name=NAME)
    record.party_name = "张建囯"
    record.save(update_fields=["party_name"])
    record_event(
        actor=credit_admin,
        action="records.corrected",
        target_type="records.CreditRecord",
        target_id=record.pk,
        target_repr=f"{record.document_number} 张建囯",
        old={"payload": {"CF_XDR_MC": NAME}},
        new={"payload": {"CF_XDR_MC": "张建囯"}},
    )
    html = _log(admin_client_, "?action=records.corrected")
    assert NAME not in html and "张建囯" not in html
    assert "张**" in html


def test_an_organisations_correction_keeps_its_name(admin_client_: Client, credit_admin) -> None:
    record = penalty(3, decided="2026-03-02")
    correct_record(
        actor=credit_admin,
        record=record,
        changes={"CF_NR": f"罚款6000元，法定代表人电话{PHONE}"},
        reason="金额笔误",
    )
    html = _log(admin_client_, "?action=records.corrected")
    # A company is public; a phone number in its record is still a person's.
    assert "罚款6000元，法定代表人电话138****5678" in html
    assert PHONE not in html
