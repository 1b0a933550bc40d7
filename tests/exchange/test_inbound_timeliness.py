"""Records pushed down by the city platform are not the receiving unit's own reports: they
have no reporting deadline and stay out of its 及时率, 合规率 and 上报率, its warnings, the
通报 and the ledger (发改办财金〔2018〕424号 measures a unit's reporting of its own
decisions from its own decision date)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xinyong.catalog.models import RecordType
from xinyong.collection.models import Batch, QualityWarning
from xinyong.collection.quality import declare_month, run_checks
from xinyong.collection.reports import monthly_report
from xinyong.collection.selectors import (
    Period,
    deadline_types,
    declared_reporting,
    unit_rates,
)
from xinyong.collection.services import ingest_rows
from xinyong.exchange.inbound import import_inbox
from xinyong.exchange.models import InboundFile
from xinyong.ledger.ledger_metrics import late_rate_bulk, report_rate_bulk
from xinyong.records.models import CreditRecord

from ..collection.ingest_helpers import org_row, write_csv
from ..sanctions.test_lists_import import _file as list_file
from ..sanctions.test_lists_import import _row as list_row
from .helpers import file_settings, unit

pytestmark = pytest.mark.django_db

PROVINCE = "河南省市场监督管理局"
NOVEMBER = Period.month(2026, 11)


def _deliver(inbox: Path, name: str, data: Path, **manifest: Any) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    target = inbox / data.name
    target.write_bytes(data.read_bytes())
    sha = hashlib.sha256(target.read_bytes()).hexdigest()
    body = {**manifest, "files": [{"name": target.name, "sha256": sha}]}
    (inbox / f"{name}.manifest.json").write_text(
        json.dumps(body, ensure_ascii=False), encoding="utf-8"
    )


def _push_down(tmp_path: Path, name: str, rows: list[dict[str, Any]], **manifest: Any) -> Batch:
    data = write_csv(tmp_path / f"{name}.csv", rows)
    _deliver(tmp_path / "inbox", name, data, kind="records", record_type="XZCF", **manifest)
    run = import_inbox(actor=None)
    assert run.imported == 1, run.as_json()
    row = InboundFile.objects.get(filename=f"{name}.csv")
    assert row.status == InboundFile.Status.DONE, row.message
    return Batch.objects.get(pk=row.batch_id)  # type: ignore[no-any-return]


def _rates(name: str, period: Period = NOVEMBER) -> dict[str, Any]:
    [row] = unit_rates(period, record_types=deadline_types(), units=[unit(name)])
    return row.as_json()


def _report_row(name: str) -> list[Any]:
    report = monthly_report(NOVEMBER)
    [row] = [r for r in report.table() if r[1] == name]
    return row


def test_a_provincial_penalty_pushed_down_is_no_late_report_of_the_credit_office(
    settings, tmp_path, clock
):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    clock.today = date(2026, 11, 27)
    rates_before = _rates("区发改委")
    report_before = _report_row("区发改委")

    batch = _push_down(tmp_path, "xzcf-province", [org_row(1, CF_CFJG=PROVINCE)])

    assert (batch.unit.name, batch.channel) == ("区发改委", Batch.Channel.UPSTREAM)
    assert batch.get_channel_display() == "上级平台下发"
    assert (batch.accepted, batch.late, batch.reported_on) == (1, 0, date(2026, 11, 27))
    r = CreditRecord.objects.get(batch=batch)
    assert r.source_unit.name == "区发改委"
    assert r.decision_date == date(2026, 3, 2)
    assert not r.is_late
    assert r.deadline is None
    assert not QualityWarning.objects.filter(record=r).exists()
    assert not QualityWarning.objects.filter(message__contains="北关市监罚〔2026〕1号").exists()
    assert InboundFile.objects.get().result["late"] == 0
    # Nothing of the receiving unit's November changes: not reported, not late, no batch.
    assert _rates("区发改委") == rates_before
    assert rates_before["reported"] == 0 and rates_before["batches"] == 0
    assert _report_row("区发改委") == report_before
    assert late_rate_bulk([unit("区发改委")], NOVEMBER)[unit("区发改委").pk] is None

    # The credit office's own upload of the same day is still its report, and late.
    own = ingest_rows(
        actor=None,
        unit="区发改委",
        record_type="XZCF",
        rows=[org_row(2)],
        reported_on="2026-11-27",
    )
    assert (own.accepted, own.late, own.batch.channel) == (1, 1, Batch.Channel.API)
    mine = CreditRecord.objects.get(batch=own.batch)
    assert (mine.deadline, mine.is_late) == (date(2026, 3, 11), True)
    warning = QualityWarning.objects.get(record=mine)
    assert warning.message == (
        "迟报：行政处罚（文书号 北关市监罚〔2026〕2号）决定日期 2026-03-02，"
        "报送期限 2026-03-11，实际报送 2026-11-27"
    )
    after = _rates("区发改委")
    assert (after["reported"], after["late"], after["on_time"]) == (1, 1, 0)
    assert after["timeliness"] == "0.00"
    assert (after["rows_submitted"], after["rows_passed"], after["batches"]) == (1, 1, 1)
    assert after["compliance"] == "100.00"
    row = _report_row("区发改委")
    assert row[2:8] == [1, 1, "0.00%", 1, 0, "100.00%"]
    assert late_rate_bulk([unit("区发改委")], NOVEMBER)[unit("区发改委").pk] == Decimal("100.00")


def test_upstream_rows_keep_the_pipelines_checks_and_rejected_row_report(settings, tmp_path, clock):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    clock.today = date(2026, 11, 27)
    batch = _push_down(
        tmp_path,
        "xzcf-mixed",
        [org_row(1, CF_CFJG=PROVINCE), org_row(2, CF_XDR_SHXYM="91512081MA62K0260X")],
    )
    assert (batch.channel, batch.accepted, batch.rejected, batch.rows) == ("upstream", 1, 1, 2)
    [rejected] = batch.rejected_rows.all()
    assert rejected.row_number == 3
    # The rejected row is the city's, not the credit office's: 合规率 does not move.
    rates = _rates("区发改委")
    assert (rates["rows_submitted"], rates["rejected"], rates["compliance"]) == (0, 0, None)


def test_pushed_down_decisions_neither_cover_nor_open_a_units_reporting_gaps(
    settings, tmp_path, clock
):
    """上报率, the shortfall and the number-gap checks and the ledger's figure count the
    unit's own decisions only."""
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    clock.today = date(2026, 11, 27)
    office = unit("区发改委")
    declare_month(
        actor=None,
        unit=office,
        record_type=RecordType.objects.get(code="XZCF"),
        year=2026,
        month=11,
        count=1,
        today=clock.today,
    )
    shortfall = QualityWarning.objects.get(unit=office, kind=QualityWarning.Kind.UNDER_REPORTED)
    assert shortfall.fact == "少1件"
    # Numbers 5 and 7 of the province's sequence: a gap, were they the office's own.
    _push_down(
        tmp_path,
        "xzcf-november",
        [
            org_row(5, CF_WSH="豫市监罚〔2026〕5号", CF_JDRQ="2026-11-02", CF_CFJG=PROVINCE),
            org_row(7, CF_WSH="豫市监罚〔2026〕7号", CF_JDRQ="2026-11-03", CF_CFJG=PROVINCE),
        ],
    )
    run_checks(year=2026, month=11, today=clock.today, units=[office])
    shortfall.refresh_from_db()
    assert (shortfall.resolution, shortfall.fact) == ("", "少1件")
    assert not QualityWarning.objects.filter(unit=office, kind=QualityWarning.Kind.NUMBER_GAP)
    assert declared_reporting(NOVEMBER, units=[office]) == {office.pk: (0, 1)}
    rates = _rates("区发改委")
    assert (rates["decided_reported"], rates["declared"], rates["reporting"]) == (0, 1, "0.00")
    assert report_rate_bulk([office], NOVEMBER)[office.pk] == Decimal("0.00")


