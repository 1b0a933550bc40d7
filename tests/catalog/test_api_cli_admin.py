from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from xinyong.catalog.models import ForbiddenMatter, RecordType
from xinyong.core.models import Event
from xinyong.orgs.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_client() -> Client:
    user = User.objects.create_user(username="reader1", password="x-Very-Long-Pass-1")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser_client() -> Client:
    user = User.objects.create_superuser(username="boss", password="x-Very-Long-Pass-1")
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- API


def test_api_requires_authentication():
    response = Client().get("/api/v1/catalog/types/")
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "未登录或令牌无效，请提供有效的身份凭证。"


def test_api_lists_types_with_fields(user_client):
    data = user_client.get("/api/v1/catalog/types/").json()
    assert data["count"] == RecordType.objects.filter(active=True).count() >= 13
    assert data["field_types"]["multi_enum"] == "枚举（多选）"
    penalty = next(t for t in data["results"] if t["code"] == "XZCF")
    assert penalty["name"] == "行政处罚"
    assert penalty["report_deadline_workdays"] == 7
    assert penalty["default_policy"]["code"] == "GBF2025_22_GENERAL"
    fine = next(f for f in penalty["fields"] if f["code"] == "CF_NR_FK")
    assert fine["required_when"] == {"field": "CF_CFLB", "contains": "罚款"}
    assert fine["unit"] == "万元"


def test_api_hides_inactive_types_unless_asked(user_client):
    RecordType.objects.filter(code="XZBC").update(active=False)
    codes = [t["code"] for t in user_client.get("/api/v1/catalog/types/").json()["results"]]
    total = RecordType.objects.count()
    assert "XZBC" not in codes and len(codes) == total - 1
    data = user_client.get("/api/v1/catalog/types/?include_inactive=1").json()
    assert data["count"] == total


def test_api_detail_by_code_and_by_name(user_client):
    by_code = user_client.get("/api/v1/catalog/types/XZXK/").json()
    by_name = user_client.get("/api/v1/catalog/types/行政许可/").json()
    assert by_code == by_name
    xklb = next(f for f in by_code["fields"] if f["code"] == "XK_XKLB")
    assert xklb["enum"] == ["普通", "特许", "认可", "核准", "登记", "其他"]
    assert xklb["required"] is True


def test_api_unknown_type_is_a_chinese_404(user_client):
    response = user_client.get("/api/v1/catalog/types/NOPE/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "公共信用信息目录中没有信息类别“NOPE”。",
        "code": "not_found",
    }


# ---------------------------------------------------------------- CLI


def run(*args: str) -> str:
    out = StringIO()
    call_command("catalog", *args, stdout=out)
    return out.getvalue()


def test_cli_list_json():
    data = json.loads(run("list", "--json"))
    assert [t["code"] for t in data][:3] == ["XZCF", "XZXK", "XZQZ"]
    assert len(data) == RecordType.objects.filter(active=True).count() >= 13
    assert all(t["legal_basis"] for t in data)


def test_cli_list_text():
    out = run("list")
    assert "XZCF    行政处罚　[行政管理信息·失信]　33 个数据项　v1　双公示、十公示" in out
    total = RecordType.objects.filter(active=True).count()
    assert out.strip().endswith(f"共 {total} 个信息类别。")


def test_cli_show_json_and_text():
    data = json.loads(run("show", "失信被执行人", "--json"))
    assert data["code"] == "SXBZXR"
    assert data["category_label"] == "严重失信主体名单"
    text = run("show", "xzcf")
    assert (
        "CF_NR_FK      罚款金额（万元）　数值（小数）（万元）　当 CF_CFLB 含“罚款”时必填　→罚款金额"
        in text
    )


def test_cli_show_unknown_is_a_command_error():
    with pytest.raises(CommandError, match="没有信息类别“ABC”"):
        run("show", "ABC")


