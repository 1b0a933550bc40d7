"""Builders for the 信易贷 and 信易+ tests: subjects of the district with a grade, a
penalty, a list entry; users of every role; a published white list."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.utils import timezone

from xinyong.catalog.models import RecordType
from xinyong.finance import services
from xinyong.finance.models import WhitelistRun
from xinyong.orgs.models import Role, Unit, User
from xinyong.orgs.services import resolve_unit_name
from xinyong.records.models import CreditRecord
from xinyong.subjects.demo import demo_resident_id, demo_uscc
from xinyong.subjects.models import Subject, SubjectKind
from xinyong.subjects.services import get_or_create_subject
from xinyong.supervision.models import SubjectGrade

PASSWORD = "Xinyong@Test2026"
BANK = "中国银行安阳北关支行"


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


def admin() -> User:
    return make_user("credit", Role.CREDIT_ADMIN, "区发改委")


def finance_reviewer() -> User:
    return make_user("jrj", Role.REVIEWER, "区金融工作局")


def bank_user(username: str = "bank1", organisation: str = BANK) -> User:
    return make_user(username, Role.BANK, organisation=organisation)


def firm(
    body: str,
    name: str,
    *,
    grade: str | None = "A",
    category: str = "91",
    region: str = "410503",
    registered_on: date | None = date(2018, 3, 1),
) -> Subject:
    kind = SubjectKind.INDIVIDUAL_BUSINESS if category == "92" else SubjectKind.ORGANISATION
    subject, _created, _conflict = get_or_create_subject(
        actor=None,
        identifier=demo_uscc(category, body, region),
        name=name,
        kind=kind,
        source="测试",
        registered_on=registered_on,
    )
    if grade:
        set_grade(subject, grade)
    return subject


def person(name: str, born: date, sequence: int) -> Subject:
    subject, _c, _x = get_or_create_subject(
        actor=None,
        identifier=demo_resident_id(born, sequence),
        name=name,
        kind=SubjectKind.PERSON,
        source="测试",
    )
    return subject


def set_grade(subject: Subject, grade: str) -> None:
    SubjectGrade.objects.update_or_create(
        subject=subject,
        defaults={"grade": grade, "score": 90, "computed_at": timezone.now(), "explanation": []},
    )


def penalty(
    subject: Subject,
    decided: date,
    number: str,
    *,
    type_code: str = "XZCF",
    payload: dict[str, Any] | None = None,
) -> CreditRecord:
    rt = RecordType.objects.get(code=type_code)
    key = hashlib.sha256(f"{type_code}|X|{number}".encode()).hexdigest()
    return CreditRecord.objects.create(
        record_type=rt,
        identity_key=key,
        subject=subject,
        party_name=subject.name,
        party_identifier=subject.identifier,
        document_number=number,
        decision_date=decided,
        deciding_unit_name="安阳市北关区市场监督管理局",
        source_unit=unit("区市场监管局"),
        reported_on=decided,
        nature="dishonest" if type_code == "XZCF" else "neutral",
        payload=payload or {},
        content_hash=key,
    )


def list_entry(subject: Subject, code: str, since: date, *, actor: Any = None) -> Any:
    """An entry in force from `since`, made through the sanctions services (so that the
    entry_changed signal fires as in production). SX_BZXR is the court's list: it comes
    in from upstream only (sanctions.demo.court_listing), never proposed here."""
    from xinyong.sanctions.demo import court_listing

    assert code == "SX_BZXR", "only the court's list is built here"
    return court_listing(
        actor=actor,
        subject=subject,
        case_number=f"（{since.year}）豫0503执{subject.pk}号",
        published_on=since,
        obligation="支付货款 30 万元",
    )


def publish(on: date, credit: User, reviewer: User) -> WhitelistRun:
    run = services.screen(actor=credit, on=on)
    services.approve_credit(actor=credit, run=run, opinion="同意")
    return services.approve_finance(actor=reviewer, run=run, opinion="同意发布")
