"""What the public may see, and in which status (DOMAIN.md §5).

A record is publicly visible when: it is active (not withdrawn), it has a window, the
window is published, not ended, and its last public day (`ends_on`) has not passed. The
last condition makes expiry take effect at once even before the daily job has written
`ended_on` (fail safe: a record past its maximum never shows). A record without a window
is not public. Its type must also still be 公开 in the catalogue (docs/publicity.md, "How
a window is decided", step 1): a type switched to 共享 or 授权查询 leaves stored windows
published until they are recomputed, and the public side must not wait for that.

A subject's public records include those of the duplicates merged into it
(subjects.merge_subjects leaves them on the absorbed subject's row, pointing straight at
the survivor, one level deep), as sanctions.lists.public_entries_of and the credit report
do: the absorbed subject's pages and search hits lead to the survivor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from xinyong.catalog.models import Sharing
from xinyong.core import identifiers
from xinyong.records.models import CreditRecord, RecordWithdrawal
from xinyong.subjects.models import Subject, SubjectIdentifier, SubjectKind, of_subject
from xinyong.subjects.services import resolve as resolve_subject

from .models import PublicityWindow

STATUS_PUBLIC = "公示中"
STATUS_REPAIRED = "已修复"
STATUS_EXPIRED = "公示期满"
STATUS_OBJECTION = "异议处理中"
STATUS_WITHDRAWN = "已撤销"
STATUS_NOT_PUBLISHED = "不予公示"


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _open_objections() -> Any:
    from xinyong.rights.models import Objection

    return Objection.objects.filter(record_id=OuterRef("pk")).exclude(
        status=Objection.Status.DECIDED
    )


def visible_filter(today: date | None = None, prefix: str = "") -> Q:
    day = _today(today)
    p = prefix
    return (
        Q(**{f"{p}status": CreditRecord.Status.ACTIVE})
        # A join on the record type, which every public listing selects anyway.
        & Q(**{f"{p}record_type__sharing": Sharing.PUBLIC})
        & Q(**{f"{p}publicity__is_published": True})
        & Q(**{f"{p}publicity__ended_on__isnull": True})
        & (
            Q(**{f"{p}publicity__ends_on__isnull": True})
            | Q(**{f"{p}publicity__ends_on__gte": day})
        )
    )


def public_records(today: date | None = None) -> QuerySet[CreditRecord]:
    """Every publicly visible record, annotated with `has_open_objection`."""
    return (
        CreditRecord.objects.filter(visible_filter(today))
        .select_related("record_type", "publicity", "publicity__policy", "subject")
        .annotate(has_open_objection=Exists(_open_objections()))
    )


def is_publicly_visible(record: CreditRecord, today: date | None = None) -> bool:
    return CreditRecord.objects.filter(visible_filter(today), pk=record.pk).exists()


def _window(record: CreditRecord) -> PublicityWindow | None:
    try:
        return record.publicity
    except PublicityWindow.DoesNotExist:
        return None


def has_open_objection(record: CreditRecord) -> bool:
    annotated = getattr(record, "has_open_objection", None)
    if annotated is not None:
        return bool(annotated)
    from xinyong.rights.models import Objection

    return (
        Objection.objects.filter(record_id=record.pk)
        .exclude(status=Objection.Status.DECIDED)
        .exists()
    )


def _status_before_objections(
    *,
    record_status: str,
    is_published: bool,
    end_reason: str,
    ended_on: date | None,
    ends_on: date | None,
    today: date | None,
) -> str | None:
    """The status that follows from the record and its window alone; None while the record
    is public, when only an open objection can still change it."""
    if record_status == CreditRecord.Status.WITHDRAWN:
        return STATUS_WITHDRAWN
    if not is_published:
        return STATUS_NOT_PUBLISHED
    if end_reason == PublicityWindow.EndReason.WITHDRAWN:
        return STATUS_WITHDRAWN
    if end_reason == PublicityWindow.EndReason.REPAIRED:
        return STATUS_REPAIRED
    if ended_on or (ends_on and ends_on < _today(today)):
        return STATUS_EXPIRED
    return None


def public_status(record: CreditRecord, today: date | None = None) -> str:
    """The record's status in plain words: 公示中 / 已修复 / 公示期满 / 异议处理中 (and,
    for staff views of records the public never sees, 已撤销 / 不予公示)."""
    window = _window(record)
    status = _status_before_objections(
        record_status=record.status,
        is_published=window is not None and window.is_published,
        end_reason=window.end_reason if window else "",
        ended_on=window.ended_on if window else None,
        ends_on=window.ends_on if window else None,
        today=today,
    )
    if status is not None:
        return status
    # Asked only now: the objection lookup is a query when not annotated.
    return STATUS_OBJECTION if has_open_objection(record) else STATUS_PUBLIC


def public_records_for(
    subject: Any, *, include_history: bool = False, today: date | None = None
) -> list[CreditRecord]:
    """The subject's publicly visible records (those of duplicates merged into it
    included), newest decision first. With `include_history` (staff only): also its
    ended, unpublished and withdrawn records."""
    qs: Any
    held = of_subject(int(getattr(subject, "pk", subject)))
    if include_history:
        qs = (
            CreditRecord.objects.filter(held)
            .select_related("record_type", "publicity", "publicity__policy", "subject")
            .annotate(has_open_objection=Exists(_open_objections()))
        )
    else:
        qs = public_records(today).filter(held)
    return list(qs.order_by("record_type__sort_order", "-decision_date", "-id"))


# ---------------------------------------------------------------- subject page rows


class PublicRow(NamedTuple):
    """What the public sees of one record, as plain values: the subject page and its
    export read these instead of model instances (no payload, no record type field list,
    no timestamps to parse)."""

    id: int
    type_code: str
    type_name: str
    type_category: str
    nature: str
    party_name: str
    document_number: str
    decision_date: date | None
    deciding_unit_name: str
    record_status: str
    has_window: bool
    is_published: bool
    starts_on: date | None
    ends_on: date | None
    ended_on: date | None
    repair_from: date | None
    end_reason: str
    policy_name: str
    policy_severity: str
    has_open_objection: bool


# In the order public_rows_for unpacks them.
_ROW_COLUMNS = (
    "id",
    "record_type__code",
    "record_type__name",
    "record_type__category",
    "nature",
    "party_name",
    "document_number",
    "decision_date",
    "deciding_unit_name",
    "status",
    "publicity__record_id",
    "publicity__is_published",
    "publicity__starts_on",
    "publicity__ends_on",
    "publicity__ended_on",
    "publicity__repair_from",
    "publicity__end_reason",
    "publicity__policy__name",
    "publicity__policy__severity",
    "has_open_objection",
)
# Stand-ins for the two values that change between pages; neither can be a real one.
_SUBJECT_STANDIN = -918_273_645
_DAY_STANDIN = date(1900, 1, 2)


def _rows_queryset(subject_id: int, today: date) -> QuerySet[Any]:
    return (
        public_records(today)
        .filter(of_subject(subject_id))
        .order_by("record_type__sort_order", "-decision_date", "-id")
        .values_list(*_ROW_COLUMNS)
    )


@dataclass(frozen=True)
class _PreparedRows:
    sql: str
    params: tuple[Any, ...]
    subject_at: tuple[int, ...]
    day_at: tuple[int, ...]


_prepared: dict[str, _PreparedRows] = {}


def _prepare_rows(alias: str) -> _PreparedRows:
    """The SQL of `_rows_queryset`, compiled once per process and database: compiling it
    cost more than running it (about 1.5 ms a page). It is the ORM's own SQL, so the
    visibility rule stays written once, in `visible_filter`."""
    prepared = _prepared.get(alias)
    if prepared is None:
        ops = connections[alias].ops
        sql, params = (
            _rows_queryset(_SUBJECT_STANDIN, _DAY_STANDIN).query.get_compiler(alias).as_sql()
        )
        day = ops.adapt_datefield_value(_DAY_STANDIN)
        subject_at = tuple(i for i, v in enumerate(params) if v == _SUBJECT_STANDIN)
        day_at = tuple(i for i, v in enumerate(params) if v == day)
        # The subject is there twice: itself and the target of its merged duplicates.
        if len(subject_at) != 2 or not day_at:
            raise RuntimeError("cannot place the subject and the day in the compiled rows query")
        prepared = _PreparedRows(sql, tuple(params), subject_at, day_at)
        _prepared[alias] = prepared
    return prepared


def _as_date(value: Any) -> date | None:
    # SQLite hands back dates as ISO text; PostgreSQL as dates.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def public_rows_for(
    subject: Any, *, today: date | None = None, using: str = DEFAULT_DB_ALIAS
) -> list[PublicRow]:
    """`public_records_for(subject)` as `PublicRow`s, in the same order."""
    prepared = _prepare_rows(using)
    params = list(prepared.params)
    for i in prepared.subject_at:
        params[i] = int(getattr(subject, "pk", subject))
    day = connections[using].ops.adapt_datefield_value(_today(today))
    for i in prepared.day_at:
        params[i] = day
    with connections[using].cursor() as cursor:
        cursor.execute(prepared.sql, params)
        fetched = cursor.fetchall()
    rows = []
    for (
        pk,
        type_code,
        type_name,
        type_category,
        nature,
        party_name,
        document_number,
        decision_date,
        deciding_unit_name,
        record_status,
        window_id,
        is_published,
        starts_on,
        ends_on,
        ended_on,
        repair_from,
        end_reason,
        policy_name,
        policy_severity,
        open_objection,
    ) in fetched:
        rows.append(
            PublicRow(
                id=pk,
                type_code=type_code,
                type_name=type_name,
                type_category=type_category,
                nature=nature,
                party_name=party_name,
                document_number=document_number,
                decision_date=_as_date(decision_date),
                deciding_unit_name=deciding_unit_name,
                record_status=record_status,
                has_window=window_id is not None,
                is_published=bool(is_published),
                starts_on=_as_date(starts_on),
                ends_on=_as_date(ends_on),
                ended_on=_as_date(ended_on),
                repair_from=_as_date(repair_from),
                end_reason=end_reason or "",
                policy_name=policy_name or "",
                policy_severity=policy_severity or "",
                has_open_objection=bool(open_objection),
            )
        )
    return rows


def row_status(row: PublicRow, today: date | None = None) -> str:
    """`public_status` of the record the row was read from."""
    status = _status_before_objections(
        record_status=row.record_status,
        is_published=row.has_window and row.is_published,
        end_reason=row.end_reason,
        ended_on=row.ended_on,
        ends_on=row.ends_on,
        today=today,
    )
    if status is not None:
        return status
    return STATUS_OBJECTION if row.has_open_objection else STATUS_PUBLIC


# ---------------------------------------------------------------- one-click query

SEARCH_MAX_LENGTH = 100
SEARCH_LIMIT = 50

PUBLIC_KINDS = (SubjectKind.ORGANISATION, SubjectKind.INDIVIDUAL_BUSINESS)


def find_public_subjects(query: str) -> list[Subject]:
    """Organisations and 个体工商户 whose identifier equals the query, then those whose
    name contains it. Natural persons are never listed publicly (个人信息保护法; DOMAIN.md
    §2) and are never even matched here, so an anonymous search neither shows nor
    read-logs a person. (subjects.selectors.search_subjects matches every kind and logs
    the persons it returns, which is right for staff and wrong for the public.)"""
    code = identifiers.normalise(query)
    candidates = {code}
    for hint in (None, identifiers.IdentifierKind.ORG_CODE):
        normalised = identifiers.structural_check(code, hint).normalised
        if normalised:
            candidates.add(normalised)
    found: list[Subject] = []
    seen: set[int] = set()
    rows = SubjectIdentifier.objects.filter(
        value__in=sorted(candidates), subject__kind__in=PUBLIC_KINDS
    ).select_related("subject")
    for row in rows:
        survivor = resolve_subject(row.subject)
        if survivor.kind in PUBLIC_KINDS and survivor.pk not in seen:
            seen.add(survivor.pk)
            found.append(survivor)
    # Names are written with full-width and half-width brackets alike.
    by_name = Q()
    for spelling in {
        query,
        query.replace("(", "（").replace(")", "）"),
        query.replace("（", "(").replace("）", ")"),
    }:
        by_name |= Q(name__icontains=spelling)
    named = (
        Subject.objects.filter(by_name, kind__in=PUBLIC_KINDS, merged_into__isnull=True)
        .exclude(pk__in=seen)
        .order_by(Length("name"), "id")
    )
    found.extend(named[: max(SEARCH_LIMIT - len(found), 0)])
    return found[:SEARCH_LIMIT]


def public_withdrawals(today: date) -> QuerySet[RecordWithdrawal]:
    """Withdrawn penalty decisions whose reason the public is told (行政处罚法 art. 48:
    a changed or revoked decision is withdrawn "并公开说明理由"): withdrawals by the
    deciding side (with the date of the change or revocation) of organisations' records
    that were public that day, shown while the withdrawn information would otherwise
    still be public. Withdrawals decided on an objection are told to the applicant.
    Records voided as keying errors (录入错误作废) are never listed: no decision was
    changed or revoked, so art. 48 has nothing to explain."""
    return (
        # A deadline exists only for a penalty withdrawn on a change or revocation.
        RecordWithdrawal.objects.filter(
            kind=RecordWithdrawal.Kind.REVOCATION,
            was_public=True,
            deadline__isnull=False,
            record__publicity__ends_on__gte=today,
            # Nor once its type is no longer 公开 in the catalogue (as visible_filter).
            record__record_type__sharing=Sharing.PUBLIC,
        )
        # A natural person's records are public only to whoever holds the full ID number
        # and name (the token page), never listed.
        .exclude(record__subject__kind=SubjectKind.PERSON)
        .select_related("record", "record__record_type", "record__subject")
        .order_by("-withdrawn_on", "-id")
    )
