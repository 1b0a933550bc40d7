"""The draw detail page shows the outcome of running a draw, and the refusal of a second
draw names the time of the first on the Shanghai clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from xinyong.core.errors import DomainError
from xinyong.supervision import draws
from xinyong.supervision.models import Draw

from .draws_helpers import ensure_policies, make_pool, roster, staff, unit

pytestmark = pytest.mark.django_db

# 2026-12-01 01:30 in Asia/Shanghai, still 2026-11-30 17:30 in UTC.
AFTER_LOCAL_MIDNIGHT = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _seed_dir(settings, tmp_path: Path) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()


@pytest.fixture
def frozen(monkeypatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: AFTER_LOCAL_MIDNIGHT)


def _draw(actor=None) -> Draw:
    make_pool({"B": 10, "D": 5})
    roster(3)
    return draws.create_draw(actor=actor, unit=unit(), title="2026年第四季度双随机抽查")


def test_second_run_names_the_first_in_local_time(frozen) -> None:
    draw = draws.run_draw(actor=None, draw=_draw())
    assert draw.drawn_at == AFTER_LOCAL_MIDNIGHT
    with pytest.raises(DomainError) as refused:
        draws.run_draw(actor=None, draw=draw)
    assert refused.value.message == (
        f"抽查任务 {draw.pk} 已于 2026-12-01 01:30 抽取，不能重复抽取。"
    )


def test_detail_page_shows_success_and_the_refusal_of_a_second_run(frozen) -> None:
    reporter = staff()["reporter"]
    draw = _draw(reporter)
    client = Client()
    client.force_login(reporter)
    url = f"/workspace/supervision/draws/{draw.pk}/run/"

    first = client.post(url, follow=True)
    assert first.redirect_chain[-1][0] == f"/workspace/supervision/draws/{draw.pk}/"
    html = first.content.decode()
    assert "已抽取，随机种子和抽取结果已公开。" in html

    second = client.post(url, follow=True)
    html = second.content.decode()
    assert f"抽查任务 {draw.pk} 已于 2026-12-01 01:30 抽取，不能重复抽取。" in html
    assert 'class="alert alert-error"' in html
    # A message is shown once: reloading the page does not repeat it.
    assert (
        "不能重复抽取"
        not in client.get(f"/workspace/supervision/draws/{draw.pk}/").content.decode()
    )


def test_inspector_roster_page_shows_what_was_saved() -> None:
    reporter = staff()["reporter"]
    client = Client()
    client.force_login(reporter)
    page = client.post(
        "/workspace/supervision/inspectors/",
        {"name": "赵六", "badge_number": "41050200999001"},
        follow=True,
    )
    assert "已将 赵六 加入检查人员名录。" in page.content.decode()
