"""Reads of the credit record store."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, QuerySet

from xinyong.orgs.permissions import scope_to_user_units

from .models import CreditRecord, RecordVersion, RecordWithdrawal
from .services import identity_key


def record_by_identity(
    type_code: str, deciding_unit_code: str, document_number: str
) -> CreditRecord | None:
    """The stored record with this identity (type, deciding unit's code, document number)."""
    key = identity_key(type_code, deciding_unit_code, document_number)
    return (
        CreditRecord.objects.select_related("record_type", "subject", "source_unit")
        .filter(identity_key=key)
        .first()
    )


def records_visible_to(user: Any) -> QuerySet[CreditRecord]:
    """Records of the units whose data `user` may read (orgs.permissions)."""
    return scope_to_user_units(user, CreditRecord.objects.all(), unit_field="source_unit")


def versions_of(record: CreditRecord) -> QuerySet[RecordVersion]:
    """The superseded contents of a record, newest first."""
    return RecordVersion.objects.filter(record=record).order_by("-version")


def voids_between(start: date, end: date) -> QuerySet[RecordWithdrawal]:
    """Records voided as keying errors (录入错误作废) from `start` to `end` inclusive."""
    return RecordWithdrawal.objects.filter(
        kind=RecordWithdrawal.Kind.KEYING_ERROR, withdrawn_on__gte=start, withdrawn_on__lte=end
    )


def voids_by_unit(start: date, end: date) -> list[tuple[str, int]]:
    """(unit name, count) of keying-error voids from `start` to `end`, per reporting unit
    in the units' fixed order: a quality fact for the monthly 通报, apart from withdrawals
    (a void is no 行政处罚法 art. 48 withdrawal and is never late)."""
    rows = (
        voids_between(start, end)
        .values("record__source_unit__name", "record__source_unit__sort_order")
        .annotate(n=Count("id"))
        .order_by("record__source_unit__sort_order", "record__source_unit__name")
    )
    return [(r["record__source_unit__name"], r["n"]) for r in rows]


def void_count(unit: Any, year: int) -> int:
    """How many of a unit's records were voided as keying errors in `year`."""
    return (
        voids_between(date(year, 1, 1), date(year, 12, 31))
        .filter(record__source_unit_id=getattr(unit, "pk", unit))
        .count()
    )
