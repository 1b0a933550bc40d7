from __future__ import annotations

from datetime import date

import pytest

from xinyong.catalog import services
from xinyong.catalog.models import ForbiddenMatter, PublicityPolicy, RecordType
from xinyong.catalog.selectors import check_lawful_matter, policy_in_force
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.orgs.models import Unit

pytestmark = pytest.mark.django_db

FIELDS = [
    {
        "code": "SG_MC",
        "label": "主体名称",
        "type": "text",
        "max_length": 200,
        "required": True,
        "role": "party_name",
    },
    {
        "code": "SG_RQ",
        "label": "认定日期",
        "type": "date",
        "required": True,
        "not_future": True,
        "role": "decision_date",
    },
]


def new_type(**overrides):
    values = {
        "code": "SGXX",
        "name": "水土保持信息",
        "category": "administrative",
        "nature": "neutral",
        "sharing": "public",
        "legal_basis": "《中华人民共和国水土保持法》",
        "fields": FIELDS,
    }
    values.update(overrides)
    return services.create_record_type(actor=None, **values)


def test_create_writes_the_type_and_one_event():
    unit = Unit.objects.order_by("pk").first()
    before = Event.objects.count()
    rt = new_type(providing_units=[unit])
    assert rt.version == 1
    assert list(rt.providing_units.all()) == [unit]
    assert rt.subject_types == ["法人及非法人组织", "自然人", "个体工商户"]
    assert Event.objects.count() == before + 1
    event = Event.objects.order_by("-id").first()
    assert event.action == "catalog.record_type_created"
    assert event.new_values["code"] == "SGXX"
    assert event.new_values["providing_units"] == [unit.name]


def test_update_bumps_the_version_and_logs_only_the_change():
    rt = new_type()
    updated = services.update_record_type(actor=None, record_type=rt, coverage="全区")
    assert updated.version == 2
    event = Event.objects.order_by("-id").first()
    assert event.action == "catalog.record_type_updated"
    assert event.old_values == {"coverage": "", "version": 1}
    assert event.new_values == {"coverage": "全区", "version": 2}
    count = Event.objects.count()
    same = services.update_record_type(actor=None, record_type=rt, coverage="全区")
    assert same.version == 2
    assert Event.objects.count() == count


@pytest.mark.parametrize("basis", ["", "   "])
def test_refuses_an_item_without_legal_basis(basis):
    with pytest.raises(DomainError, match=r"^缺少法律依据：信息类别“水土保持信息”") as exc:
        new_type(legal_basis=basis)
    assert exc.value.code == "no_legal_basis"
    assert not RecordType.objects.filter(code="SGXX").exists()


def test_refuses_removing_the_legal_basis_on_update():
    rt = RecordType.objects.get(code="XZCF")
    with pytest.raises(DomainError, match="缺少法律依据"):
        services.update_record_type(actor=None, record_type=rt, legal_basis="")
    rt.refresh_from_db()
    assert rt.legal_basis.startswith("《中华人民共和国行政处罚法》第四十八条")


FORBIDDEN_CASES = [
    ("CHUANG_HONGDENG", "行人闯红灯记录"),
    ("LAJI_FENLEI", "未按规定垃圾分类"),
    ("XINFANG", "越级信访人员"),
    ("CHAIQIAN", "拒不配合拆迁"),
    ("YANGQUAN", "不文明养犬行为"),
    ("WUYEFEI", "欠缴物业费业主"),
    ("SHUIDIANQI", "居民水电气费欠费"),
]


def test_every_seeded_forbidden_matter_is_covered():
    assert sorted(c for c, _ in FORBIDDEN_CASES) == sorted(
        ForbiddenMatter.objects.values_list("code", flat=True)
    )


@pytest.mark.parametrize(("matter_code", "name"), FORBIDDEN_CASES)
def test_refuses_forbidden_matters_by_name(matter_code, name):
    matter = ForbiddenMatter.objects.get(code=matter_code)
    with pytest.raises(DomainError) as exc:
        new_type(name=name)
    assert exc.value.code == "forbidden_matter"
    assert exc.value.message.startswith(
        f"不得纳入公共信用信息目录：信息类别“{name}”涉及“{matter.name}”"
    )
    assert matter.basis in exc.value.message
    assert matter.reason in exc.value.message
    assert not RecordType.objects.filter(code="SGXX").exists()


def test_refuses_forbidden_matter_in_description_and_fields():
    with pytest.raises(DomainError, match="涉及“信访”"):
        new_type(description="记录重复上访的人员")
    fields = [
        *FIELDS,
        {"code": "SG_WY", "label": "欠缴物业费金额", "type": "decimal", "unit": "万元"},
    ]
    with pytest.raises(DomainError, match="涉及“欠缴物业费”"):
        new_type(fields=fields)
    enum_field = {
        "code": "SG_LX",
        "label": "行为类型",
        "type": "enum",
        "enum": ["乱停车", "闯红灯"],
    }
    with pytest.raises(DomainError, match="涉及“闯红灯”"):
        new_type(fields=[*FIELDS, enum_field])


