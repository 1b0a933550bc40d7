from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from xinyong.core import backup
from xinyong.core.commands import ActionCommand


class Command(ActionCommand):
    help = (
        "备份与恢复：create 备份数据库和数据目录（上传文件、签名密钥等）；"
        "restore 恢复到新建的空数据库并核对行数与审计日志链；verify 仅核对备份文件的校验值。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="以 JSON 输出（供脚本读取）")
        sub = parser.add_subparsers(dest="action", required=True, metavar="子命令")
        json_flag = CommandParser(add_help=False)
        json_flag.add_argument(
            "--json", action="store_true", default=argparse.SUPPRESS, help="以 JSON 输出"
        )
        create = sub.add_parser("create", parents=[json_flag], help="新建一份备份")
        create.add_argument("--out", default="backups", help="备份存放目录，默认 ./backups")
        restore = sub.add_parser(
            "restore",
            parents=[json_flag],
            help="把备份恢复到当前配置的数据库（必须为空库）和数据目录，然后逐表核对",
        )
        restore.add_argument("path", help="备份目录（xinyong-backup-…）")
        verify = sub.add_parser("verify", parents=[json_flag], help="核对备份文件是否完整未改动")
        verify.add_argument("path", help="备份目录（xinyong-backup-…）")

    def _create(self, options: dict[str, Any]) -> tuple[str, Any]:
        target = backup.create_backup(Path(options["out"]))
        manifest = backup.read_manifest(target)
        rows = sum(manifest["counts"].values())
        text = f"备份完成：{target}（{len(manifest['counts'])} 张表，共 {rows} 行）"
        return text, {"path": str(target), "tables": len(manifest["counts"]), "rows": rows}

    def _restore(self, options: dict[str, Any]) -> tuple[str, Any]:
        report = backup.restore_backup(Path(options["path"]))
        if not report.ok:
            raise CommandError("恢复后核对不一致：" + "；".join(report.mismatches[:5]))
        text = f"恢复完成并核对一致：{report.tables} 张表，共 {report.rows} 行；审计日志链完整。"
        return text, report.as_json()

    def _verify(self, options: dict[str, Any]) -> tuple[str, Any]:
        manifest = backup.read_manifest(Path(options["path"]))
        rows = sum(manifest["counts"].values())
        text = f"备份完整：{manifest['vendor']}，{len(manifest['counts'])} 张表，共 {rows} 行"
        return text, {"ok": True, "vendor": manifest["vendor"], "rows": rows}
