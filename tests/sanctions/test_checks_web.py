"""Checks through the API (token and session), the workspace pages, the portal's cases
and the CLI: recorded, scoped to the unit, refusals in Chinese, never a 500."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from tests.sanctions.governance_helpers import company, entry, make_user, unit
from xinyong.orgs.models import Role
from xinyong.orgs.services import issue_unit_token
from xinyong.sanctions import checks
from xinyong.sanctions.models import Check, CheckMeasure

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    subject = company("MA00001A", "安阳市北关区失信物资有限公司")
    entry(subject, "SX_BZXR", effective_from=date(2026, 1, 5))
    return subject


def test_api_check_with_a_unit_token_and_feedback(listed) -> None:
    _token, key = issue_unit_token(actor=None, unit=unit("区财政局"), name="采购系统")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/checks", {"subject": listed.identifier, "matter": "PROCUREMENT"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["unit"] == "区财政局"
    assert data["hit"] is True
    assert [m["code"] for m in data["measures"]] == ["P-PROCUREMENT"]
    assert data["measures"][0]["legal_basis"].startswith("《中华人民共和国政府采购法》第二十二条")
    assert data["feedback_status"] == "pending"
    check_id = data["id"]
    # POST works the same and is recorded too.
    response = api.post(
        "/api/v1/checks", {"subject": listed.identifier, "matter": "招标投标"}, format="json"
    )
    assert response.status_code == 201
    assert [m["code"] for m in response.json()["measures"]] == ["P-BIDDING"]
    assert Check.objects.count() == 2

    bad = api.post(
        f"/api/v1/checks/{check_id}/feedback",
        {"items": [{"measure": "P-PROCUREMENT", "action": "not_applied"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert "须说明理由" in bad.json()["detail"]
    ok = api.post(
        f"/api/v1/checks/{check_id}/feedback",
        {"items": [{"measure": "P-PROCUREMENT", "action": "applied"}]},
        format="json",
    )
    assert ok.status_code == 200
    assert ok.json()["feedback_status"] == "done"
    assert ok.json()["measures"][0]["action"] == "applied"
    stats = api.get("/api/v1/checks/stats", {"period": date.today().strftime("%Y-%m")})
    assert stats.status_code == 200
    total = stats.json()["total"]
    assert (total["checks"], total["hits"], total["measures"], total["applied"]) == (2, 2, 2, 1)
    assert total["feedback_rate"] == 50.0


def test_api_refusals_are_chinese_json(listed) -> None:
    api = APIClient()
    assert api.get("/api/v1/checks", {"subject": listed.identifier}).status_code in (401, 403)
    fin = make_user("api_fin", Role.REPORTER, "区财政局")
    api.force_authenticate(fin)
    missing = api.get("/api/v1/checks", {"subject": listed.identifier})
    assert missing.status_code == 400
    assert "缺少参数 matter" in missing.json()["detail"]
    unknown = api.get("/api/v1/checks", {"subject": "91410503MA0000000X", "matter": "PROCUREMENT"})
    assert unknown.status_code == 404
    assert "平台中没有代码为" in unknown.json()["detail"]
    other_unit = api.get(
        "/api/v1/checks",
        {"subject": listed.identifier, "matter": "PROCUREMENT", "unit": "区人社局"},
    )
    assert other_unit.status_code == 403
    assert "无权以“区人社局”的名义查询" in other_unit.json()["detail"]
    assert api.get("/api/v1/checks/stats", {"period": "2026-13"}).status_code == 400
    garbage = api.post("/api/v1/checks/999999/feedback", {"items": "x"}, format="json")
    assert garbage.status_code == 404
    # Another unit's check is invisible.
    check = checks.run_check(
        actor=None, unit=unit("区人社局"), subject=listed, matter="PROCUREMENT"
    )
    assert api.get(f"/api/v1/checks/{check.pk}").status_code == 404
    assert (
        api.post(
            f"/api/v1/checks/{check.pk}/feedback",
            {"items": [{"measure": "P-PROCUREMENT", "action": "applied"}]},
            format="json",
        ).status_code
        == 404
    )


def test_workspace_check_form_result_feedback_and_stats(client, listed) -> None:
    fin = make_user("web_fin", Role.REPORTER, "区财政局")
    client.force_login(fin)
    page = client.get("/workspace/sanctions/checks/new/")
    assert page.status_code == 200
    assert "奖惩查询" in page.content.decode()
    response = client.post(
        "/workspace/sanctions/checks/new/",
        {"subject": listed.identifier, "matter": "PROCUREMENT", "reference": "CG-1"},
    )
    assert response.status_code == 302
    check = Check.objects.get()
    detail = client.get(response["Location"]).content.decode()
    assert "依法限制参加政府采购活动" in detail
    assert "《中华人民共和国政府采购法》第二十二条第一款第五项" in detail
    row = CheckMeasure.objects.get(check_run=check)
    refused = client.post(response["Location"], {f"action-{row.pk}": "not_applied"})
    assert refused.status_code == 200
    assert "未实施，须说明理由" in refused.content.decode()
    done = client.post(response["Location"], {f"action-{row.pk}": "applied"})
    assert done.status_code == 302
    check.refresh_from_db()
    assert check.feedback_status == Check.FeedbackStatus.DONE
    stats = client.get("/workspace/sanctions/checks/stats/").content.decode()
    assert 'id="stat-checks">1<' in stats
    assert 'id="stat-rate">100.0%' in stats
    xlsx = client.get("/workspace/sanctions/checks/stats/?format=xlsx")
    assert xlsx.content[:2] == b"PK"
    assert client.get("/workspace/sanctions/checks/stats/?period=abc").status_code == 200
    assert client.get("/workspace/sanctions/checks/").status_code == 200
    # Name search with one result runs the check directly; no result is a message.
    by_name = client.post(
        "/workspace/sanctions/checks/new/", {"subject": "失信物资", "matter": "HONOUR"}
    )
    assert by_name.status_code == 302
    nothing = client.post(
        "/workspace/sanctions/checks/new/", {"subject": "不存在的公司", "matter": "HONOUR"}
    )
    assert "没有找到与“不存在的公司”相符的信用主体" in nothing.content.decode()
    # Another unit's staff get 404 for this check; leaders read it.
    client.force_login(make_user("web_hr", Role.REPORTER, "区人社局"))
    assert client.get(f"/workspace/sanctions/checks/{check.pk}/").status_code == 404
    client.force_login(make_user("web_leader", Role.LEADER))
    assert client.get(f"/workspace/sanctions/checks/{check.pk}/").status_code == 200
    assert client.get("/workspace/sanctions/checks/new/").status_code == 403


def test_measure_pages_compliance_and_cases(client, listed) -> None:
    admin = make_user("web_admin", Role.CREDIT_ADMIN, "区发改委")
    client.force_login(admin)
    listing = client.get("/workspace/sanctions/measures/?kind=incentive").content.decode()
    assert "I-HONOUR" in listing and "P-PROCUREMENT" not in listing
    detail = client.get("/workspace/sanctions/measures/P-OFFICE/").content.decode()
    assert "第一百七十八条第一款第五项" in detail
    assert client.get("/workspace/sanctions/measures/NOPE/").status_code == 404
    compliance = client.get("/workspace/sanctions/measures/compliance/").content.decode()
    assert "均有法律依据" in compliance
    assert client.get("/workspace/sanctions/measures/compliance/?format=xlsx").content[:2] == b"PK"
    fin_user = make_user("web_fin2", Role.REPORTER, "区财政局")
    client.force_login(fin_user)
    assert client.get("/workspace/sanctions/measures/compliance/").status_code == 403
    response = client.post(
        "/workspace/sanctions/cases/",
        {
            "title": "失信被执行人参加政府采购被拒",
            "body": "某公司被列为失信被执行人，联系电话 13812345678，区财政局依法认定其不具备供应商资格。",
        },
    )
    assert response.status_code == 302
    case_id = checks.cases_for(fin_user).get().pk
    assert client.post(f"/workspace/sanctions/cases/{case_id}/publish/").status_code == 403
    client.force_login(admin)
    assert client.post(f"/workspace/sanctions/cases/{case_id}/publish/").status_code == 302
    client.logout()
    public = client.get("/credit/cases/").content.decode()
    assert "失信被执行人参加政府采购被拒" in public
    one = client.get(f"/credit/cases/{case_id}/").content.decode()
    assert "13812345678" not in one and "138" in one
    assert client.get("/credit/cases/999999/").status_code == 404


def test_cli_check_text_json_and_remind(listed, monkeypatch) -> None:
    out = StringIO()
    call_command(
        "sanctions",
        "check",
        listed.identifier,
        "--matter",
        "PROCUREMENT",
        "--unit",
        "区财政局",
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert [m["code"] for m in data["measures"]] == ["P-PROCUREMENT"]
    assert data["unit"] == "区财政局"
    out = StringIO()
    call_command("sanctions", "check", listed.identifier, "--matter", "CONSUMPTION", stdout=out)
    text = out.getvalue()
    assert "限制高消费及非生活和工作必需的消费行为" in text
    assert "依据：《最高人民法院关于限制被执行人高消费及有关消费的若干规定》" in text
    with pytest.raises(CommandError, match="未知的办理事项"):
        call_command("sanctions", "check", listed.identifier, "--matter", "XX")
    with pytest.raises(CommandError, match="单位组"):
        call_command(
            "sanctions", "check", listed.identifier, "--matter", "HONOUR", "--unit", "区直各部门"
        )
    check = Check.objects.order_by("id").first()
    assert check is not None and check.feedback_due is not None
    late = date.fromordinal(check.feedback_due.toordinal() + 1)
    # Reminders are sent on a day that has come: the day after the deadline is today.
    with pytest.raises(CommandError, match=f"提醒日期 {late.isoformat()} 晚于今天"):
        call_command("sanctions", "remind", "--on", late.isoformat())
    assert not checks.reminded_check_ids([check])
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: late)
    out = StringIO()
    call_command("sanctions", "remind", "--on", late.isoformat(), "--json", stdout=out)
    assert [d["check"] for d in json.loads(out.getvalue())] == [
        c.pk for c in Check.objects.order_by("feedback_due", "id")
    ]
    out = StringIO()
    call_command("sanctions", "remind", "--on", late.isoformat(), stdout=out)
    assert "没有新的逾期未反馈查询" in out.getvalue()
