"""`xinyong ledger …`: the work ledger from the command line (thin adapters over
services, selectors and reports).

    xinyong ledger load FILE                      # load a plan file (idempotent)
    xinyong ledger status [--unit UNIT] [--year 2026] [--json]
    xinyong ledger report --period 2026-10 --format xlsx|pdf [--year 2026] [--out FILE]
    xinyong ledger copy --from 2023 --to 2024     # next year's plan from this year's
    xinyong ledger warnings [--on 2026-11-25]     # the daily deadline warnings
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from xinyong.core.commands import ActionCommand
from xinyong.core.errors import DomainError
from xinyong.core.inputs import clean_day

from ... import reports, selectors, services


class Command(ActionCommand):
    help = (
        "工作台账：load 载入年度工作方案文件（可重复运行），status 查看台账事项进展与逾期，"
        "report 生成月度通报（XLSX/PDF），copy 复制为下一年度方案，warnings 运行期限预警。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="以 JSON 输出（供脚本读取）")
        sub = parser.add_subparsers(dest="action", required=True, metavar="子命令")
        json_flag = CommandParser(add_help=False)
        json_flag.add_argument(
            "--json", action="store_true", default=argparse.SUPPRESS, help="以 JSON 输出"
        )
        load = sub.add_parser("load", parents=[json_flag], help="载入年度工作方案（JSON 文件）")
        load.add_argument(
            "file", help="方案文件路径，格式见 src/xinyong/ledger/data/2023-beiguan.json"
        )
        status = sub.add_parser(
            "status", parents=[json_flag], help="各台账事项的责任单位、期限、状态与逾期"
        )
        status.add_argument("--unit", default="", help="单位名称或别名：只看该单位的事项")
        status.add_argument("--year", type=int, help="方案年度，默认今年（无则最近一年）")
        report = sub.add_parser("report", parents=[json_flag], help="生成某月的工作台账通报")
        report.add_argument("--period", required=True, help="月份，如 2026-10")
        report.add_argument(
            "--year",
            type=int,
            help="方案年度，默认为通报月份所在年度；上一年度方案的次年 1 月通报用 --year 指定",
        )
        report.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx", help="xlsx 或 pdf")
        report.add_argument(
            "--out", "--output", dest="out", default="", help="输出文件路径（默认当前目录）"
        )
        copy = sub.add_parser("copy", parents=[json_flag], help="把某年度方案复制为另一年度方案")
        copy.add_argument("--from", dest="source", type=int, required=True, help="源年度，如 2023")
        copy.add_argument("--to", dest="target", type=int, required=True, help="目标年度，如 2024")
        warnings = sub.add_parser(
            "warnings", parents=[json_flag], help="运行期限预警（可重复运行）"
        )
        warnings.add_argument("--on", default="", help="预警日期 YYYY-MM-DD，默认今天")

    def _plan(self, year: int | None) -> Any:
        # --year 0 is a year asked for (and refused by get_plan), not "no year".
        if year is not None:
            return selectors.get_plan(year)
        plan = selectors.current_plan()
        if plan is None:
            raise DomainError("尚未载入任何年度工作方案，请先运行 xinyong ledger load。")
        return plan

    def _load(self, options: dict[str, Any]) -> tuple[str, Any]:
        result = services.load_plan_file(actor=None, path=options["file"])
        data = {
            "year": result.plan.year,
            "created_plan": result.created_plan,
            "tasks": result.tasks,
            "rows": result.rows,
            "assignments": result.assignments,
            "targets": result.targets,
            "total_rows": result.plan.rows.count(),
            "total_tasks": result.plan.tasks.count(),
        }
        return result.summary(), data

    def _status(self, options: dict[str, Any]) -> tuple[str, Any]:
        plan = self._plan(options.get("year"))
        unit = services.resolve_unit_filter(options["unit"]) if options.get("unit") else None
        rows = selectors.row_status(plan, unit=unit)
        head = f"{plan.year}年工作台账" + (f"·{unit.name}" if unit else "") + f"（{len(rows)} 项）"
        lines = [head]
        for r in rows:
            if unit is not None:
                flag = "【逾期】" if r["overdue"] else ""
                due = f"（{r['due_text']}）" if r["due_text"] else ""
                lines.append(
                    f"[{r['id']}] 第{r['number']}项 {r['indicator_path']} | {r['deadline']}{due} | {r['status']}{flag}"
                )
            else:
                flag = f"【逾期 {r['overdue']} 个单位】" if r["overdue"] else ""
                lines.append(
                    f"[{r['id']}] 第{r['number']}项 {r['indicator_path']} | {len(r['units'])} 个单位 | "
                    f"{r['deadline']} | {r['status']}{flag}"
                )
        return "\n".join(lines), {
            "year": plan.year,
            "unit": unit.name if unit else None,
            "rows": rows,
        }

    def _report(self, options: dict[str, Any]) -> tuple[str, Any]:
        year, month = services.parse_period(options["period"])
        asked = options.get("year")
        plan = selectors.get_plan(year if asked is None else asked)
        services.check_bulletin_period(plan, year, month)
        period = f"{year:04d}-{month:02d}"
        bulletin = plan.bulletins.filter(period=period).first()
        fmt = options["format"]
        content = (
            reports.bulletin_pdf(plan, period, bulletin=bulletin)
            if fmt == "pdf"
            else reports.bulletin_xlsx(plan, period, bulletin=bulletin)
        )
        out = Path(options["out"] or f"{period}工作台账通报.{fmt}")
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise DomainError(f"无法写入文件 {out}：{exc.strerror}") from None
        state = bulletin.get_status_display() if bulletin else "未起草（按当前数据生成）"
        return (
            f"{period} 工作台账通报（{state}）已写入 {out}（{len(content)} 字节）",
            {
                "period": period,
                "format": fmt,
                "path": str(out),
                "bytes": len(content),
                "status": state,
            },
        )

    def _copy(self, options: dict[str, Any]) -> tuple[str, Any]:
        source = selectors.get_plan(options["source"])
        copy = services.copy_plan(actor=None, plan=source, year=options["target"])
        return (
            f"已将 {source.year} 年方案复制为 {copy.year} 年方案：台账事项 {copy.rows.count()} 项，完成时限已顺延。",
            {"from": source.year, "to": copy.year, "rows": copy.rows.count()},
        )

    def _warnings(self, options: dict[str, Any]) -> tuple[str, Any]:
        on = None
        if options.get("on"):
            try:
                on = date.fromisoformat(options["on"])
            except ValueError:
                raise DomainError(f"日期格式不正确：{options['on']}，应为 YYYY-MM-DD。") from None
            # Warnings are kept and shown to the units: a future day would call deadlines
            # overdue that have not passed.
            on = clean_day(on, "预警日期", not_after_today=True)
        run = services.run_warnings(on=on)
        return run.summary(), {
            "due_soon": run.due_soon,
            "overdue": run.overdue,
            "unknown_years": sorted(run.skipped_years),
        }