def test_cli_load_twice_changes_nothing(tmp_path):
    data = json.loads(run("load", "--json"))
    assert data == [
        {"kind": "publicity_policies", "created": 0, "updated": 0, "unchanged": 13},
        {"kind": "forbidden_matters", "created": 0, "updated": 0, "unchanged": 7},
        {"kind": "record_types", "created": 0, "updated": 0, "unchanged": 13},
    ]
    extra = tmp_path / "extra.json"
    extra.write_text(
        json.dumps(
            {
                "kind": "forbidden_matters",
                "items": [
                    {
                        "code": "TINGCHE",
                        "name": "违章停车",
                        "keywords": ["违章停车"],
                        "reason": "测试理由",
                        "basis": "测试依据",
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert run("load", str(extra)).strip() == "不得纳入事项 1 项（新增 1，更新 0，未变 0）"
    assert run("load", str(extra)).strip() == "不得纳入事项 1 项（新增 0，更新 0，未变 1）"
    assert ForbiddenMatter.objects.filter(code="TINGCHE").count() == 1


def test_cli_load_bad_kind(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "cats", "items": []}', encoding="utf-8")
    with pytest.raises(CommandError, match="格式不对"):
        run("load", str(bad))


# ---------------------------------------------------------------- admin


def admin_payload(rt: RecordType, **overrides):
    data = {
        "code": rt.code,
        "name": rt.name,
        "category": rt.category,
        "nature": rt.nature,
        "sharing": rt.sharing,
        "subject_types": rt.subject_types,
        "update_cycle": rt.update_cycle,
        "coverage": rt.coverage,
        "description": rt.description,
        "legal_basis": rt.legal_basis,
        "is_shuanggongshi": "on" if rt.is_shuanggongshi else "",
        "is_shigongshi": "on" if rt.is_shigongshi else "",
        "report_deadline_workdays": rt.report_deadline_workdays or "",
        "default_policy": rt.default_policy_id or "",
        "fields": json.dumps(rt.fields, ensure_ascii=False),
        "active": "on",
        "effective_from": "",
        "sort_order": rt.sort_order,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_admin_change_goes_through_the_service(superuser_client):
    rt = RecordType.objects.get(code="XZJL")
    page = superuser_client.get(f"/admin/catalog/recordtype/{rt.pk}/change/")
    assert page.status_code == 200
    assert "JL_MC" in page.content.decode()
    response = superuser_client.post(
        f"/admin/catalog/recordtype/{rt.pk}/change/", admin_payload(rt, coverage="全区各部门")
    )
    assert response.status_code == 302
    rt.refresh_from_db()
    assert (rt.coverage, rt.version) == ("全区各部门", 2)
    event = Event.objects.order_by("-id").first()
    assert event.action == "catalog.record_type_updated"
    assert event.actor.username == "boss"


def test_admin_shows_missing_legal_basis_as_a_form_error(superuser_client):
    rt = RecordType.objects.get(code="XZJL")
    response = superuser_client.post(
        f"/admin/catalog/recordtype/{rt.pk}/change/", admin_payload(rt, legal_basis="")
    )
    assert response.status_code == 200
    assert "缺少法律依据：信息类别“行政奖励”" in response.content.decode()
    rt.refresh_from_db()
    assert rt.version == 1 and rt.legal_basis


@pytest.mark.parametrize(
    ("name", "matter"),
    [
        ("行人闯红灯记录", "闯红灯"),
        ("未按规定垃圾分类", "垃圾分类"),
        ("越级信访人员", "信访"),
        ("拒不配合拆迁", "拆迁"),
        ("不文明养犬行为", "不文明养犬"),
        ("欠缴物业费业主", "欠缴物业费"),
        ("居民水电气费欠费", "未经确认的水电气费欠费"),
    ],
)
def test_admin_refuses_forbidden_matters_on_add(superuser_client, name, matter):
    template = RecordType.objects.get(code="XZJL")
    payload = admin_payload(template, code="NEWX", name=name, default_policy="")
    response = superuser_client.post("/admin/catalog/recordtype/add/", payload)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"不得纳入公共信用信息目录：信息类别“{name}”涉及“{matter}”" in body
    assert not RecordType.objects.filter(code="NEWX").exists()


def test_admin_add_creates_through_the_service(superuser_client):
    template = RecordType.objects.get(code="XZJL")
    fields = [
        {"code": "DX_MC", "label": "主体名称", "type": "text", "max_length": 200, "required": True}
    ]
    payload = admin_payload(
        template, code="dxxx", name="测试类别", fields=json.dumps(fields, ensure_ascii=False)
    )
    response = superuser_client.post("/admin/catalog/recordtype/add/", payload)
    assert response.status_code == 302
    rt = RecordType.objects.get(code="DXXX")
    assert rt.fields == fields and rt.version == 1
    assert Event.objects.order_by("-id").first().action == "catalog.record_type_created"


def test_admin_broken_field_json_is_a_form_error(superuser_client):
    rt = RecordType.objects.get(code="XZJL")
    response = superuser_client.post(
        f"/admin/catalog/recordtype/{rt.pk}/change/",
        admin_payload(rt, fields='[{"code": "JL_MC", "label": "x", "type": "text"}]'),
    )
    assert response.status_code == 200
    assert (
        "字段定义有误：第 1 个字段（JL_MC）：文本和代码类型必须设置最大长度"
        in response.content.decode()
    )
    bad_json = superuser_client.post(
        f"/admin/catalog/recordtype/{rt.pk}/change/", admin_payload(rt, fields="[{")
    )
    assert bad_json.status_code == 200


def test_admin_pages_render(superuser_client):
    for url in (
        "/admin/catalog/recordtype/",
        "/admin/catalog/publicitypolicy/",
        "/admin/catalog/forbiddenmatter/",
        "/admin/catalog/forbiddenmatter/add/",
        "/admin/catalog/publicitypolicy/add/",
    ):
        assert superuser_client.get(url).status_code == 200, url


def test_admin_policy_and_matter_forms_use_the_services(superuser_client):
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
            "legal_basis": "测试依据",
            "effective_from": "2025-01-01",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "最短公示期不能长于最长公示期" in response.content.decode()
    response = superuser_client.post(
        "/admin/catalog/forbiddenmatter/add/",
        {
            "code": "TINGCHE",
            "name": "违章停车",
            "keywords_text": "违章停车、乱停车",
            "reason": "测试理由",
            "basis": "测试依据",
            "active": "on",
        },
    )
    assert response.status_code == 302
    matter = ForbiddenMatter.objects.get(code="TINGCHE")
    assert matter.keywords == ["违章停车", "乱停车"]
    event = Event.objects.order_by("-id").first()
    assert (event.action, event.actor.username) == ("catalog.forbidden_matter_created", "boss")
