"""Public (anonymous) credit query API, throttled per IP (ARCHITECTURE: "throttled
anonymous access for public queries"). Output goes through `presenters`, like the pages.

- GET /api/v1/public/subjects?q=…  organisations and 个体工商户 by name or code; a natural
  person only with `id_number` and `name` both exact (masked result, read-logged).
- GET /api/v1/public/subjects/{id} a subject's public records (persons: with the token `t`
  handed out by the person query).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from xinyong.core.errors import DomainError, NotFoundError

from .presenters import present_record, present_subject
from .selectors import SEARCH_MAX_LENGTH, find_public_subjects, public_records_for
from .views import (
    _clean,
    _find_person,
    log_person_read,
    person_token,
    token_allows,
)

DEFAULT_PUBLIC_RATE = "30/min"


class PublicAnonThrottle(AnonRateThrottle):
    """Anonymous callers: PUBLICITY_API_RATE per IP (default 30/min)."""

    scope = "public"

    def get_rate(self) -> str:
        return str(getattr(settings, "PUBLICITY_API_RATE", DEFAULT_PUBLIC_RATE))


class SubjectOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="名称；自然人为脱敏姓名")
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    identifier = serializers.CharField(help_text="统一社会信用代码；自然人为脱敏证件号码")
    identifier_type_label = serializers.CharField()
    is_person = serializers.BooleanField()
    token = serializers.CharField(required=False, help_text="自然人查询返回的令牌（30 分钟内有效）")


class RecordOut(serializers.Serializer):
    id = serializers.IntegerField()
    type_code = serializers.CharField()
    type_name = serializers.CharField()
    group = serializers.CharField()
    party_name = serializers.CharField()
    document_number = serializers.CharField()
    decision_date = serializers.DateField(allow_null=True)
    deciding_unit = serializers.CharField()
    status = serializers.CharField(help_text="公示中 / 已修复 / 公示期满 / 异议处理中")
    publicity_starts_on = serializers.DateField(allow_null=True)
    publicity_ends_on = serializers.DateField(allow_null=True)
    repair_from = serializers.DateField(allow_null=True, help_text="最早可申请修复日期")
    # DRF's metaclass takes declared fields out of the class body, so this does not
    # shadow Serializer.fields at runtime; mypy only sees the class attribute.
    fields = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]


class PublicSubjectSearch(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicAnonThrottle]

    @extend_schema(
        summary="公开信用查询（主体）",
        operation_id="public_subjects_search",
        parameters=[
            OpenApiParameter("q", str, description="名称（至少 2 个字）或统一社会信用代码"),
            OpenApiParameter(
                "id_number", str, description="自然人完整身份证号码（须与 name 同时提供）"
            ),
            OpenApiParameter("name", str, description="自然人完整姓名"),
        ],
        responses={200: inline_serializer("PublicSubjectList", {"results": SubjectOut(many=True)})},
        tags=["公开查询"],
    )
    def get(self, request: Request) -> Response:
        query = _clean(request.query_params.get("q", ""))
        id_number = _clean(request.query_params.get("id_number", ""))
        name = _clean(request.query_params.get("name", ""))
        if id_number or name:
            if not id_number or not name:
                raise DomainError("查询自然人须同时提供完整的身份证号码和姓名。")
            found = _find_person(id_number[:40], name[:50])
            if found is None:
                return Response({"results": []})
            log_person_read(request, found)  # type: ignore[arg-type]
            return Response({"results": [present_subject(found) | {"token": person_token(found)}]})
        if not query or len(query) < 2:
            raise DomainError("请至少输入 2 个字符的名称或统一社会信用代码。")
        if len(query) > SEARCH_MAX_LENGTH:
            raise DomainError(f"查询内容过长：最多 {SEARCH_MAX_LENGTH} 个字符。")
        return Response({"results": [present_subject(s) for s in find_public_subjects(query)]})


class PublicSubjectDetail(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicAnonThrottle]

    @extend_schema(
        summary="公开信用信息（某一主体正在公示的记录）",
        parameters=[OpenApiParameter("t", str, description="自然人查询返回的令牌")],
        responses={
            200: inline_serializer(
                "PublicSubjectDetail", {"subject": SubjectOut(), "records": RecordOut(many=True)}
            )
        },
        tags=["公开查询"],
    )
    def get(self, request: Request, pk: int) -> Response:
        from xinyong.subjects.models import Subject
        from xinyong.subjects.services import resolve

        subject = Subject.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
        if subject is None:
            raise NotFoundError("未找到该信用主体。")
        subject = resolve(subject)
        if subject.is_person and not token_allows(request, subject):  # type: ignore[arg-type]
            raise NotFoundError("自然人信息仅可通过完整身份证号码和姓名查询后查看。")
        log_person_read(request, subject)  # type: ignore[arg-type]
        records = [present_record(r, with_fields=True) for r in public_records_for(subject)]
        return Response({"subject": present_subject(subject), "records": records})


urlpatterns: list[Any] = [
    path("public/subjects", PublicSubjectSearch.as_view(), name="public-subjects"),
    path("public/subjects/<int:pk>", PublicSubjectDetail.as_view(), name="public-subject"),
]
