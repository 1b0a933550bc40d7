"""REST endpoints of collection (/api/v1/collection/…, /api/v1/records/…).

Units' systems call them with `Authorization: Token <key>` (orgs' UnitTokenAuthentication)
or a browser session. Thin adapters over the pipeline, `quality` and `selectors`; every
read is narrowed to the caller's units and another unit's batch or record answers 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from xinyong.catalog.models import RecordType
from xinyong.core.api import validated as _validated
from xinyong.core.audit import record_read
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.masking import mask_id_number, mask_name
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.orgs.permissions import IsUnitStaff, ReadOnlyForLeader
from xinyong.records.models import CreditRecord, RecordVersion, RecordWithdrawal

from . import api_spot_checks, quality, selectors
from .models import Batch, MonthlyDeclaration

MAX_API_ROWS = 10_000


def _unit_arg(value: Any) -> Unit:
    """A unit from an id or any of its names."""
    from xinyong.orgs.services import resolve_unit

    return resolve_unit(value)


def _record_type_arg(value: Any) -> RecordType:
    text = str(value or "").strip()
    rt = (
        RecordType.objects.filter(code=text.upper()).first()
        or RecordType.objects.filter(name=text).first()
    )
    if rt is None or not rt.active:
        raise NotFoundError(f"未知或未启用的信息类别：{text}")
    return rt


# ------------------------------------------------------------------ serializers


class BatchSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    record_type_code = serializers.CharField(source="record_type.code", read_only=True)
    record_type_name = serializers.CharField(source="record_type.name", read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    row_errors = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "unit",
            "unit_name",
            "record_type_code",
            "record_type_name",
            "channel",
            "channel_label",
            "filename",
            "reported_on",
            "status",
            "status_label",
            "message",
            "rows",
            "accepted",
            "updated",
            "duplicates",
            "rejected",
            "late",
            "warnings",
            "created_at",
            "row_errors",
        ]

    def get_row_errors(self, batch: Batch) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for rejected in batch.rejected_rows.order_by("row_number")[:1000]:
            items = rejected.errors if isinstance(rejected.errors, list) else [rejected.errors]
            for item in items:
                if isinstance(item, dict):
                    out.append(
                        {
                            "row": rejected.row_number,
                            **{k: v for k, v in item.items() if k != "row"},
                        }
                    )
                else:
                    out.append({"row": rejected.row_number, "message": str(item)})
        return out


class BatchCreateSerializer(serializers.Serializer):
    record_type = serializers.CharField(label="信息类别", max_length=100)
    unit = serializers.CharField(label="报送单位", required=False, max_length=100)
    reported_on = serializers.DateField(
        label="报送日期", required=False, error_messages={"invalid": "日期格式应为 YYYY-MM-DD。"}
    )
    rows = serializers.ListField(
        label="数据行",
        child=serializers.DictField(),
        allow_empty=False,
        max_length=MAX_API_ROWS,
        error_messages={
            "empty": "rows 不能为空。",
            "max_length": f"一次最多报送 {MAX_API_ROWS} 行，请分批报送。",
        },
    )


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecordVersion
        fields = ["version", "payload", "superseded_at", "superseded_by_batch"]


class RecordSerializer(serializers.ModelSerializer):
    record_type_code = serializers.CharField(source="record_type.code", read_only=True)
    record_type_name = serializers.CharField(source="record_type.name", read_only=True)
    source_unit_name = serializers.CharField(source="source_unit.name", read_only=True)
    party_name = serializers.SerializerMethodField()
    party_identifier = serializers.SerializerMethodField()

    class Meta:
        model = CreditRecord
        fields = [
            "id",
            "record_type_code",
            "record_type_name",
            "party_name",
            "party_identifier",
            "document_number",
            "decision_date",
            "deciding_unit_name",
            "source_unit",
            "source_unit_name",
            "reported_on",
            "deadline",
            "is_late",
            "nature",
            "status",
            "version",
            "batch",
        ]

    # Lists mask natural persons; the detail shows them in full and logs the read.
    def get_party_name(self, record: CreditRecord) -> str:
        return mask_name(record.party_name) if record.subject.is_person else record.party_name

    def get_party_identifier(self, record: CreditRecord) -> str:
        if record.subject.is_person:
            return mask_id_number(record.party_identifier)
        return record.party_identifier


class WithdrawalSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecordWithdrawal
        fields = [
            "withdrawn_on",
            "revoked_on",
            "deadline",
            "is_late",
            "basis_document",
            "reason",
            "kind",
            "replacement_document",
            "replaced_by",
        ]


class ReplacedRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="因录入错误作废的记录")
    document_number = serializers.CharField(help_text="作废记录的文书号")


class RecordDetailSerializer(RecordSerializer):
    versions = VersionSerializer(many=True, read_only=True)
    withdrawal = serializers.SerializerMethodField()
    replaces = serializers.SerializerMethodField(
        help_text="以本记录为正确记录的录入错误作废记录（与其 withdrawal.replaced_by 互指）"
    )

    class Meta(RecordSerializer.Meta):
        fields = [*RecordSerializer.Meta.fields, "payload", "versions", "withdrawal", "replaces"]

    @extend_schema_field(WithdrawalSerializer(allow_null=True))
    def get_withdrawal(self, record: CreditRecord) -> dict[str, Any] | None:
        withdrawal = RecordWithdrawal.objects.filter(record=record).first()
        return None if withdrawal is None else dict(WithdrawalSerializer(withdrawal).data)

    @extend_schema_field(ReplacedRecordSerializer(many=True))
    def get_replaces(self, record: CreditRecord) -> list[dict[str, Any]]:
        return [
            {"id": pk, "document_number": number}
            for pk, number in RecordWithdrawal.objects.filter(
                replaced_by=record, kind=RecordWithdrawal.Kind.KEYING_ERROR
            )
            .order_by("withdrawn_on", "id")
            .values_list("record_id", "record__document_number")
        ]

    def get_party_name(self, record: CreditRecord) -> str:
        return record.party_name

    def get_party_identifier(self, record: CreditRecord) -> str:
        return record.party_identifier


class DeclarationSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    record_type_code = serializers.CharField(source="record_type.code", read_only=True)

    class Meta:
        model = MonthlyDeclaration
        fields = [
            "id",
            "unit",
            "unit_name",
            "record_type_code",
            "year",
            "month",
            "declared_count",
            "note",
            "updated_at",
        ]


class DeclarationCreateSerializer(serializers.Serializer):
    record_type = serializers.CharField(label="信息类别", max_length=100)
    unit = serializers.CharField(label="单位", required=False, max_length=100)
    period = serializers.CharField(label="月份", max_length=10)
    declared_count = serializers.IntegerField(
        label="决定数",
        min_value=0,
        error_messages={"invalid": "应为整数。", "min_value": "不能小于 0。"},
    )
    note = serializers.CharField(label="说明", required=False, allow_blank=True, max_length=300)


# ------------------------------------------------------------------ views


def _caller_unit(request: Request, given: Any) -> Unit:
    """The unit named in the request, or the caller's own unit."""
    user: Any = request.user
    if given not in (None, ""):
        return _unit_arg(given)
    if permissions.is_credit_admin(user):
        raise DomainError("信用办管理员报送或申报时请指定单位（unit）。")
    if user.unit_id is None:
        raise DomainError("账号未指定所属单位，请联系信用办。")
    return user.unit  # type: ignore[no-any-return]


