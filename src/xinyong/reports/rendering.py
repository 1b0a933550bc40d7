"""The report's PDF: typst through core.pdf (CJK font embedded), a QR code (segno) leading
to the verification page, then the electronic seal (reports.seal, Ed25519)."""

from __future__ import annotations

import io
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.urls import reverse

from xinyong.core.pdf import render_typst

from . import seal

_TEMPLATE = Path(__file__).parent / "templates" / "reports" / "report.typ"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


@lru_cache(maxsize=1)
def _source() -> str:
    return _TEMPLATE.read_text(encoding="utf-8")


def public_base_url() -> str:
    """Where the public reaches the portal (for the QR code): XINYONG_PUBLIC_URL."""
    configured = getattr(settings, "XINYONG_PUBLIC_URL", "") or os.environ.get(
        "XINYONG_PUBLIC_URL", ""
    )
    return str(configured or DEFAULT_PUBLIC_URL).rstrip("/")


def verify_url(number: str | None = None) -> str:
    url = public_base_url() + reverse("reports:verify")
    return f"{url}?{urlencode({'number': number})}" if number else url


def qr_svg(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", xmldecl=False, border=0)
    return buffer.getvalue().decode("utf-8")


def render(content: dict[str, Any], *, encoded: str | None = None) -> bytes:
    """The unsealed PDF of a report's content (`encoded`: its JSON, when the caller has
    it already)."""
    number = str(content["number"])
    return render_typst(
        _source(),
        inputs={
            "data": encoded if encoded is not None else json.dumps(content, ensure_ascii=False),
            "qr": qr_svg(verify_url(number)),
            "verify_url": verify_url(),
            "key_fingerprint": seal.display_fingerprint(),
            "public_key_url": public_base_url() + reverse("reports:public-key"),
        },
    )


def seal_facts(content: dict[str, Any]) -> dict[str, Any]:
    """What the seal line repeats in clear, so that a verification from the file alone
    can say which report it is."""
    subject = content["subject"]
    return {
        "title": content["title"],
        "subject": subject["name"],
        "identifier": subject["identifier"],
        "issued_at": content["issued_at"],
        "valid_until": content["valid_until"],
        "purpose": content["purpose"],
    }


def render_sealed(content: dict[str, Any], *, encoded: str | None = None) -> bytes:
    return seal.seal(
        render(content, encoded=encoded),
        number=str(content["number"]),
        facts=seal_facts(content),
    )
