"""通报 (every unit in the fixed order, commentary before publishing, frozen once
published; XLSX and PDF) and the assessment (rules as data, concrete scores)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from xinyong.core.errors import DomainError
from xinyong.ledger import reports, selectors, services
from xinyong.ledger.models import Bulletin
from xinyong.orgs.models import Role, Unit

from .helpers import assignment, pdf, plan, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return user("r_admin", Role.CREDIT_ADMIN, "区发改委")


def test_bulletin_lists_every_unit_in_the_fixed_order(admin) -> None:
    p = plan()
    a = assignment(p, 5, "区人社局")
    services.report_progress(
        actor=admin,
        assignment=a,
        claim="in_progress",
        narrative="三季度进展。",
        reported_on=date(2026, 10, 9),
        date_reason="信用办按纸质报送补录。",
    )
    data = reports.bulletin_data(p, "2026-10")
    units = list(Unit.objects.filter(active=True).order_by("sort_order", "name"))
    assert [row[1] for row in data["rows"]] == [u.name for u in units]
    assert [row[0] for row in data["rows"]] == [str(i) for i in range(1, len(units) + 1)]
    assert data["on"] == "2026-10-31"
    assert data["title"] == "北关区2026年10月社会信用体系建设工作台账推进情况通报"
    by_unit = {row[1]: row for row in data["rows"]}
    columns = data["columns"]
    rsj = by_unit["区人社局"]
    assert rsj[columns.index("推进中")] == "1"
    # 区人社局 reported Q3 on row 5 but missed Q1 and Q2 there, and all three quarters
    # on its other 持续推进 rows.
    assert int(rsj[columns.index("重复逾期")]) > 0
    # A unit that reported nothing is listed, with every row unreported.
    silent = by_unit["区督查局"]
    # (rows 1 and 8: 区直各部门 includes it)
    assert silent[columns.index("台账事项")] == "2"
    assert silent[columns.index("未报送")] == "2"
    assert "区督查局" in data["summary"]
    assert "全部事项均未报送进展的单位" in data["summary"]
    # Metrics appear per unit; unregistered sources would show 未接入.
    assert "双公示迟报率（%）" in columns
    assert rsj[columns.index("双公示迟报率（%）")] == "无数据"


def test_a_past_months_bulletin_shows_the_state_at_that_months_end(admin) -> None:
    """Reported complete on 2026-09-10, accepted by the credit office on 2026-10-20:
    the August 通报 has it unreported, September's pending, October's done."""
    p = plan()
    a = assignment(p, 5, "区人社局")
    report = services.report_progress(
        actor=admin,
        assignment=a,
        claim="completed",
        narrative="已完成年度任务。",
        reported_on=date(2026, 9, 10),
        date_reason="信用办按纸质报送补录。",
    )
    # The credit office's acceptance is final at either stage.
    services.review_report(actor=admin, report=report, accept=True, on=date(2026, 10, 20))
    a.refresh_from_db()
    assert a.status == "accepted"

    def cells(period: str) -> dict[str, int]:
        data = reports.bulletin_data(p, period)
        row = next(r for r in data["rows"] if r[1] == "区人社局")
        return {c: int(row[data["columns"].index(c)]) for c in ("已完成", "待审核", "未报送")}

    august, september, october = cells("2026-08"), cells("2026-09"), cells("2026-10")
    # Row 5 has a lead unit, so on 2026-09-30 the report still waited for it: the office
    # decided later, straight from that stage (no lead review happened).
    assert services.needs_lead_review(a)
    waiting = selectors._as_of(
        a,
        [(date(2026, 9, 10), "completed", "accepted", None, date(2026, 10, 20))],
        date(2026, 9, 30),
    ).status
    assert waiting == "submitted"
    assert (august["已完成"], august["待审核"]) == (0, 0)
    assert (september["已完成"], september["待审核"]) == (0, 1)
    assert (october["已完成"], october["待审核"]) == (1, 0)
    assert august["未报送"] == september["未报送"] + 1 == october["未报送"] + 1
    assert "已完成 0 条" in reports.bulletin_data(p, "2026-08")["summary"]


def test_state_on_a_date_replays_returns_and_resubmissions() -> None:
    a = assignment(plan(), 5, "区人社局")
    history = [
        # Completed 09-01, returned by the lead unit 09-03; completed again 09-20,
        # accepted by the lead unit 09-22 and by the credit office 10-09.
        (date(2026, 9, 1), "completed", "returned", date(2026, 9, 3), None),
        (date(2026, 9, 20), "completed", "accepted", date(2026, 9, 22), date(2026, 10, 9)),
    ]
    expected = {
        date(2026, 8, 31): ("not_reported", None, None),
        date(2026, 9, 2): ("submitted", date(2026, 9, 1), None),
        date(2026, 9, 3): ("returned", None, None),
        date(2026, 9, 21): ("submitted", date(2026, 9, 20), None),
        date(2026, 9, 30): ("lead_accepted", date(2026, 9, 20), None),
        date(2026, 10, 9): ("accepted", date(2026, 9, 20), date(2026, 10, 9)),
    }
    for on, (status, completed, accepted) in expected.items():
        past = selectors._as_of(a, [h for h in history if h[0] <= on], on)
        assert (past.status, past.completed_on, past.accepted_on) == (
            status,
            completed,
            accepted,
        ), on
    assert a.status == "not_reported"  # the stored assignment is not touched


def test_publish_needs_commentary_and_freezes_the_figures(admin) -> None:
    p = plan()
    bulletin = services.draft_bulletin(actor=admin, plan=p, period="2026-10")
    with pytest.raises(DomainError, match="请先填写信用办评述"):
        services.publish_bulletin(actor=admin, bulletin=bulletin)
    with pytest.raises(DomainError, match="已存在"):
        services.draft_bulletin(actor=admin, plan=p, period="2026-10")
    with pytest.raises(DomainError, match="格式不正确"):
        services.draft_bulletin(actor=admin, plan=p, period="十月")
    services.update_commentary(actor=admin, bulletin=bulletin, commentary="总体按计划推进。")
    services.publish_bulletin(actor=admin, bulletin=bulletin)
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.PUBLISHED
    frozen = bulletin.snapshot["rows"]
    # Later progress does not change a published 通报.
    services.report_progress(
        actor=admin,
        assignment=assignment(p, 5, "区人社局"),
        claim="in_progress",
        narrative="补报。",
        reported_on=date(2026, 10, 20),
        date_reason="信用办按纸质报送补录。",
    )
    book = openpyxl.load_workbook(
        io.BytesIO(reports.bulletin_xlsx(p, "2026-10", bulletin=bulletin))
    )
    sheet = book.active
    assert sheet.cell(1, 1).value == "北关区2026年10月社会信用体系建设工作台账推进情况通报"
    assert sheet.cell(2, 1).value == "信用办评述：总体按计划推进。"
    names = [sheet.cell(r, 2).value for r in range(6, 6 + len(frozen))]
    assert names == [row[1] for row in frozen]
    assert reports.bulletin_data(p, "2026-10")["rows"] != frozen
    with pytest.raises(DomainError, match="已印发"):
        services.update_commentary(actor=admin, bulletin=bulletin, commentary="改")


def test_bulletin_pdf_renders() -> None:
    content = reports.bulletin_pdf(plan(), "2026-10")
    assert content.startswith(b"%PDF")


def test_assessment_scores_with_concrete_rules(admin) -> None:
    p = plan()
    rules = p.rules
    assert (rules.points_per_row, rules.overdue_deduction, rules.missing_evidence_deduction) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("1.00"),
    )
    # 区督查局 has two rows (1 and 8, via 区直各部门), both due 2026-11-30, no targets.
    a = assignment(p, 1, "区督查局")
    scores = {s.unit.name: s for s in selectors.assessment(p, on=date(2026, 12, 1))}
    dcj = scores["区督查局"]
    assert (dcj.rows, dcj.possible, dcj.earned, dcj.overdue, dcj.deductions, dcj.score) == (
        2,
        Decimal("20.00"),
        Decimal("0.00"),
        2,
        Decimal("4"),
        Decimal("0.00"),
    )
    report = services.report_progress(
        actor=admin,
        assignment=a,
        claim="completed",
        narrative="已纳入考核体系。",
        reported_on=date(2026, 11, 20),
        date_reason="信用办按纸质报送补录。",
    )
    scores = {s.unit.name: s for s in selectors.assessment(p, on=date(2026, 12, 1))}
    # Row 1 waiting for review: 60% of 10 points of 20 = 30; row 8 overdue −2; no evidence −1.
    assert scores["区督查局"].score == Decimal("27.00")
    services.review_report(actor=admin, report=report, accept=True)
    scores = {s.unit.name: s for s in selectors.assessment(p, on=date(2026, 12, 1))}
    assert scores["区督查局"].score == Decimal("47.00")
    assert scores["区督查局"].missing_evidence == 1
    assert scores["区督查局"].rank == 1
    # Rules are data: with no deduction for missing evidence the unit scores 48.
    services.update_rules(actor=admin, rules=rules, values={"missing_evidence_deduction": 0})
    scores = {s.unit.name: s for s in selectors.assessment(p, on=date(2026, 12, 1))}
    assert scores["区督查局"].score == Decimal("48.00")
    with pytest.raises(DomainError, match="0 到 1"):
        services.update_rules(actor=admin, rules=rules, values={"pending_share": 2})
    # Every unit without a row of the plan is listed last, unranked.
    ordered = selectors.assessment(p, on=date(2026, 12, 1))
    assert all(s.rank is None for s in ordered if s.rows == 0)
    assert len(ordered) == Unit.objects.filter(active=True).count()
    book = openpyxl.load_workbook(io.BytesIO(reports.assessment_xlsx(p, on=date(2026, 12, 1))))
    rows = list(book.active.iter_rows(min_row=5, values_only=True))
    first = next(r for r in rows if r[1] == "区督查局")
    assert (first[0], first[6]) == (1, 48.0)


def test_evidence_removes_the_deduction(admin) -> None:
    p = plan()
    a = assignment(p, 1, "区督查局")
    report = services.report_progress(
        actor=admin,
        assignment=a,
        claim="completed",
        narrative="已完成。",
        reported_on=date(2026, 11, 20),
        date_reason="信用办按纸质报送补录。",
        files=[pdf()],
    )
    services.review_report(actor=admin, report=report, accept=True)
    scores = {s.unit.name: s for s in selectors.assessment(p, on=date(2026, 12, 1))}
    assert scores["区督查局"].score == Decimal("48.00")  # 50 − 2 for row 8, no −1


def _pdf_pages_and_text(content: bytes, tmp_path) -> tuple[int, str]:
    import subprocess

    path = tmp_path / "bulletin.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(next(ln for ln in info.stdout.splitlines() if ln.startswith("Pages:")).split()[1])
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return pages, text


def test_bulletin_pdf_is_a_readable_table(tmp_path) -> None:
    # The long metric headers used to take the width as `auto` columns, squeezing the two
    # free-text columns to one character a line: 35 A4 pages for 61 units, the
    # 未达标的量化目标 column printed outside the table.
    content = reports.bulletin_pdf(plan(), "2026-10")
    pages, text = _pdf_pages_and_text(content, tmp_path)
    units = Unit.objects.filter(active=True).count()
    assert units > 50
    assert pages <= 8, pages
    # The header of the last column is set on at most two lines, not one character a line.
    lines_with_header_chars = [ln for ln in text.splitlines() if "量化" in ln or "目标" in ln]
    assert any("量化目标" in ln for ln in lines_with_header_chars), lines_with_header_chars[:5]
