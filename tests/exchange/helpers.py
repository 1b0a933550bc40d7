"""Building blocks of the exchange tests: stored records through the real pipeline, the
exchange settings pointed at a temporary directory or a fake platform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xinyong.collection.services import ingest_rows
from xinyong.orgs import services as org_services
from xinyong.orgs.models import Role, Unit

from ..collection.ingest_helpers import org_row

PASSWORD = "Xinyong@2026"
TOKEN = "city-token-2026"
SECRET = "city-secret-2026"


def unit(name: str) -> Unit:
    target = org_services.resolve_unit_name(name)
    assert isinstance(target, Unit)
    return target


def make_user(
    username: str, role: str = Role.CREDIT_ADMIN, unit_name: str | None = "区发改委"
) -> Any:
    return org_services.create_user(
        actor=None,
        username=username,
        password=PASSWORD,
        role=role,
        unit=unit(unit_name) if unit_name else None,
    )


def penalty_rows(first: int, count: int, **overrides: Any) -> list[dict[str, Any]]:
    return [org_row(n, **overrides) for n in range(first, first + count)]


def store(first: int, count: int, **overrides: Any) -> Any:
    """Ingest `count` valid 行政处罚 rows for 区市场监管局 (documents 北关市监罚〔2026〕first…)."""
    result = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="XZCF",
        rows=penalty_rows(first, count, **overrides),
        reported_on="2026-03-05",
    )
    assert result.rejected == 0, result.as_json()
    return result


def http_settings(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "TRANSPORT": "http",
        "HTTP_URL": url,
        "HTTP_TOKEN": TOKEN,
        "HTTP_SECRET": SECRET,
        "HTTP_TIMEOUT": 0.5,
        "BACKOFF_BASE": 0,
        "BACKOFF_CAP": 0,
        "LEASE_SECONDS": 0,
        **extra,
    }


def file_settings(root: Path, **extra: Any) -> dict[str, Any]:
    return {
        "TRANSPORT": "file",
        "FILE_DIR": str(root / "outbox"),
        "FILE_ACK_DIR": str(root / "acks"),
        "INBOX_DIR": str(root / "inbox"),
        "BACKOFF_BASE": 0,
        "BACKOFF_CAP": 0,
        **extra,
    }
