"""Reads of personnel files. Nothing here logs: the services that open a file for a
reader (`services.open_file`, `services.open_own_files`) log the read and then call
`file_view`; the other selectors return no personal data beyond masked labels.

`counts_as_dishonesty` is the one rule every count uses — the file summary, the score, the
exports and the 诚信典型 check — so that an item exempt under 容错免责 never counts
anywhere."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from xinyong.orgs.models import Unit

from . import access
from .models import FileItem, Grade, ItemKind, Nomination, Person

OPEN_OBJECTION_STATUSES = ("received", "forwarded", "provider_replied")

# The file's score for promotion and commendation decisions: a plain sum that anyone can
# recompute by hand. Commendations and 优秀 add, 基本称职/不称职 and counted dishonesty
# subtract; an exempt item is left out entirely (seed: 容错免责 excluded).
SCORE_BASE = 100
SCORE_COMMENDATION = 2
SCORE_GRADE = {Grade.EXCELLENT: 2, Grade.COMPETENT: 0, Grade.BASIC: -3, Grade.INCOMPETENT: -10}
SCORE_DISHONESTY = -10


def counts_as_dishonesty(item: FileItem) -> bool:
    return (
        item.kind == ItemKind.DISHONESTY
        and item.status == FileItem.Status.ACTIVE
        and not item.exempt
    )


COUNTED_DISHONESTY = Q(kind=ItemKind.DISHONESTY, status=FileItem.Status.ACTIVE, exempt=False)


def countable_dishonesty(qs: QuerySet[FileItem]) -> QuerySet[FileItem]:
    return qs.filter(COUNTED_DISHONESTY)


@dataclass
class FileSummary:
    commendations: int = 0
    assessments: dict[int, str] = field(default_factory=dict)
    dishonesty: int = 0
    exempt: int = 0
    revoked: int = 0
    score: int = SCORE_BASE

    @property
    def conclusion(self) -> str:
        return "有计入的失信记录" if self.dishonesty else "无计入的失信记录"

    def as_dict(self) -> dict[str, Any]:
        return {
            "commendations": self.commendations,
            "assessments": {str(y): g for y, g in sorted(self.assessments.items())},
            "dishonesty": self.dishonesty,
            "exempt": self.exempt,
            "revoked": self.revoked,
            "score": self.score,
            "conclusion": self.conclusion,
        }


def summarise(items: Iterable[FileItem]) -> FileSummary:
    summary = FileSummary()
    for item in items:
        if item.status != FileItem.Status.ACTIVE:
            summary.revoked += 1
            continue
        if item.kind == ItemKind.COMMENDATION:
            summary.commendations += 1
            summary.score += SCORE_COMMENDATION
        elif item.kind == ItemKind.ASSESSMENT and item.year is not None:
            summary.assessments[item.year] = item.get_grade_display()
            summary.score += SCORE_GRADE.get(Grade(item.grade), 0) if item.grade else 0
        elif item.exempt:
            summary.exempt += 1
        elif counts_as_dishonesty(item):
            summary.dishonesty += 1
            summary.score += SCORE_DISHONESTY
    return summary


def item_dict(item: FileItem, open_objection: str = "") -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "title": item.title,
        "year": item.year,
        "grade": item.grade,
        "grade_label": item.get_grade_display() if item.grade else "",
        "source": item.source,
        "source_label": item.get_source_display() if item.source else "",
        "issuer": item.issuer,
        "source_unit": item.source_unit.name if item.source_unit_id and item.source_unit else "",
        "document_number": item.document_number,
        "document_date": item.document_date,
        "description": item.description,
        "status": item.status,
        "status_label": item.get_status_display(),
        "revoked_on": item.revoked_on,
        "revoked_reason": item.revoked_reason,
        "counts_as_dishonesty": counts_as_dishonesty(item),
        "exempt": item.exempt,
        "exemption": (
            {
                "ground": item.exemption_ground,
                "ground_label": item.get_exemption_ground_display(),
                "body": item.exemption_body,
                "document": item.exemption_document,
                "date": item.exemption_date,
                "reason": item.exemption_reason,
            }
            if item.exempt
            else None
        ),
        "open_objection": open_objection,
    }


def _open_objections(items: list[FileItem]) -> dict[int, str]:
    from .models import ItemObjection

    links = ItemObjection.objects.filter(
        item__in=items, objection__status__in=OPEN_OBJECTION_STATUSES
    ).select_related("objection")
    return {link.item_id: link.objection.query_code for link in links}


def file_view(person: Person) -> dict[str, Any]:
    """The whole file of one person, for a reader who was admitted and logged."""
    items = list(
        person.items.select_related("source_unit").order_by("kind", "-document_date", "-id")
    )
    pending = _open_objections(items)
    summary = summarise(items)
    return {
        "person": {
            "id": person.pk,
            "category": person.category.name,
            "category_code": person.category.code,
            "keeper_unit": person.category.keeper_unit.name,
            "name": person.name,
            "id_number_masked": person.masked_id,
            "unit": person.unit.name if person.unit_id and person.unit else "",
            "employer": person.employer,
            "post": person.post,
            "licence_number": person.licence_number,
        },
        "summary": summary.as_dict(),
        "items": [item_dict(i, pending.get(i.pk, "")) for i in items],
    }


def persons_readable_by(user: Any) -> QuerySet[Person]:
    """The persons whose files `user` may open (listed with masked labels only)."""
    qs = Person.objects.select_related("category", "category__keeper_unit", "unit")
    ids = [p.pk for p in qs.filter(active=True) if access.can_read(user, p)]
    return qs.filter(pk__in=ids)


def find_persons(id_number: str) -> list[Person]:
    return list(
        Person.objects.select_related("category", "category__keeper_unit", "unit").filter(
            id_number=id_number
        )
    )


def dishonesty_within(person: Person, *, on: date, years: int) -> int:
    """Counted dishonesty items dated within `years` years before `on` (inclusive), in
    every file held under the person's ID number: the same person may have a 公务员 file
    and a practitioner's file, and a record in either speaks to their honesty."""
    try:
        start = on.replace(year=on.year - years)
    except ValueError:  # 29 February
        start = on.replace(year=on.year - years, day=28)
    return countable_dishonesty(
        FileItem.objects.filter(
            person__id_number=person.id_number, document_date__gte=start, document_date__lte=on
        )
    ).count()


