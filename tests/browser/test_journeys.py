from __future__ import annotations

import re
from typing import Any

import pytest

from xinyong.core.audit import record_event
from xinyong.orgs.models import Role, Unit, User
from xinyong.subjects.models import SubjectKind
from xinyong.subjects.services import get_or_create_subject

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Xinyong@Browser2026"


@pytest.fixture
def people(reference_data: None) -> dict[str, User]:
    unit, _ = Unit.objects.get_or_create(
        name="北关区测试局", defaults={"kind": Unit.Kind.GOVERNMENT, "sort_order": 9999}
    )
    admin = User.objects.create_user(
        username="xinyongban",
        password=PASSWORD,
        role=Role.CREDIT_ADMIN,
        full_name="李管理",
        unit=unit,
        is_staff=True,
        is_superuser=True,
    )
    reporter = User.objects.create_user(
        username="tianbao", password=PASSWORD, role=Role.REPORTER, full_name="王填报", unit=unit
    )
    return {"admin": admin, "reporter": reporter}


def log_in(watch: Any, username: str) -> None:
    page = watch.page
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登 录").click()
    page.wait_for_url(re.compile(r"/workspace/$"))


def test_portal_home_and_public_search(open_page, people) -> None:
    get_or_create_subject(
        actor=None,
        identifier="91512081MA62K0260E",
        name="安阳市北关区诚信建材有限公司",
        kind=SubjectKind.ORGANISATION,
    )
    get_or_create_subject(
        actor=None, identifier="11010519491231002X", name="诚信张三", kind=SubjectKind.PERSON
    )
    watch = open_page()
    page = watch.page
    page.goto("/")
    assert page.locator(".portal-title").inner_text() == "北关区公共信用信息平台"
    assert page.get_by_text("主办单位：北关区社会信用体系建设领导小组办公室").is_visible()
    assert page.get_by_role("heading", name="政策法规").is_visible()
    watch.screenshot("portal-home")

    page.get_by_placeholder("请输入企业（组织）名称或统一社会信用代码").fill("诚信")
    page.get_by_role("button", name="查 询").click()
    page.wait_for_url(re.compile(r"/credit/\?q="))
    table = page.locator("#search-results")
    assert table.get_by_text("安阳市北关区诚信建材有限公司").is_visible()
    assert "张三" not in table.inner_text()
    watch.assert_clean()


def test_login_workspace_and_event_log(open_page, people) -> None:
    record_event(
        actor=people["admin"],
        action="orgs.unit_renamed",
        target_type="unit",
        target_id=7,
        target_repr="区市场监管局",
        old={"name": "区市场局"},
        new={"name": "区市场监督管理局"},
    )
    watch = open_page()
    page = watch.page
    page.goto("/login/")
    assert page.get_by_role("heading", name="工作人员登录").is_visible()
    watch.screenshot("login")

    # A wrong password is refused in Chinese, then the right one gets in.
    page.get_by_label("用户名").fill("xinyongban")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登 录").click()
    assert page.get_by_text("用户名或密码不正确").is_visible()
    log_in(watch, "xinyongban")

    top = page.locator(".ws-user").inner_text()
    assert "李管理" in top and "北关区测试局" in top and "信用办管理员" in top
    assert page.get_by_role("heading", name="平台模块").is_visible()
    nav = page.locator(".ws-nav")
    assert nav.get_by_role("link", name="操作日志").is_visible()
    watch.screenshot("workspace")

    nav.get_by_role("link", name="操作日志").click()
    page.wait_for_url(re.compile(r"/workspace/events/$"))
    assert page.get_by_role("heading", name="操作日志").is_visible()
    # Filtering goes through htmx: the table is swapped and the URL follows.
    page.locator("#id_action").select_option("orgs.unit_renamed")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"action=orgs.unit_renamed"))
    rows = page.locator("#event-table > tbody > tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "区市场监督管理局" in rows.first.inner_text()
    watch.screenshot("event-log")
    watch.assert_clean()


def test_reporter_is_refused_the_event_log(open_page, people) -> None:
    watch = open_page()
    log_in(watch, "tianbao")
    assert watch.page.locator(".ws-nav").get_by_role("link", name="操作日志").count() == 0
    response = watch.page.goto("/workspace/events/")
    assert response is not None and response.status == 403
    assert watch.page.get_by_text("操作日志仅供信用办管理员查看。").is_visible()
    # The 403 page itself logs a console error for its status; nothing else may.
    assert all("403" in e for e in watch.errors)
    assert watch.outside == []


def test_admin_index_and_api_docs(open_page, people) -> None:
    watch = open_page()
    page = watch.page
    log_in(watch, "xinyongban")
    page.goto("/admin/")
    assert page.get_by_role("link", name="信用平台 · 配置管理").is_visible()
    assert page.get_by_role("link", name="操作日志").first.is_visible()
    watch.screenshot("admin-index")

    page.goto("/api/docs/")
    page.get_by_text("信用 Xinyong 公共信用信息平台 API").first.wait_for()
    watch.assert_clean()
