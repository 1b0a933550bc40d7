"""A backup taken while the platform writes must describe exactly what it copied: its own
restore check passes, and a bad --out or backup path is one Chinese line, not a traceback.

The writes are interleaved deterministically: a driver process runs `backup create` with
the audit chains written to at the moment the database copy starts (SQLite: when the live
file is opened for copying; PostgreSQL: when pg_dump starts) and again after the copy
(when the files are archived). The first batch may be in the backup or not, but the
manifest must agree with the copy; the second batch must not be in either."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
XINYONG = str(ROOT / ".venv" / "bin" / "xinyong")
PG_BASE = os.environ.get("XINYONG_PG_BASE", "postgres://postgres@127.0.0.1:5432")
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
DURING, AFTER = 30, 20

DRIVER = textwrap.dedent(
    """
    import io, json, sqlite3, subprocess, sys
    from pathlib import Path

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from xinyong.core import backup
    from xinyong.core.audit import record_event, record_read
    from xinyong.core.models import Event, ReadLog

    out, during, after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

    def write(n, label):
        for i in range(n):
            record_event(actor=None, action="test.write", target_type="test", target_id=i,
                         target_repr=label)
            record_read(reader=None, subject_type="test", subject_id=i, subject_repr=label,
                        purpose="backup test")

    live = Path(str(settings.DATABASES["default"]["NAME"])).resolve()
    done = set()

    def once(key, n):
        if key not in done:
            done.add(key)
            write(n, key)

    real_connect = sqlite3.connect

    def connect(database, *args, **kwargs):
        if not kwargs.get("uri") and Path(str(database)).resolve() == live:
            once("during", during)
        return real_connect(database, *args, **kwargs)

    real_run = subprocess.run

    def run(cmd, *args, **kwargs):
        if cmd and cmd[0] == "pg_dump":
            once("during", during)
        return real_run(cmd, *args, **kwargs)

    real_archive = backup._archive_files

    def archive(*args, **kwargs):
        once("after", after)
        return real_archive(*args, **kwargs)

    sqlite3.connect = connect
    subprocess.run = run
    backup._archive_files = archive

    before = Event.objects.count(), ReadLog.objects.count()
    buf = io.StringIO()
    call_command("backup", "create", "--out", out, "--json", stdout=buf)
    print(json.dumps({
        "before": before,
        "end": [Event.objects.count(), ReadLog.objects.count()],
        "hooks": sorted(done),
        "created": json.loads(buf.getvalue()),
    }))
    """
)


def _xinyong(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [XINYONG, *args], env=env, capture_output=True, text=True, check=False, timeout=600
    )


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.own_sqlite),
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(
                not ON_POSTGRES, reason="PostgreSQL runs in the PostgreSQL run of the suite"
            ),
        ),
    ]
)
def installations(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """A freshly initialised source installation and an empty target, as separate envs."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "xinyong.settings"
    source = {**env, "XINYONG_VAR": str(tmp_path / "source")}
    target = {**env, "XINYONG_VAR": str(tmp_path / "target")}
    names = [f"xy_consist_src_{os.getpid()}", f"xy_consist_dst_{os.getpid()}"]
    if request.param == "postgres":
        for name in names:
            _pg(f"DROP DATABASE IF EXISTS {name}")
            _pg(f"CREATE DATABASE {name}")
        source["DATABASE_URL"] = f"{PG_BASE}/{names[0]}"
        target["DATABASE_URL"] = f"{PG_BASE}/{names[1]}"
    try:
        init = _xinyong(["init"], source)
        assert init.returncode == 0, init.stderr[-2000:]
        yield request.param, source, target
    finally:
        if request.param == "postgres":
            for name in names:
                _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_backup_taken_during_writes_passes_its_own_restore_check(
    installations: tuple[str, dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    vendor, source, target = installations
    driven = subprocess.run(
        [sys.executable, "-c", DRIVER, str(tmp_path / "backups"), str(DURING), str(AFTER)],
        env=source,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert driven.returncode == 0, driven.stderr[-3000:]
    result = json.loads(driven.stdout.strip().splitlines()[-1])
    assert result["hooks"] == ["after", "during"]
    events, reads = result["before"]
    assert result["end"] == [events + DURING + AFTER, reads + DURING + AFTER]
    backup_dir = Path(result["created"]["path"])
    manifest = json.loads((backup_dir / "manifest.json").read_text("utf-8"))
    # Whatever the copy holds, the manifest says the same; the writes after the copy are in
    # neither (on PostgreSQL the snapshot predates the pg_dump-time writes, on SQLite the
    # copy follows them).
    copied = events + DURING if vendor == "sqlite" else events
    assert manifest["counts"]["core_event"] == copied
    assert manifest["counts"]["core_readlog"] == copied - events + reads

    restored = _xinyong(["backup", "restore", str(backup_dir), "--json"], target)
    assert restored.returncode == 0, restored.stderr[-2000:]
    report = json.loads(restored.stdout)
    assert report["counts_match"] is True
    assert report["heads_match"] is True
    assert report["chains_intact"] is True
    assert report["mismatches"] == []
    assert report["rows"] == sum(manifest["counts"].values())


def test_a_regular_file_as_out_is_one_chinese_line(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", "utf-8")
    with pytest.raises(
        CommandError, match=f"^无法创建备份目录 {re.escape(str(afile))}：该路径是文件，不是目录$"
    ):
        call_command("backup", "create", "--out", str(afile))
    with pytest.raises(
        CommandError,
        match=f"^无法创建备份目录 {re.escape(str(afile / 'sub'))}：路径中有一段是文件，不是目录$",
    ):
        call_command("backup", "create", "--out", str(afile / "sub"))
    assert afile.read_text("utf-8") == "x"


def test_an_out_that_cannot_be_created_is_one_chinese_line() -> None:
    with pytest.raises(
        CommandError,
        match=r"^无法创建备份目录 /proc/forbidden/backups：路径不存在或此处不能新建目录$",
    ):
        call_command("backup", "create", "--out", "/proc/forbidden/backups")
    with pytest.raises(
        CommandError, match=r"^无法创建备份目录 /proc/forbidden：路径不存在或此处不能新建目录$"
    ):
        call_command("backup", "create", "--out", "/proc/forbidden")


def test_a_missing_or_non_directory_backup_path_is_named(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", "utf-8")
    for action in ("verify", "restore"):
        with pytest.raises(
            CommandError, match=f"^备份目录不存在：{re.escape(str(tmp_path / 'nothing'))}$"
        ):
            call_command("backup", action, str(tmp_path / "nothing"))
        with pytest.raises(
            CommandError, match=f"^不是备份目录（该路径是文件）：{re.escape(str(afile))}$"
        ):
            call_command("backup", action, str(afile))


def test_an_unreadable_backup_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from tests.core.test_backup import _fake_backup
    from xinyong.core import backup

    fake = _fake_backup(tmp_path, "postgresql")

    def refuse(path: Path) -> str:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(backup, "_sha256", refuse)
    with pytest.raises(CommandError, match=r"^备份文件无法读取：database\.dump：没有权限$"):
        call_command("backup", "verify", str(fake))


def test_the_cli_prints_no_traceback_for_a_bad_out(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["XINYONG_VAR"] = str(tmp_path / "var")
    done = _xinyong(["backup", "create", "--out", str(afile)], env)
    assert done.returncode == 1
    assert done.stderr.strip() == f"错误：无法创建备份目录 {afile}：该路径是文件，不是目录"
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
