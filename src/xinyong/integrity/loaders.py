"""Reference data of 政务诚信 for `xinyong init`: the indicator system (data/indicators.json)
and one 机关本级 body per unit. Create-missing-only: a year's system that exists is left
as the credit office edited it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from xinyong.core.bootstrap import reference_loader

from . import services
from .models import Indicator, IndicatorSystem

DATA = Path(__file__).resolve().parent / "data" / "indicators.json"


@reference_loader(75, "政务诚信指标体系")
@transaction.atomic
def load_indicator_system() -> str:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    if IndicatorSystem.objects.filter(year=data["year"]).exists():
        return f"{data['year']} 年指标体系已存在，未作改动"
    system = IndicatorSystem.objects.create(
        year=data["year"],
        name=data["name"],
        legal_basis=data["legal_basis"],
        warning_threshold=Decimal(data["warning_threshold"]),
        evaluated_kinds=data["evaluated_kinds"],
    )
    count = 0
    for g_order, group in enumerate(data["groups"], start=1):
        top = Indicator.objects.create(
            system=system,
            code=group["code"],
            name=group["name"],
            weight=Decimal(group["weight"]),
            method=Indicator.Method.MANUAL,
            sort_order=g_order * 100,
        )
        for i_order, item in enumerate(group["items"], start=1):
            Indicator.objects.create(
                system=system,
                parent=top,
                code=item["code"],
                name=item["name"],
                weight=Decimal(item["weight"]),
                method=item["method"],
                metric=item.get("metric", ""),
                deduct_points=Decimal(item.get("deduct_points", "0")),
                criteria=item.get("criteria", ""),
                sort_order=g_order * 100 + i_order,
            )
            count += 1
    return f"{system.year} 年指标体系：一级指标 {len(data['groups'])} 个、二级指标 {count} 个"


@reference_loader(76, "政务诚信主体（机关本级）")
def load_organ_bodies() -> str:
    created = services.ensure_organ_bodies(actor=None)
    return f"新建机关本级主体 {len(created)} 个" if created else "各单位机关本级主体均已存在"
