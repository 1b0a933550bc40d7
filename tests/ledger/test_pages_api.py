"""Every page and endpoint of the ledger: what it returns and who may (not) see it."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from xinyong.ledger import services
from xinyong.ledger.models import Assignment, ProgressReport
from xinyong.orgs.models import Role

from .helpers import assignment, client, pdf, plan, user

pytestmark = pytest.mark.django_db

SCJ = "区市场监管局"
RSJ = "区人社局"


@pytest.fixture
def world():
    p = plan()
    people = {
        "admin": user("w_admin", Role.CREDIT_ADMIN, "区发改委"),
        "reporter": user("w_rsj", Role.REPORTER, RSJ),
        "reviewer": user("w_scj_rev", Role.REVIEWER, SCJ),
        "other": user("w_other", Role.REPORTER, "区财政局"),
        "leader": user("w_leader", Role.LEADER),
        "bank": user("w_bank", Role.BANK),
    }
    own = assignment(p, 5, RSJ)
    report = services.report_progress(
        actor=people["reporter"],
        assignment=own,
        claim="completed",
        narrative="双公示信息全部按时报送。",
        files=[pdf()],
    )
    item = services.open_supervision(
        actor=people["admin"],
        assignment=own,
        reason="请说明三季度情况。",
        due_on=date(2026, 12, 31),
    )
    bulletin = services.draft_bulletin(actor=people["admin"], plan=p, period="2026-10")
    return {"plan": p, "own": own, "report": report, "item": item, "bulletin": bulletin, **people}


def _status(who, url, world) -> int:
    c = Client() if who == "anon" else client(world[who])
    return c.get(url).status_code


PAGES = {
    "/workspace/ledger/": {
        "anon": 302,
        "reporter": 200,
        "reviewer": 200,
        "leader": 200,
        "admin": 200,
        "bank": 403,
    },
    "/workspace/ledger/review/": {
        "anon": 302,
        "reporter": 403,
        "reviewer": 200,
        "leader": 403,
        "admin": 200,
        "bank": 403,
    },
    "/workspace/ledger/activities/": {
        "anon": 302,
        "reporter": 200,
        "leader": 200,
        "admin": 200,
        "bank": 403,
    },
    "/workspace/ledger/supervision/": {
        "anon": 302,
        "reporter": 200,
        "leader": 200,
        "admin": 200,
        "bank": 403,
    },
    "/workspace/ledger/bulletins/": {
        "anon": 302,
        "reporter": 403,
        "reviewer": 403,
        "leader": 200,
        "admin": 200,
        "bank": 403,
    },
    "/workspace/ledger/assessment/": {
        "anon": 302,
        "reporter": 403,
        "leader": 200,
        "admin": 200,
        "bank": 403,
    },
    "/workspace/ledger/assessment/?format=xlsx": {
        "anon": 302,
        "reporter": 403,
        "leader": 200,
        "admin": 200,
    },
    "/workspace/ledger/dashboard/": {
        "anon": 302,
        "reporter": 403,
        "reviewer": 403,
        "leader": 200,
        "admin": 200,
        "bank": 403,
    },
    "/workspace/ledger/plans/": {"anon": 302, "reporter": 403, "leader": 200, "admin": 200},
}


@pytest.mark.parametrize("url", list(PAGES))
def test_page_access(world, url) -> None:
    for who, expected in PAGES[url].items():
        assert _status(who, url, world) == expected, (url, who)


def test_object_pages_are_scoped(world) -> None:
    own = f"/workspace/ledger/assignments/{world['own'].pk}/"
    assert _status("reporter", own, world) == 200
    assert _status("other", own, world) == 404
    assert _status("reviewer", own, world) == 200  # 区市场监管局 leads row 5
    assert _status("leader", own, world) == 200
    assert _status("anon", own, world) == 302
    item = f"/workspace/ledger/supervision/{world['item'].pk}/"
    assert _status("reporter", item, world) == 200
    assert _status("other", item, world) == 404
    evidence = world["report"].evidence.get()
    url = f"/workspace/ledger/evidence/{evidence.pk}/"
    assert _status("reporter", url, world) == 200
    assert _status("other", url, world) == 404
    bulletin = f"/workspace/ledger/bulletins/{world['bulletin'].pk}/"
    assert _status("leader", bulletin, world) == 200
    assert _status("reporter", bulletin, world) == 403
    assert _status("admin", bulletin + "x", world) == 404
    for fmt in ("xlsx", "pdf"):
        response = client(world["admin"]).get(
            f"/workspace/ledger/bulletins/{world['bulletin'].pk}.{fmt}"
        )
        assert response.status_code == 200
    assert (
        client(world["admin"])
        .get(f"/workspace/ledger/bulletins/{world['bulletin'].pk}.doc")
        .status_code
        == 404
    )


def test_home_lists_own_rows_and_filters(world) -> None:
    page = client(world["reporter"]).get("/workspace/ledger/?year=2026&row=5").content.decode()
    assert "区人社局" in page and "双公示" in page
    assert "区财政局" not in page
    mine = Assignment.objects.filter(row__plan=world["plan"], unit=world["reporter"].unit).count()
    listing = client(world["reporter"]).get("/workspace/ledger/?year=2026").content.decode()
    assert f"共 {mine} 条" in listing
    overdue = client(world["admin"]).get(
        "/workspace/ledger/?year=2026&overdue=1&status=not_reported"
    )
    assert overdue.status_code == 200
    assert client(world["admin"]).get("/workspace/ledger/?year=1999").status_code == 404


def test_reporting_and_review_through_the_pages(world) -> None:
    a = assignment(world["plan"], 2, RSJ)
    c = client(world["reporter"])
    response = c.post(
        f"/workspace/ledger/assignments/{a.pk}/report/",
        {
            "claim": "completed",
            "narrative": "已印发部门工作方案。",
            "links": "https://www.example.gov.cn/a.html",
        },
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(assignment=a)
    assert report.evidence.get().url == "https://www.example.gov.cn/a.html"
    # Bad input is a Chinese message, not a 500.
    response = c.post(f"/workspace/ledger/assignments/{a.pk}/report/", {"claim": "x"}, follow=True)
    assert "进展状态只能是" in response.content.decode()
    assert (
        client(world["leader"])
        .post(f"/workspace/ledger/assignments/{a.pk}/report/", {})
        .status_code
        == 403
    )
    foreign = assignment(world["plan"], 2, SCJ)
    assert c.post(f"/workspace/ledger/assignments/{foreign.pk}/report/", {}).status_code == 404
    assert (
        client(world["reporter"])
        .post(f"/workspace/ledger/reports/{report.pk}/review/", {})
        .status_code
        == 403
    )
    response = client(world["admin"]).post(
        f"/workspace/ledger/reports/{report.pk}/review/", {"decision": "accept"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == Assignment.Status.ACCEPTED


def test_supervision_page_actions(world) -> None:
    url = f"/workspace/ledger/supervision/{world['item'].pk}/"
    client(world["leader"]).post(url, {"action": "instruct", "text": "请抓紧办理。"})
    client(world["reporter"]).post(url, {"action": "respond", "response": "已补报。"})
    response = client(world["reporter"]).post(url, {"action": "close", "note": "x"}, follow=True)
    assert "只有信用办管理员" in response.content.decode()
    world["item"].refresh_from_db()
    assert world["item"].status == "answered"
    assert world["item"].instructions.get().text == "请抓紧办理。"


def test_dashboard_page_has_every_chart(world) -> None:
    page = client(world["leader"]).get("/workspace/ledger/dashboard/").content.decode()
    for element in ("chart-completion", "chart-blacklist", "chart-rights", "dashboard-data"):
        assert element in page
    assert "vendor/echarts.min.js" in page
    # 信易贷 and 政务诚信 panels show the metrics those apps register (未接入 otherwise).
    data = client(world["leader"]).get("/api/v1/ledger/dashboard/").json()
    assert data["finance"]["connected"] and data["integrity"]["connected"]
    labels = {i["label"] for i in data["finance"]["items"] + data["integrity"]["items"]}
    assert {"信用贷款发放额", "信易贷白名单在册企业数", "政务诚信未解除预警数"} <= labels
    # New arrears appear once, as the district figure, not again as the per-unit sum.
    arrears = [i["label"] for i in data["integrity"]["items"] if "新增拖欠" in i["label"]]
    assert arrears == ["全区新增拖欠中小企业账款笔数"]


API = {
    "/api/v1/ledger/rows/": {"reporter": 200, "leader": 200, "admin": 200, "bank": 403},
    "/api/v1/ledger/status/": {"reporter": 200, "leader": 200, "admin": 200, "bank": 403},
    "/api/v1/ledger/assessment/": {"reporter": 403, "leader": 200, "admin": 200, "bank": 403},
    "/api/v1/ledger/dashboard/": {"reporter": 403, "leader": 200, "admin": 200, "bank": 403},
}


@pytest.mark.parametrize("url", list(API))
def test_api_access(world, url) -> None:
    assert Client().get(url).status_code in (401, 403)
    for who, expected in API[url].items():
        assert _status(who, url, world) == expected, (url, who)


def test_api_rows_status_and_dashboard_content(world) -> None:
    rows = client(world["reporter"]).get("/api/v1/ledger/rows/?year=2026").json()
    assert rows["unit"] == RSJ
    row5 = next(r for r in rows["rows"] if r["number"] == 5)
    assert row5["status"] == "已报完成·待牵头单位审核"
    assert {t["code"] for t in row5["targets"]} == {
        "collection.late_rate",
        "collection.compliance_rate",
        "collection.report_rate",
    }
    all_rows = client(world["admin"]).get("/api/v1/ledger/rows/?year=2026").json()["rows"]
    assert len(all_rows) == 33
    assert (
        client(world["admin"]).get("/api/v1/ledger/rows/?unit=区不存在局").json()["code"]
        == "unknown_unit"
    )
    assert client(world["admin"]).get("/api/v1/ledger/rows/?year=abc").status_code == 400
    status = client(world["reporter"]).get("/api/v1/ledger/status/").json()
    assert [u["unit"] for u in status["units"]] == [RSJ]
    dash = client(world["leader"]).get("/api/v1/ledger/dashboard/?year=2026").json()
    assert dash["finance"]["connected"] is True
    assert dash["completion"]["totals"]["assignments"] == 930
    assert dash["completion"]["items"][0]["url"].startswith("/workspace/ledger/?")


def test_api_progress_and_review(world) -> None:
    a = assignment(world["plan"], 2, RSJ)
    c = client(world["reporter"])
    response = c.post(
        f"/api/v1/ledger/assignments/{a.pk}/reports/",
        {
            "claim": "in_progress",
            "narrative": "已起草工作方案。",
            "links": ["https://www.example.gov.cn/b.html"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["evidence"][0]["url"] == "https://www.example.gov.cn/b.html"
    response = c.post(
        f"/api/v1/ledger/assignments/{a.pk}/reports/",
        {"claim": "completed", "narrative": "已印发。", "files": pdf("方案.pdf")},
    )
    assert response.status_code == 201, response.content
    assert response.json()["evidence"][0]["name"] == "方案.pdf"
    bad = c.post(
        f"/api/v1/ledger/assignments/{a.pk}/reports/",
        {"claim": "done"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "进展状态" in bad.json()["detail"]
    foreign = assignment(world["plan"], 2, SCJ)
    assert (
        c.post(
            f"/api/v1/ledger/assignments/{foreign.pk}/reports/", {}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client(world["leader"])
        .post(f"/api/v1/ledger/assignments/{a.pk}/reports/", {}, content_type="application/json")
        .status_code
        == 403
    )
    report_id = response.json()["id"]
    assert (
        c.post(
            f"/api/v1/ledger/reports/{report_id}/review/",
            {"decision": "accept"},
            content_type="application/json",
        ).status_code
        == 403
    )
    ok = client(world["admin"]).post(
        f"/api/v1/ledger/reports/{report_id}/review/",
        {"decision": "return", "comment": "请补充。"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["review"] == "returned"
    detail = c.get(f"/api/v1/ledger/assignments/{a.pk}/").json()
    assert detail["status"] == "returned" and len(detail["reports"]) == 2
