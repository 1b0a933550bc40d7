from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.core import identifiers
from xinyong.core.identifiers import IdentifierKind, check, classify, mask_identifier, normalise

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_override_cache():
    identifiers.invalidate_overrides()
    yield
    identifiers.invalidate_overrides()


# -- DOMAIN.md §2 examples -----------------------------------------------------------------


def test_domain_example_uscc_is_valid_with_its_parts():
    v = check("91512081MA62K0260E")
    assert (v.kind, v.valid, v.reason) == (IdentifierKind.USCC, True, "")
    assert v.kind_label == "统一社会信用代码"
    assert (v.category_code, v.category_label) == ("91", "企业")
    assert v.region_code == "512081"
    assert v.province == "四川省"
    assert v.is_government_body is False
    assert v.embedded_org_code == "MA62K026-0"
    assert v.embedded_org_code_valid is True
    assert v.overridden is False


def test_lower_case_uscc_is_valid_once_upper_cased():
    v = check("91330282l07196379d")
    assert v.valid is True
    assert v.normalised == "91330282L07196379D"
    assert v.input == "91330282l07196379d"


def test_real_but_failing_code_fails_without_override():
    v = check("91350203M0001QAY9B")
    assert v.kind == IdentifierKind.USCC
    assert v.valid is False
    assert v.reason == "校验位错误：第18位应为“9”，实为“B”"


def test_organisation_code_with_hyphen():
    v = check("13830295-X")
    assert (v.kind, v.valid, v.normalised) == (IdentifierKind.ORG_CODE, True, "13830295-X")
    assert v.kind_label == "组织机构代码"
    # The same code without the hyphen is the same canonical code.
    assert check("13830295x").normalised == "13830295-X"
    assert check("13830295x").valid is True


def test_domain_example_resident_id():
    v = check("11010519491231002X")
    assert (v.kind, v.valid) == (IdentifierKind.RESIDENT_ID, True)
    assert v.birth_date == date(1949, 12, 31)
    assert v.sex == "女"
    assert v.region_code == "110105"
    assert v.province == "北京市"
    assert check("11010519491231002x").normalised == "11010519491231002X"


def test_full_width_and_spaced_input():
    raw = " ９１５１ ２０８１\u3000ＭＡ６２Ｋ０２６０ｅ\ufeff"
    assert normalise(raw) == "91512081MA62K0260E"
    v = check(raw)
    assert v.valid is True
    assert v.input == raw


def test_fifteen_digit_registration_number():
    v = check("320402000022814")
    assert (v.kind, v.valid, v.region_code) == (IdentifierKind.REG_NO_15, True, "320402")
    bad = check("320402000022815")
    assert bad.valid is False
    assert bad.reason == "校验位错误：第15位应为“4”，实为“5”"


# -- each Chinese reason ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "hint", "reason"),
    [
        ("", None, "为空：未提供代码"),
        ("   \u3000", None, "为空：未提供代码"),
        ("9151208MA62K0260E", IdentifierKind.USCC, "长度错误：统一社会信用代码应为18位，实为17位"),
        (
            "3209231800598",
            None,
            "长度错误：共13位，不是统一社会信用代码或居民身份证号码（18位）、工商注册号（15位）或组织机构代码（9位）；"
            "13位数字可能是旧版工商注册号，无法校验，请提供统一社会信用代码",
        ),
        (
            "9111000060003IOZSV",
            None,
            "含非法字符：第14位“I”、第15位“O”、第16位“Z”等5处（统一社会信用代码不使用 I、O、Z、S、V）",
        ),
        ("91512081MA62K0260F", None, "校验位错误：第18位应为“E”，实为“F”"),
        (
            "91992081MA62K0260E",
            None,
            "行政区划码错误：“99”不是省级行政区划代码；校验位错误：第18位应为“A”，实为“E”",
        ),
        ("11010519491231002Y", IdentifierKind.RESIDENT_ID, "含非法字符：第18位“Y”应为数字或X"),
        (
            "11010519491231002",
            IdentifierKind.RESIDENT_ID,
            "长度错误：居民身份证号码应为18位，实为17位",
        ),
        (
            "110105491231002",
            IdentifierKind.RESIDENT_ID,
            "长度错误：居民身份证号码应为18位，实为15位（15位旧号码已停用，请提供18位号码）",
        ),
        ("360426199113010079", None, "出生日期无效：“19911301”不是1900年以来的有效日期"),
        ("990426199112010074", None, "行政区划码错误：“99”不是省级行政区划代码"),
        ("110105194912310021", None, "校验位错误：第18位应为“X”，实为“1”"),
        ("13830295-1", None, "组织机构代码校验位错误：应为“X”，实为“1”"),
    ],
)
def test_chinese_reasons(raw, hint, reason):
    v = check(raw, hint)
    assert v.valid is False
    assert v.reason == reason


def test_stray_character_in_a_code_is_named():
    v = check("91512081MA62K026\ufffdE")
    assert v.kind == IdentifierKind.USCC
    assert v.reason == "含非法字符：第17位“\ufffd”"


def test_first_character_is_not_rejected():
    # Letter authorities exist (GB 32100 appendix A): a correct code with one must pass.
    first17 = "N2410503MA44T3K1X"
    code = first17 + identifiers.uscc_check_char(first17)
    v = check(code)
    assert v.valid is True
    assert (v.category_code, v.category_label) == ("N2", "村级集体经济组织")


