"""Fixtures' building blocks for the governance and dishonesty-event tests: users, district
subjects with valid synthetic codes, and list entries with concrete dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from xinyong.orgs import services as org_services
from xinyong.orgs.models import Role, Unit
from xinyong.sanctions.models import ListEntry, ListType
from xinyong.subjects.demo import demo_uscc
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject

PASSWORD = "Xinyong@2026"


def unit(name: str) -> Unit:
    target = org_services.resolve_unit_name(name)
    assert isinstance(target, Unit)
    return target


def make_user(username: str, role: str, unit_name: str | None = None) -> Any:
    return org_services.create_user(
        actor=None,
        username=username,
        password=PASSWORD,
        role=role,
        unit=unit(unit_name) if unit_name else None,
    )


def admin() -> Any:
    return make_user("gov_admin", Role.CREDIT_ADMIN, "区发改委")


def company(body: str, name: str, *, category: str = "91", region: str = "410503") -> Subject:
    subject, _created, _conflict = get_or_create_subject(
        actor=None, identifier=demo_uscc(category, body, region), name=name
    )
    return subject


def entry(
    subject: Subject,
    code: str,
    *,
    effective_from: date,
    removed_on: date | None = None,
    ends_on: date | None = None,
    status: str | None = None,
) -> ListEntry:
    """An entry as the lists module leaves it after make_effective / remove_entry."""
    if status is None:
        status = ListEntry.Status.REMOVED if removed_on else ListEntry.Status.LISTED
    return ListEntry.objects.create(
        list_type=ListType.objects.get(code=code),
        subject=subject,
        basis_document=f"（2026）豫0503执{subject.pk}号",
        reasons="有履行能力而拒不履行生效法律文书确定的义务",
        status=status,
        effective_from=effective_from if status in ("listed", "removed") else None,
        removed_on=removed_on,
        ends_on=ends_on,
    )
