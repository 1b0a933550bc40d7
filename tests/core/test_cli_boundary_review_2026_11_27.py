"""Review 2026-11-27: the console boundary. An argument that is not UTF-8 (a GBK terminal)
is one Chinese line, not a UnicodeEncodeError from the database; an existing file whose
name is not UTF-8 still ingests. A missing subcommand names the choices, not argparse's
internal dest."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..collection.ingest_helpers import org_row, write_csv

pytestmark = pytest.mark.django_db

GBK_UNIT = os.fsdecode("区市场局".encode("gbk"))
GBK_TYPE = os.fsdecode("行政处罚".encode("gbk"))


@pytest.mark.parametrize(
    "argv",
    [
        ["units", "resolve", GBK_UNIT],
        ["catalog", "show", GBK_TYPE],
        [
            "collection",
            "declare",
            "--unit",
            GBK_UNIT,
            "--type",
            "XZCF",
            "--period",
            "2026-01",
            "--count",
            "1",
        ],
        ["ledger", "status", "--unit", GBK_UNIT],
        ["tokens", "issue", "--unit", GBK_UNIT, "--name", "报送"],
        ["draw", "create", "--unit", GBK_UNIT, "--title", "抽查"],
        [
            "sanctions",
            "check",
            "91512081MA62K0260E",
            "--matter",
            "PROCUREMENT",
            "--unit",
            GBK_UNIT,
        ],
        ["subjects", "search", GBK_UNIT],
        ["grades", "explain", GBK_UNIT],
        ["lists", "import", "x.csv", "--type", GBK_TYPE, "--unit", "区法院"],
    ],
)
def test_gbk_argument(console, argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sys.stderr.reconfigure(errors="backslashreplace")
    code, _out, err = console(*argv)
    assert code != 0 and err.startswith("错误："), err
    assert "Traceback" not in err
    assert "不是有效的 UTF-8 文本" in err


def test_gbk_argument_is_shown_recognisably(console, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sys.stderr.reconfigure(errors="backslashreplace")
    code, _out, err = console("units", "resolve", GBK_UNIT)
    assert code == 2
    assert "区市场局" in err and err.count("\n") == 1


def test_ingest_gbk_named_file(console, tmp_path, monkeypatch):
    from xinyong.collection.models import Batch

    monkeypatch.chdir(tmp_path)
    sys.stderr.reconfigure(errors="backslashreplace")
    name = os.fsdecode("处罚.csv".encode("gbk"))
    write_csv(tmp_path / name, [org_row(1)])
    code, _out, err = console("ingest", name, "--type", "XZCF", "--unit", "区市场局", "--json")
    assert code == 0, err
    assert Batch.objects.filter(filename="处罚.csv").exists()


def test_ingest_gbk_named_file_plain_output(console, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sys.stderr.reconfigure(errors="backslashreplace")
    name = os.fsdecode("处罚.csv".encode("gbk"))
    write_csv(tmp_path / name, [org_row(1)])
    code, _out, err = console("ingest", name, "--type", "XZCF", "--unit", "区市场局")
    assert code == 0, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "command", ["catalog", "collection", "reports", "subjects", "audit", "backup", "ledger"]
)
def test_missing_subcommand(console, command):
    code, _out, err = console(command)
    assert code != 0 and "action" not in err and "subcommand" not in err, err
    assert "子命令" in err


def test_missing_subcommand_lists_choices(console):
    code, _out, err = console("catalog")
    assert code == 2
    assert "缺少子命令（可选：" in err and "show" in err


def test_real_binary_refuses_gbk_argument(tmp_path):
    binary = Path(sys.executable).with_name("xinyong")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    }
    result = subprocess.run(
        [os.fsencode(binary), b"units", b"resolve", "区市场局".encode("gbk")],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    err = result.stderr.decode("utf-8", errors="replace")
    assert result.returncode == 2, err
    assert err.startswith("错误：") and "Traceback" not in err, err
    assert "不是有效的 UTF-8 文本" in err and "区市场局" in err


def test_output_quoting_a_gbk_named_file(console, tmp_path, monkeypatch):
    # An existing file under a GBK name is written to, and the confirmation quoting it is
    # printed readably instead of failing on a UTF-8 stdout.
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode("模板.xlsx".encode("gbk"))
    (tmp_path / name).write_bytes(b"")
    code, out, err = console("collection", "template", "XZCF", "--output", name)
    assert code == 0, err
    assert "模板.xlsx" in out
    assert (tmp_path / name).stat().st_size > 0


def test_unreadable_gbk_named_file(console, tmp_path, monkeypatch):
    from xinyong.collection.models import Batch

    monkeypatch.chdir(tmp_path)
    sys.stderr.reconfigure(errors="strict")
    name = os.fsdecode("处罚.xlsx".encode("gbk"))
    (tmp_path / name).write_bytes(b"not a workbook")
    code, _out, err = console("ingest", name, "--type", "XZCF", "--unit", "区市场局")
    assert code == 1 and err.startswith("错误："), err
    assert Batch.objects.get(status=Batch.Status.UNREADABLE).filename == "处罚.xlsx"
