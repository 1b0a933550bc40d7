"""Builders for the publicity tests: records created through the real ingestion path."""

from __future__ import annotations

from typing import Any

from django.test import Client

from xinyong.collection.services import ingest_rows
from xinyong.publicity.models import PublicityWindow
from xinyong.records.models import CreditRecord
from xinyong.records.signals import batch_stored

from ..collection.ingest_helpers import DECIDER_USCC, ORG_USCC, PERSON_ID, org_row, unit

__all__ = [
    "DECIDER_USCC",
    "ORG_USCC",
    "PERSON_ID",
    "api_query_person",
    "ingest",
    "penalty",
    "person_penalty",
    "query_person",
]

ENV = "安阳市北关区生态环境局"
MARKET = "安阳市北关区市场监督管理局"


def ingest(unit_name: str, record_type: str, rows: list[dict[str, Any]]) -> list[CreditRecord]:
    result = ingest_rows(actor=None, unit=unit(unit_name), record_type=record_type, rows=rows)
    assert not result.errors, result.errors
    records = list(CreditRecord.objects.filter(batch=result.batch).order_by("id"))
    # Until ingestion sends batch_stored itself, send it here; never twice.
    if not PublicityWindow.objects.filter(record__in=records).exists():
        batch_stored.send(sender=CreditRecord, batch_id=result.batch.pk)
    return records


def penalty(
    n: int, *, decided: str, unit_name: str = "区生态环境局", **overrides: Any
) -> CreditRecord:
    decider = ENV if "生态" in unit_name else MARKET
    row = org_row(n, CF_JDRQ=decided, CF_CFJG=decider, CF_SJLY=decider)
    row.update(overrides)
    return ingest(unit_name, "XZCF", [row])[0]


def person_penalty(
    n: int, *, decided: str, id_number: str = PERSON_ID, name: str = "李四", **extra: Any
) -> CreditRecord:
    row = org_row(
        n,
        CF_XDR_MC=name,
        CF_XDR_LB="自然人",
        CF_XDR_SHXYM="",
        CF_FRDB="",
        CF_XDR_ZJLX="身份证",
        CF_XDR_ZJHM=id_number,
        CF_JDRQ=decided,
        CF_CFJG=ENV,
        CF_SJLY=ENV,
        CF_CFLB="罚款",
        CF_NR=f"罚款5000元，联系电话13812345678，身份证{id_number}",
        CF_NR_FK="0.5",
    )
    row.update(extra)
    return ingest("区生态环境局", "XZCF", [row])[0]


def query_person(client: Client, id_number: str, name: str, *, follow: bool = False) -> Any:
    """The portal's person query as its form sends it: a POST, so that neither the ID
    number nor the name is ever part of a URL."""
    return client.post("/credit/", {"id_number": id_number, "name": name}, follow=follow)


def api_query_person(client: Client, id_number: str, name: str) -> Any:
    """The public API's person query: a JSON body, never query parameters."""
    return client.post(
        "/api/v1/public/subjects",
        {"id_number": id_number, "name": name},
        content_type="application/json",
    )
