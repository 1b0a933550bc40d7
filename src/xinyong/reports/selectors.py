"""Reads of credit reports: who may see which issued report, the published 信用报告应用目录
with usage counts, and the purposes a user may choose."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from xinyong.core.errors import NotFoundError
from xinyong.orgs import permissions
from xinyong.orgs.models import Role
from xinyong.subjects.models import Subject

from .models import ApplicationMatter, AppliesTo, Report, ReportPurpose


def _base() -> QuerySet[Report]:
    return Report.objects.select_related("purpose", "matter", "matter__unit", "subject").defer(
        "content"
    )


def reports_visible_to(user: Any) -> QuerySet[Report]:
    """Credit admins and leaders: every report; unit staff: reports their unit issued (the
    issuer's unit at the time, not the unit the issuer belongs to now) or that were issued
    for their unit's matters; bank users: the reports they obtained, and
    only while the enterprise's authorisation for their bank is in force (the rule of the
    信易贷 report page, `finance.services.authorised_subjects_q`): a revoked or expired
    authorisation cuts the bank off what it downloaded before too."""
    role = permissions.role_of(user)
    qs = _base()
    if role in (Role.CREDIT_ADMIN, Role.LEADER):
        return qs
    if role == Role.BANK:
        # Imported here: finance builds on reports (it issues the bank's reports).
        from xinyong.finance.services import authorised_subjects_q

        bank = str(getattr(user, "organisation", "") or "").strip()
        if not bank:
            return qs.none()
        return qs.filter(authorised_subjects_q(bank), issued_by=user)
    if role in (Role.REPORTER, Role.REVIEWER) and getattr(user, "unit_id", None):
        unit_ids = permissions.readable_unit_ids(user) or {user.unit_id}
        return qs.filter(
            Q(issuing_unit_id__in=unit_ids) | Q(matter__unit_id__in=unit_ids)
        ).distinct()
    return qs.none()


def get_report_for(user: Any, pk: Any) -> Report:
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError("未找到该信用报告。") from None
    found = reports_visible_to(user).filter(pk=number).first()
    if found is None:
        raise NotFoundError("未找到该信用报告，或无权查看。")
    return found


def with_pdf(report: Report) -> Report:
    """The report with its content loaded (list queries defer it); the PDF itself is read
    by `services.report_pdf`."""
    return Report.objects.select_related("purpose", "matter").get(pk=report.pk)


def purposes_for(
    subject: Subject | None = None, *, self_service: bool = False
) -> list[ReportPurpose]:
    qs = ReportPurpose.objects.filter(active=True)
    if self_service:
        qs = qs.filter(self_service=True)
    purposes = list(qs)
    if subject is None:
        return purposes
    wanted = AppliesTo.PERSON if subject.is_person else AppliesTo.ORG
    return [p for p in purposes if p.applies_to in (AppliesTo.ALL, wanted)]


def public_matters(unit_id: int | None = None) -> QuerySet[ApplicationMatter]:
    qs = ApplicationMatter.objects.select_related("unit", "purpose").filter(
        published=True, active=True
    )
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs


def matters_for(user: Any) -> QuerySet[ApplicationMatter]:
    return permissions.scope_to_user_units(
        user, ApplicationMatter.objects.select_related("unit", "purpose"), "unit"
    )


def issuable_matters(user: Any) -> QuerySet[ApplicationMatter]:
    """Matters the user may issue a report for: the credit office any, unit staff their
    own unit's."""
    qs = ApplicationMatter.objects.select_related("unit", "purpose").filter(active=True)
    if permissions.is_credit_admin(user):
        return qs
    unit_id = getattr(user, "unit_id", None)
    return qs.filter(unit_id=unit_id) if unit_id else qs.none()
