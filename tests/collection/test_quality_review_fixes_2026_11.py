"""Quality defects confirmed by review (issue 3 §3): the 迟报 alert of a record whose
lateness a correction changed, the 约谈预警 list after its finding has gone, and monthly
declarations of types that need none."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from xinyong.collection import quality, reports, selectors, services
from xinyong.collection.models import CollectionPolicy, MonthlyDeclaration, QualityWarning
from xinyong.core.errors import DomainError
from xinyong.records.models import CreditRecord

from .qhelpers import batch, penalty_row, record, rtype, unit

pytestmark = pytest.mark.django_db

LATE = QualityWarning.Kind.LATE_RECORD


def _ingest(decided: str, reported: date, number: int = 1) -> None:
    services.ingest_rows(
        actor=None,
        unit=unit("区市场监管局"),
        record_type="XZCF",
        rows=[penalty_row(number, decided=decided)],
        reported_on=reported,
    )


# -- 1. a correction redoes the record's 迟报 alert


def test_correction_lifting_lateness_closes_alert() -> None:
    _ingest("2026-09-01", date(2026, 10, 20))
    rec = CreditRecord.objects.get()
    assert rec.is_late
    assert QualityWarning.objects.filter(record=rec, kind=LATE, resolution="").count() == 1
    # Corrected decision date 2026-10-15: deadline 2026-10-26, first reported 2026-10-20.
    _ingest("2026-10-15", date(2026, 10, 21))
    rec.refresh_from_db()
    assert not rec.is_late
    assert not QualityWarning.objects.filter(record=rec, kind=LATE, resolution="").exists()
    closed = QualityWarning.objects.get(record=rec, kind=LATE)
    assert closed.resolution == QualityWarning.Resolution.RESOLVED
    assert closed.resolution_note == services.CORRECTED_LATE_NOTE


def test_correction_making_record_late_alerts() -> None:
    _ingest("2026-10-15", date(2026, 10, 20), number=2)
    rec = CreditRecord.objects.get()
    assert not rec.is_late
    assert not QualityWarning.objects.filter(record=rec).exists()
    _ingest("2026-09-01", date(2026, 10, 21), number=2)
    rec.refresh_from_db()
    assert rec.is_late
    warning = QualityWarning.objects.get(record=rec, kind=LATE, resolution="")
    assert "决定日期 2026-09-01" in warning.message
    assert "实际报送 2026-10-20" in warning.message
    assert warning.period == "2026-10"


def test_correction_late_before_and_after_renames_deadline() -> None:
    _ingest("2026-09-01", date(2026, 10, 20), number=3)
    rec = CreditRecord.objects.get()
    old_deadline = rec.deadline
    _ingest("2026-09-02", date(2026, 10, 21), number=3)
    rec.refresh_from_db()
    assert rec.is_late and rec.deadline != old_deadline
    warning = QualityWarning.objects.get(record=rec, kind=LATE)
    assert warning.resolution == ""
    assert "决定日期 2026-09-02" in warning.message
    assert f"报送期限 {rec.deadline.isoformat()}" in warning.message


def test_correction_relifted_record_alerts_again() -> None:
    """Closing frees the warning's key: late, on time, late again gives a new alert."""
    _ingest("2026-09-01", date(2026, 10, 20), number=4)
    _ingest("2026-10-15", date(2026, 10, 21), number=4)
    _ingest("2026-09-03", date(2026, 10, 22), number=4)
    rec = CreditRecord.objects.get()
    assert rec.is_late
    assert QualityWarning.objects.filter(record=rec, kind=LATE).count() == 2
    assert QualityWarning.objects.filter(record=rec, kind=LATE, resolution="").count() == 1


# -- 3. the 约谈预警 list follows the finding


def _three_late(scj: Any) -> None:
    for n in range(1, 4):
        record(
            scj,
            f"北市监罚〔2026〕{n}号",
            decided=date(2026, 9, 1),
            reported=date(2026, 10, 20),
            late=True,
        )


