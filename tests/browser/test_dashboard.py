"""The leaders' dashboard in a real browser: on the demo data (`xinyong init --demo`),
the leader opens the dashboard, every chart is drawn on a canvas by the vendored ECharts
(no CDN, no console error), 信易贷 and 政务诚信 say 未接入 until those apps register
metrics, and a drill-down link leads to the list behind the number."""

from __future__ import annotations

import re
from typing import Any

import pytest

from xinyong.core import bootstrap
from xinyong.orgs.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Xinyong@Browser2026"


@pytest.fixture
def demo(reference_data: None) -> Any:
    bootstrap.run_demo_loaders()
    leader = User.objects.get(username="leader")
    leader.set_password(PASSWORD)
    leader.save()
    return leader


def test_leader_dashboard_draws_real_charts(open_page, demo) -> None:
    watch = open_page()
    page = watch.page
    page.goto("/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登 录").click()
    page.wait_for_url(re.compile(r"/workspace/$"))

    page.get_by_role("link", name="领导驾驶舱").click()
    page.wait_for_url(re.compile(r"/workspace/ledger/dashboard/$"))
    page.wait_for_function("window.ledgerCharts >= 5")
    for chart in ("completion", "overdue", "sgs", "blacklist", "rights"):
        canvas = page.locator(f"#chart-{chart} canvas")
        assert canvas.count() == 1, chart
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 200, chart
    # The canvases carry pixels, not an empty frame.
    painted = page.evaluate(
        """() => {
          const c = document.querySelector('#chart-completion canvas');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
          return n;
        }"""
    )
    assert painted > 1000
    assert "未接入" in page.locator("#finance-not-connected").inner_text()
    assert "未接入" in page.locator("#integrity-not-connected").inner_text()
    assert page.locator("#completion-rate").inner_text().endswith("%")
    watch.screenshot("dashboard")
    watch.assert_clean()

    # Drill down: the overdue count opens the ledger list of overdue items.
    total = int(page.locator("#overdue-total").inner_text())
    assert total > 0
    page.locator("#overdue-total").click()
    page.wait_for_url(re.compile(r"/workspace/ledger/\?.*overdue=1"))
    assert page.locator("#ledger-table tbody tr.overdue").count() == min(total, 50)
    watch.assert_clean()