def test_refuses_forbidden_matter_on_update_and_keeps_the_type():
    rt = RecordType.objects.get(code="XZJC")
    with pytest.raises(DomainError, match="涉及“垃圾分类”"):
        services.update_record_type(actor=None, record_type=rt, description="检查居民垃圾分类情况")
    rt.refresh_from_db()
    assert "垃圾" not in rt.description and rt.version == 1


def test_other_refusals_are_chinese():
    with pytest.raises(DomainError, match="已有代码为“XZCF”"):
        new_type(code="XZCF")
    with pytest.raises(DomainError, match="目录类别“nonsense”无效"):
        new_type(category="nonsense")
    with pytest.raises(DomainError, match="适用主体类型"):
        new_type(subject_types=["外星人"])
    with pytest.raises(DomainError, match="十公示"):
        new_type(is_shuanggongshi=True)
    with pytest.raises(DomainError, match="字段定义有误：第 1 个字段（SG_MC）：缺少中文名称"):
        new_type(fields=[{"code": "SG_MC", "type": "text", "max_length": 5}])


def test_check_lawful_matter_is_width_and_space_insensitive():
    assert [m.code for m in check_lawful_matter("对 闯 红 灯 行为实施惩戒")] == ["CHUANG_HONGDENG"]
    assert [m.code for m in check_lawful_matter("欠缴物业费和信访")] == ["WUYEFEI", "XINFANG"]
    assert check_lawful_matter("依法限制参加政府采购活动") == []
    assert check_lawful_matter("") == []
    ForbiddenMatter.objects.filter(code="XINFANG").update(active=False)
    assert [m.code for m in check_lawful_matter("信访")] == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("多次未按规定分类投放生活垃圾", "LAJI_FENLEI"),
        ("小区居民生活垃圾未按要求分类", "LAJI_FENLEI"),
        ("拖欠物业管理费两年", "WUYEFEI"),
        ("业主欠缴物业管理服务费", "WUYEFEI"),
        ("拖欠电费3个月", "SHUIDIANQI"),
        ("电费、水费逾期拖欠", "SHUIDIANQI"),
        ("欠缴暖气费", "SHUIDIANQI"),
        ("拖欠天然气费", "SHUIDIANQI"),
        ("机动车不按交通信号灯指示通行", "CHUANG_HONGDENG"),
        ("缠访闹访、越级访", "XINFANG"),
    ],
)
def test_standard_wordings_of_forbidden_matters_are_caught(text: str, code: str) -> None:
    assert [m.code for m in check_lawful_matter(text)] == [code]


@pytest.mark.parametrize(
    "text",
    [
        "道路运输企业违反《中华人民共和国道路交通安全法》第二十一条，道路运输经营许可被吊销",
        "拖欠农民工工资失信联合惩戒对象名单",
        "生活垃圾经营性清扫、收集、运输、处理服务许可",
        "电力业务许可证（供电类）",
        "城镇污水排入排水管网许可",
        "燃气经营许可",
        "物业服务企业违反《物业管理条例》第五十九条被处罚",
        # The terms of a combination must meet in one clause.
        "企业拖欠职工工资被处罚；另享受电费补贴",
    ],
)
def test_lawful_items_are_not_refused(text: str) -> None:
    assert check_lawful_matter(text) == []


def test_every_shipped_catalogue_item_passes_the_forbidden_matter_check():
    from xinyong.catalog.fieldspec import parse_fields, searchable_text

    items = list(RecordType.objects.order_by("code"))
    assert len(items) >= 13
    hits = {
        rt.code: [m.code for m in check_lawful_matter(text)]
        for rt in items
        # The text create_record_type checks.
        if (
            text := "\n".join(
                [rt.name, rt.description, rt.coverage, searchable_text(parse_fields(rt.fields))]
            )
        )
    }
    assert {code: found for code, found in hits.items() if found} == {}


def test_combined_keyword_needs_every_term_in_one_clause_in_any_order():
    services.create_forbidden_matter(
        actor=None,
        code="TEST_COMBO",
        name="测试组合",
        keywords=["拖欠|欠缴 + 会费"],
        reason="测试",
        basis="测试依据",
    )
    assert [m.code for m in check_lawful_matter("会费拖欠半年")] == ["TEST_COMBO"]
    assert [m.code for m in check_lawful_matter("欠 缴 会 费")] == ["TEST_COMBO"]
    assert check_lawful_matter("拖欠工资，会费另计") == []
    assert check_lawful_matter("拖欠\n会费") == []
    with pytest.raises(DomainError) as caught:
        services.create_forbidden_matter(
            actor=None, code="TEST_BAD", name="坏组合", keywords=["欠+"], reason="r", basis="b"
        )
    assert caught.value.message == (
        "事项“坏组合”的关键词“欠+”有空的部分：用“+”连接的每一项、用“|”分隔的每个备选词都要写出。"
    )


