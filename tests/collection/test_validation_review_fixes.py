"""Row rules found missing in review (issue 3 §2): validity and publicity dates against the
decision date when the other reference date is blank, and the old 组织机构代码 and 15-digit
工商注册号 checked like every other identifier, with the audited override list."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from stdnum.iso7064 import mod_11_10

from xinyong.catalog.fieldspec import get_spec
from xinyong.collection.pipeline.reader import rows_table
from xinyong.collection.pipeline.validate import Validator, map_headers
from xinyong.collection.services import ingest_file, ingest_rows
from xinyong.core import identifier_services
from xinyong.core.identifiers import IdentifierKind
from xinyong.records.models import CreditRecord

from .ingest_helpers import DECIDER_USCC, ORG_USCC, org_row, write_csv

pytestmark = pytest.mark.django_db

REPORTED = date(2026, 3, 5)


def _org_check(body: str) -> str:
    """GB 11714 check character, computed here from DOMAIN.md §2 (weights 3,7,9,10,5,8,4,2;
    11 − Σ mod 11; 10 → X, 11 → 0), independently of the code under test."""
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in body]
    rest = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return {10: "X", 11: "0"}.get(rest, str(rest))


VALID_ORG_CODE = "12345678-" + _org_check("12345678")  # 12345678-8
VALID_REG_NO = "41050300000000" + mod_11_10.calc_check_digit("41050300000000")  # …0004


def xk_row(n: int = 1, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "XK_XDR_MC": "安阳市北关区某某餐饮有限公司",
        "XK_XDR_LB": "法人及非法人组织",
        "XK_XDR_SHXYM": ORG_USCC,
        "XK_FRDB": "王五",
        "XK_XKWS": "食品经营许可决定书",
        "XK_WSH": f"北关市监许〔2026〕{n}号",
        "XK_XKLB": "普通",
        "XK_NR": "准予食品经营许可",
        "XK_JDRQ": "2026-03-02",
        "XK_XKJG": "安阳市北关区市场监督管理局",
        "XK_XKJGDM": DECIDER_USCC,
        "XK_LYDW": "安阳市北关区市场监督管理局",
        "XK_LYDWDM": DECIDER_USCC,
    }
    row.update(overrides)
    return row


def run(rows: list[dict[str, Any]], record_type: str = "行政处罚") -> Any:
    return ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type=record_type,
        rows=rows,
        reported_on=REPORTED,
    )


def errors_of(result: Any) -> list[tuple[int, str, str, str]]:
    return [(e.row, e.column, e.code, e.message) for e in result.errors]


# ---------------------------------------------------------------- dates vs decision date


def test_licence_valid_to_before_decision_is_refused_when_valid_from_is_blank() -> None:
    result = run([xk_row(1, XK_YXQZI="2025-01-01")], "行政许可")
    assert result.accepted == 0
    assert errors_of(result) == [
        (1, "XK_YXQZI", "date_order", "日期 2025-01-01 早于许可决定日期 2026-03-02")
    ]


def test_licence_valid_to_before_decision_is_refused_once_when_valid_from_is_later() -> None:
    # 有效期自 after the decision, 有效期至 before both: one message for the column, the
    # one naming 有效期自 (the stricter bound).
    result = run([xk_row(1, XK_YXQZ="2026-03-02", XK_YXQZI="2026-03-01")], "行政许可")
    assert errors_of(result) == [
        (1, "XK_YXQZI", "date_order", "日期 2026-03-01 早于有效期自 2026-03-02")
    ]


def test_licence_valid_to_before_decision_is_refused_when_valid_from_is_earlier() -> None:
    # 有效期自 itself before the decision is its own error; 有效期至 after it but still
    # before the decision must not pass either.
    result = run([xk_row(1, XK_YXQZ="2025-01-01", XK_YXQZI="2025-06-30")], "行政许可")
    assert sorted(errors_of(result)) == [
        (1, "XK_YXQZ", "date_order", "日期 2025-01-01 早于许可决定日期 2026-03-02"),
        (1, "XK_YXQZI", "date_order", "日期 2025-06-30 早于许可决定日期 2026-03-02"),
    ]


def test_licence_with_validity_after_the_decision_is_accepted() -> None:
    result = run(
        [
            xk_row(1, XK_YXQZI="2031-03-01"),
            xk_row(2, XK_YXQZ="2026-03-02", XK_YXQZI="2026-03-02"),
        ],
        "行政许可",
    )
    assert (result.accepted, result.rejected) == (2, 0)
    assert CreditRecord.objects.get(document_number="北关市监许〔2026〕1号").payload[
        "XK_YXQZI"
    ] == ("2031-03-01")


def test_penalty_validity_and_publicity_end_before_decision_are_refused() -> None:
    result = run([org_row(1, CF_YXQ="2026-03-01", CF_GSJZQ="2026-02-27")])
    assert sorted(errors_of(result)) == [
        (1, "CF_GSJZQ", "date_order", "日期 2026-02-27 早于处罚决定日期 2026-03-02"),
        (1, "CF_YXQ", "date_order", "日期 2026-03-01 早于处罚决定日期 2026-03-02"),
    ]


def test_every_validity_to_and_publicity_end_field_is_bounded_by_the_decision_date() -> None:
    # Every record type of the catalogue, whatever its not_before says: the field the day
    # before the decision, every other field blank (so a not_before field is blank too).
    from xinyong.catalog.models import RecordType

    checked = []
    for code in RecordType.objects.values_list("code", flat=True):
        spec = get_spec(code)
        decision = spec.by_role("decision_date")
        for fs in spec.fields:
            if fs.role not in {"valid_to", "publicity_end"}:
                continue
            assert decision is not None, (code, fs.code)
            table = rows_table([{decision.code: "2026-03-02", fs.code: "2026-03-01"}])
            colmap = map_headers(spec, table.headers, strict=False)
            validator = Validator(spec, colmap, table.headers, today=REPORTED, reported_on=REPORTED)
            (result,) = [validator.run(chunk) for chunk in table.chunks]
            found = [e.message for r in result.rejected for e in r.errors if e.column == fs.code]
            assert found == [f"日期 2026-03-01 早于{decision.label} 2026-03-02"], (code, fs.code)
            checked.append(fs.code)
    assert {"CF_YXQ", "CF_GSJZQ", "XK_YXQZI", "RY_YXQZ"} <= set(checked)


# ---------------------------------------------------------------- old identifiers


def test_valid_org_code_and_registration_number_are_accepted_and_normalised() -> None:
    assert VALID_ORG_CODE == "12345678-8" and VALID_REG_NO == "410503000000004"
    result = run(
        [
            org_row(1, CF_XDR_ZZJG=VALID_ORG_CODE, CF_XDR_GSZC=VALID_REG_NO),
            # Without the hyphen, full-width and lower case: the same codes.
            org_row(2, CF_XDR_ZZJG="１２３４５６７８８", CF_XDR_GSZC=" 410503000000004 "),
            org_row(3, CF_XDR_ZZJG="13830295-x"),  # DOMAIN.md §2 example
        ]
    )
    assert (result.accepted, result.rejected) == (3, 0), errors_of(result)
    first = CreditRecord.objects.get(document_number="北关市监罚〔2026〕1号").payload
    second = CreditRecord.objects.get(document_number="北关市监罚〔2026〕2号").payload
    third = CreditRecord.objects.get(document_number="北关市监罚〔2026〕3号").payload
    assert (first["CF_XDR_ZZJG"], first["CF_XDR_GSZC"]) == ("12345678-8", "410503000000004")
    assert (second["CF_XDR_ZZJG"], second["CF_XDR_GSZC"]) == ("12345678-8", "410503000000004")
    assert third["CF_XDR_ZZJG"] == "13830295-X"


def test_invalid_org_codes_are_refused_with_the_reason() -> None:
    result = run(
        [
            org_row(1, CF_XDR_ZZJG="12345678-0"),
            org_row(2, CF_XDR_ZZJG="ZZZZ"),
            org_row(3, CF_XDR_ZZJG=VALID_REG_NO),
        ]
    )
    assert result.accepted == 0
    assert errors_of(result) == [
        (
            1,
            "CF_XDR_ZZJG",
            "invalid_identifier",
            "组织机构代码“12345678-0”无效：组织机构代码校验位错误：应为“8”，实为“0”",
        ),
        (
            2,
            "CF_XDR_ZZJG",
            "invalid_identifier",
            "组织机构代码“ZZZZ”无效：长度错误：组织机构代码应为9（不含连字符）位，实为4位",
        ),
        (
            3,
            "CF_XDR_ZZJG",
            "invalid_identifier",
            "组织机构代码“410503000000004”无效：长度错误：组织机构代码应为9（不含连字符）位，实为15位",
        ),
    ]


def test_invalid_registration_numbers_are_refused_with_the_reason() -> None:
    result = run(
        [
            org_row(1, CF_XDR_GSZC="410503000000000"),
            org_row(2, CF_XDR_GSZC="ZZZZ"),
            org_row(3, CF_XDR_GSZC="4105030000000"),  # 13 digits: the pre-2007 form
        ]
    )
    assert result.accepted == 0
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (1, "CF_XDR_GSZC", "invalid_identifier"),
        (2, "CF_XDR_GSZC", "invalid_identifier"),
        (3, "CF_XDR_GSZC", "invalid_identifier"),
    ]
    messages = [e.message for e in result.errors]
    assert messages[0] == (
        "工商注册号（15位）“410503000000000”无效：校验位错误：第15位应为“4”，实为“0”"
    )
    assert "应为15位，实为4位" in messages[1]
    assert "应为15位，实为13位" in messages[2]


def test_licence_and_other_acts_check_their_old_codes_too() -> None:
    result = run(
        [
            xk_row(1, XK_XDR_ZZJG="12345678-0"),
            xk_row(2, XK_XDR_GSZC="410503000000000"),
            xk_row(3, XK_XDR_ZZJG=VALID_ORG_CODE, XK_XDR_GSZC=VALID_REG_NO),
        ],
        "行政许可",
    )
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (1, "XK_XDR_ZZJG", "invalid_identifier"),
        (2, "XK_XDR_GSZC", "invalid_identifier"),
    ]
    assert result.accepted == 1
    # Every record type's 组织机构代码 / 工商注册号 field carries its kind.
    from xinyong.catalog.models import RecordType

    kinds = {}
    for code in RecordType.objects.values_list("code", flat=True):
        for fs in get_spec(code).fields:
            if fs.label in {"组织机构代码", "工商注册号"}:
                kinds[fs.code] = fs.identifier_kind
    assert kinds["SX_ZZJG"] == IdentifierKind.ORG_CODE
    assert kinds["QZ_XDR_GSZC"] == IdentifierKind.REG_NO_15
    assert len(kinds) == 21 and all(kinds.values()), kinds


def test_error_names_the_column_as_written_in_the_file(tmp_path: Path) -> None:
    row = org_row(1)
    row["行政相对人代码_3(组织机构代码)"] = "12345678-0"
    row["工商注册号"] = "410503000000000"
    path = write_csv(tmp_path / "old-codes.csv", [row])
    result = ingest_file(
        actor=None, unit="区市场监管局", record_type="行政处罚", path=path, reported_on=REPORTED
    )
    assert result.accepted == 0
    assert {(e.row, e.column, e.code) for e in result.errors} == {
        (2, "行政相对人代码_3(组织机构代码)", "invalid_identifier"),
        (2, "工商注册号", "invalid_identifier"),
    }


def test_an_audited_override_lets_a_known_real_old_code_through() -> None:
    assert run([org_row(1, CF_XDR_ZZJG="12345678-0")]).accepted == 0
    identifier_services.add_override(
        actor=None,
        code="12345678-0",
        reason="登记机关核发的代码证书如此",
        basis="区市场监管局 2026-03-03 复函",
    )
    result = run([org_row(2, CF_XDR_ZZJG="123456780")])
    assert (result.accepted, result.rejected) == (1, 0), errors_of(result)
    stored = CreditRecord.objects.get(document_number="北关市监罚〔2026〕2号")
    assert stored.payload["CF_XDR_ZZJG"] == "12345678-0"


def test_other_registration_codes_stay_free_format() -> None:
    # 税务登记号, 事业单位证书号, 社会组织登记证号 have no check the platform can make.
    result = run([org_row(1, CF_XDR_SWDJ="410503MA40000000X", CF_XDR_SHZZ="豫民证字第0001号")])
    assert result.accepted == 1, errors_of(result)
    assert get_spec("XZCF").field("CF_XDR_SWDJ").identifier_kind is None


def test_identifier_kind_is_checked_when_the_catalogue_is_saved() -> None:
    from xinyong.catalog.fieldspec import parse_fields
    from xinyong.core.errors import DomainError

    (fs,) = parse_fields(
        [
            {
                "code": "A_ZZJG",
                "label": "组织机构代码",
                "type": "identifier",
                "identifier_kind": "org_code",
                "max_length": 50,
            }
        ]
    )
    assert fs.identifier_kind == IdentifierKind.ORG_CODE
    assert fs.to_dict()["identifier_kind"] == "org_code"
    with pytest.raises(
        DomainError, match="只有编号/代码（identifier）类型可以设置 identifier_kind"
    ):
        parse_fields(
            [
                {
                    "code": "A",
                    "label": "x",
                    "type": "text",
                    "max_length": 9,
                    "identifier_kind": "org_code",
                }
            ]
        )
    with pytest.raises(DomainError, match="identifier_kind“uscc”无效，可选：org_code"):
        parse_fields(
            [
                {
                    "code": "A",
                    "label": "x",
                    "type": "identifier",
                    "max_length": 18,
                    "identifier_kind": "uscc",
                }
            ]
        )


def test_the_import_template_says_which_code_the_column_takes() -> None:
    import io

    import openpyxl

    from xinyong.collection.reports import record_template_xlsx

    _name, content = record_template_xlsx("XZCF")
    guide = openpyxl.load_workbook(io.BytesIO(content))["填写说明"]
    rows = {r[0]: r for r in guide.iter_rows(min_row=2, values_only=True) if r[0]}
    assert rows["CF_XDR_ZZJG"][3] == "编号/代码；须为校验位正确的组织机构代码"
    assert rows["CF_XDR_ZZJG"][4] == "9 位组织机构代码（可带连字符）"
    assert rows["CF_XDR_GSZC"][3] == "编号/代码；须为校验位正确的工商注册号（15位）"
    assert rows["CF_XDR_SWDJ"][3] == "编号/代码；不超过 50 字"
