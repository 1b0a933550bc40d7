"""API endpoints and the `xinyong personnel` command: who may call what, what comes back,
refusals logged."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from xinyong.core.models import Event, ReadLog
from xinyong.personnel import services
from xinyong.personnel.models import FileItem, Nomination, Person

from .conftest import LI, WANG, dishonesty

pytestmark = pytest.mark.django_db
OPEN = "/api/v1/personnel/files/open/"


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_open_api(users, wang):
    assert api().post(OPEN, {"id_number": WANG, "purpose": "考察"}, format="json").status_code in (
        401,
        403,
    )
    ok = api(users["zzb"]).post(OPEN, {"id_number": WANG, "purpose": "干部考察"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["files"][0]["summary"]["commendations"] == 1
    assert ReadLog.objects.filter(subject_id=str(wang.pk)).count() == 1
    refused = api(users["admin"]).post(OPEN, {"id_number": WANG, "purpose": "看看"}, format="json")
    assert refused.status_code == 403 and "无权查阅" in refused.json()["detail"]
    assert Event.objects.filter(action="personnel.file.refused", actor=users["admin"]).exists()
    bad = api(users["zzb"]).post(OPEN, {"id_number": "123", "purpose": "干部考察"}, format="json")
    assert bad.status_code == 400 and "身份证号码无效" in bad.json()["detail"]
    missing = api(users["zzb"]).post(OPEN, {"id_number": WANG}, format="json")
    assert missing.status_code == 400 and "查阅用途" in missing.json()["detail"]


def test_person_file_api(users, wang):
    url = f"/api/v1/personnel/persons/{wang.pk}/file/"
    # A purpose of invisible characters is no purpose (every read is logged with one).
    before = ReadLog.objects.count()
    blank = api(users["scj_leader"]).get(url, {"purpose": "\x00\x00\x00"})
    assert blank.status_code == 400 and "控制字符" in blank.json()["detail"]
    assert ReadLog.objects.count() == before
    assert api(users["scj_leader"]).get(url, {"purpose": "年度考核"}).status_code == 200
    assert api(users["zjj_leader"]).get(url, {"purpose": "年度考核"}).status_code == 403
    assert api(users["zzb"]).get(url).status_code == 400
    # No file with the id: the same 403 as a file the caller may not read.
    assert api(users["zzb"]).get("/api/v1/personnel/persons/99999/file/").status_code == 403


def test_item_exemption_revoke_api(users, wang):
    payload = {
        "person": wang.pk,
        "kind": "dishonesty",
        "title": "诫勉谈话",
        "dishonesty_source": "纪律处分",
        "issuer": "中共北关区纪律检查委员会",
        "source_unit": "区纪委监委",
        "document_number": "北纪诫〔2025〕7号",
        "document_date": "2025-06-10",
    }
    assert (
        api(users["scj_leader"])
        .post("/api/v1/personnel/items/", payload, format="json")
        .status_code
        == 403
    )
    created = api(users["zzb"]).post("/api/v1/personnel/items/", payload, format="json")
    assert created.status_code == 201 and created.json()["counts_as_dishonesty"] is True
    pk = created.json()["id"]
    exemption = {
        "ground": "good_faith",
        "body": "中共北关区纪律检查委员会",
        "document": "北纪容〔2025〕3号",
        "decided_on": "2025-08-20",
        "reason": "无意过失",
    }
    url = f"/api/v1/personnel/items/{pk}/exemption/"
    assert api(users["admin"]).post(url, exemption, format="json").status_code == 403
    done = api(users["zzb"]).post(url, exemption, format="json")
    assert done.status_code == 200 and done.json()["counts_as_dishonesty"] is False
    # The answer is the item's status, not its content (that is read with a purpose).
    assert "exemption" not in done.json() and "title" not in done.json()
    revoke = api(users["zzb"]).post(
        f"/api/v1/personnel/items/{pk}/revoke/", {"reason": "录入错误"}, format="json"
    )
    assert revoke.status_code == 200 and revoke.json()["status"] == "revoked"
    assert (
        api(users["zzb"])
        .post("/api/v1/personnel/items/999/revoke/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )


def test_nomination_api_and_public_list(users, wang):
    body = {
        "kind": "excellent_worker",
        "year": 2025,
        "deeds": "事迹突出",
        "person_id_number": WANG,
        "person_name": "王建国",
    }
    assert (
        api(users["bank"]).post("/api/v1/personnel/nominations/", body, format="json").status_code
        == 403
    )
    # The unit's head reads and never writes (orgs.permissions): its staff nominate.
    refused = api(users["scj_leader"]).post("/api/v1/personnel/nominations/", body, format="json")
    assert refused.status_code == 403
    assert "只有信用办和各单位工作人员可以推荐诚信典型" in refused.json()["detail"]
    created = api(users["scj_reporter"]).post("/api/v1/personnel/nominations/", body, format="json")
    assert created.status_code == 201 and created.json()["nominee"] == "王**（区市场监管局）"
    pk = created.json()["id"]
    assert api(users["scj_leader"]).get("/api/v1/personnel/nominations/").json()["count"] == 1
    assert api(users["zjj_leader"]).get("/api/v1/personnel/nominations/").json()["count"] == 0
    assert api(users["admin"]).get("/api/v1/personnel/nominations/").json()["count"] == 1
    decide = f"/api/v1/personnel/nominations/{pk}/decide/"
    assert (
        api(users["scj_leader"])
        .post(decide, {"selected": True, "document": "x"}, format="json")
        .status_code
        == 403
    )
    ok = api(users["admin"]).post(
        decide, {"selected": True, "document": "北信用办〔2025〕9号"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "selected"
    public = api().get("/api/v1/personnel/honours/", {"year": 2025})
    assert public.status_code == 200
    row = public.json()["results"][0]
    assert row["nominee"] == "王**（区市场监管局）" and WANG not in json.dumps(public.json())
    assert api().get("/api/v1/personnel/honours/", {"year": "abc"}).status_code == 400
    # "²" passes str.isdigit() but is no year: a 400, not a 500.
    odd = api().get("/api/v1/personnel/honours/", {"year": "²"})
    assert odd.status_code == 400 and "年度“²”无效" in odd.json()["detail"]
    wrong = api(users["scj_reporter"]).post(
        "/api/v1/personnel/nominations/", {**body, "kind": "nope"}, format="json"
    )
    assert wrong.status_code == 400


def test_unit_and_community_nominations(users, honour_kinds):
    with pytest.raises(Exception, match="只能推荐本单位"):
        services.nominate(
            actor=users["scj_reporter"],
            kind=honour_kinds["model_organ"],
            year=2025,
            unit="区税务局",
            deeds="x",
        )
    with pytest.raises(Exception, match="只能推荐街道"):
        services.nominate(
            actor=users["zzb"],
            kind=honour_kinds["model_community"],
            year=2025,
            unit="区税务局",
            deeds="x",
        )
    n = services.nominate(
        actor=users["zzb"],
        kind=honour_kinds["model_community"],
        year=2025,
        unit="红旗路街道",
        community="健康路社区",
        deeds="社区诚信宣传全覆盖",
    )
    assert n.nominee_label == "红旗路街道健康路社区"
    with pytest.raises(Exception, match="已推荐过"):
        services.nominate(
            actor=users["zzb"],
            kind=honour_kinds["model_community"],
            year=2025,
            unit="红旗路街道",
            community="健康路社区",
            deeds="y",
        )
    declined = services.decide_nomination(
        actor=users["admin"], nomination=n, selected=False, note="材料不全"
    )
    assert declined.status == Nomination.Status.NOT_SELECTED


def test_cli_file_prints_for_authorised_and_refuses_others(users, wang, capsys):
    dishonesty(users["zzb"], wang, "北纪诫〔2025〕7号", date(2025, 6, 10))
    call_command("personnel", "file", "--id-number", WANG, "--purpose", "干部考察", "--as", "t_zzb")
    out = capsys.readouterr().out
    assert "【公务员档案】王建国（410503********1217）区市场监管局 信用监管科科长" in out
    assert "计入的一般失信 1 项" in out and "[计入失信]" in out
    assert ReadLog.objects.filter(subject_id=str(wang.pk), channel="cli").count() == 1
    with pytest.raises(CommandError, match="无权查阅"):
        call_command(
            "personnel", "file", "--id-number", WANG, "--purpose", "看看", "--as", "t_admin"
        )
    assert Event.objects.filter(
        action="personnel.file.refused", actor=users["admin"], channel="cli"
    ).exists()
    with pytest.raises(CommandError, match="不存在或已停用"):
        call_command(
            "personnel", "file", "--id-number", WANG, "--purpose", "看看", "--as", "nobody"
        )


def test_cli_import_row_errors_then_success(users, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "档案类别,姓名,身份证号码,所在单位,事项类别,考核年度,考核等次,作出机关,文书号,文书日期,免责情形\n"
        f"公务员,李红梅,{LI},区住建局,年度考核,2025,良好,区住建局,北住建人〔2026〕2号,2026-01-22,\n"
        "公务员,张三,123,区住建局,表彰奖励,,,区委,北文〔2025〕1号,2025-01-01,\n"
        f"教师,李红梅,{LI},区住建局,表彰奖励,,,区委,北文〔2025〕1号,2025-01-01,\n"
        f"公务员,李红梅,{LI},区住建局,表彰奖励,,,区委,北文〔2025〕2号,2025-13-01,\n"
        f"公务员,李红梅,{LI},区住建局,表彰奖励,,,区委,北文〔2025〕3号,2025-01-01,不可抗力\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="文件有 5 处错误，未导入"):
        call_command("personnel", "import", str(bad), "--as", "t_zzb")
    out = capsys.readouterr().out
    assert "第 2 行 考核等次：考核等次“良好”无效" in out
    assert "第 3 行 身份证号码：身份证号码无效" in out
    assert "第 4 行 档案类别：档案类别“教师”不存在" in out
    assert "第 5 行 文书日期：文书日期" in out
    assert "第 6 行 事项：请填写事项名称" in out
    assert not Person.objects.filter(id_number=LI).exists()
    good = tmp_path / "good.csv"
    good.write_text(
        "档案类别,姓名,身份证号码,所在单位,事项类别,事项,失信来源,作出机关,文书号,文书日期,"
        "免责情形,免责认定机关,免责文书号,免责认定日期,免责理由\n"
        f"公务员,李红梅,{LI},区住建局,一般失信,诫勉谈话,纪律处分,区纪委,北纪诫〔2025〕7号,2025年6月10日,"
        "改革创新中的无意过失,中共北关区纪律检查委员会,北纪容〔2025〕3号,2025-08-20,无意过失\n"
        f"公务员,李红梅,{LI},区住建局,表彰奖励,先进个人,,区委,北文〔2025〕3号,2025-01-01,,,,,\n",
        encoding="utf-8",
    )
    call_command("personnel", "import", str(good), "--as", "t_zzb", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "rows": 2,
        "persons_created": 1,
        "items_created": 2,
        "persons_updated": 0,
        "changes": [],
        "errors": [],
    }
    item = FileItem.objects.get(document_number="北纪诫〔2025〕7号")
    assert item.exempt and item.document_date == date(2025, 6, 10)
    with pytest.raises(CommandError, match="无权维护"):
        call_command("personnel", "import", str(good), "--as", "t_admin")
