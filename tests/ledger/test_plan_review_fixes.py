"""Defects found by reviewing the ledger against the 2023 北关区 work plan:

1. row 5 (双公示) must measure 上报率 (plan task 4: 上报率、合规率、及时率达到100%; row 5:
   瞒报率为零), and a database loaded before the binding existed picks it up on reload;
2. row 10 (确保全年不新增……拖欠民营企业、中小企业账款) is a district target: every
   responsible unit sees the district's new arrears, not only its own bodies';
3. numbers shown to leaders are plain decimals (10 分, 60%, 100%), never 1E+1.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from tests.collection.qhelpers import record
from xinyong.catalog.models import RecordType
from xinyong.collection import quality
from xinyong.collection.models import QualityWarning
from xinyong.collection.selectors import Period, resolve_record_types, unit_rates
from xinyong.ledger import loaders, metrics, reports, selectors, services
from xinyong.ledger.models import Plan, Row, RowTarget
from xinyong.orgs.models import Role

from .helpers import assignment, client, plan, unit, user

pytestmark = pytest.mark.django_db

RSJ = "区人社局"
GXJ = "区工信局"
ON = date(2026, 11, 25)
REPORT_RATE = "collection.report_rate"
DISTRICT_ARREARS = "integrity.district_new_arrears"


def _targets(p, a, on=ON):
    return {r.target.metric_code: r for r in selectors.evaluate_targets(p, [a], on=on)[a.pk]}


def _declare(name: str, year: int, month: int, count: int, code: str = "XZCF") -> None:
    quality.declare_month(
        actor=None,
        unit=unit(name),
        record_type=RecordType.objects.get(code=code),
        year=year,
        month=month,
        count=count,
        today=ON,
    )


# ------------------------------------------------------------------ 1. 上报率 on row 5


def test_row5_binds_report_rate_from_the_seed_plan() -> None:
    row5 = Row.objects.get(plan__year=2023, number=5)
    assert set(row5.targets.values_list("metric_code", "comparison", "value")) == {
        ("collection.late_rate", "<=", Decimal("0.00")),
        ("collection.compliance_rate", ">=", Decimal("100.00")),
        (REPORT_RATE, ">=", Decimal("100.00")),
    }
    metric = metrics.get_metric(REPORT_RATE)
    assert metric is not None
    assert (metric.label, metric.unit_label, metric.comparison, metric.target) == (
        "双公示上报率",
        "%",
        ">=",
        Decimal("100"),
    )
    # The description says what a unit that declared nothing gets.
    assert "未申报" in metric.description and "无数据" in metric.description


def test_under_reporting_against_the_declared_count_misses_row5() -> None:
    p = plan()
    a = assignment(p, 5, RSJ)
    rsj = unit(RSJ)
    # Nothing declared: like collection's own 上报率, nothing to measure (neither met nor
    # missed, and the assessment leaves it out).
    before = _targets(p, a)[REPORT_RATE]
    assert (before.value, before.display, before.met, before.verdict) == (
        None,
        "无数据",
        None,
        "无数据",
    )
    record(rsj, "北人社罚〔2026〕8号", decided=date(2026, 8, 10), reported=date(2026, 8, 13))
    _declare(RSJ, 2026, 8, 10)  # 申报作出决定 10 件，已报送 1 件，少 9 件
    warnings = QualityWarning.objects.filter(unit=rsj, kind="under_reported")
    assert any("已报送 1 件，少 9 件" in w.message for w in warnings)
    result = _targets(p, a)
    assert (result[REPORT_RATE].value, result[REPORT_RATE].display) == (Decimal("10.00"), "10.00%")
    assert (result[REPORT_RATE].met, result[REPORT_RATE].verdict) == (False, "未达标")
    assert result[REPORT_RATE].label == "双公示上报率（不低于 100%）"
    # The other two rates stay met: they cannot see a record that was never reported.
    assert result["collection.late_rate"].met is True
    # A record decided in an undeclared month (September) or of an undeclared type
    # (a licence in August) does not make up for the nine penalties missing in August.
    record(rsj, "北人社罚〔2026〕9号", decided=date(2026, 9, 2), reported=date(2026, 9, 4))
    record(
        rsj,
        "北人社许〔2026〕3号",
        decided=date(2026, 8, 20),
        reported=date(2026, 8, 21),
        code="XZXK",
    )
    assert _targets(p, a)[REPORT_RATE].value == Decimal("10.00")
    # The assessment counts the missed target; the 通报 lists it and shows the rate.
    scores = {s.unit.name: s for s in selectors.assessment(p, on=ON)}
    picture = selectors.plan_picture(p, on=ON)
    summary = next(s for s in picture.units if s.unit.name == RSJ)
    assert "第5项 双公示上报率（不低于 100%）：10.00%" in summary.missed_targets
    assert scores[RSJ].targets_counted >= 1
    data = reports.bulletin_data(p, "2026-11")
    row = next(r for r in data["rows"] if r[1] == RSJ)
    assert row[data["columns"].index("双公示上报率（%）")] == "10.00"
    assert "第5项 双公示上报率（不低于 100%）：10.00%" in row[-1]
    # The other nine penalties reported: 10/10.
    for n in range(10, 19):
        record(rsj, f"北人社罚〔2026〕{n}号", decided=date(2026, 8, 25), reported=date(2026, 8, 28))
    result = _targets(p, a)[REPORT_RATE]
    assert (result.value, result.met, result.verdict) == (Decimal("100.00"), True, "达标")


def test_a_month_reported_beyond_its_declaration_does_not_cover_another_month() -> None:
    p = plan()
    a = assignment(p, 5, RSJ)
    rsj = unit(RSJ)
    _declare(RSJ, 2026, 8, 2)
    _declare(RSJ, 2026, 9, 2)
    # August: four penalties where two were declared; September: none of its two.
    for n in range(30, 34):
        record(rsj, f"北人社罚〔2026〕{n}号", decided=date(2026, 8, 10), reported=date(2026, 8, 12))
    result = _targets(p, a)[REPORT_RATE]
    # 2 of 4 declared, not 4 of 4: September's shortfall stays a shortfall.
    assert (result.value, result.met) == (Decimal("50.00"), False)


def test_a_declared_zero_month_is_not_measured_like_collection() -> None:
    p = plan()
    a = assignment(p, 5, RSJ)
    _declare(RSJ, 2026, 8, 0)
    assert _targets(p, a)[REPORT_RATE].verdict == "无数据"
    aug = Period.month(2026, 8)
    rates = unit_rates(aug, record_types=resolve_record_types("双公示"), units=[unit(RSJ)])
    assert rates[0].declared == 0 and rates[0].reporting is None


def _simulate_database_before_the_fix() -> None:
    """A database loaded before 上报率 existed and while row 10 was bound per unit, with
    the demo's 2026 plan copied from it."""
    Plan.objects.filter(year=2026).delete()
    RowTarget.objects.filter(row__plan__year=2023, metric_code=REPORT_RATE).delete()
    RowTarget.objects.filter(row__plan__year=2023, metric_code=DISTRICT_ARREARS).update(
        metric_code="integrity.new_arrears"
    )
    services.copy_plan(actor=None, plan=Plan.objects.get(year=2023), year=2026)


