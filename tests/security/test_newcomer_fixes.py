"""Defects a newcomer found walking the demo (lead/newcomer_review.md #1–#6): a 领导's
empty 诚信典型 page, a 500 in the indicator-system admin, and English codes or Python
dicts where a page should speak Chinese."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from .conftest import UNIT_A, Actors

pytestmark = pytest.mark.django_db

HONOURS = "/workspace/personnel/honours/"


def _nomination_rows(body: str) -> set[str]:
    return set(re.findall(r'<tr id="(nomination-\d+)"', body))


# ------------------------------------------------------------------ #1 诚信典型


def test_leader_sees_the_districts_honour_nominations(actors: Actors) -> None:
    from xinyong.personnel.models import Nomination

    assert Nomination.objects.count() == 4
    body = actors.client("leader").get(HONOURS).content.decode()
    assert "暂无推荐" not in body
    assert "红旗路街道健康路社区" in body
    assert _nomination_rows(body) == {
        f"nomination-{pk}" for pk in Nomination.objects.values_list("pk", flat=True)
    }
    # A 领导 reads; the page offers no decision, withdrawal or nomination.
    assert "withdraw-form" not in body
    assert 'value="decide"' not in body
    assert "nominate-form" not in body


def test_leader_cannot_withdraw_an_honour(actors: Actors) -> None:
    from xinyong.personnel.models import Nomination

    selected = Nomination.objects.filter(status="selected").order_by("pk").first()
    assert selected is not None
    response = actors.client("leader").post(
        HONOURS, {"action": "withdraw", "nomination": selected.pk, "reason": "试试"}
    )
    assert response.status_code == 403
    selected.refresh_from_db()
    assert selected.status == "selected"


def test_unit_leader_and_org_dept_see_what_they_saw(actors: Actors) -> None:
    """组织部门 sees the nominations of its own unit (all four demo ones); unit A's head
    sees unit A's nominations and none of 区委组织部's."""
    from xinyong.orgs.models import Unit
    from xinyong.personnel import services
    from xinyong.personnel.models import HonourKind, Nomination

    unit_a = Unit.objects.get(name=UNIT_A)
    own = services.nominate(
        actor=actors.users["reporter_a"],
        kind=HonourKind.objects.get(code="model_organ"),
        year=2026,
        unit=unit_a.pk,
        deeds="双公示信息按时报送率 100%。",
        on=date(2026, 11, 20),
    )
    demo = {
        f"nomination-{pk}"
        for pk in Nomination.objects.exclude(pk=own.pk).values_list("pk", flat=True)
    }

    org_dept = actors.client("org_dept").get(HONOURS).content.decode()
    assert _nomination_rows(org_dept) == demo
    head = actors.client("unit_leader_a").get(HONOURS).content.decode()
    assert _nomination_rows(head) == {f"nomination-{own.pk}"}
    assert "withdraw-form" not in head and "nominate-form" not in head
    other_unit = actors.client("reporter_b").get(HONOURS).content.decode()
    assert _nomination_rows(other_unit) == set()


# ------------------------------------------------------------------ #2 admin


@pytest.mark.parametrize(
    "path",
    [
        "/admin/integrity/indicatorsystem/abc/change/",
        "/admin/integrity/indicatorsystem/add/add/",
        "/admin/integrity/indicatorsystem/999999/change/",
    ],
)
def test_admin_indicator_system_bad_id_is_not_a_500(actors: Actors, path: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(actors.users["credit_admin"])
    assert client.get("/admin/integrity/indicator/abc/change/").status_code == 302
    response = client.get(path, follow=True)
    assert response.redirect_chain, response.status_code
    assert response.status_code == 200
    assert "不存在" in response.content.decode()


def test_admin_indicator_system_still_warns_about_its_problems(actors: Actors) -> None:
    from xinyong.integrity.models import IndicatorSystem

    system = IndicatorSystem.objects.order_by("pk").first()
    assert system is not None
    client = actors.client("credit_admin")
    response = client.get(f"/admin/integrity/indicatorsystem/{system.pk}/change/")
    assert response.status_code == 200


# ------------------------------------------------------------------ #3 名单条目


def test_list_entry_history_shows_chinese_statuses(actors: Actors) -> None:
    from xinyong.sanctions.models import ListEntry

    entry = ListEntry.objects.filter(status="listed", changes__isnull=False).first()
    assert entry is not None
    body = (
        actors.client("credit_admin")
        .get(f"/workspace/sanctions/lists/{entry.pk}/")
        .content.decode()
    )
    history = body.split('id="entry-history"', 1)[1].split("</table>", 1)[0]
    assert not re.search(r">\s*(proposed|listed|publicising|removed|cancelled)\s*<", history), (
        history
    )
    assert re.search(r"<td>\s*列入\s*</td>", history), history


# ------------------------------------------------------------------ #4 查阅记录


def test_read_log_shows_chinese_subject_types(actors: Actors) -> None:
    from xinyong.core.models import ReadLog

    assert ReadLog.objects.filter(subject_type="subjects.Subject").exists()
    body = actors.client("credit_admin").get("/workspace/reads/").content.decode()
    assert "subjects.Subject" not in body and "personnel.Person" not in body
    assert '<span class="tag">信用主体</span>' in body
    # The configuration admin's read-log list names the type the same way.
    admin_list = actors.client("credit_admin").get("/admin/core/readlog/").content.decode()
    assert re.search(r'<td class="field-subject_type_shown">信用主体</td>', admin_list)
    assert not re.search(r"<td[^>]*>subjects\.Subject</td>", admin_list)


# ------------------------------------------------------------------ #5 评价模型


def _english_words(value: Any) -> set[str]:
    """The keys and text values of an indicator's params (grade letters excepted: a
    condition says "等级最高为 D 级")."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(str(k))
            out |= _english_words(v)
    elif isinstance(value, list | tuple):
        for v in value:
            out |= _english_words(v)
    elif isinstance(value, str) and value not in ("A", "B", "C", "D"):
        out.add(value)
    return out


