"""Identifiers of credit subjects: one module that every app uses (DOMAIN.md §2).

- `normalise(raw)`: strip all whitespace (also inner and full-width), drop invisible
  format characters (BOM, zero-width space), full-width → half-width (NFKC), upper-case.
- `classify(raw, hint=None)`: which kind of code it is by its shape.
- `check(raw, hint=None)`: a full `IdentifierVerdict` with a Chinese reason when invalid.

Kinds: 统一社会信用代码 (GB 32100-2015), 居民身份证号码 (GB 11643-1999), the old 15-digit
工商注册号 (GS 15-2006, ISO 7064 MOD 11,10) and 组织机构代码 (GB 11714-1997).
Checksums come from python-stdnum; the reasons are ours, in Chinese.

A natural person identified by another document (护照, 港澳居民来往内地通行证,
台湾居民来往大陆通行证, 其他: `OTHER_PERSON_DOCUMENTS`) is keyed by the document type AND
its number, `<证件类型>:<号码>` (`document_key`, e.g. `护照:E12345678`): the same number on
a passport and on a travel permit belongs to two documents and may belong to two people.
Such numbers carry no check character, so only their shape is checked
(`document_number_problem`: 5–20 letters or digits once normalised). The key is personal
information and is masked like a resident ID number (`masking.mask_id_number`).

Deliberate differences from python-stdnum:
- the first character of a USCC (the registering authority) is not required to be a digit:
  the standard has letter authorities (A, N, Y …), so "A1110000600037341L" fails on its
  check character, not on its format;
- an ID number's county code is not checked against historical county lists: only its
  format and its province prefix are checked (we claim no more than we check).

Codes that fail the check but are known to be real (e.g. `91350203M0001QAY9B`) are kept in
the audited override list (`core.models.IdentifierOverride`, changed only through
`core.identifier_services`); `check()` reports them valid with `overridden=True`.

`check()` is called for every row of a collection batch (up to 1,000,000 rows), so the
structural verdict is cached per input and the override set is cached in memory.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from operator import mul
from typing import Any

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc
from stdnum.iso7064 import mod_11_10 as _mod_11_10

from .masking import mask_id_number


class IdentifierKind(StrEnum):
    USCC = "uscc"
    RESIDENT_ID = "resident_id"
    REG_NO_15 = "reg_no_15"
    ORG_CODE = "org_code"
    OTHER_PERSONAL_ID = "other_personal_id"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS: dict[IdentifierKind, str] = {
    IdentifierKind.USCC: "统一社会信用代码",
    IdentifierKind.RESIDENT_ID: "居民身份证号码",
    IdentifierKind.REG_NO_15: "工商注册号（15位）",
    IdentifierKind.ORG_CODE: "组织机构代码",
    IdentifierKind.OTHER_PERSONAL_ID: "其他个人证件号码",
    IdentifierKind.UNKNOWN: "无法识别的代码",
}

# The catalogue's 证件类型 values (CF_XDR_ZJLX and its siblings) whose numbers are not of the
# 居民身份证 coding. 外国人永久居留身份证 and 港澳台居民居住证 share GB 11643 and are checked
# as resident ID numbers.
OTHER_PERSON_DOCUMENTS: tuple[str, ...] = (
    "护照",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "其他",
)
DOCUMENT_SEPARATOR = ":"
# Machine-readable passports carry a document number of up to 9 characters (ICAO Doc 9303),
# travel permits 8–11; 20 leaves room for other documents, and fewer than 5 characters is
# a keying slip, not a document number.
DOCUMENT_NUMBER_MIN = 5
DOCUMENT_NUMBER_MAX = 20
# A normalised number that passes `document_number_problem` (for the bulk path in polars).
DOCUMENT_NUMBER_PATTERN = rf"^[0-9A-Z]{{{DOCUMENT_NUMBER_MIN},{DOCUMENT_NUMBER_MAX}}}$"
_DOCUMENT_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

# GB 32100-2015 appendix A: registering authority (position 1) + category (position 2).
USCC_CATEGORIES: dict[str, str] = {
    "11": "机关",
    "12": "事业单位",
    "13": "中央编办直接管理机构编制的群众团体",
    "19": "其他（机构编制）",
    "21": "外国常驻新闻机构",
    "29": "其他（外交）",
    "31": "律师执业机构",
    "32": "公证处",
    "33": "基层法律服务所",
    "34": "司法鉴定机构",
    "35": "仲裁委员会",
    "39": "其他（司法行政）",
    "41": "外国在华文化中心",
    "49": "其他（文化）",
    "51": "社会团体",
    "52": "民办非企业单位",
    "53": "基金会",
    "59": "其他（民政）",
    "61": "外国旅游部门常驻代表机构",
    "62": "港澳台地区旅游部门常驻内地（大陆）代表机构",
    "69": "其他（旅游）",
    "71": "宗教活动场所",
    "72": "宗教院校",
    "79": "其他（宗教）",
    "81": "基层工会",
    "89": "其他（工会）",
    "91": "企业",
    "92": "个体工商户",
    "93": "农民专业合作社",
    "A1": "军队事业单位",
    "A9": "其他（军队编制）",
    "N1": "组级集体经济组织",
    "N2": "村级集体经济组织",
    "N3": "乡镇级集体经济组织",
    "N9": "其他（农业）",
    "Y1": "其他",
}

# Authority 1 is the 机构编制 department: 机关, 事业单位, 群众团体 and others whose staffing
# it manages — the platform's 政务诚信 subjects (DOMAIN.md §1, §11).
GOVERNMENT_AUTHORITY = "1"

# GB/T 2260 first-level (province) codes. "10" appears only as 100000: subjects registered
# by a national authority (e.g. 91100000710931483R, 中国人民财产保险股份有限公司).
PROVINCES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}
NATIONAL_REGION = "100000"

USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")  # GB 32100: no I, O, Z, S, V
_USCC_EXCLUDED = frozenset("IOZSV")
_DIGITS = frozenset("0123456789")
_ORG_BODY = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹘﹣－"), "-")
_EARLIEST_BIRTH_YEAR = 1900  # nobody alive was born earlier; older dates are typing errors

_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
# Identifiers of natural persons: personal information, masked for anyone but their
# lawful readers (DOMAIN.md §2).
PERSONAL_KINDS = frozenset({IdentifierKind.RESIDENT_ID, IdentifierKind.OTHER_PERSONAL_ID})


@dataclass(frozen=True)
class IdentifierVerdict:
    input: str
    normalised: str
    kind: IdentifierKind
    kind_label: str
    valid: bool
    reason: str = ""
    overridden: bool = False
    # USCC only
    category_code: str = ""
    category_label: str = ""
    is_government_body: bool = False
    embedded_org_code: str = ""
    embedded_org_code_valid: bool | None = None
    # USCC, resident ID and 15-digit registration number
    region_code: str = ""
    province: str = ""
    # resident ID only
    birth_date: date | None = None
    sex: str = ""

    def as_dict(self, *, masked: bool = False) -> dict[str, Any]:
        """JSON-ready form. `masked=True` hides a resident ID number and its birth date."""
        data = dataclasses.asdict(self)
        data["kind"] = self.kind.value
        data["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        if masked and self.kind in PERSONAL_KINDS:
            data["input"] = mask_id_number(normalise(self.input))
            data["normalised"] = mask_id_number(self.normalised)
            data["birth_date"] = None
        return data


# ---------------------------------------------------------------------------------------
# normalise and classify


def _normalise_once(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).translate(_DASHES)
    value = "".join(
        c for c in value if not c.isspace() and unicodedata.category(c) not in {"Cf", "Zs"}
    )
    return value.upper()


def normalise(raw: Any) -> str:
    """The comparable form of any code as typed: no spaces, half-width, upper-case."""
    if raw is None:
        return ""
    value = str(raw)
    if value.isascii() and value.isalnum():  # the common case, kept cheap
        return value.upper()
    # upper() may produce characters that NFKC composes again: iterate to a fixed point
    # so that normalise(normalise(x)) == normalise(x) for any text.
    for _ in range(5):
        new = _normalise_once(value)
        if new == value:
            break
        value = new
    return value


def document_key(document_type: str, number: str) -> str:
    """The key of a person identified by another document: its type (one of
    `OTHER_PERSON_DOCUMENTS`, as the catalogue spells it) and its normalised number."""
    return f"{document_type}{DOCUMENT_SEPARATOR}{normalise(number)}"


def split_document_key(value: Any) -> tuple[str, str] | None:
    """(document type, number) of a `document_key`, or None for anything else."""
    text = normalise(value)
    if DOCUMENT_SEPARATOR not in text:  # every USCC and resident ID: no further work
        return None
    document_type, _sep, number = text.partition(DOCUMENT_SEPARATOR)
    return (document_type, number) if document_type in OTHER_PERSON_DOCUMENTS else None


def document_number_problem(number: str) -> str:
    """Why a normalised number cannot be a 护照 / 通行证 / other document number ("" when
    it can): all that can be checked is its length and its characters."""
    reasons = []
    if not DOCUMENT_NUMBER_MIN <= len(number) <= DOCUMENT_NUMBER_MAX:
        reasons.append(
            f"长度错误：护照等证件号码应为{DOCUMENT_NUMBER_MIN}–{DOCUMENT_NUMBER_MAX}位，"
            f"实为{len(number)}位"
        )
    illegal = _illegal(number, _DOCUMENT_CHARS, note="（护照等证件号码只能由字母和数字组成）")
    if illegal:
        reasons.append(illegal)
    return "；".join(reasons)


def _ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _is_org_code_shape(code: str) -> bool:
    if len(code) == 10 and code[8] == "-":
        code = code[:8] + code[9]
    return len(code) == 9 and code.isascii() and code.isalnum()


def _province_ok(region: str) -> bool:
    return region[:2] in PROVINCES or region == NATIONAL_REGION


def _birth_date(code: str) -> date | None:
    try:
        born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return None
    if born.year < _EARLIEST_BIRTH_YEAR or born > date.today():
        return None
    return born


_USCC_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHJKLMNPQRTUWXY")}
_BASE36 = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # GB 32100: 3^(i-1) mod 31
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _uscc_check(first17: str) -> str:
    """GB 32100 check character; the same computation as stdnum.cn.uscc.calc_check_digit
    without its per-call clean-up (3× faster on the 1,000,000-row path). The tests prove
    both agree on every vector and every registry row."""
    # map() over C callables: no Python frame per character (a million codes per batch).
    total = sum(map(mul, map(_USCC_VALUES.__getitem__, first17), _USCC_WEIGHTS))
    return _USCC_CHARS[-total % 31]


def _org_check_char(body: str) -> str:
    total = sum(map(mul, map(_BASE36.__getitem__, body), _ORG_WEIGHTS))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def _guess_18(code: str) -> IdentifierKind:
    """An 18-character code is a USCC or a resident ID number; all-digit codes can be
    either, so decide by which check passes and which structure fits."""
    if not _ID_SHAPE.fullmatch(code):
        return IdentifierKind.USCC
    uscc_ok = _uscc_check(code[:17]) == code[17]
    ric_ok = _ric.calc_check_digit(code) == code[17]
    id_shape = code[:2] in PROVINCES and _birth_date(code) is not None
    if uscc_ok and not ric_ok:
        return IdentifierKind.USCC
    if ric_ok and not uscc_ok:
        return IdentifierKind.RESIDENT_ID
    if uscc_ok and ric_ok:
        uscc_shape = _province_ok(code[2:8]) and _org_check_char(code[8:16]) == code[16]
        # Both fit: prefer the ID number, which is then masked — the safer mistake.
        if uscc_shape and not id_shape:
            return IdentifierKind.USCC
        return IdentifierKind.RESIDENT_ID
    return IdentifierKind.RESIDENT_ID if id_shape else IdentifierKind.USCC


def _shape_kind(code: str) -> IdentifierKind:
    if not (code.isascii() and code.replace("-", "").isalnum()):
        return IdentifierKind.UNKNOWN
    if len(code) == 18:
        return _guess_18(code)
    if len(code) == 15 and _ascii_digits(code):
        return IdentifierKind.REG_NO_15
    if _is_org_code_shape(code):
        return IdentifierKind.ORG_CODE
    return IdentifierKind.UNKNOWN


def _mostly_code(code: str) -> bool:
    """Text with a stray character (U+FFFD, an O for a 0) is still a code; an address
    that happens to be 18 characters long is not."""
    good = sum(1 for c in code if c.isascii() and (c.isalnum() or c == "-"))
    return good * 5 >= len(code) * 4


def classify(raw: Any, hint: IdentifierKind | str | None = None) -> IdentifierKind:
    """The kind of code, by its shape. `hint` (the column it came from) decides when given."""
    return check(raw, hint).kind


# ---------------------------------------------------------------------------------------
# the checks


def _show(c: str) -> str:
    return c if c.isprintable() else f"U+{ord(c):04X}"


def _illegal(code: str, allowed: frozenset[str], *, note: str = "") -> str:
    if allowed.issuperset(code):  # the common case, at C speed
        return ""
    bad = [(i, c) for i, c in enumerate(code, 1) if c not in allowed]
    if not bad:
        return ""
    listed = "、".join(f"第{i}位“{_show(c)}”" for i, c in bad[:3])
    more = f"等{len(bad)}处" if len(bad) > 3 else ""
    return f"含非法字符：{listed}{more}{note}"


def _length_reason(kind: IdentifierKind, expected: str, actual: int) -> str:
    return f"长度错误：{kind.label}应为{expected}位，实为{actual}位"


def _check_uscc(raw: str, code: str) -> IdentifierVerdict:
    kind = IdentifierKind.USCC
    base: dict[str, Any] = {
        "input": raw,
        "normalised": code,
        "kind": kind,
        "kind_label": kind.label,
    }
    if len(code) != 18:
        return IdentifierVerdict(valid=False, reason=_length_reason(kind, "18", len(code)), **base)
    reasons: list[str] = []
    note = (
        "（统一社会信用代码不使用 I、O、Z、S、V）" if any(c in _USCC_EXCLUDED for c in code) else ""
    )
    illegal = _illegal(code, USCC_ALPHABET, note=note)
    if illegal:
        reasons.append(illegal)
    region = code[2:8]
    if not illegal:
        if not _ascii_digits(region):
            reasons.append(f"行政区划码错误：第3–8位“{region}”应为6位数字")
        elif not _province_ok(region):
            reasons.append(f"行政区划码错误：“{region[:2]}”不是省级行政区划代码")
        expected = _uscc_check(code[:17])
        if expected != code[17]:
            reasons.append(f"校验位错误：第18位应为“{expected}”，实为“{code[17]}”")
    return IdentifierVerdict(
        valid=not reasons, reason="；".join(reasons), **_uscc_facts(code), **base
    )


def _uscc_facts(code: str) -> dict[str, Any]:
    """What an 18-character USCC says about its subject, valid or not."""
    category = code[:2]
    region = code[2:8]
    org = code[8:17]
    org_ok = (
        _org_check_char(org[:8]) == org[8]
        if all(c in _ORG_BODY for c in org[:8]) and org.isascii()
        else False
    )
    return {
        "category_code": category,
        "category_label": USCC_CATEGORIES.get(
            category, f"未列明的类别（登记管理部门码“{_show(category[0])}”）"
        ),
        "is_government_body": category[0] == GOVERNMENT_AUTHORITY,
        "embedded_org_code": f"{org[:8]}-{org[8]}",
        "embedded_org_code_valid": org_ok,
        "region_code": region if _ascii_digits(region) else "",
        "province": PROVINCES.get(
            region[:2], "国家级登记机关" if region == NATIONAL_REGION else ""
        ),
    }


def _check_resident_id(raw: str, code: str) -> IdentifierVerdict:
    kind = IdentifierKind.RESIDENT_ID
    base: dict[str, Any] = {
        "input": raw,
        "normalised": code,
        "kind": kind,
        "kind_label": kind.label,
    }
    if len(code) != 18:
        reason = _length_reason(kind, "18", len(code))
        if len(code) == 15 and _ascii_digits(code):
            reason += "（15位旧号码已停用，请提供18位号码）"
        return IdentifierVerdict(valid=False, reason=reason, **base)
    illegal = _illegal(code[:17], _DIGITS)
    if code[17] not in _DIGITS and code[17] != "X":
        tail = f"第18位“{_show(code[17])}”应为数字或X"
        illegal = f"{illegal}、{tail}" if illegal else f"含非法字符：{tail}"
    if illegal:
        return IdentifierVerdict(valid=False, reason=illegal, **base)
    reasons: list[str] = []
    if code[:2] not in PROVINCES:
        reasons.append(f"行政区划码错误：“{code[:2]}”不是省级行政区划代码")
    born = _birth_date(code)
    if born is None:
        reasons.append(f"出生日期无效：“{code[6:14]}”不是{_EARLIEST_BIRTH_YEAR}年以来的有效日期")
    expected = _ric.calc_check_digit(code)
    if expected != code[17]:
        reasons.append(f"校验位错误：第18位应为“{expected}”，实为“{code[17]}”")
    return IdentifierVerdict(
        valid=not reasons, reason="；".join(reasons), **_resident_id_facts(code, born), **base
    )


def _resident_id_facts(code: str, born: date | None) -> dict[str, Any]:
    return {
        "region_code": code[:6],
        "province": PROVINCES.get(code[:2], ""),
        "birth_date": born,
        "sex": "男" if int(code[16]) % 2 else "女",  # GB 11643: odd sequence numbers are men
    }


def _check_reg_no(raw: str, code: str) -> IdentifierVerdict:
    kind = IdentifierKind.REG_NO_15
    base: dict[str, Any] = {
        "input": raw,
        "normalised": code,
        "kind": kind,
        "kind_label": kind.label,
    }
    if len(code) != 15:
        return IdentifierVerdict(valid=False, reason=_length_reason(kind, "15", len(code)), **base)
    illegal = _illegal(code, _DIGITS)
    if illegal:
        return IdentifierVerdict(valid=False, reason=illegal, **base)
    reasons = []
    if not _province_ok(code[:6]):
        reasons.append(f"行政区划码错误：“{code[:2]}”不是省级行政区划代码")
    expected = _mod_11_10.calc_check_digit(code[:14])
    if expected != code[14]:
        reasons.append(f"校验位错误：第15位应为“{expected}”，实为“{code[14]}”")
    return IdentifierVerdict(
        valid=not reasons,
        reason="；".join(reasons),
        region_code=code[:6],
        province=PROVINCES.get(code[:2], ""),
        **base,
    )


def _check_org_code(raw: str, code: str) -> IdentifierVerdict:
    kind = IdentifierKind.ORG_CODE
    compact = code[:8] + code[9:] if len(code) == 10 and code[8] == "-" else code
    canonical = f"{compact[:8]}-{compact[8:]}" if len(compact) == 9 else code
    base: dict[str, Any] = {
        "input": raw,
        "normalised": canonical,
        "kind": kind,
        "kind_label": kind.label,
    }
    if len(compact) != 9:
        return IdentifierVerdict(
            valid=False, reason=_length_reason(kind, "9（不含连字符）", len(compact)), **base
        )
    illegal = _illegal(compact[:8], _ORG_BODY)
    if compact[8] not in _DIGITS and compact[8] != "X":
        tail = f"第9位“{_show(compact[8])}”应为数字或X"
        illegal = f"{illegal}、{tail}" if illegal else f"含非法字符：{tail}"
    if illegal:
        return IdentifierVerdict(valid=False, reason=illegal, **base)
    expected = _org_check_char(compact[:8])
    if expected != compact[8]:
        return IdentifierVerdict(
            valid=False,
            reason=f"组织机构代码校验位错误：应为“{expected}”，实为“{compact[8]}”",
            **base,
        )
    return IdentifierVerdict(valid=True, **base)


def _check_other_personal_id(raw: str, code: str) -> IdentifierVerdict:
    kind = IdentifierKind.OTHER_PERSONAL_ID
    base: dict[str, Any] = {
        "input": raw,
        "normalised": code,
        "kind": kind,
        "kind_label": kind.label,
    }
    parts = split_document_key(code)
    if parts is None:
        types = "、".join(OTHER_PERSON_DOCUMENTS)
        return IdentifierVerdict(
            valid=False,
            reason=f"应写作“证件类型:证件号码”（如 护照:E12345678），证件类型为{types}之一",
            **base,
        )
    reason = document_number_problem(parts[1])
    return IdentifierVerdict(valid=not reason, reason=reason, **base)


_CHECKERS = {
    IdentifierKind.USCC: _check_uscc,
    IdentifierKind.RESIDENT_ID: _check_resident_id,
    IdentifierKind.REG_NO_15: _check_reg_no,
    IdentifierKind.ORG_CODE: _check_org_code,
    IdentifierKind.OTHER_PERSONAL_ID: _check_other_personal_id,
}


def _coerce_hint(hint: IdentifierKind | str | None) -> IdentifierKind | None:
    if hint is None or hint == "":
        return None
    try:
        kind = IdentifierKind(hint)
    except ValueError:
        return None
    return None if kind == IdentifierKind.UNKNOWN else kind


@lru_cache(maxsize=1 << 17)
def _structural(raw: str, hint: IdentifierKind | None) -> IdentifierVerdict:
    code = normalise(raw)
    if not code:
        empty = hint or IdentifierKind.UNKNOWN
        return IdentifierVerdict(raw, "", empty, empty.label, False, "为空：未提供代码")
    kind: IdentifierKind | None = hint
    if kind is None and split_document_key(code) is not None:
        kind = IdentifierKind.OTHER_PERSONAL_ID
    if kind is None:
        kind = _shape_kind(code)
        if kind == IdentifierKind.UNKNOWN and len(code) in {9, 10, 15, 18} and _mostly_code(code):
            # A code of the right length with a stray character: report that character.
            kind = {15: IdentifierKind.REG_NO_15, 18: IdentifierKind.USCC}.get(
                len(code), IdentifierKind.ORG_CODE
            )
    if kind is None or kind == IdentifierKind.UNKNOWN:
        kind = IdentifierKind.UNKNOWN
        if len(code) in {9, 10, 15, 18}:
            reason = f"无法识别：共{len(code)}位，但不是任何代码的格式"
        else:
            reason = (
                f"长度错误：共{len(code)}位，不是统一社会信用代码或居民身份证号码（18位）、"
                "工商注册号（15位）或组织机构代码（9位）"
            )
        if len(code) == 13 and _ascii_digits(code):
            reason += "；13位数字可能是旧版工商注册号，无法校验，请提供统一社会信用代码"
        illegal = _illegal(code, _ORG_BODY | {"-"})
        if illegal:
            reason += "；" + illegal
        return IdentifierVerdict(raw, code, kind, kind.label, False, reason)
    return _CHECKERS[kind](raw, code)


# ---------------------------------------------------------------------------------------
# the audited override list, cached


_OVERRIDE_TTL = 30.0  # seconds; another process's change is seen within this time
_override_lock = threading.Lock()
_override_cache: tuple[float, frozenset[str]] | None = None


def invalidate_overrides() -> None:
    """Forget the cached override set (called by the services after every change)."""
    global _override_cache
    with _override_lock:
        _override_cache = None


def active_overrides() -> frozenset[str]:
    """The normalised codes of the active override list, read at most every 30 seconds."""
    global _override_cache
    cached = _override_cache
    now = time.monotonic()
    if cached is not None and now - cached[0] < _OVERRIDE_TTL:
        return cached[1]
    from django.db import DatabaseError

    from .models import IdentifierOverride

    try:
        codes = frozenset(
            IdentifierOverride.objects.filter(active=True).values_list("code", flat=True)
        )
    except DatabaseError:
        # Tables not migrated yet (a fresh installation): nothing is overridden, and
        # nothing is cached so that the list is read once it exists.
        return frozenset()
    with _override_lock:
        _override_cache = (now, codes)
    return codes


def check(
    raw: Any,
    hint: IdentifierKind | str | None = None,
    *,
    overrides: frozenset[str] | None = None,
) -> IdentifierVerdict:
    """The verdict for one code. `hint` is the kind the source column promises (e.g. the
    CF_XDR_ZJHM column holds a resident ID); without it the kind is taken from the shape.
    `overrides`: a snapshot of `active_overrides()` for callers that must not read the
    database (the collection pipeline's reading thread)."""
    text = "" if raw is None else str(raw)
    verdict = _structural(text, _coerce_hint(hint))
    if (
        not verdict.valid
        and verdict.normalised
        and verdict.normalised in (active_overrides() if overrides is None else overrides)
    ):
        return dataclasses.replace(verdict, valid=True, reason="", overridden=True)
    return verdict


def structural_check(raw: Any, hint: IdentifierKind | str | None = None) -> IdentifierVerdict:
    """The verdict ignoring the override list (what the code itself says)."""
    return _structural("" if raw is None else str(raw), _coerce_hint(hint))


def org_code_check_char(body: str) -> str:
    """The check character of an organisation code's 8-character body (GB 11714);
    ValueError for anything else."""
    body = normalise(body)
    if len(body) != 8 or any(c not in _ORG_BODY for c in body):
        raise ValueError("组织机构代码本体应为8位数字或大写字母")
    return _org_check_char(body)


def uscc_check_char(first17: str) -> str:
    """The 18th character of a USCC from its first 17 (GB 32100, via python-stdnum)."""
    return str(_uscc.calc_check_digit(normalise(first17)))


def resident_id_check_char(first17: str) -> str:
    """The 18th character of a resident ID number from its first 17 (GB 11643)."""
    return str(_ric.calc_check_digit(normalise(first17) + "0"))


def mask_identifier(value: IdentifierVerdict | str | None) -> str:
    """A code as it may be shown to anyone: resident ID numbers masked (first 6, last 4)
    and other personal documents (`护照 E*******8`), everything else in full — a USCC is
    public."""
    if value is None:
        return ""
    verdict = value if isinstance(value, IdentifierVerdict) else check(value)
    if verdict.kind in PERSONAL_KINDS or (
        # An invalid 18-digit code may be a mistyped ID number: never show it in full.
        not verdict.valid and _ID_SHAPE.fullmatch(verdict.normalised)
    ):
        return mask_id_number(verdict.normalised)
    return verdict.normalised


# ---------------------------------------------------------------------------------------
# the bulk shortcut

_USCC_CANONICAL = r"^[0-9A-HJ-NP-RTUW-Y]{18}$"  # the alphabet of USCC_ALPHABET, upper case
_ID_CANONICAL = r"^[0-9]{17}[0-9X]$"
_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # GB 11643 (ISO 7064 MOD 11-2)
_RIC_CHARS = "10X98765432"  # check character by weighted sum mod 11


def _weighted_sum(column: Any, values: dict[str, int] | None, weights: tuple[int, ...]) -> Any:
    import polars as pl

    parts = []
    for i, weight in enumerate(weights):
        char = column.str.slice(i, 1)
        value = (
            char.cast(pl.Int64, strict=False)
            if values is None
            else char.replace_strict(values, default=None, return_dtype=pl.Int64)
        )
        parts.append(value * weight)
    return pl.sum_horizontal(parts)


def surely_valid(column: Any, kind: IdentifierKind) -> Any:
    """A polars expression: True where a text cell is already in normalised form and
    passes every check `check(cell, kind)` makes (USCC and resident ID only).

    The bulk path's shortcut for the million-row load: the cells it marks True are valid
    without a Python call each; a False means "ask `check()`" (for its reason, an override,
    or a form that needs normalising), never "invalid". The tests hold it to `check()`
    on generated and real codes."""
    import polars as pl

    if kind == IdentifierKind.USCC:
        region = column.str.slice(2, 6)
        provinces = list(PROVINCES)
        total = _weighted_sum(column, _USCC_VALUES, _USCC_WEIGHTS)
        expected = ((-total) % 31).replace_strict(
            list(range(31)), list(_USCC_CHARS), return_dtype=pl.Utf8
        )
        return (
            column.str.contains(_USCC_CANONICAL)
            & region.str.contains(r"^[0-9]{6}$")
            & (region.str.slice(0, 2).is_in(provinces) | (region == NATIONAL_REGION))
            & (column.str.slice(17, 1) == expected)
        ).fill_null(False)
    if kind == IdentifierKind.RESIDENT_ID:
        born = column.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
        total = _weighted_sum(column, None, _RIC_WEIGHTS)
        expected = (total % 11).replace_strict(
            list(range(11)), list(_RIC_CHARS), return_dtype=pl.Utf8
        )
        return (
            column.str.contains(_ID_CANONICAL)
            & column.str.slice(0, 2).is_in(list(PROVINCES))
            & (born.dt.year() >= _EARLIEST_BIRTH_YEAR)
            & (born <= date.today())
            & (column.str.slice(17, 1) == expected)
        ).fill_null(False)
    return pl.lit(False)


def verdict_of_surely_valid(code: str, kind: IdentifierKind) -> IdentifierVerdict:
    """The verdict `check(code, kind)` gives for a code that `surely_valid` marked, built
    without repeating the checks (a million-row batch has ~250,000 such codes). Only for
    those codes: anything else must go through `check()`."""
    base: dict[str, Any] = {
        "input": code,
        "normalised": code,
        "kind": kind,
        "kind_label": kind.label,
    }
    if kind == IdentifierKind.USCC:
        return IdentifierVerdict(valid=True, **_uscc_facts(code), **base)
    born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    return IdentifierVerdict(valid=True, **_resident_id_facts(code, born), **base)
