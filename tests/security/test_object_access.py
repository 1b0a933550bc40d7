"""Object-level access beyond GET (issue 11 §3): a unit never writes another unit's data;
personnel files only for their roles and for the person; banks only the white list and
the reports they are authorised for. The GET side of every URL is in the matrix."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from xinyong.collection.models import Batch, MonthlyDeclaration
from xinyong.core.models import Event
from xinyong.finance.models import Authorisation
from xinyong.personnel.models import Person
from xinyong.records.models import CreditRecord

from .conftest import UNIT_A, Actors

pytestmark = pytest.mark.django_db

ROW = {"行政相对人名称": "安阳市北关区测试商贸有限公司", "行政相对人代码": "91410503MA45B8Q06A"}


def test_unit_b_cannot_write_unit_a_data(actors: Actors):
    client = actors.client("reporter_b")
    batches, records = Batch.objects.count(), CreditRecord.objects.count()
    last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    submit = client.post(
        "/api/v1/collection/batches",
        {"record_type": "行政处罚", "unit": UNIT_A, "rows": [ROW]},
        content_type="application/json",
    )
    assert submit.status_code in (403, 404), submit.content
    declare = client.post(
        "/api/v1/collection/declarations",
        {"record_type": "行政处罚", "unit": UNIT_A, "period": "2026-10", "declared_count": 3},
        content_type="application/json",
    )
    assert declare.status_code in (403, 404), declare.content
    assert not MonthlyDeclaration.objects.filter(declared_by=actors.users["reporter_b"]).exists()
    record = CreditRecord.objects.filter(source_unit__name=UNIT_A).order_by("pk").first()
    assert record is not None
    for url in (
        f"/workspace/rights/records/{record.pk}/objection/",
        f"/workspace/rights/records/{record.pk}/repair/",
    ):
        assert client.post(url, {"reason": "越权尝试"}).status_code in (403, 404), url
    assert (Batch.objects.count(), CreditRecord.objects.count()) == (batches, records)
    written = Event.objects.filter(pk__gt=last_event, actor=actors.users["reporter_b"])
    assert not written.exclude(action__startswith="auth.").exists(), list(written.values("action"))


def test_unit_a_reporter_reads_its_own_batches_only(actors: Actors):
    own = Batch.objects.filter(unit__name=UNIT_A).order_by("pk").first()
    other = Batch.objects.exclude(unit__name=UNIT_A).order_by("pk").first()
    assert own is not None
    client = actors.client("reporter_a")
    assert client.get(f"/api/v1/collection/batches/{own.pk}").status_code == 200
    listed = client.get("/workspace/collection/batches/").content.decode()
    if other is not None:
        assert client.get(f"/api/v1/collection/batches/{other.pk}").status_code == 404
        assert f"/workspace/collection/batches/{other.pk}/" not in listed


def test_personnel_files_only_for_their_roles_and_the_person(actors: Actors):
    person = Person.objects.order_by("pk").first()
    other = Person.objects.exclude(id_number=person.id_number).order_by("pk").first()
    assert person is not None and other is not None
    for role in ("credit_admin", "reporter_a", "reporter_b", "bank", "anonymous"):
        cache.clear()
        response = actors.client(role).get(f"/workspace/personnel/{person.pk}/")
        assert response.status_code in (302, 403, 404), role
        assert person.name not in response.content.decode(), role
    cache.clear()
    own = actors.client("visitor").get("/credit/personnel/mine/").content.decode()
    assert person.name in own or person.name[0] in own
    assert person.id_number not in own  # masked even for the person
    assert other.name not in own
    cache.clear()
    stranger = Client().get("/credit/personnel/mine/").content.decode()
    assert person.name not in stranger


def test_bank_sees_authorised_reports_only(actors: Actors):
    bank = actors.users["bank"]
    client = actors.client("bank")
    assert client.get("/workspace/xinyidai/bank/").status_code == 200
    authorised = Authorisation.objects.filter(bank=bank.organisation).order_by("pk")
    granted = [a.subject_id for a in authorised if a.status == "active"]
    assert granted, "the demo authorises at least one subject for the demo bank"
    assert client.get(f"/workspace/xinyidai/bank/subjects/{granted[0]}/").status_code == 200
    stranger = CreditRecord.objects.exclude(subject_id__in=granted).order_by("pk").first()
    assert stranger is not None
    refused = client.get(f"/workspace/xinyidai/bank/subjects/{stranger.subject_id}/report/")
    assert refused.status_code in (403, 404)
    assert client.get("/api/v1/records/").json().get("count", 0) == 0
