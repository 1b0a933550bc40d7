"""Workspace pages for the API tokens of units' and banks' systems (/workspace/tokens/…):
the list, issuing (the key shown once) and revoking with a reason. Thin adapters over
orgs.selectors and orgs.services, like the token API (orgs/api.py) and `xinyong tokens`.

Who may use them is exactly who may use the token API: its door (IsReviewerOrCreditAdmin)
admits the credit office and a unit's reviewer; inside, selectors.tokens_for and the
services keep a reviewer to its own unit's system tokens and banks to the credit office.

The key exists only in the response to the issuing POST: it is not put in the session, a
message, an event or a log line, and that response tells browsers and proxies not to keep
it (Cache-Control: no-store)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.models import Event

from . import form_keys, selectors, services
from .forms_tokens import KIND_BANK, KIND_UNIT, TokenFilterForm, TokenIssueForm, TokenRevokeForm
from .models import ApiToken, Role
from .permissions import IsReviewerOrCreditAdmin

PAGE_SIZE = 50
DENIED = "接口令牌由信用办管理员管理，部门审核员可管理本单位系统的令牌。"
ISSUE_ACTION = "orgs.token_issue"
REVOKE_ACTION = "orgs.token_revoke"

# Session key of the issue form's one-time keys (never the token itself): refreshing the
# page that shows a new key re-sends the form, which must not issue a second token.
ONCE_SESSION = form_keys.SESSION_KEY
ONCE_USED = (
    "此签发表单已提交过或已失效：为避免重复签发令牌，未作处理。"
    "如确需再签发一个令牌，请核对下方内容后重新提交。"
)

_API_DOOR = IsReviewerOrCreditAdmin()


def may_manage_tokens(user: Any) -> bool:
    """The token API's own door (orgs.api: every token endpoint), so that the pages and
    their menu entry admit exactly whom the API admits."""
    return bool(_API_DOOR.has_permission(SimpleNamespace(user=user), None))


def _gated(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_manage_tokens(request.user):
            raise PermissionDenied(DENIED)
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as exc:
            # A token outside the reader's scope is "not found", as in the API.
            raise Http404(exc.message) from None
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from None

    return wrapped


# ---------------------------------------------------------------- list


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    kind: str
    holder: str
    issuer: str
    reason: str

    @property
    def active(self) -> bool:
        return self.token.revoked_at is None


def _is_bank_token(token: ApiToken) -> bool:
    # A bank's system account: role bank, its organisation, no unit (orgs.services).
    user = token.user
    return user.role == Role.BANK and user.unit_id is None and bool(user.organisation)


def _rows(tokens: list[ApiToken]) -> list[TokenRow]:
    """Who issued each token and why it was revoked, from the events the services wrote
    (the token row keeps neither)."""
    issuers: dict[str, str] = {}
    reasons: dict[str, str] = {}
    events = (
        Event.objects.filter(
            target_type="orgs.ApiToken",
            target_id__in=[str(t.pk) for t in tokens],
            action__in=[ISSUE_ACTION, REVOKE_ACTION],
        )
        .order_by("id")
        .values_list("target_id", "action", "actor_label", "new_values")
    )
    for target_id, action, actor_label, new in events:
        if action == ISSUE_ACTION:
            issuers.setdefault(target_id, actor_label)
        else:
            reasons[target_id] = str((new or {}).get("reason") or "")
    rows = []
    for token in tokens:
        bank = _is_bank_token(token)
        user = token.user
        rows.append(
            TokenRow(
                token=token,
                kind="银行" if bank else "单位系统",
                holder=user.organisation if bank else (user.unit.name if user.unit else ""),
                issuer=issuers.get(str(token.pk), ""),
                reason=reasons.get(str(token.pk), ""),
            )
        )
    return rows


def _filtered(tokens: QuerySet[ApiToken], data: dict[str, Any]) -> QuerySet[ApiToken]:
    if data.get("status") == "active":
        tokens = tokens.filter(revoked_at__isnull=True)
    elif data.get("status") == "revoked":
        tokens = tokens.filter(revoked_at__isnull=False)
    if data.get("kind") == KIND_BANK:
        tokens = tokens.filter(user__role=Role.BANK, user__unit__isnull=True)
    elif data.get("kind") == KIND_UNIT:
        tokens = tokens.filter(user__unit__isnull=False)
    return tokens


@_gated
@require_http_methods(["GET", "HEAD"])
def token_list(request: HttpRequest) -> HttpResponse:
    tokens = selectors.tokens_for(request.user)
    form = TokenFilterForm(request.GET or None, user=request.user)
    if form.is_bound:
        tokens = _filtered(tokens, form.cleaned_data) if form.is_valid() else tokens.none()
    page = Paginator(tokens, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "orgs/tokens.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(list(page.object_list)),
            "querystring": params.urlencode(),
        },
    )


# ---------------------------------------------------------------- issue


def _issue(request: HttpRequest, form: TokenIssueForm) -> tuple[ApiToken, str]:
    """Consume the form key and issue, in one transaction: a refused issue (a DomainError)
    rolls the key back so that the corrected form can be sent again. The page's form
    always carries a key: a post without one issues nothing."""
    data = form.cleaned_data

    def issue() -> tuple[ApiToken, str]:
        if data["kind"] == KIND_BANK:
            return services.issue_bank_token(
                actor=request.user, bank=data["bank"], name=data["name"]
            )
        return services.issue_unit_token(actor=request.user, unit=data["unit"], name=data["name"])

    return form_keys.submit_once(request, issue, required=True)


@_gated
@require_http_methods(["GET", "HEAD", "POST"])
# An error report of a failure after issuing would otherwise list the key among the
# frame's variables.
@sensitive_variables("key")
def token_new(request: HttpRequest) -> HttpResponse:
    form = TokenIssueForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = _issue(request, form)
        except NotPermitted:
            raise
        except form_keys.FormAlreadyUsed:
            form.add_error(None, ONCE_USED)
        except DomainError as exc:
            form.add_error("bank" if exc.code == "unknown_bank" else None, exc.message)
        else:
            response = render(
                request,
                "orgs/token_issued.html",
                {"token": token, "key": key, "row": _rows([token])[0]},
            )
            add_never_cache_headers(response)
            return response
    return render(
        request,
        "orgs/token_new.html",
        {
            "form": form,
            "once": form_keys.issue(request),
            # Suggestions for the bank field; the service matches any spelling.
            "banks": services.registered_banks() if form.allows_bank else [],
        },
    )


# ---------------------------------------------------------------- revoke


@_gated
@require_http_methods(["GET", "HEAD", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.token_for(request.user, pk)
    if request.method == "POST" and token.revoked_at is not None:
        messages.error(request, f"令牌 {token.prefix}…（{token.name}）已撤销，无需再次撤销。")
        return redirect("orgs:tokens")
    form = TokenRevokeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_token(
                actor=request.user, token=token, reason=form.cleaned_data["reason"]
            )
        except NotPermitted:
            raise
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"令牌 {token.prefix}…（{token.name}）已撤销。使用该令牌的系统将无法再调用接口。",
            )
            return redirect("orgs:tokens")
    return render(request, "orgs/token_revoke.html", {"row": _rows([token])[0], "form": form})
