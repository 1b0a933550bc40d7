"""The public portal's credit query: one-click search, subject pages, record pages and a
CSV export — anonymous, Chinese, masked, throttled, and showing only what is public.

Natural persons are never listed by name: a person is found only by the full number of
their ID card (or passport, travel permit: with or without its 证件类型) together with the
exact name, sent in a POST body and never in a URL, and the pages of a person (and of the
person's records) open only with the signed token that such a query hands out (valid
PERSON_TOKEN_SECONDS), so that nobody can walk the ids. Every public read of a person is
read-logged (个人信息保护法; 河南条例 art. 40).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from xinyong.core.audit import record_read
from xinyong.core.errors import DomainError
from xinyong.core.exports import safe_cell
from xinyong.core.middleware import client_ip
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import (
    PERSON_DOCUMENT_TYPES,
    RESIDENT_ID_DOCUMENT,
    find_by_identifier_and_name,
    masked_repr,
)
from xinyong.subjects.services import resolve as resolve_subject

from .presenters import (
    group_records,
    present_record,
    present_row,
    present_subject,
    present_withdrawal,
)
from .selectors import (
    SEARCH_LIMIT,
    SEARCH_MAX_LENGTH,
    find_public_subjects,
    public_records,
    public_rows_for,
    public_withdrawals,
)

PERSON_TOKEN_SALT = "publicity.person"
PERSON_TOKEN_SECONDS = 30 * 60
READ_PURPOSE = "信用信息公开查询"
DEFAULT_PORTAL_RATE = "30/min"


# ---------------------------------------------------------------- throttling


def _rate() -> tuple[int, int]:
    text = str(getattr(settings, "PUBLICITY_PORTAL_RATE", DEFAULT_PORTAL_RATE))
    count, _, period = text.partition("/")
    seconds = {
        "s": 1,
        "sec": 1,
        "m": 60,
        "min": 60,
        "h": 3600,
        "hour": 3600,
        "d": 86400,
        "day": 86400,
    }
    return int(count), seconds.get(period.strip(), 60)


def throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A per-IP fixed-window limit on anonymous portal pages (against scraping). Signed-in
    staff are not limited. Over the limit: a Chinese 429 page with Retry-After."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            limit, period = _rate()
            window = int(time.time() // period)
            key = f"publicity-rate:{client_ip(request) or 'unknown'}:{window}"
            if cache.add(key, 1, timeout=period + 1):
                hits = 1
            else:
                try:
                    hits = cache.incr(key)
                except ValueError:
                    cache.set(key, 1, timeout=period + 1)
                    hits = 1
            if hits > limit:
                response = render(
                    request, "publicity/throttled.html", {"period": period}, status=429
                )
                response["Retry-After"] = str(period)
                return response
        return view(request, *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------- helpers


def _clean(text: str) -> str:
    raw = "".join(ch for ch in (text or "") if ch.isprintable() or ch.isspace())
    return " ".join(raw.split())


def person_token(subject: Subject) -> str:
    return signing.dumps({"s": subject.pk}, salt=PERSON_TOKEN_SALT)


def token_allows(request: HttpRequest, subject: Subject) -> bool:
    token = request.GET.get("t", "")
    if not token:
        return False
    try:
        data = signing.loads(token, salt=PERSON_TOKEN_SALT, max_age=PERSON_TOKEN_SECONDS)
    except signing.BadSignature:
        return False
    return isinstance(data, dict) and data.get("s") == subject.pk


def _find_person(id_number: str, name: str, id_type: str = "") -> Subject | None:
    """The person whose document number and name are both as given: an ID number, or a
    passport or permit number with or without its 证件类型 (`find_by_identifier_and_name`).
    DomainError for an unknown 证件类型, or when the type must be chosen."""
    if not id_number or not name:
        return None
    return find_by_identifier_and_name(id_number, name, document_type=id_type, persons_only=True)


def log_person_read(request: HttpRequest, subject: Subject) -> None:
    if subject.is_person:
        record_read(
            reader=request.user if request.user.is_authenticated else None,
            subject_type="subjects.Subject",
            subject_id=subject.pk,
            subject_repr=masked_repr(subject),
            purpose=READ_PURPOSE,
        )


def _reverse_or_empty(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


# Any key the URL patterns accept and no prefix contains.
_PK_STANDIN = 918_273_645


def _url_maker(name: str, suffix: str = "") -> Callable[[int], str]:
    """`reverse(name, args=[pk]) + suffix` for many pks at the cost of one reverse (a page
    of 25 records made 75 of them); "" for every pk when the URL is not installed."""
    try:
        pattern = reverse(name, args=[_PK_STANDIN])
    except NoReverseMatch:
        return lambda pk: ""
    head, _, tail = pattern.rpartition(str(_PK_STANDIN))
    return lambda pk: f"{head}{pk}{tail}{suffix}"


def _public_subject(request: HttpRequest, pk: int) -> Subject:
    subject = Subject.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if subject is None:
        raise Http404("未找到该信用主体。")
    subject = resolve_subject(subject)
    if subject.is_person and not token_allows(request, subject):
        raise Http404("自然人信息仅可通过完整身份证号码和姓名查询后查看。")
    return subject


def _token_query(request: HttpRequest, subject: Subject) -> str:
    return f"?t={request.GET.get('t', '')}" if subject.is_person else ""


# ---------------------------------------------------------------- pages


# The limits of the person form's fields (search.html repeats them as maxlength).
PERSON_ID_MAX_LENGTH = 40
PERSON_NAME_MAX_LENGTH = 50
PERSON_QUERY_VIA_FORM = (
    "为保护个人信息，自然人查询须通过本页的查询表单提交，请在下方重新填写身份证号码和姓名。"
)


def person_query_error(id_number: str, name: str) -> str:
    """Why a person query cannot be run, in Chinese; "" when it can."""
    if not id_number or not name:
        return "查询自然人须同时填写完整的身份证号码和姓名。"
    if len(id_number) > PERSON_ID_MAX_LENGTH or len(name) > PERSON_NAME_MAX_LENGTH:
        return "身份证号码或姓名过长，请核对后重试。"
    return ""


def person_page_url(subject: Subject) -> str:
    """The person's own page, addressed by the signed token only: no ID number or name."""
    return reverse("publicity:subject", args=[subject.pk]) + f"?t={person_token(subject)}"


