from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import context


def client_ip(request: HttpRequest) -> str | None:
    # Behind nginx the real address arrives in X-Real-IP, set by our deploy config
    # (docs/deploy.md). Without a proxy in front, a client could send that header itself
    # to dodge the portal's rate limit or forge the address in the audit log, so it is
    # honoured only when the installation says it runs behind the proxy.
    if getattr(settings, "XINYONG_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_REAL_IP")
        if forwarded:
            return str(forwarded)
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        with context.use(context.RequestContext(source_ip=client_ip(request), channel=channel)):
            return self.get_response(request)
