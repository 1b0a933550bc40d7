from __future__ import annotations

from decimal import Decimal

import pytest

from xinyong.catalog import fieldspec, loaders, services
from xinyong.catalog.fieldspec import FieldType, get_spec, parse_fields
from xinyong.catalog.models import ForbiddenMatter, PublicityPolicy, RecordType
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.models import Event

pytestmark = pytest.mark.django_db

PARTY = [
    "XDR_MC",
    "XDR_LB",
    "XDR_SHXYM",
    "XDR_GSZC",
    "XDR_ZZJG",
    "XDR_SWDJ",
    "XDR_SYDW",
    "XDR_SHZZ",
    "FRDB",
    "FR_ZJLX",
    "FR_ZJHM",
    "XDR_ZJLX",
    "XDR_ZJHM",
]


def codes(spec_code: str) -> list[str]:
    return [f.code for f in get_spec(spec_code).fields]


def test_catalogue_has_the_thirteen_types():
    # Other apps ship their own types (commitments, grading) through the same services;
    # the catalogue's own data file ships these thirteen.
    shipped = set(RecordType.objects.values_list("code", flat=True))
    assert shipped >= set(
        [
            "XZCF",
            "XZXK",
            "XZQZ",
            "XZJC",
            "XZJL",
            "XZQR",
            "XZZS",
            "XZGF",
            "XZCJ",
            "XZBC",
            "SXBZXR",
            "DJZC",
            "CXRY",
        ]
    )
    assert RecordType.objects.filter(is_shigongshi=True).count() == 10
    assert set(RecordType.objects.filter(is_shuanggongshi=True).values_list("code", flat=True)) == {
        "XZCF",
        "XZXK",
    }
    # 发改办财金〔2018〕424号: 7 working days for the ten acts, none for the others.
    assert set(
        RecordType.objects.filter(report_deadline_workdays=7).values_list("code", flat=True)
    ) == set(RecordType.objects.filter(is_shigongshi=True).values_list("code", flat=True))
    assert not RecordType.objects.filter(
        is_shigongshi=False, report_deadline_workdays__isnull=False
    )


def test_penalty_field_set_is_the_national_one():
    assert codes("XZCF") == [f"CF_{c}" for c in PARTY] + [
        "CF_WSH",
        "CF_WFXW",
        "CF_SY",
        "CF_YJ",
        "CF_CFLB",
        "CF_NR",
        "CF_NR_FK",
        "CF_NR_WFFF",
        "CF_NR_ZKDX",
        "CF_JDRQ",
        "CF_YXQ",
        "CF_GSJZQ",
        "CF_CXLX",
        "CF_QWXC",  # local: 河南条例 art. 13's second exclusion
        "CF_SXCD",  # local: the 22号 class (轻微/一般/严重) that sets the publicity period
        "CF_CFJG",
        "CF_CFJGDM",
        "CF_SJLY",
        "CF_SJLYDM",
        "BZ",
    ]
    spec = get_spec("XZCF")
    required = {f.code for f in spec.required_fields}
    assert required == {
        "CF_XDR_MC",
        "CF_XDR_LB",
        "CF_WSH",
        "CF_WFXW",
        "CF_SY",
        "CF_YJ",
        "CF_CFLB",
        "CF_NR",
        "CF_JDRQ",
        "CF_CFJG",
        "CF_CFJGDM",
        "CF_SJLY",
        "CF_SJLYDM",
    }
    wsh = spec.field("CF_WSH")
    assert (wsh.label, wsh.required, wsh.role) == ("行政处罚决定书文号", True, "document_number")
    assert spec.field("CF_XDR_MC").max_length == 200
    assert spec.field("CF_CFJGDM").type == FieldType.USCC
    assert spec.field("CF_CFJGDM").max_length == 18
    fine = spec.field("CF_NR_FK")
    assert (fine.type, fine.unit, fine.max_digits, fine.decimal_places) == (
        FieldType.DECIMAL,
        "万元",
        18,
        6,
    )
    assert fine.min_value == Decimal("0")
    assert spec.field("CF_XDR_LB").enum == ("法人及非法人组织", "自然人", "个体工商户")
    assert spec.field("CF_CFLB").type == FieldType.MULTI_ENUM
    # 行政处罚法 (2021) art. 9 kinds, plus 其他.
    assert spec.field("CF_CFLB").enum == (
        "警告",
        "通报批评",
        "罚款",
        "没收违法所得",
        "没收非法财物",
        "暂扣许可证件",
        "降低资质等级",
        "吊销许可证件",
        "限制开展生产经营活动",
        "责令停产停业",
        "责令关闭",
        "限制从业",
        "行政拘留",
        "其他",
    )
    assert spec.field("CF_GSJZQ").not_before == "CF_JDRQ"
    assert spec.field("CF_JDRQ").not_future is True
    assert spec.field("CF_CXLX").enum == ("简易程序", "普通程序")
    assert spec.field("CF_CXLX").required is False
    assert spec.by_role("procedure").code == "CF_CXLX"
    assert spec.by_role("fine_amount").code == "CF_NR_FK"
    assert spec.by_role("decision_date").code == "CF_JDRQ"
    assert spec.default_policy_code == "GBF2025_22_GENERAL"


