"""Dishonesty events (失信事件, seed task 11): events found by monitoring are registered,
assigned to a unit with a deadline, handled by that unit, and their handling published on
the portal (/credit/events/).

Deadline: ``add_workdays(assigned_on, n)`` with n from ``settings.XINYONG_EVENT_HANDLING_WORKDAYS``
(default 5 working days — the office's own working rule, not a legal period; a district
sets its own through the environment/settings). The credit office may also give a
calendar date for one event, which stays as given. A computed deadline reaching into a
year whose working-day calendar is not loaded is stored as 期限待定 (null, never overdue)
and filled, like one moved by a later calendar edit, by `sanctions.deadlines`.

Publication: only the title and the text the credit office writes for the public are
shown, passed through ``core.masking.mask_text`` (the text when it is stored and again
when it is shown), so that no ID number or mobile number leaks; a natural person involved
is shown by the first character of the name only, in the subject column and wherever the
title or text repeats the name. An event that was not published never appears publicly.

Staff see an event's texts (title, description, handling, public text) masked the same
way (`masked_text`) — the workspace pages, the governance API, the CLI and the event
log's object column — since none of them asks a purpose and logs a read of the person's
data (DOMAIN.md §2, §6: least privilege). The stored texts stay as entered.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinyong.core.audit import record_event
from xinyong.core.calendar import add_workdays_if_known
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import clean_text
from xinyong.core.masking import mask_name, mask_text
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.subjects.models import Subject

from .deadlines import pending_note
from .models import DishonestyEvent

DEFAULT_HANDLING_WORKDAYS = 5
Status = DishonestyEvent.Status


def handling_workdays() -> int:
    value = getattr(settings, "XINYONG_EVENT_HANDLING_WORKDAYS", DEFAULT_HANDLING_WORKDAYS)
    try:
        n = int(value)
    except (TypeError, ValueError):
        return DEFAULT_HANDLING_WORKDAYS
    return n if n > 0 else DEFAULT_HANDLING_WORKDAYS


def today() -> date:
    return timezone.localdate()


def _date(value: Any, label: str, *, not_after_today: bool = True) -> date:
    if not isinstance(value, date):
        raise DomainError(f"请填写{label}（YYYY-MM-DD）。")
    if not_after_today and value > today():
        raise DomainError(f"{label} {value.isoformat()} 晚于今天。")
    return value


def _snapshot(event: DishonestyEvent) -> dict[str, Any]:
    return {
        "title": event.title,
        "source": event.source,
        "subject": event.subject_id,
        "detected_on": event.detected_on,
        "assigned_unit": event.assigned_unit.name if event.assigned_unit else None,
        "due_on": event.due_on,
        "due_computed": event.due_computed,
        "status": event.status,
        "handled_on": event.handled_on,
        "published_on": event.published_on,
    }


def _event(actor: Any, action: str, event: DishonestyEvent, old: Any, new: Any) -> None:
    record_event(
        actor=actor,
        action=f"sanctions.{action}",
        target_type="sanctions.DishonestyEvent",
        target_id=event.pk,
        target_repr=masked_text(event, event.title),
        old=old,
        new=new,
    )


def _locked(event: DishonestyEvent) -> DishonestyEvent:
    return (
        DishonestyEvent.objects.select_for_update(of=("self",))
        .select_related("assigned_unit", "subject")
        .get(pk=event.pk)
    )


@transaction.atomic
def register_event(
    *,
    actor: Any,
    title: str,
    source: str,
    description: str,
    detected_on: date,
    subject: Subject | None = None,
) -> DishonestyEvent:
    """Register an event found by monitoring (credit office)."""
    permissions.require(actor, "credit_admin")
    if subject is not None and subject.merged_into_id:
        raise DomainError("该信用主体已合并至其他主体，请选择合并后的主体。")
    event = DishonestyEvent.objects.create(
        title=clean_text(title, "事件名称", limit=200),
        source=clean_text(source, "监测来源", limit=200),
        description=clean_text(description, "事件情况"),
        detected_on=_date(detected_on, "发现日期"),
        subject=subject,
    )
    _event(actor, "event_registered", event, None, _snapshot(event))
    return event


@transaction.atomic
def assign_event(
    *,
    actor: Any,
    event: DishonestyEvent,
    unit: Unit,
    on: date | None = None,
    due_on: date | None = None,
) -> DishonestyEvent:
    """Assign (or re-assign, before it is handled) an event to a unit. The deadline is
    ``due_on`` or ``add_workdays(on, handling_workdays())`` — 期限待定 (None) while that
    reaches into a year whose working-day calendar is not loaded."""
    permissions.require(actor, "credit_admin")
    event = _locked(event)
    if event.status not in (Status.REGISTERED, Status.ASSIGNED):
        raise DomainError(f"事件状态为“{event.get_status_display()}”，不能再交办。")
    if not unit.active:
        raise DomainError(f"“{unit.name}”已停用，不能承办。")
    on = on or today()
    if on < event.detected_on:
        raise DomainError("交办日期不能早于发现日期。")
    computed = due_on is None
    due = add_workdays_if_known(on, handling_workdays()) if computed else due_on
    if due is not None and due < on:
        raise DomainError(f"处置期限 {due.isoformat()} 早于交办日期 {on.isoformat()}。")
    old = _snapshot(event)
    event.assigned_unit = unit
    event.assigned_on = on
    event.due_on = due
    event.due_computed = computed
    event.status = Status.ASSIGNED
    event.save(
        update_fields=[
            "assigned_unit",
            "assigned_on",
            "due_on",
            "due_computed",
            "status",
            "updated_at",
        ]
    )
    _event(actor, "event_assigned", event, old, {**_snapshot(event), "assigned_on": on})
    return event


@transaction.atomic
def record_handling(
    *, actor: Any, event: DishonestyEvent, handling: str, on: date
) -> DishonestyEvent:
    """The assigned unit (or the credit office) records how the event was handled."""
    event = _locked(event)
    if event.status != Status.ASSIGNED or event.assigned_unit_id is None:
        raise DomainError("只有已交办、尚未处置的事件可以登记处置情况。")
    if not permissions.can_write_unit_data(actor, event.assigned_unit_id):
        raise NotPermitted(f"只有承办单位“{event.assigned_unit}”或信用办可以登记处置情况。")
    on = _date(on, "处置日期")
    if on < event.detected_on:
        raise DomainError("处置日期不能早于发现日期。")
    old = _snapshot(event)
    event.handling = clean_text(handling, "处置情况")
    event.handled_on = on
    event.status = Status.HANDLED
    event.save(update_fields=["handling", "handled_on", "status", "updated_at"])
    _event(actor, "event_handled", event, old, {**_snapshot(event), "handling": event.handling})
    return event


@transaction.atomic
def publish_event(
    *, actor: Any, event: DishonestyEvent, public_text: str, on: date | None = None
) -> DishonestyEvent:
    """Publish the handling on the portal (credit office). The public text is masked."""
    permissions.require(actor, "credit_admin")
    event = _locked(event)
    if event.status != Status.HANDLED:
        raise DomainError("只有已处置的事件可以公布处置情况。")
    on = _date(on or today(), "公布日期")
    if event.handled_on and on < event.handled_on:
        raise DomainError("公布日期不能早于处置日期。")
    old = _snapshot(event)
    event.public_text = mask_text(
        clean_text(public_text, "公布内容"), person_name=_person_name(event)
    )
    event.published_on = on
    event.status = Status.PUBLISHED
    event.save(update_fields=["public_text", "published_on", "status", "updated_at"])
    _event(
        actor, "event_published", event, old, {**_snapshot(event), "public_text": event.public_text}
    )
    return event


# ------------------------------------------------------------------ selectors


def due_pending(event: DishonestyEvent) -> bool:
    """An assigned event whose computed deadline is not known yet (期限待定)."""
    return event.due_on is None and event.due_computed and event.assigned_on is not None


def due_text(event: DishonestyEvent) -> str:
    """The handling deadline as pages and the CLI show it: "2026-10-10",
    "期限待定（2027 年工作日历尚未导入）", or "" before the event is assigned."""
    if event.due_on is not None:
        return event.due_on.isoformat()
    if due_pending(event):
        return pending_note(event.assigned_on, handling_workdays())
    return ""


def is_overdue(event: DishonestyEvent, on: date | None = None) -> bool:
    return (
        event.status == Status.ASSIGNED
        and event.due_on is not None
        and event.due_on < (on or today())
    )


def all_events(
    *, status: str = "", overdue: bool = False, on: date | None = None
) -> QuerySet[DishonestyEvent]:
    """Every event (unscoped: for the operator's CLI and the scoped selector below)."""
    qs = DishonestyEvent.objects.select_related("assigned_unit", "subject").order_by(
        "-detected_on", "-id"
    )
    if status:
        if status not in Status.values:
            raise DomainError("事件状态无效。")
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=Status.ASSIGNED, due_on__lt=on or today())
    return qs


