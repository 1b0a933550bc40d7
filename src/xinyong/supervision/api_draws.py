"""REST endpoints of classified-supervision policies and 双随机 draws (/api/v1/…).

- `GET /supervision-policies` — the policies (any signed-in user);
- `GET /draws`, `POST /draws` — draws visible to the caller; set up a draw for a unit;
- `GET /draws/{id}` — a draw's summary and targets; grades only for the roles that may
  read grades (`views_draws.grades_visible`), otherwise as on the public page;
- `POST /draws/{id}/run` — draw, reveal the seed, publish;
- `GET /draws/{id}/verify` — anyone (anonymous, throttled) re-runs the draw;
- `POST /draw-targets/{id}/inspection` — record an inspection result (a 行政检查 record);
- `GET /inspectors`, `POST /inspectors` — the roster of the caller's units.

Thin adapters over `supervision.draws` and `supervision.policy`.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from xinyong.collection.api import _unit_arg
from xinyong.core.errors import DomainError
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.orgs.permissions import IsUnitStaff, ReadOnlyForLeader
from xinyong.publicity.api import ClientAddressThrottle

from . import draws, policy
from .models import SupervisionPolicy
from .views_draws import grades_visible

DRAW_SUMMARY_FIELDS: dict[str, serializers.Field] = {
    "id": serializers.IntegerField(),
    "title": serializers.CharField(),
    "unit": serializers.CharField(),
    "status": serializers.CharField(),
    "status_label": serializers.CharField(),
    "committed_at": serializers.DateTimeField(),
    "drawn_at": serializers.DateTimeField(allow_null=True),
    "seed_hash": serializers.CharField(),
    "seed": serializers.CharField(allow_null=True),
    "pool_size": serializers.IntegerField(),
    "quota_total": serializers.IntegerField(
        allow_null=True, help_text="抽取前有小数份额的等级未定时为 null，见 quota_total_min/max"
    ),
    "quota_total_min": serializers.IntegerField(),
    "quota_total_max": serializers.IntegerField(),
    "roster_size": serializers.IntegerField(),
    "inspectors_per_target": serializers.IntegerField(),
    "parameters": serializers.DictField(),
    "frequency": serializers.DictField(
        allow_null=True, help_text="每年抽查频次规则及本次未纳入对象库的户数（等级不公开时无户数）"
    ),
    "grades": serializers.ListField(child=serializers.DictField()),
}
# The list answers bare arrays (no pagination): at most 200 draws, 1,000 inspectors.
DRAW_LIST_RESPONSE = inline_serializer("SupervisionDrawSummary", DRAW_SUMMARY_FIELDS, many=True)
INSPECTOR_LIST_RESPONSE = inline_serializer(
    "SupervisionInspector",
    {
        "id": serializers.IntegerField(),
        "unit": serializers.CharField(),
        "name": serializers.CharField(),
        "badge_number": serializers.CharField(),
        "active": serializers.BooleanField(),
    },
    many=True,
)
POLICY_LIST_RESPONSE = inline_serializer(
    "SupervisionPolicyItem",
    {
        "id": serializers.IntegerField(),
        "grade": serializers.CharField(),
        "inspection_ratio": serializers.CharField(help_text="抽查比例，如 0.05"),
        "frequency_per_year": serializers.IntegerField(),
        "approach": serializers.CharField(),
        "basis": serializers.CharField(),
        "effective_from": serializers.DateField(),
        "effective_to": serializers.DateField(allow_null=True),
        "in_force": serializers.BooleanField(),
    },
    many=True,
)
DRAW_RESPONSE = inline_serializer(
    "SupervisionDraw",
    {
        "id": serializers.IntegerField(),
        "title": serializers.CharField(),
        "unit": serializers.CharField(),
        "status": serializers.CharField(),
        "seed_hash": serializers.CharField(),
        "seed": serializers.CharField(allow_null=True),
        "pool_size": serializers.IntegerField(),
        "grades": serializers.ListField(child=serializers.DictField()),
        "targets": serializers.ListField(child=serializers.DictField()),
    },
)
VERIFY_RESPONSE = inline_serializer(
    "SupervisionDrawVerification",
    {
        "draw": serializers.IntegerField(),
        "ok": serializers.BooleanField(),
        "message": serializers.CharField(),
        "problems": serializers.ListField(child=serializers.CharField()),
        "targets": serializers.IntegerField(),
    },
)


def _body(request: Request) -> dict[str, Any]:
    return request.data if isinstance(request.data, dict) else {}


def _draw_unit(request: Request, value: Any) -> Unit:
    if value not in (None, ""):
        return _unit_arg(value)
    unit = getattr(request.user, "unit", None)
    if isinstance(unit, Unit) and permissions.can_write_unit_data(request.user, unit):
        return unit
    raise DomainError("请用参数 unit 指定组织单位。")


def _draw_data(draw: Any, user: Any) -> dict[str, Any]:
    # Grades only for the grade readers (as /api/v1/grades/); bank, organisation-department
    # and unit-leader accounts get the public page's view of the draws they may read.
    show = grades_visible(user)
    return {
        **draws.summary(draw, with_grades=show),
        "targets": draws.public_targets(draw, with_grades=show),
    }


class PolicyListView(APIView):
    @extend_schema(
        summary="分级分类监管政策（各等级抽查比例、频次、方式、依据）",
        responses={200: POLICY_LIST_RESPONSE},
    )
    def get(self, request: Request) -> Response:
        items = SupervisionPolicy.objects.order_by("grade", "-effective_from", "-id")
        in_force = {g: policy.policy_for(g) for g in policy.GRADES}
        ids = {p.pk for p in in_force.values() if p is not None}
        return Response(
            [{"id": p.pk, **policy.snapshot(p), "in_force": p.pk in ids} for p in items]
        )


class DrawListView(APIView):
    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return [IsAuthenticated()]
        return [IsUnitStaff(), ReadOnlyForLeader()]

    @extend_schema(
        summary="可见的双随机抽查任务（最近 200 次）", responses={200: DRAW_LIST_RESPONSE}
    )
    def get(self, request: Request) -> Response:
        items = draws.draws_visible_to(request.user)[:200]
        show = grades_visible(request.user)
        return Response([draws.summary(d, with_grades=show) for d in items])

    @extend_schema(
        summary="建立双随机抽查：固定对象库、比例与检查人员，公布种子哈希",
        request=inline_serializer(
            "SupervisionDrawCreate",
            {
                "title": serializers.CharField(),
                "unit": serializers.CharField(required=False),
                "record_type": serializers.CharField(required=False),
                "region": serializers.CharField(required=False),
                "grades": serializers.ListField(child=serializers.CharField(), required=False),
                "inspectors_per_target": serializers.IntegerField(required=False),
            },
        ),
        responses={201: DRAW_RESPONSE},
    )
    def post(self, request: Request) -> Response:
        data = _body(request)
        draw = draws.create_draw(
            actor=request.user,
            unit=_draw_unit(request, data.get("unit")),
            title=str(data.get("title") or ""),
            record_type=data.get("record_type") or None,
            region=data.get("region") or "",
            grades=data.get("grades"),
            inspectors_per_target=data.get("inspectors_per_target", 2),
        )
        return Response(_draw_data(draw, request.user), status=201)


class DrawDetailView(APIView):
    @extend_schema(summary="一次抽查的摘要与结果", responses={200: DRAW_RESPONSE})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_draw_data(draws.get_draw(request.user, pk), request.user))


class DrawRunView(APIView):
    permission_classes = [IsUnitStaff]

    @extend_schema(
        summary="抽取：按种子抽取对象和检查人员，公开种子与结果",
        request=None,
        responses={200: DRAW_RESPONSE},
    )
    def post(self, request: Request, pk: int) -> Response:
        draw = draws.run_draw(actor=request.user, draw=draws.get_draw(request.user, pk))
        return Response(_draw_data(draw, request.user))


class DrawVerifyView(APIView):
    """Anyone may re-run a draw: no login, throttled."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ClientAddressThrottle, UserRateThrottle]

    @extend_schema(
        summary="复核：用公开的种子重新抽取并比对（任何人可调用）", responses={200: VERIFY_RESPONSE}
    )
    def get(self, request: Request, pk: int) -> Response:
        draw = draws.get_public_draw(pk)
        return Response(draws.verify_draw(draw, with_grades=draws.grades_public()).as_json())


