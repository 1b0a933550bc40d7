"""REST endpoints of 数据交换 under /api/v1/exchange/, for the credit office only:

    GET  exchange/status/                   counts per status, entries waiting
    GET  exchange/messages/?status=&kind=&q=&created_from=&created_to=&page=
    GET  exchange/messages/<id>/            one message with its delivery attempts
    POST exchange/messages/<id>/resend/     put a failed or unacknowledged message back
    POST exchange/send/  {"limit": N}       one sending run now
    GET  exchange/inbound/?status=&kind=    files pushed down and their results
    POST exchange/inbound/import/           import the inbox now

Thin adapters over exchange.services, exchange.inbound and exchange.selectors."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.orgs import permissions

from . import inbound, selectors, services

PAGE_SIZE = 100


def _admin(request: Request) -> None:
    if not permissions.is_credit_admin(request.user):
        raise NotPermitted("数据交换接口仅限信用办管理员使用。")


def _page(items: Any, raw: Any) -> tuple[list[Any], dict[str, Any]]:
    try:
        number = int(raw or 1)
    except (TypeError, ValueError):
        raise DomainError("页码应为正整数。") from None
    paginator = Paginator(items, PAGE_SIZE)
    try:
        page = paginator.page(number)
    except EmptyPage:
        raise DomainError(f"页码 {number} 超出范围（共 {paginator.num_pages} 页）。") from None
    return list(page.object_list), {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
    }


class StatusView(APIView):
    @extend_schema(
        operation_id="exchange_status", summary="推送状态汇总", responses=OpenApiTypes.OBJECT
    )
    def get(self, request: Request) -> Response:
        _admin(request)
        return Response(services.status_counts())


class MessagesView(APIView):
    @extend_schema(
        operation_id="exchange_messages",
        summary="推送报文列表",
        parameters=[
            OpenApiParameter("status", str, description="pending/sent/acknowledged/failed"),
            OpenApiParameter("kind", str, description="batch/record/list_entry/repair/commitment"),
            OpenApiParameter("q", str, description="幂等键（部分）、信息类别代码或回执号"),
            OpenApiParameter("created_from", str, description="生成日期自（YYYY-MM-DD）"),
            OpenApiParameter("created_to", str, description="生成日期至（YYYY-MM-DD）"),
            OpenApiParameter("page", int, description="页码，每页 100 条"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        _admin(request)
        p = request.query_params
        qs = selectors.filter_messages(
            status=p.get("status", ""),
            kind=p.get("kind", ""),
            q=p.get("q", ""),
            created_from=p.get("created_from"),
            created_to=p.get("created_to"),
        )
        rows, meta = _page(qs, p.get("page"))
        return Response({**meta, "results": [selectors.message_data(m) for m in rows]})


class MessageView(APIView):
    @extend_schema(
        operation_id="exchange_message", summary="推送报文详情", responses=OpenApiTypes.OBJECT
    )
    def get(self, request: Request, pk: int) -> Response:
        _admin(request)
        message = services.get_message(pk)
        return Response(
            {
                **selectors.message_data(message),
                "tries": [selectors.attempt_data(a) for a in selectors.attempts_of(message)],
            }
        )


class ResendView(APIView):
    @extend_schema(
        operation_id="exchange_message_resend",
        summary="重新发送报文",
        request=None,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request: Request, pk: int) -> Response:
        _admin(request)
        message = services.resend_message(actor=request.user, message=pk)
        return Response(selectors.message_data(message))


def _limit(raw: Any) -> int | None:
    """`limit` as a JSON integer or a string of ASCII digits. Not int(raw): a JSON 1e400
    is infinity to Python (OverflowError, a 500), true is 1, and "²" passes isdigit."""
    if raw is None or raw == "":
        return None
    text = raw.strip() if isinstance(raw, str) else ""
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif text.isascii() and text.isdigit() and len(text) <= 9:
        number = int(text)
    else:
        number = 0
    if not 1 <= number <= services.MAX_SEND_LIMIT:
        raise DomainError(f"limit 应为不超过 {services.MAX_SEND_LIMIT} 的正整数。")
    return number


class SendView(APIView):
    @extend_schema(
        operation_id="exchange_send",
        summary="立即发送待发送报文",
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request: Request) -> Response:
        _admin(request)
        data = request.data if isinstance(request.data, dict) else {}
        result = services.send_pending(actor=request.user, limit=_limit(data.get("limit")))
        return Response(result.as_json())


class InboundView(APIView):
    @extend_schema(
        operation_id="exchange_inbound",
        summary="下发文件导入结果",
        parameters=[
            OpenApiParameter("status", str, description="processing/done/rejected"),
            OpenApiParameter("kind", str, description="list/records/feedback"),
            OpenApiParameter("page", int, description="页码，每页 100 条"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        _admin(request)
        p = request.query_params
        qs = selectors.filter_inbound(status=p.get("status", ""), kind=p.get("kind", ""))
        rows, meta = _page(qs, p.get("page"))
        return Response({**meta, "results": [selectors.inbound_data(f) for f in rows]})


class ImportView(APIView):
    @extend_schema(
        operation_id="exchange_inbound_import",
        summary="立即导入收件目录中的下发文件",
        request=None,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request: Request) -> Response:
        _admin(request)
        return Response(inbound.import_inbox(actor=request.user).as_json())


urlpatterns: list[URLPattern | URLResolver] = [
    path("exchange/status/", StatusView.as_view(), name="exchange-status"),
    path("exchange/messages/", MessagesView.as_view(), name="exchange-messages"),
    path("exchange/messages/<int:pk>/", MessageView.as_view(), name="exchange-message"),
    path(
        "exchange/messages/<int:pk>/resend/", ResendView.as_view(), name="exchange-message-resend"
    ),
    path("exchange/send/", SendView.as_view(), name="exchange-send"),
    path("exchange/inbound/", InboundView.as_view(), name="exchange-inbound"),
    path("exchange/inbound/import/", ImportView.as_view(), name="exchange-inbound-import"),
]
