"""Formula injection through the XLSX exports (issue 3 §2, review): a text such as
`{=HYPERLINK(...)}` written with `worksheet.write()` became an array formula
(`<f t="array">`) while xlsxwriter's `strings_to_formulas` was on and `safe_cell` did not
know the leading "{". Every export is read here as the spreadsheet program reads it: the
sheet XML inside the ZIP must hold no formula at all, and the text is shown neutralised."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from xinyong.collection import reports as collection_reports
from xinyong.collection import selectors as collection_selectors
from xinyong.collection.services import ingest_rows, rejected_rows_xlsx
from xinyong.core.exports import FORMULA_TRIGGERS, safe_cell
from xinyong.integrity import evaluation
from xinyong.integrity.exports import evaluation_xlsx
from xinyong.integrity.models import Indicator
from xinyong.ledger import reports as ledger_reports
from xinyong.orgs.models import Role, Unit

from ..collection.ingest_helpers import org_row
from ..integrity.helpers import SCJG, make_user
from ..ledger.helpers import plan

pytestmark = pytest.mark.django_db

ARRAY = '{=HYPERLINK("http://evil.example","点我")}'
PLAIN = '=HYPERLINK("http://evil.example","点我")'
URL = "http://evil.example/登录"
SRC = Path(__file__).resolve().parents[2] / "src" / "xinyong"


def _formulas(content: bytes) -> list[str]:
    """Every formula element in every sheet of an XLSX."""
    found = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += re.findall(r"<f[ >].*?</f>|<f/>", archive.read(name).decode("utf-8"))
    return found


def _hyperlinks(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/_rels/") and b"hyperlink" in archive.read(name)
        ]


def _texts(content: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        c.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]


def _assert_neutralised(content: bytes, *texts: str) -> None:
    assert _formulas(content) == []
    assert _hyperlinks(content) == []
    values = _texts(content)
    for text in texts:
        assert "'" + text in values
    assert not any(v.startswith(("=", "{=")) for v in values)


def _rename(unit_name: str, name: str) -> None:
    Unit.objects.filter(name=unit_name).update(name=name)


def test_safe_cell_neutralises_the_array_formula_form() -> None:
    assert safe_cell(ARRAY) == "'" + ARRAY
    assert safe_cell("{=1+1}") == "'{=1+1}"
    # Braces alone are text (the JSON of a rejected API value): left as they are.
    assert safe_cell('{"名称": "某公司"}') == '{"名称": "某公司"}'
    for text in ("=1+1", "+1 经查", "-2", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("经查{=1}") == "经查{=1}"
    assert "{=" in FORMULA_TRIGGERS


def test_integrity_evaluation_evidence() -> None:
    office = make_user("fx_admin", Role.CREDIT_ADMIN, "区发改委")
    indicator = Indicator.objects.get(system=evaluation.get_system(2026), code="YFXZ04")
    evaluation.set_manual_score(
        actor=office,
        indicator=indicator,
        unit=SCJG,
        score="6",
        evidence=ARRAY,
        on=date(2026, 11, 20),
    )
    _rename("区人社局", PLAIN)
    _result, content = evaluation_xlsx(evaluation.get_system(2026), as_of=date(2026, 12, 31))
    _assert_neutralised(content, ARRAY, PLAIN)


def test_collection_monthly_report_unit_name() -> None:
    _rename("区市场监管局", ARRAY)
    _rename("区人社局", URL)
    content = collection_reports.report_xlsx(collection_selectors.Period.month(2026, 10))
    _assert_neutralised(content, ARRAY)
    assert URL in _texts(content)  # plain text, not a hyperlink


def test_ledger_bulletin_and_assessment_unit_name() -> None:
    _rename("区市场监管局", ARRAY)
    _rename("区人社局", URL)
    p = plan()
    bulletin = ledger_reports.bulletin_xlsx(p, "2026-10")
    _assert_neutralised(bulletin, ARRAY)
    assessment = ledger_reports.assessment_xlsx(p, on=date(2026, 12, 1))
    _assert_neutralised(assessment, ARRAY)
    assert URL in _texts(assessment)


def test_rejected_rows_workbook() -> None:
    result = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=[org_row(1, CF_SY=ARRAY, CF_WSH="")],
        reported_on=date(2026, 3, 5),
    )
    assert result.rejected == 1
    # Sent back to be fixed and re-sent: the text as written, in a string cell marked as
    # text (quote prefix), not with an apostrophe that would be stored on the way back.
    content = rejected_rows_xlsx(result.batch)
    assert _formulas(content) == [] and _hyperlinks(content) == []
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    [cell] = [c for row in sheet.iter_rows() for c in row if c.value == ARRAY]
    assert (cell.data_type, cell.quotePrefix) == ("s", True)


def test_every_xlsxwriter_workbook_is_opened_without_string_conversion() -> None:
    # A new export that opens xlsxwriter directly would bring the default back.
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text("utf-8")
        for match in re.finditer(r"xlsxwriter\.Workbook\((.*?)\)\n", text, re.S):
            if '"strings_to_formulas": False' not in match.group(1):
                offenders.append(str(path.relative_to(SRC)))
    assert offenders == []