class InspectionView(APIView):
    permission_classes = [IsUnitStaff]

    @extend_schema(
        summary="录入抽查对象的检查结果（作为行政检查信息入库并公示）",
        request=inline_serializer(
            "SupervisionInspection",
            {
                "document_number": serializers.CharField(),
                "inspected_on": serializers.DateField(),
                "matters": serializers.CharField(),
                "outcome": serializers.CharField(),
                "handling": serializers.CharField(required=False),
                "legal_rep": serializers.CharField(required=False),
                "inspecting_unit_name": serializers.CharField(required=False),
                "inspecting_unit_code": serializers.CharField(required=False),
            },
        ),
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _body(request)
        target = draws.get_target(request.user, pk)
        keys = (
            "document_number",
            "inspected_on",
            "matters",
            "outcome",
            "handling",
            "legal_rep",
            "inspecting_unit_name",
            "inspecting_unit_code",
        )
        record = draws.record_inspection(
            actor=request.user, target=target, **{k: str(data.get(k) or "") for k in keys}
        )
        return Response(
            {"target": target.pk, "record": record.pk, "draw_status": target.draw.status},
            status=201,
        )


class InspectorListView(APIView):
    permission_classes = [IsUnitStaff]

    @extend_schema(summary="本单位检查人员名录", responses={200: INSPECTOR_LIST_RESPONSE})
    def get(self, request: Request) -> Response:
        return Response(
            [
                {
                    "id": i.pk,
                    "unit": i.unit.name,
                    "name": i.name,
                    "badge_number": i.badge_number,
                    "active": i.active,
                }
                for i in draws.inspectors_visible_to(request.user)[:1000]
            ]
        )

    @extend_schema(
        summary="加入检查人员",
        request=inline_serializer(
            "SupervisionInspectorCreate",
            {
                "name": serializers.CharField(),
                "badge_number": serializers.CharField(),
                "unit": serializers.CharField(required=False),
            },
        ),
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        data = _body(request)
        inspector = draws.create_inspector(
            actor=request.user,
            unit=_draw_unit(request, data.get("unit")),
            name=str(data.get("name") or ""),
            badge_number=str(data.get("badge_number") or ""),
        )
        return Response({"id": inspector.pk, "name": inspector.name}, status=201)


urlpatterns = [
    path("supervision-policies", PolicyListView.as_view(), name="supervision-policies"),
    path("draws", DrawListView.as_view(), name="draws"),
    path("draws/<int:pk>", DrawDetailView.as_view(), name="draw"),
    path("draws/<int:pk>/run", DrawRunView.as_view(), name="draw-run"),
    path("draws/<int:pk>/verify", DrawVerifyView.as_view(), name="draw-verify"),
    path("draw-targets/<int:pk>/inspection", InspectionView.as_view(), name="draw-inspection"),
    path("inspectors", InspectorListView.as_view(), name="inspectors"),
]
