"""An enterprise finds its penalty on the portal, applies for repair through the public
form, the unit and the credit office review and approve in the workspace, and the public
side reflects the repair."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.rights.repair_helpers import ORG_USCC, penalty_row, store, unit
from xinyong.orgs.models import Role, User
from xinyong.rights.models import RepairApplication
from xinyong.subjects.models import Subject

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("next_year_calendar"),
]

PASSWORD = "Xinyong@Browser2026"


def log_in(watch: Any, username: str) -> None:
    page = watch.page
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登 录").click()
    page.wait_for_url(re.compile(r"/workspace/$"))


def test_repair_from_public_form_to_approval(open_page: Any) -> None:
    User.objects.create_user(
        username="xinyongban", password=PASSWORD, role=Role.CREDIT_ADMIN, is_staff=True
    )
    User.objects.create_user(username="huanbao", password=PASSWORD, role=Role.REVIEWER, unit=unit())
    decided = timezone.localdate() - timedelta(days=150)  # 一般: minimum 3 months elapsed
    store([penalty_row(1, decided=decided.isoformat())], reported_on=decided + timedelta(days=1))
    subject = Subject.objects.get(identifier=ORG_USCC)

    # 1. The enterprise finds its record on the portal and opens the repair form.
    public = open_page()
    page = public.page
    page.goto(f"/credit/?q={ORG_USCC}")
    page.get_by_role("link", name="安阳市北关区某某化工有限公司").click()
    page.wait_for_url(re.compile(rf"/credit/subject/{subject.pk}/"))
    row = page.locator("tr", has_text="北关环罚〔2026〕1号")
    assert "公示中" in row.inner_text()
    row.get_by_role("link", name="申请信用修复").click()
    page.wait_for_url(re.compile(r"/credit/record/\d+/repair/$"))
    assert "最短公示期已届满" in page.locator("#repair-eligibility").inner_text()
    assert "费用" not in page.content()

    # 2. It applies; forgetting the commitment is refused with the reason.
    page.get_by_label("申请人（单位或个人名称）").fill("安阳市北关区某某化工有限公司")
    page.get_by_label("信用主体的统一社会信用代码或身份证号码（用于核实身份）").fill(ORG_USCC)
    page.get_by_label("联系电话").fill("13800001234")
    page.get_by_label("履行义务情况说明（已履行的处罚决定、整改情况等）").fill(
        "罚款5万元已缴清，治理设施已改造。"
    )
    page.get_by_role("button", name="提交申请").click()
    assert "请阅读并勾选同意《信用修复承诺书》" in page.locator("#repair-error").inner_text()
    page.get_by_label("本人（单位）已阅读并作出上述承诺").check()
    page.get_by_role("button", name="提交申请").click()
    code = page.locator("#query-code").inner_text().strip()
    assert len(code) == 12
    app = RepairApplication.objects.get(query_code=code)
    public.screenshot("repair-applied")

    # 3. The credit office checks the materials; the unit reviews; the office approves.
    office = open_page()
    log_in(office, "xinyongban")
    office.page.goto("/workspace/rights/repairs/")
    office.page.get_by_role("link", name=code).click()
    office.page.get_by_role("button", name="材料齐全，转提供单位审核").click()
    assert office.page.locator("#repair-status-label").inner_text() == "提供单位审核中"

    unit_side = open_page()
    log_in(unit_side, "huanbao")
    unit_side.page.goto(f"/workspace/rights/repairs/{app.pk}/")
    unit_side.page.get_by_label("同意修复", exact=True).check()
    unit_side.page.get_by_label("审核意见").fill("罚款已缴清，整改到位，同意修复。")
    unit_side.page.get_by_role("button", name="提交审核意见").click()
    assert unit_side.page.locator("#repair-status-label").inner_text() == "信用办审核中"

    office.page.reload()
    office.page.get_by_label("决定理由").fill("已履行行政处罚义务并作出信用修复承诺。")
    office.page.get_by_role("button", name="准予修复").click()
    assert office.page.locator("#repair-status-label").inner_text() == "准予修复"
    office.page.get_by_role("button", name="登记已同步至各信息接收方").click()
    assert "已于" in office.page.locator("#repair-sync-due").inner_text()
    office.screenshot("repair-approved")

    # 4. The public side: the record no longer shows as a current dishonesty record, and
    #    the applicant's status page says it was repaired.
    page.goto(f"/credit/subject/{subject.pk}/")
    assert "北关环罚〔2026〕1号" not in page.content()
    page.goto(f"/credit/repair/status/?code={code}")
    assert page.locator("#repair-status-label").inner_text() == "准予修复"
    assert "该信息已停止公示" in page.locator("#repair-notice-text").inner_text()
    assert "费用" not in page.content()
    for watch in (public, office, unit_side):
        watch.assert_clean()
