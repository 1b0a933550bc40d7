"""The demo loaders of 双随机抽查 (supervision/demo_draws.py, order 55) and 联合奖惩核查与
失信事件 (sanctions/demo_checks.py, order 45): what they create, that each object is
reachable by its page or API for the right demo user (and not for another unit's), and
that a second run creates nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from xinyong.orgs.loaders import load_demo_users
from xinyong.orgs.models import ApiToken, User
from xinyong.records.models import CreditRecord
from xinyong.sanctions.demo import load_demo_lists
from xinyong.sanctions.demo_checks import load_demo_checks
from xinyong.sanctions.models import Check, CheckMeasure, DishonestyEvent, TypicalCase
from xinyong.subjects.demo import load_demo_subjects
from xinyong.supervision import draws
from xinyong.supervision.demo import load_demo_grades
from xinyong.supervision.demo_draws import load_demo_draws
from xinyong.supervision.models import Draw, DrawTarget, Inspector, InspectorConflict

pytestmark = pytest.mark.django_db

SCJ = "区市场监管局"
RSJ = "区人社局"


# How many a draw takes from a stratum whose share is fractional depends on the seed
# (draws.quota). These seeds make the demo draws take 1 A (9 at 1 %) and 1 D (2 at 30 %)
# for 区市场监管局 and the one D (1 at 30 %) for 区人社局; EMPTY_SEED takes nobody.
DEMO_SEEDS = (
    "606119bb6e76264782fe8bcce786d3bfdf13415fa6c891cd500e24f1c7d030ed",
    "9169c6d165820664c54ebd6d5bd21987c9b65881ee8dceac2c4c2d6189337eb4",
)
EMPTY_SEED = "3760fdcf2fa4ce43210b1a06bb300841a248d143cc921b6fce90f6f804cc3e53"


def _load(settings: Any, tmp_path: Any, monkeypatch: Any, seeds: tuple[str, ...]) -> Any:
    from types import SimpleNamespace

    from xinyong.collection.demo import load_demo_records

    settings.DRAW_SEED_DIR = str(tmp_path / "draw-seeds")
    load_demo_users()
    load_demo_subjects()
    load_demo_records()
    load_demo_lists()
    checks_summary = load_demo_checks()
    load_demo_grades()
    queue = iter(seeds)
    monkeypatch.setattr(draws, "secrets", SimpleNamespace(token_hex=lambda _n: next(queue)))
    return {"checks": checks_summary, "draws": load_demo_draws()}


@pytest.fixture
def summaries(settings: Any, tmp_path: Any, monkeypatch: Any) -> dict[str, str]:
    """The demo loaders up to the draws, in their registered order."""
    return _load(settings, tmp_path, monkeypatch, DEMO_SEEDS)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _text(response: Any) -> str:
    return response.content.decode("utf-8")


# ------------------------------------------------------------------ 双随机抽查


def test_draw_loader_creates_rosters_conflict_and_verified_draws(
    summaries: dict[str, str],
) -> None:
    assert summaries["draws"].startswith("检查人员 7 名（回避申报 1 条）；区市场监管局抽查 1 次")
    assert "复核一致" in summaries["draws"]
    assert sorted(
        Inspector.objects.filter(unit__name=SCJ).values_list("badge_number", flat=True)
    ) == [
        "41050310021",
        "41050310034",
        "41050310047",
        "41050310052",
        "41050310068",
    ]
    assert Inspector.objects.filter(unit__name=RSJ).count() == 2
    conflict = InspectorConflict.objects.get()
    assert (conflict.inspector.name, conflict.subject.name) == ("陈丽华", "安阳市鑫源食品有限公司")

    market = Draw.objects.get(unit__name=SCJ)
    assert market.status == Draw.Status.DRAWN
    assert market.pool_filter["record_type"] == "XZCF"
    # 11 subjects with a penalty: 9 graded A (1% → 0.09) and the 2 listed ones graded D
    # (30% → 0.6); DEMO_SEEDS[0] draws the extra one in both.
    grades = sorted(g for _sid, g in market.pool_snapshot)
    assert grades == ["A"] * 9 + ["D"] * 2
    assert [t["grade"] for t in market.result] == ["A", "D"]
    assert all(len(t["inspectors"]) == 2 for t in market.result)
    assert draws.verify_draw(market).ok
    # The declared conflict is in the roster snapshot and respected.
    snapshot = {m["badge_number"]: m["conflicts"] for m in market.roster_snapshot}
    assert snapshot["41050310034"] == [conflict.subject_id]
    # No target is inspected by anyone who declared a conflict with it (checked for every
    # target: which subjects the random seed draws differs from run to run).
    conflicts_of = {m["id"]: set(m["conflicts"]) for m in market.roster_snapshot}
    assert all(
        target["subject_id"] not in conflicts_of[inspector]
        for target in market.result
        for inspector in target["inspectors"]
    )

    first = DrawTarget.objects.get(draw=market, subject_id=market.result[0]["subject_id"])
    assert first.inspection_record is not None
    record = first.inspection_record
    assert (record.document_number, record.record_type.code) == ("北关市监检〔2026〕31号", "XZJC")
    assert record.subject_id == first.subject_id
    assert record.status == CreditRecord.Status.ACTIVE
    assert market.targets.filter(inspection_record__isnull=True).count() == 1

    labour = Draw.objects.get(unit__name=RSJ)
    assert labour.status == Draw.Status.PUBLISHED
    assert [t.subject.name for t in labour.targets.all()] == ["安阳市北关区安顺运输有限公司"]
    assert draws.verify_draw(labour).ok


def test_draw_loader_copes_with_a_draw_that_takes_nobody(
    settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    summary = _load(settings, tmp_path, monkeypatch, (EMPTY_SEED, EMPTY_SEED))["draws"]
    assert (
        "区市场监管局抽查 1 次（对象库 11 户，抽中 0 户，已录入检查结果 0 户，复核一致）" in summary
    )
    assert "区人社局抽查 1 次（抽中 0 户，已抽取）" in summary
    market = Draw.objects.get(unit__name=SCJ)
    assert (market.result, market.status) == ([], Draw.Status.DRAWN)
    assert draws.verify_draw(market).ok


def test_draw_pages_for_the_right_users(summaries: dict[str, str]) -> None:
    market = Draw.objects.get(unit__name=SCJ)
    first = DrawTarget.objects.get(draw=market, subject_id=market.result[0]["subject_id"])

    scj = _client("reviewer_scj")
    page = scj.get("/workspace/supervision/inspectors/")
    assert page.status_code == 200
    assert "刘卫东" in _text(page) and "41050310021" in _text(page)
    assert "郭振宇" not in _text(page)
    chen = Inspector.objects.get(badge_number="41050310034")
    page = scj.get(f"/workspace/supervision/inspectors/{chen.pk}/conflicts/")
    assert page.status_code == 200
    assert "配偶在该公司担任财务负责人" in _text(page)
    page = scj.get(f"/workspace/supervision/draws/{market.pk}/")
    assert page.status_code == 200
    assert "2026年度行政处罚后续监管“双随机、一公开”抽查" in _text(page)
    assert first.subject.name in _text(page)

    # Another unit's reporter sees its own roster and draw, not 区市场监管局's.
    rsj = _client("reporter_rsj")
    assert "郭振宇" in _text(rsj.get("/workspace/supervision/inspectors/"))
    assert rsj.get(f"/workspace/supervision/draws/{market.pk}/").status_code == 404
    assert rsj.get(f"/api/v1/draws/{market.pk}").status_code == 404

    api = scj.get(f"/api/v1/draws/{market.pk}")
    assert api.status_code == 200
    assert api.json()["title"] == "2026年度行政处罚后续监管“双随机、一公开”抽查"

    public = Client()
    page = public.get(f"/credit/draws/{market.pk}/")
    assert page.status_code == 200
    assert "北关市监检〔2026〕31号" in _text(page)
    page = public.get(f"/credit/draws/{market.pk}/verify/")
    assert page.status_code == 200
    assert "复核一致" in _text(page)


# ------------------------------------------------------------------ 联合奖惩核查、典型案例


def test_check_loader_creates_checks_with_measures_and_feedback(
    summaries: dict[str, str],
) -> None:
    assert summaries["checks"].startswith(
        "区市场监管局核查 3 次（命中 2 次：已反馈 1 次、待反馈 1 次；未命中 1 次），"
        "典型案例 1 篇（已发布），失信事件 2 件（已公布 1 件、已交办 1 件）"
    )
    checks = {c.subject.name: c for c in Check.objects.filter(unit__name=SCJ)}
    assert len(checks) == 3 and Check.objects.count() == 3

    wages = checks["安阳北关豫安建筑工程有限公司"]
    assert (wages.matter.code, wages.checked_on, wages.hit) == (
        "LICENSING",
        date(2026, 11, 9),
        True,
    )
    assert wages.feedback_status == Check.FeedbackStatus.DONE
    rows = {r.measure.code: r for r in wages.measures.all()}
    assert sorted(rows) == ["P-SUPERVISION", "P-WAGES"]
    assert {r.action for r in rows.values()} == {CheckMeasure.Action.APPLIED}
    assert {r.reported_on for r in rows.values()} == {date(2026, 11, 12)}
    assert rows["P-WAGES"].list_entry.list_type.code == "SX_WAGES"

    court = checks["安阳市北关区安顺运输有限公司"]
    assert court.matter.code == "COMMITMENT_APPROVAL"
    assert court.feedback_status == Check.FeedbackStatus.PENDING
    assert court.feedback_due == date(2026, 11, 30)
    assert [r.measure.code for r in court.measures.all()] == ["P-NO-COMMITMENT"]
    assert court.measures.get().list_entry.list_type.code == "SX_BZXR"

    clean = checks["安阳市北关区恒达商贸有限公司"]
    assert (clean.hit, clean.feedback_status) == (False, Check.FeedbackStatus.NOT_NEEDED)
    assert clean.measures.count() == 0

    case = TypicalCase.objects.get()
    assert case.title == "区市场监管局对拖欠农民工工资失信主体实施联合惩戒"
    assert (case.unit.name, case.check_run_id, case.published_on) == (
        SCJ,
        wages.pk,
        date(2026, 11, 18),
    )


def test_check_and_case_pages_for_the_right_users(summaries: dict[str, str]) -> None:
    wages = Check.objects.get(matter_reference="北关市监许受〔2026〕0318号")
    scj = _client("reporter_scj")
    page = scj.get(f"/workspace/sanctions/checks/{wages.pk}/")
    assert page.status_code == 200
    assert "安阳北关豫安建筑工程有限公司" in _text(page)
    assert "不适用容缺受理和告知承诺" in _text(page)
    listing = _text(scj.get("/workspace/sanctions/checks/"))
    assert "安阳市北关区安顺运输有限公司" in listing and "待反馈" in listing
    api = scj.get(f"/api/v1/checks/{wages.pk}")
    assert api.status_code == 200
    assert api.json()["feedback_status_label"] == "已反馈"
    assert (
        _client("reporter_rsj").get(f"/workspace/sanctions/checks/{wages.pk}/").status_code == 404
    )

    case = TypicalCase.objects.get()
    public = Client()
    page = public.get(f"/credit/cases/{case.pk}/")
    assert page.status_code == 200
    assert "区市场监管局对拖欠农民工工资失信主体实施联合惩戒" in _text(page)
    assert "北关人社拖欠认〔2026〕2号" in _text(page)
    assert "区市场监管局对拖欠农民工工资失信主体实施联合惩戒" in _text(public.get("/credit/cases/"))


# ------------------------------------------------------------------ 失信事件、接口令牌


def test_events_went_through_their_workflow(summaries: dict[str, str]) -> None:
    published = DishonestyEvent.objects.get(status=DishonestyEvent.Status.PUBLISHED)
    assert published.title == "万家福超市“双十一”促销涉嫌先提价后打折"
    assert published.assigned_unit is not None and published.assigned_unit.name == SCJ
    assert (
        published.detected_on,
        published.due_on,
        published.handled_on,
        published.published_on,
    ) == (
        date(2026, 11, 12),
        date(2026, 11, 19),
        date(2026, 11, 17),
        date(2026, 11, 20),
    )
    assert "北关市监立〔2026〕58号" in published.handling
    open_event = DishonestyEvent.objects.get(status=DishonestyEvent.Status.ASSIGNED)
    assert open_event.assigned_unit is not None and open_event.assigned_unit.name == RSJ
    assert open_event.due_on == date(2026, 11, 30)
    assert open_event.handled_on is None

    public = _text(Client().get("/credit/events/"))
    assert "责令立即改正并依法立案调查" in public
    assert "12345热线" not in public  # not published

    scj = _client("reporter_scj")
    page = scj.get(f"/workspace/sanctions/events/{published.pk}/")
    assert page.status_code == 200
    assert "北关市监立〔2026〕58号" in _text(page)
    assert scj.get(f"/workspace/sanctions/events/{open_event.pk}/").status_code == 404
    page = _client("reporter_rsj").get(f"/workspace/sanctions/events/{open_event.pk}/")
    assert page.status_code == 200
    assert "12345热线反映豫安建筑工程工地拖欠农民工工资" in _text(page)


def test_api_token_for_the_market_units_system_account(summaries: dict[str, str]) -> None:
    token = ApiToken.objects.get()
    assert token.name == "市场监管执法办案系统数据报送"
    assert token.user.is_system_account and token.user.unit is not None
    assert token.user.unit.name == SCJ
    assert token.revoked_at is None
    # The summary names the account but not the key (nor the key's first characters).
    assert f"接口令牌 1 个（{token.user.username}）" in summaries["checks"]
    assert token.prefix not in summaries["checks"]

    listing = _client("reviewer_scj").get("/api/v1/tokens/")
    assert listing.status_code == 200
    assert "市场监管执法办案系统数据报送" in _text(listing)
    assert _client("reporter_scj").get("/api/v1/tokens/").status_code == 403


# ------------------------------------------------------------------ idempotency


def test_second_run_creates_nothing(summaries: dict[str, str]) -> None:
    models: list[Any] = [
        Inspector,
        InspectorConflict,
        Draw,
        DrawTarget,
        CreditRecord,
        Check,
        CheckMeasure,
        TypicalCase,
        DishonestyEvent,
        ApiToken,
        User,
    ]
    before = {m.__name__: m.objects.count() for m in models}
    assert load_demo_checks() == "已存在，跳过"
    assert load_demo_draws() == "已存在，跳过"
    assert {m.__name__: m.objects.count() for m in models} == before
