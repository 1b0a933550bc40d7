"""Workspace pages of collection: upload (with progress), batches, records, a unit's
quality page, the credit office's overview, the 通报 downloads, import templates and the
single-record form.

Thin adapters: reads through `selectors` (already scoped to the reader), writes through
the pipeline (`services.ingest_file` / `ingest_rows`) and `quality`. A unit's staff see
only their own unit: another unit's batch or record answers 404, another unit's quality
page 403.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import close_old_connections, connection
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.catalog.fieldspec import get_spec
from xinyong.catalog.models import RecordType
from xinyong.core import context, identifiers
from xinyong.core.audit import record_read
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.inputs import positive_id
from xinyong.core.masking import mask_id_number, mask_name
from xinyong.core.models import Event
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.orgs.selectors import get_unit
from xinyong.records import selectors as record_selectors
from xinyong.records.models import CreditRecord, RecordWithdrawal
from xinyong.records.services import (
    can_change_record,
    is_pushed_down,
    link_replacement,
    withdraw_record,
)
from xinyong.subjects.models import Subject, SubjectIdentifier, SubjectKind
from xinyong.subjects.selectors import log_person_reads
from xinyong.subjects.services import resolve as resolve_subject

from . import quality, reports, selectors
from .forms import (
    DeclarationForm,
    PeriodForm,
    RecordEntryForm,
    RecordFilterForm,
    UploadForm,
    WithdrawalForm,
    writable_units,
)
from .models import Batch, QualityWarning, RejectedRow

logger = logging.getLogger(__name__)

PAGE_SIZE = 30
MAX_ERRORS_SHOWN = 200
SUBMIT_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER)
OVERVIEW_ROLES = (Role.CREDIT_ADMIN, Role.LEADER)

# Background uploads run in a thread; tests and single-threaded tools may run them inline.
RUN_IN_BACKGROUND = True
JOB_TTL_SECONDS = 6 * 3600


def _require_role(request: HttpRequest, roles: tuple[str, ...], denied: str) -> None:
    if permissions.role_of(request.user) not in roles:
        raise PermissionDenied(denied)


def _domain(exc: DomainError) -> NoReturn:
    """Turn a refusal into the page's 403/404."""
    if isinstance(exc, NotFoundError):
        raise Http404(exc.message)
    raise PermissionDenied(exc.message)


def _period_from(request: HttpRequest) -> tuple[selectors.Period, str]:
    """The month asked for (?period=YYYY-MM), default the previous month; an invalid
    value falls back to the default with a message."""
    today = timezone.localdate()
    default = selectors.Period.month(today.year, today.month).previous()
    raw = request.GET.get("period", "").strip()
    if not raw:
        return default, ""
    try:
        return selectors.parse_period(raw), ""
    except DomainError as exc:
        return default, exc.message


# ------------------------------------------------------------------ upload jobs


@dataclass
class UploadJob:
    token: str
    user_id: int
    filename: str
    status: str = "running"  # running / done / failed
    done: int = 0
    total: int = 0
    batch_id: int | None = None
    message: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


_jobs: dict[str, UploadJob] = {}
_jobs_lock = threading.Lock()


def _forget_old_jobs() -> None:
    limit = time.monotonic() - JOB_TTL_SECONDS
    with _jobs_lock:
        for token in [t for t, j in _jobs.items() if j.started < limit and j.status != "running"]:
            del _jobs[token]


def get_job(token: str, user: Any) -> UploadJob:
    with _jobs_lock:
        job = _jobs.get(token)
    if job is None or job.user_id != user.pk:
        raise Http404("未找到该上传任务。")
    return job


def _run_upload(
    job: UploadJob, run: Callable[[Callable[[int, int], None]], Any], path: Path
) -> None:
    def progress(done: int, total: int) -> None:
        job.done, job.total = int(done), int(total)

    try:
        result = run(progress)
        job.batch_id = result.batch.pk
        job.done = job.total = result.rows
        job.status = "done"
    except DomainError as exc:
        job.message = exc.message
        batch = getattr(exc, "batch", None)
        job.batch_id = getattr(batch, "pk", None)
        job.status = "failed"
    except Exception:
        logger.exception("upload %s failed", job.token)
        job.message = "处理文件时发生内部错误，已记录。请稍后重试或联系信用办。"
        job.status = "failed"
    finally:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            logger.warning("could not remove the upload copy %s", path)


