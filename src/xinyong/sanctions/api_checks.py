"""REST endpoints of checks and feedback (/api/v1/checks…).

A unit's own system (token) or a signed-in user asks which measures legally apply to a
subject in a matter (`GET` or `POST /checks`); every call is recorded as a Check. The unit
then reports what it did (`POST /checks/{id}/feedback`); statistics by unit and month come
from `GET /checks/stats?period=`. Thin adapters over `sanctions.checks`.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyong.collection.api import _unit_arg
from xinyong.core.errors import DomainError
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.orgs.permissions import IsUnitStaff, ReadOnlyForLeader

from . import checks

CHECK_PARAMS = [
    OpenApiParameter(
        "subject",
        OpenApiTypes.STR,
        required=True,
        description="统一社会信用代码、身份证号码、其他证件号码（护照、通行证等）或主体编号",
    ),
    OpenApiParameter(
        "matter",
        OpenApiTypes.STR,
        required=True,
        description="办理事项代码（如 PROCUREMENT）或名称",
    ),
    OpenApiParameter("reference", OpenApiTypes.STR, required=False, description="业务编号"),
    OpenApiParameter(
        "unit", OpenApiTypes.STR, required=False, description="查询单位（信用办代查时必填）"
    ),
]
CHECK_RESPONSE = inline_serializer(
    "SanctionsCheckResult",
    {
        "id": serializers.IntegerField(),
        "unit": serializers.CharField(),
        "checked_on": serializers.DateField(),
        "hit": serializers.BooleanField(),
        "measures": serializers.ListField(child=serializers.DictField()),
        "feedback_status": serializers.CharField(),
        "feedback_due": serializers.DateField(allow_null=True),
        "feedback_due_note": serializers.CharField(
            help_text="反馈期限落入尚未导入工作日历的年份时的说明，"
            "如“期限待定（2027 年工作日历尚未导入）”（此时 feedback_due 为 null，不算逾期）；否则为空"
        ),
    },
)


def _check_unit(request: Request, value: Any) -> Unit:
    user = request.user
    if value not in (None, ""):
        return _unit_arg(value)
    unit = getattr(user, "unit", None)
    if isinstance(unit, Unit) and permissions.can_write_unit_data(user, unit):
        return unit
    raise DomainError("请用参数 unit 指定查询单位。")


def _run(request: Request, data: Any, *, status: int) -> Response:
    unit = _check_unit(request, data.get("unit"))
    subject = str(data.get("subject") or "").strip()
    if not subject:
        raise DomainError(
            "缺少参数 subject：请提供统一社会信用代码、身份证号码、其他证件号码或主体编号。"
        )
    matter = str(data.get("matter") or "").strip()
    if not matter:
        raise DomainError("缺少参数 matter：请提供办理事项代码。")
    check = checks.run_check(
        actor=request.user,
        unit=unit,
        identifier=subject,
        matter=matter,
        reference=str(data.get("reference") or ""),
    )
    return Response(checks.check_data(check), status=status)


class CheckView(APIView):
    permission_classes = [IsUnitStaff]

    @extend_schema(
        summary="联合奖惩查询：主体在办理事项中适用的措施及依据（记录本次查询）",
        operation_id="checks_query",
        parameters=CHECK_PARAMS,
        responses={200: CHECK_RESPONSE},
    )
    def get(self, request: Request) -> Response:
        return _run(request, request.query_params, status=200)

    @extend_schema(
        summary="联合奖惩查询（POST 方式，参数同 GET）",
        request=inline_serializer(
            "SanctionsCheckRequest",
            {
                "subject": serializers.CharField(),
                "matter": serializers.CharField(),
                "reference": serializers.CharField(required=False),
                "unit": serializers.CharField(required=False),
            },
        ),
        responses={201: CHECK_RESPONSE},
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        return _run(request, data, status=201)


class CheckDetailView(APIView):
    @extend_schema(summary="一次查询的结果与反馈情况", responses={200: CHECK_RESPONSE})
    def get(self, request: Request, pk: int) -> Response:
        check = checks.get_check(request.user, pk)
        data = checks.check_data(check)
        checks.log_check_read(check, reader=request.user)
        return Response(data)


class FeedbackView(APIView):
    permission_classes = [IsUnitStaff, ReadOnlyForLeader]

    @extend_schema(
        summary="报送执行反馈：每项措施已实施 / 未实施（须说明理由）/ 不适用",
        request=inline_serializer(
            "SanctionsFeedbackRequest",
            {
                "items": serializers.ListField(
                    child=inline_serializer(
                        "SanctionsFeedbackItem",
                        {
                            "id": serializers.IntegerField(required=False),
                            "measure": serializers.CharField(required=False),
                            "action": serializers.ChoiceField(
                                choices=["applied", "not_applied", "not_applicable"]
                            ),
                            "reason": serializers.CharField(required=False),
                        },
                    )
                )
            },
        ),
        responses={200: CHECK_RESPONSE},
    )
    def post(self, request: Request, pk: int) -> Response:
        check = checks.get_check(request.user, pk)
        raw = request.data.get("items") if isinstance(request.data, dict) else None
        if not isinstance(raw, list) or not raw:
            raise DomainError(
                "请求数据有误：items 须为非空列表，每项含 id（或 measure 代码）与 action。"
            )
        by_code = {row.measure.code: row.pk for row in check.measures.select_related("measure")}
        items: dict[int, tuple[str, str]] = {}
        for i, item in enumerate(raw, start=1):
            if not isinstance(item, dict):
                raise DomainError(f"第 {i} 项格式不对：应为对象。")
            row_id: Any = item.get("id")
            if row_id is None or row_id == "":
                row_id = by_code.get(str(item.get("measure") or "").strip().upper())
                if row_id is None:
                    raise DomainError(f"第 {i} 项：找不到对应的措施（请给出 id 或 measure 代码）。")
            # Only a JSON integer names a row: 1.5 must not be read as row 1, and 1e400
            # (infinity) or true must not reach int().
            elif isinstance(row_id, bool) or not isinstance(row_id, int) or row_id <= 0:
                raise DomainError(
                    f"第 {i} 项：id“{str(row_id)[:40]}”无效，应为正整数（本次查询返回的措施 id）。"
                )
            items[row_id] = (str(item.get("action") or ""), str(item.get("reason") or ""))
        checks.submit_feedback(actor=request.user, check=check, items=items)
        check.refresh_from_db()
        data = checks.check_data(check)
        # The answer repeats the person's name and entries: a read like the detail's.
        checks.log_check_read(check, reader=request.user)
        return Response(data)


class StatsView(APIView):
    @extend_schema(
        summary="查询与反馈统计（按单位、按月）",
        parameters=[
            OpenApiParameter(
                "period", OpenApiTypes.STR, required=False, description="2026 或 2026-03"
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        start, end = checks.parse_period(request.query_params.get("period", ""))
        stats = checks.check_statistics(
            reader=request.user, start=start, end=end, today=timezone.localdate()
        )
        return Response(stats.as_dict())


urlpatterns = [
    path("checks", CheckView.as_view(), name="checks"),
    path("checks/stats", StatsView.as_view(), name="check-stats"),
    path("checks/<int:pk>", CheckDetailView.as_view(), name="check"),
    path("checks/<int:pk>/feedback", FeedbackView.as_view(), name="check-feedback"),
]
