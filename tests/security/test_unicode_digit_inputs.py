"""Ids and counts typed by people (form fields, query strings, API fields, CLI arguments)
that are not ASCII digits below 2^63: `str.isdigit()` is True for "²" and "١٢٣", which
int() then refuses or reads as another number, and an id past 2^63 made SQLite raise
OverflowError. Each was a 500 (or a traceback on the command line); the answer is a
Chinese refusal (400/404 for the API, the page with its message or a 404, an `错误：`
line from the CLI). One reading for all: `xinyong.core.inputs.positive_id`."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from xinyong.core.inputs import positive_id
from xinyong.orgs.models import Role
from xinyong.rights import objections
from xinyong.rights.models import Channel
from xinyong.sanctions.models import Check, ListEntry

from ..exchange.helpers import file_settings
from ..publicity.helpers import person_penalty
from ..rights.repair_helpers import penalty_row, record, store
from ..sanctions.governance_helpers import company, make_user

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
# "²" passes str.isdigit() but not int(); "١٢٣" (Arabic-Indic) passes both and reads as
# 123; the long one is past SQLite's 64-bit integers.
SUPERSCRIPT = "²"
ARABIC = "١٢٣"
HUGE = "99999999999999999999999"
BAD_IDS = [SUPERSCRIPT, ARABIC, HUGE]


def _arabic(pk: int) -> str:
    """An id in Arabic-Indic digits: int() reads it as that id, str.isdigit() passes it."""
    return str(pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


def _api(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _page_client(user: Any) -> Client:
    client = Client()
    client.raise_request_exception = False
    client.force_login(user)
    return client


def _chinese(response: Any, status: int) -> str:
    assert response.status_code == status, response.content.decode()[:500]
    detail = str(json.loads(response.content)["detail"])
    assert CJK.search(detail), detail
    return detail


# ---------------------------------------------------------------- the helper


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        (12, 12),
        (2**63 - 1, 2**63 - 1),
        ("999999999999999999", 999999999999999999),
        (SUPERSCRIPT, None),
        (ARABIC, None),
        ("１２", None),
        (HUGE, None),
        ("9999999999999999999", None),
        (2**63, None),
        ("0", None),
        (0, None),
        ("-3", None),
        (-3, None),
        ("1e3", None),
        ("", None),
        (None, None),
        (True, None),
        (1.0, None),
    ],
)
def test_positive_id_reads_ascii_digits_below_two_to_the_63(value: Any, expected: Any) -> None:
    assert positive_id(value) == expected


# ---------------------------------------------------------------- orgs.services.resolve_unit


@pytest.mark.parametrize("unit", [SUPERSCRIPT, HUGE])
def test_check_api_refuses_a_bad_unit_in_chinese(unit: str) -> None:
    """sanctions' check API names its unit through `resolve_unit`."""
    reporter = make_user("ud_fin", Role.REPORTER, "区财政局")
    response = _api(reporter).post(
        "/api/v1/checks",
        {"unit": unit, "subject": "91410503MA00000000", "matter": "CONSUMPTION"},
        format="json",
    )
    assert response.status_code in (400, 404), response.content.decode()[:500]
    assert "单位" in _chinese(response, response.status_code)


@pytest.mark.parametrize("unit", [SUPERSCRIPT, HUGE])
def test_draw_cli_refuses_a_bad_unit_in_chinese(console: Any, unit: str) -> None:
    code, _out, err = console("draw", "create", "--unit", unit, "--title", "2026年第一次抽查")
    assert code != 0
    assert err.startswith("错误：") and "单位" in err


# ---------------------------------------------------------------- sanctions


@pytest.mark.parametrize("subject", BAD_IDS)
def test_check_api_refuses_a_non_ascii_digit_subject_in_chinese(subject: str) -> None:
    """`checks.find_subject`: "١٢٣" is not platform subject 123."""
    reporter = make_user("ud_fin2", Role.REPORTER, "区财政局")
    response = _api(reporter).post(
        "/api/v1/checks",
        {"unit": "区财政局", "subject": subject, "matter": "CONSUMPTION"},
        format="json",
    )
    assert "信用主体" in _chinese(response, 404)


