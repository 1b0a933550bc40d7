"""The public portal on a phone (375 × 812): no page is wider than the screen. Wide tables
scroll inside their own box, the person query's fields and the menu wrap, and the
objection form's textareas and the seal's PEM fit the screen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.publicity.helpers import penalty
from xinyong.records.models import CreditRecord
from xinyong.records.services import withdraw_record

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("next_year_calendar"),
]

WIDTH = 375
HEIGHT = 812


@pytest.fixture
def shown(reference_data: None) -> CreditRecord:
    """A company with a public dishonest penalty that may already be repaired (so its row
    has both 提出异议 and 申请信用修复), and a withdrawn one on the withdrawals page."""
    today = timezone.localdate()
    decided = (today - timedelta(days=100)).isoformat()
    record = penalty(901, decided=decided, unit_name="区市场监管局")
    revoked = penalty(902, decided=decided, unit_name="区市场监管局")
    withdraw_record(
        actor=None,
        record=revoked,
        reason="经行政复议，原处罚决定被撤销，依法撤回该行政处罚决定信息",
        revoked_on=today - timedelta(days=3),
        basis_document="北政复决字〔2026〕7号",
        on=today - timedelta(days=2),
    )
    return record


def _phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN", base_url=live_server.url
    )
    return context


def _page_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _inside_screen(box: dict[str, float] | None) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH


def test_public_pages_fit_a_phone_screen(browser: Any, live_server: Any, shown: Any) -> None:
    context = _phone(browser, live_server)
    try:
        page = context.new_page()

        page.goto("/credit/")
        page.locator("summary", has_text="查询自然人本人信息").click()
        assert _page_width(page) <= WIDTH
        person_button = page.locator("#person-form").get_by_role("button", name="查 询")
        assert _inside_screen(person_button.bounding_box())
        assert _inside_screen(page.locator("#person-form #name").bounding_box())
        # Menu items wrap as a whole: each one is a single line of text.
        for link in page.locator(".portal-nav a").all():
            box = link.bounding_box()
            assert box is not None and box["height"] < 60, link.inner_text()
            assert _inside_screen(box), link.inner_text()

        page.goto(f"/credit/subject/{shown.subject_id}/")
        row = page.locator(f"tr[data-record='{shown.pk}']")
        assert row.count() == 1
        assert _page_width(page) <= WIDTH
        # The last column is reached by scrolling the table, not the page.
        repair = row.get_by_role("link", name="申请信用修复")
        repair.scroll_into_view_if_needed()
        assert _inside_screen(repair.bounding_box())
        assert _inside_screen(row.get_by_role("link", name="提出异议").bounding_box())
        assert _page_width(page) <= WIDTH

        page.goto("/credit/withdrawals/")
        assert page.locator("#withdrawals tbody tr").count() == 1
        assert _page_width(page) <= WIDTH

        page.goto(f"/credit/record/{shown.pk}/objection/")
        description = page.get_by_label("异议内容（哪里有误）")
        assert _inside_screen(description.bounding_box())
        assert _page_width(page) <= WIDTH

        page.goto("/credit/reports/verify/")
        assert "BEGIN PUBLIC KEY" in page.locator("#public-key pre").first.inner_text()
        assert _page_width(page) <= WIDTH
    finally:
        context.close()
