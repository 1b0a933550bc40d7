"""Review fixes of 2026-11-27 (issue 9): 督办 in the 通报, the dashboard's 双公示 drill
opening the plan year, zero-tolerance targets judged on exact values."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from tests.collection import qhelpers as q
from tests.ledger.helpers import assignment, client, plan, user
from xinyong.ledger import dashboard, reports, services
from xinyong.ledger.models import Row

pytestmark = pytest.mark.django_db

UNIT = "区委宣传部"


def _cell(data: dict, unit: str, column: str) -> str:
    row = next(r for r in data["rows"] if r[1] == unit)
    return str(row[data["columns"].index(column)])


# ------------------------------------------------------------------ 2. 督办 in the 通报


def test_bulletin_counts_open_supervision_items(clock) -> None:
    clock.today = date(2026, 11, 27)
    p = plan(2026)
    admin = user("l9_admin", "credit_admin")
    a = assignment(p, 2, UNIT)
    services.open_supervision(actor=admin, assignment=a, reason="逾期未报送部门工作方案")
    data = reports.bulletin_data(p, "2026-11")
    assert any("督办" in c for c in data["columns"]), data["columns"]
    assert _cell(data, UNIT, "督办") == "1"
    assert _cell(data, UNIT, "逾期督办") == "0"  # due in 5 working days
    # A past month's 通报 is not changed by a later 督办.
    october = reports.bulletin_data(p, "2026-10")
    assert _cell(october, UNIT, "督办") == "0"
    assert Row.objects.get(plan=p, number=2).assignments.filter(unit=a.unit).exists()


def test_supervision_past_its_deadline_unanswered_is_counted_as_of_the_day(clock) -> None:
    p = plan(2026)
    admin = user("l9_admin3", "credit_admin")
    a = assignment(p, 2, UNIT)
    clock.today = date(2026, 10, 12)
    item = services.open_supervision(
        actor=admin, assignment=a, reason="三季度进展未报送", due_on=date(2026, 10, 16)
    )
    clock.today = date(2026, 10, 16)  # the deadline day itself: not yet overdue
    assert _cell(reports.bulletin_data(p, "2026-10"), UNIT, "逾期督办") == "0"
    clock.today = date(2026, 11, 5)
    october = reports.bulletin_data(p, "2026-10")
    assert _cell(october, UNIT, "督办") == "1"
    assert _cell(october, UNIT, "逾期督办") == "1"
    services.respond_supervision(actor=admin, item=item, response="已补报三季度进展。")
    # October's 通报 still shows it overdue on 10-31; November's shows it answered.
    assert _cell(reports.bulletin_data(p, "2026-10"), UNIT, "逾期督办") == "1"
    november = reports.bulletin_data(p, "2026-11")
    assert _cell(november, UNIT, "督办") == "1"  # answered, not yet closed
    assert _cell(november, UNIT, "逾期督办") == "0"
    # The XLSX carries the same columns and figures.
    book = openpyxl.load_workbook(io.BytesIO(reports.bulletin_xlsx(p, "2026-10")))
    sheet = book.active
    header = [c.value for c in sheet[5]]
    row = next(r for r in sheet.iter_rows(min_row=6, values_only=True) if r[1] == UNIT)
    assert row[header.index("督办")] == 1
    assert row[header.index("逾期督办")] == 1


def test_a_second_answer_keeps_the_first_answer_date(clock) -> None:
    """A past 通报 reads whether the unit had answered by its day: answering again later
    (a fuller account) must not make October's 通报 show the item unanswered."""
    p = plan(2026)
    admin = user("l9_admin5", "credit_admin")
    a = assignment(p, 2, UNIT)
    clock.today = date(2026, 10, 12)
    item = services.open_supervision(
        actor=admin, assignment=a, reason="三季度进展未报送", due_on=date(2026, 10, 16)
    )
    clock.today = date(2026, 10, 14)
    services.respond_supervision(actor=admin, item=item, response="已补报三季度进展。")
    clock.today = date(2026, 11, 5)
    assert _cell(reports.bulletin_data(p, "2026-10"), UNIT, "逾期督办") == "0"
    item.refresh_from_db()
    services.respond_supervision(actor=admin, item=item, response="补充：已上传佐证材料。")
    item.refresh_from_db()
    assert (item.responded_on, item.response) == (date(2026, 10, 14), "补充：已上传佐证材料。")
    assert _cell(reports.bulletin_data(p, "2026-10"), UNIT, "逾期督办") == "0"


