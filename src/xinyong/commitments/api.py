"""REST endpoints of commitments under /api/v1/commitments/…: the public window (anonymous,
throttled), the published matter list, and the units' endpoints (create, scoped list,
detail, fulfilment). Thin adapters over `services` and `selectors`."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from xinyong.core.api import validated as _validated
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.inputs import positive_id
from xinyong.orgs.permissions import IsUnitStaff, ReadOnlyForLeader, is_leader
from xinyong.publicity.api import PublicAnonThrottle

from . import selectors, services
from .models import Commitment, CommitmentMatter, Kind

CONFIRM_SALT = "commitments.api-confirm"
_DATE_ERRORS: dict[str, Any] = {"invalid": "日期格式应为 YYYY-MM-DD。"}


class CommitmentMatterSerializer(serializers.ModelSerializer):
    """An entry of the published 承诺事项清单 (named apart from the report matters in the
    OpenAPI document)."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = CommitmentMatter
        fields = [
            "id",
            "unit",
            "unit_name",
            "name",
            "kind",
            "kind_label",
            "template_text",
            "obligations",
            "verification",
            "verification_workdays",
            "breach_consequence",
            "legal_basis",
        ]


class PublicCommitmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    committer_name = serializers.CharField()
    committer_code = serializers.CharField()
    reason = serializers.CharField()
    made_on = serializers.DateField()
    accepting_unit = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()


class StartSerializer(serializers.Serializer):
    matter = serializers.IntegerField(label="承诺事项", min_value=1)
    uscc = serializers.CharField(label="统一社会信用代码", max_length=40)
    name = serializers.CharField(label="承诺主体名称", max_length=200)
    accepted = serializers.BooleanField(label="同意承诺书")


class ConfirmSerializer(serializers.Serializer):
    token = serializers.CharField(label="确认令牌", max_length=400)
    code = serializers.CharField(label="确认码", max_length=20)


class CommitmentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    accepting_unit_name = serializers.CharField(
        source="accepting_unit.name", read_only=True, default=""
    )
    committer_name = serializers.SerializerMethodField()
    committer_code = serializers.SerializerMethodField()
    verify_due_note = serializers.CharField(
        read_only=True,
        help_text="核查期限待定时的说明（如“核查期限待定（2027 年工作日历尚未导入）”），"
        "此时 verify_due 为 null；否则为空",
    )

    class Meta:
        model = Commitment
        fields = [
            "id",
            "code",
            "kind",
            "kind_label",
            "matter",
            "committer_name",
            "committer_code",
            "reason",
            "content",
            "breach_liability",
            "made_on",
            "valid_until",
            "accepting_unit",
            "accepting_unit_name",
            "channel",
            "publicity",
            "status",
            "status_label",
            "verify_due",
            "verify_due_note",
            "verified_on",
            "overdue_flagged_on",
            "unfulfilled_content",
            "liability_action",
            "evidence",
            "breach_record",
        ]

    def get_committer_name(self, c: Commitment) -> str:
        return selectors.present_public(c)["committer_name"]

    def get_committer_code(self, c: Commitment) -> str:
        return selectors.present_public(c)["committer_code"]


class CreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="受理单位", min_value=1, required=False)
    matter = serializers.IntegerField(label="承诺事项", min_value=1, required=False)
    kind = serializers.CharField(label="承诺类型", max_length=20, required=False, allow_blank=True)
    committer_name = serializers.CharField(label="承诺人名称", max_length=200)
    committer_code = serializers.CharField(label="承诺人代码", max_length=40)
    reason = serializers.CharField(
        label="承诺事由", max_length=300, required=False, allow_blank=True
    )
    content = serializers.CharField(
        label="承诺内容", max_length=4000, required=False, allow_blank=True
    )
    breach_liability = serializers.CharField(
        label="违诺责任", max_length=4000, required=False, allow_blank=True
    )
    made_on = serializers.DateField(label="承诺作出日期", error_messages=_DATE_ERRORS)
    valid_until = serializers.DateField(
        label="承诺有效期至", required=False, allow_null=True, error_messages=_DATE_ERRORS
    )
    publicity = serializers.CharField(label="公开属性", max_length=20, required=False)