def start_upload(
    *, user: Any, unit: Unit, record_type: RecordType, upload: Any, reported_on: date | None
) -> UploadJob:
    """Copy the upload to a private temporary file and run the pipeline on it, in a
    background thread unless RUN_IN_BACKGROUND is off."""
    from .services import ingest_file

    _forget_old_jobs()
    suffix = Path(str(upload.name)).suffix.lower()[:8]
    handle, name = tempfile.mkstemp(prefix="upload-", suffix=suffix, dir=_upload_dir())
    with os.fdopen(handle, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    path = Path(name)
    job = UploadJob(
        token=secrets.token_urlsafe(16), user_id=user.pk, filename=str(upload.name)[:255]
    )
    with _jobs_lock:
        _jobs[job.token] = job
    ctx = context.current()

    def run(progress: Callable[[int, int], None]) -> Any:
        result = ingest_file(
            actor=user,
            unit=unit,
            record_type=record_type,
            path=path,
            filename=job.filename,
            reported_on=reported_on,
            progress=progress,
        )
        quality.check_after_batch(result.batch, actor=user)
        return result

    if not RUN_IN_BACKGROUND:
        _run_upload(job, run, path)
        return job

    def thread_main() -> None:
        with context.use(ctx):
            try:
                _run_upload(job, run, path)
            finally:
                close_old_connections()
                connection.close()

    threading.Thread(target=thread_main, name=f"upload-{job.token[:6]}", daemon=True).start()
    return job


def _upload_dir() -> str:
    directory = Path(settings.VAR_DIR) / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    return str(directory)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _require_role(request, SUBMIT_ROLES, "只有责任单位的填报员、审核员或信用办管理员可以上传数据。")
    if not permissions.is_credit_admin(request.user) and not request.user.unit_id:  # type: ignore[union-attr]
        raise PermissionDenied("您的账号未指定所属单位，不能上传数据，请联系信用办。")
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        unit = form.target_unit()
        if unit is None or not permissions.can_write_unit_data(request.user, unit):
            raise PermissionDenied("无权为该单位报送数据。")
        job = start_upload(
            user=request.user,
            unit=unit,
            record_type=form.cleaned_data["record_type"],
            upload=form.cleaned_data["file"],
            reported_on=form.cleaned_data.get("reported_on"),
        )
        return redirect("collection:upload-progress", token=job.token)
    return render(
        request,
        "collection/upload.html",
        {
            "form": form,
            "types": RecordType.objects.filter(active=True).order_by("sort_order", "code"),
        },
    )


@login_required
def upload_progress(request: HttpRequest, token: str) -> HttpResponse:
    job = get_job(token, request.user)
    target = reverse("collection:batch", args=[job.batch_id]) if job.batch_id else ""
    if job.status == "done" and target:
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    template = (
        "collection/_progress.html"
        if request.headers.get("HX-Request")
        else "collection/upload_progress.html"
    )
    return render(request, template, {"job": job, "batch_url": target})


# ------------------------------------------------------------------ batches


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.batches_for(request.user)
    unit: Unit | None = None
    if request.GET.get("unit"):
        try:
            unit = get_unit(request.GET["unit"])
        except NotFoundError:
            unit = None
        if unit is not None and not permissions.can_read_unit_data(request.user, unit):
            raise PermissionDenied("无权查看该单位的数据。")
        if unit is not None:
            qs = qs.filter(unit=unit)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "collection/batch_list.html",
        {"page": page, "unit": unit, "querystring": _query_without_page(request)},
    )


