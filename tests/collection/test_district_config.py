"""The spot-check page of a district other than 北关区 cites no 北关区 document."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from xinyong.orgs.models import Role

from .qhelpers import user

pytestmark = pytest.mark.django_db


@override_settings(XINYONG_DISTRICT="文峰区", XINYONG_PLATFORM_NAME="文峰区公共信用信息平台")
def test_spot_check_page_cites_no_other_districts_plan() -> None:
    client = Client()
    client.force_login(user("wf_admin", Role.CREDIT_ADMIN, "区发改委"))
    response = client.get("/workspace/collection/spot-checks/")
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert "北关" not in body
    assert "文峰区公共信用信息平台" in body
    assert "按社会信用体系建设年度工作要求“开展部门公示信息抽查”" in body