class FulfilmentSerializer(serializers.Serializer):
    status = serializers.CharField(
        label="履行情况", max_length=10, help_text="全部履行/部分履行/全部未履行"
    )
    evidence = serializers.CharField(label="核查依据/证据说明", max_length=4000)
    unfulfilled_content = serializers.CharField(
        label="未履行内容", max_length=4000, required=False, allow_blank=True
    )
    liability_action = serializers.CharField(
        label="违诺责任追究内容", max_length=4000, required=False, allow_blank=True
    )
    verified_on = serializers.DateField(
        label="核查日期", required=False, error_messages=_DATE_ERRORS
    )


class IsUnitStaffOrLeader(IsUnitStaff):
    message = "只有信用办、责任单位工作人员和领导可以查看信用承诺。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_leader(request.user) or super().has_permission(request, view)


# ------------------------------------------------------------------ public


class MatterListView(GenericAPIView):
    """Published 承诺事项清单 (anonymous, throttled); filter with ?unit= and ?kind=."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicAnonThrottle, UserRateThrottle]
    serializer_class = CommitmentMatterSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, required=False, enum=list(Kind.values)),
            OpenApiParameter("unit", int, required=False, description="单位编号"),
        ],
        responses=CommitmentMatterSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        kind = request.query_params.get("kind") or None
        if kind and kind not in Kind.values:
            raise DomainError(f"承诺类型应为：{'、'.join(Kind.values)}。")
        qs = selectors.public_matters(kind=kind)
        unit = request.query_params.get("unit")
        if unit:
            # `positive_id`: "²" passed str.isdigit() and int() raised, and an id past 2^63
            # overflowed SQLite (both a 500); "١٢" is not unit 12.
            unit_id = positive_id(unit)
            if unit_id is None:
                raise DomainError("单位应为单位编号（整数）。")
            qs = qs.filter(unit_id=unit_id)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(CommitmentMatterSerializer(page, many=True).data)


class PublicStartView(GenericAPIView):
    """Step 1 of the public window: returns a token and what to show the applicant."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicAnonThrottle, UserRateThrottle]
    serializer_class = StartSerializer

    @extend_schema(
        request=StartSerializer,
        responses=inline_serializer(
            "CommitmentPublicStart",
            {
                "token": serializers.CharField(help_text="确认令牌，第二步原样提交"),
                "shown": serializers.CharField(
                    help_text="身份确认方式向申请人展示的内容（演示环境为一次性确认码）"
                ),
                "expires_in": serializers.IntegerField(help_text="令牌有效秒数"),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        data = _validated(StartSerializer(data=request.data))
        matter = selectors.public_matters(kind=Kind.VOLUNTARY).filter(pk=data["matter"]).first()
        if matter is None:
            raise NotFoundError("没有该主动公示承诺事项。")
        c, shown = services.start_public_commitment(
            matter=matter, uscc=data["uscc"], name=data["name"], accepted=data["accepted"]
        )
        token = signing.dumps({"c": c.pk}, salt=CONFIRM_SALT)
        return Response({"token": token, "shown": shown, "expires_in": services.CONFIRM_SECONDS})


class PublicConfirmView(GenericAPIView):
    """Step 2: the applicant sends back the confirmation; the commitment is published."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicAnonThrottle, UserRateThrottle]
    serializer_class = ConfirmSerializer

    @extend_schema(responses=PublicCommitmentSerializer)
    def post(self, request: Request) -> Response:
        data = _validated(ConfirmSerializer(data=request.data))
        try:
            pk = int(
                signing.loads(data["token"], salt=CONFIRM_SALT, max_age=services.CONFIRM_SECONDS)[
                    "c"
                ]
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise DomainError("确认令牌无效或已过期，请重新提交承诺。") from None
        c = Commitment.objects.filter(pk=pk).first()
        if c is None:
            raise NotFoundError("承诺不存在。")
        c = services.confirm_public_commitment(commitment=c, response=data["code"])
        return Response(PublicCommitmentSerializer(selectors.present_public(c)).data)


# ------------------------------------------------------------------ units


class CommitmentCollectionView(GenericAPIView):
    """GET: commitments of the units the caller may read; POST: record one commitment
    made in the caller's unit (the credit office names the unit)."""

    permission_classes = [IsUnitStaffOrLeader, ReadOnlyForLeader]
    serializer_class = CommitmentSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, required=False, enum=list(Commitment.Status.values)),
            OpenApiParameter(
                "due",
                str,
                required=False,
                enum=["1", "0"],
                description="1：仅列到期待核查（待核查且核查期限不晚于今天）的承诺",
            ),
        ],
        responses=CommitmentSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = selectors.commitments_visible_to(request.user)
        status = request.query_params.get("status")
        if status:
            if status not in Commitment.Status.values:
                raise DomainError("状态参数无效。")
            qs = qs.filter(status=status)
        due = request.query_params.get("due", "")
        if due not in ("", "0", "1"):
            raise DomainError("due 参数应为 1 或 0。")
        if due == "1":
            qs = qs.filter(selectors.due_for_check_q(timezone.localdate()))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(CommitmentSerializer(page, many=True).data)

    @extend_schema(request=CreateSerializer, responses={201: CommitmentSerializer})
    def post(self, request: Request) -> Response:
        data = _validated(CreateSerializer(data=request.data))
        unit: Any = data.get("unit") or request.user.unit_id  # type: ignore[union-attr]
        if not unit:
            raise DomainError("请指定受理单位（unit）。")
        matter = None
        if data.get("matter"):
            matter = CommitmentMatter.objects.filter(pk=data["matter"]).first()
            if matter is None:
                raise NotFoundError("承诺事项不存在。")
        c = services.record_commitment(
            actor=request.user,
            unit=unit,
            channel=Commitment.Channel.API,
            item=services.CommitmentInput(
                kind=data.get("kind") or (matter.kind if matter else ""),
                committer_name=data["committer_name"],
                committer_code=data["committer_code"],
                reason=data.get("reason", ""),
                made_on=data["made_on"],
                content=data.get("content", ""),
                breach_liability=data.get("breach_liability", ""),
                matter=matter,
                valid_until=data.get("valid_until"),
                publicity=data.get("publicity", ""),
            ),
        )
        return Response(CommitmentSerializer(c).data, status=201)


class CommitmentDetailView(GenericAPIView):
    permission_classes = [IsUnitStaffOrLeader]
    serializer_class = CommitmentSerializer

    def get(self, request: Request, pk: int) -> Response:
        c = selectors.get_commitment_for(request.user, pk)
        return Response(CommitmentSerializer(c).data)


class FulfilmentView(GenericAPIView):
    """Record 全部履行 / 部分履行 / 全部未履行 for a commitment of the caller's unit."""

    permission_classes = [IsUnitStaff]
    serializer_class = FulfilmentSerializer

    @extend_schema(request=FulfilmentSerializer, responses=CommitmentSerializer)
    def post(self, request: Request, pk: int) -> Response:
        c = selectors.get_commitment_for(request.user, pk)
        data = _validated(FulfilmentSerializer(data=request.data))
        c = services.record_fulfilment(actor=request.user, commitment=c, **data)
        return Response(CommitmentSerializer(c).data)


urlpatterns = [
    path("commitments/matters/", MatterListView.as_view(), name="commitment-matters"),
    path("commitments/public/", PublicStartView.as_view(), name="commitment-public-start"),
    path(
        "commitments/public/confirm/",
        PublicConfirmView.as_view(),
        name="commitment-public-confirm",
    ),
    path("commitments/", CommitmentCollectionView.as_view(), name="commitments"),
    path("commitments/<int:pk>/", CommitmentDetailView.as_view(), name="commitment-detail"),
    path(
        "commitments/<int:pk>/fulfilment/",
        FulfilmentView.as_view(),
        name="commitment-fulfilment",
    ),
]
