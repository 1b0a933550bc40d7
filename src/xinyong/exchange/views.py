"""Workspace pages of 数据交换 (/workspace/exchange/…), for the credit office: what is
pending, sent, acknowledged and failed towards the city platform, with resend; the files
pushed down. Thin adapters over exchange.services, exchange.inbound and selectors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinyong.core.errors import DomainError, NotFoundError
from xinyong.orgs.models import Role
from xinyong.web.access import role_required

from . import inbound, outbox, selectors, services
from .conf import get_config
from .models import InboundFile, OutboundMessage, OutboxEntry

PAGE_SIZE = 50
DENIED = "数据交换页面仅限信用办管理员使用。"


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *OutboundMessage.Status.choices]
    )
    kind = forms.ChoiceField(
        label="类型", required=False, choices=[("", "全部"), *OutboxEntry.Kind.choices]
    )
    q = forms.CharField(label="幂等键、信息类别或回执号", required=False, max_length=100)
    created_from = forms.DateField(
        label="生成日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label="生成日期至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _transport_label() -> str:
    try:
        config = get_config()
    except DomainError as exc:
        return f"配置有误：{exc.message}"
    if config.transport == "http":
        return f"接口推送（{config.http_url or '未配置地址'}）"
    return f"前置机文件交换（{config.file_dir}，{config.file_format.upper()}）"


@role_required(Role.CREDIT_ADMIN, denied=DENIED)
def message_list(request: HttpRequest) -> HttpResponse:
    form = MessageFilterForm(request.GET or None)
    qs = selectors.filter_messages()
    if form.is_bound:
        qs = qs.none()
        if form.is_valid():
            data = form.cleaned_data
            try:
                qs = selectors.filter_messages(
                    status=data["status"],
                    kind=data["kind"],
                    q=data["q"],
                    created_from=data["created_from"],
                    created_to=data["created_to"],
                )
            except DomainError as exc:
                # A day the form reads but the filter refuses (before 2000-01-01).
                form.add_error(None, exc.message)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "exchange/messages.html",
        {
            "form": form,
            "page": page,
            "querystring": params.urlencode(),
            "counts": services.status_counts(),
            "transport": _transport_label(),
            "resendable": (OutboundMessage.Status.FAILED, OutboundMessage.Status.SENT),
        },
    )


@role_required(Role.CREDIT_ADMIN, denied=DENIED)
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        message = services.get_message(pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    return render(
        request,
        "exchange/message.html",
        {
            "m": message,
            "change_label": outbox.COMMITMENT_CHANGES.get(
                message.entry.change, message.entry.change
            ),
            "attempts": selectors.attempts_of(message),
            "resendable": message.status
            in (OutboundMessage.Status.FAILED, OutboundMessage.Status.SENT),
        },
    )


@require_POST
@role_required(Role.CREDIT_ADMIN, denied=DENIED)
def message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        message = services.resend_message(actor=request.user, message=pk)
        messages.success(
            request, f"报文 {message.idempotency_key} 已重新排队，将在下次发送时推送。"
        )
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    target = request.POST.get("next") or ""
    if target.startswith("/workspace/exchange/"):
        return redirect(target)
    return redirect("exchange:message", pk=pk)


def _send_limit(raw: Any) -> int:
    try:
        value = int(raw or 200)
    except (TypeError, ValueError):
        raise DomainError("本次发送数量应为正整数。") from None
    if not 1 <= value <= services.MAX_SEND_LIMIT:
        raise DomainError(f"本次发送数量应在 1 至 {services.MAX_SEND_LIMIT} 之间。")
    return value


@require_POST
@role_required(Role.CREDIT_ADMIN, denied=DENIED)
def send_now(request: HttpRequest) -> HttpResponse:
    try:
        result = services.send_pending(
            actor=request.user, limit=_send_limit(request.POST.get("limit"))
        )
        messages.success(request, result.summary)
        for line in result.errors[:5]:
            messages.error(request, line)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("exchange:messages")


class InboundFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *InboundFile.Status.choices]
    )
    kind = forms.ChoiceField(
        label="类型", required=False, choices=[("", "全部"), *InboundFile.Kind.choices]
    )


# Rows shown per file on the page; the whole result is in the archived result file and the
# batch's rejected-row report.
DETAIL_ROWS = 100


def _rejected_rows(f: InboundFile) -> list[str]:
    """The rows the pipeline refused, one line each: "第 3 行 发布时间：日期不存在…"."""
    result = f.result if isinstance(f.result, dict) else {}
    source = result.get("ingest") if f.kind == InboundFile.Kind.LIST else result
    errors = source.get("errors") if isinstance(source, dict) else None
    lines: dict[Any, list[str]] = {}
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        column = str(error.get("column") or "")
        text = f"{column}：{error.get('message')}" if column else str(error.get("message"))
        lines.setdefault(error.get("row"), []).append(text)
    return [f"第 {row} 行 " + "；".join(texts) for row, texts in lines.items()]


def _inbound_rows(files: list[InboundFile]) -> list[dict[str, Any]]:
    """Each file with what it did not take: rejected rows (lists, records), the records
    the city platform returned and the rows it could not read (feedback)."""
    from xinyong.records.models import CreditRecord

    wanted = {
        r.get("record_id")
        for f in files
        if isinstance(f.result, dict)
        for r in f.result.get("returned_records") or []
        if isinstance(r, dict)
    }
    existing = set(CreditRecord.objects.filter(pk__in=wanted - {None}).values_list("pk", flat=True))
    rows = []
    for f in files:
        result = f.result if isinstance(f.result, dict) else {}
        returned = [
            {**r, "exists": r.get("record_id") in existing}
            for r in result.get("returned_records") or []
            if isinstance(r, dict)
        ]
        if f.kind == InboundFile.Kind.FEEDBACK:
            rejected = [
                f"第 {e.get('row')} 行：{e.get('message')}"
                for e in result.get("errors") or []
                if isinstance(e, dict)
            ]
        else:
            rejected = _rejected_rows(f)
        rows.append(
            {
                "file": f,
                "returned": returned[:DETAIL_ROWS],
                "rejected": rejected[:DETAIL_ROWS],
                "more": max(len(returned), len(rejected)) > DETAIL_ROWS,
            }
        )
    return rows


@role_required(Role.CREDIT_ADMIN, denied=DENIED)
def inbound_list(request: HttpRequest) -> HttpResponse:
    form = InboundFilterForm(request.GET or None)
    qs = selectors.filter_inbound()
    if form.is_bound:
        if form.is_valid():
            qs = selectors.filter_inbound(
                status=form.cleaned_data["status"], kind=form.cleaned_data["kind"]
            )
        else:
            qs = qs.none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    try:
        inbox = str(get_config().inbox_dir)
    except DomainError as exc:
        inbox = exc.message
    return render(
        request,
        "exchange/inbound.html",
        {
            "form": form,
            "page": page,
            "rows": _inbound_rows(list(page.object_list)),
            "detail_rows": DETAIL_ROWS,
            "querystring": params.urlencode(),
            "inbox": inbox,
        },
    )


@require_POST
@role_required(Role.CREDIT_ADMIN, denied=DENIED)
def import_now(request: HttpRequest) -> HttpResponse:
    try:
        run = inbound.import_inbox(actor=request.user)
        messages.success(request, run.summary)
        for item in run.files:
            if not item.get("ok"):
                messages.error(request, f"{item.get('name')}：{item.get('message')}")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("exchange:inbound")


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    register_module(
        "exchange.messages",
        "市平台推送",
        "exchange:messages",
        roles=(Role.CREDIT_ADMIN,),
        order=900,
        group="数据交换",
        description="向市信用信息共享平台推送的报文：待发送、已发送、已确认、失败与重发",
    )
    register_module(
        "exchange.inbound",
        "下发文件导入",
        "exchange:inbound",
        roles=(Role.CREDIT_ADMIN,),
        order=901,
        group="数据交换",
        description="市平台下发的名单、反馈和评价结果文件的导入结果",
    )
