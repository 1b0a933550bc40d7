"""Masking for every public output (DOMAIN.md §2: keep the first 6 and last 4 of an ID
number, 3+4 of a phone, the first character of a person's name). A person keyed by
another ID document (`护照:E12345678`) keeps the document type and the number's first and
last character (`护照 E*******8`).

In free text an 18-character number is masked when it is a resident ID number by GB 11643,
or when the text calls it one (身份证、证件号码 just before it: a mistyped check character
does not make a person's number public). Permit numbers, all-digit USCCs and other
18-digit numbers are public and must stay readable. A 15-digit number is masked only when
it is a plausible first-generation ID number (province, yymmdd birth date) AND the text
calls it an ID number: a 15-digit 工商注册号 has the same shape and is public.

A passport or travel-permit number (5–20 letters and digits, at least one digit) has no
structure to recognise it by, and the same shape as case and file numbers: it is masked
like a document key (`E*******8`) only where the text names the document just before it
(护照号码、港澳通行证号、台胞证、回乡证 …), or calls it an ID number (证件号码、身份证 …)
and it has a letter and is no valid USCC (public, and an ID number proper is all digits).

Mobile numbers are masked by their shape, as people write them: `13812345678`,
`138 1234 5678`, `138-1234-5678`, with or without `+86` / `86` / `0086` (kept). A landline
(`0372-1234567`) is masked only where the text calls it a telephone number (电话、座机 …
just before it), keeping the area code and the last 4 digits: an area code and 7–8 digits
is also the shape of file and permit numbers, which must stay readable.

Every rule reads full-width digits, letters and punctuation (`１３８１２３４５６７８`,
`…００７Ｘ`, `１３８－１２３４－５６７８`, mixed widths too) as their ASCII forms, as Chinese
input methods type them: a text is masked exactly where its ASCII form would be, and what
is shown of a masked number, like all the text around it, stays as written."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

# The full-width forms of the printable ASCII characters (U+FF01–FF5E) and the ideographic
# space, read as ASCII (what NFKC does to them, one character for one, so that positions in
# the folded text are positions in the text as written). Full NFKC would also read "²" or
# "①" as digits, and changes lengths.
_HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


class _Written:
    """A match found in the folded text, and its groups as the text writes them."""

    def __init__(self, match: re.Match[str], text: str):
        self.match = match
        self.text = text

    def __call__(self, group: int = 0) -> str:
        start, end = self.match.span(group)
        return self.text[start:end] if start >= 0 else ""


def _sub(pattern: re.Pattern[str], replace: Callable[[_Written], str], text: str) -> str:
    """`pattern.sub` matched on the text with full-width characters read as ASCII: the
    patterns and their checks see `１３８` as `138`, the output keeps what is not masked
    as written. `replace` decides on `written.match` (folded) and builds the masked form
    from `written(group)`."""
    folded = text.translate(_HALF_WIDTH)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(folded):
        parts.append(text[last : match.start()])
        parts.append(replace(_Written(match, text)))
        last = match.end()
    parts.append(text[last:])
    return "".join(parts)


_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
# A first-generation resident ID number (GB 11643-1989, 15 digits; replaced by the 18-digit
# GB 11643-1999 and still found in older texts): 6-digit region, yymmdd birth date, 3-digit
# sequence, no check character.
_ID15 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{6})(\d{3})(?![0-9A-Za-z])")
# A mainland mobile number, optionally after the country code (kept as written), grouped
# 3-4-4 with one kind of separator or none. Mixed separators are not grouping (a hyphen
# and a full-width hyphen are one kind: `_sub` reads both as "-").
_PHONE = re.compile(r"(?<![\d+])((?:\+|00)?86[ \-]?)?(1[3-9]\d)([ \-]?)(\d{4})\3(\d{4})(?!\d)")
# A landline: area code (010, 02x, 0xxx) and a 7- or 8-digit local number, the area code
# set off by a hyphen, a space or brackets (full-width ones too, read as ASCII by `_sub`).
_LANDLINE = re.compile(
    r"(?<![0-9A-Za-z])(0(?:10|2\d|[3-9]\d{2}))(\)\s?|[ \-])(\d{3,4})(\d{4})(?!\d)"
)


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


# What a text writes just before a number it calls an ID number (身份证号 、身份证号码：
# 公民身份号码： 证件号码为 …), up to a few characters of punctuation and spaces.
_CALLED_ID = re.compile(r"(身份证|身份号码|证件号)(?:号码|[码号])?[为是：:\s，,（(]{0,3}$")


def _called_id(m: re.Match[str]) -> bool:
    return bool(_CALLED_ID.search(m.string[max(0, m.start() - 10) : m.start()]))


def _mask_id_match(written: _Written) -> str:
    # Imported here: identifiers imports this module (mask_id_number).
    from .identifiers import IdentifierKind, structural_check

    m = written.match
    if _called_id(m):
        return written(1) + "********" + written(3)
    # structural_check, not check: a template filter must not read the override list
    # from the database, and the list holds codes that fail their check, not ID numbers.
    verdict = structural_check(m.group(0))
    if verdict.kind == IdentifierKind.RESIDENT_ID and verdict.valid:
        return written(1) + "********" + written(3)
    return written()


def _plausible_id15(code: str) -> bool:
    """A known province and a real birth date. The number has no century: everyone given
    one was born in the 1900s."""
    from .identifiers import PROVINCES

    try:
        date(1900 + int(code[6:8]), int(code[8:10]), int(code[10:12]))
    except ValueError:
        return False
    return code[:2] in PROVINCES


def _mask_id15_match(written: _Written) -> str:
    m = written.match
    if _called_id(m) and _plausible_id15(m.group(0)):
        return mask_id_number(written())
    return written()


# A passport or permit number as `core.identifiers.document_number_problem` allows it
# (5–20 letters and digits; full-width ones are read as ASCII by `_sub`) with at least one
# digit. `*` counts as part of a number, so that what an earlier rule masked is not cut
# into new numbers.
_DOC_CHARS = "0-9A-Za-z"
_DOCUMENT_NO = re.compile(
    rf"(?<![{_DOC_CHARS}*])(?=[A-Za-z]*[0-9])[{_DOC_CHARS}]{{5,20}}(?![{_DOC_CHARS}*])"
)
# What a text writes just before a number it names as a passport or a travel permit
# (护照号码：、往来港澳通行证编号为、台湾居民来往大陆通行证:、台胞证 …). Only the permits of
# persons (港澳、台湾、内地、大陆 before 通行证): a lorry's 通行证 number is no one's.
_CALLED_DOCUMENT = re.compile(
    r"(护照|(?:港澳|台湾|内地|大陆)通行证|回乡证|台胞证)(?:证件)?(?:号码|号|编号)?"
    r"[为是：:\s，,（(]{0,3}$"
)


def _mask_document_match(written: _Written) -> str:
    # Imported here: identifiers imports this module (mask_id_number).
    from .identifiers import IdentifierKind, structural_check

    m = written.match
    number = m.group(0)
    if _CALLED_DOCUMENT.search(m.string[max(0, m.start() - 16) : m.start()]):
        return mask_document_number(written())
    if _called_id(m) and not number.isdigit():
        verdict = structural_check(number)
        if not (verdict.kind == IdentifierKind.USCC and verdict.valid):
            return mask_document_number(written())
    return written()


def _mask_phone_match(written: _Written) -> str:
    return written(1) + written(2) + "****" + written(5)


# What a text writes just before a number it calls a telephone number (电话：、联系电话为、
# 座机 …).
_CALLED_PHONE = re.compile(
    r"(电话|座机|固话|联系方式|联系号码|[Tt][Ee][Ll])[号码为是：:\s，,（(]{0,3}$"
)


def _mask_landline_match(written: _Written) -> str:
    m = written.match
    if not _CALLED_PHONE.search(m.string[max(0, m.start() - 10) : m.start()]):
        return written()
    return written(1) + written(2) + "*" * len(m.group(3)) + written(4)


def mask_text(text: str | None, *, person_name: str | None = None) -> str:
    """Mask resident ID numbers, the passport and permit numbers the text names, and
    telephone numbers wherever they appear inside free text. `person_name`: on a natural
    person's record, their full name is masked in the text as in the name field."""
    if not text:
        return ""
    text = _sub(_ID18, _mask_id_match, text)
    text = _sub(_ID15, _mask_id15_match, text)
    # After the ID rules (what they masked is no document number) and before the phone
    # rule, which would otherwise show most of a passport number E13812345678.
    text = _sub(_DOCUMENT_NO, _mask_document_match, text)
    text = _sub(_PHONE, _mask_phone_match, text)
    text = _sub(_LANDLINE, _mask_landline_match, text)
    name = (person_name or "").strip()
    # A one-character "name" (a keying error) would star that character everywhere.
    if len(name) >= 2:
        text = text.replace(name, mask_name(name))
    return text
