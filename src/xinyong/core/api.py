"""API plumbing shared by every app: errors always come back as JSON with a Chinese
message, never as a traceback."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError

logger = logging.getLogger(__name__)

_CHINESE_DEFAULTS = {
    exceptions.NotAuthenticated: "未登录或令牌无效，请提供有效的身份凭证。",
    exceptions.AuthenticationFailed: "身份验证失败：令牌无效或已停用。",
    exceptions.PermissionDenied: "无权执行此操作。",
    exceptions.NotFound: "未找到请求的对象。",
    exceptions.MethodNotAllowed: "不支持该请求方法。",
    exceptions.NotAcceptable: "无法提供所请求的格式。",
    exceptions.UnsupportedMediaType: "不支持的请求内容类型。",
    exceptions.Throttled: "请求过于频繁，请稍后再试。",
    exceptions.ParseError: "请求内容无法解析，请检查 JSON 格式。",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": "；".join(exc.messages), "code": "invalid"}, status=400)
    # Django refuses oversized or malformed request bodies while DRF parses them; left
    # to DRF they became a 500 (a form body of more than 1,000 fields, found by
    # tests/security/test_api_fuzz.py).
    if isinstance(exc, SuspiciousOperation):
        return Response({"detail": _suspicious_message(exc), "code": "bad_request"}, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return Response(
            {"detail": "服务器内部错误，已记录，请稍后重试或联系信用办。", "code": "server_error"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    for cls, message in _CHINESE_DEFAULTS.items():
        if isinstance(exc, cls) and isinstance(response.data, dict) and "detail" in response.data:
            wait = getattr(exc, "wait", None)
            if isinstance(exc, exceptions.Throttled) and wait:
                message = f"请求过于频繁，请 {int(wait) + 1} 秒后再试。"
            response.data["detail"] = message
            break
    return response


def _suspicious_message(exc: SuspiciousOperation) -> str:
    if isinstance(exc, TooManyFieldsSent):
        return "请求的字段过多，已拒绝；请改用 JSON 提交或分批提交。"
    if isinstance(exc, TooManyFilesSent):
        return "一次上传的文件过多，已拒绝；请分批上传。"
    if isinstance(exc, RequestDataTooBig):
        return "请求内容过大，已拒绝；大文件请通过上传接口提交。"
    return "请求不合规，已拒绝。"


def validated(serializer: serializers.Serializer) -> dict[str, Any]:
    """The serializer's data, or a DomainError naming each field by its Chinese label."""
    if not serializer.is_valid():
        parts = []
        for name, errors in serializer.errors.items():
            field = serializer.fields.get(name)
            if field is not None and field.label:
                label = field.label
            else:
                label = "请求内容" if name == "non_field_errors" else name
            items = errors if isinstance(errors, list) else [errors]
            parts.append(f"{label}：{'；'.join(str(m) for m in items)}")
        raise DomainError("请求数据有误：" + "，".join(parts))
    return dict(serializer.validated_data)
