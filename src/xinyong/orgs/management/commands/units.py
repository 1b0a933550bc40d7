from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinyong.core.errors import DomainError
from xinyong.orgs import selectors, services
from xinyong.orgs.loaders import read_units_file
from xinyong.orgs.models import Unit, UnitGroup


class Command(BaseCommand):
    help = "责任单位名录：导入单位文件（load）、解析单位名称或别名（resolve）、列出单位（list）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        load = sub.add_parser("load", help="导入单位 JSON 文件（可重复运行，不删除已有单位）")
        load.add_argument("file", help="单位文件路径，格式同 orgs/data/units.json")
        resolve = sub.add_parser(
            "resolve", help="把单位名称或别名解析为规范单位（单位组展开为成员）"
        )
        resolve.add_argument("name", help="单位名称、别名或单位组名称")
        resolve.add_argument("--json", action="store_true", help="以 JSON 输出")
        listing = sub.add_parser("list", help="按通报顺序列出全部启用单位")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _load(self, *, file: str, **_: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            data = read_units_file(path)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"单位文件不是有效的 UTF-8 JSON：{exc}") from exc
        summary = services.load_units(actor=None, data=data)
        self.stdout.write(f"导入完成：{summary.text()}。")

    def _resolve(self, *, name: str, json: bool = False, **_: Any) -> None:
        target = services.resolve_unit_name(name)
        members = services.resolve_units(name)
        if json:
            self.stdout.write(
                _dumps(
                    {
                        "query": name,
                        "type": "group" if isinstance(target, UnitGroup) else "unit",
                        "name": target.name,
                        "units": [_unit_dict(u) for u in members],
                    }
                )
            )
            return
        if isinstance(target, UnitGroup):
            self.stdout.write(f"“{name}” → 单位组“{target.name}”，共 {len(members)} 个单位：")
            for unit in members:
                self.stdout.write(f"  {unit.name}")
        else:
            self.stdout.write(f"“{name}” → {target.name}（{target.get_kind_display()}）")

    def _list(self, *, json: bool = False, **_: Any) -> None:
        units = list(selectors.active_units())
        if json:
            self.stdout.write(_dumps([_unit_dict(u) for u in units]))
            return
        for unit in units:
            office = "（信用办）" if unit.is_credit_office else ""
            self.stdout.write(
                f"{unit.sort_order:>5}  {unit.name}{office}  [{unit.get_kind_display()}]"
            )
        self.stdout.write(f"共 {len(units)} 个单位。")


def _unit_dict(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": unit.get_kind_display(),
        "sort_order": unit.sort_order,
        "is_credit_office": unit.is_credit_office,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
