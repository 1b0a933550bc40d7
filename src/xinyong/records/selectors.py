"""Reads of the credit record store."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xinyong.orgs.permissions import scope_to_user_units

from .models import CreditRecord, RecordVersion
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
