"""API plumbing shared by every app: errors always come back as JSON with a Chinese
message, never as a traceback, and JSON bodies are read by one parser that refuses what
no view can use (nesting without end, lone surrogates)."""

from __future__ import annotations

import codecs
import logging
import re
import traceback
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils import json

from .errors import DomainError
from .inputs import LONE_SURROGATE

logger = logging.getLogger(__name__)

CJK = re.compile(r"[\u4e00-\u9fff]")

# ---------------------------------------------------------------- JSON bodies

# No request of the platform nests deeper than a handful of levels (a batch is
# body → rows → row → list value: 4); 64 leaves room for any client's framing. Without a
# limit, "[" × 100,000 made the decoder raise RecursionError, a 500.
MAX_JSON_DEPTH = 64
TOO_DEEP = f"请求内容无法解析：JSON 嵌套超过 {MAX_JSON_DEPTH} 层，已拒绝。"
# A lone surrogate can only come from a "\\ud800"-style escape: strict UTF-8 decoding
# refuses encoded surrogates. Bodies without such an escape skip the search.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (strict: no NaN), refusing what no view can use with a Chinese
    ParseError: nesting deeper than MAX_JSON_DEPTH, and a lone surrogate anywhere in the
    document, key or value. No database or file can store a lone surrogate; views that
    read request.data without a serializer passed it on to SQLite, a 500.

    A view that reports bad text itself may set `json_lone_surrogates = "replace"`: each
    lone surrogate then becomes U+FFFD, as the collection pipeline does for bytes it
    cannot decode, so that a batch refuses the affected rows (含乱码字符) instead of all."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise exceptions.ParseError(TOO_DEEP, code="too_deep") from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}", code="parse_error") from None
        replace = getattr(parser_context.get("view"), "json_lone_surrogates", "") == "replace"
        surrogates = bool(_SURROGATE_ESCAPE.search(text))
        _check(data, surrogates=surrogates and not replace)
        return _replaced(data) if replace and surrogates else data


# A place in the document as a chain (parent, key or index): rendered only for the
# refusal, so that a long key above many values is not copied into every path.
_Place = tuple[Any, str | int] | None


def _check(data: Any, *, surrogates: bool) -> None:
    """Refuse `data` when nested deeper than MAX_JSON_DEPTH or, if `surrogates`, when it
    holds a lone surrogate. A walk without recursion: the depth is what is checked."""
    stack: list[tuple[Any, _Place, int]] = [(data, None, 1)]
    while stack:
        value, place, depth = stack.pop()
        if isinstance(value, str):
            if surrogates and LONE_SURROGATE.search(value):
                _refuse_surrogate(value, place)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(TOO_DEEP, code="too_deep")
        items: list[tuple[Any, _Place, int]] = []
        if isinstance(value, dict):
            for key, item in value.items():
                if surrogates and LONE_SURROGATE.search(key):
                    _refuse_surrogate(key, place, key=True)
                items.append((item, (place, key), depth + 1))
        else:
            items = [(item, (place, i), depth + 1) for i, item in enumerate(value)]
        # Reversed: the first problem in document order is the one reported.
        stack.extend(reversed(items))


