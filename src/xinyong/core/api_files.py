"""What the API answers besides a JSON body, and how the OpenAPI document says so.

Downloads. A download view (report PDF, notice PDF, 信易贷 export, evaluation XLSX) returns
a ready `HttpResponse`, but DRF negotiates the `Accept` header against the view's
renderers before the view runs: with JSON-only renderers a client that sends the media
type the document declares (`Accept: application/pdf`) got 406. `FileDownloadMixin` adds
a pass-through renderer per declared media type, keeps refusals JSON whatever the client
accepts, and leaves `?format=` to the view (DRF would read it as a renderer name and
answer 404: the 信易贷 export's own `format=csv|xlsx`).

Refusals. Every refusal is JSON `{"detail", "code"}` (docs/conventions.md, core.api's
exception handler). `DocumentedErrorsSchema` documents it once, as the `Error` component,
on every operation: 400, 401 (when the view authenticates), 403, 404, 429 where the
view throttles, 406 on downloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PassThroughRenderer(BaseRenderer):
    """Accepts one download media type in content negotiation. The view answers with
    the file's bytes in an `HttpResponse`, which DRF does not render; only a refusal is
    a `Response`, and `FileDownloadMixin` renders that as JSON."""

    charset = None
    render_style = "binary"

    def __init__(self, media_type: str) -> None:
        self.media_type = media_type
        self.format = media_type.rsplit("/", 1)[-1]

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data, accepted_media_type, renderer_context)


class _NoFormatOverride:
    """DRF's settings with the `?format=` renderer override turned off."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name: str) -> Any:
        return getattr(api_settings, name)


class DownloadNegotiation(DefaultContentNegotiation):
    """Negotiates on `Accept` only: `format` is a download's own query parameter."""

    settings = _NoFormatOverride()  # type: ignore[assignment]


class FileDownloadMixin:
    """For an API view whose GET answers a file. `download_types` are the media types
    its OpenAPI operation declares; JSON stays first, so `Accept: */*` and refusals are
    JSON."""

    download_types: tuple[str, ...] = ()
    content_negotiation_class: type[BaseContentNegotiation] = DownloadNegotiation

    def get_renderers(self) -> list[BaseRenderer]:
        return [JSONRenderer(), *(PassThroughRenderer(m) for m in self.download_types)]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response):
            # A `Response` from a download view is a refusal: JSON, whatever was accepted.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


# ---------------------------------------------------------------- the OpenAPI document


class ErrorSerializer(serializers.Serializer):
    """A refusal (docs/conventions.md): the reason in Chinese and a machine code."""

    detail = serializers.CharField(help_text="拒绝原因（中文）")
    code = serializers.CharField(
        required=False,
        help_text="错误代码，如 invalid、forbidden、not_found、not_authenticated、throttled",
    )


ERROR_DESCRIPTIONS = {
    "400": "请求有误：参数或数据不符合要求，或业务规则不允许（detail 说明原因）",
    "401": "未登录或令牌无效",
    "403": "无权执行此操作",
    "404": "对象不存在或无权查看（其他单位的对象同样答 404；页码超出范围亦然）",
    "406": "无法提供 Accept 所要求的格式",
    "429": "请求过于频繁，请稍后再试",
}


class DocumentedErrorsSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the refusals every operation may answer."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> Any:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if not operation:
            return operation
        ref = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation.setdefault("responses", {})
        for code in self._error_codes():
            responses.setdefault(
                code,
                {
                    "content": {"application/json": {"schema": ref}},
                    "description": ERROR_DESCRIPTIONS[code],
                },
            )
        return operation

    def _error_codes(self) -> list[str]:
        codes = ["400"]
        if self.view.get_authenticators():
            codes.append("401")
        codes += ["403", "404"]
        if isinstance(self.view, FileDownloadMixin):
            codes.append("406")
        if self.view.get_throttles():
            codes.append("429")
        return codes
