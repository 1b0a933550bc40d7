"""The public subject page reads plain rows through SQL compiled once per process
(issue 10): the rows must say exactly what the record instances say, follow the day and
the subject of each call, and the page must cost the same few queries however many
records it shows."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xinyong.core.models import ReadLog
from xinyong.publicity.models import PublicityWindow
from xinyong.publicity.presenters import present_record, present_row
from xinyong.publicity.selectors import public_records_for, public_rows_for
from xinyong.publicity.views import person_token
from xinyong.records.models import CreditRecord
from xinyong.rights.models import Objection

from .helpers import penalty, person_penalty

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _open_objection(record: CreditRecord) -> None:
    Objection.objects.create(
        record=record,
        subject=record.subject,
        channel="online",
        category="wrong",
        description="金额有误",
        applicant_name="张三",
        applicant_phone="13812345678",
        received_on="2026-04-01",
    )


def _same(subject: object, today: date, *, person: bool) -> list[dict[str, object]]:
    rows = [
        present_row(r, person=person, today=today) for r in public_rows_for(subject, today=today)
    ]
    records = [present_record(r, today=today) for r in public_records_for(subject, today=today)]
    assert rows == records
    return rows


def test_rows_say_what_the_records_say() -> None:
    public = penalty(51, decided="2026-03-10")
    objected = penalty(52, decided="2026-02-10")
    _open_objection(objected)
    repaired = penalty(53, decided="2026-01-10")
    PublicityWindow.objects.filter(record=repaired).update(
        end_reason=PublicityWindow.EndReason.REPAIRED
    )
    ended = penalty(54, decided="2026-01-20")
    PublicityWindow.objects.filter(record=ended).update(
        ended_on=date(2026, 4, 1), end_reason=PublicityWindow.EndReason.EXPIRED
    )
    withdrawn = penalty(55, decided="2026-01-30")
    CreditRecord.objects.filter(pk=withdrawn.pk).update(status=CreditRecord.Status.WITHDRAWN)
    no_window = penalty(56, decided="2026-02-20")
    PublicityWindow.objects.filter(record=no_window).delete()
    subject = public.subject

    shown = _same(subject, date(2026, 5, 1), person=False)
    by_id = {item["id"]: item for item in shown}
    assert set(by_id) == {public.pk, objected.pk, repaired.pk}
    assert by_id[public.pk]["status"] == "公示中"
    assert by_id[objected.pk]["status"] == "异议处理中"
    assert by_id[repaired.pk]["status"] == "已修复"
    assert by_id[public.pk]["severity"] and by_id[public.pk]["policy"]
    assert by_id[public.pk]["repair_from"] == "2026-06-11"

    # The day is a parameter of the compiled SQL, not frozen into it.
    assert _same(subject, date(2040, 1, 1), person=False) == []


def test_rows_of_a_person_are_masked_and_other_subjects_stay_apart() -> None:
    org = penalty(57, decided="2026-03-10")
    person = person_penalty(58, decided="2026-03-12")
    shown = _same(person.subject, date(2026, 5, 1), person=True)
    assert [item["id"] for item in shown] == [person.pk]
    assert shown[0]["party_name"] == "李*"
    assert [item["id"] for item in _same(org.subject, date(2026, 5, 1), person=False)] == [org.pk]


def _page_queries(path: str) -> tuple[int, str]:
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_subject_page_costs_four_queries_however_many_records() -> None:
    first = penalty(61, decided="2026-03-10")
    path = f"/credit/subject/{first.subject_id}/"
    one, _ = _page_queries(path)
    more = [penalty(n, decided="2026-03-10") for n in range(62, 66)]
    five, body = _page_queries(path)
    # The subject, its public rows, its list entries in force, its commitments.
    assert one == five == 4
    for record in [first, *more]:
        assert f'href="{reverse("publicity:record", args=[record.pk])}"' in body
        assert f'href="{reverse("rights:objection-public-new", args=[record.pk])}"' in body
        assert f'href="{reverse("rights:repair-public-new", args=[record.pk])}"' in body


def test_person_page_keeps_its_read_log_and_token_links() -> None:
    record = person_penalty(66, decided="2026-03-10")
    token = person_token(record.subject)
    path = f"/credit/subject/{record.subject_id}/?t={token}"
    before = ReadLog.objects.count()
    _page_queries(path)  # the first read of all also starts the read log's hash chain
    one, _ = _page_queries(path)
    person_penalty(67, decided="2026-03-11")
    two, body = _page_queries(path)
    assert one == two
    assert ReadLog.objects.count() == before + 3
    assert f"/credit/record/{record.pk}/?t={token}" in body
    # The person's rights forms need the same token (rights.views_repair).
    assert f"/credit/record/{record.pk}/objection/?t={token}" in body
    assert "李四" not in body
