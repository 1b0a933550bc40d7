"""A registry of daily jobs that the embedded scheduler runs (ARCHITECTURE rule 6).

Apps register an idempotent callable in their AppConfig.ready():

    jobs.register_daily_job("publicity.expire", run, order=10)

`xinyong scheduler` (core/management/commands/scheduler.py) runs every registered job
once per calendar day (Healthchecks' `sendalerts` style loop); `--once` runs them a single
time, for tests and for cron at larger scale. Each callable returns a short Chinese line
describing what it did. Jobs must be idempotent: a restart may run a day's jobs twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DailyJob:
    name: str
    run: Callable[[], str]
    order: int


_registry: dict[str, DailyJob] = {}


def register_daily_job(name: str, run: Callable[[], str], *, order: int = 100) -> None:
    """Register (or replace, by name) a daily job."""
    _registry[name] = DailyJob(name=name, run=run, order=order)


def daily_jobs() -> list[DailyJob]:
    return sorted(_registry.values(), key=lambda job: (job.order, job.name))
