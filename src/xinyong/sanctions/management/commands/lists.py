"""`xinyong lists …`: list types, upstream list files, the daily list job, the share."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xinyong.core.commands import os_user
from xinyong.core.errors import DomainError
from xinyong.core.inputs import clean_day


class Command(BaseCommand):
    help = "名单管理：查看名单类型、导入上级名单文件、执行每日名单任务、统计本区名单占比"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="操作")
        types = sub.add_parser("types", help="列出名单类型及其法律依据")
        types.add_argument("--json", action="store_true", help="以 JSON 输出")
        imp = sub.add_parser(
            "import", help="导入上级推送的名单文件（经归集流程校验后转为名单条目）"
        )
        imp.add_argument("file", help="CSV（UTF-8 或 GBK）或 XLSX 文件")
        imp.add_argument(
            "--type",
            required=True,
            dest="list_type",
            help="名单类型：代码、名称或领域，如 失信被执行人",
        )
        imp.add_argument("--unit", required=True, help="报送单位：规范名称或任一别名，如 区法院")
        imp.add_argument(
            "--full-snapshot",
            action="store_true",
            help="文件为上级名单全量数据：文件中已没有的上级条目随之移出",
        )
        imp.add_argument("--on", default=None, help="移出日期 YYYY-MM-DD（默认今天）")
        imp.add_argument("--json", action="store_true", help="以 JSON 输出")
        due = sub.add_parser(
            "due", help="每日任务：红名单公示期满生效，有效期届满的条目移出（可重复运行）"
        )
        due.add_argument("--on", default=None, help="日期 YYYY-MM-DD（默认今天）")
        due.add_argument("--json", action="store_true", help="以 JSON 输出")
        share = sub.add_parser(
            "share", help="本区企业列入严重失信主体名单的占比、政府机构列入失信被执行人情况"
        )
        share.add_argument("--on", default=None, help="统计日期 YYYY-MM-DD（默认今天）")
        share.add_argument("--json", action="store_true", help="以 JSON 输出")

    def _on(
        self, value: str | None, *, label: str = "处理日期", not_after_today: bool = False
    ) -> date:
        if not value:
            return timezone.localdate()
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise CommandError(f"日期“{value}”格式不对，应为 2026-09-29 这样的日期。") from None
        # A refused day is a DomainError, which handle() turns into a CommandError.
        return clean_day(day, label, not_after_today=not_after_today)

    def _out(self, data: Any, as_json: bool, lines: list[str]) -> None:
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for line in lines:
                self.stdout.write(line)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        if not action:
            raise CommandError(
                "请指定操作：types、import、due 或 share（xinyong lists --help 查看说明）。"
            )
        try:
            getattr(self, f"_{action}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _types(self, options: dict[str, Any]) -> None:
        from xinyong.sanctions.api_lists import type_data
        from xinyong.sanctions.models import ListType

        rows = [
            type_data(t)
            for t in ListType.objects.select_related("record_type").order_by("kind", "code")
        ]
        lines = [
            f"{r['code']}\t{r['name']}\t{r['kind_label']}\t依据：{r['legal_basis']}" for r in rows
        ]
        self._out(rows, options["json"], lines)

    def _import(self, options: dict[str, Any]) -> None:
        from xinyong.sanctions.importer import import_list_file

        result = import_list_file(
            actor=None,
            list_type=options["list_type"],
            unit=options["unit"],
            path=options["file"],
            full_snapshot=options["full_snapshot"],
            # Removing entries cannot be undone: not on a day still to come.
            on=self._on(options["on"], not_after_today=True),
            operator=os_user(),
        )
        data = result.as_json()
        ingest = data.get("ingest") or {}
        lines = [
            f"归集：{ingest.get('rows', 0)} 行，新增 {ingest.get('accepted', 0)}，更正 {ingest.get('updated', 0)}，"
            f"重复 {ingest.get('duplicates', 0)}，退回 {ingest.get('rejected', 0)}",
            f"名单：新列入 {data['created']} 条，已在名单 {data['unchanged']} 条，随上级移出 {data['ended']} 条，"
            f"导入时已届满 {data['expired']} 条",
        ]
        lines += [f"未转换：{s}" for s in data["skipped"]]
        if data["removal_withheld"]:
            lines.append(data["removal_withheld"])
        self._out(data, options["json"], lines)

    def _due(self, options: dict[str, Any]) -> None:
        from xinyong.sanctions.lists import promote_due_entries

        # Taking effect and removal cannot be undone (and are sent to the city platform):
        # a future day would end entries early.
        result = promote_due_entries(actor=None, on=self._on(options["on"], not_after_today=True))
        data = result.as_json()
        lines = [f"红名单生效 {len(result.promoted)} 条，届满移出 {len(result.expired)} 条"]
        if result.basis_withdrawn:
            lines.append(f"依据记录已撤销而结束 {len(result.basis_withdrawn)} 条")
        lines += [f"条目 {pk} 暂不生效：{why}" for pk, why in result.held]
        self._out(data, options["json"], lines)

    def _share(self, options: dict[str, Any]) -> None:
        from xinyong.sanctions.lists import list_share

        data = list_share(self._on(options["on"], label="统计日期"))
        lines = [
            f"{data['on']} 本区企业 {data['enterprises']} 户，列入严重失信主体名单 {data['listed_enterprises']} 户，"
            f"占比 {data['share_percent']}%",
            f"列入失信被执行人的政府机构：{data['government_bodies_on_sxbzxr']} 个",
        ]
        lines += [
            f"  {t['name']}：本区主体 {t['subjects']}，其中企业 {t['enterprises']}"
            for t in data["by_type"]
        ]
        self._out(data, options["json"], lines)
