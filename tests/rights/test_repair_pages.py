"""The repair pages: public form and status, workspace review, notices list and PDF."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from xinyong.core.models import ReadLog
from xinyong.publicity.models import PublicityWindow
from xinyong.rights.models import RepairApplication, RepairNotice

from .repair_helpers import (
    ORG_USCC,
    PERSON_ID,
    penalty_row,
    person_penalty_row,
    record,
    staff,
    store,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("next_year_calendar")]


def decided_days_ago(days: int) -> tuple[str, date]:
    decided = timezone.localdate() - timedelta(days=days)
    return decided.isoformat(), decided + timedelta(days=1)


def store_recent(n: int = 1, days: int = 150, person: bool = False) -> Any:
    decided, reported = decided_days_ago(days)
    row = person_penalty_row(n, decided=decided) if person else penalty_row(n, decided=decided)
    store([row], reported_on=reported)
    return record(n)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


FORM = {
    "applicant_name": "安阳市北关区某某化工有限公司",
    "subject_identifier": ORG_USCC,
    "applicant_phone": "13800001234",
    "fulfilment_statement": "罚款已缴清，整改完成。",
    "commitment_accepted": "on",
}


def assert_free_only(html: str) -> None:
    # Repair is free: the flow never mentions 费用, and says 免费.
    assert "费用" not in html
    assert "免费" in html


def test_public_form_apply_and_follow_by_query_code() -> None:
    r = store_recent()
    client = Client()
    url = f"/credit/record/{r.pk}/repair/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "最短公示期已届满，可申请信用修复" in html
    assert "本主体（安阳市北关区某某化工有限公司）就北关环罚〔2026〕1号" in html
    assert_free_only(html)

    missing = client.post(url, {**FORM, "commitment_accepted": ""})
    assert missing.status_code == 200
    assert "请阅读并勾选同意《信用修复承诺书》" in missing.content.decode()
    assert RepairApplication.objects.count() == 0

    done = client.post(url, FORM)
    assert done.status_code == 200
    app = RepairApplication.objects.get()
    assert app.query_code in done.content.decode()
    assert_free_only(done.content.decode())

    status = client.get("/credit/repair/status/", {"code": app.query_code})
    html = status.content.decode()
    assert status.status_code == 200
    assert "已提交" in html and "138****1234" in html
    assert "13800001234" not in html
    assert_free_only(html)
    assert client.get("/credit/repair/status/", {"code": "ABCDEFGHJKLM"}).status_code == 404


def test_public_form_explains_when_not_yet_and_hides_non_public_records() -> None:
    r = store_recent(days=20)
    html = Client().get(f"/credit/record/{r.pk}/repair/").content.decode()
    assert "最短公示期尚未届满" in html
    assert 'id="repair-form"' not in html
    PublicityWindow.objects.filter(record=r).update(is_published=False)
    assert Client().get(f"/credit/record/{r.pk}/repair/").status_code == 404
    assert Client().get("/credit/record/999999/repair/").status_code == 404


def test_workspace_review_to_approval_shows_repaired() -> None:
    users = staff()
    r = store_recent()
    Client().post(f"/credit/record/{r.pk}/repair/", FORM)
    app = RepairApplication.objects.get()
    admin, unit_staff, other, leader = (
        login(users[k]) for k in ("admin", "reporter", "other", "leader")
    )
    detail = f"/workspace/rights/repairs/{app.pk}/"

    assert other.get(detail).status_code == 404
    assert app.query_code not in other.get("/workspace/rights/repairs/").content.decode()
    assert app.query_code in leader.get("/workspace/rights/repairs/").content.decode()
    assert 'id="repair-complete"' not in leader.get(detail).content.decode()

    admin.post(detail, {"action": "complete"})
    app.refresh_from_db()
    assert app.status == RepairApplication.Status.PROVIDER_REVIEW
    assert (
        other.post(detail, {"action": "provider", "agrees": "yes", "opinion": "同意"}).status_code
        == 404
    )
    unit_staff.post(detail, {"action": "provider", "agrees": "yes", "opinion": "罚款已缴清"})
    app.refresh_from_db()
    assert app.status == RepairApplication.Status.OFFICE_REVIEW
    assert unit_staff.post(detail, {"action": "approve", "reason": "同意"}).status_code == 403
    page = admin.post(detail, {"action": "approve", "reason": "已履行义务"}, follow=True)
    assert "准予修复" in page.content.decode()
    app.refresh_from_db()
    assert app.status == RepairApplication.Status.APPROVED
    assert PublicityWindow.objects.get(record=r).end_reason == "repaired"
    # A refusal of a wrong step is shown, not raised.
    again = admin.post(detail, {"action": "complete"}, follow=True)
    assert "不能进行材料审查" in again.content.decode()
    html = Client().get("/credit/repair/status/", {"code": app.query_code}).content.decode()
    assert "准予修复" in html
    assert_free_only(html)


def test_notice_list_scoped_pdf_download_logs_person_read() -> None:
    users = staff()
    store_recent(1, person=True)
    notice = RepairNotice.objects.get()
    unit_client, other_client = login(users["reporter"]), login(users["other"])
    html = unit_client.get("/workspace/rights/notices/").content.decode()
    assert notice.number in html
    assert PERSON_ID not in html
    assert notice.number not in other_client.get("/workspace/rights/notices/").content.decode()
    assert other_client.get(f"/workspace/rights/notices/{notice.pk}/pdf/").status_code == 404
    before = ReadLog.objects.count()
    pdf = unit_client.get(f"/workspace/rights/notices/{notice.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert ReadLog.objects.count() == before + 1
    served = unit_client.post(
        f"/workspace/rights/notices/{notice.pk}/serve/",
        {"method": "直接送达", "served_on": timezone.localdate().isoformat()},
        follow=True,
    )
    assert "已登记告知书" in served.content.decode()
    notice.refresh_from_db()
    assert notice.serve_method == "直接送达"
    bad = unit_client.post(
        f"/workspace/rights/notices/{notice.pk}/serve/",
        {"method": "x", "served_on": "2026-13-01"},
        follow=True,
    )
    assert "格式不正确" in bad.content.decode()
    assert (
        login(users["leader"])
        .post(f"/workspace/rights/notices/{notice.pk}/serve/", {"method": "直接送达"})
        .status_code
        == 403
    )


def test_navigation_lists_repair_pages() -> None:
    users = staff()
    html = login(users["reporter"]).get("/workspace/").content.decode()
    assert "/workspace/rights/repairs/" in html and "/workspace/rights/notices/" in html
    assert Client().get("/workspace/rights/repairs/").status_code == 302