class BatchCreateView(GenericAPIView):
    """Submit rows of one record type; the answer is the pipeline's result (201)."""

    permission_classes = [IsUnitStaff]
    serializer_class = BatchCreateSerializer
    # A lone surrogate in one row becomes U+FFFD and the pipeline rejects that row alone
    # (含乱码字符), as for bytes a file upload cannot decode; refusing the whole body would
    # make a unit resend thousands of good rows for one bad one.
    json_lone_surrogates = "replace"

    @extend_schema(
        summary="报送数据（批量或单条）",
        request=BatchCreateSerializer,
        responses={
            201: inline_serializer(
                "IngestResult",
                {
                    "batch": serializers.IntegerField(),
                    "rows": serializers.IntegerField(),
                    "accepted": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(),
                    "rejected": serializers.IntegerField(),
                    "late": serializers.IntegerField(),
                    "errors": serializers.ListField(child=serializers.DictField()),
                    "warnings": serializers.ListField(child=serializers.CharField()),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        from .services import ingest_rows

        data = _validated(BatchCreateSerializer(data=request.data))
        record_type = _record_type_arg(data["record_type"])
        unit = _caller_unit(request, data.get("unit"))
        if not permissions.can_write_unit_data(request.user, unit):
            raise NotPermitted(f"无权为“{unit.name}”报送数据。")
        if data.get("reported_on") and not permissions.is_credit_admin(request.user):
            raise NotPermitted("只有信用办管理员可以指定报送日期（补录历史数据）。")
        result = ingest_rows(
            actor=request.user,
            unit=unit,
            record_type=record_type,
            rows=data["rows"],
            reported_on=data.get("reported_on"),
            channel=Batch.Channel.API,
        )
        quality.check_after_batch(result.batch, actor=request.user)
        body = dict(result.as_json())
        body["batch"] = result.batch.pk
        return Response(body, status=201)


class BatchDetailView(GenericAPIView):
    serializer_class = BatchSerializer

    @extend_schema(summary="查看报送批次及退回原因")
    def get(self, request: Request, batch_id: int) -> Response:
        return Response(BatchSerializer(selectors.batch_for(request.user, batch_id)).data)


def _date_param(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError(f"参数 {name} 的日期格式不正确，应为 YYYY-MM-DD。") from None


class RecordListView(GenericAPIView):
    serializer_class = RecordSerializer

    @extend_schema(
        summary="查询信用记录（限本人可见单位）",
        operation_id="records_list",
        responses=RecordSerializer(many=True),
        parameters=[
            OpenApiParameter("type", OpenApiTypes.STR, description="信息类别代码或名称"),
            OpenApiParameter("unit", OpenApiTypes.STR, description="报送单位 id 或名称"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="决定日期自"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="决定日期至"),
            OpenApiParameter("late", OpenApiTypes.BOOL, description="仅迟报"),
            OpenApiParameter("q", OpenApiTypes.STR, description="相对人名称或文书号"),
        ],
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        rt = _record_type_arg(params["type"]) if params.get("type") else None
        unit = _unit_arg(params["unit"]) if params.get("unit") else None
        if unit is not None and not permissions.can_read_unit_data(request.user, unit):
            raise NotPermitted(f"无权查看“{unit.name}”的数据。")
        start, end = _date_param(request, "from"), _date_param(request, "to")
        if start and end and start > end:
            raise DomainError("起始日期不能晚于截止日期。")
        qs = selectors.filter_records(
            selectors.records_for(request.user),
            record_type=rt,
            unit=unit,
            date_from=start,
            date_to=end,
            late_only=str(params.get("late", "")).lower() in {"1", "true", "yes"},
            text=str(params.get("q", ""))[:100],
        ).order_by("-decision_date", "-id")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(RecordSerializer(page, many=True).data)


class RecordDetailView(GenericAPIView):
    serializer_class = RecordDetailSerializer

    @extend_schema(summary="信用记录详情（含历史版本）", operation_id="records_retrieve")
    def get(self, request: Request, record_id: int) -> Response:
        record = selectors.record_for(request.user, record_id)
        if record.subject.is_person:
            record_read(
                reader=request.user,
                subject_type="subjects.Subject",
                subject_id=record.subject_id,
                subject_repr=f"{mask_name(record.party_name)} {mask_id_number(record.party_identifier)}",
                purpose="归集数据核查（接口查询信用记录详情）",
            )
        return Response(RecordDetailSerializer(record).data)


class WithdrawalCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        label="撤回类型",
        choices=RecordWithdrawal.Kind.choices,
        default=RecordWithdrawal.Kind.REVOCATION,
        help_text=(
            "revocation（撤销/撤回，默认）：决定被依法变更、撤销、确认违法或无效，"
            "行政处罚须填 revoked_on，自该日起 3 个工作日内撤回（行政处罚法第四十八条、"
            "第八十五条），列入行政处罚决定撤回公告；keying_error（录入错误作废）：记录"
            "录入有误（如文书号打错），决定本身未变，不填 revoked_on 和 basis_document，"
            "不计撤回期限、不计逾期、不公告；该记录是名单认定依据或有未办结的异议、"
            "信用修复申请时拒绝。"
        ),
        error_messages={"invalid_choice": "撤回类型无效：请选择 revocation 或 keying_error。"},
    )
    revoked_on = serializers.DateField(
        label="变更或撤销决定日期",
        required=False,
        allow_null=True,
        help_text="撤销/撤回行政处罚时必填；录入错误作废不填",
    )
    reason = serializers.CharField(label="撤回或作废理由", max_length=2000)
    basis_document = serializers.CharField(
        label="依据文书号", max_length=200, required=False, allow_blank=True
    )
    replacement_document = serializers.CharField(
        label="正确记录的文书号",
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="录入错误作废时可填；本单位已报送的同类有效记录将被关联",
    )


class RecordWithdrawalView(GenericAPIView):
    """The reporting unit (or the credit office) withdraws a record whose decision was
    changed, revoked, or found unlawful or void (行政处罚法 art. 48), or voids a record
    keyed wrongly (录入错误作废)."""

    permission_classes = [IsUnitStaff]
    serializer_class = WithdrawalCreateSerializer

    @extend_schema(
        summary="撤回信用记录（撤销/撤回或录入错误作废）",
        request=WithdrawalCreateSerializer,
        responses={200: RecordDetailSerializer},
    )
    def post(self, request: Request, record_id: int) -> Response:
        from xinyong.records.services import is_penalty, withdraw_record

        record = selectors.record_for(request.user, record_id)
        data = _validated(WithdrawalCreateSerializer(data=request.data))
        kind = data["kind"]
        revoked_on = data.get("revoked_on")
        if kind == RecordWithdrawal.Kind.REVOCATION and revoked_on is None and is_penalty(record):
            raise DomainError(
                "请填写变更或撤销决定日期（行政处罚法第四十八条：撤回期限自该日起算）。"
            )
        record = withdraw_record(
            actor=request.user,
            record=record,
            reason=data["reason"],
            revoked_on=revoked_on,
            basis_document=data.get("basis_document", ""),
            kind=kind,
            replacement_document=data.get("replacement_document", ""),
        )
        return Response(RecordDetailSerializer(record).data)


class ReplacementSerializer(serializers.Serializer):
    document_number = serializers.CharField(
        label="正确记录的文书号",
        max_length=200,
        help_text="本单位报送的同类有效记录的文书号",
        error_messages={
            "required": "请填写正确记录的文书号。",
            "blank": "请填写正确记录的文书号。",
            "max_length": "正确记录的文书号过长（最多 200 字）。",
        },
    )


class RecordReplacementView(GenericAPIView):
    """关联正确记录: a record voided as keyed wrongly (录入错误作废) is linked to its correct
    record, typically reported after the void."""

    permission_classes = [IsUnitStaff]
    serializer_class = ReplacementSerializer

    @extend_schema(
        summary="为录入错误作废的记录关联正确记录",
        request=ReplacementSerializer,
        responses={200: RecordDetailSerializer},
    )
    def post(self, request: Request, record_id: int) -> Response:
        from xinyong.records.services import link_replacement

        record = selectors.record_for(request.user, record_id)
        data = _validated(ReplacementSerializer(data=request.data))
        record = link_replacement(
            actor=request.user, record=record, document_number=data["document_number"]
        )
        return Response(RecordDetailSerializer(record).data)


class DeclarationView(GenericAPIView):
    serializer_class = DeclarationSerializer
    permission_classes = [ReadOnlyForLeader]

    @extend_schema(summary="查看月度决定数申报", responses=DeclarationSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = selectors.declarations_for(request.user)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(DeclarationSerializer(page, many=True).data)

    @extend_schema(
        summary="申报（或更正）月度决定数",
        request=DeclarationCreateSerializer,
        responses={201: DeclarationSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _validated(DeclarationCreateSerializer(data=request.data))
        unit = _caller_unit(request, data.get("unit"))
        period = selectors.parse_period(data["period"])
        rt = _record_type_arg(data["record_type"])
        if not selectors.declarable_record_types().filter(pk=rt.pk).exists():
            raise DomainError(f"“{rt.name}”无需申报月度决定数。")
        declaration = quality.declare_month(
            actor=request.user,
            unit=unit,
            record_type=rt,
            year=period.year,
            month=period.month_number,
            count=data["declared_count"],
            note=data.get("note", ""),
        )
        return Response(DeclarationSerializer(declaration).data, status=201)


class RatesView(GenericAPIView):
    pagination_class = None

    @extend_schema(
        summary="各单位归集指标（及时率、合规率、上报率）",
        parameters=[
            OpenApiParameter(
                "period", OpenApiTypes.STR, description="月份，如 2026-10", required=True
            ),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                description="信息类别代码、名称或“双公示”；不填为有报送期限的十公示信息（与通报一致）",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        period = selectors.parse_period(request.query_params.get("period", ""))
        # Without a type, the 通报's scope: the types with a reporting deadline.
        types = (
            selectors.resolve_record_types(request.query_params.get("type") or None)
            or selectors.deadline_types()
        )
        ids = permissions.readable_unit_ids(request.user)
        # The 通报's units: active ones and any since deactivated with data in the period.
        units = selectors.units_for_period(period, record_types=types)
        if ids is not None:
            units = [u for u in units if u.pk in ids]
        rows = selectors.unit_rates(period, record_types=types, units=units)
        return Response(
            {
                "period": period.key,
                "definitions": selectors.RATE_DEFINITIONS,
                "units": [r.as_json() for r in rows],
            }
        )


urlpatterns = [
    path("collection/batches", BatchCreateView.as_view(), name="collection-batches"),
    path("collection/batches/<int:batch_id>", BatchDetailView.as_view(), name="collection-batch"),
    path("collection/declarations", DeclarationView.as_view(), name="collection-declarations"),
    path("collection/rates", RatesView.as_view(), name="collection-rates"),
    path("records/", RecordListView.as_view(), name="records"),
    path("records/<int:record_id>", RecordDetailView.as_view(), name="record"),
    path(
        "records/<int:record_id>/withdrawal",
        RecordWithdrawalView.as_view(),
        name="record-withdrawal",
    ),
    path(
        "records/<int:record_id>/replacement",
        RecordReplacementView.as_view(),
        name="record-replacement",
    ),
    # 公示信息抽查 and 瞒报整改 (2023 work plan, task 4; api_spot_checks.py)
    path(
        "collection/spot-checks",
        api_spot_checks.SpotCheckListView.as_view(),
        name="collection-spot-checks",
    ),
    path(
        "collection/spot-checks/<int:check_id>",
        api_spot_checks.SpotCheckDetailView.as_view(),
        name="collection-spot-check",
    ),
    path(
        "collection/spot-check-items/<int:item_id>/verdict",
        api_spot_checks.VerdictView.as_view(),
        name="collection-spot-check-verdict",
    ),
    path(
        "collection/spot-check-items/<int:item_id>/reply",
        api_spot_checks.ReplyView.as_view(),
        name="collection-spot-check-reply",
    ),
    path(
        "collection/spot-check-items/<int:item_id>/confirmation",
        api_spot_checks.ConfirmView.as_view(),
        name="collection-spot-check-confirm",
    ),
    path(
        "collection/warnings/<int:warning_id>/explanation",
        api_spot_checks.WarningExplanationView.as_view(),
        name="collection-warning-explanation",
    ),
    path(
        "collection/warnings/<int:warning_id>/review",
        api_spot_checks.WarningReviewView.as_view(),
        name="collection-warning-review",
    ),
]
