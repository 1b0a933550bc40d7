from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q, QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from xinyong.core import event_labels
from xinyong.core.masked_rows import mask_events
from xinyong.core.models import Event, ReadLog
from xinyong.ledger.selectors import issued_plan_outline
from xinyong.orgs.models import Role, Unit
from xinyong.orgs.permissions import deactivated_unit, deactivated_unit_message
from xinyong.publicity.selectors import SEARCH_MAX_LENGTH
from xinyong.subjects.models import Subject

from . import navigation
from .access import role_required

logger = logging.getLogger(__name__)

LOG_PAGE_SIZE = 30


# ---------------------------------------------------------------- public portal


def portal_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/portal_home.html",
        {
            "search_max_length": SEARCH_MAX_LENGTH,
            "work_plan": issued_plan_outline(settings.XINYONG_DISTRICT),
        },
    )


def subject_search(request: HttpRequest) -> HttpResponse:
    """The portal's first search address, kept so that old links and bookmarks land on
    the one public query (publicity owns it)."""
    target = reverse("publicity:search")
    query = request.GET.urlencode()
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


# ---------------------------------------------------------------- sign-in


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确，请重新输入（密码区分大小写）。连续失败多次账号将被临时锁定。",
        "inactive": "该账号已停用，请联系信用办管理员。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.fields["username"].error_messages["required"] = "请输入用户名。"
        self.fields["password"].error_messages["required"] = "请输入密码。"
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        # An account whose unit is deactivated counts as deactivated (orgs.permissions);
        # its open sessions end through User.get_session_auth_hash.
        unit = deactivated_unit(user)
        if unit is not None:
            raise forms.ValidationError(deactivated_unit_message(unit), code="inactive")


def lockout_policy() -> tuple[int, timedelta]:
    """How many failures lock an account, and for how long (settings, via django-axes)."""
    return int(settings.AXES_FAILURE_LIMIT), timedelta(hours=float(settings.AXES_COOLOFF_TIME))


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["failure_limit"], context["cooloff"] = lockout_policy()
        return context


# ---------------------------------------------------------------- workspace


@dataclass(frozen=True)
class Stat:
    label: str
    value: int
    note: str


def _subject_count() -> int:
    # Merged duplicates keep their rows for history but are no longer subjects of their own.
    return Subject.objects.filter(merged_into__isnull=True).count()


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    stats = [
        Stat("责任单位", Unit.objects.filter(active=True).count(), "已启用的责任单位"),
        Stat("信用主体", _subject_count(), "平台登记的信用主体（不含已合并的重复主体）"),
        Stat(
            "今日操作",
            Event.objects.filter(occurred_at__date=today).count(),
            f"{today:%Y年%m月%d日}写入操作日志的变更",
        ),
    ]
    return render(
        request,
        "web/workspace_home.html",
        {"stats": stats, "today": today, "module_groups": navigation.all_groups()},
    )


