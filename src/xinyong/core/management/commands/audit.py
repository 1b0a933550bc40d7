from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinyong.core.audit import EVENT_CHAIN, READ_CHAIN, verify_chains
from xinyong.core.models import Event, ReadLog

CHAIN_NAMES = {EVENT_CHAIN: "操作日志", READ_CHAIN: "查阅记录"}


class Command(BaseCommand):
    help = "审计日志工具：verify 校验操作日志与个人信息查阅记录的哈希链是否完整（未被篡改或删除）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", title="子命令", required=True)
        verify = sub.add_parser(
            "verify",
            help="逐条重算哈希链；完整时退出码 0，发现篡改或删除时退出码 1 并指出每条链第一处问题",
        )
        verify.add_argument("--json", action="store_true", help="以 JSON 输出结果，供脚本读取")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "verify":
            self._verify(as_json=bool(options.get("json")))

    def _verify(self, *, as_json: bool) -> None:
        problems = verify_chains()
        counts = {EVENT_CHAIN: Event.objects.count(), READ_CHAIN: ReadLog.objects.count()}
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "intact": not problems,
                        "counts": counts,
                        "problems": [
                            {"chain": p.chain, "entry_id": p.entry_id, "message": p.message}
                            for p in problems
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        if not problems:
            if not as_json:
                self.stdout.write(
                    f"日志链完整：操作日志 {counts[EVENT_CHAIN]} 条，查阅记录 {counts[READ_CHAIN]} 条"
                )
            return
        lines = [f"{CHAIN_NAMES.get(p.chain, p.chain)}链已损坏：{p.message}" for p in problems]
        raise CommandError("；".join(lines), returncode=1)
