"""Review of a bank officer's week on 信易贷: a revoked or expired authorisation cuts the
bank off the reports API too; outcomes only under an authorisation in force on the
application day (or the published white list); no future dates, no disbursement data on
an outcome that was not granted; statistics and the ledger metric agree; the bank's
report counts for the finance office's matter; an expired authorisation shows 已过期."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.collection.selectors import Period
from xinyong.core.errors import DomainError
from xinyong.finance import selectors, services
from xinyong.finance.ledger_metrics import credit_loan_amount
from xinyong.finance.models import Authorisation, LoanOutcome, WhitelistRun
from xinyong.reports import selectors as report_selectors
from xinyong.reports.models import ApplicationMatter

from .helpers import BANK, admin, bank_user, finance_reviewer, firm, publish

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 26)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def today(monkeypatch):
    # The clock too, not only the date: a revocation stamped after 16:00 UTC is already
    # 11-27 in Shanghai, and would not yet count on a frozen 11-26.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))
    return TODAY


@pytest.fixture
def world(today):
    return {
        "credit": admin(),
        "bank": bank_user(),
        # Grade C keeps the firm off any white list: only authorisations count for it.
        "shop": firm("L36T4E5W", "北关区晓芳理发店", grade="C", category="92"),
    }


def authorise(world, valid_from: date, valid_until: date, subject=None) -> Authorisation:
    return services.record_staff_authorisation(
        actor=world["credit"],
        subject=subject or world["shop"],
        bank=BANK,
        scope="financing",
        valid_from=valid_from,
        valid_until=valid_until,
        document=ContentFile(b"%PDF-1.4 signed", name="shouquan.pdf"),
    )


def revoke(world, auth: Authorisation, at: datetime) -> None:
    services.revoke_authorisation(actor=world["credit"], authorisation=auth, reason="企业书面申请")
    Authorisation.objects.filter(pk=auth.pk).update(revoked_at=at)


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


# ---------------------------------------------------------------- 1. reports API


def test_revoked_authorisation_cuts_the_bank_off_the_reports_api(world):
    auth = authorise(world, TODAY, date(2027, 2, 23))
    report, _pdf = services.bank_report(actor=world["bank"], subject=world["shop"])
    api = api_for(world["bank"])
    assert api.get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 200
    assert api.get(f"/api/v1/reports/{report.pk}/").status_code == 200
    assert api.get("/api/v1/reports/").json()["count"] == 1
    services.revoke_authorisation(
        actor=world["credit"], authorisation=auth, reason="企业网上撤销授权"
    )
    r = api.get(f"/api/v1/reports/{report.pk}/pdf/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert api.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert api.get("/api/v1/reports/").json()["count"] == 0
    # The web page says the same.
    url = reverse("finance:bank-report", args=[world["shop"].pk])
    from django.test import Client

    web = Client()
    web.force_login(world["bank"])
    assert web.get(url).status_code == 403


def test_expired_authorisation_cuts_the_bank_off_the_reports_api(world, monkeypatch):
    authorise(world, TODAY, date(2026, 12, 31))
    report, _pdf = services.bank_report(actor=world["bank"], subject=world["shop"])
    assert list(report_selectors.reports_visible_to(world["bank"])) == [report]
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 1))
    assert report_selectors.reports_visible_to(world["bank"]).count() == 0
    assert api_for(world["bank"]).get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 404
    # The credit office still sees every report.
    assert report_selectors.reports_visible_to(world["credit"]).count() == 1


def test_another_bank_user_of_the_same_bank_does_not_see_reports_it_did_not_issue(world):
    authorise(world, TODAY, date(2027, 2, 23))
    report, _pdf = services.bank_report(actor=world["bank"], subject=world["shop"])
    colleague = bank_user("bank_colleague")
    assert api_for(colleague).get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 404


# ---------------------------------------------------------------- 3. the matter's count


def test_bank_report_counts_for_the_finance_office_matter(world):
    matter = ApplicationMatter.objects.get(unit__name="区金融工作局", purpose__code="xinyidai")
    assert matter.name == "信易贷融资推荐" and matter.usage_count == 0
    authorise(world, TODAY, date(2027, 2, 23))
    report, _pdf = services.bank_report(actor=world["bank"], subject=world["shop"])
    assert report.matter_id == matter.pk
    matter.refresh_from_db()
    assert matter.usage_count == 1


# ---------------------------------------------------------------- 1. outcomes


def test_outcome_needs_an_authorisation_in_force_on_the_application_day(world):
    bank, shop = world["bank"], world["shop"]
    auth = authorise(world, date(2026, 3, 1), date(2026, 12, 31))
    revoke(world, auth, datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI))
    # Applied while the authorisation was in force: the outcome may be reported later.
    o = services.report_outcome(
        actor=bank,
        subject=shop,
        applied_on=date(2026, 5, 10),
        status="granted",
        granted_on=date(2026, 5, 28),
        amount_wan="80",
        loan_type="credit",
        rate_percent="3.6",
    )
    assert o.amount_wan == Decimal("80.00") and o.whitelist_item is None
    # The revocation takes effect on its day.
    for day in (date(2026, 6, 30), date(2026, 7, 2)):
        with pytest.raises(DomainError) as exc:
            services.report_outcome(actor=bank, subject=shop, applied_on=day, status="applied")
        assert f"申请日期 {day:%Y-%m-%d}" in exc.value.message
        assert "已于 2026-06-30 撤销" in exc.value.message
    with pytest.raises(DomainError) as exc:
        services.report_outcome(
            actor=bank, subject=shop, applied_on=date(2026, 2, 20), status="applied"
        )
    assert "有效期为 2026-03-01 至 2026-12-31" in exc.value.message
    assert LoanOutcome.objects.count() == 1


def test_outcome_refused_under_an_unconfirmed_or_expired_authorisation(world):
    bank, shop = world["bank"], world["shop"]
    services.start_portal_authorisation(
        uscc=shop.identifier, name=shop.name, bank=BANK, scope="report", valid_until="2027-05-31"
    )
    with pytest.raises(DomainError) as exc:
        services.report_outcome(actor=bank, subject=shop, applied_on=TODAY, status="applied")
    assert "尚未经企业确认" in exc.value.message
    other = firm("MA9XD0K2", "安阳市北关区鑫瑞商贸有限公司", grade="C")
    authorise(world, date(2025, 12, 1), date(2026, 9, 30), subject=other)
    with pytest.raises(DomainError) as exc:
        services.report_outcome(
            actor=bank, subject=other, applied_on=date(2026, 10, 8), status="applied"
        )
    assert "有效期为 2025-12-01 至 2026-09-30" in exc.value.message
    nobody = firm("MA9XD0K3", "安阳市北关区鑫泰商贸有限公司", grade="C")
    with pytest.raises(DomainError) as exc:
        services.report_outcome(
            actor=bank, subject=nobody, applied_on=date(2026, 10, 8), status="applied"
        )
    assert "不在已发布的白名单中" in exc.value.message and f"{BANK}的授权" in exc.value.message
    assert LoanOutcome.objects.count() == 0


def test_outcome_of_a_listed_firm_needs_the_list_published_by_the_application_day(world):
    good = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    run = publish(date(2026, 10, 9), world["credit"], finance_reviewer())
    WhitelistRun.objects.filter(pk=run.pk).update(
        published_at=datetime(2026, 10, 9, 15, 0, tzinfo=SHANGHAI)
    )
    o = services.report_outcome(
        actor=world["bank"], subject=good, applied_on=date(2026, 10, 12), status="applied"
    )
    assert o.whitelist_item is not None
    with pytest.raises(DomainError) as exc:
        services.report_outcome(
            actor=world["bank"], subject=good, applied_on=date(2026, 10, 8), status="applied"
        )
    assert "申请日期 2026-10-08 不在已发布的白名单中" in exc.value.message


def test_update_of_an_outcome_applied_after_revocation_is_refused(world):
    auth = authorise(world, date(2026, 3, 1), date(2026, 12, 31))
    revoke(world, auth, datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI))
    # A row written before the rule was enforced.
    legacy = LoanOutcome.objects.create(
        bank=BANK, subject=world["shop"], applied_on=date(2026, 7, 2), status="applied"
    )
    with pytest.raises(DomainError, match="已于 2026-06-30 撤销"):
        services.update_outcome(actor=world["bank"], outcome=legacy, status="refused")


# ---------------------------------------------------------------- 2. dates and data


def test_no_future_dates_and_no_disbursement_data_unless_granted(world):
    bank, shop = world["bank"], world["shop"]
    authorise(world, date(2026, 3, 1), date(2027, 2, 28))
    loan = {"amount_wan": "200", "loan_type": "credit", "rate_percent": "3.5"}
    with pytest.raises(DomainError) as exc:
        services.report_outcome(
            actor=bank,
            subject=shop,
            applied_on=date(2026, 11, 20),
            status="granted",
            granted_on=date(2027, 1, 15),
            **loan,
        )
    assert "放款日期 2027-01-15 不能晚于今天（2026-11-26）" in exc.value.message
    with pytest.raises(DomainError) as exc:
        services.report_outcome(
            actor=bank, subject=shop, applied_on=date(2026, 11, 27), status="applied"
        )
    assert "申请日期 2026-11-27 不能晚于今天（2026-11-26）" in exc.value.message
    with pytest.raises(DomainError, match="放款日期不能早于申请日期"):
        services.report_outcome(
            actor=bank,
            subject=shop,
            applied_on=date(2026, 11, 20),
            status="granted",
            granted_on=date(2026, 11, 19),
            **loan,
        )
    with pytest.raises(DomainError) as exc:
        services.report_outcome(
            actor=bank,
            subject=shop,
            applied_on=date(2026, 11, 20),
            status="refused",
            granted_on=date(2026, 11, 25),
            amount_wan="100",
            loan_type="credit",
            rate_percent="3.5",
        )
    assert "“未获批”的融资结果不应填写放款日期、金额（万元）、年利率（%）" in exc.value.message
    with pytest.raises(DomainError) as exc:
        services.report_outcome(
            actor=bank,
            subject=shop,
            applied_on=date(2026, 11, 20),
            status="已申请",
            amount_wan="50",
        )
    assert "“已申请”的融资结果不应填写金额（万元）" in exc.value.message
    assert LoanOutcome.objects.count() == 0
    # The application's loan type and term may be given without a decision.
    o = services.report_outcome(
        actor=bank,
        subject=shop,
        applied_on=date(2026, 11, 20),
        status="applied",
        loan_type="credit",
        term_months="12",
    )
    assert (o.loan_type, o.term_months, o.amount_wan, o.granted_on) == ("credit", 12, None, None)
    with pytest.raises(DomainError, match="放款日期 2027-01-15 不能晚于今天"):
        services.update_outcome(
            actor=bank, outcome=o, status="granted", granted_on=date(2027, 1, 15), **loan
        )
    with pytest.raises(DomainError, match="不应填写金额"):
        services.update_outcome(actor=bank, outcome=o, status="refused", amount_wan="200")
    o = services.update_outcome(actor=bank, outcome=o, status="refused")
    assert (o.status, o.granted_on, o.amount_wan, o.rate_percent) == ("refused", None, None, None)


def _loan(subject, applied_on: date, granted_on: date, amount: str) -> None:
    # Rows as they could be stored before the date checks existed.
    LoanOutcome.objects.create(
        bank=BANK,
        subject=subject,
        applied_on=applied_on,
        status=LoanOutcome.Status.GRANTED,
        granted_on=granted_on,
        amount_wan=Decimal(amount),
        loan_type=LoanOutcome.LoanType.CREDIT,
        rate_percent=Decimal("3.5"),
    )


def test_statistics_and_ledger_metric_agree_and_ignore_future_loans(world):
    shop = world["shop"]
    _loan(shop, date(2026, 3, 1), date(2026, 3, 10), "270")
    _loan(shop, date(2026, 11, 18), date(2026, 11, 20), "200")
    _loan(shop, date(2026, 11, 20), date(2026, 12, 20), "80")  # later this year: not yet
    _loan(shop, date(2026, 11, 20), date(2027, 1, 15), "200")  # next year: not yet
    stats = selectors.statistics(2026)
    year = Period.between(date(2026, 1, 1), date(2026, 12, 31))
    assert stats.credit_volume == Decimal("470.00")
    assert credit_loan_amount(None, year) == stats.credit_volume
    assert Decimal(stats.by_bank[0]["amount"]) == Decimal("470.00")
    assert stats.by_bank[0]["granted"] == 2
    future = selectors.statistics(2027)
    assert future.credit_volume == Decimal("0") and future.all_volume == Decimal("0")
    assert future.by_bank == []
    page = _staff_client(world).get(reverse("finance:statistics") + "?year=2026")
    assert re.search(r'id="credit-volume">470(\.00)?<', page.content.decode())


# ---------------------------------------------------------------- 4. expired shown


def _staff_client(world):
    from django.test import Client

    client = Client()
    client.force_login(world["credit"])
    return client


def _row(page: str, code: str) -> str:
    for row in re.findall(r"<tr>.*?</tr>", page, re.S):
        if code in row:
            return row
    raise AssertionError(f"{code} not on the page")


def test_expired_authorisation_is_shown_expired_without_revoke(world):
    expired = authorise(world, date(2025, 12, 1), date(2026, 9, 30))
    current = authorise(world, date(2026, 11, 1), date(2027, 3, 31))
    assert expired.status == Authorisation.Status.ACTIVE  # stored status unchanged
    assert (expired.state_on(TODAY), expired.state_label) == ("expired", "已过期")
    assert (current.state_on(TODAY), current.state_label) == ("active", "有效")
    page = _staff_client(world).get(reverse("finance:authorisations")).content.decode()
    row = _row(page, expired.code)
    assert "已过期" in row and "撤销" not in row and "有效</span>" not in row
    row = _row(page, current.code)
    assert "有效</span>" in row and f'name="authorisation" value="{current.pk}"' in row
    with pytest.raises(DomainError, match="已于 2026-09-30 到期"):
        services.revoke_authorisation(actor=world["credit"], authorisation=expired, reason="撤销")
    # The bank check uses the same rule.
    assert services.valid_authorisation(world["shop"], BANK) == current
