"""The database cut off during requests (issue 11 §2), short version of
scripts/db_restart_check.py: PostgreSQL only, on a database of its own on the same
server. During the outage every answer is a clean Chinese 500 (page or JSON), never a
traceback or a dropped connection; afterwards requests succeed again within 5 seconds
without anyone restarting the app (CONN_MAX_AGE + conn_health_checks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "db_restart_check.py"
URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not URL.startswith(("postgres://", "postgresql://")),
    reason="数据库中断演练只针对 PostgreSQL（DATABASE_URL）",
)


def test_outage_gives_clean_errors_then_recovers_by_itself() -> None:
    base = URL.rsplit("/", 1)[0]
    env = {**os.environ, "XINYONG_PG_BASE": base}
    done = subprocess.run(
        [
            *(sys.executable, str(SCRIPT), "--before", "1.5", "--outage", "2", "--after", "3"),
            *("--clients", "2", "--recovery", "5", "--json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    figures = json.loads(done.stdout)
    assert done.returncode == 0, figures
    assert figures["holds"] is True
    assert figures["server_still_running"] is True
    for phase in ("before", "during", "after"):
        assert figures["phases"][phase]["unclean"] == 0
    assert figures["phases"]["before"]["ok"] > 0
    assert figures["phases"]["during"]["clean"] > 0
    assert figures["clean_error_statuses"] == [500]
    assert figures["phases"]["after"]["ok"] > 0
    assert figures["first_success_after_outage_s"] <= 5
