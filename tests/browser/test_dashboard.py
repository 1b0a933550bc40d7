"""The leaders' dashboard in a real browser: on the demo data (`xinyong init --demo`),
the leader opens the dashboard, every chart is drawn on a canvas by the vendored ECharts
(no CDN, no console error), 信易贷 and 政务诚信 are drawn from the metrics those apps
register, and a drill-down link leads to the list behind the number. This is journey 4
of issue 11 §5; its end state is kept as a CI artefact."""

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
    page.wait_for_function("window.ledgerCharts >= 7")
    for chart in ("completion", "overdue", "sgs", "blacklist", "rights", "finance", "integrity"):
        canvas = page.locator(f"#chart-{chart} canvas")
        assert canvas.count() == 1, chart
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 200, chart
    # The canvases carry pixels, not an empty frame.
    painted = page.evaluate(
        """() => Object.fromEntries(
          Array.from(document.querySelectorAll('#dashboard .chart canvas')).map((c) => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
            return [c.closest('.chart').id, n];
          }))"""
    )
    assert len(painted) == 7
    assert all(n > 1000 for n in painted.values()), painted
    assert page.locator(".not-connected").count() == 0
    assert page.locator("#completion-rate").inner_text().endswith("%")
    watch.screenshot("dashboard")
    watch.artefact("journey-4-dashboard")
    watch.assert_clean()

    # Drill down: the overdue count opens the ledger list of overdue items.
    total = int(page.locator("#overdue-total").inner_text())
    assert total > 0
    page.locator("#overdue-total").click()
    page.wait_for_url(re.compile(r"/workspace/ledger/\?.*overdue=1"))
    assert page.locator("#ledger-table tbody tr.overdue").count() == min(total, 50)
    watch.assert_clean()
