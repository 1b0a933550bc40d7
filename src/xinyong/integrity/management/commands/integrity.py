"""`xinyong integrity scan|evaluate|export`: thin adapters over monitoring and evaluation."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from xinyong.core.commands import ActionCommand
from xinyong.core.errors import DomainError
from xinyong.integrity import evaluation, inputs, monitoring
from xinyong.integrity.exports import evaluation_xlsx


def _date(text: str | None, label: str, *, not_after_today: bool = False) -> date | None:
    # A refused date is a DomainError, which run_action turns into one Chinese line.
    return inputs.day(text, label, required=False, not_after_today=not_after_today)


class Command(ActionCommand):
    help = (
        "政务诚信：监测政府机构失信被执行人、拖欠账款与未结案件并发出预警（scan）、"
        "计算并保存年度政务诚信评价（evaluate）、导出年度考核表 XLSX（export）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        scan = sub.add_parser("scan", help="监测并发出预警（每日任务，可重复运行）")
        scan.add_argument("--on", help="监测日期 YYYY-MM-DD（默认今天）")
        scan.add_argument("--json", action="store_true", help="以 JSON 输出")
        ev = sub.add_parser("evaluate", help="按平台数据计算年度政务诚信评价并保存结果、发出预警")
        ev.add_argument("--year", required=True, help="年度，如 2026")
        ev.add_argument("--as-of", dest="as_of", help="数据截至日期 YYYY-MM-DD（默认今天或年末）")
        ev.add_argument("--json", action="store_true", help="以 JSON 输出")
        ex = sub.add_parser("export", help="导出年度政务诚信评价 XLSX")
        ex.add_argument("--year", required=True, help="年度，如 2026")
        ex.add_argument("--out", required=True, help="输出文件路径（.xlsx）")
        ex.add_argument("--as-of", dest="as_of", help="数据截至日期 YYYY-MM-DD（默认今天或年末）")
        ex.add_argument("--json", action="store_true", help="以 JSON 输出")

    def _scan(self, options: dict[str, Any]) -> tuple[str, Any]:
        # Raises and lifts alerts: not by the lists of a day still to come.
        on = _date(options.get("on"), "监测日期", not_after_today=True)
        result = monitoring.scan(actor=None, on=on)
        lines = [result.summary()]
        for g in result.government_bodies_listed:
            lines.append(f"  {g['subject']}（{g['unit'] or '未归属单位'}）{g['basis_document']}")
        return "\n".join(lines), result.as_json()

    def _evaluate(self, options: dict[str, Any]) -> tuple[str, Any]:
        # Stores the results and warns the units below the line; `export` only reads.
        as_of = _date(options.get("as_of"), "数据截至日期", not_after_today=True)
        result = evaluation.evaluate(actor=None, year=options["year"], as_of=as_of)
        kind = "运行得分" if result.running else "年度评价"
        lines = [
            f"{result.system.year} 年政务诚信{kind}（{result.start} 至 {result.end}），参评单位 {len(result.rows)} 个"
        ]
        for problem in result.problems:
            lines.append(f"  配置提示：{problem}")
        for r in result.rows:
            flag = "  ⚠ " + "；".join(r.reasons) if r.warning else ""
            pending = f"（待评分 {r.unscored} 项）" if r.unscored else ""
            lines.append(f"  {r.rank:>3}. {r.unit.name} {r.percent}{pending}{flag}")
        return "\n".join(lines), result.as_json()

    def _export(self, options: dict[str, Any]) -> tuple[str, Any]:
        system = evaluation.get_system(options["year"])
        path = Path(options["out"])
        if path.suffix.lower() != ".xlsx":
            raise DomainError("输出文件应以 .xlsx 结尾。")
        if not path.parent.exists():
            raise DomainError(f"目录“{path.parent}”不存在。")
        # Not a day still to come either: commitments due by then and objections not yet
        # answered would be judged late, and the sheet would disagree with the page.
        as_of = _date(options.get("as_of"), "数据截至日期", not_after_today=True)
        result, content = evaluation_xlsx(system, as_of=as_of)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise DomainError(f"无法写入“{path}”：{exc.strerror}。") from None
        text = f"已导出 {system.year} 年政务诚信评价（参评单位 {len(result.rows)} 个）到 {path}"
        return text, {
            "year": system.year,
            "units": len(result.rows),
            "out": str(path),
            "bytes": len(content),
        }
