"""The 信用修复告知书 is dated on the Shanghai calendar day it was issued, not the UTC one."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.utils import timezone
from pypdf import PdfReader

from xinyong.rights import notices
from xinyong.rights.models import RepairNotice

from .repair_helpers import penalty_row, record, store

pytestmark = pytest.mark.django_db

# 2026-12-01 01:30 in Asia/Shanghai, still 2026-11-30 in UTC.
AFTER_LOCAL_MIDNIGHT = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)


def test_notice_issued_after_local_midnight_is_dated_the_local_day(monkeypatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: AFTER_LOCAL_MIDNIGHT)
    store([penalty_row(1, decided="2026-11-27")], reported_on=timezone.localdate())
    notice = RepairNotice.objects.get(record=record(1))
    assert notice.created_at == AFTER_LOCAL_MIDNIGHT
    assert notices.notice_data(notice)["date"] == "2026年12月1日"
    pdf = notices.notice_pdf(notice)
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "安阳市北关区生态环境局2026年12月1日" in text
    assert "2026年11月30日" not in text