class _LogFilter(forms.Form):
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.validators = [
                ProhibitNullCharactersValidator(message="筛选条件不能包含控制字符，请重新输入。")
                if isinstance(v, ProhibitNullCharactersValidator)
                else v
                for v in field.validators
            ]
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = (
                "日期格式不正确，请按 2026-01-31 的格式填写。"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data


def _choices(
    values: QuerySet[Any, Any], label: Callable[[str], str] = str
) -> list[tuple[str, str]]:
    """The select's options: the stored code as value (the filter matches it exactly),
    its Chinese name as text; kept in code order, which groups them by module."""
    return [("", "全部"), *[(v, label(v)) for v in values if v]]


class EventFilter(_LogFilter):
    action = forms.ChoiceField(label="动作", required=False)
    target_type = forms.ChoiceField(label="对象类型", required=False)
    actor = forms.CharField(label="操作人", required=False, max_length=100)
    target = forms.CharField(label="对象标识或名称", required=False, max_length=100)

    field_order = ["action", "target_type", "target", "actor", "date_from", "date_to"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = _choices(  # type: ignore[attr-defined]
            Event.objects.order_by("action").values_list("action", flat=True).distinct(),
            event_labels.action_label,
        )
        self.fields["target_type"].choices = _choices(  # type: ignore[attr-defined]
            Event.objects.order_by("target_type").values_list("target_type", flat=True).distinct(),
            event_labels.target_type_label,
        )
        self.fields["action"].error_messages["invalid_choice"] = "没有这种动作的记录。"
        self.fields["target_type"].error_messages["invalid_choice"] = "没有这种对象类型的记录。"


class ReadFilter(_LogFilter):
    reader = forms.CharField(label="查阅人或单位", required=False, max_length=100)
    subject = forms.CharField(label="主体（脱敏名称或标识）", required=False, max_length=100)
    purpose = forms.CharField(label="查询目的", required=False, max_length=100)

    field_order = ["reader", "subject", "purpose", "date_from", "date_to"]


def _date_range(qs: QuerySet[Any, Any], data: dict[str, Any]) -> QuerySet[Any, Any]:
    start: date | None = data.get("date_from")
    end: date | None = data.get("date_to")
    if start:
        qs = qs.filter(occurred_at__date__gte=start)
    if end:
        qs = qs.filter(occurred_at__date__lte=end)
    return qs


def _page(request: HttpRequest, qs: QuerySet[Any, Any]) -> Any:
    # get_page turns a missing, non-numeric or out-of-range page into a valid one.
    return Paginator(qs, LOG_PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@role_required(Role.CREDIT_ADMIN, denied="操作日志仅供信用办管理员查看。")
def event_log(request: HttpRequest) -> HttpResponse:
    form = EventFilter(request.GET or None)
    qs = Event.objects.select_related("actor").order_by("-id")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            qs = qs.filter(action=data["action"])
        if data["target_type"]:
            qs = qs.filter(target_type=data["target_type"])
        if data["actor"]:
            qs = qs.filter(actor_label__icontains=data["actor"])
        if data["target"]:
            qs = qs.filter(Q(target_id=data["target"]) | Q(target_repr__icontains=data["target"]))
        qs = _date_range(qs, data)
    elif form.is_bound:
        qs = qs.none()
    page = _page(request, qs)
    # A correction's old and new values may hold a person's name, ID number and phone:
    # shown masked, so that the log is no read of personal data (the record page shows
    # them and logs the read); the stored events and their hash chain stay as written.
    page.object_list = mask_events(page.object_list)
    return render(
        request,
        "web/event_log.html",
        {"form": form, "page": page, "querystring": _query_without_page(request)},
    )


@role_required(Role.CREDIT_ADMIN, denied="个人信息查阅记录仅供信用办管理员查看。")
def read_log(request: HttpRequest) -> HttpResponse:
    form = ReadFilter(request.GET or None)
    qs = ReadLog.objects.select_related("reader").order_by("-id")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["reader"]:
            qs = qs.filter(
                Q(reader_label__icontains=data["reader"]) | Q(reader_unit__icontains=data["reader"])
            )
        if data["subject"]:
            qs = qs.filter(
                Q(subject_id=data["subject"]) | Q(subject_repr__icontains=data["subject"])
            )
        if data["purpose"]:
            qs = qs.filter(purpose__icontains=data["purpose"])
        qs = _date_range(qs, data)
    elif form.is_bound:
        qs = qs.none()
    return render(
        request,
        "web/read_log.html",
        {
            "form": form,
            "page": _page(request, qs),
            "querystring": _query_without_page(request),
        },
    )


# ---------------------------------------------------------------- error pages


def _api_error(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse | None:
    # Under /api/ the caller is a program that reads JSON: an address that matches no
    # endpoint (e.g. /api/v1/checks/abc) gets the same {"detail", "code"} as every other
    # API refusal (core.api.exception_handler), not the HTML page (found by the fuzzing
    # in tests/security/test_api_fuzz.py).
    if not request.path.startswith("/api/"):
        return None
    return JsonResponse(
        {"detail": detail, "code": code}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Standalone page (no request context): a refused Host header or an oversized body
    # must not be rendered through the context processors.
    api = _api_error(
        request, 400, "bad_request", "请求有误（内容过大、字段过多或格式不正确），已拒绝。"
    )
    if api is not None:
        return api
    return HttpResponseBadRequest(loader.get_template("400.html").render({}))


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    api = _api_error(request, 403, "forbidden", message or "无权执行此操作。")
    return api or render(request, "403.html", {"message": message}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    api = _api_error(request, 404, "not_found", "未找到请求的接口或对象，请检查地址。")
    return api or render(request, "404.html", status=404)


_FALLBACK_500 = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>服务器内部错误</title>'
    "</head><body><h1>服务器内部错误</h1><p>系统处理请求时出错，错误已记录。请稍后重试，"
    '或联系信用办。</p><p><a href="/">返回首页</a></p></body></html>'
)


def error_500(request: HttpRequest) -> HttpResponse:
    api = _api_error(
        request, 500, "server_error", "服务器内部错误，已记录，请稍后重试或联系信用办。"
    )
    if api is not None:
        return api
    # Rendered without the request context: whatever broke (often the database) must not
    # break the error page too.
    try:
        body = loader.get_template("500.html").render({})
    except Exception:
        logger.exception("the 500 page itself failed to render")
        body = _FALLBACK_500
    return HttpResponseServerError(body)
