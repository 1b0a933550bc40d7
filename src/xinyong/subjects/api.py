"""REST endpoints for subjects and identifier checks (thin adapters over selectors and
services). Staff only: every endpoint needs an authenticated user; changes need the
credit office's administrator role. Natural persons' ID numbers are masked unless the
reader is a credit administrator, and every read of a person is logged.

What each reader may read of the register is `selectors.search_for` / `subject_for`
(least privilege, 个人信息保护法 art. 6): a bank only the firms on the published 信易贷
white list or authorising it, by code; other staff natural persons only by their exact ID
number, and a person's detail only with a credit record they may read."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyong.core import identifiers
from xinyong.core.api import validated
from xinyong.core.errors import DomainError
from xinyong.orgs.permissions import is_credit_admin

from . import selectors, services
from .models import Subject, SubjectKind

MAX_CODES = 1000


def sees_full_identifiers(user: Any) -> bool:
    """Credit administrators (and superusers) see ID numbers in full; everyone else sees
    them masked (first 6, last 4)."""
    return is_credit_admin(user)


class IsCreditAdminOrReadOnly(permissions.BasePermission):
    message = "仅信用办管理员可以修改信用主体。"

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or sees_full_identifiers(request.user)


# ---------------------------------------------------------------------------------------
# serializers


class SubjectIdentifierSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="标识类型")
    kind_label = serializers.CharField(help_text="标识类型（中文）")
    value = serializers.CharField(help_text="代码；非信用办管理员查看自然人时为脱敏值")
    is_primary = serializers.BooleanField()
    valid = serializers.BooleanField(allow_null=True)
    # DRF's metaclass takes declared fields out of the class body, so this does not
    # shadow Field.source at runtime; mypy only sees the class attribute.
    source = serializers.CharField()  # type: ignore[assignment]


class SubjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SubjectKind.choices)
    kind_label = serializers.CharField()
    name = serializers.CharField()
    identifier = serializers.CharField(help_text="主标识；非信用办管理员查看自然人时为脱敏值")
    identifier_type = serializers.CharField()
    is_government_body = serializers.BooleanField()
    region_code = serializers.CharField()
    merged_into = serializers.IntegerField(allow_null=True)


class SubjectDetailSerializer(SubjectSerializer):
    registered_on = serializers.DateField(allow_null=True)
    survivor = serializers.IntegerField(help_text="合并后最终保留的主体编号（未合并时为自身）")
    identifiers = SubjectIdentifierSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SubjectListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = SubjectSerializer(many=True)


def subject_data(subject: Subject, *, full: bool) -> dict[str, Any]:
    return {
        "id": subject.pk,
        "kind": subject.kind,
        "kind_label": subject.get_kind_display(),
        "name": subject.name,
        "identifier": subject.identifier if full else subject.display_identifier,
        "identifier_type": subject.identifier_type,
        "is_government_body": subject.is_government_body,
        "region_code": subject.region_code,
        "merged_into": subject.merged_into_id,
    }


def subject_detail_data(subject: Subject, *, full: bool) -> dict[str, Any]:
    data = subject_data(subject, full=full)
    data.update(
        registered_on=subject.registered_on,
        survivor=services.resolve(subject).pk,
        identifiers=[
            {
                "kind": i.kind,
                "kind_label": i.get_kind_display(),
                "value": i.value if full else i.display_value,
                "is_primary": i.is_primary,
                "valid": i.valid,
                "source": i.source,
            }
            for i in subject.identifiers.all()
        ],
        created_at=subject.created_at,
        updated_at=subject.updated_at,
    )
    return data


class IdentifierVerdictSerializer(serializers.Serializer):
    """One code's check result (named apart from the spot-check verdict in the OpenAPI
    document)."""

    input = serializers.CharField()
    normalised = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    valid = serializers.BooleanField()
    reason = serializers.CharField()
    overridden = serializers.BooleanField()
    category_code = serializers.CharField()
    category_label = serializers.CharField()
    is_government_body = serializers.BooleanField()
    embedded_org_code = serializers.CharField()
    embedded_org_code_valid = serializers.BooleanField(allow_null=True)
    region_code = serializers.CharField()
    province = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    sex = serializers.CharField()


class CheckRequestSerializer(serializers.Serializer):
    codes = serializers.ListField(
        label="待校验代码",
        child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=200),
        allow_empty=False,
        max_length=MAX_CODES,
        help_text=f"待校验的代码，最多 {MAX_CODES} 个",
        error_messages={
            "not_a_list": "应为代码列表。",
            "empty": "不能为空。",
            "max_length": f"一次最多校验 {MAX_CODES} 个代码。",
        },
    )
    hint = serializers.ChoiceField(
        label="代码类型",
        choices=[
            k.value for k in identifiers.IdentifierKind if k != identifiers.IdentifierKind.UNKNOWN
        ],
        required=False,
        help_text=(
            "代码来源列所要求的类型（如 resident_id；other_personal_id 为“证件类型:证件号码”，"
            "如 护照:E12345678），不填则按形态识别"
        ),
        error_messages={
            "invalid_choice": "只能是 uscc、resident_id、reg_no_15、org_code 或 other_personal_id。"
        },
    )


class CheckResponseSerializer(serializers.Serializer):
    results = IdentifierVerdictSerializer(many=True)


class MergeRequestSerializer(serializers.Serializer):
    absorb_id = serializers.IntegerField(
        label="被合并主体编号", min_value=1, help_text="被合并（重复）的主体编号"
    )
    reason = serializers.CharField(label="合并理由", max_length=300)


class RenameRequestSerializer(serializers.Serializer):
    name = serializers.CharField(label="主体名称", max_length=200)
    reason = serializers.CharField(
        label="修改理由", max_length=300, required=False, allow_blank=True
    )


def _purpose(request: Request, default: str) -> str:
    return (request.query_params.get("purpose") or "").strip()[:150] or default


# ---------------------------------------------------------------------------------------
# views


class SubjectListView(APIView):
    permission_classes = [IsCreditAdminOrReadOnly]

    @extend_schema(
        operation_id="subjects_search",
        summary="查询信用主体",
        description=(
            "信用办管理员：按代码或名称中的文字查询全部主体。其他工作人员：法人和非法人组织、"
            "个体工商户可按代码或名称中的文字查询；自然人只能按完整的身份证号码（或其他证件"
            "号码）精确查询，按姓名查不到，返回的每个自然人均记入个人信息查阅记录。银行用户："
            "只能按统一社会信用代码查询已发布白名单中的企业或已授权本行的企业。"
        ),
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description="统一社会信用代码、身份证号码或名称中的文字（自然人须为完整证件号码）",
                required=True,
            ),
            OpenApiParameter("limit", int, description="最多返回条数（1–200，默认 20）"),
            OpenApiParameter("purpose", str, description="查询目的（记入个人信息查阅记录）"),
        ],
        responses=SubjectListSerializer,
    )
    def get(self, request: Request) -> Response:
        raw_limit = request.query_params.get("limit") or "20"
        try:
            limit = int(raw_limit)
        except ValueError as exc:
            raise DomainError("limit 应为 1–200 的整数。") from exc
        found = selectors.search_for(
            request.user,
            request.query_params.get("q", ""),
            limit=limit,
            purpose=_purpose(request, "接口查询信用主体"),
        )
        full = sees_full_identifiers(request.user)
        return Response(
            {"count": len(found), "results": [subject_data(s, full=full) for s in found]}
        )


class SubjectDetailView(APIView):
    permission_classes = [IsCreditAdminOrReadOnly]

    @extend_schema(
        operation_id="subjects_detail",
        summary="信用主体详情",
        description=(
            "信用办管理员可查看全部主体。其他工作人员可查看法人和非法人组织、个体工商户；"
            "自然人仅当本人可查看的信用记录（本单位报送的记录，区领导为各单位的记录）涉及该人时"
            "才可查看。银行用户只能查看已发布白名单中的企业或已授权本行的企业。无权查看的主体"
            "与不存在的主体一样答复 404。"
        ),
        parameters=[
            OpenApiParameter("purpose", str, description="查询目的（记入个人信息查阅记录）")
        ],
        responses=SubjectDetailSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        subject = selectors.subject_for(
            request.user, pk, purpose=_purpose(request, "接口查看信用主体详情")
        )
        return Response(subject_detail_data(subject, full=sees_full_identifiers(request.user)))


class SubjectMergeView(APIView):
    permission_classes = [IsCreditAdminOrReadOnly]

    @extend_schema(
        operation_id="subjects_merge",
        summary="合并重复主体（信用办管理员）",
        request=MergeRequestSerializer,
        responses=SubjectDetailSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(MergeRequestSerializer(data=request.data))
        keep = selectors.get_subject(pk, reader=request.user, purpose="合并重复主体")
        absorb = selectors.get_subject(
            data["absorb_id"], reader=request.user, purpose="合并重复主体"
        )
        services.merge_subjects(actor=request.user, keep=keep, absorb=absorb, reason=data["reason"])
        subject = selectors.get_subject(pk, reader=request.user, purpose="合并重复主体")
        return Response(subject_detail_data(subject, full=True))


class SubjectRenameView(APIView):
    permission_classes = [IsCreditAdminOrReadOnly]

    @extend_schema(
        operation_id="subjects_rename",
        summary="修改主体名称（信用办管理员）",
        request=RenameRequestSerializer,
        responses=SubjectDetailSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(RenameRequestSerializer(data=request.data))
        subject = selectors.get_subject(pk, reader=request.user, purpose="修改主体名称")
        services.rename(
            actor=request.user, subject=subject, name=data["name"], reason=data.get("reason", "")
        )
        subject = selectors.get_subject(pk, reader=request.user, purpose="修改主体名称")
        return Response(subject_detail_data(subject, full=True))


class IdentifierCheckView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="identifiers_check",
        summary="校验代码（统一社会信用代码、身份证号码等）",
        request=CheckRequestSerializer,
        responses=CheckResponseSerializer,
    )
    def post(self, request: Request) -> Response:
        data = validated(CheckRequestSerializer(data=request.data))
        hint = data.get("hint")
        return Response(
            {"results": [identifiers.check(code, hint).as_dict() for code in data["codes"]]}
        )


urlpatterns = [
    path("subjects/", SubjectListView.as_view(), name="subjects-list"),
    path("subjects/<int:pk>/", SubjectDetailView.as_view(), name="subjects-detail"),
    path("subjects/<int:pk>/merge/", SubjectMergeView.as_view(), name="subjects-merge"),
    path("subjects/<int:pk>/rename/", SubjectRenameView.as_view(), name="subjects-rename"),
    path("identifiers/check", IdentifierCheckView.as_view(), name="identifiers-check"),
]
