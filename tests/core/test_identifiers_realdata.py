"""Identifiers against data nobody on the project wrote: python-stdnum's own test vectors
and 28,101 rows of a real enterprise registry (shared/realdata, see its README)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest

from xinyong.core import identifiers
from xinyong.core.identifiers import IdentifierKind, check

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_override_cache():
    identifiers.invalidate_overrides()
    yield
    identifiers.invalidate_overrides()


def _oracle(path):
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            rows.append((parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    return rows


def test_uscc_oracle_vectors(realdata):
    rows = _oracle(realdata / "oracles" / "uscc_cases_python-stdnum.tsv")
    assert len(rows) == 390
    outcomes = Counter()
    for code, expected, _note in rows:
        v = check(code, IdentifierKind.USCC)
        if expected == "valid":
            assert v.valid, (code, v.reason)
            assert v.kind == IdentifierKind.USCC
        else:
            assert not v.valid, code
        outcomes[(expected, v.reason.split("：")[0])] += 1
    assert outcomes == {
        ("valid", ""): 386,
        ("InvalidLength", "长度错误"): 1,
        # stdnum rejects a letter authority as a format error; we accept the authority
        # (GB 32100 has letter authorities) and the check character then fails.
        ("InvalidFormat", "校验位错误"): 1,
        ("InvalidFormat", "含非法字符"): 1,
        ("InvalidChecksum", "校验位错误"): 1,
    }
    # Without a hint, every valid vector is still recognised as a USCC.
    assert all(check(c).kind == IdentifierKind.USCC for c, e, _ in rows if e == "valid")


def test_resident_id_oracle_vectors(realdata):
    rows = _oracle(realdata / "oracles" / "ric_cases_python-stdnum.tsv")
    assert len(rows) == 12
    seen = {}
    for code, expected, _note in rows:
        v = check(code, IdentifierKind.RESIDENT_ID)
        seen[code] = (v.valid, v.reason.split("：")[0])
        if expected == "valid" or expected.startswith("valid-checksum"):
            # We check format, province, birth date and check digit, not historical
            # county lists: "valid-checksum" vectors (county not registered in the birth
            # year) are valid for us by design.
            assert v.valid, (code, v.reason)
    assert seen["990426199112010074"] == (False, "行政区划码错误")
    assert seen["T60426199101010078"] == (False, "含非法字符")
    assert seen["360426199113010079"] == (False, "出生日期无效")
    assert seen["36042619910102009X"] == (False, "校验位错误")
    assert check("44011320141005001x").normalised == "44011320141005001X"
    assert check("360426199101010071").sex == "男"


def test_every_registry_row_gets_a_verdict(realdata):
    files = sorted((realdata / "enterprise-registration-cn" / "csv").glob("*/*.csv"))
    assert len(files) == 29
    kinds = Counter()
    reasons = Counter()
    widths = Counter()
    government = categories_92 = rows = 0
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            assert header is not None and header[1] == "统一社会信用代码"
            for row in reader:
                rows += 1
                widths[len(row)] += 1
                v = check(row[1] if len(row) > 1 else "")
                kinds[(v.kind, v.valid)] += 1
                reasons[v.reason.split("：")[0]] += 1
                government += v.is_government_body
                categories_92 += v.valid and v.category_code == "92"
    assert rows == 28_101
    assert widths == {10: 28_085, 11: 16}
    assert kinds == {
        (IdentifierKind.USCC, True): 27_609,
        (IdentifierKind.USCC, False): 4,
        (IdentifierKind.REG_NO_15, True): 339,
        (IdentifierKind.ORG_CODE, True): 3,
        (IdentifierKind.UNKNOWN, False): 146,
    }
    assert reasons == {"": 27_951, "长度错误": 133, "无法识别": 13, "校验位错误": 4}
    assert government == 5
    assert categories_92 == 267


def test_known_defects_in_the_registry(realdata):
    # Named in the realdata README.
    assert check("91340000148941384F").reason.startswith("校验位错误")
    # Every lower-case x in this registry turns out to be a real X once upper-cased.
    for raw in ["91440101x18407888T", "91510823MA6CJ9UAxx", "9137068716530044xP"]:
        v = check(raw)
        assert (v.normalised, v.valid) == (raw.upper(), True)
    assert check("91420684179660622T").reason == "校验位错误：第18位应为“5”，实为“T”"
    # An address that slipped into the code column (2002/江苏.csv) is not a code at all.
    v = check("\ufffd" * 14 + "·174")
    assert v.kind == IdentifierKind.UNKNOWN
    assert v.reason.startswith("无法识别：共18位，但不是任何代码的格式；含非法字符：第1位“\ufffd”")
    assert check("95028570-8").kind == IdentifierKind.ORG_CODE


def test_empty_registry_file_has_only_a_header(realdata):
    path = realdata / "enterprise-registration-cn" / "csv" / "2000" / "湖北.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        assert len(list(csv.reader(fh))) == 1


def test_fast_uscc_check_agrees_with_python_stdnum(realdata):
    from stdnum.cn import uscc

    codes = [c for c, _e, _n in _oracle(realdata / "oracles" / "uscc_cases_python-stdnum.tsv")]
    for path in sorted((realdata / "enterprise-registration-cn" / "csv").glob("*/*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            codes += [row[1].upper() for row in csv.reader(fh) if len(row) > 1]
    usable = [c for c in codes if len(c) == 18 and all(ch in identifiers.USCC_ALPHABET for ch in c)]
    assert len(usable) == 28_000
    for code in usable:
        assert identifiers._uscc_check(code[:17]) == uscc.calc_check_digit(code[:17]), code


def _surely_valid(values: list[str], kind: IdentifierKind) -> list[bool]:
    import polars as pl

    frame = pl.DataFrame({"v": values}, schema={"v": pl.Utf8})
    return frame.select(identifiers.surely_valid(pl.col("v"), kind)).to_series().to_list()


def test_bulk_shortcut_never_passes_a_code_check_refuses(realdata):
    """The collection pipeline skips check() for cells `surely_valid` marks: on every real
    code (and the oracle vectors, and the same codes in lower case) it must agree with
    check() exactly where it says True, and say True for every canonical valid USCC."""
    codes = [c for c, _e, _n in _oracle(realdata / "oracles" / "uscc_cases_python-stdnum.tsv")]
    for path in sorted((realdata / "enterprise-registration-cn" / "csv").glob("*/*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            codes += [row[1] for row in csv.reader(fh) if len(row) > 1]
    codes += [c.lower() for c in codes[:500]]
    marks = _surely_valid(codes, IdentifierKind.USCC)
    passed = 0
    for code, mark in zip(codes, marks, strict=True):
        verdict = identifiers.structural_check(code, IdentifierKind.USCC)
        if mark:
            assert verdict.valid and verdict.normalised == code, code
            passed += 1
        else:
            assert not (verdict.valid and verdict.normalised == code), code
    assert passed > 27_000


def test_bulk_shortcut_for_resident_ids(realdata):
    rows = _oracle(realdata / "oracles" / "ric_cases_python-stdnum.tsv")
    codes = [c for c, _e, _n in rows]
    codes += [
        "11010519491231002X",  # valid (GB 11643 example)
        "11010519491231002x",  # lower-case x: check() normalises it, the shortcut defers
        "110105194912310021",  # wrong check character
        "990105194912310023",  # no such province
        "110105189912310028",  # born before 1900
        "110105202302290021",  # 29 February of a common year
        f"110105{date.today().year + 1}01010011",  # born in the future
    ]
    marks = _surely_valid(codes, IdentifierKind.RESIDENT_ID)
    for code, mark in zip(codes, marks, strict=True):
        verdict = identifiers.structural_check(code, IdentifierKind.RESIDENT_ID)
        assert mark == (verdict.valid and verdict.normalised == code), code
    assert marks[-7:] == [True, False, False, False, False, False, False]


def test_verdict_of_a_surely_valid_code_is_the_verdict_of_check(realdata):
    codes = []
    for path in sorted((realdata / "enterprise-registration-cn" / "csv").glob("*/*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            codes += [row[1] for row in csv.reader(fh) if len(row) > 1]
    usccs = [c for c, m in zip(codes, _surely_valid(codes, IdentifierKind.USCC), strict=True) if m]
    ids = [
        first17 + identifiers.resident_id_check_char(first17)
        for first17 in ("11010519491231002", "41050320040829161", "44030419850101001")
    ]
    ids = [c for c, m in zip(ids, _surely_valid(ids, IdentifierKind.RESIDENT_ID), strict=True) if m]
    assert len(usccs) > 27_000 and len(ids) == 3
    for code, kind in [(c, IdentifierKind.USCC) for c in usccs] + [
        (c, IdentifierKind.RESIDENT_ID) for c in ids
    ]:
        assert identifiers.verdict_of_surely_valid(code, kind) == identifiers.check(code, kind)
