"""A bank checks through 信易+ only what it may see elsewhere (`subjects.selectors.
bank_may_see`): a firm on the published 信易贷 white list or authorising the bank. A natural
person, a firm hidden from the bank and an unknown code all answer the same "not found", so
that a bare ID number tells the bank nothing (review of 2026-11-27, issue 7)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from rest_framework.test import APIClient

from tests.finance.helpers import (
    BANK,
    admin,
    bank_user,
    finance_reviewer,
    firm,
    list_entry,
    make_user,
    person,
    publish,
)
from xinyong.benefits import services
from xinyong.benefits.models import ScenarioUse
from xinyong.core.errors import NotFoundError
from xinyong.core.models import Event, ReadLog
from xinyong.finance import services as finance
from xinyong.orgs.models import Role

from ..publicity.helpers import person_penalty

pytestmark = pytest.mark.django_db
UNKNOWN_ID = "110105194912310011"


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_bank_cannot_probe_a_natural_person_by_id_number() -> None:
    debtor = person("王五", date(1980, 5, 6), 11)
    list_entry(debtor, "SX_BZXR", date(2026, 3, 1))
    api = _api(bank_user())
    r = api.post("/api/v1/benefits/check/", {"subject": debtor.identifier}, format="json")
    unknown = api.post("/api/v1/benefits/check/", {"subject": UNKNOWN_ID}, format="json")
    assert r.status_code == 404, r.json()
    assert (r.status_code, r.json()) == (unknown.status_code, unknown.json())
    assert "王" not in r.content.decode()
    # Nothing counted as a use, nothing read of the person; the attempt is on the record.
    assert not ScenarioUse.objects.exists()
    assert not ReadLog.objects.filter(subject_id=str(debtor.pk)).exists()
    assert Event.objects.filter(action="benefits.check_refused").count() == 2


def test_a_person_under_two_document_types_answers_the_same_to_a_bank() -> None:
    # The "choose the document type" refusal would tell the bank persons hold the number.
    for n, document_type in ((1, "护照"), (2, "港澳居民来往内地通行证")):
        person_penalty(
            n,
            decided="2026-03-02",
            id_number="E12345678",
            name="约翰·史密斯",
            CF_XDR_ZJLX=document_type,
        )
    bank = bank_user()
    with pytest.raises(NotFoundError) as twice:
        services.check(actor=bank, subject_code="E12345678")
    with pytest.raises(NotFoundError) as unknown:
        services.check(actor=bank, subject_code=UNKNOWN_ID)
    assert twice.value.message == unknown.value.message


def test_bank_checks_only_the_firms_it_may_see() -> None:
    credit, reviewer, bank = admin(), finance_reviewer(), bank_user()
    listed = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    publish(date(2026, 10, 9), credit, reviewer)
    hidden = firm("MA44UC2R", "安阳市北关区欠薪建筑工程有限公司", grade="C")
    assert services.check(actor=bank, subject_code=listed.identifier).subject == listed
    with pytest.raises(NotFoundError):
        services.check(actor=bank, subject_code=hidden.identifier)
    finance.record_staff_authorisation(
        actor=credit,
        subject=hidden,
        bank=BANK,
        scope="financing",
        valid_from=date.today(),
        valid_until=date(date.today().year + 1, 1, 31),
        document=ContentFile(b"%PDF-1.4 signed", name="shouquan.pdf"),
    )
    assert services.check(actor=bank, subject_code=hidden.identifier).subject == hidden


def test_other_roles_still_check_persons_and_unknown_codes() -> None:
    someone = person("李秀英", date(1975, 11, 3), 42)
    reporter = make_user("rep_zjj", Role.REPORTER, "区住建局")
    assert services.check(actor=reporter, subject_code=someone.identifier).subject == someone
    assert services.check(actor=reporter, subject_code=UNKNOWN_ID).subject is None


def test_bank_workspace_check_page_answers_not_found_for_a_person(client) -> None:
    debtor = person("王五", date(1980, 5, 6), 11)
    client.force_login(bank_user())
    page = client.post(
        reverse("benefits:check"), {"subject": debtor.identifier, "scenario": ""}
    ).content.decode()
    other = client.post(
        reverse("benefits:check"), {"subject": UNKNOWN_ID, "scenario": ""}
    ).content.decode()
    assert services.BANK_NOT_FOUND in page and services.BANK_NOT_FOUND in other
    assert 'id="check-result"' not in page and 'id="check-result"' not in other
