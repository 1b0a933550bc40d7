"""The row rules of the ingestion pipeline, each with concrete rows (docs/collection.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from xinyong.collection.models import Batch, QualityWarning, RejectedRow
from xinyong.collection.services import ingest_rows
from xinyong.core import calendar
from xinyong.core.errors import NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord, RecordVersion
from xinyong.records.services import identity_key
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject

from .ingest_helpers import DECIDER_USCC, ORG_USCC, PERSON_ID, org_row, person_row, unit

pytestmark = pytest.mark.django_db

REPORTED = date(2026, 3, 5)


def run(rows: list[dict[str, Any]], reported_on: date = REPORTED, **kwargs: Any) -> Any:
    return ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=rows,
        reported_on=reported_on,
        **kwargs,
    )


def codes_of(result: Any) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in result.errors]


def test_valid_rows_are_stored_with_their_common_columns() -> None:
    result = run([org_row(1), person_row(2)])
    assert (result.rows, result.accepted, result.rejected, result.duplicates) == (2, 2, 0, 0)
    org = CreditRecord.objects.get(document_number="北关市监罚〔2026〕1号")
    assert org.party_identifier == ORG_USCC
    assert org.party_name == "安阳市北关区某某商贸有限公司"
    assert org.decision_date == date(2026, 3, 2)
    assert org.reported_on == REPORTED
    assert org.deciding_unit_code == DECIDER_USCC
    assert org.source_unit == unit("区市场监管局")
    assert org.nature == "dishonest"
    assert org.payload["CF_CFLB"] == ["罚款"]
    assert org.payload["CF_NR_FK"] == "0.2"
    assert org.identity_key == identity_key("XZCF", DECIDER_USCC, "北关市监罚〔2026〕1号")
    assert org.subject.identifier == ORG_USCC
    person = CreditRecord.objects.get(document_number="北关市监罚〔2026〕2号")
    assert person.subject.kind == "person"
    assert person.subject.identifier == PERSON_ID
    batch = result.batch
    assert (batch.rows, batch.accepted, batch.status) == (2, 2, Batch.Status.DONE)
    event = Event.objects.filter(action="collection.ingest", target_id=str(batch.pk)).get()
    assert event.new_values["accepted"] == 2


def test_required_field_missing() -> None:
    result = run([org_row(1, CF_SY=""), org_row(2, CF_WSH=None)])
    assert result.accepted == 0
    assert codes_of(result) == [(1, "CF_SY", "required"), (2, "CF_WSH", "required")]
    rejected = RejectedRow.objects.filter(batch=result.batch).order_by("row_number")
    assert [r.row_number for r in rejected] == [1, 2]
    assert rejected[0].original["CF_SY"] == ""


def test_required_when_organisation_needs_uscc_and_legal_representative() -> None:
    result = run([org_row(1, CF_XDR_SHXYM="", CF_FRDB="")])
    messages = {e.column: e.message for e in result.errors}
    assert result.rejected == 1
    assert (
        messages["CF_XDR_SHXYM"]
        == "必填项为空（行政相对人类别为法人及非法人组织/个体工商户时必填）"
    )
    assert messages["CF_FRDB"] == "必填项为空（行政相对人类别为法人及非法人组织时必填）"


def test_required_when_person_needs_id_type_and_number() -> None:
    result = run([person_row(1, CF_XDR_ZJLX="", CF_XDR_ZJHM="")])
    assert {(e.column, e.code) for e in result.errors} == {
        ("CF_XDR_ZJLX", "required"),
        ("CF_XDR_ZJHM", "required"),
    }


def test_identifiers_are_checked_by_the_core_module() -> None:
    result = run(
        [
            org_row(1, CF_XDR_SHXYM="91512081MA62K0261E"),
            person_row(2, CF_XDR_ZJHM="110105194912310021"),
            org_row(3, CF_XDR_SHXYM="91330282l07196379d"),  # lower case: valid once upper-cased
        ]
    )
    assert result.accepted == 1
    errors = {e.row: e for e in result.errors}
    assert errors[1].code == "invalid_identifier"
    assert "校验位错误：第18位应为“H”，实为“E”" in errors[1].message
    assert errors[2].column == "CF_XDR_ZJHM"
    assert (
        errors[2].message
        == "居民身份证号码“110105********0021”无效：校验位错误：第18位应为“X”，实为“1”"
    )  # an ID number is masked in messages
    assert (
        CreditRecord.objects.get(document_number="北关市监罚〔2026〕3号").party_identifier
        == "91330282L07196379D"
    )


def test_enumerations_and_their_aliases() -> None:
    result = run(
        [
            person_row(1, CF_XDR_LB="个人"),
            org_row(2, CF_XDR_LB="公司"),
            org_row(3, CF_CFLB="罚款、降级"),
        ]
    )
    assert result.accepted == 1
    assert CreditRecord.objects.get().payload["CF_XDR_LB"] == "自然人"
    messages = {e.row: e.message for e in result.errors}
    assert messages[2].startswith("“公司”不是可选值")
    assert messages[3].startswith("“降级”不是可选值")


@pytest.mark.parametrize(
    "written",
    [
        "2026-03-02",
        "2026-3-2",
        "2026/03/02",
        "2026年3月2日",
        "2026-3-2 0:00:00",
        "46083",
        "2026.3.2",
        "２０２６－３－２",
    ],
)
def test_dates_in_the_forms_departments_use(written: str) -> None:
    result = run([org_row(1, CF_JDRQ=written)])
    assert result.accepted == 1, result.errors
    record = CreditRecord.objects.get()
    assert record.decision_date == date(2026, 3, 2)
    assert record.payload["CF_JDRQ"] == "2026-03-02"


def test_bad_future_and_out_of_order_dates() -> None:
    result = run(
        [
            org_row(1, CF_JDRQ="2026-02-30"),
            org_row(2, CF_JDRQ="3/2/2026"),
            org_row(3, CF_JDRQ="2099-01-01"),
            org_row(4, CF_GSJZQ="2026-03-01"),
            org_row(5, CF_JDRQ="2026-03-06"),  # after the report date 2026-03-05
        ]
    )
    assert result.accepted == 0
    found = {(e.row, e.code): e.message for e in result.errors}
    assert found[(1, "invalid_date")] == "日期不存在：“2026-02-30”"
    assert found[(2, "invalid_date")].startswith("日期格式无法识别：“3/2/2026”")
    assert found[(3, "future_date")] == "日期 2099-01-01 晚于今天"
    assert found[(4, "date_order")] == "日期 2026-03-01 早于处罚决定日期 2026-03-02"
    assert found[(5, "after_report_date")] == "处罚决定日期 2026-03-06 晚于报送日期 2026-03-05"


def test_amounts_in_wanyuan() -> None:
    result = run(
        [
            org_row(1, CF_NR_FK="1,234.5"),
            org_row(2, CF_NR_FK="-1"),
            org_row(3, CF_NR_FK=""),  # 处罚类别 罚款 needs an amount
            org_row(4, CF_NR_FK="2000元"),
            org_row(5, CF_NR_FK="0.35万元"),
            org_row(6, CF_NR_FK="0.1234567"),
        ]
    )
    assert result.accepted == 2
    assert (
        CreditRecord.objects.get(document_number="北关市监罚〔2026〕1号").payload["CF_NR_FK"]
        == "1234.5"
    )
    assert (
        CreditRecord.objects.get(document_number="北关市监罚〔2026〕5号").payload["CF_NR_FK"]
        == "0.35"
    )
    found = {e.row: e.message for e in result.errors}
    assert found[2] == "数值不能小于 0：“-1”"
    assert found[3] == "必填项为空（处罚类别含“罚款”时必填）"
    assert found[4].startswith("不是有效的数值：“2000元”（单位为万元")
    assert found[6].startswith("小数位数过多：最多 6 位")


def test_unit_codes_and_lengths() -> None:
    result = run(
        [
            org_row(1, CF_CFJGDM="12345"),
            org_row(2, CF_SJLYDM="11410503MB1234567X"),
            org_row(3, CF_XDR_MC="某" * 201),
        ]
    )
    assert result.accepted == 0
    found = {(e.row, e.column): (e.code, e.message) for e in result.errors}
    assert found[(1, "CF_CFJGDM")][0] == "invalid_identifier"
    assert found[(2, "CF_SJLYDM")][0] == "invalid_identifier"
    assert found[(3, "CF_XDR_MC")] == ("too_long", "长度 201 字，超过上限 200 字")


def test_same_record_twice_in_one_batch() -> None:
    result = run([org_row(7), org_row(8), org_row(7, CF_NR="罚款3000元", CF_NR_FK="0.3")])
    assert (result.accepted, result.rejected) == (2, 1)
    (error,) = result.errors
    assert (error.row, error.code) == (3, "duplicate_in_file")
    assert (
        error.message == "与第 1 行是同一条记录（决定机关代码和文书号相同），同一批次中只能出现一次"
    )


def test_natural_person_simple_procedure_is_refused() -> None:
    result = run(
        [
            person_row(1, CF_CXLX="简易程序"),
            org_row(2, CF_CXLX="简易程序"),
            person_row(3, CF_CXLX="普通程序"),
        ]
    )
    assert result.accepted == 2
    (error,) = result.errors
    assert (error.row, error.code) == (1, "not_reportable")
    assert "《河南省社会信用条例》第十三条" in error.message


def test_simple_procedure_fines_beyond_article_51_are_refused_not_hidden() -> None:
    """行政处罚法 art. 51: 简易程序 allows at most 200元 (0.02 万元) on a citizen and
    3000元 (0.3 万元) on an organisation. A bigger fine marked 简易程序 is a data error
    reported as such, not a natural-person record silently left out under art. 13."""
    fine = {"CF_CFLB": "罚款", "CF_CXLX": "简易程序"}
    result = run(
        [
            person_row(1, **fine, CF_NR="罚款200元", CF_NR_FK="0.02"),  # art. 13: not sent
            person_row(2, **fine, CF_NR="罚款2万元", CF_NR_FK="2"),
            org_row(3, **fine, CF_NR="罚款3000元", CF_NR_FK="0.3"),  # within the limit
            org_row(4, **fine, CF_NR="罚款3001元", CF_NR_FK="0.3001"),
            org_row(5, CF_CFLB="罚款", CF_NR="罚款5000元", CF_NR_FK="0.5", CF_CXLX="普通程序"),
        ]
    )
    assert result.accepted == 2
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (1, "CF_CXLX", "not_reportable"),
        (2, "CF_CXLX", "simple_procedure_limit"),
        (4, "CF_CXLX", "simple_procedure_limit"),
    ]
    assert result.errors[1].message.startswith(
        "程序类型为简易程序，但罚款 2 万元超过简易程序的上限"
    )
    assert "《中华人民共和国行政处罚法》第五十一条" in result.errors[1].message
    assert "罚款 0.3001 万元" in result.errors[2].message


def test_minor_remedied_violation_of_a_natural_person_is_not_reported() -> None:
    """河南条例 art. 13, second clause: a natural person's minor violation whose harm was
    promptly removed or reduced is not reported; an organisation's is."""
    result = run(
        [
            person_row(1, CF_QWXC="是"),
            person_row(2, CF_QWXC="否"),
            org_row(3, CF_QWXC="是"),
            person_row(4, CF_QWXC="Y"),  # alias of 是
        ]
    )
    assert result.accepted == 2
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (1, "CF_QWXC", "not_reportable"),
        (4, "CF_QWXC", "not_reportable"),
    ]
    assert result.errors[0].message == (
        "自然人违法行为轻微并主动消除或者减轻违法行为危害后果的行政处罚不报送"
        "（《河南省社会信用条例》第十三条）"
    )