def events_for(
    reader: Any, *, status: str = "", overdue: bool = False, on: date | None = None
) -> QuerySet[DishonestyEvent]:
    """Events ``reader`` may see: every event for the credit office and leaders, a unit's
    own assigned events for its staff."""
    qs = all_events(status=status, overdue=overdue, on=on)
    return permissions.scope_to_user_units(reader, qs, "assigned_unit")


def get_event(reader: Any, event_id: Any) -> DishonestyEvent:
    try:
        pk = int(event_id)
    except (TypeError, ValueError):
        raise NotFoundError("事件编号无效。") from None
    event = events_for(reader).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if event is None:
        raise NotFoundError(f"失信事件 {pk} 不存在或无权查看。")
    return event


def published_events() -> QuerySet[DishonestyEvent]:
    """What the portal shows: published events only."""
    return (
        DishonestyEvent.objects.filter(
            Q(status=Status.PUBLISHED) & Q(published_on__isnull=False) & ~Q(public_text="")
        )
        .select_related("assigned_unit", "subject")
        .order_by("-published_on", "-id")
    )


def _person_name(event: DishonestyEvent) -> str | None:
    """The full name of the natural person the event involves, masked wherever the
    public title or text repeats it (DOMAIN.md §2)."""
    subject = event.subject
    return subject.name if subject is not None and subject.is_person else None


def masked_text(event: DishonestyEvent, text: str) -> str:
    """One of `event`'s texts as it is shown, to the public and to staff alike: ID and
    phone numbers masked, and the full name of the natural person the event involves."""
    return mask_text(text, person_name=_person_name(event))


def staff_texts(event: DishonestyEvent) -> dict[str, str]:
    """The event's texts as staff see them (workspace pages, API), each through
    `masked_text`."""
    return {
        name: masked_text(event, getattr(event, name))
        for name in ("title", "source", "description", "handling", "public_text")
    }


def public_view(event: DishonestyEvent) -> dict[str, Any]:
    """One published event as the public may see it (masked)."""
    subject = event.subject
    subject_name = ""
    if subject is not None:
        subject_name = mask_name(subject.name) if subject.is_person else subject.name
    return {
        "id": event.pk,
        "title": masked_text(event, event.title),
        "subject": subject_name,
        "detected_on": event.detected_on.isoformat(),
        "unit": event.assigned_unit.name if event.assigned_unit else "",
        "handled_on": event.handled_on.isoformat() if event.handled_on else "",
        "published_on": event.published_on.isoformat() if event.published_on else "",
        "public_text": masked_text(event, event.public_text),
    }
