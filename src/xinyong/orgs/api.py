"""REST endpoints for units, a unit's accounts and API tokens of units' and banks'
systems (/api/v1/…).

Thin adapters: every refusal comes from `orgs.permissions` / the services, and a unit's
users or tokens outside the caller's scope answer 403 (users) or 404 (a token id), with
no data in the body.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from xinyong.core.api import validated
from xinyong.core.errors import DomainError

from . import permissions, selectors, services
from .models import ApiToken, Role, Unit, User
from .permissions import IsReviewerOrCreditAdmin, role_of


class UnitSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    aliases = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "kind_label",
            "sort_order",
            "is_credit_office",
            "aliases",
        ]

    def get_aliases(self, unit: Unit) -> list[str]:
        return sorted(a.alias for a in unit.aliases.all() if a.alias != unit.name)


class UserSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "role",
            "role_label",
            "unit",
            "unit_name",
            "organisation",
            "is_active",
            "is_system_account",
            "last_login",
        ]


class MeSerializer(UserSerializer):
    effective_role = serializers.ChoiceField(
        choices=Role.choices,
        read_only=True,
        allow_null=True,
        help_text="实际生效的角色（超级管理员按信用办管理员）",
    )
    auth = serializers.ChoiceField(
        choices=[("token", "接口令牌"), ("session", "登录会话")],
        read_only=True,
        help_text="本次请求的认证方式",
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "effective_role", "auth"]


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", max_length=150)
    password = serializers.CharField(label="密码", write_only=True, max_length=128)
    role = serializers.ChoiceField(label="角色", choices=Role.choices, default=Role.REPORTER)
    full_name = serializers.CharField(label="姓名", max_length=50, required=False, default="")
    phone = serializers.CharField(label="手机号", max_length=20, required=False, default="")


class TokenSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    unit = serializers.IntegerField(source="user.unit_id", read_only=True, allow_null=True)
    unit_name = serializers.CharField(
        source="user.unit.name", read_only=True, default=None, allow_null=True
    )
    bank = serializers.SerializerMethodField(help_text="银行系统账号所属银行；单位令牌为空")
    active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "username",
            "unit",
            "unit_name",
            "bank",
            "created_at",
            "last_used_at",
            "revoked_at",
            "active",
        ]

    def get_bank(self, token: ApiToken) -> str | None:
        user = token.user
        if user.role == Role.BANK and user.unit_id is None and user.organisation:
            return str(user.organisation)
        return None

    def get_active(self, token: ApiToken) -> bool:
        return token.revoked_at is None


TOKEN_NOTICE = (
    "令牌只显示这一次，请立即妥善保存。调用接口时使用请求头 Authorization: Token <令牌>。"
)


class TokenIssuedSerializer(TokenSerializer):
    """The answer to issuing: the token row plus the key, shown this once."""

    key = serializers.CharField(read_only=True, help_text="令牌明文，只在签发时返回一次")
    notice = serializers.CharField(read_only=True)

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key", "notice"]


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(label="用途", max_length=100)
    unit = serializers.IntegerField(
        label="责任单位",
        required=False,
        allow_null=True,
        help_text="责任单位编号；部门审核员可省略（本单位）",
    )
    bank = serializers.CharField(
        label="银行",
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="已登记银行的名称（银行用户的所属机构），仅信用办管理员",
    )


class TokenRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(
        label="停用原因", max_length=200, required=False, allow_blank=True, default=""
    )


class MeView(GenericAPIView):
    """Who am I: the authenticated account, its role and unit."""

    serializer_class = MeSerializer

    def get(self, request: Request) -> Response:
        user = request.user
        data = UserSerializer(user).data
        data["effective_role"] = role_of(user)
        data["auth"] = "token" if isinstance(request.auth, ApiToken) else "session"
        return Response(data)


class UnitListView(GenericAPIView):
    """Every active unit in 通报 order (organisational information open to all accounts)."""

    serializer_class = UnitSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.active_units()

    @extend_schema(responses={200: UnitSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(UnitSerializer(self.get_queryset(), many=True).data)


class UnitUsersView(GenericAPIView):
    """A unit's accounts: credit admins for any unit, a reviewer for its own unit."""

    serializer_class = UserSerializer
    permission_classes = [IsReviewerOrCreditAdmin]

    @extend_schema(responses={200: UserSerializer(many=True)})
    def get(self, request: Request, unit_id: int) -> Response:
        unit = selectors.get_unit(unit_id)
        users = selectors.unit_users_for(request.user, unit)
        page = self.paginate_queryset(users)
        if page is not None:
            return self.get_paginated_response(UserSerializer(page, many=True).data)
        return Response(UserSerializer(users, many=True).data)

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def post(self, request: Request, unit_id: int) -> Response:
        unit = selectors.get_unit(unit_id)
        # Scope first, so that another unit's caller learns nothing from validation.
        selectors.unit_users_for(request.user, unit)
        data = validated(UserCreateSerializer(data=request.data))
        user = services.create_user(actor=request.user, unit=unit, **data)
        return Response(UserSerializer(user).data, status=201)


