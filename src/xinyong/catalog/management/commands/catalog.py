from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinyong.catalog import loaders, selectors
from xinyong.catalog.fieldspec import FIELD_TYPE_LABELS, ROLES
from xinyong.core.errors import DomainError


class Command(BaseCommand):
    help = "公共信用信息目录：列出信息类别（list）、查看数据项（show）、载入目录数据文件（load）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="操作")
        p_list = sub.add_parser("list", help="列出信息类别")
        p_list.add_argument("--json", action="store_true", help="输出 JSON（含全部数据项）")
        p_list.add_argument("--all", action="store_true", help="包含已停用的类别")
        p_show = sub.add_parser("show", help="查看一个信息类别及其数据项")
        p_show.add_argument("code", help="代码（如 XZCF）或中文名称（如 行政处罚）")
        p_show.add_argument("--json", action="store_true", help="输出 JSON")
        p_load = sub.add_parser(
            "load", help="载入目录数据文件；不给文件时载入内置的全部目录数据（可重复运行）"
        )
        p_load.add_argument("file", nargs="?", help="JSON 数据文件路径")
        p_load.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _emit_json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _list(self, options: dict[str, Any]) -> None:
        types = list(selectors.list_record_types(include_inactive=options["all"]))
        if options["json"]:
            self._emit_json([selectors.record_type_detail(rt) for rt in types])
            return
        for rt in types:
            flags = [
                label
                for flag, label in (
                    (rt.is_shuanggongshi, "双公示"),
                    (rt.is_shigongshi, "十公示"),
                    (not rt.active, "已停用"),
                )
                if flag
            ]
            self.stdout.write(
                f"{rt.code:<8}{rt.name}　[{rt.get_category_display()}·{rt.get_nature_display()}]"
                f"　{len(rt.fields)} 个数据项　v{rt.version}"
                + (f"　{'、'.join(flags)}" if flags else "")
            )
        self.stdout.write(f"共 {len(types)} 个信息类别。")

    def _show(self, options: dict[str, Any]) -> None:
        detail = selectors.record_type_detail(selectors.get_record_type(options["code"]))
        if options["json"]:
            self._emit_json(detail)
            return
        policy = detail["default_policy"]
        lines = [
            f"{detail['name']}（{detail['code']}）　版本 {detail['version']}"
            + ("" if detail["active"] else "　已停用"),
            f"目录类别：{detail['category_label']}　性质：{detail['nature_label']}"
            f"　共享属性：{detail['sharing_label']}　更新周期：{detail['update_cycle_label']}",
            f"适用主体：{'、'.join(detail['subject_types'])}",
            f"法律依据：{detail['legal_basis']}",
        ]
        if detail["report_deadline_workdays"]:
            lines.append(f"报送时限：决定之日起 {detail['report_deadline_workdays']} 个工作日")
        if policy:
            lines.append(f"默认公示期限政策：{policy['name']}")
        lines.append("数据项：")
        for field in detail["fields"]:
            rule = "必填" if field.get("required") else "选填"
            cond = field.get("required_when")
            if cond:
                rule = (
                    f"当 {cond['field']} 为 {'/'.join(cond['in'])} 时必填"
                    if "in" in cond
                    else f"当 {cond['field']} 含“{cond['contains']}”时必填"
                )
            kind = FIELD_TYPE_LABELS[field["type"]] + (
                f"（{field['unit']}）" if field.get("unit") else ""
            )
            role = ROLES.get(field.get("role", ""), "")
            lines.append(
                f"  {field['code']:<14}{field['label']}　{kind}　{rule}"
                + (f"　→{role}" if role else "")
            )
        self.stdout.write("\n".join(lines))

    def _load(self, options: dict[str, Any]) -> None:
        if options["file"]:
            results = [loaders.load_file(options["file"])]
        else:
            results = loaders.load_defaults()
        if options["json"]:
            self._emit_json(
                [
                    {
                        "kind": r.kind,
                        "created": r.created,
                        "updated": r.updated,
                        "unchanged": r.unchanged,
                    }
                    for r in results
                ]
            )
            return
        for r in results:
            self.stdout.write(r.summary())
