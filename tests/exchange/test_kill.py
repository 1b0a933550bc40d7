"""`kill -9` of a sending process mid-send loses and duplicates nothing.

The sender runs as a real `xinyong exchange send` subprocess against its own database (a
SQLite file, or a fresh PostgreSQL database when the suite runs on PostgreSQL), talking
to the fake city platform in this process. The platform kills the sender with SIGKILL
right after storing a message and before answering — the platform has it, the sender has
not recorded it — and once more later; the next runs finish the work. The platform's
received set is then compared with the outbox."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from xinyong.exchange.fake_platform import FakeCityPlatform

from ..collection.ingest_helpers import org_row, write_csv
from .helpers import SECRET, TOKEN

XINYONG = str(Path(sys.executable).with_name("xinyong"))
ROWS = 120
CHUNK = 5
LEASE = 1.0
TIMEOUT = 2.0


def _pg_url(name: str) -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{name}"


class Database:
    """The subprocesses' own database: SQLite file or a throwaway PostgreSQL database."""

    def __init__(self, tmp: Path) -> None:
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.name = f"{connection.settings_dict['NAME']}_kill"[:63]
            self._admin("DROP DATABASE IF EXISTS {}")
            self._admin("CREATE DATABASE {}")
            self.url = _pg_url(self.name)
        else:
            self.path = tmp / "kill.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
            conn.execute(sql.format(f'"{self.name}"'))

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self.url) as conn:
                return list(conn.execute(sql).fetchall())
        with sqlite3.connect(self.path) as conn:
            return list(conn.execute(sql).fetchall())

    def drop(self) -> None:
        if self.vendor == "postgresql":
            self._admin("DROP DATABASE IF EXISTS {}")


@pytest.fixture
def database(tmp_path):
    db = Database(tmp_path)
    yield db
    db.drop()


def _env(tmp: Path, db: Database, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db.url,
        XINYONG_VAR=str(tmp / "var"),
        XINYONG_EXCHANGE_TRANSPORT="http",
        XINYONG_EXCHANGE_URL=url,
        XINYONG_EXCHANGE_TOKEN=TOKEN,
        XINYONG_EXCHANGE_SECRET=SECRET,
        XINYONG_EXCHANGE_TIMEOUT=str(TIMEOUT),
        XINYONG_EXCHANGE_CHUNK_SIZE=str(CHUNK),
        XINYONG_EXCHANGE_LEASE_SECONDS=str(LEASE),
        XINYONG_EXCHANGE_BACKOFF_BASE="0.01",
        XINYONG_EXCHANGE_BACKOFF_CAP="0.01",
        XINYONG_EXCHANGE_MAX_ATTEMPTS="50",
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [XINYONG, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.mark.django_db
def test_kill_9_during_sending_loses_and_duplicates_nothing(tmp_path, database):
    kill_at = {12, 19}
    killed: list[int] = []
    sender: dict[str, subprocess.Popen[str]] = {}

    def on_stored(key: str, count: int) -> None:
        if count in kill_at and "proc" in sender:
            os.kill(sender["proc"].pid, signal.SIGKILL)
            killed.append(count)

    with FakeCityPlatform(
        token=TOKEN, secret=SECRET, drop_rate=0.1, error_rate=0.1, delay=0.02, on_stored=on_stored
    ) as city:
        env = _env(tmp_path, database, city.url)
        _run(["init"], env)
        data = write_csv(tmp_path / "penalties.csv", [org_row(n) for n in range(1, ROWS + 1)])
        _run(["ingest", str(data), "--type", "XZCF", "--unit", "区市场监管局"], env)

        for _ in range(len(kill_at)):
            before = len(killed)
            # Failures on purpose may leave a run short of the kill point: run again.
            for _attempt in range(10):
                proc = subprocess.Popen(
                    [XINYONG, "exchange", "send", "--json"],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                sender["proc"] = proc
                _out, err = proc.communicate(timeout=300)
                sender.pop("proc")
                if len(killed) > before:
                    assert proc.returncode == -signal.SIGKILL
                    break
                assert proc.returncode == 0, err[-2000:]
            assert len(killed) == before + 1
            # The killed sender's claim must expire before another may take its message.
            time.sleep(max(LEASE, TIMEOUT + 1) + 0.5)

        pending = database.rows(
            "SELECT COUNT(*) FROM exchange_outboundmessage WHERE status <> 'acknowledged'"
        )[0][0]
        assert pending > 0  # the kills really interrupted the work
        for _ in range(20):
            _run(["exchange", "send", "--json"], env)
            left = database.rows(
                "SELECT COUNT(*) FROM exchange_outboundmessage WHERE status <> 'acknowledged'"
            )[0][0]
            if left == 0:
                break
            time.sleep(0.2)
        stats = city.stats()
        received = dict(city.received)

    assert killed == sorted(kill_at)
    outbox = dict(database.rows("SELECT idempotency_key, receipt FROM exchange_outboundmessage"))
    assert len(outbox) == ROWS // CHUNK
    # Nothing lost: every message of the outbox reached the platform and is acknowledged
    # with the receipt the platform gave the first time it stored it.
    assert set(received) == set(outbox)
    assert all(outbox[k] == city.receipts[k] for k in outbox)
    # Nothing duplicated: each record arrived in exactly one stored message.
    identities = Counter(item["JLBS"] for env in received.values() for item in env["items"])
    assert len(identities) == ROWS and set(identities.values()) == {1}
    # The killed sends were resent under the same key and recognised as duplicates.
    assert stats["duplicates"] >= len(kill_at)
