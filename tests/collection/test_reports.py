"""The monthly 通报 (XLSX and PDF), the import template and the operator commands."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from xinyong.collection import reports, selectors
from xinyong.collection.models import CollectionPolicy, MonthlyDeclaration, QualityWarning
from xinyong.core import pdf
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Unit

from .qhelpers import batch, declare, record, unit

OCT = selectors.Period.month(2026, 10)
pytestmark = pytest.mark.django_db


def _month() -> None:
    CollectionPolicy.objects.create(late_warning_threshold=2)
    scj = unit("区市场监管局")
    for n in range(1, 11):
        record(
            scj,
            f"北市监罚〔2026〕{n}号",
            decided=date(2026, 10, 9),
            reported=date(2026, 10, 20),
            late=n <= 2,
        )
    batch(scj, reported=date(2026, 10, 20), rows=12, rejected=2)
    declare(scj, 2026, 10, 12)
    rsj = unit("区人社局")
    record(rsj, "北人社罚〔2026〕1号", decided=date(2026, 10, 9), reported=date(2026, 10, 12))
    batch(rsj, reported=date(2026, 10, 12), rows=1)
    QualityWarning.objects.create(
        unit=scj,
        kind=QualityWarning.Kind.REPEATED_LATENESS,
        key="2026-10",
        period="2026-10",
        message="迟报 2 条",
    )


def _units_in_order() -> list[str]:
    return list(
        Unit.objects.filter(active=True)
        .order_by("sort_order", "name")
        .values_list("name", flat=True)
    )


def test_report_data_and_summary() -> None:
    _month()
    report = reports.monthly_report(OCT)
    assert report.title == "北关区2026年10月公共信用信息归集情况通报"
    names = _units_in_order()
    assert [r.unit.name for r in report.rows] == names
    assert f"全区 {len(names)} 个责任单位中，2 个单位报送公共信用信息共 11 条" in report.summary
    assert "迟报 2 条，涉及 1 个单位" in report.summary
    assert "列入约谈预警的单位（1 个）：区市场监管局" in report.summary
    assert report.totals.timeliness is not None and str(report.totals.timeliness) == "81.82"


def test_report_xlsx_lists_every_unit_in_fixed_order() -> None:
    _month()
    book = openpyxl.load_workbook(io.BytesIO(reports.report_xlsx(OCT)))
    sheet = book["通报"]
    assert sheet["A1"].value == "北关区2026年10月公共信用信息归集情况通报"
    assert "约谈预警" in sheet["A2"].value
    assert [c.value for c in sheet[4]] == list(reports.REPORT_COLUMNS)
    names = _units_in_order()
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=5, max_row=4 + len(names))]
    assert [row[1] for row in body] == names
    scj = next(row for row in body if row[1] == "区市场监管局")
    assert scj[2:11] == [10, 2, "80.00%", 12, 2, "83.33%", 12, "83.33%", "1 条（多次迟报）"]
    silent = next(row for row in body if row[1] == "区纪委监委")
    assert silent[2:5] == [0, 0, "—"] and silent[8] == "未申报"
    totals = [c.value for c in sheet[5 + len(names)]]
    assert totals[1:4] == ["合计", 11, 2]


def test_report_cells_are_formula_safe() -> None:
    scj = unit("区市场监管局")
    Unit.objects.filter(pk=scj.pk).update(name='=HYPERLINK("http://x")')
    content = reports.report_xlsx(OCT)
    sheet = openpyxl.load_workbook(io.BytesIO(content))["通报"]
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://x")' in values
    assert not any(v.startswith("=") for v in values)


def test_report_pdf_has_every_unit_and_an_embedded_cjk_font() -> None:
    _month()
    content = reports.report_pdf(OCT, issued_on=date(2026, 11, 5))
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert "北关区2026年10月公共信用信息归集情况通报" in text
    for name in _units_in_order():
        assert name in text, name
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert any("CJK" in f for f in fonts), fonts


def test_missing_cjk_font_is_a_hard_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf, "_DEFAULT_FONT_DIRS", (str(tmp_path),))
    monkeypatch.setenv("XINYONG_FONT_DIRS", "")
    pdf._discover.cache_clear()
    try:
        with pytest.raises(DomainError, match="未找到中文字体"):
            pdf.render_typst("= 标题")
    finally:
        pdf._discover.cache_clear()


def test_unknown_font_family_is_refused() -> None:
    with pytest.raises(DomainError, match="未安装的字体"):
        pdf.render_typst('#text(font: "No Such Font Family")[中文]')


def test_template_xlsx_headers_validation_and_guide() -> None:
    filename, content = reports.record_template_xlsx("XZCF")
    assert filename == "行政处罚导入模板.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(content))
    data = book["数据"]
    headers = [c.value for c in data[1]]
    assert headers[0] == "*行政相对人名称"
    assert "*处罚决定日期" in headers and "备注" in headers
    first = data.cell(row=1, column=1)
    assert first.comment is not None and "字段代码：CF_XDR_MC" in first.comment.text
    validations = {str(v.sqref): v for v in data.data_validations.dataValidation}
    kind_col = openpyxl.utils.get_column_letter(headers.index("*行政相对人类别") + 1)
    kind = next(v for ref, v in validations.items() if ref.startswith(f"{kind_col}2"))
    assert kind.type == "list"
    lists = book["可选值"]
    assert lists.sheet_state == "hidden"
    col = kind.formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    values = [c.value for c in lists[col]][1:4]
    assert lists[f"{col}1"].value == "行政相对人类别" and lists[f"{col}5"].value is None
    assert values == ["法人及非法人组织", "自然人", "个体工商户"]
    guide = book["填写说明"]
    rows = {r[0]: r for r in guide.iter_rows(min_row=2, values_only=True) if r[0]}
    assert rows["CF_XDR_MC"][1:3] == ("行政相对人名称", "必填")
    assert rows["CF_XDR_SHXYM"][2] == "条件必填：行政相对人类别为法人及非法人组织/个体工商户时必填"
    assert "单位：万元" in rows["CF_NR_FK"][3]
    assert rows["CF_JDRQ"][4] == "2026-10-15"


def test_cli_check_report_template_declare(tmp_path: Path) -> None:
    _month()
    out = io.StringIO()
    call_command("collection", "check", "--period", "2026-10", "--json", stdout=out)
    first = json.loads(out.getvalue())
    assert first["period"] == "2026-10" and first["created"] >= 1
    out = io.StringIO()
    call_command("collection", "check", "--period", "2026-10", "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 0

    xlsx = tmp_path / "tb.xlsx"
    call_command(
        "collection",
        "report",
        "--period",
        "2026-10",
        "--format",
        "xlsx",
        "--output",
        str(xlsx),
        stdout=io.StringIO(),
    )
    assert openpyxl.load_workbook(xlsx)["通报"]["A1"].value.startswith("北关区2026年10月")
    pdf_file = tmp_path / "tb.pdf"
    call_command(
        "collection",
        "report",
        "--period",
        "2026-10",
        "--format",
        "pdf",
        "--output",
        str(pdf_file),
        stdout=io.StringIO(),
    )
    assert pdf_file.read_bytes().startswith(b"%PDF")

    template = tmp_path / "t.xlsx"
    call_command(
        "collection", "template", "行政许可", "--output", str(template), stdout=io.StringIO()
    )
    assert "*行政相对人名称" in [c.value for c in openpyxl.load_workbook(template)["数据"][1]]

    call_command(
        "collection",
        "declare",
        "--unit",
        "区人社局",
        "--type",
        "XZCF",
        "--period",
        "2026-10",
        "--count",
        "4",
        stdout=io.StringIO(),
    )
    assert (
        MonthlyDeclaration.objects.get(unit=unit("区人社局"), year=2026, month=10).declared_count
        == 4
    )

    with pytest.raises(CommandError, match="统计期间不正确：2026年13月"):
        call_command("collection", "report", "--period", "2026-13", "--output", str(xlsx))
    with pytest.raises(CommandError, match="未知信息类别"):
        call_command("collection", "template", "NOPE", "--output", str(template))


def test_overdue_repairs_are_worded_as_counted_within_the_month(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.utils import timezone

    from tests.rights.repair_helpers import ORG_USCC, UNIT, penalty_row, staff, store
    from tests.rights.repair_helpers import record as penalty
    from xinyong.rights import repair
    from xinyong.rights.models import Channel

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 11, 26))
    users = staff()
    store([penalty_row(1)])
    app = repair.apply_for_repair(
        actor=None,
        record=penalty(1),
        channel=Channel.ONLINE,
        applicant_name="安阳市北关区某某化工有限公司",
        applicant_phone="13800001234",
        subject_identifier=ORG_USCC,
        fulfilment_statement="已缴清罚款5万元。",
        commitment_accepted=True,
        submitted_on=date(2026, 10, 9),
    )
    # Complete Fri 10-09, due Thu 10-22, decided 10-27 and synced in time: open late for
    # a few days of October, closed well before its end.
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 10, 9)
    )
    app = repair.provider_review(
        actor=users["reporter"], application=app, agrees=True, opinion="同意", on=date(2026, 10, 9)
    )
    app = repair.decide_repair(
        actor=users["admin"], application=app, approve=True, reason="同意", on=date(2026, 10, 27)
    )
    repair.record_sync(actor=users["admin"], application=app, on=date(2026, 10, 28))

    october = reports.monthly_report(OCT)
    assert october.overdue_repairs == [(UNIT, 1)]
    assert f"本月内超期办理的信用修复申请 1 件：{UNIT} 1 件。" in october.summary
    assert "月末" not in october.summary
    september = selectors.Period.month(2026, 9)
    assert "本月内无超期办理的信用修复申请。" in reports.monthly_report(september).summary
    definitions = reports._definitions()
    assert any(
        d.startswith("超期修复 = 本月内曾超过审核时限或同步时限仍未办结") and "超期作出决定" in d
        for d in definitions
    )
    assert any(d.startswith("超期异议 = 本月内曾超过办理时限仍未办结") for d in definitions)

    sheet = openpyxl.load_workbook(io.BytesIO(reports.report_xlsx(september)))["通报"]
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "本月内无超期办理的信用修复申请" in cells
    assert not any("月末" in c for c in cells)
    reader = PdfReader(io.BytesIO(reports.report_pdf(september, issued_on=date(2026, 10, 8))))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert "本月内无超期办理的信用修复申请。" in text
    assert "月末" not in text
