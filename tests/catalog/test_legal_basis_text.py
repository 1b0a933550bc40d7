"""A legal basis must name a document (国办发〔2020〕49号; 《河南省社会信用条例》第十一条、
第三十一条): a title in 《》 that is a real title, or a document number such as
国发〔2016〕33号. Text like “无”, “见附件” or the docs' old template “《……》第……条” is
refused by the catalogue (service, admin, CLI load) and by the measures list, and the
于法有据 report flags whatever slipped in around them."""

from __future__ import annotations

import json
import re
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from xinyong.catalog import services
from xinyong.catalog.models import RecordType
from xinyong.core.errors import DomainError
from xinyong.core.legal_basis import basis_problem
from xinyong.sanctions import measures
from xinyong.sanctions.models import ListType, Matter, Measure

REPO = Path(__file__).resolve().parents[2]

ZYZG = {
    "code": "ZYZG",
    "name": "职业资格",
    "category": "qualification",
    "nature": "neutral",
    "sharing": "public",
    "subject_types": ["自然人"],
    "update_cycle": "monthly",
    "fields": [
        {"code": "ZG_XM", "label": "姓名", "type": "text", "max_length": 50, "required": True},
    ],
}

PLACEHOLDER_BASES = ["无", "暂无", "见附件", "《……》第……条"]


# ---------------------------------------------------------------- the rule itself


@pytest.mark.parametrize(
    "text",
    [
        "《中华人民共和国行政处罚法》第四十八条",
        "《宪法》",
        "《民法典》第一千零三十四条",
        "《国务院办公厅印发〈关于进一步完善信用修复制度的实施方案〉的通知》",
        "国发〔2016〕33号",
        "发改办财金[2018]424号",
        "国办发(2020)49号",
        "国办发（2020）49号",
        "北信用办〔2023〕1号《2023年北关区社会信用体系建设工作方案》",
        "依据 法释〔2015〕17号 第三条",
    ],
)
def test_a_named_document_is_a_basis(text):
    assert basis_problem(text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "缺少法律依据"),
        ("   ", "缺少法律依据"),
        ("无", "未写明任何法律、法规、规章或政策文件"),
        ("暂无", "未写明任何法律、法规、规章或政策文件"),
        ("见附件", "未写明任何法律、法规、规章或政策文件"),
        ("有关规定第三条", "未写明任何法律、法规、规章或政策文件"),
        ("《……》第……条", "书名号内只有占位符，未写明文件名称"),
        ("《…》", "书名号内只有占位符，未写明文件名称"),
        ("《》", "书名号内只有占位符，未写明文件名称"),
        ("《XX法》第X条", "书名号内只有占位符，未写明文件名称"),
        ("《××条例》", "书名号内只有占位符，未写明文件名称"),
        ("《某某管理办法》", "书名号内只有占位符，未写明文件名称"),
        ("《中华人民共和国XX法》", "书名号内只有占位符，未写明文件名称"),
        ("XX发〔20XX〕X号", "未写明任何法律、法规、规章或政策文件"),
        ("某某发〔2020〕1号", "未写明任何法律、法规、规章或政策文件"),
    ],
)
def test_text_naming_no_document_is_refused_with_the_reason(text, reason):
    problem = basis_problem(text)
    assert problem is not None and reason in problem
    if text.strip():
        # The reason says what to write instead.
        assert "《中华人民共和国行政处罚法》第四十八条" in problem
        assert "发改办财金〔2018〕424号" in problem


# ---------------------------------------------------------------- catalogue


@pytest.mark.django_db
@pytest.mark.parametrize("basis", PLACEHOLDER_BASES)
def test_catalogue_service_refuses_a_placeholder_basis(basis):
    with pytest.raises(DomainError) as exc:
        services.create_record_type(actor=None, legal_basis=basis, **ZYZG)
    assert exc.value.code == "no_legal_basis"
    assert exc.value.message.startswith(f"缺少法律依据：信息类别“职业资格”的法律依据“{basis}”")
    assert "第十一条" in exc.value.message
    assert not RecordType.objects.filter(code="ZYZG").exists()


@pytest.mark.django_db
def test_catalogue_update_cannot_replace_a_basis_with_a_placeholder():
    rt = RecordType.objects.get(code="XZCF")
    with pytest.raises(DomainError, match="法律依据“暂无”不是有效的引用：未写明任何法律"):
        services.update_record_type(actor=None, record_type=rt, legal_basis="暂无")
    rt.refresh_from_db()
    assert rt.legal_basis.startswith("《中华人民共和国行政处罚法》第四十八条")
    assert rt.version == 1


@pytest.mark.django_db
def test_catalogue_accepts_a_real_basis():
    rt = services.create_record_type(
        actor=None, legal_basis="《中华人民共和国劳动法》第六十九条", **ZYZG
    )
    assert (rt.code, rt.version) == ("ZYZG", 1)


