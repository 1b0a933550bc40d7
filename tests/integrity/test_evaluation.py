"""The 政务诚信 evaluation: the indicator system as data, recomputed from platform data
(the score changes when the data changes), manual scores with evidence, stored results
with warnings, a new year's system, the XLSX."""

from __future__ import annotations

import importlib
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from tests.collection import qhelpers
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.integrity import evaluation, services
from xinyong.integrity.exports import evaluation_xlsx
from xinyong.integrity.models import Alert, EvaluationResult, Indicator, IndicatorSystem
from xinyong.orgs.models import Role
from xinyong.rights.models import Objection
from xinyong.sanctions import lists

from .helpers import BZZ, BZZ_CODE, SCJG, link_organ, list_sxbzxr, make_user, organ, unit

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 20)


def _system() -> IndicatorSystem:
    return evaluation.get_system(2026)


def _row(u: str):
    return evaluation.unit_evaluation(_system(), unit(u), as_of=AS_OF)


def _item(row, code: str):
    return next(i for i in row.items if i.code == code)


def test_the_indicator_system_is_loaded_as_data():
    system = _system()
    tops = list(system.indicators.filter(parent__isnull=True).order_by("sort_order"))
    assert [t.name for t in tops] == ["依法行政", "政务公开", "勤政高效", "守信践诺"]
    assert [t.weight for t in tops] == [
        Decimal("25.00"),
        Decimal("25.00"),
        Decimal("20.00"),
        Decimal("30.00"),
    ]
    assert system.indicators.filter(parent__isnull=False).count() == 16
    assert "第五十四条" in system.legal_basis
    assert evaluation.check_system(system) == []
    units = evaluation.evaluated_units(system)
    assert len(units) == 52 and unit("区法院") not in units and unit(SCJG) in units


def test_a_unit_without_any_data_scores_full_marks_on_what_is_scored():
    row = _row(SCJG)
    assert row.unscored == 3  # the three manual indicators
    assert (row.score, row.max_score, row.percent) == (
        Decimal("72.00"),
        Decimal("72.00"),
        Decimal("100.00"),
    )
    assert _item(row, "ZWGK01").basis == "本期无可计算的数据，按满分计"
    assert not row.warning


def test_the_evaluation_is_recomputed_from_platform_data():
    scj = unit(SCJG)
    body = organ(SCJG)
    # 双公示: 4 penalties reported in 2026, 2 of them late → 及时率 50 %.
    for n, late in enumerate((False, False, True, True), start=1):
        qhelpers.record(
            scj,
            f"北市监罚〔2026〕{n}号",
            decided=date(2026, 5, n),
            reported=date(2026, 5, 20),
            late=late,
        )
    row = _row(SCJG)
    assert _item(row, "ZWGK01").value == Decimal("50.00")
    assert _item(row, "ZWGK01").score == Decimal("5.00")
    assert row.score == Decimal("67.00")

    # New arrears this year: the zero target is missed and nothing is cleared yet.
    services.register_arrears(
        actor=None,
        body=body,
        creditor_name="安阳市鑫源食品有限公司",
        creditor_kind="sme",
        project="食堂食材采购",
        amount_wan="8",
        due_on=date(2026, 2, 28),
        registered_on=date(2026, 4, 1),
        today=AS_OF,
    )
    row = _row(SCJG)
    assert (
        _item(row, "SXJN02").score == Decimal("0")
        and _item(row, "SXJN02").value_text == "新增拖欠 1 笔，8.00 万元"
    )
    assert _item(row, "SXJN03").score == Decimal("0.00")
    assert row.score == Decimal("57.00")

    # Objections forwarded to the unit: one answered on time, one late (3 working days).
    subject = qhelpers.subject()
    for replied in (date(2026, 9, 2), date(2026, 9, 10)):
        Objection.objects.create(
            subject=subject,
            channel="online",
            category="wrong",
            description="日期有误",
            applicant_name="某公司",
            applicant_phone="0372-1234567",
            received_on=date(2026, 9, 1),
            route=Objection.Route.PROVIDER,
            status=Objection.Status.PROVIDER_REPLIED,
            provider_unit=scj,
            forwarded_on=date(2026, 9, 1),
            provider_replied_on=replied,
        )
    row = _row(SCJG)
    assert _item(row, "ZWGK02").value_text == "按时答复 1/2 件"
    assert _item(row, "ZWGK02").score == Decimal("2.50")
    assert row.score == Decimal("54.50")
    assert row.percent == Decimal("75.69")


def test_a_body_on_the_sxbzxr_list_costs_the_zero_target_and_warns():
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    entry = list_sxbzxr(body.subject, on=date(2026, 10, 12))
    row = _row(BZZ)
    assert _item(row, "SXJN01").score == Decimal("0")
    assert _item(row, "SXJN05").value_text == "未结执行案件 1 件"
    assert row.warning and "有 1 个主体列入失信被执行人" in row.reasons
    # Removed in November, but it was listed on days of the year: still counted.
    lists.remove_entry(actor=None, entry=entry, on=date(2026, 11, 2), reason="已履行")
    assert _item(_row(BZZ), "SXJN01").score == Decimal("0")
    assert _item(_row(BZZ), "SXJN05").score == Decimal("3")


