"""The privacy review's case end to end (DOMAIN.md §2): an organisation's penalty whose
facts name its legal representative's 15-digit ID number and phone numbers in their usual
spellings is shown masked on the public record page and in the public API."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from ..publicity.helpers import penalty

pytestmark = pytest.mark.django_db

FACTS = (
    "经查，法定代表人张三（身份证号410503680512031，手机138-1234-5678），"
    "联系人李四（电话+8613912345678，座机0372-5951234）。"
)
SHOWN = (
    "经查，法定代表人张三（身份证号410503*****2031，手机138****5678），"
    "联系人李四（电话+86139****5678，座机0372-***1234）。"
)
HIDDEN = ("410503680512031", "138-1234-5678", "13912345678", "5951234")
REG_NO_15 = "410503000012345"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PUBLICITY_PORTAL_RATE = "10000/min"
    settings.PUBLICITY_API_RATE = "10000/min"
    cache.clear()
    yield
    cache.clear()


def test_the_penalty_facts_are_masked_on_the_page_and_in_the_public_api() -> None:
    record = penalty(71, decided="2026-05-12", CF_SY=FACTS, CF_XDR_GSZC=REG_NO_15)
    client = Client()
    page = client.get(f"/credit/record/{record.pk}/").content.decode()
    assert SHOWN in page
    for text in HIDDEN:
        assert text not in page
    api = client.get(f"/api/v1/public/subjects/{record.subject_id}").json()
    fields = {f["code"]: f["value"] for f in api["records"][0]["fields"]}
    assert fields["CF_SY"] == SHOWN
    # The 15-digit 工商注册号 is the firm's public identifier and stays readable.
    assert fields["CF_XDR_GSZC"] == REG_NO_15
