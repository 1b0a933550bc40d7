"""Workspace pages and the portal page: what each returns and who may (not) see it."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from xinyong.integrity.models import Alert, ArrearsCase, GovCommitment, IntegrityCase
from xinyong.web.navigation import groups_for

from .helpers import BZZ, SCJG, organ, unit

pytestmark = pytest.mark.django_db

LIST_PAGES = [
    "integrity:dashboard",
    "integrity:units",
    "integrity:alerts",
    "integrity:cases",
    "integrity:arrears",
    "integrity:commitments",
    "integrity:evaluation",
]
WRITE_PAGES = [
    "integrity:body-new",
    "integrity:case-new",
    "integrity:arrears-new",
    "integrity:commitment-new",
]


def _get(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("name", LIST_PAGES + WRITE_PAGES)
def test_anonymous_visitors_go_to_the_login_page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("name", LIST_PAGES + WRITE_PAGES)
@pytest.mark.parametrize("who", ["zzb", "bank"])
def test_org_department_and_banks_are_refused(client, people, name, who):
    response = _get(client, people[who], reverse(name))
    assert response.status_code == 403
    assert "政务诚信" in response.content.decode() or "登记" in response.content.decode()


@pytest.mark.parametrize("name", LIST_PAGES)
@pytest.mark.parametrize("who", ["admin", "leader", "scj"])
def test_staff_see_the_list_pages(client, people, world, name, who):
    response = _get(client, people[who], reverse(name))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("name", WRITE_PAGES)
def test_leaders_do_not_get_the_entry_forms(client, people, name):
    assert _get(client, people["leader"], reverse(name)).status_code == 403


@pytest.mark.parametrize(("who", "shown"), [("admin", True), ("leader", False)])
def test_the_register_button_is_offered_only_to_those_who_may_register(
    client, people, world, who, shown
):
    # The leader used to see 登记所属机构 on the unit list and land on a 403.
    page = _get(client, people[who], reverse("integrity:units")).content.decode()
    assert (reverse("integrity:body-new") in page) is shown


def test_dashboard_of_the_credit_office_shows_the_listed_town(client, people, world):
    html = _get(client, people["admin"], reverse("integrity:dashboard")).content.decode()
    assert "安阳市北关区柏庄镇人民政府" in html
    assert 'id="listed-count">1 个' in html
    assert "未达成" in html and "新增 1 笔，8.00 万元" in html
    assert 'id="scan-form"' in html


def test_unit_staff_see_only_their_own_unit(client, people, world):
    html = _get(client, people["scj"], reverse("integrity:dashboard")).content.decode()
    assert "安阳市北关区柏庄镇人民政府" not in html  # another unit's listing
    assert 'id="listed-count">0 个' in html
    assert "食堂食材采购" not in html or "区市场监管局" in html
    assert 'id="scan-form"' not in html
    # The unit list leads straight to the own file; another unit's file is refused.
    response = _get(client, people["scj"], reverse("integrity:units"))
    assert response["Location"] == reverse("integrity:unit", args=[unit(SCJG).pk])
    assert client.get(reverse("integrity:unit", args=[unit(BZZ).pk])).status_code == 403
    alert = Alert.objects.get(kind=Alert.Kind.SXBZXR)
    assert client.get(reverse("integrity:alert", args=[alert.pk])).status_code == 404
    case = IntegrityCase.objects.get(list_entry=world["entry"])
    assert client.get(reverse("integrity:case", args=[case.pk])).status_code == 404
    html = client.get(reverse("integrity:alerts")).content.decode()
    assert "柏庄镇" not in html and "新增拖欠" in html


def test_the_unit_file_lists_bodies_entries_arrears_and_commitments(client, people, world):
    html = _get(
        client, people["bzz"], reverse("integrity:unit", args=[unit(BZZ).pk])
    ).content.decode()
    assert "（2026）豫0503执1001号" in html and "在列" in html
    assert "被执行人未结案件（判决未履行）" in html
    html = _get(
        client, people["admin"], reverse("integrity:unit", args=[unit(SCJG).pk])
    ).content.decode()
    assert "安阳市鑫源食品有限公司" in html and "企业开办一日办结" in html


def test_scan_from_the_dashboard_is_the_credit_offices(client, people, world):
    client.force_login(people["scj"])
    assert client.post(reverse("integrity:dashboard")).status_code == 403
    client.force_login(people["admin"])
    response = client.post(reverse("integrity:dashboard"), follow=True)
    assert "已完成监测" in response.content.decode()


def test_the_unit_signs_an_alert_off(client, people, world):
    alert = Alert.objects.get(key=f"arrears:{world['arrears'].pk}")
    client.force_login(people["scj"])
    html = client.get(reverse("integrity:alert", args=[alert.pk])).content.decode()
    assert 'id="ack-form"' in html and 'id="resolve-form"' not in html
    client.post(
        reverse("integrity:alert", args=[alert.pk]),
        {"action": "acknowledge", "text": "已列入清偿计划"},
    )
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED and alert.response == "已列入清偿计划"
    response = client.post(
        reverse("integrity:alert", args=[alert.pk]), {"action": "resolve", "text": "x"}
    )
    assert response.status_code == 403


def test_register_arrears_through_the_form(client, people, world):
    client.force_login(people["bzz"])
    form = {
        "body": organ(BZZ).pk,
        "creditor_name": "安阳北关豫安建筑工程有限公司",
        "creditor_code": "",
        "creditor_kind": "private",
        "project": "人居环境整治",
        "amount_wan": "56.8",
        "due_on": "2026-03-31",
        "registered_on": "2026-04-20",
        "source": "complaint",
        "note": "",
    }
    bad = client.post(reverse("integrity:arrears-new"), {**form, "amount_wan": "五十六"})
    assert bad.status_code == 200 and "不是数字" in bad.content.decode()
    other = client.post(reverse("integrity:arrears-new"), {**form, "body": organ(SCJG).pk})
    assert "请选择欠款主体" in other.content.decode()  # not the reviewer's unit
    response = client.post(reverse("integrity:arrears-new"), form)
    case = ArrearsCase.objects.get(project="人居环境整治")
    assert response["Location"] == reverse("integrity:arrears-case", args=[case.pk])
    html = client.get(response["Location"]).content.decode()
    assert 'id="payment-form"' in html and 'id="status-form"' not in html
    client.post(
        response["Location"], {"action": "payment", "paid_on": "2026-07-15", "amount_wan": "20"}
    )
    case.refresh_from_db()
    assert case.status == ArrearsCase.Status.PARTIAL


def test_case_steps_through_the_page(client, people, world):
    case = IntegrityCase.objects.get(list_entry=world["entry"])
    client.force_login(people["bzz"])
    html = client.get(reverse("integrity:case", args=[case.pk])).content.decode()
    assert "约谈" not in html.split('id="step-form"')[1]  # the unit may only report progress
    assert (
        client.post(
            reverse("integrity:case", args=[case.pk]),
            {"kind": "interview", "on": "2026-10-20", "note": "x"},
        ).status_code
        == 403
    )
    client.force_login(people["admin"])
    client.post(
        reverse("integrity:case", args=[case.pk]),
        {"kind": "interview", "on": "2026-10-20", "note": "约谈镇长"},
    )
    assert case.steps.filter(kind="interview", on=date(2026, 10, 20)).exists()


def test_commitment_page_masks_a_persons_complaint(client, people, world):
    html = _get(
        client, people["scj"], reverse("integrity:commitment", args=[world["commitment"].pk])
    ).content.decode()
    assert "13812345678" not in html and "138****5678" in html
    assert "张建国" not in html and "张**" in html
    assert (
        'id="assess-form"' in html
        and "未兑现（违约）" not in html.split('id="assess-form"')[1].split("</form>")[0]
    )


def test_the_portal_shows_published_service_commitments(client, world):
    response = client.get(reverse("integrity:public-commitments"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "企业开办一日办结" in html and "区市场监管局" in html
    GovCommitment.objects.filter(pk=world["commitment"].pk).update(published=False)
    assert (
        "企业开办一日办结"
        not in client.get(reverse("integrity:public-commitments")).content.decode()
    )


def test_evaluation_pages(client, people, world):
    client.force_login(people["admin"])
    html = client.get(reverse("integrity:evaluation") + "?year=2026").content.decode()
    assert "柏庄镇" in html and "导出年度考核表" in html and "预警" in html
    export = client.get(reverse("integrity:evaluation-export") + "?year=2026")
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    client.force_login(people["scj"])
    html = client.get(reverse("integrity:evaluation") + "?year=2026").content.decode()
    assert "区市场监管局" in html and "柏庄镇" not in html and "导出年度考核表" not in html
    assert client.get(reverse("integrity:evaluation-export") + "?year=2026").status_code == 403
    own = client.get(reverse("integrity:evaluation-unit", args=[unit(SCJG).pk]) + "?year=2026")
    assert own.status_code == 200 and 'id="score-form"' not in own.content.decode()
    assert client.get(reverse("integrity:evaluation-unit", args=[unit(BZZ).pk])).status_code == 403
    assert (
        client.post(
            reverse("integrity:evaluation-unit", args=[unit(SCJG).pk]) + "?year=2026",
            {"indicator": "YFXZ04", "score": "9", "evidence": "自评"},
        ).status_code
        == 403
    )
    client.force_login(people["leader"])
    assert client.get(reverse("integrity:evaluation-export") + "?year=2026").status_code == 200
    assert (
        client.get(
            reverse("integrity:evaluation-unit", args=[unit(SCJG).pk]) + "?year=2031"
        ).status_code
        == 404
    )


def test_navigation_shows_the_module_to_staff_only(people):
    def titles(user):
        return [m.title for g in groups_for(user) for m in g.modules]

    assert "政务诚信监测" in titles(people["admin"]) and "政务诚信评价" in titles(people["scj"])
    assert "政务诚信监测" not in titles(people["zzb"]) and "政务诚信监测" not in titles(
        people["bank"]
    )
