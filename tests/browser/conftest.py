from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would then refuse
# the ORM calls our fixtures make in that same thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# End states of the journeys are kept as CI artefacts (issue 11 §5); var/ is gitignored.
ARTIFACTS_DEFAULT = Path(__file__).resolve().parents[2] / "var" / "artifacts"


def artifacts_dir() -> Path:
    """Where journey screenshots go: $XINYONG_ARTIFACTS, else var/artifacts/."""
    raw = os.environ.get("XINYONG_ARTIFACTS", "").strip()
    return Path(raw) if raw else ARTIFACTS_DEFAULT


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} 不存在：请先 apt-get install chromium（make system-deps）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageWatch:
    """Collects what a page complains about: console errors, uncaught exceptions, and any
    request that leaves the live server (there must be no CDN)."""

    def __init__(self, page: Any, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.route("**/*", self._route)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} @ {message.location}")

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.origin) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.outside == []

    def screenshot(self, name: str) -> None:
        """Saved only when XINYONG_SCREENSHOTS=1, so that CI leaves the tree alone."""
        if os.environ.get("XINYONG_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    def log_in(self, username: str, password: str) -> None:
        """Through the login form, as a person does; lands on the workspace home."""
        page = self.page
        page.goto("/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登 录").click()
        page.wait_for_url(re.compile(r"/workspace/$"))

    def artefact(self, name: str) -> Path:
        """Always saved (full page) to the artefact directory, so that CI keeps a picture
        of what the user saw at the end of each journey."""
        directory = artifacts_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def reference_data(transactional_db: Any) -> None:
    """Transactional tests start from whatever an earlier one flushed: reload the
    reference data that every installation has."""
    from xinyong.core import bootstrap

    bootstrap.run_reference_loaders()


@pytest.fixture
def open_page(browser: Any, live_server: Any, reference_data: None) -> Iterator[Any]:
    contexts = []

    def open_() -> PageWatch:
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="zh-CN", base_url=live_server.url
        )
        contexts.append(context)
        return PageWatch(context.new_page(), live_server.url)

    yield open_
    for context in contexts:
        context.close()
