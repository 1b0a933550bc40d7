"""`xinyong commitments import FILE --unit UNIT [--json]` and
`xinyong commitments check-overdue [--on DATE] [--json]` (thin adapters over services)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinyong.core.commands import os_user
from xinyong.core.errors import DomainError
from xinyong.core.inputs import clean_day

from ... import services


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(f"日期“{text}”无效，请使用 YYYY-MM-DD 格式，如 2026-10-11。") from exc


class Command(BaseCommand):
    help = "信用承诺：import 导入单位报送的承诺文件；check-overdue 标记逾期未补正的容缺受理型、证明事项型承诺"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入 XLSX/CSV 承诺文件（任一行有误则整个文件不导入）")
        imp.add_argument("file", help="文件路径")
        imp.add_argument("--unit", required=True, help="受理单位名称（或别名）")
        imp.add_argument("--json", action="store_true", help="以 JSON 输出")
        chk = sub.add_parser("check-overdue", help="标记逾期未补正的承诺（可重复运行）")
        chk.add_argument("--on", default="", help="按哪一天检查（YYYY-MM-DD），默认今天")
        chk.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "import":
                self._import(options)
            else:
                self._check(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _import(self, options: dict[str, Any]) -> None:
        # Read before the import commits: nothing after it may fail, or a re-run would
        # store the commitments twice.
        operator = os_user()
        result = services.import_commitments(actor=None, unit=options["unit"], path=options["file"])
        data = {**result.as_json(), "os_user": operator}
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            if result.errors:
                for e in result.errors:
                    self.stdout.write(f"第 {e.row} 行 {e.column or '整行'}：{e.message}")
            else:
                self.stdout.write(f"已导入 {len(result.created)} 条信用承诺。")
                for c in result.created:
                    pending = f" {c.verify_due_note}" if c.verify_due_pending else ""
                    self.stdout.write(f"  {c.code} {c.committer_name} {c.reason}{pending}")
        if result.errors:
            raise CommandError(f"文件有 {len(result.errors)} 处错误，未导入。")

    def _check(self, options: dict[str, Any]) -> None:
        # A flagged commitment stays flagged and is sent to the city platform: a future
        # day would flag commitments whose verification date has not passed.
        on = (
            clean_day(_parse_day(options["on"]), "检查日期", not_after_today=True)
            if options["on"]
            else None
        )
        flagged = services.check_overdue(actor=None, on=on)
        data = {
            "on": (on.isoformat() if on else None),
            "flagged": len(flagged),
            "codes": [c.code for c in flagged],
        }
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(f"新标记逾期未补正的承诺 {len(flagged)} 件。")
            for c in flagged:
                self.stdout.write(f"  {c.code} {c.committer_name} 核查期限 {c.verify_due}")
