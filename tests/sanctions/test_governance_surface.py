"""Blacklist governance through pages, API and CLI: the picture (with its chart data and
red markers), case pages for the lead unit, and refusals as messages, never a 500."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from xinyong.orgs.models import Role
from xinyong.sanctions import governance
from xinyong.sanctions.models import GovernanceCase

from .governance_helpers import admin, company, entry, make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed() -> dict:
    a = company("MA44T3K1", "安阳市北关区恒达商贸有限公司")
    company("MA44UC2R", "安阳北关豫安建筑工程有限公司")
    gov = company("00582640", "安阳市北关区某某局", category="11")
    return {
        "a": entry(a, "SX_BZXR", effective_from=date(2026, 1, 15)),
        "gov": entry(gov, "SX_BZXR", effective_from=date(2026, 5, 1)),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_picture_page_api_and_cli(listed: dict) -> None:
    office = admin()
    governance.set_target(actor=office, year=2026, max_blacklist_share="10")
    client = _client(office)
    page = client.get("/workspace/sanctions/governance/?on=2026-06-30")
    assert page.status_code == 200
    html = page.content.decode()
    assert "vendor/echarts.min.js" in html
    assert 'id="share-above"' in html and 'id="government-above"' in html
    assert "50.000%" in html  # 1 of the 2 district enterprises
    assert "安阳市北关区某某局" in html
    bad = client.get("/workspace/sanctions/governance/?on=2026-02-30")
    assert bad.status_code == 200 and "无效" in bad.content.decode()
    api = client.get("/api/v1/governance/picture?on=2026-06-30")
    assert api.status_code == 200
    data = api.json()
    assert data["current"]["share"] == "50.000"
    assert data["current"]["government_bodies_on_judgment_debtors"] == 1
    assert len(data["trend"]) == 12
    assert data["trend"][0]["on"] == "2025-07-31"
    assert data["target"]["share_above_target"] is True
    assert client.get("/api/v1/governance/picture?on=昨天").status_code == 400
    reporter = _client(make_user("scj_rep", Role.REPORTER, "区市场监管局"))
    assert reporter.get("/workspace/sanctions/governance/").status_code == 403
    assert reporter.get("/api/v1/governance/picture").status_code == 403
    out = StringIO()
    call_command("governance", "picture", "--on", "2026-06-30", "--json", stdout=out)
    cli = json.loads(out.getvalue())
    assert cli["current"]["blacklisted_enterprises"] == 1
    assert cli["current"]["district_enterprises"] == 2
    text = StringIO()
    call_command("governance", "picture", "--on", "2026-06-30", stdout=text)
    assert "占比 50.000%（目标不高于 10.000%，超出目标）" in text.getvalue()
    with pytest.raises(CommandError, match="无效"):
        call_command("governance", "picture", "--on", "2026/06/30")


def test_target_form_saves_and_refuses_bad_input() -> None:
    client = _client(admin())
    ok = client.post(
        "/workspace/sanctions/governance/target/",
        {"year": "2026", "max_blacklist_share": "0.5", "max_government_bodies_listed": "0"},
    )
    assert ok.status_code == 302
    assert governance.GovernanceTarget.objects.get(year=2026).max_blacklist_share == 0.5
    bad = client.post(
        "/workspace/sanctions/governance/target/",
        {"year": "二〇二六", "max_blacklist_share": "abc", "max_government_bodies_listed": "-1"},
        follow=True,
    )
    assert bad.status_code == 200 and "治理目标有误" in bad.content.decode()


def test_case_pages_and_api_for_the_lead_unit(listed: dict) -> None:
    office = admin()
    client = _client(office)
    form = client.get("/workspace/sanctions/governance/cases/new/")
    assert form.status_code == 200 and "专班成员单位" in form.content.decode()
    court = unit("区法院")
    created = client.post(
        "/workspace/sanctions/governance/cases/new/",
        {
            "entry": listed["a"].pk,
            "lead_unit": court.pk,
            "plan": "督促履行",
            "due_on": "2026-12-31",
        },
    )
    assert created.status_code == 302
    case = GovernanceCase.objects.get(entry=listed["a"])
    assert case.due_on == date(2026, 12, 31)
    court_staff = make_user("court_rev", Role.REVIEWER, "区法院")
    staff = _client(court_staff)
    listing = staff.get("/workspace/sanctions/governance/cases/")
    assert listing.status_code == 200 and "区法院" in listing.content.decode()
    action = staff.post(
        f"/workspace/sanctions/governance/cases/{case.pk}/action/",
        {"on": "2026-11-20", "action": "上门约谈", "contact": "企业财务负责人"},
    )
    assert action.status_code == 302
    assert case.actions.get().action == "上门约谈"
    other = _client(make_user("rsj_rev", Role.REVIEWER, "区人社局"))
    assert other.get(f"/workspace/sanctions/governance/cases/{case.pk}/").status_code == 404
    assert other.get(f"/api/v1/governance/cases/{case.pk}").status_code == 404
    # The API: the government body's case, by unit name and working days.
    api = client.post(
        "/api/v1/governance/cases",
        {"entry": listed["gov"].pk, "lead_unit": "区法院", "due_workdays": 10},
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    gov_case = api.json()
    assert gov_case["lead_unit"] == "区法院" and gov_case["overdue"] is False
    refused = client.post(
        "/api/v1/governance/cases",
        {"entry": listed["gov"].pk, "lead_unit": "区法院", "due_workdays": 10},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "已有治理中的案件" in refused.json()["detail"]
    close = staff.post(
        f"/api/v1/governance/cases/{gov_case['id']}/close",
        {"outcome": "removed", "on": "2026-11-24"},
        content_type="application/json",
    )
    assert close.status_code == 400 and "尚未移出名单" in close.json()["detail"]
    closed = staff.post(
        f"/api/v1/governance/cases/{gov_case['id']}/close",
        {"outcome": "closed_other", "on": "2026-11-24", "note": "已撤销原执行依据"},
        content_type="application/json",
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed_other"
    mine = staff.get("/api/v1/governance/cases").json()
    assert mine["count"] == 2
    assert other.get("/api/v1/governance/cases").json()["count"] == 0
    out = StringIO()
    call_command("governance", "cases", "--overdue", "--on", "2027-01-04", "--json", stdout=out)
    assert [row["id"] for row in json.loads(out.getvalue())] == [case.pk]


def test_public_events_page_is_open_and_empty_without_publications() -> None:
    response = Client().get("/credit/events/")
    assert response.status_code == 200
    assert "暂无公布的失信事件处置情况" in response.content.decode()