def test_manual_scores_need_evidence_and_the_credit_office():
    office = make_user("ev_admin", Role.CREDIT_ADMIN, "区发改委")
    reporter = make_user("ev_scj", Role.REPORTER, SCJG)
    ind = Indicator.objects.get(system=_system(), code="YFXZ04")
    with pytest.raises(NotPermitted):
        evaluation.set_manual_score(
            actor=reporter, indicator=ind, unit=SCJG, score="8", evidence="自评"
        )
    with pytest.raises(DomainError, match=r"0 到 10\.00"):
        evaluation.set_manual_score(
            actor=office, indicator=ind, unit=SCJG, score="11", evidence="检查记录"
        )
    with pytest.raises(DomainError, match="评分依据"):
        evaluation.set_manual_score(actor=office, indicator=ind, unit=SCJG, score="8", evidence=" ")
    auto = Indicator.objects.get(system=_system(), code="ZWGK01")
    with pytest.raises(DomainError, match="自动计分"):
        evaluation.set_manual_score(
            actor=office, indicator=auto, unit=SCJG, score="8", evidence="x"
        )
    with pytest.raises(DomainError, match="不是 2026 年的参评单位"):
        evaluation.set_manual_score(
            actor=office, indicator=ind, unit="区法院", score="8", evidence="x"
        )
    evaluation.set_manual_score(
        actor=office, indicator=ind, unit=SCJG, score="8", evidence="执法检查 2026-10", on=AS_OF
    )
    row = _row(SCJG)
    assert (
        _item(row, "YFXZ04").score == Decimal("8.00")
        and _item(row, "YFXZ04").basis == "执法检查 2026-10"
    )
    assert (row.score, row.max_score, row.unscored) == (Decimal("80.00"), Decimal("82.00"), 2)
    assert row.percent == Decimal("97.56")


def test_evaluate_stores_results_ranks_and_warns_below_the_line():
    office = make_user("ev_admin2", Role.CREDIT_ADMIN, "区发改委")
    ind = Indicator.objects.get(system=_system(), code="QZGX03")
    evaluation.set_manual_score(
        actor=office, indicator=ind, unit=BZZ, score="0", evidence="督查通报三次超期", on=AS_OF
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
        today=AS_OF,
    )
    result = evaluation.evaluate(actor=office, year=2026, as_of=AS_OF)
    assert result.running and result.end == AS_OF
    bzz = EvaluationResult.objects.get(system=_system(), unit=unit(BZZ))
    # 72 + 8 (scored manual) = 80 max; lost: SXJN02 6, SXJN03 4, QZGX03 8 → 62/80.
    assert (bzz.score, bzz.max_score, bzz.percent) == (
        Decimal("62.00"),
        Decimal("80.00"),
        Decimal("77.50"),
    )
    assert bzz.rank == 52 and not bzz.warning
    system = _system()
    system.warning_threshold = Decimal("80")
    system.save()
    evaluation.evaluate(actor=office, year=2026, as_of=AS_OF)
    alert = Alert.objects.get(key=f"evaluation:2026:{unit(BZZ).pk}")
    assert alert.kind == Alert.Kind.EVALUATION and "低于预警线 80.00" in alert.detail
    system.warning_threshold = Decimal("70")
    system.save()
    evaluation.evaluate(actor=office, year=2026, as_of=AS_OF)
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.RESOLVED
    assert Event.objects.filter(action="integrity.evaluate").count() == 3
    with pytest.raises(NotPermitted):
        evaluation.evaluate(actor=make_user("ev_rep", Role.REPORTER, SCJG), year=2026)


def test_a_new_year_starts_from_last_years_system():
    system = evaluation.ensure_system(actor=None, year=2027)
    assert system.note == "沿用 2026 年指标体系"
    assert system.indicators.count() == 20
    assert system.indicators.get(code="SXJN04").parent.code == "SXJN"
    with pytest.raises(DomainError, match="尚未开始"):
        evaluation.compute(system, as_of=AS_OF)
    with pytest.raises(DomainError, match="年度“20x6”无效"):
        evaluation.get_system("20x6")


def test_configuration_problems_are_reported():
    ind = Indicator.objects.get(system=_system(), code="SXJN04")
    ind.weight = Decimal("7")
    ind.save()
    problems = evaluation.check_system(_system())
    assert "一级指标“守信践诺”分值 30.00 与其二级指标合计 32.00 不一致。" in problems
    assert any("合计为 102.00" in p for p in problems)


