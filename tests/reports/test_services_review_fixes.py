"""Review fixes of credit reports (services review #6, #7, #9): a download whose stored
PDF is missing or corrupt is refused in Chinese and counts no print; bad unit and subject
input is refused instead of a 500; the 所载信用记录 count counts each record once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.publicity.selectors import public_records
from xinyong.publicity.services import compute_window
from xinyong.reports import services, storage, views
from xinyong.reports.models import Report

from ..finance.helpers import firm, penalty
from .helpers import ORG_USCC, org_with_penalty, pdf_text, user

pytestmark = pytest.mark.django_db

MISSING = "报告文件缺失"
CORRUPT = "报告文件已损坏"


def _issued() -> Report:
    org_with_penalty(1)
    return services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")


def _break(report: Report, how: str) -> None:
    path = storage.path_for(report.pdf_sha256)
    if how == "missing":
        path.unlink()
    else:
        # As a partly restored backup leaves it: present, the right name, other bytes.
        path.write_bytes(path.read_bytes()[:1000])


def _no_print(report: Report) -> None:
    report.refresh_from_db()
    assert report.print_count == 0
    assert not Event.objects.filter(action="reports.print", target_id=str(report.pk)).exists()


# ------------------------------------------------------------------ #6 unreadable PDF


@pytest.mark.parametrize(("how", "message"), [("missing", MISSING), ("corrupt", CORRUPT)])
def test_staff_download_of_an_unreadable_file_is_refused_in_chinese(
    client: Client, how: str, message: str
) -> None:
    report = _issued()
    _break(report, how)
    client.raise_request_exception = False
    client.force_login(user("admin1", Role.CREDIT_ADMIN, "区发改委"))
    response = client.get(reverse("reports:download", args=[report.pk]), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("reports:detail", args=[report.pk]), 302)]
    assert message in response.content.decode()
    _no_print(report)


@pytest.mark.parametrize(("how", "message"), [("missing", MISSING), ("corrupt", CORRUPT)])
def test_self_download_of_an_unreadable_file_is_refused_in_chinese(
    client: Client, how: str, message: str
) -> None:
    report = _issued()
    _break(report, how)
    client.raise_request_exception = False
    token = signing.dumps({"r": report.pk}, salt=views.DOWNLOAD_SALT)
    response = client.get(reverse("reports:self-download", args=[token]))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and report.number in page
    assert response["Content-Type"].startswith("text/html")
    _no_print(report)


@pytest.mark.parametrize(("how", "code"), [("missing", "pdf_missing"), ("corrupt", "pdf_corrupt")])
def test_api_download_of_an_unreadable_file_is_refused_in_chinese(how: str, code: str) -> None:
    report = _issued()
    _break(report, how)
    api = APIClient()
    api.force_authenticate(user("admin1", Role.CREDIT_ADMIN, "区发改委"))
    response = api.get(f"/api/v1/reports/{report.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert "报告文件" in response.json()["detail"]
    _no_print(report)


def test_a_readable_file_is_still_downloaded_and_counted_once(client: Client) -> None:
    report = _issued()
    client.force_login(user("admin1", Role.CREDIT_ADMIN, "区发改委"))
    response = client.get(reverse("reports:download", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    report.refresh_from_db()
    assert report.print_count == 1
    assert Event.objects.filter(action="reports.print", target_id=str(report.pk)).count() == 1


# ------------------------------------------------------------------ #7 bad input


@pytest.mark.parametrize("unit", ["²", "99999999999999999999999", "１２", "-3", "1e3"])
def test_public_matter_api_refuses_a_bad_unit_in_chinese(unit: str) -> None:
    response = APIClient().get("/api/v1/reports/matters/", {"unit": unit})
    assert response.status_code == 400
    assert "单位编号" in response.json()["detail"]


def test_public_matter_api_still_filters_by_unit() -> None:
    response = APIClient().get("/api/v1/reports/matters/", {"unit": "3"})
    assert response.status_code == 200


@pytest.mark.parametrize("unit", ["²", "99999999999999999999999", "-1"])
def test_public_matter_page_ignores_a_bad_unit(client: Client, unit: str) -> None:
    client.raise_request_exception = False
    assert client.get(reverse("reports:public-matters"), {"unit": unit}).status_code == 200


@pytest.mark.parametrize("subject", ["²", "١٢٣", "99999999999999999999999"])
def test_issue_api_refuses_a_non_ascii_digit_subject_in_chinese(subject: str) -> None:
    api = APIClient()
    api.force_authenticate(user("admin1", Role.CREDIT_ADMIN, "区发改委"))
    response = api.post(
        "/api/v1/reports/", {"subject": subject, "purpose": "self_query"}, format="json"
    )
    assert response.status_code == 404, response.content.decode()
    assert "信用主体" in response.json()["detail"]
    assert not Report.objects.exists()


def test_issue_form_refuses_a_superscript_digit_subject_in_chinese(client: Client) -> None:
    client.raise_request_exception = False
    client.force_login(user("admin1", Role.CREDIT_ADMIN, "区发改委"))
    response = client.post(reverse("reports:new"), {"subject": "²", "purpose": "self_query"})
    assert response.status_code == 200
    assert "信用主体" in response.content.decode()


def test_a_platform_id_still_finds_its_subject() -> None:
    subject = org_with_penalty(1)
    assert services.find_subject(str(subject.pk)).pk == subject.pk
    assert services.find_subject(f" {subject.pk} ").pk == subject.pk


@pytest.mark.parametrize("pk", ["99999999999999999999"])
def test_an_absurd_report_id_is_not_found(client: Client, pk: str) -> None:
    client.raise_request_exception = False
    client.force_login(user("admin1", Role.CREDIT_ADMIN, "区发改委"))
    assert client.get(f"/workspace/reports/{pk}/").status_code == 404
    assert client.get(f"/workspace/reports/{pk}/download/").status_code == 404
    api = APIClient()
    api.force_authenticate(user("admin2", Role.CREDIT_ADMIN, "区发改委"))
    assert api.get(f"/api/v1/reports/{pk}/").status_code == 404


# ------------------------------------------------------------------ #9 record count


def test_record_count_counts_each_record_once(client: Client) -> None:
    good = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    today = timezone.localdate()
    reg = penalty(
        good,
        today - timedelta(days=400),
        "DJ-1",
        type_code="DJZC",
        payload={"DJ_DJZT": "存续", "DJ_JYFW": "日用百货销售"},
    )
    pen = penalty(
        good,
        today - timedelta(days=10),
        "北关市监罚〔2026〕9号",
        payload={"CF_CFLB": "罚款", "CF_NR": "罚款2万元", "CF_NR_FK": "2"},
    )
    compute_window(reg)
    compute_window(pen)
    shown = public_records(today).filter(subject=good).count()
    assert shown == 2
    admin = user("admin1", Role.CREDIT_ADMIN, "区发改委")
    report = services.issue_report(actor=admin, subject=good, purpose="self_query")
    assert report.record_count == report.content["record_count"] == shown
    # The 信息概要 counts the same records, one chapter each.
    summary = dict(report.content["summary"])
    assert (summary["登记注册基础信息"], summary["行政管理信息"]) == (1, 1)

    client.force_login(admin)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "<th>所载信用记录</th><td>2 条" in page
    api = APIClient()
    api.force_authenticate(admin)
    assert api.get(f"/api/v1/reports/{report.pk}/").json()["record_count"] == 2
    text = pdf_text(services.report_pdf(report))
    assert "登记注册基础信息" in text and "行政管理信息" in text


def test_record_count_of_a_report_with_only_a_penalty() -> None:
    report = _issued()
    assert report.record_count == 1
    assert date.fromisoformat(report.content["valid_until"]) > timezone.localdate()