def test_interview_list_follows_threshold_change() -> None:
    scj = unit("区市场监管局")
    CollectionPolicy.objects.create(late_warning_threshold=3)
    _three_late(scj)
    quality.run_checks(year=2026, month=10, today=date(2026, 11, 26))
    w = QualityWarning.objects.get(unit=scj, kind=QualityWarning.Kind.REPEATED_LATENESS)
    quality.acknowledge_warning(actor=None, warning=w)
    CollectionPolicy.objects.update(active=False)
    CollectionPolicy.objects.create(late_warning_threshold=5)
    quality.run_checks(year=2026, month=10, today=date(2026, 11, 26))
    report = reports.monthly_report(selectors.Period.month(2026, 10))
    row = next(r for r in report.rows if r.unit == scj)
    assert row.late == 3
    assert scj.name not in report.interview_units
    w.refresh_from_db()
    assert w.resolution == QualityWarning.Resolution.RESOLVED
    assert w.resolution_note == quality.RESOLVED_NOTES[QualityWarning.Kind.REPEATED_LATENESS]
    assert w.acknowledged_at is not None


def test_interview_list_skips_closed_warning() -> None:
    scj = unit("区市场监管局")
    CollectionPolicy.objects.create(late_warning_threshold=3)
    _three_late(scj)
    quality.run_checks(year=2026, month=10, today=date(2026, 11, 26))
    period = selectors.Period.month(2026, 10)
    assert [u.name for u in quality.units_for_interview(period)] == [scj.name]
    QualityWarning.objects.filter(kind=QualityWarning.Kind.REPEATED_LATENESS).update(
        resolution=QualityWarning.Resolution.RESOLVED
    )
    assert quality.units_for_interview(period) == []


# -- 5. monthly declarations only for the types that need one


def test_cli_declare_refuses_type_without_declaration(console: Any) -> None:
    scj = unit("区市场监管局")
    record(scj, "北市监罚〔2026〕1号", decided=date(2026, 9, 9), reported=date(2026, 9, 10))
    batch(scj, reported=date(2026, 9, 10), rows=1)
    code, out, err = console(
        "collection", "declare", "--unit", "区市场监管局", "--type", "DJZC",
        "--period", "2026-09", "--count", "5",
    )  # fmt: skip
    assert code != 0, out
    assert "无需申报月度决定数" in err
    assert not MonthlyDeclaration.objects.filter(unit=scj).exists()
    quality.run_checks(year=2026, month=9, today=date(2026, 11, 26))
    row = next(
        r for r in reports.monthly_report(selectors.Period.month(2026, 9)).rows if r.unit == scj
    )
    assert row.declared is None
    assert QualityWarning.objects.filter(
        unit=scj, period="2026-09", kind=QualityWarning.Kind.NOT_DECLARED, resolution=""
    ).exists()


def test_declare_month_refuses_type_without_declaration() -> None:
    with pytest.raises(DomainError, match="无需申报月度决定数"):
        quality.declare_month(
            actor=None,
            unit=unit("区市场监管局"),
            record_type=rtype("DJZC"),
            year=2026,
            month=9,
            count=5,
            today=date(2026, 11, 26),
        )


def test_stored_declaration_of_other_type_neither_declares_nor_suspects() -> None:
    """A declaration stored before the rule (登记注册) hides no 未申报 and raises no
    瞒报/漏报 suspicion."""
    scj = unit("区市场监管局")
    record(scj, "北市监罚〔2026〕1号", decided=date(2026, 9, 9), reported=date(2026, 9, 10))
    batch(scj, reported=date(2026, 9, 10), rows=1)
    MonthlyDeclaration.objects.create(
        unit=scj, record_type=rtype("DJZC"), year=2026, month=9, declared_count=5
    )
    quality.run_checks(year=2026, month=9, today=date(2026, 11, 26))
    live = set(
        QualityWarning.objects.filter(unit=scj, period="2026-09", resolution="").values_list(
            "kind", flat=True
        )
    )
    assert QualityWarning.Kind.NOT_DECLARED in live
    assert QualityWarning.Kind.UNDER_REPORTED not in live
