"""Rehearses a backup and a restore end to end, as docs/deploy.md tells operators to do
after every upgrade and once a quarter.

    .venv/bin/python scripts/check_backup.py [--db sqlite|postgres] [--json]

1. A fresh installation with the demo data (`xinyong init --demo`) in a temporary
   XINYONG_VAR (SQLite) or a new PostgreSQL database.
2. `xinyong backup create`.
3. A second, empty installation: a new XINYONG_VAR and, on PostgreSQL, a new database.
4. `xinyong backup restore` into it: it refuses a non-empty target, checks the backup's
   checksums, restores, and compares every table's row count and both audit chains'
   heads with the manifest, then verifies the chains.
5. `xinyong audit verify` on the restored installation, independently.
6. Tampering: one byte of the backed-up database changed must make `backup verify` fail.

Exit 0 when everything holds; prints the figures (rows, seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
XINYONG = str(ROOT / ".venv" / "bin" / "xinyong")
PG_BASE = os.environ.get("XINYONG_PG_BASE", "postgres://postgres@127.0.0.1:5432")


def _run(args: list[str], env: dict[str, str], *, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([XINYONG, *args], env=env, capture_output=True, text=True, check=False)
    if ok and done.returncode != 0:
        sys.exit(f"失败：xinyong {' '.join(args)}\n{done.stderr[-2000:]}")
    return done


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def rehearse(db: str) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="xy-backup-"))
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    names = [f"xy_backup_src_{os.getpid()}", f"xy_backup_dst_{os.getpid()}"]
    try:
        source_env = {**env, "XINYONG_VAR": str(work / "source")}
        target_env = {**env, "XINYONG_VAR": str(work / "target")}
        if db == "postgres":
            for name in names:
                _pg(f"DROP DATABASE IF EXISTS {name}")
                _pg(f"CREATE DATABASE {name}")
            source_env["DATABASE_URL"] = f"{PG_BASE}/{names[0]}"
            target_env["DATABASE_URL"] = f"{PG_BASE}/{names[1]}"
        else:
            source_env.pop("DATABASE_URL", None)
            target_env.pop("DATABASE_URL", None)
        _run(["init", "--demo"], source_env)
        started = time.perf_counter()
        created = json.loads(
            _run(["backup", "create", "--out", str(work / "backups"), "--json"], source_env).stdout
        )
        backup_seconds = time.perf_counter() - started
        started = time.perf_counter()
        restored = json.loads(
            _run(["backup", "restore", created["path"], "--json"], target_env).stdout
        )
        restore_seconds = time.perf_counter() - started
        audit = json.loads(_run(["audit", "verify", "--json"], target_env).stdout)
        refused = _run(["backup", "restore", created["path"]], target_env, ok=False)
        dump = next(p for p in Path(created["path"]).iterdir() if p.name.startswith("database."))
        data = bytearray(dump.read_bytes())
        data[len(data) // 2] ^= 0xFF
        dump.write_bytes(bytes(data))
        tampered = _run(["backup", "verify", created["path"]], target_env, ok=False)
        result = {
            "db": db,
            "rows": restored["rows"],
            "tables": restored["tables"],
            "counts_match": restored["counts_match"],
            "chains_intact": restored["chains_intact"] and audit["intact"],
            "audit_events": audit["counts"],
            "non_empty_target_refused": refused.returncode != 0,
            "tampered_backup_refused": tampered.returncode != 0,
            "backup_seconds": round(backup_seconds, 2),
            "restore_seconds": round(restore_seconds, 2),
        }
        result["ok"] = all(
            result[k]
            for k in (
                "counts_match",
                "chains_intact",
                "non_empty_target_refused",
                "tampered_backup_refused",
            )
        )
        return result
    finally:
        if db == "postgres":
            for name in names:
                _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = rehearse(args.db)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
