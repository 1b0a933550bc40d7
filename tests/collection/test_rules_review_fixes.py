"""Ingest rules confirmed by review (issue 3): honours without a 授予文号, the column an
ID-number error is reported against, duplicates of rejected rows, and records whose
deadline falls in a year without a working-day calendar (期限未定)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from xinyong.collection import reports, selectors
from xinyong.collection.models import QualityWarning
from xinyong.collection.services import ingest_file, ingest_rows
from xinyong.core import calendar_services
from xinyong.core.models import CalendarYear
from xinyong.ledger import ledger_metrics
from xinyong.orgs import services as org_services
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord, RecordVersion
from xinyong.records.services import identity_key

from .ingest_helpers import DECIDER_USCC, ORG_USCC, OTHER_USCC, org_row, person_row, unit, write_csv

pytestmark = pytest.mark.django_db

GRANTOR = "安阳市北关区人民政府"


def honour(name: str, uscc: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "RY_ZTMC": name,
        "RY_ZTLB": "法人及非法人组织",
        "RY_SHXYM": uscc,
        "RY_RYMC": "守合同重信用企业",
        "RY_JB": "市级",
        "RY_SYDW": GRANTOR,
        "RY_SYDWDM": DECIDER_USCC,
        "RY_SYRQ": "2026-05-20",
        "RY_SJLY": "安阳市北关区发展和改革委员会",
    }
    row.update(overrides)
    return row


def honours(rows: list[dict[str, Any]]) -> Any:
    return ingest_rows(
        actor=None,
        unit="区发改委",
        record_type="诚信荣誉",
        rows=rows,
        reported_on=date(2026, 6, 1),
    )


def penalties(rows: list[dict[str, Any]], reported_on: date = date(2026, 3, 5)) -> Any:
    return ingest_rows(
        actor=None, unit="区市场监管局", record_type="行政处罚", rows=rows, reported_on=reported_on
    )


def errors(result: Any) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in result.errors]


# ---------------------------------------------------------------- 1. honours without 文号


def test_honours_without_document_number_are_separate_records() -> None:
    first = honours([honour("甲公司", ORG_USCC), honour("乙公司", OTHER_USCC)])
    assert (first.accepted, first.rejected, first.errors) == (2, 0, [])
    stored = CreditRecord.objects.filter(record_type__code="CXRY").order_by("id")
    assert [r.party_name for r in stored] == ["甲公司", "乙公司"]
    assert [r.document_number for r in stored] == ["", ""]
    assert len({r.identity_key for r in stored}) == 2

    again = honours([honour("乙公司", OTHER_USCC)])
    assert (again.accepted, again.updated, again.duplicates) == (0, 0, 1)
    assert [r.party_name for r in stored.all()] == ["甲公司", "乙公司"]
    assert not RecordVersion.objects.exists()


def test_honour_without_document_number_is_corrected_by_its_other_fields() -> None:
    honours([honour("甲公司", ORG_USCC)])
    result = honours([honour("甲公司", ORG_USCC, RY_JB="省级", RY_YXQZ="2029-05-19")])
    assert (result.accepted, result.updated) == (0, 1)
    record = CreditRecord.objects.get(record_type__code="CXRY")
    assert (record.version, record.payload["RY_JB"]) == (2, "省级")


def test_honours_without_document_number_differ_by_name_and_date() -> None:
    result = honours(
        [
            honour("甲公司", ORG_USCC),
            honour("甲公司", ORG_USCC, RY_RYMC="诚信纳税示范企业"),
            honour("甲公司", ORG_USCC, RY_SYRQ="2025-05-20"),
            honour("甲公司", ORG_USCC, RY_SYDWDM=""),
        ]
    )
    assert (result.accepted, result.rejected) == (4, 0)


def test_same_honour_twice_without_document_number_is_a_duplicate_in_the_file() -> None:
    result = honours([honour("甲公司", ORG_USCC), honour("甲公司", ORG_USCC, BZ="重复一行")])
    assert (result.accepted, result.rejected) == (1, 1)
    (error,) = result.errors
    assert (error.row, error.column, error.code) == (2, "授予文号", "duplicate_in_file")
    assert error.message == (
        "与第 1 行是同一条记录（未填授予文号：授予单位统一社会信用代码、主体标识、授予日期和荣誉名称相同），"
        "同一批次中只能出现一次"
    )


def test_honour_with_document_number_keeps_the_document_identity() -> None:
    honours([honour("甲公司", ORG_USCC, RY_WH="北政〔2026〕8号")])
    record = CreditRecord.objects.get(record_type__code="CXRY")
    assert record.identity_key == identity_key("CXRY", DECIDER_USCC, "北政〔2026〕8号")
    # The same 文号 for another subject is the same record: a correction, as for penalties.
    result = honours([honour("乙公司", OTHER_USCC, RY_WH="北政〔2026〕8号")])
    assert (result.accepted, result.updated) == (0, 1)


def test_penalty_identity_is_unchanged() -> None:
    penalties([org_row(1)])
    record = CreditRecord.objects.get()
    assert record.identity_key == identity_key("XZCF", DECIDER_USCC, "北关市监罚〔2026〕1号")


# ---------------------------------------------------------------- 2. the ID-number column


def test_person_id_number_error_is_reported_against_the_id_number_column() -> None:
    result = penalties(
        [person_row(1, CF_XDR_ZJLX="港澳台居民居住证", CF_XDR_ZJHM="810000199001010001")]
    )
    assert result.rejected == 1
    (error,) = result.errors
    assert (error.row, error.column) == (1, "CF_XDR_ZJHM")


def test_person_id_number_error_names_the_header_as_written(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [person_row(1, CF_XDR_ZJLX="港澳台居民居住证", CF_XDR_ZJHM="810000199001010001")],
        labels=True,
    )
    result = ingest_file(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        path=path,
        reported_on=date(2026, 3, 5),
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "证件号码")]


def test_organisation_subject_error_stays_on_the_uscc_column() -> None:
    result = penalties([org_row(1, CF_XDR_LB="个体工商户")])
    assert errors(result) == [(1, "CF_XDR_SHXYM", "subject")]


# ---------------------------------------------------------------- 3. duplicates of rejected rows


def test_row_is_not_a_duplicate_of_a_rejected_row() -> None:
    result = penalties([org_row(1, CF_XDR_LB="个体工商户"), org_row(1)])
    assert errors(result) == [(1, "CF_XDR_SHXYM", "subject")]
    assert result.accepted == 1
    record = CreditRecord.objects.get()
    assert record.document_number == "北关市监罚〔2026〕1号"
    assert record.payload["CF_XDR_LB"] == "法人及非法人组织"


def test_duplicate_message_names_the_row_that_was_stored() -> None:
    result = penalties(
        [
            org_row(1, CF_XDR_LB="个体工商户"),
            org_row(1),
            org_row(1, CF_NR="罚款3000元", CF_NR_FK="0.3"),
        ]
    )
    assert result.accepted == 1
    assert errors(result) == [(1, "CF_XDR_SHXYM", "subject"), (3, "CF_WSH", "duplicate_in_file")]
    assert result.errors[1].message.startswith("与第 2 行是同一条记录")
    assert CreditRecord.objects.get().payload["CF_NR_FK"] == "0.2"


def test_rejected_row_in_an_earlier_chunk_does_not_block_a_later_one(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "chunks.csv",
        [org_row(1, CF_XDR_LB="个体工商户"), org_row(2), org_row(1), org_row(1, CF_SY="又一行")],
    )
    result = ingest_file(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        path=path,
        reported_on=date(2026, 3, 5),
        chunk_rows=1,
    )
    assert result.accepted == 2
    assert errors(result) == [(2, "CF_XDR_SHXYM", "subject"), (5, "CF_WSH", "duplicate_in_file")]
    assert result.errors[1].message.startswith("与第 4 行是同一条记录")


def test_rows_after_several_refused_rows_of_one_identity() -> None:
    # Rows 1 and 2 are refused (a 个体工商户 needs a category-92 code), each in its own round;
    # rows 3 and 4 are then checked together and the earlier one is kept.
    result = penalties(
        [
            org_row(1, CF_XDR_LB="个体工商户"),
            org_row(1, CF_XDR_LB="个体工商户", CF_XDR_SHXYM=OTHER_USCC),
            org_row(1),
            org_row(1, CF_SY="经查，当事人未取得许可从事食品经营，且拒不改正。"),
            org_row(1, CF_XDR_LB="个体工商户"),
        ]
    )
    assert result.accepted == 1
    assert errors(result) == [
        (1, "CF_XDR_SHXYM", "subject"),
        (2, "CF_XDR_SHXYM", "subject"),
        (4, "CF_WSH", "duplicate_in_file"),
        (5, "CF_XDR_SHXYM", "subject"),
    ]
    assert result.errors[2].message.startswith("与第 3 行是同一条记录")
    assert (
        CreditRecord.objects.get().payload["CF_SY"]
        == "经查，当事人未取得食品经营许可从事食品经营。"
    )


def test_a_row_equal_to_the_stored_record_still_wins_over_a_later_row() -> None:
    penalties([org_row(1)])
    result = penalties([org_row(1), org_row(1, CF_NR="罚款3000元", CF_NR_FK="0.3")])
    assert (result.duplicates, result.updated) == (1, 0)
    assert errors(result) == [(2, "CF_WSH", "duplicate_in_file")]


# ---------------------------------------------------------------- 4. deadline in an unknown year


def holiday_cn_2027() -> str:
    return json.dumps(
        {
            "year": 2027,
            "papers": [],
            "days": [
                {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
                {"name": "元旦", "date": "2027-01-02", "isOffDay": True},
                {"name": "元旦", "date": "2027-01-03", "isOffDay": True},
            ],
        }
    )


@pytest.fixture
def new_year(clock: Any) -> Any:
    clock.today = date(2027, 1, 20)
    CalendarYear.objects.filter(year__gte=2027).delete()
    return clock


def test_deadline_in_an_unknown_year_is_undetermined_until_the_year_is_imported(
    new_year: Any,
) -> None:
    result = penalties(
        [
            org_row(1, CF_JDRQ="2026-12-28"),
            org_row(2, CF_JDRQ="2026-12-28"),
            org_row(3, CF_JDRQ="2026-12-10"),
        ],
        reported_on=date(2027, 1, 7),
    )
    assert (result.accepted, result.late) == (3, 1)
    assert any("缺少工作日历" in w and "期限未定" in w and "自动补算" in w for w in result.warnings)
    pending = CreditRecord.objects.filter(decision_date=date(2026, 12, 28))
    assert {(r.deadline, r.is_late) for r in pending} == {(None, False)}
    # 2026-12-10 + 7 working days = 2026-12-21: reported 2027-01-07, late, known at once.
    known = CreditRecord.objects.get(decision_date=date(2026, 12, 10))
    assert (known.deadline, known.is_late) == (date(2026, 12, 21), True)

    rates = selectors.unit_rates(selectors.Period.month(2027, 1), units=[unit("区市场监管局")])[0]
    assert (rates.reported, rates.late, rates.undetermined, rates.on_time) == (3, 1, 2, 0)
    assert str(rates.timeliness) == "0.00"
    assert rates.as_json()["undetermined"] == 2
    # The district total of the 通报 and the ledger's 迟报率 leave them out the same way.
    january = reports.monthly_report(selectors.Period.month(2027, 1))
    assert (january.totals.reported, january.totals.undetermined) == (3, 2)
    assert str(january.totals.timeliness) == "0.00"
    late_rate = ledger_metrics.late_rate_bulk(
        [unit("区市场监管局")], selectors.Period.month(2027, 1)
    )
    assert str(late_rate[unit("区市场监管局").pk]) == "100.00"

    # 元旦 2027-01-01 off: 12-29, 12-30, 12-31, 01-04, 01-05, 01-06, 01-07 → 2027-01-07.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert {(r.deadline, r.is_late) for r in pending.all()} == {(date(2027, 1, 7), False)}
    rates = selectors.unit_rates(selectors.Period.month(2027, 1), units=[unit("区市场监管局")])[0]
    assert (rates.reported, rates.late, rates.undetermined, rates.on_time) == (3, 1, 0, 2)
    assert str(rates.timeliness) == "66.67"


def test_late_record_found_after_the_year_is_loaded_alerts_its_unit(new_year: Any) -> None:
    penalties(
        [org_row(1, CF_JDRQ="2026-12-28"), org_row(2, CF_JDRQ="2026-12-29")],
        reported_on=date(2027, 1, 8),
    )
    assert not QualityWarning.objects.filter(kind=QualityWarning.Kind.LATE_RECORD).exists()
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    late = CreditRecord.objects.get(decision_date=date(2026, 12, 28))
    assert (late.deadline, late.is_late) == (date(2027, 1, 7), True)
    on_time = CreditRecord.objects.get(decision_date=date(2026, 12, 29))
    assert (on_time.deadline, on_time.is_late) == (date(2027, 1, 8), False)
    (warning,) = QualityWarning.objects.filter(kind=QualityWarning.Kind.LATE_RECORD)
    assert (warning.unit, warning.record, warning.period) == (unit("区市场监管局"), late, "2027-01")
    assert warning.message == (
        "迟报：行政处罚（文书号 北关市监罚〔2026〕1号）决定日期 2026-12-28，报送期限 2027-01-07，"
        "实际报送 2027-01-08"
    )
    # Importing the year again changes nothing and raises nothing twice.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert QualityWarning.objects.filter(kind=QualityWarning.Kind.LATE_RECORD).count() == 1


def test_year_added_by_hand_fills_the_deadlines_of_its_records() -> None:
    # The reviewer's case: 2003 precedes every year of the package calendar.
    assert not CalendarYear.objects.filter(year=2003).exists()
    result = penalties([org_row(1, CF_JDRQ="2003-06-02")], reported_on=date(2003, 12, 1))
    assert (result.accepted, result.late) == (1, 0)
    record = CreditRecord.objects.get()
    assert (record.deadline, record.is_late) == (None, False)
    rates = selectors.unit_rates(selectors.Period.month(2003, 12), units=[unit("区市场监管局")])[0]
    assert (rates.reported, rates.undetermined, rates.timeliness) == (1, 1, None)

    calendar_services.save_calendar_year(actor=None, year=2003, source="国办发明电〔2002〕17号")
    record.refresh_from_db()
    # 2003-06-02 (Mon) + 7 working days, weekends only = 2003-06-11.
    assert (record.deadline, record.is_late) == (date(2003, 6, 11), True)
    rates = selectors.unit_rates(selectors.Period.month(2003, 12), units=[unit("区市场监管局")])[0]
    assert (rates.late, rates.undetermined, str(rates.timeliness)) == (1, 0, "0.00")
    assert QualityWarning.objects.filter(
        kind=QualityWarning.Kind.LATE_RECORD, record=record, period="2003-12"
    ).exists()


def test_year_restored_from_the_package_settles_its_records() -> None:
    calendar_services.delete_calendar_year(actor=None, year=2026)
    penalties([org_row(1, CF_JDRQ="2026-03-02")], reported_on=date(2026, 3, 20))
    record = CreditRecord.objects.get()
    assert (record.deadline, record.is_late) == (None, False)
    calendar_services.seed_from_package(actor=None)
    record.refresh_from_db()
    # 2026-03-02 (Mon) + 7 working days = 2026-03-11.
    assert (record.deadline, record.is_late) == (date(2026, 3, 11), True)
    assert QualityWarning.objects.filter(record=record, period="2026-03").exists()


def test_types_without_a_deadline_are_not_undetermined() -> None:
    honours([honour("甲公司", ORG_USCC)])
    rates = selectors.unit_rates(
        selectors.Period.month(2026, 6),
        units=[unit("区发改委")],
        record_types=selectors.resolve_record_types("CXRY"),
    )[0]
    assert (rates.reported, rates.undetermined) == (1, 0)


def test_unit_page_and_rates_api_show_undetermined(new_year: Any) -> None:
    penalties([org_row(1, CF_JDRQ="2026-12-28")], reported_on=date(2027, 1, 7))
    reporter = org_services.create_user(
        actor=None,
        username="undetermined_rep",
        password="Xinyong@Review2026",
        role=Role.REPORTER,
        unit=unit("区市场监管局"),
    )
    api = APIClient()
    api.force_authenticate(reporter)
    rates = api.get("/api/v1/collection/rates?period=2027-01").json()
    (row,) = rates["units"]
    assert (row["reported"], row["undetermined"], row["timeliness"]) == (1, 1, None)
    assert "期限未定" in rates["definitions"]["timeliness"]
    client = Client()
    client.force_login(reporter)
    page = client.get(f"/workspace/collection/units/{unit('区市场监管局').pk}/?year=2027")
    assert page.status_code == 200
    html = page.content.decode()
    head = re.search(r'<table class="table" id="monthly-rates">\s*<thead><tr>(.*?)</tr>', html)
    assert head is not None
    headers = re.findall(r"<th>(.*?)</th>", head.group(1))
    january = re.search(r"<tr><td>2027年1月</td>(.*?)</tr>", html, re.S)
    assert january is not None
    cells = re.findall(r"<td>(.*?)</td>", "<td>2027年1月</td>" + january.group(1), re.S)
    row = dict(zip(headers, (re.sub(r"<[^>]+>", "", c).strip() for c in cells), strict=True))
    assert (row["报送条数"], row["迟报"], row["期限未定"], row["及时率"]) == ("1", "0", "1", "—")

    admin = org_services.create_user(
        actor=None,
        username="undetermined_admin",
        password="Xinyong@Review2026",
        role=Role.CREDIT_ADMIN,
        unit=unit("区发改委"),
    )
    client.force_login(admin)
    overview = client.get("/workspace/collection/?period=2027-01").content.decode()
    assert "<th>期限未定</th>" in overview
    assert 'class="rate-warn undetermined"' in overview


def test_enumeration_values_with_full_width_brackets_are_accepted_as_written() -> None:
    # The catalogue's own option 县（区）级: NFKC made it 县(区)级 before comparing.
    result = honours(
        [
            honour("安阳市北关区甲公司", ORG_USCC, RY_JB="县（区）级", RY_WH="北发改〔2026〕1号"),
            honour("安阳市北关区乙公司", OTHER_USCC, RY_JB="县(区)级", RY_WH="北发改〔2026〕2号"),
        ]
    )
    assert (result.accepted, errors(result)) == (2, [])
    stored = {r.payload["RY_JB"] for r in CreditRecord.objects.filter(record_type__code="CXRY")}
    assert stored == {"县（区）级"}
