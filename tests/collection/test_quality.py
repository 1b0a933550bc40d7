"""Rates, declarations and the quality checks, on records written through the ORM."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xinyong.collection import quality, selectors
from xinyong.collection.models import CollectionPolicy, MonthlyDeclaration, QualityWarning
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role

from .qhelpers import batch, declare, record, rtype, unit, user

OCT = selectors.Period.month(2026, 10)
TODAY = date(2026, 11, 25)
pytestmark = pytest.mark.django_db


def _october_of_scj() -> None:
    scj = unit("区市场监管局")
    for n in range(1, 11):
        record(
            scj,
            f"北市监罚〔2026〕{n}号",
            decided=date(2026, 10, 9),
            reported=date(2026, 10, 20),
            late=n <= 2,
        )
    batch(scj, reported=date(2026, 10, 20), rows=12, rejected=2, duplicates=1, updated=3)
    declare(scj, 2026, 10, 12)


def test_rates_for_a_constructed_month() -> None:
    _october_of_scj()
    rows = selectors.unit_rates(OCT)
    scj = next(r for r in rows if r.unit.name == "区市场监管局")
    assert (scj.reported, scj.late, scj.on_time) == (10, 2, 8)
    assert scj.timeliness == Decimal("80.00")
    assert (scj.rows_submitted, scj.rows_passed) == (12, 10)
    assert scj.compliance == Decimal("83.33")
    assert (scj.decided_reported, scj.declared) == (10, 12)
    assert scj.reporting == Decimal("83.33")
    assert (scj.duplicates, scj.corrections, scj.rows_rejected) == (1, 3, 2)
    # Every active unit is there, in 通报 order, the silent ones with zeros and no rates.
    assert [r.unit.pk for r in rows] == list(
        type(scj.unit)
        .objects.filter(active=True)
        .order_by("sort_order", "name")
        .values_list("pk", flat=True)
    )
    silent = next(r for r in rows if r.unit.name == "区人社局")
    assert (silent.reported, silent.timeliness, silent.compliance, silent.reporting) == (
        0,
        None,
        None,
        None,
    )
    assert silent.silent


def test_the_tongbao_and_overview_count_only_records_with_a_deadline() -> None:
    """One late penalty and nine registration records (no reporting deadline) in October,
    one decision declared: the 通报 measures the penalty alone — 0 % on time, 100 %
    reported — instead of 90 % and 900 %."""
    from xinyong.collection.reports import monthly_report

    scj = unit("区市场监管局")
    record(
        scj,
        "北市监罚〔2026〕1号",
        decided=date(2026, 10, 9),
        reported=date(2026, 10, 30),
        late=True,
    )
    for n in range(1, 10):
        record(scj, f"REG-{n}", decided=date(2026, 10, 2), reported=date(2026, 10, 20), code="DJZC")
    declare(scj, 2026, 10, 1)
    everything = next(r for r in selectors.unit_rates(OCT) if r.unit == scj)
    # Timeliness over every type would count the registrations (90 %); 上报率 matches the
    # declared type (行政处罚) whatever types are asked for, so it is 100 %, never 1000 %.
    assert (everything.timeliness, everything.reporting) == (Decimal("90.00"), Decimal("100.00"))
    report = monthly_report(OCT)
    row = next(r for r in report.rows if r.unit == scj)
    assert (row.reported, row.late, row.timeliness, row.reporting) == (
        1,
        1,
        Decimal("0.00"),
        Decimal("100.00"),
    )
    from xinyong.collection.reports import _definitions

    assert any("登记注册" in d and "不计入" in d for d in _definitions())
    assert [t.code for t in selectors.deadline_types()][:2] == ["XZCF", "XZXK"]


def test_rates_by_type_and_by_range() -> None:
    _october_of_scj()
    scj = unit("区市场监管局")
    record(
        scj,
        "北市监许〔2026〕1号",
        decided=date(2026, 10, 9),
        reported=date(2026, 10, 12),
        code="XZXK",
    )
    record(scj, "北市监罚〔2026〕30号", decided=date(2026, 11, 2), reported=date(2026, 11, 3))
    penalties = selectors.unit_rates(OCT, record_types=[rtype("XZCF")], units=[scj])[0]
    assert penalties.reported == 10
    together = selectors.unit_rates(
        OCT, record_types=selectors.resolve_record_types("双公示"), units=[scj]
    )[0]
    assert together.reported == 11
    assert together.timeliness == Decimal("81.82")  # 9 of 11
    span = selectors.unit_rates(
        selectors.Period.between(date(2026, 10, 15), date(2026, 11, 30)), units=[scj]
    )[0]
    assert (
        span.reported == 11
    )  # 10 penalties reported on 10-20 + 1 in November; the licence came 10-12
    # Declarations are monthly: a range is measured over its whole months. October's ten
    # penalties answer October's twelve; November's one answers no declaration.
    assert (span.decided_reported, span.declared) == (10, 12)


def test_reporting_rate_matches_declarations_type_by_type() -> None:
    """Declared 2 penalties for October 2026, reported 1 penalty and 1 licence: 50 %, as the
    warning "申报作出决定 2 件，已报送 1 件，少 1 件" says, not 100 %."""
    scj = unit("区市场监管局")
    record(scj, "北市监罚〔2026〕1号", decided=date(2026, 10, 9), reported=date(2026, 10, 12))
    record(
        scj,
        "北市监许〔2026〕1号",
        decided=date(2026, 10, 9),
        reported=date(2026, 10, 12),
        code="XZXK",
    )
    declare(scj, 2026, 10, 2)
    row = selectors.unit_rates(OCT, units=[scj])[0]
    assert (row.decided_reported, row.declared, row.reporting) == (1, 2, Decimal("50.00"))
    # Four penalties where two were declared: capped at the declaration, 100 %.
    for n in (2, 3, 4):
        record(
            scj, f"北市监罚〔2026〕{n}号", decided=date(2026, 10, 9), reported=date(2026, 10, 12)
        )
    row = selectors.unit_rates(OCT, units=[scj])[0]
    assert (row.decided_reported, row.reporting) == (2, Decimal("100.00"))


def test_period_parsing_and_percent_rounding() -> None:
    assert selectors.parse_period("2026-10").key == "2026-10"
    assert selectors.parse_period("2026年3月").label == "2026年3月"
    for bad in ("2026-13", "abc", "", "10-2026"):
        with pytest.raises(DomainError):
            selectors.parse_period(bad)
    assert selectors.percent(2, 3) == Decimal("66.67")
    assert selectors.percent(1, 8) == Decimal("12.50")
    assert selectors.percent(5, 0) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("北市监罚〔2026〕12号", ("北市监罚", 2026, 12)),
        ("北市监罚[2026]14号", ("北市监罚", 2026, 14)),
        ("北市监罚（2026）第013号", ("北市监罚", 2026, 13)),
        ("北市监罚［2026］7号", ("北市监罚", 2026, 7)),
        ("北 市监罚 〔2026〕 8 号", ("北市监罚", 2026, 8)),
    ],
)
def test_document_numbers_parse(text: str, expected: tuple[str, int, int]) -> None:
    parsed = quality.parse_document_number(text)
    assert parsed is not None
    assert (parsed.prefix, parsed.year, parsed.serial) == expected


def test_unparseable_document_numbers() -> None:
    for text in ("无文号", "〔2026〕12号", "北市监罚2026-12", ""):
        assert quality.parse_document_number(text) is None


def test_gap_detection_over_variants() -> None:
    gaps = quality.find_number_gaps(
        [
            "北市监罚〔2026〕12号",
            "北市监罚[2026]14号",
            "北市监罚（2026）17号",
            "北市监许〔2026〕1号",
            "北市监许〔2026〕2号",
        ]
    )
    assert gaps == {("北市监罚", 2026): [13, 15, 16]}


def test_number_gap_warning_lists_missing_numbers_and_resolves() -> None:
    scj = unit("区市场监管局")
    record(scj, "北市监罚〔2026〕12号", decided=date(2026, 10, 9), reported=date(2026, 10, 12))
    record(scj, "北市监罚[2026]14号", decided=date(2026, 10, 10), reported=date(2026, 10, 12))
    summary = quality.check_unit_period(scj, 2026, 10, today=TODAY)
    gap = QualityWarning.objects.get(unit=scj, kind=QualityWarning.Kind.NUMBER_GAP)
    assert gap.key == "北市监罚〔2026〕@2026-10"
    assert gap.period == "2026-10"
    assert "缺少 13号" in gap.message
    assert summary.created == 1
    # The missing number arrives: the next check resolves the warning (kept as history).
    record(scj, "北市监罚〔2026〕13号", decided=date(2026, 10, 9), reported=date(2026, 10, 20))
    again = quality.check_unit_period(scj, 2026, 10, today=TODAY)
    assert again.resolved == 1
    gap.refresh_from_db()
    assert (gap.resolution, gap.resolution_note) == ("resolved", "文书号已连续，自动解除")


def test_shortfall_against_declaration() -> None:
    scj = unit("区市场监管局")
    for n in range(1, 11):
        record(
            scj, f"北市监罚〔2026〕{n}号", decided=date(2026, 10, 9), reported=date(2026, 10, 12)
        )
    declare(scj, 2026, 10, 12)
    quality.check_unit_period(scj, 2026, 10, today=TODAY)
    warning = QualityWarning.objects.get(unit=scj, kind=QualityWarning.Kind.UNDER_REPORTED)
    assert warning.key == "2026-10|XZCF"
    assert "申报作出决定 12 件，已报送 10 件，少 2 件" in warning.message
    MonthlyDeclaration.objects.filter(unit=scj).update(declared_count=10)
    quality.check_unit_period(scj, 2026, 10, today=TODAY)
    assert not QualityWarning.objects.filter(
        unit=scj, kind=QualityWarning.Kind.UNDER_REPORTED, resolution=""
    ).exists()


def test_repeated_lateness_threshold() -> None:
    CollectionPolicy.objects.create(late_warning_threshold=3)
    scj, rsj = unit("区市场监管局"), unit("区人社局")
    for n in range(1, 4):
        record(
            scj,
            f"北市监罚〔2026〕{n}号",
            decided=date(2026, 9, 1),
            reported=date(2026, 10, 20),
            late=True,
        )
    for n in range(1, 3):
        record(
            rsj,
            f"北人社罚〔2026〕{n}号",
            decided=date(2026, 9, 1),
            reported=date(2026, 10, 20),
            late=True,
        )
    quality.run_checks(year=2026, month=10, today=TODAY)
    listed = QualityWarning.objects.filter(kind=QualityWarning.Kind.REPEATED_LATENESS)
    assert [w.unit.name for w in listed] == ["区市场监管局"]
    assert "迟报 3 条" in listed[0].message
    assert [u.name for u in quality.units_for_interview(OCT)] == ["区市场监管局"]


def test_check_job_is_idempotent() -> None:
    _october_of_scj()
    scj = unit("区市场监管局")
    record(scj, "北市监罚〔2026〕15号", decided=date(2026, 10, 12), reported=date(2026, 10, 14))
    first = quality.run_checks(year=2026, month=10, today=TODAY)
    count = QualityWarning.objects.count()
    events = Event.objects.filter(action="collection.check").count()
    assert first.created >= 2  # the shortfall (12 declared, 11 reported) and the gap 11-14
    second = quality.run_checks(year=2026, month=10, today=TODAY)
    assert (second.created, second.updated, second.resolved) == (0, 0, 0)
    assert QualityWarning.objects.count() == count
    assert (
        Event.objects.filter(action="collection.check").count() == events
    )  # nothing changed, no event


def test_not_declared_only_for_past_months_of_obliged_units() -> None:
    scj = unit("区市场监管局")
    batch(scj, reported=date(2026, 9, 20), rows=1)  # reports penalties: obliged to declare
    quality.run_checks(year=2026, month=10, today=TODAY)
    missing = QualityWarning.objects.filter(kind=QualityWarning.Kind.NOT_DECLARED)
    assert [(w.unit.name, w.key) for w in missing] == [("区市场监管局", "2026-10")]
    quality.run_checks(year=2026, month=11, today=TODAY)  # November has not ended
    assert (
        QualityWarning.objects.filter(kind=QualityWarning.Kind.NOT_DECLARED, key="2026-11").count()
        == 0
    )


def test_declare_month_permissions_and_validation() -> None:
    reporter = user("q_reporter", Role.REPORTER, "区市场监管局")
    other = user("q_other", Role.REPORTER, "区人社局")
    leader = user("q_leader", Role.LEADER)
    scj = unit("区市场监管局")
    d = quality.declare_month(
        actor=reporter,
        unit=scj,
        record_type=rtype("XZCF"),
        year=2026,
        month=10,
        count=12,
        today=TODAY,
    )
    assert d.declared_count == 12
    d = quality.declare_month(
        actor=reporter,
        unit=scj,
        record_type=rtype("XZCF"),
        year=2026,
        month=10,
        count=9,
        today=TODAY,
    )
    assert MonthlyDeclaration.objects.get(unit=scj, year=2026, month=10).declared_count == 9
    assert Event.objects.filter(action="collection.declare").count() == 2
    for actor in (other, leader):
        with pytest.raises(NotPermitted):
            quality.declare_month(
                actor=actor,
                unit=scj,
                record_type=rtype("XZCF"),
                year=2026,
                month=10,
                count=1,
                today=TODAY,
            )
    with pytest.raises(DomainError, match="尚未开始"):
        quality.declare_month(
            actor=reporter,
            unit=scj,
            record_type=rtype("XZCF"),
            year=2026,
            month=12,
            count=1,
            today=TODAY,
        )
    with pytest.raises(DomainError, match="不小于 0"):
        quality.declare_month(
            actor=reporter,
            unit=scj,
            record_type=rtype("XZCF"),
            year=2026,
            month=10,
            count=-1,
            today=TODAY,
        )


def test_acknowledged_warning_survives_its_cause() -> None:
    scj = unit("区市场监管局")
    reporter = user("q_ack", Role.REPORTER, "区市场监管局")
    declare(scj, 2026, 10, 3)
    quality.check_unit_period(scj, 2026, 10, today=TODAY)
    warning = QualityWarning.objects.get(unit=scj, kind=QualityWarning.Kind.UNDER_REPORTED)
    quality.acknowledge_warning(actor=reporter, warning=warning)
    MonthlyDeclaration.objects.filter(unit=scj).update(declared_count=0)
    quality.check_unit_period(scj, 2026, 10, today=TODAY)
    assert QualityWarning.objects.filter(pk=warning.pk, acknowledged_at__isnull=False).exists()
