"""`/api/v1/catalog/…`: the catalogue for building forms and import templates."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .fieldspec import FIELD_TYPE_LABELS, ROLES


class RecordTypeListView(APIView):
    @extend_schema(
        operation_id="catalog_types_list",
        summary="公共信用信息目录：信息类别列表",
        description="返回启用的信息类别及其数据项（字段代码、名称、别名、类型、必填规则）；"
        "include_inactive=1 时包含已停用的类别。",
        parameters=[OpenApiParameter("include_inactive", OpenApiTypes.BOOL, required=False)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        flag = str(request.query_params.get("include_inactive", "")).lower() in {"1", "true", "yes"}
        items = [
            selectors.record_type_detail(rt)
            for rt in selectors.list_record_types(include_inactive=flag)
        ]
        return Response(
            {
                "count": len(items),
                "field_types": FIELD_TYPE_LABELS,
                "roles": ROLES,
                "results": items,
            }
        )


class RecordTypeDetailView(APIView):
    @extend_schema(
        operation_id="catalog_type_retrieve",
        summary="公共信用信息目录：单个信息类别",
        description="按代码（如 XZCF）或中文名称（如 行政处罚）返回信息类别及其数据项。",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, code: str) -> Response:
        return Response(selectors.record_type_detail(selectors.get_record_type(code)))


urlpatterns = [
    path("catalog/types/", RecordTypeListView.as_view(), name="catalog-types"),
    path("catalog/types/<str:code>/", RecordTypeDetailView.as_view(), name="catalog-type"),
]
