"""Metric-bound rows update themselves when the platform's data change; the registry lets
other apps add metrics; an unregistered metric shows 未接入."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.collection.qhelpers import batch, record
from xinyong.ledger import metrics, selectors, services
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
    assert _targets(p, a)["sanctions.unit_bodies_on_sxbzxr"].met is True
    body = Subject.objects.create(
        kind="org",
        name="安阳市北关区市场监督管理局某下属中心",
        identifier="124105030050000099",
        identifier_type="uscc",
        is_government_body=True,
        region_code="410503",
    )
    services.link_body(
        actor=user("m_admin", Role.CREDIT_ADMIN, "区发改委"), unit=unit(SCJ), subject=body
    )
    ListEntry.objects.create(
        list_type=ListType.objects.get(code="SX_BZXR"),
        subject=body,
        basis_document="（2026）豫0503执77号",
        reasons="未履行生效判决",
        status=ListEntry.Status.LISTED,
        effective_from=date(2026, 10, 9),
    )
    result = _targets(p, a)["sanctions.unit_bodies_on_sxbzxr"]
    assert (result.value, result.met, result.verdict) == (1, False, "未达标")
    # The district-wide target of row 12 (政府机构清零) moves with it.
    court = assignment(p, 12, "区法院")
    district = _targets(p, court)["sanctions.government_bodies_on_sxbzxr"]
    assert (district.value, district.met) == (1, False)
    # Before the entry took effect the row was met.
    early = selectors.evaluate_targets(p, [a], on=date(2026, 10, 1))[a.pk][0]
    assert early.value == 0


def test_unregistered_metric_is_not_connected_until_an_app_registers_it() -> None:
    p = plan()
    arrears = assignment(p, 10, "区工信局")  # integrity.new_arrears
    result = _targets(p, arrears)["integrity.new_arrears"]
    assert (result.connected, result.met, result.display, result.verdict) == (
        False,
        None,
        "未接入",
        "未接入",
    )
    metrics.register_metric(
        "integrity.new_arrears",
        "新增拖欠中小企业账款",
        lambda u, period: 2 if u.name == "区工信局" else 0,
        unit_label="笔",
        comparison="<=",
    )
    try:
        result = _targets(p, arrears)["integrity.new_arrears"]
        assert (result.connected, result.value, result.display, result.met) == (
            True,
            2,
            "2笔",
            False,
        )
    finally:
        metrics.unregister_metric("integrity.new_arrears")


def test_autodiscovery_and_registry_contents() -> None:
    found = metrics.autodiscover()
    assert "xinyong.ledger.ledger_metrics" in found
    codes = {m.code for m in metrics.all_metrics()}
    assert {
        "collection.late_rate",
        "collection.compliance_rate",
        "sanctions.unit_bodies_on_sxbzxr",
        "sanctions.government_bodies_on_sxbzxr",
        "sanctions.blacklist_share",
        "sanctions.feedback_overdue",
        "rights.objections_overdue",
        "rights.repairs_overdue",
        "commitments.shared",
    } <= codes
    with pytest.raises(ValueError):
        metrics.register_metric("x.y", "x", lambda u, p: 0, comparison="==")


def test_commitments_shared_metric_counts_the_units_commitments() -> None:
    from tests.commitments.helpers import commit

    p = plan()
    a = assignment(p, 24, "区住建局")  # 向市平台共享信用承诺及践诺信息
    assert _targets(p, a)["commitments.shared"].value == 0
    commit("区住建局", "建筑工程施工许可", "approval", made_on=date(2026, 9, 28))
    result = _targets(p, a)["commitments.shared"]
    assert (result.value, result.met) == (1, True)
