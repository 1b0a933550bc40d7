"""The exchange's configuration: `settings.XINYONG_EXCHANGE` (filled from the environment
in settings.py, overridden in tests) over the defaults below. Read on every use, so that a
changed setting takes effect without a restart of the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from xinyong.core.errors import DomainError

TRANSPORTS = ("file", "http")
FILE_FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExchangeConfig:
    transport: str
    http_url: str
    http_token: str
    http_secret: str
    http_timeout: float
    file_dir: Path
    file_ack_dir: Path
    file_format: str
    inbox_dir: Path
    # Records per outbound message: a batch of 1,000,000 records becomes 2,000 messages of
    # 500, each with its own idempotency key, so that a failure resends 500, not a million.
    chunk_size: int
    max_attempts: int
    backoff_base: float
    backoff_cap: float
    # How long a sender owns a claimed message; a sender killed mid-send leaves its claim,
    # which expires after this and is taken over (the receiver deduplicates by key).
    lease_seconds: float
    send_every: float
    import_every: float
    inbound_unit: str
    node: str


def _number(raw: Any, name: str, kind: type[int] | type[float], minimum: float) -> Any:
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise DomainError(f"数据交换配置 {name} 的值“{raw}”不是有效数字。") from None
    if value < minimum:
        raise DomainError(f"数据交换配置 {name} 不能小于 {minimum}。")
    return value


def get_config() -> ExchangeConfig:
    raw: dict[str, Any] = dict(getattr(settings, "XINYONG_EXCHANGE", {}) or {})
    var = Path(settings.VAR_DIR) / "exchange"
    transport = str(raw.get("TRANSPORT") or "file").strip().lower()
    if transport not in TRANSPORTS:
        raise DomainError(
            f"数据交换配置 TRANSPORT 的值“{transport}”无效，应为 file（前置机文件交换）或 http（接口推送）。"
        )
    file_format = str(raw.get("FILE_FORMAT") or "csv").strip().lower()
    if file_format not in FILE_FORMATS:
        raise DomainError(f"数据交换配置 FILE_FORMAT 的值“{file_format}”无效，应为 csv 或 xlsx。")
    return ExchangeConfig(
        transport=transport,
        http_url=str(raw.get("HTTP_URL") or ""),
        http_token=str(raw.get("HTTP_TOKEN") or ""),
        http_secret=str(raw.get("HTTP_SECRET") or ""),
        http_timeout=_number(raw.get("HTTP_TIMEOUT", 10), "HTTP_TIMEOUT", float, 0.1),
        file_dir=Path(raw.get("FILE_DIR") or var / "outbox"),
        file_ack_dir=Path(raw.get("FILE_ACK_DIR") or var / "acks"),
        file_format=file_format,
        inbox_dir=Path(raw.get("INBOX_DIR") or var / "inbox"),
        chunk_size=_number(raw.get("CHUNK_SIZE", 500), "CHUNK_SIZE", int, 1),
        # Ten attempts: the nine waits between them (ceilings 30 s doubling to the 1 h cap,
        # 11,010 s in all; services.backoff_seconds waits half to all of each) keep a
        # message retrying for about two hours (1.5–3 h) before it is failed.
        max_attempts=_number(raw.get("MAX_ATTEMPTS", 10), "MAX_ATTEMPTS", int, 1),
        backoff_base=_number(raw.get("BACKOFF_BASE", 30), "BACKOFF_BASE", float, 0),
        backoff_cap=_number(raw.get("BACKOFF_CAP", 3600), "BACKOFF_CAP", float, 0),
        lease_seconds=_number(raw.get("LEASE_SECONDS", 120), "LEASE_SECONDS", float, 0),
        send_every=_number(raw.get("SEND_EVERY", 60), "SEND_EVERY", float, 1),
        import_every=_number(raw.get("IMPORT_EVERY", 300), "IMPORT_EVERY", float, 1),
        inbound_unit=str(raw.get("INBOUND_UNIT") or "区发改委"),
        node=str(raw.get("NODE") or settings.XINYONG_REGION_CODE),
    )
