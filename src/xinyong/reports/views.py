"""Pages of credit reports. Public (under /credit/reports/): self-service for a subject's
own report (identity confirmation through commitments.identity, then the download), the
verification page (number or file), the seal's public key and the published
信用报告应用目录. Workspace (under /workspace/reports/): the scoped list, issuing for a
purpose, the detail page, the download (every download is logged) and the unit's
catalogue. Thin adapters over `services` and `selectors`; refusals are shown in Chinese."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinyong.core import identifiers
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import positive_id
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.publicity.views import throttled
from xinyong.subjects.selectors import log_person_reads, masked_repr
from xinyong.web.access import role_required

from . import selectors, services
from .models import Report, ReportPurpose, SelfServiceRequest

STAFF_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, Role.LEADER)
ISSUER_ROLES = services.ISSUER_ROLES
_DENIED = "只有信用办、责任单位工作人员和领导可以查看信用报告。"
_ISSUE_DENIED = "只有信用办和责任单位工作人员可以出具信用报告。"
CONFIRM_SALT = "reports.self-service"
DOWNLOAD_SALT = "reports.self-download"
DOWNLOAD_SECONDS = 60 * 60
MAX_UPLOAD = 20 * 1024 * 1024
PAGE_SIZE = 50


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


# ------------------------------------------------------------------ public pages


@throttled
def self_service(request: HttpRequest) -> HttpResponse:
    values = {"identifier": "", "name": ""}
    error = ""
    if request.method == "POST":
        values = {key: str(request.POST.get(key, ""))[:200] for key in values}
        try:
            req, shown = services.start_self_service(
                identifier=values["identifier"], name=values["name"]
            )
        except DomainError as exc:
            error = exc.message
        else:
            request.session[f"report-shown-{req.pk}"] = shown
            token = signing.dumps({"r": req.pk}, salt=CONFIRM_SALT)
            return redirect("reports:self-confirm", token=token)
    return render(
        request,
        "reports/self_service.html",
        {"values": values, "error": error, "free": services.FREE_REPORTS_PER_YEAR},
    )


def _self_request(token: str) -> SelfServiceRequest:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=services.CONFIRM_SECONDS)
        pk = int(data["r"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404("链接无效或已过期，请重新申请。") from None
    found = SelfServiceRequest.objects.select_related("subject").filter(pk=pk).first()
    if found is None:
        raise Http404("链接无效或已过期，请重新申请。")
    return found


@throttled
def self_confirm(request: HttpRequest, token: str) -> HttpResponse:
    req = _self_request(token)
    purposes = selectors.purposes_for(req.subject, self_service=True)
    error = ""
    if req.report_id is None and request.method == "POST":
        code = str(request.POST.get("purpose", ""))[:30]
        try:
            report = services.complete_self_service(
                request=req, response=request.POST.get("code", ""), purpose=code
            )
        except DomainError as exc:
            error = exc.message
        else:
            request.session.pop(f"report-shown-{req.pk}", None)
            req.report = report
    if req.report_id is not None and req.report is not None:
        download = signing.dumps({"r": req.report.pk}, salt=DOWNLOAD_SALT)
        return render(
            request,
            "reports/self_done.html",
            {"report": req.report, "download": download},
        )
    return render(
        request,
        "reports/self_confirm.html",
        {
            "req": req,
            "subject_label": masked_repr(req.subject),
            "shown": request.session.get(f"report-shown-{req.pk}", ""),
            "purposes": purposes,
            "error": error,
            "used": services.free_reports_used(req.subject, _this_year()),
            "free": services.FREE_REPORTS_PER_YEAR,
        },
    )


def _this_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year


@throttled
def self_download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        data = signing.loads(token, salt=DOWNLOAD_SALT, max_age=DOWNLOAD_SECONDS)
        pk = int(data["r"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404("下载链接无效或已过期（1 小时内有效），请重新申请。") from None
    report = Report.objects.select_related("purpose").filter(pk=pk).first()
    if report is None:
        raise Http404("报告不存在。")
    try:
        data = services.download_pdf(actor=None, report=report, channel="self_service")
    except DomainError as exc:
        return render(
            request,
            "reports/self_done.html",
            {"report": report, "download": token, "error": exc.message},
        )
    return pdf_response(data, services.download_name(report))


@throttled
def verify(request: HttpRequest) -> HttpResponse:
    result = None
    # Normalised (full-width, spaces, lower case) where the API's check does it too.
    number = identifiers.normalise(str(request.GET.get("number", ""))[:100])[:40]
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要核验的报告 PDF 文件。"
        elif upload.size and upload.size > MAX_UPLOAD:
            error = "文件过大（不超过 20 MB）。"
        else:
            result = services.verify_file(upload.read())
    elif number:
        result = services.verify_number(number)
    return render(
        request,
        "reports/verify.html",
        {"result": result, "number": number, "error": error, "key": services.public_key_info()},
        status=200,
    )


def public_key(request: HttpRequest) -> HttpResponse:
    """The seal's public key (PEM), for verifying reports offline."""
    info = services.public_key_info()
    response = HttpResponse(info["pem"], content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="xinyong-report-seal-public-key.pem"'
    response["X-Key-Fingerprint-SHA256"] = info["fingerprint"]
    return response


@throttled
def public_matters(request: HttpRequest) -> HttpResponse:
    unit = Unit.objects.filter(pk=positive_id(request.GET.get("unit")) or 0).first()
    matters = selectors.public_matters(unit.pk if unit else None)
    units = Unit.objects.filter(
        report_matters__published=True, report_matters__active=True
    ).distinct()
    return render(
        request,
        "reports/public_matters.html",
        {"matters": matters, "units": units, "unit": unit},
    )


# ------------------------------------------------------------------ workspace


@role_required(*STAFF_ROLES, denied=_DENIED)
def report_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.reports_visible_to(request.user)
    purpose = str(request.GET.get("purpose", ""))[:30]
    if purpose:
        qs = qs.filter(purpose__code=purpose)
    query = str(request.GET.get("q", "")).strip()[:100]
    if query:
        qs = qs.filter(number__icontains=query) | qs.filter(subject_name__icontains=query)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/list.html",
        {
            "page": page,
            "purposes": ReportPurpose.objects.filter(active=True),
            "purpose": purpose,
            "q": query,
            "can_issue": permissions.role_of(request.user) in ISSUER_ROLES,
        },
    )


