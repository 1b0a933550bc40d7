from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "启动平台网页服务（waitress，多线程 WSGI 服务器）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址，默认 127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="端口，默认 8000")
        parser.add_argument("--threads", type=int, default=8, help="工作线程数，默认 8")
        parser.add_argument(
            "--with-scheduler",
            action="store_true",
            help="同时在后台运行每日任务（公示期满下线、名单生效、逾期标记、等级重算等），适用于内置部署",
        )

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        import threading

        from waitress import serve

        from xinyong.core.management.commands.scheduler import run_daily_loop
        from xinyong.wsgi import application

        if options.get("with_scheduler"):
            # A daemon thread: it ends with the server; each job is idempotent, so a day
            # whose run was cut short is simply run again.
            threading.Thread(
                target=run_daily_loop,
                args=(threading.Event(),),
                name="xinyong-scheduler",
                daemon=True,
            ).start()
            self.stdout.write("每日任务调度已在后台运行。")

        self.stdout.write(f"平台已启动：http://{host}:{port}/  （按 Ctrl+C 停止）")
        serve(application, host=host, port=port, threads=threads, ident="xinyong")
