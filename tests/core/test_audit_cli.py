from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinyong.core.audit import record_event, record_read
from xinyong.core.models import Event, ReadLog

XINYONG = str(Path(sys.executable).with_name("xinyong"))


@pytest.mark.django_db
def test_verify_intact_via_call_command() -> None:
    record_event(actor=None, action="test.change", target_type="thing", target_id=1)
    record_read(
        reader=None, subject_type="person", subject_id=1, subject_repr="张*", purpose="测试"
    )
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    n, m = Event.objects.count(), ReadLog.objects.count()
    assert m == 1
    assert out.getvalue().strip() == f"日志链完整：操作日志 {n} 条，查阅记录 {m} 条"


@pytest.mark.django_db
def test_verify_names_first_broken_entry_of_each_chain() -> None:
    events = [
        record_event(actor=None, action="test.change", target_type="thing", target_id=i)
        for i in range(3)
    ]
    reads = [
        record_read(
            reader=None, subject_type="person", subject_id=i, subject_repr="张*", purpose="测试"
        )
        for i in range(2)
    ]
    Event.objects.filter(pk=events[1].pk).update(target_repr="tampered")
    ReadLog.objects.filter(pk=reads[0].pk).update(purpose="改过")
    with pytest.raises(CommandError) as info:
        call_command("audit", "verify", stdout=StringIO())
    assert info.value.returncode == 1
    message = str(info.value)
    assert f"操作日志链已损坏：第 {events[1].pk} 条的内容与其哈希不符" in message
    assert f"查阅记录链已损坏：第 {reads[0].pk} 条的内容与其哈希不符" in message


@pytest.mark.django_db
def test_verify_json() -> None:
    event = record_event(actor=None, action="test.change", target_type="thing", target_id=1)
    out = StringIO()
    call_command("audit", "verify", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["intact"] is True
    assert result["counts"] == {"event": Event.objects.count(), "read": 0}
    assert result["problems"] == []

    Event.objects.filter(pk=event.pk).delete()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["intact"] is False
    assert [(p["chain"], p["entry_id"]) for p in result["problems"]] == [("event", None)]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [XINYONG, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.own_sqlite
def test_verify_exit_codes_in_a_real_installation(tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "XINYONG_VAR": str(tmp_path / "var"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    init = _run(["init"], env)
    assert init.returncode == 0, init.stderr
    record = _run(
        [
            "shell",
            "-c",
            "from xinyong.core.audit import record_event as r\n"
            "for i in range(3): r(actor=None, action='test.cli', target_type='thing', target_id=i)",
        ],
        env,
    )
    assert record.returncode == 0, record.stderr

    with sqlite3.connect(db) as conn:
        (events,) = conn.execute("select count(*) from core_event").fetchone()
        (reads,) = conn.execute("select count(*) from core_readlog").fetchone()
        (middle,) = conn.execute(
            "select id from core_event where action='test.cli' and target_id='1'"
        ).fetchone()

    ok = _run(["audit", "verify"], env)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == f"日志链完整：操作日志 {events} 条，查阅记录 {reads} 条"

    with sqlite3.connect(db) as conn:
        conn.execute("update core_event set new_values='{\"x\": 1}' where id=?", (middle,))
    broken = _run(["audit", "verify"], env)
    assert broken.returncode == 1
    assert f"操作日志链已损坏：第 {middle} 条的内容与其哈希不符（记录被篡改）" in broken.stderr
    assert "Traceback" not in broken.stderr

    as_json = _run(["audit", "verify", "--json"], env)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["problems"][0]["entry_id"] == middle
