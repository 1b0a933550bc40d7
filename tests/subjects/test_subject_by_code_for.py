"""`selectors.subject_by_code_for`: the one lookup for forms and APIs that act on a subject
named by its code (list proposals and their filter, 失信事件 registration). A code in
any case or full width, a passport number with or without its type; a name or a partial
code finds nothing; a bank finds only what it may see; a person's read is logged."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.sanctions.governance_helpers import admin, make_user
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.models import ReadLog
from xinyong.orgs import services as org_services
from xinyong.orgs.models import Role
from xinyong.sanctions.models import DishonestyEvent, ListEntry
from xinyong.subjects import selectors, services
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.django_db

USCC = "91410503MA44X1234G"  # valid (GB 32100)
OTHER_USCC = "91330282L07196379D"  # valid (DOMAIN.md §2)
ID_NUMBER = "11010519491231002X"  # DOMAIN.md §2 example


def firm(code: str = USCC, name: str = "安阳市北关区某某商贸有限公司") -> Subject:
    subject, _, _ = services.get_or_create_subject(actor=None, identifier=code, name=name)
    return subject


def person(identifier: str, name: str = "约翰·史密斯") -> Subject:
    subject, _, _ = services.get_or_create_subject(
        actor=None, identifier=identifier, name=name, kind="自然人"
    )
    return subject


def test_a_code_in_any_spelling_finds_the_subject_and_a_fragment_nothing() -> None:
    office = admin()
    company = firm()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in USCC.lower())
    for typed in (USCC, USCC.lower(), f" {USCC} ", full_width):
        assert selectors.subject_by_code_for(office, typed, purpose="测试") == company
    for typed in (USCC[:10], "某某商贸"):
        with pytest.raises(NotFoundError):
            selectors.subject_by_code_for(office, typed, purpose="测试")
    with pytest.raises(DomainError, match="请填写信用主体的统一社会信用代码或证件号码"):
        selectors.subject_by_code_for(office, "  ", purpose="测试")
    assert not ReadLog.objects.exists()  # organisations are not personal data


def test_a_person_by_a_bare_passport_number_is_found_and_the_read_logged() -> None:
    office = admin()
    holder = person("护照:E12345678")
    assert selectors.subject_by_code_for(office, "e12345678", purpose="提出列入") == holder
    log = ReadLog.objects.get()
    assert (log.subject_id, log.purpose) == (str(holder.pk), "提出列入")


def test_an_unknown_id_number_is_named_masked() -> None:
    with pytest.raises(NotFoundError) as refused:
        selectors.subject_by_code_for(admin(), ID_NUMBER, purpose="测试")
    assert ID_NUMBER not in refused.value.message
    assert "110105********002X" in refused.value.message


def test_the_survivor_of_a_merge_answers_for_the_absorbed_code() -> None:
    keep, absorbed = firm(), firm(OTHER_USCC, "安阳市北关区某某商贸公司")
    services.merge_subjects(actor=None, keep=keep, absorb=absorbed, reason="重复建档")
    assert selectors.subject_by_code_for(admin(), OTHER_USCC, purpose="测试") == keep


def test_a_bank_finds_only_what_it_may_see_and_unknown_looks_the_same() -> None:
    firm()
    bank = org_services.create_user(
        actor=None,
        username="bank_code",
        password="Xinyong@2026",
        role=Role.BANK,
        unit=None,
        organisation="某银行北关支行",
    )
    with pytest.raises(NotFoundError) as known:
        selectors.subject_by_code_for(bank, USCC, purpose="测试")
    with pytest.raises(NotFoundError) as unknown:
        selectors.subject_by_code_for(bank, OTHER_USCC, purpose="测试")
    assert known.value.message.replace(USCC, "X") == unknown.value.message.replace(OTHER_USCC, "X")


def test_the_list_api_takes_a_lower_case_full_width_code() -> None:
    company = firm()
    reporter = make_user("code_hrss", Role.REPORTER, "区人社局")
    api = APIClient()
    api.force_authenticate(reporter)
    typed = "".join(chr(ord(c) + 0xFEE0) for c in USCC.lower())
    response = api.post(
        "/api/v1/list-entries",
        {
            "list_type": "SX_WAGES",
            "subject": typed,
            "basis_document": "北关人社监察决〔2026〕7号",
            "reasons": "拖欠农民工工资数额较大",
            "on": "2026-11-26",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert ListEntry.objects.get().subject == company
    office = APIClient()
    office.force_authenticate(admin())
    listed = office.get("/api/v1/list-entries", {"subject": USCC.lower()}).json()
    assert [r["id"] for r in listed["results"]] == [ListEntry.objects.get().pk]
    unknown = office.get("/api/v1/list-entries", {"subject": OTHER_USCC})
    assert unknown.status_code == 404


def test_a_dishonesty_event_takes_a_lower_case_code() -> None:
    company = firm()
    client = Client()
    client.force_login(admin())
    response = client.post(
        "/workspace/sanctions/events/new/",
        {
            "title": "某商贸公司欠薪",
            "source": "12345 热线",
            "description": "工人反映欠薪三个月",
            "detected_on": "2026-09-25",
            "subject_code": USCC.lower(),
        },
    )
    assert response.status_code == 302
    assert DishonestyEvent.objects.get().subject == company


def test_the_workspace_list_form_takes_a_lower_case_code_and_names_an_unknown_one() -> None:
    from xinyong.sanctions import lists

    company = firm()
    reporter = make_user("form_hrss", Role.REPORTER, "区人社局")
    client = Client()
    client.force_login(reporter)
    form = {
        "list_type": lists.get_list_type("SX_WAGES").pk,
        "basis_document": "北人社列字〔2026〕15号",
        "reasons": "拖欠农民工工资数额较大",
        "on": "2026-11-26",
    }
    unknown = client.post("/workspace/sanctions/lists/new/", {**form, "subject": OTHER_USCC})
    assert unknown.status_code == 200
    assert f"没有找到代码为“{OTHER_USCC}”的信用主体" in unknown.content.decode()
    response = client.post("/workspace/sanctions/lists/new/", {**form, "subject": USCC.lower()})
    assert response.status_code == 302
    assert ListEntry.objects.get().subject == company
