"""Builders for the commitment tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from xinyong.commitments import services
from xinyong.commitments.models import Commitment, CommitmentMatter, Kind
from xinyong.orgs.models import Unit, User
from xinyong.orgs.services import resolve_unit_name

ORG_USCC = "91512081MA62K0260E"  # DOMAIN.md §2 example, valid
OTHER_USCC = "91330282L07196379D"  # DOMAIN.md §2 example (upper-cased), valid
PERSON_ID = "11010519491231002X"  # DOMAIN.md §2 example, valid
PASSWORD = "Xinyong@Test2026"
SCJG = "区市场监管局"
ZJJ = "区住建局"
RSJ = "区人社局"


def unit(name: str) -> Unit:
    found = resolve_unit_name(name)
    assert isinstance(found, Unit)
    return found


def matter(unit_name: str, name: str, kind: str) -> CommitmentMatter:
    return CommitmentMatter.objects.get(unit=unit(unit_name), name=name, kind=kind)


def make_user(username: str, role: str, unit_name: str | None, **extra: Any) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        unit=unit(unit_name) if unit_name else None,
        **extra,
    )


def commit(
    unit_name: str,
    matter_name: str | None,
    kind: str,
    *,
    made_on: date = date(2026, 9, 28),
    code: str = ORG_USCC,
    name: str = "安阳市北关区某某食品有限公司",
    actor: Any = None,
    **extra: Any,
) -> Commitment:
    m = matter(unit_name, matter_name, kind) if matter_name else None
    return services.record_commitment(
        actor=actor,
        unit=unit(unit_name),
        item=services.CommitmentInput(
            kind=kind,
            committer_name=name,
            committer_code=code,
            reason=extra.pop("reason", ""),
            made_on=made_on,
            matter=m,
            **extra,
        ),
    )


KIND = Kind