def test_check_api_does_not_read_arabic_indic_digits_as_a_platform_id() -> None:
    firm = company("32000013", "安阳市北关区数字商贸有限公司")
    reporter = make_user("ud_fin4", Role.REPORTER, "区财政局")
    response = _api(reporter).post(
        "/api/v1/checks",
        {"unit": "区财政局", "subject": _arabic(firm.pk), "matter": "CONSUMPTION"},
        format="json",
    )
    assert "信用主体" in _chinese(response, 404)
    # Scoped to the test's own subjects: other tests in the same worker may leave checks.
    assert not Check.objects.filter(subject__identifier__in=[firm.identifier]).exists()
    assert not Check.objects.filter(checked_by__username="ud_fin4").exists()


@pytest.mark.parametrize("typed", ["²²²²²²²²", "２２２２２２２２", "22222222"])
def test_check_api_finds_a_permit_holder_typed_in_other_digits(typed: str) -> None:
    """ "²²²²²²²²" is 22222222 once normalised, so `find_by_identifier` found the holder of
    that 台湾居民来往大陆通行证 and the platform-id branch then called int() on it: a
    500. Now only ASCII digits can be a platform id; other digits are a code."""
    person = person_penalty(
        1,
        decided="2026-03-02",
        id_number="22222222",
        name="陈志明",
        CF_XDR_ZJLX="台湾居民来往大陆通行证",
    ).subject
    reporter = make_user("ud_fin5", Role.REPORTER, "区财政局")
    response = _api(reporter).post(
        "/api/v1/checks",
        {"unit": "区财政局", "subject": typed, "matter": "CONSUMPTION"},
        format="json",
    )
    assert response.status_code == 201, response.content.decode()[:500]
    assert Check.objects.get(checked_by__username="ud_fin5").subject_id == person.pk


@pytest.mark.parametrize("subject_id", BAD_IDS)
def test_check_form_refuses_a_non_ascii_digit_subject_in_chinese(subject_id: str) -> None:
    reporter = make_user("ud_fin3", Role.REPORTER, "区财政局")
    response = _page_client(reporter).post(
        "/workspace/sanctions/checks/new/",
        {"subject_id": subject_id, "matter": "CONSUMPTION"},
    )
    assert response.status_code == 200
    assert "信用主体" in response.content.decode()


@pytest.mark.parametrize("count", [99999999999999999999, 32768])
def test_governance_target_api_refuses_a_count_past_the_column(count: int) -> None:
    """Was a 500: the number went to a PositiveSmallIntegerField unchecked (OverflowError
    on SQLite past 2^63, out of range on PostgreSQL past 32767)."""
    admin = make_user("ud_admin5", Role.CREDIT_ADMIN, "区发改委")
    body = {"year": 2026, "max_blacklist_share": "1.5", "max_government_bodies_listed": count}
    response = _api(admin).post("/api/v1/governance/targets", body, format="json")
    assert "政府机构数上限" in _chinese(response, 400)
    assert (
        _api(admin)
        .post(
            "/api/v1/governance/targets", {**body, "max_government_bodies_listed": 2}, format="json"
        )
        .json()["max_government_bodies_listed"]
        == 2
    )


def test_governance_target_form_refuses_a_count_past_the_column() -> None:
    admin = make_user("ud_admin6", Role.CREDIT_ADMIN, "区发改委")
    response = _page_client(admin).post(
        "/workspace/sanctions/governance/target/",
        {"year": "2026", "max_blacklist_share": "1.5", "max_government_bodies_listed": HUGE},
        follow=True,
    )
    assert response.status_code == 200
    assert "政府机构数上限" in response.content.decode()


