"""`xinyong benefits check --subject CODE [--scenario CODE] [--json]` and
`xinyong benefits scenarios [--json]` (thin adapters over services; every check is
recorded as a use of the scenarios answered)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import CommandParser

from xinyong.core.commands import ActionCommand
from xinyong.finance import criteria as crit

from ... import services
from ...models import ScenarioUse


class Command(ActionCommand):
    help = "信易+：check 核验主体可否享受某一场景（或全部场景）的守信激励；scenarios 列出场景及使用次数。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="以 JSON 输出（供脚本读取）")
        sub = parser.add_subparsers(dest="action", required=True, metavar="子命令")
        json_flag = CommandParser(add_help=False)
        json_flag.add_argument(
            "--json", action="store_true", default=argparse.SUPPRESS, help="以 JSON 输出"
        )
        chk = sub.add_parser("check", parents=[json_flag], help="核验主体")
        chk.add_argument(
            "--subject",
            required=True,
            help="统一社会信用代码、身份证号码或其他证件号码（护照、通行证等）",
        )
        chk.add_argument("--scenario", default="", help="场景代码（如 XYP），不填则核验全部场景")
        sub.add_parser("scenarios", parents=[json_flag], help="列出场景、条件与使用次数")

    def _check(self, options: dict[str, Any]) -> tuple[str, Any]:
        scenario = services.get_scenario(options["scenario"]) if options["scenario"] else None
        result = services.check(
            actor=None,
            subject_code=options["subject"],
            scenario=scenario,
            channel=ScenarioUse.Channel.CLI,
        )
        data = result.as_dict()
        who = data["subject"]["name"] if data["subject"] else data["queried_code"]
        lines = [f"{who}（判定日期 {data['on']}）"]
        for a in data["results"]:
            lines.append(f"{a['name']}：{'符合' if a['eligible'] else '不符合'}")
            for r in a["reasons"]:
                lines.append(f"  {'✓' if r['passed'] else '✗'} {r['label']}：{r['text']}")
        lines.append("可享受：" + ("、".join(data["eligible_for"]) or "无"))
        return "\n".join(lines), data

    def _scenarios(self, options: dict[str, Any]) -> tuple[str, Any]:
        rows: list[dict[str, Any]] = [
            {
                "code": s.code,
                "name": s.name,
                "provider": s.provider,
                "conditions": crit.describe(s.criteria),
                "use_count": getattr(s, "use_count", 0),
                "active": s.active,
            }
            for s in services.usage_counts()
        ]
        text = "\n".join(
            f"{r['code']} {r['name']}（{r['provider']}）使用 {r['use_count']} 次：{'；'.join(r['conditions'])}"
            for r in rows
        )
        return text, rows
