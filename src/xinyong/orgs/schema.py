"""Describes the unit token authentication in the OpenAPI document (drf-spectacular
finds the extension by importing this module in OrgsConfig.ready)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class UnitTokenScheme(OpenApiAuthenticationExtension):
    target_class = "xinyong.orgs.authentication.UnitTokenAuthentication"
    name = "UnitToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "责任单位或银行系统的接口令牌：请求头 `Authorization: Token <令牌>`。"
                "单位令牌由信用办或本单位审核员签发，银行令牌由信用办签发；"
                "令牌账号的权限与本单位填报员或本银行的银行用户相同。"
            ),
        }
