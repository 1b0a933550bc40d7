"""Incremental grade updates: every signal that changes what a grade is made of
recomputes only the subjects concerned (grading.recompute_subjects; for a stored batch
grading.recompute_batch, set-based when the batch is large). All these signals are sent
inside the writing transaction, so the grade commits or rolls back with the change.
Connected in SupervisionConfig.ready(); the supervision app comes after publicity in
INSTALLED_APPS, so a batch's publicity windows (severity) exist by the time the batch
receiver runs."""

from __future__ import annotations

from typing import Any


def on_batch_stored(sender: Any, batch_id: int, **kwargs: Any) -> None:
    from . import grading

    actor = kwargs.get("actor")
    grading.external_from_batch(batch_id, actor=actor)
    grading.recompute_batch(batch_id, actor=actor)
    left = kwargs.get("left_subject_ids") or []
    if left:
        grading.recompute_subjects(
            left, reason=f"批次 {batch_id} 更正：记录改属其他主体", actor=actor
        )


def on_record_changed(sender: Any, record: Any, change: str = "", **kwargs: Any) -> None:
    from . import grading

    labels = {"corrected": "记录更正", "withdrawn": "记录撤销", "restored": "记录恢复"}
    # A 行业信用评价结果 record is also a sector result: it follows the record first.
    touched = grading.sync_sector_record(record)
    grading.recompute_subjects(
        {record.subject_id, *touched},
        reason=labels.get(change, "记录变化"),
        actor=kwargs.get("actor"),
    )


def on_entry_changed(sender: Any, entry: Any, **kwargs: Any) -> None:
    from . import grading

    name = entry.list_type.name if entry.list_type_id else "名单"
    grading.recompute_subjects(
        [entry.subject_id],
        reason=f"{name}：{entry.get_status_display()}",
        actor=kwargs.get("actor"),
    )


def on_repair_decided(sender: Any, application: Any, approved: bool = False, **_: Any) -> None:
    from . import grading

    if approved:
        grading.recompute_subjects([application.record.subject_id], reason="信用修复")


def on_commitment_saved(sender: Any, instance: Any, **_: Any) -> None:
    from . import grading

    grading.recompute_subjects([instance.subject_id], reason="信用承诺履行情况变化")


def on_commitments_changed(
    sender: Any, commitments: Any = (), change: str = "", **kwargs: Any
) -> None:
    """The 逾期未补正 flag (check_overdue) is written with update(), past post_save: its
    subjects are recomputed here. Other changes save the commitment (on_commitment_saved)."""
    from . import grading

    if change == "overdue":
        grading.recompute_subjects(
            {c.subject_id for c in commitments},
            reason="信用承诺逾期未补正",
            actor=kwargs.get("actor"),
        )


def on_subjects_merged(sender: Any, keep: Any, absorb: Any, **kwargs: Any) -> None:
    """The absorbed subject's records now count for the survivor, which is regraded now
    rather than by the daily run; the absorbed subject keeps no grade of its own."""
    from . import grading

    grading.drop_merged_grades([absorb.pk])
    grading.recompute_subjects([keep.pk], reason="主体合并", actor=kwargs.get("actor"))


def run_daily_recompute() -> str:
    """Daily full run: penalties age out of their bands and list entries end by date."""
    from . import grading

    result = grading.recompute_all()
    return f"信用等级重新评价 {result.subjects} 个主体，变化 {result.changed} 个"


def connect() -> None:
    from django.db.models.signals import post_save

    from xinyong.commitments.models import Commitment
    from xinyong.commitments.signals import commitments_changed
    from xinyong.core.jobs import register_daily_job
    from xinyong.records import signals as record_signals
    from xinyong.rights import signals as rights_signals
    from xinyong.sanctions import signals as sanctions_signals
    from xinyong.subjects.signals import subjects_merged

    record_signals.batch_stored.connect(on_batch_stored, dispatch_uid="supervision.batch_stored")
    record_signals.record_changed.connect(
        on_record_changed, dispatch_uid="supervision.record_changed"
    )
    sanctions_signals.entry_changed.connect(
        on_entry_changed, dispatch_uid="supervision.entry_changed"
    )
    rights_signals.repair_decided.connect(
        on_repair_decided, dispatch_uid="supervision.repair_decided"
    )
    post_save.connect(
        on_commitment_saved, sender=Commitment, dispatch_uid="supervision.commitment_saved"
    )
    commitments_changed.connect(
        on_commitments_changed, dispatch_uid="supervision.commitments_changed"
    )
    subjects_merged.connect(on_subjects_merged, dispatch_uid="supervision.subjects_merged")
    register_daily_job("supervision.grades", run_daily_recompute, order=80)
