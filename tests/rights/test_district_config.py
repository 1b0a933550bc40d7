"""The repair notice of a district in another city names that city's 信用中国 site."""

from __future__ import annotations

import pytest
from django.test import override_settings

from xinyong.rights import notices
from xinyong.rights.models import RepairNotice

from .repair_helpers import penalty_row, store

pytestmark = pytest.mark.django_db


def opening() -> str:
    store([penalty_row(1)])
    return str(notices.notice_data(RepairNotice.objects.get())["opening"])


@override_settings(
    XINYONG_DISTRICT="淇滨区", XINYONG_CITY="鹤壁市", XINYONG_PLATFORM_NAME="淇滨区公共信用信息平台"
)
def test_the_notice_names_the_configured_citys_site() -> None:
    text = opening()
    assert "依法在淇滨区公共信用信息平台、“信用中国（河南鹤壁）”等网站公示。" in text
    assert "安阳" not in text


def test_the_default_city_is_anyang() -> None:
    assert "“信用中国（河南安阳）”等网站公示" in opening()
