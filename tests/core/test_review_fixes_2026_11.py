"""Fixes from the November 2026 review of the foundation (defects 3, 4 and 10 of the
review of issues 2 and 11 §3): full-width numbers in masked free text, hostile holiday-cn
files in the calendar import, and X-Frame-Options on static files."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xinyong.core import calendar_services
from xinyong.core.errors import DomainError
from xinyong.core.masking import mask_text
from xinyong.core.models import CalendarYear, Event, WorkdayException
from xinyong.orgs.models import User


def _fw(text: str) -> str:
    """`text` with every printable ASCII character in its full-width form (as a Chinese
    input method types it)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# --- defect 3: mask_text reads full-width digits and letters ----------------------------------

ID_X = "41050319900101007X"  # valid by GB 11643 (check character X)
ID_DIGIT = "110101199003074477"  # valid by GB 11643 (check character 7)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # Full-width 18-character ID numbers ending in Ｘ / ｘ: the kept 6 + 4 characters
        # stay as written, and so does every full-width character around them.
        ("当事人张三" + _fw(ID_X) + "违法经营", "当事人张三４１０５０３********００７Ｘ违法经营"),
        ("当事人" + _fw(ID_X.lower()) + "。", "当事人４１０５０３********００７ｘ。"),
        ("（证件：" + _fw(ID_X) + "）", "（证件：４１０５０３********００７Ｘ）"),
        # Mixed widths inside one number.
        ("张三410503１９９００１０１007Ｘ，", "张三410503********007Ｘ，"),
        # Called an ID number, one with a wrong check character Ｘ is masked as an ID
        # number (6 + 4), not as another document's number (first and last character).
        ("身份证号：" + _fw("41050319900101008X"), "身份证号：４１０５０３********００８Ｘ"),
        # A first-generation 15-digit number in full-width, called an ID number.
        ("身份证号：" + _fw("410503900101007"), "身份证号：４１０５０３*****１００７"),
    ],
    ids=[
        "fw-id-X",
        "fw-id-x",
        "fw-id-in-brackets",
        "mixed-width-id",
        "fw-called-id-wrong-check-character",
        "fw-id15",
    ],
)
def test_mask_text_masks_full_width_id_numbers(text: str, shown: str) -> None:
    assert mask_text(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("联系电话：" + _fw("13812345678"), "联系电话：１３８****５６７８"),
        ("手机" + _fw("138-1234-5678") + "（白天）", "手机１３８****５６７８（白天）"),
        ("手机１３８　１２３４　５６７８。", "手机１３８****５６７８。"),
        ("手机" + _fw("+86 13812345678"), "手机＋８６ １３８****５６７８"),
        ("手机" + _fw("008613812345678"), "手机００８６１３８****５６７８"),
        # Mixed widths: digits, and the two widths of one separator.
        ("电话１38１２３４5678", "电话１38****5678"),
        ("电话138-1234－5678", "电话138****5678"),
        # A landline the text calls a telephone number.
        ("座机：" + _fw("0372-1234567"), "座机：０３７２－***４５６７"),
        ("ＴＥＬ：０３７２－１２３４５６７", "ＴＥＬ：０３７２－***４５６７"),
    ],
    ids=[
        "fw-mobile",
        "fw-mobile-hyphens",
        "fw-mobile-ideographic-spaces",
        "fw-country-code",
        "fw-0086",
        "mixed-width-digits",
        "mixed-width-separators",
        "fw-landline",
        "fw-tel",
    ],
)
def test_mask_text_masks_full_width_phone_numbers(text: str, shown: str) -> None:
    assert mask_text(text) == shown


@pytest.mark.parametrize(
    "number",
    [
        ID_DIGIT + "5",  # a 19-digit amount whose first 18 digits make a valid ID number
        "A" + ID_DIGIT,  # a case or file number: letters and digits, not an ID number
        ID_DIGIT + "B",
    ],
    ids=["19-digit-amount", "letter-before", "letter-after"],
)
def test_mask_text_leaves_full_width_numbers_alone_that_the_ascii_rules_leave(
    number: str,
) -> None:
    for text in (f"罚没款合计{number}元", f"罚没款合计{_fw(number)}元"):
        assert mask_text(text) == text


# --- defect 4: hostile holiday-cn files in the calendar import ----------------------------------


def _admin_client() -> Client:
    admin = User.objects.create_superuser(username="rili_review", email="", password="Rili-2026-x")
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    return client


