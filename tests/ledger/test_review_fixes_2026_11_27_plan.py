"""Review of the work ledger's plan editing (issue 9):

- a row's 责任单位 edited in the admin (or through services.save_plan_item) changes who is
  responsible: its assignments follow the text, read as load_plan reads it; a unit that
  has reported progress or been supervised on the row is not dropped (its history would
  go with its assignment), and an unknown name is refused; a row added in the admin gets
  its assignments;
- a plan file repeating a row or task number is refused before anything is loaded;
- `xinyong ledger report` refuses a month not yet begun, as the 台账通报 page does."""

from __future__ import annotations

from datetime import date

import pytest

from tests.ledger.helpers import assignment, client, plan, user
from tests.ledger.test_ledger_input_fixes import _row_form
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.ledger import loaders, services
from xinyong.ledger.models import Assignment, Plan, Row
from xinyong.orgs.models import Role, Unit, UnitGroup, User
from xinyong.orgs.services import resolve_units

pytestmark = pytest.mark.django_db


@pytest.fixture
def su() -> User:
    return User.objects.create_superuser("l9_su", "su@example.com", "Xinyong@Ledger2026")


# ------------------------------------------------------------------ 1. row units


def test_admin_edit_of_row_units_changes_who_is_responsible(su) -> None:
    p = plan(2027)
    row = Row.objects.get(plan=p, number=6)
    t = row.targets.order_by("id").first()
    form = _row_form(row, t)
    form["units_text"] = "区发改委、区委宣传部"
    r = client(su).post(f"/admin/ledger/row/{row.pk}/change/", form)
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.units_text == "区发改委、区委宣传部"
    held = set(row.assignments.values_list("unit__name", flat=True))
    assert held == {"区发改委", "区委宣传部"}, f"{len(held)} units still hold the row"
    event = (
        Event.objects.filter(action="ledger.plan_item_edited", target_type="ledger.Row")
        .filter(target_id=str(row.pk))
        .last()
    )
    assert event is not None and event.new_values is not None
    assert event.new_values["units_text"] == "区发改委、区委宣传部"
    assert "区人社局" in event.new_values["units_removed"]
    assert event.old_values["units_text"] != "区发改委、区委宣传部"


def test_a_unit_with_reported_progress_is_not_dropped_silently(su, clock) -> None:
    clock.today = date(2026, 11, 2)
    p = plan(2026)
    row = Row.objects.get(plan=p, number=6)
    kept = set(row.assignments.values_list("unit__name", flat=True))
    a = assignment(p, 6, "区人社局")
    services.report_progress(
        actor=user("l9_rsj", Role.REPORTER, "区人社局"),
        assignment=a,
        claim="in_progress",
        narrative="已开展信用知识培训一次。",
        links=["https://www.example.gov.cn/rsj/2026/1102.html"],
    )
    t = row.targets.order_by("id").first()
    form = _row_form(row, t)
    form["units_text"] = "区发改委、区委宣传部"
    r = client(su).post(f"/admin/ledger/row/{row.pk}/change/", form)
    assert r.status_code == 200
    html = r.content.decode()
    assert "区人社局" in html and "已报送进展 1 次" in html
    row.refresh_from_db()
    assert row.units_text != "区发改委、区委宣传部"
    assert set(row.assignments.values_list("unit__name", flat=True)) == kept
    assert a.reports.count() == 1
    # The service refuses the same change when called directly.
    row.units_text = "区发改委、区委宣传部"
    with pytest.raises(DomainError, match="区人社局"):
        services.save_plan_item(actor=su, item=row, changed=["units_text"])
    assert set(Row.objects.get(pk=row.pk).assignments.values_list("unit__name", flat=True)) == kept
    # Keeping 区人社局 in the text, the others may go.
    row.units_text = "区发改委、区人社局"
    services.save_plan_item(actor=su, item=row, changed=["units_text"])
    assert set(row.assignments.values_list("unit__name", flat=True)) == {"区发改委", "区人社局"}
    assert Assignment.objects.get(pk=a.pk).reports.count() == 1


def test_an_unknown_unit_name_is_refused_in_the_admin(su) -> None:
    p = plan(2026)
    row = Row.objects.get(plan=p, number=6)
    before = set(row.assignments.values_list("unit_id", flat=True))
    form = _row_form(row, row.targets.order_by("id").first())
    form["units_text"] = "区发改委、区火星开发局"
    r = client(su).post(f"/admin/ledger/row/{row.pk}/change/", form)
    assert r.status_code == 200
    assert "未知单位名称：区火星开发局" in r.content.decode()
    assert set(row.assignments.values_list("unit_id", flat=True)) == before


