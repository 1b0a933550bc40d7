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


# default-src 'self' and no inline scripts: an injected <script> or on…= attribute does
# not run. Inline styles stay allowed because the templates use style="" attributes (and
# a <style> block on the leader dashboard). ECharts draws on canvas; htmx and the
# charts' code come from our own /static/; data: images are Swagger UI's icons.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy to every response (issue 11 §3), and
    X-Frame-Options to those XFrameOptionsMiddleware never sees: it sits after WhiteNoise,
    which answers /static/… itself, and this middleware before it. Django's
    SecurityMiddleware sets HSTS (behind TLS), nosniff and the referrer policy; Django has
    no CSP of its own before 6.0."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        # As XFrameOptionsMiddleware does: the setting's value, and none for a view marked
        # @xframe_options_exempt.
        if not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefault(
                "X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
            )
        return response
