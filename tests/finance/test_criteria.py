"""The shared eligibility evaluator: every condition with concrete dates, pass and fail
reasons in Chinese, and the fixed number of queries whatever the number of subjects."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.core.errors import DomainError
from xinyong.finance import criteria as crit
from xinyong.publicity.models import PublicityWindow
from xinyong.subjects.models import Subject

from .helpers import admin, firm, list_entry, penalty, person

pytestmark = pytest.mark.django_db
ON = date(2026, 10, 9)


def texts(verdict: crit.Verdict) -> dict[str, tuple[bool, str]]:
    return {r.code: (r.passed, r.text) for r in verdict.reasons}


def test_grade_rule_pass_and_fail_with_reasons():
    a = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    c = firm("MA44UC2R", "安阳北关豫安建筑工程有限公司", grade="C")
    ungraded = firm("MA45B8Q0", "安阳市鑫源食品有限公司", grade=None)
    rule = {"grades": ["A", "B"]}
    got = crit.evaluate_many(rule, Subject.objects.all(), ON)
    assert texts(got[a.pk])["grade"] == (True, "信用等级为 A，符合要求")
    assert texts(got[c.pk])["grade"] == (False, "信用等级为 C，不符合要求（须为 A、B）")
    assert texts(got[ungraded.pk])["grade"] == (False, "尚未评价信用等级，要求等级为 A、B")
    allowed = crit.evaluate({"grades": ["A"], "allow_ungraded": True}, ungraded, ON)
    assert allowed.eligible


def test_penalty_within_n_months_counts_by_decision_date():
    s = firm("MA46D1L7", "安阳市北关区红旗路物业服务有限公司")
    penalty(s, date(2025, 10, 9), "北关市监罚〔2025〕50号")
    rule = {"no_penalty_months": 12}
    # 2025-10-09 is exactly 12 months before 2026-10-09: outside the window.
    v = crit.evaluate(rule, s, ON)
    assert v.eligible
    assert texts(v)["penalty"] == (True, "2025-10-09 之后（近 12 个月）无行政处罚")
    penalty(s, date(2025, 10, 10), "北关市监罚〔2025〕51号")
    v = crit.evaluate(rule, s, ON)
    assert not v.eligible
    assert texts(v)["penalty"][1] == (
        "近 12 个月内有行政处罚：安阳市北关区市场监督管理局北关市监罚〔2025〕51号（2025-10-10）"
    )
    # A penalty decided after the screening day does not count on that day.
    assert crit.evaluate(rule, s, date(2025, 10, 8)).eligible


def test_repaired_penalty_does_not_exclude():
    s = firm("MA47HN3E", "河南殷都科技有限公司")
    record = penalty(s, date(2026, 3, 2), "北关市监罚〔2026〕9号")
    assert not crit.evaluate({"no_penalty_months": 12}, s, ON).eligible
    PublicityWindow.objects.create(
        record=record, ended_on=date(2026, 6, 1), end_reason=PublicityWindow.EndReason.REPAIRED
    )
    assert crit.evaluate({"no_penalty_months": 12}, s, ON).eligible


def test_serious_list_in_force_excludes_and_names_the_list():
    s = firm("MA48KP5A", "安阳市洹水餐饮管理有限公司")
    list_entry(s, "SX_BZXR", date(2026, 6, 15), actor=admin())
    rule = {"excluded_list_kinds": ["serious"]}
    before = crit.evaluate(rule, s, date(2026, 6, 14))
    assert texts(before)["list_serious"] == (True, "未被列入严重失信主体名单")
    after = crit.evaluate(rule, s, date(2026, 6, 15))
    passed, text = texts(after)["list_serious"]
    assert not passed
    assert text.startswith("被列入失信被执行人名单（") and text.endswith("2026-06-15 起）")


def test_region_category_kind_age_and_sector():
    local = firm("MA9F0T6W", "安阳市北关区安顺运输有限公司", registered_on=date(2024, 10, 10))
    outside = firm("MA9G2R8U", "安阳彰德医药连锁有限公司", region="410502")
    society = firm("MJY51368", "安阳市北关区阳光老年公寓", category="52")
    estate = firm("MA9HLX4C", "安阳市北关区万家福房地产开发有限公司")
    p = person("张建国", date(1968, 5, 12), 31)
    rule = {
        "subject_kinds": ["org", "individual_business"],
        "uscc_categories": ["91", "92", "93"],
        "region_codes": ["district"],
        "min_years_registered": 2,
        "excluded_sector_keywords": ["房地产开发"],
    }
    got = crit.evaluate_many(rule, Subject.objects.all(), ON)
    t = texts(got[local.pk])
    assert t["region"] == (True, "注册地行政区划代码 410503，在本区（410503）登记")
    assert t["age"] == (False, "2024-10-10 成立，不满 2 年")
    assert texts(got[outside.pk])["region"] == (False, "注册地行政区划代码 410502，不在 410503")
    assert texts(got[society.pk])["uscc_category"] == (
        False,
        "统一社会信用代码前两位为 52，不在 91、92、93 之列",
    )
    assert texts(got[estate.pk])["sector_excluded"] == (
        False,
        "名称（未归集登记注册信息）涉及排除行业：房地产开发",
    )
    assert texts(got[p.pk])["subject_kind"][0] is False
    # Registered 2024-10-09 is exactly two years before the day: old enough.
    assert crit.evaluate({"min_years_registered": 2}, local, date(2026, 10, 10)).eligible


def test_registration_status_and_scope_from_latest_registration_record():
    s = firm("MA9J7M1N", "安阳文峰再生资源回收有限公司")
    penalty(
        s,
        date(2019, 1, 5),
        "DJ-1",
        type_code="DJZC",
        payload={"DJ_JYFW": "再生资源回收；典当", "DJ_DJZT": "存续"},
    )
    rule = {"excluded_sector_keywords": ["典当"], "excluded_registration_status": ["注销", "吊销"]}
    v = crit.evaluate(rule, s, ON)
    assert texts(v)["sector_excluded"] == (
        False,
        "名称及登记的企业类型、经营范围涉及排除行业：典当",
    )
    assert texts(v)["registration_status"] == (True, "登记状态为“存续”")
    penalty(s, date(2026, 8, 1), "DJ-2", type_code="DJZC", payload={"DJ_DJZT": "吊销，未注销"})
    v = crit.evaluate(rule, s, ON)
    assert texts(v)["registration_status"] == (False, "登记状态为“吊销，未注销”")
    assert texts(v)["sector_excluded"][0] is True


def test_required_red_list():
    s = firm("MA44W9P2", "安阳市北关区柏庄镇绿源蔬菜种植专业合作社", category="93")
    v = crit.evaluate({"required_list_kinds": ["red"]}, s, ON)
    assert texts(v)["list_required"] == (False, "未列入红名单")


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"grades": ["E"]}, "信用等级只能是 A、B、C、D。"),
        ({"no_penalty_months": 0}, "1–120"),
        ({"region_codes": ["4105"]}, "6位行政区划代码"),
        ({"colour": "red"}, "不认识的准入条件：colour。"),
        ({"excluded_list_kinds": ["grey"]}, "名单类别“grey”无效"),
        ([1, 2], "准入条件应为 JSON 对象。"),
    ],
)
def test_bad_criteria_are_refused_in_chinese(bad, message):
    with pytest.raises(DomainError) as exc:
        crit.validate(bad)
    assert message in exc.value.message


def test_query_count_does_not_grow_with_subjects(django_assert_max_num_queries):
    for i in range(40):
        body = f"MA{i:02d}QK7X"
        firm(body, f"安阳测试企业{i}有限公司", grade="A" if i % 2 else "B")
    rule = {
        "grades": ["A", "B"],
        "excluded_list_kinds": ["serious", "abnormal"],
        "no_penalty_months": 12,
        "excluded_sector_keywords": ["典当"],
    }
    with django_assert_max_num_queries(6):
        got = crit.evaluate_many(rule, Subject.objects.all(), ON)
    assert len(got) == 40 and all(v.eligible for v in got.values())


def test_describe_lists_conditions_in_chinese():
    lines = crit.describe(
        {"grades": ["A", "B"], "no_penalty_months": 12, "region_codes": ["district"]}
    )
    assert lines == [
        "注册地：本区（410503）",
        "信用等级：A、B",
        "近 12 个月内无行政处罚（已信用修复的除外）",
    ]
