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


# ---------------------------------------------------------------- interval jobs
# Work that must run more often than daily (pushing the outbox to the city platform,
# importing pushed-down files) registers an interval job: the same scheduler loop runs it
# whenever `every_seconds` have passed since its last run. The loop ticks every
# `--interval` seconds (60 by default), so that is the finest granularity. Interval jobs
# must be idempotent and safe to interrupt, like daily jobs; a run with nothing to do
# returns "" so that the scheduler's output is not flooded with idle lines.


@dataclass(frozen=True)
class IntervalJob:
    name: str
    run: Callable[[], str]
    every_seconds: float
    order: int


_interval_registry: dict[str, IntervalJob] = {}


def register_interval_job(
    name: str, run: Callable[[], str], *, every_seconds: float, order: int = 100
) -> None:
    """Register (or replace, by name) a job run every `every_seconds` by the scheduler."""
    _interval_registry[name] = IntervalJob(
        name=name, run=run, every_seconds=max(1.0, float(every_seconds)), order=order
    )


def interval_jobs() -> list[IntervalJob]:
    return sorted(_interval_registry.values(), key=lambda job: (job.order, job.name))
