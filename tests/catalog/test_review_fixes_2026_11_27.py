"""Review of 2026-11-27, catalogue: art. 45 over a type's own subject, admin refusals as
form errors, codes that cannot change behind `xinyong init`'s back, and data files with
wrongly typed values refused in Chinese."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from xinyong.catalog import loaders, services
from xinyong.catalog.models import ForbiddenMatter, PublicityPolicy, RecordType
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.orgs.models import User

pytestmark = pytest.mark.django_db

FIELDS = [
    {
        "code": "BS_XM",
        "label": "姓名",
        "type": "text",
        "max_length": 50,
        "required": True,
        "role": "party_name",
    },
    {"code": "BS_NR", "label": "登记内容", "type": "text", "max_length": 500, "required": True},
    {
        "code": "BS_RQ",
        "label": "登记日期",
        "type": "date",
        "required": True,
        "role": "decision_date",
    },
]


def new_type(**overrides: object) -> RecordType:
    values: dict[str, object] = {
        "code": "BSXX",
        "name": "备案登记信息",
        "category": "voluntary",
        "nature": "neutral",
        "sharing": "authorised",
        "subject_types": ["自然人"],
        "legal_basis": "《河南省社会信用条例》第十一条",
        "fields": FIELDS,
    }
    values.update(overrides)
    return services.create_record_type(actor=None, **values)


@pytest.fixture
def superuser_client() -> Client:
    user = User.objects.create_superuser(username="boss", password="x-Very-Long-Pass-1")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# ---------------------------------------------------------------- 3. art. 45 subject


@pytest.mark.parametrize("name", ["自然人疾病和病史信息", "宗教信仰情况", "血型信息"])
def test_a_type_that_collects_art45_information_is_refused(name: str) -> None:
    with pytest.raises(DomainError) as caught:
        new_type(name=name)
    assert "第四十五条" in caught.value.message
    assert caught.value.code == "forbidden_personal_info"
    assert not RecordType.objects.filter(code="BSXX").exists()


@pytest.mark.parametrize(
    ("attr", "text", "topic"),
    [("description", "登记自然人的指纹", "指纹"), ("coverage", "自然人基因检测结果", "基因")],
)
def test_art45_information_in_description_or_coverage_is_refused(
    attr: str, text: str, topic: str
) -> None:
    with pytest.raises(DomainError, match=f"涉及{topic}信息.*第四十五条"):
        new_type(**{attr: text})
    rt = new_type()
    with pytest.raises(DomainError, match=f"涉及{topic}信息"):
        services.update_record_type(actor=None, record_type=rt, **{attr: text})
    rt.refresh_from_db()
    assert getattr(rt, attr) == "" and rt.version == 1


def test_exempt_compounds_are_not_art45_information() -> None:
    rt = new_type(name="疾病预防控制机构监督检查信息", description="宗教活动场所登记")
    assert rt.pk


# ---------------------------------------------------------------- 4. admin refusals


def test_admin_refuses_a_keyword_with_an_empty_part_on_the_form(superuser_client: Client) -> None:
    response = superuser_client.post(
        "/admin/catalog/forbiddenmatter/add/",
        {
            "code": "TEST_X",
            "name": "测试事项",
            "keywords_text": "拖欠+",
            "reason": "测试理由",
            "basis": "国办发〔2020〕49号",
            "active": "on",
        },
    )
    assert not ForbiddenMatter.objects.filter(code="TEST_X").exists()
    assert response.status_code == 200, response.status_code
    assert "有空的部分" in response.content.decode()
    assert not LogEntry.objects.exists()


def record_type_payload(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "BSXX",
        "name": "备案登记信息",
        "category": "voluntary",
        "nature": "neutral",
        "sharing": "authorised",
        "subject_types": ["自然人"],
        "update_cycle": "realtime",
        "legal_basis": "《河南省社会信用条例》第十一条",
        "fields": json.dumps(FIELDS, ensure_ascii=False),
        "active": "on",
        "sort_order": 1000,
    }
    data.update(overrides)
    return data


def test_admin_refuses_an_art45_record_type_on_the_form(superuser_client: Client) -> None:
    events = Event.objects.count()
    response = superuser_client.post(
        "/admin/catalog/recordtype/add/", record_type_payload(name="血型信息")
    )
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    assert "涉及血型信息" in body and "第四十五条" in body
    assert "成功" not in body
    assert not RecordType.objects.filter(code="BSXX").exists()
    assert not LogEntry.objects.exists()
    assert Event.objects.count() == events


def test_admin_record_type_add_still_saves_and_logs(superuser_client: Client) -> None:
    response = superuser_client.post("/admin/catalog/recordtype/add/", record_type_payload())
    assert response.status_code == 302, response.content.decode()[:2000]
    rt = RecordType.objects.get(code="BSXX")
    entry = LogEntry.objects.get()
    assert entry.object_id == str(rt.pk)
    assert Event.objects.order_by("-id").first().action == "catalog.record_type_created"


def test_admin_refuses_a_publicity_policy_on_the_form(superuser_client: Client) -> None:
    events = Event.objects.count()
    response = superuser_client.post(
        "/admin/catalog/publicitypolicy/add/",
        {
            "code": "TEST_P",
            "name": "测试政策",
            "document": "测试",
            "severity": "general",
            "min_months": 13,
            "max_months": 12,
            "counted_from": "decision_date",
            "legal_basis": "国办发〔2025〕22号",
            "effective_from": "2026-01-01",
            "active": "on",
        },
    )
    assert response.status_code == 200, response.status_code
    assert "最短公示期不能长于最长公示期" in response.content.decode()
    assert not PublicityPolicy.objects.filter(code="TEST_P").exists()
    assert not LogEntry.objects.exists()
    assert Event.objects.count() == events


def test_admin_policy_change_saves_through_the_service(superuser_client: Client) -> None:
    policy = PublicityPolicy.objects.order_by("pk").first()
    assert policy is not None
    url = f"/admin/catalog/publicitypolicy/{policy.pk}/change/"
    payload = {
        "code": "RENAMED",
        "name": policy.name,
        "document": policy.document,
        "severity": policy.severity,
        "min_months": policy.min_months if policy.min_months is not None else "",
        "max_months": policy.max_months,
        "counted_from": policy.counted_from,
        "legal_basis": policy.legal_basis,
        "effective_from": policy.effective_from.isoformat(),
        "effective_to": policy.effective_to.isoformat() if policy.effective_to else "",
        "sector": policy.sector,
        "notes": "后台修改",
        "active": "on" if policy.active else "",
    }
    response = superuser_client.post(url, payload)
    assert response.status_code == 302, response.content.decode()[:2000]
    code = policy.code
    policy.refresh_from_db()
    assert (policy.code, policy.notes) == (code, "后台修改")
    assert LogEntry.objects.get().object_id == str(policy.pk)
    assert Event.objects.order_by("-id").first().action == "catalog.policy_updated"


# ---------------------------------------------------------------- 5. codes are fixed


def test_code_of_a_type_in_use_cannot_be_changed_behind_inits_back() -> None:
    rt = RecordType.objects.get(code="XZCF")
    with pytest.raises(DomainError, match="代码“XZCF”不能修改"):
        services.update_record_type(actor=None, record_type=rt, code="XZCFA")
    rt.refresh_from_db()
    assert rt.code == "XZCF"
    # Same code in another spelling is no change.
    services.update_record_type(actor=None, record_type=rt, code=" xzcf ")
    loaders.load_catalog_reference()


def test_policy_and_matter_codes_cannot_be_changed() -> None:
    policy = PublicityPolicy.objects.order_by("pk").first()
    matter = ForbiddenMatter.objects.order_by("pk").first()
    assert policy is not None and matter is not None
    with pytest.raises(DomainError, match="不能修改"):
        services.update_publicity_policy(actor=None, policy=policy, code="OTHER_P")
    with pytest.raises(DomainError, match="不能修改"):
        services.update_forbidden_matter(actor=None, matter=matter, code="OTHER_M")
    loaders.load_catalog_reference()


def test_admin_change_form_shows_the_code_read_only(superuser_client: Client) -> None:
    rt = RecordType.objects.get(code="XZCF")
    page = superuser_client.get(f"/admin/catalog/recordtype/{rt.pk}/change/").content.decode()
    assert 'name="code"' not in page and "XZCF" in page
    for url in ("/admin/catalog/recordtype/add/", "/admin/catalog/forbiddenmatter/add/"):
        assert 'name="code"' in superuser_client.get(url).content.decode()
    matter = ForbiddenMatter.objects.order_by("pk").first()
    assert matter is not None
    page = superuser_client.get(f"/admin/catalog/forbiddenmatter/{matter.pk}/change/")
    assert 'name="code"' not in page.content.decode()


# ---------------------------------------------------------------- 6. typed values


def test_policy_file_with_a_text_number_is_a_chinese_refusal(tmp_path, console) -> None:
    item = {
        "code": "T_POL",
        "name": "测试政策",
        "document": "x",
        "severity": "general",
        "min_months": "3",
        "max_months": 12,
        "legal_basis": "国办发〔2025〕22号",
        "effective_from": "2026-01-01",
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"kind": "publicity_policies", "items": [item]}, ensure_ascii=False))
    code, _out, err = console("catalog", "load", str(path))
    assert code != 0 and "TypeError" not in err and "Traceback" not in err
    assert "第 1 项（T_POL）" in err and "最短公示期（月）" in err and "整数" in err
    assert not PublicityPolicy.objects.filter(code="T_POL").exists()


def test_matter_file_without_text_basis_is_a_chinese_refusal(tmp_path, console) -> None:
    item = {"code": "T_M", "name": "测试", "keywords": ["测试词"], "reason": "理由", "basis": None}
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"kind": "forbidden_matters", "items": [item]}, ensure_ascii=False))
    code, _out, err = console("catalog", "load", str(path))
    assert code != 0 and "AttributeError" not in err and "Traceback" not in err
    assert "第 1 项（T_M）" in err and "依据" in err and "文本" in err
    assert not ForbiddenMatter.objects.filter(code="T_M").exists()


@pytest.mark.parametrize(
    ("kind", "item", "words"),
    [
        (
            "publicity_policies",
            {
                "code": "T_POL",
                "name": "测试政策",
                "document": "x",
                "severity": "general",
                "max_months": 12,
                "legal_basis": ["国办发〔2025〕22号"],
                "effective_from": "2026-01-01",
            },
            ("依据", "文本"),
        ),
        (
            "publicity_policies",
            {
                "code": "T_POL",
                "name": "测试政策",
                "document": "x",
                "severity": "general",
                "max_months": 12,
                "legal_basis": "国办发〔2025〕22号",
                "effective_from": "2026-01-01",
                "active": "yes",
            },
            ("启用", "true 或 false"),
        ),
        (
            "forbidden_matters",
            {"code": 7, "name": "测试", "keywords": ["测试词"], "reason": "理由", "basis": "b"},
            ("代码", "文本"),
        ),
        (
            "record_types",
            {
                "code": "BSXX",
                "name": "备案登记信息",
                "category": "voluntary",
                "nature": "neutral",
                "sharing": "authorised",
                "subject_types": ["自然人"],
                "legal_basis": "《河南省社会信用条例》第十一条",
                "fields": FIELDS,
                "sort_order": "5",
            },
            ("排序", "整数"),
        ),
        (
            "record_types",
            {
                "code": "BSXX",
                "name": "备案登记信息",
                "category": "voluntary",
                "nature": "neutral",
                "sharing": "authorised",
                "subject_types": ["自然人"],
                "legal_basis": "《河南省社会信用条例》第十一条",
                "fields": FIELDS,
                "is_shigongshi": 1,
            },
            ("十公示", "true 或 false"),
        ),
        (
            "record_types",
            {
                "code": "BSXX",
                "name": 12,
                "category": "voluntary",
                "nature": "neutral",
                "sharing": "authorised",
                "subject_types": ["自然人"],
                "legal_basis": "《河南省社会信用条例》第十一条",
                "fields": FIELDS,
            },
            ("名称", "文本"),
        ),
    ],
)
def test_wrongly_typed_values_are_chinese_refusals(tmp_path, console, kind, item, words) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"kind": kind, "items": [item]}, ensure_ascii=False))
    code, _out, err = console("catalog", "load", str(path))
    assert code != 0 and "Traceback" not in err, err
    assert "第 1 项" in err and all(w in err for w in words), err


def test_services_refuse_wrongly_typed_values_directly() -> None:
    with pytest.raises(DomainError, match="“最长公示期（月）”必须是整数"):
        services.create_publicity_policy(
            actor=None,
            code="T",
            name="测试",
            document="测试",
            severity="general",
            max_months=12.5,
            legal_basis="国办发〔2025〕22号",
            effective_from=date(2026, 1, 1),
        )
    with pytest.raises(DomainError, match="“不得纳入的理由”缺少值，应为文本"):
        services.create_forbidden_matter(
            actor=None, code="T_M", name="测试", keywords=["测试词"], reason=None, basis="b"
        )
