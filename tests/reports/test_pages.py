"""Pages and API of credit reports: portal self-service end to end, the verification
page (file and number), the published catalogue, the staff workspace and the REST API —
what each returns and who may (not) see it."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.reports import services
from xinyong.reports.models import ApplicationMatter, Report

from .helpers import ORG_USCC, PERSON_ID, org_with_penalty, pdf_text, person_with_penalty, user

pytestmark = pytest.mark.django_db

ORG_NAME = "安阳市北关区某某商贸有限公司"


def _start(client: Client, identifier: str, name: str) -> tuple[str, str]:
    response = client.post("/credit/reports/", {"identifier": identifier, "name": name})
    assert response.status_code == 302, response.content.decode()
    url = response["Location"]
    page = client.get(url).content.decode()
    code = re.search(r"一次性确认码：<strong>(\d{6})</strong>", page)
    assert code, page
    return url, code.group(1)


def test_self_service_end_to_end_and_quota() -> None:
    org_with_penalty(1)
    client = Client()
    assert "信用报告自助获取" in client.get("/credit/reports/").content.decode()
    url, code = _start(client, ORG_USCC.lower(), ORG_NAME)
    wrong = client.post(
        url, {"code": "000000" if code != "000000" else "111111", "purpose": "self_query"}
    )
    assert "确认码不正确" in wrong.content.decode()
    done = client.post(url, {"code": code, "purpose": "self_query"})
    page = done.content.decode()
    assert "信用报告已生成" in page
    report = Report.objects.get()
    assert report.channel == "self_service" and report.free_quota
    link = re.search(r'href="(/credit/reports/download/[^"]+)"', page)
    assert link
    pdf = client.get(link.group(1))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert services.verify_file(pdf.content).valid
    report.refresh_from_db()
    assert report.print_count == 1
    assert Event.objects.filter(action="reports.print", target_id=str(report.pk)).count() == 1
    # Second free report, then the third is refused with the reason.
    url, code = _start(client, ORG_USCC, ORG_NAME)
    assert (
        "信用报告已生成"
        in client.post(url, {"code": code, "purpose": "no_violation"}).content.decode()
    )
    url, code = _start(client, ORG_USCC, ORG_NAME)
    refused = client.post(url, {"code": code, "purpose": "self_query"}).content.decode()
    assert "每年可免费获取两次" in refused
    assert Report.objects.count() == 2


def test_self_service_refuses_a_wrong_name_and_bad_links() -> None:
    org_with_penalty(1)
    client = Client()
    page = client.post(
        "/credit/reports/", {"identifier": ORG_USCC, "name": "别的公司"}
    ).content.decode()
    assert "未找到代码与名称一致的信用主体" in page
    assert client.get("/credit/reports/self/forged-token/").status_code == 404
    assert client.get("/credit/reports/download/forged-token/").status_code == 404


def test_person_self_service_masks_the_person() -> None:
    person_with_penalty(1)
    client = Client()
    url, code = _start(client, PERSON_ID, "李四")
    assert "李*" in client.get(url).content.decode()
    page = client.post(url, {"code": code, "purpose": "self_query"}).content.decode()
    assert "信用报告已生成" in page and PERSON_ID not in page


def test_verification_page_by_file_and_number() -> None:
    org_with_penalty(1)
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    pdf = services.report_pdf(report)
    client = Client()
    ok = client.post("/credit/reports/verify/", {"file": SimpleUploadedFile("r.pdf", pdf)})
    assert ok.status_code == 200
    assert 'data-authentic="1"' in ok.content.decode() and "核验通过" in ok.content.decode()
    bad = bytearray(pdf)
    bad[1000] ^= 0x20
    failed = client.post(
        "/credit/reports/verify/", {"file": SimpleUploadedFile("r.pdf", bytes(bad))}
    )
    assert "核验未通过" in failed.content.decode()
    by_number = client.get("/credit/reports/verify/", {"number": report.number}).content.decode()
    assert ORG_NAME in by_number and "核验通过" in by_number
    unknown = client.get("/credit/reports/verify/", {"number": "2026031514301200000000"})
    assert "本平台没有出具该编号" in unknown.content.decode()
    assert "请选择要核验" in client.post("/credit/reports/verify/", {}).content.decode()


def test_public_catalogue_with_usage_counts() -> None:
    org_with_penalty(1)
    matter = ApplicationMatter.objects.get(name="政府采购供应商资格审查")
    services.issue_report(actor=None, subject=ORG_USCC, purpose="gov_procurement", matter=matter)
    page = Client().get("/credit/reports/matters/").content.decode()
    assert "政府采购供应商资格审查" in page
    row = re.search(r"政府采购供应商资格审查</td>.*?<td class=\"num\">(\d+)</td>", page, re.S)
    assert row and row.group(1) == "1"
    api = APIClient().get("/api/v1/reports/matters/").json()
    assert any(
        m["name"] == "政府采购供应商资格审查" and m["usage_count"] == 1 for m in api["results"]
    )


def test_workspace_pages_and_scoping() -> None:
    org_with_penalty(1)
    admin = user("admin1", Role.CREDIT_ADMIN, "区发改委")
    clerk = user("czj", Role.REPORTER, "区财政局")
    outsider = user("zjj", Role.REPORTER, "区住建局")
    zzb = user("zzb1", Role.ORG_DEPT, "区委组织部")
    assert Client().get("/workspace/reports/").status_code == 302
    c = Client()
    c.force_login(zzb)
    assert c.get("/workspace/reports/").status_code == 403
    c.force_login(clerk)
    matter = ApplicationMatter.objects.get(name="政府采购供应商资格审查")
    form = c.get("/workspace/reports/new/").content.decode()
    assert "政府采购供应商资格审查" in form and "房屋建筑和市政基础设施工程招标投标" not in form
    response = c.post(
        "/workspace/reports/new/", {"subject": ORG_USCC, "matter": str(matter.pk), "purpose": ""}
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.issued_unit == "区财政局" and report.purpose.code == "gov_procurement"
    detail = c.get(f"/workspace/reports/{report.pk}/").content.decode()
    assert report.number in detail
    assert "本平台出具过该编号" in detail
    pdf = c.get(f"/workspace/reports/{report.pk}/download/")
    assert pdf.status_code == 200 and ORG_NAME in pdf_text(pdf.content)
    assert "信用报告" in c.get("/workspace/reports/").content.decode()
    error = c.post(
        "/workspace/reports/new/", {"subject": "", "purpose": "gov_procurement"}
    ).content.decode()
    assert "请输入信用主体" in error
    c.force_login(outsider)
    assert c.get(f"/workspace/reports/{report.pk}/").status_code == 404
    assert report.number not in c.get("/workspace/reports/").content.decode()
    c.force_login(admin)
    assert report.number in c.get("/workspace/reports/").content.decode()
    matters = c.get("/workspace/reports/matters/").content.decode()
    assert "信用报告应用目录" in matters
    c.post(f"/workspace/reports/matters/{matter.pk}/publish/", {"published": "0"})
    matter.refresh_from_db()
    assert matter.published is False
    assert "政府采购供应商资格审查" not in Client().get("/credit/reports/matters/").content.decode()
    c.post(
        "/workspace/reports/matters/",
        {
            "unit": str(matter.unit_id),
            "name": "政府购买服务承接主体审查",
            "purpose": "gov_procurement",
            "basis": "北信用办〔2023〕1号工作台账",
        },
    )
    assert ApplicationMatter.objects.filter(name="政府购买服务承接主体审查").exists()


def test_api_issue_list_pdf_and_verify() -> None:
    org_with_penalty(1)
    clerk = user("czj", Role.REPORTER, "区财政局")
    api = APIClient()
    assert api.post(
        "/api/v1/reports/", {"subject": ORG_USCC, "purpose": "self_query"}, format="json"
    ).status_code in (401, 403)
    api.force_authenticate(clerk)
    created = api.post(
        "/api/v1/reports/", {"subject": ORG_USCC, "purpose": "gov_procurement"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert len(body["number"]) == 22 and body["purpose_code"] == "gov_procurement"
    bad = api.post("/api/v1/reports/", {"subject": ORG_USCC, "purpose": "nope"}, format="json")
    assert bad.status_code == 400 and "不存在" in bad.json()["detail"]
    assert api.get("/api/v1/reports/").json()["count"] == 1
    pdf = api.get(f"/api/v1/reports/{body['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    public = APIClient()
    verified = public.post(
        "/api/v1/reports/verify/",
        {"file": SimpleUploadedFile("r.pdf", pdf.content)},
        format="multipart",
    )
    assert verified.json()["authentic"] is True
    by_number = public.post(
        "/api/v1/reports/verify/", {"number": body["number"]}, format="json"
    ).json()
    assert by_number["valid"] is True
    assert public.post("/api/v1/reports/verify/", {}, format="json").status_code == 400
    leader = user("leader1", Role.LEADER, None)
    api.force_authenticate(leader)
    assert api.get(f"/api/v1/reports/{body['id']}/").status_code == 200
    assert (
        api.post(
            "/api/v1/reports/", {"subject": ORG_USCC, "purpose": "gov_procurement"}, format="json"
        ).status_code
        == 403
    )
