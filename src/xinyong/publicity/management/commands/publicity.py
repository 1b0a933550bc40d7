"""`xinyong publicity refresh | recompute --decided-from DATE [--decided-to DATE] |
expire [--on DATE] | window RECORD_ID` (thin adapter)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinyong.core.errors import DomainError
from xinyong.core.inputs import clean_day, positive_id
from xinyong.records.models import CreditRecord

from ... import services
from ...selectors import public_status


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(f"日期“{text}”无效，请使用 YYYY-MM-DD 格式，如 2027-03-11。") from exc


def window_dict(record: CreditRecord) -> dict[str, Any]:
    window = services.window_for(record)
    policy = window.policy
    return {
        "record_id": record.pk,
        "record_type": record.record_type.name,
        "document_number": record.document_number,
        "decision_date": record.decision_date.isoformat() if record.decision_date else None,
        "class": policy.get_severity_display() if policy else (window.severity or ""),
        "policy": policy.name if policy else "",
        "policy_document": policy.document if policy else "",
        "published": window.is_published,
        "not_published_reason": window.not_published_reason,
        "starts_on": window.starts_on.isoformat() if window.starts_on else None,
        "repair_from": window.repair_from.isoformat() if window.repair_from else None,
        "ends_on": window.ends_on.isoformat() if window.ends_on else None,
        "ended_on": window.ended_on.isoformat() if window.ended_on else None,
        "end_reason": window.get_end_reason_display() if window.end_reason else "",
        "status": public_status(record),
        "explanation": window.explanation_text,
    }


LABELS = {
    "record_id": "记录编号",
    "record_type": "信息类别",
    "document_number": "决定文书号",
    "decision_date": "决定日期",
    "class": "失信程度",
    "policy": "适用规则",
    "published": "向社会公示",
    "not_published_reason": "不公示原因",
    "starts_on": "公示起始日期",
    "repair_from": "最早可申请修复日期",
    "ends_on": "最长公示截止日期",
    "ended_on": "实际结束公示日期",
    "end_reason": "结束原因",
    "status": "当前状态",
    "explanation": "计算说明",
}


class Command(BaseCommand):
    help = "信用信息公示期限：refresh 补算缺失的公示期限；recompute 按现行政策重算；expire 执行公示期满处理；window 查看某条记录的公示期限"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="为尚无公示期限的记录补算公示期限（可重复运行）")
        refresh.add_argument("--json", action="store_true", help="以 JSON 输出")
        recompute = sub.add_parser(
            "recompute",
            help="按现行公示期限政策重算某段决定日期内记录的公示期限（政策调整后使用，可重复运行）",
        )
        recompute.add_argument(
            "--decided-from", required=True, help="决定日期自（YYYY-MM-DD），含当日"
        )
        recompute.add_argument("--decided-to", default="", help="决定日期至（YYYY-MM-DD），含当日")
        recompute.add_argument("--json", action="store_true", help="以 JSON 输出")
        expire = sub.add_parser("expire", help="结束所有已届最长公示期的记录的公示（可重复运行）")
        expire.add_argument("--on", default="", help="按哪一天处理（YYYY-MM-DD），默认今天")
        expire.add_argument("--json", action="store_true", help="以 JSON 输出")
        window = sub.add_parser(
            "window", help="查看某条记录的失信程度、起算日、最早修复日期和截止日期"
        )
        window.add_argument("record_id", help="记录编号")
        window.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _out(self, data: Any, as_json: bool, text: str) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False) if as_json else text)

    def _refresh(self, options: dict[str, Any]) -> None:
        summary = services.refresh()
        self._out(
            summary,
            options["json"],
            f"补算公示期限 {summary['records']} 条（其中向社会公示 {summary['published']} 条）。",
        )

    def _recompute(self, options: dict[str, Any]) -> None:
        start = _parse_day(options["decided_from"])
        end = _parse_day(options["decided_to"]) if options["decided_to"] else None
        summary = services.recompute(decided_from=start, decided_to=end)
        self._out(
            summary,
            options["json"],
            f"重算公示期限 {summary['records']} 条（其中向社会公示 {summary['published']} 条）。",
        )

    def _expire(self, options: dict[str, Any]) -> None:
        # Ending a window cannot be undone: a future day would end windows early.
        day = (
            clean_day(_parse_day(options["on"]), "处理日期", not_after_today=True)
            if options["on"]
            else None
        )
        summary = services.expire(on=day)
        self._out(
            summary,
            options["json"],
            f"{summary['on']}：结束公示 {summary['expired']} 条（公示期满）。",
        )

    def _window(self, options: dict[str, Any]) -> None:
        raw = str(options["record_id"]).strip()
        # `positive_id`: "²" passed str.isdigit() and int() raised (a traceback).
        pk = positive_id(raw)
        if pk is None:
            raise CommandError(f"记录编号“{raw[:40]}”无效，应为正整数。")
        record = (
            CreditRecord.objects.select_related("record_type", "source_unit").filter(pk=pk).first()
        )
        if record is None:
            raise CommandError(f"记录 {raw} 不存在。")
        data = window_dict(record)
        lines = []
        for key, label in LABELS.items():
            value = data.get(key)
            if isinstance(value, bool):
                value = "是" if value else "否"
            lines.append(f"{label}：{value if value not in (None, '') else '—'}")
        self._out(data, options["json"], "\n".join(lines))
