from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from xinyong.orgs import services
from xinyong.orgs.models import ApiToken, User

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def test_me_with_session_and_token(reviewer_a, admin_user, scj):
    client = APIClient()
    client.force_login(reviewer_a)
    body = client.get("/api/v1/me").json()
    assert body["username"] == "reviewer_a"
    assert body["role"] == "reviewer" and body["role_label"] == "部门审核员"
    assert body["unit_name"] == "区市场监管局" and body["auth"] == "session"
    token, key = services.issue_unit_token(actor=admin_user, unit=scj, name="接口")
    body = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {key}").json()
    assert body["username"] == token.user.username
    assert body["is_system_account"] is True and body["auth"] == "token"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_anonymous_gets_chinese_401():
    response = APIClient().get("/api/v1/me")
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "未登录或令牌无效，请提供有效的身份凭证。"


def test_revoked_token_is_refused(admin_user, scj):
    token, key = services.issue_unit_token(actor=admin_user, unit=scj, name="接口")
    services.revoke_token(actor=admin_user, token=token)
    response = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"] and "停用" in response.json()["detail"]
    bad = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION="Token a b")
    assert bad.status_code == 401


def test_every_account_lists_units(bank):
    body = client_for(bank).get("/api/v1/units/").json()
    assert len(body) == 61
    assert body[0]["name"] == "区纪委监委"
    scj = next(u for u in body if u["name"] == "区市场监管局")
    assert {"区市场局", "区市场监督管理局"} <= set(scj["aliases"])
    assert scj["kind_label"] == "政府部门"


def test_unit_users_scope(reviewer_a, reporter_a, reviewer_b, reporter_b, admin_user, scj, rsj):
    own = client_for(reviewer_a).get(f"/api/v1/units/{scj.pk}/users/")
    assert own.status_code == 200
    assert {u["username"] for u in own.json()["results"]} == {"reviewer_a", "reporter_a"}
    other = client_for(reviewer_a).get(f"/api/v1/units/{rsj.pk}/users/")
    assert other.status_code == 403
    assert "reporter_b" not in other.content.decode()
    assert other.json()["detail"] == "无权管理“区人社局”的用户账号。"
    assert client_for(reporter_a).get(f"/api/v1/units/{scj.pk}/users/").status_code == 403
    everyone = client_for(admin_user).get(f"/api/v1/units/{rsj.pk}/users/").json()
    assert {u["username"] for u in everyone["results"]} == {"reviewer_b", "reporter_b"}
    missing = client_for(admin_user).get("/api/v1/units/999999/users/")
    assert missing.status_code == 404 and missing.json()["detail"] == "未找到该责任单位。"


def test_create_users_through_the_api(reviewer_a, scj, rsj, admin_user):
    payload = {"username": "api_rep", "password": "Xinyong@2026", "full_name": "赵六"}
    created = client_for(reviewer_a).post(f"/api/v1/units/{scj.pk}/users/", payload, format="json")
    assert created.status_code == 201
    assert created.json()["unit_name"] == "区市场监管局" and created.json()["role"] == "reporter"
    assert "password" not in created.json()
    payload["username"] = "api_rep2"
    refused = client_for(reviewer_a).post(f"/api/v1/units/{rsj.pk}/users/", payload, format="json")
    assert refused.status_code == 403
    assert not User.objects.filter(username="api_rep2").exists()
    invalid = client_for(admin_user).post(
        f"/api/v1/units/{rsj.pk}/users/", {"username": "x1", "role": "god"}, format="json"
    )
    assert invalid.status_code == 400
    detail = invalid.json()["detail"]
    assert detail.startswith("请求数据有误：") and "密码" in detail and "角色" in detail
    weak = client_for(admin_user).post(
        f"/api/v1/units/{rsj.pk}/users/", {"username": "x2", "password": "1234"}, format="json"
    )
    assert weak.status_code == 400 and "密码不符合要求" in weak.json()["detail"]


def test_tokens_api_scope(reviewer_a, reviewer_b, reporter_a, admin_user, scj, rsj):
    a = client_for(reviewer_a)
    issued = a.post("/api/v1/tokens/", {"name": "市场监管报送"}, format="json")
    assert issued.status_code == 201
    key = issued.json()["key"]
    assert issued.json()["unit_name"] == "区市场监管局" and issued.json()["prefix"] == key[:8]
    b_issued = client_for(reviewer_b).post("/api/v1/tokens/", {"name": "人社报送"}, format="json")
    b_token = ApiToken.objects.get(pk=b_issued.json()["id"])

    listed = a.get("/api/v1/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["市场监管报送"]
    assert all("key" not in t for t in listed)
    assert a.get(f"/api/v1/tokens/?unit={rsj.pk}").status_code == 403

    # Another unit's token: 404, and it stays active.
    response = a.post(f"/api/v1/tokens/{b_token.pk}/revoke")
    assert response.status_code == 404 and "人社" not in response.content.decode()
    b_token.refresh_from_db()
    assert b_token.revoked_at is None
    refused = a.post("/api/v1/tokens/", {"name": "越权", "unit": rsj.pk}, format="json")
    assert refused.status_code == 403
    assert ApiToken.objects.filter(user__unit=rsj).count() == 1

    assert client_for(reporter_a).get("/api/v1/tokens/").status_code == 403
    all_tokens = client_for(admin_user).get("/api/v1/tokens/").json()["results"]
    assert {t["name"] for t in all_tokens} == {"市场监管报送", "人社报送"}
    assert (
        client_for(admin_user)
        .post("/api/v1/tokens/", {"name": "x"}, format="json")
        .json()["detail"]
        == "请指定责任单位（unit）或银行（bank）。"
    )

    own_id = issued.json()["id"]
    revoked = a.post(f"/api/v1/tokens/{own_id}/revoke", {"reason": "更换"}, format="json")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    again = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {key}")
    assert again.status_code == 401


def test_token_account_cannot_manage_other_units(admin_user, scj, rsj, reporter_b):
    _token, key = services.issue_unit_token(actor=admin_user, unit=scj, name="接口")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(f"/api/v1/units/{rsj.pk}/users/")
    assert response.status_code == 403
    assert "reporter_b" not in response.content.decode()
    assert client.post("/api/v1/tokens/", {"name": "x"}, format="json").status_code == 403


def test_malformed_bodies_get_chinese_400(admin_user, scj):
    client = client_for(admin_user)
    listed = client.post(f"/api/v1/units/{scj.pk}/users/", [1, 2], format="json")
    assert listed.status_code == 400
    assert listed.json()["detail"].startswith("请求数据有误：请求内容：")
    broken = client.post("/api/v1/tokens/", "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["detail"] == "请求内容无法解析，请检查 JSON 格式。"
    assert client.get("/api/v1/tokens/?unit=abc").status_code == 404


def test_schema_includes_the_orgs_endpoints(admin_user):
    response = client_for(admin_user).get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for route in ("/api/v1/me", "/api/v1/units/", "/api/v1/tokens/{token_id}/revoke"):
        assert route in text