def test_grade_model_conditions_are_not_python_dicts(actors: Actors) -> None:
    from xinyong.supervision.models import Indicator

    body = actors.client("reporter_a").get("/workspace/supervision/grades/model/").content.decode()
    assert "list_kind" not in body
    assert "within_months" not in body
    assert "&#x27;serious&#x27;" not in body
    tables = " ".join(re.findall(r'<table class="table">.*?</table>', body, re.S))
    conditions = html.unescape(
        " ".join(re.findall(r'<td class="condition">(.*?)</td>', tables, re.S))
    )
    kinds = set(Indicator.objects.values_list("kind", flat=True))
    assert kinds == {k.value for k in Indicator.Kind}, "the seeded model has every kind"
    words = set().union(
        *(_english_words(p) for p in Indicator.objects.values_list("params", flat=True))
    )
    assert {"record_type", "XZCF", "general", "watch", "statuses", "broken"} <= words
    leaked = sorted(w for w in words if re.search(rf"\b{re.escape(w)}\b", conditions))
    assert leaked == [], leaked
    for sentence in (
        "行政处罚，失信程度为一般、不分级；近 12 个月内作出",
        "行政处罚，失信程度为一般、不分级；12 个月以前、36 个月以内作出",
        "已信用修复的失信记录；近 36 个月内作出",
        "列入重点关注名单，在有效期内；等级最高为 C 级",
        "列入严重失信主体名单，在有效期内；等级最高为 D 级",
        "信用承诺履行状态为全部未履行、部分履行；近 36 个月内核查确认",
        "行政许可；近 36 个月内作出",
    ):
        assert sentence in conditions, (sentence, conditions)


