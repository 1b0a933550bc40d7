"""Reference data (the unit list) and demo accounts, run by `xinyong init [--demo]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xinyong.core.bootstrap import demo_loader, reference_loader
from xinyong.core.errors import DomainError

from . import services
from .models import Role, Unit, User

UNITS_FILE = Path(__file__).resolve().parent / "data" / "units.json"

DEMO_PASSWORD = "Xinyong@2026"

# (username, full name, role, unit name, organisation)
DEMO_USERS: list[tuple[str, str, str, str | None, str]] = [
    ("reporter_scj", "市场监管填报员", Role.REPORTER, "区市场监管局", ""),
    ("reviewer_scj", "市场监管审核员", Role.REVIEWER, "区市场监管局", ""),
    ("reporter_rsj", "人社填报员", Role.REPORTER, "区人社局", ""),
    ("leader", "区领导", Role.LEADER, None, ""),
    ("zzb", "组织部干部", Role.ORG_DEPT, "区委组织部", ""),
    ("bank_demo", "银行客户经理", Role.BANK, None, "中国银行安阳北关支行"),
]


def read_units_file(path: Path = UNITS_FILE) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@reference_loader(20, "责任单位")
def load_reference_units() -> str:
    return services.load_units(actor=None, data=read_units_file(), update_existing=False).text()


def _unit(name: str | None) -> Any:
    if name is None:
        return None
    target = services.resolve_unit_name(name)
    if not isinstance(target, Unit):
        raise DomainError(f"演示账号的单位“{name}”是单位组，不是单位。")
    return target


@demo_loader(10, "演示账号")
def load_demo_users() -> str:
    """Create the demo accounts that are missing; never touch existing ones (their
    passwords may have been changed)."""
    created = []
    if not User.objects.filter(username="admin").exists():
        office = services.resolve_unit_name("区发改委")
        services.create_user(
            actor=None,
            username="admin",
            password=DEMO_PASSWORD,
            role=Role.CREDIT_ADMIN,
            unit=office if isinstance(office, Unit) else None,
            full_name="信用办管理员",
            superuser=True,
        )
        created.append("admin")
    for username, full_name, role, unit_name, organisation in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        services.create_user(
            actor=None,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            unit=_unit(unit_name),
            full_name=full_name,
            organisation=organisation,
        )
        created.append(username)
    if not created:
        return "演示账号均已存在，未作改动"
    return f"新建 {len(created)} 个演示账号（{'、'.join(created)}），密码均为 {DEMO_PASSWORD}"
