"""With XINYONG_PUBLIC_GRADES off (the default) the public 双随机 pages and data.json never
tie a credit grade to a subject: per-stratum counts and quotas are shown, the targets
without their grade and in subject-id order, the pool as subject ids only. Staff pages
keep the grades; with the setting on, the public output is as before (pool as
[[subject_id, grade], …], targets in draw order with their grade)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from xinyong.supervision import draws
from xinyong.supervision.models import Draw

from .draws_helpers import ensure_policies, make_pool, roster, staff, unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seed_dir(settings, tmp_path: Path) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()


def _drawn() -> Draw:
    # A 100 at 1% → 1, B 100 at 2% → 2, C 10 at 10% → 1, D 10 at 30% → 3: 7 targets.
    make_pool({"A": 100, "B": 100, "C": 10, "D": 10})
    roster(4)
    draw = draws.create_draw(actor=None, unit=unit(), title="2026年第四季度双随机抽查")
    return draws.run_draw(actor=None, draw=draw)


def _target_table(html: str) -> tuple[list[str], list[list[str]]]:
    table = re.search(r'<table class="table" id="draw-targets">(.*?)</table>', html, re.S)
    assert table is not None
    head = re.findall(r"<th>(.*?)</th>", table.group(1))
    rows = [
        re.findall(r"<td>(.*?)</td>", row)
        for row in re.findall(r"<tr><td>.*?</tr>", table.group(1), re.S)
    ]
    return head, rows


def _dicts(value: object) -> list[dict]:
    if isinstance(value, dict):
        return [value, *(d for v in value.values() for d in _dicts(v))]
    if isinstance(value, list):
        return [d for v in value for d in _dicts(v)]
    return []


def test_public_page_shows_targets_without_grades_by_default(settings) -> None:
    assert settings.XINYONG_PUBLIC_GRADES is False
    draw = _drawn()
    page = Client().get(f"/credit/draws/{draw.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    head, rows = _target_table(html)
    assert head == ["序号", "检查对象", "代码", "检查人员", "检查结果"]
    assert len(rows) == 7
    targets = {t.subject.identifier: t for t in draw.targets.select_related("subject")}
    # No cell holds a grade letter, and the order is by subject id, not the stratum order
    # that the public quotas would decode (A 1, B 2, C 1, D 3).
    assert all(cell not in {"A", "B", "C", "D"} for row in rows for cell in row)
    assert [row[0] for row in rows] == [str(n) for n in range(1, 8)]
    shown = [targets[row[2]].subject_id for row in rows]
    assert shown == sorted(shown)
    assert "信用等级不对外公开" in html
    # No per-grade counts either (with the targets named they would be a grade list as
    # soon as one stratum is the only non-empty one): the total drawn only.
    assert 'id="grade-quota"' not in html
    assert re.search(r'id="grade-quota-private">.*?<strong>7</strong> 户', html, re.S)
    # The grade API still refuses the anonymous caller.
    some = draw.result[0]["subject_id"]
    assert APIClient().get(f"/api/v1/grades/{some}/").status_code == 401


def test_public_data_json_has_no_grade_per_subject_by_default() -> None:
    draw = _drawn()
    data = Client().get(f"/credit/draws/{draw.pk}/data.json").json()
    assert data["grades_public"] is False
    # Neither the pool's members nor per-grade counts; totals and the ratios (policy).
    assert data["pool"] is None
    assert (data["pool_size"], data["quota_total"]) == (220, 7)
    assert [set(s) for s in data["strata"]] == [{"grade", "ratio"}] * 4
    assert all(set(e) == {"subject_id", "inspectors"} for e in data["result"])
    ids = [e["subject_id"] for e in data["result"]]
    assert ids == sorted(ids) and set(ids) == {e["subject_id"] for e in draw.result}
    # What the public can recompute without grades: the seed against its hash and each
    # target's inspectors (rank "inspector:{subject}:{inspector}" has no grade in it).
    assert draws.seed_hash_of(data["seed"]) == data["seed_hash"]
    key = bytes.fromhex(data["seed"])
    conflicts = {m["id"]: set(m["conflicts"]) for m in data["roster"]}
    for e in data["result"]:
        sid = e["subject_id"]
        eligible = sorted(i for i in conflicts if sid not in conflicts[i])
        eligible.sort(key=lambda i: (draws._rank(key, f"inspector:{sid}:{i}"), i))
        assert e["inspectors"] == eligible[: data["inspectors_per_target"]]
    # Nowhere in the file is a subject id paired with a grade letter.
    text = Client().get(f"/credit/draws/{draw.pk}/data.json").content.decode()
    assert not re.search(r'\[\d+, "[ABCD]"\]', text)
    assert not [d for d in _dicts(data) if "grade" in d and "subject_id" in d]
    # The platform's full re-run on the stored snapshot still confirms the draw.
    page = Client().get(f"/credit/draws/{draw.pk}/verify/").content.decode()
    assert "复核一致" in page


def test_public_verify_mismatch_names_no_grade_by_default() -> None:
    draw = _drawn()
    first = draw.result[0]
    outsider = next(
        sid
        for sid, g in draw.pool_snapshot
        if g == first["grade"] and sid not in {e["subject_id"] for e in draw.result}
    )
    Draw.objects.filter(pk=draw.pk).update(
        result=[dict(first, subject_id=outsider), *draw.result[1:]]
    )
    answer = Client().get(f"/api/v1/draws/{draw.pk}/verify").json()
    assert answer["ok"] is False
    assert answer["message"].startswith("抽查对象不一致：公布为 主体编号")
    assert "类" not in answer["message"] and "第 1 个" not in answer["message"]
    page = Client().get(f"/credit/draws/{draw.pk}/verify/").content.decode()
    assert "复核不一致：抽查对象不一致" in page and f"{first['grade']}类" not in page
    # Staff and CLI keep the full message.
    draw.refresh_from_db()
    assert f"（{first['grade']}类，" in draws.verify_draw(draw).message


def test_staff_page_keeps_grades() -> None:
    draw = _drawn()
    users = staff()
    client = Client()
    client.force_login(users["reporter"])
    html = client.get(f"/workspace/supervision/draws/{draw.pk}/").content.decode()
    head, rows = _target_table(html)
    assert head[:4] == ["序号", "检查对象", "代码", "等级"]
    assert [row[3] for row in rows] == [e["grade"] for e in draw.result]
    assert [row[0] for row in rows] == [str(n) for n in range(1, 8)]


def test_with_public_grades_on_public_output_is_unchanged(settings) -> None:
    settings.XINYONG_PUBLIC_GRADES = True
    draw = _drawn()
    html = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    head, rows = _target_table(html)
    assert head == ["序号", "检查对象", "代码", "等级", "检查人员", "检查结果"]
    assert [row[3] for row in rows] == [e["grade"] for e in draw.result]
    assert "信用等级不对外公开" not in html
    data = Client().get(f"/credit/draws/{draw.pk}/data.json").json()
    assert data["grades_public"] is True
    assert data["pool"] == draw.pool_snapshot
    assert data["result"] == draw.result
    assert {g for _sid, g in data["pool"]} == {"A", "B", "C", "D"}


def test_a_draw_limited_to_one_grade_does_not_publish_that_grade() -> None:
    make_pool({"A": 20, "D": 5})
    roster(4)
    draw = draws.create_draw(actor=None, unit=unit(), title="失信主体专项抽查", grades=["D"])
    draws.run_draw(actor=None, draw=draw)
    html = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    assert "等级范围" not in html and 'id="grade-quota"' not in html
    data = Client().get(f"/credit/draws/{draw.pk}/data.json").json()
    assert data["pool"] is None and "grades" not in json.dumps(data["strata"])
    assert "grades" not in data.get("parameters", {})
    # Staff still see the range and the counts.
    client = Client()
    client.force_login(staff()["reporter"])
    staff_html = client.get(f"/workspace/supervision/draws/{draw.pk}/").content.decode()
    assert "等级范围 D" in staff_html