def test_formula_text_is_stored_unchanged() -> None:
    result = run(
        [
            org_row(1, BZ='=HYPERLINK("http://x","点我")'),
            org_row(2, CF_SY="+86 说明", BZ="@SUM(A1)"),
        ]
    )
    assert result.accepted == 2
    assert (
        CreditRecord.objects.get(document_number="北关市监罚〔2026〕1号").payload["BZ"]
        == '=HYPERLINK("http://x","点我")'
    )
    assert (
        CreditRecord.objects.get(document_number="北关市监罚〔2026〕2号").payload["CF_SY"]
        == "+86 说明"
    )


def test_resending_the_same_rows_changes_nothing() -> None:
    first = run([org_row(1), person_row(2)])
    before = list(
        CreditRecord.objects.order_by("id").values_list("id", "updated_at", "version", "batch_id")
    )
    again = run([org_row(1), person_row(2)], reported_on=date(2026, 3, 9))
    assert (again.accepted, again.updated, again.duplicates, again.rejected) == (0, 0, 2, 0)
    after = list(
        CreditRecord.objects.order_by("id").values_list("id", "updated_at", "version", "batch_id")
    )
    assert after == before
    assert all(b == first.batch.pk for *_, b in after)
    assert RecordVersion.objects.count() == 0


