from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from xinyong.core import bootstrap


class Command(BaseCommand):
    help = "初始化数据库：迁移表结构并载入参考数据（单位、工作日历等）；--demo 同时载入演示数据。可重复运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="同时载入演示数据集与演示账号")

    def handle(self, *args: Any, demo: bool = False, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库结构已是最新。")
        for name, summary in bootstrap.run_reference_loaders():
            self.stdout.write(f"参考数据·{name}：{summary}")
        if demo:
            for name, summary in bootstrap.run_demo_loaders():
                self.stdout.write(f"演示数据·{name}：{summary}")
