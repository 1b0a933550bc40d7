"""REST endpoints of 信易+ under /api/v1/benefits/…: the published scenarios (anonymous,
throttled), the provider's check (token or session; every call recorded and counted per
scenario) and the use counts. Thin adapters over services."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from xinyong.core.api import validated as _validated
from xinyong.finance import criteria as crit
from xinyong.orgs.models import Role
from xinyong.orgs.permissions import role_of
from xinyong.publicity.api import PublicAnonThrottle

from . import services
from .models import Scenario, ScenarioUse


class MayCheck(BasePermission):
    message = "只有信用办、责任单位工作人员和合作银行可以进行信易+核验。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return services.may_check(request.user)


class MaySeeCounts(BasePermission):
    message = "只有信用办、责任单位工作人员、合作银行和领导可以查看信易+使用次数。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return services.may_check(request.user) or role_of(request.user) == Role.LEADER


class ScenarioSerializer(serializers.ModelSerializer):
    conditions = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = ["code", "name", "field", "provider", "benefit", "conditions", "legal_basis"]

    def get_conditions(self, s: Scenario) -> list[str]:
        return crit.describe(s.criteria)


class CountSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    use_count = serializers.IntegerField()
    eligible_count = serializers.IntegerField()
    year_count = serializers.IntegerField()


class CheckSerializer(serializers.Serializer):
    subject = serializers.CharField(
        label="统一社会信用代码、身份证号码或其他证件号码",
        max_length=40,
        help_text="护照、港澳居民来往内地通行证、台湾居民来往大陆通行证等证件号码可直接填写号码",
    )
    scenario = serializers.CharField(
        label="场景代码",
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="不填则核验全部启用的场景（回答“可享受哪些”）",
    )


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    passed = serializers.BooleanField()
    text = serializers.CharField()


class AnswerSerializer(serializers.Serializer):
    scenario = serializers.CharField()
    name = serializers.CharField()
    provider = serializers.CharField()
    benefit = serializers.CharField()
    eligible = serializers.BooleanField()
    reasons = ReasonSerializer(
        many=True,
        help_text="判定理由（信用等级、名单、处罚等）；仅对本平台工作人员给出（他单位未公示的处罚、"
        "重点关注名单只写明不符合的条件），银行等其他核验方为空列表",
    )
    legal_basis = serializers.CharField()


class CheckResultSerializer(serializers.Serializer):
    subject = serializers.DictField(allow_null=True)
    queried_code = serializers.CharField()
    on = serializers.DateField()
    eligible_for = serializers.ListField(child=serializers.CharField())
    reasons_shown = serializers.BooleanField(
        help_text="是否给出判定理由：银行等其他核验方只获知可否享受"
    )
    results = AnswerSerializer(many=True)


class ScenarioListView(GenericAPIView):
    """Published 信易+ scenarios with their conditions and basis (anonymous)."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicAnonThrottle, UserRateThrottle]
    serializer_class = ScenarioSerializer

    @extend_schema(responses=ScenarioSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = Scenario.objects.filter(published=True, active=True).order_by("sort_order", "code")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ScenarioSerializer(page, many=True).data)


class CheckView(GenericAPIView):
    """Is this subject eligible — for one scenario, or for which of them? Every call is
    recorded as a use of each scenario answered."""

    permission_classes = [MayCheck]
    serializer_class = CheckSerializer

    @extend_schema(request=CheckSerializer, responses=CheckResultSerializer)
    def post(self, request: Request) -> Response:
        data = _validated(CheckSerializer(data=request.data))
        scenario = services.get_scenario(data["scenario"]) if data.get("scenario") else None
        result = services.check(
            actor=request.user,
            subject_code=data["subject"],
            scenario=scenario,
            channel=ScenarioUse.Channel.API,
        )
        return Response(result.as_dict())


class CountsView(GenericAPIView):
    """Use counts per scenario (all time, eligible answers, this year)."""

    permission_classes = [MaySeeCounts]
    serializer_class = CountSerializer
    # One row per scenario, answered whole as a bare array (a handful of scenarios).
    pagination_class = None

    @extend_schema(responses=CountSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = [
            {
                "code": s.code,
                "name": s.name,
                "use_count": getattr(s, "use_count", 0),
                "eligible_count": getattr(s, "eligible_count", 0),
                "year_count": getattr(s, "year_count", 0),
            }
            for s in services.usage_counts()
        ]
        return Response(CountSerializer(rows, many=True).data)


urlpatterns = [
    path("benefits/scenarios/", ScenarioListView.as_view(), name="benefits-scenarios"),
    path("benefits/check/", CheckView.as_view(), name="benefits-check"),
    path("benefits/counts/", CountsView.as_view(), name="benefits-counts"),
]
