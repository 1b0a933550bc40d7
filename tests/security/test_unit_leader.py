"""单位负责人 on the demo installation: unit A's head (`scj_leader`, 区市场监管局) reads
unit A's quality page, records and personnel files and nothing of unit B; writes nothing;
is refused the district-wide pages; is offered no menu link that refuses. The district
领导 (`leader`) still reads every unit. The GET side of every URL is in the matrix
(test_access_matrix.py, codes "ua"/"ub")."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from xinyong.collection.models import Batch, MonthlyDeclaration, QualityWarning
from xinyong.core.models import Event, ReadLog
from xinyong.orgs.models import Role, Unit
from xinyong.personnel.models import Nomination, Person
from xinyong.records.models import CreditRecord
from xinyong.web import navigation

from .conftest import UNIT_A, UNIT_B, Actors

pytestmark = pytest.mark.django_db


def _units() -> tuple[Unit, Unit]:
    return Unit.objects.get(name=UNIT_A), Unit.objects.get(name=UNIT_B)


def test_demo_accounts_keep_the_rule(actors: Actors) -> None:
    head = actors.users["unit_leader_a"]
    assert (head.role, head.unit.name) == (Role.UNIT_LEADER, UNIT_A)
    assert actors.users["leader"].unit is None


def test_unit_leader_reads_its_own_quality_page_only(actors: Actors) -> None:
    a, b = _units()
    client = actors.client("unit_leader_a")
    own = client.get(f"/workspace/collection/units/{a.pk}/")
    assert own.status_code == 200
    body = own.content.decode()
    assert UNIT_A in body
    # Read only: no 决定数 declaration form, no 标记已阅 buttons.
    assert own.context["can_write"] is False and "标记已阅" not in body
    other = client.get(f"/workspace/collection/units/{b.pk}/")
    assert other.status_code == 403
    assert "无权查看“区人社局”的归集质量情况。" in other.content.decode()
    # The overview of the district is not theirs: they are sent to their own unit.
    overview = client.get("/workspace/collection/?period=2026-10")
    assert overview.status_code == 302
    assert overview["Location"] == f"/workspace/collection/units/{a.pk}/"
    assert client.get("/workspace/collection/mine/")["Location"] == overview["Location"]
    for district_wide in ("/workspace/collection/report.xlsx", "/workspace/ledger/dashboard/"):
        assert client.get(district_wide).status_code == 403, district_wide


def test_unit_leader_reads_its_own_records_only(actors: Actors) -> None:
    a, b = _units()
    own = CreditRecord.objects.filter(source_unit=a)
    other = CreditRecord.objects.filter(source_unit=b).order_by("pk").first()
    assert own.exists() and other is not None, "the demo has records of both units"
    client = actors.client("unit_leader_a")
    listed = client.get("/workspace/collection/records/")
    assert listed.status_code == 200
    shown = {r.source_unit_id for r in listed.context["page"].object_list}
    assert shown == {a.pk}
    filtered = client.get("/workspace/collection/records/", {"unit": b.pk})
    assert filtered.status_code == 200
    assert list(filtered.context["page"].object_list) == []
    assert "没有这个单位，或无权查看该单位的数据。" in filtered.content.decode()
    assert client.get(f"/workspace/collection/records/{other.pk}/").status_code == 404

    api = client.get("/api/v1/records/").json()
    assert api["count"] == own.count()
    refused = client.get("/api/v1/records/", {"unit": UNIT_B})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "无权查看“区人社局”的数据。"
    assert client.get(f"/api/v1/records/{other.pk}").status_code == 404
    first = own.order_by("pk").first()
    assert client.get(f"/api/v1/records/{first.pk}").status_code == 200

    batches = client.get("/workspace/collection/batches/")
    assert {b_.unit_id for b_ in batches.context["page"].object_list} == {a.pk}


def test_district_leader_still_reads_every_unit(actors: Actors) -> None:
    _a, b = _units()
    client = actors.client("leader")
    assert client.get(f"/workspace/collection/units/{b.pk}/").status_code == 200
    assert client.get("/api/v1/records/").json()["count"] == CreditRecord.objects.count()
    assert client.get("/workspace/collection/?period=2026-10").status_code == 200


def test_unit_leader_writes_nothing(actors: Actors) -> None:
    a, _b = _units()
    head = actors.users["unit_leader_a"]
    client = actors.client("unit_leader_a")
    record = CreditRecord.objects.filter(source_unit=a, status="active").order_by("pk").first()
    warning = QualityWarning.objects.filter(unit=a, acknowledged_at__isnull=True).first()
    assert record is not None
    batches, records = Batch.objects.count(), CreditRecord.objects.count()
    last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    row = {"行政相对人名称": "安阳市北关区测试商贸有限公司", "行政相对人代码": "91410503MA45B8Q06A"}
    attempts = [
        ("/api/v1/collection/batches", {"record_type": "行政处罚", "unit": UNIT_A, "rows": [row]}),
        (
            "/api/v1/collection/declarations",
            {"record_type": "行政处罚", "unit": UNIT_A, "period": "2026-10", "declared_count": 3},
        ),
        (f"/api/v1/records/{record.pk}/withdrawal", {"reason": "负责人撤回", "kind": "revoked"}),
        ("/api/v1/personnel/nominations/", {"kind": "model_organ", "year": 2026, "deeds": "x"}),
    ]
    for url, body in attempts:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code in (403, 404), (url, response.content)
    pages = [
        (f"/workspace/collection/units/{a.pk}/", {"period": "2026-10", "count": "3"}),
        (f"/workspace/collection/records/{record.pk}/withdraw/", {"reason": "负责人撤回"}),
        (f"/workspace/rights/records/{record.pk}/objection/", {"reason": "越权尝试"}),
        ("/workspace/collection/upload/", {}),
        ("/workspace/collection/entry/", {}),
    ]
    if warning is not None:
        pages.append((f"/workspace/collection/warnings/{warning.pk}/ack/", {}))
    for url, body in pages:
        assert client.post(url, body).status_code in (403, 404), url
    assert (Batch.objects.count(), CreditRecord.objects.count()) == (batches, records)
    assert not MonthlyDeclaration.objects.filter(declared_by=head).exists()
    assert not Nomination.objects.filter(nominated_by=head).exists()
    if warning is not None:
        warning.refresh_from_db()
        assert warning.acknowledged_at is None
    written = Event.objects.filter(pk__gt=last_event, actor=head)
    assert not written.exclude(action__startswith="auth.").exists(), list(written.values("action"))


def test_unit_leader_reads_its_own_staff_files_and_is_refused_others(actors: Actors) -> None:
    a, _b = _units()
    head = actors.users["unit_leader_a"]
    own = Person.objects.get(name="王建国")  # 公务员 of 区市场监管局 (personnel/demo.py)
    other = Person.objects.get(name="李红梅")  # 公务员 of 区住建局
    assert own.unit == a and other.unit != a
    client = actors.client("unit_leader_a")
    listed = client.get("/workspace/personnel/")
    assert listed.status_code == 200
    assert [p.pk for p in listed.context["persons"]] == [own.pk]

    url = f"/workspace/personnel/{own.pk}/"
    opened = client.post(url, {"action": "open", "purpose": "年度考核"})
    assert opened.status_code == 302
    page = client.get(url)
    assert page.status_code == 200 and page.context["basis"] == "本单位领导"
    assert ReadLog.objects.filter(reader=head, subject_id=str(own.pk)).exists()

    before = Event.objects.filter(action="personnel.file.refused", actor=head).count()
    refused = client.post(
        f"/workspace/personnel/{other.pk}/", {"action": "open", "purpose": "年度考核"}
    )
    assert refused.status_code == 403
    assert other.name not in refused.content.decode()
    api = client.get(f"/api/v1/personnel/persons/{other.pk}/file/", {"purpose": "年度考核"})
    assert api.status_code == 403
    assert "仅组织部门、本人所在单位领导和建档管理单位可以查阅" in api.json()["detail"]
    refusals = Event.objects.filter(action="personnel.file.refused", actor=head)
    assert refusals.count() == before + 2
    assert set(refusals.values_list("target_id", flat=True)) == {str(other.pk)}
    assert refusals.latest("id").new_values["role"] == "unit_leader"
    # Unit B's head reads neither.
    cache.clear()
    b_head = actors.client("unit_leader_b")
    assert b_head.post(url, {"action": "open", "purpose": "年度考核"}).status_code == 403


def _menu_urls(user: Any) -> dict[str, str]:
    return {m.title: m.url for g in navigation.groups_for(user) for m in g.modules}


@pytest.mark.parametrize("role", ["unit_leader_a", "unit_leader_b"])
def test_unit_leader_menu_offers_no_link_that_refuses(actors: Actors, role: str) -> None:
    menu = _menu_urls(actors.users[role])
    assert {"本单位归集质量", "报送批次", "信用记录", "人员信用档案"} <= set(menu)
    assert "全区归集情况" not in menu and "数据上传" not in menu
    client = actors.client(role)
    for title, url in menu.items():
        cache.clear()
        status = client.get(url).status_code
        assert status in (200, 302), f"{title} {url}: {status}"


def test_district_leader_menu_is_unchanged_and_offers_no_link_that_refuses(actors: Actors) -> None:
    """The district overview stays in the district leader's menu; its own-unit page does not."""
    client: Client = actors.client("leader")
    menu = _menu_urls(actors.users["leader"])
    assert "全区归集情况" in menu and "本单位归集质量" not in menu
    for title, url in menu.items():
        cache.clear()
        status = client.get(url).status_code
        assert status in (200, 302), f"{title} {url}: {status}"