def unit_open_findings(unit: Unit, *, on: date) -> list[str]:
    """The 政务诚信 findings against `unit` still open on `on`, as Chinese lines: severe
    alerts (警示: 列入失信被执行人, 新增拖欠, 政府承诺未兑现 including 新官不理旧账) raised by
    then and not lifted before it, and cases in 履约督办 (found, not closed by then).
    Read-only on the integrity app's tables; the alert's own unit or, for an alert on a
    body, the body's supervising unit. A community is no unit of its own: its street is
    `unit`, so the street's findings are the community's."""
    from xinyong.integrity.models import Alert, IntegrityCase

    alerts = (
        Alert.objects.filter(Q(unit=unit) | Q(body__unit=unit))
        .filter(level=Alert.Level.SEVERE, raised_on__lte=on)
        .filter(~Q(status=Alert.Status.RESOLVED) | Q(resolved_on__gt=on))
        .order_by("raised_on", "id")
        .distinct()
    )
    cases = (
        IntegrityCase.objects.filter(unit=unit, finding_on__lte=on)
        .exclude(stage=IntegrityCase.Stage.WARNING)
        .filter(~Q(stage=IntegrityCase.Stage.CLOSED) | Q(closed_on__gt=on))
        .order_by("finding_on", "id")
    )
    return [
        f"警示“{a.title}”（{a.raised_on.isoformat()} 发出，{a.get_status_display()}）"
        for a in alerts
    ] + [
        f"履约督办案件“{c.get_kind_display()}：{c.title}”（{c.finding_on.isoformat()} 认定）"
        for c in cases
        if c.finding_on is not None
    ]


def public_honours(year: int | None = None) -> QuerySet[Nomination]:
    qs = Nomination.objects.filter(status=Nomination.Status.SELECTED).select_related(
        "kind", "person", "person__unit", "unit", "nominated_by_unit"
    )
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "kind__sort_order", "decided_on", "id")


def present_public_honour(n: Nomination) -> dict[str, Any]:
    """What the portal shows: personal names masked, no ID number, deeds with any ID or
    phone number masked."""
    return {
        "id": n.pk,
        "year": n.year,
        "kind": n.kind.name,
        "nominee": n.nominee_label,
        "nominated_by": n.nominated_by_unit.name,
        "deeds": _masked_deeds(n),
        "decided_on": n.decided_on,
        "decision_document": n.decision_document,
    }


def _masked_deeds(n: Nomination) -> str:
    from xinyong.core.masking import mask_text

    text = mask_text(n.deeds)
    if n.person_id and n.person is not None and n.person.name:
        text = text.replace(n.person.name, n.person.masked_name)
    return text


def honour_years() -> list[int]:
    return sorted(
        set(
            Nomination.objects.filter(status=Nomination.Status.SELECTED).values_list(
                "year", flat=True
            )
        ),
        reverse=True,
    )


def nominations_visible_to(user: Any, roles: Iterable[str]) -> QuerySet[Nomination]:
    """The 诚信典型 nominations `user` may read: every unit's for the roles that read the
    whole district (None scope), else those of the units it may read plus its own
    nominating unit (组织部门's own unit is outside its granted read scope). Accounts
    outside `roles` (the roles the 诚信典型 pages admit) see their own unit's only."""
    from xinyong.orgs import permissions

    qs = Nomination.objects.all()
    readable = permissions.readable_unit_ids(user)
    if readable is None:
        return qs
    if permissions.role_of(user) not in set(roles):
        readable = set()
    own = getattr(user, "unit_id", None)
    return qs.filter(nominated_by_unit_id__in=sorted(readable | ({own} if own else set())))
