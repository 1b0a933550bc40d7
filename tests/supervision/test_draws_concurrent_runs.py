"""Two draws run at the same moment on PostgreSQL: the second must see the first's result
before it applies the yearly frequency (supervision.draws._one_run_at_a_time). SQLite runs
one writing transaction at a time (IMMEDIATE), so the race exists on PostgreSQL only."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from xinyong.supervision import draws, policy
from xinyong.supervision.models import DrawTarget, SupervisionPolicy

from .draws_helpers import ensure_policies, make_pool, roster, unit

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite's IMMEDIATE transactions already run one writer at a time",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_a_subject_is_not_drawn_twice_by_two_runs_at_the_same_moment(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()
    # A subjects once a year (the policy's frequency for a 100 % ratio of A is one draw).
    policy.update_policy(
        actor=None, policy=SupervisionPolicy.objects.get(grade="A"), inspection_ratio="100"
    )
    subject = make_pool({"A": 1})[0]
    roster(2)
    roster(2, unit_name="区生态环境局")
    first = draws.create_draw(actor=None, unit=unit(), title="市场监管四季度抽查")
    second = draws.create_draw(
        actor=None, unit=unit("区生态环境局"), title="生态环境四季度抽查", record_type="XZXK"
    )
    assert [e[0] for e in second.pool_snapshot] == [subject.pk]

    # The first run stops between drawing and committing until the second run has finished
    # or 1.5 s have passed: without the lock the second finishes meanwhile, reading no
    # result of the first, and both draw the subject.
    first_drawing = threading.Event()
    second_done = threading.Event()
    real_compute = draws.compute_draw

    def compute_and_wait(**kwargs: Any) -> Any:
        result = real_compute(**kwargs)
        if threading.current_thread().name == "first":
            first_drawing.set()
            second_done.wait(1.5)
        return result

    monkeypatch.setattr(draws, "compute_draw", compute_and_wait)
    errors: list[BaseException] = []

    def run(draw: Any, *, wait_for_first: bool) -> None:
        try:
            if wait_for_first:
                assert first_drawing.wait(10)
            draws.run_draw(actor=None, draw=draw)
        except BaseException as exc:
            errors.append(exc)
        finally:
            if not wait_for_first:
                first_drawing.set()
            else:
                second_done.set()
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(first,), kwargs={"wait_for_first": False}, name="first"),
        threading.Thread(
            target=run, args=(second,), kwargs={"wait_for_first": True}, name="second"
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert DrawTarget.objects.filter(subject=subject).count() == 1
    second.refresh_from_db()
    assert second.result == []
    assert second.pool_filter["frequency"]["at_run"]["excluded"][0]["draws"] == [first.pk]