@role_required(*ISSUER_ROLES, denied=_ISSUE_DENIED)
def report_new(request: HttpRequest) -> HttpResponse:
    matters = selectors.issuable_matters(request.user)
    purposes = selectors.purposes_for()
    values = {"subject": "", "purpose": "", "matter": ""}
    error = ""
    if request.method == "POST":
        values = {key: str(request.POST.get(key, ""))[:64] for key in values}
        try:
            report = services.issue_requested(
                actor=request.user,
                subject=values["subject"],
                purpose=values["purpose"],
                matter=values["matter"],
                channel="staff",
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"已出具信用报告，编号 {report.number}。")
            return redirect("reports:detail", pk=report.pk)
    return render(
        request,
        "reports/new.html",
        {"values": values, "error": error, "matters": matters, "purposes": purposes},
    )


@role_required(*STAFF_ROLES, denied=_DENIED)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.get_report_for(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    full = selectors.with_pdf(report)
    # The page shows what the report says of the person (ARCHITECTURE rule 5; the
    # person's 查询记录, 河南条例 art. 40).
    log_person_reads([report.subject], reader=request.user, purpose=f"查阅信用报告 {full.number}")
    return render(
        request,
        "reports/detail.html",
        {
            "report": full,
            "content": full.content,
            "verification": services.verify_number(full.number),
        },
    )


@role_required(*STAFF_ROLES, denied=_DENIED)
def download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.get_report_for(request.user, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    full = selectors.with_pdf(report)
    try:
        data = services.download_pdf(actor=request.user, report=full, channel="staff")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:detail", pk=full.pk)
    return pdf_response(data, services.download_name(full))


@role_required(*STAFF_ROLES, denied=_DENIED)
def matter_list(request: HttpRequest) -> HttpResponse:
    units: list[Unit] = list(
        Unit.objects.filter(active=True)
        if permissions.is_credit_admin(request.user)
        else Unit.objects.filter(pk=getattr(request.user, "unit_id", None) or 0)
    )
    can_write = permissions.role_of(request.user) in ISSUER_ROLES and bool(units)
    values = {"unit": "", "name": "", "purpose": "", "basis": "", "usage": ""}
    error = ""
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(_ISSUE_DENIED)
        values = {key: str(request.POST.get(key, ""))[:2000] for key in values}
        unit = next((u for u in units if u.pk == positive_id(values["unit"])), None)
        try:
            if unit is None:
                raise DomainError("请选择单位。")
            services.create_matter(
                actor=request.user,
                unit=unit,
                name=values["name"],
                purpose=values["purpose"],
                basis=values["basis"],
                usage=values["usage"],
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "已登记应用事项。")
            return redirect("reports:matters")
    return render(
        request,
        "reports/matters.html",
        {
            "matters": selectors.matters_for(request.user),
            "units": units,
            "purposes": selectors.purposes_for(),
            "values": values,
            "error": error,
            "can_write": can_write,
        },
    )


@require_POST
@role_required(*ISSUER_ROLES, denied=_ISSUE_DENIED)
def matter_publish(request: HttpRequest, pk: int) -> HttpResponse:
    matter = selectors.matters_for(request.user).filter(pk=pk).first()
    if matter is None:
        raise Http404("未找到该应用事项。")
    try:
        services.set_matter_published(
            actor=request.user, matter=matter, published=request.POST.get("published") == "1"
        )
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    return redirect("reports:matters")


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    group = "信用报告与应用"
    register_module(
        "reports.list",
        "信用报告",
        "reports:list",
        roles=STAFF_ROLES,
        order=600,
        group=group,
        description="按用途出具公共信用信息报告（含替代无违法违规证明的专项报告）、下载打印与核验",
    )
    register_module(
        "reports.matters",
        "信用报告应用目录",
        "reports:matters",
        roles=STAFF_ROLES,
        order=605,
        group=group,
        description="各单位在行政管理和政务服务中应用信用报告的事项及使用次数",
    )
