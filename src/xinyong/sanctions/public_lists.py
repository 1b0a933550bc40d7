"""The portal's view of the lists besides the red list: the 失信主体名单 page and the
presentation of a subject's published entries. Which entries are public is decided in
`lists` (public_entries_of, punishment_entries_public)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinyong.publicity.views import throttled

from . import lists
from .models import ListEntry

PAGE_SIZE = 50


def present_entry(entry: ListEntry) -> dict[str, Any]:
    return {
        "list": entry.list_type.name,
        "kind": entry.list_type.get_kind_display(),
        "punishment": entry.list_type.kind in lists.PUNISHMENT_KINDS,
        "effective_from": entry.effective_from,
        "ends_on": entry.ends_on,
        "basis_document": entry.basis_document,
        "authority": entry.designating_authority
        or (entry.designating_unit.name if entry.designating_unit else ""),
    }


@throttled
def public_punishment_lists(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    entries = lists.punishment_entries_public(today)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for e in page.object_list:
        # A merged duplicate's entry is shown under the surviving subject, as checked.
        holder = e.subject.merged_into or e.subject
        rows.append(
            {
                **present_entry(e),
                "name": holder.name,
                "code": holder.display_identifier,
                "subject_id": holder.pk,
            }
        )
    return render(
        request,
        "sanctions/list_punishment_public.html",
        {"rows": rows, "page": page, "today": today},
    )
