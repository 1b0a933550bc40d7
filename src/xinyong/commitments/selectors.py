"""Reads of commitments: scoped lists for staff, the public views (only 可向社会公开,
masked), a subject's commitments for its credit file, the commitments due for their
fulfilment check and a unit's figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from xinyong.core.errors import NotFoundError
from xinyong.core.masking import mask_id_number, mask_name, mask_text
from xinyong.orgs.models import Unit
from xinyong.orgs.permissions import scope_to_user_units
from xinyong.publicity.selectors import visible_filter
from xinyong.subjects.models import Subject, of_subject

from .models import Commitment, CommitmentMatter, Kind

HIDDEN_STATUSES = (Commitment.Status.UNCONFIRMED, Commitment.Status.WITHDRAWN)


def _base() -> QuerySet[Commitment]:
    return Commitment.objects.select_related("subject", "accepting_unit", "matter").exclude(
        status__in=HIDDEN_STATUSES
    )


# A commitment found 部分履行 / 全部未履行: its breach is a dishonesty record (CNWN).
BREACH_STATUSES = (Commitment.Status.PARTLY, Commitment.Status.BROKEN)


def commitments_for_subject(
    subject: Subject | int, *, public_only: bool, today: date | None = None
) -> QuerySet[Commitment]:
    """A subject's commitments and their fulfilment (its credit file). The public sees
    only those marked 可向社会公开, and a broken one only while its breach record (CNWN) is
    itself publicly visible (`publicity.selectors.public_records` on `today`): once that
    record is repaired (国办发〔2025〕22号: repair ends publication), withdrawn (a revoked
    finding leaves view) or past its longest period, the commitment leaves public view
    as a whole — shown without its outcome it would still read as the one unkept
    promise, as a 信用修复型 commitment is kept off view so as not to name the repaired
    penalty. Staff (`public_only=False`) keep the whole history. Those of duplicates
    merged into the subject are its own (merge_subjects leaves them on the absorbed row),
    as for its records and list entries."""
    subject_id = subject if isinstance(subject, int) else subject.pk
    qs = _base().filter(of_subject(subject_id))
    if public_only:
        # The breach record's own visibility, through its join: `breach_record__in` a
        # subquery of every visible record would hash the whole records table per page.
        # A breach without its record (never expected) fails safe: not shown.
        qs = qs.filter(publicity=Commitment.Publicity.PUBLIC).filter(
            ~Q(status__in=BREACH_STATUSES) | visible_filter(today, prefix="breach_record__")
        )
    return qs.order_by("-made_on", "-id")


def due_for_check_q(on: date) -> Q:
    """Commitments whose fulfilment check is due on `on` (到期待核查): still 待核查 with a
    核查期限 on or before `on` — every kind alike: a matter's 核查期限, or a 信用修复型
    commitment's day after the repaired record's longest publicity period. The
    逾期未补正 flag (services.check_overdue) is another matter: the committer of a
    容缺受理型 / 证明事项型 commitment missed a deadline to make good. A date still
    pending (核查期限待定, null until its year's calendar is loaded) is never due."""
    return Q(status=Commitment.Status.PENDING, verify_due__isnull=False, verify_due__lte=on)


def commitments_visible_to(user: Any) -> QuerySet[Commitment]:
    return scope_to_user_units(user, _base(), "accepting_unit").order_by("-id")


def get_commitment_for(user: Any, pk: Any) -> Commitment:
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError("未找到该信用承诺。") from None
    found = commitments_visible_to(user).filter(pk=number).first()
    if found is None:
        raise NotFoundError("未找到该信用承诺，或无权查看。")
    return found


def public_matters(
    *, unit: Unit | None = None, kind: str | None = None
) -> QuerySet[CommitmentMatter]:
    qs = CommitmentMatter.objects.select_related("unit").filter(published=True, active=True)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def matters_for(user: Any) -> QuerySet[CommitmentMatter]:
    return scope_to_user_units(user, CommitmentMatter.objects.select_related("unit"), "unit")


def present_public(c: Commitment) -> dict[str, Any]:
    """A commitment as anyone may see it: personal identifiers masked, and a person's own
    name wherever the free text repeats it (as on the person's records and report)."""
    person = c.committer_is_person
    own = c.committer_name if person else None
    return {
        "code": c.code,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "committer_name": mask_name(c.committer_name) if person else c.committer_name,
        "committer_code": mask_id_number(c.committer_code) if person else c.committer_code,
        "reason": mask_text(c.reason, person_name=own),
        "content": mask_text(c.content, person_name=own),
        "breach_liability": mask_text(c.breach_liability, person_name=own),
        "made_on": c.made_on,
        "valid_until": c.valid_until,
        "accepting_unit": c.accepting_unit.name if c.accepting_unit else "",
        "status": c.status,
        "status_label": c.get_status_display(),
        "verify_due": c.verify_due,
        "verified_on": c.verified_on,
        # 逾期未补正 describes a commitment still waiting to be made good, as on the staff
        # list: once its fulfilment is recorded, the outcome speaks.
        "overdue": c.overdue_flagged_on is not None and c.status == Commitment.Status.PENDING,
        "unfulfilled_content": mask_text(c.unfulfilled_content, person_name=own),
        "liability_action": mask_text(c.liability_action, person_name=own),
    }


def unit_commitment_counts(unit: Unit, period: Any) -> dict[str, Any]:
    """The unit's shared-data figures for commitments in `period` (anything with `start`
    and `end` dates, e.g. collection.selectors.Period): the kinds its matter list covers,
    commitments made per kind, and fulfilment outcomes recorded in the period."""
    made = Commitment.objects.filter(
        accepting_unit=unit, made_on__gte=period.start, made_on__lte=period.end
    ).exclude(status__in=HIDDEN_STATUSES)
    per_kind = dict(made.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    verified = Commitment.objects.filter(
        accepting_unit=unit, verified_on__gte=period.start, verified_on__lte=period.end
    ).aggregate(
        kept=Count("id", filter=Q(status=Commitment.Status.KEPT)),
        partly=Count("id", filter=Q(status=Commitment.Status.PARTLY)),
        broken=Count("id", filter=Q(status=Commitment.Status.BROKEN)),
    )
    covered = set(
        CommitmentMatter.objects.filter(unit=unit, active=True).values_list("kind", flat=True)
    )
    return {
        "unit": unit.name,
        "start": period.start,
        "end": period.end,
        "matters": CommitmentMatter.objects.filter(unit=unit, active=True).count(),
        "kinds_covered": [label for value, label in Kind.choices if value in covered],
        "made": sum(per_kind.values()),
        "by_kind": [
            {"kind": value, "label": label, "count": per_kind.get(value, 0)}
            for value, label in Kind.choices
        ],
        "kept": verified["kept"],
        "partly": verified["partly"],
        "broken": verified["broken"],
        "pending": made.filter(status=Commitment.Status.PENDING).count(),
        "overdue": made.filter(
            status=Commitment.Status.PENDING, overdue_flagged_on__isnull=False
        ).count(),
        "breach_records": made.filter(breach_record__isnull=False).count(),
    }
