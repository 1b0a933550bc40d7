"""The rejected-rows workbook is the rows as written (河南条例 art. 17: returned to the
provider to fix and send again), a natural person's name and ID number included. So only
those who fix and re-send it download it — the submitting unit's reporters and reviewers
and the credit office — and every download is a logged read of the persons in it
(DOMAIN.md §6). A district leader, a unit's head or a bank with read access is refused and
not offered the link."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from xinyong.collection.services import ingest_rows
from xinyong.core.models import ReadLog
from xinyong.orgs.models import Role
from xinyong.subjects.models import Subject

from .ingest_helpers import org_row, person_row
from .qhelpers import user

pytestmark = pytest.mark.django_db

ID_NUMBER = "410503196805120318"
NAME = "张建国"
OTHER_ID = "11010519491231002X"


def _client(u: Any) -> Client:
    client = Client()
    client.force_login(u)
    return client


@pytest.fixture
def batch() -> Any:
    """One accepted and one rejected row for 张建国 (the second lacks its 文书号)."""
    result = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="XZCF",
        rows=[
            person_row(1, CF_XDR_MC=NAME, CF_XDR_ZJHM=ID_NUMBER),
            person_row(2, CF_XDR_MC=NAME, CF_XDR_ZJHM=ID_NUMBER, CF_WSH=""),
        ],
    )
    assert (result.accepted, result.rejected) == (1, 1)
    return result.batch


def _url(batch: Any) -> str:
    return f"/workspace/collection/batches/{batch.pk}/rejected.xlsx"


def _cells(response: Any) -> set[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    return {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}


@pytest.mark.parametrize(
    ("username", "role", "unit_name"),
    [
        ("rd_leader", Role.LEADER, None),
        ("rd_head", Role.UNIT_LEADER, "区市场监管局"),
    ],
)
def test_readers_who_do_not_fix_rows_are_refused_and_not_offered_the_link(
    batch, username, role, unit_name
) -> None:
    client = _client(user(username, role, unit_name))
    reads = ReadLog.objects.count()
    refused = client.get(_url(batch))
    assert refused.status_code == 403
    assert "仅报送单位的填报员、审核员和信用办管理员可以下载" in refused.content.decode()
    page = client.get(f"/workspace/collection/batches/{batch.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "退回数据（1 行）" in html
    assert _url(batch) not in html
    # Nor a link to the upload page, which would answer 403 to a read-only account.
    assert "/workspace/collection/upload/" not in html
    assert ReadLog.objects.count() == reads


def test_a_bank_granted_the_unit_is_refused(batch) -> None:
    bank = user("rd_bank", Role.BANK, None, organisation="某银行")
    bank.granted_units.add(batch.unit)
    assert _client(bank).get(_url(batch)).status_code == 403


@pytest.mark.parametrize(
    ("username", "role", "unit_name"),
    [
        ("rd_rep", Role.REPORTER, "区市场监管局"),
        ("rd_rev", Role.REVIEWER, "区市场监管局"),
        ("rd_admin", Role.CREDIT_ADMIN, "区发改委"),
    ],
)
def test_the_unit_and_the_credit_office_download_the_raw_rows_and_the_read_is_logged(
    batch, username, role, unit_name
) -> None:
    reader = user(username, role, unit_name)
    client = _client(reader)
    page = client.get(f"/workspace/collection/batches/{batch.pk}/").content.decode()
    assert _url(batch) in page and "/workspace/collection/upload/" in page
    reads = ReadLog.objects.count()
    response = client.get(_url(batch))
    assert response.status_code == 200
    cells = _cells(response)
    # Raw, to be fixed and sent again.
    assert ID_NUMBER in cells and NAME in cells
    person = Subject.objects.get(identifier=ID_NUMBER)
    logged = list(ReadLog.objects.order_by("id"))[reads:]
    assert [(e.subject_type, e.subject_id) for e in logged] == [
        ("subjects.Subject", str(person.pk))
    ]
    entry = logged[0]
    assert entry.reader_id == reader.pk
    assert entry.subject_repr == "张**（410503********0318）"
    assert entry.purpose == f"下载报送批次 {batch.pk} 的退回数据（1 行含自然人证件号码）"
    # Each download is a read.
    client.get(_url(batch))
    assert ReadLog.objects.count() == reads + 2


def test_an_id_number_of_no_known_subject_is_logged_once_for_the_export() -> None:
    result = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="XZCF",
        rows=[
            person_row(3, CF_XDR_MC="王秀兰", CF_XDR_ZJHM=OTHER_ID, CF_WSH=""),
            person_row(4, CF_XDR_MC="王秀兰", CF_XDR_ZJHM=OTHER_ID, CF_JDRQ=""),
            # An organisation's row: its legal representative's ID number is a person's.
            org_row(5, CF_FR_ZJHM=ID_NUMBER, CF_WSH=""),
            org_row(6, CF_WSH=""),
        ],
    )
    assert result.rejected == 4
    reads = ReadLog.objects.count()
    reporter = user("rd_rep2", Role.REPORTER, "区市场监管局")
    assert _client(reporter).get(_url(result.batch)).status_code == 200
    [entry] = list(ReadLog.objects.order_by("id"))[reads:]
    assert (entry.subject_type, entry.subject_id) == ("collection.Batch", str(result.batch.pk))
    assert entry.subject_repr == f"报送批次 {result.batch.pk} 的退回数据"
    assert entry.purpose == (
        f"下载报送批次 {result.batch.pk} 的退回数据（3 行含自然人证件号码，均无对应信用主体）"
    )


def test_rows_without_a_persons_id_number_are_not_a_read() -> None:
    result = ingest_rows(
        actor=None, unit="区市场监管局", record_type="XZCF", rows=[org_row(7, CF_WSH="")]
    )
    reads = ReadLog.objects.count()
    reporter = user("rd_rep3", Role.REPORTER, "区市场监管局")
    assert _client(reporter).get(_url(result.batch)).status_code == 200
    assert ReadLog.objects.count() == reads
