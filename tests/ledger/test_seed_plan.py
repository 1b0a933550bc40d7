"""The seed plan as data: the file transcribes every key task and ledger row of the seed
(北信用办〔2023〕1号), keeps its wording, resolves every unit, and loads idempotently."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from xinyong.core.errors import DomainError
from xinyong.ledger import services
from xinyong.ledger.loaders import SEED_PLAN
from xinyong.ledger.models import Assignment, Plan, Row, RowTarget, Task
from xinyong.orgs.services import resolve_unit_name, split_unit_mentions

from .helpers import unit

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "2023-beiguan-credit-work-plan.txt"


def _seed_text() -> str:
    if not SEED.exists():
        pytest.fail(f"seed plan not found at {SEED}: CI lays shared/ beside the checkout")
    return SEED.read_text(encoding="utf-8")


def _squash(text: str) -> str:
    """The seed's text without tags and whitespace (its table breaks cells and spaces
    characters out)."""
    return re.sub(r"\s+", "", re.sub(r"<\s*/?\s*p\s*>", "", text))


def test_counts_match_the_seed() -> None:
    seed = _seed_text()
    lines = seed.split("\n")
    start = lines.index("2023 年北关区社会信用体系建设工作台账")
    table = [ln for ln in lines[start:] if "\t" in ln and not ln.startswith("一级指标")]
    tasks_in_seed = re.findall(r"^(\d+)\. ", seed, flags=re.M)
    plan = Plan.objects.get(year=2023)
    assert [int(n) for n in tasks_in_seed] == list(range(1, 24))
    assert plan.tasks.count() == 23
    assert len(table) == 33
    assert plan.rows.count() == 33
    assert plan.document_number == "北信用办〔2023〕1号"
    assert plan.issued_on == date(2023, 4, 18)


def test_every_text_is_the_seeds_wording() -> None:
    seed = _squash(_seed_text())
    plan = Plan.objects.get(year=2023)
    for task in plan.tasks.all():
        assert _squash(task.text) in seed, task.number
        assert _squash(task.units_text) in seed, task.number
    for row in plan.rows.all():
        for text in (row.level1, row.level2, row.level3, row.level4, row.work, row.units_text):
            assert _squash(text) in seed, (row.number, text[:30])
        # No tag and no spaced-out characters survive the transcription.
        assert "<p>" not in row.work and "<p>" not in row.units_text
        assert " " not in row.level1 + row.level2 + row.level3


def test_spot_checks_against_the_seed() -> None:
    rows = {r.number: r for r in Row.objects.filter(plan__year=2023)}
    first = rows[1]
    assert first.level1 == "信用环境建设"
    assert first.level2 == "信用制度和基础建设"
    assert first.level3 == "工作推进机制"
    assert first.work == "1. 将社会信用体系建设纳入本级政府目标责任制考核体系。"
    assert first.units_text == "区发改委、区督查局"
    assert first.deadline == date(2023, 11, 30)
    # Row 5 (双公示): 二级/三级 are blank in the seed and carried down from row 4.
    assert rows[5].level2 == "信用制度和基础建设"
    assert rows[5].level3 == "信用信息共享公示"
    assert rows[5].deadline is None and rows[5].deadline_label == "持续推进"
    # Row 12 is printed "信用 环境 建设 / 政 务 诚 信 …", row 17 "信 用 环 境 建 设 …".
    for n in (12, 17):
        assert (rows[n].level1, rows[n].level2, rows[n].level3) == (
            "信用环境建设",
            "政务诚信",
            "政府守信践诺",
        )
    assert rows[12].level4.startswith("努力降低失信企事业单位占比。")
    # The only 2023-12-30 deadline: 深入开展政务诚信评价.
    assert [r.number for r in rows.values() if r.deadline == date(2023, 12, 30)] == [19]
    assert rows[19].work.startswith("深入开展政务诚信评价。")
    # 四级 merged over three rows (信易贷) is carried down; the 信易+ row is put back in place.
    assert rows[31].level4 == rows[30].level4 == rows[32].level4
    assert rows[31].work == "建立完善“信易贷”企业白名单机制，向省“信易贷”平台推送本地企业。"
    assert rows[33].level3 == "“信易+”应用场景"
    assert rows[33].level4.startswith("“信易批”“信易租”")
    # The three numbered items of 联合奖惩 keep their numbers, one per line.
    assert rows[28].work.count("\n") == 2 and rows[28].work.startswith("1. 健全失信联合奖惩")
    deadlines = {r.deadline for r in rows.values()}
    assert deadlines == {date(2023, 11, 30), date(2023, 12, 30), None}
    assert sum(1 for r in rows.values() if r.deadline is None) == 11


def test_every_unit_resolves_and_is_assigned() -> None:
    data = json.loads(SEED_PLAN.read_text(encoding="utf-8"))
    unresolved = []
    for item in [*data["tasks"], *data["rows"]]:
        for mention in split_unit_mentions(item["units"]):
            try:
                resolve_unit_name(mention.name)
            except DomainError:
                unresolved.append(mention.name)
    assert unresolved == []
    plan = Plan.objects.get(year=2023)
    row5 = plan.rows.get(number=5)
    names = set(row5.assignments.values_list("unit__name", flat=True))
    # "住房建局" and "残联" (the seed's spellings) are the 住建局 and the 残联.
    assert unit("区住建局").name in names and unit("区残联").name in names
    assert len(names) == 27
    # 各个办事处（柏庄镇） expands to the nine 街道 and 柏庄镇.
    row2 = plan.rows.get(number=2)
    assert row2.assignments.filter(unit__kind__in=["subdistrict", "town"]).count() == 10
    assert Assignment.objects.filter(row__plan=plan).count() == 930


def test_tasks_leads_and_links() -> None:
    plan = Plan.objects.get(year=2023)
    task4 = plan.tasks.get(number=4)
    assert task4.group_title == "全面推进信用信息归集共享"
    assert task4.title == "全面落实行政许可和行政处罚“双公示”制度"
    assert set(task4.lead_units.values_list("name", flat=True)) == {
        unit("区发改委").name,
        unit("区市场监管局").name,
    }
    assert not plan.tasks.get(number=12).lead_units.exists()  # 按职责分工负责, no lead
    row5 = plan.rows.get(number=5)
    assert list(row5.tasks.values_list("number", flat=True)) == [4]
    assert set(row5.lead_units.values_list("name", flat=True)) == {
        "区发改委",
        unit("区市场监管局").name,
    }
    assert plan.tasks.get(number=22).rows.get().number == 7
    targets = RowTarget.objects.filter(row__plan=plan)
    assert targets.count() == 16
    assert set(row5.targets.values_list("metric_code", flat=True)) == {
        "collection.late_rate",
        "collection.compliance_rate",
        "collection.report_rate",
    }
    assert plan.rows.get(number=6).targets.get().activity_kind == "publicity"
    assert plan.rows.get(number=6).targets.get().value == 3


def test_load_is_idempotent_and_keeps_edits() -> None:
    row = Row.objects.get(plan__year=2023, number=1)
    row.work = "信用办修改后的文字"
    row.save()
    result = services.load_plan_file(actor=None, path=SEED_PLAN)
    assert (result.created_plan, result.tasks, result.rows, result.assignments, result.targets) == (
        False,
        0,
        0,
        0,
        0,
    )
    row.refresh_from_db()
    assert row.work == "信用办修改后的文字"
    assert Task.objects.filter(plan__year=2023).count() == 23


def test_bad_files_are_refused_in_chinese(tmp_path: Path) -> None:
    broken = tmp_path / "plan.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 JSON"):
        call_command("ledger", "load", str(broken))
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("ledger", "load", str(tmp_path / "missing.json"))
    data = json.loads(SEED_PLAN.read_text(encoding="utf-8"))
    data["year"] = 2031
    data["rows"][0]["units"] = "区不存在局"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="台账第 1 项：未知单位名称：区不存在局"):
        call_command("ledger", "load", str(bad))
    assert not Plan.objects.filter(year=2031).exists()
    data["rows"][0]["units"] = "区发改委"
    data["rows"][0]["deadline"] = "年底前"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="完成时限应为 YYYY-MM-DD 或“持续推进”"):
        call_command("ledger", "load", str(bad))