def test_changed_row_is_a_correction_with_a_version() -> None:
    run([org_row(1)])
    record = CreditRecord.objects.get()
    old_hash = record.content_hash
    result = run([org_row(1, CF_NR="罚款3000元", CF_NR_FK="0.3")], reported_on=date(2026, 3, 9))
    assert (result.accepted, result.updated, result.duplicates) == (0, 1, 0)
    record.refresh_from_db()
    assert record.version == 2
    assert record.payload["CF_NR_FK"] == "0.3"
    assert record.reported_on == REPORTED  # timeliness stays with the first report
    assert record.batch_id == result.batch.pk
    (version,) = RecordVersion.objects.filter(record=record)
    assert (version.version, version.content_hash, version.payload["CF_NR_FK"]) == (
        1,
        old_hash,
        "0.2",
    )
    assert version.superseded_by_batch_id == result.batch.pk
    event = Event.objects.get(action="collection.ingest", target_id=str(result.batch.pk))
    assert event.new_values["corrected_records"] == [record.pk]


def test_only_the_reporting_unit_may_correct() -> None:
    run([org_row(1)])
    other = ingest_rows(
        actor=None,
        unit="区人社局",
        record_type="XZCF",
        rows=[org_row(1, CF_NR_FK="0.5", CF_NR="罚款5000元")],
        reported_on=REPORTED,
    )
    assert (other.updated, other.rejected) == (0, 1)
    assert other.errors[0].code == "other_unit"
    assert "只能由原报送单位更正" in other.errors[0].message