def test_the_xlsx_for_the_annual_assessment():
    office = make_user("ev_admin3", Role.CREDIT_ADMIN, "区发改委")
    ind = Indicator.objects.get(system=_system(), code="YFXZ04")
    evaluation.set_manual_score(
        actor=office, indicator=ind, unit=SCJG, score="6", evidence='=HYPERLINK("x")', on=AS_OF
    )
    result, content = evaluation_xlsx(_system(), as_of=date(2026, 12, 31))
    assert not result.running
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["汇总排名", "指标明细", "指标体系"]
    ranking = book["汇总排名"]
    assert ranking["A1"].value == "2026年政务诚信评价年度考核"
    header = [c.value for c in ranking[4]]
    assert header[:6] == ["名次", "单位", "依法行政", "政务公开", "勤政高效", "守信践诺"]
    assert ranking.max_row == 4 + 52
    detail = list(book["指标明细"].iter_rows(values_only=True))
    scj = next(r for r in detail if r[0] == SCJG and r[2] == "YFXZ04")
    assert scj[7] == 6 and scj[8] == '\'=HYPERLINK("x")'


def _broken_commitments(unit_name: str) -> None:
    """Two commitments of the unit found broken in 2026, the second because a new
    leadership would not honour its predecessor's promise (新官不理旧账)."""
    office = make_user(f"ev_office_{unit_name}", Role.CREDIT_ADMIN, "区发改委")
    for title, new_official in (("农贸市场改造补助", False), ("老旧小区改造配套补助款", True)):
        c = services.record_commitment(
            actor=office,
            body=organ(unit_name),
            kind="contract",
            title=title,
            content="验收后 60 日内拨付补助",
            made_on=date(2024, 5, 10),
            due_on=date(2026, 2, 28),
            today=AS_OF,
        )
        services.assess_commitment(
            actor=office,
            commitment=c,
            status="broken",
            note="逾期未拨付",
            on=date(2026, 5, 6),
            new_official=new_official,
            today=AS_OF,
        )


def test_a_broken_commitment_of_a_new_leadership_is_deducted_once_under_sxjn06():
    # 过罚相当 (国办发〔2020〕49号): one broken commitment is one fact; the more specific
    # 新官不理旧账 takes it, 政府违约毁约 counts the other one.
    _broken_commitments(SCJG)
    row = _row(SCJG)
    sxjn04, sxjn06 = _item(row, "SXJN04"), _item(row, "SXJN06")
    assert (sxjn04.value, sxjn04.score, sxjn04.basis) == (
        Decimal("1"),
        Decimal("2.50"),
        "扣 2.50 分（每件 2.50）",
    )
    assert (sxjn06.value, sxjn06.score) == (Decimal("1"), Decimal("0.00"))
    assert sxjn04.value_text == (
        "认定未兑现的承诺 1 件；另有 1 件属新官不理旧账（“老旧小区改造配套补助款”），"
        "计入 SXJN06 新官不理旧账，本项不重复扣分"
    )
    assert sxjn06.value_text == (
        "新官不理旧账 1 件（其中认定未兑现的政府承诺 1 件，只在本项扣分，"
        "不再计入 SXJN04 政府违约毁约）"
    )
    # The stored result keeps the explanation.
    office = make_user("ev_office_store", Role.CREDIT_ADMIN, "区发改委")
    evaluation.evaluate(actor=office, year=2026, as_of=AS_OF)
    stored = EvaluationResult.objects.get(system=_system(), unit=unit(SCJG))
    detail = {d["code"]: d for d in stored.detail}
    assert detail["SXJN04"]["score"] == "2.50" and detail["SXJN06"]["score"] == "0"
    assert "计入 SXJN06 新官不理旧账" in detail["SXJN04"]["value_text"]


def test_without_an_automatic_sxjn06_every_broken_commitment_stays_under_sxjn04():
    # A system that scores 新官不理旧账 by hand (or not at all) must not lose the fact.
    ind = Indicator.objects.get(system=_system(), code="SXJN06")
    ind.method = Indicator.Method.MANUAL
    ind.save()
    _broken_commitments(SCJG)
    sxjn04 = _item(_row(SCJG), "SXJN04")
    assert (sxjn04.value, sxjn04.score) == (Decimal("2"), Decimal("0.00"))
    assert sxjn04.value_text == "认定未兑现的承诺 2 件"


def test_the_seeded_criteria_of_existing_systems_say_it_and_edited_ones_stay():
    from django.apps import apps

    migration = importlib.import_module(
        "xinyong.integrity.migrations.0004_legacy_commitment_criteria"
    )
    system = _system()
    sxjn04 = Indicator.objects.get(system=system, code="SXJN04")
    assert "属新官不理旧账的只在 SXJN06 扣分" in sxjn04.criteria  # new installations
    # An installation seeded before: the old text is rewritten, the office's own is kept.
    sxjn04.criteria = "认定未兑现的合同、协议、承诺每件扣 2.5 分"
    sxjn04.save()
    Indicator.objects.filter(system=system, code="SXJN06").update(criteria="按件扣分（信用办）")
    migration.forwards(apps, None)
    assert Indicator.objects.get(pk=sxjn04.pk).criteria == (
        "认定未兑现的合同、协议、承诺每件扣 2.5 分；属新官不理旧账的只在 SXJN06 扣分，"
        "本项不重复扣分（过罚相当，国办发〔2020〕49号）"
    )
    assert Indicator.objects.get(system=system, code="SXJN06").criteria == "按件扣分（信用办）"
