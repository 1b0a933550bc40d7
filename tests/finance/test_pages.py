"""Pages and endpoints of 信易贷: who may see what (credit office, finance office, leader,
unit staff, bank, public), the portal authorisation with identity confirmation, and bank
access to a credit report — refused (403, logged) without the enterprise's authorisation."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.core.models import Event
from xinyong.finance import services
from xinyong.finance.models import Authorisation, WhitelistRun
from xinyong.orgs.models import Role
from xinyong.reports.models import Report

from .helpers import BANK, PASSWORD, admin, bank_user, finance_reviewer, firm, make_user, publish

pytestmark = pytest.mark.django_db
ON = date(2026, 10, 9)


@pytest.fixture
def world():
    credit, reviewer = admin(), finance_reviewer()
    good = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    firm("MA44UC2R", "安阳北关豫安建筑工程有限公司", grade="C")
    run = publish(ON, credit, reviewer)
    return {
        "credit": credit,
        "reviewer": reviewer,
        "leader": make_user("leader1", Role.LEADER),
        "reporter": make_user("rep_scj", Role.REPORTER, "区市场监管局"),
        "bank": bank_user(),
        "good": good,
        "run": run,
    }


def login(client, user):
    client.force_login(user)
    return client


STAFF_PAGES = [
    "finance:home",
    "finance:authorisations",
    "finance:statistics",
    "finance:events",
]
BANK_PAGES = ["finance:bank-list", "finance:bank-outcomes"]


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages_by_role(client, world, name):
    url = reverse(name)
    assert client.get(url).status_code == 302  # anonymous → login
    for who in ("credit", "reviewer", "leader"):
        assert login(client, world[who]).get(url).status_code == 200, who
    for who in ("reporter", "bank"):
        response = login(client, world[who]).get(url)
        assert response.status_code == 403, who
        assert "金融工作局审核员" in response.content.decode()


@pytest.mark.parametrize("name", BANK_PAGES)
def test_bank_pages_by_role(client, world, name):
    url = reverse(name)
    assert client.get(url).status_code == 302
    assert login(client, world["bank"]).get(url).status_code == 200
    for who in ("credit", "reporter", "leader"):
        assert login(client, world[who]).get(url).status_code == 403, who


def test_home_shows_published_list_and_run_reasons(client, world):
    page = login(client, world["credit"]).get(reverse("finance:home")).content.decode()
    assert world["run"].number in page and "安阳市北关区恒达商贸有限公司" in page
    run_page = client.get(
        reverse("finance:run", args=[world["run"].pk]) + "?status=ineligible"
    ).content.decode()
    assert "信用等级为 C，不符合要求（须为 A、B）" in run_page


def test_review_through_the_pages(client, world):
    credit, reviewer = world["credit"], world["reviewer"]
    login(client, credit).post(reverse("finance:screen"))
    run = WhitelistRun.objects.order_by("-id").first()
    assert run.status == WhitelistRun.Status.CREDIT_REVIEW
    url = reverse("finance:run", args=[run.pk])
    # The leader reads; the leader cannot review.
    login(client, world["leader"]).post(url, {"action": "approve_credit"})
    run.refresh_from_db()
    assert run.status == WhitelistRun.Status.CREDIT_REVIEW
    login(client, credit).post(url, {"action": "approve_credit", "opinion": "同意"})
    login(client, reviewer).post(url, {"action": "approve_finance", "opinion": "同意"})
    run.refresh_from_db()
    assert run.status == WhitelistRun.Status.PUBLISHED


def test_export_page_for_the_credit_office_only(client, world):
    response = login(client, world["credit"]).get(reverse("finance:export") + "?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert login(client, world["leader"]).get(reverse("finance:export")).status_code == 403


def test_bank_sees_list_and_removal_reason(client, world):
    from xinyong.finance.models import WhitelistItem

    WhitelistItem.objects.filter(subject=world["good"]).update(
        status="removed", removed_on=date(2026, 10, 20), note="信用等级由 A 变为 C"
    )
    page = login(client, world["bank"]).get(reverse("finance:bank-list")).content.decode()
    assert "2026-10-20 移出：信用等级由 A 变为 C" in page


def test_bank_report_refused_without_authorisation_and_logged(client, world):
    url = reverse("finance:bank-report", args=[world["good"].pk])
    response = login(client, world["bank"]).get(url)
    assert response.status_code == 403
    assert "未授权中国银行安阳北关支行" in response.content.decode()
    logged = Event.objects.filter(action="finance.report_refused")
    assert logged.count() == 1 and logged.get().target_id == str(world["good"].pk)
    # The same through the API.
    api = APIClient()
    api.force_authenticate(world["bank"])
    r = api.get(f"/api/v1/xinyidai/subjects/{world['good'].pk}/report/")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert logged.count() == 2
    # Non-bank users never reach it.
    assert login(client, world["credit"]).get(url).status_code == 403


def _has_reports() -> bool:
    try:
        from xinyong.reports import services as reports
    except ImportError:
        return False
    return hasattr(reports, "issue_report") and hasattr(reports, "report_pdf")


def test_bank_report_with_authorisation_then_revoked(client, world):
    if not _has_reports():
        pytest.skip("xinyong.reports.services 尚未提供 issue_report / report_pdf")
    auth = services.record_staff_authorisation(
        actor=world["credit"],
        subject=world["good"],
        bank=BANK,
        scope="report",
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + timedelta(days=90),
        document=ContentFile(b"%PDF-1.4 signed", name="shouquan.pdf"),
    )
    url = reverse("finance:bank-report", args=[world["good"].pk])
    response = login(client, world["bank"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert Event.objects.filter(action="finance.report_access").count() == 1
    # Handed out once: one print of the issued report, logged as the bank's.
    [printed] = Event.objects.filter(action="reports.print")
    assert printed.new_values == {"channel": "bank"}
    assert Report.objects.get(pk=printed.target_id).print_count == 1
    # Another bank is not authorised.
    other = bank_user("bank2", "中国工商银行安阳北关支行")
    assert login(client, other).get(url).status_code == 403
    services.revoke_authorisation(
        actor=world["credit"], authorisation=auth, reason="企业书面申请撤销"
    )
    assert login(client, world["bank"]).get(url).status_code == 403


def test_authorisation_rules(world):
    credit, good = world["credit"], world["good"]
    doc = ContentFile(b"x", name="a.pdf")
    with pytest.raises(services.DomainError) as exc:
        services.record_staff_authorisation(
            actor=credit,
            subject=good,
            bank="不存在的银行",
            scope="report",
            valid_from=ON,
            valid_until=ON + timedelta(days=30),
            document=doc,
        )
    assert "不是本平台登记的合作银行" in exc.value.message
    with pytest.raises(services.DomainError) as exc:
        services.record_staff_authorisation(
            actor=credit,
            subject=good,
            bank=BANK,
            scope="report",
            valid_from=ON,
            valid_until=ON + timedelta(days=400),
            document=doc,
        )
    assert "最长一年" in exc.value.message
    with pytest.raises(services.DomainError):
        services.record_staff_authorisation(
            actor=credit,
            subject=good,
            bank=BANK,
            scope="report",
            valid_from=ON,
            valid_until=ON + timedelta(days=30),
            document=None,
        )
    a = services.record_staff_authorisation(
        actor=credit,
        subject=good,
        bank=BANK,
        scope="融资授信审查（信用报告及公共信用信息）",
        valid_from=date(2026, 10, 1),
        valid_until=date(2026, 12, 31),
        document=doc,
    )
    assert a.scope == "financing" and a.status == Authorisation.Status.ACTIVE
    assert services.valid_authorisation(good, BANK, date(2026, 12, 31)) == a
    assert services.valid_authorisation(good, BANK, date(2027, 1, 1)) is None
    assert services.valid_authorisation(good, BANK, date(2026, 9, 30)) is None


def test_portal_authorise_and_revoke_with_identity_confirmation(client, world):
    good = world["good"]
    until = (timezone.localdate() + timedelta(days=180)).isoformat()
    form = {
        "uscc": good.identifier,
        "name": good.name,
        "bank": BANK,
        "scope": "report",
        "valid_until": until,
        "agent_name": "王会计",
    }
    # Without accepting the text: refused.
    page = client.post(reverse("finance:portal-authorise"), form).content.decode()
    assert "请阅读并勾选同意授权书内容" in page
    wrong = client.post(
        reverse("finance:portal-authorise"), {**form, "name": "别的公司", "accepted": "on"}
    )
    assert "企业名称与统一社会信用代码不一致" in wrong.content.decode()
    response = client.post(reverse("finance:portal-authorise"), {**form, "accepted": "on"})
    assert response.status_code == 302
    confirm_url = response["Location"]
    page = client.get(confirm_url).content.decode()
    code = re.search(r'id="shown-code">(\d{6})<', page).group(1)
    auth = Authorisation.objects.get()
    assert auth.status == Authorisation.Status.UNCONFIRMED
    bad = client.post(confirm_url, {"code": "000000" if code != "000000" else "111111"})
    assert "确认码不正确" in bad.content.decode()
    done = client.post(confirm_url, {"code": code}).content.decode()
    assert "授权已生效" in done
    auth.refresh_from_db()
    assert auth.status == Authorisation.Status.ACTIVE and auth.channel == "portal"
    assert services.valid_authorisation(good, BANK) == auth
    # Revocation on the portal, with the same confirmation.
    bad = client.post(
        reverse("finance:portal-revoke"), {"code": auth.code, "uscc": "91410503MA44UC2R00"}
    )
    assert "不匹配" in bad.content.decode()
    response = client.post(
        reverse("finance:portal-revoke"), {"code": auth.code, "uscc": good.identifier}
    )
    confirm_url = response["Location"]
    code = re.search(r'id="shown-code">(\d{6})<', client.get(confirm_url).content.decode()).group(1)
    assert "授权已撤销" in client.post(confirm_url, {"code": code}).content.decode()
    auth.refresh_from_db()
    assert auth.status == Authorisation.Status.REVOKED
    assert services.valid_authorisation(good, BANK) is None


def test_portal_home_is_public(client, world):
    page = client.get(reverse("finance:portal-home")).content.decode()
    assert "国办发〔2021〕52号" in page and 'id="listed-count">1<' in page


def test_bank_subject_page_and_outcome_form(client, world):
    good = world["good"]
    url = reverse("finance:bank-subject", args=[good.pk])
    page = login(client, world["bank"]).get(url).content.decode()
    # Grades are not public by default: the bank reads the condition met, not the grade.
    assert "无有效授权" in page and "符合“信用等级为 A、B”条件" in page
    assert "信用等级为 A，" not in page
    published_day = timezone.localtime(world["run"].published_at).date().isoformat()
    client.post(url, {"applied_on": published_day, "status": "applied"})
    assert "已申请" in client.get(url).content.decode()
    # A firm neither listed nor authorised is hidden from the bank.
    other = firm("MA46D1L7", "安阳市北关区红旗路物业服务有限公司", grade="C")
    assert client.get(reverse("finance:bank-subject", args=[other.pk])).status_code == 403


def test_api_whitelist_runs_statistics_permissions(world):
    api = APIClient()
    assert api.get("/api/v1/xinyidai/whitelist/").status_code in (401, 403)
    api.force_authenticate(world["bank"])
    data = api.get("/api/v1/xinyidai/whitelist/").json()
    assert [r["name"] for r in data["results"]] == ["安阳市北关区恒达商贸有限公司"]
    assert api.get("/api/v1/xinyidai/runs/").status_code == 403
    assert api.get("/api/v1/xinyidai/statistics/").status_code == 403
    api.force_authenticate(world["reporter"])
    assert api.get("/api/v1/xinyidai/whitelist/").status_code == 403
    api.force_authenticate(world["leader"])
    assert api.get("/api/v1/xinyidai/statistics/?year=2026").status_code == 200
    assert api.post("/api/v1/xinyidai/runs/").status_code == 403
    r = api.get("/api/v1/xinyidai/statistics/?year=abc")
    assert r.status_code == 400 and "年度" in r.json()["detail"]
    assert api.get("/api/v1/xinyidai/statistics/", {"year": "²"}).status_code == 400
    api.force_authenticate(world["credit"])
    created = api.post("/api/v1/xinyidai/runs/")
    assert created.status_code == 201
    pk = created.json()["id"]
    r = api.post(f"/api/v1/xinyidai/runs/{pk}/approve-credit/", {"opinion": "同意"}, format="json")
    assert r.json()["status"] == "finance_review"
    api.force_authenticate(world["reviewer"])
    r = api.post(f"/api/v1/xinyidai/runs/{pk}/approve-finance/", {}, format="json")
    assert r.json()["status"] == "published"
    items = api.get(f"/api/v1/xinyidai/runs/{pk}/items/?status=ineligible").json()["results"]
    assert items[0]["reasons"][0]["text"]
    assert api.get(f"/api/v1/xinyidai/runs/{pk}/items/?status=bad").status_code == 400
    assert api.get("/api/v1/xinyidai/runs/99999/items/").status_code == 404


def test_api_outcomes_for_banks(world):
    api = APIClient()
    api.force_authenticate(world["bank"])
    day = timezone.localtime(world["run"].published_at).date().isoformat()
    r = api.post(
        "/api/v1/xinyidai/outcomes/",
        {
            "subject": world["good"].pk,
            "applied_on": day,
            "status": "granted",
            "granted_on": day,
            "amount_wan": "300",
            "loan_type": "credit",
            "rate_percent": "3.5",
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["recommended"] is True
    assert len(api.get("/api/v1/xinyidai/outcomes/").json()["results"]) == 1
    r = api.post("/api/v1/xinyidai/outcomes/", {"subject": world["good"].pk}, format="json")
    assert r.status_code == 400 and "申请日期" in r.json()["detail"]
    api.force_authenticate(world["credit"])
    assert api.get("/api/v1/xinyidai/outcomes/").status_code == 403


def test_login_pages_do_not_500(client, world):
    # Hostile input on forms gives Chinese messages, never a 500.
    login(client, world["credit"])
    r = client.post(
        reverse("finance:statistics"), {"year": "abc", "city_growth_percent": "x", "source": ""}
    )
    assert r.status_code == 302
    r = client.post(reverse("finance:authorisations"), {"subject": "nonsense", "bank": BANK})
    assert r.status_code == 200 and "alert-error" in r.content.decode()
    r = client.post(
        reverse("finance:events"),
        {"title": "t", "held_on": "2026-99-01", "banks": "a", "evidence": "e"},
    )
    assert r.status_code == 200
    assert client.get(reverse("finance:run", args=[99999])).status_code == 404
    assert client.get(reverse("finance:portal-confirm", args=["garbage"])).status_code == 404
    assert PASSWORD
