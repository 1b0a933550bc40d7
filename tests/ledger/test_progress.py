"""Progress reports, evidence, the two-stage review (lead unit, then credit office),
activities counted against rows, 督办 with 批示."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import Clock
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.ledger import selectors, services
from xinyong.ledger.models import Activity, Assignment, Evidence, ProgressReport, SupervisionItem
from xinyong.orgs.models import Role

from .helpers import assignment, pdf, plan, unit, user

pytestmark = pytest.mark.django_db

SCJ = "区市场监管局"
RSJ = "区人社局"


@pytest.fixture
def people():
    return {
        "admin": user("pg_admin", Role.CREDIT_ADMIN, "区发改委"),
        "rsj": user("pg_rsj", Role.REPORTER, RSJ),
        "scj_reviewer": user("pg_scj_rev", Role.REVIEWER, SCJ),
        "rsj_reviewer": user("pg_rsj_rev", Role.REVIEWER, RSJ),
        "leader": user("pg_leader", Role.LEADER),
    }


def test_two_stage_review_on_a_row_with_a_lead_unit(people, clock: Clock) -> None:
    clock.today = date(2026, 11, 2)  # a unit's report is dated the day it is filed
    p = plan()
    # Row 5 (双公示) is led by 区发改委 (the office) and 区市场监管局 (task 4).
    a = assignment(p, 5, RSJ)
    report = services.report_progress(
        actor=people["rsj"],
        assignment=a,
        claim="completed",
        narrative="本年度双公示信息全部按时报送。",
        reported_on=date(2026, 11, 2),
        files=[
            pdf(),
            SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff jpeg", content_type="image/jpeg"),
        ],
        links=["https://www.example.gov.cn/xyxx/2026/1102.html"],
    )
    a.refresh_from_db()
    assert report.review == ProgressReport.Review.SUBMITTED
    assert a.status == Assignment.Status.SUBMITTED
    assert sorted(Evidence.objects.filter(report=report).values_list("kind", flat=True)) == [
        "document",
        "link",
        "photo",
    ]
    # Another unit's reviewer is not the lead; the lead's reviewer is.
    with pytest.raises(NotPermitted):
        services.review_report(actor=people["rsj_reviewer"], report=report, accept=True)
    assert [r.pk for r in selectors.review_queue(people["scj_reviewer"])] == [report.pk]
    services.review_report(
        actor=people["scj_reviewer"], report=report, accept=True, comment="材料齐全"
    )
    a.refresh_from_db()
    assert a.status == Assignment.Status.LEAD_ACCEPTED
    with pytest.raises(NotPermitted, match="待信用办审核"):
        services.review_report(actor=people["scj_reviewer"], report=report, accept=True)
    services.review_report(actor=people["admin"], report=report, accept=True)
    report.refresh_from_db()
    a.refresh_from_db()
    assert report.review == ProgressReport.Review.ACCEPTED
    assert report.lead_comment == "材料齐全"
    assert a.status == Assignment.Status.ACCEPTED and a.completed_on == date(2026, 11, 2)
    actions = list(
        Event.objects.filter(action__startswith="ledger.").values_list("action", flat=True)
    )
    assert actions.count("ledger.report_reviewed") == 2
    assert "ledger.progress_reported" in actions


def test_return_needs_a_comment_and_reopens_the_row(people) -> None:
    p = plan()
    a = assignment(p, 2, RSJ)  # no lead other than the office: straight to the office
    report = services.report_progress(
        actor=people["rsj"], assignment=a, claim="completed", narrative="已完成。"
    )
    assert report.review == ProgressReport.Review.LEAD_ACCEPTED
    with pytest.raises(DomainError, match="请填写审核意见"):
        services.review_report(actor=people["admin"], report=report, accept=False)
    services.review_report(
        actor=people["admin"], report=report, accept=False, comment="请补充正式印发的文件。"
    )
    a.refresh_from_db()
    assert a.status == Assignment.Status.RETURNED and a.completed_on is None
    with pytest.raises(DomainError, match="不在待审核状态"):
        services.review_report(actor=people["admin"], report=report, accept=True)
    # While a completion waits for review, no second report is taken.
    services.report_progress(
        actor=people["rsj"], assignment=a, claim="completed", narrative="已补充。"
    )
    with pytest.raises(DomainError, match="已有待审核的完成报告"):
        services.report_progress(
            actor=people["rsj"], assignment=a, claim="in_progress", narrative="x"
        )


def test_who_may_report(people) -> None:
    p = plan()
    own = assignment(p, 2, RSJ)
    foreign = assignment(p, 2, SCJ)
    with pytest.raises(NotPermitted):
        services.report_progress(
            actor=people["rsj"], assignment=foreign, claim="in_progress", narrative="x"
        )
    with pytest.raises(NotPermitted, match="只读"):
        services.report_progress(
            actor=people["leader"], assignment=own, claim="in_progress", narrative="x"
        )
    with pytest.raises(DomainError, match="请填写工作进展"):
        services.report_progress(
            actor=people["rsj"], assignment=own, claim="in_progress", narrative=" "
        )
    with pytest.raises(DomainError, match="链接格式不正确"):
        services.report_progress(
            actor=people["rsj"],
            assignment=own,
            claim="in_progress",
            narrative="x",
            links=["javascript:alert(1)"],
        )
    with pytest.raises(DomainError, match="类型不允许上传"):
        services.report_progress(
            actor=people["rsj"],
            assignment=own,
            claim="in_progress",
            narrative="x",
            files=[SimpleUploadedFile("a.exe", b"MZ")],
        )
    assert not ProgressReport.objects.exists()
    assert [
        a.unit.name for a in selectors.assignments_for(people["rsj"], p).filter(row__number=2)
    ] == [RSJ]


def test_activities_count_against_the_rows_targets(people) -> None:
    p = plan()
    a = assignment(p, 6, RSJ)  # ≥3 publicity events per year
    results = selectors.evaluate_targets(p, [a], on=date(2026, 11, 25))[a.pk]
    assert [(r.value, r.met) for r in results] == [(0, False)]
    for day in (date(2026, 3, 15), date(2026, 6, 1), date(2026, 9, 10)):
        services.record_activity(
            actor=people["rsj"],
            plan=p,
            unit=unit(RSJ),
            kind=Activity.Kind.PUBLICITY,
            title="诚信宣传进社区",
            held_on=day,
            links=["https://www.example.gov.cn/news/1.html"],
        )
    results = selectors.evaluate_targets(p, [a], on=date(2026, 11, 25))[a.pk]
    assert [(r.value, r.met, r.verdict) for r in results] == [(3, True, "达标")]
    # Counted up to the day asked about.
    early = selectors.evaluate_targets(p, [a], on=date(2026, 6, 30))[a.pk]
    assert early[0].value == 2
    with pytest.raises(DomainError, match="请上传佐证材料"):
        services.record_activity(
            actor=people["rsj"],
            plan=p,
            unit=unit(RSJ),
            kind="training",
            title="培训",
            held_on=date(2026, 5, 1),
        )
    with pytest.raises(DomainError, match="应在 2026 年内"):
        services.record_activity(
            actor=people["rsj"],
            plan=p,
            unit=unit(RSJ),
            kind="training",
            title="培训",
            held_on=date(2025, 5, 1),
            files=[pdf()],
        )
    with pytest.raises(NotPermitted):
        services.record_activity(
            actor=people["rsj"],
            plan=p,
            unit=unit(SCJ),
            kind="training",
            title="培训",
            held_on=date(2026, 5, 1),
            files=[pdf()],
        )


def test_supervision_with_instruction(people) -> None:
    p = plan()
    a = assignment(p, 5, RSJ)
    with pytest.raises(NotPermitted):
        services.open_supervision(actor=people["rsj"], assignment=a, reason="x")
    item = services.open_supervision(
        actor=people["admin"],
        assignment=a,
        reason="三季度未报送双公示进展。",
        due_on=date(2026, 12, 4),
    )
    with pytest.raises(NotPermitted, match="只有领导"):
        services.add_instruction(actor=people["admin"], item=item, text="请抓紧")
    services.add_instruction(actor=people["leader"], item=item, text="请年底前完成，纳入考核。")
    services.respond_supervision(actor=people["rsj"], item=item, response="已补报三季度进展。")
    item.refresh_from_db()
    assert item.status == SupervisionItem.Status.ANSWERED
    services.close_supervision(actor=people["admin"], item=item, note="已核实。")
    item.refresh_from_db()
    assert item.status == SupervisionItem.Status.CLOSED
    assert item.instructions.get().text == "请年底前完成，纳入考核。"
    with pytest.raises(DomainError, match="已办结"):
        services.add_instruction(actor=people["leader"], item=item, text="再批")
    assert list(selectors.supervision_for(people["rsj"], p)) == [item]
    assert list(selectors.supervision_for(user("pg_other", Role.REPORTER, SCJ), p)) == []


def test_open_supervision_items_are_counted_as_of_the_pictures_day(people) -> None:
    p = plan()
    a = assignment(p, 5, RSJ)
    item = services.open_supervision(
        actor=people["admin"], assignment=a, reason="三季度未报送双公示进展。"
    )
    opened = item.opened_on

    def open_on(day: date) -> int:
        units = selectors.plan_picture(p, on=day).units
        return next(u.open_supervision for u in units if u.unit.name == RSJ)

    assert open_on(opened) == 1
    assert open_on(opened - timedelta(days=1)) == 0  # not opened yet on a past month's day
    # Opened 2026-10-10 and closed today: open in October's picture, not in today's.
    SupervisionItem.objects.filter(pk=item.pk).update(opened_on=date(2026, 10, 10))
    item.refresh_from_db()
    services.close_supervision(actor=people["admin"], item=item, note="已补报。")
    item.refresh_from_db()
    assert open_on(date(2026, 10, 31)) == 1
    assert open_on(item.closed_on) == 0