def _error_rows(batch: Batch) -> tuple[list[dict[str, Any]], int]:
    rows = []
    total = batch.rejected_rows.count()
    for rejected in batch.rejected_rows.order_by("row_number")[:MAX_ERRORS_SHOWN]:
        errors = rejected.errors if isinstance(rejected.errors, list) else [rejected.errors]
        for error in errors:
            if isinstance(error, dict):
                rows.append(
                    {
                        "row": error.get("row", rejected.row_number),
                        "column": error.get("column", ""),
                        "message": error.get("message", ""),
                    }
                )
            else:
                rows.append({"row": rejected.row_number, "column": "", "message": str(error)})
    return rows, total


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        batch = selectors.batch_for(request.user, pk)
    except DomainError as exc:
        _domain(exc)
    errors, rejected_total = _error_rows(batch)
    periods = [f"{y}-{m:02d}" for y, m in quality.batch_months(batch)]
    warnings = QualityWarning.objects.filter(unit=batch.unit, period__in=periods).order_by(
        "-period", "kind", "key"
    )
    return render(
        request,
        "collection/batch_detail.html",
        {
            "batch": batch,
            "errors": errors,
            "rejected_total": rejected_total,
            "can_download_rejected": may_download_rejected(request.user, batch),
            # Read-only accounts (领导, 单位负责人) would meet a 403 on the upload page.
            "can_upload": permissions.can_write_unit_data(request.user, batch.unit),
            "max_errors": MAX_ERRORS_SHOWN,
            "quality_warnings": warnings,
        },
    )


REJECTED_DOWNLOAD_DENIED = (
    "退回数据是报送时的原始内容（可能含自然人的姓名和身份证号码），"
    "仅报送单位的填报员、审核员和信用办管理员可以下载，用于修改后重新报送。"
)


def may_download_rejected(user: Any, batch: Batch) -> bool:
    """The rows as written go to those who fix and re-send them (河南条例 art. 17: failing
    data goes back to the provider): the unit's reporters and reviewers and the credit
    office. A district leader, a unit's head or a bank granted the unit reads the
    batch's counts and reasons, not the rows (个人信息保护法 art. 6: least necessary)."""
    return permissions.can_write_unit_data(user, batch.unit)


def _person_ids(values: Iterable[Any]) -> set[str]:
    """The natural persons' ID numbers among a row's cells, normalised: the party's, a
    legal representative's, whichever column holds them (a mistyped check character
    still makes one: the structure says it is a person's)."""
    found = set()
    for value in values:
        if isinstance(value, str) and len(value.strip()) == 18:
            verdict = identifiers.structural_check(value)
            if verdict.kind in identifiers.PERSONAL_KINDS:
                found.add(verdict.normalised)
    return found


def _log_rejected_download(reader: Any, batch: Batch) -> None:
    """One read-log entry per known person in the rejected rows, and one for the export
    when some rows carry the ID number of no known subject; each names the batch and how
    many rows carry a person's ID number. Rows without one are no read of anyone."""
    rows = [
        ids
        for ids in (
            _person_ids((original or {}).values())
            for original in RejectedRow.objects.filter(batch=batch).values_list(
                "original", flat=True
            )
        )
        if ids
    ]
    if not rows:
        return
    known: dict[str, Subject] = {}
    for row in SubjectIdentifier.objects.filter(
        value__in=sorted(set().union(*rows)), subject__kind=SubjectKind.PERSON
    ).select_related("subject"):
        known[row.value] = resolve_subject(row.subject)
    summary = f"下载报送批次 {batch.pk} 的退回数据（{len(rows)} 行含自然人证件号码"
    people = sorted({s.pk: s for s in known.values()}.values(), key=lambda s: s.pk)
    log_person_reads(people, reader=reader, purpose=f"{summary}）")
    unknown = sum(1 for ids in rows if ids - known.keys())
    if unknown:
        detail = "均无对应信用主体" if unknown == len(rows) else f"其中 {unknown} 行无对应信用主体"
        record_read(
            reader=reader,
            subject_type="collection.Batch",
            subject_id=batch.pk,
            subject_repr=f"报送批次 {batch.pk} 的退回数据",
            purpose=f"{summary}，{detail}）",
        )


