"""Monitoring: a government body on the 失信被执行人 list raises an alert to the credit
office and the unit (through the sanctions signal, and through the daily scan as a
safety net); removal lifts it; pending cases warn before a finding."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.core.models import Event
from xinyong.integrity import monitoring, services
from xinyong.integrity.models import Alert, CaseStep, GovernmentBody, IntegrityCase
from xinyong.orgs.models import Unit
from xinyong.sanctions import lists

from .helpers import (
    BZZ,
    BZZ_CODE,
    COMPANY_CODE,
    SCHOOL_CODE,
    SCJG,
    gov_subject,
    link_organ,
    list_sxbzxr,
    organ,
    unit,
)

pytestmark = pytest.mark.django_db


def test_every_active_unit_has_an_organ_body():
    assert (
        GovernmentBody.objects.filter(kind="organ").count()
        == Unit.objects.filter(active=True).count()
        == 61
    )
    assert organ(SCJG).name == "区市场监管局"
    assert organ(SCJG).subject is None


def test_an_alert_when_a_government_body_appears_on_the_sxbzxr_list():
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    entry = list_sxbzxr(body.subject, on=date(2026, 10, 12))

    alert = Alert.objects.get(key=f"sxbzxr:{entry.pk}")
    assert alert.kind == Alert.Kind.SXBZXR
    assert alert.level == Alert.Level.SEVERE
    assert alert.unit == unit(BZZ)
    assert alert.body == body
    assert alert.raised_on == date(2026, 10, 12)
    assert alert.status == Alert.Status.OPEN
    assert "清零" in alert.detail
    # The finding puts the body's enforcement case into 履约督办.
    case = IntegrityCase.objects.get(list_entry=entry)
    assert case.kind == IntegrityCase.Kind.ENFORCEMENT
    assert case.stage == IntegrityCase.Stage.SUPERVISION
    assert case.unit == unit(BZZ)
    assert [s.kind for s in case.steps.all()] == [CaseStep.Kind.LISTED]
    assert (
        Event.objects.filter(action="integrity.sxbzxr_listed", target_id=str(entry.pk)).count() == 1
    )

    # The scan finds the same entry and raises nothing twice.
    result = monitoring.scan(on=date(2026, 10, 13))
    assert result.sxbzxr_alerts == []
    assert [g["entry_id"] for g in result.government_bodies_listed] == [entry.pk]
    assert Alert.objects.filter(kind=Alert.Kind.SXBZXR).count() == 1


def test_removal_lifts_the_alert_and_closes_the_case():
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    entry = list_sxbzxr(body.subject, on=date(2026, 10, 12))
    lists.remove_entry(
        actor=None, entry=entry, on=date(2026, 11, 2), reason="已履行完毕，法院决定删除失信信息"
    )

    alert = Alert.objects.get(key=f"sxbzxr:{entry.pk}")
    assert alert.status == Alert.Status.RESOLVED
    assert alert.resolved_on == date(2026, 11, 2)
    case = IntegrityCase.objects.get(list_entry=entry)
    assert case.stage == IntegrityCase.Stage.CLOSED
    assert case.closed_on == date(2026, 11, 2)
    assert monitoring.scan(on=date(2026, 11, 3)).government_bodies_listed == []


def test_an_entry_listed_before_the_body_was_linked_alerts_when_linked():
    subject = gov_subject(SCHOOL_CODE, "安阳市北关区第一实验小学")
    entry = list_sxbzxr(subject, on=date(2026, 9, 1))
    # Authority code 1: a government body even before a unit claims it → the office.
    unclaimed = Alert.objects.get(key=f"sxbzxr:{entry.pk}")
    assert unclaimed.unit is None and unclaimed.subject == subject
    body = services.register_body(
        actor=None,
        unit="区教育局",
        kind="institution",
        name="安阳市北关区第一实验小学",
        identifier=SCHOOL_CODE,
        on=date(2026, 9, 3),
    )
    unclaimed.refresh_from_db()
    assert unclaimed.unit == unit("区教育局") and unclaimed.body == body
    assert IntegrityCase.objects.get(list_entry=entry).body == body


def test_a_state_owned_enterprise_counts_through_its_link_not_its_code():
    company = gov_subject(COMPANY_CODE, "安阳市北关区恒达商贸有限公司")
    assert not company.is_government_body
    first = list_sxbzxr(company, on=date(2026, 8, 3), document="（2026）豫0503执0800号")
    assert not Alert.objects.filter(key=f"sxbzxr:{first.pk}").exists()
    # Once registered as the 区商务局's state-owned enterprise, the scan catches it.
    services.register_body(
        actor=None,
        unit="区商务局",
        kind="soe",
        name="安阳市北关区恒达商贸有限公司",
        identifier=COMPANY_CODE,
        on=date(2026, 8, 5),
    )
    assert Alert.objects.get(key=f"sxbzxr:{first.pk}").unit == unit("区商务局")


def test_the_scan_is_a_safety_net_when_the_receiver_missed_the_entry():
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    from xinyong.sanctions.signals import entry_changed

    entry_changed.disconnect(dispatch_uid="integrity.entry_changed")
    try:
        entry = list_sxbzxr(body.subject, on=date(2026, 10, 12))
    finally:
        from xinyong.integrity import receivers

        receivers.connect()
    assert not Alert.objects.filter(key=f"sxbzxr:{entry.pk}").exists()
    result = monitoring.scan(on=date(2026, 10, 14))
    assert len(result.sxbzxr_alerts) == 1
    assert Alert.objects.get(key=f"sxbzxr:{entry.pk}").unit == unit(BZZ)
    assert monitoring.scan(on=date(2026, 10, 15)).sxbzxr_alerts == []


def test_a_pending_case_warns_before_the_finding_and_moves_on_when_listed():
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    case = services.create_case(
        actor=None,
        body=body,
        kind="enforcement",
        title="某建筑公司申请执行工程款",
        case_number="（2026）豫0503执1001号",
        authority="安阳市北关区人民法院",
        counterparty="安阳北关豫安建筑工程有限公司",
        amount_wan="86.00",
        opened_on=date(2026, 6, 1),
        today=date(2026, 6, 2),
    )
    assert case.stage == IntegrityCase.Stage.WARNING
    warning = Alert.objects.get(key=f"case:{case.pk}")
    assert warning.level == Alert.Level.WARNING and warning.unit == unit(BZZ)
    services.add_step(
        actor=None,
        case=case,
        kind="notice",
        on=date(2026, 7, 1),
        note="全区通报",
        today=date(2026, 7, 1),
    )
    services.add_step(
        actor=None,
        case=case,
        kind="interview",
        on=date(2026, 7, 8),
        note="约谈镇主要负责人",
        today=date(2026, 7, 8),
    )

    entry = list_sxbzxr(body.subject, on=date(2026, 10, 12))
    case.refresh_from_db()
    assert case.list_entry == entry and case.stage == IntegrityCase.Stage.SUPERVISION
    assert [s.kind for s in case.steps.order_by("on", "id")] == [
        "warning",
        "notice",
        "interview",
        "listed",
    ]
    warning.refresh_from_db()
    assert warning.status == Alert.Status.RESOLVED


def test_a_failing_receiver_never_undoes_the_listing(monkeypatch):
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(monitoring, "_listed", broken)
    entry = list_sxbzxr(body.subject, on=date(2026, 10, 12))
    entry.refresh_from_db()
    assert entry.status == "listed"  # the court's listing stands
    assert not Alert.objects.filter(key=f"sxbzxr:{entry.pk}").exists()
    monkeypatch.undo()
    assert len(monitoring.scan(on=date(2026, 10, 13)).sxbzxr_alerts) == 1
