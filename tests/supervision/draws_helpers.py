"""Builders for the draw tests: a constructed pool of graded subjects with credit records
of a unit, inspectors, and users. The pool is built with bulk inserts (the draw reads
records and grades; how records arrive is the collection tests' business), while the
inspection results in the tests go through the real ingestion path."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.utils import timezone

from xinyong.catalog.models import RecordType
from xinyong.orgs.models import Role, Unit, User
from xinyong.orgs.services import resolve_unit_name
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import IdentifierType, Subject, SubjectIdentifier, SubjectKind
from xinyong.supervision import draws, policy
from xinyong.supervision.models import Inspector, SubjectGrade

UNIT = "区市场监管局"
OTHER_UNIT = "区生态环境局"
PASSWORD = "Xinyong@Test2026"


def unit(name: str = UNIT) -> Unit:
    found = resolve_unit_name(name)
    assert isinstance(found, Unit)
    return found


def _uscc(n: int) -> str:
    from stdnum.cn import uscc

    body = f"91410502{n:09d}"
    return body + uscc.calc_check_digit(body)


def ensure_policies() -> None:
    policy.load_default_policies()


def make_pool(
    counts: dict[str, int],
    *,
    unit_name: str = UNIT,
    record_type: str = "XZXK",
    region: str = "410502",
    start: int = 1,
    kind: str = SubjectKind.ORGANISATION,
) -> list[Subject]:
    """`counts` subjects per grade ("-" = no grade), each with one active record."""
    source = unit(unit_name)
    rt = RecordType.objects.get(code=record_type)
    now = timezone.now()
    subjects: list[Subject] = []
    grades: list[str] = []
    n = start
    for grade, count in counts.items():
        for _ in range(count):
            subjects.append(
                Subject(
                    kind=kind,
                    name=f"安阳市北关区测试{n:04d}商贸有限公司"
                    if kind != SubjectKind.PERSON
                    else f"王{n:04d}",
                    identifier=_uscc(n) if kind != SubjectKind.PERSON else f"TEST{n:014d}",
                    identifier_type=IdentifierType.USCC
                    if kind != SubjectKind.PERSON
                    else IdentifierType.OTHER_PERSONAL_ID,
                    region_code=region,
                )
            )
            grades.append(grade)
            n += 1
    created = Subject.objects.bulk_create(subjects)
    SubjectIdentifier.objects.bulk_create(
        [
            SubjectIdentifier(
                subject=s, kind=s.identifier_type, value=s.identifier, is_primary=True
            )
            for s in created
        ]
    )
    CreditRecord.objects.bulk_create(
        [
            CreditRecord(
                record_type=rt,
                identity_key=hashlib.sha256(f"pool|{s.pk}|{record_type}".encode()).hexdigest(),
                subject=s,
                party_name=s.name,
                party_identifier=s.identifier,
                document_number=f"测试〔2026〕{s.pk}号",
                decision_date=date(2026, 3, 2),
                source_unit=source,
                reported_on=date(2026, 3, 3),
                nature=rt.nature,
                payload={},
                content_hash="0" * 64,
            )
            for s in created
        ]
    )
    SubjectGrade.objects.bulk_create(
        [
            SubjectGrade(subject=s, grade=g, computed_at=now)
            for s, g in zip(created, grades, strict=True)
            if g != "-"
        ]
    )
    return created


def roster(size: int = 4, *, unit_name: str = UNIT) -> list[Inspector]:
    u = unit(unit_name)
    return [
        draws.create_inspector(
            actor=None, unit=u, name=f"检查员{i}", badge_number=f"41050200{u.pk:03d}{i:03d}"
        )
        for i in range(1, size + 1)
    ]


def make_user(username: str, role: str, unit_name: str | None = UNIT, **extra: Any) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        unit=unit(unit_name) if unit_name else None,
        **extra,
    )


def staff() -> dict[str, User]:
    return {
        "admin": make_user("xyb", Role.CREDIT_ADMIN, None, is_staff=True),
        "reporter": make_user("scj", Role.REPORTER),
        "other": make_user("hbj", Role.REPORTER, OTHER_UNIT),
        "leader": make_user("ld", Role.LEADER, None),
    }
