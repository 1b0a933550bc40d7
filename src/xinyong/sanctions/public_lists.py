"""What the public sees of the lists besides the red list: the punishment lists in force
(严重失信主体名单, 经营异常名录) on the portal and on a subject's public page.

Published: the kinds the law publishes (serious lists, 经营异常名录, red list). The
重点关注名单 is a supervision tool of the units and is never shown to the public. On the
public list page only organisations and 个体工商户 appear: a natural person's data is
public only to whoever holds the full ID number and name (the person's own page)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinyong.publicity.views import throttled
from xinyong.subjects.models import SubjectKind

from .lists import in_force_q
from .models import ListEntry, ListType

PUBLIC_KINDS = (ListType.Kind.SERIOUS, ListType.Kind.ABNORMAL, ListType.Kind.RED)
PUNISHMENT_KINDS = (ListType.Kind.SERIOUS, ListType.Kind.ABNORMAL)
PAGE_SIZE = 50


def public_entries_of(subject_id: int, on: date) -> QuerySet[ListEntry]:
    """A subject's published entries in force on `on` (merged-away subjects' included),
    in one query: the subject's public page pays one query for its lists."""
    return (
        ListEntry.objects.select_related("list_type", "designating_unit")
        .filter(Q(subject_id=subject_id) | Q(subject__merged_into_id=subject_id))
        .filter(list_type__kind__in=PUBLIC_KINDS)
        .filter(in_force_q(on))
        .order_by("list_type__kind", "-effective_from", "-id")
    )


def present_entry(entry: ListEntry) -> dict[str, Any]:
    return {
        "list": entry.list_type.name,
        "kind": entry.list_type.get_kind_display(),
        "punishment": entry.list_type.kind in PUNISHMENT_KINDS,
        "effective_from": entry.effective_from,
        "ends_on": entry.ends_on,
        "basis_document": entry.basis_document,
        "authority": entry.designating_authority
        or (entry.designating_unit.name if entry.designating_unit else ""),
    }


@throttled
def public_punishment_lists(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    entries = (
        ListEntry.objects.select_related("list_type", "subject", "designating_unit")
        .filter(list_type__kind__in=PUNISHMENT_KINDS, subject__merged_into__isnull=True)
        .exclude(subject__kind=SubjectKind.PERSON)
        .filter(in_force_q(today))
        .order_by("list_type__kind", "list_type__code", "-effective_from", "-id")
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            **present_entry(e),
            "name": e.subject.name,
            "code": e.subject.display_identifier,
            "subject_id": e.subject_id,
        }
        for e in page.object_list
    ]
    return render(
        request,
        "sanctions/list_punishment_public.html",
        {"rows": rows, "page": page, "today": today},
    )
