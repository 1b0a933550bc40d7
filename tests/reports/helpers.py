"""Builders for the credit report tests: subjects with records created through the real
ingestion path (tests/publicity/helpers.py), users, and PDF text extraction."""

from __future__ import annotations

import io
from typing import Any

from xinyong.orgs.models import User
from xinyong.subjects.models import Subject

from ..commitments.helpers import make_user as _make_user
from ..publicity.helpers import ORG_USCC, PERSON_ID, penalty, person_penalty

__all__ = [
    "ORG_USCC",
    "PERSON_ID",
    "org_with_penalty",
    "pdf_fonts",
    "pdf_text",
    "person_with_penalty",
    "user",
]

ORG_NAME = "安阳市北关区某某商贸有限公司"


def user(username: str, role: str, unit_name: str | None = None, **extra: Any) -> User:
    return _make_user(username, role, unit_name, **extra)


def org_with_penalty(n: int = 1, *, decided: str = "2026-03-02", **overrides: Any) -> Subject:
    record = penalty(n, decided=decided, unit_name="区市场监管局", **overrides)
    return record.subject


def person_with_penalty(n: int = 1, *, decided: str = "2026-03-02") -> Subject:
    return person_penalty(n, decided=decided).subject


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_fonts(data: bytes) -> dict[str, bool]:
    """Every font of the PDF and whether its program is embedded."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        for font in (resources.get_object().get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            fonts[str(font["/BaseFont"])] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts
