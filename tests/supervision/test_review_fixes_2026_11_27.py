"""Fixes from the supervision review of 2026-11-27 (issue 6, #4 #5 #8 #9): the policy
admin goes through the policy service, the public draw page describes the algorithm the
draw used, the public draw pages are throttled like the verify API, and a provincial
result keeps its precedence over a newer sector result after a merge."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from xinyong.core.models import Event
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject, merge_subjects
from xinyong.supervision import draws, grading
from xinyong.supervision.models import Draw, SubjectGrade, SupervisionPolicy

from .draws_helpers import ensure_policies, make_pool, roster, unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seed_dir(settings, tmp_path: Path) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()


def _run(pool: dict[str, int]) -> Draw:
    make_pool(pool)
    roster(2)
    return draws.run_draw(actor=None, draw=draws.create_draw(actor=None, unit=unit(), title="抽查"))


# ---------------------------------------------------------------- 4. the policy admin


def _policy_post(d: SupervisionPolicy, ratio: str) -> dict[str, str]:
    return {
        "grade": "D",
        "inspection_ratio": ratio,
        "frequency_per_year": "4",
        "approach": d.approach,
        "basis": d.basis,
        "effective_from": "2022-01-01",
        "effective_to": "",
    }


def test_policy_admin_refuses_a_ratio_outside_0_to_100(admin_client) -> None:
    d = SupervisionPolicy.objects.get(grade="D")
    url = f"/admin/supervision/supervisionpolicy/{d.pk}/change/"
    for ratio in ("-50", "150"):
        r = admin_client.post(url, _policy_post(d, ratio))
        assert r.status_code == 200
        assert "抽查比例应为 0 到 100 之间的数字（百分比）。" in r.content.decode()
        d.refresh_from_db()
        assert str(d.inspection_ratio) not in ("-50.00", "150.00")
    assert not Event.objects.filter(action="supervision.policy_update").exists()


def test_policy_admin_saves_through_the_service_with_its_event(admin_client) -> None:
    d = SupervisionPolicy.objects.get(grade="D")
    url = f"/admin/supervision/supervisionpolicy/{d.pk}/change/"
    r = admin_client.post(url, _policy_post(d, "45"))
    assert r.status_code == 302
    d.refresh_from_db()
    assert (str(d.inspection_ratio), d.frequency_per_year) == ("45.00", 4)
    event = Event.objects.get(action="supervision.policy_update")
    assert (event.old_values["inspection_ratio"], event.new_values["inspection_ratio"]) == (
        "30.00",
        "45.00",
    )


# ---------------------------------------------------------------- 5. the method on the page


V2_WORDING = "应抽户数 = ⌊该等级户数 × 比例 ÷ 100⌋"


def test_public_page_describes_the_algorithm_the_draw_used() -> None:
    draw = _run({"D": 11})
    assert draw.pool_filter["algorithm"] == draws.ALGORITHM
    body = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    assert "⌈该等级户数 × 比例 ÷ 100⌉" not in body
    assert V2_WORDING in body
    assert 'rank("quota:等级")' in body
    assert "HMAC-SHA256 v2" in body


def test_public_page_of_a_v1_draw_keeps_the_v1_method() -> None:
    draw = _run({"D": 11})
    draw.pool_filter = {**draw.pool_filter, "algorithm": draws.ALGORITHM_V1}
    draw.save(update_fields=["pool_filter"])
    body = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    assert "⌈该等级户数 × 比例 ÷ 100⌉" in body
    assert V2_WORDING not in body
    assert "HMAC-SHA256 v1" in body


# ---------------------------------------------------------------- 8. throttled public pages


@pytest.mark.parametrize(
    "page",
    [
        "/credit/draws/",
        "/credit/draws/{pk}/",
        "/credit/draws/{pk}/verify/",
        "/credit/draws/{pk}/data.json",
    ],
)
def test_the_anonymous_verify_page_is_throttled_like_the_verify_api(settings, page) -> None:
    settings.PUBLICITY_PORTAL_RATE = "3/min"
    draw = _run({"D": 10})
    cache.clear()  # the rate is counted in the cache (conftest also clears it per test)
    client = Client()
    codes = [client.get(page.format(pk=draw.pk)).status_code for _ in range(10)]
    assert 429 in codes, codes
    assert codes[:3] == [200, 200, 200], codes


# ---------------------------------------------------------------- 9. precedence after a merge


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setattr(grading, "_today", lambda: date(2026, 9, 30))


def _subject(body: str, name: str) -> Subject:
    from stdnum.cn import uscc

    return get_or_create_subject(
        actor=None, identifier=body + uscc.calc_check_digit(body), name=name
    )[0]


def _provincial_and_newer_sector_merged() -> Subject:
    keep = _subject("91410503MA9G5N2X4", "安阳市北关区甲商贸有限公司")
    dup = _subject("91410503MA9G5N3X4", "安阳市北关区甲商贸有限公司（重复）")
    grading.add_external(
        actor=None,
        subject=keep,
        source="provincial",
        evaluator="河南省信用中心",
        grade="A",
        evaluated_on=date(2026, 1, 10),
    )
    grading.add_external(
        actor=None,
        subject=dup,
        source="sector",
        evaluator="区住建局",
        grade="D",
        evaluated_on=date(2026, 6, 1),
    )
    merge_subjects(actor=None, keep=keep, absorb=dup, reason="同一企业重复登记")
    return keep


def test_provincial_result_keeps_precedence_over_a_sector_result_after_a_merge(
    frozen_today,
) -> None:
    keep = _provincial_and_newer_sector_merged()
    result = grading.compute_grade(keep)
    assert (result.grade, result.source) == ("A", "provincial")


@pytest.mark.parametrize("set_above", [10_000, 0])
def test_the_set_path_gives_the_provincial_result_after_a_merge(
    frozen_today, monkeypatch, set_above: int
) -> None:
    keep = _provincial_and_newer_sector_merged()
    monkeypatch.setattr(grading, "_SET_ABOVE", set_above)
    SubjectGrade.objects.all().delete()
    grading.recompute_subjects([keep.pk], reason="测试")
    assert SubjectGrade.objects.values_list("grade", "source").get(subject=keep) == (
        "A",
        "provincial",
    )
    SubjectGrade.objects.all().delete()
    grading.recompute_all()
    assert SubjectGrade.objects.values_list("grade", "source").get(subject=keep) == (
        "A",
        "provincial",
    )
