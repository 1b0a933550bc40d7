"""What a 信易+ check tells whom (review #2): a unit's staff read the facts behind an
answer only where they may read them elsewhere — their own unit's records and list
entries, published records and lists, grades (the supervision pages) and registration
data; another unit's unpublished penalty or 重点关注 entry is named only as the condition
in words. The credit office reads everything; every use keeps the full reasons."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.finance.helpers import admin, firm, make_user, penalty, unit
from xinyong.benefits import services
from xinyong.benefits.models import ScenarioUse
from xinyong.orgs import permissions
from xinyong.orgs.models import Role
from xinyong.publicity.services import compute_window
from xinyong.sanctions.models import ListEntry, ListType

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 26)
WARNING = "北关市监罚〔2026〕5号"
FINE = "北关市监罚〔2026〕9号"
WORDS = "不符合“近 12 个月无行政处罚”条件"


@pytest.fixture
def world(clock):
    clock.today = ON
    good = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    return {
        "good": good,
        "credit": admin(),
        # 区文广体旅局: another unit than the 市场监管局 that reported the penalties.
        "stranger": make_user("rep_wgl", Role.REPORTER, "区文广体旅局"),
        "own": make_user("rep_scj", Role.REVIEWER, "区市场监管局"),
    }


def _warning(subject):
    record = penalty(
        subject, date(2026, 11, 23), WARNING, payload={"CF_CFLB": "警告", "CF_NR": "警告"}
    )
    assert compute_window(record).is_published is False
    return record


def _check(user, subject, code="XYP"):
    return services.check(
        actor=user, subject_code=subject.identifier, scenario=services.get_scenario(code)
    )


def _text(result) -> str:
    return json.dumps(result.as_dict(), ensure_ascii=False)


def _penalty_line(result) -> dict:
    return next(r for r in result.answers[0].reasons if r["code"] == "penalty")


def test_another_units_unpublished_penalty_is_named_only_as_the_condition(world):
    record = _warning(world["good"])
    stranger = world["stranger"]
    assert not permissions.can_read_unit_data(stranger, record.source_unit_id)
    result = _check(stranger, world["good"])
    assert result.answers[0].eligible is False
    assert result.reasons_shown is True
    assert WARNING not in _text(result)
    assert "安阳市北关区市场监督管理局" not in _text(result)
    assert "2026-11-23" not in _text(result)
    line = _penalty_line(result)
    assert (line["passed"], line["text"]) == (False, WORDS)
    # The facts the reporter may read elsewhere stay explained: the grade (supervision
    # pages) and registration facts.
    grade = next(r for r in result.answers[0].reasons if r["code"] == "grade")
    assert grade["text"] == "信用等级为 A，符合要求"
    # The use keeps the full reason, for the credit office to explain the answer later.
    use = ScenarioUse.objects.get()
    assert WARNING in json.dumps(use.reasons, ensure_ascii=False)


def test_the_reporting_units_own_staff_read_their_penalty(world):
    _warning(world["good"])
    line = _penalty_line(_check(world["own"], world["good"]))
    assert WARNING in line["text"] and "不予公示" in line["text"]


def test_the_credit_office_reads_every_reason(world):
    _warning(world["good"])
    line = _penalty_line(_check(world["credit"], world["good"]))
    assert WARNING in line["text"]


def test_a_published_penalty_is_public_and_explained_to_any_unit(world):
    record = penalty(
        world["good"],
        date(2026, 11, 10),
        FINE,
        payload={"CF_CFLB": "罚款", "CF_NR": "罚款2万元", "CF_NR_FK": "2"},
    )
    assert compute_window(record).is_published is True
    line = _penalty_line(_check(world["stranger"], world["good"]))
    assert FINE in line["text"]


def test_one_hidden_penalty_among_several_hides_the_detail(world):
    # The text names the newest penalty and counts the rest ("等 2 件"): the count alone
    # would tell the stranger that another, unpublished penalty exists.
    record = penalty(
        world["good"],
        date(2026, 11, 10),
        FINE,
        payload={"CF_CFLB": "罚款", "CF_NR": "罚款2万元", "CF_NR_FK": "2"},
    )
    compute_window(record)
    _warning(world["good"])
    result = _check(world["stranger"], world["good"])
    assert _penalty_line(result)["text"] == WORDS
    assert FINE not in _text(result) and WARNING not in _text(result)


def _watch_entry(subject, unit_name: str) -> ListEntry:
    return ListEntry.objects.create(
        list_type=ListType.objects.filter(kind=ListType.Kind.WATCH).first(),
        subject=subject,
        basis_document="北关市监关注〔2026〕3号",
        reasons="多次被投诉经营不规范",
        designating_unit=unit(unit_name),
        status=ListEntry.Status.LISTED,
        effective_from=date(2026, 10, 1),
    )


def test_another_units_watch_entry_is_named_only_as_the_condition(world):
    _watch_entry(world["good"], "区市场监管局")
    result = _check(world["stranger"], world["good"], "XYJ")
    assert result.answers[0].eligible is False
    assert "北关市监关注〔2026〕3号" not in _text(result)
    line = next(r for r in result.answers[0].reasons if r["code"] == "list_watch")
    assert line["text"] == "不符合“未被列入重点关注名单”条件"
    own = _check(world["own"], world["good"], "XYJ")
    assert "北关市监关注〔2026〕3号" in _text(own)


def test_the_page_and_the_api_give_the_same_narrowed_reasons(world, client):
    _warning(world["good"])
    client.force_login(world["stranger"])
    page = client.post(
        reverse("benefits:check"), {"subject": world["good"].identifier, "scenario": "XYP"}
    ).content.decode()
    assert WARNING not in page and WORDS in page
    api = APIClient()
    api.force_authenticate(world["stranger"])
    data = api.post(
        "/api/v1/benefits/check/",
        {"subject": world["good"].identifier, "scenario": "XYP"},
        format="json",
    ).json()
    text = json.dumps(data, ensure_ascii=False)
    assert WARNING not in text and WORDS in text