def test_required_when_rules_of_the_penalty():
    spec = get_spec("XZCF")
    fine = spec.field("CF_NR_FK")
    assert spec.is_required(fine, {"CF_CFLB": "警告；罚款"}) is True
    assert spec.is_required(fine, {"CF_CFLB": "警告、没收违法所得"}) is False
    assert spec.is_required(fine, {"CF_CFLB": ["罚款"]}) is True
    assert spec.is_required(fine, {}) is False
    rep = spec.field("CF_FRDB")
    assert spec.is_required(rep, {"CF_XDR_LB": "法人及非法人组织"}) is True
    assert spec.is_required(rep, {"CF_XDR_LB": "自然人"}) is False
    uscc = spec.field("CF_XDR_SHXYM")
    assert spec.is_required(uscc, {"CF_XDR_LB": "个体工商户"}) is True
    assert spec.is_required(uscc, {"CF_XDR_LB": "自然人"}) is False
    idn = spec.field("CF_XDR_ZJHM")
    assert spec.is_required(idn, {"CF_XDR_LB": "自然人"}) is True
    assert idn.id_type_field == "CF_XDR_ZJLX"
    assert spec.is_required(spec.field("CF_WSH"), {}) is True


def test_licence_field_set():
    assert codes("XZXK") == [f"XK_{c}" for c in PARTY] + [
        "XK_XKWS",
        "XK_WSH",
        "XK_XKLB",
        "XK_XKZS",
        "XK_XKBH",
        "XK_NR",
        "XK_JDRQ",
        "XK_YXQZ",
        "XK_YXQZI",
        "XK_ZT",
        "XK_XKJG",
        "XK_XKJGDM",
        "XK_LYDW",
        "XK_LYDWDM",
        "BZ",
    ]
    spec = get_spec("XZXK")
    lb = spec.field("XK_XKLB")
    assert (lb.type, lb.required) == (FieldType.ENUM, True)
    assert lb.enum == ("普通", "特许", "认可", "核准", "登记", "其他")
    assert lb.canonical_enum_value("特许许可") == "特许"
    assert lb.canonical_enum_value("许可") is None
    assert spec.field("XK_XKWS").required and spec.field("XK_WSH").required
    assert spec.field("XK_XKJGDM").required
    assert spec.field("XK_YXQZI").not_before == "XK_YXQZ"
    assert spec.field("XK_XDR_LB").canonical_enum_value("法人") == "法人及非法人组织"


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("XZQZ", "QZ"),
        ("XZJC", "JC"),
        ("XZJL", "JL"),
        ("XZQR", "QR"),
        ("XZZS", "ZS"),
        ("XZGF", "GF"),
        ("XZCJ", "CJ"),
        ("XZBC", "BC"),
    ],
)
def test_the_other_eight_acts_share_the_party_and_unit_blocks(code, prefix):
    spec = get_spec(code)
    assert codes(code)[: len(PARTY)] == [f"{prefix}_{c}" for c in PARTY]
    for role, field_code, required in [
        ("party_name", f"{prefix}_XDR_MC", True),
        ("party_kind", f"{prefix}_XDR_LB", True),
        ("document_number", f"{prefix}_WSH", True),
        ("decision_date", f"{prefix}_JDRQ", True),
        ("deciding_unit_name", f"{prefix}_JDJG", True),
        ("deciding_unit_code", f"{prefix}_JDJGDM", True),
        ("source_unit_name", f"{prefix}_SJLY", True),
        ("source_unit_code", f"{prefix}_SJLYDM", True),
    ]:
        f = spec.by_role(role)
        assert f is not None and (f.code, f.required) == (field_code, required)
    assert spec.is_shigongshi and not spec.is_shuanggongshi
    assert spec.report_deadline_workdays == 7
    assert spec.legal_basis