@pytest.mark.django_db
def test_admin_add_form_refuses_legal_basis_wu():
    user = get_user_model().objects.create_superuser(
        username="basis_boss", password="x-Very-Long-Pass-1"
    )
    client = Client()
    client.force_login(user)
    payload = {
        **{k: v for k, v in ZYZG.items() if k != "fields"},
        "fields": json.dumps(ZYZG["fields"], ensure_ascii=False),
        "legal_basis": "无",
        "active": "on",
        "sort_order": 0,
    }
    response = client.post("/admin/catalog/recordtype/add/", payload)
    assert response.status_code == 200
    assert "缺少法律依据：信息类别“职业资格”的法律依据“无”" in response.content.decode()
    assert not RecordType.objects.filter(code="ZYZG").exists()


def _docs_template() -> dict:
    text = (REPO / "docs" / "catalog.md").read_text(encoding="utf-8")
    block = re.search(r'```json\n(\{"kind": "record_types".*?)```', text, re.S)
    assert block is not None
    return json.loads(block.group(1))


@pytest.mark.django_db
def test_cli_load_refuses_the_placeholder_template_and_loads_the_documented_one(tmp_path):
    data = _docs_template()
    assert basis_problem(data["items"][0]["legal_basis"]) is None
    placeholder = json.loads(json.dumps(data))
    placeholder["items"][0]["legal_basis"] = "《……》第……条"
    path = tmp_path / "ZYZG.json"
    path.write_text(json.dumps(placeholder, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="书名号内只有占位符"):
        call_command("catalog", "load", str(path), stdout=StringIO())
    assert not RecordType.objects.filter(code="ZYZG").exists()

    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("catalog", "load", str(path), stdout=StringIO())
    assert RecordType.objects.get(code="ZYZG").legal_basis == data["items"][0]["legal_basis"]


# ---------------------------------------------------------------- measures and the report


def _save_measure(basis: str) -> Measure:
    return measures.save_measure(
        actor=None,
        code="T-1",
        name="测试措施",
        kind="punishment",
        legal_basis=basis,
        list_type_codes=["SX_BZXR"],
        matter_codes=["PROCUREMENT"],
        unit_names=["区财政局"],
        effective_from=date(2026, 1, 1),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("basis", ["《……》第……条", "见附件", "《XX法》第X条"])
def test_measure_with_a_placeholder_basis_is_refused(basis):
    with pytest.raises(DomainError, match=f"法律依据“{re.escape(basis)}”不是有效的引用"):
        _save_measure(basis)
    assert not Measure.objects.filter(code="T-1").exists()
    assert _save_measure("《中华人民共和国政府采购法》第二十二条").code == "T-1"


@pytest.mark.django_db
def test_compliance_report_flags_placeholder_bases():
    on = date(2026, 3, 2)
    RecordType.objects.create(
        code="ZYZG",
        name="职业资格",
        category="qualification",
        subject_types=["自然人"],
        legal_basis="无",
        fields=ZYZG["fields"],
    )
    Measure.objects.filter(code="P-WAGES").update(legal_basis="《……》第……条")
    ListType.objects.filter(code="WATCH").update(legal_basis="见附件")

    report = measures.compliance_report(actor=None, on=on)
    rows = {r.code: r for r in report.flagged}
    assert sorted(rows) == ["P-WAGES", "WATCH", "ZYZG"]
    assert rows["ZYZG"].status == "存在问题"
    assert rows["ZYZG"].problems == [basis_problem("无")]
    assert "未写明任何法律、法规、规章或政策文件" in rows["ZYZG"].problems[0]
    assert "书名号内只有占位符" in rows["P-WAGES"].problems[0]

    out = StringIO()
    call_command("sanctions", "compliance", "--on", "2026-03-02", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["all_lawful"] is False
    row = next(r for r in data["rows"] if r["code"] == "ZYZG")
    assert (row["basis"], row["ok"]) == ("无", False)


@pytest.mark.django_db
def test_a_measure_with_a_placeholder_basis_is_never_applied():
    wages = ListType.objects.get(code="SX_WAGES")
    procurement = Matter.objects.get(code="PROCUREMENT")
    on = date(2026, 3, 2)
    before = [
        m.code for m in measures.applicable_measures(list_type=wages, matter=procurement, on=on)
    ]
    assert "P-PROCUREMENT" in before
    Measure.objects.filter(code="P-PROCUREMENT").update(legal_basis="《……》第……条")
    after = [
        m.code for m in measures.applicable_measures(list_type=wages, matter=procurement, on=on)
    ]
    assert after == [c for c in before if c != "P-PROCUREMENT"]


# ---------------------------------------------------------------- shipped data


def _shipped_bases() -> list[tuple[str, str]]:
    out = []
    for name in ("record_types.json", "measures.json", "list_types.json"):
        for path in sorted((REPO / "src" / "xinyong").glob(f"*/data/{name}")):
            data = json.loads(path.read_text(encoding="utf-8-sig"))
            items = data["items"] if isinstance(data, dict) else data
            for item in items:
                out.append((f"{path.relative_to(REPO)}:{item['code']}", item["legal_basis"]))
    return out


def test_every_shipped_item_names_a_document():
    shipped = _shipped_bases()
    assert len(shipped) >= 13 + 16 + 7
    assert [(where, basis_problem(b)) for where, b in shipped if basis_problem(b)] == []


@pytest.mark.django_db
def test_fresh_installation_is_all_lawful():
    report = measures.compliance_report(actor=None, on=date(2026, 3, 2))
    assert report.flagged == []
    assert RecordType.objects.count() >= 13
