"""`xinyong scheduler`: run the registered daily jobs once a day (core.jobs)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError
from django.utils import timezone

from xinyong.core import jobs

logger = logging.getLogger(__name__)


def failure_text(exc: Exception) -> str:
    """The operator's line for a failed job. The database's own text is English (and on
    SQLite the usual cause is another process holding the file), so say it in Chinese and
    keep the original in parentheses for whoever looks further."""
    if isinstance(exc, OperationalError):
        text = str(exc).lower()
        if any(sign in text for sign in ("database is locked", "lock timeout", "deadlock")):
            return f"执行失败：数据库暂时无法写入（被其他进程锁定：{exc}）"
        return f"执行失败：数据库无法访问（{exc}）"
    return f"执行失败：{exc}"


def run_all() -> list[dict[str, Any]]:
    """Run every registered job once; a failing job is reported and does not stop the rest."""
    results = []
    for job in jobs.daily_jobs():
        try:
            message = job.run()
            results.append({"job": job.name, "ok": True, "message": message})
        except Exception as exc:  # a job's failure must not stop the others
            logger.exception("daily job %s failed", job.name)
            results.append({"job": job.name, "ok": False, "message": failure_text(exc)})
    return results


def run_due_interval_jobs(last_runs: dict[str, float], now: float) -> list[dict[str, Any]]:
    """Run the interval jobs (core.jobs.register_interval_job) whose period has passed since
    their last run in `last_runs` (name → monotonic time, updated here). A job's failure is
    reported and does not stop the others; a run that did nothing ("") is not reported."""
    results = []
    for job in jobs.interval_jobs():
        last = last_runs.get(job.name)
        if last is not None and now - last < job.every_seconds:
            continue
        last_runs[job.name] = now
        try:
            message = job.run()
            if message:
                results.append({"job": job.name, "ok": True, "message": message})
        except Exception as exc:  # a job's failure must not stop the others
            logger.exception("interval job %s failed", job.name)
            results.append({"job": job.name, "ok": False, "message": failure_text(exc)})
    return results


def run_daily_loop(
    stop: threading.Event,
    *,
    interval: float = 60,
    report: Callable[[list[dict[str, Any]]], None] | None = None,
) -> None:
    """Run every job when a new day (Asia/Shanghai) begins, and the interval jobs whenever
    their period has passed, until `stop` is set. Used by `xinyong scheduler` and by
    `xinyong serve --with-scheduler` (the embedded set-up)."""
    last_day: date | None = None
    last_runs: dict[str, float] = {}
    while not stop.is_set():
        today = timezone.localdate()
        if today != last_day:
            results = run_all()
            if report is not None:
                report(results)
            last_day = today
        if not stop.is_set():
            due = run_due_interval_jobs(last_runs, time.monotonic())
            if due and report is not None:
                report(due)
        stop.wait(max(1.0, interval))


class Command(BaseCommand):
    help = "定时任务调度：每天运行一次已登记的每日任务（如公示期满处理），并按间隔运行周期任务（如向市平台推送）；--once 只运行一次每日任务后退出"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="立即运行一次所有每日任务后退出")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出运行结果")
        parser.add_argument(
            "--interval", type=int, default=60, help="检查是否进入新的一天的间隔（秒），默认 60"
        )

    def _report(self, results: list[dict[str, Any]], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(results, ensure_ascii=False))
            return
        for item in results:
            mark = "完成" if item["ok"] else "失败"
            self.stdout.write(f"[{mark}] {item['job']}：{item['message']}")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            results = run_all()
            self._report(results, options["json"])
            # cron and systemd timers only see the exit status; the long-running loop
            # below keeps going instead, and retries the next day.
            failed = [item["job"] for item in results if not item["ok"]]
            if failed:
                raise CommandError(
                    f"{len(failed)} 项每日任务执行失败：{'、'.join(failed)}", returncode=1
                )
            return
        self.stdout.write("调度器已启动，按 Ctrl+C 退出。")
        try:
            run_daily_loop(
                threading.Event(),
                interval=options["interval"],
                report=lambda results: self._report(results, options["json"]),
            )
        except KeyboardInterrupt:
            self.stdout.write("调度器已停止。")