def _replaced(data: Any) -> Any:
    # Recursion is safe: _check has bounded the depth.
    if isinstance(data, str):
        return LONE_SURROGATE.sub("\ufffd", data)
    if isinstance(data, dict):
        return {_replaced(k): _replaced(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_replaced(v) for v in data]
    return data


def _path(place: _Place) -> str:
    """rows[1].CF_XDR_MC"""
    parts: list[str] = []
    while place is not None:
        place, step = place
        parts.append(f"[{step}]" if isinstance(step, int) else f".{_shown(step, 40)}")
    return "".join(reversed(parts)).lstrip(".")


def _refuse_surrogate(text: str, place: _Place, *, key: bool = False) -> None:
    found = LONE_SURROGATE.search(text)
    assert found is not None
    # The answer names the place but cannot echo the surrogate (it could not be encoded
    # in the answer either).
    path = _shown(_path(place))
    where = path or "请求内容"
    if key:
        where = f"{path} 的键“{_shown(text, 40)}”" if path else f"键“{_shown(text, 40)}”"
    space = " " if where[-1].isascii() else ""
    raise exceptions.ParseError(
        f"请求内容无法解析：{where}{space}含有孤立的代理字符 U+{ord(found.group()):04X}"
        "（不成对的 \\u 转义），请检查文本编码后重新提交。",
        code="lone_surrogate",
    )


def _shown(text: str, limit: int = 80) -> str:
    text = LONE_SURROGATE.sub("\ufffd", text)
    return text if len(text) <= limit else "…" + text[-limit:]


# ---------------------------------------------------------------- refusals

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
# DRF raises these only with its own (English or translated) text: the project's wording
# always. The other classes carry the project's own Chinese messages too (a permission's
# `message`, orgs.authentication's "令牌格式错误…", the parser's refusals), which are kept.
_ALWAYS_DEFAULT = (
    exceptions.NotAuthenticated,
    exceptions.MethodNotAllowed,
    exceptions.NotAcceptable,
    exceptions.UnsupportedMediaType,
)
CSRF_FAILED = "CSRF 校验失败，请刷新页面后重试。"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal as `{"detail": "中文", "code": "…"}` (docs/conventions.md)."""
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES, which names this
    # module's JSONParser, when it is first imported.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": "；".join(exc.messages), "code": "invalid"}, status=400)
    # Django refuses oversized or malformed request bodies while DRF parses them; left
    # to DRF they became a 500 (a form body of more than 1,000 fields, found by
    # tests/security/test_api_fuzz.py).
    if isinstance(exc, SuspiciousOperation):
        return Response({"detail": _suspicious_message(exc), "code": "bad_request"}, status=400)
    if isinstance(exc, RecursionError) and _raised_while_parsing(exc):
        # Every view reads JSON with JSONParser below (a test walks them); a parser that
        # recursed anyway is still the client's deep body, not a server error.
        exc = exceptions.ParseError(TOO_DEEP, code="too_deep")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*_chinese_args(exc))
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*_chinese_args(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return Response(
            {"detail": "服务器内部错误，已记录，请稍后重试或联系信用办。", "code": "server_error"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.APIException):
        detail, code = _refusal(exc, context)
        response.data = {"detail": detail, "code": code}
    return response


def _raised_while_parsing(exc: BaseException) -> bool:
    return any(
        frame.f_globals.get("__name__") == "rest_framework.parsers"
        for frame, _line in traceback.walk_tb(exc.__traceback__)
    )


def _chinese_args(exc: Exception) -> tuple[str, ...]:
    # Django's own texts ("No Record matches the given query.") give way to the default.
    text = str(exc.args[0]) if exc.args else ""
    return (text,) if CJK.search(text) else ()


def _refusal(exc: exceptions.APIException, context: dict[str, Any]) -> tuple[str, str]:
    """The Chinese `detail` and the `code` of a refusal DRF raised or was handed."""
    if isinstance(exc.detail, list | dict):
        return "请求数据有误：" + "，".join(error_parts(exc.detail)), "invalid"
    text = str(exc.detail)
    code = str(getattr(exc.detail, "code", "") or exc.default_code)
    if isinstance(exc, exceptions.Throttled):
        # DRF has rounded the wait up to whole seconds, as in the Retry-After header.
        wait = getattr(exc, "wait", None)
        if wait:
            return f"请求过于频繁，请 {max(int(wait), 1)} 秒后再试。", "throttled"
        return _CHINESE_DEFAULTS[exceptions.Throttled], "throttled"
    # rest_framework.authentication.SessionAuthentication.enforce_csrf
    if isinstance(exc, exceptions.PermissionDenied) and text.startswith("CSRF Failed"):
        return CSRF_FAILED, "csrf_failed"
    if isinstance(exc, exceptions.NotFound) and text == str(
        PageNumberPagination.invalid_page_message
    ):
        return _invalid_page(context), "invalid_page"
    if isinstance(exc, exceptions.ParseError) and text.startswith("Multipart form parse error"):
        return "请求内容无法解析：multipart 表单格式有误。", code
    default = next(
        (message for cls, message in _CHINESE_DEFAULTS.items() if isinstance(exc, cls)), None
    )
    if default is None:
        return (text if CJK.search(text) else "请求被拒绝。"), code
    if isinstance(exc, _ALWAYS_DEFAULT):
        return default, code
    if CJK.search(text) and text != str(exc.default_detail):
        return text, code
    return default, code


def _invalid_page(context: dict[str, Any]) -> str:
    request = context.get("request")
    paginator = getattr(context.get("view"), "paginator", None)
    name = getattr(paginator, "page_query_param", None) or "page"
    page = request.query_params.get(name, "") if request is not None else ""
    return f"第 {_shown(page, 20)} 页不存在：页码超出结果范围或无效，请从第 1 页起查询。"


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
        raise DomainError("请求数据有误：" + "，".join(error_parts(serializer.errors, serializer)))
    return dict(serializer.validated_data)


def error_parts(errors: Any, field: Any = None, label: str = "") -> list[str]:
    """`标签：原因` for each error of a (possibly nested) DRF error structure, the place
    named in Chinese ("数据行第1项：…"): str() of a nested structure showed Python's
    repr ("{0: [ErrorDetail(string=…)]}")."""
    if isinstance(errors, dict):
        parts: list[str] = []
        for key, sub in errors.items():
            if isinstance(key, int):
                # A ListField's child errors, keyed by position.
                parts += error_parts(sub, getattr(field, "child", None), f"{label}第{key + 1}项")
            elif key == api_settings.NON_FIELD_ERRORS_KEY:
                parts += error_parts(sub, field, label)
            elif isinstance(field, serializers.DictField):
                parts += error_parts(sub, field.child, f"{label}“{_shown(str(key), 40)}”")
            else:
                fields = getattr(field, "fields", None)
                child = fields.get(key) if fields is not None else None
                name = child.label if child is not None and child.label else str(key)
                parts += error_parts(sub, child, f"{label}的{name}" if label else name)
        return parts
    if isinstance(errors, list) and any(isinstance(e, dict | list) for e in errors):
        # A nested serializer with many=True: one entry per item, {} for valid items.
        parts = []
        for i, sub in enumerate(errors):
            if sub:
                parts += error_parts(sub, getattr(field, "child", None), f"{label}第{i + 1}项")
        return parts
    messages = errors if isinstance(errors, list) else [errors]
    if not messages:
        return []
    return [f"{label or '请求内容'}：{'；'.join(str(m) for m in messages)}"]
