"""The electronic seal (电子签章) of an issued report: an Ed25519 digital signature.

The seal covers the exact bytes of the PDF typst produced: after rendering, the platform
appends one PDF comment line after `%%EOF`

    %XINYONG-SEAL {"alg": "Ed25519", "kid": …, "number": …, "sha256": <of the bytes
                   before this line>, "facts": {…}, "sig": <hex>}

PDF readers ignore a comment after the end-of-file marker, so the report opens as any
PDF; changing any byte before the line changes `sha256`, and changing the line itself
(e.g. a forged number) breaks `sig`. What the report says is also attached inside the
PDF as `report-data.json` (typst `pdf.attach`), so the data travel with the file and are
covered by the same seal.

`sig` is the Ed25519 signature of the line's JSON without `sig`, in canonical form (keys
sorted, no spaces, UTF-8 without escapes). Ed25519 is asymmetric: anyone holding the
platform's public key (published on the verification page with its fingerprint) can
check a report offline; only the private key under `$XINYONG_VAR/keys/` can seal one.
`kid` is the first 16 hex digits of the key's fingerprint (SHA-256 of the raw 32-byte
public key).

Reports sealed before the switch carry `"alg": "HMAC-SHA256"`. They still verify on the
platform as long as the old key file (`keys/report-seal.key`) is kept; an HMAC seal
cannot be checked with a public key, so offline verification refuses them with that
reason. No new HMAC seal is ever made.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from xinyong.core.errors import DomainError

ALG = "Ed25519"
LEGACY_ALG = "HMAC-SHA256"
MARKER = b"\n%XINYONG-SEAL "
KEY_DIR = Path("keys")
PRIVATE_KEY_FILE = KEY_DIR / "report-seal-ed25519.pem"
PUBLIC_KEY_FILE = KEY_DIR / "report-seal-ed25519.pub.pem"
LEGACY_KEY_FILE = KEY_DIR / "report-seal.key"
# Public keys of rotated-out seal keys, `report-seal-ed25519-<kid>.pub.pem`: reports they
# sealed still verify on the platform; their private keys are gone.
RETIRED_DIR = KEY_DIR / "retired"
MAX_SEAL_LINE = 4096
MAX_PEM = 16 * 1024

_BAD_LINE = "电子签章格式不正确：签章被篡改。"
# The text fields of a seal line; `facts` is an object of text (rendering.seal_facts).
_TEXT_FIELDS = ("alg", "kid", "number", "sha256", "sig")
# A lone surrogate (which JSON's "\ud800" escapes can carry) cannot be encoded, so a page,
# an API answer or a console showing it would fail; control characters are no part of
# anything the platform seals either.
_NOT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


# ------------------------------------------------------------------ keys


def _var(relative: Path) -> Path:
    return Path(settings.VAR_DIR) / relative


def _unique() -> str:
    """A temporary-file suffix no other process or thread uses at the same time."""
    return f"{os.getpid()}.{threading.get_ident()}"


def _write_new_private(p: Path, *, replace: bool) -> None:
    """A new Ed25519 private key at `p`, written in full to a private temporary file
    (mode 0600 from the start: no other user can ever read it) before it takes the name.
    Without `replace` it is linked to the name: of two processes starting together only
    the first link succeeds, so there is never a second key. With `replace` (rotation) it
    is renamed over the old key in one step."""
    p.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = p.with_name(f".{p.name}.{_unique()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    if replace:
        tmp.replace(p)
        return
    try:
        os.link(tmp, p)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


@lru_cache(maxsize=4)
def _read_private(path: str, _mtime_ns: int) -> Ed25519PrivateKey:
    # Keyed by the file's modification time: after a rotation by another process (the
    # CLI), the web and scheduler processes read the new key at their next seal.
    p = Path(path)
    key = serialization.load_pem_private_key(p.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise DomainError(f"签章私钥文件 {p} 不是 Ed25519 私钥。", code="seal_key")
    _publish(key.public_key(), p.parent / PUBLIC_KEY_FILE.name)
    return key


def _load_private(path: str) -> Ed25519PrivateKey:
    p = Path(path)
    if not p.exists():
        _write_new_private(p, replace=False)
    return _read_private(path, p.stat().st_mtime_ns)


def _publish(public: Ed25519PublicKey, path: Path) -> None:
    """Keep the public key beside the private one, so that an operator can hand it out
    without starting the platform (it is derived, so rewriting it is harmless)."""
    pem = public_pem(public)
    if path.exists() and path.read_bytes() == pem:
        return
    tmp = path.with_name(f".{path.name}.{_unique()}.tmp")
    tmp.write_bytes(pem)
    tmp.chmod(0o644)
    tmp.replace(path)


def signing_key() -> Ed25519PrivateKey:
    """This platform's private key, generated on first use."""
    return _load_private(str(_var(PRIVATE_KEY_FILE)))


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_pem(key: Ed25519PublicKey | None = None) -> bytes:
    return (key or public_key()).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint(key: Ed25519PublicKey | None = None) -> str:
    """SHA-256 of the raw public key, 64 hex digits."""
    raw = (key or public_key()).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()


