"""双随机 draws: ratios per policy, commit–reveal, verification, conflicts, permissions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.supervision import draws
from xinyong.supervision.models import Draw, DrawTarget, SupervisionPolicy

from .draws_helpers import OTHER_UNIT, ensure_policies, make_pool, roster, staff, unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seed_dir(settings, tmp_path: Path) -> Path:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()
    return tmp_path / "seeds"


def _standard_draw(per_target: int = 2) -> Draw:
    make_pool({"A": 100, "B": 100, "C": 50, "D": 10})
    roster(4)
    return draws.create_draw(
        actor=None, unit=unit(), title="2026年第一季度双随机抽查", inspectors_per_target=per_target
    )


def test_whole_quotas_and_the_v1_ceiling():
    key = bytes.fromhex("11" * 32)
    # A whole share is taken as is, whatever the seed.
    assert draws.quota("1.00", 100, key=key, grade="A") == 1
    assert draws.quota("2.00", 100, key=key, grade="B") == 2
    assert draws.quota("10.00", 50, key=key, grade="C") == 5
    assert draws.quota("30.00", 10, key=key, grade="D") == 3
    assert draws.quota("2.00", 0, key=key, grade="B") == 0
    assert draws.quota("0", 50, key=key, grade="B") == 0
    # Published v1 draws rounded up (tests/supervision/test_draws_fairness.py for v2).
    v1 = draws.ALGORITHM_V1
    assert draws.quota("1.00", 7, key=key, grade="A", algorithm=v1) == 1
    assert draws.quota("30.00", 11, key=key, grade="D", algorithm=v1) == 4  # 3.3 → 4


def test_default_policies_follow_henan_2021_precedent():
    ratios = {p.grade: str(p.inspection_ratio) for p in SupervisionPolicy.objects.all()}
    assert ratios == {"A": "1.00", "B": "2.00", "C": "10.00", "D": "30.00"}
    assert "无事不扰" in SupervisionPolicy.objects.get(grade="A").approach


def test_set_up_publishes_hash_only_and_keeps_seed_out_of_database(_seed_dir):
    draw = _standard_draw()
    assert draw.status == Draw.Status.COMMITTED
    assert draw.seed == ""
    assert len(draw.seed_hash) == 64
    assert draw.result == []
    assert not DrawTarget.objects.filter(draw=draw).exists()
    assert len(draw.pool_snapshot) == 260
    assert draw.pool_filter["ratios"] == {"A": "1.00", "B": "2.00", "C": "10.00", "D": "30.00"}
    seed_file = _seed_dir / draw.seed_hash
    seed_hex = seed_file.read_text()
    assert hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest() == draw.seed_hash
    summary = draws.summary(draw)
    assert summary["seed"] is None
    assert [(g["grade"], g["pool"], g["quota"]) for g in summary["grades"]] == [
        ("A", 100, 1),
        ("B", 100, 2),
        ("C", 50, 5),
        ("D", 10, 3),
    ]


def test_ratios_match_policy_exactly_and_verify_reproduces():
    draw = _standard_draw()
    draw = draws.run_draw(actor=None, draw=draw)
    assert draw.status == Draw.Status.DRAWN
    assert hashlib.sha256(bytes.fromhex(draw.seed)).hexdigest() == draw.seed_hash
    per_grade = {g: 0 for g in "ABCD"}
    for target in draw.targets.all():
        per_grade[target.grade] += 1
        assert target.inspectors.count() == 2
    assert per_grade == {"A": 1, "B": 2, "C": 5, "D": 3}
    assert len(draw.result) == 11
    # Each target's grade is the grade it had in the pool.
    pool = dict((sid, g) for sid, g in draw.pool_snapshot)
    assert all(pool[e["subject_id"]] == e["grade"] for e in draw.result)
    report = draws.verify_draw(draw)
    assert report.ok, report.problems
    assert report.message == "复核一致"
    assert report.targets == 11


def test_same_seed_gives_same_result_and_different_seed_differs():
    pool = [[i, "B"] for i in range(1, 201)]
    roster_ = [{"id": i, "conflicts": []} for i in range(1, 6)]
    args = {"pool": pool, "ratios": {"B": "5"}, "roster": roster_, "inspectors_per_target": 2}
    one = draws.compute_draw(seed_hex="11" * 32, **args)
    two = draws.compute_draw(seed_hex="11" * 32, **args)
    other = draws.compute_draw(seed_hex="22" * 32, **args)
    assert one == two
    assert len(one) == 10
    assert one != other


def test_algorithm_is_the_documented_hmac_ordering():
    import hmac

    seed = "ab" * 32
    pool = [[i, "D"] for i in (5, 9, 12, 40)]
    result = draws.compute_draw(
        seed_hex=seed,
        pool=pool,
        ratios={"D": "50"},
        roster=[{"id": 7, "conflicts": []}],
        inspectors_per_target=1,
    )

    def rank(label: str) -> str:
        return hmac.new(bytes.fromhex(seed), label.encode(), hashlib.sha256).hexdigest()

    expected = sorted((5, 9, 12, 40), key=lambda s: (rank(f"target:D:{s}"), s))[:2]
    assert [e["subject_id"] for e in result] == expected
    assert all(e["inspectors"] == [7] for e in result)


def test_tampered_result_fails_verify_naming_the_target():
    draw = draws.run_draw(actor=None, draw=_standard_draw())
    first = draw.result[0]
    outsider = next(
        sid
        for sid, g in draw.pool_snapshot
        if g == first["grade"] and sid not in {e["subject_id"] for e in draw.result}
    )
    tampered = [dict(first, subject_id=outsider), *draw.result[1:]]
    Draw.objects.filter(pk=draw.pk).update(result=tampered)
    draw.refresh_from_db()
    report = draws.verify_draw(draw)
    assert not report.ok
    assert report.message.startswith("第 1 个抽查对象不一致")
    assert f"主体编号 {outsider}" in report.message
    assert f"主体编号 {first['subject_id']}" in report.message


def test_tampered_seed_fails_verify_naming_the_hash():
    draw = draws.run_draw(actor=None, draw=_standard_draw())
    Draw.objects.filter(pk=draw.pk).update(seed="00" * 32)
    draw.refresh_from_db()
    report = draws.verify_draw(draw)
    assert not report.ok
    assert report.message.startswith("随机种子与抽取前公布的哈希不一致")


def test_tampered_target_table_fails_verify():
    draw = draws.run_draw(actor=None, draw=_standard_draw())
    target = draw.targets.order_by("pk").first()
    assert target is not None
    target.inspectors.clear()
    report = draws.verify_draw(draw)
    assert not report.ok
    assert report.message == f"抽查对象表与公布结果不一致：主体编号 {target.subject_id}。"


def test_verify_before_run_is_refused_politely():
    report = draws.verify_draw(_standard_draw())
    assert not report.ok
    assert "尚未抽取" in report.message


def test_run_twice_is_refused():
    draw = draws.run_draw(actor=None, draw=_standard_draw())
    with pytest.raises(DomainError, match="不能重复抽取"):
        draws.run_draw(actor=None, draw=draw)


def test_declared_conflicts_are_never_drawn():
    subjects = make_pool({"D": 10})
    inspectors = roster(3)
    # Inspector 1 declares a conflict with every subject; inspector 2 with half of them.
    for s in subjects:
        draws.declare_conflict(actor=None, inspector=inspectors[0], subject=s, reason="近亲属任职")
    for s in subjects[:5]:
        draws.declare_conflict(actor=None, inspector=inspectors[1], subject=s, reason="曾任职")
    # With 2 inspectors per target, the first five subjects have only one eligible left.
    with pytest.raises(DomainError, match="回避人员过多"):
        draws.create_draw(actor=None, unit=unit(), title="回避测试", inspectors_per_target=2)
    draw = draws.create_draw(actor=None, unit=unit(), title="回避测试", inspectors_per_target=1)
    draw = draws.run_draw(actor=None, draw=draw)
    assert draw.targets.count() == 3  # 10 × 30%
    conflicted = {s.pk for s in subjects[:5]}
    for target in draw.targets.prefetch_related("inspectors"):
        ids = [i.pk for i in target.inspectors.all()]
        assert inspectors[0].pk not in ids
        if target.subject_id in conflicted:
            assert ids == [inspectors[2].pk]
    assert draws.verify_draw(draw).ok


def test_pool_filters_by_region_record_type_and_grade_and_ungraded_count_as_b():
    make_pool({"A": 3, "-": 4}, region="410502")
    make_pool({"D": 2}, region="410503", start=100)
    make_pool({"C": 5}, unit_name=OTHER_UNIT, record_type="XZCF", start=200)
    roster(2)
    whole = draws.create_draw(actor=None, unit=unit(), title="全部")
    assert sorted(g for _s, g in whole.pool_snapshot) == ["A"] * 3 + ["B"] * 4 + ["D"] * 2
    local = draws.create_draw(actor=None, unit=unit(), title="辖区", region="410502")
    assert len(local.pool_snapshot) == 7
    only_d = draws.create_draw(actor=None, unit=unit(), title="D类", grades="D")
    assert [g for _s, g in only_d.pool_snapshot] == ["D", "D"]
    # A record type widens the pool to every unit's records of that type.
    penalties = draws.create_draw(actor=None, unit=unit(), title="处罚对象", record_type="行政处罚")
    assert [g for _s, g in penalties.pool_snapshot] == ["C"] * 5
    with pytest.raises(DomainError, match="行政区划代码前缀"):
        draws.create_draw(actor=None, unit=unit(), title="x", region="41a")
    with pytest.raises(DomainError, match="没有任何主体"):
        draws.create_draw(actor=None, unit=unit(), title="x", region="419999")
    with pytest.raises(DomainError, match="A、B、C、D"):
        draws.create_draw(actor=None, unit=unit(), title="x", grades="E")


def test_roster_too_small_is_refused():
    make_pool({"B": 5})
    roster(1)
    with pytest.raises(DomainError, match="少于每户需要的 2 名"):
        draws.create_draw(actor=None, unit=unit(), title="人员不足")


def test_unit_draws_only_for_itself_and_credit_office_for_any():
    users = staff()
    make_pool({"B": 10})
    roster(2)
    draw = draws.create_draw(actor=users["reporter"], unit=unit(), title="本单位抽查")
    with pytest.raises(NotPermitted):
        draws.create_draw(actor=users["other"], unit=unit(), title="替别人抽查")
    with pytest.raises(NotPermitted):
        draws.run_draw(actor=users["other"], draw=draw)
    with pytest.raises(NotPermitted):
        draws.create_draw(actor=users["leader"], unit=unit(), title="领导")
    ran = draws.run_draw(actor=users["admin"], draw=draw)
    assert ran.status == Draw.Status.DRAWN
    with pytest.raises(NotPermitted):
        draws.create_inspector(actor=users["other"], unit=unit(), name="张三", badge_number="X1")
    assert draws.draws_visible_to(users["other"]).count() == 0
    assert draws.draws_visible_to(users["reporter"]).count() == 1


def test_missing_seed_file_gives_a_clear_message(_seed_dir):
    draw = _standard_draw()
    (_seed_dir / draw.seed_hash).unlink()
    with pytest.raises(DomainError, match="随机种子文件缺失"):
        draws.run_draw(actor=None, draw=draw)