def _calendar_file(*, name: str = "国庆节", papers: list[str] | None = None) -> bytes:
    doc = {
        "year": 2026,
        "papers": papers or [],
        "days": [{"name": name, "date": "2026-10-01", "isOffDay": True}],
    }
    return json.dumps(doc).encode()


HOSTILE_FILES = [
    b"[" * 50000 + b"]" * 50000,
    b'{"year": 2026, "days": ' + b"[" * 50000 + b"]" * 50000 + b"}",
    _calendar_file(name="\ud800"),
    _calendar_file(name="国庆\x00节"),
    _calendar_file(papers=["\udc00"]),
    _calendar_file(papers=["https://www.gov.cn/\x07"]),
]
HOSTILE_IDS = [
    "deep-nesting",
    "deep-nesting-in-days",
    "surrogate-name",
    "nul-in-name",
    "surrogate-paper",
    "control-in-paper",
]


@pytest.mark.django_db
@pytest.mark.parametrize("body", HOSTILE_FILES, ids=HOSTILE_IDS)
def test_calendar_import_refuses_malformed_files_without_a_server_error(body: bytes) -> None:
    before = (Event.objects.count(), list(WorkdayException.objects.values_list("pk", "name")))
    response = _admin_client().post(
        "/admin/core/calendaryear/import-json/",
        {"file": SimpleUploadedFile("2026.json", body, content_type="application/json")},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "嵌套层数过多" in page or "控制字符" in page
    assert (
        Event.objects.count(),
        list(WorkdayException.objects.values_list("pk", "name")),
    ) == before


@pytest.mark.django_db
def test_calendar_import_names_the_nesting_and_the_field() -> None:
    with pytest.raises(DomainError) as deep:
        calendar_services.import_holiday_cn_json(data=HOSTILE_FILES[0], actor=None)
    assert str(deep.value) == "文件中的 JSON 嵌套层数过多，不是 holiday-cn 格式的节假日安排文件。"
    with pytest.raises(DomainError) as name:
        calendar_services.import_holiday_cn_json(data=_calendar_file(name="\ud800"), actor=None)
    assert str(name.value) == (
        "第 1 条日期（2026-10-01）的节日名称含有无法识别的控制字符，请删除后重新填写。"
    )
    with pytest.raises(DomainError) as paper:
        calendar_services.import_holiday_cn_json(
            data=_calendar_file(papers=["https://www.gov.cn/a", "\udc00"]), actor=None
        )
    assert str(paper.value) == "第 2 个通知网址（papers）含有无法识别的控制字符，请删除后重新填写。"
    with pytest.raises(DomainError) as source:
        calendar_services.import_holiday_cn_json(
            data=_calendar_file(), actor=None, source="国办发明电\x1b〔2025〕号"
        )
    assert str(source.value) == "来源含有无法识别的控制字符，请删除后重新填写。"


@pytest.mark.django_db
def test_calendar_edits_refuse_control_characters_in_names_and_sources() -> None:
    before = Event.objects.count()
    with pytest.raises(DomainError, match="节日名称含有无法识别的控制字符"):
        calendar_services.save_workday_exception(
            actor=None, day=date(2026, 10, 9), kind=WorkdayException.Kind.HOLIDAY, name="补\x01休"
        )
    with pytest.raises(DomainError, match="来源含有无法识别的控制字符"):
        calendar_services.save_calendar_year(actor=None, year=2026, source="通知\ud800")
    assert not WorkdayException.objects.filter(date=date(2026, 10, 9)).exists()
    assert "\ud800" not in CalendarYear.objects.get(year=2026).source
    assert Event.objects.count() == before


# --- defect 10: static files carry X-Frame-Options ----------------------------------------------


def test_static_files_carry_x_frame_options() -> None:
    response = Client().get("/static/web/favicon.svg")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "text",
    [
        # A wrong check character: masked because the text calls it an ID number.
        "身份证号码：41050319900101008X",
        # A 15-digit first-generation ID number after the commonest wording.
        "身份证号码：410503900101003",
        "证件号码为41050319900101008X",
    ],
)
def test_mask_text_masks_a_number_called_an_id_number_as_身份证号码(text: str) -> None:
    number = text.split("：")[-1].removeprefix("证件号码为")
    shown = mask_text(text)
    assert number not in shown
    assert shown.endswith(number[-1]) and "****" in shown