def test_court_list_and_honours():
    sx = get_spec("失信被执行人")
    assert sx.code == "SXBZXR"
    assert sx.category == "serious_dishonesty" and sx.nature == "dishonest"
    for code in ("SX_BZXRMC", "SX_ZXFY", "SX_AH", "SX_ZXYJWH", "SX_LASJ", "SX_FBSJ", "SX_SXQX"):
        assert sx.field(code).required, code
    assert sx.field("SX_FBSJ").not_before == "SX_LASJ"
    assert sx.resolve_header("失信情形").code == "SX_SXQX"
    assert "最高人民法院关于公布失信被执行人名单信息的若干规定" in sx.legal_basis
    ry = get_spec("CXRY")
    assert ry.nature == "trust"
    assert [ry.by_role(r).code for r in ("party_name", "deciding_unit_name", "decision_date")] == [
        "RY_ZTMC",
        "RY_SYDW",
        "RY_SYRQ",
    ]
    assert ry.field("RY_RYMC").required


def test_registry_file_header_maps_onto_the_registration_fields(realdata):
    csv = next(iter(sorted((realdata / "enterprise-registration-cn").rglob("*.csv"))))
    header = csv.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header == [
        "企业名称",
        "统一社会信用代码",
        "注册日期",
        "企业类型",
        "法人代表",
        "注册资金",
        "经营范围",
        "所在省份",
        "地区",
        "注册地址",
    ]
    spec = get_spec("登记注册基本信息")
    assert [spec.resolve_header(h).code for h in header] == [
        "DJ_MC",
        "DJ_SHXYM",
        "DJ_ZCRQ",
        "DJ_QYLX",
        "DJ_FDDBR",
        "DJ_ZCZB",
        "DJ_JYFW",
        "DJ_SF",
        "DJ_DQ",
        "DJ_ZCDZ",
    ]
    assert spec.field("DJ_ZCZB").type == FieldType.TEXT  # "45万人民币" stays text
    assert spec.subject_types == ("法人及非法人组织", "个体工商户")


def test_headers_resolve_by_code_label_and_alias_in_any_width():
    spec = get_spec("XZCF")
    assert spec.resolve_header("CF_WSH").code == "CF_WSH"
    assert spec.resolve_header("cf_wsh").code == "CF_WSH"
    assert spec.resolve_header("\ufeff行政处罚决定书文号 ").code == "CF_WSH"
    assert spec.resolve_header("*决定书文号").code == "CF_WSH"
    assert spec.resolve_header("罚款金额（万元）").code == "CF_NR_FK"
    assert spec.resolve_header("罚款金额(万元)").code == "CF_NR_FK"
    assert spec.resolve_header("不存在的列") is None


def test_type_resolution_by_code_and_by_name():
    assert get_spec("XZCF").name == "行政处罚"
    assert get_spec("xzcf").code == "XZCF"
    assert get_spec("行政处罚").code == "XZCF"
    assert get_spec(" 行政许可 ").code == "XZXK"
    with pytest.raises(NotFoundError, match="没有信息类别“行政罚款”"):
        get_spec("行政罚款")


def test_spec_cache_is_invalidated_by_an_update():
    before = get_spec("XZJC")
    assert before.version == 1
    rt = RecordType.objects.get(code="XZJC")
    fields = [
        *rt.fields,
        {"code": "JC_BZ2", "label": "检查备注", "type": "text", "max_length": 100},
    ]
    services.update_record_type(actor=None, record_type=rt, fields=fields)
    after = get_spec("行政检查")
    assert after.version == 2
    assert after.field("JC_BZ2").label == "检查备注"


def test_multi_enum_split_and_aliases():
    assert fieldspec.split_multi("警告；罚款,没收违法所得、罚款") == [
        "警告",
        "罚款",
        "没收违法所得",
    ]
    spec = get_spec("XZCF").field("CF_CFLB")
    assert spec.canonical_enum_value("吊销营业执照") == "吊销许可证件"
    assert spec.canonical_enum_value("罚款") == "罚款"


def test_loader_is_idempotent_and_writes_no_events_when_nothing_changed():
    counts = (
        RecordType.objects.count(),
        PublicityPolicy.objects.count(),
        ForbiddenMatter.objects.count(),
    )
    events = Event.objects.count()
    first = loaders.load_defaults()
    second = loaders.load_defaults()
    for result in (*first, *second):
        assert result.created == 0 and result.updated == 0
    assert [r.unchanged for r in second] == [13, 7, 13]
    assert (
        RecordType.objects.count(),
        PublicityPolicy.objects.count(),
        ForbiddenMatter.objects.count(),
    ) == counts
    assert counts[1:] == (13, 7) and counts[0] >= 13
    assert Event.objects.count() == events


def test_loader_restores_a_changed_type_to_the_data_file():
    rt = RecordType.objects.get(code="XZXK")
    services.update_record_type(actor=None, record_type=rt, coverage="临时修改")
    results = loaders.load_defaults()
    assert [r.updated for r in results] == [0, 0, 1]
    rt.refresh_from_db()
    assert rt.coverage == "本区行政机关作出的准予行政许可决定"
    assert rt.version == 3


