"""Monitoring of government bodies (DOMAIN.md §11: zero government bodies on the
失信被执行人 list, no new arrears).

Two paths lead to the same alerts, so nothing is missed and nothing is doubled (alerts
are keyed):
- the `sanctions.signals.entry_changed` receiver reacts the moment a list entry changes
  (a court file import, a local listing, a removal);
- the daily job `integrity.scan` looks at the whole picture again (entries that were in
  force before this app was installed, bodies linked later, units added later, arrears
  and pending cases without their alert).

"Government body" = a subject linked to a unit's body (GovernmentBody: the unit itself,
its 事业单位 and 国有企业), or any subject whose USCC carries authority code 1
(`Subject.is_government_body`, 机构编制) even when no unit claims it yet — that one
alerts the credit office alone, asking to link it to its unit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Unit
from xinyong.orgs.services import resolve_unit_name
from xinyong.sanctions.lists import in_force_q
from xinyong.sanctions.models import ListEntry
from xinyong.subjects.models import Subject, of_subject

from . import services
from .models import Alert, ArrearsCase, CaseStep, GovernmentBody, IntegrityCase

logger = logging.getLogger(__name__)

SXBZXR_FIELD = "失信被执行人"
SXBZXR_RECORD_TYPE = "SXBZXR"


def sxbzxr_q(prefix: str = "") -> Q:
    """Entries of a list whose field is 失信被执行人 (the court's list), the same rule as
    sanctions.lists.list_share."""
    return Q(**{f"{prefix}list_type__field": SXBZXR_FIELD}) | Q(
        **{f"{prefix}list_type__record_type__code": SXBZXR_RECORD_TYPE}
    )


def government_subjects() -> QuerySet[Subject]:
    """Subjects of government bodies, with those merged into one (a court listing that came
    in under a duplicate subject keeps its entry there: subjects.merge_subjects). A body
    whose own subject was absorbed follows it to the survivor (follow_merged_subjects)."""
    linked = GovernmentBody.objects.filter(subject__isnull=False, active=True).values("subject_id")
    return Subject.objects.filter(
        Q(pk__in=linked)
        | Q(is_government_body=True)
        | Q(merged_into__in=linked)
        | Q(merged_into__is_government_body=True)
    )


def body_for_subject(subject: Subject) -> GovernmentBody | None:
    ids = [subject.pk]
    if subject.merged_into_id:
        ids.append(subject.merged_into_id)
    return (
        GovernmentBody.objects.select_related("unit", "subject")
        .filter(subject_id__in=ids, active=True)
        .first()
    )


def sxbzxr_alert_key(entry: ListEntry) -> str:
    return f"sxbzxr:{entry.pk}"


def _guess_unit(name: str) -> Unit | None:
    """The unit a government body's registered name most likely belongs to (安阳市北关区
    市场监督管理局 → 区市场监管局), for the message only: linking stays a decision."""
    candidates = [name]
    city, district = settings.XINYONG_CITY, settings.XINYONG_DISTRICT
    for prefix in (f"{city}{district}人民政府", f"{city}{district}", district):
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            candidates += [rest, "区" + rest, rest.removesuffix("办事处")]
    for candidate in candidates:
        try:
            found = resolve_unit_name(candidate)
        except DomainError:  # an unknown spelling is simply no guess
            continue
        if isinstance(found, Unit):
            return found
    return None


def _is_listed(entry: ListEntry, on: date) -> bool:
    return ListEntry.objects.filter(pk=entry.pk).filter(in_force_q(on)).exists()


@dataclass
class EntryOutcome:
    alert: Alert | None = None
    alert_created: bool = False
    case: IntegrityCase | None = None
    resolved: Alert | None = None


def _listed(entry: ListEntry, body: GovernmentBody | None, on: date, actor: Any) -> EntryOutcome:
    subject = entry.subject
    if body is None:
        guess = _guess_unit(subject.name)
        hint = f"按名称判断可能属于“{guess.name}”，" if guess else ""
        out = EntryOutcome()
        out.alert, out.alert_created = services.ensure_alert(
            key=sxbzxr_alert_key(entry),
            kind=Alert.Kind.SXBZXR,
            level=Alert.Level.SEVERE,
            title=f"政府机构 {subject.name} 被列入失信被执行人名单",
            detail=(
                f"{subject.name}（{subject.identifier}）因“{entry.basis_document}”被列入"
                f"{entry.list_type.name}，生效日期 {entry.effective_from}。{hint}"
                "该机构尚未登记主管单位，请信用办核实并在政务诚信主体中登记，以便督促履行。"
            ),
            on=on,
            subject=subject,
        )
        return out
    # An alert raised while no body was known for the subject (not yet linked, or a
    # duplicate subject since merged into the body's) now names the unit.
    Alert.objects.filter(key=sxbzxr_alert_key(entry), unit__isnull=True).update(
        unit=body.unit, body=body
    )
    out = EntryOutcome()
    out.alert, out.alert_created = services.ensure_alert(
        key=sxbzxr_alert_key(entry),
        kind=Alert.Kind.SXBZXR,
        level=Alert.Level.SEVERE,
        title=f"{body.name}（{body.unit.name}）被列入失信被执行人名单",
        detail=(
            f"{body.name}因“{entry.basis_document}”被{entry.designating_authority or '法院'}"
            f"列入{entry.list_type.name}，生效日期 {entry.effective_from}。"
            "目标为政府机构失信被执行人清零：请主管单位立即履行生效法律文书确定的义务，"
            "并申请移出名单；信用办进入履约督办。"
        ),
        on=on,
        unit=body.unit,
        body=body,
    )
    case = IntegrityCase.objects.filter(list_entry=entry).first()
    if case is None:
        # A pending case registered before the finding (预警) moves on to 履约督办.
        case = (
            IntegrityCase.objects.filter(
                body=body,
                kind=IntegrityCase.Kind.ENFORCEMENT,
                list_entry__isnull=True,
                case_number=entry.basis_document[:100],
            )
            .exclude(stage=IntegrityCase.Stage.CLOSED)
            .first()
        )
        if case is None:
            case = IntegrityCase.objects.create(
                body=body,
                unit=body.unit,
                kind=IntegrityCase.Kind.ENFORCEMENT,
                stage=IntegrityCase.Stage.SUPERVISION,
                title=f"{body.name} 失信被执行人（{entry.basis_document}）"[:200],
                case_number=entry.basis_document[:100],
                authority=entry.designating_authority[:200],
                description=entry.reasons,
                opened_on=entry.effective_from or on,
            )
        case.list_entry = entry
        case.stage = IntegrityCase.Stage.SUPERVISION
        case.finding_on = entry.effective_from or on
        case.save()
        CaseStep.objects.create(
            case=case,
            kind=CaseStep.Kind.LISTED,
            on=entry.effective_from or on,
            note=f"列入{entry.list_type.name}（{entry.basis_document}），进入履约督办",
        )
        services.close_alert(
            services.case_alert_key(case), on=on, resolution="已被列入失信被执行人，转入履约督办"
        )
    out.case = case
    return out


def _removed(entry: ListEntry, on: date) -> EntryOutcome:
    out = EntryOutcome()
    why = entry.removal_reason or entry.get_status_display()
    out.resolved = services.close_alert(
        sxbzxr_alert_key(entry), on=on, resolution=f"已移出失信被执行人名单：{why}"
    )
    for case in IntegrityCase.objects.filter(list_entry=entry).exclude(
        stage=IntegrityCase.Stage.CLOSED
    ):
        CaseStep.objects.create(
            case=case, kind=CaseStep.Kind.REMOVED, on=on, note=f"移出{entry.list_type.name}：{why}"
        )
        case.stage = IntegrityCase.Stage.CLOSED
        case.closed_on = on
        case.outcome = f"已移出失信被执行人名单（{why}）"
        case.save()
        out.case = case
    return out


def handle_entry(*, actor: Any, entry: ListEntry, on: date | None = None) -> EntryOutcome | None:
    """React to one list entry of a government body: listed → alert to the credit office
    and the unit, and a case in 履约督办; removed → alert lifted, case closed. Returns None
    when the entry does not concern a government body or nothing changed; idempotent."""
    if not ListEntry.objects.filter(pk=entry.pk).filter(sxbzxr_q()).exists():
        return None
    subject = entry.subject
    body = body_for_subject(subject)
    if body is None and not subject.is_government_body:
        return None
    day = on or timezone.localdate()
    with transaction.atomic():
        if entry.status in (ListEntry.Status.LISTED,) and _is_listed(entry, day):
            out = _listed(entry, body, day, actor)
            if not out.alert_created:
                return None
            action = "integrity.sxbzxr_listed"
        elif entry.status in (ListEntry.Status.REMOVED, ListEntry.Status.CANCELLED):
            # Never lifted before the entry left the list: a scan of an earlier day, on
            # which the entry was still in force, dates the lifting on its removal.
            if entry.removed_on is not None and entry.removed_on > day:
                day = entry.removed_on
            out = _removed(entry, day)
            if out.resolved is None and out.case is None:
                return None
            action = "integrity.sxbzxr_removed"
        else:
            return None
        hit = out.alert or out.resolved
        record_event(
            actor=actor,
            action=action,
            target_type="sanctions.ListEntry",
            target_id=entry.pk,
            target_repr=f"{subject.name} · {entry.list_type.name}",
            new={
                "body_id": body.pk if body else None,
                "unit_id": body.unit_id if body else None,
                "alert_id": hit.pk if hit is not None else None,
                "case_id": out.case.pk if out.case else None,
                "on": day,
            },
        )
    return out


def listed_alerts_for_body(*, body: GovernmentBody, on: date) -> list[Alert]:
    """Called when a subject is linked to a body, or another subject merged into the
    body's: entries already in force alert now (those raised unclaimed name the unit).
    The caller (services.register_body, on_subjects_merged) records the event."""
    if body.subject_id is None:
        return []
    found = []
    entries = (
        ListEntry.objects.filter(of_subject(body.subject_id))
        .filter(sxbzxr_q())
        .filter(in_force_q(on))
    )
    for entry in entries.select_related("list_type", "subject"):
        out = _listed(entry, body, on, None)
        if out.alert is not None:
            found.append(out.alert)
    return found


def on_entry_changed(
    sender: Any, entry: Any = None, change: Any = None, actor: Any = None, **_: Any
) -> None:
    """Receiver of sanctions.signals.entry_changed, inside the listing's transaction. A
    failure here must not undo a court list import: it is rolled back to its own
    savepoint and logged, and the daily scan raises the alert instead."""
    if entry is None:
        return
    try:
        with transaction.atomic():
            handle_entry(actor=actor, entry=entry, on=getattr(change, "on", None))
    except Exception:
        logger.exception("integrity: entry %s not handled; the daily scan will retry", entry.pk)


def follow_merged_subjects(*, actor: Any, into: Subject | None = None) -> list[GovernmentBody]:
    """Bodies linked to a subject since merged into another move to the survivor: the
    merge moves the identifiers there, so every later court listing and record lands on
    it, and the absorbed subject's own rows still count through `of_subject`. `into`: only
    the subjects merged into that one (the merge receiver); None: all of them (the daily
    scan, for merges made before bodies followed their subject, or a receiver that failed).
    A survivor another body already holds is left alone: the same organisation registered
    twice is for the credit office to settle, and that body gets the later listings."""
    moved = []
    bodies = GovernmentBody.objects.select_related("unit", "subject").filter(
        subject__merged_into__isnull=False
    )
    if into is not None:
        bodies = bodies.filter(subject__merged_into=into)
    for body in bodies.order_by("id"):
        old_id = body.subject_id
        new_id = body.subject.merged_into_id if body.subject is not None else None
        if new_id is None or GovernmentBody.objects.filter(subject_id=new_id).exists():
            continue
        body.subject_id = new_id
        body.save(update_fields=["subject", "updated_at"])
        record_event(
            actor=actor,
            action="integrity.body_subject_merged",
            target_type="integrity.GovernmentBody",
            target_id=body.pk,
            target_repr=f"{body.unit.name} · {body.name}",
            old={"subject_id": old_id},
            new={"subject_id": new_id},
        )
        moved.append(body)
    return moved


def on_subjects_merged(sender: Any, keep: Any = None, actor: Any = None, **_: Any) -> None:
    """Receiver of subjects.signals.subjects_merged, inside the merge's transaction: a body
    linked to the absorbed subject moves to the survivor, and the absorbed subject's
    listings now concern the body linked to the survivor. As for a listing, a failure is
    rolled back to its own savepoint and the daily scan retries."""
    if keep is None:
        return
    try:
        with transaction.atomic():
            follow_merged_subjects(actor=actor, into=keep)
            for body in GovernmentBody.objects.select_related("unit").filter(
                subject_id=keep.pk, active=True
            ):
                alerts = listed_alerts_for_body(body=body, on=timezone.localdate())
                if alerts:
                    record_event(
                        actor=actor,
                        action="integrity.body_merged_listings",
                        target_type="integrity.GovernmentBody",
                        target_id=body.pk,
                        target_repr=f"{body.unit.name} · {body.name}",
                        new={"subject_id": keep.pk, "alerts": [a.pk for a in alerts]},
                    )
    except Exception:
        logger.exception("integrity: merge into subject %s not handled", keep.pk)


# ---------------------------------------------------------------- the daily scan


@dataclass
class ScanResult:
    on: date
    organ_bodies_created: int = 0
    sxbzxr_alerts: list[int] = field(default_factory=list)
    sxbzxr_resolved: list[int] = field(default_factory=list)
    arrears_alerts: list[int] = field(default_factory=list)
    case_alerts: list[int] = field(default_factory=list)
    government_bodies_listed: list[dict[str, Any]] = field(default_factory=list)  # by entry
    listed_count: int = 0  # bodies (bodies_listed)
    open_alerts: int = 0
    pending_cases: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "organ_bodies_created": self.organ_bodies_created,
            "new_sxbzxr_alerts": len(self.sxbzxr_alerts),
            "resolved_sxbzxr_alerts": len(self.sxbzxr_resolved),
            "new_arrears_alerts": len(self.arrears_alerts),
            "new_case_alerts": len(self.case_alerts),
            "government_bodies_on_sxbzxr": self.listed_count,
            "government_bodies": self.government_bodies_listed,
            "open_alerts": self.open_alerts,
            "pending_cases": self.pending_cases,
        }

    def summary(self) -> str:
        return (
            f"政务诚信监测 {self.on.isoformat()}：列入失信被执行人的政府机构 "
            f"{self.listed_count} 个（目标 0），新预警 "
            f"{len(self.sxbzxr_alerts) + len(self.arrears_alerts) + len(self.case_alerts)} 条，"
            f"解除 {len(self.sxbzxr_resolved)} 条，待处理预警 {self.open_alerts} 条，"
            f"未结案件 {self.pending_cases} 件"
        )


def bodies_listed(entries: Any) -> int:
    """How many government bodies the entries in force concern: the target counts bodies,
    and one body with two court cases is one body (as in the evaluation, `_m_sxbzxr`, and
    the unit's file)."""
    return len({e.subject.merged_into_id or e.subject_id for e in entries})


def listed_government_entries(on: date) -> QuerySet[ListEntry]:
    return (
        ListEntry.objects.select_related("list_type", "subject")
        .filter(sxbzxr_q(), in_force_q(on), subject__in=government_subjects())
        .order_by("id")
    )


def scan(*, actor: Any = None, on: date | None = None) -> ScanResult:
    """The safety net behind the signal receiver; idempotent (alerts are keyed)."""
    services.require_office(actor, "运行政务诚信监测")
    day = on or timezone.localdate()
    result = ScanResult(on=day)
    result.organ_bodies_created = len(services.ensure_organ_bodies(actor=actor))
    with transaction.atomic():
        follow_merged_subjects(actor=actor)
    listed = list(listed_government_entries(day))
    result.listed_count = bodies_listed(listed)
    for entry in listed:
        out = handle_entry(actor=actor, entry=entry, on=day)
        if out is not None and out.alert_created and out.alert is not None:
            result.sxbzxr_alerts.append(out.alert.pk)
        body = body_for_subject(entry.subject)
        result.government_bodies_listed.append(
            {
                "entry_id": entry.pk,
                "subject": entry.subject.name,
                "unit": body.unit.name if body else None,
                "basis_document": entry.basis_document,
                "effective_from": entry.effective_from.isoformat()
                if entry.effective_from
                else None,
            }
        )
    # Alerts whose entry is no longer in force (removed, expired) are lifted — as of
    # today, never of an earlier day: a scan of a past day (`--on`) would otherwise take
    # an entry that took effect after that day for a removed one and lift the alert of a
    # body still on the list.
    lift_on = max(day, timezone.localdate())
    for alert in Alert.objects.filter(kind=Alert.Kind.SXBZXR).exclude(status=Alert.Status.RESOLVED):
        entry_id = int(alert.key.split(":", 1)[1])
        gone = ListEntry.objects.select_related("list_type", "subject").filter(pk=entry_id).first()
        if (
            gone is None
            or not ListEntry.objects.filter(pk=entry_id).filter(in_force_q(lift_on)).exists()
        ):
            with transaction.atomic():
                if gone is not None:
                    out = _removed(gone, lift_on)
                else:
                    out = EntryOutcome(
                        resolved=services.close_alert(
                            alert.key, on=lift_on, resolution="名单条目已不存在"
                        )
                    )
                if out.resolved is not None:
                    result.sxbzxr_resolved.append(out.resolved.pk)
                    record_event(
                        actor=actor,
                        action="integrity.sxbzxr_removed",
                        target_type="integrity.Alert",
                        target_id=out.resolved.pk,
                        target_repr=out.resolved.title,
                        new={"on": lift_on, "case_id": out.case.pk if out.case else None},
                    )
    # Arrears and pending cases registered without their alert (e.g. loaded from files).
    with transaction.atomic():
        raised: list[str] = []
        for arrears in ArrearsCase.objects.select_related("body", "unit").filter(
            status__in=(ArrearsCase.Status.OPEN, ArrearsCase.Status.PARTIAL)
        ):
            alert, created = services.warn_arrears(arrears, day)
            if created:
                result.arrears_alerts.append(alert.pk)
                raised.append(alert.key)
        for case in IntegrityCase.objects.select_related("body", "unit").filter(
            kind=IntegrityCase.Kind.ENFORCEMENT, stage=IntegrityCase.Stage.WARNING
        ):
            alert, created = services.warn_pending_case(case, day)
            if created:
                result.case_alerts.append(alert.pk)
                raised.append(alert.key)
        if raised:
            record_event(
                actor=actor,
                action="integrity.scan_alerts",
                target_type="integrity.Alert",
                target_id="",
                target_repr=f"补发预警 {len(raised)} 条",
                new={"keys": raised, "on": day},
            )
    result.open_alerts = Alert.objects.exclude(status=Alert.Status.RESOLVED).count()
    result.pending_cases = IntegrityCase.objects.exclude(stage=IntegrityCase.Stage.CLOSED).count()
    return result


def run_daily_scan() -> str:
    return scan(actor=None).summary()
