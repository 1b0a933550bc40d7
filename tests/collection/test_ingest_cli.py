"""`xinyong ingest`: the --json output, exit codes, and a kill in the middle of a batch."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from xinyong.collection import services
from xinyong.collection.models import Batch
from xinyong.core.errors import DomainError
from xinyong.core.models import Event

from .ingest_helpers import org_row, person_row, write_csv

ROOT = Path(__file__).resolve().parents[2]
XINYONG = ROOT / ".venv" / "bin" / "xinyong"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_ingest", ROOT / "bench" / "ingest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_json_output_shape(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [org_row(1), person_row(2), org_row(3, CF_JDRQ="2026-02-30")],
        labels=True,
    )
    out = io.StringIO()
    call_command(
        "ingest",
        str(path),
        "--type",
        "行政处罚",
        "--unit",
        "区市场局",
        "--reported-on",
        "2026-03-05",
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    # The keys in its order, then the warnings (an addition scripts can ignore).
    assert list(data) == [
        "rows",
        "accepted",
        "updated",
        "duplicates",
        "rejected",
        "late",
        "errors",
        "warnings",
    ]
    assert (data["rows"], data["accepted"], data["rejected"], data["late"]) == (3, 2, 1, 0)
    assert data["errors"] == [
        {
            "row": 4,
            "column": "处罚决定日期",
            "code": "invalid_date",
            "message": "日期不存在：“2026-02-30”",
        }
    ]
    event = Event.objects.get(action="collection.ingest")
    assert event.actor is None
    assert event.channel == "cli"
    assert event.new_values["os_user"]
    # A file with only its header says so in the JSON, as on the upload page.
    header_only = tmp_path / "empty.csv"
    header_only.write_text(
        path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8"
    )
    out = io.StringIO()
    call_command(
        "ingest", str(header_only), "--type", "行政处罚", "--unit", "区市场局", "--json", stdout=out
    )
    empty = json.loads(out.getvalue())
    assert empty["rows"] == 0
    assert "文件只有表头，没有数据行：本批没有导入任何记录。" in empty["warnings"]


@pytest.mark.django_db
def test_a_file_that_cannot_be_read_is_one_error_line(
    tmp_path: Path, console: Callable[..., tuple[int, str, str]]
) -> None:
    good = write_csv(tmp_path / "ok.csv", [org_row(1)])
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(good.read_text(encoding="utf-8").encode("utf-16"))
    unit = ["--type", "XZCF", "--unit", "区市场监管局"]
    cases = [
        ([str(tmp_path / "nope.csv"), *unit], "错误：文件不存在或不是普通文件：nope.csv"),
        (
            [str(utf16), *unit],
            "错误：文件为 UTF-16 编码，无法读取：请另存为“CSV UTF-8（逗号分隔）”后重新报送。",
        ),
        (
            [str(good), "--type", "不存在的类别", "--unit", "区市场监管局"],
            "错误：公共信用信息目录中没有信息类别“不存在的类别”。",
        ),
        ([str(good), "--type", "XZCF", "--unit", "火星局"], "错误：未知单位名称：火星局"),
        (
            [str(good), *unit, "--reported-on", "2026-02-30"],
            "错误：报送日期“2026-02-30”格式不对，应为 2026-03-05 这样的日期。",
        ),
        (
            [str(good), *unit, "--reported-on", "2036-11-26", "--json"],
            "错误：报送日期 2036-11-26 晚于今天，不能预报送。",
        ),
    ]
    for args, expected in cases:
        code, out, err = console("ingest", *args)
        assert (code, out, err) == (1, "", expected + "\n"), args
    # The unreadable file is still on record as a batch, as for an upload.
    assert Batch.objects.filter(filename="utf16.csv", status="unreadable").count() == 1


@pytest.mark.django_db
def test_rejected_rows_exit_zero_with_json(
    tmp_path: Path, console: Callable[..., tuple[int, str, str]]
) -> None:
    path = write_csv(tmp_path / "p.csv", [org_row(1), org_row(2, CF_JDRQ="2026-02-30")])
    args = [str(path), "--type", "XZCF", "--unit", "区市场监管局", "--reported-on", "2026-03-05"]
    code, out, err = console("ingest", *args, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["rows"], data["accepted"], data["rejected"]) == (2, 1, 1)
    assert data["errors"][0]["message"] == "日期不存在：“2026-02-30”"


@pytest.mark.django_db
def test_a_multi_line_refusal_stays_one_line(
    tmp_path: Path,
    console: Callable[..., tuple[int, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(**_: Any) -> None:
        raise DomainError("表头无法按 CSV 解析（第 1 行：\n缺少分隔符）。")

    monkeypatch.setattr(services, "ingest_file", refuse)
    path = write_csv(tmp_path / "ok.csv", [org_row(1)])
    code, out, err = console("ingest", str(path), "--type", "XZCF", "--unit", "区市场监管局")
    assert (code, out) == (1, "")
    assert err == "错误：表头无法按 CSV 解析（第 1 行： 缺少分隔符）。\n"


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A private SQLite installation for the CLI as a separate process."""
    var = tmp_path_factory.mktemp("var")
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["XINYONG_VAR"] = str(var)
    subprocess.run([str(XINYONG), "init"], env=env, check=True, capture_output=True, timeout=300)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(XINYONG), "ingest", *args], env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.own_sqlite
