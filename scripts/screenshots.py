"""Screenshots of the main pages for the README, taken from a running demo server.

    .venv/bin/xinyong init --demo && .venv/bin/xinyong serve --port 8011 &
    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8011

Uses Debian's chromium through Playwright (never `playwright install`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--lang=zh-CN",
]
PUBLIC = [
    ("portal-home", "/"),
    ("public-query", "/credit/?q=安阳"),
]
STAFF = [
    ("workspace", "/workspace/"),
    ("collection-overview", "/workspace/collection/?period=2026-10"),
    ("collection-upload", "/workspace/collection/upload/"),
    ("governance-picture", "/workspace/sanctions/governance/"),
    ("sanctions-check", "/workspace/sanctions/checks/new/"),
    ("objections", "/workspace/rights/objections/"),
    ("event-log", "/workspace/events/"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8011")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "screenshots"))
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="Xinyong@2026")
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(
            viewport={"width": 1280, "height": 800}, base_url=options.base, locale="zh-CN"
        )
        for name, path in PUBLIC:
            page.goto(path)
            page.screenshot(path=str(out / f"{name}.png"))
        # A subject page: the first result of the public query.
        page.goto("/credit/?q=安阳彰德医药")
        page.locator("#search-results a").first.click()
        page.screenshot(path=str(out / "public-subject.png"), full_page=True)
        page.goto("/login/")
        page.fill("input[name=username]", options.user)
        page.fill("input[name=password]", options.password)
        page.locator("form button[type=submit]").click()
        page.wait_for_url("**/workspace/**")
        for name, path in STAFF:
            page.goto(path)
            page.wait_for_timeout(400)  # let ECharts draw
            page.screenshot(path=str(out / f"{name}.png"))
        browser.close()
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main()
