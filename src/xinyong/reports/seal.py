"""The electronic seal (电子签章) of an issued report.

The seal covers the exact bytes of the PDF typst produced: after rendering, the platform
appends one PDF comment line after `%%EOF`

    %XINYONG-SEAL {"alg": "HMAC-SHA256", "kid": …, "number": …, "sha256": <of the bytes
                   before this line>, "facts": {…}, "sig": <hex>}

PDF readers ignore a comment after the end-of-file marker, so the report opens as any
PDF; changing any byte before the line changes `sha256`, and changing the line itself
(e.g. a forged number) breaks `sig`. What the report says is also attached inside the
PDF as `report-data.json` (typst `pdf.attach`), so the data travel with the file and are
covered by the same seal.

Algorithm: HMAC-SHA256 with a 256-bit key generated on first use under XINYONG_VAR
(`keys/report-seal.key`, mode 0600). The `cryptography` package is not a dependency of
this project, and the standard library has no asymmetric signature, so only the
platform (its verification page, API and `xinyong reports verify`) can check a seal —
which is how 信用中国 reports are checked too. The `alg` field leaves room for Ed25519
once an asymmetric library is added (docs/reports.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

ALG = "HMAC-SHA256"
MARKER = b"\n%XINYONG-SEAL "
KEY_FILE = Path("keys") / "report-seal.key"
MAX_SEAL_LINE = 4096


def _key_path() -> Path:
    return Path(settings.VAR_DIR) / KEY_FILE


@lru_cache(maxsize=4)
def _load_key(path: str) -> bytes:
    p = Path(path)
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: two processes starting together never write two different keys.
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    text = p.read_text().strip()
    return bytes.fromhex(text)


def signing_key() -> bytes:
    return _load_key(str(_key_path()))


def key_id(key: bytes | None = None) -> str:
    return hashlib.sha256(key or signing_key()).hexdigest()[:16]


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def _sign(payload: dict[str, Any]) -> str:
    return hmac.new(signing_key(), _canonical(payload), hashlib.sha256).hexdigest()


def seal(pdf: bytes, *, number: str, facts: dict[str, Any]) -> bytes:
    """The sealed file: `pdf` followed by the seal line."""
    payload = {
        "alg": ALG,
        "kid": key_id(),
        "number": number,
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "facts": facts,
    }
    payload["sig"] = _sign(payload)
    line = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return pdf + MARKER + line + b"\n"


@dataclass
class SealCheck:
    ok: bool
    reason: str
    number: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    pdf_sha256: str = ""


def check(data: bytes) -> SealCheck:
    """Whether `data` is a PDF sealed by this platform and unchanged since."""
    if not data.startswith(b"%PDF-"):
        return SealCheck(False, "上传的文件不是 PDF 文件。")
    at = data.rfind(MARKER)
    if at < 0:
        return SealCheck(False, "文件中没有本平台的电子签章：不是本平台出具的信用报告。")
    body, line = data[:at], data[at + len(MARKER) :].strip()
    if len(line) > MAX_SEAL_LINE:
        return SealCheck(False, "电子签章格式不正确：签章被篡改。")
    try:
        payload = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return SealCheck(False, "电子签章格式不正确：签章被篡改。")
    if not isinstance(payload, dict) or not isinstance(payload.get("sig"), str):
        return SealCheck(False, "电子签章格式不正确：签章被篡改。")
    number = str(payload.get("number", ""))
    facts = payload.get("facts") if isinstance(payload.get("facts"), dict) else {}
    if payload.get("alg") != ALG:
        return SealCheck(False, "签章算法不受支持：不是本平台出具的信用报告。", number)
    if payload.get("kid") != key_id():
        return SealCheck(False, "签章密钥不是本平台的密钥：报告系伪造。", number)
    sig = str(payload.pop("sig"))
    if not hmac.compare_digest(sig, _sign(payload)):
        return SealCheck(False, "电子签章验证失败：签章内容（如报告编号）被改动或系伪造。", number)
    body_sha = hashlib.sha256(body).hexdigest()
    if not hmac.compare_digest(body_sha, str(payload.get("sha256", ""))):
        return SealCheck(False, "报告内容与签章不符：文件在出具后被修改过。", number)
    return SealCheck(True, "电子签章有效，文件自出具后未被修改。", number, facts or {}, body_sha)
