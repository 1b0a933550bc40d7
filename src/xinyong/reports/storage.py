"""Where an issued report's sealed PDF lives: a file under MEDIA_ROOT (XINYONG_VAR/media),
named by its SHA-256 (`reports/ab/ab12….pdf`), with only the digest in the database.

Why not a database column: a report PDF is ~0.3 MB. Inside the row it made the database
grow by that much per report (1,000 reports: +450 MB in every backup and dump) and, on
SQLite, every read of a report row that touched a column stored after the blob walked
its overflow pages (the 60-line 查询记录 query took 17 ms for 42 reports). As a file it is
written once, never changed (content-addressed: the name is the digest), read only for a
download, and checked against the digest on every read. `xinyong backup create` archives
XINYONG_VAR including media/ (core.backup skips only static/, backups/ and tmp/).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from django.conf import settings

from xinyong.core.errors import DomainError

SUBDIR = "reports"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def path_for(digest: str) -> Path:
    if not _DIGEST.fullmatch(digest):
        raise DomainError("报告文件摘要格式不正确。", code="bad_digest")
    return Path(settings.MEDIA_ROOT) / SUBDIR / digest[:2] / f"{digest}.pdf"


def store(data: bytes) -> str:
    """Write `data` under its digest (atomically, durably) and return the digest. Writing
    the same bytes twice is harmless."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_for(digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        # The file is the issued document: it must survive a crash right after the
        # database commit that records it.
        os.fsync(fh.fileno())
    tmp.replace(target)
    return digest


def load(digest: str) -> bytes:
    """The stored bytes, checked against the digest."""
    target = path_for(digest)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        raise DomainError(
            "报告文件缺失（可能未从备份完整恢复），无法下载；请联系信用办。", code="pdf_missing"
        ) from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise DomainError(
            "报告文件已损坏（与出具时的摘要不一致）；请联系信用办。", code="pdf_corrupt"
        )
    return data


def discard(digest: str) -> None:
    """Remove a file whose report was never recorded (the issuing transaction failed)."""
    path_for(digest).unlink(missing_ok=True)
