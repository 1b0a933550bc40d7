"""Review fixes of the report content and the free quota, on 2026-11-26: a merged-away
subject's records, entries, commitments and queries are the survivor's; the 重点关注名单
is never printed; the special report lists serious-list entries that ended within its
period; units' matter-based reports neither check nor use the subject's free quota; and
信易+ checks of an enterprise are in its 查询记录."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from xinyong.benefits import services as benefits
from xinyong.core.errors import DomainError
from xinyong.finance.services import record_staff_authorisation
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord
from xinyong.reports import content, services
from xinyong.reports.models import ApplicationMatter, Report
from xinyong.sanctions.models import ListEntry
from xinyong.subjects.services import merge_subjects

from ..commitments.helpers import KIND, commit
from ..publicity.helpers import penalty
from ..sanctions.governance_helpers import company, entry
from .helpers import ORG_USCC, PERSON_ID, org_with_penalty, pdf_text, person_with_penalty, user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
BANK = "中国银行安阳北关支行"
FIRM = "安阳市北关区某某商贸有限公司"
NO_VIOLATION_MATTER = "以专项信用报告替代无违法违规证明"


@pytest.fixture(autouse=True)
def on_2026_11_26(monkeypatch: pytest.MonkeyPatch) -> None:
    # 10:00 in Asia/Shanghai: reports, checks and their query dates all fall on TODAY.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 26, 2, 0, tzinfo=UTC))


def _special_item(report: Report, name: str) -> str:
    return next(i["result"] for i in report.content["special"]["items"] if i["item"] == name)


def _chapter(report: Report, key: str) -> dict:
    return next(c for c in report.content["chapters"] if c["key"] == key)


# ------------------------------------------------------------------ 1. merged subjects


def test_survivors_report_has_the_merged_away_subjects_data() -> None:
    absorbed = org_with_penalty(1, decided="2026-11-06")  # 北关市监罚〔2026〕1号
    keep = company("MA45R001", "安阳市北关区某某商贸集团有限公司")
    entry(absorbed, "ABNORMAL", effective_from=date(2026, 9, 1))
    pledge = commit(
        "区市场监管局",
        None,
        KIND.VOLUNTARY,
        code=ORG_USCC,
        name=FIRM,
        reason="主动公示信用承诺",
        content="依法诚信经营，所提交材料真实有效。",
        breach_liability="违诺的，自愿接受失信惩戒。",
    )
    assert pledge.subject_id == absorbed.pk
    clerk = user("czj_m", Role.REPORTER, "区财政局")
    matter = ApplicationMatter.objects.get(name="政府采购供应商资格审查")
    services.issue_report(actor=clerk, subject=ORG_USCC, purpose="gov_procurement", matter=matter)
    merge_subjects(actor=None, keep=keep, absorb=absorbed, reason="同一企业重复建档")

    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="no_violation")

    assert report.subject_id == keep.pk
    assert report.record_count == 1
    assert [r["document"] for r in _chapter(report, "administrative")["records"]] == [
        "北关市监罚〔2026〕1号"
    ]
    assert [e["list"] for e in _chapter(report, "abnormal")["entries"]] == ["经营异常名录"]
    assert [c["code"] for c in _chapter(report, "commitment")["commitments"]] == [pledge.code]
    assert {"date": "2026-11-26", "who": "区财政局", "purpose": "出具信用报告：政府采购"} in (
        report.content["queries"]
    )
    assert _special_item(report, "行政处罚（含简易程序）").startswith("有 1 条")
    conclusion = report.content["special"]["conclusion"]
    assert conclusion == "查询期间内，本平台归集到该主体在上述领域的违法违规记录，详见上表及正文。"
    text = re.sub(r"\s+", "", pdf_text(services.report_pdf(report)))
    assert "北关市监罚〔2026〕1号" in text
    assert "未归集到该主体" not in text


def test_a_subject_without_merges_reports_only_its_own_records() -> None:
    org_with_penalty(1, decided="2026-11-06")
    other = company("MA45R002", "安阳市北关区无关建材有限公司")
    report = services.issue_report(actor=None, subject=other.identifier, purpose="no_violation")
    assert report.record_count == 0
    assert _special_item(report, "行政处罚（含简易程序）") == "无"


# ------------------------------------------------------------------ 2. 重点关注名单


def test_watch_list_is_never_printed_abnormal_list_is() -> None:
    firm = org_with_penalty(1)
    entry(firm, "WATCH", effective_from=date(2026, 5, 1))
    entry(firm, "ABNORMAL", effective_from=date(2026, 3, 2))
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    assert [e["list"] for e in _chapter(report, "abnormal")["entries"]] == ["经营异常名录"]
    text = re.sub(r"\s+", "", pdf_text(services.report_pdf(report)))
    assert "重点关注名单" not in text
    assert "经营异常名录" in text


# ------------------------------------------------------------------ 3. special report lists


def test_special_report_lists_serious_entries_that_ended_in_the_period() -> None:
    firm = org_with_penalty(1, decided="2026-03-02")
    samr = entry(firm, "SX_SAMR", effective_from=date(2025, 3, 1), removed_on=date(2026, 10, 27))
    # Last day in force 2023-11-26, the period's first day: in the period.
    tax = entry(firm, "SX_TAX", effective_from=date(2021, 11, 1), ends_on=date(2023, 11, 26))
    # Removed on the period's first day: out of force throughout the period.
    entry(firm, "SX_WAGES", effective_from=date(2021, 5, 1), removed_on=date(2023, 11, 26))
    # Resting on a penalty since withdrawn: the finding was undone.
    withdrawn = penalty(2, decided="2025-06-03")
    CreditRecord.objects.filter(pk=withdrawn.pk).update(status=CreditRecord.Status.WITHDRAWN)
    undone = entry(firm, "SX_BZXR", effective_from=date(2025, 7, 1), removed_on=date(2025, 9, 1))
    ListEntry.objects.filter(pk=undone.pk).update(basis_record=withdrawn)
    entry(firm, "WATCH", effective_from=date(2025, 1, 1), removed_on=date(2026, 2, 1))

    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="no_violation")

    special = report.content["special"]
    assert special["period"] == "2023-11-26 至 2026-11-26"
    assert _special_item(report, "严重失信主体名单") == (
        "期间内曾被列入 2 项（目前仍在名单中 0 项），见下表"
    )
    assert [
        (e["list"], e["document"], e["effective_from"], e["removed_on"], e["status"])
        for e in special["lists"]
    ] == [
        (
            "市场监督管理严重违法失信名单",
            samr.basis_document,
            "2025-03-01",
            "2026-10-27",
            "已于 2026-10-27 移出",
        ),
        (
            "重大税收违法失信主体名单",
            tax.basis_document,
            "2021-11-01",
            "—",
            "有效期至 2023-11-26，已届满",
        ),
    ]
    # The body lists what is in force today: nothing.
    assert _chapter(report, "serious")["entries"] == []
    text = re.sub(r"\s+", "", pdf_text(services.report_pdf(report)))
    assert "已于2026-10-27移出" in text
    assert "重点关注名单" not in text


def test_special_report_counts_an_entry_still_in_force() -> None:
    firm = org_with_penalty(1, decided="2026-03-02")
    entry(firm, "SX_BZXR", effective_from=date(2026, 6, 15))
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="no_violation")
    assert _special_item(report, "严重失信主体名单") == (
        "期间内曾被列入 1 项（目前仍在名单中 1 项），见下表"
    )
    assert report.content["special"]["lists"][0]["status"] == "仍在名单中"
    assert report.content["special"]["lists"][0]["removed_on"] == "—"


# ------------------------------------------------------------------ 4. free quota


def _self_service_twice() -> None:
    for _ in range(2):
        services.issue_report(
            actor=None, subject=ORG_USCC, purpose="self_query", channel="self_service"
        )


def test_unit_issuing_for_its_matter_is_not_blocked_by_the_used_quota() -> None:
    org_with_penalty(1)
    _self_service_twice()
    matter = ApplicationMatter.objects.get(name=NO_VIOLATION_MATTER)
    clerk = user("fgw_q", Role.REPORTER, "区发改委")
    report = services.issue_report(
        actor=clerk, subject=ORG_USCC, purpose="no_violation", matter=matter
    )
    assert report.free_quota is False
    assert services.free_reports_used(report.subject, 2026) == 2
    assert ApplicationMatter.objects.get(pk=matter.pk).usage_count == 1
    # Without a matter, the window issues the subject's own report: the quota applies.
    with pytest.raises(DomainError, match="本年度次数已用完"):
        services.issue_report(actor=clerk, subject=ORG_USCC, purpose="no_violation")


def test_unit_issuing_for_its_matter_does_not_use_the_quota() -> None:
    subject = org_with_penalty(1)
    matter = ApplicationMatter.objects.get(name=NO_VIOLATION_MATTER)
    clerk = user("fgw_u", Role.REPORTER, "区发改委")
    services.issue_report(actor=clerk, subject=ORG_USCC, purpose="no_violation", matter=matter)
    services.issue_report(actor=clerk, subject=ORG_USCC, purpose="no_violation", matter=matter)
    assert services.free_reports_used(subject, 2026) == 0
    _self_service_twice()
    assert services.free_reports_used(subject, 2026) == 2
    with pytest.raises(DomainError, match="每年可免费获取两次"):
        services.issue_report(
            actor=None, subject=ORG_USCC, purpose="self_query", channel="self_service"
        )


# ------------------------------------------------------------------ 5. 信易+ checks


def test_scenario_checks_of_an_enterprise_are_in_its_query_record() -> None:
    subject = org_with_penalty(1)
    zjj = user("zjj_x", Role.REPORTER, "区住建局")
    bank = user("bank_x", Role.BANK, None, organisation=BANK)
    # A bank checks only firms it may see (subjects.selectors.bank_may_see).
    record_staff_authorisation(
        actor=user("credit_x", Role.CREDIT_ADMIN, "区发改委"),
        subject=subject,
        bank=BANK,
        scope="financing",
        valid_from=TODAY,
        valid_until=date(2027, 2, 23),
        document=ContentFile(b"%PDF-1.4 signed", name="shouquan.pdf"),
    )
    benefits.check(actor=zjj, subject_code=ORG_USCC, scenario=benefits.get_scenario("XYZ"))
    benefits.check(actor=bank, subject_code=ORG_USCC, scenario=benefits.get_scenario("XYP"))

    rows, total = content.queries_of(subject, since=TODAY, until=TODAY)

    assert total == 2
    assert sorted(rows, key=lambda r: r["who"]) == sorted(
        [
            {"date": "2026-11-26", "who": "区住建局", "purpose": "信易+核验：信易租"},
            {"date": "2026-11-26", "who": BANK, "purpose": "信易+核验：信易批"},
        ],
        key=lambda r: r["who"],
    )
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    assert {"date": "2026-11-26", "who": BANK, "purpose": "信易+核验：信易批"} in (
        report.content["queries"]
    )
    # Checks before the period are not in it.
    assert content.queries_of(subject, since=date(2026, 11, 27), until=date(2026, 12, 1)) == (
        [],
        0,
    )


def test_a_persons_scenario_check_is_listed_once() -> None:
    subject = person_with_penalty(1)
    zjj = user("zjj_p", Role.REPORTER, "区住建局")
    benefits.check(actor=zjj, subject_code=PERSON_ID, scenario=benefits.get_scenario("XYZ"))
    rows, total = content.queries_of(subject, since=TODAY, until=TODAY)
    # The check is in the read log (the person's data were read); not a second time.
    assert total == 1
    assert rows == [{"date": "2026-11-26", "who": "区住建局", "purpose": "信易+守信激励核验"}]


def test_query_total_counts_beyond_the_shown_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    subject = org_with_penalty(1)
    monkeypatch.setattr(content, "MAX_QUERY_LINES", 2)
    zjj = user("zjj_t", Role.REPORTER, "区住建局")
    for code in ("XYZ", "XYP", "XYY"):
        benefits.check(actor=zjj, subject_code=ORG_USCC, scenario=benefits.get_scenario(code))
    services.issue_report(actor=zjj, subject=ORG_USCC, purpose="gov_procurement")
    rows, total = content.queries_of(subject, since=TODAY, until=TODAY)
    assert total == 4
    assert len(rows) == 2
