"""Defects a review found in 政务诚信: the office's finding after a unit's 已兑现, keyed
alerts that never came back, payment dates and 清偿完毕日期, 本年新增拖欠 at year end,
implausible dates, duplicate arrears."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.integrity import evaluation, ledger_metrics, monitoring, selectors, services
from xinyong.integrity.models import (
    Alert,
    ArrearsCase,
    EvaluationResult,
    GovCommitment,
    Indicator,
    IntegrityCase,
)
from xinyong.orgs.models import Role

from .helpers import BZZ, BZZ_CODE, SCJG, link_organ, make_user, organ, unit

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture
def office():
    return make_user("rf_admin", Role.CREDIT_ADMIN, "区发改委")


@pytest.fixture
def scj_reporter():
    return make_user("rf_scj", Role.REPORTER, SCJG)


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


def _commitment(actor):
    return services.record_commitment(
        actor=actor,
        body=organ(SCJG),
        kind="service",
        title="企业开办一日办结",
        content="材料齐全的，营业执照、公章刻制、发票申领一日内办结。",
        made_on=date(2026, 3, 1),
        due_on=date(2026, 6, 30),
        today=TODAY,
    )


# ------------------------------------------------ 1. the office's finding after 已兑现


def test_the_office_finds_broken_a_commitment_the_unit_reported_kept(office, scj_reporter):
    c = _commitment(scj_reporter)
    services.assess_commitment(
        actor=scj_reporter,
        commitment=c,
        status="fulfilled",
        note="已按期办结",
        on=date(2026, 7, 1),
        today=TODAY,
    )
    services.assess_commitment(
        actor=office,
        commitment=c,
        status="broken",
        note="投诉核实：8 月仍需三个工作日",
        on=date(2026, 8, 10),
        today=TODAY,
    )
    c.refresh_from_db()
    assert (c.status, c.assessed_on) == (GovCommitment.Status.BROKEN, date(2026, 8, 10))
    # The unit's earlier report stays visible next to the finding.
    assert "投诉核实：8 月仍需三个工作日" in c.fulfilment_note
    assert "2026-07-01" in c.fulfilment_note and "已按期办结" in c.fulfilment_note
    case = IntegrityCase.objects.get(commitment=c)
    assert case.kind == IntegrityCase.Kind.CONTRACT and case.opened_on == date(2026, 8, 10)
    assert Alert.objects.get(key=f"broken:{c.pk}").status == Alert.Status.OPEN
    events = Event.objects.filter(action="integrity.commitment_assess", target_id=str(c.pk))
    finding = events.order_by("-id").first()
    assert (
        finding.old_values["status"] == "fulfilled"
        and finding.old_values["assessed_on"] == "2026-07-01"
    )
    assert finding.old_values["note"] == "已按期办结"
    assert finding.new_values["status"] == "broken"


def test_the_office_may_find_lawful_change_after_a_units_report(office, scj_reporter):
    c = _commitment(scj_reporter)
    services.assess_commitment(
        actor=scj_reporter, commitment=c, status="fulfilled", note="已办结", today=TODAY
    )
    services.assess_commitment(
        actor=office,
        commitment=c,
        status="changed",
        note="依 2026 年第 3 号文件调整",
        on=date(2026, 9, 1),
        today=TODAY,
    )
    c.refresh_from_db()
    assert c.status == GovCommitment.Status.CHANGED and c.assessed_on == date(2026, 9, 1)


def test_a_unit_cannot_override_the_offices_finding(office, scj_reporter):
    c = _commitment(scj_reporter)
    services.assess_commitment(
        actor=office, commitment=c, status="changed", note="依法解除", today=TODAY
    )
    with pytest.raises(DomainError, match="信用办已认定为“依法变更/解除”"):
        services.assess_commitment(
            actor=scj_reporter, commitment=c, status="fulfilled", note="已办结", today=TODAY
        )
    c.refresh_from_db()
    assert c.status == GovCommitment.Status.CHANGED


def test_a_kept_commitment_is_not_reported_kept_twice(office, scj_reporter):
    c = _commitment(scj_reporter)
    services.assess_commitment(
        actor=scj_reporter, commitment=c, status="fulfilled", note="已办结", today=TODAY
    )
    for who in (scj_reporter, office):
        with pytest.raises(DomainError, match="已认定为“已兑现”"):
            services.assess_commitment(
                actor=who, commitment=c, status="fulfilled", note="再次", today=TODAY
            )


def test_api_office_finding_after_the_units_report(api, people, world):
    pk = world["commitment"].pk
    api.force_authenticate(people["scj"])
    kept = api.post(
        reverse("api:integrity-commitment-assess", args=[pk]),
        {"status": "fulfilled", "note": "平均 0.6 天", "on": "2026-07-01"},
        format="json",
    )
    assert kept.status_code == 200 and kept.json()["status"] == "fulfilled"
    filed = api.post(
        reverse("api:integrity-commitment-complaints", args=[pk]),
        {"received_on": "2026-07-02", "complainant": "某公司", "content": "未一日办结"},
        format="json",
    )
    assert filed.status_code == 201
    api.force_authenticate(people["admin"])
    broken = api.post(
        reverse("api:integrity-commitment-assess", args=[pk]),
        {"status": "broken", "note": "投诉属实", "on": "2026-08-10"},
        format="json",
    )
    assert broken.status_code == 200, broken.json()
    assert broken.json()["status"] == "broken"
    api.force_authenticate(people["scj"])
    again = api.post(
        reverse("api:integrity-commitment-assess", args=[pk]),
        {"status": "fulfilled", "note": "已整改"},
        format="json",
    )
    assert again.status_code == 400 and "信用办已认定" in again.json()["detail"]


def test_commitment_page_offers_the_office_a_finding_after_the_report(
    client, people, world, scj_reporter
):
    c = world["commitment"]
    services.assess_commitment(
        actor=scj_reporter, commitment=c, status="fulfilled", note="已办结", today=TODAY
    )
    client.force_login(people["admin"])
    page = client.get(reverse("integrity:commitment", args=[c.pk])).content.decode()
    assert 'id="assess-form"' in page
    assert 'value="broken"' in page and 'value="fulfilled"' not in page
    client.force_login(people["scj"])
    page = client.get(reverse("integrity:commitment", args=[c.pk])).content.decode()
    assert 'id="assess-form"' not in page


# ------------------------------------------------ 2. keyed alerts come back


def _below_the_line_bzz(office):
    """柏庄镇 at 62/80 = 77.50 % (the setup of test_evaluation)."""
    ind = Indicator.objects.get(system=evaluation.get_system(2026), code="QZGX03")
    evaluation.set_manual_score(
        actor=office, indicator=ind, unit=BZZ, score="0", evidence="督查通报三次超期", on=TODAY
    )
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    services.register_arrears(
        actor=None,
        body=body,
        creditor_name="安阳北关豫安建筑工程有限公司",
        creditor_kind="private",
        project="人居环境整治",
        amount_wan="56.8",
        due_on=date(2026, 3, 31),
        registered_on=date(2026, 4, 20),
        today=TODAY,
    )


def _threshold(value: str) -> None:
    system = evaluation.get_system(2026)
    system.warning_threshold = Decimal(value)
    system.save()


def test_an_evaluation_warning_comes_back_when_the_unit_falls_below_again(office):
    _below_the_line_bzz(office)
    evaluations = Alert.objects.filter(kind=Alert.Kind.EVALUATION, unit=unit(BZZ))
    _threshold("80")
    evaluation.evaluate(actor=office, year=2026, as_of=TODAY)
    first = evaluations.get()
    _threshold("70")
    evaluation.evaluate(actor=office, year=2026, as_of=TODAY)
    first.refresh_from_db()
    assert first.status == Alert.Status.RESOLVED
    _threshold("80")
    evaluation.evaluate(actor=office, year=2026, as_of=date(2026, 11, 25))
    assert EvaluationResult.objects.get(unit=unit(BZZ)).warning
    live = evaluations.exclude(status=Alert.Status.RESOLVED)
    assert live.count() == 1
    again = live.get()
    assert again.status == Alert.Status.OPEN and again.raised_on == date(2026, 11, 25)
    assert "再次" in again.detail and "2026-11-20" in again.detail
    # The lifted warning keeps its history; a further run does not double the open one.
    first.refresh_from_db()
    assert first.status == Alert.Status.RESOLVED and "不低于预警线" in first.resolution
    evaluation.evaluate(actor=office, year=2026, as_of=date(2026, 11, 25))
    assert evaluations.count() == 2 and live.count() == 1
    last = Event.objects.filter(action="integrity.evaluate").order_by("-id").first()
    assert last.new_values["new_alerts"] == []


def test_arrears_found_to_be_arrears_again_raise_their_alert_again(office, scj_reporter):
    case = _arrears(scj_reporter, organ(SCJG))
    alerts = Alert.objects.filter(kind=Alert.Kind.ARREARS)
    services.set_arrears_status(
        actor=office, case=case, status="revoked", note="系重复统计", on=date(2026, 5, 1)
    )
    assert alerts.get().status == Alert.Status.RESOLVED
    services.set_arrears_status(
        actor=office, case=case, status="open", note="复核仍属拖欠", on=date(2026, 6, 1)
    )
    live = alerts.exclude(status=Alert.Status.RESOLVED)
    assert live.count() == 1 and live.get().raised_on == date(2026, 6, 1)
    event = Event.objects.filter(action="integrity.arrears_status").order_by("-id").first()
    assert event.new_values["alert_id"] == live.get().pk
    assert monitoring.scan(on=date(2026, 6, 2)).arrears_alerts == []
    assert alerts.count() == 2 and live.count() == 1


def test_the_scan_raises_a_recurring_arrears_alert(office, scj_reporter):
    case = _arrears(scj_reporter, organ(SCJG))
    services.set_arrears_status(
        actor=office, case=case, status="revoked", note="系重复统计", on=date(2026, 5, 1)
    )
    # Put back without the service (e.g. a correction in the database): the scan notices.
    ArrearsCase.objects.filter(pk=case.pk).update(status=ArrearsCase.Status.OPEN)
    raised = monitoring.scan(on=date(2026, 6, 2)).arrears_alerts
    assert len(raised) == 1
    assert Alert.objects.get(pk=raised[0]).status == Alert.Status.OPEN
    assert monitoring.scan(on=date(2026, 6, 3)).arrears_alerts == []


def test_an_alert_the_office_lifted_stays_lifted_while_its_cause_lasts(office, scj_reporter):
    case = _arrears(scj_reporter, organ(SCJG))
    alert = Alert.objects.get(key=f"arrears:{case.pk}")
    services.resolve_alert(actor=office, alert=alert, resolution="已约谈，按计划清偿", on=TODAY)
    assert monitoring.scan(on=TODAY).arrears_alerts == []
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert Alert.objects.filter(kind=Alert.Kind.ARREARS).count() == 1


# ------------------------------------------------ 3. payments


@pytest.mark.parametrize("paid_on", [date(2015, 6, 1), date(2026, 3, 31), "2026-01-15"])
def test_a_payment_cannot_predate_the_arrears(scj_reporter, paid_on):
    case = _arrears(scj_reporter, organ(SCJG))
    with pytest.raises(DomainError, match=r"支付日期 .* 早于该笔账款逾期之日 2026-04-01"):
        services.record_payment(
            actor=scj_reporter, case=case, paid_on=paid_on, amount_wan="5", today=TODAY
        )
    case.refresh_from_db()
    assert case.cleared_wan == Decimal("0") and case.cleared_on is None


def test_a_payment_on_the_first_day_of_arrears_is_accepted(scj_reporter):
    case = _arrears(scj_reporter, organ(SCJG))
    services.record_payment(
        actor=scj_reporter, case=case, paid_on=date(2026, 4, 1), amount_wan="5", today=TODAY
    )
    case.refresh_from_db()
    assert case.cleared_wan == Decimal("5.00")


def test_a_payment_cannot_be_in_the_future(scj_reporter):
    case = _arrears(scj_reporter, organ(SCJG))
    with pytest.raises(DomainError, match="不能晚于今天（2026-11-20）"):
        services.record_payment(
            actor=scj_reporter, case=case, paid_on=date(2026, 11, 21), amount_wan="5", today=TODAY
        )


def test_cleared_on_is_the_latest_payment_date(scj_reporter):
    case = _arrears(scj_reporter, organ(SCJG))
    services.record_payment(
        actor=scj_reporter, case=case, paid_on=date(2026, 11, 2), amount_wan="0.01", today=TODAY
    )
    services.record_payment(
        actor=scj_reporter, case=case, paid_on=date(2026, 10, 5), amount_wan="12.49", today=TODAY
    )
    case.refresh_from_db()
    assert case.status == ArrearsCase.Status.CLEARED
    assert case.cleared_on == date(2026, 11, 2)
    alert = Alert.objects.get(key=f"arrears:{case.pk}")
    assert alert.status == Alert.Status.RESOLVED and alert.resolved_on == date(2026, 11, 2)


# ------------------------------------------------ 4. new arrears at year end


def test_a_debt_due_on_new_years_eve_is_new_arrears_of_the_next_year(scj_reporter):
    _arrears(scj_reporter, organ(SCJG), due_on=date(2025, 12, 31), registered_on=date(2026, 1, 5))
    _arrears(
        scj_reporter,
        organ(SCJG),
        project="办公家具采购",
        due_on=date(2025, 12, 30),
        registered_on=date(2026, 1, 5),
    )
    scj = unit(SCJG)
    by_year = {year: selectors.arrears_targets(year, [scj])[0].new_cases for year in (2025, 2026)}
    assert by_year == {2025: 1, 2026: 1}

    def metric(start: date, end: date) -> Decimal:
        return evaluation.metric_values("new_arrears", [scj], start, end)[scj.pk]

    assert metric(date(2025, 1, 1), date(2025, 12, 31)) == Decimal("1")
    assert metric(date(2026, 1, 1), date(2026, 12, 31)) == Decimal("1")
    # The day the debt became arrears is in the period; its due date is not.
    assert metric(date(2026, 1, 1), date(2026, 1, 1)) == Decimal("1")
    assert metric(date(2025, 12, 31), date(2025, 12, 31)) == Decimal("1")

    def district(start: date, end: date) -> int:
        return ledger_metrics.district_new_arrears(None, SimpleNamespace(start=start, end=end))

    assert district(date(2025, 1, 1), date(2025, 12, 31)) == 1
    assert district(date(2026, 1, 1), date(2026, 12, 31)) == 1
    assert district(date(2026, 1, 2), date(2026, 12, 31)) == 0


# ------------------------------------------------ 5. implausible dates


@pytest.mark.parametrize("bad", ["0001-01-01", date(1, 1, 1), "1999-12-31"])
def test_implausible_dates_are_refused_with_the_field_named(office, scj_reporter, bad):
    shown = bad.isoformat() if isinstance(bad, date) else bad
    with pytest.raises(DomainError, match=f"约定付款期限 {shown} 早于 2000-01-01"):
        _arrears(scj_reporter, organ(SCJG), due_on=bad)
    with pytest.raises(DomainError, match=f"立案/发现日期 {shown} 早于 2000-01-01"):
        services.create_case(
            actor=scj_reporter,
            body=organ(SCJG),
            kind="enforcement",
            title="（2026）豫0503执99号",
            opened_on=bad,
            today=TODAY,
        )
    with pytest.raises(DomainError, match=f"作出日期 {shown} 早于 2000-01-01"):
        services.record_commitment(
            actor=scj_reporter,
            body=organ(SCJG),
            kind="service",
            title="x",
            content="x",
            made_on=bad,
            today=TODAY,
        )
    c = _commitment(scj_reporter)
    with pytest.raises(DomainError, match=f"受理日期 {shown} 早于 2000-01-01"):
        services.file_complaint(
            actor=scj_reporter,
            commitment=c,
            received_on=bad,
            complainant="张建国",
            content="x",
            today=TODAY,
        )
    assert ArrearsCase.objects.count() == 0 and IntegrityCase.objects.count() == 0
    assert GovCommitment.objects.count() == 1


def test_api_refuses_year_one_as_due_date(api, people, world):
    api.force_authenticate(people["scj"])
    response = api.post(
        reverse("api:integrity-arrears"),
        {
            "body": organ(SCJG).pk,
            "creditor_name": "某公司",
            "creditor_kind": "sme",
            "project": "印刷",
            "amount_wan": "1.5",
            "due_on": "0001-01-01",
            "registered_on": "2026-06-10",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "约定付款期限 0001-01-01 早于 2000-01-01，请核对。"


# ------------------------------------------------ 6. duplicate arrears


def test_the_same_arrears_cannot_be_registered_twice(office, scj_reporter):
    first = _arrears(scj_reporter, organ(SCJG))
    with pytest.raises(DomainError) as refused:
        _arrears(office, organ(SCJG), registered_on=date(2026, 5, 8), source="survey")
    message = str(refused.value)
    assert f"第 {first.pk} 号" in message and "请勿重复登记" in message
    assert "安阳市北关区恒达商贸有限公司" in message and "12.50 万元" in message
    assert ArrearsCase.objects.count() == 1
    assert Alert.objects.filter(kind=Alert.Kind.ARREARS).count() == 1
    # A different contract, amount or due date is a different debt.
    _arrears(scj_reporter, organ(SCJG), project="办公家具采购")
    _arrears(scj_reporter, organ(SCJG), amount_wan="3.00")
    _arrears(scj_reporter, organ(SCJG), due_on=date(2026, 2, 28))
    assert ArrearsCase.objects.count() == 4
