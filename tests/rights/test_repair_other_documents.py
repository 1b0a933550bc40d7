"""Online repair by a natural person keyed by another document (护照:E12345678): the
applicant proves the subject with the bare document number, as typed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from xinyong.core.errors import DomainError
from xinyong.rights.models import RepairApplication

from .repair_helpers import PERSON_ID, apply, person_penalty_row, record, store

pytestmark = pytest.mark.django_db

PASSPORT = "E12345678"
HOLDER = "约翰·史密斯"
ON = date(2026, 9, 22)  # decided 2026-03-10: past the 3-month minimum (国办发〔2025〕22号)


def passport_row(n: int) -> dict[str, Any]:
    row = person_penalty_row(n)
    row.update(CF_XDR_MC=HOLDER, CF_XDR_ZJLX="护照", CF_XDR_ZJHM=PASSPORT)
    return row


@pytest.mark.parametrize("typed", [PASSPORT, "e12345678", "ｅ１２３４５６７８", "护照:E12345678"])
def test_a_passport_holder_applies_online_with_the_passport_number(typed: str) -> None:
    store([passport_row(1)])
    r = record(1)
    assert r.subject.identifier == "护照:E12345678"
    app = apply(r, ON, applicant_name=HOLDER, subject_identifier=typed)
    assert app.status == RepairApplication.Status.SUBMITTED
    assert app.subject_id == r.subject_id


def test_another_number_or_the_same_number_of_another_document_is_refused() -> None:
    store([passport_row(1)])
    r = record(1)
    for typed in ("E12345679", "港澳居民来往内地通行证:E12345678", PERSON_ID):
        with pytest.raises(DomainError, match="所填主体代码与该信息的信用主体不一致"):
            apply(r, ON, applicant_name=HOLDER, subject_identifier=typed)
    assert not RepairApplication.objects.exists()


def test_an_id_card_holder_is_unaffected() -> None:
    store([person_penalty_row(1)])
    r = record(1)
    with pytest.raises(DomainError, match="所填主体代码与该信息的信用主体不一致"):
        apply(r, ON, applicant_name="李四", subject_identifier="11010519491231003X")
    app = apply(r, ON, applicant_name="李四", subject_identifier=PERSON_ID.lower())
    assert app.status == RepairApplication.Status.SUBMITTED
