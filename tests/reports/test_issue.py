"""Issuing credit reports: number, content, PDF (CJK font embedded, masking), the seal,
the free quota, the application catalogue's counts and who may issue."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event, ReadLog
from xinyong.orgs.models import Role
from xinyong.reports import content, seal, services
from xinyong.reports.models import ApplicationMatter, Report

from ..publicity.helpers import penalty
from .helpers import (
    ORG_USCC,
    PERSON_ID,
    org_with_penalty,
    pdf_fonts,
    pdf_text,
    person_with_penalty,
    user,
)

pytestmark = pytest.mark.django_db


def test_report_number_is_22_characters_time_plus_8_alphanumerics() -> None:
    from datetime import UTC, datetime

    number = services.new_number(datetime(2026, 3, 15, 6, 30, 12, tzinfo=UTC))
    # 06:30:12 UTC is 14:30:12 in Asia/Shanghai.
    assert re.fullmatch(r"20260315143012[0-9A-Z]{8}", number)
    assert len(number) == 22


def test_org_report_pdf_has_records_cjk_font_and_seal() -> None:
    subject = org_with_penalty(7)
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    assert report.subject_id == subject.pk
    assert report.kind == "org"
    assert services.NUMBER_RE.fullmatch(report.number)
    assert report.valid_until == timezone.localtime(report.issued_at).date() + timedelta(days=30)
    pdf = services.report_pdf(report)
    text = re.sub(r"\s+", "", pdf_text(pdf))
    assert "公共信用信息报告（法人和非法人组织版）" in text
    assert report.number in text
    assert "北关市监罚〔2026〕7号" in text
    assert "未取得食品经营许可从事食品经营" in text
    assert "行政管理信息（1条）" in text
    assert "查询记录（近一年）" in text
    fonts = pdf_fonts(pdf)
    cjk = [name for name in fonts if "CJK" in name or "WenQuanYi" in name or "Han" in name]
    assert cjk, fonts
    assert all(fonts[name] for name in cjk)
    assert seal.check(pdf).ok
    assert report.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    event = Event.objects.get(action="reports.issue")
    assert event.new_values["number"] == report.number


def test_person_report_masks_identifiers_and_logs_the_read() -> None:
    subject = person_with_penalty(3)
    report = services.issue_report(actor=None, subject=PERSON_ID, purpose="self_query")
    assert report.kind == "person"
    text = pdf_text(services.report_pdf(report))
    compact = re.sub(r"\s+", "", text)
    assert "公共信用信息报告（个人版）" in text
    assert PERSON_ID not in compact
    assert "13812345678" not in compact
    assert not re.search(r"(?<!\d)\d{17}[\dX](?!\d)", compact)
    assert "110105********002X" in compact
    assert "李*" in compact and "李四" not in compact
    assert ReadLog.objects.filter(
        subject_id=str(subject.pk), purpose__contains="出具信用报告"
    ).exists()
    assert report.subject_name == "李*"


def test_query_lines_name_who_read_without_calling_the_public_本人() -> None:
    """河南条例 art. 40: the person sees who used or queried their data. A public query
    needs only the name and full ID number, so it is not necessarily the person."""
    from django.test import Client

    from xinyong.core.audit import record_read
    from xinyong.publicity.views import person_token
    from xinyong.subjects.selectors import READ_SUBJECT_TYPE

    subject = person_with_penalty(3)
    # The portal's own read of the person's page (logged without a reader).
    page = Client().get(f"/credit/subject/{subject.pk}/?t={person_token(subject)}")
    assert page.status_code == 200
    admin = user("office_admin", Role.CREDIT_ADMIN)
    reporter = user("env_reporter", Role.REPORTER, "区生态环境局")
    for reader, purpose in (
        (admin, "办理异议申请"),
        (reporter, "核查报送信息"),
        (None, "定时任务"),
    ):
        record_read(
            reader=reader,
            subject_type=READ_SUBJECT_TYPE,
            subject_id=subject.pk,
            subject_repr="李*",
            purpose=purpose,
        )
    today = timezone.localdate()
    rows, total = content.queries_of(subject, since=today, until=today)
    who = {r["purpose"]: r["who"] for r in rows}
    assert who["信用信息公开查询"] == "公众查询（凭姓名和身份证号码）"
    assert who["办理异议申请"] == "信用主管部门（信用办）"
    assert who["核查报送信息"] == "区生态环境局"
    assert who["定时任务"] == "平台系统"
    assert "本人" not in who.values() and total == len(rows)


def test_tampered_and_forged_reports_fail_verification(tmp_path) -> None:
    org_with_penalty(1)
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    pdf = services.report_pdf(report)
    assert services.verify_file(pdf).authentic

    tampered = bytearray(pdf)
    tampered[len(pdf) // 2] ^= 0x01
    result = services.verify_file(bytes(tampered))
    assert not result.authentic
    assert "被修改" in result.message or "签章" in result.message

    # A forged number in the seal line: the signature no longer matches.
    other = services.new_number(report.issued_at)
    forged = pdf.replace(report.number.encode(), other.encode())
    result = services.verify_file(forged)
    assert not result.authentic
    assert "签章" in result.message

    # The content without the seal: not a report of this platform.
    body = pdf[: pdf.rfind(seal.MARKER)]
    assert "没有本平台的电子签章" in services.verify_file(body).message
    assert services.verify_file(b"hello").message == "上传的文件不是 PDF 文件。"

    good = tmp_path / "good.pdf"
    good.write_bytes(pdf)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(tampered))
    call_command("reports", "verify", str(good))
    with pytest.raises(CommandError):
        call_command("reports", "verify", str(bad))


def test_verify_by_number() -> None:
    org_with_penalty(1)
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    found = services.verify_number(report.number.lower())
    assert found.authentic and found.valid
    assert found.facts["subject"] == "安阳市北关区某某商贸有限公司"
    assert not services.verify_number("2026031514301200000000").authentic
    assert "格式不正确" in services.verify_number("12345").message
    expired = services.verify_number(report.number, today=date(2099, 1, 1))
    assert expired.authentic and not expired.valid
    assert "超过有效期" in expired.message


def test_third_free_report_in_a_year_is_refused() -> None:
    org_with_penalty(1)
    services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    services.issue_report(actor=None, subject=ORG_USCC, purpose="no_violation")
    with pytest.raises(DomainError, match="每年可免费获取两次"):
        services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    # Reports that units obtain for their matters are not the subject's free reports.
    services.issue_report(actor=None, subject=ORG_USCC, purpose="gov_procurement")
    assert Report.objects.filter(free_quota=True).count() == 2


def test_matter_usage_is_counted_and_checked() -> None:
    org_with_penalty(1)
    matter = ApplicationMatter.objects.get(name="政府采购供应商资格审查")
    clerk = user("czj", Role.REPORTER, "区财政局")
    services.issue_report(actor=clerk, subject=ORG_USCC, purpose="gov_procurement", matter=matter)
    services.issue_report(
        actor=clerk, subject=ORG_USCC, purpose="gov_procurement", matter=matter.pk
    )
    matter.refresh_from_db()
    assert matter.usage_count == 2
    with pytest.raises(DomainError, match="与所选用途不符"):
        services.issue_report(actor=clerk, subject=ORG_USCC, purpose="bidding", matter=matter)
    other = user("zjj", Role.REPORTER, "区住建局")
    with pytest.raises(NotPermitted):
        services.issue_report(
            actor=other, subject=ORG_USCC, purpose="gov_procurement", matter=matter
        )
    # The second report lists the first as a query by 区财政局 (河南条例 art. 40).
    latest = Report.objects.order_by("-id").first()
    assert latest is not None
    assert any(q["who"] == "区财政局" for q in latest.content["queries"])


def test_who_may_issue() -> None:
    org_with_penalty(1)
    leader = user("leader1", Role.LEADER, None)
    with pytest.raises(NotPermitted):
        services.issue_report(actor=leader, subject=ORG_USCC, purpose="gov_procurement")
    bank = user("bank1", Role.BANK, None)
    with pytest.raises(NotPermitted, match="银行用户"):
        services.issue_report(actor=bank, subject=ORG_USCC, purpose="gov_procurement")
    report = services.issue_report(actor=bank, subject=ORG_USCC, purpose="xinyidai", channel="bank")
    assert report.purpose.name == "信易贷融资授信"
    with pytest.raises(DomainError, match="不存在"):
        services.issue_report(actor=None, subject=ORG_USCC, purpose="nonsense")
    with pytest.raises(DomainError, match="出具渠道"):
        services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query", channel="x")
    with pytest.raises(DomainError, match="没有代码"):
        services.issue_report(actor=None, subject="91410503MA44T3K1XX", purpose="self_query")


def test_person_cannot_get_an_org_only_purpose() -> None:
    person_with_penalty(1)
    with pytest.raises(DomainError, match="只适用于法人和非法人组织"):
        services.issue_report(actor=None, subject=PERSON_ID, purpose="gov_procurement")


def test_special_report_covers_the_565_fields() -> None:
    org_with_penalty(1, decided="2026-03-02", CF_CXLX="简易程序")
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="no_violation")
    special = report.content["special"]
    items = {i["item"]: i["result"] for i in special["items"]}
    assert set(items) == {"行政处罚（含简易程序）", "行政强制", "严重失信主体名单", "刑事判决"}
    assert items["行政处罚（含简易程序）"].startswith("有 1 条（其中简易程序 1 条）")
    assert items["行政强制"] == "无"
    text = pdf_text(services.report_pdf(report))
    assert "专项核查结论" in text
    assert "专项信用报告（替代有无违法违规记录证明）" in text


def test_special_report_counts_unpublished_penalties_and_lists_them() -> None:
    """565号 asks whether there was a violation, so a penalty that is never published
    (36号令: 警告 only is 轻微) still counts; a withdrawn one and one older than the
    36-month lookback do not."""
    from xinyong.records.services import withdraw_record

    warning = penalty(
        1, decided="2026-05-11", unit_name="区市场监管局", CF_CFLB="警告", CF_NR="警告", CF_NR_FK=""
    )
    assert not warning.publicity.is_published
    penalty(2, decided="2026-03-02", unit_name="区市场监管局")
    revoked = penalty(3, decided="2026-04-20", unit_name="区市场监管局")
    withdraw_record(
        actor=None,
        record=revoked,
        reason="复议撤销原处罚决定",
        revoked_on=date(2026, 6, 1),
        on=date(2026, 6, 2),
    )
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="no_violation")
    special = report.content["special"]
    items = {i["item"]: i["result"] for i in special["items"]}
    assert items["行政处罚（含简易程序）"] == (
        "有 2 条（其中简易程序 0 条），其中 1 条未在正文公示，见下表"
    )
    assert [(r["document"], r["decided"]) for r in special["not_in_body"]] == [
        ("北关市监罚〔2026〕1号", "2026-05-11")
    ]
    assert special["not_in_body"][0]["why"].startswith("依规不公示")
    assert special["conclusion"].startswith("查询期间内，本平台归集到")
    text = re.sub(r"\s+", "", pdf_text(services.report_pdf(report)))
    assert "正文不展示的记录" in text
    assert "北关市监罚〔2026〕1号" in text


def test_special_report_with_only_a_withdrawn_penalty_is_clean() -> None:
    from xinyong.records.services import withdraw_record

    revoked = penalty(3, decided="2026-04-20", unit_name="区市场监管局")
    withdraw_record(
        actor=None,
        record=revoked,
        reason="复议撤销原处罚决定",
        revoked_on=date(2026, 6, 1),
        on=date(2026, 6, 2),
    )
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="no_violation")
    special = report.content["special"]
    assert {i["item"]: i["result"] for i in special["items"]}["行政处罚（含简易程序）"] == "无"
    assert special["not_in_body"] == []
    assert special["conclusion"] == "查询期间内，本平台未归集到该主体在上述领域的违法违规记录。"


def test_repair_advice_cites_the_rule_in_force_on_the_issue_day() -> None:
    # Decided 2026-03-02 under 22号 (3 months at least): repairable since 2026-06-02.
    # An application made now follows 36号令, which repealed 58号令 on 2026-04-01.
    org_with_penalty(1, decided="2026-03-02")
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    advice = " ".join(report.content["advice"])
    assert "可申请信用修复（国家发展改革委令第36号）" in advice
    assert "58号" not in advice
    assert content._repair_rule_in_force(date(2026, 3, 31)) == "国办发〔2025〕22号"


def test_months_before_keeps_month_ends_valid() -> None:
    assert content._months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert content._months_before(date(2026, 11, 26), 36) == date(2023, 11, 26)


def test_cli_issue_writes_the_pdf(tmp_path) -> None:
    org_with_penalty(1)
    out = tmp_path / "r.pdf"
    call_command(
        "reports", "issue", "--subject", ORG_USCC, "--purpose", "self_query", "--out", str(out)
    )
    assert services.verify_file(out.read_bytes()).valid
    assert Event.objects.filter(action="reports.print").count() == 1
    with pytest.raises(CommandError, match="不存在"):
        call_command("reports", "issue", "--subject", ORG_USCC, "--purpose", "x", "--out", str(out))


def test_content_queries_do_not_grow_with_the_records() -> None:
    """A report's content takes a fixed number of queries, whatever the number of
    records (no per-record lazy loads: issue 7 §4, 200-record reports)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinyong.reports.models import ReportPurpose

    subject = org_with_penalty(1)
    header = content.Header(
        number="2026031514301200000000",
        issued_at=timezone.now(),
        valid_until=date(2026, 12, 31),
        purpose=ReportPurpose.objects.get(code="no_violation"),
        matter=None,
        issuer_unit="",
    )
    with CaptureQueriesContext(connection) as one:
        assert content.build(subject, header)["record_count"] == 1
    for n in range(2, 7):
        org_with_penalty(n, decided=f"2026-03-0{n}")
    with CaptureQueriesContext(connection) as six:
        data = content.build(subject, header)
    assert data["record_count"] == 6
    # 18: one query each for the subjects merged into it, the 信易+ checks and the
    # serious-list entries of the special report's period; the query record counts a
    # source only when its page is full.
    assert len(six.captured_queries) == len(one.captured_queries) <= 18
