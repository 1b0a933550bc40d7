"""Natural persons identified by a document other than the 居民身份证 (DOMAIN.md §1: "other
ID types allowed"): keyed by the document type and its number (docs/collection.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from xinyong.collection.services import ingest_file, ingest_rows
from xinyong.orgs import services as org_services
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject, SubjectIdentifier

from .ingest_helpers import person_row, unit, write_csv

pytestmark = pytest.mark.django_db

REPORTED = date(2026, 3, 5)
PASSPORT = "E12345678"


def upload(tmp_path: Path, rows: list[dict[str, Any]], name: str = "p.csv") -> Any:
    path = write_csv(tmp_path / name, rows, labels=True)
    return ingest_file(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        path=path,
        reported_on=REPORTED,
    )


def passport_row(n: int = 1, **overrides: Any) -> dict[str, Any]:
    fields = {"CF_XDR_MC": "约翰·史密斯", "CF_XDR_ZJLX": "护照", "CF_XDR_ZJHM": PASSPORT}
    return person_row(n, **{**fields, **overrides})


def errors(result: Any) -> list[tuple[int, str, str, str]]:
    return [(e.row, e.column, e.code, e.message) for e in result.errors]


def test_a_passport_row_is_ingested_as_a_person_keyed_by_type_and_number(
    tmp_path: Path,
) -> None:
    # Lower-case and full-width as typed; stored upper-case half-width.
    result = upload(tmp_path, [passport_row(1, CF_XDR_ZJHM=" ｅ１２３４５６７８ ")])
    assert (result.rows, result.accepted, result.rejected) == (1, 1, 0), errors(result)
    subject = Subject.objects.get()
    assert (subject.kind, subject.name) == ("person", "约翰·史密斯")
    assert (subject.identifier_type, subject.identifier) == ("other_personal_id", "护照:E12345678")
    assert subject.region_code == ""
    primary = SubjectIdentifier.objects.get()
    assert (primary.kind, primary.value, primary.is_primary, primary.valid) == (
        "other_personal_id",
        "护照:E12345678",
        True,
        True,
    )
    record = CreditRecord.objects.get()
    assert record.subject_id == subject.pk
    assert record.party_identifier == "护照:E12345678"
    assert (record.payload["CF_XDR_ZJLX"], record.payload["CF_XDR_ZJHM"]) == ("护照", PASSPORT)


def test_reupload_matches_the_same_subject_and_counts_duplicates(tmp_path: Path) -> None:
    rows = [passport_row(1), passport_row(2)]
    first = upload(tmp_path, rows)
    assert (first.accepted, first.duplicates) == (2, 0)
    again = upload(tmp_path, rows, name="again.csv")
    assert (again.accepted, again.duplicates, again.rejected) == (0, 2, 0)
    assert Subject.objects.count() == 1
    assert SubjectIdentifier.objects.count() == 1
    # A new decision on the same passport holder joins the same subject.
    third = upload(tmp_path, [passport_row(3, CF_XDR_ZJHM="e12345678")], name="third.csv")
    assert third.accepted == 1
    assert Subject.objects.count() == 1
    assert set(CreditRecord.objects.values_list("subject_id", flat=True)) == {
        Subject.objects.get().pk
    }


def test_the_same_number_under_two_document_types_is_two_subjects(tmp_path: Path) -> None:
    result = upload(
        tmp_path,
        [
            passport_row(1),
            passport_row(2, CF_XDR_MC="陈大文", CF_XDR_ZJLX="港澳居民来往内地通行证"),
            # 回乡证 is the catalogue's alias of 港澳居民来往内地通行证: the same subject.
            passport_row(3, CF_XDR_MC="陈大文", CF_XDR_ZJLX="回乡证"),
        ],
    )
    assert (result.accepted, result.rejected) == (3, 0), errors(result)
    assert sorted(Subject.objects.values_list("identifier", "name")) == [
        ("护照:E12345678", "约翰·史密斯"),
        ("港澳居民来往内地通行证:E12345678", "陈大文"),
    ]


def test_an_empty_or_malformed_passport_number_is_refused_on_its_column(
    tmp_path: Path,
) -> None:
    result = upload(
        tmp_path,
        [
            passport_row(1, CF_XDR_ZJHM=""),
            passport_row(2, CF_XDR_ZJHM="E12"),
            passport_row(3, CF_XDR_ZJHM="E1234-5678"),
            passport_row(4, CF_XDR_ZJHM="E123456789012345678901"),
            passport_row(5, CF_XDR_ZJHM="护照E1234567"),
        ],
    )
    assert (result.accepted, result.rejected) == (0, 5)
    assert errors(result) == [
        (2, "证件号码", "required", "必填项为空（行政相对人类别为自然人时必填）"),
        (
            3,
            "证件号码",
            "invalid_identifier",
            "证件号码“E*2”无效：长度错误：护照等证件号码应为5–20位，实为3位",
        ),
        (
            4,
            "证件号码",
            "invalid_identifier",
            "证件号码“E********8”无效：含非法字符：第6位“-”（护照等证件号码只能由字母和数字组成）",
        ),
        (
            5,
            "证件号码",
            "invalid_identifier",
            "证件号码“E********************1”无效：长度错误：护照等证件号码应为5–20位，实为22位",
        ),
        (
            6,
            "证件号码",
            "invalid_identifier",
            "证件号码“护********7”无效：含非法字符：第1位“护”、第2位“照”"
            "（护照等证件号码只能由字母和数字组成）",
        ),
    ]
    assert not Subject.objects.exists()


def test_resident_id_numbers_are_still_checked_by_gb_11643(tmp_path: Path) -> None:
    result = upload(tmp_path, [person_row(1, CF_XDR_ZJHM="110105194912310021")])
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (2, "证件号码", "invalid_identifier")
    ]
    assert "校验位错误" in result.errors[0].message


def test_a_passport_number_cannot_key_an_organisation() -> None:
    result = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=[
            passport_row(
                1,
                CF_XDR_LB="法人及非法人组织",
                CF_XDR_MC="某某公司",
                CF_XDR_SHXYM="",
                CF_FRDB="张三",
            )
        ],
        reported_on=REPORTED,
    )
    assert result.accepted == 0
    assert [(e.row, e.column) for e in result.errors] == [(1, "CF_XDR_SHXYM")]


def test_the_json_batch_api_accepts_a_passport_row() -> None:
    _token, key = org_services.issue_unit_token(
        actor=None, unit=unit("区市场监管局"), name="执法系统"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = {"record_type": "行政处罚", "rows": [passport_row(1)]}
    response = client.post("/api/v1/collection/batches", body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["accepted"], response.json()["rejected"]) == (1, 0)
    again = client.post("/api/v1/collection/batches", body, format="json")
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 1)
    subject = Subject.objects.get()
    assert subject.identifier == "护照:E12345678"
    # The staff list of records masks the number with the rest of a person's identity.
    listed = client.get("/api/v1/records/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["party_identifier"] for r in rows] == ["护照 E*******8"]
    assert PASSPORT not in str(listed)


def test_a_drawn_passport_holder_is_reported_back_as_that_document() -> None:
    # supervision.draws stores an inspection result through this pipeline: the party's
    # document must come back as type and number, not as the platform's key.
    from xinyong.supervision.draws import _party_fields

    result = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=[passport_row(1)],
        reported_on=REPORTED,
    )
    assert result.accepted == 1
    fields = _party_fields(Subject.objects.get(), "")
    assert (fields["JC_XDR_LB"], fields["JC_XDR_ZJLX"], fields["JC_XDR_ZJHM"]) == (
        "自然人",
        "护照",
        PASSPORT,
    )