@pytest.mark.parametrize("list_type", [SUPERSCRIPT, ARABIC, HUGE])
def test_list_entry_api_refuses_a_bad_list_type_in_chinese(list_type: str) -> None:
    """`lists.get_list_type`: an id is ASCII digits; "²" made int() raise."""
    reporter = make_user("ud_hrss", Role.REPORTER, "区人社局")
    subject = company("32000011", "安阳市北关区欠薪商贸有限公司")
    response = _api(reporter).post(
        "/api/v1/list-entries",
        {
            "list_type": list_type,
            "subject": subject.identifier,
            "basis_document": "北人社监〔2026〕1号",
            "reasons": "拖欠农民工工资",
            "on": "2026-11-26",
        },
        format="json",
    )
    assert response.status_code in (400, 404)
    assert "名单类型" in _chinese(response, response.status_code)
    assert not ListEntry.objects.filter(subject=subject).exists()


@pytest.mark.parametrize("basis", [SUPERSCRIPT, ARABIC, HUGE])
def test_list_entry_api_refuses_a_bad_basis_record_in_chinese(basis: str) -> None:
    """`lists.find_basis_record`: "²" made int() raise."""
    reporter = make_user("ud_hrss2", Role.REPORTER, "区人社局")
    subject = company("32000012", "安阳市北关区欠薪建筑有限公司")
    response = _api(reporter).post(
        "/api/v1/list-entries",
        {
            "list_type": "SX_WAGES",
            "subject": subject.identifier,
            "basis_document": "北人社监〔2026〕2号",
            "reasons": "拖欠农民工工资",
            "on": "2026-11-26",
            "basis_record": basis,
        },
        format="json",
    )
    assert "依据记录" in _chinese(response, 400)
    assert not ListEntry.objects.filter(subject=subject).exists()


# ---------------------------------------------------------------- collection


@pytest.mark.parametrize("unit", [SUPERSCRIPT, ARABIC, HUGE])
def test_entry_form_refuses_a_bad_unit_in_chinese(unit: str) -> None:
    admin = make_user("ud_admin", Role.CREDIT_ADMIN, "区发改委")
    response = _page_client(admin).post(
        "/workspace/collection/entry/?type=XZCF", {"type": "XZCF", "unit": unit}
    )
    assert response.status_code == 200
    assert "请选择报送单位" in response.content.decode()


# ---------------------------------------------------------------- rights


@pytest.mark.parametrize("unit", [SUPERSCRIPT, ARABIC, HUGE])
def test_objection_forward_refuses_a_bad_unit_in_chinese(unit: str) -> None:
    store([penalty_row(1)])
    obj = objections.file_objection(
        actor=None,
        record=record(1),
        channel=Channel.ONLINE,
        category="wrong",
        description="金额有误",
        applicant_name="甲",
        applicant_phone="13800001234",
    )
    admin = make_user("ud_admin2", Role.CREDIT_ADMIN, "区发改委")
    response = _page_client(admin).post(
        f"/workspace/rights/objections/{obj.pk}/",
        {"action": "forward", "unit": unit, "note": "请核实"},
        follow=True,
    )
    assert response.status_code == 200
    assert "所选核查单位不存在" in response.content.decode()
    obj.refresh_from_db()
    assert obj.forwarded_on is None


# ---------------------------------------------------------------- commitments


@pytest.mark.parametrize("unit", [SUPERSCRIPT, ARABIC, HUGE, "-1"])
def test_commitment_matter_api_refuses_a_bad_unit_in_chinese(unit: str) -> None:
    response = APIClient().get("/api/v1/commitments/matters/", {"unit": unit})
    assert "单位" in _chinese(response, 400)


def test_commitment_matter_api_still_filters_by_unit() -> None:
    assert APIClient().get("/api/v1/commitments/matters/", {"unit": "3"}).status_code == 200


# ---------------------------------------------------------------- supervision


@pytest.mark.parametrize("region", [SUPERSCRIPT, "４１０５０２", ARABIC])
def test_draw_cli_refuses_a_non_ascii_region_in_chinese(console: Any, region: str) -> None:
    """A region prefix is ASCII digits: "²" passed `isdigit` and drew from an empty pool."""
    code, _out, err = console(
        "draw",
        "create",
        "--unit",
        "区市场监管局",
        "--title",
        "2026年第一次抽查",
        "--region",
        region,
    )
    assert code != 0
    assert err.startswith("错误：") and "行政区划代码" in err


