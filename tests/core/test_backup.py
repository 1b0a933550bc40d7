"""The whole backup → restore cycle in separate processes (scripts/check_backup.py), as an
operator runs it: a demo installation, `xinyong backup create`, a restore into an empty
database, row counts and audit chains compared, a non-empty target and a tampered backup
refused. On PostgreSQL runs of the suite, the PostgreSQL cycle runs too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _rehearse(db: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_backup.py"), "--db", db, "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.stdout, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.own_sqlite
def test_sqlite_backup_restores_every_row_and_the_audit_chain() -> None:
    result = _rehearse("sqlite")
    assert result["counts_match"] is True
    assert result["chains_intact"] is True
    assert result["non_empty_target_refused"] is True
    assert result["tampered_backup_refused"] is True
    assert isinstance(result["rows"], int) and result["rows"] > 1000
    assert result["ok"] is True


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the PostgreSQL cycle runs in the PostgreSQL run of the suite",
)
def test_postgres_backup_restores_every_row_and_the_audit_chain() -> None:
    result = _rehearse("postgres")
    assert result["counts_match"] is True
    assert result["chains_intact"] is True
    assert result["tampered_backup_refused"] is True
    assert result["ok"] is True


def _fake_backup(tmp_path: Path, vendor: str) -> Path:
    import hashlib

    target = tmp_path / "xinyong-backup-20261125-013000"
    target.mkdir()
    database = "database.sqlite3" if vendor == "sqlite" else "database.dump"
    (target / database).write_bytes(b"not a real dump")
    (target / "files.tar.gz").write_bytes(b"")
    sums = {
        name: hashlib.sha256((target / name).read_bytes()).hexdigest()
        for name in (database, "files.tar.gz")
    }
    manifest = {
        "vendor": vendor,
        "database_file": database,
        "counts": {},
        "chain_heads": {},
        "sha256": sums,
    }
    (target / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return target


@pytest.mark.django_db
def test_restore_refuses_a_database_that_already_has_tables(tmp_path: Path) -> None:
    from django.db import connection

    from xinyong.core.backup import restore_backup
    from xinyong.core.errors import DomainError

    with pytest.raises(DomainError, match="不是空库"):
        restore_backup(_fake_backup(tmp_path, connection.vendor))


@pytest.mark.django_db
def test_restore_refuses_a_backup_from_the_other_database_engine(tmp_path: Path) -> None:
    from django.db import connection

    from xinyong.core.backup import restore_backup
    from xinyong.core.errors import DomainError

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    with pytest.raises(DomainError, match="无法直接恢复"):
        restore_backup(_fake_backup(tmp_path, other))


def test_a_changed_or_missing_file_fails_the_checksum(tmp_path: Path) -> None:
    from xinyong.core.backup import read_manifest
    from xinyong.core.errors import DomainError

    backup = _fake_backup(tmp_path, "postgresql")
    assert read_manifest(backup)["vendor"] == "postgresql"
    (backup / "database.dump").write_bytes(b"not a real dump!")
    with pytest.raises(DomainError, match=r"database\.dump 的校验值不符"):
        read_manifest(backup)
    (backup / "database.dump").write_bytes(b"not a real dump")
    (backup / "files.tar.gz").unlink()
    with pytest.raises(DomainError, match=r"缺少 files\.tar\.gz"):
        read_manifest(backup)
    with pytest.raises(DomainError, match="不是备份目录"):
        read_manifest(tmp_path)
