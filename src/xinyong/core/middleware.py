from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context


def client_ip(request: HttpRequest) -> str | None:
    # Behind nginx the real address arrives in X-Real-IP (set by our deploy config, not by
    # the client); REMOTE_ADDR is the proxy otherwise.
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        with context.use(context.RequestContext(source_ip=client_ip(request), channel=channel)):
            return self.get_response(request)