def test_a_unit_receiving_pushed_down_records_is_not_thereby_asked_to_declare(
    settings, tmp_path, clock
):
    """Only units that report decisions of their own owe a monthly declaration."""
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    clock.today = date(2026, 11, 27)
    court = unit("区法院")
    _push_down(
        tmp_path,
        "xzcf-october",
        [org_row(1, CF_JDRQ="2026-10-12", CF_CFJG=PROVINCE)],
        unit="区法院",
    )
    run_checks(year=2026, month=10, today=clock.today, units=[court])
    assert not QualityWarning.objects.filter(unit=court)


def test_a_pushed_down_list_is_an_upstream_batch_too(settings, tmp_path, clock):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    clock.today = date(2026, 11, 27)
    rows = [list_row("40000001", "安阳市北关区甲商贸有限公司", "（2026）豫0503执101号")]
    data = list_file(tmp_path, rows, "sxbzxr-20261127.csv")
    _deliver(tmp_path / "inbox", "sxbzxr-20261127", data, kind="list", list_type="SX_BZXR")
    assert import_inbox(actor=None).imported == 1
    batch = Batch.objects.get(pk=InboundFile.objects.get().batch_id)
    assert (batch.channel, batch.accepted, batch.unit.name) == ("upstream", 1, "区发改委")
