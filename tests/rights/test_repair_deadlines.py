"""Defects found in review of credit repair dates: an approval whose sync deadline fell in
a year without a calendar (2027) was refused; staff could date a step before the steps it
follows; the monthly 通报 counted repairs by today's status, not as they stood in the
month. Today is frozen; the calendar knows 2004–2026 (2027 is not published)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import Clock
from xinyong.collection.reports import monthly_report
from xinyong.collection.selectors import Period
from xinyong.core.errors import DomainError
from xinyong.core.models import CalendarYear, WorkdayException
from xinyong.publicity.models import PublicityWindow
from xinyong.rights import repair
from xinyong.rights.models import RepairApplication

from .repair_helpers import UNIT, apply, penalty_row, record, staff, store

pytestmark = pytest.mark.django_db

PENDING_2027 = "期限待定（缺少2027年日历）"


def fresh(app: RepairApplication) -> RepairApplication:
    return RepairApplication.objects.select_related("record").get(pk=app.pk)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def load_2027() -> None:
    year = CalendarYear.objects.create(year=2027, source="测试：2027年元旦")
    WorkdayException.objects.create(
        date=date(2027, 1, 1), kind=WorkdayException.Kind.HOLIDAY, name="元旦", year=year
    )


# ------------------------------------------------------------------ 1. deadline in 2027


def test_approval_on_12_29_goes_through_with_its_sync_deadline_pending(clock: Clock) -> None:
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    clock.today = date(2026, 12, 29)
    app = apply(record(1), date(2026, 12, 14))
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 12, 15)
    )
    assert repair.decision_due(app) == date(2026, 12, 29)
    app = repair.provider_review(
        actor=users["reporter"], application=app, agrees=True, opinion="同意", on=date(2026, 12, 28)
    )
    app = repair.decide_repair(
        actor=users["admin"], application=app, approve=True, reason="已纠正失信行为。"
    )

    app = fresh(app)
    assert (app.status, app.decided_on) == ("approved", date(2026, 12, 29))
    window = PublicityWindow.objects.get(record=record(1))
    assert (window.ended_on, window.end_reason) == (date(2026, 12, 29), "repaired")
    # 3 working days: 12-30, 12-31, then 2027, whose schedule is not loaded.
    assert app.applicant_notice == (
        "准予信用修复（2026-12-29）。该信息已停止公示，修复结果将自决定之日起 3 个工作日内"
        f"（{PENDING_2027}）同步至各信息接收方。理由：已纠正失信行为。"
    )
    assert repair.due_or_pending(repair.sync_due, app) == (None, PENDING_2027)
    assert not repair.is_overdue(app, date(2026, 12, 31))
    assert list(repair.overdue_repairs(date(2026, 12, 31))) == []
    assert repair.overdue_repairs_by_unit(date(2026, 12, 31)) == []

    # The credit office's pages and the 通报 show it, none fails.
    admin = login(users["admin"])
    detail = admin.get(f"/workspace/rights/repairs/{app.pk}/")
    assert detail.status_code == 200
    assert f'<dd id="repair-sync-due">{PENDING_2027}</dd>' in detail.content.decode()
    listing = admin.get("/workspace/rights/repairs/?overdue=1")
    assert listing.status_code == 200 and "暂无信用修复申请" in listing.content.decode()
    assert admin.get("/workspace/rights/repairs/").status_code == 200
    api = APIClient()
    api.force_authenticate(users["admin"])
    body = api.get(f"/api/v1/repairs/{app.pk}").json()
    assert (body["sync_due"], body["sync_due_pending"]) == (None, PENDING_2027)
    december = monthly_report(Period.month(2026, 12))
    assert december.overdue_repairs == []

    # Once 2027 is imported the deadline is computed: 12-30, 12-31, (元旦) 01-04.
    load_2027()
    assert repair.due_or_pending(repair.sync_due, app) == (date(2027, 1, 4), "")
    detail = admin.get(f"/workspace/rights/repairs/{app.pk}/")
    assert '<dd id="repair-sync-due">2027-01-04</dd>' in detail.content.decode()


def test_material_check_late_in_december_states_the_decision_deadline_as_pending(
    clock: Clock,
) -> None:
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    clock.today = date(2026, 12, 21)
    app = apply(record(1), date(2026, 12, 18))
    app = repair.mark_complete(actor=users["admin"], application=app, complete=True)
    # 10 working days from Mon 12-21: eight are left in 2026.
    assert app.complete_on == date(2026, 12, 21)
    assert app.applicant_notice == (
        "申请材料已于 2026-12-21 审查齐全，将自材料齐全之日起 10 个工作日内"
        f"（{PENDING_2027}）作出决定。"
    )
    view = repair.public_view(app)
    assert (view["decision_due"], view["decision_due_pending"]) == (None, PENDING_2027)
    status = Client().get("/credit/repair/status/", {"code": app.query_code})
    assert status.status_code == 200
    assert f"<dt>决定期限</dt><dd>{PENDING_2027}</dd>" in status.content.decode()
    listing = login(users["admin"]).get("/workspace/rights/repairs/")
    assert PENDING_2027 in listing.content.decode()


# ------------------------------------------------------------------ 2. step dates


def test_a_step_cannot_be_dated_before_the_step_it_follows_or_after_today(clock: Clock) -> None:
    clock.today = date(2026, 11, 26)
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    app = apply(record(1), date(2026, 9, 1))

    def refused(step: Any, message: str) -> None:
        with pytest.raises(DomainError) as caught:
            step()
        assert caught.value.message == message

    # The reviewer's case: steps dated April for an application of September.
    refused(
        lambda: repair.mark_complete(
            actor=users["admin"], application=app, complete=True, on=date(2026, 4, 1)
        ),
        "材料审查日期（2026-04-01）不能早于提交日期（2026-09-01）。",
    )
    refused(
        lambda: repair.mark_complete(
            actor=users["admin"], application=app, complete=True, on=date(2026, 11, 27)
        ),
        "材料审查日期 2026-11-27 晚于今天（2026-11-26），不能预先登记。",
    )
    assert fresh(app).status == "submitted"
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 9, 2)
    )
    refused(
        lambda: repair.provider_review(
            actor=users["reporter"],
            application=app,
            agrees=True,
            opinion="同意",
            on=date(2026, 9, 1),
        ),
        "提供单位审核日期（2026-09-01）不能早于材料齐全日期（2026-09-02）。",
    )
    app = repair.provider_review(
        actor=users["reporter"], application=app, agrees=True, opinion="同意", on=date(2026, 9, 3)
    )
    refused(
        lambda: repair.decide_repair(
            actor=users["admin"], application=app, approve=False, reason="否", on=date(2026, 9, 2)
        ),
        "决定日期（2026-09-02）不能早于提供单位审核日期（2026-09-03）。",
    )
    app = repair.decide_repair(
        actor=users["admin"], application=app, approve=True, reason="同意", on=date(2026, 9, 4)
    )
    refused(
        lambda: repair.record_sync(actor=users["admin"], application=app, on=date(2026, 9, 3)),
        "同步日期（2026-09-03）不能早于决定日期（2026-09-04）。",
    )
    refused(
        lambda: apply(record(1), date(2026, 11, 27)),
        "提交日期 2026-11-27 晚于今天（2026-11-26），不能预先登记。",
    )


def test_the_reviewer_s_backdated_steps_are_refused_on_the_page(clock: Clock) -> None:
    clock.today = date(2026, 11, 26)
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    app = apply(record(1), date(2026, 9, 1))
    admin = login(users["admin"])
    url = f"/workspace/rights/repairs/{app.pk}/"
    answer = admin.post(url, {"action": "complete", "on": "2026-04-01"}, follow=True)
    assert "材料审查日期（2026-04-01）不能早于提交日期（2026-09-01）。" in answer.content.decode()
    app = fresh(app)
    assert (app.status, app.complete_on, app.decided_on) == ("submitted", None, None)
    assert PublicityWindow.objects.get(record=record(1)).ended_on is None


def test_approval_not_before_the_record_s_earliest_repair_day(clock: Clock) -> None:
    clock.today = date(2026, 11, 26)
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    app = apply(record(1), date(2026, 6, 11))
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 6, 11)
    )
    app = repair.provider_review(
        actor=users["reporter"], application=app, agrees=True, opinion="同意", on=date(2026, 6, 12)
    )
    # A correction moved the decision date after the application came in.
    PublicityWindow.objects.filter(record=record(1)).update(repair_from=date(2026, 7, 1))
    with pytest.raises(DomainError) as caught:
        repair.decide_repair(
            actor=users["admin"], application=app, approve=True, reason="同意", on=date(2026, 6, 15)
        )
    assert caught.value.message == (
        "决定日期（2026-06-15）不能早于该信息的最早可申请修复日期（2026-07-01）。"
    )
    assert PublicityWindow.objects.get(record=record(1)).ended_on is None
    approved = repair.decide_repair(
        actor=users["admin"], application=app, approve=True, reason="同意", on=date(2026, 7, 1)
    )
    assert approved.decided_on == date(2026, 7, 1)


# ------------------------------------------------------------------ 3. monthly 通报


def test_a_repair_open_past_its_deadline_counts_in_each_month_it_was_late(clock: Clock) -> None:
    clock.today = date(2026, 11, 26)
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    app = apply(record(1), date(2026, 8, 31))
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 9, 1)
    )
    assert repair.decision_due(app) == date(2026, 9, 15)
    app = repair.provider_review(
        actor=users["reporter"],
        application=app,
        agrees=False,
        opinion="未履行",
        on=date(2026, 9, 20),
    )
    repair.decide_repair(
        actor=users["admin"], application=app, approve=False, reason="未履行", on=date(2026, 10, 12)
    )
    assert repair.overdue_repairs_by_unit(date(2026, 8, 31)) == []
    assert repair.overdue_repairs_by_unit(date(2026, 9, 15)) == []
    assert repair.overdue_repairs_by_unit(date(2026, 9, 30)) == [(UNIT, 1)]
    assert repair.overdue_repairs_by_unit(date(2026, 10, 31)) == [(UNIT, 1)]
    assert repair.overdue_repairs_by_unit(date(2026, 11, 26)) == []
    assert repair.overdue_repairs_by_unit(date(2026, 11, 26), since=date(2026, 9, 1)) == [(UNIT, 1)]
    september = monthly_report(Period.month(2026, 9))
    assert september.overdue_repairs == [(UNIT, 1)]
    assert f"本月内超期办理的信用修复申请 1 件：{UNIT} 1 件。" in september.summary
    assert monthly_report(Period.month(2026, 10)).overdue_repairs == [(UNIT, 1)]
    assert monthly_report(Period.month(2026, 11)).overdue_repairs == []


def test_a_repair_decided_or_synced_late_within_the_month_counts(clock: Clock) -> None:
    clock.today = date(2026, 11, 26)
    users = staff()
    store([penalty_row(1), penalty_row(2), penalty_row(3)])

    def through_review(n: int, complete: date) -> RepairApplication:
        app = repair.mark_complete(
            actor=users["admin"], application=apply(record(n), complete), complete=True, on=complete
        )
        return repair.provider_review(
            actor=users["reporter"], application=app, agrees=True, opinion="同意", on=complete
        )

    # Complete Fri 10-09, due Thu 10-22 (10-10 was a make-up working day).
    late = through_review(1, date(2026, 10, 9))
    assert repair.decision_due(late) == date(2026, 10, 22)
    late = repair.decide_repair(
        actor=users["admin"], application=late, approve=True, reason="同意", on=date(2026, 10, 27)
    )
    # Synced the next day, in time: only the late decision counts.
    repair.record_sync(actor=users["admin"], application=late, on=date(2026, 10, 28))
    # Decided on its last day, in time; synced late in November (due 10-27).
    slow_sync = repair.decide_repair(
        actor=users["admin"],
        application=through_review(2, date(2026, 10, 9)),
        approve=True,
        reason="同意",
        on=date(2026, 10, 22),
    )
    assert repair.sync_due(slow_sync) == date(2026, 10, 27)
    repair.record_sync(actor=users["admin"], application=slow_sync, on=date(2026, 11, 3))
    # Decided in time and synced in time: never counts.
    on_time = repair.decide_repair(
        actor=users["admin"],
        application=through_review(3, date(2026, 10, 9)),
        approve=True,
        reason="同意",
        on=date(2026, 10, 20),
    )
    repair.record_sync(actor=users["admin"], application=on_time, on=date(2026, 10, 21))

    assert monthly_report(Period.month(2026, 10)).overdue_repairs == [(UNIT, 2)]
    assert repair.overdue_repairs_by_unit(date(2026, 11, 30)) == [(UNIT, 1)]
    assert repair.overdue_repairs_by_unit(date(2026, 11, 2)) == [(UNIT, 1)]
    assert repair.overdue_repairs_by_unit(date(2026, 10, 26)) == [(UNIT, 1)]
