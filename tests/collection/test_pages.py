"""The collection workspace pages: who sees what, upload with progress, declarations,
downloads, the single-record form."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.test import Client

from xinyong.collection import views
from xinyong.collection.models import Batch, MonthlyDeclaration
from xinyong.core.models import ReadLog
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord

from .qhelpers import batch, penalty_row, record, unit, user

pytestmark = pytest.mark.django_db


def _client(u: Any) -> Client:
    client = Client()
    client.force_login(u)
    return client


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "reporter": user("p_rep", Role.REPORTER, "区市场监管局"),
        "other": user("p_other", Role.REPORTER, "区人社局"),
        "admin": user("p_admin", Role.CREDIT_ADMIN, "区发改委"),
        "leader": user("p_leader", Role.LEADER),
    }


@pytest.fixture
def data() -> dict[str, Any]:
    scj, rsj = unit("区市场监管局"), unit("区人社局")
    own_batch = batch(scj, reported=date(2026, 10, 20), rows=12, rejected=2)
    foreign_batch = batch(rsj, reported=date(2026, 10, 12), rows=1)
    own = record(
        scj,
        "北市监罚〔2026〕1号",
        decided=date(2026, 10, 9),
        reported=date(2026, 10, 20),
        batch=own_batch,
    )
    foreign = record(
        rsj, "北人社罚〔2026〕1号", decided=date(2026, 10, 9), reported=date(2026, 10, 12)
    )
    return {
        "scj": scj,
        "rsj": rsj,
        "own_batch": own_batch,
        "foreign_batch": foreign_batch,
        "own": own,
        "foreign": foreign,
    }


PAGES = (
    "/workspace/collection/",
    "/workspace/collection/upload/",
    "/workspace/collection/batches/",
    "/workspace/collection/records/",
    "/workspace/collection/templates/",
    "/workspace/collection/entry/",
)


def test_anonymous_is_sent_to_login(data: dict[str, Any]) -> None:
    client = Client()
    for url in (
        *PAGES,
        f"/workspace/collection/units/{data['scj'].pk}/",
        f"/workspace/collection/records/{data['own'].pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_reporter_sees_only_own_unit(people: dict[str, Any], data: dict[str, Any]) -> None:
    client = _client(people["reporter"])
    overview = client.get("/workspace/collection/")
    assert overview.status_code == 302 and overview["Location"].endswith(
        f"/units/{data['scj'].pk}/"
    )
    page = client.get(f"/workspace/collection/units/{data['scj'].pk}/?year=2026")
    assert page.status_code == 200
    assert "区市场监管局 · 归集质量（2026年）" in page.content.decode()
    assert "及时率 = 自决定日期起 7 个工作日内" in page.content.decode()
    assert client.get(f"/workspace/collection/units/{data['rsj'].pk}/").status_code == 403
    assert (
        client.get(f"/workspace/collection/batches/{data['foreign_batch'].pk}/").status_code == 404
    )
    assert client.get(f"/workspace/collection/records/{data['foreign'].pk}/").status_code == 404
    assert client.get(f"/workspace/collection/batches/{data['own_batch'].pk}/").status_code == 200
    assert client.get(f"/workspace/collection/records/{data['own'].pk}/").status_code == 200
    listing = client.get("/workspace/collection/records/").content.decode()
    assert "北市监罚〔2026〕1号" in listing and "北人社罚〔2026〕1号" not in listing
    batches = client.get("/workspace/collection/batches/").content.decode()
    assert (
        f"/batches/{data['own_batch'].pk}/" in batches
        and f"/batches/{data['foreign_batch'].pk}/" not in batches
    )
    assert client.get("/workspace/collection/report.xlsx?period=2026-10").status_code == 403
    assert client.get(f"/workspace/collection/batches/?unit={data['rsj'].pk}").status_code == 403


def test_leader_and_admin_overview(people: dict[str, Any], data: dict[str, Any]) -> None:
    for who in ("leader", "admin"):
        client = _client(people[who])
        page = client.get("/workspace/collection/?period=2026-10")
        assert page.status_code == 200
        html = page.content.decode()
        assert "全区归集情况 · 2026年10月" in html
        assert "区纪委监委" in html and "row-silent" in html  # a silent unit is listed and marked
        assert "北关区2026年10月公共信用信息归集情况通报" in html
        assert client.get(f"/workspace/collection/units/{data['rsj'].pk}/").status_code == 200
        assert client.get(f"/workspace/collection/records/{data['foreign'].pk}/").status_code == 200
    bad = _client(people["leader"]).get("/workspace/collection/?period=2026-99")
    assert bad.status_code == 200 and "统计期间不正确" in bad.content.decode()
    assert _client(people["leader"]).get("/workspace/collection/upload/").status_code == 403
    assert _client(people["leader"]).get("/workspace/collection/entry/").status_code == 403


def test_report_downloads(people: dict[str, Any], data: dict[str, Any]) -> None:
    client = _client(people["admin"])
    xlsx = client.get("/workspace/collection/report.xlsx?period=2026-10")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["通报"]
    assert sheet["A1"].value == "北关区2026年10月公共信用信息归集情况通报"
    pdf = client.get("/workspace/collection/report.pdf?period=2026-10")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/workspace/collection/report.doc?period=2026-10").status_code == 404
    bad = client.get("/workspace/collection/report.xlsx?period=abc")
    assert bad.status_code == 302


def test_declaration_form(people: dict[str, Any], data: dict[str, Any]) -> None:
    url = f"/workspace/collection/units/{data['scj'].pk}/"
    client = _client(people["reporter"])
    response = client.post(
        url, {"record_type": "XZCF", "period": "2026-10", "count": "12", "note": ""}
    )
    assert response.status_code == 302
    assert (
        MonthlyDeclaration.objects.get(unit=data["scj"], year=2026, month=10).declared_count == 12
    )
    page = client.get(url + "?year=2026").content.decode()
    assert "报送数少于申报数" in page  # 1 reported against 12 declared
    invalid = client.post(url, {"record_type": "XZCF", "period": "2026-10", "count": "-3"})
    assert invalid.status_code == 200 and "决定数不能小于 0" in invalid.content.decode()
    wrong_month = client.post(url, {"record_type": "XZCF", "period": "十月", "count": "3"})
    assert "统计月份格式不正确" in wrong_month.content.decode()
    assert (
        _client(people["leader"])
        .post(url, {"record_type": "XZCF", "period": "2026-10", "count": "1"})
        .status_code
        == 403
    )
    assert (
        _client(people["other"])
        .post(url, {"record_type": "XZCF", "period": "2026-10", "count": "1"})
        .status_code
        == 403
    )


def _csv(rows: list[dict[str, str]]) -> bytes:
    headers = list(rows[0])
    lines = [",".join(headers)] + [",".join(r[h] for h in headers) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_upload_end_to_end(people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "RUN_IN_BACKGROUND", False)
    client = _client(people["reporter"])
    rows = [penalty_row(11), penalty_row(13), {**penalty_row(14), "CF_XDR_LB": "外星人"}]
    upload = io.BytesIO(_csv(rows))
    upload.name = "10月处罚.csv"
    response = client.post("/workspace/collection/upload/", {"record_type": "XZCF", "file": upload})
    assert response.status_code == 302
    progress = client.get(response["Location"])
    assert progress.status_code == 302
    result = client.get(progress["Location"])
    html = result.content.decode()
    batch_obj = Batch.objects.get()
    assert (batch_obj.rows, batch_obj.accepted, batch_obj.rejected) == (3, 2, 1)
    assert batch_obj.unit.name == "区市场监管局"
    assert (
        "退回数据（1 行）" in html
        and "<td>4</td><td>CF_XDR_LB</td>" in html
        and "“外星人”不是可选值" in html
    )
    assert "文书号不连续" in html  # 11 and 13 arrived, 12 is missing
    rejected = client.get(f"/workspace/collection/batches/{batch_obj.pk}/rejected.xlsx")
    assert rejected.status_code == 200
    assert (
        _client(people["other"])
        .get(f"/workspace/collection/batches/{batch_obj.pk}/rejected.xlsx")
        .status_code
        == 404
    )
    # Another user cannot follow the job.
    token = response["Location"].rstrip("/").split("/")[-1]
    assert _client(people["other"]).get(f"/workspace/collection/upload/{token}/").status_code == 404


def test_upload_refusals(people: dict[str, Any]) -> None:
    client = _client(people["reporter"])
    wrong = io.BytesIO(b"hello")
    wrong.name = "a.pdf"
    response = client.post("/workspace/collection/upload/", {"record_type": "XZCF", "file": wrong})
    assert response.status_code == 200 and "只能上传 CSV 或 XLSX 文件" in response.content.decode()
    missing = client.post("/workspace/collection/upload/", {"record_type": "XZCF"})
    assert "请选择要上传的文件" in missing.content.decode()
    form = client.get("/workspace/collection/upload/").content.decode()
    assert "报送单位：区市场监管局" in form and 'name="unit"' not in form
    admin_form = _client(people["admin"]).get("/workspace/collection/upload/").content.decode()
    assert 'name="unit"' in admin_form and 'name="reported_on"' in admin_form


def test_progress_fragment_while_running(people: dict[str, Any]) -> None:
    job = views.UploadJob(
        token="tok-running",
        user_id=people["reporter"].pk,
        filename="大文件.xlsx",
        done=5000,
        total=20000,
    )
    views._jobs[job.token] = job
    try:
        client = _client(people["reporter"])
        fragment = client.get("/workspace/collection/upload/tok-running/", HTTP_HX_REQUEST="true")
        html = fragment.content.decode()
        assert fragment.status_code == 200
        assert (
            "已处理 <strong>5000</strong> / 20000 行（25%）" in html
            and 'hx-trigger="every 1s"' in html
        )
        assert "<html" not in html
        job.status, job.batch_id = "done", 4242
        done = client.get("/workspace/collection/upload/tok-running/", HTTP_HX_REQUEST="true")
        assert (
            done.status_code == 204 and done["HX-Redirect"] == "/workspace/collection/batches/4242/"
        )
        job.status, job.message = "failed", "文件无法读取：缺少必填列 行政相对人名称"
        failed = client.get("/workspace/collection/upload/tok-running/")
        assert "缺少必填列" in failed.content.decode()
    finally:
        views._jobs.pop("tok-running", None)


def test_template_download_and_list(people: dict[str, Any]) -> None:
    client = _client(people["reporter"])
    assert "行政处罚" in client.get("/workspace/collection/templates/").content.decode()
    response = client.get("/workspace/collection/templates/XZCF.xlsx")
    assert response.status_code == 200
    assert "*行政相对人名称" in [
        c.value for c in openpyxl.load_workbook(io.BytesIO(response.content))["数据"][1]
    ]
    assert client.get("/workspace/collection/templates/NOPE.xlsx").status_code == 404


def test_records_filters_and_detail(people: dict[str, Any], data: dict[str, Any]) -> None:
    scj = data["scj"]
    record(
        scj,
        "北市监罚〔2026〕2号",
        decided=date(2026, 9, 1),
        reported=date(2026, 10, 20),
        late=True,
        party="北关区甲乙商店",
    )
    person = record(
        scj,
        "北市监罚〔2026〕3号",
        decided=date(2026, 10, 9),
        reported=date(2026, 10, 20),
        party="李大明",
        person=True,
    )
    client = _client(people["reporter"])
    late = client.get("/workspace/collection/records/?late=on").content.decode()
    assert "北市监罚〔2026〕2号" in late and "北市监罚〔2026〕1号" not in late
    text = client.get("/workspace/collection/records/?q=甲乙").content.decode()
    assert "北关区甲乙商店" in text and "北市监罚〔2026〕3号" not in text
    ranged = client.get(
        "/workspace/collection/records/?date_from=2026-10-01&date_to=2026-10-31"
    ).content.decode()
    assert "北市监罚〔2026〕2号" not in ranged and "北市监罚〔2026〕1号" in ranged
    invalid = client.get("/workspace/collection/records/?date_from=2026-10-31&date_to=2026-10-01")
    assert invalid.status_code == 200 and "起始日期不能晚于截止日期" in invalid.content.decode()
    listing = client.get("/workspace/collection/records/").content.decode()
    assert "李大明" not in listing  # masked in the list
    before = ReadLog.objects.count()
    detail = client.get(f"/workspace/collection/records/{person.pk}/").content.decode()
    assert "李大明" in detail and "行政处罚决定书文号" in detail
    assert ReadLog.objects.count() == before + 1
    assert client.get("/workspace/collection/records/?unit=999999").status_code == 200


def test_single_record_form(people: dict[str, Any]) -> None:
    client = _client(people["reporter"])
    page = client.get("/workspace/collection/entry/?type=XZCF").content.decode()
    assert 'name="CF_XDR_MC"' in page and "行政相对人名称" in page
    bad = {**penalty_row(21), "type": "XZCF", "CF_JDRQ": "2026-02-30"}
    response = client.post("/workspace/collection/entry/?type=XZCF", bad)
    html = response.content.decode()
    assert response.status_code == 200 and 'class="field-errors"' in html
    assert CreditRecord.objects.count() == 0
    good = {**penalty_row(21), "type": "XZCF"}
    saved = client.post("/workspace/collection/entry/?type=XZCF", good)
    assert saved.status_code == 302
    stored = CreditRecord.objects.get()
    assert stored.document_number == "北市监罚〔2026〕21号"
    assert Batch.objects.filter(channel=Batch.Channel.FORM, accepted=1).count() == 1
    assert (
        "没有这个信息类别" in client.get("/workspace/collection/entry/?type=NOPE").content.decode()
    )


def test_navigation_lists_collection_pages(people: dict[str, Any]) -> None:
    def nav(who: str) -> str:
        html = _client(people[who]).get("/workspace/").content.decode()
        return html[html.index('<nav class="ws-nav"') : html.index("</nav>")]

    reporter_home = nav("reporter")
    assert (
        "本单位归集质量" in reporter_home
        and "数据上传" in reporter_home
        and "全区归集情况" not in reporter_home
    )
    leader_home = nav("leader")
    assert "全区归集情况" in leader_home and "数据上传" not in leader_home
