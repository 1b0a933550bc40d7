"""Pages of 信易贷. Workspace (/workspace/xinyidai/): the white list, screening runs and
their two reviews, export, authorisations, statistics and 银企对接 events for the credit
office, the finance office and leaders; the bank pages (/workspace/xinyidai/bank/) for
bank users. Portal (/credit/xinyidai/): an enterprise authorises a bank or revokes its
authorisation after the identity confirmation. Thin adapters over services/selectors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.inputs import positive_id
from xinyong.orgs import form_keys, permissions
from xinyong.orgs.models import Role
from xinyong.publicity.views import throttled
from xinyong.subjects.models import Subject
from xinyong.supervision.draws import grades_public
from xinyong.web.access import role_required

from . import criteria as crit
from . import exports, selectors, services
from .models import (
    Authorisation,
    LoanOutcome,
    MatchmakingEvent,
    WhitelistItem,
    WhitelistRule,
    WhitelistRun,
)

PAGE_SIZE = 50
MAX_UPLOAD = 10 * 1024 * 1024
CONFIRM_SALT = "finance.portal-confirm"
_STAFF_DENIED = "只有信用办、金融工作局审核员和领导可以查看信易贷白名单管理页面。"
_BANK_DENIED = "只有合作银行用户可以使用银行页面。"
# The service's bound, checked here too so that the form keeps what was typed.
MAX_EVENT_FIRMS = services.MAX_EVENT_FIRMS


def can_view_staff(user: Any) -> bool:
    role = permissions.role_of(user)
    return role in (Role.CREDIT_ADMIN, Role.LEADER) or services.is_finance_reviewer(user)


def can_view_events(user: Any) -> bool:
    # The finance office's own 填报员 records its 银企对接 events (ledger row 32) too.
    return can_view_staff(user) or services.may_record_matchmaking(user)


def bank_grade(item: WhitelistItem) -> str:
    """An item's grade as a bank reads it: only while the credit office publishes grades
    (supervision.draws.grades_public, the switch of the portal and the credit report)."""
    return item.grade if grades_public() else ""


def bank_reasons(item: WhitelistItem, criteria: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An item's screening reasons as a bank reads them (page and API). A failed
    condition is named in words (criteria.Reason.public: its facts may be unpublished);
    while grades are not public the grade line names the condition the firm met, which
    the rule on the portal states anyway, not the firm's grade."""
    shown_grades = grades_public()
    wanted = "、".join(criteria.get("grades") or [])
    ungraded = "（未评价信用等级的可以参加）" if criteria.get("allow_ungraded") else ""
    out = []
    for reason in item.reasons:
        if not reason.get("passed"):
            text = reason.get("public") or f"不符合“{reason.get('label', '')}”条件"
            reason = {**reason, "text": text}
        elif reason.get("code") == "grade" and not shown_grades:
            reason = {**reason, "text": f"符合“信用等级为 {wanted}”条件{ungraded}"}
        out.append(reason)
    return out


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_view_staff(request.user):
            raise PermissionDenied(_STAFF_DENIED)
        return view(request, *args, **kwargs)

    return wrapped


