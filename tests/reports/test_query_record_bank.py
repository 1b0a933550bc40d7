"""A report's 查询记录 names the bank that queried (河南条例 art. 40: the subject has the
right to know who queried it), not only the channel "银行经授权查询"."""

from __future__ import annotations

import pytest
from django.utils import timezone

from xinyong.orgs.models import Role
from xinyong.reports import content, services

from .helpers import ORG_USCC, org_with_penalty, user

pytestmark = pytest.mark.django_db
BANK = "中国银行安阳北关支行"


def test_bank_report_names_the_bank_in_the_query_record() -> None:
    subject = org_with_penalty(1)
    bank = user("bank1", Role.BANK, None, organisation=BANK)
    other = user("bank2", Role.BANK, None, organisation="安阳农商银行北关支行")
    first = services.issue_report(actor=bank, subject=ORG_USCC, purpose="xinyidai", channel="bank")
    assert first.issued_unit == BANK
    services.issue_report(actor=other, subject=ORG_USCC, purpose="xinyidai", channel="bank")
    today = timezone.localdate()
    rows, total = content.queries_of(subject, since=today, until=today)
    who = sorted(r["who"] for r in rows if r["purpose"] == "出具信用报告：信易贷融资授信")
    assert who == [BANK, "安阳农商银行北关支行"] and total == 2
    # The next report the enterprise gets carries the same lines.
    own = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    assert {q["who"] for q in own.content["queries"]} >= {BANK, "安阳农商银行北关支行"}


def test_staff_report_still_names_the_unit() -> None:
    org_with_penalty(1)
    reporter = user("rep_sj", Role.REPORTER, "区市场监管局")
    report = services.issue_report(actor=reporter, subject=ORG_USCC, purpose="gov_procurement")
    assert report.issued_unit == "区市场监管局"
