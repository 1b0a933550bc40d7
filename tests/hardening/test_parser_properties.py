"""Property tests (hypothesis) of the parsers every department cell goes through:
identifiers (core.identifiers), dates and amounts (collection.pipeline.validate).

Bounded for CI: at most 200 examples per property, no deadline (the machine is shared)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.catalog.fieldspec import FieldSpec, get_spec
from xinyong.collection.pipeline.validate import (
    code_parser,
    decimal_parser,
    free_code_parser,
    integer_parser,
    parse_date,
)
from xinyong.core import identifiers
from xinyong.core.identifiers import PROVINCES, USCC_CATEGORIES, IdentifierKind, check

pytestmark = pytest.mark.django_db

BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
DIGITS = "0123456789"
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in DIGITS + "ABCDEFGHJKLMNPQRTUWXYX"}


@pytest.fixture(autouse=True)
def _no_overrides():
    # A generated code never matches the override list; keep its cache out of the way.
    identifiers.invalidate_overrides()
    yield
    identifiers.invalidate_overrides()


# ------------------------------------------------------------------ generators


@st.composite
def usccs(draw: st.DrawFn) -> str:
    category = draw(st.sampled_from(sorted(USCC_CATEGORIES)))
    province = draw(st.sampled_from(sorted(PROVINCES)))
    county = draw(st.text(DIGITS, min_size=4, max_size=4))
    body = draw(st.text(USCC_CHARS, min_size=9, max_size=9))
    first17 = category + province + county + body
    return first17 + identifiers.uscc_check_char(first17)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCES)))
    county = draw(st.text(DIGITS, min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    serial = draw(st.text(DIGITS, min_size=3, max_size=3))
    first17 = f"{province}{county}{born:%Y%m%d}{serial}"
    return first17 + identifiers.resident_id_check_char(first17)


def written_by_hand(code: str, data: st.DataObject) -> str:
    """The code as people type it: lower case, full-width characters, spaces inside."""
    out = []
    for c in code:
        style = data.draw(st.sampled_from(["same", "lower", "full", "space"]))
        if style == "lower":
            out.append(c.lower())
        elif style == "full":
            out.append(FULL_WIDTH.get(c, c))
        elif style == "space":
            out.append(c + data.draw(st.sampled_from([" ", "\u3000", "\t"])))
        else:
            out.append(c)
    return "".join(out)


def one_change(code: str, alphabet: str, data: st.DataObject) -> str:
    position = data.draw(st.integers(0, len(code) - 1))
    other = data.draw(st.sampled_from([c for c in alphabet if c != code[position]]))
    return code[:position] + other + code[position + 1 :]


# ------------------------------------------------------------------ identifiers


@BOUNDED
@given(usccs(), st.data())
def test_a_generated_uscc_is_accepted_and_normalised(code: str, data: st.DataObject) -> None:
    typed = written_by_hand(code, data)
    verdict = check(typed, IdentifierKind.USCC)
    assert (verdict.valid, verdict.normalised, verdict.reason) == (True, code, "")
    assert code_parser(IdentifierKind.USCC, "统一社会信用代码")(typed) == (code, None)


@BOUNDED
@given(usccs(), st.data())
def test_one_changed_character_of_a_uscc_is_rejected(code: str, data: st.DataObject) -> None:
    # The GB 32100 check (weights 3^i mod 31, all non-zero) catches every substitution.
    changed = one_change(code, USCC_CHARS, data)
    verdict = check(changed, IdentifierKind.USCC)
    assert verdict.valid is False and verdict.reason
    value, message = code_parser(IdentifierKind.USCC, "统一社会信用代码")(changed)
    assert value is None
    assert message is not None and message.startswith(f"统一社会信用代码“{changed}”无效：")


@BOUNDED
@given(resident_ids(), st.data())
def test_a_generated_id_number_is_accepted_and_normalised(code: str, data: st.DataObject) -> None:
    typed = written_by_hand(code, data)
    verdict = check(typed, IdentifierKind.RESIDENT_ID)
    assert (verdict.valid, verdict.normalised) == (True, code)
    assert verdict.birth_date == date(int(code[6:10]), int(code[10:12]), int(code[12:14]))


@BOUNDED
@given(resident_ids(), st.data())
def test_one_changed_digit_of_an_id_number_is_rejected(code: str, data: st.DataObject) -> None:
    # GB 11643 (ISO 7064 MOD 11-2) catches every single substitution.
    changed = one_change(code, DIGITS + "X", data)
    verdict = check(changed, IdentifierKind.RESIDENT_ID)
    assert verdict.valid is False and verdict.reason
    value, message = code_parser(IdentifierKind.RESIDENT_ID, "居民身份证号码")(changed)
    assert value is None and message is not None
    assert changed not in message  # the refused number is shown masked


@BOUNDED
@given(st.text(), st.sampled_from([None, *IdentifierKind]))
def test_identifier_parsers_never_raise(text: str, hint: IdentifierKind | None) -> None:
    verdict = check(text, hint)
    assert verdict.valid == (verdict.reason == "")
    for kind, label in (
        (IdentifierKind.USCC, "统一社会信用代码"),
        (IdentifierKind.RESIDENT_ID, "居民身份证号码"),
    ):
        value, message = code_parser(kind, label)(text)
        assert (value is None) != (message is None)


# ------------------------------------------------------------------ dates


def _date_forms(day: date) -> list[str]:
    y, m, d = day.year, day.month, day.day
    forms = [
        day.isoformat(),
        f"{y}/{m}/{d}",
        f"{y}.{m:02d}.{d:02d}",
        f"{y}年{m}月{d}日",
        f"{y} 年 {m:02d} 月 {d:02d} 日",
        f"{y:04d}{m:02d}{d:02d}",
        f"{day.isoformat()} 00:00:00",  # a date cell as calamine gives it
        f"{day.isoformat()}T08:30",
        f"{y}-{m}-{d}".translate({ord(c): FULL_WIDTH[c] for c in DIGITS}),
    ]
    serial = (day - date(1899, 12, 30)).days
    if 18_172 <= serial <= 99_999:  # the Excel serials the parser accepts (1949-10-01 on)
        forms += [str(serial), f"{serial}.0", f"{serial}.75"]
    return forms


@BOUNDED
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)), st.data())
def test_any_date_in_a_supported_form_parses_to_that_date(day: date, data: st.DataObject) -> None:
    form = data.draw(st.sampled_from(_date_forms(day)))
    padded = data.draw(st.sampled_from(["", " ", "\u3000"]))
    assert parse_date(padded + form + padded) == (day.isoformat(), None)


@BOUNDED
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
def test_every_form_of_one_day_agrees(day: date) -> None:
    assert {parse_date(form) for form in _date_forms(day)} == {(day.isoformat(), None)}


@BOUNDED
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789-/.年月日 :T", max_size=24),
        st.integers(-(10**12), 10**12).map(str),
    )
)
def test_date_parser_never_raises(text: str) -> None:
    value, message = parse_date(text)
    assert (value is None) != (message is None)
    if value is not None:
        assert date.fromisoformat(value).year >= 1900
    else:
        assert message is not None and ("日期" in message)


def test_impossible_and_early_dates_are_refused() -> None:
    assert parse_date("2026-02-29") == (None, "日期不存在：“2026-02-29”")
    assert parse_date("1899-12-31") == (None, "日期不合理：“1899-12-31”")
    assert parse_date("46083") == ("2026-03-02", None)
    assert parse_date("46083.5") == ("2026-03-02", None)
    assert parse_date("2026-3-2 ") == ("2026-03-02", None)
    assert date(1899, 12, 30) + timedelta(days=46083) == date(2026, 3, 2)
    # No silent guesses: an impossible time of day, or a small number that would be 1927.
    assert parse_date("2023-07-05 25:61:00") == (None, "日期时间不存在：“2023-07-05 25:61:00”")
    assert parse_date("2023-07-05 23:59:59") == ("2023-07-05", None)
    assert parse_date("10000")[0] is None and "Excel 日期序号" in str(parse_date("10000")[1])
    assert parse_date("18172") == ("1949-10-01", None)


# ------------------------------------------------------------------ amounts


@pytest.fixture
def fine() -> FieldSpec:
    spec = get_spec("行政处罚").field("CF_NR_FK")
    assert spec.unit == "万元"
    return spec


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.decimals(min_value=0, max_value=Decimal("999999999"), places=4, allow_nan=False),
    st.sampled_from(["", "万元", "万", " 万元"]),
)
def test_amounts_with_thousands_separators_round_trip(
    fine: FieldSpec, value: Decimal, unit: str
) -> None:
    parse = decimal_parser(fine)
    expected = format(value.normalize(), "f") if value else "0"
    if "." in expected:
        expected = expected.rstrip("0").rstrip(".")
    assert parse(f"{value:,}{unit}") == (expected, None)
    assert parse(f"{value}") == (expected, None)
    if value >= 1000:
        assert "," in f"{value:,}"
    full = "".join(FULL_WIDTH.get(c, c) for c in f"{value}")
    assert parse(full) == (expected, None)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789,.-+ 万元eE", max_size=20),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
    )
)
def test_number_parsers_never_raise(fine: FieldSpec, text: str) -> None:
    for parse, numeric in (
        (decimal_parser(fine), True),
        (integer_parser(fine), True),
        (free_code_parser(fine), False),
    ):
        value, message = parse(text)
        assert value is None or message is None
        if value is not None and numeric:
            Decimal(value)  # whatever is accepted is a plain number


def test_misplaced_separators_are_refused(fine: FieldSpec) -> None:
    parse = decimal_parser(fine)
    assert parse("1,234.5") == ("1234.5", None)
    assert parse("1,2345")[0] is None
    assert parse("12,34")[0] is None
    assert parse("NaN")[0] is None
    assert parse("1e3")[0] is None
    assert parse("-1")[1] == "数值不能小于 0：“-1”"


def _surely_valid(value: str, kind: IdentifierKind) -> bool:
    import polars as pl

    frame = pl.DataFrame({"v": [value]}, schema={"v": pl.Utf8})
    return bool(frame.select(identifiers.surely_valid(pl.col("v"), kind)).item())


@BOUNDED
@given(usccs(), st.data())
def test_bulk_shortcut_agrees_with_check_on_uscc_variants(code: str, data: st.DataObject) -> None:
    # The pipeline's polars shortcut may only mark what check() accepts unchanged.
    for value in (code, one_change(code, USCC_CHARS, data), written_by_hand(code, data)):
        verdict = identifiers.structural_check(value, IdentifierKind.USCC)
        expected = verdict.valid and verdict.normalised == value
        assert _surely_valid(value, IdentifierKind.USCC) == expected, value


@BOUNDED
@given(resident_ids(), st.data())
def test_bulk_shortcut_agrees_with_check_on_id_variants(code: str, data: st.DataObject) -> None:
    for value in (code, one_change(code, DIGITS + "X", data), written_by_hand(code, data)):
        verdict = identifiers.structural_check(value, IdentifierKind.RESIDENT_ID)
        expected = verdict.valid and verdict.normalised == value
        assert _surely_valid(value, IdentifierKind.RESIDENT_ID) == expected, value


@BOUNDED
@given(st.text(max_size=20))
def test_bulk_shortcut_marks_no_arbitrary_text_check_refuses(text: str) -> None:
    for kind in (IdentifierKind.USCC, IdentifierKind.RESIDENT_ID):
        if _surely_valid(text, kind):
            assert identifiers.structural_check(text, kind).valid
