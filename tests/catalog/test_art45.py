"""河南条例 art. 45 in the field spec: information never to be collected is refused, and
income, deposits, securities, insurance, real estate and tax amounts need a written-consent
declaration (`consent`). Through the parser, the services, the admin, the loader/CLI."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from xinyong.catalog import services
from xinyong.catalog.fieldspec import get_spec, parse_fields
from xinyong.catalog.models import RecordType
from xinyong.core.errors import DomainError
from xinyong.orgs.models import User

pytestmark = pytest.mark.django_db

BASE_FIELDS = [
    {
        "code": "GR_XM",
        "label": "姓名",
        "type": "text",
        "max_length": 50,
        "required": True,
        "role": "party_name",
    },
    {
        "code": "GR_RQ",
        "label": "认定日期",
        "type": "date",
        "required": True,
        "role": "decision_date",
    },
]

CONSENT = (
    "采集前以书面告知书明确告知信息主体提供收入信息可能产生的不利后果，"
    "并取得其签字的书面同意书，原件由提供单位存档备查。"
)

RELIGION = {"code": "GR_ZJXY", "label": "宗教信仰", "type": "text", "max_length": 50}
INCOME = {
    "code": "GR_YSR",
    "label": "月收入",
    "type": "decimal",
    "unit": "万元",
    "min_value": "0",
}

NEVER_REASON = (
    "字段定义有误：第 3 个字段（GR_ZJXY）：数据项“宗教信仰”涉及宗教信仰信息。"
    "依照《河南省社会信用条例》第四十五条，不得采集自然人的宗教信仰、基因、指纹、血型、"
    "疾病和病史信息，取得本人同意也不可以；请删除该数据项。"
)
CONSENT_REASON = (
    "字段定义有误：第 3 个字段（GR_YSR）：数据项“月收入”涉及收入信息。"
    "依照《河南省社会信用条例》第四十五条，收入、存款、有价证券、商业保险、不动产和纳税数额"
    "信息，只有明确告知信息主体提供该信息可能产生的不利后果并取得其书面同意后方可采集；"
    "请在该数据项的 consent 中写明如何告知并取得书面同意，否则不得设立该数据项。"
)


def person_type(extra: dict, **overrides):
    values = {
        "code": "GRXX",
        "name": "个人测试信息",
        "category": "administrative",
        "nature": "neutral",
        "sharing": "public",
        "subject_types": ["自然人"],
        "legal_basis": "《测试条例》第一条",
        "fields": [*BASE_FIELDS, extra],
    }
    values.update(overrides)
    return values


# ---------------------------------------------------------------- the parser


@pytest.mark.parametrize(
    ("label", "topic"),
    [
        ("宗教信仰", "宗教信仰"),
        ("所属宗教", "宗教信仰"),
        ("基因检测结果", "基因"),
        ("DNA 比对结果", "基因"),
        ("指纹信息", "指纹"),
        ("血型", "血型"),
        ("疾病名称", "疾病和病史"),
        ("既往病史", "疾病和病史"),
        ("医疗记录", "疾病和病史"),
    ],
)
def test_never_collected_labels_are_refused(label, topic):
    field = {"code": "GR_X", "label": label, "type": "text", "max_length": 50}
    with pytest.raises(DomainError) as caught:
        parse_fields([*BASE_FIELDS, field])
    assert caught.value.code == "forbidden_personal_info"
    assert caught.value.message.startswith(
        f"字段定义有误：第 3 个字段（GR_X）：数据项“{label}”涉及{topic}信息。"
        "依照《河南省社会信用条例》第四十五条"
    )


def test_consent_does_not_lift_the_ban():
    with pytest.raises(DomainError) as caught:
        parse_fields([*BASE_FIELDS, {**RELIGION, "consent": CONSENT}])
    assert caught.value.message == NEVER_REASON


def test_a_forbidden_alias_is_refused_naming_it():
    field = {
        "code": "GR_BZ",
        "label": "备注",
        "type": "text",
        "max_length": 200,
        "aliases": ["病史"],
    }
    with pytest.raises(DomainError, match="数据项“备注”（表头别名“病史”）涉及疾病和病史信息"):
        parse_fields([*BASE_FIELDS, field])


@pytest.mark.parametrize(
    ("label", "topic"),
    [
        ("月收入", "收入"),
        ("存款余额", "存款"),
        ("持有有价证券", "有价证券"),
        ("商业保险保险金额", "商业保险"),
        ("不动产权证号", "不动产"),
        ("纳税数额", "纳税数额"),
        ("年度纳税金额", "纳税数额"),
        ("缴税金额", "纳税数额"),
    ],
)
def test_consent_topics_need_a_declaration(label, topic):
    field = {"code": "GR_X", "label": label, "type": "text", "max_length": 50}
    with pytest.raises(DomainError) as caught:
        parse_fields([*BASE_FIELDS, field])
    assert caught.value.code == "consent_required"
    assert f"数据项“{label}”涉及{topic}信息。" in caught.value.message
    specs = parse_fields([*BASE_FIELDS, {**field, "consent": CONSENT}])
    assert specs[2].consent == CONSENT
    assert specs[2].to_dict()["consent"] == CONSENT


@pytest.mark.parametrize("consent", ["", "  ", "已同意", 1])
def test_an_empty_or_vague_consent_is_refused(consent):
    with pytest.raises(DomainError, match="consent") as caught:
        parse_fields([*BASE_FIELDS, {**INCOME, "consent": consent}])
    assert caught.value.code in {"consent_required", "invalid_field_spec"}


@pytest.mark.parametrize(
    "label",
    [
        "税务登记号",
        "罚款金额（万元）",
        "没收违法所得、没收非法财物的金额（万元）",
        "没收金额",
        "没收违法收入金额",
        "欠缴社会保险费金额",
        "宗教活动场所名称",
        "疾病预防控制机构",
        "转基因标识",
        "偷税数额占应纳税额的百分比",
        "房地产开发企业资质等级",
        "担保单位",
        "健康证明编号",
    ],
)
def test_lawful_lookalikes_pass(label):
    field = {"code": "GR_X", "label": label, "type": "text", "max_length": 200}
    assert parse_fields([*BASE_FIELDS, field])[2].label == label


def test_every_shipped_record_type_passes():
    codes = set()
    for rt in RecordType.objects.all():
        parse_fields(rt.fields)  # the full check, as on save
        codes.add(rt.code)
    assert {"XZCF", "XZXK", "SXBZXR", "DJZC", "CXRY", "HYXYPJ", "CNWN"} <= codes


# ---------------------------------------------------------------- the services


def test_service_refuses_a_religion_field_and_writes_nothing():
    with pytest.raises(DomainError) as caught:
        services.create_record_type(actor=None, **person_type(RELIGION))
    assert caught.value.message == NEVER_REASON
    assert not RecordType.objects.filter(code="GRXX").exists()


def test_service_refuses_income_without_consent():
    with pytest.raises(DomainError) as caught:
        services.create_record_type(actor=None, **person_type(INCOME))
    assert caught.value.message == CONSENT_REASON
    assert caught.value.code == "consent_required"
    assert not RecordType.objects.filter(code="GRXX").exists()


def test_service_accepts_income_with_consent_and_keeps_it():
    rt = services.create_record_type(actor=None, **person_type({**INCOME, "consent": CONSENT}))
    assert rt.fields[2]["consent"] == CONSENT
    assert get_spec("GRXX").field("GR_YSR").consent == CONSENT


def test_service_accepts_a_tax_registration_number():
    field = {"code": "GR_SWDJ", "label": "税务登记号", "type": "identifier", "max_length": 30}
    rt = services.create_record_type(actor=None, **person_type(field))
    assert [f["label"] for f in rt.fields][-1] == "税务登记号"


def test_update_adding_a_forbidden_field_is_refused():
    rt = services.create_record_type(actor=None, **person_type({**INCOME, "consent": CONSENT}))
    with pytest.raises(DomainError, match="涉及血型信息"):
        services.update_record_type(
            actor=None,
            record_type=rt,
            fields=[
                *rt.fields,
                {"code": "GR_XX", "label": "血型", "type": "text", "max_length": 5},
            ],
        )
    rt.refresh_from_db()
    assert rt.version == 1 and len(rt.fields) == 3


def test_a_type_stored_before_the_rule_still_reads_and_the_api_serves_it():
    """Reading never fails on a legacy definition (no 500, no blocked catalogue); the
    next save refuses it."""
    rt = services.create_record_type(actor=None, **person_type({**INCOME, "consent": CONSENT}))
    legacy = [*BASE_FIELDS, INCOME]
    RecordType.objects.filter(pk=rt.pk).update(fields=legacy)
    assert get_spec("GRXX").field("GR_YSR").consent == ""
    user = User.objects.create_user(username="reader45", password="x-Very-Long-Pass-1")
    client = Client()
    client.force_login(user)
    response = client.get("/api/v1/catalog/types/GRXX/")
    assert response.status_code == 200
    assert response.json()["fields"][2]["code"] == "GR_YSR"
    assert client.get("/api/v1/catalog/types/").status_code == 200
    rt.refresh_from_db()
    with pytest.raises(DomainError, match="涉及收入信息"):
        services.update_record_type(actor=None, record_type=rt, coverage="全区")


# ---------------------------------------------------------------- the admin


def admin_payload(fields: list[dict]) -> dict:
    template = RecordType.objects.get(code="XZJL")
    return {
        "code": "GRXX",
        "name": "个人测试信息",
        "category": template.category,
        "nature": template.nature,
        "sharing": template.sharing,
        "subject_types": ["自然人"],
        "update_cycle": template.update_cycle,
        "legal_basis": "《测试条例》第一条",
        "fields": json.dumps(fields, ensure_ascii=False),
        "active": "on",
        "sort_order": 99,
    }


@pytest.fixture
def superuser_client() -> Client:
    user = User.objects.create_superuser(username="boss45", password="x-Very-Long-Pass-1")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("extra", "reason"), [(RELIGION, NEVER_REASON), (INCOME, CONSENT_REASON)])
def test_admin_shows_the_refusal_on_the_form(superuser_client, extra, reason):
    response = superuser_client.post(
        "/admin/catalog/recordtype/add/", admin_payload([*BASE_FIELDS, extra])
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not RecordType.objects.filter(code="GRXX").exists()


def test_admin_accepts_income_with_consent(superuser_client):
    response = superuser_client.post(
        "/admin/catalog/recordtype/add/",
        admin_payload([*BASE_FIELDS, {**INCOME, "consent": CONSENT}]),
    )
    assert response.status_code == 302
    rt = RecordType.objects.get(code="GRXX")
    assert rt.fields[2]["consent"] == CONSENT
    page = superuser_client.get(f"/admin/catalog/recordtype/{rt.pk}/change/")
    assert page.status_code == 200


def test_admin_change_page_of_a_legacy_type_renders(superuser_client):
    rt = services.create_record_type(actor=None, **person_type({**INCOME, "consent": CONSENT}))
    RecordType.objects.filter(pk=rt.pk).update(fields=[*BASE_FIELDS, INCOME])
    page = superuser_client.get(f"/admin/catalog/recordtype/{rt.pk}/change/")
    assert page.status_code == 200
    assert "GR_YSR" in page.content.decode()


# ---------------------------------------------------------------- the loader / CLI


def test_cli_load_refuses_with_the_reason(tmp_path):
    path = tmp_path / "types.json"
    path.write_text(
        json.dumps({"kind": "record_types", "items": [person_type(RELIGION)]}, ensure_ascii=False),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as caught:
        call_command("catalog", "load", str(path), stdout=StringIO())
    assert str(caught.value) == f"第 1 项（GRXX）：{NEVER_REASON}"
    assert not RecordType.objects.filter(code="GRXX").exists()
