"""Builders for the ledger tests: the 2026 plan copied from the seed plan of 2023 (which
every test database holds as reference data), users and assignments by unit and row."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xinyong.ledger import services
from xinyong.ledger.models import Assignment, Plan
from xinyong.orgs import services as org_services
from xinyong.orgs.models import Unit, User

PASSWORD = "Xinyong@Ledger2026"


def unit(name: str) -> Unit:
    target = org_services.resolve_unit_name(name)
    assert isinstance(target, Unit)
    return target


def user(username: str, role: str, unit_name: str | None = None) -> User:
    return org_services.create_user(  # type: ignore[no-any-return]
        actor=None,
        username=username,
        password=PASSWORD,
        role=role,
        unit=unit(unit_name) if unit_name else None,
        organisation="中国银行安阳北关支行" if role == "bank" else "",
    )


def plan(year: int = 2026) -> Plan:
    existing = Plan.objects.filter(year=year).first()
    if existing is not None:
        return existing
    return services.copy_plan(actor=None, plan=Plan.objects.get(year=2023), year=year)


def assignment(p: Plan, number: int, unit_name: str) -> Assignment:
    return Assignment.objects.select_related("row", "unit").get(
        row__plan=p, row__number=number, unit=unit(unit_name)
    )


def pdf(name: str = "会议纪要.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test evidence", content_type="application/pdf")


def client(u: Any) -> Client:
    c = Client()
    c.force_login(u)
    return c
