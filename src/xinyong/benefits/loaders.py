"""Reference data of 信易+: the seed scenarios (data/scenarios.json), create-missing-only
so that the credit office's edits in the admin survive; and demo checks so that the use
counts have something to show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from xinyong.core.bootstrap import demo_loader, reference_loader
from xinyong.core.errors import DomainError

from . import services
from .models import Scenario, ScenarioUse

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_scenarios(data: Any, *, actor: Any = None) -> int:
    if not isinstance(data, dict) or data.get("kind") != "benefit_scenarios":
        raise DomainError(
            '信易+场景文件格式不对：应为 {"kind": "benefit_scenarios", "items": [...]}。'
        )
    created = 0
    with transaction.atomic():
        for i, item in enumerate(data.get("items", []), start=1):
            values = dict(item)
            code = values.pop("code", "")
            if Scenario.objects.filter(code=str(code).upper()).exists():
                continue
            try:
                services.create_scenario(actor=actor, code=code, **values)
            except DomainError as exc:
                raise DomainError(f"第 {i} 项（{code}）：{exc.message}") from exc
            created += 1
    return created


@reference_loader(81, "信易+应用场景")
def load_scenario_reference() -> str:
    data = json.loads((DATA_DIR / "scenarios.json").read_text(encoding="utf-8"))
    created = load_scenarios(data)
    return f"信易+场景 {len(data['items'])} 个（新增 {created}）"


@demo_loader(61, "信易+核验")
def load_demo_checks() -> str:
    from xinyong.orgs.models import User
    from xinyong.subjects.models import Subject

    if ScenarioUse.objects.exists():
        return "信易+核验演示数据已存在，未作改动"
    admin = User.objects.get(username="admin")
    subjects = list(Subject.objects.filter(merged_into__isnull=True).order_by("id")[:31:3])
    for subject in subjects:
        services.check(actor=admin, subject_code=subject.identifier)
    return f"核验 {len(subjects)} 个主体，记录 {ScenarioUse.objects.count()} 次场景使用"