@login_required
def batch_rejected_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from .services import rejected_rows_xlsx

    try:
        batch = selectors.batch_for(request.user, pk)
    except DomainError as exc:
        _domain(exc)
    if not may_download_rejected(request.user, batch):
        raise PermissionDenied(REJECTED_DOWNLOAD_DENIED)
    content = rejected_rows_xlsx(batch)
    _log_rejected_download(request.user, batch)
    return _download(content, f"退回数据-批次{batch.pk}.xlsx", XLSX)


# ------------------------------------------------------------------ records


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def record_list(request: HttpRequest) -> HttpResponse:
    if permissions.readable_unit_ids(request.user) == set():
        raise PermissionDenied("您的账号无权查看任何单位的信用记录。")
    form = RecordFilterForm(request.GET or None, user=request.user)
    qs = selectors.records_for(request.user).order_by("-decision_date", "-id")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        rt = RecordType.objects.filter(code=data["type"]).first() if data["type"] else None
        unit = Unit.objects.filter(pk=int(data["unit"])).first() if data["unit"] else None
        qs = selectors.filter_records(
            qs,
            record_type=rt,
            unit=unit,
            date_from=data["date_from"],
            date_to=data["date_to"],
            late_only=data["late"],
            text=data["q"],
        )
    elif form.is_bound:
        qs = qs.none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for record in page.object_list:
        # Natural persons are shown masked in lists; the full name is read on the detail
        # page, where the read is logged.
        record.display_party = (  # type: ignore[attr-defined]
            mask_name(record.party_name) if record.subject.is_person else record.party_name
        )
    return render(
        request,
        "collection/record_list.html",
        {"form": form, "page": page, "querystring": _query_without_page(request)},
    )


def _payload_rows(record: CreditRecord) -> list[tuple[str, str, str]]:
    labels: dict[str, str] = {}
    order: list[str] = []
    try:
        spec = get_spec(record.record_type.code)
        labels = {f.code: f.label for f in spec.fields}
        order = [f.code for f in spec.fields]
    except DomainError:
        pass  # a type removed from the catalogue: show the codes as they are
    payload = record.payload if isinstance(record.payload, dict) else {}
    # Every field of the type, also the empty ones (not stored in the payload).
    keys = order + [str(k) for k in payload if k not in order]
    return [(k, labels.get(k, k), _show(payload.get(k))) for k in keys]


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return "" if value is None else str(value)


@login_required
def record_detail(
    request: HttpRequest, pk: int, withdraw_form: WithdrawalForm | None = None
) -> HttpResponse:
    try:
        record = selectors.record_for(request.user, pk)
    except DomainError as exc:
        _domain(exc)
    if record.subject.is_person:
        record_read(
            reader=request.user,
            subject_type="subjects.Subject",
            subject_id=record.subject_id,
            subject_repr=f"{mask_name(record.party_name)} {mask_id_number(record.party_identifier)}",
            purpose="归集数据核查（查看信用记录详情）",
        )
    versions = record.versions.order_by("-version")
    batch_ids = {
        str(b)
        for b in [record.batch_id, *versions.values_list("superseded_by_batch_id", flat=True)]
        if b
    }
    events = Event.objects.filter(
        Q(
            target_type__in=["records.CreditRecord", "CreditRecord", "record"],
            target_id=str(record.pk),
        )
        | Q(target_type__in=["collection.Batch", "Batch", "batch"], target_id__in=sorted(batch_ids))
    ).order_by("-id")[:50]
    version_rows = []
    labels = {k: label for k, label, _ in _payload_rows(record)}
    for version in versions:
        payload = version.payload if isinstance(version.payload, dict) else {}
        version_rows.append(
            {
                "version": version,
                "fields": [(labels.get(k, k), _show(v)) for k, v in payload.items()],
            }
        )
    withdrawal = (
        RecordWithdrawal.objects.select_related("replaced_by").filter(record=record).first()
    )
    return render(
        request,
        "collection/record_detail.html",
        {
            "record": record,
            "payload": _payload_rows(record),
            "versions": version_rows,
            "events": events,
            "withdrawal": withdrawal,
            "withdraw_form": withdraw_form
            or (
                WithdrawalForm(record=record)
                # A pushed-down record is the city's to end: no form that could only be
                # refused (a POST still gets the service's refusal).
                if _can_withdraw(request.user, record) and not is_pushed_down(record)
                else None
            ),
            # 录入错误作废 both ways: the voided record links its correct record (the form
            # for one reported after the void), the correct record names what it replaces.
            "can_link": withdrawal is not None
            and withdrawal.is_void
            and can_change_record(request.user, record),
            "replaces": RecordWithdrawal.objects.filter(
                replaced_by=record, kind=RecordWithdrawal.Kind.KEYING_ERROR
            )
            .select_related("record")
            .order_by("withdrawn_on", "id"),
        },
    )