def test_grade_model_condition_of_every_kind_and_of_odd_params() -> None:
    from xinyong.supervision.grading import condition_text
    from xinyong.supervision.models import Indicator

    names = {"XZCF": "行政处罚"}
    assert condition_text("records", {}, names) == "任一类别的信用记录；不限时间"
    assert condition_text("repaired", {"record_type": "XZCF"}, names) == (
        "已信用修复的失信记录（行政处罚）；不限时间"
    )
    assert condition_text("records", {"record_type": "ZZZ", "older_than_months": 6}, names) == (
        "ZZZ（目录中没有该类别，不计数）；6 个月以前作出"
    )
    assert (
        condition_text("list", {"list_kind": "abnormal"}, names) == "列入经营异常名录，在有效期内"
    )
    assert condition_text("commitment_kept", {}, names) == ("信用承诺履行状态为全部履行；不限时间")
    assert condition_text("commitment_broken", {"statuses": "broken"}, names).startswith(
        "信用承诺履行状态为全部未履行；"
    )
    # A key the engine does not read is said to be unused rather than hidden.
    assert condition_text("list", {"list_kind": "red", "colour": "x"}, names) == (
        "列入红名单（守信激励对象），在有效期内；未使用的参数：colour"
    )
    assert set(Indicator.Kind.values) == {
        "records",
        "list",
        "commitment_kept",
        "commitment_broken",
        "repaired",
    }


def test_a_single_status_written_as_a_string_counts_as_that_status(actors: Actors) -> None:
    """The page reads {"statuses": "broken"} as 全部未履行, and so does the computation
    (it used to take the string's letters as statuses and count nothing)."""
    from stdnum.cn import uscc

    from xinyong.commitments.models import Commitment
    from xinyong.subjects.services import get_or_create_subject
    from xinyong.supervision import grading

    on = date(2026, 9, 30)
    model = grading.model_in_force(on)
    indicator = model.indicators.get(code="COMMITMENT_BROKEN")
    indicator.params = {"statuses": "broken", "within_months": 36}
    indicator.save()
    code = "91410503MA9G5N2X4"
    subject, _, _ = get_or_create_subject(
        actor=None,
        identifier=code + uscc.calc_check_digit(code),
        name="安阳市北关区违诺商贸有限公司",
    )
    Commitment.objects.create(
        code="41050320260901000001",
        kind="certificate",
        subject=subject,
        committer_name=subject.name,
        committer_code=subject.identifier,
        reason="测试",
        content="材料真实有效",
        breach_liability="撤销决定",
        made_on=date(2026, 9, 1),
        channel="form",
        status="broken",
        verified_on=date(2026, 9, 20),
    )
    counted = {c.code: c.count for c in grading.explain(subject, on) if c.count}
    assert counted == {"COMMITMENT_BROKEN": 1}


# ------------------------------------------------------------------ #6 年度方案


def test_plan_page_targets_are_chinese(actors: Actors) -> None:
    body = actors.client("leader").get("/workspace/ledger/plans/").content.decode()
    assert "collection.late_rate" not in body
    assert "training &gt;= 2.00" not in body and "training >= 2.00" not in body
    assert "双公示迟报率（不高于 0%）" in body


def test_nomination_api_answers_as_the_page(actors: Actors) -> None:
    """The API admits any account: a 领导 gets the district's nominations, as on the page;
    a bank, even with granted units, none (it is not admitted to the page)."""
    from xinyong.orgs.models import Unit
    from xinyong.personnel.models import Nomination

    api = "/api/v1/personnel/nominations/"
    every = set(Nomination.objects.values_list("pk", flat=True))
    assert len(every) == 4
    led = actors.client("leader").get(api).json()
    assert {n["id"] for n in led["results"]} == every
    bank = actors.users["bank"]
    bank.granted_units.add(*Unit.objects.all())
    assert actors.client("bank").get(api).json()["results"] == []
    rows = actors.client("reporter_b").get(api).json()["results"]
    assert {n["id"] for n in rows} == set(
        Nomination.objects.filter(nominated_by_unit=actors.users["reporter_b"].unit).values_list(
            "pk", flat=True
        )
    )
