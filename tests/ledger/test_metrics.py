"""Metric-bound rows update themselves when the platform's data change; the registry lets
other apps add metrics; an unregistered metric shows 未接入."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.collection.qhelpers import batch, record
from xinyong.ledger import metrics, selectors
from xinyong.orgs.models import Role
from xinyong.sanctions.models import ListEntry, ListType
from xinyong.subjects.models import Subject

from .helpers import assignment, plan, unit, user

pytestmark = pytest.mark.django_db

SCJ = "区市场监管局"
ON = date(2026, 11, 25)


def _targets(p, a):
    return {r.target.metric_code: r for r in selectors.evaluate_targets(p, [a], on=ON)[a.pk]}


def test_shuanggongshi_row_follows_collection() -> None:
    p = plan()
    a = assignment(p, 5, SCJ)
    before = _targets(p, a)
    assert before["collection.late_rate"].verdict == "无数据"
    assert before["collection.compliance_rate"].verdict == "无数据"
    scj = unit(SCJ)
    record(scj, "北市监罚〔2026〕31号", decided=date(2026, 9, 1), reported=date(2026, 9, 3))
    record(
        scj, "北市监罚〔2026〕32号", decided=date(2026, 9, 1), reported=date(2026, 9, 30), late=True
    )
    batch(scj, reported=date(2026, 9, 30), rows=10, rejected=1)
    after = _targets(p, a)
    assert after["collection.late_rate"].value == Decimal("50.00")
    assert after["collection.late_rate"].display == "50.00%"
    assert after["collection.late_rate"].met is False
    assert after["collection.compliance_rate"].value == Decimal("90.00")
    assert after["collection.compliance_rate"].verdict == "未达标"
    # Another unit's row is untouched.
    other = _targets(p, assignment(p, 5, "区人社局"))
    assert other["collection.late_rate"].verdict == "无数据"


def test_government_body_on_the_judgment_debtor_list() -> None:
    p = plan()
    a = assignment(p, 9, SCJ)  # 本部门及下属单位被列入失信被执行人数量为零
    assert _targets(p, a)["integrity.unit_bodies_on_sxbzxr"].met is True
    body = Subject.objects.create(
        kind="org",
        name="安阳市北关区市场监督管理局某下属中心",
        identifier="124105030050000099",
        identifier_type="uscc",
        is_government_body=True,
        region_code="410503",
    )
    from xinyong.integrity.models import GovernmentBody

    # The unit's bodies are integrity's (政务诚信主体): one concept, one table.
    GovernmentBody.objects.create(
        unit=unit(SCJ), subject=body, name=body.name, kind=GovernmentBody.Kind.INSTITUTION
    )
    ListEntry.objects.create(
        list_type=ListType.objects.get(code="SX_BZXR"),
        subject=body,
        basis_document="（2026）豫0503执77号",
        reasons="未履行生效判决",
        status=ListEntry.Status.LISTED,
        effective_from=date(2026, 10, 9),
    )
    result = _targets(p, a)["integrity.unit_bodies_on_sxbzxr"]
    assert (result.value, result.met, result.verdict) == (1, False, "未达标")
    # The district-wide target of row 12 (政府机构清零) moves with it.
    court = assignment(p, 12, "区法院")
    district = _targets(p, court)["sanctions.government_bodies_on_sxbzxr"]
    assert (district.value, district.met) == (1, False)
    # Before the entry took effect the row was met.
    early = selectors.evaluate_targets(p, [a], on=date(2026, 10, 1))[a.pk][0]
    assert early.value == 0


def test_unregistered_metric_is_not_connected_until_an_app_registers_it() -> None:
    from xinyong.ledger.models import RowTarget

    p = plan()
    a = assignment(p, 10, "区工信局")
    RowTarget.objects.create(
        row=a.row,
        kind=RowTarget.Kind.METRIC,
        metric_code="example.not_registered",
        comparison="<=",
        value=0,
    )
    result = _targets(p, a)["example.not_registered"]
    assert (result.connected, result.met, result.display, result.verdict) == (
        False,
        None,
        "未接入",
        "未接入",
    )
    metrics.register_metric(
        "example.not_registered",
        "示例指标",
        lambda u, period: 2 if u.name == "区工信局" else 0,
        unit_label="笔",
        comparison="<=",
    )
    try:
        result = _targets(p, a)["example.not_registered"]
        assert (result.connected, result.value, result.display, result.met) == (
            True,
            2,
            "2笔",
            False,
        )
    finally:
        metrics.unregister_metric("example.not_registered")


def test_new_arrears_row_follows_the_integrity_arrears_register() -> None:
    from xinyong.integrity import services as integrity
    from xinyong.integrity.models import GovernmentBody

    p = plan()
    a = assignment(p, 10, "区工信局")  # 确保全年不新增政府拖欠中小企业账款
    before = _targets(p, a)["integrity.district_new_arrears"]
    assert (before.value, before.met) == (0, True)
    body = GovernmentBody.objects.get(unit=unit("区工信局"), kind=GovernmentBody.Kind.ORGAN)
    integrity.register_arrears(
        actor=user("m_admin2", Role.CREDIT_ADMIN, "区发改委"),
        body=body,
        creditor_name="安阳市北关区某某建材有限公司",
        creditor_kind="sme",
        project="办公楼维修工程款",
        amount_wan="12.5",
        due_on=date(2026, 9, 30),
        today=date(2026, 11, 20),
    )
    result = _targets(p, a)["integrity.district_new_arrears"]
    assert (result.value, result.met, result.verdict) == (1, False, "未达标")


def test_autodiscovery_and_registry_contents() -> None:
    found = metrics.autodiscover()
    assert "xinyong.ledger.ledger_metrics" in found
    assert {"xinyong.finance.ledger_metrics", "xinyong.integrity.ledger_metrics"} <= set(found)
    codes = {m.code for m in metrics.all_metrics()}
    assert {
        "collection.late_rate",
        "collection.compliance_rate",
        "collection.report_rate",
        "integrity.unit_bodies_on_sxbzxr",
        "sanctions.government_bodies_on_sxbzxr",
        "sanctions.blacklist_share",
        "sanctions.feedback_overdue",
        "rights.objections_overdue",
        "rights.repairs_overdue",
        "commitments.shared",
        "integrity.new_arrears",
        "integrity.district_new_arrears",
        "integrity.alerts",
        "finance.credit_loan_amount",
        "finance.white_list_pushed",
    } <= codes
    with pytest.raises(ValueError):
        metrics.register_metric("x.y", "x", lambda u, p: 0, comparison="==")


def test_commitments_shared_metric_counts_the_units_commitments(settings) -> None:
    from tests.commitments.helpers import commit
    from tests.exchange.helpers import SECRET, TOKEN, http_settings
    from xinyong.exchange import services as exchange
    from xinyong.exchange.fake_platform import FakeCityPlatform

    p = plan()
    a = assignment(p, 24, "区住建局")  # 向市平台共享信用承诺及践诺信息
    assert _targets(p, a)["commitments.shared"].value == 0
    commit("区住建局", "建筑工程施工许可", "approval", made_on=date(2026, 9, 28))
    # Made and queued is not shared: the city platform has not confirmed it yet.
    assert _targets(p, a)["commitments.shared"].value == 0
    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url)
        exchange.expand_entries()
        exchange.send_pending(actor=None)
    result = _targets(p, a)["commitments.shared"]
    assert (result.value, result.met) == (1, True)
