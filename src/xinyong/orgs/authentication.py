from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import ApiToken
from .permissions import deactivated_unit, deactivated_unit_message


class UnitTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` for units' and banks' systems."""

    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式错误：应为 “Token <令牌>”。")
        try:
            key = header[1].decode("ascii")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("令牌含非法字符。") from exc
        token = (
            ApiToken.objects.select_related("user", "user__unit")
            .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("令牌无效或已停用。")
        # A deactivated unit's system account is switched off with it (orgs.permissions).
        unit = deactivated_unit(token.user)
        if unit is not None:
            raise exceptions.AuthenticationFailed(deactivated_unit_message(unit))
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
