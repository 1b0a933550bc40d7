"""The OpenAPI document describes the orgs endpoints as they behave: request bodies,
status codes, list shapes (bare array vs. paginated) and query parameters. A client
generated from /api/schema/ must be able to issue a token and read its key."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(admin_user) -> dict[str, Any]:
    client = APIClient()
    client.force_authenticate(user=admin_user)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _body(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    return _resolve(schema, operation["requestBody"]["content"]["application/json"]["schema"])


def _response(schema: dict[str, Any], operation: dict[str, Any], code: str) -> dict[str, Any]:
    return _resolve(schema, operation["responses"][code]["content"]["application/json"]["schema"])


def _params(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


def test_token_issue_is_documented_as_it_behaves(schema):
    post = schema["paths"]["/api/v1/tokens/"]["post"]
    body = _body(schema, post)
    assert set(body["properties"]) == {"name", "unit", "bank"}
    assert body["required"] == ["name"]
    assert body["properties"]["bank"]["type"] == "string"
    assert body["properties"]["unit"]["type"] == "integer"
    assert set(post["responses"]) >= {"201"} and "200" not in post["responses"]
    issued = _response(schema, post, "201")
    assert {"key", "notice", "id", "prefix", "bank", "unit", "unit_name", "active"} <= set(
        issued["properties"]
    )
    assert {"key", "notice"} <= set(issued["required"])
    # A bank's token has no unit, a unit's token no bank.
    for field in ("unit", "unit_name", "bank"):
        assert issued["properties"][field]["nullable"] is True, field


def test_token_list_is_paginated_with_its_filters(schema):
    get = schema["paths"]["/api/v1/tokens/"]["get"]
    page = _response(schema, get, "200")
    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    item = _resolve(schema, page["properties"]["results"]["items"])
    assert {"id", "prefix", "bank", "unit_name", "active"} <= set(item["properties"])
    params = _params(get)
    assert params["unit"]["schema"]["type"] == "integer"
    assert params["bank"]["schema"]["type"] == "string"
    assert "page" in params


def test_token_revoke_takes_a_reason(schema):
    post = schema["paths"]["/api/v1/tokens/{token_id}/revoke"]["post"]
    body = _body(schema, post)
    assert set(body["properties"]) == {"reason"}
    assert not body.get("required")
    assert "200" in post["responses"]
    assert "prefix" in _response(schema, post, "200")["properties"]


def test_unit_users_documented_with_password_and_pagination(schema):
    ops = schema["paths"]["/api/v1/units/{unit_id}/users/"]
    body = _body(schema, ops["post"])
    assert {"username", "password"} <= set(body["required"])
    assert body["properties"]["password"].get("writeOnly") is True
    assert "201" in ops["post"]["responses"] and "200" not in ops["post"]["responses"]
    created = _response(schema, ops["post"], "201")
    assert "password" not in created["properties"] and "unit_name" in created["properties"]
    page = _response(schema, ops["get"], "200")
    assert "results" in page["properties"]


def test_units_is_a_bare_array(schema):
    get = schema["paths"]["/api/v1/units/"]["get"]
    listed = _response(schema, get, "200")
    assert listed["type"] == "array"
    assert "aliases" in _resolve(schema, listed["items"])["properties"]
    assert "page" not in _params(get)


def test_me_documents_effective_role_and_auth(schema):
    me = _response(schema, schema["paths"]["/api/v1/me"]["get"], "200")
    assert {"effective_role", "auth", "organisation", "username"} <= set(me["properties"])
    auth = _resolve(schema, me["properties"]["auth"]["allOf"][0])
    assert set(auth["enum"]) == {"token", "session"}


def test_security_scheme_mentions_banks(schema):
    scheme = schema["components"]["securitySchemes"]["UnitToken"]
    assert "银行" in scheme["description"]
