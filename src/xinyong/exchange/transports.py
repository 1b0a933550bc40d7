"""Transports: how a prepared message reaches the city platform. `conf.transport` picks one.

- `HttpJsonTransport`: POST the JSON envelope to the platform's endpoint with a bearer
  token, an `Idempotency-Key` header and an HMAC-SHA256 signature over method, path,
  timestamp and body (`sign`); the platform's JSON answer is the acknowledgement.
- `FileDropTransport`: the 前置机 pattern — a CSV or XLSX data file plus a manifest JSON
  with SHA-256 checksums into a directory that the exchange machine carries across; each
  file is written to a temporary name, flushed and renamed, so a reader never sees half a
  file, and the manifest is renamed last (its presence means the message is complete); a
  re-delivery removes the previous manifest before it replaces the data.
  Acknowledgements come back as `<key>.ack.json` files (`read_file_acks`).

A transport returns an `Outcome`; it never touches the database.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from django.utils import timezone

from xinyong.core.commands import write_output
from xinyong.core.exports import xlsx_workbook

from .conf import ExchangeConfig
from .payloads import Prepared
from .signing import H_IDEMPOTENCY, H_NODE, H_SIGNATURE, H_TIMESTAMP, sign

MAX_DETAIL = 500


@dataclass(frozen=True)
class Outcome:
    ACKNOWLEDGED = "acknowledged"
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"

    kind: str
    receipt: str = ""
    http_status: int | None = None
    detail: str = ""


class Transport(Protocol):
    name: str

    def deliver(self, prepared: Prepared) -> Outcome: ...


class HttpJsonTransport:
    name = "http"

    def __init__(self, *, url: str, token: str, secret: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            from xinyong.core.errors import DomainError

            raise DomainError(
                "数据交换配置 HTTP_URL 未设置或无效（应如 https://city.example/api/exchange/messages）。"
            )
        if not secret:
            from xinyong.core.errors import DomainError

            raise DomainError("数据交换配置 HTTP_SECRET（请求签名密钥）未设置，不能通过接口推送。")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.token = token
        self.secret = secret
        self.timeout = timeout

    def _connection(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def deliver(self, prepared: Prepared) -> Outcome:
        body = prepared.body
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {self.token}",
            H_TIMESTAMP: timestamp,
            H_SIGNATURE: sign(self.secret, "POST", self.path, timestamp, body),
            H_IDEMPOTENCY: prepared.message.idempotency_key,
            H_NODE: str(prepared.envelope.get("node", "")),
        }
        conn = self._connection()
        try:
            conn.request("POST", self.path, body=body, headers=headers)
            response = conn.getresponse()
            status = response.status
            raw = response.read()
        except TimeoutError:
            return Outcome(Outcome.RETRY, detail=f"等待市平台响应超时（{self.timeout:g} 秒）")
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            return Outcome(
                Outcome.RETRY, detail=f"连接市平台失败：{type(exc).__name__} {exc}"[:MAX_DETAIL]
            )
        finally:
            conn.close()
        try:
            answer = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, ValueError):
            answer = {}
        said = (
            str(answer.get("detail") or answer.get("message") or "")[:MAX_DETAIL]
            if isinstance(answer, dict)
            else ""
        )
        if 200 <= status < 300:
            if isinstance(answer, dict) and answer.get("status") in ("accepted", "duplicate"):
                receipt = str(answer.get("receipt") or "")[:100]
                if answer.get("idempotency_key") not in (None, prepared.message.idempotency_key):
                    return Outcome(
                        Outcome.RETRY, http_status=status, detail="回执中的幂等键与报文不符"
                    )
                note = (
                    "市平台此前已接收（重复报文，未重复入库）"
                    if answer["status"] == "duplicate"
                    else ""
                )
                return Outcome(
                    Outcome.ACKNOWLEDGED, receipt=receipt, http_status=status, detail=note
                )
            return Outcome(Outcome.RETRY, http_status=status, detail="市平台回执无法识别")
        if status in (408, 425, 429) or status >= 500:
            return Outcome(
                Outcome.RETRY,
                http_status=status,
                detail=f"市平台返回 {status}{('：' + said) if said else ''}",
            )
        # Other 4xx: the platform refused this message as it is (signature, format …):
        # retrying the same bytes cannot help; it waits for a person (resend after a fix).
        return Outcome(
            Outcome.FAILED,
            http_status=status,
            detail=f"市平台拒收（{status}）{('：' + said) if said else ''}",
        )


def _withdraw(path: Path) -> None:
    """Remove a file (a previous attempt's manifest) and make the removal durable before
    anything else is written: the exchange machine takes a manifest as "complete"."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _csv_bytes(prepared: Prepared) -> bytes:
    """Machine data for the exchange machine, not a spreadsheet export: plain UTF-8 and
    every value exactly as the HTTP transport sends it. `safe_cell` would add a quote that
    the city platform stores and publishes as part of the record; and a CSV cannot be both
    exact and safe to open in Excel. Drops that people open are written as XLSX
    (`FILE_FORMAT=xlsx`, every cell text), see docs/exchange.md."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    codes = [code for code, _label in prepared.columns]
    writer.writerow(codes)
    for row in prepared.rows:
        writer.writerow([row.get(code, "") for code in codes])
    return out.getvalue().encode("utf-8")


def _xlsx_bytes(prepared: Prepared) -> bytes:
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer)
    sheet = book.add_worksheet("数据")
    codes = [code for code, _label in prepared.columns]
    for col, code in enumerate(codes):
        sheet.write_string(0, col, code)
    for r, row in enumerate(prepared.rows, start=1):
        for col, code in enumerate(codes):
            value = row.get(code, "")
            if value:
                # Always text: amounts and codes must arrive exactly as written.
                sheet.write_string(r, col, value)
    book.close()
    return buffer.getvalue()


class FileDropTransport:
    name = "file"

    def __init__(self, *, directory: Path, file_format: str) -> None:
        self.directory = Path(directory)
        self.file_format = file_format

    def deliver(self, prepared: Prepared) -> Outcome:
        key = prepared.message.idempotency_key
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            data = _xlsx_bytes(prepared) if self.file_format == "xlsx" else _csv_bytes(prepared)
            data_name = f"{key}.{self.file_format}"
            # A re-delivery (a resend, or a retry after a sender was killed) finds the
            # previous attempt's manifest: it goes first, so that no moment shows it
            # beside the new data, whose checksum it does not announce. Until the new
            # manifest lands the message looks incomplete, and the exchange machine waits.
            _withdraw(self.directory / f"{key}.manifest.json")
            write_output(self.directory / data_name, data)
            manifest = {
                "idempotency_key": key,
                "node": prepared.envelope.get("node"),
                "sender": prepared.envelope.get("sender"),
                "kind": prepared.envelope.get("kind"),
                "operation": prepared.envelope.get("operation"),
                "record_type": prepared.envelope.get("record_type"),
                "sequence": prepared.envelope.get("sequence"),
                "parts": prepared.envelope.get("parts"),
                "created_at": timezone.localtime().isoformat(timespec="seconds"),
                "columns": prepared.envelope.get("columns"),
                "files": [
                    {
                        "name": data_name,
                        "format": self.file_format,
                        "rows": len(prepared.rows),
                        "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                ],
            }
            text = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            write_output(self.directory / f"{key}.manifest.json", text)
        except OSError as exc:
            return Outcome(Outcome.RETRY, detail=f"写入交换目录失败：{exc}"[:MAX_DETAIL])
        return Outcome(Outcome.SENT, detail=f"已写入 {self.directory / data_name}")


@dataclass(frozen=True)
class FileAck:
    path: Path
    idempotency_key: str
    accepted: bool
    receipt: str
    detail: str


def read_file_acks(directory: Path) -> list[FileAck]:
    """The receipts the 前置机 wrote back: `<key>.ack.json` with {"idempotency_key",
    "status": "accepted"|"duplicate"|"rejected", "receipt", "detail"}. Unreadable files are
    skipped (and stay for a person to look at)."""
    found: list[FileAck] = []
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.ack.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if not isinstance(data, dict) or not data.get("idempotency_key"):
            continue
        found.append(
            FileAck(
                path=path,
                idempotency_key=str(data["idempotency_key"])[:64],
                accepted=str(data.get("status")) in ("accepted", "duplicate"),
                receipt=str(data.get("receipt") or "")[:100],
                detail=str(data.get("detail") or "")[:MAX_DETAIL],
            )
        )
    return found


def transport_for(config: ExchangeConfig) -> Transport:
    if config.transport == "http":
        return HttpJsonTransport(
            url=config.http_url,
            token=config.http_token,
            secret=config.http_secret,
            timeout=config.http_timeout,
        )
    return FileDropTransport(directory=config.file_dir, file_format=config.file_format)
