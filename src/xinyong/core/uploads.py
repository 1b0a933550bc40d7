"""A file a person uploads on a page, as a path the importers read (they take paths, so
that the CLI and the pages share them). The copy lives in a private temporary directory
and is gone when the block ends."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import DomainError

MAX_UPLOAD = 10 * 1024 * 1024


@contextmanager
def uploaded_file(upload: Any, *, limit: int = MAX_UPLOAD) -> Iterator[Path]:
    """The upload copied to a temporary path; DomainError (in Chinese) when no file was
    chosen or it is larger than `limit`."""
    if upload is None:
        raise DomainError("请选择要上传的 XLSX 或 CSV 文件。")
    if upload.size and upload.size > limit:
        raise DomainError(f"文件过大（不超过 {limit // (1024 * 1024)} MB）。")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        with path.open("wb") as fh:
            for part in upload.chunks():
                fh.write(part)
        yield path
