"""What the public may see, and in which status (DOMAIN.md §5).

A record is publicly visible when: it is active (not withdrawn), it has a window, the
window is published, not ended, and its last public day (`ends_on`) has not passed. The
last condition makes expiry take effect at once even before the daily job has written
`ended_on` (fail safe: a record past its maximum never shows). A record without a window
is not public.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from xinyong.core import identifiers
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject, SubjectIdentifier, SubjectKind
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


def public_status(record: CreditRecord, today: date | None = None) -> str:
    """The record's status in plain words: 公示中 / 已修复 / 公示期满 / 异议处理中 (and,
    for staff views of records the public never sees, 已撤销 / 不予公示)."""
    window = _window(record)
    if record.status == CreditRecord.Status.WITHDRAWN:
        return STATUS_WITHDRAWN
    if window is None or not window.is_published:
        return STATUS_NOT_PUBLISHED
    if window.end_reason == PublicityWindow.EndReason.WITHDRAWN:
        return STATUS_WITHDRAWN
    if window.end_reason == PublicityWindow.EndReason.REPAIRED:
        return STATUS_REPAIRED
    if window.ended_on or (window.ends_on and window.ends_on < _today(today)):
        return STATUS_EXPIRED
    if has_open_objection(record):
        return STATUS_OBJECTION
    return STATUS_PUBLIC


def public_records_for(
    subject: Any, *, include_history: bool = False, today: date | None = None
) -> list[CreditRecord]:
    """The subject's publicly visible records, newest decision first. With
    `include_history` (staff only): also its ended, unpublished and withdrawn records."""
    qs: Any
    if include_history:
        qs = (
            CreditRecord.objects.filter(subject_id=getattr(subject, "pk", subject))
            .select_related("record_type", "publicity", "publicity__policy", "subject")
            .annotate(has_open_objection=Exists(_open_objections()))
        )
    else:
        qs = public_records(today).filter(subject_id=getattr(subject, "pk", subject))
    return list(qs.order_by("record_type__sort_order", "-decision_date", "-id"))


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
