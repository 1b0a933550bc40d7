"""The white list: screening with reasons, the two reviews and publication, removal when a
grade or a list changes (with the reason shown), export, outcomes and statistics."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.jobs import daily_jobs
from xinyong.core.models import Event
from xinyong.finance import exports, selectors, services
from xinyong.finance.models import LoanOutcome, WhitelistItem, WhitelistRun
from xinyong.orgs.models import Role
from xinyong.supervision import grading

from .helpers import BANK, admin, bank_user, finance_reviewer, firm, list_entry, make_user, publish

pytestmark = pytest.mark.django_db
ON = date(2026, 10, 9)


@pytest.fixture
def people():
    return admin(), finance_reviewer()


@pytest.fixture
def firms():
    return {
        "good": firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A"),
        "b": firm("MA46D1L7", "安阳市北关区红旗路物业服务有限公司", grade="B"),
        "c": firm("MA44UC2R", "安阳北关豫安建筑工程有限公司", grade="C"),
        "shop": firm("L25R6K3M", "北关区李记五金店", grade="A", category="92"),
    }


def item(run: WhitelistRun, subject) -> WhitelistItem:
    return WhitelistItem.objects.get(run=run, subject=subject)


def test_screening_explains_every_subject(people, firms):
    credit, _ = people
    run = services.screen(actor=credit, on=ON)
    assert run.number == "XYD20261009-01"
    assert run.status == WhitelistRun.Status.CREDIT_REVIEW
    assert run.rule.code == "XYD-BASE"
    assert (run.candidates, run.eligible) == (4, 3)
    listed = item(run, firms["good"])
    assert listed.status == WhitelistItem.Status.LISTED
    assert {r["code"] for r in listed.reasons} >= {"grade", "region", "list_serious", "penalty"}
    out = item(run, firms["c"])
    assert out.status == WhitelistItem.Status.INELIGIBLE
    assert [r["text"] for r in out.reasons if not r["passed"]] == [
        "信用等级为 C，不符合要求（须为 A、B）"
    ]
    assert selectors.failure_counts(run) == [("信用等级", 1)]
    assert Event.objects.filter(action="finance.screen", target_id=str(run.pk)).count() == 1


def test_two_reviews_then_published(people, firms):
    credit, reviewer = people
    run = services.screen(actor=credit, on=ON)
    with pytest.raises(DomainError) as first:
        services.approve_finance(actor=reviewer, run=run)  # the credit office comes first
    assert "待信用办审核" in first.value.message
    with pytest.raises(NotPermitted):
        services.approve_finance(actor=credit, run=run)
    other_reviewer = make_user("rev_scj", Role.REVIEWER, "区市场监管局")
    run = services.approve_credit(actor=credit, run=run, opinion="同意")
    assert run.status == WhitelistRun.Status.FINANCE_REVIEW
    with pytest.raises(NotPermitted) as exc:
        services.approve_finance(actor=other_reviewer, run=run)
    assert "区金融工作局" in exc.value.message
    services.exclude_item(actor=reviewer, item=item(run, firms["shop"]), reason="该户正在办理注销")
    run = services.approve_finance(actor=reviewer, run=run, opinion="同意发布")
    assert run.status == WhitelistRun.Status.PUBLISHED and run.published_at is not None
    assert services.current_run() == run
    names = [i.subject.name for i in selectors.published_items()]
    assert names == ["安阳市北关区恒达商贸有限公司", "安阳市北关区红旗路物业服务有限公司"]
    # A new list replaces the old one.
    second = publish(ON, credit, reviewer)
    run.refresh_from_db()
    assert run.status == WhitelistRun.Status.SUPERSEDED
    assert services.current_run() == second


def test_return_needs_an_opinion_and_ends_the_run(people, firms):
    credit, _reviewer = people
    run = services.screen(actor=credit, on=ON)
    with pytest.raises(DomainError):
        services.return_run(actor=credit, run=run, opinion="")
    run = services.return_run(actor=credit, run=run, opinion="规则需调整")
    assert run.status == WhitelistRun.Status.RETURNED
    with pytest.raises(DomainError):
        services.approve_credit(actor=credit, run=run)


def test_grade_change_a_to_c_removes_with_reason(people, firms):
    credit, reviewer = people
    publish(ON, credit, reviewer)
    good = firms["good"]
    # The provincial comprehensive evaluation rates the firm C: supervision recomputes
    # its grade; the daily re-check (after supervision's job) removes it from the list.
    grading.add_external(
        actor=credit,
        subject=good,
        source="provincial",
        evaluator="河南省公共信用综合评价",
        grade="C",
        evaluated_on=date(2026, 10, 20),
    )
    assert grading.grade_of(good).grade == "C"
    names = [job.name for job in daily_jobs()]
    assert names.index("finance.whitelist_rescreen") > names.index("supervision.grades")
    job = next(j for j in daily_jobs() if j.name == "finance.whitelist_rescreen")
    assert "移出 1 家" in job.run()
    it = WhitelistItem.objects.get(run=services.current_run(), subject=good)
    assert it.status == WhitelistItem.Status.REMOVED
    assert it.removed_on == timezone.localdate()
    # Banks read the condition no longer met; the offices keep the facts.
    assert it.note == "不符合“信用等级为 A、B”条件"
    assert it.staff_reason == "信用等级由 A 变为 C，信用等级为 C，不符合要求（须为 A、B）"
    assert it.removal_reasons[0]["code"] == "grade"
    removal = Event.objects.get(action="finance.remove")
    assert removal.new_values["trigger"] == "每日复核"
    # Idempotent: the next run removes nothing more.
    assert "移出 0 家" in job.run()
    # Banks see the removal with the reason.
    removed = [i for i in selectors.published_items() if i.status == "removed"]
    assert [i.subject_id for i in removed] == [good.pk]


def test_list_entry_removes_at_once_through_the_signal(people, firms):
    credit, reviewer = people
    publish(ON, credit, reviewer)
    list_entry(firms["b"], "SX_BZXR", date(2026, 10, 12), actor=credit)
    it = WhitelistItem.objects.get(run=services.current_run(), subject=firms["b"])
    assert it.status == WhitelistItem.Status.REMOVED
    # The listing also lowers the grade (supervision's receiver runs first).
    assert it.note == "不符合“信用等级为 A、B”条件；不符合“未被列入严重失信主体名单”条件"
    assert "；被列入失信被执行人名单（" in it.staff_reason
    removal = Event.objects.get(action="finance.remove")
    assert removal.new_values["trigger"] == "失信被执行人名单：列入"


def test_export_xlsx_and_csv_for_the_provincial_platform(people, firms):
    credit, reviewer = people
    with pytest.raises(DomainError):
        exports.export_whitelist(actor=credit)
    publish(ON, credit, reviewer)
    name, content = exports.export_whitelist(actor=credit, fmt="csv")
    assert name.endswith(".csv") and content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "企业名称", "统一社会信用代码"]
    assert [r[1] for r in rows[1:]] == [
        "北关区李记五金店",
        "安阳市北关区恒达商贸有限公司",
        "安阳市北关区红旗路物业服务有限公司",
    ]
    name, content = exports.export_whitelist(actor=credit, fmt="xlsx")
    assert content[:2] == b"PK"
    with pytest.raises(NotPermitted):
        exports.export_whitelist(actor=bank_user())
    assert Event.objects.filter(action="finance.export").count() == 2


def test_cli_screen_rescreen_export_status(people, firms, tmp_path):
    out = io.StringIO()
    call_command("xinyidai", "screen", "--on", "2026-10-09", "--json", stdout=out)
    assert '"eligible": 3' in out.getvalue()
    credit, reviewer = people
    run = WhitelistRun.objects.get()
    services.approve_credit(actor=credit, run=run)
    services.approve_finance(actor=reviewer, run=run)
    target = tmp_path / "whitelist.csv"
    out = io.StringIO()
    call_command("xinyidai", "export", "--out", str(target), stdout=out)
    assert target.read_bytes().startswith("\ufeff".encode())
    out = io.StringIO()
    call_command("xinyidai", "status", stdout=out)
    assert "列入 3 家" in out.getvalue()
    with pytest.raises(CommandError) as exc:
        call_command("xinyidai", "screen", "--on", "2026-13-01")
    assert "YYYY-MM-DD" in str(exc.value)


def test_outcomes_and_statistics_against_the_city_average(people, firms):
    credit, reviewer = people
    bank = bank_user()
    run = publish(date(2026, 1, 5), credit, reviewer)
    good = firms["good"]
    # No authorisation and not on the list: refused.
    with pytest.raises(DomainError):
        services.report_outcome(
            actor=bank, subject=firms["c"], applied_on=date(2026, 3, 1), status="applied"
        )
    with pytest.raises(DomainError) as exc:
        services.report_outcome(
            actor=bank, subject=good, applied_on=date(2026, 3, 1), status="granted"
        )
    assert "须填写金额" in exc.value.message
    # Last year: 500 万元 of credit loans (the firm authorised the bank in writing).
    services.record_staff_authorisation(
        actor=credit,
        subject=firms["b"],
        bank=BANK,
        scope="financing",
        valid_from=date(2025, 3, 1),
        valid_until=date(2026, 2, 28),
        document=ContentFile(b"pdf", name="sq.pdf"),
    )
    services.report_outcome(
        actor=bank,
        subject=firms["b"],
        applied_on=date(2025, 3, 2),
        status="granted",
        granted_on=date(2025, 3, 20),
        amount_wan="500",
        loan_type="信用",
        rate_percent="3.9",
    )
    # This year: 600 万元 credit + 400 万元 secured; one recommended firm refused.
    published_day = timezone.localtime(run.published_at).date()
    o = services.report_outcome(
        actor=bank,
        subject=good,
        applied_on=published_day,
        status="applied",
    )
    assert o.whitelist_item is not None
    services.update_outcome(
        actor=bank,
        outcome=o,
        status="granted",
        granted_on=published_day,
        amount_wan="600",
        loan_type="credit",
        rate_percent="3.45",
    )
    services.report_outcome(
        actor=bank,
        subject=good,
        applied_on=published_day,
        status="granted",
        granted_on=published_day,
        amount_wan="400",
        loan_type="secured",
        rate_percent="4.2",
    )
    services.report_outcome(
        actor=bank, subject=firms["shop"], applied_on=published_day, status="refused"
    )
    services.set_benchmark(
        actor=credit, year=published_day.year, city_growth_percent="12.5", source="市金融局"
    )
    year = published_day.year
    LoanOutcome.objects.filter(granted_on__year=2025).update(granted_on=date(year - 1, 3, 20))
    stats = selectors.statistics(year)
    assert stats.credit_volume == Decimal("600.00")
    assert stats.credit_volume_prev == Decimal("500.00")
    assert stats.credit_growth == Decimal("20.00")
    assert stats.city_growth == Decimal("12.50") and stats.beats_city is True
    assert stats.all_volume == Decimal("1000.00") and stats.credit_share == Decimal("60.00")
    assert (stats.recommended, stats.applied, stats.granted) == (3, 2, 1)
    assert stats.success_rate == Decimal("50.00")
    other = bank_user("bank2", "中国工商银行安阳北关支行")
    with pytest.raises(NotPermitted):
        services.update_outcome(actor=other, outcome=o, status="refused")
    with pytest.raises(DomainError):
        services.report_outcome(
            actor=bank,
            subject=good,
            applied_on=published_day,
            status="granted",
            granted_on=published_day,
            amount_wan="10",
            loan_type="credit",
            rate_percent="40",
        )


def test_matchmaking_events_are_counted(people, firms):
    credit, _ = people
    ev = services.record_matchmaking(
        actor=credit,
        title="北关区2026年“信易贷”银企对接会",
        held_on=date(2026, 5, 18),
        banks="中国银行安阳北关支行、安阳农村商业银行",
        firms=[firms["good"], firms["b"]],
        firm_count=23,
        evidence="签到表、现场照片",
        organiser="区金融局",
    )
    assert ev.banks == ["中国银行安阳北关支行", "安阳农村商业银行"]
    assert ev.organiser.name == "区金融工作局"
    stats = selectors.statistics(2026)
    assert (stats.events, stats.event_firms, stats.event_banks) == (1, 23, 2)
    with pytest.raises(DomainError):
        services.record_matchmaking(
            actor=credit, title="x", held_on=date(2999, 1, 1), banks="a", evidence="b"
        )
    with pytest.raises(NotPermitted):
        services.record_matchmaking(
            actor=bank_user(), title="x", held_on=date(2026, 1, 1), banks="a", evidence="b"
        )
