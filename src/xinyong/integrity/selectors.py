"""Read side of 政务诚信: what each reader may see (the credit office and leaders every
unit, unit staff their own), a unit's credit file, the monitoring dashboard and the
arrears targets ("no new arrears this year", per unit and for the district)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from xinyong.catalog.models import RecordType
from xinyong.core.errors import NotFoundError
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.records.models import CreditRecord
from xinyong.sanctions.lists import in_force_q
from xinyong.sanctions.models import ListEntry
from xinyong.subjects.models import of_subject

from . import inputs, services
from .models import (
    Alert,
    ArrearsCase,
    CommitmentComplaint,
    GovCommitment,
    GovernmentBody,
    IntegrityCase,
)
from .monitoring import bodies_listed, listed_government_entries, sxbzxr_q

ZERO = Decimal("0.00")


def _wan(value: Any) -> Decimal:
    # SQLite returns sums of decimals without their scale: always two places (万元).
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _get(qs: QuerySet[Any], pk: Any, what: str) -> Any:
    found = qs.filter(pk=inputs.pk(pk)).first()
    if found is None:
        raise NotFoundError(f"{what}不存在或无权查看。")
    return found


def units_for(user: Any) -> QuerySet[Unit]:
    return services.scope(user, Unit.objects.filter(active=True), "pk").order_by(
        "sort_order", "name"
    )


def unit_for(user: Any, pk: Any) -> Unit:
    unit = Unit.objects.filter(pk=inputs.pk(pk)).first()
    if unit is None:
        raise NotFoundError("单位不存在。")
    services.require_read(user, unit)
    return unit


def bodies_for(user: Any) -> QuerySet[GovernmentBody]:
    return services.scope(user, GovernmentBody.objects.select_related("unit", "subject"))


def alerts_for(user: Any) -> QuerySet[Alert]:
    """Alerts of the units the user may read; alerts about a body no unit claims yet
    reach the credit office and leaders only."""
    qs = Alert.objects.select_related("unit", "body", "subject")
    if services.may_read(user) and permissions.readable_unit_ids(user) is None:
        return qs
    return services.scope(user, qs)


def alert_for(user: Any, pk: Any) -> Alert:
    return _get(alerts_for(user), pk, "预警")  # type: ignore[no-any-return]


def cases_for(user: Any) -> QuerySet[IntegrityCase]:
    return services.scope(user, IntegrityCase.objects.select_related("body", "unit", "list_entry"))


def case_for(user: Any, pk: Any) -> IntegrityCase:
    return _get(cases_for(user), pk, "案件")  # type: ignore[no-any-return]


def arrears_for(user: Any) -> QuerySet[ArrearsCase]:
    return services.scope(
        user, ArrearsCase.objects.select_related("body", "unit", "creditor_subject")
    )


def arrears_case_for(user: Any, pk: Any) -> ArrearsCase:
    return _get(arrears_for(user), pk, "拖欠账款")  # type: ignore[no-any-return]


def commitments_for(user: Any) -> QuerySet[GovCommitment]:
    return services.scope(user, GovCommitment.objects.select_related("body", "unit"))


def commitment_for(user: Any, pk: Any) -> GovCommitment:
    return _get(commitments_for(user), pk, "政府承诺")  # type: ignore[no-any-return]


def complaint_for(user: Any, pk: Any) -> CommitmentComplaint:
    qs = services.scope(
        user, CommitmentComplaint.objects.select_related("commitment"), "commitment__unit"
    )
    return _get(qs, pk, "投诉")  # type: ignore[no-any-return]


def published_commitments() -> QuerySet[GovCommitment]:
    """What the portal shows: service commitments and 诚信承诺书 the units published."""
    return (
        GovCommitment.objects.select_related("body", "unit")
        .filter(published=True, kind__in=(GovCommitment.Kind.SERVICE, GovCommitment.Kind.PLEDGE))
        .order_by("unit__sort_order", "kind", "-made_on")
    )


# ---------------------------------------------------------------- arrears targets


@dataclass
class ArrearsTarget:
    unit: Unit | None  # None: the district
    new_cases: int = 0
    new_wan: Decimal = ZERO
    outstanding_cases: int = 0
    outstanding_wan: Decimal = ZERO
    cleared_cases: int = 0

    @property
    def met(self) -> bool:
        return self.new_cases == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit.pk if self.unit else None,
            "unit": self.unit.name if self.unit else "全区",
            "new_cases": self.new_cases,
            "new_wan": str(self.new_wan),
            "outstanding_cases": self.outstanding_cases,
            "outstanding_wan": str(self.outstanding_wan),
            "cleared_cases": self.cleared_cases,
            "target_met": self.met,
        }


def arrears_targets(
    year: int, units: QuerySet[Unit] | list[Unit]
) -> tuple[ArrearsTarget, list[ArrearsTarget]]:
    """The target "无新增拖欠" for `year`: a case is new in the year it became arrears,
    the day after its due date (ArrearsCase.arose_q); cases found not to be arrears do not
    count. Returns the district line and one line per unit with any case (new or
    outstanding)."""
    ids = [u.pk for u in units]
    live = ArrearsCase.objects.filter(unit_id__in=ids).exclude(status=ArrearsCase.Status.REVOKED)
    new = {
        r["unit_id"]: r
        for r in live.filter(ArrearsCase.arose_q(date(year, 1, 1), date(year, 12, 31)))
        .values("unit_id")
        .annotate(n=Count("id"), wan=Sum("amount_wan"))
        .order_by()
    }
    open_rows = {
        r["unit_id"]: r
        for r in live.exclude(status=ArrearsCase.Status.CLEARED)
        .values("unit_id")
        .annotate(n=Count("id"), wan=Sum("amount_wan"), paid=Sum("cleared_wan"))
        .order_by()
    }
    cleared = {
        r["unit_id"]: r["n"]
        for r in live.filter(status=ArrearsCase.Status.CLEARED, cleared_on__year=year)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    district = ArrearsTarget(unit=None)
    rows = []
    for unit in units:
        n, o = new.get(unit.pk), open_rows.get(unit.pk)
        row = ArrearsTarget(
            unit=unit,
            new_cases=n["n"] if n else 0,
            new_wan=_wan(n["wan"]) if n else ZERO,
            outstanding_cases=o["n"] if o else 0,
            outstanding_wan=(_wan(o["wan"]) - _wan(o["paid"])) if o else ZERO,
            cleared_cases=cleared.get(unit.pk, 0),
        )
        district.new_cases += row.new_cases
        district.new_wan += row.new_wan
        district.outstanding_cases += row.outstanding_cases
        district.outstanding_wan += row.outstanding_wan
        district.cleared_cases += row.cleared_cases
        if row.new_cases or row.outstanding_cases or row.cleared_cases:
            rows.append(row)
    return district, rows


# ---------------------------------------------------------------- dashboard and file


def dashboard(user: Any, *, on: date | None = None) -> dict[str, Any]:
    day = on or timezone.localdate()
    units = units_for(user)
    listed = listed_government_entries(day)
    readable = permissions.readable_unit_ids(user)
    if readable is not None:
        ids = sorted(readable)
        listed = listed.filter(
            Q(subject__integrity_bodies__unit_id__in=ids)
            | Q(subject__merged_into__integrity_bodies__unit_id__in=ids)
        ).distinct()
    entries = list(listed)
    district, rows = arrears_targets(day.year, units)
    alerts = alerts_for(user)
    cases = cases_for(user)
    return {
        "on": day,
        "listed": entries,
        # The target counts bodies; `listed` has one line per entry.
        "listed_count": bodies_listed(entries),
        "open_alerts": alerts.exclude(status=Alert.Status.RESOLVED).order_by("-raised_on", "-id"),
        "alert_counts": {
            "open": alerts.filter(status=Alert.Status.OPEN).count(),
            "acknowledged": alerts.filter(status=Alert.Status.ACKNOWLEDGED).count(),
        },
        "pending_cases": cases.exclude(stage=IntegrityCase.Stage.CLOSED).order_by(
            "stage", "-opened_on"
        ),
        "arrears_district": district,
        "arrears_rows": rows,
    }


def dashboard_json(user: Any, *, on: date | None = None) -> dict[str, Any]:
    data = dashboard(user, on=on)
    return {
        "on": data["on"].isoformat(),
        "government_bodies_on_sxbzxr": data["listed_count"],
        "target_government_bodies_on_sxbzxr": 0,
        "listed": [
            {
                "entry_id": e.pk,
                "subject": e.subject.name,
                "basis_document": e.basis_document,
                "effective_from": e.effective_from.isoformat() if e.effective_from else None,
            }
            for e in data["listed"]
        ],
        "alerts": data["alert_counts"],
        "pending_cases": data["pending_cases"].count(),
        "arrears": data["arrears_district"].as_json(),
        "arrears_by_unit": [r.as_json() for r in data["arrears_rows"]],
    }


@dataclass
class BodyFile:
    body: GovernmentBody
    sxbzxr: list[ListEntry] = field(default_factory=list)
    sxbzxr_in_force: list[int] = field(default_factory=list)
    penalties: list[CreditRecord] = field(default_factory=list)


def unit_file(unit: Unit, *, on: date | None = None) -> dict[str, Any]:
    """A unit's credit file: its bodies with their 失信被执行人 entries and penalties
    (from the platform's records), its cases by kind (judgments not executed, broken
    contracts, 新官不理旧账, discipline), arrears and commitments."""
    day = on or timezone.localdate()
    bodies = list(
        GovernmentBody.objects.filter(unit=unit).select_related("subject").order_by("kind", "name")
    )
    files = []
    for body in bodies:
        f = BodyFile(body=body)
        if body.subject_id:
            entries = (
                ListEntry.objects.filter(of_subject(body.subject_id))
                .filter(sxbzxr_q())
                .select_related("list_type")
            )
            f.sxbzxr = list(entries.order_by("-id"))
            f.sxbzxr_in_force = list(entries.filter(in_force_q(day)).values_list("pk", flat=True))
            # The record type as a subquery, not a join: joined, the planner starts from
            # every 行政处罚 record of the district (index record_type_decided, which also
            # gives the order) instead of the body's few through the subject index.
            f.penalties = list(
                CreditRecord.objects.filter(
                    of_subject(body.subject_id),
                    record_type__in=RecordType.objects.filter(code="XZCF").values("pk"),
                    status=CreditRecord.Status.ACTIVE,
                ).order_by("-decision_date")
            )
        files.append(f)
    cases = IntegrityCase.objects.filter(unit=unit).select_related("body").prefetch_related("steps")
    by_kind = [
        (label, [c for c in cases if c.kind == kind]) for kind, label in IntegrityCase.Kind.choices
    ]
    return {
        "unit": unit,
        "on": day,
        "bodies": files,
        "cases_by_kind": by_kind,
        "arrears": ArrearsCase.objects.filter(unit=unit).select_related("body"),
        "commitments": GovCommitment.objects.filter(unit=unit)
        .select_related("body")
        .annotate(n_complaints=Count("complaints")),
        "alerts": Alert.objects.filter(unit=unit).exclude(status=Alert.Status.RESOLVED),
        "listed_count": sum(1 for f in files if f.sxbzxr_in_force),
        "open_cases": cases.exclude(stage=IntegrityCase.Stage.CLOSED).count(),
        "broken": GovCommitment.objects.filter(
            unit=unit, status=GovCommitment.Status.BROKEN
        ).count(),
    }


def unit_file_json(unit: Unit, *, on: date | None = None) -> dict[str, Any]:
    data = unit_file(unit, on=on)
    return {
        "unit": {"id": unit.pk, "name": unit.name},
        "on": data["on"].isoformat(),
        "bodies": [
            {
                "id": f.body.pk,
                "name": f.body.name,
                "kind": f.body.kind,
                "kind_label": f.body.get_kind_display(),
                "uscc": f.body.subject.identifier if f.body.subject else "",
                "sxbzxr": [
                    {
                        "entry_id": e.pk,
                        "basis_document": e.basis_document,
                        "status": e.status,
                        "in_force": e.pk in f.sxbzxr_in_force,
                        "effective_from": e.effective_from.isoformat()
                        if e.effective_from
                        else None,
                    }
                    for e in f.sxbzxr
                ],
                "penalties": [
                    {
                        "document_number": r.document_number,
                        "decision_date": r.decision_date.isoformat() if r.decision_date else None,
                        "deciding_unit": r.deciding_unit_name,
                    }
                    for r in f.penalties
                ],
            }
            for f in data["bodies"]
        ],
        "cases": [
            {
                "id": c.pk,
                "kind": c.kind,
                "kind_label": c.get_kind_display(),
                "stage": c.stage,
                "title": c.title,
                "case_number": c.case_number,
                "opened_on": c.opened_on.isoformat(),
            }
            for _label, items in data["cases_by_kind"]
            for c in items
        ],
        "arrears": [
            {
                "id": a.pk,
                "creditor": a.creditor_name,
                "amount_wan": str(a.amount_wan),
                "outstanding_wan": str(a.outstanding_wan),
                "due_on": a.due_on.isoformat(),
                "status": a.status,
            }
            for a in data["arrears"]
        ],
        "commitments": [
            {
                "id": c.pk,
                "kind": c.kind,
                "title": c.title,
                "status": c.status,
                "complaints": c.n_complaints,
            }
            for c in data["commitments"]
        ],
        "open_alerts": data["alerts"].count(),
    }
