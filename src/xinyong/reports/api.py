"""REST endpoints of 信用报告 under /api/v1/reports/…: issue (staff), the scoped list and
detail, the PDF download (logged), the public verification (file or number), the seal's
public key and the published 信用报告应用目录. Thin adapters over `services` and `selectors`."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from xinyong.core.api import JSONParser, validated
from xinyong.core.api_files import FileDownloadMixin
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.inputs import positive_id
from xinyong.orgs import permissions
from xinyong.orgs.models import Role
from xinyong.publicity.api import PublicAnonThrottle

from . import selectors, services
from .models import ApplicationMatter, Report

MAX_UPLOAD = 20 * 1024 * 1024
_READ_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, Role.LEADER, Role.BANK)


class ReportSerializer(serializers.ModelSerializer):
    purpose_code = serializers.CharField(source="purpose.code", read_only=True)
    purpose_name = serializers.CharField(source="purpose.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "number",
            "kind",
            "kind_label",
            "subject_name",
            "subject_identifier",
            "purpose_code",
            "purpose_name",
            "matter",
            "channel",
            "channel_label",
            "issued_by_label",
            "issued_unit",
            "issued_at",
            "valid_until",
            "version",
            "record_count",
            "print_count",
            "pdf_sha256",
            "seal_alg",
        ]


class IssueSerializer(serializers.Serializer):
    subject = serializers.CharField(
        label="信用主体代码",
        max_length=64,
        help_text="统一社会信用代码、身份证号码或其他证件号码（护照等可只填号码，"
        "同一号码登记在多种证件类型下时写作“护照:E12345678”）",
    )
    purpose = serializers.CharField(label="报告用途代码", max_length=30, required=False)
    matter = serializers.IntegerField(label="应用事项", min_value=1, required=False)


class VerifySerializer(serializers.Serializer):
    number = serializers.CharField(label="报告编号", max_length=100, required=False)
    file = serializers.FileField(label="报告文件", required=False)


class VerificationSerializer(serializers.Serializer):
    authentic = serializers.BooleanField()
    valid = serializers.BooleanField()
    message = serializers.CharField()
    number = serializers.CharField()
    facts = serializers.DictField()


class ApplicationMatterSerializer(serializers.ModelSerializer):
    """An entry of the 信用报告应用目录 (named apart from the commitment matters in the
    OpenAPI document)."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)
    purpose_code = serializers.CharField(source="purpose.code", read_only=True)
    purpose_name = serializers.CharField(source="purpose.name", read_only=True)

    class Meta:
        model = ApplicationMatter
        fields = [
            "id",
            "unit",
            "unit_name",
            "name",
            "purpose_code",
            "purpose_name",
            "usage",
            "basis",
            "usage_count",
        ]


def _require_reader(user: Any) -> None:
    if permissions.role_of(user) not in _READ_ROLES:
        raise NotPermitted("无权查看信用报告。")


class ReportCollectionView(GenericAPIView):
    """GET: reports the caller may see; POST: issue a report (信用办、责任单位工作人员)."""

    permission_classes = [IsAuthenticated]
    serializer_class = ReportSerializer

    @extend_schema(
        parameters=[OpenApiParameter("purpose", str, required=False, description="报告用途代码")],
        responses=ReportSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _require_reader(request.user)
        qs = selectors.reports_visible_to(request.user)
        purpose = request.query_params.get("purpose")
        if purpose:
            qs = qs.filter(purpose__code=purpose[:30])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ReportSerializer(page, many=True).data)

    @extend_schema(request=IssueSerializer, responses={201: ReportSerializer})
    def post(self, request: Request) -> Response:
        data = validated(IssueSerializer(data=request.data))
        report = services.issue_requested(
            actor=request.user,
            subject=data["subject"],
            purpose=data.get("purpose", ""),
            matter=data.get("matter"),
            channel="api",
        )
        return Response(ReportSerializer(report).data, status=201)


class ReportDetailView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReportSerializer

    def get(self, request: Request, pk: int) -> Response:
        _require_reader(request.user)
        return Response(ReportSerializer(selectors.get_report_for(request.user, pk)).data)


class ReportPdfView(FileDownloadMixin, GenericAPIView):
    """The sealed PDF; every download is logged."""

    permission_classes = [IsAuthenticated]
    download_types = ("application/pdf",)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        _require_reader(request.user)
        report = selectors.with_pdf(selectors.get_report_for(request.user, pk))
        data = services.download_pdf(actor=request.user, report=report, channel="api")
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.number}.pdf"'
        return response


class VerifyView(GenericAPIView):
    """Public: POST a report file (multipart `file`) or a `number`."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicAnonThrottle, UserRateThrottle]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    serializer_class = VerifySerializer

    @extend_schema(request=VerifySerializer, responses=VerificationSerializer)
    def post(self, request: Request) -> Response:
        data = validated(VerifySerializer(data=request.data))
        upload = data.get("file")
        if upload is not None:
            if upload.size and upload.size > MAX_UPLOAD:
                raise DomainError("文件过大（不超过 20 MB）。")
            result = services.verify_file(upload.read())
        elif data.get("number"):
            result = services.verify_number(data["number"])
        else:
            raise DomainError("请上传报告文件（file）或提供报告编号（number）。")
        return Response(result.as_json())


class PublicKeySerializer(serializers.Serializer):
    alg = serializers.CharField()
    key_id = serializers.CharField()
    fingerprint = serializers.CharField()
    fingerprint_display = serializers.CharField()
    pem = serializers.CharField()
    retired = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="已停用的签章公钥（key_id、fingerprint_display、pem）：此前出具的报告据此核验",
    )


class PublicKeyView(GenericAPIView):
    """Public: the seal's public key (Ed25519, PEM) and its SHA-256 fingerprint."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicAnonThrottle, UserRateThrottle]
    serializer_class = PublicKeySerializer

    def get(self, request: Request) -> Response:
        return Response(services.public_key_info())


class MatterListView(GenericAPIView):
    """The published 信用报告应用目录 with usage counts (anonymous, throttled)."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicAnonThrottle, UserRateThrottle]
    serializer_class = ApplicationMatterSerializer

    @extend_schema(
        parameters=[OpenApiParameter("unit", int, required=False, description="单位编号")],
        responses=ApplicationMatterSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        unit = request.query_params.get("unit", "")
        unit_id = positive_id(unit)
        if unit and unit_id is None:
            raise DomainError("单位应为单位编号（正整数）。")
        page = self.paginate_queryset(selectors.public_matters(unit_id))
        return self.get_paginated_response(ApplicationMatterSerializer(page, many=True).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", ReportCollectionView.as_view(), name="reports"),
    path("reports/verify/", VerifyView.as_view(), name="report-verify"),
    path("reports/public-key/", PublicKeyView.as_view(), name="report-public-key"),
    path("reports/matters/", MatterListView.as_view(), name="report-matters"),
    path("reports/<int:pk>/", ReportDetailView.as_view(), name="report-detail"),
    path("reports/<int:pk>/pdf/", ReportPdfView.as_view(), name="report-pdf"),
]
