"""REST endpoints of grading (/api/v1/grades/…): staff-only, read-only. A grade is never
exposed to anonymous callers or to bank and organisation-department accounts."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyong.core.errors import DomainError
from xinyong.orgs.permissions import role_of
from xinyong.subjects.selectors import log_person_reads, masked_repr

from . import grading
from .views_grades import PURPOSE, READ_ROLES


class IsGradeReader(BasePermission):
    message = "信用等级仅供本平台工作人员查看。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) in READ_ROLES


def _on(value: Any) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"日期“{text}”格式不对，应为 2026-09-29 这样的日期。") from None


class GradeDetailView(APIView):
    permission_classes = [IsGradeReader]

    @extend_schema(
        summary="主体信用等级及各指标得分说明",
        parameters=[OpenApiParameter("on", OpenApiTypes.DATE, description="评价日期，默认今天")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request, subject_id: int) -> Response:
        result = grading.compute_grade(subject_id, _on(request.query_params.get("on")))
        subject = grading._root(result.subject_id)
        log_person_reads([subject], reader=request.user, purpose=f"接口{PURPOSE}")
        data = result.as_dict()
        data["subject"] = {"id": subject.pk, "name": masked_repr(subject)}
        stored = grading.grade_of(subject)
        data["stored"] = (
            {
                "grade": stored.grade,
                "score": float(stored.score) if stored.score is not None else None,
                "source": stored.source,
                "computed_at": stored.computed_at.isoformat(),
            }
            if stored
            else None
        )
        data["history"] = [
            {
                "old_grade": h.old_grade,
                "new_grade": h.new_grade,
                "old_score": float(h.old_score) if h.old_score is not None else None,
                "new_score": float(h.new_score) if h.new_score is not None else None,
                "reason": h.reason,
                "changed_at": h.changed_at.isoformat(),
            }
            for h in grading.history(subject)
        ]
        return Response(data)


class GradeDistributionView(APIView):
    permission_classes = [IsGradeReader]

    @extend_schema(summary="信用等级分布", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        dist = grading.distribution()
        return Response({"total": sum(dist.values()), "grades": dist})


urlpatterns = [
    path("grades/distribution/", GradeDistributionView.as_view(), name="grades-distribution"),
    path("grades/<int:subject_id>/", GradeDetailView.as_view(), name="grades-detail"),
]