def _codes(year: int, number: int) -> list[str]:
    return sorted(
        RowTarget.objects.filter(row__plan__year=year, row__number=number).values_list(
            "metric_code", flat=True
        )
    )


def test_reloading_the_seed_updates_an_existing_database_once() -> None:
    _simulate_database_before_the_fix()
    assert REPORT_RATE not in _codes(2026, 5)
    assert _codes(2026, 10) == ["integrity.new_arrears"]
    # The office's own edit of the superseded target (tolerate one case) survives the
    # re-pointing.
    RowTarget.objects.filter(row__plan__year=2026, row__number=10).update(value=Decimal("1"))

    summary = loaders.load_seed_plan()  # what `xinyong init` runs
    assert "量化目标新增 1 个" in summary
    for year in (2023, 2026):
        assert _codes(year, 5) == [
            "collection.compliance_rate",
            "collection.late_rate",
            REPORT_RATE,
        ]
        assert _codes(year, 10) == [DISTRICT_ARREARS]
    copied = RowTarget.objects.get(row__plan__year=2026, row__number=5, metric_code=REPORT_RATE)
    assert (copied.comparison, copied.value) == (">=", Decimal("100.00"))
    edited = RowTarget.objects.get(row__plan__year=2026, row__number=10)
    assert (edited.metric_code, edited.value) == (DISTRICT_ARREARS, Decimal("1.00"))

    # Idempotent: a second reload adds nothing and duplicates nothing.
    again = services.load_plan_file(actor=None, path=loaders.SEED_PLAN)
    assert (again.targets, again.replaced, again.propagated) == (0, 0, 0)
    assert RowTarget.objects.filter(row__number=5, metric_code=REPORT_RATE).count() == 2
    # What the office removes from its own year's plan stays removed.
    RowTarget.objects.filter(row__plan__year=2026, metric_code=REPORT_RATE).delete()
    loaders.load_seed_plan()
    assert REPORT_RATE not in _codes(2026, 5)
    assert REPORT_RATE in _codes(2023, 5)


# ------------------------------------------------------------------ 2. row 10 district-wide


def _arrears(due: date, amount: str = "56.80", *, town: str = "柏庄镇"):
    from xinyong.integrity import services as integrity
    from xinyong.integrity.models import GovernmentBody

    body = GovernmentBody.objects.get(unit=unit(town), kind=GovernmentBody.Kind.ORGAN)
    return integrity.register_arrears(
        actor=user(f"arr_admin_{due:%Y%m%d}", Role.CREDIT_ADMIN, "区发改委"),
        body=body,
        creditor_name="安阳市北关区某某建筑工程有限公司",
        creditor_kind="sme",
        project="农村人居环境整治工程款",
        amount_wan=amount,
        due_on=due,
        today=date(2026, 11, 20),
    )


