"""`xinyong ledger load | status | report | copy | warnings`."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from xinyong.ledger import services
from xinyong.ledger.loaders import SEED_PLAN
from xinyong.ledger.models import Plan
from xinyong.orgs.models import Role

from .helpers import assignment, plan, user

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("ledger", *args, stdout=out)
    return out.getvalue()


def test_load_is_idempotent_from_the_cli() -> None:
    data = json.loads(_run("load", str(SEED_PLAN), "--json"))
    assert data == {
        "year": 2023,
        "created_plan": False,
        "tasks": 0,
        "rows": 0,
        "assignments": 0,
        "targets": 0,
        "total_rows": 33,
        "total_tasks": 23,
    }


def test_status_per_row_and_per_unit() -> None:
    p = plan()
    admin = user("c_admin", Role.CREDIT_ADMIN, "区发改委")
    a = assignment(p, 2, "区人社局")
    services.report_progress(actor=admin, assignment=a, claim="completed", narrative="已印发。")
    rows = json.loads(_run("status", "--year", "2026", "--json"))["rows"]
    assert len(rows) == 33
    row2 = next(r for r in rows if r["number"] == 2)
    assert set(row2) >= {"id", "indicator_path", "units", "deadline", "status", "overdue"}
    assert row2["deadline"] == "2026-11-30"
    assert row2["indicator_path"].startswith("信用环境建设 › 信用制度和基础建设 › 工作推进机制")
    assert row2["status"] == "已完成 0/47"
    mine = json.loads(_run("status", "--year", "2026", "--unit", "区人社局", "--json"))
    assert mine["unit"] == "区人社局"
    row2 = next(r for r in mine["rows"] if r["number"] == 2)
    assert row2["status"] == "牵头单位已审核·待信用办审核"
    assert row2["units"] == ["区人社局"]
    text = _run("status", "--year", "2026", "--unit", "区人力资源社会保障局")
    assert text.startswith("2026年工作台账·区人社局")
    with pytest.raises(CommandError, match="未知单位名称"):
        _run("status", "--unit", "区不存在局")
    with pytest.raises(CommandError, match="单位组"):
        _run("status", "--unit", "各街道〈镇〉")
    with pytest.raises(CommandError, match="没有 1999 年的工作方案"):
        _run("status", "--year", "1999")


def test_report_writes_xlsx_and_pdf(tmp_path: Path) -> None:
    plan()
    xlsx = tmp_path / "通报.xlsx"
    data = json.loads(
        _run("report", "--period", "2026-10", "--format", "xlsx", "--out", str(xlsx), "--json")
    )
    assert data["path"] == str(xlsx) and xlsx.read_bytes()[:2] == b"PK"
    pdf = tmp_path / "通报.pdf"
    _run("report", "--period", "2026-10", "--format", "pdf", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="格式不正确"):
        _run("report", "--period", "10月", "--out", str(pdf))


def test_copy_and_warnings() -> None:
    out = _run("copy", "--from", "2023", "--to", "2024")
    assert "已将 2023 年方案复制为 2024 年方案" in out
    assert Plan.objects.get(year=2024).rows.get(number=1).deadline == date(2024, 11, 30)
    with pytest.raises(CommandError, match="2024年已有工作方案"):
        _run("copy", "--from", "2023", "--to", "2024")
    plan()
    data = json.loads(_run("warnings", "--on", "2026-11-23", "--json"))
    assert data["due_soon"] > 0
    with pytest.raises(CommandError, match="日期格式不正确"):
        _run("warnings", "--on", "23/11/2026")
