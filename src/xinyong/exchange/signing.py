"""The request signature shared by the HTTP transport and the receiving side (the fake
city platform in tests). No Django import: the fake platform runs standalone."""

from __future__ import annotations

import hashlib
import hmac

H_TIMESTAMP = "X-Xinyong-Timestamp"
H_SIGNATURE = "X-Xinyong-Signature"
H_NODE = "X-Xinyong-Node"
H_IDEMPOTENCY = "Idempotency-Key"


def sign(secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of "METHOD\\nPATH\\nTIMESTAMP\\n" followed by the body bytes."""
    head = f"{method.upper()}\n{path}\n{timestamp}\n".encode()
    return hmac.new(secret.encode("utf-8"), head + body, hashlib.sha256).hexdigest()
