"""The white list follows the facts it was screened on: when a subject's records or list
entries change, the entries of that subject (its survivor, the subjects merged into it)
on the published list and on the runs under review are re-checked at once, and a
subject that no longer qualifies is taken off with the reason (services.rescreen).

Grades are recomputed by supervision's receivers of the same signals; supervision comes
before finance in INSTALLED_APPS, so its receivers are connected (and run) first and the
new grade is in place when these run. Grade changes without such a signal (provincial
evaluations, the daily full recompute) are caught by the daily job, which runs after
supervision's (order 85 > 80), and by the finance office's approval, which re-checks
the run on the day it publishes it."""

from __future__ import annotations

from typing import Any


def _listed_among(subject_ids: Any) -> list[int]:
    from .services import listed_items

    return sorted(set(listed_items(subject_ids).values_list("subject_id", flat=True)))


def on_entry_changed(sender: Any, entry: Any, actor: Any = None, **_: Any) -> None:
    from .services import rescreen

    ids = _listed_among([entry.subject_id])
    if ids:
        name = entry.list_type.name if entry.list_type_id else "名单"
        rescreen(actor=actor, subject_ids=ids, trigger=f"{name}：{entry.get_status_display()}")


def on_record_changed(sender: Any, record: Any, change: str = "", **kwargs: Any) -> None:
    from .services import rescreen

    ids = _listed_among([record.subject_id])
    if ids:
        rescreen(actor=kwargs.get("actor"), subject_ids=ids, trigger="信用记录变化")


def on_batch_stored(sender: Any, batch_id: int, **kwargs: Any) -> None:
    from xinyong.records.models import CreditRecord

    from .services import listed_items, rescreen

    # A subquery: a batch may hold a million records.
    ids = CreditRecord.objects.filter(batch_id=batch_id).values("subject_id")
    if listed_items(ids).exists():
        rescreen(actor=kwargs.get("actor"), subject_ids=ids, trigger=f"批次 {batch_id} 新信息入库")


def connect() -> None:
    from xinyong.core.jobs import register_daily_job
    from xinyong.records import signals as record_signals
    from xinyong.sanctions import signals as sanctions_signals

    from .services import link_matchmaking_to_ledger, run_rescreen_job

    sanctions_signals.entry_changed.connect(on_entry_changed, dispatch_uid="finance.entry_changed")
    record_signals.record_changed.connect(on_record_changed, dispatch_uid="finance.record_changed")
    record_signals.batch_stored.connect(on_batch_stored, dispatch_uid="finance.batch_stored")
    register_daily_job("finance.whitelist_rescreen", run_rescreen_job, order=85)
    register_daily_job("finance.matchmaking_ledger", link_matchmaking_to_ledger, order=86)
