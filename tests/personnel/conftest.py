"""Fixtures of the personnel tests: accounts of every role that matters, and files built
through the services with concrete 2025–2026 dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from xinyong.orgs.models import Role, Unit, User
from xinyong.orgs.services import resolve_unit_name
from xinyong.personnel import services
from xinyong.personnel.models import FileCategory, HonourKind, Person

PASSWORD = "Xinyong@Test2026"
WANG = "410503198203141217"  # valid check digit
LI = "410503198807262028"
ZHOU = "410503198704226040"
OUTSIDER_ID = "11010519491231002X"  # DOMAIN.md §2 example, valid, no file


def unit(name: str) -> Unit:
    found = resolve_unit_name(name)
    assert isinstance(found, Unit)
    return found


def make_user(username: str, role: str, unit_name: str | None, **extra: Any) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        unit=unit(unit_name) if unit_name else None,
        **extra,
    )


@pytest.fixture
def users(db: Any) -> dict[str, User]:
    return {
        "zzb": make_user("t_zzb", Role.ORG_DEPT, "区委组织部"),
        "scj_leader": make_user("t_scj_leader", Role.UNIT_LEADER, "区市场监管局"),
        "zjj_leader": make_user("t_zjj_leader", Role.UNIT_LEADER, "区住建局"),
        "district_leader": make_user("t_leader", Role.LEADER, None),
        "admin": make_user("t_admin", Role.CREDIT_ADMIN, "区发改委"),
        "scj_reporter": make_user("t_scj_reporter", Role.REPORTER, "区市场监管局"),
        "wjw_reporter": make_user("t_wjw_reporter", Role.REPORTER, "区卫健委"),
        "sfj_reviewer": make_user("t_sfj_reviewer", Role.REVIEWER, "区司法局"),
        "bank": make_user("t_bank", Role.BANK, None, organisation="某银行"),
    }


@pytest.fixture
def servant(db: Any) -> FileCategory:
    return FileCategory.objects.get(code="civil_servant")


@pytest.fixture
def wang(users: dict[str, User], servant: FileCategory) -> Person:
    """A public servant of 区市场监管局 with a commendation and two assessments."""
    person = services.register_person(
        actor=users["zzb"],
        category=servant,
        name="王建国",
        id_number=WANG,
        unit="区市场监管局",
        post="信用监管科科长",
    )
    services.add_item(
        actor=users["zzb"],
        person=person,
        item=services.ItemInput(
            kind="表彰奖励",
            title="全区优化营商环境工作先进个人",
            issuer="中共北关区委 北关区人民政府",
            document_number="北文〔2024〕12号",
            document_date=date(2024, 3, 8),
        ),
    )
    for year, grade in ((2024, "称职"), (2025, "优秀")):
        services.add_item(
            actor=users["zzb"],
            person=person,
            item=services.ItemInput(
                kind="年度考核",
                year=year,
                grade=grade,
                issuer="安阳市北关区市场监督管理局",
                document_number=f"北市监人〔{year + 1}〕3号",
                document_date=date(year + 1, 1, 20),
            ),
        )
    return person


def dishonesty(actor: Any, person: Person, number: str, on: date, **extra: Any) -> Any:
    return services.add_item(
        actor=actor,
        person=person,
        item=services.ItemInput(
            kind="一般失信",
            title="诫勉谈话",
            source="纪律处分",
            issuer="中共北关区纪律检查委员会",
            source_unit="区纪委监委",
            document_number=number,
            document_date=on,
        ),
        **extra,
    )


def good_faith(on: date = date(2025, 8, 20)) -> services.Exemption:
    return services.Exemption(
        ground="good_faith",
        body="中共北关区纪律检查委员会",
        document="北纪容〔2025〕3号",
        decided_on=on,
        reason="改革创新先行先试中的无意过失，未谋取私利。",
    )


@pytest.fixture
def lawyer_file(users: dict[str, User]) -> Person:
    return services.register_person(
        actor=users["sfj_reviewer"],
        category=FileCategory.objects.get(code="lawyer"),
        name="孙立",
        id_number="410502198506115036",
        employer="河南安北律师事务所",
        post="专职律师",
    )


@pytest.fixture
def honour_kinds(db: Any) -> dict[str, HonourKind]:
    return {k.code: k for k in HonourKind.objects.all()}
