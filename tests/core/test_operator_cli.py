"""What an operator meets at the console: the environment file, dates for the daily jobs,
the scheduler's exit status, and the `xinyong` entry point's Chinese errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.utils import timezone

from xinyong import cli
from xinyong.core import jobs
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.publicity.models import PublicityWindow
from xinyong.sanctions import lists
from xinyong.sanctions.models import ListEntry
from xinyong.settings import _env_bool

from ..publicity.helpers import penalty
from ..sanctions.governance_helpers import company, make_user

SRC = Path(__file__).resolve().parents[2] / "src"


def _run_cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "XINYONG_VAR": str(tmp_path), "PYTHONPATH": str(SRC), **env}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "xinyong.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )


# ---------------------------------------------------------------- 1. the environment file


@pytest.mark.parametrize(
    ("raw", "default", "expected"),
    [
        ("1", False, True),
        ("0", True, False),
        ("TRUE", False, True),
        ("False", True, False),
        (" yes ", False, True),
        ("No", True, False),
        ("on", False, True),
        ("OFF", True, False),
        ("", True, True),
        ("  ", False, False),
    ],
)
def test_env_bool_reads_the_documented_spellings(monkeypatch, raw, default, expected) -> None:
    monkeypatch.setenv("XINYONG_TEST_FLAG", raw)
    assert _env_bool("XINYONG_TEST_FLAG", default) is expected


def test_env_bool_unset_is_the_default(monkeypatch) -> None:
    monkeypatch.delenv("XINYONG_TEST_FLAG", raising=False)
    assert _env_bool("XINYONG_TEST_FLAG", True) is True
    assert _env_bool("XINYONG_TEST_FLAG") is False


@pytest.mark.parametrize("raw", ["1                # secure cookies", "ture", "2", "是"])
def test_env_bool_refuses_what_it_cannot_read(monkeypatch, raw) -> None:
    # systemd's EnvironmentFile keeps an inline comment as part of the value: reading
    # that as "off" silently dropped secure cookies, HSTS and the proxy header.
    monkeypatch.setenv("XINYONG_TLS", raw)
    with pytest.raises(ImproperlyConfigured) as caught:
        _env_bool("XINYONG_TLS")
    message = str(caught.value)
    assert "环境变量 XINYONG_TLS" in message
    assert f"“{raw}”" in message
    assert "1/0、true/false、yes/no、on/off" in message


def test_cli_start_with_a_commented_flag_is_one_chinese_line(tmp_path) -> None:
    done = _run_cli(["check"], tmp_path, XINYONG_TLS="1   # secure cookies")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("错误：环境变量 XINYONG_TLS 的值“1   # secure cookies”无法识别")


def test_documented_env_file_loads_in_a_shell_with_comments(tmp_path) -> None:
    # The deploy guide's way of loading /etc/xinyong.env for a one-off command.
    env_file = tmp_path / "xinyong.env"
    env_file.write_text(
        "# secure cookies, HSTS\nXINYONG_TLS=1\nXINYONG_DISTRICT=北关区\n", encoding="utf-8"
    )
    done = subprocess.run(
        ["sh", "-c", f'set -a; . "{env_file}"; set +a; echo "$XINYONG_TLS|$XINYONG_DISTRICT"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "1|北关区"
    guide = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    install = guide.split("## 2. Install")[1].split("## 3.")[0]
    assert "env $(cat /etc/xinyong.env" not in install
    assert "set -a; . /etc/xinyong.env; set +a" in install
    env_block = install.split("`/etc/xinyong.env`")[1].split("```sh")[1].split("```")[0]
    for line in env_block.strip().splitlines():
        assert line.startswith("#") or "#" not in line, line


# ---------------------------------------------------------------- 2. no processing of future days


def _tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["2036-11-26", "tomorrow"])
def test_publicity_expire_refuses_a_future_day(day) -> None:
    day = _tomorrow() if day == "tomorrow" else day
    record = penalty(41, decided="2026-06-01")  # last public day 2027-06-01
    with pytest.raises(CommandError, match=f"处理日期 {day} 晚于今天"):
        call_command("publicity", "expire", "--on", day)
    window = PublicityWindow.objects.get(record=record)
    assert (window.ended_on, window.end_reason) == (None, "")
    assert not Event.objects.filter(action="publicity.expired").exists()


@pytest.mark.django_db
def test_publicity_expire_today_and_past_still_work() -> None:
    out = StringIO()
    call_command("publicity", "expire", "--on", timezone.localdate().isoformat(), stdout=out)
    assert "结束公示 0 条" in out.getvalue()
    out = StringIO()
    call_command("publicity", "expire", "--on", "2026-03-11", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"on": "2026-03-11", "expired": 0}


@pytest.fixture
def listed_entry():
    office = make_user("ops_list_admin", Role.CREDIT_ADMIN, "区发改委")
    subject = company("30000041", "安阳市北关区运维测试公司")
    entry = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("WATCH"),
        subject=subject,
        basis_document="D-41",
        reasons="未按期履行行政处罚决定",
        on=date(2026, 3, 2),
        ends_on=date(2027, 6, 30),
    )
    lists.make_effective(actor=office, entry=entry, on=date(2026, 3, 2))
    return entry


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["2036-11-26", "tomorrow"])
def test_lists_due_refuses_a_future_day(listed_entry, day) -> None:
    day = _tomorrow() if day == "tomorrow" else day
    with pytest.raises(CommandError, match=f"处理日期 {day} 晚于今天"):
        call_command("lists", "due", "--on", day)
    listed_entry.refresh_from_db()
    assert listed_entry.status == ListEntry.Status.LISTED and listed_entry.removed_on is None


@pytest.mark.django_db
def test_lists_due_today_still_runs(listed_entry) -> None:
    out = StringIO()
    call_command("lists", "due", "--on", timezone.localdate().isoformat(), "--json", stdout=out)
    assert json.loads(out.getvalue())["expired"] == []


FUTURE = "2036-11-26"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "label"),
    [
        # Reminders are sent once per check.
        (["sanctions", "remind", "--on", FUTURE], "提醒日期"),
        # Writes every subject's grade and its history.
        (["grades", "recompute", "--on", FUTURE], "评价日期"),
        # Removals from the published 信易贷 list are final.
        (["xinyidai", "rescreen", "--on", FUTURE], "复核基准日"),
        # Deadline warnings are kept and shown to the units.
        (["ledger", "warnings", "--on", FUTURE], "预警日期"),
        # Flags commitments overdue and sends them to the city platform.
        (["commitments", "check-overdue", "--on", FUTURE], "检查日期"),
        # Raises and lifts 政务诚信 alerts.
        (["integrity", "scan", "--on", FUTURE], "监测日期"),
        # Stores the evaluation and warns the units below the line.
        (["integrity", "evaluate", "--year", "2026", "--as-of", FUTURE], "数据截至日期"),
        # The annual assessment's sheet: a future day counts promises not yet due as broken.
        (
            [
                "integrity",
                "export",
                "--year",
                "2026",
                "--out",
                "never-written.xlsx",
                "--as-of",
                FUTURE,
            ],
            "数据截至日期",
        ),
    ],
)
def test_jobs_that_act_refuse_a_future_day(args, label) -> None:
    before = Event.objects.count()
    today = timezone.localdate().isoformat()
    expected = f"{label} {FUTURE} 晚于今天（{today}），不能预先登记。"
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=StringIO())
    assert str(caught.value) == expected
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_the_refusal_is_one_line_through_the_entry_point(capsys) -> None:
    code, err = _cli_error(capsys, ["grades", "recompute", "--on", FUTURE])
    today = timezone.localdate().isoformat()
    assert (code, err) == (1, f"错误：评价日期 {FUTURE} 晚于今天（{today}），不能预先登记。")


@pytest.mark.django_db
def test_xinyidai_rescreen_today_still_runs() -> None:
    out = StringIO()
    call_command("xinyidai", "rescreen", "--on", timezone.localdate().isoformat(), stdout=out)
    assert out.getvalue().strip() == "移出 0 家。"


@pytest.mark.django_db
def test_reports_may_look_at_a_future_day() -> None:
    # Read-only: nothing is sent or changed, so a planning date is allowed.
    out = StringIO()
    call_command("lists", "share", "--on", FUTURE, "--json", stdout=out)
    assert json.loads(out.getvalue())["on"] == FUTURE
    out = StringIO()
    call_command("sanctions", "compliance", "--on", FUTURE, "--json", stdout=out)
    assert json.loads(out.getvalue())["on"] == FUTURE


# ---------------------------------------------------------------- 3. the scheduler's exit status


def _locked() -> str:
    raise OperationalError("database is locked")


@pytest.fixture
def one_locked_job(monkeypatch):
    monkeypatch.setattr(
        jobs,
        "daily_jobs",
        lambda: [jobs.DailyJob("a.locked", _locked, 1), jobs.DailyJob("b.fine", lambda: "好", 2)],
    )


def test_scheduler_once_fails_when_a_job_failed(one_locked_job) -> None:
    out = StringIO()
    with pytest.raises(CommandError, match=r"1 项每日任务执行失败：a\.locked") as caught:
        call_command("scheduler", "--once", stdout=out)
    assert caught.value.returncode == 1
    assert out.getvalue().splitlines() == [
        "[失败] a.locked：执行失败：数据库暂时无法写入（被其他进程锁定：database is locked）",
        "[完成] b.fine：好",
    ]


def test_scheduler_once_json_still_prints_results_before_failing(one_locked_job) -> None:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("scheduler", "--once", "--json", stdout=out)
    assert [r["ok"] for r in json.loads(out.getvalue())] == [False, True]


def test_scheduler_once_succeeds_when_every_job_did(monkeypatch) -> None:
    monkeypatch.setattr(jobs, "daily_jobs", lambda: [jobs.DailyJob("b.fine", lambda: "好", 2)])
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert out.getvalue().strip() == "[完成] b.fine：好"


def test_scheduler_once_exit_status_through_the_entry_point(one_locked_job, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["scheduler", "--once"])
    assert caught.value.code == 1
    # The job's traceback goes to the log first; the last line is the verdict.
    assert capsys.readouterr().err.splitlines()[-1] == "错误：1 项每日任务执行失败：a.locked"


def test_other_database_errors_are_named_in_chinese(monkeypatch) -> None:
    def gone() -> str:
        raise OperationalError("no such table: publicity_publicitywindow")

    monkeypatch.setattr(jobs, "daily_jobs", lambda: [jobs.DailyJob("a.gone", gone, 1)])
    from xinyong.core.management.commands import scheduler

    [result] = scheduler.run_all()
    assert result["message"] == (
        "执行失败：数据库无法访问（no such table: publicity_publicitywindow）"
    )


# ---------------------------------------------------------------- 4. the entry point's errors


def _cli_error(capsys, args: list[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as caught:
        cli.main(args)
    captured = capsys.readouterr()
    assert len(captured.err.strip().splitlines()) == 1, captured.err
    return caught.value.code, captured.err.strip()


def test_missing_required_arguments_are_one_chinese_line(capsys) -> None:
    code, err = _cli_error(capsys, ["ingest", "x.csv"])
    assert code == 2
    assert err == "错误：缺少必填参数：--type, --unit（用法：xinyong ingest --help）"


def test_an_invalid_number_is_one_chinese_line(capsys) -> None:
    args = ["collection", "declare", "--unit", "区人社局", "--type", "XZCF"]
    code, err = _cli_error(capsys, [*args, "--period", "2026-10", "--count", "abc"])
    assert code == 2
    assert err == (
        "错误：参数 --count：“abc”无效，应为整数（用法：xinyong collection declare --help）"
    )


def test_an_unknown_action_and_unknown_option(capsys) -> None:
    code, err = _cli_error(capsys, ["publicity", "nosuch"])
    assert code == 2
    assert err.startswith("错误：参数 action：“nosuch”不是可选值（可选：'refresh', ")
    code, err = _cli_error(capsys, ["publicity", "refresh", "--bogus"])
    assert (code, err) == (2, "错误：无法识别的参数：--bogus（用法：xinyong publicity --help）")


def test_an_unknown_command_is_one_chinese_line(capsys) -> None:
    code, err = _cli_error(capsys, ["nosuch"])
    assert code == 1
    assert err == "错误：没有“nosuch”这个命令。运行 xinyong help 查看全部命令。"
    code, err = _cli_error(capsys, ["publicty"])
    assert (
        err
        == "错误：没有“publicty”这个命令，是否要运行 publicity？运行 xinyong help 查看全部命令。"
    )


@pytest.mark.django_db
def test_command_errors_are_prefixed_in_chinese(capsys) -> None:
    code, err = _cli_error(capsys, ["publicity", "window", "abc"])
    assert (code, err) == (1, "错误：记录编号“abc”无效，应为正整数。")
    code, err = _cli_error(capsys, ["publicity", "expire", "--on", "2036-11-26"])
    assert code == 1
    assert err.startswith("错误：处理日期 2036-11-26 晚于今天")
    code, err = _cli_error(capsys, ["lists", "due", "--on", "2036-11-26"])
    today = timezone.localdate().isoformat()
    assert (code, err) == (1, f"错误：处理日期 2036-11-26 晚于今天（{today}），不能预先登记。")
    code, err = _cli_error(capsys, ["lists"])
    assert (code, err) == (
        1,
        "错误：请指定操作：types、import、due 或 share（xinyong lists --help 查看说明）。",
    )


def test_call_command_keeps_raising_command_error_after_the_entry_point_ran(capsys) -> None:
    # The entry point's Chinese handling must not leak into in-process callers.
    _cli_error(capsys, ["ingest", "x.csv"])
    with pytest.raises(CommandError, match="the following arguments are required"):
        call_command("ingest", "x.csv")
