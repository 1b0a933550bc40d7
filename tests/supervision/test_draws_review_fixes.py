"""Fixes from the supervision review (issue 6, #1 #3 #8 #9c #10): grades in the draw API
only for the grade readers, a withdrawn inspection result off the public draw page, the
yearly frequency enforced when a draw is run, inspection of a target merged after the
draw, and a 文书号 that already holds another draw's result."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from xinyong.core.errors import DomainError
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord
from xinyong.records.services import withdraw_record
from xinyong.subjects.services import merge_subjects
from xinyong.supervision import draws, policy
from xinyong.supervision.models import Draw, DrawTarget, SupervisionPolicy

from .draws_helpers import ensure_policies, make_pool, make_user, roster, staff, unit
from .test_draws_results import _record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seed_dir(settings, tmp_path: Path) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()


def _run(title: str = "2026年食品经营双随机抽查", unit_name: str | None = None, **kw) -> Draw:
    u = unit(unit_name) if unit_name else unit()
    return draws.run_draw(actor=None, draw=draws.create_draw(actor=None, unit=u, title=title, **kw))


# ---------------------------------------------------------------- 1. grades in the draw API


def _restricted(role: str):
    if role == Role.UNIT_LEADER:
        return make_user("head1", role)
    user = make_user("bank1", role, None)
    user.granted_units.add(unit())
    return user


@pytest.mark.parametrize("role", [Role.BANK, Role.ORG_DEPT, Role.UNIT_LEADER])
def test_restricted_roles_get_the_public_view_of_draws(role: str) -> None:
    make_pool({"A": 100, "D": 10})
    roster(4)
    draw = _run("2026年第四季度双随机抽查")
    api = APIClient()
    api.force_authenticate(_restricted(role))
    assert api.get("/api/v1/grades/distribution/").status_code == 403
    detail = api.get(f"/api/v1/draws/{draw.pk}")
    assert detail.status_code == 200
    body = detail.json()
    # A 100 at 1% → 1 target, D 10 at 30% → 3: the targets are there, their grades not.
    assert len(body["targets"]) == 4
    assert [t for t in body["targets"] if "grade" in t] == []
    assert body["grades"] == []
    assert "grades" not in body["parameters"]
    assert "left_out" not in body["frequency"]
    # Subject-id order, not draw order (which lists the strata one after another).
    ids = [t["subject_id"] for t in body["targets"]]
    assert ids == sorted(ids)
    listed = api.get("/api/v1/draws").json()
    assert [d["id"] for d in listed] == [draw.pk]
    assert listed[0]["grades"] == [] and "left_out" not in listed[0]["frequency"]


def test_grade_readers_keep_grades_in_the_draw_api() -> None:
    make_pool({"A": 100, "D": 10})
    roster(4)
    draw = _run("2026年第四季度双随机抽查")
    people = staff()
    for who in ("admin", "reporter", "leader"):
        api = APIClient()
        api.force_authenticate(people[who])
        body = api.get(f"/api/v1/draws/{draw.pk}").json()
        assert [t["grade"] for t in body["targets"]] == ["A", "D", "D", "D"], who
        assert {g["grade"]: g["pool"] for g in body["grades"]} == {
            "A": 100,
            "B": 0,
            "C": 0,
            "D": 10,
        }


def test_restricted_roles_see_grades_only_where_the_public_does(settings) -> None:
    settings.XINYONG_PUBLIC_GRADES = True
    make_pool({"A": 100, "D": 10})
    roster(4)
    draw = _run("2026年第四季度双随机抽查")
    api = APIClient()
    api.force_authenticate(_restricted(Role.BANK))
    body = api.get(f"/api/v1/draws/{draw.pk}").json()
    assert [t["grade"] for t in body["targets"]] == ["A", "D", "D", "D"]


@pytest.mark.parametrize("role", [Role.BANK, Role.ORG_DEPT, Role.UNIT_LEADER])
def test_restricted_roles_cannot_open_the_workspace_draw_pages(role: str) -> None:
    make_pool({"D": 10})
    roster(2)
    draw = _run()
    client = Client()
    client.force_login(_restricted(role))
    assert client.get(f"/workspace/supervision/draws/{draw.pk}/").status_code == 403
    assert client.get("/workspace/supervision/draws/").status_code == 403


# ---------------------------------------------------------------- 3. withdrawn result


def test_withdrawn_inspection_result_leaves_the_public_page() -> None:
    make_pool({"D": 10})
    roster(2)
    draw = _run()
    first, second = draw.targets.order_by("pk")[:2]
    rec = _record(first, 1, outcome="发现过期食品2批次", handling="责令改正，罚款5000元")
    _record(second, 2, outcome="未发现问题", handling="无")
    page = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    assert "发现过期食品2批次" in page and "北关市监检〔2026〕1号" in page
    withdraw_record(actor=None, record=rec, reason="检查结论有误，依法撤销")
    body = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    assert "发现过期食品2批次" not in body
    assert "责令改正，罚款5000元" not in body
    assert "北关市监检〔2026〕1号" not in body
    assert "检查结果已撤销" in body
    # The other target's result is untouched.
    assert "北关市监检〔2026〕2号" in body
    # Without grades the rows carry no target id (it follows the draw order).
    rows = {r["subject_id"]: r for r in draws.public_targets(draw, with_grades=False)}
    assert rows[first.subject_id]["inspected"] is False
    assert rows[first.subject_id]["result_note"] == "检查结果已撤销"
    assert (rows[first.subject_id]["document_number"], rows[first.subject_id]["outcome"]) == (
        "",
        "",
    )
    assert (
        rows[first.subject_id]["handling"] == "" and rows[first.subject_id]["inspected_on"] is None
    )
    assert (
        rows[second.subject_id]["inspected"] is True
        and rows[second.subject_id]["result_note"] == ""
    )


def test_target_with_withdrawn_result_can_be_inspected_again() -> None:
    make_pool({"D": 10})
    roster(2)
    draw = _run()
    target = draw.targets.order_by("pk").first()
    rec = _record(target, 1, outcome="发现过期食品2批次")
    withdraw_record(actor=None, record=rec, reason="检查结论有误，依法撤销")
    _record(target, 8, outcome="复查未发现问题")
    body = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    assert "复查未发现问题" in body and "检查结果已撤销" not in body


# ---------------------------------------------------------------- 8. frequency at run time


def _a_once_a_year() -> None:
    p = SupervisionPolicy.objects.get(grade="A")
    policy.update_policy(actor=None, policy=p, inspection_ratio="100")


def test_a_subject_is_not_drawn_twice_by_draws_set_up_before_either_ran() -> None:
    _a_once_a_year()
    a = make_pool({"A": 1})[0]
    roster(2)
    roster(2, unit_name="区生态环境局")
    d1 = draws.create_draw(actor=None, unit=unit(), title="市场监管四季度抽查")
    d2 = draws.create_draw(
        actor=None, unit=unit("区生态环境局"), title="生态环境四季度抽查", record_type="XZXK"
    )
    assert [e[0] for e in d2.pool_snapshot] == [a.pk]
    draws.run_draw(actor=None, draw=d1)
    d2 = draws.run_draw(actor=None, draw=d2)
    assert DrawTarget.objects.filter(subject=a).count() == 1
    assert d2.result == []
    # Recorded with the draw: who, and which earlier draw used up the frequency.
    at_run = d2.pool_filter["frequency"]["at_run"]
    assert at_run["excluded"] == [{"subject_id": a.pk, "grade": "A", "draws": [d1.pk]}]
    assert at_run["left_out"] == {"A": 1, "B": 0, "C": 0, "D": 0}
    staff_view = draws.summary(d2)
    assert staff_view["grades"][0]["pool"] == 0  # A: drawn from none
    assert "抽取时" in staff_view["frequency"]["text"]
    assert "A 类 1 户" in staff_view["frequency"]["text"]
    # The set-up pool stays as it was committed.
    assert d2.pool_snapshot == [[a.pk, "A"]]
    report = draws.verify_draw(d2)
    assert report.ok, report.problems
    # The public view names neither the subject nor the count (it would tell the grade).
    public = draws.summary(d2, with_grades=False)
    assert "at_run" not in str(public) and "A 类 1 户" not in public["frequency"]["text"]
    data = draws.public_data(d2, with_grades=False)
    published = str({k: v for k, v in data.items() if k != "algorithm"})
    assert "at_run" not in published and "excluded" not in published
    assert set(data["frequency"]) == {"year", "per_year", "text"}
    assert draws.verify_draw(d2, with_grades=False).ok


def test_run_time_exclusion_narrows_the_stratum_and_verifies() -> None:
    # D 4 per year by default? Use A (1 per year) mixed with D: the excluded A subject
    # leaves the A stratum, the D stratum is drawn as if nothing happened.
    _a_once_a_year()
    pool = make_pool({"A": 3, "D": 10})
    roster(2)
    roster(2, unit_name="区生态环境局")
    first = draws.create_draw(actor=None, unit=unit(), title="第一次", grades=["A"])
    second = draws.create_draw(
        actor=None, unit=unit("区生态环境局"), title="第二次", record_type="XZXK"
    )
    draws.run_draw(actor=None, draw=first)
    second = draws.run_draw(actor=None, draw=second)
    a_ids = {s.pk for s in pool[:3]}
    assert {t.subject_id for t in second.targets.all()} & a_ids == set()
    excluded = [e["subject_id"] for e in second.pool_filter["frequency"]["at_run"]["excluded"]]
    assert sorted(excluded) == sorted(a_ids)
    d_targets = [e for e in second.result if e["grade"] == "D"]
    assert len(d_targets) == 3  # 10 at 30 %
    assert draws.verify_draw(second).ok
    # Tampering with the recorded exclusion is caught by verification.
    forged = dict(second.pool_filter)
    forged["frequency"] = {
        **forged["frequency"],
        "at_run": {
            **forged["frequency"]["at_run"],
            "excluded": [
                *forged["frequency"]["at_run"]["excluded"],
                {"subject_id": d_targets[0]["subject_id"], "grade": "D", "draws": [first.pk]},
            ],
        },
    }
    Draw.objects.filter(pk=second.pk).update(pool_filter=forged)
    second.refresh_from_db()
    report = draws.verify_draw(second)
    assert not report.ok
    assert "抽取时因每年抽查频次未纳入" in report.message


def test_draw_without_run_time_exclusions_is_unchanged() -> None:
    make_pool({"A": 100, "D": 10})
    roster(4)
    draw = _run("2026年第四季度双随机抽查")
    assert draw.pool_filter["frequency"]["at_run"] == {
        "year": draw.pool_filter["frequency"]["year"],
        "excluded": [],
        "left_out": {"A": 0, "B": 0, "C": 0, "D": 0},
    }
    assert "抽取时" not in draws.summary(draw)["frequency"]["text"]
    assert draws.verify_draw(draw).ok


# ---------------------------------------------------------------- 9c. merged target


def test_target_merged_after_the_draw_can_be_inspected() -> None:
    make_pool({"D": 10})
    keep = make_pool({"B": 1}, start=500)[0]
    roster(2)
    draw = _run("抽查")
    target = draw.targets.order_by("pk").first()
    merge_subjects(actor=None, keep=keep, absorb=target.subject, reason="同一企业重复登记")
    target.refresh_from_db()
    record = _record(target, 11, outcome="未发现问题")
    assert record.subject_id == keep.pk
    target.refresh_from_db()
    assert target.inspection_record_id == record.pk
    assert record.payload["JC_XDR_MC"] == keep.name


def test_record_of_another_subject_is_still_refused() -> None:
    make_pool({"D": 10})
    roster(2)
    draw = _run()
    first, second = draw.targets.order_by("pk")[:2]
    record = _record(first, 5)
    # The same 文书号 for another subject: refused before ingestion could re-file the
    # first target's record under the second subject.
    with pytest.raises(DomainError, match="已用于另一主体的检查记录"):
        _record(second, 5, outcome="发现无证经营")
    record.refresh_from_db()
    assert (record.subject_id, record.payload["JC_JG"]) == (first.subject_id, "未发现问题")
    second.refresh_from_db()
    assert second.inspection_record_id is None


# ---------------------------------------------------------------- 10. reused 文书号


def test_reused_number_does_not_rewrite_the_first_draw() -> None:
    policy.create_policy(
        actor=None,
        grade="D",
        inspection_ratio="100",
        frequency_per_year=4,
        approach="严格监管",
        basis="测试",
        effective_from="2026-01-01",
    )
    make_pool({"D": 1})
    roster(2)
    first = _run("第一次")
    second = _run("第二次")
    _record(first.targets.get(), 7, outcome="未发现问题")
    with pytest.raises(DomainError) as exc:
        _record(second.targets.get(), 7, outcome="发现无证经营")
    message = exc.value.message
    assert "北关市监检〔2026〕7号" in message and "已用于另一次抽查检查" in message
    assert f"抽查任务 {first.pk}" in message
    body = Client().get(f"/credit/draws/{first.pk}/").content.decode()
    assert "发现无证经营" not in body and "未发现问题" in body
    record = CreditRecord.objects.get(record_type__code="XZJC")
    assert record.payload["JC_JG"] == "未发现问题"
    assert second.targets.get().inspection_record_id is None
    # Correcting the same target's result under its own number still works.
    _record(first.targets.get(), 7, outcome="未发现问题，已复核")
    record.refresh_from_db()
    assert record.payload["JC_JG"] == "未发现问题，已复核"
