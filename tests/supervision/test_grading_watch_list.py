"""A subject on the 重点关注名单 (WATCH) is at most C from model v2 (2026-12-01): measure
P-SUPERVISION "列为重点监管对象，依法提高抽查比例和检查频次" (河南条例 art. 32) is linked to
WATCH, and C is the stratum with the raised inspection ratio. Before, a watch-only subject
scored 95 → A and was drawn at A's 1%. Grades under v1 (before 2026-12-01) stay as they
were: the change is a new model version, not an edit of v1."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.sanctions.governance_helpers import company, entry
from xinyong.supervision import draws, grading, loaders
from xinyong.supervision.models import EvaluationModel, SubjectGrade

from .draws_helpers import ensure_policies, make_pool, roster, unit

pytestmark = pytest.mark.django_db
V2_FROM = date(2026, 12, 1)


def test_reference_data_adds_v2_and_leaves_v1_alone() -> None:
    v1 = EvaluationModel.objects.get(version=1)
    watch_v1 = v1.indicators.get(code="LIST_WATCH")
    assert "max_grade" not in watch_v1.params
    v2 = grading.model_in_force(V2_FROM)
    assert (v2.version, v2.effective_from) == (2, V2_FROM)
    assert v2.indicators.get(code="LIST_WATCH").params == {"list_kind": "watch", "max_grade": "C"}
    assert grading.model_in_force(date(2026, 11, 30)).pk == v1.pk
    # Loading the file again (every `xinyong init`) creates nothing and changes nothing.
    data = json.loads((loaders.DATA_DIR / "evaluation_model.json").read_text(encoding="utf-8"))
    assert loaders.load_models(data) == (0, 2)
    # A database that has only v1 (installed before this version) gets v2 added.
    v2.delete()
    assert loaders.load_models(data) == (1, 1)
    assert EvaluationModel.objects.get(version=2).indicators.count() == 12
    v1.refresh_from_db()
    assert v1.indicators.get(code="LIST_WATCH").params == {"list_kind": "watch"}


def test_watch_only_subject_is_c_from_v2_and_a_before() -> None:
    watched = company("60000001", "安阳市北关区重点关注商贸有限公司")
    entry(watched, "WATCH", effective_from=date(2026, 1, 1))
    before = grading.compute_grade(watched, date(2026, 11, 30))
    assert (before.model.version, before.grade, before.score) == (1, "A", Decimal("95.00"))
    after = grading.compute_grade(watched, V2_FROM)
    assert (after.model.version, after.grade, after.score) == (2, "C", Decimal("95.00"))
    assert (after.computed_grade, after.floors) == ("C", ["LIST_WATCH"])
    # A serious list still caps lower (D wins over C).
    both = company("60000002", "安阳市北关区双名单商贸有限公司")
    entry(both, "WATCH", effective_from=date(2026, 1, 1))
    entry(both, "SX_TAX", effective_from=date(2026, 1, 1))
    assert grading.compute_grade(both, V2_FROM).grade == "D"


def test_watched_subject_is_drawn_in_the_c_stratum(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()
    monkeypatch.setattr(grading, "_today", lambda: V2_FROM)
    others = make_pool({"A": 20})
    (watched,) = make_pool({"-": 1}, start=100)
    entry(watched, "WATCH", effective_from=date(2026, 1, 1))
    grading.recompute_all(V2_FROM)  # the daily job's path
    assert SubjectGrade.objects.get(subject=watched).grade == "C"
    assert SubjectGrade.objects.get(subject=others[0]).grade == "A"
    roster(2)
    draw = draws.create_draw(actor=None, unit=unit(), title="2026年12月双随机抽查", on=V2_FROM)
    assert [watched.pk, "C"] in draw.pool_snapshot
    strata = {
        g["grade"]: (g["ratio"], g["pool"], g["quota_min"], g["quota_max"])
        for g in draws.summary(draw)["grades"]
    }
    # 1 × 10 % and 20 × 1 %: none for sure, one more with probability 10 % and 20 %.
    assert strata["C"] == ("10.00", 1, 0, 1)
    assert strata["A"] == ("1.00", 20, 0, 1)
    draw = draws.run_draw(actor=None, draw=draw)
    c_quota = draws.quota("10.00", 1, key=bytes.fromhex(draw.seed), grade="C")
    drawn_as = [e["grade"] for e in draw.result if e["subject_id"] == watched.pk]
    assert drawn_as == ["C"] * c_quota