def test_exit_codes_and_one_line_messages(cli_env: dict[str, str], tmp_path: Path) -> None:
    good = write_csv(tmp_path / "ok.csv", [org_row(1)])
    ok = _cli(
        cli_env,
        str(good),
        "--type",
        "XZCF",
        "--unit",
        "区市场监管局",
        "--reported-on",
        "2026-03-05",
        "--json",
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["accepted"] == 1

    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\x01\x02binary\x00")
    cases = [
        ([str(garbage), "--type", "XZCF", "--unit", "区市场监管局"], "文件含有二进制内容"),
        ([str(tmp_path / "nope.csv"), "--type", "XZCF", "--unit", "区市场监管局"], "文件不存在"),
        (
            [str(good), "--type", "不存在的类别", "--unit", "区市场监管局"],
            "公共信用信息目录中没有信息类别",
        ),
        ([str(good), "--type", "XZCF", "--unit", "火星局"], "未知单位名称：火星局"),
        (
            [str(good), "--type", "XZCF", "--unit", "区市场监管局", "--reported-on", "2026-02-30"],
            "报送日期",
        ),
    ]
    for args, expected in cases:
        run = _cli(cli_env, *args)
        assert run.returncode == 1, (args, run.stdout, run.stderr)
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1, run.stderr
        assert lines[0].startswith("错误：") and expected in lines[0]
        assert "Traceback" not in run.stderr
        assert run.stdout == ""


@pytest.mark.own_sqlite
def test_kill_mid_batch_leaves_nothing_then_full_run(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    bench = _bench()
    path = tmp_path / "big.csv"
    bench.generate(path, 60_000, date(2026, 11, 20), seed=7)
    db = Path(cli_env["XINYONG_VAR"]) / "xinyong.sqlite3"

    def counts() -> tuple[int, int]:
        with sqlite3.connect(db) as conn:
            records = conn.execute(
                "SELECT COUNT(*) FROM records_creditrecord r JOIN catalog_recordtype t ON t.id = r.record_type_id "
                "WHERE r.document_number LIKE '北关市监罚%'"
            ).fetchone()[0]
            batches = conn.execute(
                "SELECT COUNT(*) FROM collection_batch WHERE filename = 'big.csv'"
            ).fetchone()[0]
        return records, batches

    before = counts()
    args = [
        str(path),
        "--type",
        "行政处罚",
        "--unit",
        "区市场监管局",
        "--reported-on",
        "2026-11-20",
        "--json",
    ]
    proc = subprocess.Popen(
        [str(XINYONG), "ingest", *args, "--progress"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    # The first progress line comes after the first chunk's rows were written (inside the
    # still-open transaction).
    line = proc.stderr.readline()
    assert line.startswith("已处理 "), line
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.2)
    assert counts() == before

    run = _cli(cli_env, *args)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["rows"] == 60_000
    assert data["accepted"] + data["rejected"] == 60_000
    assert 0 < data["rejected"] < 3_000
    records, batches = counts()
    assert (records - before[0], batches - before[1]) == (data["accepted"], 1)
