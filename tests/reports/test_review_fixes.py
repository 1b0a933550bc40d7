"""Review fixes of the public report pages: the special report on a window whose last
public day has passed before the daily expiry job ran, the verify page's file label and
report numbers typed in full-width characters."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.publicity.models import PublicityWindow
from xinyong.publicity.services import expire
from xinyong.reports import services

from .helpers import ORG_USCC, org_with_penalty

pytestmark = pytest.mark.django_db


def _overdue_penalty() -> tuple[str, date]:
    """A penalty public from 2026-01-13 to the day before yesterday, whose window the
    expiry job has not ended yet (published, no ended_on)."""
    subject = org_with_penalty(101, decided="2026-01-13")
    last_day = timezone.localdate() - timedelta(days=2)
    window = PublicityWindow.objects.get(record__subject=subject)
    window.starts_on = date(2026, 1, 13)
    window.ends_on = last_day
    window.save(update_fields=["starts_on", "ends_on"])
    assert window.is_published and window.ended_on is None
    return window.record.document_number, last_day


def test_special_report_states_the_expiry_before_the_daily_job_ran() -> None:
    document, last_day = _overdue_penalty()
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="no_violation")
    rows = report.content["special"]["not_in_body"]
    assert [(r["document"], r["why"]) for r in rows] == [
        (document, f"{(last_day + timedelta(days=1)).isoformat()} 起停止公示（公示期满）")
    ]


def test_special_report_says_the_same_after_the_daily_job() -> None:
    document, last_day = _overdue_penalty()
    before = services.issue_report(actor=None, subject=ORG_USCC, purpose="no_violation")
    expire(actor=None)
    after = services.issue_report(actor=None, subject=ORG_USCC, purpose="no_violation")
    assert PublicityWindow.objects.get(record__document_number=document).ended_on == (
        last_day + timedelta(days=1)
    )
    assert before.content["special"]["not_in_body"] == after.content["special"]["not_in_body"]
    assert [(r["document"], r["why"]) for r in after.content["special"]["not_in_body"]] == [
        (document, f"{(last_day + timedelta(days=1)).isoformat()} 起停止公示（公示期满）")
    ]


def test_verify_file_input_has_a_label() -> None:
    html = Client().get("/credit/reports/verify/").content.decode()
    file_input = re.search(r"<input[^>]*type=\"file\"[^>]*>", html)
    assert file_input is not None
    input_id = re.search(r"\bid=\"([^\"]+)\"", file_input.group(0))
    assert input_id is not None, file_input.group(0)
    assert f'<label for="{input_id.group(1)}">' in html


def test_verify_accepts_a_number_typed_in_full_width() -> None:
    org_with_penalty(1)
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    # Full-width digits and letters, lower case and spaces, as a Chinese IME types them.
    typed = " " + report.number.lower().translate(
        {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
    ).replace("２", "２ ", 1)
    assert typed.strip() != report.number
    html = Client().get("/credit/reports/verify/", {"number": typed}).content.decode()
    assert "格式不正确" not in html
    assert "核验通过" in html
    assert f"<td>{report.number}</td>" in html
    # The API checks the number in the same service, so it reads it the same way.
    answer = APIClient().post("/api/v1/reports/verify/", {"number": typed}, format="json")
    assert answer.status_code == 200
    assert answer.json()["authentic"] is True