def test_forbidden_matter_service_requires_keywords_and_basis():
    with pytest.raises(DomainError, match="至少需要一个关键词"):
        services.create_forbidden_matter(
            actor=None, code="X", name="测试", keywords=[], reason="理由", basis="依据"
        )
    with pytest.raises(DomainError, match="必须写明理由和依据"):
        services.create_forbidden_matter(
            actor=None, code="X", name="测试", keywords=["测试"], reason="理由", basis=""
        )


# ---------------------------------------------------------------- publicity policies


def penalty():
    return RecordType.objects.get(code="XZCF")


@pytest.mark.parametrize(
    ("day", "severity", "expected"),
    [
        # 发改办财金〔2019〕527号 until 58号令 takes effect on 2023-05-01.
        (date(2020, 3, 2), None, "FGB2019_527_GENERAL"),
        (date(2023, 4, 30), None, "FGB2019_527_GENERAL"),
        (date(2023, 4, 30), "严重", "FGB2019_527_SERIOUS"),
        (date(2023, 4, 30), "serious", "FGB2019_527_SERIOUS"),
        (date(2023, 5, 1), None, "NDRC58_PENALTY"),
        (date(2023, 5, 1), "严重", "NDRC58_PENALTY"),
        (date(2025, 6, 21), "一般", "NDRC58_PENALTY"),
        # 国办发〔2025〕22号, issued 2025-06-22.
        (date(2025, 6, 22), None, "GBF2025_22_GENERAL"),
        (date(2025, 6, 22), "轻微", "GBF2025_22_MINOR"),
        (date(2026, 1, 5), "严重", "GBF2025_22_SERIOUS"),
    ],
)
def test_policy_in_force_on_the_decision_date(day, severity, expected):
    assert (
        policy_in_force(record_type=penalty(), decision_date=day, severity=severity).code
        == expected
    )


def test_policy_periods_are_the_rules_numbers():
    serious = PublicityPolicy.objects.get(code="GBF2025_22_SERIOUS")
    assert (serious.min_months, serious.max_months) == (12, 36)
    general = PublicityPolicy.objects.get(code="GBF2025_22_GENERAL")
    assert (general.min_months, general.max_months) == (3, 12)
    minor = PublicityPolicy.objects.get(code="GBF2025_22_MINOR")
    assert (minor.min_months, minor.max_months) == (None, 3)
    old = PublicityPolicy.objects.get(code="FGB2019_527_SERIOUS")
    assert (old.min_months, old.max_months) == (6, 36)
    n58 = PublicityPolicy.objects.get(code="NDRC58_PENALTY")
    assert (n58.min_months, n58.max_months, n58.effective_from) == (3, 36, date(2023, 5, 1))


def test_policy_in_force_by_sector():
    rt = penalty()
    assert (
        policy_in_force(record_type=rt, decision_date=date(2024, 3, 1), sector="消防").code
        == "NDRC58_SPECIAL"
    )
    assert (
        policy_in_force(record_type=rt, decision_date=date(2024, 3, 1), sector="交通").code
        == "NDRC58_PENALTY"
    )
    market = policy_in_force(
        record_type=rt, decision_date=date(2024, 3, 1), sector="市场监管", severity="不公示"
    )
    assert (market.code, market.max_months) == ("SAMR45_WARNING", 0)
    other = policy_in_force(record_type=rt, decision_date=date(2024, 3, 1), sector="市场监管")
    assert (other.code, other.counted_from) == ("SAMR45_OTHER", "publication_date")
    assert (
        policy_in_force(
            record_type="行政处罚",
            decision_date=date(2024, 3, 1),
            sector="市场监管",
            severity="轻微",
        ).code
        == "SAMR45_MINOR"
    )


def test_policy_in_force_refuses_when_nothing_applies():
    with pytest.raises(DomainError, match="2019-06-30 没有适用于“行政处罚”（默认）的公示期限政策"):
        policy_in_force(record_type=penalty(), decision_date=date(2019, 6, 30))
    with pytest.raises(DomainError, match="失信程度“很严重”无效"):
        policy_in_force(record_type=penalty(), decision_date=date(2024, 1, 2), severity="很严重")


def test_policy_service_checks_the_interval():
    with pytest.raises(DomainError, match="最短公示期不能长于最长公示期"):
        services.create_publicity_policy(
            actor=None,
            code="T",
            name="测试",
            document="测试",
            severity="general",
            min_months=13,
            max_months=12,
            legal_basis="测试依据",
            effective_from=date(2025, 1, 1),
        )
    with pytest.raises(DomainError, match="缺少依据"):
        services.create_publicity_policy(
            actor=None,
            code="T",
            name="测试",
            document="测试",
            severity="general",
            min_months=1,
            max_months=12,
            legal_basis="",
            effective_from=date(2025, 1, 1),
        )
