"""The ledger's rights metrics (异议、信用修复): a deadline in a year whose calendar is not
loaded (2027) made the dashboard and its API a 500 in late December; the objection ratio
kept its own lateness rule; the overdue repairs of a multi-month period counted only its
last month. Today is frozen; the calendar knows up to 2026."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Clock
from tests.rights.repair_helpers import UNIT, apply, penalty_row, record, staff, store
from xinyong.collection.selectors import Period
from xinyong.core.models import CalendarYear
from xinyong.ledger import dashboard
from xinyong.ledger.ledger_metrics import (
    objections_on_time,
    repairs_on_time,
    repairs_overdue_bulk,
)
from xinyong.records.models import CreditRecord
from xinyong.rights import objections, repair
from xinyong.rights.models import Channel, Objection, RepairApplication

from .helpers import client, plan, unit

pytestmark = pytest.mark.django_db

YEAR_2026 = Period.between(date(2026, 1, 1), date(2026, 12, 31))


def decided_repair(
    users: dict[str, Any], n: int, *, complete: date, decided: date, synced: date | None = None
) -> RepairApplication:
    app = repair.mark_complete(
        actor=users["admin"], application=apply(record(n), complete), complete=True, on=complete
    )
    app = repair.provider_review(
        actor=users["reporter"], application=app, agrees=True, opinion="同意", on=complete
    )
    app = repair.decide_repair(
        actor=users["admin"], application=app, approve=True, reason="已纠正失信行为。", on=decided
    )
    if synced is not None:
        app = repair.record_sync(actor=users["admin"], application=app, on=synced)
    return app


def decided_objection(
    admin: Any, r: CreditRecord, phone: str, *, received: date, decided: date
) -> Objection:
    obj = objections.file_objection(
        actor=None,
        record=r,
        channel=Channel.ONLINE,
        category=Objection.Category.WRONG,
        description="罚款金额应为3万元，不是5万元。",
        applicant_name="安阳市北关区某某化工有限公司",
        applicant_phone=phone,
        received_on=received,
    )
    return objections.decide_objection(
        actor=admin, objection=obj, outcome="kept", reason="无误", on=decided
    )


# ------------------------------------------------------------------ 1, 2. unknown year


def test_decisions_whose_deadline_lies_in_2027_count_on_time_and_the_dashboard_answers(
    clock: Clock,
) -> None:
    assert not CalendarYear.objects.filter(year=2027).exists()
    users = staff()
    plan()
    store([penalty_row(1, decided="2026-02-10"), penalty_row(2, decided="2026-02-10")])
    clock.today = date(2026, 12, 30)
    # Complete Tue 09-01, due Tue 09-15, decided 09-16: late.
    late = decided_repair(
        users, 1, complete=date(2026, 9, 1), decided=date(2026, 9, 16), synced=date(2026, 9, 17)
    )
    assert repair.decision_due(late) == date(2026, 9, 15)
    # Complete 12-29: ten working days reach into 2027, whose schedule is not loaded; the
    # decision on 12-30 lies before that deadline whatever 2027's holidays turn out to be.
    pending = decided_repair(users, 2, complete=date(2026, 12, 29), decided=date(2026, 12, 30))
    assert repair.due_or_pending(repair.decision_due, pending) == (
        None,
        "期限待定（缺少2027年日历）",
    )
    # Objections: received Wed 03-04, due Mon 03-09, decided 03-10 (late); received Wed
    # 03-11, decided on its last day 03-16; received 12-29, due in 2027, decided 12-30.
    r = record(1)
    decided_objection(
        users["admin"], r, "13800000001", received=date(2026, 3, 4), decided=date(2026, 3, 10)
    )
    decided_objection(
        users["admin"], r, "13800000002", received=date(2026, 3, 11), decided=date(2026, 3, 16)
    )
    decided_objection(
        users["admin"], r, "13800000003", received=date(2026, 12, 29), decided=date(2026, 12, 30)
    )

    assert repairs_on_time(None, YEAR_2026) == Decimal("50.00")
    assert objections_on_time(None, YEAR_2026) == Decimal("66.67")

    leader = client(users["leader"])
    page = leader.get("/workspace/ledger/dashboard/?year=2026")
    assert page.status_code == 200
    assert '"repairs_on_time": 50.0' in page.content.decode()
    assert '"objections_on_time": 66.67' in page.content.decode()
    api = leader.get("/api/v1/ledger/dashboard/?year=2026")
    assert api.status_code == 200
    rights = api.json()["rights"]
    assert (rights["repairs_on_time"], rights["objections_on_time"]) == (50.0, 66.67)
    ledger = client(users["admin"]).get("/workspace/ledger/?year=2026&row=29")
    assert ledger.status_code == 200


def test_a_decision_made_in_a_year_without_calendar_is_left_out_not_guessed(clock: Clock) -> None:
    # Decided on 2027-01-04 while 2027's schedule is not loaded: whether 01-04 came after
    # the deadline depends on 2027's holidays, so the decision is not judged either way.
    users = staff()
    store([penalty_row(1, decided="2026-02-10")])
    clock.today = date(2027, 1, 5)
    decided_repair(users, 1, complete=date(2026, 12, 30), decided=date(2027, 1, 4))
    decided_objection(
        users["admin"],
        record(1),
        "13800000004",
        received=date(2026, 12, 31),
        decided=date(2027, 1, 4),
    )
    january = Period.month(2027, 1)
    assert repairs_on_time(None, january) is None
    assert objections_on_time(None, january) is None


def test_objections_on_time_reads_the_rights_rule_of_lateness(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.today = date(2026, 11, 26)
    users = staff()
    store([penalty_row(1, decided="2026-02-10")])
    decided_objection(
        users["admin"],
        record(1),
        "13800000005",
        received=date(2026, 3, 11),
        decided=date(2026, 3, 16),
    )
    assert objections_on_time(None, YEAR_2026) == Decimal("100.00")
    # One rule: whatever rights.objections.decided_late says, the ledger follows.
    monkeypatch.setattr(objections, "decided_late", lambda objection: True)
    assert objections_on_time(None, YEAR_2026) == Decimal("0.00")


# ------------------------------------------------------------------ 3. multi-month period


def test_a_repair_overdue_in_the_first_month_counts_for_the_quarter_and_the_year(
    clock: Clock,
) -> None:
    clock.today = date(2026, 11, 26)
    users = staff()
    plan()
    store([penalty_row(1, decided="2026-02-10")])
    # Complete Wed 07-01, due Wed 07-15, decided 07-20 (late), synced in time 07-21.
    app = decided_repair(
        users, 1, complete=date(2026, 7, 1), decided=date(2026, 7, 20), synced=date(2026, 7, 21)
    )
    assert repair.decision_due(app) == date(2026, 7, 15)
    environment = unit(UNIT)
    third_quarter = Period.between(date(2026, 7, 1), date(2026, 9, 30))
    assert repairs_overdue_bulk([environment], third_quarter) == {environment.pk: 1}
    assert repairs_overdue_bulk([environment], Period.month(2026, 9)) == {environment.pk: 0}
    first_half = Period.between(date(2026, 1, 1), date(2026, 6, 30))
    assert repairs_overdue_bulk([environment], first_half) == {environment.pk: 0}
    # The dashboard's figure is the plan year up to today (11-26).
    data = dashboard.dashboard_data(plan(), on=date(2026, 11, 26))
    assert data["rights"]["repairs_overdue"] == 1
