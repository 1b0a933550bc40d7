"""Masking for every public output (DOMAIN.md §2: keep the first 6 and last 4 of an ID
number, 3+4 of a phone, the first character of a person's name). A person keyed by
another ID document (`护照:E12345678`) keeps the document type and the number's first and
last character (`护照 E*******8`).

In free text an 18-character number is masked when it is a resident ID number by GB 11643,
or when the text calls it one (身份证、证件号码 just before it: a mistyped check character
does not make a person's number public). Permit numbers, all-digit USCCs and other
18-digit numbers are public and must stay readable."""

from __future__ import annotations

import re

_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


# A natural person's other ID document as the platform keys it (core.identifiers:
# `<证件类型>:<号码>`, e.g. 护照:E12345678). Only a type made of Chinese characters is taken
# as one, so that nothing before the colon can be a number shown in full.
_DOCUMENT_KEY = re.compile(r"^([\u4e00-\u9fff]{2,20})[:：](.*)$")


def mask_document_number(value: str | None) -> str:
    """A passport or travel-permit number as anyone may see it: its first and last
    character only (`E*******8`). These numbers are short and have no public structure
    such as the region and birth date of a resident ID, so the 6+4 convention would show
    most of them."""
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 2:
        return "*" * len(v)
    return v[0] + "*" * (len(v) - 2) + v[-1]


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    v = value.strip()
    document = _DOCUMENT_KEY.match(v)
    if document:
        return f"{document.group(1)} {mask_document_number(document.group(2))}"
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


# What a text writes just before a number it calls an ID number (身份证号 、公民身份号码：
# 证件号码为 …), up to a few characters of punctuation and spaces.
_CALLED_ID = re.compile(r"(身份证|身份号码|证件号)[码号]?[为是：:\s，,（(]{0,3}$")


def _mask_id_match(m: re.Match[str]) -> str:
    # Imported here: identifiers imports this module (mask_id_number).
    from .identifiers import IdentifierKind, structural_check

    if _CALLED_ID.search(m.string[max(0, m.start() - 10) : m.start()]):
        return m.group(1) + "********" + m.group(3)
    # structural_check, not check: a template filter must not read the override list
    # from the database, and the list holds codes that fail their check, not ID numbers.
    verdict = structural_check(m.group(0))
    if verdict.kind == IdentifierKind.RESIDENT_ID and verdict.valid:
        return m.group(1) + "********" + m.group(3)
    return m.group(0)


def mask_text(text: str | None, *, person_name: str | None = None) -> str:
    """Mask resident ID numbers and mobile numbers wherever they appear inside free text.
    `person_name`: on a natural person's record, their full name is masked in the text
    as in the name field."""
    if not text:
        return ""
    text = _ID18.sub(_mask_id_match, text)
    text = _PHONE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    name = (person_name or "").strip()
    # A one-character "name" (a keying error) would star that character everywhere.
    if len(name) >= 2:
        text = text.replace(name, mask_name(name))
    return text