def _qs(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _year(request: HttpRequest) -> int:
    year = positive_id(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


def _act(request: HttpRequest, call: Callable[[], Any], done: str) -> bool:
    """Run a service call for a POST; refusals become a message (or a 403)."""
    try:
        call()
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


# ------------------------------------------------------------------ staff pages


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    run = services.current_run()
    items = selectors.published_items(run)
    status = request.GET.get("status", "")
    if status in (WhitelistItem.Status.LISTED, WhitelistItem.Status.REMOVED):
        items = items.filter(status=status)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    runs = WhitelistRun.objects.select_related("rule").order_by("-id")[:20]
    rule = WhitelistRule.objects.filter(active=True).order_by("-effective_from").first()
    return render(
        request,
        "finance/home.html",
        {
            "qs": _qs(request),
            "run": run,
            "page": page,
            "status": status,
            "runs": runs,
            "rule": rule,
            "rule_lines": crit.describe(rule.criteria) if rule else [],
            "counts": selectors.run_counts(run) if run else {},
            "is_admin": permissions.is_credit_admin(request.user),
        },
    )


@staff_required
def screen(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("finance:home")
    created: list[WhitelistRun] = []
    ok = _act(
        request,
        lambda: created.append(services.screen(actor=request.user)),
        "已完成筛查，名单待信用办审核。",
    )
    if ok:
        return redirect("finance:run", pk=created[0].pk)
    return redirect("finance:home")


@staff_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = WhitelistRun.objects.select_related("rule").filter(pk=pk).first()
    if run is None:
        raise Http404("未找到该名单批次。")
    if request.method == "POST":
        action = request.POST.get("action", "")
        opinion = str(request.POST.get("opinion", ""))[:2000]
        if action == "approve_credit":
            _act(
                request,
                lambda: services.approve_credit(actor=request.user, run=run, opinion=opinion),
                "信用办审核通过，已提交金融工作局审核。",
            )
        elif action == "approve_finance":
            _act(
                request,
                lambda: services.approve_finance(actor=request.user, run=run, opinion=opinion),
                "金融工作局审核通过，名单已发布给合作银行。",
            )
        elif action == "return":
            _act(
                request,
                lambda: services.return_run(actor=request.user, run=run, opinion=opinion),
                "名单已退回。",
            )
        elif action == "exclude":
            item = WhitelistItem.objects.filter(
                run=run, pk=positive_id(request.POST.get("item")) or 0
            ).first()
            if item is None:
                messages.error(request, "未找到该企业。")
            else:
                _act(
                    request,
                    lambda: services.exclude_item(actor=request.user, item=item, reason=opinion),
                    f"已从拟列入名单中剔除 {item.subject.name}。",
                )
        return redirect("finance:run", pk=run.pk)
    status = request.GET.get("status", WhitelistItem.Status.LISTED)
    if status not in WhitelistItem.Status.values:
        status = WhitelistItem.Status.LISTED
    items = run.items.filter(status=status).select_related("subject").order_by("subject__name")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user
    return render(
        request,
        "finance/run.html",
        {
            "qs": _qs(request),
            "run": run,
            "page": page,
            "status": status,
            "statuses": WhitelistItem.Status.choices,
            "counts": selectors.run_counts(run),
            "failures": selectors.failure_counts(run),
            "criteria_lines": crit.describe(run.criteria),
            "can_credit": run.status == WhitelistRun.Status.CREDIT_REVIEW
            and permissions.is_credit_admin(user),
            "can_finance": run.status == WhitelistRun.Status.FINANCE_REVIEW
            and services.is_finance_reviewer(user),
        },
    )


@staff_required
def export(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "xlsx")
    try:
        name, content = exports.export_whitelist(actor=request.user, fmt=fmt)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("finance:home")
    kind = (
        "text/csv; charset=utf-8"
        if name.endswith(".csv")
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=kind)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@staff_required
def authorisations(request: HttpRequest) -> HttpResponse:
    is_admin = permissions.is_credit_admin(request.user)
    values = {
        k: "" for k in ("subject", "bank", "scope", "valid_from", "valid_until", "agent_name")
    }
    values["valid_from"] = timezone.localdate().isoformat()
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied("只有信用办管理员可以录入或撤销授权。")
        if request.POST.get("action") == "revoke":
            auth = Authorisation.objects.filter(
                pk=positive_id(request.POST.get("authorisation")) or 0
            ).first()
            if auth is None:
                messages.error(request, "未找到该授权。")
            else:
                _act(
                    request,
                    lambda: services.revoke_authorisation(
                        actor=request.user,
                        authorisation=auth,
                        reason=request.POST.get("reason", ""),
                    ),
                    f"已撤销授权 {auth.code}。",
                )
            return redirect("finance:authorisations")
        values = {k: str(request.POST.get(k, ""))[:200] for k in values}
        upload = request.FILES.get("document")

        def record() -> None:
            from xinyong.supervision.grading import subject_by_code

            if upload is not None and upload.size and upload.size > MAX_UPLOAD:
                raise DomainError("授权书文件过大（不超过 10 MB）。")
            services.record_staff_authorisation(
                actor=request.user,
                subject=subject_by_code(values["subject"]),
                bank=values["bank"],
                scope=values["scope"],
                valid_from=values["valid_from"],
                valid_until=values["valid_until"],
                document=upload,
                agent_name=values["agent_name"],
            )

        if _act(request, record, "已录入授权。"):
            return redirect("finance:authorisations")
    qs = Authorisation.objects.select_related("subject").order_by("-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/authorisations.html",
        {
            "qs": _qs(request),
            "page": page,
            "is_admin": is_admin,
            "values": values,
            "banks": services.known_banks(),
            "scopes": Authorisation.Scope.choices,
        },
    )


@staff_required
def statistics(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    if request.method == "POST":
        if not permissions.is_credit_admin(request.user):
            raise PermissionDenied("只有信用办管理员可以录入全市平均增速。")
        _act(
            request,
            lambda: services.set_benchmark(
                actor=request.user,
                year=request.POST.get("year", ""),
                city_growth_percent=request.POST.get("city_growth_percent", ""),
                source=request.POST.get("source", ""),
            ),
            "已保存全市平均增速。",
        )
        return redirect(f"{request.path}?year={year}")
    return render(
        request,
        "finance/statistics.html",
        {
            "stats": selectors.statistics(year),
            "year": year,
            "is_admin": permissions.is_credit_admin(request.user),
        },
    )


def _firm_count(text: str) -> int | None:
    if not text.strip():
        return None
    refusal = (
        f"参加企业总数应为 0 至 {MAX_EVENT_FIRMS} 之间的整数（填写的是“{text.strip()[:30]}”）。"
    )
    try:
        count = int(text.strip())
    except ValueError:
        raise DomainError(refusal) from None
    if not 0 <= count <= MAX_EVENT_FIRMS:
        raise DomainError(refusal)
    return count


def events(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    can_record = services.may_record_matchmaking(request.user)
    if not can_view_events(request.user):
        raise PermissionDenied("只有信用办、领导和金融工作局审核员、填报员可以查看银企对接活动。")
    keys = ("title", "held_on", "venue", "banks", "firms", "firm_count", "evidence")
    values = {k: "" for k in keys}
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied(
                f"只有信用办管理员和{services.finance_office().name}的工作人员可以登记银企对接活动。"
            )
        values = {k: str(request.POST.get(k, ""))[:2000] for k in keys}
        upload = request.FILES.get("evidence_file")

        def record() -> None:
            from xinyong.supervision.grading import subject_by_code

            if upload is not None and upload.size and upload.size > MAX_UPLOAD:
                raise DomainError("佐证材料文件过大（不超过 10 MB）。")
            codes = [
                c
                for c in values["firms"].replace("，", ",").replace("、", ",").split(",")
                if c.strip()
            ]
            firm_count = _firm_count(values["firm_count"])
            services.record_matchmaking(
                actor=request.user,
                title=values["title"],
                held_on=values["held_on"],
                venue=values["venue"],
                banks=values["banks"],
                firms=[subject_by_code(c) for c in codes],
                firm_count=firm_count,
                evidence=values["evidence"],
                evidence_file=upload,
            )

        if _act(request, record, "已登记银企对接活动。"):
            return redirect("finance:events")
    qs = MatchmakingEvent.objects.select_related("organiser", "ledger_activity").order_by(
        "-held_on", "-id"
    )
    return render(
        request,
        "finance/events.html",
        {
            "events": qs[:200],
            "can_record": can_record,
            "values": values,
            "max_firms": MAX_EVENT_FIRMS,
        },
    )


# ------------------------------------------------------------------ bank pages


@role_required(Role.BANK, denied=_BANK_DENIED)
def bank_list(request: HttpRequest) -> HttpResponse:
    run = services.current_run()
    items = selectors.published_items(run)
    q = str(request.GET.get("q", "")).strip()[:100]
    if q:
        items = items.filter(subject__name__icontains=q) | items.filter(
            subject__identifier=q.upper()
        )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/bank_list.html",
        {
            "run": run,
            "page": page,
            "q": q,
            "bank": request.user.organisation,  # type: ignore[union-attr]
            "qs": _qs(request),
            "show_grades": grades_public(),
        },
    )


OUTCOME_FIELDS = (
    "status",
    "granted_on",
    "amount_wan",
    "loan_type",
    "rate_percent",
    "term_months",
    "note",
)


def _outcome_fields(request: HttpRequest) -> dict[str, str]:
    return {k: str(request.POST.get(k, ""))[:300] for k in OUTCOME_FIELDS}


def _bank_subject(pk: int) -> Subject:
    subject = Subject.objects.filter(pk=pk, merged_into__isnull=True).first()
    if subject is None or subject.is_person:
        raise Http404("未找到该企业。")
    return subject


def _outcome_form(request: HttpRequest) -> dict[str, str]:
    """The outcome form as posted (applied_on first), to report it and, when the report
    is refused, to show it again as typed."""
    return {"applied_on": str(request.POST.get("applied_on", ""))[:300], **_outcome_fields(request)}


@role_required(Role.BANK, denied=_BANK_DENIED)
def bank_subject(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _bank_subject(pk)
    bank = services.bank_of(request.user)
    run = services.current_run()
    item = (
        WhitelistItem.objects.filter(
            run=run,
            subject=subject,
            status__in=(WhitelistItem.Status.LISTED, WhitelistItem.Status.REMOVED),
        ).first()
        if run
        else None
    )
    auth = services.valid_authorisation(subject, bank)
    if item is None and auth is None:
        raise PermissionDenied("该企业不在已发布的白名单中，也未授权贵行，不能查看。")
    posted: dict[str, str] | None = None
    if request.method == "POST":
        posted = _outcome_form(request)
        form = posted
        try:
            # One-time key: the form sent twice (a double click, a reload) records one
            # loan, not two — 信用贷款发放额 counts every granted row.
            form_keys.submit_once(
                request,
                lambda: services.report_outcome(actor=request.user, subject=subject, **form),
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except form_keys.FormAlreadyUsed as exc:
            # Already recorded (the table below shows it): an empty form, not a second
            # copy of the first one ready to be sent again.
            messages.error(request, exc.message)
            posted = None
        except DomainError as exc:
            # Shown again as typed, with the reason, rather than lost in a redirect.
            messages.error(request, exc.message)
        else:
            messages.success(request, "已报送融资结果。")
            return redirect("finance:bank-subject", pk=subject.pk)
    else:
        # A bank's look at a firm is an event (who, which firm, on what basis). Not a
        # read-log line: the read log holds reads of persons' data, and a firm's 查询记录
        # lists the reports a bank obtains, not its look at the list (docs/reports.md).
        record_event(
            actor=request.user,
            action="finance.bank_view",
            target_type="subjects.Subject",
            target_id=subject.pk,
            target_repr=f"{bank} 查看 {subject.name}",
            new={
                "bank": bank,
                "whitelist": item.status if item else None,
                "run": run.number if run and item else None,
                "authorisation": auth.code if auth else None,
            },
        )
    outcomes = LoanOutcome.objects.filter(subject=subject, bank=bank)
    return render(
        request,
        "finance/bank_subject.html",
        {
            "subject": subject,
            "item": item,
            "reasons": bank_reasons(item, run.criteria) if item and run else [],
            "auth": auth,
            "outcomes": outcomes,
            "statuses": LoanOutcome.Status.choices,
            "loan_types": LoanOutcome.LoanType.choices,
            "form": posted or {"applied_on": timezone.localdate().isoformat()},
            "once": form_keys.issue(request),
        },
    )


@role_required(Role.BANK, denied=_BANK_DENIED)
def bank_report(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _bank_subject(pk)
    try:
        report, pdf = services.bank_report(actor=request.user, subject=subject)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("finance:bank-subject", pk=subject.pk)
    number = getattr(report, "number", "") or str(getattr(report, "pk", ""))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{number}.pdf"'
    return response


@role_required(Role.BANK, denied=_BANK_DENIED)
def bank_outcomes(request: HttpRequest) -> HttpResponse:
    bank = services.bank_of(request.user)
    posted: dict[str, Any] | None = None
    if request.method == "POST":
        outcome = LoanOutcome.objects.filter(
            pk=positive_id(request.POST.get("outcome")) or 0, bank=bank
        ).first()
        if outcome is None:
            messages.error(request, "未找到该融资结果。")
            return redirect("finance:bank-outcomes")
        fields = _outcome_fields(request)
        if _act(
            request,
            lambda: services.update_outcome(actor=request.user, outcome=outcome, **fields),
            "已更新融资结果。",
        ):
            return redirect("finance:bank-outcomes")
        # Refused: the list again, the row's form as typed beside the reason.
        posted = {"outcome": outcome.pk, **fields}
    qs = LoanOutcome.objects.filter(bank=bank).select_related("subject")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/bank_outcomes.html",
        {
            "qs": _qs(request),
            "page": page,
            "bank": bank,
            "statuses": LoanOutcome.Status.choices,
            "loan_types": LoanOutcome.LoanType.choices,
            "posted": posted,
        },
    )


# ------------------------------------------------------------------ portal pages


def _confirm_context(token: str, kind: str) -> Authorisation:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=services.CONFIRM_SECONDS)
        pk, what = int(data["a"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404("确认链接无效或已过期，请重新提交。") from None
    auth = Authorisation.objects.select_related("subject").filter(pk=pk).first()
    if auth is None or what != kind:
        raise Http404("确认链接无效或已过期，请重新提交。")
    return auth


@throttled
def portal_home(request: HttpRequest) -> HttpResponse:
    run = services.current_run()
    return render(
        request,
        "finance/portal_home.html",
        {
            "run": run,
            "listed": selectors.published_items(run)
            .filter(status=WhitelistItem.Status.LISTED)
            .count()
            if run
            else 0,
            "banks": services.known_banks(),
            "rule": WhitelistRule.objects.filter(active=True).order_by("-effective_from").first(),
        },
    )


@throttled
def portal_authorise(request: HttpRequest) -> HttpResponse:
    keys = ("uscc", "name", "bank", "scope", "valid_until", "agent_name")
    values = {k: "" for k in keys}
    error = ""
    if request.method == "POST":
        values = {k: str(request.POST.get(k, ""))[:200] for k in keys}
        try:
            if request.POST.get("accepted") != "on":
                raise DomainError("请阅读并勾选同意授权书内容后再提交。")
            auth, shown = services.start_portal_authorisation(
                uscc=values["uscc"],
                name=values["name"],
                bank=values["bank"],
                scope=values["scope"],
                valid_until=values["valid_until"],
                agent_name=values["agent_name"],
            )
        except DomainError as exc:
            error = exc.message
        else:
            request.session[f"finance-shown-{auth.pk}"] = shown
            token = signing.dumps({"a": auth.pk, "k": "grant"}, salt=CONFIRM_SALT)
            return redirect("finance:portal-confirm", token=token)
    return render(
        request,
        "finance/portal_authorise.html",
        {
            "values": values,
            "error": error,
            "banks": services.known_banks(),
            "scopes": Authorisation.Scope.choices,
        },
    )


@throttled
def portal_revoke(request: HttpRequest) -> HttpResponse:
    values = {"code": "", "uscc": ""}
    error = ""
    if request.method == "POST":
        values = {k: str(request.POST.get(k, ""))[:40] for k in values}
        try:
            auth, shown = services.start_portal_revocation(code=values["code"], uscc=values["uscc"])
        except DomainError as exc:
            error = exc.message
        else:
            request.session[f"finance-shown-{auth.pk}"] = shown
            token = signing.dumps({"a": auth.pk, "k": "revoke"}, salt=CONFIRM_SALT)
            return redirect("finance:portal-confirm-revoke", token=token)
    return render(request, "finance/portal_revoke.html", {"values": values, "error": error})


def _portal_confirm(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    auth = _confirm_context(token, kind)
    error = ""
    done = (kind == "grant" and auth.status != Authorisation.Status.UNCONFIRMED) or (
        kind == "revoke" and auth.status == Authorisation.Status.REVOKED
    )
    if not done and request.method == "POST":
        response = str(request.POST.get("code", ""))[:20]
        try:
            if kind == "grant":
                auth = services.confirm_portal_authorisation(authorisation=auth, response=response)
            else:
                auth = services.confirm_portal_revocation(authorisation=auth, response=response)
        except DomainError as exc:
            error = exc.message
        else:
            done = True
            request.session.pop(f"finance-shown-{auth.pk}", None)
    return render(
        request,
        "finance/portal_confirm.html",
        {
            "auth": auth,
            "kind": kind,
            "done": done,
            "error": error,
            "shown": request.session.get(f"finance-shown-{auth.pk}", ""),
        },
    )


@throttled
def portal_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return _portal_confirm(request, token, "grant")


@throttled
def portal_confirm_revoke(request: HttpRequest, token: str) -> HttpResponse:
    return _portal_confirm(request, token, "revoke")


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    group = "信易贷与信易+"
    register_module(
        "finance.whitelist",
        "信易贷白名单",
        "finance:home",
        roles=None,
        order=700,
        group=group,
        description="白名单规则、筛查、信用办与金融工作局审核、发布与导出",
        check=can_view_staff,
    )
    register_module(
        "finance.authorisations",
        "企业授权",
        "finance:authorisations",
        roles=None,
        order=702,
        group=group,
        description="企业对银行查询信用报告的授权（网上授权与书面授权书）",
        check=can_view_staff,
    )
    register_module(
        "finance.statistics",
        "信易贷统计",
        "finance:statistics",
        roles=None,
        order=704,
        group=group,
        description="信用贷款规模与增速（对比全市平均）、推荐企业获贷率、银企对接",
        check=can_view_staff,
    )
    register_module(
        "finance.events",
        "银企对接活动",
        "finance:events",
        roles=None,
        order=706,
        group=group,
        description="银企对接活动登记与佐证材料（同时计入工作台账）",
        check=can_view_events,
    )
    register_module(
        "finance.bank",
        "白名单企业（银行）",
        "finance:bank-list",
        roles=(Role.BANK,),
        order=710,
        group=group,
        description="已发布的信易贷白名单、经授权查看企业信用报告、报送融资结果",
    )
    register_module(
        "finance.bank_outcomes",
        "融资结果报送",
        "finance:bank-outcomes",
        roles=(Role.BANK,),
        order=712,
        group=group,
        description="本行报送的融资申请与授信结果",
    )