def test_row10_shows_the_districts_new_arrears_to_every_responsible_unit() -> None:
    p = plan()
    gxj, rsj = assignment(p, 10, GXJ), assignment(p, 10, RSJ)
    assert set(_targets(p, gxj)) == {DISTRICT_ARREARS}
    before = _targets(p, gxj)[DISTRICT_ARREARS]
    assert (before.value, before.display, before.met) == (0, "0笔", True)
    # Due in the previous year: not new in 2026.
    _arrears(date(2025, 12, 30), "8.00")
    assert _targets(p, gxj)[DISTRICT_ARREARS].value == 0
    # 柏庄镇 owes 56.80 万元 due 2026-03-31: neither 区工信局 nor 区人社局 owns the body,
    # yet both answer for the district target.
    _arrears(date(2026, 3, 31))
    for a in (gxj, rsj):
        result = _targets(p, a)[DISTRICT_ARREARS]
        assert (result.value, result.display, result.met, result.verdict) == (
            1,
            "1笔",
            False,
            "未达标",
        )
    assert _targets(p, gxj)[DISTRICT_ARREARS].label == "全区新增拖欠中小企业账款笔数（不高于 0笔）"
    # Seen on 30 March the debt was not yet due: the row was met then.
    assert _targets(p, gxj, on=date(2026, 3, 30))[DISTRICT_ARREARS].value == 0
    # The same figure as integrity's own 无新增拖欠 line for the district.
    from xinyong.integrity.selectors import arrears_targets
    from xinyong.orgs.models import Unit

    district, _rows = arrears_targets(2026, list(Unit.objects.all()))
    assert district.new_cases == 1


def test_revoked_arrears_do_not_count_for_the_district() -> None:
    from xinyong.integrity import services as integrity

    p = plan()
    case = _arrears(date(2026, 3, 31))
    integrity.set_arrears_status(
        actor=user("arr_office", Role.CREDIT_ADMIN, "区发改委"),
        case=case,
        status="revoked",
        note="经核实为质保金，未到期，不属于拖欠。",
        on=date(2026, 11, 21),
    )
    assert _targets(p, assignment(p, 10, GXJ))[DISTRICT_ARREARS].value == 0


# ------------------------------------------------------------------ 3. plain numbers


def test_rules_text_uses_plain_numbers() -> None:
    p = plan()
    text = selectors.rules_text(selectors.rules_for(p))
    assert "E+" not in text and "E-" not in text
    assert "每项责任分解满分 10 分" in text
    assert "已报完成待审核得 60%" in text
    assert "推进中（含退回修改）得 30%" in text
    assert "达标得 5 分" in text
    assert "每项逾期（含逾期后完成的）2 分" in text
    rules = p.rules
    rules.points_per_row = Decimal("12.50")
    rules.pending_share = Decimal("0.55")
    rules.save()
    text = selectors.rules_text(selectors.rules_for(p))
    assert "满分 12.5 分" in text and "待审核得 55%" in text


def test_target_labels_use_plain_numbers() -> None:
    p = plan()
    a = assignment(p, 5, RSJ)
    labels = {code: r.label for code, r in _targets(p, a).items()}
    assert labels["collection.compliance_rate"] == "双公示合规率（不低于 100%）"
    assert labels["collection.late_rate"] == "双公示迟报率（不高于 0%）"
    six = assignment(p, 6, RSJ)
    assert [r.label for r in selectors.evaluate_targets(p, [six], on=ON)[six.pk]] == [
        "诚信宣传教育活动（年内不低于 3 次）"
    ]


def test_assessment_page_api_xlsx_and_assignment_page_show_plain_numbers() -> None:
    p = plan()
    leader = user("plain_leader", Role.LEADER)
    admin = user("plain_admin", Role.CREDIT_ADMIN, "区发改委")
    page = client(leader).get("/workspace/ledger/assessment/?year=2026").content.decode()
    api = client(leader).get("/api/v1/ledger/assessment/?year=2026").json()
    book = openpyxl.load_workbook(io.BytesIO(reports.assessment_xlsx(p, on=ON)))
    xlsx = str(book.active["A2"].value)
    for text in (page, api["rules"], xlsx):
        assert "E+" not in text
        assert "每项责任分解满分 10 分" in text and "已报完成待审核得 60%" in text
    a = assignment(p, 5, RSJ)
    detail = client(admin).get(f"/workspace/ledger/assignments/{a.pk}/").content.decode()
    assert "双公示合规率（不低于 100%）" in detail
    assert "1E+2" not in detail
