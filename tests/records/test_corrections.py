"""Corrections outside a batch (the objection 更正 path, records.services.correct_record)
and a re-sent record that was withdrawn."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from xinyong.collection.services import ingest_rows
from xinyong.records.models import CreditRecord
from xinyong.records.services import correct_record, withdraw_record

from ..collection.ingest_helpers import org_row
from ..collection.qhelpers import unit, user

pytestmark = pytest.mark.django_db


def _penalty(n: int, *, decided: str, reported: date, **overrides: Any) -> CreditRecord:
    result = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=[org_row(n, CF_JDRQ=decided, **overrides)],
        reported_on=reported,
    )
    assert result.accepted == 1, [e.as_dict() for e in result.errors]
    return CreditRecord.objects.get(batch=result.batch)


def test_correcting_the_decision_date_moves_the_deadline_and_lateness() -> None:
    # Decided 2026-03-02, reported 2026-03-05: due 2026-03-11, on time.
    record = _penalty(1, decided="2026-03-02", reported=date(2026, 3, 5))
    assert (record.deadline, record.is_late) == (date(2026, 3, 11), False)
    admin = user("corr_admin", "credit_admin")
    fixed = correct_record(
        actor=admin, record=record, changes={"CF_JDRQ": "2026-01-05"}, reason="决定日期笔误"
    )
    fixed.refresh_from_db()
    # 2026-01-05 + 7 working days = 2026-01-14; the first report (03-05) was late.
    assert (fixed.decision_date, fixed.deadline, fixed.is_late) == (
        date(2026, 1, 5),
        date(2026, 1, 14),
        True,
    )
    assert fixed.reported_on == date(2026, 3, 5)


def test_a_withdrawn_record_sent_again_with_changes_is_refused_by_row() -> None:
    record = _penalty(2, decided="2026-10-09", reported=date(2026, 10, 12))
    withdraw_record(
        actor=None,
        record=record,
        reason="经行政复议，原处罚决定被撤销",
        revoked_on=date(2026, 11, 2),
        on=date(2026, 11, 3),
    )
    again = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=[org_row(2, CF_JDRQ="2026-10-09", CF_NR_FK="0.8", CF_NR="罚款8000元")],
        reported_on=date(2026, 11, 10),
    )
    assert (again.updated, again.rejected) == (0, 1)
    error = again.errors[0]
    assert (error.row, error.code) == (1, "withdrawn")
    assert "已撤销" in error.message
    record.refresh_from_db()
    assert (record.version, record.status) == (1, CreditRecord.Status.WITHDRAWN)
    # Sent again unchanged it is still a duplicate (nothing to say).
    same = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=[org_row(2, CF_JDRQ="2026-10-09")],
        reported_on=date(2026, 11, 10),
    )
    assert (same.duplicates, same.rejected) == (1, 0)
    assert unit("区市场监管局").pk == record.source_unit_id


@pytest.mark.parametrize(
    "value", [{"k": "v"}, True, ["事实", {"条": 18}]], ids=["object", "boolean", "mixed-list"]
)
def test_a_correction_value_that_is_not_text_is_refused_not_stored_as_python_text(value) -> None:
    from xinyong.core.errors import DomainError

    record = _penalty(2, decided="2026-03-02", reported=date(2026, 3, 5))
    admin = user("corr_admin2", "credit_admin")
    with pytest.raises(DomainError, match="更正后的内容未通过校验") as refused:
        correct_record(actor=admin, record=record, changes={"CF_SY": value}, reason="更正")
    assert "应为文本" in str(refused.value)
    before = record.payload["CF_SY"]
    record.refresh_from_db()
    assert (record.version, record.payload["CF_SY"]) == (1, before)


def test_a_correction_may_give_a_multi_value_field_as_a_list() -> None:
    record = _penalty(3, decided="2026-03-02", reported=date(2026, 3, 5))
    admin = user("corr_admin3", "credit_admin")
    fixed = correct_record(
        actor=admin, record=record, changes={"CF_CFLB": ["警告", "罚款"]}, reason="处罚类别补全"
    )
    assert fixed.payload["CF_CFLB"] == ["警告", "罚款"]
    assert fixed.version == 2