def test_a_row_added_in_the_admin_gets_its_assignments(su) -> None:
    p = plan(2026)
    form = {
        "plan": p.pk,
        "number": 99,
        "level1": "信用体系建设",
        "level2": "信用宣传",
        "level3": "宣传活动",
        "level4": "",
        "work": "信用办新增的重点工作",
        "units_text": "区发改委牵头，区教育局、区委宣传部负责",
        "deadline": "2026-12-31",
        "plan_clause": "",
        "note": "",
        "seed_line": "",
        "targets-TOTAL_FORMS": "0",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    r = client(su).post("/admin/ledger/row/add/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    row = Row.objects.get(plan=p, number=99)
    held = set(row.assignments.values_list("unit__name", flat=True))
    assert held == {"区发改委", "区教育局", "区委宣传部"}


# ------------------------------------------------------------------ 5. repeated numbers


def _plan_file(tmp_path, edit):
    import json

    from xinyong.ledger.loaders import SEED_PLAN

    data = json.loads(SEED_PLAN.read_text(encoding="utf-8"))
    data["year"] = 2031
    edit(data)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_plan_file_with_a_repeated_row_number_is_refused(tmp_path) -> None:
    from xinyong.ledger.models import Plan

    path = _plan_file(tmp_path, lambda d: d["rows"][1].__setitem__("number", 1))
    with pytest.raises(DomainError, match="台账第 2 个：序号（number）1 与台账第 1 个重复"):
        services.load_plan_file(actor=None, path=path)
    assert not Plan.objects.filter(year=2031).exists()


def test_plan_file_with_a_repeated_task_number_is_refused(tmp_path) -> None:
    from xinyong.ledger.models import Plan

    path = _plan_file(tmp_path, lambda d: d["tasks"][2].__setitem__("number", "2"))
    with pytest.raises(DomainError, match="重点工作第 3 个：序号（number）2 与重点工作第 2 个重复"):
        services.load_plan_file(actor=None, path=path)
    assert not Plan.objects.filter(year=2031).exists()


# ------------------------------------------------------------------ 6. future 通报


def test_cli_report_refuses_a_month_not_yet_begun(clock, tmp_path) -> None:
    from django.core.management import CommandError, call_command

    clock.today = date(2026, 11, 27)
    plan(2026)
    out = tmp_path / "dec.xlsx"
    with pytest.raises(CommandError, match="尚未开始"):
        call_command("ledger", "report", "--period", "2026-12", "--out", str(out))
    assert not out.exists()
    # This month, begun, is written.
    now = tmp_path / "nov.xlsx"
    call_command("ledger", "report", "--period", "2026-11", "--out", str(now))
    assert now.stat().st_size > 0


def test_cli_and_page_refuse_a_future_month_with_the_same_line(clock, tmp_path) -> None:
    from django.core.management import CommandError, call_command

    clock.today = date(2026, 11, 27)
    p = plan(2026)
    with pytest.raises(DomainError) as page:
        services.draft_bulletin(
            actor=user("l9_admin", Role.CREDIT_ADMIN, "区发改委"), plan=p, period="2026-12"
        )
    with pytest.raises(CommandError) as cli:
        call_command("ledger", "report", "--period", "2026-12", "--out", str(tmp_path / "x.xlsx"))
    assert str(cli.value) == page.value.message


# ------------------------------------------------------------------ 4. init keeps edited units


def _held(row: Row) -> set[str]:
    return set(row.assignments.values_list("unit__name", flat=True))


def test_init_does_not_bring_back_a_unit_dropped_from_a_row() -> None:
    su = User.objects.create_superuser("zz_su", "su@example.com", "Xinyong@Ledger2026")
    row = Row.objects.get(plan=Plan.objects.get(year=2023), number=6)
    assert row.assignments.count() > 2
    row.units_text = "区发改委、区委宣传部"
    services.save_plan_item(actor=su, item=row, changed=["units_text"])
    held = set(row.assignments.values_list("unit__name", flat=True))
    assert held == {"区发改委", "区委宣传部"}
    loaders.load_seed_plan()
    row.refresh_from_db()
    assert row.units_text == "区发改委、区委宣传部"
    held = set(row.assignments.values_list("unit__name", flat=True))
    assert held == {"区发改委", "区委宣传部"}, f"init re-assigned: {sorted(held)}"


def test_init_adds_a_new_group_member_to_rows_whose_text_names_the_group(su) -> None:
    p = Plan.objects.get(year=2023)
    unchanged = Row.objects.get(plan=p, number=6)  # the seed's text, 各个办事处(柏庄镇) at the end
    edited = Row.objects.get(plan=p, number=7)
    edited.units_text = "区发改委、各街道〈镇〉"
    services.save_plan_item(actor=su, item=edited, changed=["units_text"])
    dropped = Row.objects.get(plan=p, number=8)
    dropped.units_text = "区发改委"
    services.save_plan_item(actor=su, item=dropped, changed=["units_text"])
    new = Unit.objects.create(name="测试新街道办事处", kind=Unit.Kind.SUBDISTRICT, sort_order=999)
    UnitGroup.objects.get(name="各街道〈镇〉").members.add(new)

    summary = loaders.load_seed_plan()

    assert "测试新街道办事处" in _held(unchanged)
    assert _held(edited) == {"区发改委", *(u.name for u in resolve_units("各街道〈镇〉"))}
    assert _held(dropped) == {"区发改委"}
    added = Assignment.objects.filter(unit=new, row__plan=p).count()
    assert added > 2 and f"责任分解新增 {added} 条" in summary
    # The 2026 copy is the office's own plan: a reload of 2023 leaves its units alone.
    assert not Assignment.objects.filter(unit=new).exclude(row__plan=p).exists()


def test_init_skips_a_row_whose_stored_units_text_no_longer_resolves() -> None:
    row = Row.objects.get(plan=Plan.objects.get(year=2023), number=6)
    before = _held(row)
    Row.objects.filter(pk=row.pk).update(units_text="区发改委、已撤销的单位")

    summary = loaders.load_seed_plan()

    assert _held(row) == before
    assert "台账第 6 项" in summary and "已撤销的单位" in summary
