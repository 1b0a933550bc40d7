from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from xinyong.core.commands import ActionCommand
from xinyong.core.errors import DomainError
from xinyong.core.inputs import clean_day
from xinyong.sanctions import events, governance
from xinyong.subjects.selectors import masked_repr


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"日期“{text}”无效，应为 YYYY-MM-DD 格式，例如 2026-03-31。") from None
    try:
        # clean_day refuses days before 2000: the 12-month trend counts back from the
        # day, and from 0001-03-01 that overflowed (a traceback).
        return clean_day(day, "日期")
    except DomainError as exc:
        raise CommandError(exc.message) from None


class Command(ActionCommand):
    help = (
        "黑名单治理：全区黑名单情况（picture）、治理案件（cases）、失信事件（events）。"
        "均为只读查询，可加 --json 供脚本读取。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        picture = sub.add_parser(
            "picture", help="全区黑名单情况：各名单在列数、企业占比、政府机构数、近 12 个月趋势"
        )
        picture.add_argument("--on", help="统计日期 YYYY-MM-DD（默认今天）")
        picture.add_argument("--json", action="store_true", help="以 JSON 输出")
        cases = sub.add_parser("cases", help="列出治理案件")
        cases.add_argument("--overdue", action="store_true", help="只列逾期未办结的案件")
        cases.add_argument("--on", help="判断逾期的日期（默认今天）")
        cases.add_argument("--json", action="store_true", help="以 JSON 输出")
        evs = sub.add_parser("events", help="列出失信事件")
        evs.add_argument("--overdue", action="store_true", help="只列已交办、逾期未处置的事件")
        evs.add_argument("--on", help="判断逾期的日期（默认今天）")
        evs.add_argument("--json", action="store_true", help="以 JSON 输出")

    def _picture(self, options: dict[str, Any]) -> tuple[str, Any]:
        pic = governance.blacklist_picture(on=_date(options.get("on")))
        now = pic.now
        target = pic.target
        lines = [
            f"统计日期：{pic.on.isoformat()}",
            f"列入严重失信主体名单的本区企业：{now.blacklisted_enterprises} 家 / "
            f"本区企业 {now.district_enterprises} 家，占比 {now.share}%"
            + (
                f"（目标不高于 {target.max_share}%{'，超出目标' if target.share_above else ''}）"
                if target.max_share is not None
                else f"（{target.year} 年未设定占比目标）"
            ),
            f"列入失信被执行人名单的政府机构：{now.government_bodies_on_judgment_debtors} 家"
            f"（目标不超过 {target.max_government_bodies or 0} 家"
            f"{'，超出目标' if target.government_above else ''}）",
            f"治理案件：治理中 {pic.open_cases} 件，逾期 {pic.overdue_cases} 件",
            "各名单在列主体数（本区）：",
        ]
        lines += [
            f"  {row['name']}：{row['subjects']}（企业 {row['enterprises']}）" for row in pic.types
        ]
        lines.append("近 12 个月（月末）：")
        lines += [
            f"  {p.on.isoformat()}  企业 {p.blacklisted_enterprises}/{p.district_enterprises}"
            f"  占比 {p.share}%  政府机构 {p.government_bodies_on_judgment_debtors}"
            for p in pic.trend
        ]
        return "\n".join(lines), pic.as_dict()

    def _cases(self, options: dict[str, Any]) -> tuple[str, Any]:
        on = _date(options.get("on")) or governance.today()
        rows = []
        # The CLI is the operator's tool on the server: it reads every unit's cases.
        for case in governance.all_cases(overdue=options["overdue"], on=on):
            rows.append(
                {
                    "id": case.pk,
                    "list_type": case.entry.list_type.name,
                    "subject": masked_repr(case.entry.subject),
                    "lead_unit": case.lead_unit.name,
                    "due_on": case.due_on.isoformat(),
                    "overdue": governance.is_overdue(case, on),
                    "status": case.status,
                    "status_label": case.get_status_display(),
                }
            )
        text = "\n".join(
            f"{r['id']}\t{r['list_type']}\t{r['subject']}\t{r['lead_unit']}\t期限 {r['due_on']}"
            f"\t{r['status_label']}{'（逾期）' if r['overdue'] else ''}"
            for r in rows
        )
        return text or "没有符合条件的治理案件。", rows

    def _events(self, options: dict[str, Any]) -> tuple[str, Any]:
        on = _date(options.get("on")) or events.today()
        rows = []
        for event in events.all_events(overdue=options["overdue"], on=on):
            rows.append(
                {
                    "id": event.pk,
                    "title": events.masked_text(event, event.title),
                    "source": events.masked_text(event, event.source),
                    "detected_on": event.detected_on.isoformat(),
                    "assigned_unit": event.assigned_unit.name if event.assigned_unit else None,
                    "due_on": event.due_on.isoformat() if event.due_on else None,
                    "due_text": events.due_text(event),
                    "overdue": events.is_overdue(event, on),
                    "status": event.status,
                    "status_label": event.get_status_display(),
                }
            )
        text = "\n".join(
            f"{r['id']}\t{r['title']}\t{r['assigned_unit'] or '未交办'}\t期限 {r['due_text'] or '—'}"
            f"\t{r['status_label']}{'（逾期）' if r['overdue'] else ''}"
            for r in rows
        )
        return text or "没有符合条件的失信事件。", rows
