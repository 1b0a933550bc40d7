"""Builders for the 政务诚信 tests: units, users, government bodies with valid synthetic
codes (check characters computed, as in subjects.demo), list entries."""

from __future__ import annotations

from datetime import date
from typing import Any

from xinyong.integrity import services
from xinyong.integrity.models import GovernmentBody
from xinyong.orgs.models import Unit, User
from xinyong.orgs.services import resolve_unit_name
from xinyong.sanctions import lists
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
    entry = lists.propose_entry(
        actor=None,
        list_type=lists.get_list_type("SX_BZXR"),
        subject=subject,
        basis_document=document,
        reasons="有履行能力而拒不履行生效法律文书确定的给付义务（支付工程款 86 万元）。",
        on=on,
        designating_authority="安阳市北关区人民法院",
        designating_unit=unit("区法院"),
    )
    return lists.make_effective(actor=None, entry=entry, on=on)
