"""`xinyong exchange send|status|resend|import` — thin adapters over exchange.services and
exchange.inbound. `send` and `import` are what the scheduler runs; at larger scale cron or
a task queue runs the same commands."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from xinyong.core.commands import ActionCommand

from ... import inbound, services


class Command(ActionCommand):
    help = (
        "与市信用信息共享平台交换数据：send 推送待发送报文，status 查看推送状态，"
        "resend 重新发送指定报文，import 导入市平台下发的文件。均可加 --json 供脚本读取。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        send = sub.add_parser(
            "send", help="立即推送到期的待发送报文（可重复运行，中途终止不丢不重）"
        )
        send.add_argument("--limit", type=int, default=None, help="本次最多发送的报文数")
        send.add_argument("--json", action="store_true", help="以 JSON 输出")
        status = sub.add_parser("status", help="各状态报文数量与待生成报文的变更数")
        status.add_argument("--json", action="store_true", help="以 JSON 输出")
        resend = sub.add_parser("resend", help="把发送失败或未获确认的报文重新排队")
        resend.add_argument("id", help="报文编号")
        resend.add_argument("--json", action="store_true", help="以 JSON 输出")
        imp = sub.add_parser("import", help="导入收件目录中市平台下发的名单、反馈和评价结果文件")
        imp.add_argument("--json", action="store_true", help="以 JSON 输出")

    def _send(self, options: dict[str, Any]) -> tuple[str, Any]:
        limit = options.get("limit")
        if limit is not None and not 1 <= limit <= services.MAX_SEND_LIMIT:
            raise CommandError(f"--limit 应为不超过 {services.MAX_SEND_LIMIT} 的正整数。")
        result = services.send_pending(actor=None, limit=limit)
        lines = [result.summary, *[f"  {e}" for e in result.errors[:20]]]
        return "\n".join(lines), result.as_json()

    def _status(self, options: dict[str, Any]) -> tuple[str, Any]:
        data = services.status_counts()
        m = data["messages"]
        text = (
            f"待生成报文的变更 {data['entries_waiting']} 个；报文共 {data['total']} 个："
            f"待发送 {m['pending']}，已发送待确认 {m['sent']}，已确认 {m['acknowledged']}，"
            f"发送失败 {m['failed']}。"
            + (
                f"最早待发送报文生成于 {data['oldest_pending_at']}。"
                if data["oldest_pending_at"]
                else ""
            )
        )
        return text, data

    def _resend(self, options: dict[str, Any]) -> tuple[str, Any]:
        message = services.resend_message(actor=None, message=options["id"])
        from ...selectors import message_data

        return f"报文 {message.pk}（{message.idempotency_key}）已重新排队。", message_data(message)

    def _import(self, options: dict[str, Any]) -> tuple[str, Any]:
        run = inbound.import_inbox(actor=None)
        lines = [run.summary]
        for item in run.files:
            mark = "导入" if item.get("ok") else "拒收"
            lines.append(f"  [{mark}] {item.get('name')}：{item.get('message')}")
        return "\n".join(lines), run.as_json()