def test_loader_refuses_a_bad_file_naming_the_item(tmp_path):
    bad = tmp_path / "types.json"
    bad.write_text(
        '{"kind": "record_types", "items": [{"code": "XYZ", "name": "测试", '
        '"category": "administrative", "legal_basis": "", "fields": []}]}',
        encoding="utf-8",
    )
    with pytest.raises(DomainError, match="第 1 项（XYZ）：缺少法律依据"):
        loaders.load_file(bad)
    assert not RecordType.objects.filter(code="XYZ").exists()
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(DomainError, match="不是有效的 JSON：第 1 行"):
        loaders.load_file(broken)
    with pytest.raises(DomainError, match="找不到文件"):
        loaders.load_file(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([], "fields 必须是非空列表"),
        ([{"code": "a", "label": "x", "type": "text", "max_length": 5}], "代码“a”无效"),
        ([{"code": "A", "label": "x", "type": "texte", "max_length": 5}], "类型“texte”无效"),
        ([{"code": "A", "label": "x", "type": "text"}], "必须设置最大长度"),
        ([{"code": "A", "label": "x", "type": "enum"}], "必须列出可选值"),
        (
            [{"code": "A", "label": "x", "type": "multi_enum", "enum": ["警告、罚款"]}],
            "不能含分隔符",
        ),
        (
            [
                {"code": "A", "label": "x", "type": "text", "max_length": 5},
                {"code": "A", "label": "y", "type": "text", "max_length": 5},
            ],
            "代码重复",
        ),
        (
            [
                {"code": "A", "label": "名称", "type": "text", "max_length": 5},
                {
                    "code": "B",
                    "label": "别的",
                    "type": "text",
                    "max_length": 5,
                    "aliases": ["名称"],
                },
            ],
            "表头“名称”与字段 A 重复",
        ),
        (
            [
                {
                    "code": "A",
                    "label": "x",
                    "type": "decimal",
                    "required_when": {"field": "B", "in": ["1"]},
                }
            ],
            "引用的字段 B 不存在",
        ),
        (
            [
                {"code": "K", "label": "类别", "type": "enum", "enum": ["甲", "乙"]},
                {
                    "code": "A",
                    "label": "x",
                    "type": "decimal",
                    "required_when": {"field": "K", "in": ["丙"]},
                },
            ],
            "“丙”不在 K 的可选值中",
        ),
        (
            [{"code": "A", "label": "x", "type": "date", "not_before": "B"}],
            "不是本类别的另一个日期字段",
        ),
        (
            [{"code": "A", "label": "x", "type": "text", "max_length": 5, "not_future": True}],
            "只有日期类型",
        ),
        (
            [{"code": "A", "label": "x", "type": "text", "max_length": 5, "role": "boss"}],
            "role“boss”无效",
        ),
        (
            [
                {"code": "A", "label": "x", "type": "text", "max_length": 5, "role": "party_name"},
                {"code": "B", "label": "y", "type": "text", "max_length": 5, "role": "party_name"},
            ],
            "已由字段 A 承担",
        ),
        (
            [{"code": "A", "label": "x", "type": "text", "max_length": 5, "colour": "red"}],
            "不认识的属性：colour",
        ),
    ],
)
def test_parse_fields_refuses_broken_specs(fields, message):
    with pytest.raises(DomainError, match=message):
        parse_fields(fields)


def test_field_json_round_trips():
    raw = RecordType.objects.get(code="XZCF").fields
    assert [f.to_dict() for f in parse_fields(raw)] == raw


def test_loader_resolves_providing_units_by_alias_and_refuses_groups(tmp_path):
    item = {
        "code": "ZYZG",
        "name": "职业资格",
        "category": "qualification",
        "subject_types": ["自然人"],
        "legal_basis": "《测试条例》第一条",
        "providing_units": ["区人力资源社会保障局"],
        "fields": [{"code": "ZG_XM", "label": "姓名", "type": "text", "max_length": 50}],
    }
    result = loaders.load_data({"kind": "record_types", "items": [item]})
    assert result.created == 1
    rt = RecordType.objects.get(code="ZYZG")
    assert [u.name for u in rt.providing_units.all()] == ["区人社局"]
    item["providing_units"] = ["区政府各相关部门"]
    with pytest.raises(DomainError, match="“区政府各相关部门”是单位组"):
        loaders.load_data({"kind": "record_types", "items": [item]})
    item["providing_units"] = ["区不存在局"]
    with pytest.raises(DomainError, match="提供单位“区不存在局”不存在"):
        loaders.load_data({"kind": "record_types", "items": [item]})