def test_government_bodies_by_authority_code():
    for category, label in [
        ("11", "机关"),
        ("12", "事业单位"),
        ("13", "中央编办直接管理机构编制的群众团体"),
    ]:
        first17 = f"{category}41050300582640X"
        v = check(first17 + identifiers.uscc_check_char(first17))
        assert v.valid and v.is_government_body and v.category_label == label
    first17 = "5141050300582640X"
    v = check(first17 + identifiers.uscc_check_char(first17))
    assert v.valid and not v.is_government_body and v.category_label == "社会团体"


def test_national_registration_region():
    v = check("91100000710931483R")
    assert v.valid is True
    assert v.province == "国家级登记机关"


def test_eighteen_digit_ambiguity_uses_the_hint():
    # All digits: both checks are computed; without a hint the passing one decides.
    assert classify("360426199101010071") == IdentifierKind.RESIDENT_ID
    assert classify("911522010783887624") == IdentifierKind.USCC
    # The source column decides when it says what it holds.
    assert check("911522010783887624", IdentifierKind.RESIDENT_ID).reason.startswith(
        "行政区划码错误"
    )


def test_unknown_text():
    v = check("无")
    assert v.kind == IdentifierKind.UNKNOWN
    assert v.kind_label == "无法识别的代码"
    assert "含非法字符：第1位“无”" in v.reason


def test_canonical_form_is_stable():
    for raw in ["13830295x", "91330282l07196379d", "44011320141005001x", "320402000022814"]:
        first = check(raw)
        again = check(first.normalised)
        assert (again.normalised, again.kind, again.valid) == (
            first.normalised,
            first.kind,
            first.valid,
        )


def test_mask_identifier_masks_only_resident_ids():
    assert mask_identifier("11010519491231002X") == "110105********002X"
    assert mask_identifier(check("11010519491231002X")) == "110105********002X"
    assert mask_identifier("91512081MA62K0260E") == "91512081MA62K0260E"
    # An invalid 18-digit code could be a mistyped ID number: masked as well.
    assert mask_identifier("110105194912310021") == "110105********0021"


def test_as_dict_masks_on_request():
    data = check("11010519491231002X").as_dict(masked=True)
    assert data["normalised"] == "110105********002X"
    assert data["birth_date"] is None
    assert check("11010519491231002X").as_dict()["birth_date"] == "1949-12-31"


def test_cached_check_is_fast():
    codes = [f"91512081MA62K0260{c}" for c in "0123456789ABCDE"]
    for code in codes:
        check(code)
    start = time.perf_counter()
    for _ in range(10_000):
        for code in codes:
            check(code)
    per_call = (time.perf_counter() - start) / 150_000
    assert per_call < 10e-6, f"{per_call * 1e6:.1f} µs per cached check"


# -- properties --------------------------------------------------------------------------


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.text(
            alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYxIOZSV- \u3000０１２", min_size=8, max_size=19
        ),
    ),
    st.sampled_from([None, *IdentifierKind]),
)
def test_check_never_raises(text, hint):
    v = check(text, hint)
    assert isinstance(v.valid, bool)
    assert v.valid or v.reason
    assert (v.reason == "") == v.valid


# -- a person's other ID document (护照, 通行证, 其他) -----------------------------------------


def test_a_document_key_is_recognised_normalised_and_checked_for_shape_only():
    v = check(" 护照：ｅ１２３４５６７８ ")
    assert (v.kind, v.normalised, v.valid, v.reason) == (
        IdentifierKind.OTHER_PERSONAL_ID,
        "护照:E12345678",
        True,
        "",
    )
    assert v.kind_label == "其他个人证件号码"
    assert identifiers.document_key("港澳居民来往内地通行证", " h1234567８ ") == (
        "港澳居民来往内地通行证:H12345678"
    )
    assert identifiers.split_document_key("台湾居民来往大陆通行证:12345678") == (
        "台湾居民来往大陆通行证",
        "12345678",
    )
    # An unknown type is no document key; a USCC never is.
    assert identifiers.split_document_key("驾驶证:E12345678") is None
    assert identifiers.split_document_key("91512081MA62K0260E") is None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("护照:E1234", ""),
        ("护照:E123", "长度错误：护照等证件号码应为5–20位，实为4位"),
        ("护照:" + "1" * 21, "长度错误：护照等证件号码应为5–20位，实为21位"),
        ("其他:AB-12345", "含非法字符：第3位“-”（护照等证件号码只能由字母和数字组成）"),
        (
            "E12345678",
            "应写作“证件类型:证件号码”（如 护照:E12345678），"
            "证件类型为护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、其他之一",
        ),
    ],
)
def test_other_personal_id_reasons(code, reason):
    v = check(code, IdentifierKind.OTHER_PERSONAL_ID)
    assert v.kind == IdentifierKind.OTHER_PERSONAL_ID
    assert (v.valid, v.reason) == (reason == "", reason)


def test_other_personal_ids_are_masked_like_resident_ids():
    assert mask_identifier("护照:E12345678") == "护照 E*******8"
    data = check("护照:E12345678").as_dict(masked=True)
    assert (data["input"], data["normalised"]) == ("护照 E*******8", "护照 E*******8")
