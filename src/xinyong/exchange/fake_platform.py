"""A fake city platform (市信用信息共享平台) for tests and the demo: a real HTTP server on
loopback that checks what a real receiver must check and fails on purpose.

- POST <path> with the JSON envelope: the bearer token, a timestamp within five minutes
  and the HMAC-SHA256 signature (signing.sign) are verified, the Idempotency-Key
  header must match the body; a new key is stored and answered {"status": "accepted",
  "receipt": "CITY-…"}, a known key is answered {"status": "duplicate"} with the original
  receipt and is not stored again.
- Failures on purpose, each with its own rate (a seeded random generator): `error_rate`
  answers 500 before storing; `timeout_rate` stores, then answers only after
  `timeout_delay` seconds (longer than the client waits); `drop_rate` stores, then closes
  the connection without an answer. The last two are the hard cases: the platform has the
  message, the sender does not know it.
- The envelope must be well formed: a known kind, `count` equal to the number of items,
  every item with exactly the announced column codes, and for a credit commitment the
  columns a receiver keys on filled with known values (`format_problem`); otherwise 422.
- `reject_keys`: keys answered 422 (a permanent refusal), for the demo and tests.
- `on_stored(key, n)`: called after a new message is stored, before the answer.
- GET <path> lists what was received (keys and counts), for the demo.

`python scripts/fake_city_platform.py` runs it standalone.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .signing import H_IDEMPOTENCY, H_SIGNATURE, H_TIMESTAMP, sign

MAX_SKEW_SECONDS = 300
DEFAULT_PATH = "/api/exchange/messages"

KINDS = ("batch", "record", "list_entry", "repair", "commitment")
# What the city platform needs to file a commitment (DOMAIN.md §9): its identity, whose
# it is, how it stands and whether it may be shown to the public.
COMMITMENT_REQUIRED = ("CN_CNBM", "CN_XDR_MC", "CN_XDR_LB", "CN_CNLX", "JLBS", "GXSJ")
COMMITMENT_VALUES = {
    "CN_LXZT": ("待核查", "全部履行", "部分履行", "全部未履行", "已撤回"),
    "CN_GKSX": ("可向社会公开", "特定范围内公开", "不可公开"),
}


def format_problem(envelope: Any) -> str:
    """What is wrong with an envelope's shape, in Chinese, or ""."""
    if not isinstance(envelope, dict):
        return "报文不是对象"
    kind = envelope.get("kind")
    if kind not in KINDS:
        return f"未知的报文类型“{kind}”"
    columns = envelope.get("columns")
    items = envelope.get("items")
    if not isinstance(columns, list) or not isinstance(items, list):
        return "缺少 columns 或 items"
    codes = [str(c.get("code") or "") for c in columns if isinstance(c, dict)]
    if len(codes) != len(columns) or "" in codes or len(set(codes)) != len(codes):
        return "columns 中的字段代码缺失或重复"
    if envelope.get("count") != len(items):
        return f"count（{envelope.get('count')}）与条目数（{len(items)}）不符"
    wanted = set(codes)
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            return f"第 {n} 条不是对象"
        extra = sorted(str(code) for code in set(item) - wanted)
        missing = sorted(wanted - set(item))
        if extra or missing:
            return f"第 {n} 条字段与 columns 不符（多出 {'、'.join(extra) or '无'}，缺少 {'、'.join(missing) or '无'}）"
        if kind == "commitment":
            empty = [code for code in COMMITMENT_REQUIRED if not item.get(code)]
            if empty:
                return f"第 {n} 条缺少必填项 {'、'.join(empty)}"
            if not (item.get("CN_XDR_SHXYM") or item.get("CN_XDR_ZJHM")):
                return f"第 {n} 条缺少承诺人代码（CN_XDR_SHXYM 或 CN_XDR_ZJHM）"
            for code, allowed in COMMITMENT_VALUES.items():
                if item.get(code) not in allowed:
                    return f"第 {n} 条 {code} 的值“{item.get(code)}”无效"
    return ""