def test_name_disagreeing_with_known_subject_is_flagged_not_overwritten() -> None:
    get_or_create_subject(actor=None, identifier=ORG_USCC, name="安阳市北关区老名称有限公司")
    result = run([org_row(1)])
    record = CreditRecord.objects.get()
    assert record.subject.name == "安阳市北关区老名称有限公司"
    assert record.name_mismatch.startswith("名称不一致：平台登记为“安阳市北关区老名称有限公司”")
    assert result.warnings == [f"第 1 行：{record.name_mismatch}"]
    assert result.batch.warnings == result.warnings


def test_deadline_across_national_day_2026() -> None:
    # 中秋 9/25–27 and 国庆 10/1–7 off, Saturday 10/10 worked (DOMAIN.md §3).
    decided = date(2026, 9, 28)
    assert calendar.add_workdays(decided, 7) == date(2026, 10, 13)
    on_time = run([org_row(1, CF_JDRQ="2026-09-28")], reported_on=date(2026, 10, 13))
    late = run([org_row(2, CF_JDRQ="2026-09-28")], reported_on=date(2026, 10, 14))
    first = CreditRecord.objects.get(document_number="北关市监罚〔2026〕1号")
    second = CreditRecord.objects.get(document_number="北关市监罚〔2026〕2号")
    assert (first.deadline, first.is_late, on_time.late) == (date(2026, 10, 13), False, 0)
    assert (second.deadline, second.is_late, late.late) == (date(2026, 10, 13), True, 1)


def test_deadline_across_spring_festival_2026_and_late_warning() -> None:
    # 春节 2/15–23 off; Saturdays 2/14 and 2/28 worked.
    assert calendar.add_workdays(date(2026, 2, 12), 7) == date(2026, 2, 28)
    result = run([org_row(1, CF_JDRQ="2026-02-12")], reported_on=date(2026, 3, 2))
    record = CreditRecord.objects.get()
    assert (record.deadline, record.is_late, result.late) == (date(2026, 2, 28), True, 1)
    warning = QualityWarning.objects.get(kind=QualityWarning.Kind.LATE_RECORD)
    assert warning.key == f"record:{record.pk}"
    assert warning.unit == unit("区市场监管局")
    assert warning.record_id == record.pk
    assert warning.period == "2026-03"
    assert warning.message == (
        "迟报：行政处罚（文书号 北关市监罚〔2026〕1号）决定日期 2026-02-12，报送期限 2026-02-28，实际报送 2026-03-02"
    )
    # A correction of the late record does not warn twice.
    run(
        [org_row(1, CF_JDRQ="2026-02-12", CF_NR="罚款3000元", CF_NR_FK="0.3")],
        reported_on=date(2026, 3, 3),
    )
    assert QualityWarning.objects.filter(kind=QualityWarning.Kind.LATE_RECORD).count() == 1


def test_subjects_created_once_and_matched_by_identifier() -> None:
    run([org_row(1), org_row(2), person_row(3)])
    assert Subject.objects.count() == 2
    run([org_row(4, CF_XDR_SHXYM=ORG_USCC.lower())])
    assert Subject.objects.count() == 2
    assert CreditRecord.objects.values("subject_id").distinct().count() == 2


