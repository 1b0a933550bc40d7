from __future__ import annotations

import threading

from xinyong.core import jobs
from xinyong.core.management.commands import scheduler


def test_daily_loop_runs_every_job_once_per_day_and_stops(monkeypatch):
    calls: list[str] = []
    stop = threading.Event()

    def job() -> str:
        calls.append("ran")
        stop.set()  # end the loop after the first day's run
        return "完成"

    monkeypatch.setattr(jobs, "daily_jobs", lambda: [jobs.DailyJob("test.job", job, 1)])
    reports: list[list[dict]] = []
    scheduler.run_daily_loop(stop, interval=1, report=reports.append)
    assert calls == ["ran"]
    assert reports == [[{"job": "test.job", "ok": True, "message": "完成"}]]


def test_a_failing_job_does_not_stop_the_others(monkeypatch):
    def broken() -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(
        jobs,
        "daily_jobs",
        lambda: [jobs.DailyJob("a.broken", broken, 1), jobs.DailyJob("b.fine", lambda: "好", 2)],
    )
    results = scheduler.run_all()
    assert [r["ok"] for r in results] == [False, True]
    assert results[0]["message"].startswith("执行失败")
