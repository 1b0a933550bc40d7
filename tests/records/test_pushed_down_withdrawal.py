"""A record the city platform pushed down is the city's to withdraw or void: the receiving
unit cannot end it on this platform (nor queue the withdrawal to the city), as it cannot
correct it by hand; once the unit has reported the decision itself, it can."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rest_framework.test import APIClient

from xinyong.collection.models import Batch
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.exchange.models import OutboxEntry
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord, RecordWithdrawal
from xinyong.records.services import void_record, withdraw_record

from ..collection.qhelpers import penalty_row, unit, user
from ..collection.test_upstream_batches import _ingest

pytestmark = pytest.mark.django_db

REFUSED = (
    "该记录由市平台下发，内容以上级平台为准，不能在本平台撤销/作废；"
    "如原决定已变更、撤销或录入有误，请反馈市平台撤销或更正后重新下发。"
)


def _pushed_down(clock: Any) -> CreditRecord:
    clock.today = date(2026, 11, 3)
    city = _ingest(
        [penalty_row(2, decided="2026-10-09")],
        Batch.Channel.UPSTREAM,
        date(2026, 10, 12),
        unit=unit("区市场监管局"),
    )
    return CreditRecord.objects.get(batch=city.batch)


def _unchanged(record: CreditRecord, outbox: int) -> None:
    record.refresh_from_db()
    assert record.status == CreditRecord.Status.ACTIVE
    assert not RecordWithdrawal.objects.filter(record=record).exists()
    assert OutboxEntry.objects.count() == outbox
    assert not Event.objects.filter(
        action__in=("records.withdrawn", "records.voided"), target_id=str(record.pk)
    ).exists()


def test_a_pushed_down_record_is_neither_withdrawn_nor_voided(clock: Any) -> None:
    record = _pushed_down(clock)
    outbox = OutboxEntry.objects.count()
    with pytest.raises(DomainError) as withdrawn:
        withdraw_record(
            actor=None,
            record=record,
            reason="原处罚决定被撤销",
            revoked_on=date(2026, 10, 30),
            basis_document="北政复决字〔2026〕2号",
        )
    assert withdrawn.value.message == REFUSED
    with pytest.raises(DomainError) as voided:
        void_record(actor=None, record=record, reason="文书号录入错误")
    assert voided.value.message == REFUSED
    # The record page and the API's one entry point for both kinds.
    with pytest.raises(DomainError) as keyed:
        withdraw_record(actor=None, record=record, reason="文书号录入错误", kind="keying_error")
    assert keyed.value.message == REFUSED
    _unchanged(record, outbox)


def test_the_withdrawal_api_answers_the_refusal(clock: Any) -> None:
    record = _pushed_down(clock)
    outbox = OutboxEntry.objects.count()
    client = APIClient()
    client.force_authenticate(user("pd_reporter", Role.REPORTER, "区市场监管局"))
    answer = client.post(
        f"/api/v1/records/{record.pk}/withdrawal",
        {"revoked_on": "2026-10-30", "reason": "原处罚决定被撤销"},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == REFUSED
    _unchanged(record, outbox)


def test_once_taken_over_by_the_unit_the_record_is_the_units_to_withdraw(clock: Any) -> None:
    record = _pushed_down(clock)
    _ingest(
        [penalty_row(2, decided="2026-10-09")],
        Batch.Channel.API,
        date(2026, 10, 13),
        unit=unit("区市场监管局"),
    )
    outbox = OutboxEntry.objects.count()
    withdraw_record(
        actor=None,
        record=record,
        reason="原处罚决定被撤销",
        revoked_on=date(2026, 10, 30),
        basis_document="北政复决字〔2026〕2号",
    )
    record.refresh_from_db()
    assert record.status == CreditRecord.Status.WITHDRAWN
    assert OutboxEntry.objects.count() == outbox + 1


def test_the_record_page_offers_no_withdrawal_form_for_a_pushed_down_record(clock: Any) -> None:
    from django.test import Client

    record = _pushed_down(clock)
    client = Client()
    client.force_login(user("pdw_page", Role.REPORTER, "区市场监管局"))
    page = client.get(f"/workspace/collection/records/{record.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/workspace/collection/records/{record.pk}/withdraw/" not in html
