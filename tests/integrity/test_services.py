"""Bodies, arrears (清欠) with the "no new arrears" target, government commitments with
fulfilment and complaints, case steps — and who may do each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.integrity import selectors, services
from xinyong.integrity.models import (
    Alert,
    ArrearsCase,
    CommitmentComplaint,
    GovCommitment,
    GovernmentBody,
    IntegrityCase,
)
from xinyong.orgs.models import Role

from .helpers import (
    BZZ,
    BZZ_CODE,
    COMPANY_CODE,
    SCJG,
    SCJG_CODE,
    link_organ,
    make_user,
    organ,
    unit,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture
def office():
    return make_user("int_admin", Role.CREDIT_ADMIN, "区发改委")


@pytest.fixture
def scj_reporter():
    return make_user("int_scj", Role.REPORTER, SCJG)


def _arrears(actor, body, **extra):
    values = {
        "creditor_name": "安阳市北关区恒达商贸有限公司",
        "creditor_kind": "sme",
        "project": "执法装备采购",
        "amount_wan": "12.50",
        "due_on": date(2026, 3, 31),
        "registered_on": date(2026, 4, 20),
        "source": "complaint",
        "today": TODAY,
    }
    values.update(extra)
    return services.register_arrears(actor=actor, body=body, **values)


def test_register_body_links_the_unit_and_refuses_a_second_unit(office, scj_reporter):
    body = services.register_body(
        actor=scj_reporter,
        unit=SCJG,
        kind="organ",
        name="安阳市北关区市场监督管理局",
        identifier=SCJG_CODE,
    )
    assert body == organ(SCJG)
    assert body.subject.identifier == SCJG_CODE and body.subject.is_government_body
    with pytest.raises(DomainError, match="已登记为“区市场监管局”"):
        services.register_body(
            actor=office, unit=BZZ, kind="institution", name="某单位", identifier=SCJG_CODE
        )
    with pytest.raises(NotPermitted):
        services.register_body(actor=scj_reporter, unit=BZZ, kind="institution", name="某学校")
    with pytest.raises(DomainError, match="国有企业须填写"):
        services.register_body(actor=office, unit="区商务局", kind="soe", name="某公司")
    assert Event.objects.filter(action="integrity.body_register").count() == 1


def test_new_arrears_raise_an_alert_and_clearance_lifts_it(scj_reporter):
    case = _arrears(scj_reporter, organ(SCJG))
    assert case.status == ArrearsCase.Status.OPEN and case.unit == unit(SCJG)
    alert = Alert.objects.get(key=f"arrears:{case.pk}")
    assert alert.kind == Alert.Kind.ARREARS and alert.unit == unit(SCJG)
    assert "12.50 万元" in alert.title

    services.record_payment(
        actor=scj_reporter, case=case, paid_on=date(2026, 6, 1), amount_wan="5", today=TODAY
    )
    case.refresh_from_db()
    assert case.status == ArrearsCase.Status.PARTIAL and case.outstanding_wan == Decimal("7.50")
    with pytest.raises(DomainError, match=r"超过尚欠金额 7\.50"):
        services.record_payment(
            actor=scj_reporter, case=case, paid_on=date(2026, 6, 2), amount_wan="8", today=TODAY
        )
    services.record_payment(
        actor=scj_reporter, case=case, paid_on=date(2026, 7, 1), amount_wan="7.5", today=TODAY
    )
    case.refresh_from_db()
    assert case.status == ArrearsCase.Status.CLEARED and case.cleared_on == date(2026, 7, 1)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED and alert.resolved_on == date(2026, 7, 1)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"due_on": date(2026, 5, 1)}, "尚未届满"),
        ({"amount_wan": "0"}, "应大于 0"),
        ({"amount_wan": "十万"}, "不是数字"),
        ({"amount_wan": "12.345"}, "两位小数"),
        ({"amount_wan": "2000000"}, "万元"),
        ({"creditor_kind": "国企"}, "企业类型“国企”无效"),
        ({"registered_on": date(2026, 12, 1)}, "不能晚于今天"),
        ({"creditor_code": SCJG_CODE}, "不属于拖欠民营企业和中小企业账款"),
        ({"due_on": "2026-02-30"}, "不是有效日期"),
    ],
)
def test_arrears_input_is_checked(office, extra, message):
    with pytest.raises(DomainError, match=message):
        _arrears(office, organ(SCJG), **extra)


def test_arrears_target_per_unit_and_district(office):
    _arrears(office, organ(SCJG), amount_wan="10")
    _arrears(office, organ(BZZ), amount_wan="30", due_on=date(2026, 1, 31))
    # Arrears from 2025-12-31 on: new in 2025 (one due 2025-12-31 is new in 2026).
    old = _arrears(office, organ(BZZ), amount_wan="4", due_on=date(2025, 12, 30))
    revoked = _arrears(office, organ(BZZ), amount_wan="99")
    services.set_arrears_status(
        actor=office, case=revoked, status="revoked", note="合同约定付款条件未成就", on=TODAY
    )
    district, rows = selectors.arrears_targets(2026, selectors.units_for(office))
    assert (district.new_cases, district.new_wan) == (2, Decimal("40.00"))
    assert (district.outstanding_cases, district.outstanding_wan) == (3, Decimal("44.00"))
    assert not district.met
    by_unit = {r.unit.name: r for r in rows}
    assert by_unit[BZZ].new_cases == 1 and by_unit[BZZ].outstanding_cases == 2
    d2025, _ = selectors.arrears_targets(2025, selectors.units_for(office))
    assert d2025.new_cases == 1 and d2025.new_wan == old.amount_wan
    assert selectors.arrears_targets(2027, selectors.units_for(office))[0].met


def test_arrears_status_is_the_credit_offices(office, scj_reporter):
    case = _arrears(scj_reporter, organ(SCJG))
    with pytest.raises(NotPermitted, match="只有信用办管理员"):
        services.set_arrears_status(actor=scj_reporter, case=case, status="revoked", note="x")
    with pytest.raises(DomainError, match="按登记的支付自动计算"):
        services.set_arrears_status(actor=office, case=case, status="cleared", note="x")
    services.set_arrears_status(actor=office, case=case, status="disputed", note="已起诉", on=TODAY)
    case.refresh_from_db()
    assert case.status == ArrearsCase.Status.DISPUTED


def test_unit_staff_cannot_touch_another_units_arrears(scj_reporter):
    with pytest.raises(NotPermitted):
        _arrears(scj_reporter, organ(BZZ))


def test_a_broken_commitment_opens_a_legacy_case_and_alerts(office, scj_reporter):
    c = services.record_commitment(
        actor=scj_reporter,
        body=organ(SCJG),
        kind="contract",
        title="市场改造补助",
        content="验收后 60 日内拨付补助 20 万元",
        made_on=date(2024, 5, 1),
        due_on=date(2026, 3, 1),
        today=TODAY,
    )
    with pytest.raises(NotPermitted, match="认定政府承诺未兑现"):
        services.assess_commitment(
            actor=scj_reporter, commitment=c, status="broken", note="x", today=TODAY
        )
    services.assess_commitment(
        actor=office,
        commitment=c,
        status="未兑现（违约）",
        note="换届后未拨付",
        on=date(2026, 5, 6),
        new_official=True,
        today=TODAY,
    )
    c.refresh_from_db()
    assert c.status == GovCommitment.Status.BROKEN and c.new_official
    case = IntegrityCase.objects.get(commitment=c)
    assert case.kind == IntegrityCase.Kind.LEGACY and case.stage == IntegrityCase.Stage.SUPERVISION
    assert Alert.objects.get(key=f"broken:{c.pk}").unit == unit(SCJG)
    with pytest.raises(DomainError, match="已认定"):
        services.assess_commitment(
            actor=office, commitment=c, status="fulfilled", note="x", today=TODAY
        )


def test_unit_reports_a_kept_commitment_and_answers_a_complaint(scj_reporter):
    c = services.record_commitment(
        actor=scj_reporter,
        body=organ(SCJG),
        kind="service",
        title="企业开办一日办结",
        content="材料齐全一日办结",
        made_on=date(2026, 1, 5),
        published=True,
        today=TODAY,
    )
    complaint = services.file_complaint(
        actor=scj_reporter,
        commitment=c,
        received_on=date(2026, 3, 1),
        complainant="张建国",
        phone="13812345678",
        content="材料齐全仍等了三天",
        today=TODAY,
    )
    event = Event.objects.get(action="integrity.complaint_file")
    assert "13812345678" not in str(event.new_values) and "138****5678" in str(event.new_values)
    with pytest.raises(DomainError, match="是否属实"):
        services.answer_complaint(
            actor=scj_reporter, complaint=complaint, substantiated=None, reply="x", today=TODAY
        )
    services.answer_complaint(
        actor=scj_reporter,
        complaint=complaint,
        substantiated=False,
        reply="系材料补正用时",
        on=date(2026, 3, 5),
        today=TODAY,
    )
    assert (
        CommitmentComplaint.objects.get(pk=complaint.pk).status
        == CommitmentComplaint.Status.ANSWERED
    )
    services.assess_commitment(
        actor=scj_reporter,
        commitment=c,
        status="fulfilled",
        note="平均 0.6 天",
        on=date(2026, 7, 1),
        today=TODAY,
    )
    assert list(selectors.published_commitments()) == [GovCommitment.objects.get(pk=c.pk)]


def test_case_steps_office_versus_unit(office, scj_reporter):
    case = services.create_case(
        actor=scj_reporter,
        body=organ(SCJG),
        kind="enforcement",
        title="执行案",
        opened_on=date(2026, 6, 1),
        today=TODAY,
    )
    with pytest.raises(NotPermitted, match="通报"):
        services.add_step(
            actor=scj_reporter, case=case, kind="notice", on=date(2026, 6, 5), note="x", today=TODAY
        )
    services.add_step(
        actor=scj_reporter,
        case=case,
        kind="progress",
        on=date(2026, 6, 6),
        note="已筹措资金",
        today=TODAY,
    )
    with pytest.raises(DomainError, match="自动记录"):
        services.add_step(
            actor=office, case=case, kind="listed", on=date(2026, 6, 6), note="x", today=TODAY
        )
    with pytest.raises(DomainError, match="不能早于"):
        services.add_step(
            actor=office, case=case, kind="notice", on=date(2026, 5, 6), note="x", today=TODAY
        )
    services.add_step(
        actor=office, case=case, kind="close", on=date(2026, 7, 1), note="已履行完毕", today=TODAY
    )
    case.refresh_from_db()
    assert case.stage == IntegrityCase.Stage.CLOSED and case.outcome == "已履行完毕"
    assert Alert.objects.get(key=f"case:{case.pk}").status == Alert.Status.RESOLVED
    with pytest.raises(DomainError, match="已办结"):
        services.add_step(
            actor=office, case=case, kind="notice", on=date(2026, 7, 2), note="x", today=TODAY
        )


def test_alert_sign_off_by_the_unit_and_resolution_by_the_office(office, scj_reporter):
    case = _arrears(office, organ(SCJG))
    alert = Alert.objects.get(key=f"arrears:{case.pk}")
    other = make_user("int_bzz", Role.REPORTER, BZZ)
    with pytest.raises(NotPermitted):
        services.acknowledge_alert(actor=other, alert=alert, response="x")
    services.acknowledge_alert(actor=scj_reporter, alert=alert, response="已制定清偿计划", on=TODAY)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED and alert.acknowledged_by == scj_reporter
    with pytest.raises(NotPermitted):
        services.resolve_alert(actor=scj_reporter, alert=alert, resolution="x")
    services.resolve_alert(actor=office, alert=alert, resolution="核实已整改", on=TODAY)
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.RESOLVED


def test_unit_file_assembles_everything(office):
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    _arrears(office, body)
    soe = services.register_body(
        actor=office,
        unit=BZZ,
        kind="soe",
        name="安阳市北关区恒达商贸有限公司",
        identifier=COMPANY_CODE,
    )
    data = selectors.unit_file_json(unit(BZZ), on=TODAY)
    assert [b["name"] for b in data["bodies"]] == [
        "安阳市北关区柏庄镇人民政府",
        "安阳市北关区恒达商贸有限公司",
    ]
    assert data["bodies"][0]["uscc"] == BZZ_CODE
    assert len(data["arrears"]) == 1 and data["arrears"][0]["outstanding_wan"] == "12.50"
    assert soe.kind == GovernmentBody.Kind.SOE
