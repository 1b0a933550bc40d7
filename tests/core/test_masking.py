from __future__ import annotations

import pytest
from django.template import Context, Template

from xinyong.core import masking


def render(expr: str, value) -> str:
    return Template("{% load masking %}" + expr).render(Context({"v": value}))


@pytest.mark.parametrize(
    ("expr", "value", "expected"),
    [
        ("{{ v|mask_id }}", "11010519491231002X", "110105********002X"),
        ("{{ v|mask_phone }}", "13812345678", "138****5678"),
        ("{{ v|mask_name }}", "张三丰", "张**"),
        ("{{ v|mask_name }}", "李", "李*"),
        (
            "{{ v|mask_text }}",
            "当事人张三，身份证11010519491231002X，电话13812345678。",
            "当事人张三，身份证110105********002X，电话138****5678。",
        ),
        ("{{ v|mask_id }}", None, ""),
        ("{{ v|mask_phone }}", "", ""),
    ],
)
def test_masking_filters(expr: str, value, expected: str) -> None:
    assert render(expr, value) == expected


def test_masking_filter_output_is_still_escaped() -> None:
    assert render("{{ v|mask_text }}", "<b>13812345678</b>") == "&lt;b&gt;138****5678&lt;/b&gt;"


# Free text: only what GB 11643 calls a resident ID number is masked (DOMAIN.md §2).
PERSON_ID = "410503198001070318"  # valid birth date and check character
PERMIT_NO = "410503202605120101"  # a construction-permit number: wrong check character
ALL_DIGIT_USCC = "914105037167125998"  # a valid USCC (GB 32100), all digits
BAD_BIRTH_DATE = "410503199913320310"  # right check character, month 13: not an ID number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"身份证{PERSON_ID}。", "身份证410503********0318。"),
        ("身份证11010519491231002x", "身份证110105********002x"),
        (f"施工许可证号{PERMIT_NO}", f"施工许可证号{PERMIT_NO}"),
        (f"统一社会信用代码{ALL_DIGIT_USCC}", f"统一社会信用代码{ALL_DIGIT_USCC}"),
        (f"编号{BAD_BIRTH_DATE}", f"编号{BAD_BIRTH_DATE}"),
        (PERMIT_NO, PERMIT_NO),
        (f"{PERMIT_NO}、{PERSON_ID}", f"{PERMIT_NO}、410503********0318"),
        ("电话13812345678", "电话138****5678"),
    ],
)
def test_mask_text_masks_only_resident_id_numbers(text: str, expected: str) -> None:
    assert masking.mask_text(text) == expected


def test_mask_text_masks_the_persons_own_name() -> None:
    text = f"当事人张建国（身份证{PERSON_ID}）无证施工，张建国对事实无异议。"
    assert masking.mask_text(text, person_name="张建国") == (
        "当事人张**（身份证410503********0318）无证施工，张**对事实无异议。"
    )
    # Without a person's name (an organisation's record) names stay as written.
    assert masking.mask_text(text).startswith("当事人张建国（")
    # A one-character "name" would mask that character everywhere in the text.
    assert masking.mask_text("李某某罚款", person_name="李") == "李某某罚款"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # The check character is wrong, but the text calls it an ID number.
        ("法定代表人（身份证号 410503198001011234）", "法定代表人（身份证号 410503********1234）"),
        ("公民身份号码：410503198001011234。", "公民身份号码：410503********1234。"),
        ("证件号码为410503198001011234", "证件号码为410503********1234"),
        # Not called one and not valid: a permit number stays readable.
        ("许可编号410503202605120101", "许可编号410503202605120101"),
    ],
)
def test_a_number_the_text_calls_an_id_number_is_masked(text, masked):
    assert masking.mask_text(text) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        # A person keyed by another ID document keeps the type, not the number.
        ("护照:E12345678", "护照 E*******8"),
        ("台湾居民来往大陆通行证:12345678", "台湾居民来往大陆通行证 1******8"),
        ("其他:AB123", "其他 A***3"),
        # Only Chinese characters count as a document type: digits before a colon are
        # masked as a number would be.
        ("110105194912310021:X", "110105**********21:X"),
    ],
)
def test_a_document_key_is_masked_by_its_number(value, masked):
    assert masking.mask_id_number(value) == masked
    assert render("{{ v|mask_id }}", value) == masked


def test_a_document_number_shows_its_first_and_last_character_only():
    assert masking.mask_document_number("E12345678") == "E*******8"
    assert masking.mask_document_number("H1234567890123") == "H************3"
    assert masking.mask_document_number("AB") == "**"
    assert masking.mask_document_number(None) == ""