def test_supervision_deadline_on_a_holiday_moves_to_the_next_working_day(clock) -> None:
    # 《民法典》第二百零三条: 2026-10-03 is in the National Day holiday.
    p = plan(2026)
    admin = user("l9_admin4", "credit_admin")
    a = assignment(p, 2, UNIT)
    clock.today = date(2026, 9, 28)
    services.open_supervision(
        actor=admin, assignment=a, reason="国庆前督办", due_on=date(2026, 10, 3)
    )
    # 2026-10-01 to 10-08 are the holiday: the 办理期限 moves to the next working day.
    clock.today = date(2026, 10, 8)
    assert _cell(reports.bulletin_data(p, "2026-10"), UNIT, "逾期督办") == "0"
    clock.today = date(2026, 10, 13)
    assert _cell(reports.bulletin_data(p, "2026-10"), UNIT, "逾期督办") == "1"


def test_bulletin_pdf_shows_the_supervision_columns(tmp_path, clock) -> None:
    import subprocess

    clock.today = date(2026, 11, 27)
    p = plan(2026)
    content = reports.bulletin_pdf(p, "2026-11")
    path = tmp_path / "b.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert "督办" in flat
    assert "逾期督办" in flat


# ------------------------------------------------------------------ 3. dashboard drills


def test_dashboard_shuanggongshi_drill_opens_the_plan_year() -> None:
    p = plan(2025)
    scj = q.unit("区市场监管局")
    q.record(scj, "北市监罚〔2025〕1号", decided=date(2025, 6, 2), reported=date(2025, 6, 4))
    q.batch(scj, reported=date(2025, 6, 4), rows=1)
    data = dashboard.dashboard_data(p)
    bars = [u for u in data["shuanggongshi"]["units"] if u["unit"] == scj.name]
    assert bars and bars[0]["timeliness"] is not None
    admin = user("l9_admin2", "credit_admin")
    page = client(admin).get(bars[0]["url"])
    assert page.status_code == 200
    assert page.context["year"] == 2025, (bars[0]["url"], page.context["year"])


def test_dashboard_blacklist_drill_opens_the_figures_day() -> None:
    p = plan(2025)
    data = dashboard.dashboard_data(p)
    assert data["blacklist"]["url"].endswith(f"?on={data['figures_on']}"), data["blacklist"]
    admin = user("l9_admin5", "credit_admin")
    page = client(admin).get(data["blacklist"]["url"])
    assert page.status_code == 200
    assert page.context["pic"].now.on.isoformat() == data["figures_on"]


# ------------------------------------------------------------------ 4. exact targets


def _result(p, a, code: str):
    from xinyong.ledger import selectors

    results = selectors.evaluate_targets(p, [a])[a.pk]
    return next(r for r in results if r.target.metric_code == code)


def test_compliance_target_is_missed_when_a_row_was_rejected(clock) -> None:
    clock.today = date(2026, 11, 27)
    p = plan(2026)
    a = assignment(p, 5, UNIT)
    q.batch(a.unit, reported=date(2026, 6, 4), rows=20001, rejected=1)
    compliance = _result(p, a, "collection.compliance_rate")
    assert compliance.met is False, (compliance.display, compliance.verdict)
    # Shown rounded as before.
    assert compliance.display == "100.00%"
    assert compliance.verdict == "未达标"


def test_compliance_target_is_met_when_nothing_was_rejected(clock) -> None:
    clock.today = date(2026, 11, 27)
    p = plan(2026)
    a = assignment(p, 5, UNIT)
    q.batch(a.unit, reported=date(2026, 6, 4), rows=20001)
    compliance = _result(p, a, "collection.compliance_rate")
    assert compliance.met is True, (compliance.display, compliance.verdict)


def test_late_rate_target_is_missed_with_one_late_record(clock) -> None:
    from xinyong.records.models import CreditRecord

    clock.today = date(2026, 11, 27)
    p = plan(2026)
    a = assignment(p, 5, UNIT)
    first = q.record(
        a.unit, "北宣罚〔2026〕0号", decided=date(2026, 6, 1), reported=date(2026, 6, 20), late=True
    )
    CreditRecord.objects.bulk_create(
        CreditRecord(
            record_type_id=first.record_type_id,
            identity_key=f"exact-late-{n}",
            subject_id=first.subject_id,
            party_name=first.party_name,
            party_identifier="",
            document_number=f"北宣罚〔2026〕{n}号",
            decision_date=date(2026, 6, 1),
            deciding_unit_name=a.unit.name,
            source_unit=a.unit,
            reported_on=date(2026, 6, 4),
            deadline=date(2026, 6, 10),
            is_late=False,
            nature=first.nature,
            payload={},
            content_hash="0" * 64,
        )
        for n in range(1, 20001)
    )
    late = _result(p, a, "collection.late_rate")
    assert late.display == "0.00%"
    assert late.met is False, (late.display, late.verdict)
    # The 通报 lists it among the missed targets, with the rounded figure.
    data = reports.bulletin_data(p, "2026-11")
    assert "双公示迟报率" in _cell(data, UNIT, "未达标的量化目标")
