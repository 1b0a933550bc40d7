"""A natural person identified by another document is keyed `护照:E12345678` inside the
platform; what goes to the city carries the document as the records do: 证件类型 护照 and
证件号码 E12345678, never the internal key (docs/exchange.md)."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.commitments.models import Commitment
from xinyong.exchange import services
from xinyong.exchange.models import OutboundMessage
from xinyong.exchange.payloads import prepare
from xinyong.sanctions import lists

from ..commitments.test_commitment_exclusion import admin, approve_repair
from ..commitments.test_repair_commitment_lapse import PASSPORT, counter_apply, passport_penalty

pytestmark = pytest.mark.django_db


def _row(**match: object) -> dict[str, str]:
    services.expand_entries()
    return prepare(OutboundMessage.objects.get(**match)).rows[0]


def test_a_passport_holders_commitment_repair_and_list_entry_carry_the_bare_number():
    office = admin()
    r = passport_penalty(1)
    assert r.subject.identifier == "护照:E12345678"
    app = approve_repair(counter_apply(r, office, date(2026, 6, 15)), office, date(2026, 6, 30))
    promise = Commitment.objects.get(repair_application=app)

    commitment = _row(entry__commitment=promise, entry__change="recorded")
    assert (commitment["CN_XDR_LB"], commitment["CN_XDR_SHXYM"]) == ("自然人", "")
    assert (commitment["CN_XDR_ZJLX"], commitment["CN_XDR_ZJHM"]) == ("护照", PASSPORT)

    # The repair and list formats have a 主体代码 column and no 证件类型: the number alone.
    repaired = _row(entry__change="approved")
    assert (repaired["XF_ZTMC"], repaired["XF_ZTDM"]) == ("约翰·史密斯", PASSPORT)

    entry = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("WATCH"),
        subject=r.subject,
        basis_document="北关环决〔2026〕12号",
        reasons="一年内两次超标排放大气污染物",
        on=date(2026, 6, 15),
    )
    lists.make_effective(actor=office, entry=entry, on=date(2026, 6, 15))
    services.expand_entries()
    listed = OutboundMessage.objects.filter(kind="list_entry").order_by("id").last()
    assert listed is not None
    item = prepare(listed).rows[0]
    assert (item["MD_ZTMC"], item["MD_ZTDM"]) == ("约翰·史密斯", PASSPORT)
    assert all("护照:" not in value for value in (*commitment.values(), *repaired.values()))