def _search_context(**values: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "query": "",
        "results": [],
        "error": "",
        "person_open": False,
        "person_note": "",
        "person_not_found": False,
        "id_number": "",
        "id_type": RESIDENT_ID_DOCUMENT,
        "id_types": PERSON_DOCUMENT_TYPES,
        "person_name": "",
        "limit": SEARCH_LIMIT,
        "search_max_length": SEARCH_MAX_LENGTH,
        "person_id_max_length": PERSON_ID_MAX_LENGTH,
        "person_name_max_length": PERSON_NAME_MAX_LENGTH,
    }
    return context | values


@throttled
def search(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _person_query(request)
    context = _search_context()
    if "id_number" in request.GET or "name" in request.GET:
        # The old GET form (a bookmark, a link): the ID number and name are already in
        # this URL and in the access log; they are neither run nor echoed back.
        context.update(person_open=True, person_note=PERSON_QUERY_VIA_FORM)
        return render(request, "publicity/search.html", context)
    query = _clean(request.GET.get("q", ""))
    context["query"] = query
    if len(query) > SEARCH_MAX_LENGTH:
        context["error"] = (
            f"查询内容过长，请输入不超过 {SEARCH_MAX_LENGTH} 个字符的名称或统一社会信用代码。"
        )
    elif query and len(query) < 2:
        context["error"] = "请至少输入 2 个字符的名称或统一社会信用代码。"
    elif query:
        for subject in find_public_subjects(query):
            item = present_subject(subject)
            item["url"] = reverse("publicity:subject", args=[subject.pk])
            context["results"].append(item)
    return render(request, "publicity/search.html", context)


def _person_query(request: HttpRequest) -> HttpResponse:
    """The person form's POST (CSRF-checked by the middleware). Found: redirect to the
    person's page by token (POST/redirect/GET), so neither the ID number nor the name
    reaches a URL, the history or a Referer (个人信息保护法 art. 51). Otherwise the form
    again, as typed, in a page no cache keeps."""
    id_number = _clean(request.POST.get("id_number", ""))
    person_name = _clean(request.POST.get("name", ""))
    id_type = _clean(request.POST.get("id_type", "")) or RESIDENT_ID_DOCUMENT
    error = person_query_error(id_number, person_name)
    if not error:
        try:
            found = _find_person(id_number, person_name, id_type)
        except DomainError as exc:
            found, error = None, exc.message
        if found is not None:
            log_person_read(request, found)
            response: HttpResponse = redirect(person_page_url(found))
            add_never_cache_headers(response)
            return response
    context = _search_context(
        person_open=True,
        person_not_found=not error,
        error=error,
        id_number=id_number[:PERSON_ID_MAX_LENGTH],
        id_type=id_type if id_type in PERSON_DOCUMENT_TYPES else RESIDENT_ID_DOCUMENT,
        person_name=person_name[:PERSON_NAME_MAX_LENGTH],
    )
    response = render(request, "publicity/search.html", context)
    add_never_cache_headers(response)
    return response


@throttled
def subject_page(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _public_subject(request, pk)
    log_person_read(request, subject)
    suffix = _token_query(request, subject)
    record_url = _url_maker("publicity:record", suffix)
    # A person's rights forms need the same token as the person's pages.
    objection_url = _url_maker("rights:objection-public-new", suffix)
    repair_url = _url_maker("rights:repair-public-new", suffix)
    person = subject.is_person
    today = timezone.localdate()
    presented = []
    for row in public_rows_for(subject, today=today):
        item = present_row(row, person=person, today=today)
        item["url"] = record_url(row.id)
        item["objection_url"] = objection_url(row.id)
        item["repair_url"] = repair_url(row.id) if item["can_repair"] else ""
        presented.append(item)
    return render(
        request,
        "publicity/subject.html",
        {
            "subject": present_subject(subject),
            "groups": group_records(presented),
            "count": len(presented),
            "export_url": reverse("publicity:subject-export", args=[subject.pk]) + suffix,
        },
    )


def _public_record(request: HttpRequest, pk: int) -> CreditRecord:
    record = public_records().filter(pk=pk).first() if 0 < pk < 2**63 else None
    if record is None:
        raise Http404("该信息不存在或不在公示期内。")
    subject = resolve_subject(record.subject)
    if subject.is_person and not token_allows(request, subject):
        raise Http404("自然人信息仅可通过完整身份证号码和姓名查询后查看。")
    return record


@throttled
def record_page(request: HttpRequest, pk: int) -> HttpResponse:
    record = _public_record(request, pk)
    subject = resolve_subject(record.subject)
    log_person_read(request, subject)
    item = present_record(record, with_fields=True)
    token = _token_query(request, subject)
    objection_url = _reverse_or_empty("rights:objection-public-new", record.pk)
    repair_url = _reverse_or_empty("rights:repair-public-new", record.pk)
    return render(
        request,
        "publicity/record.html",
        {
            "record": item,
            "subject": present_subject(subject),
            "subject_url": reverse("publicity:subject", args=[subject.pk]) + token,
            # A person's rights forms need the same token as the person's pages.
            "objection_url": objection_url + token if objection_url else "",
            "repair_url": repair_url + token if repair_url and item["can_repair"] else "",
        },
    )


WITHDRAWALS_PAGE_SIZE = 50


@throttled
def withdrawals(request: HttpRequest) -> HttpResponse:
    """行政处罚决定撤回公告 (行政处罚法 art. 48: withdrawn with the reason made public)."""
    page = Paginator(public_withdrawals(timezone.localdate()), WITHDRAWALS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "publicity/withdrawals.html",
        {"page": page, "items": [present_withdrawal(w) for w in page.object_list]},
    )


EXPORT_COLUMNS = (
    ("group", "信息类别"),
    ("party_name", "主体名称"),
    ("document_number", "决定文书号"),
    ("decision_date", "决定日期"),
    ("deciding_unit", "决定机关"),
    ("status", "状态"),
    ("publicity_starts_on", "公示起始日期"),
    ("publicity_ends_on", "公示截止日期"),
    ("repair_from", "最早可申请修复日期"),
)


@throttled
def subject_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The subject's public records as CSV (UTF-8 with BOM so Chinese Excel opens it)."""
    subject = _public_subject(request, pk)
    log_person_read(request, subject)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in EXPORT_COLUMNS])
    person = subject.is_person
    today = timezone.localdate()
    for row in public_rows_for(subject, today=today):
        item = present_row(row, person=person, today=today)
        writer.writerow([safe_cell(item.get(key) or "") for key, _ in EXPORT_COLUMNS])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credit-{subject.pk}.csv"'
    return response
