"""The short kill loop (issue 11 §2): three ingestions of a 3,000-row file on SQLite, the
first run to its end, the others killed with SIGKILL at a random moment; every batch is
whole or absent, nothing duplicated, the audit chain intact. The long runs (30 rounds,
all operations, PostgreSQL) are `scripts/kill_loop.py`; their figures are in
docs/reliability.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "kill_loop.py"


@pytest.mark.own_sqlite
def test_killed_ingestions_leave_whole_or_absent_batches() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "XINYONG_VAR"}}
    done = subprocess.run(
        [
            *(sys.executable, str(SCRIPT), "--rounds", "3", "--ops", "ingest", "--rows", "3000"),
            *("--db", "sqlite", "--seed", "11", "--json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    report = json.loads(done.stdout)
    ingest = report["ops"]["ingest"]
    assert ingest["rounds"] == 3
    assert ingest["violations"] == 0 and ingest["errors"] == []
    assert ingest["whole"] + ingest["absent"] == 3
    assert ingest["whole"] >= 1  # the first round always completes