def _can_withdraw(user: Any, record: CreditRecord) -> bool:
    return record.status == CreditRecord.Status.ACTIVE and can_change_record(user, record)


@login_required
@require_POST
def record_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = selectors.record_for(request.user, pk)
    except DomainError as exc:
        _domain(exc)
    if not _can_withdraw(request.user, record):
        if record.status != CreditRecord.Status.ACTIVE:
            messages.error(request, "该记录已撤销。")
            return redirect("collection:record", pk=record.pk)
        raise PermissionDenied("只有信用办管理员或该记录的报送单位可以撤回信用记录。")
    form = WithdrawalForm(request.POST, record=record)
    if form.is_valid():
        data = form.cleaned_data
        try:
            withdraw_record(
                actor=request.user,
                record=record,
                reason=data["reason"],
                revoked_on=data["revoked_on"],
                basis_document=data["basis_document"],
                kind=data["kind"],
                replacement_document=data["replacement_document"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if data["kind"] == RecordWithdrawal.Kind.KEYING_ERROR:
                messages.success(
                    request,
                    "已作为录入错误作废，该信息已停止公示，作废结果同步至已接收该信息的单位；"
                    "不列入行政处罚决定撤回公告。",
                )
            else:
                messages.success(
                    request, "已撤回，该信息已停止公示，撤回结果同步至已接收该信息的单位。"
                )
            return redirect("collection:record", pk=record.pk)
    return record_detail(request, pk, withdraw_form=form)


@login_required
@require_POST
def record_replacement(request: HttpRequest, pk: int) -> HttpResponse:
    """关联正确记录: link a voided record to its correct record by 文书号."""
    try:
        record = selectors.record_for(request.user, pk)
    except DomainError as exc:
        _domain(exc)
    if not can_change_record(request.user, record):
        raise PermissionDenied("只有信用办管理员或该记录的报送单位可以关联正确记录。")
    try:
        link_replacement(
            actor=request.user,
            record=record,
            document_number=request.POST.get("document_number", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(
            f"{reverse('collection:record', args=[record.pk])}#record-replacement"
        )
    messages.success(request, "已关联正确记录。")
    return redirect("collection:record", pk=record.pk)


# ------------------------------------------------------------------ unit quality page


def _unit_for_reader(request: HttpRequest, pk: int) -> Unit:
    try:
        unit = get_unit(pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    if not permissions.can_read_unit_data(request.user, unit):
        raise PermissionDenied(f"无权查看“{unit.name}”的归集质量情况。")
    return unit


@login_required
def my_unit(request: HttpRequest) -> HttpResponse:
    unit_id = getattr(request.user, "unit_id", None)
    if permissions.role_of(request.user) in OVERVIEW_ROLES:
        return redirect("collection:overview")
    if not unit_id or not permissions.can_read_unit_data(request.user, unit_id):
        raise PermissionDenied("您的账号未指定所属单位，无法查看归集质量情况。")
    return redirect("collection:unit", pk=unit_id)


@login_required
def unit_quality(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit_for_reader(request, pk)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year = today.year
    months = selectors.unit_year_rates(unit, year, until=today)
    can_write = permissions.can_write_unit_data(request.user, unit)
    form = DeclarationForm(initial={"period": f"{today:%Y-%m}"})
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(f"无权为“{unit.name}”申报决定数。")
        form = DeclarationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                period = selectors.parse_period(data["period"])
                quality.declare_month(
                    actor=request.user,
                    unit=unit,
                    record_type=data["record_type"],
                    year=period.year,
                    month=period.month_number,
                    count=data["count"],
                    note=data["note"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"已保存{period.label}{data['record_type'].name}的决定数：{data['count']} 件。",
                )
                return HttpResponseRedirect(
                    f"{reverse('collection:unit', args=[unit.pk])}?year={period.year}"
                )
    return render(
        request,
        "collection/unit_quality.html",
        {
            "unit": unit,
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "months": months,
            "definitions": selectors.RATE_DEFINITIONS,
            "warnings": selectors.warnings_for(request.user, unit=unit)[:200],
            "declarations": selectors.declarations_for(request.user, unit=unit)[:60],
            "withdrawals": selectors.withdrawals_of(unit, year)[:200],
            # Counted in the database: the list above stops at 200.
            "voids": record_selectors.void_count(unit, year),
            "form": form,
            "can_write": can_write,
            "threshold": selectors.active_policy().late_warning_threshold,
            # 督促整改 of 瞒报/漏报 suspicions: the unit's staff explain, the office confirms.
            "can_explain": permissions.role_of(request.user) in (Role.REPORTER, Role.REVIEWER)
            and getattr(request.user, "unit_id", None) == unit.pk,
            "is_admin": permissions.is_credit_admin(request.user),
            "sees_spot_checks": permissions.role_of(request.user)
            in (*OVERVIEW_ROLES, *SUBMIT_ROLES),
        },
    )


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    warning = selectors.warnings_for(request.user).filter(pk=pk).first()
    if warning is None:
        raise Http404("未找到该预警。")
    try:
        quality.acknowledge_warning(actor=request.user, warning=warning)
    except DomainError as exc:
        _domain(exc)
    messages.success(request, "已标记为已阅。")
    return redirect("collection:unit", pk=warning.unit_id)


# ------------------------------------------------------------------ overview and 通报


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    if permissions.role_of(request.user) in permissions.OWN_UNIT_READ_ROLES:
        return my_unit(request)
    _require_role(request, OVERVIEW_ROLES, "全区归集情况仅供信用办管理员和领导查看。")
    period, error = _period_from(request)
    rows = selectors.unit_rates(period, record_types=selectors.deadline_types())
    report = reports.monthly_report(period) if rows else None
    # The 通报's spot-check and 整改 columns beside each unit's rates.
    table = [
        (
            row,
            report.spot_values(row.unit.pk) if report else ["—", "—", "—"],
            report.suspicions.get(row.unit.pk, 0) if report else 0,
        )
        for row in rows
    ]
    return render(
        request,
        "collection/overview.html",
        {
            "period": period,
            "period_error": error,
            "form": PeriodForm(initial={"period": period.key}),
            "rows": rows,
            "table": table,
            "report": report,
            "definitions": selectors.RATE_DEFINITIONS,
            "spot_definitions": reports.SPOT_DEFINITIONS,
        },
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "pdf"):
        raise Http404("通报只提供 XLSX 和 PDF 两种格式。")
    _require_role(request, OVERVIEW_ROLES, "月度通报仅供信用办管理员和领导下载。")
    period, error = _period_from(request)
    if error:
        messages.error(request, error)
        return redirect("collection:overview")
    name = (
        f"{settings.XINYONG_DISTRICT}{period.year}年{period.month_number}月公共信用信息归集情况通报"
    )
    try:
        if fmt == "pdf":
            return _download(reports.report_pdf(period), f"{name}.pdf", PDF)
        return _download(reports.report_xlsx(period), f"{name}.xlsx", XLSX)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('collection:overview')}?period={period.key}")


# ------------------------------------------------------------------ templates and entry


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "collection/templates.html",
        {"types": RecordType.objects.filter(active=True).order_by("sort_order", "code")},
    )


@login_required
def template_download(request: HttpRequest, code: str) -> HttpResponse:
    if not RecordType.objects.filter(code=code, active=True).exists():
        raise Http404("没有这个信息类别。")
    filename, content = reports.record_template_xlsx(code)
    return _download(content, filename, XLSX)


@login_required
def record_entry(request: HttpRequest) -> HttpResponse:
    """Single-record form: the same pipeline with one row (channel "form")."""
    from .models import Batch as BatchModel
    from .services import ingest_rows

    _require_role(request, SUBMIT_ROLES, "只有责任单位的填报员、审核员或信用办管理员可以录入数据。")
    types = RecordType.objects.filter(active=True).order_by("sort_order", "code")
    code = request.GET.get("type") or request.POST.get("type") or ""
    record_type = types.filter(code=code).first() if code else None
    units = writable_units(request.user)
    context_data: dict[str, Any] = {"types": types, "record_type": record_type, "units": units}
    if record_type is None:
        if code:
            context_data["error"] = "没有这个信息类别，请重新选择。"
        return render(request, "collection/entry.html", context_data)
    spec = get_spec(record_type.code)
    form = RecordEntryForm(request.POST or None, spec=spec)
    context_data["form"] = form
    chosen_unit = None
    if request.method == "POST":
        # `positive_id`, not str.isdigit(): "²" passed isdigit and the lookup raised (500).
        unit_id = positive_id(request.POST.get("unit") or getattr(request.user, "unit_id", None))
        chosen_unit = units.filter(pk=unit_id).first() if unit_id else None
        if chosen_unit is None:
            context_data["loose_errors"] = ["请选择报送单位。"]
        elif form.is_valid():
            try:
                result = ingest_rows(
                    actor=request.user,
                    unit=chosen_unit,
                    record_type=record_type,
                    rows=[form.row()],
                    channel=BatchModel.Channel.FORM,
                )
            except DomainError as exc:
                context_data["loose_errors"] = [exc.message]
            else:
                if result.rejected:
                    context_data["loose_errors"] = form.add_row_errors(result.errors)
                    context_data["batch"] = result.batch
                else:
                    quality.check_after_batch(result.batch, actor=request.user)
                    messages.success(request, "已保存并通过校验。")
                    return redirect("collection:batch", pk=result.batch.pk)
    context_data["chosen_unit"] = chosen_unit
    return render(request, "collection/entry.html", context_data)


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    group = "归集与质量"
    register_module(
        "collection.overview",
        "全区归集情况",
        "collection:overview",
        roles=OVERVIEW_ROLES,
        order=200,
        group=group,
        description="各单位及时率、合规率、上报率，月度通报下载",
    )
    register_module(
        "collection.mine",
        "本单位归集质量",
        "collection:mine",
        roles=(Role.REPORTER, Role.REVIEWER, Role.UNIT_LEADER),
        order=201,
        group=group,
        description="本单位各月指标、预警与月度决定数申报",
    )
    register_module(
        "collection.upload",
        "数据上传",
        "collection:upload",
        roles=SUBMIT_ROLES,
        order=210,
        group=group,
        description="上传 CSV/XLSX 文件，校验后入库，退回不合格数据",
    )
    register_module(
        "collection.entry",
        "单条录入",
        "collection:entry",
        roles=SUBMIT_ROLES,
        order=215,
        group=group,
        description="按目录数据项逐条录入行政许可、处罚等信息",
    )
    register_module(
        "collection.batches",
        "报送批次",
        "collection:batches",
        roles=(*SUBMIT_ROLES, Role.LEADER, Role.UNIT_LEADER),
        order=220,
        group=group,
        description="每次上传、接口报送的处理结果与退回数据",
    )
    register_module(
        "collection.records",
        "信用记录",
        "collection:records",
        roles=(*SUBMIT_ROLES, Role.LEADER, Role.UNIT_LEADER),
        order=230,
        group=group,
        description="已归集的信用记录查询、详情与历史版本",
    )
    register_module(
        "collection.templates",
        "导入模板",
        "collection:templates",
        roles=(*SUBMIT_ROLES,),
        order=240,
        group=group,
        description="各信息类别的 XLSX 导入模板与填写说明",
    )
