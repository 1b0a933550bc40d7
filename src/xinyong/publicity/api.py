"""Public (anonymous) credit query API, throttled per IP (ARCHITECTURE: "throttled
anonymous access for public queries"). Output goes through `presenters`, like the pages.

- GET /api/v1/public/subjects?q=…  organisations and 个体工商户 by name or code.
- POST /api/v1/public/subjects {id_number, name, id_type?}  a natural person, both exact
  (masked result with a token, read-logged); a passport or permit number may be sent
  without its 证件类型 `id_type` (default 居民身份证), which is needed only when the
  number and name fit persons under two document types. A body, never query parameters: a URL is kept in
  access logs and histories (个人信息保护法 art. 51), so a GET carrying `id_number` or
  `name` is refused with a 400 (code `person_query_requires_post`), not run.
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

from xinyong.core.api import validated
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.middleware import client_ip
from xinyong.subjects.selectors import PERSON_DOCUMENT_TYPES, RESIDENT_ID_DOCUMENT

from .presenters import present_record, present_subject
from .selectors import SEARCH_MAX_LENGTH, find_public_subjects, public_records_for
from .views import (
    PERSON_ID_MAX_LENGTH,
    PERSON_NAME_MAX_LENGTH,
    _clean,
    _find_person,
    log_person_read,
    person_query_error,
    person_token,
    token_allows,
)

DEFAULT_PUBLIC_RATE = "30/min"


class ClientAddressThrottle(AnonRateThrottle):
    """DRF's anonymous throttle, counted per address as the portal pages count it.

    DRF's own `get_ident` takes X-Forwarded-For as sent (NUM_PROXIES unset), so a client
    could name a fresh address on every request and never be limited; `client_ip` trusts
    only nginx's X-Real-IP, and only behind the proxy (XINYONG_BEHIND_PROXY)."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or ""  # type: ignore[arg-type]


class PublicAnonThrottle(ClientAddressThrottle):
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


class PersonQueryIn(serializers.Serializer):
    id_type = serializers.ChoiceField(
        choices=[(t, t) for t in PERSON_DOCUMENT_TYPES],
        default=RESIDENT_ID_DOCUMENT,
        label="证件类型",
        help_text=(
            "可不填（默认居民身份证，护照等证件号码仍按号码自动查找）；同一号码登记于多种"
            "证件类型且姓名相同时须指定。"
        ),
        error_messages={
            "invalid_choice": "证件类型无效，请选择：" + "、".join(PERSON_DOCUMENT_TYPES)
        },
    )
    id_number = serializers.CharField(
        max_length=PERSON_ID_MAX_LENGTH,
        label="证件号码（身份证或护照等）",
        help_text="自然人完整证件号码：身份证号码，或护照等证件号码（可不带证件类型）",
    )
    name = serializers.CharField(
        max_length=PERSON_NAME_MAX_LENGTH, label="姓名", help_text="自然人完整姓名"
    )


PUBLIC_SUBJECT_LIST = inline_serializer("PublicSubjectList", {"results": SubjectOut(many=True)})
PERSON_QUERY_REQUIRES_POST = (
    "自然人查询不接受网址中的身份证号码和姓名：请以 POST 方式提交 JSON 请求体 "
    '{"id_number": …, "name": …} 至 /api/v1/public/subjects。'
)


class PublicSubjectSearch(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicAnonThrottle]

    @extend_schema(
        summary="公开信用查询（法人和非法人组织、个体工商户）",
        description=(
            "按名称或统一社会信用代码查询。自然人查询请用 POST（身份证号码和姓名放在请求体中）；"
            "带 id_number 或 name 参数的 GET 请求一律以 400（code 为 person_query_requires_post）拒绝。"
        ),
        operation_id="public_subjects_search",
        parameters=[
            OpenApiParameter("q", str, description="名称（至少 2 个字）或统一社会信用代码"),
        ],
        responses={200: PUBLIC_SUBJECT_LIST},
        tags=["公开查询"],
    )
    def get(self, request: Request) -> Response:
        if "id_number" in request.query_params or "name" in request.query_params:
            # Not echoed back: the parameters are already in this URL and the access log.
            raise DomainError(PERSON_QUERY_REQUIRES_POST, code="person_query_requires_post")
        query = _clean(request.query_params.get("q", ""))
        if not query or len(query) < 2:
            raise DomainError("请至少输入 2 个字符的名称或统一社会信用代码。")
        if len(query) > SEARCH_MAX_LENGTH:
            raise DomainError(f"查询内容过长：最多 {SEARCH_MAX_LENGTH} 个字符。")
        return Response({"results": [present_subject(s) for s in find_public_subjects(query)]})

    @extend_schema(
        summary="公开信用查询（自然人本人，证件号码与姓名完全一致）",
        description=(
            "证件号码（身份证或护照等）和姓名放在 JSON 请求体中，不进入网址（访问日志、浏览器历史）。"
            "护照、通行证号码可不带证件类型；同一号码在多种证件类型下均登记有同名自然人时"
            "以 400（code 为 document_type_ambiguous）要求指定 id_type。"
            "结果已脱敏，附 30 分钟内有效的令牌 token，用于 GET /api/v1/public/subjects/{id}?t=…；"
            "未找到时 results 为空。每次查到均记入个人信息查阅记录。"
        ),
        operation_id="public_subjects_person_query",
        request=PersonQueryIn,
        responses={200: PUBLIC_SUBJECT_LIST},
        tags=["公开查询"],
    )
    def post(self, request: Request) -> Response:
        data = validated(PersonQueryIn(data=request.data))
        id_number, name = _clean(data["id_number"]), _clean(data["name"])
        error = person_query_error(id_number, name)
        if error:
            raise DomainError(error)
        found = _find_person(id_number, name, data["id_type"])
        if found is None:
            return Response({"results": []})
        log_person_read(request, found)  # type: ignore[arg-type]
        return Response({"results": [present_subject(found) | {"token": person_token(found)}]})


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
