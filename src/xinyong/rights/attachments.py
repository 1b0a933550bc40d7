"""Evidence files (objections) and materials (repair): one set of upload limits and one
way to store them, shared by both halves of rights."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from xinyong.core.errors import DomainError

from .models import Attachment

MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
# The type a stored file is served with, by its extension: only allowed extensions are
# ever stored, and the uploader's own Content-Type header is not trusted.
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".ofd": "application/ofd",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED_EXTENSIONS = frozenset(CONTENT_TYPES)


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(PurePath(name).suffix.lower(), "application/octet-stream")


def check_files(files: Iterable[Any]) -> list[Any]:
    """Refuse, with a Chinese reason, what may not be uploaded: too many files, too large,
    empty, or of a type other than documents and images."""
    items = [f for f in files or () if f is not None]
    if len(items) > MAX_FILES:
        raise DomainError(f"最多上传 {MAX_FILES} 个文件。")
    for item in items:
        name = unicodedata.normalize("NFKC", str(getattr(item, "name", "") or "")).strip()
        suffix = PurePath(name).suffix.lower()
        if suffix not in ALLOWED_EXTENSIONS:
            allowed = "、".join(sorted(e.lstrip(".").upper() for e in ALLOWED_EXTENSIONS))
            raise DomainError(f"文件“{name[:60]}”的类型不允许上传，仅支持：{allowed}。")
        size = int(getattr(item, "size", 0) or 0)
        if size <= 0:
            raise DomainError(f"文件“{name[:60]}”是空文件。")
        if size > MAX_FILE_BYTES:
            raise DomainError(f"文件“{name[:60]}”超过 {MAX_FILE_BYTES // (1024 * 1024)}MB。")
    return items


def save_attachments(
    *, files: Iterable[Any], objection: Any = None, repair: Any = None
) -> list[Attachment]:
    """Store checked files for an objection or a repair application (call inside the
    service's transaction)."""
    saved = []
    for item in check_files(files):
        digest = hashlib.sha256()
        for chunk in item.chunks():
            digest.update(chunk)
        item.seek(0)
        name = PurePath(str(item.name)).name[:255]
        attachment = Attachment(
            objection=objection,
            repair=repair,
            original_name=name,
            size=int(item.size),
            sha256=digest.hexdigest(),
        )
        attachment.file.save(name, item, save=False)
        attachment.save()
        saved.append(attachment)
    return saved
