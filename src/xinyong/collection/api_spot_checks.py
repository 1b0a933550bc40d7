"""REST endpoints of the spot checks of published information and of the 整改 of
瞒报/漏报 suspicions (/api/v1/collection/spot-checks…, …/warnings/{id}/…).

Reads are narrowed as on the pages: the credit office and leaders see every check, a
unit's staff only its own unit's items (another unit's check or item answers 404),
everyone else is refused. Writes go through `spot_checks` and `quality`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from xinyong.core.api import validated as _validated
from xinyong.core.errors import NotFoundError
from xinyong.core.masking import mask_name
from xinyong.orgs import permissions
from xinyong.orgs.permissions import IsCreditAdmin

from . import quality, selectors, spot_checks
from .models import PROBLEM_KINDS, QualityWarning, SpotCheck, SpotCheckItem


class CanReadSpotChecks(BasePermission):
    message = "公示信息抽查仅供信用办、领导和被抽查单位查看。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return spot_checks.can_read(request.user)


# ------------------------------------------------------------------ serializers


class SpotStatsSerializer(serializers.Serializer):
    sampled = serializers.IntegerField(label="抽查数")
    passed = serializers.IntegerField(label="合格数")
    failed = serializers.IntegerField(label="不合格数")
    pending = serializers.IntegerField(label="待核查数")
    pass_rate = serializers.CharField(label="抽查合格率（%）", allow_null=True)
    replied = serializers.IntegerField(label="已回复待确认")
    confirmed = serializers.IntegerField(label="整改完成")


class SpotCheckItemSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    record_type_code = serializers.CharField(source="record.record_type.code", read_only=True)
    document_number = serializers.CharField(source="record.document_number", read_only=True)
    decision_date = serializers.DateField(source="record.decision_date", read_only=True)
    reported_on = serializers.DateField(source="record.reported_on", read_only=True)
    party_name = serializers.SerializerMethodField()
    verdict_label = serializers.CharField(source="get_verdict_display", read_only=True)
    problem_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    rectification_label = serializers.CharField(source="get_rectification_display", read_only=True)

    class Meta:
        model = SpotCheckItem
        fields = [
            "id",
            "spot_check",
            "period",
            "unit",
            "unit_name",
            "record",
            "record_type_code",
            "document_number",
            "decision_date",
            "reported_on",
            "party_name",
            "verdict",
            "verdict_label",
            "problems",
            "problem_labels",
            "note",
            "checked_at",
            "rectification",
            "rectification_label",
            "reply",
            "replied_at",
            "review_reason",
            "reviewed_at",
        ]

    # Natural persons are masked, as in every list of records.
    def get_party_name(self, item: SpotCheckItem) -> str:
        record = item.record
        return mask_name(record.party_name) if record.subject.is_person else record.party_name


class SpotCheckSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="__str__", read_only=True)
    stats = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "period",
            "title",
            "per_unit",
            "seed",
            "record_types",
            "pool_size",
            "note",
            "drawn_at",
            "stats",
        ]

    @extend_schema_field(SpotStatsSerializer)
    def get_stats(self, check: SpotCheck) -> dict[str, Any]:
        items = spot_checks.items_for(self.context["request"].user).filter(spot_check=check)
        return spot_checks.totals(spot_checks.stats_by_unit(items).values()).as_json()


class SpotCheckDetailSerializer(SpotCheckSerializer):
    verified = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    class Meta(SpotCheckSerializer.Meta):
        fields = [*SpotCheckSerializer.Meta.fields, "verified", "items"]

    def get_verified(self, check: SpotCheck) -> bool:
        return spot_checks.verify_sample(check)

    @extend_schema_field(SpotCheckItemSerializer(many=True))
    def get_items(self, check: SpotCheck) -> list[dict[str, Any]]:
        items = (
            spot_checks.items_for(self.context["request"].user)
            .filter(spot_check=check)
            .order_by("unit__sort_order", "unit__name", "id")
        )
        return list(SpotCheckItemSerializer(items, many=True).data)


class DrawSerializer(serializers.Serializer):
    period = serializers.CharField(label="抽查月份", max_length=10)
    per_unit = serializers.IntegerField(
        label="每单位抽查条数",
        required=False,
        default=spot_checks.DEFAULT_PER_UNIT,
        min_value=1,
        max_value=spot_checks.MAX_PER_UNIT,
        error_messages={
            "invalid": "应为整数。",
            "min_value": "至少为 1。",
            "max_value": f"至多为 {spot_checks.MAX_PER_UNIT}。",
        },
    )
    note = serializers.CharField(label="说明", required=False, allow_blank=True, max_length=300)


class VerdictSerializer(serializers.Serializer):
    verdict = serializers.CharField(
        label="核查结论", max_length=10, help_text="passed/合格 或 failed/不合格"
    )
    problems = serializers.ListField(
        label="问题类型",
        child=serializers.CharField(max_length=30),
        required=False,
        default=list,
        max_length=len(PROBLEM_KINDS),
        help_text="代码或中文名称：" + "、".join(f"{c}（{label}）" for c, label in PROBLEM_KINDS),
    )
    note = serializers.CharField(
        label="核查意见", required=False, allow_blank=True, max_length=spot_checks.MAX_TEXT
    )


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(label="内容", max_length=spot_checks.MAX_TEXT)


class ReviewSerializer(serializers.Serializer):
    accepted = serializers.BooleanField(label="整改完成", help_text="true 整改完成；false 退回")
    reason = serializers.CharField(
        label="退回理由", required=False, allow_blank=True, max_length=spot_checks.MAX_TEXT
    )


class WarningSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    rectification_label = serializers.CharField(read_only=True)

    class Meta:
        model = QualityWarning
        fields = [
            "id",
            "unit",
            "unit_name",
            "kind",
            "kind_label",
            "period",
            "message",
            "acknowledged_at",
            "rectification",
            "rectification_label",
            "explanation",
            "explained_at",
            "review_reason",
            "reviewed_at",
        ]


# ------------------------------------------------------------------ views


def _item(request: Request, item_id: Any) -> SpotCheckItem:
    return spot_checks.get_item(request.user, item_id)


class SpotCheckListView(GenericAPIView):
    serializer_class = SpotCheckSerializer
    permission_classes = [CanReadSpotChecks]

    @extend_schema(
        summary="公示信息抽查列表（单位仅见抽到本单位的抽查及本单位数据）",
        operation_id="collection_spot_checks_list",
        responses=SpotCheckSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(spot_checks.checks_for(request.user))
        data = SpotCheckSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="抽取公示信息抽查样本（信用办）",
        operation_id="collection_spot_checks_create",
        request=DrawSerializer,
        responses={201: SpotCheckDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        permissions.require(request.user, "credit_admin")
        data = _validated(DrawSerializer(data=request.data))
        check = spot_checks.draw(
            actor=request.user,
            period=selectors.parse_period(data["period"]),
            per_unit=data["per_unit"],
            note=data.get("note", ""),
        )
        return Response(
            SpotCheckDetailSerializer(check, context={"request": request}).data, status=201
        )


class SpotCheckDetailView(GenericAPIView):
    serializer_class = SpotCheckDetailSerializer
    permission_classes = [CanReadSpotChecks]

    @extend_schema(
        summary="公示信息抽查详情（含抽查条目与按种子复核结果）",
        operation_id="collection_spot_checks_retrieve",
    )
    def get(self, request: Request, check_id: int) -> Response:
        check = spot_checks.get_check(request.user, check_id)
        return Response(SpotCheckDetailSerializer(check, context={"request": request}).data)


class VerdictView(GenericAPIView):
    serializer_class = VerdictSerializer
    permission_classes = [IsCreditAdmin]

    @extend_schema(
        summary="作出核查结论（信用办）",
        request=VerdictSerializer,
        responses={200: SpotCheckItemSerializer},
    )
    def post(self, request: Request, item_id: int) -> Response:
        item = _item(request, item_id)
        data = _validated(VerdictSerializer(data=request.data))
        item = spot_checks.record_verdict(
            actor=request.user,
            item=item,
            verdict=data["verdict"],
            problems=list(data.get("problems") or []),
            note=data.get("note", ""),
        )
        return Response(SpotCheckItemSerializer(item).data)


class ReplyView(GenericAPIView):
    serializer_class = TextSerializer
    permission_classes = [CanReadSpotChecks]

    @extend_schema(
        summary="回复整改情况（被抽查单位的填报员、审核员）",
        request=inline_serializer("SpotCheckReply", {"text": serializers.CharField()}),
        responses={200: SpotCheckItemSerializer},
    )
    def post(self, request: Request, item_id: int) -> Response:
        item = _item(request, item_id)
        spot_checks.require_replier(request.user, item)
        data = _validated(TextSerializer(data=request.data))
        item = spot_checks.reply(actor=request.user, item=item, text=data["text"])
        return Response(SpotCheckItemSerializer(item).data)


class ConfirmView(GenericAPIView):
    serializer_class = ReviewSerializer
    permission_classes = [IsCreditAdmin]

    @extend_schema(
        summary="确认整改完成或退回（信用办）",
        request=ReviewSerializer,
        responses={200: SpotCheckItemSerializer},
    )
    def post(self, request: Request, item_id: int) -> Response:
        item = _item(request, item_id)
        data = _validated(ReviewSerializer(data=request.data))
        item = spot_checks.confirm(
            actor=request.user, item=item, accepted=data["accepted"], reason=data.get("reason", "")
        )
        return Response(SpotCheckItemSerializer(item).data)


def _warning(request: Request, warning_id: Any) -> QualityWarning:
    warning = selectors.warnings_for(request.user).filter(pk=int(warning_id)).first()
    if warning is None:
        raise NotFoundError("未找到该预警。")
    return warning


class WarningExplanationView(GenericAPIView):
    serializer_class = TextSerializer

    @extend_schema(
        summary="对疑似瞒报漏报预警作出情况说明（被预警单位）",
        request=inline_serializer("WarningExplanation", {"text": serializers.CharField()}),
        responses={200: WarningSerializer},
    )
    def post(self, request: Request, warning_id: int) -> Response:
        warning = _warning(request, warning_id)
        quality.require_explainer(request.user, warning)
        data = _validated(TextSerializer(data=request.data))
        warning = quality.explain_warning(actor=request.user, warning=warning, text=data["text"])
        return Response(WarningSerializer(warning).data)


class WarningReviewView(GenericAPIView):
    serializer_class = ReviewSerializer
    permission_classes = [IsCreditAdmin]

    @extend_schema(
        summary="确认疑似瞒报漏报整改完成或退回（信用办）",
        request=ReviewSerializer,
        responses={200: WarningSerializer},
    )
    def post(self, request: Request, warning_id: int) -> Response:
        warning = _warning(request, warning_id)
        data = _validated(ReviewSerializer(data=request.data))
        warning = quality.review_warning(
            actor=request.user,
            warning=warning,
            accepted=data["accepted"],
            reason=data.get("reason", ""),
        )
        return Response(WarningSerializer(warning).data)
