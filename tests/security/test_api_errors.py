"""Regression tests for the defects the API fuzzing found (docs/reliability.md, "API
fuzzing"), and the JSON form of refusals under /api/."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from xinyong.collection.models import MonthlyDeclaration
from xinyong.orgs import services
from xinyong.orgs.models import Role

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def _detail(response) -> str:
    data = json.loads(response.content)
    assert "detail" in data
    assert CJK.search(data["detail"]), data
    return str(data["detail"])


def test_anonymous_cannot_declare_monthly_counts():
    """Was a 500 (AnonymousUser has no unit): ReadOnlyForLeader alone let anonymous in."""
    body = {"declared_count": 100, "period": "2026-10", "record_type": "行政处罚"}
    before = MonthlyDeclaration.objects.count()
    response = Client().post(
        "/api/v1/collection/declarations", body, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert _detail(response) == "未登录或令牌无效，请提供有效的身份凭证。"
    assert MonthlyDeclaration.objects.count() == before
    assert Client().get("/api/v1/collection/declarations").status_code in (401, 403)


def test_anonymous_cannot_reach_list_entries():
    for url in ("/api/v1/list-entries", "/api/v1/list-entries/1/serve"):
        response = Client().post(url, {}, content_type="application/json")
        assert response.status_code in (401, 403), url
        _detail(response)


def test_too_many_form_fields_is_a_chinese_400():
    """Was a 500: Django's TooManyFieldsSent raised while DRF parsed the body."""
    user = services.create_user(
        actor=None,
        username="xyb_fuzz",
        password="Xinyong@2026",
        role=Role.CREDIT_ADMIN,
        unit=services.resolve_unit("区发改委"),
    )
    client = Client()
    client.force_login(user)
    fields = {f"codes{i}": "0" for i in range(1_200)}
    response = client.post("/api/v1/identifiers/check", fields)
    assert response.status_code == 400
    assert _detail(response) == "请求的字段过多，已拒绝；请改用 JSON 提交或分批提交。"


def test_unknown_api_address_is_json_not_the_html_page():
    for url in ("/api/v1/checks/abc", "/api/v1/no-such-thing", "/api/v1/subjects/-1/"):
        response = Client().get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json")
        assert _detail(response) == "未找到请求的接口或对象，请检查地址。"
    page = Client().get("/no-such-page/")
    assert page.status_code == 404 and "页面不存在" in page.content.decode()
