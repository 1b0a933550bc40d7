"""Every POST form of the ledger pages: a refused submission shows the page again with
what the person typed and the Chinese reason, and saves nothing; a valid submission
still redirects (post/redirect/get)."""

from __future__ import annotations

from datetime import timedelta
from html import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinyong.ledger import services
from xinyong.ledger.models import (
    Activity,
    Assignment,
    Bulletin,
    Instruction,
    Plan,
    ProgressReport,
    SupervisionItem,
)
from xinyong.orgs.models import Role

from .helpers import assignment, client, pdf, plan, user

pytestmark = pytest.mark.django_db

SCJ = "区市场监管局"
NARRATIVE = "已完成三季度双公示数据归集，共报送行政许可1204条、行政处罚37条。"
LINK = "https://www.example.gov.cn/scj/2026/xygs-notice.html"
REASON = "该单位已于11月2日报送纸质材料。"


@pytest.fixture
def world():
    p = plan()
    people = {
        "reporter": user("reporter_scj", Role.REPORTER, SCJ),
        "admin": user("fe_admin", Role.CREDIT_ADMIN, "区发改委"),
        "leader": user("fe_leader", Role.LEADER),
    }
    return {"plan": p, "a": assignment(p, 2, SCJ), **people}


def _html(response) -> str:
    return response.content.decode()


def _assert_kept(html: str, *values: str) -> None:
    for value in values:
        assert escape(value, quote=True) in html, value


# ------------------------------------------------------------------ 报送进展


def test_report_with_oversized_file_keeps_text_and_asks_for_the_file_again(world) -> None:
    a = world["a"]
    big = SimpleUploadedFile(
        "big.pdf", b"%PDF-1.4" + b"0" * (11 * 1024 * 1024), content_type="application/pdf"
    )
    # The credit office's form: it also has the date and the reason for an earlier date.
    response = client(world["admin"]).post(
        f"/workspace/ledger/assignments/{a.pk}/report/",
        {
            "claim": "completed",
            "narrative": NARRATIVE,
            "reported_on": "2026-11-02",
            "date_reason": REASON,
            "links": LINK,
            "files": [big],
        },
    )
    assert response.status_code == 200
    html = _html(response)
    assert "文件“big.pdf”超过 10MB。" in html
    assert "请重新选择" in html
    _assert_kept(html, NARRATIVE, LINK, REASON)
    assert 'value="2026-11-02"' in html
    assert '<option value="completed" selected>' in html
    assert not ProgressReport.objects.filter(assignment=a).exists()
    a.refresh_from_db()
    assert a.status == Assignment.Status.NOT_REPORTED


def test_report_with_bad_date_keeps_the_typed_date(world) -> None:
    a = world["a"]
    response = client(world["admin"]).post(
        f"/workspace/ledger/assignments/{a.pk}/report/",
        {"claim": "in_progress", "narrative": NARRATIVE, "reported_on": "2026-13-01"},
    )
    assert response.status_code == 200
    html = _html(response)
    assert "日期格式不正确：“2026-13-01”" in html
    _assert_kept(html, NARRATIVE)
    assert 'value="2026-13-01"' in html
    # No file was chosen: no request to choose one again.
    assert "请重新选择" not in html
    assert not ProgressReport.objects.filter(assignment=a).exists()


