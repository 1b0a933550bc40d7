"""Builders for the 政务诚信 tests: units, users, government bodies with valid synthetic
codes (check characters computed, as in subjects.demo), list entries."""

from __future__ import annotations

from datetime import date
from typing import Any

from xinyong.integrity import services
from xinyong.integrity.models import GovernmentBody
from xinyong.orgs.models import Unit, User
from xinyong.orgs.services import resolve_unit_name
from xinyong.sanctions.demo import court_listing
from xinyong.sanctions.models import ListEntry
from xinyong.subjects.demo import demo_uscc
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject

PASSWORD = "Xinyong@Test2026"
SCJG = "区市场监管局"
JYJ = "区教育局"
BZZ = "柏庄镇"

# Authority code 1 (机构编制): 11 机关, 12 事业单位 — valid codes for district 410503.
SCJG_CODE = demo_uscc("11", "00582659")
BZZ_CODE = demo_uscc("11", "00582675")
SCHOOL_CODE = demo_uscc("12", "41608233")
SOE_CODE = demo_uscc("91", "71671259")
COMPANY_CODE = demo_uscc("91", "MA44T3K1")


def unit(name: str) -> Unit:
    found = resolve_unit_name(name)
    assert isinstance(found, Unit)
    return found


def make_user(username: str, role: str, unit_name: str | None = None, **extra: Any) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        unit=unit(unit_name) if unit_name else None,
        **extra,
    )


def organ(unit_name: str) -> GovernmentBody:
    return GovernmentBody.objects.get(unit=unit(unit_name), kind=GovernmentBody.Kind.ORGAN)


def link_organ(unit_name: str, code: str, name: str) -> GovernmentBody:
    return services.register_body(
        actor=None, unit=unit_name, kind="organ", name=name, identifier=code, on=date(2026, 3, 2)
    )


def gov_subject(code: str, name: str) -> Subject:
    subject, _created, _conflict = get_or_create_subject(actor=None, identifier=code, name=name)
    return subject


def list_sxbzxr(
    subject: Subject, *, on: date, document: str = "（2026）豫0503执1001号"
) -> ListEntry:
    # The court's list comes in from upstream only.
    return court_listing(
        actor=None,
        subject=subject,
        case_number=document,
        published_on=on,
        obligation="支付工程款 86 万元",
    )
