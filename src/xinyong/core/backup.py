"""Backups and restores of a whole installation: the database and the files under
XINYONG_VAR that the database refers to or depends on (uploads, signing keys, draw seeds).

A backup is a directory:
- `database.sqlite3` (SQLite online-backup API: a consistent copy of a running database)
  or `database.dump` (PostgreSQL `pg_dump --format=custom`);
- `files.tar.gz`: XINYONG_VAR without the database itself, collected static files and
  earlier backups;
- `manifest.json`: when, which backend, every table's row count, the last hash of each
  audit chain, and SHA-256 checksums of the two files above. Counts and hashes describe
  exactly the copied state, also while the platform keeps writing: on SQLite they are read
  from the copy, on PostgreSQL from the snapshot that pg_dump dumps (`--snapshot`).

A restore goes into the configured database, which must be empty (a fresh installation),
then proves itself: checksums before, and after it the row counts and the audit chains'
heads must equal the manifest's and both chains must verify (`core.audit.verify_chains`).
docs/deploy.md describes the schedule; scripts/check_backup.py rehearses the whole cycle.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .errors import DomainError

MANIFEST = "manifest.json"
FILES_ARCHIVE = "files.tar.gz"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
DATABASE_FILES = {"sqlite": SQLITE_FILE, "postgresql": PG_FILE}
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Regenerable or not ours to keep: collected static files, earlier backups, scratch space.
SKIP_DIRS = frozenset({"static", "backups", "tmp"})


@dataclass
class RestoreReport:
    counts_match: bool
    chains_intact: bool
    heads_match: bool
    mismatches: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return self.counts_match and self.chains_intact and self.heads_match

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts_match": self.counts_match,
            "chains_intact": self.chains_intact,
            "heads_match": self.heads_match,
            "tables": self.tables,
            "rows": self.rows,
            "mismatches": self.mismatches,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _managed_tables() -> list[str]:
    tables: list[str] = []
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if model._meta.managed and table not in tables:
            tables.append(table)
    return tables


def _count_rows(cursor: Any, existing: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in _managed_tables():
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _last_hashes(cursor: Any) -> dict[str, str]:
    from .models import Event, ReadLog

    heads = {}
    for name, model in (("events", Event), ("reads", ReadLog)):
        quote = connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        cursor.execute(f"SELECT {quote('entry_hash')} FROM {table} ORDER BY {pk} DESC LIMIT 1")
        row = cursor.fetchone()
        heads[name] = str(row[0] if row else "")
    return heads


def table_counts() -> dict[str, int]:
    """Rows per table of every installed model (the platform's own and Django's)."""
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        return _count_rows(cursor, existing)


def chain_heads() -> dict[str, str]:
    with connection.cursor() as cursor:
        return _last_hashes(cursor)


_OS_REASONS = {
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOTDIR: "路径中有一段是文件，不是目录",
    errno.ENOENT: "路径不存在或此处不能新建目录",
    errno.EROFS: "文件系统为只读",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "磁盘配额已用完",
    errno.ENAMETOOLONG: "路径过长",
}


def _os_reason(exc: OSError) -> str:
    return _OS_REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def _var_dir() -> Path:
    return Path(settings.VAR_DIR)


def _sqlite_path() -> Path:
    return Path(str(settings.DATABASES["default"]["NAME"]))


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    tool = cmd[0]
    if shutil.which(tool) is None:
        raise DomainError(f"找不到 {tool}：请安装 PostgreSQL 客户端（Debian：postgresql-client）。")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise DomainError(f"{tool} 执行失败：{' '.join(tail)}")


def _archive_files(target: Path) -> None:
    var = _var_dir().resolve()
    db_file = _sqlite_path().resolve() if connection.vendor == "sqlite" else None
    skipped = {db_file, *(Path(f"{db_file}{s}") for s in ("-wal", "-shm", "-journal"))}
    with tarfile.open(target, "w:gz") as tar:
        for root, dirs, files in os.walk(var):
            here = Path(root)
            if here == var:
                dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
            for name in sorted(files):
                path = (here / name).resolve()
                if path in skipped or path == target.resolve():
                    continue
                tar.add(path, arcname=str(path.relative_to(var)))


def _make_target(out_dir: Path) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DomainError(f"无法创建备份目录 {out_dir}：该路径是文件，不是目录") from None
    except OSError as exc:
        raise DomainError(f"无法创建备份目录 {out_dir}：{_os_reason(exc)}") from None
    target = out_dir / f"xinyong-backup-{stamp}"
    try:
        target.mkdir()
    except FileExistsError:
        raise DomainError(f"备份目录已存在：{target}") from None
    except OSError as exc:
        raise DomainError(f"无法创建备份目录 {target}：{_os_reason(exc)}") from None
    return target


def _copy_sqlite(dump: Path) -> tuple[dict[str, int], dict[str, str]]:
    connection.close()
    source = sqlite3.connect(str(_sqlite_path()))
    dest = sqlite3.connect(str(dump))
    try:
        with dest:
            source.backup(dest)
    finally:
        source.close()
        dest.close()
    # Counted in the copy itself, read-only: whatever the platform wrote before or after the
    # copy, the manifest then describes exactly the rows that were copied.
    copy = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)
    try:
        cursor = copy.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        existing = {str(row[0]) for row in cursor.fetchall()}
        return _count_rows(cursor, existing), _last_hashes(cursor)
    finally:
        copy.close()


def _dump_postgres(dump: Path) -> tuple[dict[str, int], dict[str, str]]:
    args, env = _pg_env()
    # One exported snapshot for the counts, the chain heads and pg_dump, so rows committed
    # meanwhile are in none of them. A connection of its own: the snapshot's transaction must
    # begin with it and stay open until pg_dump is done, whatever Django's connection is doing.
    snap = connection.get_new_connection(connection.get_connection_params())
    try:
        snap.autocommit = True
        with snap.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = str(cursor.fetchone()[0])
            cursor.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
            existing = {str(row[0]) for row in cursor.fetchall()}
            counts, heads = _count_rows(cursor, existing), _last_hashes(cursor)
            options = ["--format=custom", "--no-owner", "--no-privileges", "--file", str(dump)]
            _run(["pg_dump", f"--snapshot={snapshot}", *options, *args], env)
            cursor.execute("ROLLBACK")
    finally:
        snap.close()
    return counts, heads


def create_backup(out_dir: Path) -> Path:
    """Writes a new backup directory under `out_dir` and returns it."""
    if connection.vendor not in ("sqlite", "postgresql"):
        raise DomainError(f"不支持的数据库：{connection.vendor}")
    target = _make_target(Path(out_dir))
    try:
        if connection.vendor == "sqlite":
            dump = target / SQLITE_FILE
            counts, heads = _copy_sqlite(dump)
        else:
            dump = target / PG_FILE
            counts, heads = _dump_postgres(dump)
        files = target / FILES_ARCHIVE
        _archive_files(files)
        manifest = {
            "created_at": timezone.now().isoformat(),
            "vendor": connection.vendor,
            "database_file": dump.name,
            "counts": counts,
            "chain_heads": heads,
            "sha256": {dump.name: _sha256(dump), files.name: _sha256(files)},
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2)
        (target / MANIFEST).write_text(text, "utf-8")
    except BaseException as exc:
        # A half-written backup directory would sit among the good ones until rotation.
        shutil.rmtree(target, ignore_errors=True)
        if isinstance(exc, OSError):
            raise DomainError(f"备份失败，未写入 {target}：{_os_reason(exc)}") from None
        raise
    return target


def _backup_dir(backup: Path) -> Path:
    backup = Path(backup)
    try:
        if not backup.exists():
            raise DomainError(f"备份目录不存在：{backup}")
        if not backup.is_dir():
            raise DomainError(f"不是备份目录（该路径是文件）：{backup}")
        os.listdir(backup)
    except OSError as exc:
        raise DomainError(f"无法读取备份目录 {backup}：{_os_reason(exc)}") from None
    return backup


def _check_manifest(manifest: Any) -> dict[str, Any]:
    """The manifest as create_backup writes it. Only the files it lists are checksummed, so
    one that lists neither the database nor the archive would pass as complete; and verify
    and restore go on to read the counts, chain heads and database file from it."""
    if not isinstance(manifest, dict):
        raise DomainError("备份清单格式不对：应为 JSON 对象。")
    vendor = manifest.get("vendor")
    if not isinstance(vendor, str) or vendor not in DATABASE_FILES:
        raise DomainError("备份清单格式不对：数据库类型（vendor）应为 sqlite 或 postgresql。")
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(type(n) is int and n >= 0 for n in counts.values()):
        raise DomainError("备份清单格式不对：行数（counts）应为“表名: 行数”的对象。")
    heads = manifest.get("chain_heads")
    if not isinstance(heads, dict) or not all(isinstance(h, str) for h in heads.values()):
        raise DomainError("备份清单格式不对：审计日志链末端哈希（chain_heads）应为对象。")
    sums = manifest.get("sha256")
    if not isinstance(sums, dict) or not all(
        # A bare file name: a listed "../x" would be read from outside the backup.
        Path(name).name == name
        and name not in (".", "..")
        and isinstance(digest, str)
        and _SHA256.fullmatch(digest)
        for name, digest in sums.items()
    ):
        raise DomainError(
            "备份清单格式不对：校验值（sha256）应为“文件名: SHA-256 十六进制值”的对象。"
        )
    database_file = DATABASE_FILES[vendor]
    if manifest.get("database_file") != database_file:
        raise DomainError(
            f"备份清单格式不对：{vendor} 备份的数据库文件（database_file）应为 {database_file}。"
        )
    for name in (database_file, FILES_ARCHIVE):
        if name not in sums:
            raise DomainError(f"备份清单不完整：没有列出 {name} 的校验值。")
    return manifest


def read_manifest(backup: Path) -> dict[str, Any]:
    backup = _backup_dir(backup)
    path = backup / MANIFEST
    if not path.is_file():
        raise DomainError(f"不是备份目录（缺少 {MANIFEST}）：{backup}")
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise DomainError(f"备份清单无法读取：{exc}") from exc
    manifest = _check_manifest(data)
    for name, expected in manifest["sha256"].items():
        file = backup / name
        if not file.is_file():
            raise DomainError(f"备份不完整：缺少 {name}")
        try:
            actual = _sha256(file)
        except OSError as exc:
            raise DomainError(f"备份文件无法读取：{name}：{_os_reason(exc)}") from None
        if actual != expected:
            raise DomainError(f"备份文件已损坏或被改动：{name} 的校验值不符")
    return manifest


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore_backup(backup: Path) -> RestoreReport:
    """Restores `backup` into the configured, empty database and XINYONG_VAR, then checks it."""
    backup = Path(backup)
    manifest = read_manifest(backup)
    if manifest.get("vendor") != connection.vendor:
        raise DomainError(
            f"备份来自 {manifest.get('vendor')} 数据库，当前配置为 {connection.vendor}，无法直接恢复。"
        )
    if not _database_is_empty():
        raise DomainError("目标数据库不是空库：恢复只写入新建的空数据库，以免覆盖现有数据。")
    try:
        dump = backup / str(manifest["database_file"])
        if connection.vendor == "sqlite":
            connection.close()
            target = _sqlite_path()
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            source = sqlite3.connect(str(dump))
            dest = sqlite3.connect(str(target))
            with dest:
                source.backup(dest)
            source.close()
            dest.close()
        else:
            connection.close()
            args, env = _pg_env()
            options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
            _run(["pg_restore", *options, *args, str(dump)], env)
        var = _var_dir()
        with tarfile.open(backup / FILES_ARCHIVE, "r:gz") as tar:
            tar.extractall(var, filter="data")
    except OSError as exc:
        raise DomainError(f"恢复失败：{exc.filename or backup}：{_os_reason(exc)}") from None
    return check_restored(manifest)


def check_restored(manifest: dict[str, Any]) -> RestoreReport:
    from .audit import verify_chains

    counts = table_counts()
    expected: dict[str, int] = manifest.get("counts", {})
    mismatches = [
        f"{table}：备份时 {n} 行，恢复后 {counts.get(table, 0)} 行"
        for table, n in sorted(expected.items())
        if counts.get(table, 0) != n
    ]
    counts_match = not mismatches
    heads = chain_heads()
    heads_match = heads == manifest.get("chain_heads")
    if not heads_match:
        mismatches.append("审计日志链末端哈希与备份时不一致")
    problems = verify_chains()
    mismatches.extend(p.message for p in problems)
    return RestoreReport(
        counts_match=counts_match,
        chains_intact=not problems,
        heads_match=heads_match,
        mismatches=mismatches,
        tables=len(counts),
        rows=sum(counts.values()),
    )
