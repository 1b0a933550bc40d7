"""The repair API for a natural person keyed by another document (护照:E12345678): the
field says other documents are accepted, and the bare number is."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from xinyong.publicity.views import person_token
from xinyong.rights.api_repair import RepairApplySerializer
from xinyong.rights.models import RepairApplication

from .repair_helpers import person_penalty_row, record, store

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("next_year_calendar")]

HOLDER = "约翰·史密斯"


def test_the_subject_field_says_other_documents_are_accepted() -> None:
    field = RepairApplySerializer().fields["subject_identifier"]
    assert "统一社会信用代码、身份证号码或其他证件号码" in str(field.help_text)


def test_a_passport_holder_applies_through_the_api_with_the_bare_number(clock) -> None:
    # Decided 2026-03-10, applied 2026-09-22: past the 3-month minimum (国办发〔2025〕22号).
    clock.today = date(2026, 9, 22)
    row = person_penalty_row(1)
    row.update(CF_XDR_MC=HOLDER, CF_XDR_ZJLX="护照", CF_XDR_ZJHM="E12345678")
    store([row])
    r = record(1)
    body = {
        "record": r.pk,
        "applicant_name": HOLDER,
        "applicant_phone": "13800001234",
        "subject_identifier": "ｅ１２３４５６７８",
        "fulfilment_statement": "罚款已缴清。",
        "commitment_accepted": True,
    }
    # A person's record: the API takes the person token, as the portal's form does.
    created = APIClient().post(f"/api/v1/repairs?t={person_token(r.subject)}", body, format="json")
    assert created.status_code == 201, created.content
    assert RepairApplication.objects.get().subject_id == r.subject_id
