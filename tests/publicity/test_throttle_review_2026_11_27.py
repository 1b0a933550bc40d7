"""Review 2026-11-27: the anonymous rate limits key on the address `core.middleware.
client_ip` trusts (X-Forwarded-For is the client's own word), and every public list page
of the portal is limited and paginated like the 失信主体名单."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client, RequestFactory

from xinyong.sanctions.public_lists import PAGE_SIZE

pytestmark = pytest.mark.django_db


def test_public_api_throttle_not_dodged_by_forged_x_forwarded_for(settings) -> None:
    settings.PUBLICITY_API_RATE = "3/min"
    client = Client(REMOTE_ADDR="203.0.113.7")
    codes = [
        client.get(
            "/api/v1/public/subjects", {"q": "某某"}, HTTP_X_FORWARDED_FOR=f"10.9.{i}.1"
        ).status_code
        for i in range(6)
    ]
    assert codes[3:] == [429, 429, 429], codes


def test_behind_the_proxy_the_api_throttle_keys_on_x_real_ip(settings) -> None:
    settings.XINYONG_BEHIND_PROXY = True
    settings.PUBLICITY_API_RATE = "2/min"
    client = Client(REMOTE_ADDR="127.0.0.1")

    def get(real_ip: str) -> int:
        return client.get(
            "/api/v1/public/subjects", {"q": "某某"}, HTTP_X_REAL_IP=real_ip
        ).status_code

    assert [get("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    # Another client behind the same nginx has its own budget.
    assert get("198.51.100.2") == 200


def test_no_anonymous_api_throttle_keys_on_x_forwarded_for() -> None:
    """The other anonymous throttles (applications, published events, draw checks) key on
    the same address; a UserRateThrottle beside them only limits signed-in callers more
    loosely, so an anonymous caller stays bound by these."""
    from rest_framework.throttling import AnonRateThrottle

    from xinyong.publicity.api import PublicAnonThrottle
    from xinyong.rights.api_common import PublicThrottle
    from xinyong.sanctions.api_governance import PublicEventListView
    from xinyong.supervision.api_draws import DrawVerifyView

    anon = [
        throttle
        for throttle in (
            PublicAnonThrottle,
            PublicThrottle,
            *PublicEventListView.throttle_classes,
            *DrawVerifyView.throttle_classes,
        )
        if issubclass(throttle, AnonRateThrottle)
    ]
    assert len(anon) == 4
    factory = RequestFactory()
    for throttle_class in anon:
        idents = {
            throttle_class().get_ident(
                factory.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=forged)
            )
            for forged in ("10.1.1.1", "10.2.2.2")
        }
        assert idents == {"203.0.113.7"}, throttle_class


@pytest.mark.parametrize(
    "url", ["/credit/lists/dishonest/", "/credit/lists/red/", "/credit/events/", "/credit/cases/"]
)
def test_public_list_pages_are_throttled_like_the_portal(settings, url) -> None:
    settings.PUBLICITY_PORTAL_RATE = "3/min"
    client = Client()
    codes = [client.get(url).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429], codes


def test_the_red_list_is_paginated_like_the_dishonest_list(settings) -> None:
    from tests.sanctions.governance_helpers import company, entry

    settings.PUBLICITY_PORTAL_RATE = "10000/min"
    for i in range(PAGE_SIZE + 1):
        entry(
            company(f"MA45R{i:03d}", f"安阳市北关区守信示范{i:03d}有限公司"),
            "RED",
            effective_from=date(2026, 6, 1),
        )
    client = Client()
    first = client.get("/credit/lists/red/").content.decode()
    assert first.count("守信示范") == PAGE_SIZE
    assert f"共 {PAGE_SIZE + 1} 条，第 1 / 2 页" in first
    assert 'href="?page=2"' in first
    second = client.get("/credit/lists/red/", {"page": 2}).content.decode()
    assert second.count("守信示范") == 1
    assert "第 2 / 2 页" in second