def display_fingerprint(key: Ed25519PublicKey | None = None) -> str:
    """The fingerprint in groups of four, for reading aloud or comparing by eye."""
    digits = fingerprint(key).upper()
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def key_id(key: Ed25519PublicKey | None = None) -> str:
    return fingerprint(key)[:16]


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """A public key given by a third party (PEM). DomainError when it is not one."""
    if len(pem) > MAX_PEM:
        raise DomainError("公钥文件过大，不是签章公钥。", code="bad_public_key")
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise DomainError(
            "公钥文件格式不正确：应为核验页下载的 PEM 格式公钥。", code="bad_public_key"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise DomainError(
            "公钥不是 Ed25519 公钥：请使用核验页下载的信用报告签章公钥。", code="bad_public_key"
        )
    return key


def _retired_file(kid: str) -> Path:
    return _var(RETIRED_DIR) / f"report-seal-ed25519-{kid}.pub.pem"


@lru_cache(maxsize=4)
def _read_retired(path: str, _mtime_ns: int) -> dict[str, Ed25519PublicKey]:
    found: dict[str, Ed25519PublicKey] = {}
    for file in sorted(Path(path).glob("report-seal-ed25519-*.pub.pem")):
        try:
            key = load_public_key(file.read_bytes())
        except (OSError, DomainError):
            continue  # not ours: a stray file never makes a forged seal valid
        found[key_id(key)] = key
    return found


def retired_keys() -> dict[str, Ed25519PublicKey]:
    """The rotated-out public keys by key id (kid)."""
    directory = _var(RETIRED_DIR)
    try:
        return _read_retired(str(directory), directory.stat().st_mtime_ns)
    except OSError:
        return {}


def rotate_key() -> tuple[str, str]:
    """Retire the seal key and make a new one; returns (old kid, new kid). The old public
    key is kept under keys/retired/ so that every report it sealed still verifies; its
    private key is replaced in one step and no report can be sealed with it again."""
    old = public_key()
    retired = _retired_file(key_id(old))
    retired.parent.mkdir(parents=True, exist_ok=True)
    _publish(old, retired)
    _write_new_private(_var(PRIVATE_KEY_FILE), replace=True)
    return key_id(old), key_id()


@lru_cache(maxsize=4)
def _load_legacy(path: str, _mtime: float) -> bytes:
    return bytes.fromhex(Path(path).read_text().strip())


def _legacy_key() -> bytes | None:
    """The HMAC key of reports sealed before Ed25519, if this installation kept it. It is
    never created: a new installation has no HMAC-sealed reports."""
    p = _var(LEGACY_KEY_FILE)
    try:
        return _load_legacy(str(p), p.stat().st_mtime)
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------ sealing


def canonical(payload: dict[str, Any]) -> bytes:
    """The signed bytes: the seal line's JSON without `sig`, keys sorted, no spaces."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def seal(pdf: bytes, *, number: str, facts: dict[str, Any]) -> bytes:
    """The sealed file: `pdf` followed by the seal line."""
    payload: dict[str, Any] = {
        "alg": ALG,
        "kid": key_id(),
        "number": number,
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "facts": facts,
    }
    payload["sig"] = signing_key().sign(canonical(payload)).hex()
    line = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return pdf + MARKER + line + b"\n"


# ------------------------------------------------------------------ checking


@dataclass
class SealCheck:
    ok: bool
    reason: str
    number: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    pdf_sha256: str = ""
    alg: str = ""


def _well_formed(payload: Any) -> bool:
    """Whether a seal line's JSON has the shape `seal` writes: the text fields as text,
    `facts` (if any) an object of text, and no text that is not well-formed. Anything else
    was never sealed by the platform and is refused before any of it is shown."""
    if not isinstance(payload, dict):
        return False
    texts = [payload.get(key, "") for key in _TEXT_FIELDS]
    facts = payload.get("facts", {})
    if not isinstance(facts, dict):
        return False
    texts += [*facts.keys(), *facts.values()]
    return all(isinstance(t, str) and not _NOT_TEXT.search(t) for t in texts)


def _signature_ok(
    payload: dict[str, Any], sig: str, alg: str, public: Ed25519PublicKey | None
) -> tuple[bool, str]:
    """(signature valid, reason when not) for the algorithm the line names."""
    kid = str(payload.get("kid", ""))
    if alg == ALG:
        trusted = public or public_key()
        if kid != key_id(trusted):
            if public is not None:
                return (
                    False,
                    "签章密钥与所提供的公钥不一致：报告不是该公钥对应的平台出具的，或系伪造。",
                )
            # Sealed before a key rotation: checked with that key's kept public half.
            retired = retired_keys().get(kid)
            if retired is None:
                return False, "签章密钥不是本平台的密钥：报告系伪造。"
            trusted = retired
        try:
            trusted.verify(bytes.fromhex(sig), canonical(payload))
        except (InvalidSignature, ValueError):
            return False, "电子签章验证失败：签章内容（如报告编号）被改动或系伪造。"
        return True, ""
    if alg == LEGACY_ALG:
        if public is not None:
            return False, (
                "该报告使用升级前的 HMAC-SHA256 签章，只能由本平台核验，不能凭公钥离线核验："
                "请在本平台核验页上传文件。"
            )
        secret = _legacy_key()
        if secret is None:
            return False, "该报告使用升级前的 HMAC-SHA256 签章，但本平台已没有对应密钥，无法核验。"
        if kid != hashlib.sha256(secret).hexdigest()[:16]:
            return False, "签章密钥不是本平台的密钥：报告系伪造。"
        try:
            expected = hmac.new(secret, canonical(payload), hashlib.sha256).hexdigest()
            # As bytes: compare_digest refuses a str with non-ASCII characters.
            matches = hmac.compare_digest(sig.encode("utf-8"), expected.encode("ascii"))
        except ValueError:
            matches = False
        if not matches:
            return False, "电子签章验证失败：签章内容（如报告编号）被改动或系伪造。"
        return True, ""
    return False, "签章算法不受支持：不是本平台出具的信用报告。"


def check(data: bytes, *, public: Ed25519PublicKey | None = None) -> SealCheck:
    """Whether `data` is a PDF sealed by this platform and unchanged since. With `public`
    (a key a third party holds) the check needs nothing but the file and that key."""
    if not data.startswith(b"%PDF-"):
        return SealCheck(False, "上传的文件不是 PDF 文件。")
    at = data.rfind(MARKER)
    if at < 0:
        return SealCheck(False, "文件中没有本平台的电子签章：不是本平台出具的信用报告。")
    body, line = data[:at], data[at + len(MARKER) :].strip()
    if len(line) > MAX_SEAL_LINE:
        return SealCheck(False, _BAD_LINE)
    try:
        payload = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return SealCheck(False, _BAD_LINE)
    if not _well_formed(payload) or "sig" not in payload:
        return SealCheck(False, _BAD_LINE)
    number = payload.get("number", "")
    facts = payload.get("facts", {})
    alg = payload.get("alg", "")
    sig = payload.pop("sig")
    ok, reason = _signature_ok(payload, sig, alg, public)
    if not ok:
        return SealCheck(False, reason, number, alg=alg)
    body_sha = hashlib.sha256(body).hexdigest()
    if not hmac.compare_digest(body_sha, str(payload.get("sha256", ""))):
        return SealCheck(False, "报告内容与签章不符：文件在出具后被修改过。", number, alg=alg)
    return SealCheck(
        True, "电子签章有效，文件自出具后未被修改。", number, facts or {}, body_sha, alg
    )
