"""`xinyong ingest FILE --type TYPE --unit UNIT [--reported-on DATE] [--json]`."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinyong.core import context
from xinyong.core.commands import os_user
from xinyong.core.errors import DomainError


class Command(BaseCommand):
    help = "归集：导入一个 CSV/XLSX 文件（与网页上传、接口报送同一套校验规则）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV（UTF-8 或 GBK）或 XLSX 文件")
        parser.add_argument(
            "--type",
            required=True,
            dest="record_type",
            help="信息类别：目录代码或中文名称，如 行政处罚",
        )
        parser.add_argument("--unit", required=True, help="报送单位：规范名称或任一别名")
        parser.add_argument(
            "--reported-on",
            default=None,
            help="报送日期 YYYY-MM-DD（默认今天，北京时间；补录历史数据时指定）",
        )
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果（供脚本读取）")
        parser.add_argument("--progress", action="store_true", help="在标准错误输出上报告处理进度")

    def handle(self, *args: Any, **options: Any) -> None:
        from xinyong.collection.models import Batch
        from xinyong.collection.services import ingest_file

        progress = None
        if options["progress"]:

            def progress(done: int, total: int) -> None:
                sys.stderr.write(f"已处理 {done}/{total} 行\n")
                sys.stderr.flush()

        try:
            with context.use(context.RequestContext(channel="cli")):
                result = ingest_file(
                    actor=None,
                    unit=options["unit"],
                    record_type=options["record_type"],
                    path=options["file"],
                    # Read and checked by the service, as for an upload or the API.
                    reported_on=options["reported_on"],
                    channel=Batch.Channel.CLI,
                    operator=os_user(),
                    progress=progress,
                )
        except DomainError as exc:
            # A file that cannot be read (or an unknown unit/type): one 错误： line from
            # the console entry point, exit 1. Rejected rows are not this: exit 0.
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        batch = result.batch
        self.stdout.write(
            f"批次 {batch.pk}：共 {result.rows} 行，新增 {result.accepted}，更正 {result.updated}，"
            f"重复 {result.duplicates}，退回 {result.rejected}，迟报 {result.late}。"
        )
        for warning in result.warnings:
            self.stdout.write(f"提示：{warning}")
        for error in result.errors[:50]:
            column = f"［{error.column}］" if error.column else ""
            self.stdout.write(f"第 {error.row} 行{column}：{error.message}")
        if len(result.errors) > 50:
            self.stdout.write(f"……另有 {len(result.errors) - 50} 处错误，完整清单请下载退回数据。")
