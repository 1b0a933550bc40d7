"""Review fixes of 2026-11-27: a merged duplicate's records stay on the survivor's public
page and API; a type no longer 公开 in the catalogue is never shown."""

from __future__ import annotations

import pytest
from django.test import Client

from xinyong.catalog import services as catalog
from xinyong.catalog.fieldspec import invalidate_cache
from xinyong.catalog.models import RecordType, Sharing
from xinyong.subjects.services import merge_subjects

from ..collection.ingest_helpers import OTHER_USCC
from .helpers import penalty

pytestmark = pytest.mark.django_db


def test_merged_duplicates_penalty_stays_on_survivors_public_page() -> None:
    kept = penalty(901, decided="2026-03-10")
    absorbed = penalty(
        902, decided="2026-03-10", CF_XDR_SHXYM=OTHER_USCC, CF_XDR_MC="安阳市北关区某某商贸公司"
    )
    assert kept.subject_id != absorbed.subject_id
    merge_subjects(
        actor=None, keep=kept.subject, absorb=absorbed.subject, reason="同一企业重复登记"
    )
    client = Client()
    page = client.get(f"/credit/subject/{kept.subject_id}/").content.decode()
    assert kept.document_number in page
    assert client.get(f"/credit/record/{absorbed.pk}/").status_code == 200
    assert absorbed.document_number in page
    api = client.get(f"/api/v1/public/subjects/{kept.subject_id}").json()
    assert absorbed.document_number in [r["document_number"] for r in api["records"]]


def test_type_no_longer_public_in_catalogue_is_not_shown() -> None:
    record = penalty(911, decided="2026-03-10")
    client = Client()
    assert client.get(f"/credit/record/{record.pk}/").status_code == 200
    catalog.update_record_type(
        actor=None, record_type=RecordType.objects.get(code="XZCF"), sharing=Sharing.SHARED
    )
    invalidate_cache()
    page = client.get(f"/credit/subject/{record.subject_id}/").content.decode()
    assert record.document_number not in page
    assert client.get(f"/credit/record/{record.pk}/").status_code == 404


def test_withdrawal_notice_of_a_type_no_longer_public_is_not_published() -> None:
    from datetime import date

    from tests.records.test_withdrawal import _penalty
    from xinyong.records.services import withdraw_record

    company = _penalty(7)
    withdraw_record(
        actor=None,
        record=company,
        reason="经行政复议，原处罚决定被撤销",
        revoked_on=date(2026, 9, 30),
        basis_document="北政复决字〔2026〕7号",
        on=date(2026, 10, 9),
    )
    assert company.document_number in Client().get("/credit/withdrawals/").content.decode()
    catalog.update_record_type(
        actor=None, record_type=RecordType.objects.get(code="XZCF"), sharing=Sharing.SHARED
    )
    invalidate_cache()
    assert company.document_number not in Client().get("/credit/withdrawals/").content.decode()