# ---------------------------------------------------------------- publicity


@pytest.mark.parametrize("record_id", [SUPERSCRIPT, ARABIC, HUGE, "arabic-of-a-record"])
def test_publicity_window_cli_refuses_a_bad_record_id_in_chinese(
    console: Any, record_id: str
) -> None:
    store([penalty_row(1)])
    pk = record(1).pk
    if record_id == "arabic-of-a-record":
        record_id = _arabic(pk)
    code, _out, err = console("publicity", "window", record_id)
    assert code != 0
    assert err.startswith("错误：") and "记录编号" in err
    assert console("publicity", "window", str(pk))[0] == 0


# ---------------------------------------------------------------- exchange


@pytest.mark.parametrize(
    "limit", ["1e400", HUGE, json.dumps(SUPERSCRIPT), json.dumps(ARABIC), "-1", "true", "10001"]
)
def test_exchange_send_api_refuses_a_bad_limit_in_chinese(
    settings: Any, tmp_path: Any, limit: str
) -> None:
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    admin = make_user("ud_admin3", Role.CREDIT_ADMIN, "区发改委")
    # Raw JSON: 1e400 is a number JSON allows that Python reads as infinity.
    response = _api(admin).post(
        "/api/v1/exchange/send/", f'{{"limit": {limit}}}', content_type="application/json"
    )
    assert "limit" in _chinese(response, 400)


def test_exchange_send_cli_refuses_a_huge_limit_in_chinese(
    console: Any, settings: Any, tmp_path: Any
) -> None:
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    """Was "数据库未初始化或不可用": SQLite refused the LIMIT, read as a database failure."""
    code, _out, err = console("exchange", "send", "--limit", HUGE)
    assert code != 0
    assert err.startswith("错误：--limit") and "数据库" not in err


def test_exchange_send_api_still_takes_a_limit(settings: Any, tmp_path: Any) -> None:
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    api = _api(make_user("ud_admin4", Role.CREDIT_ADMIN, "区发改委"))
    for limit in (5, "5", 10000):
        response = api.post("/api/v1/exchange/send/", {"limit": limit}, format="json")
        assert response.status_code == 200, response.content.decode()


# ---------------------------------------------------------------- page-local id readers


def test_finance_statistics_page_does_not_read_arabic_indic_digits_as_a_year(clock: Any) -> None:
    """The page's year went through a local int(): "٢٠٢٥" showed 2025's figures."""
    from django.urls import reverse

    clock.today = date(2026, 11, 26)
    admin = make_user("uni_fin_admin", Role.CREDIT_ADMIN, "区发改委")
    page = _page_client(admin).get(reverse("finance:statistics"), {"year": "٢٠٢٥"})
    assert page.status_code == 200
    assert "信易贷统计（2026 年）" in page.content.decode()
    ascii_year = _page_client(admin).get(reverse("finance:statistics"), {"year": "2025"})
    assert "信易贷统计（2025 年）" in ascii_year.content.decode()


def test_public_matter_page_does_not_filter_by_an_arabic_indic_unit_id() -> None:
    """`?unit=١٢` was read as unit 12 by a page-local int(): the filter now takes ASCII
    digits only, like every other id the platform reads (`positive_id`)."""
    from django.urls import reverse

    from xinyong.commitments.models import CommitmentMatter

    matter = CommitmentMatter.objects.filter(published=True).select_related("unit").first()
    assert matter is not None, "the reference data publishes commitment matters"
    url = reverse("commitments:public-matters")
    filtered = Client().get(url, {"unit": str(matter.unit_id)})
    arabic = Client().get(url, {"unit": _arabic(matter.unit_id)})
    unfiltered = Client().get(url)
    assert filtered.status_code == arabic.status_code == 200
    assert filtered.context["unit"] == matter.unit
    assert arabic.context["unit"] is None
    assert len(arabic.context["matters"]) == len(unfiltered.context["matters"])