def test_reporter_of_one_unit_cannot_ingest_for_another() -> None:
    from xinyong.orgs.services import create_user

    reporter = create_user(
        actor=None,
        username="scj_reporter",
        password="Xinyong@2026",
        role=Role.REPORTER,
        unit=unit("区市场监管局"),
    )
    with pytest.raises(NotPermitted):
        ingest_rows(
            actor=reporter,
            unit="区人社局",
            record_type="行政处罚",
            rows=[org_row(1)],
            reported_on=REPORTED,
        )
    assert Batch.objects.count() == 0
    own = ingest_rows(
        actor=reporter,
        unit="区市场局",
        record_type="行政处罚",
        rows=[org_row(1)],
        reported_on=REPORTED,
    )
    assert own.accepted == 1
    assert own.batch.created_by == reporter


def test_a_control_character_rejects_its_row_only() -> None:
    """PostgreSQL text cannot hold NUL: before this check one NUL anywhere failed the
    whole batch at COPY (a 500), losing every valid row."""
    result = run(
        [
            org_row(1),
            org_row(2, CF_SY="经查\x00当事人未取得许可"),
            org_row(3, CF_XDR_MC="安阳市北关区\ud800商贸有限公司"),
            org_row(4),
        ]
    )
    assert (result.accepted, result.rejected) == (2, 2)
    assert codes_of(result) == [
        (2, "CF_SY", "control_character"),
        (3, "CF_XDR_MC", "mojibake"),
    ]
    assert "控制字符" in result.errors[0].message
    kept = RejectedRow.objects.get(batch=result.batch, row_number=2)
    assert kept.original["CF_SY"] == "经查当事人未取得许可"
    assert CreditRecord.objects.count() == 2


def test_a_nul_deep_in_a_csv_rejects_that_row(tmp_path) -> None:
    from xinyong.catalog.fieldspec import get_spec
    from xinyong.collection.services import ingest_file

    spec = get_spec("XZCF")
    codes = [f.code for f in spec.fields if f.code in org_row(1)]
    lines = [",".join(codes)]
    for n in range(1, 1201):
        row = org_row(n, CF_SY=("经查\x00属实" if n == 1150 else "经查属实。" * 40))
        lines.append(",".join(str(row[c]) for c in codes))
    path = tmp_path / "penalties.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 300_000  # beyond the reader's first look at the bytes
    result = ingest_file(
        actor=None, unit="区市场监管局", record_type="行政处罚", path=path, reported_on=REPORTED
    )
    assert (result.rows, result.accepted, result.rejected) == (1200, 1199, 1)
    assert codes_of(result) == [(1151, "CF_SY", "control_character")]


def test_a_row_giving_a_code_the_wrong_kind_rejects_that_row_only() -> None:
    from xinyong.subjects.demo import demo_uscc

    shop = demo_uscc("92", "L14N8Q2T")
    rows = [
        org_row(n, CF_XDR_LB="个体工商户", CF_XDR_SHXYM=shop, CF_XDR_MC="北关区老王小吃店")
        for n in range(1, 6)
    ]
    rows.append(
        org_row(6, CF_XDR_LB="法人及非法人组织", CF_XDR_SHXYM=shop, CF_XDR_MC="北关区老王小吃店")
    )
    result = run(rows)
    assert (result.accepted, result.rejected) == (5, 1)
    assert [(e.row, e.code) for e in result.errors] == [(6, "subject")]
    assert "个体工商户" in result.errors[0].message


def test_a_new_subject_takes_the_name_of_its_first_row() -> None:
    rows = [org_row(n) for n in (1, 2)]
    rows.append(org_row(3, CF_XDR_MC="另一个名字有限公司"))
    result = run(rows)
    assert result.accepted == 3
    subject = Subject.objects.get(identifier=ORG_USCC)
    assert subject.name == "安阳市北关区某某商贸有限公司"
    assert any("已按前者登记" in w and "另一个名字有限公司" in w for w in result.warnings)


def test_a_person_named_by_passport_is_keyed_by_document_type_and_number() -> None:
    result = run(
        [
            person_row(1),
            person_row(2, CF_XDR_ZJLX="护照", CF_XDR_ZJHM="E12345678"),
            person_row(3, CF_XDR_ZJLX="港澳居民来往内地通行证", CF_XDR_ZJHM="H12345678"),
        ]
    )
    assert (result.accepted, result.rejected) == (3, 0)
    assert sorted(Subject.objects.values_list("identifier_type", "identifier")) == [
        ("other_personal_id", "护照:E12345678"),
        ("other_personal_id", "港澳居民来往内地通行证:H12345678"),
        ("resident_id", PERSON_ID),
    ]
