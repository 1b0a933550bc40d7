"""Monitoring in a district other than 北关区: a government body's registered name is
read against the configured city and district when guessing its unit."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings

from xinyong.integrity.models import Alert

from .helpers import BZZ_CODE, SCJG_CODE, gov_subject, list_sxbzxr

pytestmark = pytest.mark.django_db

WENFENG = override_settings(
    XINYONG_DISTRICT="文峰区", XINYONG_PLATFORM_NAME="文峰区公共信用信息平台"
)


def unclaimed_alert_detail(code: str, name: str) -> str:
    entry = list_sxbzxr(gov_subject(code, name), on=date(2026, 10, 12))
    alert = Alert.objects.get(key=f"sxbzxr:{entry.pk}")
    assert alert.unit is None
    return alert.detail


@WENFENG
def test_a_body_named_after_the_configured_district_is_guessed_to_its_unit() -> None:
    detail = unclaimed_alert_detail(SCJG_CODE, "安阳市文峰区市场监督管理局")
    assert "按名称判断可能属于“区市场监管局”" in detail


@WENFENG
def test_the_district_government_prefix_is_read_too() -> None:
    detail = unclaimed_alert_detail(BZZ_CODE, "安阳市文峰区人民政府红旗路街道办事处")
    assert "按名称判断可能属于“红旗路街道”" in detail


@WENFENG
def test_a_body_of_another_district_gets_no_guess() -> None:
    detail = unclaimed_alert_detail(SCJG_CODE, "安阳市北关区市场监督管理局")
    assert "按名称判断" not in detail


@override_settings(XINYONG_DISTRICT="淇滨区", XINYONG_CITY="鹤壁市")
def test_the_configured_city_is_part_of_the_name() -> None:
    detail = unclaimed_alert_detail(SCJG_CODE, "鹤壁市淇滨区市场监督管理局")
    assert "按名称判断可能属于“区市场监管局”" in detail
