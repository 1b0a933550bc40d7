from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinyong.core.models import CalendarYear, Event

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_add_prints_the_iso_date() -> None:
    assert run("add", "2026-01-30", "7") == "2026-02-10\n"
    assert run("add", "2026-2-10", "-7") == "2026-01-30\n"
    assert run("add", "2026-10-01", "0") == "2026-10-01\n"


def test_between_and_is_workday() -> None:
    assert run("between", "2026-01-30", "2026-02-10") == "7\n"
    assert run("between", "2026-02-10", "2026-01-30") == "0\n"
    assert run("is-workday", "2026-01-04") == "2026-01-04 星期日 工作日（元旦调休上班）\n"
    assert json.loads(run("is-workday", "2026-10-05", "--json")) == {
        "date": "2026-10-05",
        "workday": False,
        "holiday": "国庆节",
    }


def test_years_lists_every_known_year() -> None:
    lines = run("years").splitlines()
    assert len(lines) == 23
    assert lines[-1] == (
        "2026  工作日 248 天  节假日 33 天  调休上班 6 天  "
        "来源：chinese-calendar 1.11.0（国务院办公厅通知）"
    )
    rows = json.loads(run("--json", "years"))
    assert [r["year"] for r in rows] == list(range(2004, 2027))
    assert rows[-1]["workdays"] == 248


def test_import_through_the_command(realdata: Path) -> None:
    out = run(
        "import", str(realdata / "holiday-cn" / "2026.json"), "--source", "国办发明电〔2025〕7号"
    )
    assert out == "已替换 2026 年工作日历：节假日 33 天，调休上班 6 天。\n"
    assert CalendarYear.objects.get(year=2026).source == "国办发明电〔2025〕7号"
    event = Event.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.channel, event.actor_label) == (
        "core.calendar_import",
        "cli",
        "系统",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2027-01-04", "1"), "工作日历缺少 2027 年的节假日安排"),
        (("add", "2026-12-31", "1"), "工作日历缺少 2027 年的节假日安排"),
        (("add", "2026-13-01", "1"), "日期“2026-13-01”不存在。"),
        (("add", "明天", "1"), "日期“明天”无效，应为 YYYY-MM-DD 格式，例如 2026-01-30。"),
        (("add", "2026-01-30", "七"), "工作日数“七”不是整数。"),
        (("between", "2026-12-01", "2027-01-10"), "工作日历缺少 2027 年的节假日安排"),
        (("is-workday", "2030-05-01"), "工作日历缺少 2030 年的节假日安排"),
        (("import", "/nonexistent/2027.json"), "找不到文件：/nonexistent/2027.json"),
    ],
)
def test_bad_input_is_a_chinese_command_error(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError) as info:
        run(*args)
    assert message in str(info.value)


def test_importing_2027_is_refused(realdata: Path) -> None:
    with pytest.raises(CommandError) as info:
        run("import", str(realdata / "holiday-cn" / "2027.json"))
    assert "2027 年的节假日安排尚未公布" in str(info.value)
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.own_sqlite
def test_the_console_script_end_to_end(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("xinyong")
    env = {
        **os.environ,
        "XINYONG_VAR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
    }
    init = subprocess.run([script, "init"], env=env, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    assert "参考数据·工作日历：载入 23 个年度（2004–2026），节假日与调休 771 条" in init.stdout

    ok = subprocess.run(
        [script, "calendar", "add", "2026-01-30", "7"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "2026-02-10\n", "")

    bad = subprocess.run(
        [script, "calendar", "add", "2027-01-04", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert bad.stderr == (
        "错误：工作日历缺少 2027 年的节假日安排，无法计算工作日；"
        "请信用办导入 2027 年的国务院节假日通知。\n"
    )
