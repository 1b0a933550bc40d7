"""Least privilege on the subject register API (个人信息保护法 art. 6; DOMAIN.md §6).

- A bank reads only the subjects the 信易贷 rules open to it — on the published white list,
  or with the enterprise's authorisation for that bank in force — found by their code;
  never a natural person, never a subject by walking ids.
- Unit staff and leaders find organisations by a fragment of their name as before, but a
  natural person only by the exact ID number; a person's detail by id opens only to a
  reader who may already read a credit record of that person (their unit's record; a
  district leader, any unit's). Every person returned is read-logged.
- The credit office is unchanged: every subject, by name too, numbers in full."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from xinyong.core.models import ReadLog
from xinyong.finance import services as finance
from xinyong.orgs.models import Role

from ..finance.helpers import (
    BANK,
    admin,
    bank_user,
    finance_reviewer,
    firm,
    make_user,
    penalty,
    person,
    publish,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
OTHER_BANK = "中国工商银行安阳北关支行"


@pytest.fixture
def world(clock):
    clock.today = TODAY
    credit = admin()
    listed = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    # Grade C: never on a white list; only an authorisation opens them to a bank.
    shop = firm("L36T4E5W", "北关区晓芳理发店", grade="C", category="92")
    hidden = firm("MA44UC2R", "安阳北关豫安建筑工程有限公司", grade="C")
    zhang = person("张建国", date(1968, 5, 12), 31)
    xiuying = person("张秀英", date(1972, 3, 8), 42)
    publish(date(2026, 10, 9), credit, finance_reviewer())
    bank, other_bank = bank_user(), bank_user("bank2", organisation=OTHER_BANK)
    finance.record_staff_authorisation(
        actor=credit,
        subject=shop,
        bank=BANK,
        scope="financing",
        valid_from=TODAY,
        valid_until=date(2027, 5, 25),
        document=ContentFile(b"%PDF-1.4 signed", name="shouquan.pdf"),
    )
    # 张建国 has a penalty reported by 区市场监管局; 张秀英 has none.
    penalty(zhang, date(2026, 9, 1), "北关市监罚〔2026〕88号")
    return {
        "credit": credit,
        "listed": listed,
        "shop": shop,
        "hidden": hidden,
        "zhang": zhang,
        "xiuying": xiuying,
        "bank": bank,
        "other_bank": other_bank,
        "rsj": make_user("rsj", Role.REPORTER, "区人社局"),
        "scj": make_user("scj", Role.REVIEWER, "区市场监管局"),
        "rsj_leader": make_user("rsj_head", Role.UNIT_LEADER, "区人社局"),
        "leader": make_user("district_leader", Role.LEADER),
    }


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["results"]]


def masked(subject) -> str:
    return subject.identifier[:6] + "********" + subject.identifier[-4:]


# ---------------------------------------------------------------- banks


def test_a_bank_finds_no_person_by_surname_or_by_id_number(world):
    bank = api(world["bank"])
    assert ids(bank.get("/api/v1/subjects/", {"q": "张"})) == []
    assert ids(bank.get("/api/v1/subjects/", {"q": world["zhang"].identifier})) == []
    assert bank.get(f"/api/v1/subjects/{world['zhang'].pk}/").status_code == 404
    assert not ReadLog.objects.exists()


def test_a_bank_reads_listed_and_authorised_firms_by_code_only(world):
    bank = api(world["bank"])
    for key in ("listed", "shop"):
        subject = world[key]
        assert ids(bank.get("/api/v1/subjects/", {"q": subject.identifier})) == [subject.pk]
        detail = bank.get(f"/api/v1/subjects/{subject.pk}/")
        assert detail.status_code == 200
        assert detail.json()["identifier"] == subject.identifier
    # Not by a fragment of the name (the white list API gives the listed firms' names).
    assert ids(bank.get("/api/v1/subjects/", {"q": "恒达"})) == []
    # Neither listed nor authorising this bank: as if it did not exist.
    hidden = world["hidden"]
    assert ids(bank.get("/api/v1/subjects/", {"q": hidden.identifier})) == []
    refused = bank.get(f"/api/v1/subjects/{hidden.pk}/")
    assert refused.status_code == 404
    assert refused.json()["detail"] == f"信用主体 {hidden.pk} 不存在，或不在您可查看的范围内。"
    assert hidden.name not in refused.content.decode()
    assert bank.get("/api/v1/subjects/999999/").json() == refused.json() | {
        "detail": "信用主体 999999 不存在，或不在您可查看的范围内。"
    }


def test_an_authorisation_opens_the_firm_to_its_bank_only(world):
    other = api(world["other_bank"])
    shop, listed = world["shop"], world["listed"]
    assert ids(other.get("/api/v1/subjects/", {"q": shop.identifier})) == []
    assert other.get(f"/api/v1/subjects/{shop.pk}/").status_code == 404
    # The published white list is open to every bank.
    assert other.get(f"/api/v1/subjects/{listed.pk}/").status_code == 200


def test_a_bank_account_without_its_bank_is_refused(world):
    nameless = make_user("bank3", Role.BANK)
    response = api(nameless).get("/api/v1/subjects/", {"q": world["listed"].identifier})
    assert response.status_code == 403
    assert response.json()["detail"] == "您的银行账号未登记所属银行，请联系信用办。"


# ---------------------------------------------------------------- unit staff and leaders


@pytest.mark.parametrize("who", ["rsj", "scj", "rsj_leader", "leader"])
def test_staff_find_no_person_by_name(world, who):
    client = api(world[who])
    assert ids(client.get("/api/v1/subjects/", {"q": "张"})) == []
    assert ids(client.get("/api/v1/subjects/", {"q": "张建国"})) == []
    assert not ReadLog.objects.exists()
    # Organisations by a fragment of their name, as before.
    assert ids(client.get("/api/v1/subjects/", {"q": "恒达"})) == [world["listed"].pk]
    assert ids(client.get("/api/v1/subjects/", {"q": "北关"})) == [
        world["shop"].pk,
        world["listed"].pk,
        world["hidden"].pk,
    ]


def test_staff_find_a_person_by_the_exact_id_number_masked_and_logged(world):
    zhang = world["zhang"]
    response = api(world["rsj"]).get(
        "/api/v1/subjects/", {"q": zhang.identifier.lower(), "purpose": "核查处罚对象"}
    )
    assert ids(response) == [zhang.pk]
    (found,) = response.json()["results"]
    assert (found["name"], found["identifier"]) == ("张建国", masked(zhang))
    log = ReadLog.objects.get()
    assert (log.subject_id, log.purpose) == (str(zhang.pk), "核查处罚对象")
    # A part of the number is no exact identifier.
    assert ids(api(world["rsj"]).get("/api/v1/subjects/", {"q": zhang.identifier[:14]})) == []
    assert ReadLog.objects.count() == 1


def test_a_persons_detail_opens_only_with_a_record_the_reader_may_read(world):
    zhang, xiuying = world["zhang"], world["xiuying"]
    # 区市场监管局 reported 张建国's penalty: its staff may open him, masked and logged.
    detail = api(world["scj"]).get(f"/api/v1/subjects/{zhang.pk}/", {"purpose": "核查"})
    assert detail.status_code == 200
    assert detail.json()["identifier"] == masked(zhang)
    assert [i["value"] for i in detail.json()["identifiers"]] == [masked(zhang)]
    assert ReadLog.objects.get().subject_id == str(zhang.pk)
    # The district leader reads every unit's records.
    assert api(world["leader"]).get(f"/api/v1/subjects/{zhang.pk}/").status_code == 200
    assert ReadLog.objects.count() == 2
    # 区人社局 has no record of him; nobody but the credit office has one of 张秀英.
    for who, subject in (("rsj", zhang), ("rsj_leader", zhang), ("scj", xiuying)):
        refused = api(world[who]).get(f"/api/v1/subjects/{subject.pk}/")
        assert refused.status_code == 404, who
        assert subject.name not in refused.content.decode()
    assert api(world["leader"]).get(f"/api/v1/subjects/{xiuying.pk}/").status_code == 404
    assert ReadLog.objects.count() == 2
    # Organisations stay open to every member of staff.
    assert api(world["rsj"]).get(f"/api/v1/subjects/{world['hidden'].pk}/").status_code == 200


# ---------------------------------------------------------------- the credit office


def test_the_credit_office_still_finds_persons_by_name_in_full(world):
    response = api(world["credit"]).get("/api/v1/subjects/", {"q": "张"})
    assert ids(response) == [world["zhang"].pk, world["xiuying"].pk]
    assert [r["identifier"] for r in response.json()["results"]] == [
        world["zhang"].identifier,
        world["xiuying"].identifier,
    ]
    assert ReadLog.objects.count() == 2
    detail = api(world["credit"]).get(f"/api/v1/subjects/{world['xiuying'].pk}/")
    assert detail.json()["identifier"] == world["xiuying"].identifier
