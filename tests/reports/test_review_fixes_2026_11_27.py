"""Review fixes of 2026-11-27 (issue 7): a person's name in a list entry's reasons, a
crafted seal line on the verification API, page and CLI, the 查询记录 of a person checked
by another unit the same day, the issuing unit of a report whose clerk moved since, and
the read log of a person's report page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.core.models import ReadLog
from xinyong.orgs import services as orgs
from xinyong.orgs.models import Role
from xinyong.reports import content, selectors, services
from xinyong.sanctions import checks, measures
from xinyong.sanctions.models import ListEntry, ListType
from xinyong.subjects.selectors import search_for

from ..finance.helpers import admin, make_user, unit
from .helpers import PERSON_ID, pdf_text, person_with_penalty, user

pytestmark = pytest.mark.django_db


# ------------------------------------------------- 1. a person's name in list reasons


def test_person_report_masks_name_in_list_entry_reasons() -> None:
    subject = person_with_penalty(3)  # 李四
    ListEntry.objects.create(
        list_type=ListType.objects.get(code="SX_WAGES"),
        subject=subject,
        basis_document="北关人社认〔2026〕3号",
        reasons="李四拖欠农民工工资 12 万元，经责令限期支付逾期仍未支付。",
        designating_authority="安阳市北关区人力资源和社会保障局",
        status=ListEntry.Status.LISTED,
        effective_from=date(2026, 3, 1),
        source=ListEntry.Source.LOCAL,
    )
    report = services.issue_report(actor=None, subject=PERSON_ID, purpose="self_query")
    text = re.sub(r"\s+", "", pdf_text(services.report_pdf(report)))
    assert "拖欠农民工工资" in text and "李*" in text
    assert "李四" not in text


# ------------------------------------------------------- 2. a crafted seal line

FORGED = (
    b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n%XINYONG-SEAL "
    b'{"alg":"Ed25519","kid":"0000000000000000","number":"\\ud800","sig":"00"}\n'
)


def test_verify_api_refuses_a_crafted_seal_without_500() -> None:
    client = APIClient(raise_request_exception=False)
    r = client.post(
        "/api/v1/reports/verify/",
        {"file": SimpleUploadedFile("r.pdf", FORGED, content_type="application/pdf")},
        format="multipart",
    )
    assert r.status_code == 200, r.status_code
    assert r.json()["authentic"] is False


def test_cli_verify_refuses_a_crafted_seal_without_traceback(console, tmp_path) -> None:
    f = tmp_path / "r.pdf"
    f.write_bytes(FORGED)
    code, out, err = console("reports", "verify", str(f), "--json")
    assert code == 2, (code, out, err)


def test_verify_page_refuses_a_crafted_seal_without_500() -> None:
    client = Client(raise_request_exception=False)
    r = client.post(
        "/credit/reports/verify/",
        {"file": SimpleUploadedFile("r.pdf", FORGED, content_type="application/pdf")},
    )
    assert r.status_code == 200, r.status_code
    assert "\ud800" not in r.content.decode("utf-8", "replace")


def test_legacy_hmac_seal_with_a_non_ascii_signature_is_refused(var) -> None:
    import hashlib
    import json

    from xinyong.reports import seal

    secret = bytes.fromhex("ab" * 32)
    (var / "keys").mkdir(parents=True, exist_ok=True)
    (var / "keys" / "report-seal.key").write_text(secret.hex())
    kid = hashlib.sha256(secret).hexdigest()[:16]
    for sig in ("é" * 64, "\ud800"):
        line = json.dumps({"alg": "HMAC-SHA256", "kid": kid, "number": "1", "sig": sig})
        checked = seal.check(b"%PDF-1.7\n%%EOF" + seal.MARKER + line.encode("ascii"))
        assert not checked.ok
    line = json.dumps({"alg": "HMAC-SHA256", "kid": kid, "number": "1", "sig": "é" * 64})
    checked = seal.check(b"%PDF-1.7\n%%EOF" + seal.MARKER + line.encode("ascii"))
    assert "电子签章验证失败" in checked.reason


# ------------------------------------- 3. another unit's check and the 查询记录


def test_another_units_check_does_not_hide_the_credit_offices_read() -> None:
    person = person_with_penalty(3)
    credit = admin()
    matter = measures.get_matter("PROCUREMENT")
    assert person in search_for(credit, "李四", purpose=checks.check_purpose(matter))
    clerk = make_user("czj", Role.REPORTER, "区财政局")
    checks.run_check(actor=clerk, unit=unit("区财政局"), subject=person, matter=matter)
    today = timezone.localdate()
    rows, _ = content.queries_of(person, since=today - timedelta(days=365), until=today)
    assert any(r["who"] == "区财政局" for r in rows)
    assert any(r["who"] != "区财政局" for r in rows), rows


# ------------------------------------------------- 4. the issuing unit of a report


def test_a_moved_clerk_takes_the_units_reports_along() -> None:
    person_with_penalty(3)
    credit = admin()
    clerk = make_user("scj_rep", Role.REPORTER, "区市场监管局")
    scj = make_user("scj_rev", Role.REVIEWER, "区市场监管局")
    zjj = make_user("zjj_rev", Role.REVIEWER, "区住建局")
    report = services.issue_report(actor=clerk, subject=PERSON_ID, purpose="admin_approval")
    assert report.issued_unit == "区市场监管局"
    assert report.issuing_unit == unit("区市场监管局")
    orgs.set_role(actor=credit, user=clerk, role=Role.REPORTER, unit=unit("区住建局"))
    assert not selectors.reports_visible_to(zjj).filter(pk=report.pk).exists()
    assert selectors.reports_visible_to(scj).filter(pk=report.pk).exists()


def test_reports_issued_before_get_their_unit_from_the_printed_name() -> None:
    import importlib

    from django.apps import apps

    from xinyong.reports.models import Report

    migration = importlib.import_module("xinyong.reports.migrations.0002_report_issuing_unit")
    person_with_penalty(3)
    clerk = make_user("scj_old", Role.REPORTER, "区市场监管局")
    by_unit = services.issue_report(actor=clerk, subject=PERSON_ID, purpose="admin_approval")
    by_self = services.issue_report(
        actor=None, subject=PERSON_ID, purpose="self_query", channel="self_service"
    )
    Report.objects.update(issuing_unit=None)
    migration.backfill(apps, None)
    by_unit.refresh_from_db()
    by_self.refresh_from_db()
    assert by_unit.issuing_unit == unit("区市场监管局")
    assert by_self.issued_unit == "信用主体自助获取" and by_self.issuing_unit is None


def test_the_backfill_looks_each_unit_name_up_once() -> None:
    import importlib

    from django.apps import apps
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinyong.reports.models import Report

    migration = importlib.import_module("xinyong.reports.migrations.0002_report_issuing_unit")
    person_with_penalty(3)
    clerk = make_user("scj_many", Role.REPORTER, "区市场监管局")
    first = services.issue_report(actor=clerk, subject=PERSON_ID, purpose="admin_approval")
    row = Report.objects.values().get(pk=first.pk)
    copies = []
    for i in range(40):
        values = {k: v for k, v in row.items() if k != "id"}
        values["number"] = f"{first.number[:-4]}{i:04d}"
        values["pdf_sha256"] = f"{i:064x}"
        copies.append(Report(**values))
    Report.objects.bulk_create(copies)
    Report.objects.update(issuing_unit=None)
    with CaptureQueriesContext(connection) as queries:
        migration.backfill(apps, None)
    assert Report.objects.filter(issuing_unit=unit("区市场监管局")).count() == 41
    # One distinct name: the names, its unit, one update — not three queries a report.
    assert len(queries) <= 4, len(queries)


# ------------------------------------------------ 5. the report page's read log


def test_opening_a_persons_report_is_read_logged() -> None:
    subject = person_with_penalty(3)
    report = services.issue_report(actor=None, subject=PERSON_ID, purpose="self_query")
    leader = user("leader1", Role.LEADER)
    c = Client()
    c.force_login(leader)
    page = c.get(f"/workspace/reports/{report.pk}/")
    assert "行政管理信息 1 条" in page.content.decode()
    assert ReadLog.objects.filter(reader=leader, subject_id=str(subject.pk)).exists()
