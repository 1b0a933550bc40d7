"""The collection API: token and session callers, scoping, the batch call end to end."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rest_framework.test import APIClient

from xinyong.collection.models import Batch, MonthlyDeclaration, QualityWarning
from xinyong.core.models import ReadLog
from xinyong.orgs import services as org_services
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord

from .qhelpers import batch, declare, penalty_row, record, unit, user

pytestmark = pytest.mark.django_db


def _client(u: Any = None, token: str | None = None) -> APIClient:
    client = APIClient()
    if u is not None:
        client.force_authenticate(u)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def scj_token() -> str:
    _token, key = org_services.issue_unit_token(
        actor=None, unit=unit("区市场监管局"), name="执法系统"
    )
    return key


def test_batch_call_with_a_unit_token_creates_records(scj_token: str) -> None:
    rows = [penalty_row(1), penalty_row(2), {**penalty_row(3), "CF_JDRQ": "2026-02-30"}]
    response = _client(token=scj_token).post(
        "/api/v1/collection/batches", {"record_type": "行政处罚", "rows": rows}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rows"], body["accepted"], body["rejected"]) == (3, 2, 1)
    assert body["errors"][0]["row"] == 3
    assert body["errors"][0]["column"] in ("CF_JDRQ", "处罚决定日期")
    assert CreditRecord.objects.filter(source_unit=unit("区市场监管局")).count() == 2
    batch_id = body["batch"]
    detail = _client(token=scj_token).get(f"/api/v1/collection/batches/{batch_id}")
    assert detail.status_code == 200
    assert detail.json()["rejected"] == 1 and detail.json()["unit_name"] == "区市场监管局"
    assert detail.json()["row_errors"][0]["row"] == 3
    # The checks ran after the batch: gaps need two numbers, 1 and 2 are consecutive.
    assert not QualityWarning.objects.filter(kind=QualityWarning.Kind.NUMBER_GAP).exists()


def test_batch_call_refusals(scj_token: str) -> None:
    client = _client(token=scj_token)
    other = client.post(
        "/api/v1/collection/batches",
        {"record_type": "XZCF", "unit": "区人社局", "rows": [penalty_row(1)]},
        format="json",
    )
    assert other.status_code == 403 and "区人社局" in other.json()["detail"]
    unknown = client.post(
        "/api/v1/collection/batches",
        {"record_type": "NOPE", "rows": [penalty_row(1)]},
        format="json",
    )
    assert unknown.status_code == 404 and "未知或未启用的信息类别" in unknown.json()["detail"]
    empty = client.post(
        "/api/v1/collection/batches", {"record_type": "XZCF", "rows": []}, format="json"
    )
    assert empty.status_code == 400 and "rows 不能为空" in empty.json()["detail"]
    garbage = client.post(
        "/api/v1/collection/batches", "{not json", content_type="application/json"
    )
    assert garbage.status_code == 400
    backdated = client.post(
        "/api/v1/collection/batches",
        {"record_type": "XZCF", "reported_on": "2026-10-01", "rows": [penalty_row(1)]},
        format="json",
    )
    assert backdated.status_code == 403
    anonymous = _client().post(
        "/api/v1/collection/batches", {"record_type": "XZCF", "rows": []}, format="json"
    )
    assert anonymous.status_code in (401, 403)
    leader = _client(user("api_leader", Role.LEADER)).post(
        "/api/v1/collection/batches",
        {"record_type": "XZCF", "rows": [penalty_row(1)]},
        format="json",
    )
    assert leader.status_code == 403


def test_credit_admin_submits_for_a_named_unit_with_a_report_date() -> None:
    admin = user("api_admin", Role.CREDIT_ADMIN, "区发改委")
    client = _client(admin)
    missing_unit = client.post(
        "/api/v1/collection/batches",
        {"record_type": "XZCF", "rows": [penalty_row(1)]},
        format="json",
    )
    assert missing_unit.status_code == 400 and "指定单位" in missing_unit.json()["detail"]
    response = client.post(
        "/api/v1/collection/batches",
        {
            "record_type": "XZCF",
            "unit": "区市场监管局",
            "reported_on": "2026-10-30",
            "rows": [penalty_row(7)],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    stored = CreditRecord.objects.get(document_number="北市监罚〔2026〕7号")
    assert stored.reported_on == date(2026, 10, 30)
    assert stored.is_late  # 2026-10-09 + 7 working days (National Day week) is 10-20


def test_batch_and_record_reads_are_scoped() -> None:
    scj, rsj = unit("区市场监管局"), unit("区人社局")
    own = record(scj, "北市监罚〔2026〕1号", decided=date(2026, 10, 9), reported=date(2026, 10, 12))
    foreign = record(
        rsj,
        "北人社罚〔2026〕1号",
        decided=date(2026, 10, 9),
        reported=date(2026, 10, 12),
        late=True,
    )
    foreign_batch = batch(rsj, reported=date(2026, 10, 12), rows=1)
    reporter = _client(user("api_rep", Role.REPORTER, "区市场监管局"))
    listing = reporter.get("/api/v1/records/")
    assert listing.status_code == 200
    assert [r["id"] for r in listing.json()["results"]] == [own.pk]
    assert reporter.get(f"/api/v1/records/{foreign.pk}").status_code == 404
    assert reporter.get(f"/api/v1/collection/batches/{foreign_batch.pk}").status_code == 404
    assert reporter.get(f"/api/v1/records/?unit={rsj.pk}").status_code == 403
    detail = reporter.get(f"/api/v1/records/{own.pk}")
    assert detail.status_code == 200 and detail.json()["versions"] == []
    leader = _client(user("api_lead", Role.LEADER))
    late = leader.get("/api/v1/records/?late=true&from=2026-10-01&to=2026-10-31")
    assert [r["id"] for r in late.json()["results"]] == [foreign.pk]
    assert leader.get("/api/v1/records/?from=2026-13-01").status_code == 400
    assert leader.get("/api/v1/records/?from=2026-10-31&to=2026-10-01").status_code == 400


def test_person_records_are_masked_in_lists_and_logged_in_detail() -> None:
    scj = unit("区市场监管局")
    person = record(
        scj,
        "北市监罚〔2026〕2号",
        decided=date(2026, 10, 9),
        reported=date(2026, 10, 12),
        party="王小明",
        person=True,
    )
    client = _client(user("api_rep2", Role.REPORTER, "区市场监管局"))
    listed = client.get("/api/v1/records/").json()["results"][0]
    assert listed["party_name"] != "王小明" and listed["party_name"].startswith("王")
    before = ReadLog.objects.count()
    assert client.get(f"/api/v1/records/{person.pk}").json()["party_name"] == "王小明"
    assert ReadLog.objects.count() == before + 1


def test_declarations_and_rates() -> None:
    reporter = _client(user("api_decl", Role.REPORTER, "区市场监管局"))
    response = reporter.post(
        "/api/v1/collection/declarations",
        {"record_type": "XZCF", "period": "2026-10", "declared_count": 12},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (
        MonthlyDeclaration.objects.get(
            unit=unit("区市场监管局"), year=2026, month=10
        ).declared_count
        == 12
    )
    bad = reporter.post(
        "/api/v1/collection/declarations",
        {"record_type": "SXBZXR", "period": "2026-10", "declared_count": 1},
        format="json",
    )
    assert bad.status_code == 400 and "无需申报" in bad.json()["detail"]
    other = reporter.post(
        "/api/v1/collection/declarations",
        {"record_type": "XZCF", "unit": "区人社局", "period": "2026-10", "declared_count": 1},
        format="json",
    )
    assert other.status_code == 403
    leader = _client(user("api_lead2", Role.LEADER))
    assert (
        leader.post(
            "/api/v1/collection/declarations",
            {"record_type": "XZCF", "period": "2026-10", "declared_count": 1},
            format="json",
        ).status_code
        == 403
    )

    scj = unit("区市场监管局")
    for n in range(1, 11):
        record(
            scj,
            f"北市监罚〔2026〕{n}号",
            decided=date(2026, 10, 9),
            reported=date(2026, 10, 20),
            late=n <= 2,
        )
    batch(scj, reported=date(2026, 10, 20), rows=12, rejected=2)
    mine = reporter.get("/api/v1/collection/rates?period=2026-10").json()
    assert [u["unit"] for u in mine["units"]] == ["区市场监管局"]
    assert (
        mine["units"][0]["timeliness"],
        mine["units"][0]["compliance"],
        mine["units"][0]["reporting"],
    ) == (
        "80.00",
        "83.33",
        "83.33",
    )
    assert "及时率" in mine["definitions"]["timeliness"]
    # Registration records (no deadline) do not count unless asked for by type.
    for n in range(1, 6):
        record(scj, f"REG-{n}", decided=date(2026, 10, 2), reported=date(2026, 10, 20), code="DJZC")
    again = reporter.get("/api/v1/collection/rates?period=2026-10").json()
    assert (again["units"][0]["reported"], again["units"][0]["timeliness"]) == (10, "80.00")
    registration = reporter.get("/api/v1/collection/rates?period=2026-10&type=DJZC").json()
    assert registration["units"][0]["reported"] == 5
    everyone = leader.get("/api/v1/collection/rates?period=2026-10&type=双公示").json()
    assert len(everyone["units"]) > 50
    assert reporter.get("/api/v1/collection/rates?period=2026-99").status_code == 400
    declare(unit("区人社局"), 2026, 9, 1)
    assert reporter.get("/api/v1/collection/declarations").json()["count"] == 1


def test_openapi_schema_documents_the_endpoints() -> None:
    admin = _client(user("api_schema", Role.CREDIT_ADMIN, "区发改委"))
    schema = admin.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    for route in ("/api/v1/collection/batches", "/api/v1/records/", "/api/v1/collection/rates"):
        assert route in text
    assert Batch.objects.count() == 0
