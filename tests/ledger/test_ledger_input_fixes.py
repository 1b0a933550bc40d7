"""Inputs the ledger must refuse or record once (review of the live work ledger):

- a form sent twice (double click, the browser re-sending it) records one activity, one
  progress report, one 督办 item: the form carries a one-time key consumed in the
  database (orgs.form_keys, as for API tokens), and the services refuse an identical
  record, naming the existing one;
- 参加人数 beyond any real event (or the database's integer) is refused, not a 500;
- a target's activity kind, a percentage outside 0–100 and a negative value are refused
  by the service and by the admin's inline form (the admin shows the error, saves
  nothing); a refused rule value is not reported as saved;
- a plan file with a non-numeric task number, linked task or seed line is refused in
  Chinese, naming the item and the field, not a traceback."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.ledger import services
from xinyong.ledger.models import (
    Activity,
    Assignment,
    Plan,
    PlanRules,
    ProgressReport,
    Row,
    RowTarget,
    SupervisionItem,
)
from xinyong.orgs.form_keys import SESSION_KEY
from xinyong.orgs.models import Role, UsedFormKey, User

from .helpers import assignment, client, plan, unit, user

pytestmark = pytest.mark.django_db

ACTIVITIES = "/workspace/ledger/activities/"
LINK = "https://www.example.gov.cn/jyj/2026/cxxc.html"
FORM = {
    "year": "2026",
    "kind": "publicity",
    "title": "诚信宣传进校园",
    "held_on": "2026-06-01",
    "links": LINK,
}


def _once(response: Any) -> str:
    match = re.search(r'name="once" value="([^"]+)"', response.content.decode())
    assert match, "the form carries a one-time key"
    return match.group(1)


def _reissue(c: Any, once: str) -> None:
    """As if the second request had read the session before the first one saved it."""
    session = c.session
    session[SESSION_KEY] = [*session.get(SESSION_KEY, []), once]
    session.save()


# ------------------------------------------------------------------ activities: once


def test_double_submitted_activity_is_recorded_once(clock) -> None:
    clock.today = date(2026, 6, 2)
    p = plan()
    c = client(user("in_rep5", Role.REPORTER, "区教育局"))
    first = c.post(ACTIVITIES, FORM)
    second = c.post(ACTIVITIES, FORM)
    assert first.status_code == 302
    assert Activity.objects.filter(plan=p, unit=unit("区教育局"), kind="publicity").count() == 1
    assert second.status_code == 200
    html = second.content.decode()
    assert "已记录过相同的活动" in html and "2026-06-01" in html and "诚信宣传进校园" in html


def test_identical_activity_is_refused_naming_the_existing_one(clock) -> None:
    clock.today = date(2026, 6, 2)
    p = plan()
    rep = user("in_rep5b", Role.REPORTER, "区教育局")
    args = dict(
        actor=rep,
        plan=p,
        unit=unit("区教育局"),
        kind="publicity",
        title="诚信宣传进校园",
        held_on=date(2026, 6, 1),
        links=[LINK],
    )
    services.record_activity(**args)
    with pytest.raises(DomainError) as exc:
        services.record_activity(**{**args, "title": " 诚信宣传进校园 "})
    assert "已记录过相同的活动" in exc.value.message
    assert "2026-06-01" in exc.value.message and "“诚信宣传进校园”" in exc.value.message
    # Another event of the same unit that day, or the same title on another day, counts.
    services.record_activity(**{**args, "title": "诚信宣传进社区"})
    services.record_activity(**{**args, "held_on": date(2026, 5, 29)})
    # Another unit may hold an event of the same name.
    services.record_activity(
        **{**args, "actor": user("in_rep5c", Role.REPORTER, "区人社局"), "unit": unit("区人社局")}
    )
    assert Activity.objects.filter(plan=p).count() == 4


def test_activity_form_key_is_consumed_once_even_by_concurrent_submits(clock) -> None:
    clock.today = date(2026, 6, 2)
    plan()
    c = client(user("in_rep5d", Role.REPORTER, "区教育局"))
    once = _once(c.get(ACTIVITIES))
    assert c.post(ACTIVITIES, {**FORM, "once": once}).status_code == 302
    _reissue(c, once)
    # Even typed differently (the identical-record rule does not apply), the key stops it.
    second = c.post(ACTIVITIES, {**FORM, "once": once, "title": "诚信宣传进校园（第二次）"})
    assert second.status_code == 200
    assert "此表单已提交过" in second.content.decode()
    assert Activity.objects.count() == 1
    # A form key that was never issued (or already used) is refused too.
    third = c.post(ACTIVITIES, {**FORM, "once": once, "title": "诚信宣传进机关"})
    assert "此表单已提交过" in third.content.decode()
    assert Activity.objects.count() == 1


def test_a_refused_activity_does_not_use_up_its_form_key(clock) -> None:
    clock.today = date(2026, 6, 2)
    plan()
    c = client(user("in_rep5e", Role.REPORTER, "区教育局"))
    once = _once(c.get(ACTIVITIES))
    refused = c.post(ACTIVITIES, {**FORM, "once": once, "links": ""})
    assert refused.status_code == 200
    assert "请上传佐证材料" in refused.content.decode()
    assert not UsedFormKey.objects.filter(key_hash=hashlib.sha256(once.encode()).hexdigest())
    # The corrected form is accepted, sent from the page shown again or with the first key.
    assert _once(refused) != once
    assert c.post(ACTIVITIES, {**FORM, "once": once}).status_code == 302
    assert Activity.objects.count() == 1


# ------------------------------------------------------------------ progress and 督办: once


def test_double_submitted_progress_report_is_recorded_once(clock) -> None:
    clock.today = date(2026, 6, 2)
    p = plan()
    rep = user("in_rep_p", Role.REPORTER, "区人社局")
    a = assignment(p, 8, "区人社局")
    c = client(rep)
    url = f"/workspace/ledger/assignments/{a.pk}/report/"
    data = {"claim": "in_progress", "narrative": "已完成二季度信用信息归集。"}
    assert c.post(url, data).status_code == 302
    second = c.post(url, data)
    assert ProgressReport.objects.filter(assignment=a).count() == 1
    assert second.status_code == 200
    assert "已报送过相同的进展" in second.content.decode()
    # A different narrative the same day is a new report.
    services.report_progress(
        actor=rep, assignment=a, claim="in_progress", narrative="补充：已完成数据核对。"
    )
    assert ProgressReport.objects.filter(assignment=a).count() == 2


def test_progress_form_key_stops_a_concurrent_second_submit(clock) -> None:
    clock.today = date(2026, 6, 2)
    p = plan()
    a = assignment(p, 8, "区人社局")
    c = client(user("in_rep_p2", Role.REPORTER, "区人社局"))
    once = _once(c.get(f"/workspace/ledger/assignments/{a.pk}/"))
    url = f"/workspace/ledger/assignments/{a.pk}/report/"
    data = {"claim": "in_progress", "narrative": "已完成二季度信用信息归集。", "once": once}
    assert c.post(url, data).status_code == 302
    _reissue(c, once)
    second = c.post(url, {**data, "narrative": "已完成二季度信用信息归集！"})
    assert "此表单已提交过" in second.content.decode()
    assert ProgressReport.objects.filter(assignment=a).count() == 1


def test_double_submitted_supervision_is_opened_once(clock) -> None:
    clock.today = date(2026, 6, 2)
    p = plan()
    admin = user("in_admin_s", Role.CREDIT_ADMIN, "区发改委")
    a = assignment(p, 8, "区人社局")
    c = client(admin)
    url = f"/workspace/ledger/assignments/{a.pk}/supervise/"
    data = {"reason": "二季度进展未按时报送。", "due_on": "2026-06-09"}
    assert c.post(url, data).status_code == 302
    second = c.post(url, data)
    assert SupervisionItem.objects.filter(assignment=a).count() == 1
    assert second.status_code == 200
    assert "已有相同事由的督办事项" in second.content.decode()
    # Once that item is closed the same reason may be raised again.
    item = SupervisionItem.objects.get(assignment=a)
    services.close_supervision(actor=admin, item=item, note="已补报。")
    services.open_supervision(actor=admin, assignment=a, reason="二季度进展未按时报送。")
    assert SupervisionItem.objects.filter(assignment=a).count() == 2


def test_supervision_form_key_stops_a_concurrent_second_submit(clock) -> None:
    clock.today = date(2026, 6, 2)
    p = plan()
    a = assignment(p, 8, "区人社局")
    c = client(user("in_admin_s2", Role.CREDIT_ADMIN, "区发改委"))
    once = _once(c.get(f"/workspace/ledger/assignments/{a.pk}/"))
    url = f"/workspace/ledger/assignments/{a.pk}/supervise/"
    data = {"reason": "二季度进展未按时报送。", "due_on": "2026-06-09", "once": once}
    assert c.post(url, data).status_code == 302
    _reissue(c, once)
    second = c.post(url, {**data, "reason": "二季度进展未按时报送！"})
    assert "此表单已提交过" in second.content.decode()
    assert SupervisionItem.objects.filter(assignment=a).count() == 1


# ------------------------------------------------------------------ 参加人数


def test_activity_with_huge_participants_is_refused_on_the_page(clock) -> None:
    clock.today = date(2026, 6, 2)
    plan()
    c = client(user("in_rep6", Role.REPORTER, "区教育局"))
    c.raise_request_exception = False
    r = c.post(ACTIVITIES, {**FORM, "participants": "99999999999999999999"})
    assert r.status_code == 200
    assert "参加人数应在 0 到 1000000 之间" in r.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.parametrize(("count", "ok"), [(1_000_000, True), (1_000_001, False), (2**31, False)])
def test_participants_bound_in_the_service(clock, count, ok) -> None:
    clock.today = date(2026, 6, 2)
    p = plan()
    rep = user("in_rep6b", Role.REPORTER, "区教育局")

    def record() -> Activity:
        return services.record_activity(
            actor=rep,
            plan=p,
            unit=unit("区教育局"),
            kind="publicity",
            title="诚信宣传",
            held_on=date(2026, 6, 1),
            participants=count,
            links=[LINK],
        )

    if ok:
        assert record().participants == count
    else:
        with pytest.raises(DomainError, match="参加人数"):
            record()


# ------------------------------------------------------------------ targets: service


@pytest.mark.parametrize("value", ["150", "100.01", "-1"])
def test_percentage_target_outside_0_to_100_is_refused(value) -> None:
    p = plan()
    admin = user("in_admin10", Role.CREDIT_ADMIN, "区发改委")
    t = RowTarget.objects.get(row__plan=p, row__number=5, metric_code="collection.compliance_rate")
    t.value = Decimal(value)
    with pytest.raises(DomainError, match="百分比"):
        services.save_plan_item(actor=admin, item=t, changed=["value"])
    t.refresh_from_db()
    assert t.value == Decimal("100")


def test_negative_count_target_is_refused_and_bounds_are_allowed() -> None:
    p = plan()
    admin = user("in_admin10b", Role.CREDIT_ADMIN, "区发改委")
    t = RowTarget.objects.get(row__plan=p, row__number=6)
    t.value = Decimal("-1")
    with pytest.raises(DomainError, match="不能为负数"):
        services.save_plan_item(actor=admin, item=t, changed=["value"])
    t.value = Decimal("0")
    services.save_plan_item(actor=admin, item=t, changed=["value"])
    rate = RowTarget.objects.get(row__plan=p, row__number=5, metric_code="collection.late_rate")
    rate.value = Decimal("100")
    services.save_plan_item(actor=admin, item=rate, changed=["value"])


def test_plan_file_target_outside_range_is_refused(tmp_path, console) -> None:
    data = _plan_file()
    data["rows"][0]["targets"] = [
        {"metric": "collection.compliance_rate", "comparison": ">=", "value": 150}
    ]
    code, _out, err = _load(console, tmp_path, data)
    assert code != 0 and "台账第 1 项" in err and "百分比" in err
    assert not Plan.objects.filter(year=2030).exists()


# ------------------------------------------------------------------ admin


def _row_form(row: Row, t: RowTarget, **target: str) -> dict[str, Any]:
    fields = {
        "kind": t.kind,
        "metric_code": t.metric_code,
        "activity_kind": t.activity_kind,
        "comparison": t.comparison,
        "value": str(t.value),
        **target,
    }
    return {
        "plan": row.plan_id,
        "number": row.number,
        "level1": row.level1,
        "level2": row.level2,
        "level3": row.level3,
        "level4": row.level4,
        "work": "信用办修改后的重点工作",
        "units_text": row.units_text,
        "deadline": row.deadline.isoformat() if row.deadline else "",
        "plan_clause": row.plan_clause,
        "note": row.note,
        "seed_line": row.seed_line or "",
        "tasks": [x.pk for x in row.tasks.all()],
        "lead_units": [u.pk for u in row.lead_units.all()],
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "1",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "targets-0-id": t.pk,
        "targets-0-row": row.pk,
        **{f"targets-0-{k}": v for k, v in fields.items()},
        "_save": "保存",
    }


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("in_su", "su@example.com", "Xinyong@Ledger2026")


@pytest.mark.parametrize(
    ("row_number", "target", "message"),
    [
        (6, {"activity_kind": "宣传"}, "未知活动类型“宣传”"),
        (5, {"value": "150"}, "百分比"),
        (6, {"value": "-3"}, "不能为负数"),
    ],
)
def test_admin_refuses_a_bad_target_and_saves_nothing(
    superuser, row_number, target, message
) -> None:
    p = plan()
    row = Row.objects.get(plan=p, number=row_number)
    t = row.targets.order_by("id").first()
    assert t is not None
    before = (t.kind, t.metric_code, t.activity_kind, t.comparison, t.value)
    work = row.work
    events = Event.objects.count()
    c = client(superuser)
    c.raise_request_exception = False
    r = c.post(f"/admin/ledger/row/{row.pk}/change/", _row_form(row, t, **target))
    assert r.status_code == 200
    assert message in r.content.decode()
    t.refresh_from_db()
    row.refresh_from_db()
    assert (t.kind, t.metric_code, t.activity_kind, t.comparison, t.value) == before
    assert row.work == work
    assert Event.objects.count() == events


def test_admin_saves_a_good_target(superuser) -> None:
    p = plan()
    row = Row.objects.get(plan=p, number=6)
    t = row.targets.get()
    r = client(superuser).post(f"/admin/ledger/row/{row.pk}/change/", _row_form(row, t, value="4"))
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.value == Decimal("4")


def test_rules_admin_refusal_is_not_reported_as_saved(superuser) -> None:
    p = plan()
    rules = PlanRules.objects.get(plan=p)
    data = {"plan": str(p.pk), **{k: str(getattr(rules, k)) for k in services.RULE_FIELDS}}
    c = client(superuser)
    url = f"/admin/ledger/planrules/{rules.pk}/change/"
    for key, value, message in [
        ("pending_share", "1.5", "得分比例应在 0 到 1 之间"),
        ("points_per_row", "0", "每项满分应大于 0"),
    ]:
        r = c.post(url, {**data, key: value, "_save": "保存"}, follow=True)
        html = r.content.decode()
        assert message in html
        assert "成功" not in html
        rules.refresh_from_db()
        assert str(getattr(rules, key)) == data[key]
    ok = c.post(url, {**data, "warning_workdays": "6", "_save": "保存"})
    assert ok.status_code == 302
    rules.refresh_from_db()
    assert rules.warning_workdays == 6


# ------------------------------------------------------------------ plan files


def _plan_file() -> dict[str, Any]:
    return {
        "kind": "ledger_plan",
        "year": 2030,
        "title": "2030年方案",
        "tasks": [
            {"number": 1, "group": "（一）", "title": "t", "text": "t", "units": "区发改委牵头"}
        ],
        "rows": [
            {
                "number": 1,
                "level1": "一级",
                "level2": "二级",
                "level3": "三级",
                "work": "重点工作",
                "units": "区发改委",
                "deadline": "持续推进",
                "tasks": [1],
                "seed_line": 10,
            }
        ],
    }


def _load(console: Any, tmp_path: Any, data: dict[str, Any]) -> tuple[int, str, str]:
    f = tmp_path / "plan.json"
    f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    try:
        return console("ledger", "load", str(f))  # type: ignore[no-any-return]
    except (ValueError, TypeError) as exc:
        pytest.fail(f"uncaught {exc!r}")


@pytest.mark.parametrize(
    ("where", "field", "value", "expected"),
    [
        (
            "tasks",
            "number",
            "第一项",
            "重点工作第 1 个：序号（number）应为不超过 32767 的正整数，而不是“第一项”",
        ),
        ("rows", "number", 0, "台账第 1 个：序号（number）应为不超过 32767 的正整数，而不是“0”"),
        ("rows", "tasks", ["一"], "台账第 1 项：关联重点工作（tasks）应为重点工作序号列表"),
        (
            "rows",
            "seed_line",
            "x",
            "台账第 1 项：原文行号（seed_line）应为不超过 2147483647 的正整数，而不是“x”",
        ),
        ("rows", "seed_line", True, "台账第 1 项：原文行号（seed_line）应为不超过"),
    ],
)
def test_plan_file_with_non_numeric_fields_is_refused_in_one_line(
    console, tmp_path, where, field, value, expected
) -> None:
    data = _plan_file()
    data[where][0][field] = value
    code, _out, err = _load(console, tmp_path, data)
    assert code != 0
    assert expected in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not Plan.objects.filter(year=2030).exists()


def test_the_minimal_plan_file_loads(console, tmp_path) -> None:
    data = _plan_file()
    data["tasks"][0]["number"] = "1"  # digits as text are a number, as before
    code, _out, err = _load(console, tmp_path, data)
    assert code == 0, err
    row = Row.objects.get(plan__year=2030, number=1)
    assert row.seed_line == 10 and [t.number for t in row.tasks.all()] == [1]


def test_a_refusal_while_saving_keeps_nothing_and_reports_no_success(
    superuser, monkeypatch
) -> None:
    """Should the service refuse a target the inline form let through, the row edited in
    the same request is not kept either, and Django does not report success."""
    p = plan()
    row = Row.objects.get(plan=p, number=6)
    t = row.targets.get()
    work = row.work
    events = Event.objects.count()
    save = services.save_plan_item

    def refuse_targets(*, actor: Any, item: Any, changed: Any) -> Any:
        if isinstance(item, RowTarget):
            raise DomainError("信用办暂停修改量化目标。")
        return save(actor=actor, item=item, changed=changed)

    monkeypatch.setattr(services, "save_plan_item", refuse_targets)
    c = client(superuser)
    r = c.post(f"/admin/ledger/row/{row.pk}/change/", _row_form(row, t, value="4"), follow=True)
    html = r.content.decode()
    assert "信用办暂停修改量化目标。" in html and "成功" not in html
    row.refresh_from_db()
    t.refresh_from_db()
    assert row.work == work and t.value == Decimal("3")
    assert Event.objects.count() == events


def test_unit_filter_reads_ascii_ids_only(clock: Any) -> None:
    """ "١" is 1 to int(): the list must not be narrowed to the unit with id 1 for it."""
    clock.today = date(2026, 6, 2)
    p = plan()
    admin = user("uni_admin", Role.CREDIT_ADMIN, "区发改委")
    first = Assignment.objects.filter(row__plan=p).order_by("unit_id").first()
    assert first is not None
    c = client(admin)
    narrowed = c.get("/workspace/ledger/", {"year": "2026", "unit": str(first.unit_id)})
    arabic = "".join(chr(0x0660 + int(d)) for d in str(first.unit_id))
    typed = c.get("/workspace/ledger/", {"year": "2026", "unit": arabic})
    assert narrowed.status_code == typed.status_code == 200
    assert typed.content.decode().count("<tr") > narrowed.content.decode().count("<tr")
