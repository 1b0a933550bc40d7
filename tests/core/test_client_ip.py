from django.test import RequestFactory

from xinyong.core.middleware import client_ip


def test_x_real_ip_is_ignored_without_a_proxy_in_front(settings) -> None:
    settings.XINYONG_BEHIND_PROXY = False
    request = RequestFactory().get("/", HTTP_X_REAL_IP="10.9.8.7", REMOTE_ADDR="203.0.113.5")
    assert client_ip(request) == "203.0.113.5"


def test_x_real_ip_is_the_client_behind_the_proxy(settings) -> None:
    settings.XINYONG_BEHIND_PROXY = True
    request = RequestFactory().get("/", HTTP_X_REAL_IP="10.9.8.7", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "10.9.8.7"
    bare = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")
    assert client_ip(bare) == "127.0.0.1"
