"""The database goes away under load and comes back (issue 11 §2, docs/reliability.md).

    .venv/bin/python scripts/db_restart_check.py [--outage 3] [--clients 4] [--json]

PostgreSQL only. A fresh database on the shared server (created and dropped here), the
app served by `xinyong serve` on a loopback port, clients requesting a public page and a
public API endpoint without pause. In the middle, an outage as a restart looks to the
app — only for this database, the shared server keeps running for everyone else:
`ALTER DATABASE … ALLOW_CONNECTIONS false` (new connections refused) and
`pg_terminate_backend` of every backend of the database, repeated for --outage seconds;
then connections are allowed again.

Every response is classified: ok (2xx), clean error (500/503 with a Chinese error page
or a JSON `detail`, no traceback, no English server default), or unclean (anything else,
including a refused or reset connection). The check holds when there is no unclean
response and requests succeed again within --recovery seconds of the end of the outage,
without anyone touching the server. Exit 0 when it holds; prints the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
XINYONG = str(ROOT / ".venv" / "bin" / "xinyong")
PG_BASE = os.environ.get("XINYONG_PG_BASE", "postgres://postgres@127.0.0.1:5432")
PATHS = ("/credit/?q=%E5%AE%89%E9%98%B3", "/api/v1/public/subjects?q=%E5%AE%89%E9%98%B3")
# Signs that a response is not a clean Chinese error: Python or server internals.
UNCLEAN_MARKERS = ("Traceback", "OperationalError", "psycopg", "Internal Server Error", "Exception")


@dataclass
class Response:
    at: float
    path: str
    status: int
    kind: str  # ok | clean | unclean
    note: str = ""


@dataclass
class Report:
    responses: list[Response] = field(default_factory=list)
    outage_start: float = 0.0
    outage_end: float = 0.0

    def phase(self, r: Response) -> str:
        if r.at < self.outage_start:
            return "before"
        return "during" if r.at <= self.outage_end else "after"

    def figures(self, recovery_limit: float) -> dict[str, Any]:
        phases: dict[str, dict[str, int]] = {
            p: {"ok": 0, "clean": 0, "unclean": 0} for p in ("before", "during", "after")
        }
        for r in self.responses:
            phases[self.phase(r)][r.kind] += 1
        after = [r for r in self.responses if r.at > self.outage_end]
        first_ok = next((r.at for r in after if r.kind == "ok"), None)
        last_bad = max((r.at for r in after if r.kind != "ok"), default=None)
        recovered_in = None if first_ok is None else first_ok - self.outage_end
        settled_in = 0.0 if last_bad is None else last_bad - self.outage_end
        unclean = [r for r in self.responses if r.kind == "unclean"]
        statuses = sorted({r.status for r in self.responses if r.kind == "clean"})
        answers = Counter(
            "JSON" if r.note != "中文错误页" else "页面"
            for r in self.responses
            if r.kind == "clean"
        )
        holds = (
            not unclean
            and recovered_in is not None
            and recovered_in <= recovery_limit
            and settled_in <= recovery_limit
            and phases["after"]["ok"] > 0
        )
        return {
            "holds": holds,
            "phases": phases,
            "outage_seconds": round(self.outage_end - self.outage_start, 2),
            "first_success_after_outage_s": None
            if recovered_in is None
            else round(recovered_in, 2),
            "last_failure_after_outage_s": round(settled_in, 2),
            "clean_error_statuses": statuses,
            "clean_error_forms": dict(answers),
            "unclean_examples": [f"{r.status} {r.path} {r.note}" for r in unclean[:5]],
        }


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def classify(status: int, content_type: str, body: str) -> tuple[str, str]:
    if any(marker in body for marker in UNCLEAN_MARKERS):
        return "unclean", "含内部错误信息"
    if 200 <= status < 300:
        return "ok", ""
    if status in (500, 503):
        if "json" in content_type:
            try:
                detail = str(json.loads(body).get("detail", ""))
            except (ValueError, AttributeError):
                return "unclean", "JSON 无法解析"
            if detail and any("\u4e00" <= c <= "\u9fff" for c in detail):
                return "clean", detail[:40]
            return "unclean", f"detail 非中文：{detail[:60]}"
        if "服务器内部错误" in body or "服务暂时不可用" in body:
            return "clean", "中文错误页"
        return "unclean", f"错误页非中文：{body[:80]!r}"
    return "unclean", f"意外状态 {status}"


def client(port: int, report: Report, stop: threading.Event, index: int) -> None:
    n = index
    while not stop.is_set():
        path = PATHS[n % len(PATHS)]
        n += 1
        at = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            conn.request("GET", path, headers={"Accept": "text/html,application/json"})
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            conn.close()
            kind, note = classify(resp.status, resp.getheader("Content-Type") or "", body)
            report.responses.append(Response(at, path, resp.status, kind, note))
        except OSError as exc:
            report.responses.append(Response(at, path, 0, "unclean", f"连接失败：{exc}"))
        time.sleep(0.02)


def outage(dbname: str, seconds: float) -> None:
    """What a restart looks like from the app: live connections cut, new ones refused."""
    _pg(f"ALTER DATABASE {dbname} ALLOW_CONNECTIONS false")
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            _pg(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{dbname}' AND pid <> pg_backend_pid()"
            )
            time.sleep(0.1)
    finally:
        _pg(f"ALTER DATABASE {dbname} ALLOW_CONNECTIONS true")


def run(
    *, before: float, outage_s: float, after: float, clients: int, recovery: float
) -> dict[str, Any]:
    dbname = f"xy_dbrestart_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="xy-dbrestart-"))
    env = {k: v for k, v in os.environ.items() if k != "XINYONG_DEBUG"}
    env.update(
        XINYONG_VAR=str(work / "var"),
        DATABASE_URL=f"{PG_BASE}/{dbname}",
        XINYONG_LOG_LEVEL="CRITICAL",
        DJANGO_SETTINGS_MODULE="xy_restart_settings",
        PYTHONPATH=str(work),
    )
    # The clients all come from 127.0.0.1: the public rate limits would answer 429.
    (work / "xy_restart_settings.py").write_text(
        "from xinyong.settings import *  # noqa: F403\n"
        'PUBLICITY_PORTAL_RATE = "1000000/min"\n'
        'PUBLICITY_API_RATE = "1000000/min"\n'
        'REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "1000000/min", "user": "1000000/min"}  # noqa: F405\n',
        encoding="utf-8",
    )
    _pg(f"DROP DATABASE IF EXISTS {dbname}")
    _pg(f"CREATE DATABASE {dbname}")
    server: subprocess.Popen[bytes] | None = None
    try:
        init = subprocess.run([XINYONG, "init"], env=env, capture_output=True, text=True)
        if init.returncode:
            sys.exit(f"xinyong init 失败：{init.stderr[-2000:]}")
        port = _free_port()
        server = subprocess.Popen(
            [XINYONG, "serve", "--port", str(port), "--threads", "4"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", PATHS[0])
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("网页服务未能启动")
            time.sleep(0.3)
        report = Report()
        stop = threading.Event()
        threads = [
            threading.Thread(target=client, args=(port, report, stop, i), daemon=True)
            for i in range(clients)
        ]
        for t in threads:
            t.start()
        time.sleep(before)
        report.outage_start = time.monotonic()
        outage(dbname, outage_s)
        report.outage_end = time.monotonic()
        time.sleep(after)
        stop.set()
        for t in threads:
            t.join(timeout=20)
        figures = report.figures(recovery)
        figures["server_still_running"] = server.poll() is None
        figures["holds"] = figures["holds"] and figures["server_still_running"]
        return figures
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        _pg(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="请求进行中数据库中断并恢复：错误是否干净、能否自动恢复（PostgreSQL）"
    )
    parser.add_argument("--before", type=float, default=3.0, help="中断前持续请求的秒数")
    parser.add_argument("--outage", type=float, default=3.0, help="中断持续的秒数")
    parser.add_argument("--after", type=float, default=6.0, help="恢复后持续请求的秒数")
    parser.add_argument("--clients", type=int, default=4, help="并发客户端数")
    parser.add_argument("--recovery", type=float, default=5.0, help="恢复时限（秒）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    args = parser.parse_args(argv)
    figures = run(
        before=args.before,
        outage_s=args.outage,
        after=args.after,
        clients=args.clients,
        recovery=args.recovery,
    )
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        names = {"before": "中断前", "during": "中断中", "after": "恢复后"}
        for phase, counts in figures["phases"].items():
            print(
                f"{names[phase]}：成功 {counts['ok']}，干净的错误 {counts['clean']}，"
                f"不干净的响应 {counts['unclean']}"
            )
        print(
            f"中断 {figures['outage_seconds']} 秒；恢复后第一个成功请求在 "
            f"{figures['first_success_after_outage_s']} 秒，最后一个失败请求在 "
            f"{figures['last_failure_after_outage_s']} 秒；错误状态码 {figures['clean_error_statuses']}，"
            f"形式 {figures['clean_error_forms']}"
        )
        for line in figures["unclean_examples"]:
            print(f"  不干净：{line}")
        print("结论：" + ("通过" if figures["holds"] else "未通过"))
    return 0 if figures["holds"] else 1


if __name__ == "__main__":
    sys.exit(main())
