"""A unit user checks a listed subject before a procurement, sees the measures with their
legal bases, reports what it did, and the statistics page counts it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from xinyong.orgs.models import Role, Unit, User
from xinyong.sanctions.models import ListEntry, ListType
from xinyong.subjects.demo import demo_uscc
from xinyong.subjects.services import get_or_create_subject

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Xinyong@Browser2026"


@pytest.fixture
def listed_subject(reference_data: None) -> Any:
    subject, _created, _conflict = get_or_create_subject(
        actor=None,
        identifier=demo_uscc("91", "MA00002A", "410503"),
        name="安阳市北关区失信钢材有限公司",
    )
    ListEntry.objects.create(
        list_type=ListType.objects.get(code="SX_BZXR"),
        subject=subject,
        basis_document="（2026）豫0503执88号",
        reasons="有履行能力而拒不履行生效法律文书确定的义务",
        status=ListEntry.Status.LISTED,
        effective_from=date(2026, 1, 5),
    )
    User.objects.create_user(
        username="caizheng",
        password=PASSWORD,
        role=Role.REPORTER,
        full_name="赵采购",
        unit=Unit.objects.get(name="区财政局"),
    )
    return subject


def test_check_measures_feedback_and_statistics(open_page, listed_subject) -> None:
    watch = open_page()
    page = watch.page
    page.goto("/login/")
    page.get_by_label("用户名").fill("caizheng")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登 录").click()
    page.wait_for_url(re.compile(r"/workspace/$"))

    page.get_by_role("link", name="奖惩查询").click()
    page.wait_for_url(re.compile(r"/workspace/sanctions/checks/new/$"))
    page.get_by_label("信用主体").fill(listed_subject.identifier)
    page.get_by_label("办理事项").select_option(label="政府采购")
    page.get_by_label("业务编号").fill("BGCG-2026-031")
    page.get_by_role("button", name="查 询").click()
    page.wait_for_url(re.compile(r"/workspace/sanctions/checks/\d+/$"))

    table = page.locator("#measure-table")
    row = table.locator("tr[data-measure='P-PROCUREMENT']")
    assert row.get_by_text("依法限制参加政府采购活动").is_visible()
    assert (
        "《中华人民共和国政府采购法》第二十二条第一款第五项" in row.locator(".basis").inner_text()
    )
    assert "失信被执行人名单" in page.locator("#entry-table").inner_text()
    assert page.locator("#feedback-status").inner_text() == "待反馈"
    watch.screenshot("sanctions-check-result")

    row.get_by_label("依法限制参加政府采购活动 执行情况").select_option("applied")
    page.get_by_role("button", name="提交执行反馈").click()
    page.wait_for_load_state()
    assert page.locator("#feedback-status").inner_text() == "已反馈"
    assert row.locator("select").input_value() == "applied"

    page.get_by_role("link", name="奖惩统计").click()
    page.wait_for_url(re.compile(r"/workspace/sanctions/checks/stats/$"))
    assert page.locator("#stat-checks").inner_text() == "1"
    assert page.locator("#stat-hits").inner_text() == "1"
    assert page.locator("#stat-measures").inner_text() == "1"
    assert page.locator("#stat-actions").inner_text() == "1 / 0 / 0 / 0"
    assert page.locator("#stat-rate").inner_text().startswith("100.0%")
    assert "区财政局" in page.locator("#stats-units").inner_text()
    watch.screenshot("sanctions-check-stats")
    watch.assert_clean()
