"""Masking for every public output (DOMAIN.md §2: keep the first 6 and last 4 of an ID
number, 3+4 of a phone, the first character of a person's name)."""

from __future__ import annotations

import re

_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 10:
        return v[:1] + "*" * max(len(v) - 2, 1) + v[-1:] if len(v) > 2 else "*" * len(v)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    v = value.strip()
    return v[:1] + "*" * max(len(v) - 1, 1)


def mask_text(text: str | None) -> str:
    """Mask ID numbers and mobile numbers wherever they appear inside free text."""
    if not text:
        return ""
    text = _ID18.sub(lambda m: m.group(1) + "********" + m.group(3), text)
    text = _PHONE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return text
