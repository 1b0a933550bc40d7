"""Privacy review of sanctions (DOMAIN.md §2 and §6): a published 典型案例 or 失信事件 shows a
natural person by the first character of the name and a masked ID number, in the title
as in the text; the check list masks a person's name, and opening a check of a person
(page or API) is a logged read that names the check."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from xinyong.core.models import ReadLog
from xinyong.orgs.models import Role
from xinyong.sanctions import checks, events
from xinyong.sanctions.models import DishonestyEvent
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject

from .governance_helpers import admin, company, entry, make_user, unit

pytestmark = pytest.mark.django_db

ID_NUMBER = "410503196805120318"
MASKED_ID = "410503********0318"
PHONE = "13812345678"


@pytest.fixture
def person() -> Subject:
    subject, _created, _conflict = get_or_create_subject(
        actor=None, identifier=ID_NUMBER, name="张建国"
    )
    entry(subject, "SX_BZXR", effective_from=date(2026, 1, 5))
    return subject


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "fin": make_user("pf_fin", Role.REPORTER, "区财政局"),
        "admin": admin(),
        "leader": make_user("pf_leader", Role.LEADER),
    }


def _check(person: Subject, people: dict[str, Any]) -> Any:
    return checks.run_check(
        actor=people["fin"], unit=unit("区财政局"), subject=person, matter="PROCUREMENT"
    )


# ---------------------------------------------------------------- 1. cases and events


def test_a_published_case_masks_the_persons_name_and_number_in_title_and_body(
    person, people
) -> None:
    check = _check(person, people)
    case = checks.write_case(
        actor=people["fin"],
        unit=unit("区财政局"),
        title=f"失信被执行人张建国（{ID_NUMBER}）被限制参加政府采购",
        body=f"张建国（身份证号 {ID_NUMBER}，电话 {PHONE}）系失信被执行人，"
        "区财政局依法认定张建国不具备政府采购供应商资格。",
        check=check,
    )
    checks.publish_case(actor=people["admin"], case=case)
    listing = Client().get("/credit/cases/").content.decode()
    page = Client().get(f"/credit/cases/{case.pk}/").content.decode()
    for html in (listing, page):
        assert ID_NUMBER not in html and PHONE not in html
        assert "张建国" not in html
        assert f"失信被执行人张**（{MASKED_ID}）被限制参加政府采购" in html
    assert f"<title>失信被执行人张**（{MASKED_ID}）被限制参加政府采购 - " in page
    assert "区财政局依法认定张**不具备政府采购供应商资格" in page
    assert "138****5678" in page


def test_a_case_about_an_organisation_keeps_its_names(people) -> None:
    case = checks.write_case(
        actor=people["fin"],
        unit=unit("区财政局"),
        title="安阳市北关区某建材有限公司被限制参加政府采购",
        body="该公司被列为失信被执行人，区财政局依法认定其不具备政府采购供应商资格。",
    )
    checks.publish_case(actor=people["admin"], case=case)
    page = Client().get(f"/credit/cases/{case.pk}/").content.decode()
    assert "<title>安阳市北关区某建材有限公司被限制参加政府采购 - " in page


def test_a_published_event_masks_the_persons_name_in_title_and_text(person) -> None:
    office = admin()
    event = events.register_event(
        actor=office,
        title="张建国拒不履行法院判决",
        source="信用中国（河南安阳）舆情监测",
        description="群众反映张建国拒不履行判决。",
        detected_on=date(2026, 9, 25),
        subject=person,
    )
    events.assign_event(actor=office, event=event, unit=unit("区法院"), on=date(2026, 9, 28))
    events.record_handling(actor=office, event=event, handling="已约谈", on=date(2026, 10, 9))
    published = events.publish_event(
        actor=office,
        event=event,
        public_text=f"已约谈张建国（身份证 {ID_NUMBER}），张建国已履行。",
        on=date(2026, 10, 12),
    )
    # Stored masked, so that no later reader of public_text sees the name.
    assert published.public_text == f"已约谈张**（身份证 {MASKED_ID}），张**已履行。"
    rows = Client().get("/api/v1/public/dishonesty-events").json()["results"]
    assert [(r["title"], r["subject"], r["public_text"]) for r in rows] == [
        ("张**拒不履行法院判决", "张**", f"已约谈张**（身份证 {MASKED_ID}），张**已履行。")
    ]
    assert "张建国" not in json.dumps(rows, ensure_ascii=False)
    html = Client().get("/credit/events/").content.decode()
    assert "张**拒不履行法院判决" in html
    assert "张建国" not in html and ID_NUMBER not in html


def test_an_event_published_before_the_fix_is_still_masked_when_shown(person) -> None:
    office = admin()
    event = events.register_event(
        actor=office,
        title="张建国拒不履行法院判决",
        source="舆情监测",
        description="群众反映。",
        detected_on=date(2026, 9, 25),
        subject=person,
    )
    events.assign_event(actor=office, event=event, unit=unit("区法院"), on=date(2026, 9, 28))
    events.record_handling(actor=office, event=event, handling="已约谈", on=date(2026, 10, 9))
    events.publish_event(actor=office, event=event, public_text="已履行。", on=date(2026, 10, 12))
    # A text stored unmasked by the earlier code.
    DishonestyEvent.objects.filter(pk=event.pk).update(public_text="已约谈张建国，张建国已履行。")
    view = events.public_view(events.published_events().get())
    assert (view["title"], view["public_text"]) == (
        "张**拒不履行法院判决",
        "已约谈张**，张**已履行。",
    )


# ---------------------------------------------------------------- 3. check pages and API


def test_the_check_list_masks_a_persons_name_without_logging(person, people) -> None:
    check = _check(person, people)
    client = Client()
    for who in ("leader", "admin", "fin"):
        client.force_login(people[who])
        before = ReadLog.objects.count()
        html = client.get("/workspace/sanctions/checks/").content.decode()
        assert f'href="/workspace/sanctions/checks/{check.pk}/"' in html
        assert "张建国" not in html and "张**" in html
        assert ReadLog.objects.count() == before


def test_opening_a_persons_check_is_a_logged_read_naming_the_check(person, people) -> None:
    check = _check(person, people)
    client = Client()
    expected = {
        "fin": f"办理本单位联合奖惩查询第 {check.pk} 号（政府采购）",
        "admin": f"查阅联合奖惩查询记录第 {check.pk} 号（区财政局·政府采购）",
        "leader": f"查阅联合奖惩查询记录第 {check.pk} 号（区财政局·政府采购）",
    }
    for who, purpose in expected.items():
        client.force_login(people[who])
        before = ReadLog.objects.count()
        html = client.get(f"/workspace/sanctions/checks/{check.pk}/").content.decode()
        assert "张建国" in html
        assert ReadLog.objects.count() == before + 1
        log = ReadLog.objects.order_by("-id").first()
        assert log is not None
        assert (log.reader, log.subject_id, log.purpose) == (people[who], str(person.pk), purpose)
        assert log.subject_repr == f"张**（{MASKED_ID}）"

        api = APIClient()
        api.force_authenticate(people[who])
        response = api.get(f"/api/v1/checks/{check.pk}")
        assert response.status_code == 200
        assert response.json()["subject"]["name"] == "张建国"
        assert ReadLog.objects.count() == before + 2
        assert ReadLog.objects.order_by("-id").values_list("purpose", flat=True)[0] == purpose


def test_feedback_through_the_api_is_a_logged_read(person, people) -> None:
    check = _check(person, people)
    api = APIClient()
    api.force_authenticate(people["fin"])
    before = ReadLog.objects.count()
    response = api.post(
        f"/api/v1/checks/{check.pk}/feedback",
        {"items": [{"measure": "P-PROCUREMENT", "action": "applied"}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["subject"]["name"] == "张建国"
    assert ReadLog.objects.count() == before + 1


def test_opening_an_organisations_check_logs_nothing(people) -> None:
    firm = company("MA00002A", "安阳市北关区失信物资有限公司")
    check = checks.run_check(
        actor=people["fin"], unit=unit("区财政局"), subject=firm, matter="PROCUREMENT"
    )
    client = Client()
    client.force_login(people["fin"])
    before = ReadLog.objects.count()
    html = client.get(f"/workspace/sanctions/checks/{check.pk}/").content.decode()
    assert "安阳市北关区失信物资有限公司" in html
    list_html = client.get("/workspace/sanctions/checks/").content.decode()
    assert "安阳市北关区失信物资有限公司" in list_html
    assert ReadLog.objects.count() == before


# ---------------------------------------------------------------- finding a person to check


def test_a_unit_finds_a_person_to_check_by_id_number_not_by_surname(person, people) -> None:
    """A surname must not list the district's residents to a unit (least privilege); the
    unit checking a person has the ID number (subjects.selectors.search_for)."""
    client = Client()
    client.force_login(people["fin"])
    fin = unit("区财政局")
    form = {"unit": str(fin.pk), "matter": "PROCUREMENT"}
    by_name = client.post("/workspace/sanctions/checks/new/", {**form, "subject": "张"})
    assert by_name.status_code == 200
    page = by_name.content.decode()
    assert "没有找到与“张”相符的信用主体（自然人请输入完整的身份证号码或其他证件号码）" in page
    assert "张*" not in page
    by_id = client.post("/workspace/sanctions/checks/new/", {**form, "subject": ID_NUMBER})
    assert by_id.status_code == 302
    # Nor by walking platform ids: the unit has no record of him.
    walked = client.post("/workspace/sanctions/checks/new/", {**form, "subject_id": str(person.pk)})
    assert "不在您可查看的范围内" in walked.content.decode()
