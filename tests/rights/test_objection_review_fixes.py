"""Defects found in review of objections: a deadline in a year whose calendar is not loaded
crashed the 通报 and emptied the overdue API list; steps dated before the steps they
follow; objections decided one day late left out of the 通报; a pause recorded later
erasing an earlier month's overdue case."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from xinyong.collection.reports import monthly_report
from xinyong.collection.selectors import Period
from xinyong.core.errors import DomainError
from xinyong.core.models import CalendarYear, Event
from xinyong.ledger.ledger_metrics import objections_on_time
from xinyong.records.models import CreditRecord
from xinyong.rights import objections
from xinyong.rights.models import Channel, Objection, ObjectionPause

from .repair_helpers import UNIT, penalty_row, record, staff, store

pytestmark = pytest.mark.django_db

PENDING_2027 = "期限待定（缺少2027年日历）"


def freeze(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)


@pytest.fixture
def users() -> dict[str, Any]:
    return staff()


@pytest.fixture
def rec() -> CreditRecord:
    # Decided 2026-02-10: still public (一般, at most one year) through every date below.
    store([penalty_row(1, decided="2026-02-10")], reported_on=date(2026, 2, 12))
    return record(1)


def file(rec: CreditRecord, on: date, phone: str) -> Objection:
    return objections.file_objection(
        actor=None,
        record=rec,
        channel=Channel.ONLINE,
        category=Objection.Category.WRONG,
        description="罚款金额应为3万元，不是5万元。",
        applicant_name="安阳市北关区某某化工有限公司",
        applicant_phone=phone,
        received_on=on,
    )


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ------------------------------------------------------------------ 1. unknown year


def test_deadline_in_an_unloaded_year_is_shown_pending_and_overdue_cases_still_listed(
    rec: CreditRecord, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not CalendarYear.objects.filter(year=2027).exists()
    freeze(monkeypatch, date(2026, 12, 30))
    late = file(rec, date(2026, 12, 1), "13800000001")  # due Fri 12-04, still open
    pending = file(rec, date(2026, 12, 29), "13800000002")  # 12-30, 12-31, then 2027

    page = login(users["admin"]).get("/workspace/collection/?period=2026-12")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"本月超期办理的异议 1 件：{UNIT} 1 件。" in text
    assert f"另有 1 件异议{PENDING_2027}，暂未判断是否超期。" in text

    api = login(users["admin"])
    overdue = api.get("/api/v1/objections?overdue=true")
    assert overdue.status_code == 200
    assert [row["query_code"] for row in overdue.json()["results"]] == [late.query_code]
    rows = {row["query_code"]: row for row in api.get("/api/v1/objections").json()["results"]}
    assert rows[late.query_code]["due_on"] == "2026-12-04"
    assert rows[late.query_code]["overdue"] is True
    assert rows[late.query_code]["deadline_note"] == ""
    assert rows[pending.query_code]["due_on"] is None
    assert rows[pending.query_code]["overdue"] is False
    assert rows[pending.query_code]["deadline_note"] == PENDING_2027

    listing = login(users["admin"]).get("/workspace/rights/objections/")
    assert listing.status_code == 200
    assert PENDING_2027 in listing.content.decode()
    detail = login(users["admin"]).get(f"/workspace/rights/objections/{pending.pk}/")
    assert detail.status_code == 200
    assert PENDING_2027 in detail.content.decode()
    status = Client().get(f"/api/v1/objections/status?code={pending.query_code}").json()
    assert (status["due_on"], status["due_note"]) == (None, PENDING_2027)


def test_a_pause_can_start_when_the_deadline_lies_past_the_loaded_years(
    rec: CreditRecord, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, date(2026, 12, 30))
    obj = file(rec, date(2026, 12, 29), "13800000003")
    pause = objections.start_pause(
        actor=users["admin"], objection=obj, reason="testing", on=date(2026, 12, 30)
    )
    assert pause.started_on == date(2026, 12, 30)


# ------------------------------------------------------------------ 2. step order


def test_a_decision_cannot_be_dated_before_the_providers_reply(
    rec: CreditRecord, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, date(2026, 11, 26))
    obj = file(rec, date(2026, 3, 2), "13800000004")
    with pytest.raises(DomainError) as early_forward:
        objections.forward_to_provider(actor=users["admin"], objection=obj, on=date(2026, 2, 27))
    assert early_forward.value.message == "转办日期（2026-02-27）不能早于受理日期（2026-03-02）。"
    objections.forward_to_provider(actor=users["admin"], objection=obj, on=date(2026, 3, 16))
    with pytest.raises(DomainError) as early_reply:
        objections.provider_reply(
            actor=users["reporter"], objection=obj, reply="经核查无误。", on=date(2026, 3, 13)
        )
    assert early_reply.value.message == "答复日期（2026-03-13）不能早于转办日期（2026-03-16）。"
    objections.provider_reply(
        actor=users["reporter"], objection=obj, reply="经核查无误。", on=date(2026, 3, 20)
    )
    with pytest.raises(DomainError) as early_decision:
        objections.decide_objection(
            actor=users["admin"], objection=obj, outcome="kept", reason="无误", on=date(2026, 3, 3)
        )
    assert early_decision.value.message == (
        "办结日期（2026-03-03）不能早于核查答复日期（2026-03-20）。"
    )
    # Through the API as well: refused in Chinese, and nothing recorded.
    answer = login(users["admin"]).post(
        f"/api/v1/objections/{obj.pk}/decide",
        {"outcome": "kept", "reason": "无误", "on": "2026-03-03"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == "办结日期（2026-03-03）不能早于核查答复日期（2026-03-20）。"
    fresh = Objection.objects.get(pk=obj.pk)
    assert fresh.status == Objection.Status.PROVIDER_REPLIED and fresh.decided_on is None
    assert not Event.objects.filter(action="rights.objection.decide").exists()
    decided = objections.decide_objection(
        actor=users["admin"], objection=obj, outcome="kept", reason="无误", on=date(2026, 3, 20)
    )
    assert decided.decided_on == date(2026, 3, 20)


def test_steps_cannot_be_dated_after_today_or_before_a_pause_ended(
    rec: CreditRecord, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, date(2026, 11, 26))
    with pytest.raises(DomainError) as future_receipt:
        objections.file_objection(
            actor=users["admin"],
            record=rec,
            channel=Channel.COUNTER,
            category=Objection.Category.WRONG,
            description="罚款金额有误。",
            applicant_name="安阳市北关区某某化工有限公司",
            applicant_phone="13800000005",
            received_on=date(2026, 11, 27),
        )
    assert future_receipt.value.message == (
        "受理日期 2026-11-27 晚于今天（2026-11-26），不能预先登记。"
    )
    obj = file(rec, date(2026, 11, 16), "13800000006")  # due Thu 11-19
    objections.start_pause(
        actor=users["admin"], objection=obj, reason="appraisal", on=date(2026, 11, 17)
    )
    with pytest.raises(DomainError) as future_resume:
        objections.end_pause(actor=users["admin"], objection=obj, on=date(2026, 11, 30))
    assert future_resume.value.message == (
        "暂停结束日期 2026-11-30 晚于今天（2026-11-26），不能预先登记。"
    )
    objections.end_pause(actor=users["admin"], objection=obj, on=date(2026, 11, 20))
    with pytest.raises(DomainError) as inside_pause:
        objections.decide_objection(
            actor=users["admin"],
            objection=obj,
            outcome="kept",
            reason="无误",
            on=date(2026, 11, 18),
        )
    assert inside_pause.value.message == (
        "办结日期（2026-11-18）不能早于暂停计时的结束日期（2026-11-20）。"
    )
    with pytest.raises(DomainError) as future_decision:
        objections.decide_objection(
            actor=users["admin"],
            objection=obj,
            outcome="kept",
            reason="无误",
            on=date(2026, 11, 27),
        )
    assert future_decision.value.message == (
        "办结日期 2026-11-27 晚于今天（2026-11-26），不能预先登记。"
    )


# ------------------------------------------------------------------ 3. one day late


def test_objections_decided_one_day_late_are_in_the_month_report_as_in_the_ledger(
    rec: CreditRecord, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, date(2026, 11, 26))
    # Received Wed 03-04, due Mon 03-09 (3 working days), decided Tue 03-10.
    one_day = file(rec, date(2026, 3, 4), "13800000007")
    objections.decide_objection(
        actor=users["admin"], objection=one_day, outcome="kept", reason="无误", on=date(2026, 3, 10)
    )
    # Received Wed 02-25, due Sat 02-28 (a 春节 make-up working day), decided Mon 03-02,
    # the first working day of March.
    first_day = file(rec, date(2026, 2, 25), "13800000008")
    objections.decide_objection(
        actor=users["admin"],
        objection=first_day,
        outcome="kept",
        reason="无误",
        on=date(2026, 3, 2),
    )
    # Received Wed 03-11, due Mon 03-16, decided on the day: on time, not listed.
    on_time = file(rec, date(2026, 3, 11), "13800000009")
    objections.decide_objection(
        actor=users["admin"], objection=on_time, outcome="kept", reason="无误", on=date(2026, 3, 16)
    )
    march = Period.month(2026, 3)
    assert objections.overdue_by_unit(march.start, march.end) == [(UNIT, 2)]
    assert objections_on_time(None, march) == Decimal("33.33")
    assert dict(monthly_report(march).overdue_objections) == {UNIT: 2}
    # In February the second case was still within its deadline (02-28).
    february = Period.month(2026, 2)
    assert objections.overdue_by_unit(february.start, february.end) == []


# ------------------------------------------------------------------ 4. later pauses


def test_a_pause_recorded_later_does_not_erase_an_earlier_months_overdue_case(
    rec: CreditRecord, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, date(2026, 11, 26))
    obj = file(rec, date(2026, 9, 1), "13800000010")  # due Fri 09-04
    september = Period.month(2026, 9)
    assert dict(monthly_report(september).overdue_objections) == {UNIT: 1}
    # The service refuses such a pause now (below); data from before the fix may hold one.
    ObjectionPause.objects.create(
        objection=obj, reason="expert", started_on=date(2026, 10, 9), ended_on=date(2026, 11, 20)
    )
    fresh = Objection.objects.prefetch_related("pauses").get(pk=obj.pk)
    assert objections.paused_workdays(fresh, today=date(2026, 9, 30)) == 0
    assert objections.due_date(fresh, today=date(2026, 9, 30)) == date(2026, 9, 4)
    assert dict(monthly_report(september).overdue_objections) == {UNIT: 1}
    # Overdue on 10-08 too, the day before that pause began.
    assert dict(monthly_report(Period.month(2026, 10)).overdue_objections) == {UNIT: 1}


def test_a_pause_cannot_start_after_the_deadline_or_before_receipt(
    rec: CreditRecord, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, date(2026, 11, 26))
    obj = file(rec, date(2026, 9, 1), "13800000011")  # due Fri 09-04
    with pytest.raises(DomainError) as late:
        objections.start_pause(
            actor=users["admin"], objection=obj, reason="expert", on=date(2026, 10, 9)
        )
    assert late.value.message == (
        "暂停开始日期（2026-10-09）晚于办结期限（2026-09-04）：异议已超期，不能再暂停计时。"
    )
    with pytest.raises(DomainError) as early:
        objections.start_pause(
            actor=users["admin"], objection=obj, reason="expert", on=date(2026, 8, 31)
        )
    assert early.value.message == "暂停开始日期（2026-08-31）不能早于受理日期（2026-09-01）。"
    assert not ObjectionPause.objects.filter(objection=obj).exists()
    # On the deadline day itself the clock may still stop.
    pause = objections.start_pause(
        actor=users["admin"], objection=obj, reason="expert", on=date(2026, 9, 4)
    )
    assert pause.started_on == date(2026, 9, 4)
