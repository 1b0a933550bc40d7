"""`xinyong sanctions …`: checks from the operator's shell, the 于法有据 compliance report,
feedback reminders and reloading the measures list."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from xinyong.core.commands import ActionCommand
from xinyong.core.errors import DomainError
from xinyong.core.inputs import clean_day
from xinyong.orgs.models import Unit
from xinyong.orgs.selectors import credit_office_unit
from xinyong.orgs.services import resolve_unit
from xinyong.sanctions import checks, measures


def _date(text: str | None) -> date:
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"日期“{text}”无效，应为 YYYY-MM-DD 格式，例如 2026-03-31。") from None


def _unit(name: str | None) -> Unit:
    if not name:
        unit = credit_office_unit()
        if unit is None:
            raise CommandError("未设置信用办所在单位，请用 --unit 指定查询单位。")
        return unit
    try:
        return resolve_unit(name)
    except DomainError as exc:
        raise CommandError(exc.message) from exc


class Command(ActionCommand):
    help = (
        "联合奖惩：check 查询主体在办理事项中适用的措施（记录查询），compliance 于法有据检查，"
        "remind 提醒逾期未反馈的查询（可重复运行），load-measures 重新载入措施清单数据"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        check = sub.add_parser("check", help="查询主体适用的奖惩措施及法律依据")
        check.add_argument(
            "code", help="统一社会信用代码、身份证号码、其他证件号码（护照、通行证等）或主体编号"
        )
        check.add_argument("--matter", required=True, help="办理事项代码或名称，如 PROCUREMENT")
        check.add_argument("--unit", help="查询单位名称（默认信用办所在单位）")
        check.add_argument("--reference", default="", help="业务编号")
        check.add_argument("--json", action="store_true", help="以 JSON 输出")
        comp = sub.add_parser("compliance", help="措施、名单类型、目录条目的法律依据检查")
        comp.add_argument("--on", help="检查日期 YYYY-MM-DD（默认今天）")
        comp.add_argument("--xlsx", help="同时导出 XLSX 到该文件")
        comp.add_argument("--json", action="store_true", help="以 JSON 输出")
        remind = sub.add_parser("remind", help="对逾期未反馈的查询发出提醒（同一查询只提醒一次）")
        remind.add_argument("--on", help="判断逾期的日期（默认今天）")
        remind.add_argument("--json", action="store_true", help="以 JSON 输出")
        load = sub.add_parser("load-measures", help="按 data/matters.json、measures.json 更新清单")
        load.add_argument("--json", action="store_true", help="以 JSON 输出")

    def _check(self, options: dict[str, Any]) -> tuple[str, Any]:
        check = checks.run_check(
            actor=None,
            unit=_unit(options.get("unit")),
            identifier=options["code"],
            matter=options["matter"],
            reference=options.get("reference") or "",
        )
        data = checks.check_data(check)
        subject = data["subject"]
        lines = [
            f"查询编号：{check.pk}（{check.unit.name}，{check.checked_on.isoformat()}）",
            f"信用主体：{subject['name']}（{subject['code']}）",
            f"办理事项：{data['matter']['name']}",
            "有效名单：" + ("、".join(e["list_type_name"] for e in data["entries"]) or "无"),
        ]
        if data["measures"]:
            lines.append(
                f"适用措施 {len(data['measures'])} 项（反馈期限 "
                f"{data['feedback_due'] or data['feedback_due_note']}）："
            )
            for m in data["measures"]:
                lines.append(f"- [{m['kind_label']}] {m['name']}（{m['code']}）")
                lines.append(f"  依据：{m['legal_basis']}")
                lines.append(f"  名单：{m['list_type_name']}")
        else:
            lines.append("适用措施：无（无需反馈）")
        return "\n".join(lines), data

    def _compliance(self, options: dict[str, Any]) -> tuple[str, Any]:
        report = measures.compliance_report(actor=None, on=_date(options.get("on")))
        if options.get("xlsx"):
            path = Path(options["xlsx"])
            try:
                path.write_bytes(measures.compliance_xlsx(report))
            except OSError as exc:
                raise CommandError(f"无法写入文件 {path}：{exc.strerror}") from None
        lines = [f"于法有据检查（{report.on.isoformat()}）"]
        for section, c in report.counts().items():
            lines.append(f"{section}：{c['total']} 项，问题 {c['flagged']} 项")
        if report.flagged:
            lines.append("问题清单：")
            for row in report.flagged:
                lines.append(f"- {row.section} {row.code} {row.name}：{'；'.join(row.problems)}")
        else:
            lines.append("结论：全部有法律依据。")
        return "\n".join(lines), report.as_dict()

    def _remind(self, options: dict[str, Any]) -> tuple[str, Any]:
        # A reminder is sent once per check: a future day would remind units whose
        # feedback is not yet due, and never again when it is.
        today = clean_day(_date(options.get("on")), "提醒日期", not_after_today=True)
        reminded = checks.remind_overdue(actor=None, today=today)
        data = [
            {
                "check": c.pk,
                "unit": c.unit.name,
                "due": c.feedback_due.isoformat() if c.feedback_due else None,
            }
            for c in reminded
        ]
        if not reminded:
            return f"{today.isoformat()}：没有新的逾期未反馈查询。", data
        lines = [f"{today.isoformat()}：已提醒 {len(reminded)} 次逾期未反馈的查询："]
        lines += [f"- 查询 {d['check']}（{d['unit']}，期限 {d['due']}）" for d in data]
        return "\n".join(lines), data

    def _load_measures(self, options: dict[str, Any]) -> tuple[str, Any]:
        counts = measures.load_matters_and_measures(actor=None, update_existing=True)
        return "；".join(c.summary() for c in counts), [c.__dict__ for c in counts]
