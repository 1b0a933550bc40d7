"""`xinyong personnel file --id-number X --purpose "…" --as USERNAME [--json]` prints the
files the operator may read (the read logged with its purpose, a refusal logged and
refused); `xinyong personnel import FILE --as USERNAME [--json]` imports file items from
an XLSX/CSV file with row-level Chinese errors. Thin adapters over services."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from xinyong.core.commands import ActionCommand
from xinyong.orgs.models import User

from ... import services


def _operator(username: str) -> User:
    user = User.objects.filter(username=str(username or "").strip()).first()
    if user is None or not user.is_active:
        raise CommandError(f"账号“{username}”不存在或已停用。")
    return user


def _file_text(view: dict[str, Any]) -> list[str]:
    p = view["person"]
    s = view["summary"]
    where = p["unit"] or p["employer"]
    lines = [
        f"【{p['category']}档案】{p['name']}（{p['id_number_masked']}）{where} {p['post']}".rstrip(),
        f"  建档管理单位：{p['keeper_unit']}",
        f"  表彰奖励 {s['commendations']} 项；计入的一般失信 {s['dishonesty']} 项；"
        f"容错免责（不计入）{s['exempt']} 项；已撤销 {s['revoked']} 项；"
        f"档案分值 {s['score']}；{s['conclusion']}",
    ]
    for item in view["items"]:
        grade = f"：{item['grade_label']}" if item["grade_label"] else ""
        flags = []
        if item["counts_as_dishonesty"]:
            flags.append("计入失信")
        if item["exempt"]:
            e = item["exemption"]
            flags.append(
                f"容错免责（{e['ground_label']}，{e['body']} {e['document']} {e['date']}：{e['reason']}）"
            )
        if item["status"] != "active":
            flags.append(f"已撤销：{item['revoked_reason']}")
        if item["open_objection"]:
            flags.append(f"异议处理中 {item['open_objection']}")
        lines.append(
            f"  - {item['kind_label']} {item['title']}{grade} {item['issuer']} "
            f"{item['document_number']} {item['document_date']}"
            + (f" [{'；'.join(flags)}]" if flags else "")
        )
    return lines


class Command(ActionCommand):
    help = (
        "人员信用档案：file 按身份证号码查阅档案（须说明用途，查阅留痕）；"
        "import 从 XLSX/CSV 导入档案事项（任一行有误则整个文件不导入）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        f = sub.add_parser("file", help="查阅人员信用档案（组织部门、单位领导、建档管理单位）")
        f.add_argument("--id-number", required=True, help="身份证号码")
        f.add_argument("--purpose", required=True, help="查阅用途（记入个人信息查阅记录）")
        f.add_argument("--as", dest="as_user", required=True, help="操作人账号（用户名）")
        f.add_argument("--json", action="store_true", help="以 JSON 输出")
        imp = sub.add_parser("import", help="导入档案事项 XLSX/CSV 文件")
        imp.add_argument("file", help="文件路径")
        imp.add_argument("--as", dest="as_user", required=True, help="操作人账号（建档管理单位）")
        imp.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        text, data, failed = self.run_action(options)
        self.emit(text, data, options)
        if failed:
            raise CommandError(failed)

    def _file(self, options: dict[str, Any]) -> tuple[str, Any, str]:
        views = services.open_files_by_id_number(
            reader=_operator(options["as_user"]),
            id_number=options["id_number"],
            purpose=options["purpose"],
        )
        lines: list[str] = []
        for view in views:
            lines.extend(_file_text(view))
        return "\n".join(lines), {"files": views}, ""

    def _import(self, options: dict[str, Any]) -> tuple[str, Any, str]:
        outcome = services.import_items(actor=_operator(options["as_user"]), path=options["file"])
        if outcome.errors:
            lines = [f"第 {e.row} 行 {e.column or '整行'}：{e.message}" for e in outcome.errors]
            failed = f"文件有 {len(outcome.errors)} 处错误，未导入。"
        else:
            lines = [outcome.summary(), *(f"  {line}" for line in outcome.transfers)]
            failed = ""
        return "\n".join(lines), outcome.as_json(), failed
