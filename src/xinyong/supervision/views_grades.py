"""Workspace pages of grading (/workspace/supervision/grades/…): the grade distribution,
a subject's grade with each indicator's contribution and its history, and the model.
Grades are staff-only; thin adapters over supervision.grading."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinyong.core.errors import DomainError, NotFoundError
from xinyong.orgs import permissions
from xinyong.orgs.models import Role
from xinyong.subjects.selectors import log_person_reads, masked_repr, search_for
from xinyong.web.access import role_required

from . import grading
from .models import EvaluationModel, GradeChange, GradeLetter, SubjectGrade

READ_ROLES = (Role.CREDIT_ADMIN, Role.LEADER, Role.REPORTER, Role.REVIEWER)
DENIED = "信用等级仅供本平台工作人员查看，您的账号无权查看。"
PURPOSE = "信用分级分类监管"


def _on(request: HttpRequest) -> date | None:
    text = (request.GET.get("on") or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"日期“{text}”格式不对，应为 2026-09-29 这样的日期。") from None


@role_required(*READ_ROLES, denied=DENIED)
def grade_home(request: HttpRequest) -> HttpResponse:
    dist = grading.distribution()
    found: list[Any] = []
    query = (request.GET.get("q") or "").strip()
    if query:
        try:
            found = search_for(request.user, query, limit=20, purpose=PURPOSE)
        except DomainError as exc:
            messages.error(request, exc.message)
    grades = {g.subject_id: g for g in SubjectGrade.objects.filter(subject__in=found)}
    rows = [{"subject": s, "repr": masked_repr(s), "grade": grades.get(s.pk)} for s in found]
    recent = GradeChange.objects.select_related("subject").order_by("-changed_at", "-id")[:20]
    recent_rows = [{"change": c, "repr": masked_repr(c.subject)} for c in recent]
    chart = {
        "letters": [GradeLetter(k).label for k in grading.LETTERS],
        "values": [dist[k] for k in grading.LETTERS],
    }
    return render(
        request,
        "supervision/grade_home.html",
        {
            "dist": [(GradeLetter(k).label, dist[k]) for k in grading.LETTERS],
            "total": sum(dist.values()),
            "chart": chart,
            "query": query,
            "rows": rows,
            "recent": recent_rows,
            "can_recompute": permissions.is_credit_admin(request.user),
            "public_grades": getattr(settings, "XINYONG_PUBLIC_GRADES", False),
        },
    )


@role_required(*READ_ROLES, denied=DENIED)
def grade_subject(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        on = _on(request)
        current = grading.compute_grade(pk, on)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("supervision:grades")
    subject = grading._root(pk)
    log_person_reads([subject], reader=request.user, purpose=PURPOSE)
    stored = grading.grade_of(subject)
    return render(
        request,
        "supervision/grade_subject.html",
        {
            "subject": subject,
            "repr": masked_repr(subject),
            "result": current,
            "stored": stored,
            "history": grading.history(subject),
            "on": current.on,
            "grade_label": GradeLetter(current.grade).label,
        },
    )


@role_required(*READ_ROLES, denied=DENIED)
def grade_model(request: HttpRequest) -> HttpResponse:
    models = EvaluationModel.objects.prefetch_related("indicators").order_by(
        "-effective_from", "-version"
    )
    try:
        in_force = grading.model_in_force(grading._today())
    except DomainError:
        in_force = None
    versions = [
        {"model": m, "rows": grading.described_indicators(m), "in_force": m == in_force}
        for m in models
    ]
    return render(request, "supervision/grade_model.html", {"versions": versions})


@require_POST
@role_required(Role.CREDIT_ADMIN, denied="只有信用办管理员可以重新评价全部主体。")
def grade_recompute(request: HttpRequest) -> HttpResponse:
    try:
        result = grading.recompute_all(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"已重新评价 {result.subjects} 个主体，等级或得分变化 {result.changed} 个，"
            f"用时 {result.seconds:.1f} 秒。",
        )
    return redirect("supervision:grades")


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    register_module(
        "supervision.grades",
        "信用等级",
        "supervision:grades",
        roles=READ_ROLES,
        order=600,
        group="分级分类监管",
        description="按评价模型计算的主体信用等级（A/B/C/D）、等级分布、得分说明与变动记录",
    )
    register_module(
        "supervision.grade_model",
        "评价模型",
        "supervision:grade-model",
        roles=READ_ROLES,
        order=601,
        group="分级分类监管",
        description="评价指标、分值、封顶、等级分界与依据，按版本生效",
    )
