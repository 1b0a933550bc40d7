"""Alerts lifted before integrity 0002 (no cause_gone_on) get it from 0003, so that their
cause coming back raises them again like alerts lifted after the upgrade."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xinyong.integrity import evaluation, monitoring, services
from xinyong.integrity.models import Alert, ArrearsCase
from xinyong.orgs.models import Role

from .helpers import BZZ, SCJG, make_user, organ, unit
from .test_review_fixes import _below_the_line_bzz, _threshold

BEFORE_0002 = [("integrity", "0001_initial")]


def _arrears(reporter, project: str) -> ArrearsCase:
    return services.register_arrears(
        actor=reporter,
        body=organ(SCJG),
        creditor_name="安阳市北关区恒达商贸有限公司",
        creditor_kind="sme",
        project=project,
        amount_wan="12.50",
        due_on=date(2026, 3, 31),
        registered_on=date(2026, 4, 20),
        source="complaint",
        today=date(2026, 11, 20),
    )


def _alert(case: ArrearsCase) -> Alert:
    return Alert.objects.get(key=services.arrears_alert_key(case))


@pytest.fixture
def made(transactional_db) -> dict[str, Any]:
    """Alerts lifted in each way, then the database taken back to before 0002 (the
    column dropped) and upgraded: what an installation upgrading now has. Transactional:
    the schema changes cannot run inside a test's transaction."""
    office = make_user("bf_admin", Role.CREDIT_ADMIN, "区发改委")
    reporter = make_user("bf_scj", Role.REPORTER, SCJG)
    # Lifted automatically: found not to be arrears on 2026-05-01.
    auto = _arrears(reporter, "执法装备采购")
    services.set_arrears_status(
        actor=office, case=auto, status="revoked", note="系重复统计", on=date(2026, 5, 1)
    )
    # Lifted by the office on 2026-05-10 while the debt is still unpaid.
    by_hand = _arrears(reporter, "办公家具采购")
    services.resolve_alert(
        actor=office, alert=_alert(by_hand), resolution="已约谈，按计划清偿", on=date(2026, 5, 10)
    )
    # Lifted by the office, then found not to be arrears on 2026-06-01.
    then_gone = _arrears(reporter, "档案数字化服务")
    services.resolve_alert(
        actor=office, alert=_alert(then_gone), resolution="已约谈", on=date(2026, 5, 10)
    )
    services.set_arrears_status(
        actor=office,
        case=then_gone,
        status="revoked",
        note="债权已转让给国有企业",
        on=date(2026, 6, 1),
    )
    still_open = _arrears(reporter, "食堂食材采购")
    # 柏庄镇 below the line on 2026-11-20, lifted by the office on 2026-11-21, above the
    # line in the evaluation with data to 2026-11-23.
    _below_the_line_bzz(office)
    _threshold("80")
    evaluation.evaluate(actor=office, year=2026, as_of=date(2026, 11, 20))
    warned = Alert.objects.get(
        key=evaluation.evaluation_alert_key(evaluation.get_system(2026), unit(BZZ))
    )
    services.resolve_alert(
        actor=office, alert=warned, resolution="已督促整改", on=date(2026, 11, 21)
    )
    _threshold("70")
    evaluation.evaluate(actor=office, year=2026, as_of=date(2026, 11, 23))

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_0002)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    return {
        "office": office,
        "auto": auto,
        "by_hand": by_hand,
        "then_gone": then_gone,
        "still_open": still_open,
        "warned": warned,
    }


def test_0003_fills_in_the_day_the_cause_went_away(made):
    gone = {
        name: Alert.objects.get(pk=alert.pk).cause_gone_on
        for name, alert in [
            ("auto", _alert(made["auto"])),
            ("by_hand", _alert(made["by_hand"])),
            ("then_gone", _alert(made["then_gone"])),
            ("still_open", _alert(made["still_open"])),
            ("warned", made["warned"]),
        ]
    }
    assert gone == {
        "auto": date(2026, 5, 1),
        "by_hand": None,
        "then_gone": date(2026, 6, 1),
        "still_open": None,
        "warned": date(2026, 11, 23),
    }
    assert _alert(made["by_hand"]).resolved_on == date(2026, 5, 10)
    assert _alert(made["still_open"]).status == Alert.Status.OPEN


def test_a_cause_coming_back_raises_a_pre_upgrade_alert_again(made):
    office = made["office"]
    arrears = Alert.objects.filter(kind=Alert.Kind.ARREARS, unit=unit(SCJG))
    for name in ("auto", "then_gone"):
        services.set_arrears_status(
            actor=office, case=made[name], status="open", note="复核仍属拖欠", on=date(2026, 7, 1)
        )
    again = _alert(made["auto"])
    assert again.status == Alert.Status.OPEN and again.raised_on == date(2026, 7, 1)
    assert again.detail.endswith(
        "此前同一事项的预警于 2026-04-20 发出、2026-05-01 解除（核实不属于拖欠：系重复统计），"
        "2026-07-01 再次出现。"
    )
    assert _alert(made["then_gone"]).status == Alert.Status.OPEN
    # Lifted by the office while the debt lasts: the scan does not overrule the office.
    assert monitoring.scan(on=date(2026, 7, 2)).arrears_alerts == []
    assert _alert(made["by_hand"]).status == Alert.Status.RESOLVED
    assert arrears.count() == 6 and arrears.exclude(status=Alert.Status.RESOLVED).count() == 3
    _threshold("80")
    evaluation.evaluate(actor=office, year=2026, as_of=date(2026, 11, 25))
    warned = Alert.objects.filter(kind=Alert.Kind.EVALUATION, unit=unit(BZZ))
    assert warned.count() == 2
    assert warned.get(status=Alert.Status.OPEN).raised_on == date(2026, 11, 25)
