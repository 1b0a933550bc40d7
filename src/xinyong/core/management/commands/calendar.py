from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from xinyong.core import calendar
from xinyong.core.calendar_services import import_holiday_cn_json
from xinyong.core.commands import ActionCommand
from xinyong.core.models import CalendarYear, WorkdayException

_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_date(text: str) -> date:
    match = _DATE.match(text)
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            raise CommandError(f"日期“{text}”不存在。") from None
    raise CommandError(f"日期“{text}”无效，应为 YYYY-MM-DD 格式，例如 2026-01-30。")


def parse_count(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise CommandError(f"工作日数“{text}”不是整数。") from None


class Command(ActionCommand):
    help = (
        "工作日历：按工作日推算期限、计算两日之间的工作日数、判断某日是否为工作日、"
        "列出已载入的年度、导入 holiday-cn 格式的年度节假日安排。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="以 JSON 输出（供脚本读取）")
        sub = parser.add_subparsers(dest="action", required=True, metavar="子命令")
        # --json may also follow the sub-command (`calendar years --json`).
        json_flag = CommandParser(add_help=False)
        json_flag.add_argument(
            "--json", action="store_true", default=argparse.SUPPRESS, help="以 JSON 输出"
        )
        add = sub.add_parser(
            "add",
            parents=[json_flag],
            help="日期加 N 个工作日（起算日不计入），输出结果日期；N 为负数时向前推算",
        )
        add.add_argument("date", help="起算日期，YYYY-MM-DD")
        add.add_argument("n", help="工作日数（整数，可为 0 或负数）")
        between = sub.add_parser(
            "between", parents=[json_flag], help="A 之后至 B（含）的工作日数；B 不晚于 A 时为 0"
        )
        between.add_argument("a", help="起算日期，YYYY-MM-DD")
        between.add_argument("b", help="截止日期，YYYY-MM-DD")
        workday = sub.add_parser("is-workday", parents=[json_flag], help="判断某日是否为工作日")
        workday.add_argument("date", help="日期，YYYY-MM-DD")
        sub.add_parser("years", parents=[json_flag], help="列出已载入节假日安排的年度")
        imp = sub.add_parser(
            "import", parents=[json_flag], help="导入 holiday-cn 格式的年度节假日安排 JSON 文件"
        )
        imp.add_argument("file", help="JSON 文件路径")
        imp.add_argument("--year", type=int, default=None, help="核对文件中的年份")
        imp.add_argument("--source", default=None, help="来源说明（默认取文件中的通知网址）")

    # Pure calendar arithmetic: no need to pay for the whole project's system checks.
    requires_system_checks: list[str] = []

    database_error = "无法读取工作日历：数据库未初始化或不可用，请先运行 xinyong init。"

    def _add(self, options: dict[str, Any]) -> tuple[str, Any]:
        start = parse_date(options["date"])
        n = parse_count(options["n"])
        result = calendar.add_workdays(start, n)
        return result.isoformat(), {"date": start.isoformat(), "n": n, "result": result.isoformat()}

    def _between(self, options: dict[str, Any]) -> tuple[str, Any]:
        a = parse_date(options["a"])
        b = parse_date(options["b"])
        count = calendar.workdays_between(a, b)
        return str(count), {"a": a.isoformat(), "b": b.isoformat(), "workdays": count}

    def _is_workday(self, options: dict[str, Any]) -> tuple[str, Any]:
        day = parse_date(options["date"])
        workday = calendar.is_workday(day)
        return calendar.describe_day(day), {
            "date": day.isoformat(),
            "workday": workday,
            "holiday": calendar.current().holiday_name(day),
        }

    def _years(self, options: dict[str, Any]) -> tuple[str, Any]:
        cal = calendar.current()
        rows = []
        for year in CalendarYear.objects.order_by("year"):
            exceptions = WorkdayException.objects.filter(year=year)
            rows.append(
                {
                    "year": year.year,
                    "source": year.source,
                    "workdays": cal.workdays_in_year(year.year),
                    "holidays": exceptions.filter(kind=WorkdayException.Kind.HOLIDAY).count(),
                    "makeup_workdays": exceptions.filter(
                        kind=WorkdayException.Kind.WORKDAY
                    ).count(),
                }
            )
        if not rows:
            return "工作日历中还没有任何年度，请运行 xinyong init 或导入节假日安排。", rows
        lines = [
            f"{r['year']}  工作日 {r['workdays']} 天  节假日 {r['holidays']} 天  "
            f"调休上班 {r['makeup_workdays']} 天  来源：{r['source']}"
            for r in rows
        ]
        return "\n".join(lines), rows

    def _import(self, options: dict[str, Any]) -> tuple[str, Any]:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"找不到文件：{path}") from None
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror or exc}") from None
        summary = import_holiday_cn_json(
            data=data, actor=None, source=options["source"], expected_year=options["year"]
        )
        return summary.message, {
            "year": summary.year,
            "holidays": summary.holidays,
            "workdays": summary.workdays,
            "skipped_cross_year": summary.skipped_cross_year,
            "replaced": summary.replaced,
            "source": summary.source,
        }
