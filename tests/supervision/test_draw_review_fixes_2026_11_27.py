"""Fixes from the draw review of 2026-11-27 (issue 6 §3): the roster and its conflicts
taken again when the draw runs, a merge that moves a unit's records or a declared
conflict to another subject, the draw order hidden from the roles without grades, and
the yearly frequency counted in the year the draw runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.supervision.draws_helpers import ensure_policies, make_pool, make_user, roster, unit
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Role
from xinyong.subjects.services import merge_subjects
from xinyong.supervision import draws, policy
from xinyong.supervision.models import SupervisionPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seed_dir(settings, tmp_path: Path) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()


# ---------------------------------------------------------------- 1. the roster at the run


def test_conflict_declared_after_set_up_is_avoided_at_the_draw() -> None:
    pool = make_pool({"D": 10})
    first, second = roster(2)
    # One inspector a target: with two, avoiding `first` would leave too few (the run
    # refuses that, below).
    draw = draws.create_draw(actor=None, unit=unit(), title="抽查", inspectors_per_target=1)
    for s in pool:
        draws.declare_conflict(actor=None, inspector=first, subject=s, reason="亲属任职")
    draw = draws.run_draw(actor=None, draw=draw)
    assigned = {(e["subject_id"], i) for e in draw.result for i in e["inspectors"]}
    assert not [pair for pair in assigned if pair[1] == first.pk], assigned
    # Recorded with the draw: the roster as read at the run, with the new conflicts.
    conflicts = {m["id"]: m["conflicts"] for m in draw.roster_snapshot}
    assert conflicts == {first.pk: sorted(s.pk for s in pool), second.pk: []}
    assert draws.verify_draw(draw).ok


def test_an_inspector_off_duty_since_set_up_is_not_drawn_and_the_draw_verifies() -> None:
    make_pool({"D": 10})
    first, second, third = roster(3)
    draw = draws.create_draw(actor=None, unit=unit(), title="抽查", inspectors_per_target=1)
    draws.set_inspector_active(actor=None, inspector=first, active=False)
    draw = draws.run_draw(actor=None, draw=draw)
    assert {i for e in draw.result for i in e["inspectors"]} <= {second.pk, third.pk}
    assert [m["id"] for m in draw.roster_snapshot] == [second.pk, third.pk]
    assert draws.verify_draw(draw).ok
    assert draws.summary(draw)["roster_size"] == 2


def test_too_many_conflicts_declared_after_set_up_stop_the_run() -> None:
    (target,) = make_pool({"D": 1})
    only, _other = roster(2)
    draw = draws.create_draw(actor=None, unit=unit(), title="抽查", inspectors_per_target=2)
    draws.declare_conflict(actor=None, inspector=only, subject=target, reason="亲属任职")
    with pytest.raises(DomainError, match="回避人员过多"):
        draws.run_draw(actor=None, draw=draw)
    draw.refresh_from_db()
    assert draw.status == draw.Status.COMMITTED and not draw.seed


# ---------------------------------------------------------------- 2, 3. merged subjects


def test_a_survivor_whose_unit_records_sit_on_the_absorbed_subject_is_in_the_pool() -> None:
    other, absorbed = make_pool({"D": 2})
    keep = make_pool({"D": 1}, unit_name="区生态环境局", start=500)[0]
    merge_subjects(actor=None, keep=keep, absorb=absorbed, reason="同一企业重复登记")
    roster(2)
    draw = draws.create_draw(actor=None, unit=unit(), title="抽查")
    assert sorted(e[0] for e in draw.pool_snapshot) == sorted([other.pk, keep.pk])


def test_a_conflict_declared_on_a_duplicate_follows_the_merge() -> None:
    keep, dup = make_pool({"D": 2})
    (only,) = roster(1)
    draws.declare_conflict(actor=None, inspector=only, subject=dup, reason="配偶任该企业股东")
    merge_subjects(actor=None, keep=keep, absorb=dup, reason="同一企业重复登记")
    with pytest.raises(DomainError, match="回避人员过多"):
        draws.create_draw(actor=None, unit=unit(), title="抽查", inspectors_per_target=1)


def test_a_conflict_with_a_subject_merged_into_a_pool_subject_after_set_up_is_avoided() -> None:
    pool = make_pool({"D": 10})
    (dup,) = make_pool({"D": 1}, unit_name="区生态环境局", start=500)
    first, second = roster(2)
    draws.declare_conflict(actor=None, inspector=first, subject=dup, reason="配偶任该企业股东")
    draw = draws.create_draw(actor=None, unit=unit(), title="抽查", inspectors_per_target=1)
    merge_subjects(actor=None, keep=pool[0], absorb=dup, reason="同一企业重复登记")
    draw = draws.run_draw(actor=None, draw=draw)
    conflicts = {m["id"]: m["conflicts"] for m in draw.roster_snapshot}
    assert conflicts[first.pk] == [pool[0].pk]
    drawn = {e["subject_id"]: e["inspectors"] for e in draw.result}
    if pool[0].pk in drawn:
        assert drawn[pool[0].pk] == [second.pk]
    assert draws.verify_draw(draw).ok


# ---------------------------------------------------------------- 6. the draw order


def test_restricted_api_view_does_not_give_away_the_draw_order() -> None:
    from rest_framework.test import APIClient

    make_pool({"D": 10})
    make_pool({"A": 100}, start=100)
    roster(4)
    draw = draws.run_draw(actor=None, draw=draws.create_draw(actor=None, unit=unit(), title="抽查"))
    bank = make_user("bank1", Role.BANK, None)
    bank.granted_units.add(unit())
    api = APIClient()
    api.force_authenticate(bank)
    targets = api.get(f"/api/v1/draws/{draw.pk}").json()["targets"]
    assert all("grade" not in t for t in targets)
    assert all("target_id" not in t for t in targets)


def test_staff_still_get_the_target_ids_for_entering_results() -> None:
    make_pool({"D": 10})
    roster(4)
    draw = draws.run_draw(actor=None, draw=draws.create_draw(actor=None, unit=unit(), title="抽查"))
    targets = draws.public_targets(draw)
    assert targets and all(t["target_id"] and t["grade"] == "D" for t in targets)


# ---------------------------------------------------------------- 7. the year of the run


def test_a_draw_run_in_a_new_year_counts_that_years_inspections(monkeypatch) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    sh = ZoneInfo("Asia/Shanghai")
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 30, 9, 0, tzinfo=sh))
    policy.update_policy(
        actor=None, policy=SupervisionPolicy.objects.get(grade="A"), inspection_ratio="100"
    )
    a = make_pool({"A": 1})[0]
    make_pool({"D": 10}, start=50)
    roster(2)
    first = draws.run_draw(
        actor=None, draw=draws.create_draw(actor=None, unit=unit(), title="2026年抽查")
    )
    assert a.pk in {e["subject_id"] for e in first.result}
    late = draws.create_draw(actor=None, unit=unit(), title="2027年第一季度抽查")
    assert a.pk not in {sid for sid, _g in draws.drawn_pool(late)}
    monkeypatch.setattr(timezone, "now", lambda: datetime(2027, 1, 4, 9, 0, tzinfo=sh))
    late = draws.run_draw(actor=None, draw=late)
    assert a.pk in {e["subject_id"] for e in late.result}, late.pool_filter["frequency"]
    assert draws.verify_draw(late).ok
    assert draws.verify_draw(late, with_grades=False).ok
    assert "2027 年内未达频次" in draws.summary(late)["frequency"]["text"]
