"""`xinyong xinyidai screen|rescreen|export|status` — operator commands of 信易贷 (thin
adapters over services; refusals are one Chinese line and a non-zero exit)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from xinyong.core.commands import ActionCommand, write_output
from xinyong.core.inputs import clean_day

from ... import exports, selectors, services
from ...models import WhitelistItem


def _day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"日期“{text}”无效，应为 YYYY-MM-DD 格式，例如 2026-10-09。") from None


class Command(ActionCommand):
    help = (
        "信易贷：screen 按白名单规则筛查全部主体（待信用办、金融工作局审核）；"
        "rescreen 复核已发布名单和审核中的名单，移出（剔除）不再符合条件的企业；export 导出已发布名单（报送省信易贷平台）；"
        "status 查看已发布名单。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="以 JSON 输出（供脚本读取）")
        sub = parser.add_subparsers(dest="action", required=True, metavar="子命令")
        json_flag = CommandParser(add_help=False)
        json_flag.add_argument(
            "--json", action="store_true", default=argparse.SUPPRESS, help="以 JSON 输出"
        )
        scr = sub.add_parser("screen", parents=[json_flag], help="按规则筛查，生成待审核名单")
        scr.add_argument("--on", default="", help="筛选基准日（YYYY-MM-DD），默认今天")
        scr.add_argument("--rule", default="", help="规则代码，默认当日生效的规则")
        res = sub.add_parser(
            "rescreen", parents=[json_flag], help="复核已发布名单和审核中的名单（可重复运行）"
        )
        res.add_argument(
            "--on", default="", help="复核基准日（YYYY-MM-DD），默认今天；不得早于现行名单发布日"
        )
        exp = sub.add_parser("export", parents=[json_flag], help="导出已发布名单")
        exp.add_argument("--out", required=True, help="输出文件路径（.xlsx 或 .csv）")
        exp.add_argument(
            "--format", default="", choices=["", "xlsx", "csv"], help="格式，默认按扩展名"
        )
        sub.add_parser("status", parents=[json_flag], help="已发布名单概况")

    def _screen(self, options: dict[str, Any]) -> tuple[str, Any]:
        rule = services.get_rule(options["rule"]) if options["rule"] else None
        on = _day(options["on"])
        run = services.screen(
            actor=None,
            rule=rule,
            on=clean_day(on, "筛选基准日", not_after_today=True) if on else None,
        )
        counts = selectors.run_counts(run)
        data = {
            "number": run.number,
            "rule": run.rule.code,
            "on": run.screened_on.isoformat(),
            "candidates": run.candidates,
            "eligible": run.eligible,
            "seconds": run.seconds,
            "failures": dict(selectors.failure_counts(run)),
            "status": run.status,
        }
        text = (
            f"名单 {run.number}（规则 {run.rule.code}，基准日 {run.screened_on}）："
            f"筛查 {run.candidates} 个主体，符合条件 {counts['listed']} 个，用时 {run.seconds} 秒；"
            "待信用办审核。"
        )
        return text, data

    def _rescreen(self, options: dict[str, Any]) -> tuple[str, Any]:
        on = _day(options["on"])
        # A removal from the published list is final: not for a base day still to come
        # (here), nor before the list's publication day (services.rescreen, every caller).
        changed = services.rescreen(
            actor=None,
            on=clean_day(on, "复核基准日", not_after_today=True) if on else None,
            trigger="命令行复核",
        )
        removed = [i for i in changed if i.status == WhitelistItem.Status.REMOVED]
        excluded = [i for i in changed if i.status != WhitelistItem.Status.REMOVED]
        data = {
            key: [
                {"subject": i.subject_id, "name": i.subject.name, "reason": i.staff_reason}
                for i in items
            ]
            for key, items in (("removed", removed), ("excluded", excluded))
        }
        lines = [f"移出 {len(removed)} 家。"]
        lines += [f"  {i.subject.name}：{i.staff_reason}" for i in removed]
        if excluded:
            lines.append(f"审核中的名单剔除 {len(excluded)} 家。")
            lines += [f"  {i.subject.name}（{i.run.number}）：{i.staff_reason}" for i in excluded]
        return "\n".join(lines), data

    def _export(self, options: dict[str, Any]) -> tuple[str, Any]:
        out = Path(options["out"])
        fmt = options["format"] or ("csv" if out.suffix.lower() == ".csv" else "xlsx")

        def write(_name: str, content: bytes) -> None:
            try:
                write_output(out, content)
            except OSError as exc:
                # Raised inside the export's transaction: no file out, no export logged.
                raise CommandError(f"无法写入文件 {out}：{exc.strerror}") from None

        name, content = exports.export_whitelist(actor=None, fmt=fmt, deliver=write)
        return f"已导出 {name} 到 {out}（{len(content)} 字节）", {
            "file": str(out),
            "format": fmt,
            "bytes": len(content),
        }

    def _status(self, options: dict[str, Any]) -> tuple[str, Any]:
        run = services.current_run()
        if run is None:
            return "尚未发布信易贷白名单。", {"published": None}
        counts = selectors.run_counts(run)
        return (
            f"已发布名单 {run.number}：列入 {counts['listed']} 家，发布后移出 {counts['removed']} 家。",
            {"published": run.number, **counts},
        )
