"""The public portal of a district other than 北关区: the host office and the work plan
follow the configured district and the plans held as data, never 北关区's."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client, override_settings

from xinyong.ledger.models import Plan, Task

pytestmark = pytest.mark.django_db

WENFENG = override_settings(
    XINYONG_DISTRICT="文峰区", XINYONG_PLATFORM_NAME="文峰区公共信用信息平台"
)
PORTAL_PAGES = ["/", "/credit/", "/credit/reports/", "/credit/integrity/commitments/"]


def text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode("utf-8")


def wenfeng_plan(*, year: int = 2025, issued_on: date | None = date(2025, 3, 20)) -> Plan:
    plan = Plan.objects.create(
        year=year,
        title=f"{year}年文峰区社会信用体系建设工作方案",
        document_number=f"文信用办〔{year}〕3号" if issued_on else "",
        issued_on=issued_on,
        issuer="文峰区社会信用体系建设领导小组办公室",
    )
    for number, group, group_title, title in [
        (1, "一", "夯实信用建设基础", "完善信用制度"),
        (2, "一", "夯实信用建设基础", "规范信用信息归集"),
        (3, "二", "强化信用监管", "推行分级分类监管"),
    ]:
        Task.objects.create(
            plan=plan, number=number, group_number=group, group_title=group_title, title=title
        )
    return plan


@WENFENG
@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_portal_pages_name_the_configured_district_only(client: Client, url: str) -> None:
    body = text(client, url)
    assert "北关" not in body
    assert "文峰区公共信用信息平台" in body
    assert "主办单位：<strong>文峰区社会信用体系建设领导小组办公室</strong>" in body


@WENFENG
def test_portal_home_does_not_present_another_districts_plan_as_its_own(client: Client) -> None:
    # The reference data ships 北关区's 2023 plan; 文峰区 has loaded none of its own yet.
    assert Plan.objects.filter(document_number="北信用办〔2023〕1号").exists()
    body = text(client, "/")
    assert "北信用办" not in body
    assert "社会信用体系建设工作方案" not in body


@WENFENG
def test_portal_home_shows_the_districts_latest_issued_plan(client: Client) -> None:
    wenfeng_plan()
    # A copy for next year is a draft until it is issued (no date, no 文号).
    wenfeng_plan(year=2027, issued_on=None)
    body = text(client, "/")
    assert "文信用办〔2025〕3号 印发《2025年文峰区社会信用体系建设工作方案》" in body
    assert "方案提出2个方面3项重点任务：夯实信用建设基础、强化信用监管。" in body
    assert "2027年文峰区" not in body
    assert "北关" not in body


def test_portal_home_shows_the_seed_plan_of_the_default_district(client: Client) -> None:
    body = text(client, "/")
    assert "北信用办〔2023〕1号 印发《2023年北关区社会信用体系建设工作方案》" in body
    assert "方案提出7个方面23项重点任务：加强社会信用规范化建设、" in body
    assert "主办单位：<strong>北关区社会信用体系建设领导小组办公室</strong>" in body


def test_portal_home_leaves_out_a_plan_issued_later_than_today(client: Client) -> None:
    Plan.objects.all().delete()
    Plan.objects.create(
        year=2026,
        title="2026年北关区社会信用体系建设工作方案",
        document_number="北信用办〔2026〕1号",
        issued_on=date(2099, 1, 1),
    )
    assert "北信用办〔2026〕1号" not in text(client, "/")
