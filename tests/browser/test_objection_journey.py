"""A citizen finds a penalty on the portal, objects through the public form, sees
异议处理中 on the public page; the credit office decides 撤销 in the workspace; the record
is no longer public and the applicant's status page shows the outcome."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.rights.repair_helpers import ORG_USCC, penalty_row, store
from xinyong.orgs.models import Role, User
from xinyong.records.models import CreditRecord
from xinyong.rights.models import Objection
from xinyong.subjects.models import Subject

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("next_year_calendar"),
]

PASSWORD = "Xinyong@Browser2026"
DOCUMENT = "北关环罚〔2026〕1号"


def log_in(watch: Any, username: str) -> None:
    page = watch.page
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登 录").click()
    page.wait_for_url(re.compile(r"/workspace/$"))


def test_objection_from_public_form_to_revocation(open_page: Any) -> None:
    User.objects.create_user(
        username="xinyongban", password=PASSWORD, role=Role.CREDIT_ADMIN, is_staff=True
    )
    decided = timezone.localdate() - timedelta(days=30)
    store([penalty_row(1, decided=decided.isoformat())], reported_on=decided + timedelta(days=1))
    subject = Subject.objects.get(identifier=ORG_USCC)

    # 1. The citizen finds the record and opens the objection form.
    public = open_page()
    page = public.page
    page.goto(f"/credit/?q={ORG_USCC}")
    page.get_by_role("link", name="安阳市北关区某某化工有限公司").click()
    page.wait_for_url(re.compile(rf"/credit/subject/{subject.pk}/"))
    row = page.locator("tr", has_text=DOCUMENT)
    assert "公示中" in row.inner_text()
    row.get_by_role("link", name="提出异议").click()
    page.wait_for_url(re.compile(r"/credit/record/\d+/objection/$"))

    # 2. Files it; a wrong phone number is refused with the reason, then corrected.
    page.get_by_label("异议类型").select_option(label="信息有误")
    page.get_by_label("异议内容（哪里有误）").fill("该处罚决定已于上月被行政复议决定撤销。")
    page.get_by_label("申请人（单位或个人名称）").fill("安阳市北关区某某化工有限公司")
    page.get_by_label("联系电话").fill("12345")
    page.get_by_role("button", name="提交异议").click()
    assert "联系电话格式不正确" in page.locator("#objection-error").inner_text()
    page.get_by_label("联系电话").fill("13800001234")
    page.get_by_role("button", name="提交异议").click()
    code = page.locator("#query-code").inner_text().strip()
    assert len(code) == 12
    objection = Objection.objects.get(query_code=code)
    public.screenshot("objection-filed")

    # 3. The public page shows 异议处理中 at once.
    page.goto(f"/credit/subject/{subject.pk}/")
    assert "异议处理中" in page.locator("tr", has_text=DOCUMENT).inner_text()

    # 4. The credit office decides 撤销 in the workspace.
    office = open_page()
    log_in(office, "xinyongban")
    office.page.goto("/workspace/rights/objections/")
    office.page.get_by_role("link", name=code).click()
    office.page.wait_for_url(re.compile(rf"/workspace/rights/objections/{objection.pk}/$"))
    office.page.get_by_label("处理理由（将告知申请人）").fill(
        "经核实，原处罚决定已被行政复议撤销。"
    )
    office.page.get_by_role("button", name="撤销").click()
    assert office.page.locator("#objection-status-label").inner_text() == "已办结"
    assert office.page.locator("#objection-outcome").inner_text() == "撤销"
    office.screenshot("objection-decided")
    assert CreditRecord.objects.get(pk=objection.record_id).status == "withdrawn"

    # 5. The record is no longer public; the applicant's status page shows the outcome.
    page.goto(f"/credit/subject/{subject.pk}/")
    assert DOCUMENT not in page.content()
    page.goto(f"/credit/objection/status/?code={code}")
    assert page.locator("#objection-status-label").inner_text() == "已办结"
    assert page.locator("#objection-outcome").inner_text() == "撤销"
    assert "该信息已停止公示" in page.locator("#objection-notice-text").inner_text()
    for watch in (public, office):
        watch.assert_clean()
