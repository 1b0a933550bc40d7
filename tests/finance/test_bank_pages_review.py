"""The bank's side of 信易贷 after review: grades reach a bank (pages, API) and the
provincial export only while the credit office publishes grades; a bank's opening of a
firm's page is an event; a refused outcome form comes back with what the bank typed; a
form sent twice records one loan; an absurd firm count on the events form is refused in
Chinese."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.core.models import Event, ReadLog
from xinyong.finance import exports, selectors, services
from xinyong.finance.models import LoanOutcome, MatchmakingEvent, WhitelistRun
from xinyong.orgs.form_keys import ALREADY_USED

from .helpers import admin, bank_user, finance_reviewer, firm, publish

pytestmark = pytest.mark.django_db
# Publication is stamped with the real clock, so the dates of the forms follow it.
TODAY = timezone.localdate()
APPLIED = (TODAY - timedelta(days=5)).isoformat()
GRANTED = (TODAY - timedelta(days=1)).isoformat()


@pytest.fixture
def world():
    credit, reviewer = admin(), finance_reviewer()
    good = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    other = firm("MA46D1L7", "安阳市北关区红旗路物业服务有限公司", grade="B")
    run = publish(TODAY, credit, reviewer)
    # Published ten days ago, so that an application five days ago was made to a listed firm.
    WhitelistRun.objects.filter(pk=run.pk).update(published_at=timezone.now() - timedelta(days=10))
    run.refresh_from_db()
    return {
        "credit": credit,
        "reviewer": reviewer,
        "bank": bank_user(),
        "good": good,
        "other": other,
        "run": run,
    }


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


# ------------------------------------------------------------------ grades (#5)


def test_bank_api_hides_grades_while_grades_are_not_public(world, settings):
    settings.XINYONG_PUBLIC_GRADES = False
    rows = _api(world["bank"]).get("/api/v1/xinyidai/whitelist/").json()["results"]
    assert len(rows) == 2
    assert [r["grade"] for r in rows] == ["", ""]
    text = json.dumps(rows, ensure_ascii=False)
    assert "信用等级为 A" not in text.replace("信用等级为 A、B", "")
    assert "信用等级为 B" not in text
    grade_lines = [x for r in rows for x in r["reasons"] if x["code"] == "grade"]
    assert [x["text"] for x in grade_lines] == ["符合“信用等级为 A、B”条件"] * 2


def test_bank_api_shows_grades_once_they_are_public(world, settings):
    settings.XINYONG_PUBLIC_GRADES = True
    rows = _api(world["bank"]).get("/api/v1/xinyidai/whitelist/").json()["results"]
    assert sorted(r["grade"] for r in rows) == ["A", "B"]
    assert "信用等级为 B，符合要求" in json.dumps(rows, ensure_ascii=False)


def test_staff_read_grades_on_the_white_list_whatever_the_switch(world, settings):
    settings.XINYONG_PUBLIC_GRADES = False
    rows = _api(world["credit"]).get("/api/v1/xinyidai/whitelist/").json()["results"]
    assert sorted(r["grade"] for r in rows) == ["A", "B"]
    assert "信用等级为 B，符合要求" in json.dumps(rows, ensure_ascii=False)


def test_bank_pages_show_no_grade_while_grades_are_not_public(world, client, settings):
    settings.XINYONG_PUBLIC_GRADES = False
    client.force_login(world["bank"])
    listing = client.get(reverse("finance:bank-list")).content.decode()
    assert "<th>信用等级</th>" not in listing
    assert "安阳市北关区红旗路物业服务有限公司" in listing
    page = client.get(reverse("finance:bank-subject", args=[world["other"].pk])).content.decode()
    assert "信用等级为 B" not in page
    assert "符合“信用等级为 A、B”条件" in page
    settings.XINYONG_PUBLIC_GRADES = True
    listing = client.get(reverse("finance:bank-list")).content.decode()
    assert "<th>信用等级</th>" in listing
    page = client.get(reverse("finance:bank-subject", args=[world["other"].pk])).content.decode()
    assert "信用等级为 B，符合要求" in page


def test_provincial_export_carries_grades_only_while_they_are_public(world, settings):
    settings.XINYONG_PUBLIC_GRADES = False
    grade_col = exports.HEADERS.index("信用等级")
    assert [row[grade_col] for row in exports.rows(world["run"])] == ["未公开", "未公开"]
    settings.XINYONG_PUBLIC_GRADES = True
    assert sorted(row[grade_col] for row in exports.rows(world["run"])) == ["A", "B"]


# ------------------------------------------------------------------ the bank's read (#5)


def test_a_banks_read_of_a_firms_page_is_an_event_naming_bank_and_firm(world, client):
    good = world["good"]
    reads = ReadLog.objects.count()
    client.force_login(world["bank"])
    page = client.get(reverse("finance:bank-subject", args=[good.pk]))
    assert page.status_code == 200
    event = Event.objects.filter(action="finance.bank_view").get()
    assert (event.target_type, event.target_id) == ("subjects.Subject", str(good.pk))
    assert event.actor_id == world["bank"].pk
    assert event.target_repr == "中国银行安阳北关支行 查看 安阳市北关区恒达商贸有限公司"
    assert event.new_values["whitelist"] == "listed"
    # A firm's page is an organisation's data: the read log holds reads of persons only
    # (docs/reports.md 查询记录), so nothing is added there.
    assert ReadLog.objects.count() == reads


def test_a_refused_page_writes_no_view_event(world, client):
    stranger = firm("MA47B8C3", "安阳市北关区未列入商贸有限公司", grade="C")
    client.force_login(world["bank"])
    assert client.get(reverse("finance:bank-subject", args=[stranger.pk])).status_code == 403
    assert not Event.objects.filter(action="finance.bank_view").exists()


# ------------------------------------------------------------------ outcome form (#7, #8)


def _once(page: str) -> str:
    found = re.search(r'name="once" value="([^"]+)"', page)
    assert found, "the outcome form carries a one-time key"
    return found.group(1)


def _granted(**extra: str) -> dict[str, str]:
    form = {
        "applied_on": APPLIED,
        "status": "granted",
        "granted_on": GRANTED,
        "amount_wan": "100",
        "loan_type": "credit",
        "rate_percent": "3.8",
        "term_months": "12",
        "note": "合同编号 JK2026-0815 首贷户",
    }
    form.update(extra)
    return form


def test_a_refused_outcome_form_comes_back_with_what_the_bank_typed(world, client):
    url = reverse("finance:bank-subject", args=[world["good"].pk])
    client.force_login(world["bank"])
    once = _once(client.get(url).content.decode())
    response = client.post(url, {**_granted(rate_percent="3,8"), "once": once})
    assert response.status_code == 200
    page = response.content.decode()
    assert "年利率（%）“3,8”不是数字。" in page
    assert 'value="3,8"' in page
    assert 'value="100"' in page
    assert f'value="{APPLIED}"' in page and f'value="{GRANTED}"' in page
    assert 'value="12"' in page
    assert 'value="合同编号 JK2026-0815 首贷户"' in page
    assert '<option value="granted" selected>' in page
    assert '<option value="credit" selected>' in page
    assert LoanOutcome.objects.count() == 0
    # The key of a refused form stays usable: the corrected form goes through.
    again = client.post(url, {**_granted(), "once": _once(page)})
    assert again.status_code == 302
    assert LoanOutcome.objects.count() == 1


def test_a_form_sent_twice_records_one_loan(world, client):
    url = reverse("finance:bank-subject", args=[world["good"].pk])
    client.force_login(world["bank"])
    once = _once(client.get(url).content.decode())
    first = client.post(url, {**_granted(), "once": once})
    assert first.status_code == 302
    second = client.post(url, {**_granted(), "once": once})
    assert second.status_code == 200
    assert ALREADY_USED in second.content.decode()
    # Not a filled copy of the recorded form, ready to be sent once more.
    assert 'value="合同编号 JK2026-0815 首贷户"' not in second.content.decode()
    assert LoanOutcome.objects.filter(subject=world["good"]).count() == 1
    assert selectors.statistics(date.fromisoformat(GRANTED).year).credit_volume == Decimal("100")


def test_a_refused_update_comes_back_with_what_the_bank_typed(world, client):
    outcome = services.report_outcome(
        actor=world["bank"],
        subject=world["good"],
        applied_on=TODAY - timedelta(days=5),
        status="applied",
    )
    client.force_login(world["bank"])
    response = client.post(
        reverse("finance:bank-outcomes"),
        {
            "outcome": outcome.pk,
            "status": "granted",
            "granted_on": GRANTED,
            "amount_wan": "250",
            "loan_type": "credit",
            "rate_percent": "三点八",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "年利率（%）“三点八”不是数字。" in page
    assert 'value="三点八"' in page and 'value="250"' in page
    assert f'value="{GRANTED}"' in page
    outcome.refresh_from_db()
    assert outcome.status == "applied"


# ------------------------------------------------------------------ events form (#7)


def test_events_form_refuses_an_absurd_firm_count_in_chinese(world, client):
    client.raise_request_exception = False
    client.force_login(world["credit"])
    response = client.post(
        reverse("finance:events"),
        {
            "title": "2026年第四季度银企对接会",
            "held_on": APPLIED,
            "venue": "区政务服务中心",
            "banks": "中国银行安阳北关支行",
            "firms": "",
            "firm_count": "99999999999999999999",
            "evidence": "签到表",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "参加企业总数应为 0 至 100000 之间的整数" in page
    assert 'value="99999999999999999999"' in page
    assert MatchmakingEvent.objects.count() == 0
