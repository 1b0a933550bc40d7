"""Chapter 七 信用评价 and the platform's grade: grades are not published unless the credit
office turns XINYONG_PUBLIC_GRADES on (supervision.draws.grades_public). Every report
kind leaves the platform — the subject's own (portal or window), one a unit obtains for a
matter, a bank's — so none prints the grade while the switch is off."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from xinyong.reports import content, services
from xinyong.subjects.models import Subject
from xinyong.supervision.models import SubjectGrade

from .helpers import ORG_USCC, PERSON_ID, org_with_penalty, pdf_text, person_with_penalty

pytestmark = pytest.mark.django_db

GRADE_LABEL = "D信用风险高"
SCORE = "41.50"


def _grade_d(subject: Subject) -> None:
    SubjectGrade.objects.update_or_create(
        subject=subject,
        defaults={
            "grade": "D",
            "score": Decimal(SCORE),
            "computed_at": datetime(2026, 3, 10, 1, 0, tzinfo=UTC),
        },
    )


def _evaluation(report_content: dict) -> dict:
    return next(c for c in report_content["chapters"] if c["key"] == "evaluation")


def _text(report) -> str:
    return re.sub(r"\s+", "", pdf_text(services.report_pdf(report)))


# Each way a report is obtained: the subject's own on the portal, at a window (staff, no
# matter), a unit's report for its own purpose, a bank's 信易贷 report.
CASES = [
    ("org", "self_query", "self_service"),
    ("org", "self_query", "staff"),
    ("org", "gov_procurement", "staff"),
    ("org", "xinyidai", "bank"),
    ("person", "self_query", "self_service"),
    ("person", "employment", "staff"),
]


def _issue(kind: str, purpose: str, channel: str):
    subject = org_with_penalty(1) if kind == "org" else person_with_penalty(1)
    _grade_d(subject)
    code = ORG_USCC if kind == "org" else PERSON_ID
    return services.issue_report(actor=None, subject=code, purpose=purpose, channel=channel)


@pytest.mark.parametrize(("kind", "purpose", "channel"), CASES)
@override_settings(XINYONG_PUBLIC_GRADES=False)
def test_no_report_shows_the_grade_while_grades_are_not_public(
    kind: str, purpose: str, channel: str
) -> None:
    report = _issue(kind, purpose, channel)
    chapter = _evaluation(report.content)
    assert chapter["grade"] is None
    assert chapter["grade_note"] == content.GRADES_NOT_PUBLIC
    assert chapter["count"] == 0
    text = _text(report)
    assert GRADE_LABEL not in text and "信用等级D" not in text and SCORE not in text
    assert "本平台的信用等级未向社会公开，本报告不载明信用等级。" in text
    # Chapter 七 says why, not that nothing was collected.
    section = text.split("信用评价（0条）", 1)[1].split("司法判决及执行", 1)[0]
    assert "未归集到该类信息" not in section
    assert ["信用评价", 0] in report.content["summary"]


@pytest.mark.parametrize(("kind", "purpose", "channel"), CASES)
@override_settings(XINYONG_PUBLIC_GRADES=True)
def test_every_report_shows_the_grade_once_grades_are_public(
    kind: str, purpose: str, channel: str
) -> None:
    report = _issue(kind, purpose, channel)
    chapter = _evaluation(report.content)
    assert chapter["grade"]["grade"] == "D"
    assert chapter["grade"]["score"] == SCORE
    assert chapter["grade_note"] == ""
    assert chapter["count"] == 1
    text = _text(report)
    assert GRADE_LABEL in text and SCORE in text
    assert "未向社会公开" not in text


def test_the_default_is_not_public(settings) -> None:
    assert settings.XINYONG_PUBLIC_GRADES is False
    report = _issue("org", "self_query", "self_service")
    assert _evaluation(report.content)["grade"] is None
