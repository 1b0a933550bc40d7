"""A record's identity and the record selectors."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from xinyong.collection.services import ingest_rows
from xinyong.records.selectors import record_by_identity, versions_of
from xinyong.records.services import identity_key, normalise_document_number


def test_identity_key_is_sha256_of_normalised_parts() -> None:
    expected = hashlib.sha256("XZCF|11410503MB1234567N|北关市监罚〔2026〕1号".encode()).hexdigest()
    assert identity_key("xzcf", " 11410503mb1234567n ", "北关市监罚〔2026〕 1号") == expected
    assert identity_key("XZCF", "", "１２３") == identity_key("XZCF", None, "123")
    assert identity_key("XZCF", "A", "1") != identity_key("XZXK", "A", "1")


def test_document_numbers_keep_their_brackets() -> None:
    assert normalise_document_number(" 北关 罚〔2026〕1号 ") == "北关罚〔2026〕1号"
    assert normalise_document_number("北关罚[2026]1号") != normalise_document_number(
        "北关罚〔2026〕1号"
    )


@pytest.mark.django_db
def test_record_by_identity_and_versions() -> None:
    from tests.collection.ingest_helpers import DECIDER_USCC, org_row

    ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="XZCF",
        rows=[org_row(9)],
        reported_on=date(2026, 3, 5),
    )
    record = record_by_identity("XZCF", DECIDER_USCC, "北关市监罚〔2026〕9号")
    assert record is not None
    assert record.party_name == "安阳市北关区某某商贸有限公司"
    assert list(versions_of(record)) == []
    ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="XZCF",
        rows=[org_row(9, CF_NR_FK="0.3", CF_NR="罚款3000元")],
        reported_on=date(2026, 3, 6),
    )
    assert [v.version for v in versions_of(record)] == [1]
    assert record_by_identity("XZCF", DECIDER_USCC, "北关市监罚〔2026〕10号") is None
