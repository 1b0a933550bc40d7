"""Command-line refusals from the review of 27 November 2026: a refused command loses
nothing (a free report, a stored import), prints one 错误： line and no traceback, exits 0
only for usable input, and leaves no audit event for what did not happen."""

from __future__ import annotations

import getpass
from datetime import date

import pytest

from xinyong.commitments.models import Commitment
from xinyong.core.models import Event
from xinyong.reports.models import Report

from ..commitments.helpers import ORG_USCC
from ..finance.helpers import admin, finance_reviewer, firm, publish
from ..reports.helpers import PERSON_ID, person_with_penalty

pytestmark = pytest.mark.django_db


@pytest.fixture
def var(settings, tmp_path):
    root = tmp_path / "var"
    root.mkdir()
    settings.VAR_DIR = root
    settings.MEDIA_ROOT = root / "media"
    return root


# --- defect 1: a bad --out does not use up a free report ---------------------------------------


def test_cli_issue_refused_for_bad_out_path_keeps_the_free_quota(var, console, tmp_path):
    subject = person_with_penalty(1)
    bad = str(tmp_path / "no-such-dir" / "r.pdf")
    for _ in range(2):
        code, _out, err = console(
            "reports", "issue", "--subject", PERSON_ID, "--purpose", "self_query", "--out", bad
        )
        assert code != 0 and err.startswith("错误："), err
        assert "Traceback" not in err
    assert not Event.objects.filter(action="reports.issue").exists()
    code, _out, err = console(
        "reports",
        "issue",
        "--subject",
        PERSON_ID,
        "--purpose",
        "self_query",
        "--out",
        str(tmp_path / "r.pdf"),
    )
    assert code == 0, err
    assert Report.objects.filter(subject=subject).count() == 1


def test_cli_issue_refused_for_a_directory_as_out(var, console, tmp_path):
    person_with_penalty(1)
    code, _out, err = console(
        "reports",
        "issue",
        "--subject",
        PERSON_ID,
        "--purpose",
        "self_query",
        "--out",
        str(tmp_path),
    )
    assert code != 0 and err.startswith("错误："), err
    assert Report.objects.count() == 0


def test_cli_issue_write_failure_after_issue_rolls_the_issue_back(
    var, console, tmp_path, monkeypatch
):
    """A write that fails after the checks (disk full) takes the issue, its event and its
    stored PDF back with it."""
    from xinyong.reports.management.commands import reports as command

    person_with_penalty(1)
    target = tmp_path / "r.pdf"

    def full_disk(path, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(command, "write_output", full_disk)
    code, _out, err = console(
        "reports", "issue", "--subject", PERSON_ID, "--purpose", "self_query", "--out", str(target)
    )
    assert code != 0 and err.startswith("错误："), err
    assert Report.objects.count() == 0
    assert not Event.objects.filter(action__in=("reports.issue", "reports.print")).exists()
    media = var / "media"
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


# --- defect 2: commitments import without a login name -----------------------------------------


def test_import_without_a_login_name(console, tmp_path, monkeypatch):
    def no_login():
        raise KeyError("getpwuid(): uid not found: 54321")

    monkeypatch.setattr(getpass, "getuser", no_login)
    path = tmp_path / "承诺.csv"
    path.write_text(
        "承诺人名称,承诺人代码,承诺类型,承诺事项,承诺作出日期,公开属性\n"
        f"安阳市某某食品有限公司,{ORG_USCC},容缺受理型,食品经营许可,2026-09-28,\n",
        encoding="utf-8-sig",
    )
    code, _out, err = console("commitments", "import", str(path), "--unit", "区市场局", "--json")
    assert code == 0, err
    assert Commitment.objects.count() == 1


# --- defect 6: a failed xinyidai export is not logged ------------------------------------------


def test_failed_export_not_logged(console, tmp_path):
    firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    publish(date(2026, 10, 9), admin(), finance_reviewer())
    code, _out, err = console("xinyidai", "export", "--out", str(tmp_path / "no-dir" / "w.xlsx"))
    assert code != 0 and err.startswith("错误：无法写入"), err
    assert Event.objects.filter(action="finance.export").count() == 0
    code, _out, err = console("xinyidai", "export", "--out", str(tmp_path / "w.xlsx"))
    assert code == 0, err
    assert (tmp_path / "w.xlsx").stat().st_size > 0
    assert Event.objects.filter(action="finance.export").count() == 1


# --- defect 8: --year 0 is a year given, not "no year" -----------------------------------------


def test_ledger_year_zero(console):
    code, out, err = console("ledger", "status", "--year", "0", "--json")
    assert code != 0 and err.startswith("错误："), out[:80]


def test_ledger_report_year_zero(console, tmp_path):
    code, out, err = console(
        "ledger", "report", "--period", "2023-10", "--year", "0", "--out", str(tmp_path / "b.xlsx")
    )
    assert code != 0 and err.startswith("错误："), out[:80]