class FakeCityPlatform:
    def __init__(
        self,
        *,
        token: str = "city-token",
        secret: str = "city-secret",
        path: str = DEFAULT_PATH,
        host: str = "127.0.0.1",
        port: int = 0,
        error_rate: float = 0.0,
        timeout_rate: float = 0.0,
        drop_rate: float = 0.0,
        timeout_delay: float = 2.0,
        delay: float = 0.0,
        seed: int = 20261120,
        reject_keys: set[str] | None = None,
        on_stored: Callable[[str, int], None] | None = None,
    ) -> None:
        self.token = token
        self.secret = secret
        self.path = path
        self.error_rate = error_rate
        self.timeout_rate = timeout_rate
        self.drop_rate = drop_rate
        self.timeout_delay = timeout_delay
        self.delay = delay
        self.reject_keys = set(reject_keys or ())
        # Called with (key, number of keys stored) after a new message is stored and
        # before it is answered: a test kills the sender there, the hardest moment.
        self.on_stored = on_stored
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        # key → the envelope as first received; the order keys were first stored in
        self.received: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.receipts: dict[str, str] = {}
        self.requests = 0
        self.duplicates = 0
        self.rejected_auth = 0
        self.failures: Counter[str] = Counter()
        platform = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
                return

            def _answer(self, status: int, data: dict[str, Any]) -> None:
                body = json.dumps(data, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.split("?")[0] != platform.path:
                    self._answer(404, {"detail": "not found"})
                    return
                self._answer(200, platform.stats())

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                platform.handle(self, body)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{name}:{port}{self.path}"

    def start(self) -> FakeCityPlatform:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-city-platform", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeCityPlatform:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------ behaviour

    def _roll(self) -> str:
        with self._lock:
            x = self._rng.random()
        if x < self.error_rate:
            return "error"
        x -= self.error_rate
        if x < self.timeout_rate:
            return "timeout"
        x -= self.timeout_rate
        if x < self.drop_rate:
            return "drop"
        return ""

    def _verify(self, handler: BaseHTTPRequestHandler, body: bytes) -> str:
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return "令牌无效"
        stamp = handler.headers.get(H_TIMESTAMP) or ""
        try:
            skew = abs(time.time() - int(stamp))
        except ValueError:
            return "缺少时间戳"
        if skew > MAX_SKEW_SECONDS:
            return "时间戳超出允许范围"
        expected = sign(self.secret, handler.command, handler.path, stamp, body)
        if handler.headers.get(H_SIGNATURE) != expected:
            return "签名不符"
        return ""

    def handle(self, handler: Any, body: bytes) -> None:
        with self._lock:
            self.requests += 1
        if handler.path.split("?")[0] != self.path:
            handler._answer(404, {"detail": "not found"})
            return
        problem = self._verify(handler, body)
        if problem:
            with self._lock:
                self.rejected_auth += 1
            handler._answer(401, {"detail": problem})
            return
        try:
            envelope = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            handler._answer(400, {"detail": "报文不是有效的 JSON"})
            return
        key = handler.headers.get(H_IDEMPOTENCY) or ""
        if not key or key != envelope.get("idempotency_key"):
            handler._answer(400, {"detail": "幂等键缺失或与报文不符"})
            return
        problem = format_problem(envelope)
        if problem:
            handler._answer(422, {"detail": f"报文格式不符：{problem}"})
            return
        if key in self.reject_keys:
            handler._answer(
                422, {"detail": "字段校验不通过：处罚机关统一社会信用代码与机关名称不一致"}
            )
            return
        if self.delay:
            time.sleep(self.delay)
        fate = self._roll()
        if fate == "error":
            with self._lock:
                self.failures["error"] += 1
            handler._answer(500, {"detail": "市平台内部错误（模拟）"})
            return
        with self._lock:
            duplicate = key in self.received
            if duplicate:
                self.duplicates += 1
            else:
                self.received[key] = envelope
                self.order.append(key)
                self.receipts[key] = f"CITY-{len(self.order):08d}"
            receipt = self.receipts[key]
            stored = len(self.order)
        if not duplicate and self.on_stored is not None:
            self.on_stored(key, stored)
        if fate == "timeout":
            with self._lock:
                self.failures["timeout"] += 1
            time.sleep(self.timeout_delay)
        elif fate == "drop":
            with self._lock:
                self.failures["drop"] += 1
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(2)
            return
        # The client may have given up (timeout) and closed: the message stays received.
        with contextlib.suppress(OSError):
            handler._answer(
                200,
                {
                    "status": "duplicate" if duplicate else "accepted",
                    "idempotency_key": key,
                    "receipt": receipt,
                },
            )

    def stats(self) -> dict[str, Any]:
        with self._lock:
            items = sum(int(e.get("count") or 0) for e in self.received.values())
            return {
                "received": len(self.received),
                "items": items,
                "requests": self.requests,
                "duplicates": self.duplicates,
                "rejected_auth": self.rejected_auth,
                "failures": dict(self.failures),
                "keys": list(self.order),
            }
