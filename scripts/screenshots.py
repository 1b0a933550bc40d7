"""Screenshots of the main pages for the README (docs/screenshots/*.png), taken from a
demo server.

Against a running demo server:

    .venv/bin/xinyong init --demo && .venv/bin/xinyong serve --port 8011 &
    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8011

or let the script build a throw-away demo installation (a fresh SQLite database in a
temporary XINYONG_VAR, `xinyong init --demo`, `xinyong serve` on a free loopback port)
and stop it afterwards:

    .venv/bin/python scripts/screenshots.py --serve

`--only NAME …` refreshes some pictures only. Uses Debian's chromium through
Playwright (never `playwright install`). The browser journeys (tests/browser) save their
end states separately, as CI artefacts in $XINYONG_ARTIFACTS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
XINYONG = ROOT / ".venv" / "bin" / "xinyong"
CHROMIUM = "/usr/bin/chromium"
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
DEMO_PASSWORD = "Xinyong@2026"  # orgs/loaders.py DEMO_PASSWORD
# The demo enterprise that has a credit report (reports/loaders.py DEMO_SUBJECT_NAME).
REPORT_SUBJECT = "安阳市北关区恒达商贸有限公司"


@dataclass(frozen=True)
class Shot:
    name: str
    who: str  # "public" or a demo username
    path: str
    full_page: bool = False
    prepare: Callable[[Any], None] | None = None
    # A picture that is not a screenshot (the report's PDF page): writes the file itself.
    pdf: Callable[[Any, Path], None] | None = None


def _subject_page(page: Any) -> None:
    """A subject page: the first result of the public query."""
    page.locator("#search-results a").first.click()
    page.wait_for_load_state()


def _report_confirm(page: Any) -> None:
    """Self-service up to the identity step, where the demo confirmer shows the one-time
    code. Stops before issuing: each issue uses one of the subject's two free reports."""
    row = page.locator("#search-results tbody tr", has_text=REPORT_SUBJECT).first
    identifier = row.locator("code").inner_text().strip()
    page.goto("/credit/reports/")
    page.fill("#identifier", identifier)
    page.fill("#name", REPORT_SUBJECT)
    page.locator("#self-form button[type=submit]").click()
    page.locator("#confirm-code").wait_for()


def _report_pdf_page(page: Any, target: Path) -> None:
    """The first page of the demo credit report, as the PDF shows it (poppler)."""
    page.locator("table a[href*='/workspace/reports/']").first.click()
    with page.expect_download() as info:
        page.locator("#report-download").click()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        info.value.save_as(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "110",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(Path(tmp) / "page"),
            ],
            check=True,
        )
        shutil.move(Path(tmp) / "page.png", target)


SHOTS = [
    Shot("portal-home", "public", "/"),
    Shot("login", "public", "/login/"),
    Shot("public-query", "public", "/credit/?q=安阳"),
    Shot("public-subject", "public", "/credit/?q=安阳彰德医药", True, _subject_page),
    Shot("report-self-service", "public", f"/credit/?q={REPORT_SUBJECT}", False, _report_confirm),
    Shot("workspace", "admin", "/workspace/"),
    Shot("collection-overview", "admin", "/workspace/collection/"),
    Shot("collection-upload", "admin", "/workspace/collection/upload/"),
    Shot("governance-picture", "admin", "/workspace/sanctions/governance/"),
    Shot("sanctions-check", "admin", "/workspace/sanctions/checks/new/"),
    Shot("objections", "admin", "/workspace/rights/objections/"),
    Shot("integrity-dashboard", "admin", "/workspace/integrity/"),
    Shot("exchange-status", "admin", "/workspace/exchange/"),
    Shot("event-log", "admin", "/workspace/events/"),
    Shot("admin-index", "admin", "/admin/"),
    Shot("report", "admin", "/workspace/reports/", pdf=_report_pdf_page),
    Shot("dashboard", "leader", "/workspace/ledger/dashboard/"),
    Shot("xinyidai-bank", "bank_demo", "/workspace/xinyidai/bank/"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(base: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    limit = time.monotonic() + seconds
    while time.monotonic() < limit:
        if server.poll() is not None:
            raise SystemExit(f"演示服务器启动失败（退出码 {server.returncode}）")
        try:
            with urllib.request.urlopen(base + "/", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"演示服务器 {seconds:.0f} 秒内未就绪：{base}")


@contextmanager
def demo_server() -> Iterator[str]:
    """A fresh demo installation in a temporary directory, served on a free port."""
    var = Path(tempfile.mkdtemp(prefix="xinyong-screenshots-"))
    env = {**os.environ, "XINYONG_VAR": str(var)}
    env.pop("DATABASE_URL", None)  # the temporary SQLite file, never a real database
    try:
        print(f"建立演示环境（{var}）……", flush=True)
        subprocess.run(
            [str(XINYONG), "init", "--demo"],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        port = _free_port()
        server = subprocess.Popen(
            [str(XINYONG), "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, server)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=20)
    finally:
        shutil.rmtree(var, ignore_errors=True)


def _log_in(page: Any, username: str, password: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/workspace/**")


def _settle(page: Any) -> None:
    """Wait until the page's charts are drawn (ECharts animates for about a second)."""
    page.wait_for_load_state("networkidle")
    if page.locator("[_echarts_instance_]").count():
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('[_echarts_instance_]'))"
            ".every((el) => el.querySelector('canvas'))"
        )
        page.wait_for_timeout(1200)


def take(base: str, out: Path, only: set[str], password: str) -> list[Path]:
    written: list[Path] = []
    wanted = [s for s in SHOTS if not only or s.name in only]
    unknown = only - {s.name for s in SHOTS}
    if unknown:
        raise SystemExit(f"没有这些截图：{'、'.join(sorted(unknown))}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for who in dict.fromkeys(s.who for s in wanted):
            context = browser.new_context(
                viewport={"width": 1280, "height": 800}, base_url=base, locale="zh-CN"
            )
            page = context.new_page()
            if who != "public":
                _log_in(page, who, password)
            for shot in (s for s in wanted if s.who == who):
                page.goto(shot.path)
                if shot.prepare is not None:
                    shot.prepare(page)
                target = out / f"{shot.name}.png"
                if shot.pdf is not None:
                    shot.pdf(page, target)
                else:
                    _settle(page)
                    page.screenshot(path=str(target), full_page=shot.full_page)
                written.append(target)
                print(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
            context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description="从演示环境生成 README 页面截图")
    parser.add_argument("--base", default="http://127.0.0.1:8011", help="演示服务器地址")
    parser.add_argument(
        "--serve", action="store_true", help="自建临时演示环境（init --demo + serve），用后删除"
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="输出目录")
    parser.add_argument("--password", default=DEMO_PASSWORD, help="演示账号密码")
    parser.add_argument("--only", nargs="*", default=[], help="只生成这些截图（名称不含 .png）")
    options = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} 不存在：请先 apt-get install chromium（make system-deps）")
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    only = set(options.only)
    started = time.monotonic()
    if options.serve:
        with demo_server() as base:
            written = take(base, out, only, options.password)
    else:
        written = take(options.base.rstrip("/"), out, only, options.password)
    print(f"已生成 {len(written)} 张截图（{time.monotonic() - started:.0f} 秒），输出目录 {out}")


if __name__ == "__main__":
    main()