class TokenListView(GenericAPIView):
    """The tokens the caller manages; POST issues one for a unit's or a bank's system
    account (banks: credit admins only)."""

    serializer_class = TokenSerializer
    permission_classes = [IsReviewerOrCreditAdmin]

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, required=False, description="只看该责任单位的令牌"),
            OpenApiParameter(
                "bank", str, required=False, description="只看该银行的令牌（仅信用办管理员）"
            ),
        ],
        responses={200: TokenSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        unit = (
            selectors.get_unit(request.query_params["unit"])
            if "unit" in request.query_params
            else None
        )
        bank = None
        if "bank" in request.query_params:
            # Scope before resolving, so that a unit's reviewer learns nothing of banks.
            permissions.require(request.user, "credit_admin")
            bank = services.resolve_bank_name(request.query_params["bank"])
        tokens = selectors.tokens_for(request.user, unit=unit, bank=bank)
        page = self.paginate_queryset(tokens)
        if page is not None:
            return self.get_paginated_response(TokenSerializer(page, many=True).data)
        return Response(TokenSerializer(tokens, many=True).data)

    @extend_schema(request=TokenCreateSerializer, responses={201: TokenIssuedSerializer})
    def post(self, request: Request) -> Response:
        data = validated(TokenCreateSerializer(data=request.data))
        user: Any = request.user
        unit_id, bank = data.get("unit"), (data.get("bank") or "").strip()
        if unit_id is not None and bank:
            raise DomainError("请只指定责任单位（unit）或银行（bank）中的一个。")
        if bank:
            token, key = services.issue_bank_token(actor=user, bank=bank, name=data["name"])
        else:
            if unit_id is not None:
                unit = selectors.get_unit(unit_id)
            elif user.unit_id is not None and role_of(user) == Role.REVIEWER:
                unit = user.unit
            else:
                raise DomainError("请指定责任单位（unit）或银行（bank）。")
            token, key = services.issue_unit_token(actor=user, unit=unit, name=data["name"])
        body = dict(TokenSerializer(token).data)
        body["key"] = key
        body["notice"] = TOKEN_NOTICE
        return Response(body, status=201)


class TokenRevokeView(GenericAPIView):
    serializer_class = TokenSerializer
    permission_classes = [IsReviewerOrCreditAdmin]

    @extend_schema(request=TokenRevokeSerializer, responses={200: TokenSerializer})
    def post(self, request: Request, token_id: int) -> Response:
        token = selectors.token_for(request.user, token_id)
        data = validated(TokenRevokeSerializer(data=request.data))
        token = services.revoke_token(actor=request.user, token=token, reason=data["reason"])
        return Response(TokenSerializer(token).data)


urlpatterns = [
    path("me", MeView.as_view(), name="me"),
    path("units/", UnitListView.as_view(), name="units"),
    path("units/<int:unit_id>/users/", UnitUsersView.as_view(), name="unit-users"),
    path("tokens/", TokenListView.as_view(), name="tokens"),
    path("tokens/<int:token_id>/revoke", TokenRevokeView.as_view(), name="token-revoke"),
]
