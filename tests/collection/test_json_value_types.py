"""JSON rows whose values are not text (objects, arrays, booleans) are rejected row by row,
never stored as Python's rendering of them (`{'名称': '…'}`, `True`) and published.

A JSON number stays accepted wherever it is today (amounts; a number in a text field is
stored as its digits); null stays an empty cell; an array is accepted only for a
multi-value enumeration field (`multi_enum`, e.g. 处罚类别) and only of strings.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.collection.models import RejectedRow
from xinyong.collection.services import ingest_rows, rejected_rows_xlsx
from xinyong.orgs import services as org_services
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject

from .ingest_helpers import LABELS, ORG_USCC, OTHER_USCC, org_row, unit

pytestmark = pytest.mark.django_db

REPORTED = date(2026, 3, 5)
BAD_NAME = "安阳市北关区恒达商贸有限公司"


def run(rows: list[dict[str, Any]]) -> Any:
    return ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=rows,
        reported_on=REPORTED,
    )


def errors_of(result: Any, row: int) -> dict[str, tuple[str, str]]:
    return {e.column: (e.code, e.message) for e in result.errors if e.row == row}


def bad_row(n: int) -> dict[str, Any]:
    """The reported case: an object, a boolean and a list in single-value text fields."""
    return org_row(
        n,
        CF_XDR_MC={"名称": BAD_NAME},
        CF_XDR_SHXYM=OTHER_USCC,
        CF_FRDB=True,
        CF_SY={"k": "v"},
        CF_YJ=["《企业信息公示暂行条例》", {"条": 18}],
    )


def test_each_bad_type_is_rejected_by_row_and_column_and_good_rows_are_stored() -> None:
    result = run([org_row(1), bad_row(2), org_row(3)])
    assert (result.rows, result.accepted, result.rejected) == (3, 2, 1)
    assert errors_of(result, 2) == {
        "CF_XDR_MC": ("wrong_type", "应为文本，收到的是对象；请直接填写文字（JSON 字符串）"),
        "CF_FRDB": ("wrong_type", "应为文本，收到的是布尔值；请直接填写文字（JSON 字符串）"),
        "CF_SY": ("wrong_type", "应为文本，收到的是对象；请直接填写文字（JSON 字符串）"),
        "CF_YJ": (
            "wrong_type",
            "应为文本，收到的是数组（只有多选字段可填数组）；请直接填写文字（JSON 字符串）",
        ),
    }
    stored = sorted(CreditRecord.objects.values_list("document_number", flat=True))
    assert stored == ["北关市监罚〔2026〕1号", "北关市监罚〔2026〕3号"]
    assert not CreditRecord.objects.filter(party_name__contains="恒达").exists()
    assert not Subject.objects.filter(identifier=OTHER_USCC).exists()
    # The rejected row keeps what the client sent, as JSON, for the XLSX to fix and re-send.
    rejected = RejectedRow.objects.get(batch=result.batch)
    assert rejected.row_number == 2
    assert rejected.original["CF_XDR_MC"] == '{"名称": "安阳市北关区恒达商贸有限公司"}'
    assert rejected.original["CF_FRDB"] == "true"
    assert rejected.original["CF_YJ"] == '["《企业信息公示暂行条例》", {"条": 18}]'
    assert [e["code"] for e in rejected.errors] == ["wrong_type"] * 4


def test_the_column_is_the_key_as_the_client_wrote_it() -> None:
    labelled = {LABELS[k]: v for k, v in org_row(5).items()}
    bad = {
        **labelled,
        "法定代表人": False,
        "违法事实": ["经查", "属实"],
        "罚款金额（万元）": {"万元": 0.2},
    }
    result = run([labelled, bad])
    assert (result.accepted, result.rejected) == (1, 1)
    assert errors_of(result, 2) == {
        "法定代表人": ("wrong_type", "应为文本，收到的是布尔值；请直接填写文字（JSON 字符串）"),
        "违法事实": (
            "wrong_type",
            "应为文本，收到的是数组（只有多选字段可填数组）；请直接填写文字（JSON 字符串）",
        ),
        "罚款金额（万元）": ("wrong_type", "应为数值，收到的是对象；请填写数字或数字文本"),
    }


def test_enum_and_date_fields_name_what_they_expect() -> None:
    result = run([org_row(1, CF_QWXC=True, CF_JDRQ={"date": "2026-03-02"}, CF_XDR_LB=["自然人"])])
    assert result.accepted == 0
    assert errors_of(result, 1) == {
        "CF_QWXC": (
            "wrong_type",
            "应为文本“是”或“否”，收到的是布尔值；请直接填写文字（JSON 字符串）",
        ),
        "CF_JDRQ": (
            "wrong_type",
            "应为日期文本（如 2026-03-02），收到的是对象；请直接填写文字（JSON 字符串）",
        ),
        "CF_XDR_LB": (
            "wrong_type",
            "应为文本，收到的是数组（只有多选字段可填数组）；请直接填写文字（JSON 字符串）",
        ),
    }


def test_a_list_is_accepted_for_a_multi_value_field_only_of_strings() -> None:
    result = run(
        [
            org_row(1, CF_CFLB=["罚款", "警告"], CF_NR="警告并罚款2000元"),
            org_row(2, CF_CFLB=["罚款", 1]),
            org_row(3, CF_CFLB=["罚款", {"类别": "警告"}]),
            org_row(4, CF_CFLB=["罚款", "打板子"]),
            org_row(5, CF_CFLB=[]),
        ]
    )
    assert (result.accepted, result.rejected) == (1, 4)
    stored = CreditRecord.objects.get()
    assert stored.payload["CF_CFLB"] == ["警告", "罚款"]  # the catalogue order
    items = "应为文本或文本数组，收到的数组中含有非文本的值（数值、对象等），数组中每一项都应为文本"
    assert errors_of(result, 2) == {"CF_CFLB": ("wrong_type", items)}
    assert errors_of(result, 3) == {"CF_CFLB": ("wrong_type", items)}
    # A list of strings is checked against the catalogue's values like a "；" cell.
    assert errors_of(result, 4)["CF_CFLB"][0] == "invalid_enum"
    assert "打板子" in errors_of(result, 4)["CF_CFLB"][1]
    # An empty list is an empty cell, and 处罚类别 is required.
    assert errors_of(result, 5) == {"CF_CFLB": ("required", "必填项为空")}


def test_numbers_and_null_keep_their_meaning() -> None:
    result = run(
        [
            # An amount as a JSON number, as before; a text field given a number keeps the
            # number's digits (a document number sent as 123).
            org_row(1, CF_NR_FK=0.2, CF_WSH=123, BZ=None),
            # null is an empty cell: required fields say so, not "wrong type".
            org_row(2, CF_SY=None),
        ]
    )
    assert (result.accepted, result.rejected) == (1, 1)
    stored = CreditRecord.objects.get()
    assert stored.document_number == "123"
    assert stored.payload["CF_NR_FK"] == "0.2"
    assert "BZ" not in stored.payload
    assert errors_of(result, 2) == {"CF_SY": ("required", "必填项为空")}


def test_the_rejected_rows_workbook_shows_the_json_and_the_reason() -> None:
    result = run([org_row(1), bad_row(2)])
    wb = openpyxl.load_workbook(io.BytesIO(rejected_rows_xlsx(result.batch)))
    ws = wb.active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows()]
    line = dict(zip(values[0], values[1], strict=True))
    assert line["CF_XDR_MC"] == '{"名称": "安阳市北关区恒达商贸有限公司"}'
    assert line["CF_FRDB"] == "true"
    assert line["CF_SY"] == '{"k": "v"}'
    assert line["行号"] == 2
    assert line["错误列"] == "CF_XDR_MC、CF_FRDB、CF_SY、CF_YJ"
    assert line["错误原因"].startswith(
        "CF_XDR_MC：应为文本，收到的是对象；请直接填写文字（JSON 字符串）；CF_FRDB：应为文本，收到的是布尔值"
    )


def test_api_batch_rejects_the_row_and_the_public_page_shows_none_of_it() -> None:
    _token, key = org_services.issue_unit_token(
        actor=None, unit=unit("区市场监管局"), name="执法系统"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    decided = (timezone.localdate() - timedelta(days=20)).isoformat()
    good = org_row(1, CF_JDRQ=decided, CF_CFLB=["罚款", "警告"], CF_NR="警告并罚款2000元")
    # The bad row names the same subject as the good one: its page is where it would show.
    bad = {**bad_row(2), "CF_XDR_SHXYM": ORG_USCC, "CF_JDRQ": decided}
    response = client.post(
        "/api/v1/collection/batches",
        {"record_type": "行政处罚", "rows": [good, bad]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rows"], body["accepted"], body["rejected"]) == (2, 1, 1)
    assert {(e["row"], e["column"], e["code"]) for e in body["errors"]} == {
        (2, "CF_XDR_MC", "wrong_type"),
        (2, "CF_FRDB", "wrong_type"),
        (2, "CF_SY", "wrong_type"),
        (2, "CF_YJ", "wrong_type"),
    }
    detail = client.get(f"/api/v1/collection/batches/{body['batch']}").json()
    assert {e["column"] for e in detail["row_errors"]} == {"CF_XDR_MC", "CF_FRDB", "CF_SY", "CF_YJ"}

    record = CreditRecord.objects.get()
    assert record.document_number == "北关市监罚〔2026〕1号"
    page = Client().get(f"/credit/subject/{record.subject_id}/").content.decode()
    assert "北关市监罚〔2026〕1号" in page
    assert "北关市监罚〔2026〕2号" not in page
    for leaked in ("恒达", "{&#x27;", "{'", "True", "{&quot;"):
        assert leaked not in page
    shown = Client().get(f"/credit/record/{record.pk}/").content.decode()
    assert "警告；罚款" in shown or "警告、罚款" in shown