def test_report_valid_redirects(world) -> None:
    a = world["a"]
    response = client(world["reporter"]).post(
        f"/workspace/ledger/assignments/{a.pk}/report/",
        {
            "claim": "in_progress",
            "narrative": NARRATIVE,
            "links": LINK,
            "files": [pdf()],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/ledger/assignments/{a.pk}/"
    report = ProgressReport.objects.get(assignment=a)
    assert report.narrative == NARRATIVE and report.reported_on == timezone.localdate()
    assert report.evidence.count() == 2


# ------------------------------------------------------------------ 审核


@pytest.fixture
def pending(world):
    return services.report_progress(
        actor=world["reporter"],
        assignment=world["a"],
        claim="completed",
        narrative=NARRATIVE,
        links=[LINK],
    )


@pytest.mark.parametrize("queue", [False, True])
def test_review_without_decision_keeps_comment(world, pending, queue) -> None:
    data = {"comment": "请补充行政处罚信息的网站发布截图。"}
    if queue:
        data["next"] = "queue"
    response = client(world["admin"]).post(f"/workspace/ledger/reports/{pending.pk}/review/", data)
    assert response.status_code == 200
    html = _html(response)
    assert "请选择审核结果：通过或退回。" in html
    _assert_kept(html, "请补充行政处罚信息的网站发布截图。")
    assert ("review-table" in html) is queue
    before = pending.review
    pending.refresh_from_db()
    assert pending.review == before and not pending.office_comment


def test_review_return_with_too_long_comment_keeps_it(world, pending) -> None:
    comment = "补" * 2001
    response = client(world["admin"]).post(
        f"/workspace/ledger/reports/{pending.pk}/review/",
        {"decision": "return", "comment": comment},
    )
    assert response.status_code == 200
    html = _html(response)
    assert "审核意见过长：最多 2000 个字。" in html
    assert comment in html
    pending.refresh_from_db()
    assert pending.review != ProgressReport.Review.RETURNED


@pytest.mark.parametrize("queue", [False, True])
def test_review_valid_redirects(world, pending, queue) -> None:
    data = {"decision": "return", "comment": "请补充截图。"}
    if queue:
        data["next"] = "queue"
    response = client(world["admin"]).post(f"/workspace/ledger/reports/{pending.pk}/review/", data)
    assert response.status_code == 302
    assert response["Location"] == (
        "/workspace/ledger/review/" if queue else f"/workspace/ledger/assignments/{world['a'].pk}/"
    )
    pending.refresh_from_db()
    assert pending.review == ProgressReport.Review.RETURNED


# ------------------------------------------------------------------ 发起督办


def test_supervision_open_with_past_due_date_keeps_reason(world) -> None:
    a = world["a"]
    reason = "三季度双公示报送滞后，请说明原因并限期整改。"
    response = client(world["admin"]).post(
        f"/workspace/ledger/assignments/{a.pk}/supervise/",
        {"reason": reason, "due_on": "2020-01-06"},
    )
    assert response.status_code == 200
    html = _html(response)
    assert "办理期限不能早于今天。" in html
    _assert_kept(html, reason)
    assert 'value="2020-01-06"' in html
    assert not SupervisionItem.objects.filter(assignment=a).exists()


def test_supervision_open_valid_redirects(world) -> None:
    a = world["a"]
    due = timezone.localdate() + timedelta(days=10)
    response = client(world["admin"]).post(
        f"/workspace/ledger/assignments/{a.pk}/supervise/",
        {"reason": "请说明三季度情况。", "due_on": due.isoformat()},
    )
    item = SupervisionItem.objects.get(assignment=a)
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/ledger/supervision/{item.pk}/"
    assert item.due_on == due


# ------------------------------------------------------------------ 批示、反馈、办结


@pytest.fixture
def item(world):
    return services.open_supervision(
        actor=world["admin"],
        assignment=world["a"],
        reason="请说明三季度情况。",
        due_on=timezone.localdate() + timedelta(days=10),
    )


@pytest.mark.parametrize(
    ("who", "action", "field", "label"),
    [
        ("leader", "instruct", "text", "批示内容"),
        ("reporter", "respond", "response", "办理情况"),
        ("admin", "close", "note", "办结意见"),
    ],
)
def test_supervision_action_error_keeps_text(world, item, who, action, field, label) -> None:
    text = "办" * 2001
    response = client(world[who]).post(
        f"/workspace/ledger/supervision/{item.pk}/", {"action": action, field: text}
    )
    assert response.status_code == 200
    html = _html(response)
    assert f"{label}过长：最多 2000 个字。" in html
    assert text in html
    item.refresh_from_db()
    assert item.status == SupervisionItem.Status.OPEN
    assert not item.response and not item.closing_note
    assert not Instruction.objects.filter(item=item).exists()


@pytest.mark.parametrize(
    ("who", "action", "field"),
    [
        ("leader", "instruct", "text"),
        ("reporter", "respond", "response"),
        ("admin", "close", "note"),
    ],
)
def test_supervision_action_valid_redirects(world, item, who, action, field) -> None:
    response = client(world[who]).post(
        f"/workspace/ledger/supervision/{item.pk}/", {"action": action, field: "已按期办理。"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/ledger/supervision/{item.pk}/"
    item.refresh_from_db()
    assert item.status != SupervisionItem.Status.OPEN or item.instructions.exists()


# ------------------------------------------------------------------ 宣传培训活动

ACTIVITY = {
    "year": "2026",
    "kind": "training",
    "title": "信用专业知识培训（双公示专题）",
    "held_on": "2026-09-18",
    "place": "区市场监管局三楼会议室",
    "participants": "45",
    "description": "讲解行政许可、行政处罚信息归集要求。",
}


def test_activity_without_evidence_keeps_every_field(world) -> None:
    response = client(world["reporter"]).post("/workspace/ledger/activities/", ACTIVITY)
    assert response.status_code == 200
    html = _html(response)
    assert "请上传佐证材料（文件或照片）或填写网站发布链接" in html
    _assert_kept(html, ACTIVITY["title"], ACTIVITY["place"], ACTIVITY["description"])
    assert 'value="2026-09-18"' in html and 'value="45"' in html
    assert '<option value="training" selected>' in html
    assert not Activity.objects.exists()


def test_activity_with_oversized_file_asks_for_the_file_again(world) -> None:
    big = SimpleUploadedFile("big.pdf", b"0" * (11 * 1024 * 1024), content_type="application/pdf")
    response = client(world["reporter"]).post(
        "/workspace/ledger/activities/", {**ACTIVITY, "links": LINK, "files": [big]}
    )
    assert response.status_code == 200
    html = _html(response)
    assert "文件“big.pdf”超过 10MB。" in html and "请重新选择" in html
    _assert_kept(html, ACTIVITY["title"], LINK)
    assert not Activity.objects.exists()


def test_activity_admin_keeps_chosen_unit(world) -> None:
    from .helpers import unit

    scj = unit(SCJ)
    response = client(world["admin"]).post(
        "/workspace/ledger/activities/", {**ACTIVITY, "unit": str(scj.pk)}
    )
    assert response.status_code == 200
    assert f'<option value="{scj.pk}" selected>' in _html(response)
    assert not Activity.objects.exists()


def test_activity_valid_redirects(world) -> None:
    response = client(world["reporter"]).post(
        "/workspace/ledger/activities/", {**ACTIVITY, "links": LINK}
    )
    assert response.status_code == 302
    assert response["Location"] == "/workspace/ledger/activities/?year=2026"
    assert Activity.objects.get().title == ACTIVITY["title"]


@pytest.mark.parametrize("typed", ["-3", "四十五", "4.5"])
def test_activity_with_an_impossible_participant_count_is_refused(world, typed) -> None:
    response = client(world["reporter"]).post(
        "/workspace/ledger/activities/", {**ACTIVITY, "links": LINK, "participants": typed}
    )
    assert response.status_code == 200
    assert "参加人数应为非负整数。" in _html(response)
    assert not Activity.objects.exists()


@pytest.mark.parametrize(("typed", "stored"), [("0", 0), ("", None)])
def test_activity_participant_count_zero_is_a_count_and_blank_is_none(world, typed, stored):
    client(world["reporter"]).post(
        "/workspace/ledger/activities/", {**ACTIVITY, "links": LINK, "participants": typed}
    )
    assert Activity.objects.get().participants == stored


# ------------------------------------------------------------------ 通报


def test_bulletin_draft_error_keeps_period(world) -> None:
    response = client(world["admin"]).post(
        "/workspace/ledger/bulletins/", {"year": "2026", "period": "2025-05"}
    )
    assert response.status_code == 200
    html = _html(response)
    assert "通报期间应在 2026 年内或 2027 年 1 月。" in html
    assert 'value="2025-05"' in html
    assert not Bulletin.objects.exists()


def test_bulletin_draft_valid_redirects(world) -> None:
    response = client(world["admin"]).post(
        "/workspace/ledger/bulletins/", {"year": "2026", "period": "2026-10"}
    )
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/ledger/bulletins/{bulletin.pk}/"


@pytest.fixture
def bulletin(world):
    return services.draft_bulletin(actor=world["admin"], plan=world["plan"], period="2026-10")


def test_bulletin_commentary_error_keeps_text(world, bulletin) -> None:
    text = "评" * 4001
    response = client(world["admin"]).post(
        f"/workspace/ledger/bulletins/{bulletin.pk}/", {"action": "comment", "commentary": text}
    )
    assert response.status_code == 200
    html = _html(response)
    assert "信用办评述过长：最多 4000 个字。" in html
    assert text in html
    bulletin.refresh_from_db()
    assert bulletin.commentary == ""


def test_bulletin_publish_without_commentary_shows_reason(world, bulletin) -> None:
    response = client(world["admin"]).post(
        f"/workspace/ledger/bulletins/{bulletin.pk}/", {"action": "publish"}
    )
    assert response.status_code == 200
    assert "请先填写信用办评述，再印发通报。" in _html(response)
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT


def test_bulletin_actions_valid_redirect(world, bulletin) -> None:
    c = client(world["admin"])
    url = f"/workspace/ledger/bulletins/{bulletin.pk}/"
    response = c.post(url, {"action": "comment", "commentary": "各单位总体按期推进。"})
    assert response.status_code == 302 and response["Location"] == url
    response = c.post(url, {"action": "publish"})
    assert response.status_code == 302 and response["Location"] == url
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.PUBLISHED


# ------------------------------------------------------------------ 复制年度方案


def test_plan_copy_to_existing_year_keeps_choice(world) -> None:
    source = Plan.objects.get(year=2023)
    response = client(world["admin"]).post(
        "/workspace/ledger/plans/", {"plan": str(source.pk), "target_year": "2026"}
    )
    assert response.status_code == 200
    html = _html(response)
    assert "2026年已有工作方案，不能重复复制" in html
    assert 'name="target_year" value="2026"' in html
    assert f'<option value="{source.pk}" selected>' in html
    assert sorted(Plan.objects.values_list("year", flat=True)) == [2023, 2026]


def test_plan_copy_valid_redirects(world) -> None:
    response = client(world["admin"]).post(
        "/workspace/ledger/plans/",
        {"plan": str(world["plan"].pk), "target_year": "2027"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/workspace/ledger/plans/"
    assert Plan.objects.get(year=2027).copied_from == world["plan"]
