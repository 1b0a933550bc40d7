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


# Mobile numbers as people write them: grouped 3-4-4 with spaces or hyphens, and with the
# country code (+86, 86, 0086). The number becomes 138****5678; the prefix stays.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话138 1234 5678", "电话138****5678"),
        ("手机138-1234-5678。", "手机138****5678。"),
        ("手机：138－1234－5678", "手机：138****5678"),
        ("电话+8613812345678", "电话+86138****5678"),
        ("电话+86 138 1234 5678", "电话+86 138****5678"),
        ("电话+86-138-1234-5678", "电话+86-138****5678"),
        ("8613812345678", "86138****5678"),
        ("0086 13812345678", "0086 138****5678"),
        ("（+86）13812345678", "（+86）138****5678"),
        ("13812345678、13912345678", "138****5678、139****5678"),
        # Not a mobile number: too short, too long, mixed grouping, another first digit.
        ("编号138 1234 567", "编号138 1234 567"),
        ("编号138123456789", "编号138123456789"),
        ("编号138 1234-5678", "编号138 1234-5678"),
        ("编号128 1234 5678", "编号128 1234 5678"),
    ],
)
def test_mobile_numbers_in_their_usual_spellings_are_masked(text, masked):
    assert masking.mask_text(text) == masked


# The reviewer's case: an organisation's penalty naming its legal representative's
# first-generation ID number and two phone numbers.
REVIEWED_FACTS = (
    "…法定代表人张三（身份证号410503680512031，手机138-1234-5678），"
    "联系人李四（电话+8613912345678）。"
)


def test_the_reviewed_penalty_text_is_masked():
    assert masking.mask_text(REVIEWED_FACTS) == (
        "…法定代表人张三（身份证号410503*****2031，手机138****5678），"
        "联系人李四（电话+86139****5678）。"
    )


# A first-generation (15-digit) resident ID number: 6-digit region, yymmdd, 3-digit
# sequence. Masked (first 6, last 4) when it is plausible AND the text calls it an ID
# number; a 15-digit 注册号 has the same shape and is public.
REG_NO_15 = "410503000012345"  # 工商注册号 (GS 15-2006)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("身份证号410503680512031", "身份证号410503*****2031"),
        ("身份证410503680512031", "身份证410503*****2031"),
        ("公民身份号码：410503680512031。", "公民身份号码：410503*****2031。"),
        ("证件号码为 410503680512031", "证件号码为 410503*****2031"),
        # Called an ID, but no resident ID: no province 99, no 13th month, no 30 February.
        ("证件号码990503680512031", "证件号码990503680512031"),
        ("证件号码410503681312031", "证件号码410503681312031"),
        ("证件号码410503680230031", "证件号码410503680230031"),
        # A plausible shape that the text calls something else stays readable.
        ("注册号410503680512031", "注册号410503680512031"),
        (f"注册号{REG_NO_15}", f"注册号{REG_NO_15}"),
        (f"营业执照注册号：{REG_NO_15}，", f"营业执照注册号：{REG_NO_15}，"),
        ("410503680512031", "410503680512031"),
        # Part of a longer number is not a 15-digit number.
        ("身份证号4105036805120312", "身份证号4105036805120312"),
    ],
)
def test_a_15_digit_id_number_is_masked_when_the_text_calls_it_one(text, masked):
    assert masking.mask_text(text) == masked


def test_permit_numbers_and_uscc_stay_readable_next_to_phone_numbers():
    text = f"施工许可证号{PERMIT_NO}，统一社会信用代码{ALL_DIGIT_USCC}，电话138 1234 5678"
    assert masking.mask_text(text) == (
        f"施工许可证号{PERMIT_NO}，统一社会信用代码{ALL_DIGIT_USCC}，电话138****5678"
    )


# Landline numbers: an area code and a 7- or 8-digit local number. Masked (area code and
# last 4 kept) when the text calls them a telephone number; otherwise the shape alone
# (0372-2026001) is also that of file and permit numbers, which must stay readable.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话0372-1234567", "电话0372-***4567"),
        ("联系电话：0372-5951234，", "联系电话：0372-***1234，"),
        ("座机 (0372)5951234", "座机 (0372)***1234"),
        ("固话010-12345678", "固话010-****5678"),
        ("联系方式：0372 2185360", "联系方式：0372 ***5360"),
        ("文号豫建0372-2026001", "文号豫建0372-2026001"),
        ("0372-1234567", "0372-1234567"),
        ("电话0372-123456", "电话0372-123456"),
    ],
)
def test_a_landline_number_the_text_calls_a_telephone_is_masked(text, masked):
    assert masking.mask_text(text) == masked


# A passport or travel-permit number (护照、港澳/台湾通行证、回乡证、台胞证) has no structure
# of its own: masked (first and last character kept) where the text names the document
# just before it, or calls it an ID number and it has a letter (a USCC stays readable).
LETTER_USCC = "91410503MA44X1234G"  # a valid USCC (GB 32100) with letters


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("护照号码E12345678", "护照号码E*******8"),
        ("护照：E12345678。", "护照：E*******8。"),
        ("港澳通行证号C12345678", "港澳通行证号C*******8"),
        ("台胞证 12345678", "台胞证 1******8"),
        ("当事人约翰·史密斯（护照号码：e12345678）", "当事人约翰·史密斯（护照号码：e*******8）"),
        ("往来港澳通行证编号为H1234567890，", "往来港澳通行证编号为H*********0，"),
        ("回乡证H12345678", "回乡证H*******8"),
        ("台湾居民来往大陆通行证:12345678", "台湾居民来往大陆通行证:1******8"),
        ("护照号码Ｅ１２３４５６７８", "护照号码Ｅ*******８"),
        ("持护照（G87654321）入境", "持护照（G*******1）入境"),
        # Named only as a 证件号码 (the type said before it): masked when it has a letter.
        ("证件类型：护照，证件号码：E12345678", "证件类型：护照，证件号码：E*******8"),
        ("身份证E12345678", "身份证E*******8"),
        # A passport number that looks like a mobile number after its letter.
        ("护照号码E13812345678", "护照号码E**********8"),
    ],
)
def test_a_document_number_the_text_names_is_masked(text, masked):
    assert masking.mask_text(text) == masked
    # Masking twice changes nothing more.
    assert masking.mask_text(masked) == masked


@pytest.mark.parametrize(
    "text",
    [
        "北关市监罚〔2026〕12号",
        "文号北关市监罚〔2026〕12号，案号AJ20260012",
        f"注册号{REG_NO_15}",
        f"统一社会信用代码{LETTER_USCC}",
        f"证件号码：{LETTER_USCC}",
        # A 15-digit number called an ID but no plausible one (the 15-digit rule decides).
        "证件号码990503680512031",
        # Not a personal document: a lorry's pass, a permit number, too short, too long.
        "货车通行证编号TX20260001",
        "施工许可证号410503202605120101",
        "护照号码E123",
        "护照号码E12345678901234567890",
        "护照遗失补办，受理编号2026001",
        "E12345678",
    ],
)
def test_other_alphanumerics_stay_readable(text):
    assert masking.mask_text(text) == text
