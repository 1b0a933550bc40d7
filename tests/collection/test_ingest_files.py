"""Files: encodings, header styles, XLSX, unreadable files, the rejected-rows workbook and
the real enterprise-registration files."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xinyong.collection import quality
from xinyong.collection.models import Batch, QualityWarning, RejectedRow
from xinyong.collection.services import UnreadableFile, ingest_file, rejected_rows_xlsx
from xinyong.core.exports import safe_cell
from xinyong.records.models import CreditRecord

from .ingest_helpers import LABELS, ORG_USCC, org_row, person_row, write_csv

pytestmark = pytest.mark.django_db

REPORTED = date(2026, 3, 5)


def load(path: Path, record_type: str = "行政处罚", **kwargs: Any) -> Any:
    return ingest_file(
        actor=None,
        unit="区市场监管局",
        record_type=record_type,
        path=path,
        reported_on=REPORTED,
        **kwargs,
    )


def test_gbk_csv_with_chinese_labels(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", [org_row(1), person_row(2)], labels=True, encoding="gbk")
    assert "安阳".encode("gbk") in path.read_bytes()
    result = load(path)
    assert (result.rows, result.accepted, result.rejected) == (2, 2, 0)
    assert (
        CreditRecord.objects.get(document_number="北关市监罚〔2026〕1号").party_name
        == "安阳市北关区某某商贸有限公司"
    )


def test_utf8_bom_with_field_codes_in_any_order(tmp_path: Path) -> None:
    row = org_row(1)
    shuffled = dict(reversed(list(row.items())))
    path = write_csv(tmp_path / "bom.csv", [shuffled], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = load(path)
    assert result.accepted == 1
    assert result.batch.headers[-1] == "CF_XDR_MC"
    assert CreditRecord.objects.get().payload["CF_XDR_MC"] == "安阳市北关区某某商贸有限公司"


def test_extra_columns_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "extra.csv",
        [org_row(1)],
        labels=True,
        extra={"内部编号": "A-1", "经办人": "王五"},
    )
    result = load(path)
    assert result.accepted == 1
    assert result.warnings == ["已忽略未识别的列：内部编号、经办人"]
    assert "内部编号" not in CreditRecord.objects.get().payload


def test_missing_required_column_refuses_the_file(tmp_path: Path) -> None:
    row = org_row(1)
    del row["CF_WSH"]
    del row["CF_SY"]
    path = write_csv(tmp_path / "missing.csv", [row], labels=True)
    with pytest.raises(UnreadableFile) as caught:
        load(path)
    assert caught.value.message == (
        "缺少必填列：行政处罚决定书文号（CF_WSH）、违法事实（CF_SY）。请使用信息类别“行政处罚”的模板表头。"
    )
    batch = caught.value.batch
    assert (batch.status, batch.rows, batch.message) == (
        Batch.Status.UNREADABLE,
        0,
        caught.value.message,
    )
    assert CreditRecord.objects.count() == 0


def test_rows_with_too_many_or_too_few_cells_are_rejected_not_shifted(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ragged.csv", [org_row(1), org_row(2)], labels=True)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(
        lines[1]
        .replace("安阳市北关区某某商贸有限公司", "安阳市,北关区某某商贸有限公司")
        .replace("1号", "3号")
    )
    lines.append(",".join(lines[1].split(",")[:-2]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load(path)
    assert (result.rows, result.accepted, result.rejected) == (4, 2, 2)
    width = len(lines[0].split(","))
    messages = {e.row: e.message for e in result.errors}
    assert messages[4].startswith(f"列数与表头不符（本行 {width + 1} 列，表头 {width} 列）")
    assert messages[5].startswith(f"列数与表头不符（本行 {width - 2} 列，表头 {width} 列）")
    kept = RejectedRow.objects.get(batch=result.batch, row_number=4)
    assert kept.original["行政相对人名称"] == "安阳市"


def test_garbled_text_is_rejected(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "fffd.csv", [org_row(1, CF_XDR_MC="安阳市\ufffd\ufffd商贸有限公司"), org_row(2)]
    )
    result = load(path)
    assert (result.accepted, result.rejected) == (1, 1)
    (error,) = result.errors
    assert (error.row, error.column, error.code) == (2, "CF_XDR_MC", "mojibake")
    assert error.message.startswith("含乱码字符（U+FFFD）")


def test_xlsx_with_date_cells_and_excel_serials(tmp_path: Path) -> None:
    rows = [org_row(1), org_row(2), person_row(3)]
    codes = list(rows[2].keys())
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([LABELS[c] for c in codes])
    for i, row in enumerate(rows):
        cells: list[Any] = [row.get(c) or None for c in codes]
        jdrq = codes.index("CF_JDRQ")
        if i == 0:
            cells[jdrq] = datetime(2026, 3, 2)  # a real date cell
        elif i == 1:
            cells[jdrq] = 46083  # the same day as an Excel serial number
        fk = codes.index("CF_NR_FK")
        if cells[fk] is not None:
            cells[fk] = 0.2  # a numeric cell
        ws.append(cells)
    ws.append([None] * len(codes))  # a blank row is skipped
    path = tmp_path / "penalties.xlsx"
    wb.save(path)
    result = load(path)
    assert (result.rows, result.accepted, result.rejected) == (3, 3, 0), result.errors
    dates = set(CreditRecord.objects.values_list("decision_date", flat=True))
    assert dates == {date(2026, 3, 2)}
    assert (
        CreditRecord.objects.get(document_number="北关市监罚〔2026〕1号").payload["CF_NR_FK"]
        == "0.2"
    )


def test_unreadable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableFile, match="文件为空"):
        load(empty)
    binary = tmp_path / "picture.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(UnreadableFile, match="二进制"):
        load(binary)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(UnreadableFile, match="Excel 文件无法读取"):
        load(broken)
    unrelated = write_csv(tmp_path / "other.csv", [{"姓名": "张三", "年龄": "30"}])
    with pytest.raises(UnreadableFile):
        load(unrelated)
    assert Batch.objects.filter(status=Batch.Status.UNREADABLE).count() == 4
    assert CreditRecord.objects.count() == 0


def test_rejected_rows_workbook_is_formula_safe(tmp_path: Path) -> None:
    bad = org_row(
        2, CF_XDR_SHXYM="91512081MA62K0261E", BZ='=HYPERLINK("http://evil","点我")', CF_SY="-1 违法"
    )
    path = write_csv(tmp_path / "formula.csv", [org_row(1, BZ="@SUM(A1)"), bad], labels=True)
    result = load(path)
    assert (result.accepted, result.rejected) == (1, 1)
    stored = CreditRecord.objects.get()
    assert stored.payload["BZ"] == "@SUM(A1)"  # stored as text, unchanged
    content = rejected_rows_xlsx(result.batch)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = values[0]
    assert header[-3:] == ["行号", "错误列", "错误原因"]
    line = dict(zip(header, values[1], strict=True))
    # The text as written, in string cells marked as text (the quote-prefix flag Excel and
    # WPS set for 'text): shown as text, never evaluated, and unchanged when sent again.
    assert line["备注"] == '=HYPERLINK("http://evil","点我")'
    assert line["违法事实"] == "-1 违法"
    cells = dict(zip(header, ws[2], strict=True))
    for name in ("备注", "违法事实"):
        assert (cells[name].data_type, cells[name].quotePrefix) == ("s", True)
    assert line["行号"] == 3
    assert line["错误列"] == "统一社会信用代码"
    assert line["错误原因"].startswith("统一社会信用代码：统一社会信用代码“91512081MA62K0261E”无效")
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


def test_safe_cell() -> None:
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+86") == "'+86"
    assert safe_cell("-5") == "'-5"
    assert safe_cell("@x") == "'@x"
    assert safe_cell("安阳") == "安阳"
    assert safe_cell(-5) == -5
    assert safe_cell(None) is None


# Observed on the real files: (rows, accepted, rejected) per file, and the reasons.
REALDATA_COUNTS = {
    "1978/吉林.csv": (2, 2, 0),
    "1978/四川.csv": (9, 9, 0),
    "1978/天津.csv": (1, 1, 0),
    "1978/安徽.csv": (4, 4, 0),
    "1978/广东.csv": (66, 66, 0),
    "1978/广西.csv": (3, 3, 0),
    "1978/江苏.csv": (56, 56, 0),
    "1978/河南.csv": (2, 2, 0),
    "1978/湖北.csv": (14, 14, 0),
    "1978/湖南.csv": (12, 12, 0),
    "1978/福建.csv": (1, 1, 0),
    "1978/贵州.csv": (11, 11, 0),
    "1978/黑龙江.csv": (3, 3, 0),
    "1979/四川.csv": (261, 261, 0),
    "1981/山东.csv": (221, 221, 0),
    "1983/广东.csv": (242, 242, 0),
    "1984/广东.csv": (697, 696, 1),
    "1985/安徽.csv": (128, 127, 1),
    "1987/江苏.csv": (886, 867, 19),
    "1989/湖北.csv": (1561, 1560, 1),
    "1992/湖北.csv": (908, 907, 1),
    "1993/四川.csv": (1399, 1398, 1),
    "1996/江苏.csv": (4460, 4321, 139),
    "1999/天津.csv": (1998, 1997, 1),
    "2000/湖北.csv": (0, 0, 0),
    "2002/上海.csv": (4356, 4318, 38),
    "2002/江苏.csv": (5012, 4722, 290),
    "2003/北京.csv": (5562, 5561, 1),
    "2004/西藏.csv": (226, 226, 0),
}


def test_real_enterprise_registration_files(realdata: Path) -> None:
    base = realdata / "enterprise-registration-cn" / "csv"
    files = sorted(p.relative_to(base).as_posix() for p in base.rglob("*.csv"))
    assert files == sorted(REALDATA_COUNTS)
    observed = {}
    reasons: dict[str, set[str]] = {}
    for name in files:
        result = load(base / name, record_type="登记注册基本信息")
        # What the upload page, the form and the API do right after a batch is stored: a
        # registration dated 1978 once failed it ("统计期间不正确：1978年5月").
        quality.check_after_batch(result.batch)
        assert quality.batch_months(result.batch) == [(2026, 3)]
        observed[name] = (result.rows, result.accepted, result.rejected)
        reasons[name] = {e.code for e in result.errors}
        assert result.accepted + result.rejected + result.duplicates == result.rows
    assert observed == REALDATA_COUNTS
    assert reasons["2002/上海.csv"] >= {"mojibake", "column_count", "invalid_identifier"}
    assert reasons["1984/广东.csv"] == {"duplicate_in_file"}
    shifted = RejectedRow.objects.filter(errors__0__code="column_count").first()
    assert shifted is not None
    assert shifted.errors[0]["message"].startswith(
        "列数与表头不符（本行 11 列，表头 10 列）"
    ) or shifted.errors[0]["message"].startswith("列数与表头不符（本行 13 列，表头 10 列）")
    messages = [e["message"] for r in RejectedRow.objects.all() for e in r.errors]
    assert any("长度错误：统一社会信用代码应为18位，实为15位" in m for m in messages)
    assert not CreditRecord.objects.filter(party_name__contains="\ufffd").exists()
    assert CreditRecord.objects.count() == sum(v[1] for v in REALDATA_COUNTS.values())
    # Registrations owe no monthly declaration: no 未申报 suspicion for their 成立日期 months.
    assert not QualityWarning.objects.exclude(period="2026-03").exists()


def test_rejected_rows_fixed_and_sent_again_keep_the_text_as_written(tmp_path: Path) -> None:
    """The workbook is for fixing and re-sending: a formula-like text must come back as it
    was written, not with the export's apostrophe stored as data ("'-1 违法")."""
    bad = org_row(1, CF_XDR_SHXYM="91512081MA62K0261E", CF_SY="-1 违法", BZ="=备注")
    first = load(write_csv(tmp_path / "a.csv", [bad], labels=True))
    assert first.rejected == 1
    wb = openpyxl.load_workbook(io.BytesIO(rejected_rows_xlsx(first.batch)))
    ws = wb.active
    assert ws is not None
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("统一社会信用代码") + 1, value=ORG_USCC)  # the fix
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    again = load(fixed)
    assert again.accepted == 1
    payload = CreditRecord.objects.get().payload
    assert (payload["CF_SY"], payload["BZ"]) == ("-1 违法", "=备注")
