"""Per-grade draws match the policy (DOMAIN.md §10, 国市监信发〔2022〕6号: A fewer and rarer
inspections, C and D a higher ratio and frequency): the expected share of a grade's
subjects drawn equals the policy ratio, however small the pool (v2 rounding), and a
subject drawn `frequency_per_year` times in a calendar year stays out of that year's
later draws."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from xinyong.core.errors import DomainError
from xinyong.supervision import draws, policy
from xinyong.supervision.models import Draw, SupervisionPolicy

from .draws_helpers import ensure_policies, make_pool, roster, staff, unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROSTER = [{"id": 1, "conflicts": []}]
RATIOS = {"A": "1.00", "B": "2.00", "C": "10.00", "D": "30.00"}  # the default policy
SEEDS = [hashlib.sha256(f"种子{i}".encode()).hexdigest() for i in range(4000)]


def _rates(pool: list[list[object]], algorithm: str = draws.ALGORITHM) -> dict[str, float]:
    """Per grade: the share of (subject, seed) pairs drawn over SEEDS."""
    sizes: dict[str, int] = {}
    for _sid, grade in pool:
        sizes[str(grade)] = sizes.get(str(grade), 0) + 1
    drawn = dict.fromkeys(sizes, 0)
    for seed in SEEDS:
        for entry in draws.compute_draw(
            seed_hex=seed,
            pool=pool,
            ratios=RATIOS,
            roster=ROSTER,
            inspectors_per_target=1,
            algorithm=algorithm,
        ):
            drawn[entry["grade"]] += 1
    return {g: drawn[g] / (sizes[g] * len(SEEDS)) for g in sizes}


# ---------------------------------------------------------------- B: the quota


def test_small_pool_rates_follow_the_policy_not_the_rounding() -> None:
    # 3 A and 10 D: the ceiling gave A 1 of 3 (33 %) against D 3 of 10 (30 %).
    pool = [[i, "A"] for i in (1, 2, 3)] + [[i, "D"] for i in range(10, 20)]
    old = _rates(pool, draws.ALGORITHM_V1)
    assert old["A"] == pytest.approx(1 / 3) and old["D"] == pytest.approx(0.30)
    rates = _rates(pool)
    # 4,000 seeds: A expects 120 drawn out of 12,000 pairs (sd ≈ 11, i.e. 0.09 points).
    assert rates["A"] == pytest.approx(0.01, abs=0.004)
    assert rates["D"] == pytest.approx(0.30, abs=0.000001)  # 10 × 30 % is exactly 3
    assert rates["A"] < rates["D"]


def test_a_single_a_subject_is_no_longer_drawn_every_time() -> None:
    pool = [[1, "A"]] + [[i, "D"] for i in range(10, 21)] + [[i, "C"] for i in range(30, 37)]
    assert _rates(pool, draws.ALGORITHM_V1)["A"] == 1.0
    rates = _rates(pool)
    assert rates["A"] == pytest.approx(0.01, abs=0.004)
    # 11 D at 30 % = 3.3 and 7 C at 10 % = 0.7: the fraction is drawn for, not rounded up.
    assert rates["D"] == pytest.approx(0.30, abs=0.01)
    assert rates["C"] == pytest.approx(0.10, abs=0.01)
    assert rates["A"] < rates["C"] < rates["D"]


def test_quota_is_floor_plus_one_decided_by_the_documented_hmac() -> None:
    seed = "5a" * 32
    key = bytes.fromhex(seed)
    h = int(hmac.new(key, b"quota:D", hashlib.sha256).hexdigest(), 16)
    # 11 at 30 % = 3.3: 3, and one more when h / 2^256 < 0.3.
    expected = 3 + (Fraction(h, 2**256) < Fraction(3, 10))
    assert draws.quota("30.00", 11, key=key, grade="D") == expected
    assert draws.quota("30.00", 11, key=key, grade="D", algorithm=draws.ALGORITHM_V1) == 4
    assert draws.quota("30.00", 10, key=key, grade="D") == 3  # whole: no chance involved
    assert draws.quota("2.00", 0, key=key, grade="B") == 0
    assert draws.quota("0", 50, key=key, grade="B") == 0
    assert draws.quota("100", 7, key=key, grade="D") == 7
    assert draws.quota_range("30.00", 11) == (3, 4)
    assert draws.quota_range("2.00", 100) == (2, 2)
    seen = {draws.quota("30.00", 11, key=bytes.fromhex(s), grade="D") for s in SEEDS[:200]}
    assert seen == {3, 4}


def test_same_seed_reproduces_a_fractional_draw() -> None:
    pool = [[i, "C"] for i in range(1, 8)]
    args = {"pool": pool, "ratios": RATIOS, "roster": ROSTER, "inspectors_per_target": 1}
    for seed in SEEDS[:50]:
        assert draws.compute_draw(seed_hex=seed, **args) == draws.compute_draw(
            seed_hex=seed, **args
        )


# ---------------------------------------------------------------- B: versions and verify


@pytest.fixture
def _draw_setup(settings, tmp_path: Path) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()


@pytest.mark.django_db
@pytest.mark.usefixtures("_draw_setup")
def test_new_draw_records_v2_and_verifies() -> None:
    make_pool({"A": 3, "D": 11})
    roster(2)
    draw = draws.create_draw(actor=None, unit=unit(), title="2026年第四季度双随机抽查")
    assert draw.pool_filter["algorithm"] == "HMAC-SHA256 v2"
    before = draws.summary(draw)
    # Before the seed is revealed the extra one is not known: A 0 or 1, D 3 or 4.
    assert [(g["grade"], g["quota"], g["quota_min"], g["quota_max"]) for g in before["grades"]] == [
        ("A", None, 0, 1),
        ("B", 0, 0, 0),
        ("C", 0, 0, 0),
        ("D", None, 3, 4),
    ]
    assert (before["quota_total"], before["quota_total_min"], before["quota_total_max"]) == (
        None,
        3,
        5,
    )
    html = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    assert "3 至 5" in html
    draw = draws.run_draw(actor=None, draw=draw)
    after = draws.summary(draw)
    key = bytes.fromhex(draw.seed)
    quotas = {g["grade"]: g["quota"] for g in after["grades"]}
    assert quotas == {
        "A": draws.quota("1.00", 3, key=key, grade="A"),
        "B": 0,
        "C": 0,
        "D": draws.quota("30.00", 11, key=key, grade="D"),
    }
    assert after["quota_total"] == len(draw.result) == sum(quotas.values())
    assert draws.verify_draw(draw).ok


@pytest.mark.django_db
@pytest.mark.usefixtures("_draw_setup")
def test_draws_published_under_v1_keep_their_rule_and_still_verify() -> None:
    make_pool({"A": 3, "D": 10})
    roster(2)
    draw = draws.create_draw(actor=None, unit=unit(), title="2026年第三季度双随机抽查")
    # A draw set up before v2 (its parameters say v1, or nothing: the first draws).
    for legacy in ("HMAC-SHA256 v1", None):
        params = dict(draw.pool_filter)
        if legacy:
            params["algorithm"] = legacy
        else:
            params.pop("algorithm")
        Draw.objects.filter(pk=draw.pk).update(pool_filter=params)
        draw.refresh_from_db()
        assert [g["quota"] for g in draws.summary(draw)["grades"]] == [1, 0, 0, 3]
    draw = draws.run_draw(actor=None, draw=draw)
    # ceil(3 × 1 %) = 1 A, as published under v1.
    assert [e["grade"] for e in draw.result] == ["A", "D", "D", "D"]
    report = draws.verify_draw(draw)
    assert report.ok, report.problems
    Draw.objects.filter(pk=draw.pk).update(
        pool_filter={**draw.pool_filter, "algorithm": "HMAC-SHA256 v9"}
    )
    draw.refresh_from_db()
    assert draws.verify_draw(draw).message == (
        f"抽查任务 {draw.pk} 的抽取算法“HMAC-SHA256 v9”无法识别，不能抽取或复核。"
    )


# ---------------------------------------------------------------- C: frequency per year


def _all_drawn() -> None:
    """Every subject of A and D is drawn (ratio 100 %), so the frequency alone decides."""
    for grade in ("A", "D"):
        p = SupervisionPolicy.objects.get(grade=grade)
        policy.update_policy(actor=None, policy=p, inspection_ratio="100")


def _draw(title: str, on: date, drawn_at: datetime) -> Draw:
    draw = draws.create_draw(actor=None, unit=unit(), title=title, inspectors_per_target=1, on=on)
    draw = draws.run_draw(actor=None, draw=draw)
    Draw.objects.filter(pk=draw.pk).update(drawn_at=drawn_at)
    draw.refresh_from_db()
    return draw


@pytest.mark.django_db
@pytest.mark.usefixtures("_draw_setup")
def test_a_subject_is_not_drawn_more_often_than_its_grade_allows_in_a_year() -> None:
    _all_drawn()
    a_subject = make_pool({"A": 1})[0]
    d_subjects = make_pool({"D": 2}, start=10)
    roster(1)
    # Policy: A once a year, D four times a year.
    first = _draw("第一次", date(2026, 2, 3), datetime(2026, 2, 3, 10, tzinfo=SHANGHAI))
    assert {e["subject_id"] for e in first.result} == {a_subject.pk, *(s.pk for s in d_subjects)}
    assert draws.summary(first)["frequency"]["left_out_total"] == 0
    made = [first]
    for n, month in enumerate((4, 6, 8), start=2):
        made.append(
            _draw(f"第{n}次", date(2026, month, 1), datetime(2026, month, 1, 9, tzinfo=SHANGHAI))
        )
        # The A subject was drawn once in 2026: left out of the later 2026 draws.
        assert [sid for sid, _g in made[-1].pool_snapshot] == [s.pk for s in d_subjects]
        assert made[-1].pool_filter["frequency"]["left_out"] == {"A": 1, "B": 0, "C": 0, "D": 0}
    freq = draws.summary(made[1])["frequency"]
    assert (freq["year"], freq["left_out_total"], freq["left_out"]["A"]) == (2026, 1, 1)
    assert freq["text"] == (
        "2026 年内已被抽中的次数达到所在等级每年抽查频次（A 类 1 次、B 类 1 次、C 类 2 次、"
        "D 类 4 次）的主体不进入对象库：本次未纳入 1 户（A 类 1 户）。"
    )
    users = staff()
    page = Client()
    page.force_login(users["admin"])
    html = page.get(f"/workspace/supervision/draws/{made[1].pk}/").content.decode()
    assert "本次未纳入 1 户（A 类 1 户）" in html
    # The public page, with grades not public, gives the rule but no count: the count
    # with the named targets of earlier draws would tell low grades from high ones.
    public = Client().get(f"/credit/draws/{made[1].pk}/").content.decode()
    assert "D 类 4 次）的主体不进入对象库。" in public and "本次未纳入" not in public
    assert draws.verify_draw(made[1]).ok
    # D subjects drawn four times in 2026: nobody is left for a fifth 2026 draw.
    with pytest.raises(DomainError) as caught:
        draws.create_draw(
            actor=None, unit=unit(), title="第五次", inspectors_per_target=1, on=date(2026, 11, 2)
        )
    assert caught.value.message == (
        "按所选条件，对象库中的 3 户主体 2026 年内已被抽中的次数均已达到所在等级的每年抽查频次"
        "（A 类 1 次、B 类 1 次、C 类 2 次、D 类 4 次），本次无可抽查的主体。"
    )
    # A new calendar year starts again: the D subjects are back. Draws count by their
    # Shanghai day: the first draw moved to 2027-01-01 00:30 there (still 2026 in UTC)
    # has used up the A subject's 2027.
    Draw.objects.filter(pk=first.pk).update(drawn_at=datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI))
    next_year = draws.create_draw(
        actor=None, unit=unit(), title="2027年第一次", inspectors_per_target=1, on=date(2027, 1, 4)
    )
    assert [sid for sid, _g in next_year.pool_snapshot] == [s.pk for s in d_subjects]
    assert next_year.pool_filter["frequency"]["left_out"] == {"A": 1, "B": 0, "C": 0, "D": 0}


@pytest.mark.django_db
@pytest.mark.usefixtures("_draw_setup")
def test_draws_of_any_unit_count_and_undrawn_set_ups_do_not() -> None:
    _all_drawn()
    a_subject = make_pool({"A": 1})[0]
    roster(1)
    roster(1, unit_name="区生态环境局")
    pending = draws.create_draw(
        actor=None, unit=unit(), title="未抽取", inspectors_per_target=1, on=date(2026, 3, 1)
    )
    assert pending.status == Draw.Status.COMMITTED
    # Set up but not drawn: the subject was not inspected, so it still enters the pool.
    again = _draw("再次", date(2026, 3, 2), datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))
    assert [sid for sid, _g in again.pool_snapshot] == [a_subject.pk]
    # Drawn once by 区市场监管局 in 2026: 区生态环境局's 2026 draw over the same type of
    # records leaves it out too (无事不扰 is about the subject, not the inspecting unit).
    with pytest.raises(DomainError, match="每年抽查频次"):
        draws.create_draw(
            actor=None,
            unit=unit("区生态环境局"),
            title="生态环境抽查",
            record_type="XZXK",
            inspectors_per_target=1,
            on=date(2026, 12, 1),
        )
