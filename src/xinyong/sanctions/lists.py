"""Lists (名单): their types and entries — services (the one write path) and selectors.

Rules implemented here (DOMAIN §7–8):

- a list type needs a legal basis, a designating authority and entry/exit criteria, and
  may not concern a forbidden matter (国办发〔2020〕49号; catalog.selectors.check_lawful_matter);
- a list designated outside the district (`locally_designable` False: the court's
  失信被执行人名单) is never proposed here: its entries come only from upstream
  (sanctions.importer), since finding 失信 needs the authority's effective document;
- only the units a list type names (`ListType.designating_units`, e.g. 区税务局 for the
  重大税收违法失信主体名单) propose entries on it, and the credit office on every type:
  each list has its own designating authority (DOMAIN §7); a proposal recorded for
  another unit is refused, and one made before the rule cannot take effect;
- an entry's end date stays within its type's term (`default_duration_months`: 人社部令
  第45号, 国家税务总局令第54号, 市场监管总局令第44号 — 3 years) counted from the proposal
  day, at proposal and when it takes effect (国办发〔2020〕49号: no heavier punishment
  than the law sets); imported entries follow the upstream document instead;
- a black-list entry (`ListType.needs_prior_notice`: the type's flag, and every serious
  list the district designates) starts as 拟列入 and takes effect only after the prior
  written notice was served and the objection period ran out, unless an objection
  against it was decided 维持 (河南条例 art. 28) — and never from a day before the notice
  was served, nor before that 维持 decision;
- an entry rests on an active basis record: a withdrawn one is refused, and withdrawing
  the basis ends the entries on it (`end_entries_of_withdrawn_record`);
- a red-list entry is published first (公示中) for its full publicity period counted from
  the day it is actually published, and takes effect after it (河南条例 art. 28): a red
  type cannot drop 先行公示, and a red entry must end after its publicity;
  `promote_due_entries` is the job that does it (one entry it cannot promote or end is
  held, never stopping the rest);
- a serious listing ends the subject's red entries at once, a removal already scheduled
  for a later day included (the red list's exit criteria: 立即移出);
- a working-day period reaching into a year whose calendar is not loaded (publicity end,
  objection deadline) is stored as 期限待定 (null): the red entry stays 公示中 and the
  black entry cannot take effect until the year is loaded and `sanctions.deadlines`
  computed the date;
- a removed or expired entry never looks active (`active_entries`), and every status
  change leaves a ListEntryChange row, one event and the `entry_changed` signal.
"""

from __future__ import annotations

import calendar as pycalendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from xinyong.catalog.models import RecordType
from xinyong.catalog.selectors import check_lawful_matter, describe_forbidden
from xinyong.core.audit import record_event
from xinyong.core.calendar import add_workdays_if_known
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import clean_day, positive_id
from xinyong.core.legal_basis import basis_problem
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import IdentifierType, Subject, SubjectKind, of_subject
from xinyong.subjects.selectors import masked_repr
from xinyong.subjects.services import resolve

from .deadlines import pending_note
from .models import ListEntry, ListEntryChange, ListType, Measure
from .signals import entry_changed

Status = ListEntry.Status
OPEN_STATUSES = (Status.PROPOSED, Status.PUBLICISING, Status.LISTED)
TYPE_TARGET = "sanctions.ListType"
ENTRY_TARGET = "sanctions.ListEntry"

LIST_TYPE_ATTRS = (
    "code",
    "name",
    "kind",
    "field",
    "legal_basis",
    "designating_authority",
    "locally_designable",
    "designating_units",
    "entry_criteria",
    "exit_criteria",
    "default_duration_months",
    "requires_prior_notice",
    "notice_objection_workdays",
    "publish_before_effect",
    "publicity_workdays",
    "record_type",
    "active",
)


# ---------------------------------------------------------------- small helpers


def _text(value: Any, label: str, *, max_length: int | None = None, required: bool = True) -> str:
    text = " ".join(str(value or "").split()) if value is not None else ""
    if required and not text:
        raise DomainError(f"请填写{label}。")
    if max_length is not None and len(text) > max_length:
        raise DomainError(f"{label}过长：最多 {max_length} 个字。")
    return text


def _long_text(value: Any, label: str, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"请填写{label}。")
    return text


# No list this platform carries is older than this (the earliest national one, 失信被执行人
# 名单, dates from 2013), so an earlier date is a typing error, not history; the floor also
# keeps date arithmetic (add_months, working days) far from date.min.
def _day(value: Any, label: str, *, not_after_today: bool = False) -> date:
    """A date the user gave (core.inputs.clean_day: EARLIEST_DAY on and, for steps that
    record what already happened — proposal, notice served, taking effect — not after
    today)."""
    return clean_day(value, label, not_after_today=not_after_today)


def add_months(d: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (2026-01-31 + 1 →
    2026-02-28)."""
    total = d.month - 1 + months
    year, month = d.year + total // 12, total % 12 + 1
    if not 1 <= year <= 9999:
        raise DomainError(f"日期 {d.isoformat()} 加 {months} 个月超出可计算的范围，请核对。")
    return date(year, month, min(d.day, pycalendar.monthrange(year, month)[1]))


def default_end(list_type: ListType, effective_from: date) -> date | None:
    """The last day of the default duration (inclusive), or None for "until removed"."""
    months = list_type.default_duration_months
    if not months:
        return None
    return add_months(effective_from, months) - timedelta(days=1)


def _lock(entry: ListEntry) -> ListEntry:
    return (
        ListEntry.objects.select_for_update()
        .select_related("list_type", "subject")
        .get(pk=entry.pk)
    )


def _entry_repr(entry: ListEntry) -> str:
    return f"{entry.list_type.name} · {masked_repr(entry.subject)}"


def _entry_snapshot(entry: ListEntry) -> dict[str, Any]:
    return {
        "list_type": entry.list_type.code,
        "subject_id": entry.subject_id,
        "status": entry.status,
        "source": entry.source,
        "basis_document": entry.basis_document,
        "basis_record_id": entry.basis_record_id,
        "designating_unit_id": entry.designating_unit_id,
        "notice_number": entry.notice_number,
        "notice_served_on": entry.notice_served_on,
        "objection_deadline": entry.objection_deadline,
        "publicity_from": entry.publicity_from,
        "publicity_until": entry.publicity_until,
        "effective_from": entry.effective_from,
        "ends_on": entry.ends_on,
        "removed_on": entry.removed_on,
        "removal_reason": entry.removal_reason,
        "upstream_key": entry.upstream_key,
    }


def _change(
    entry: ListEntry, *, actor: Any, from_status: str, on: date, note: str = ""
) -> ListEntryChange:
    change = ListEntryChange.objects.create(
        entry=entry,
        from_status=from_status,
        to_status=entry.status,
        on=on,
        note=note,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    entry_changed.send(sender=ListEntry, entry=entry, change=change, actor=actor)
    return change


def _event(
    actor: Any, action: str, entry: ListEntry, old: dict[str, Any] | None, **extra: Any
) -> None:
    new = _entry_snapshot(entry)
    new.update(extra)
    record_event(
        actor=actor,
        action=action,
        target_type=ENTRY_TARGET,
        target_id=entry.pk,
        target_repr=_entry_repr(entry),
        old=old,
        new=new,
    )


# ---------------------------------------------------------------- permissions


def can_manage_entry(user: Any, entry: ListEntry | None = None, *, unit: Any = None) -> bool:
    """Credit admins manage every entry; a unit's reporter or reviewer manages the local
    entries their unit designated. The system (actor None) may do everything."""
    if user is None:
        return True
    role = permissions.role_of(user)
    if role == Role.CREDIT_ADMIN:
        return True
    if entry is not None:
        if entry.source == ListEntry.Source.UPSTREAM:
            return False
        unit = entry.designating_unit_id
    return unit is not None and permissions.can_write_unit_data(user, unit)


def _require_manage(actor: Any, entry: ListEntry) -> None:
    if can_manage_entry(actor, entry):
        return
    if permissions.role_of(actor) is None:
        raise NotPermitted("请先登录，或账号已停用。")
    if entry.source == ListEntry.Source.UPSTREAM:
        raise NotPermitted("上级推送的名单条目只能由信用办管理员处理。")
    raise NotPermitted("只有信用办管理员或该条目的认定单位可以办理此名单条目。")


def entries_visible_to(user: Any) -> QuerySet[ListEntry]:
    """Entries `user` may read: everything for credit admins and leaders, the entries a
    unit designated for its staff (and for users granted that unit)."""
    qs = ListEntry.objects.select_related("list_type", "subject", "designating_unit")
    ids = permissions.readable_unit_ids(user)
    if ids is None:
        return qs
    if not ids:
        return qs.none()
    return qs.filter(designating_unit_id__in=sorted(ids))


def get_entry(user: Any, pk: Any) -> ListEntry:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError(f"名单条目编号“{pk}”无效。") from None
    entry = entries_visible_to(user).filter(pk=key).first() if 0 < key < 2**63 else None
    if entry is None:
        raise NotFoundError(f"名单条目 {key} 不存在，或您无权查看。")
    return entry


# ---------------------------------------------------------------- list types


def _lawfulness(values: Mapping[str, Any]) -> None:
    """A type without a legal basis is refused; so is one whose name or criteria name a
    forbidden matter (国办发〔2020〕49号: no 泛化 of dishonesty lists)."""
    basis = str(values.get("legal_basis") or "").strip()
    if not basis:
        raise DomainError("名单类型必须写明法律、法规或中央政策文件依据，无依据的名单不得设立。")
    problem = basis_problem(basis)
    if problem:
        raise DomainError(f"名单类型的法律依据“{basis[:50]}”{problem}，无依据的名单不得设立。")
    text = " ".join(
        str(values.get(k) or "")
        for k in ("name", "field", "entry_criteria", "exit_criteria", "legal_basis")
    )
    hits = check_lawful_matter(text)
    if hits:
        raise DomainError(f"名单类型涉及不得纳入失信管理的事项：{describe_forbidden(hits)}")


def validate_list_type(values: Mapping[str, Any], *, instance: ListType | None = None) -> None:
    """Every rule a list type must meet; the admin form and the services both call it."""
    code = str(values.get("code") or "").strip()
    if not code:
        raise DomainError("请填写名单类型代码。")
    if len(code) > 30:
        raise DomainError("名单类型代码过长：最多 30 个字符。")
    _text(values.get("name"), "名单名称", max_length=100)
    if values.get("kind") not in ListType.Kind.values:
        allowed = "、".join(str(label) for label in ListType.Kind.labels)
        raise DomainError(f"名单类别“{values.get('kind')}”无效，可选：{allowed}。")
    _text(values.get("designating_authority"), "认定机关", max_length=200)
    _long_text(values.get("entry_criteria"), "列入条件")
    _long_text(values.get("exit_criteria"), "移出条件")
    _lawfulness(values)
    for key, label in (
        ("notice_objection_workdays", "告知后异议期"),
        ("publicity_workdays", "生效前公示期"),
    ):
        value = values.get(key)
        if value is not None and (not isinstance(value, int) or not 0 < value <= 60):
            raise DomainError(f"{label}应为 1 至 60 个工作日。")
    months = values.get("default_duration_months")
    if months is not None and (not isinstance(months, int) or not 0 < months <= 120):
        raise DomainError("默认有效期应为 1 至 120 个月，或留空表示直至移出。")
    if values.get("kind") == ListType.Kind.RED and values.get("requires_prior_notice"):
        raise DomainError("红名单不适用列入前书面告知（失信惩戒程序），应设为生效前先行公示。")
    local = values.get("locally_designable") is not False
    if (
        values.get("kind") == ListType.Kind.RED
        and local
        and not values.get("publish_before_effect")
    ):
        # 河南条例 art. 28: red-list entries are published before they take effect; without
        # the flag a proposal would be a plain 拟列入 that could be listed the same day. A
        # red list designated outside the district was published by its authority.
        raise DomainError(
            "由本区认定的红名单生效前必须先行公示（河南条例第二十八条）："
            "请勾选“生效前先行公示（红名单）”，或认定机关在本区之外时取消“本区可认定”。"
        )
    if not local and values.get("designating_units"):
        # Its entries come only from upstream files (or the credit office), never from a
        # district unit acting on another authority's behalf.
        raise DomainError(
            "“本区可认定”未勾选的名单由本区以外的机关认定，条目只能随上级推送导入或由信用办办理，"
            "不能指定本区认定单位。"
        )
    if (
        values.get("kind") == ListType.Kind.SERIOUS
        and local
        and not values.get("requires_prior_notice")
    ):
        raise DomainError(
            "由本区认定的严重失信主体名单列入前必须书面告知依据、理由、措施和异议权利"
            "（河南条例第二十八条）：请勾选“列入前须书面告知”，"
            "或认定机关在本区之外时取消“本区可认定”。"
        )
    clash = ListType.objects.filter(Q(code=code) | Q(name=str(values.get("name")).strip()))
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise DomainError(f"已有代码为“{code}”或名称相同的名单类型。")


def _type_snapshot(lt: ListType) -> dict[str, Any]:
    data = {
        k: getattr(lt, k) for k in LIST_TYPE_ATTRS if k not in ("record_type", "designating_units")
    }
    data["record_type"] = lt.record_type.code if lt.record_type_id and lt.record_type else None
    data["designating_units"] = (
        sorted(lt.designating_units.values_list("name", flat=True)) if lt.pk else []
    )
    return data


def _type_values(lt: ListType) -> dict[str, Any]:
    """The type's LIST_TYPE_ATTRS as validate_list_type reads them."""
    values = {k: getattr(lt, k) for k in LIST_TYPE_ATTRS if k != "designating_units"}
    values["designating_units"] = list(lt.designating_units.all())
    return values


def _resolve_record_type(value: Any) -> RecordType | None:
    if value in (None, ""):
        return None
    if isinstance(value, RecordType):
        return value
    found = RecordType.objects.filter(code=str(value).strip().upper()).first()
    if found is None:
        raise DomainError(f"公共信用信息目录中没有信息类别“{value}”。")
    return found


def _resolve_units(value: Any) -> list[Unit]:
    """The units that may designate on a type, from Units or any spelling of a unit's or
    group's name (orgs.services.resolve_units: a group stands for its members)."""
    from xinyong.orgs.services import resolve_units

    if value in (None, ""):
        return []
    items = [value] if isinstance(value, (str, Unit)) else list(value)
    found: list[Unit] = []
    for item in items:
        for unit in [item] if isinstance(item, Unit) else resolve_units(str(item)):
            if unit not in found:
                found.append(unit)
    return found


def create_list_type(*, actor: Any, **values: Any) -> ListType:
    """Add a list type (credit office). `values` are LIST_TYPE_ATTRS; designating_units
    are Units or unit/group names (none: only the credit office proposes on it)."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    unknown = set(values) - set(LIST_TYPE_ATTRS)
    if unknown:
        raise TypeError(f"unknown list type attributes: {sorted(unknown)}")
    values = {**values, "code": str(values.get("code") or "").strip()}
    values["record_type"] = _resolve_record_type(values.get("record_type"))
    units = _resolve_units(values.pop("designating_units", None))
    validate_list_type({**values, "designating_units": units})
    with transaction.atomic():
        lt = ListType.objects.create(**values)
        lt.designating_units.set(units)
        record_event(
            actor=actor,
            action="sanctions.list_type_create",
            target_type=TYPE_TARGET,
            target_id=lt.pk,
            target_repr=lt.name,
            new=_type_snapshot(lt),
        )
    return lt


def update_list_type(*, actor: Any, list_type: ListType, **changes: Any) -> ListType:
    """Change a list type (credit office); refused when the result breaks a rule."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    unknown = set(changes) - set(LIST_TYPE_ATTRS)
    if unknown:
        raise TypeError(f"unknown list type attributes: {sorted(unknown)}")
    if "record_type" in changes:
        changes["record_type"] = _resolve_record_type(changes["record_type"])
    units = (
        _resolve_units(changes.pop("designating_units")) if "designating_units" in changes else None
    )
    with transaction.atomic():
        lt = ListType.objects.select_for_update().get(pk=list_type.pk)
        old = _type_snapshot(lt)
        merged = _type_values(lt) | changes
        if units is not None:
            merged["designating_units"] = units
        validate_list_type(merged, instance=lt)
        for key, value in changes.items():
            setattr(lt, key, value)
        if units is not None:
            lt.designating_units.set(units)
        new = _type_snapshot(lt)
        if new == old:
            return lt
        lt.save()
        record_event(
            actor=actor,
            action="sanctions.list_type_update",
            target_type=TYPE_TARGET,
            target_id=lt.pk,
            target_repr=lt.name,
            old=old,
            new=new,
        )
    return lt


def get_list_type(value: Any) -> ListType:
    """A list type by id, code (any case), name or field (领域, e.g. 失信被执行人)."""
    if isinstance(value, ListType):
        return value
    text = str(value or "").strip()
    if not text:
        raise DomainError("请指定名单类型（代码或名称）。")
    qs = ListType.objects.select_related("record_type")
    # An id is ASCII digits (`positive_id`): "²" passes str.isdigit() but int() refused it.
    pk = positive_id(text)
    found = (
        (qs.filter(pk=pk).first() if pk else None)
        or qs.filter(code__iexact=text).first()
        or qs.filter(name=text).first()
    )
    if found is None:
        by_field = list(qs.filter(field=text)[:2])
        found = by_field[0] if len(by_field) == 1 else None
    if found is None:
        raise NotFoundError(f"没有名单类型“{text}”。")
    return found


def measures_for(list_type: ListType, on: date) -> list[Measure]:
    """The measures in force on `on` that apply to the list type (with their bases)."""
    return list(
        Measure.objects.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=on),
            list_types=list_type,
            active=True,
            effective_from__lte=on,
        )
        .exclude(legal_basis="")
        .order_by("kind", "code")
    )


# ---------------------------------------------------------------- entries: selectors


def in_force_q(on: date) -> Q:
    """The condition "in force on `on`" for any ListEntry queryset (see active_entries)."""
    return (
        (Q(status=Status.LISTED) | Q(status=Status.REMOVED, removed_on__gt=on))
        & Q(effective_from__isnull=False, effective_from__lte=on)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))
    )


def active_entries(subject: Subject, on: date) -> QuerySet[ListEntry]:
    """The entries in force for `subject` on `on`: listed on or before that day, not yet
    removed on that day, and not past their end. A removed entry is never active from its
    removal date on; proposed, publicising and cancelled entries never are. Entries of
    subjects merged into `subject` count as its own."""
    return (
        ListEntry.objects.select_related("list_type", "subject")
        .filter(of_subject(subject))
        .filter(in_force_q(on))
        .order_by("list_type__kind", "list_type__code", "id")
    )


def entry_objections(entry: ListEntry) -> QuerySet[Any]:
    """Objections that concern the entry: filed against it directly, or against its basis
    record while the entry existed (filed or decided since it was proposed, or undecided).

    Objections are filed against a record (rights.objections, 河南条例 art. 41); contesting
    the record an entry rests on contests the entry (art. 28). The relation is derived here
    rather than written as a link when the objection is filed, so the rights app needs no
    knowledge of lists and no objection can be missed by a link that was never written."""
    from xinyong.rights.models import Objection

    q = Q(pk__in=entry.objections.values("pk"))
    if entry.basis_record_id:
        first = entry.changes.order_by("id").first()
        since = first.on if first else entry.created_at.date()
        on_record = Q(record_id=entry.basis_record_id)
        # Alive at some point while the entry existed: filed since, still open, or decided
        # since (an objection filed earlier and decided 撤销 later still undoes the entry).
        q |= on_record & (
            Q(received_on__gte=since)
            | ~Q(status=Objection.Status.DECIDED)
            | Q(decided_on__gte=since)
        )
    return Objection.objects.filter(q).order_by("id")


def red_list_public(on: date) -> QuerySet[ListEntry]:
    """Red-list entries the public sees on `on`: those in publicity and those in force."""
    red = ListEntry.objects.select_related("list_type", "subject").filter(
        list_type__kind=ListType.Kind.RED
    )
    return red.filter(Q(status=Status.PUBLICISING) | in_force_q(on)).order_by("status", "-id")


# Published kinds (serious lists, 经营异常名录, red list); the 重点关注名单 is the units'
# supervision tool and is never shown to the public.
PUBLIC_KINDS = (ListType.Kind.SERIOUS, ListType.Kind.ABNORMAL, ListType.Kind.RED)
PUNISHMENT_KINDS = (ListType.Kind.SERIOUS, ListType.Kind.ABNORMAL)


def public_entries_of(subject_id: int, on: date) -> QuerySet[ListEntry]:
    """A subject's published entries in force on `on` (merged-away subjects' included),
    in one query: the subject's public page pays one query for its lists."""
    return (
        ListEntry.objects.select_related("list_type", "designating_unit")
        .filter(of_subject(subject_id))
        .filter(list_type__kind__in=PUBLIC_KINDS)
        .filter(in_force_q(on))
        .order_by("list_type__kind", "-effective_from", "-id")
    )


def punishment_entries_public(on: date) -> QuerySet[ListEntry]:
    """The public 失信主体名单 on `on`: serious lists and 经营异常名录 in force, of
    organisations and 个体工商户 only (a person's data is public only to whoever holds
    the full ID number and name, on the person's own page).

    An entry of a subject merged into another stays in force for the survivor (the check
    and `active_entries` count it there), so it is listed here too and shown under the
    surviving subject (`subject.merged_into`): a public page must not disagree with the
    check."""
    return (
        ListEntry.objects.select_related(
            "list_type", "subject", "subject__merged_into", "designating_unit"
        )
        .filter(list_type__kind__in=PUNISHMENT_KINDS)
        .exclude(subject__kind=SubjectKind.PERSON)
        .exclude(subject__merged_into__kind=SubjectKind.PERSON)
        .filter(in_force_q(on))
        .order_by("list_type__kind", "list_type__code", "-effective_from", "-id")
    )


# ---------------------------------------------------------------- entries: services


def _subject(value: Any) -> Subject:
    if isinstance(value, Subject):
        return resolve(value)
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFoundError(f"信用主体“{value}”不存在。") from None
    found = Subject.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if found is None:
        raise NotFoundError(f"信用主体 {pk} 不存在。")
    return resolve(found)


def find_basis_record(actor: Any, value: Any) -> CreditRecord | None:
    """The credit record a proposal rests on, from its platform id as the API or the form
    gives it (None when not given). A record outside the actor's units answers like a
    missing one, so that ids cannot be probed."""
    if value is None or value == "":
        return None
    if isinstance(value, CreditRecord):
        return value
    pk = positive_id(value)
    if pk is None:
        raise DomainError(f"依据记录编号“{str(value)[:40]}”无效：应为正整数（信用记录编号）。")
    from xinyong.records.selectors import records_visible_to

    found = records_visible_to(actor).filter(pk=pk).first()
    if found is None:
        raise NotFoundError(f"依据记录 {pk} 不存在，或您无权查看。")
    return found


def serious_in_force(subject: Subject, *days: date) -> ListEntry | None:
    """An entry of a serious-dishonesty list in force for `subject` on any of `days`."""
    for day in days:
        found = active_entries(subject, day).filter(list_type__kind=ListType.Kind.SERIOUS).first()
        if found is not None:
            return found
    return None


def _red_refusal(subject: Subject, *days: date) -> str | None:
    # The RED type's own entry criteria (data/list_types.json): "没有严重失信记录".
    serious = serious_in_force(subject, *days)
    if serious is None:
        return None
    since = serious.effective_from.isoformat() if serious.effective_from else "—"
    return (
        f"该主体在“{serious.list_type.name}”中（认定文书 {serious.basis_document}，"
        f"{since} 起生效），有严重失信记录，不能列入红名单（红名单列入条件：没有严重失信记录）。"
    )


def _notice_number(entry: ListEntry, on: date) -> str:
    return f"XYGZ{on.year}{entry.pk:06d}"


def _upstream_only(lt: ListType) -> str:
    return (
        f"“{lt.name}”由{lt.designating_authority}认定，条目只能由信用办随上级推送的名单文件导入，"
        "本区单位不能自行提出列入或使其生效（认定失信须有认定机关具法律效力的文书）。"
    )


def designation_refusal(lt: ListType, unit: Unit | None, *, actor: Any = None) -> str | None:
    """Why `unit` may not be recorded as designating an entry on `lt`, or None.

    Each list has its own designating authority, and finding 失信 needs that authority's
    effective document (DOMAIN §7; e.g. SX_TAX: 税务机关, 国家税务总局令第54号): only the
    units the type names may designate on it. The credit office's own unit stands for the
    office, which may act on every type — when a credit admin (or the system, actor None)
    acts, or, for an entry already proposed, whoever proposed it. An entry without a
    designating unit is the system's."""
    if unit is None:
        return None
    if unit.is_credit_office and (actor is None or permissions.role_of(actor) == Role.CREDIT_ADMIN):
        return None
    allowed = list(lt.designating_units.order_by("sort_order", "name"))
    if unit in allowed:
        return None
    if not allowed:
        return (
            f"“{lt.name}”未指定本区可认定单位，只有信用办可以在该名单中提出列入；"
            f"如{unit.name}是该名单的认定机关，请信用办在名单类型中增加。"
        )
    names = "、".join(u.name for u in allowed) if len(allowed) <= 5 else lt.designating_authority
    return (
        f"“{lt.name}”由{names}认定，{unit.name}不能在该名单中提出列入或使其生效"
        "（认定失信须由认定机关作出具法律效力的文书）。"
    )


def term_refusal(lt: ListType, start: date, ends_on: date | None) -> str | None:
    """Why `ends_on` is past the type's term counted from `start`, or None.

    The type's `default_duration_months` is its legal term (人社部令第45号, 国家税务总局令
    第54号, 市场监管总局令第44号: 3 years); an entry may not run longer than the law sets
    (国办发〔2020〕49号: 不得超过法定期限加重惩戒; 河南条例 art. 31). Checked where a person
    types an end date; an upstream import follows the upstream document instead."""
    cap = default_end(lt, start)
    if cap is None or ends_on is None or ends_on <= cap:
        return None
    basis = " ".join(lt.legal_basis.split()).rstrip("。")
    return (
        f"有效期至 {ends_on.isoformat()} 超过“{lt.name}”的列入期限 "
        f"{lt.default_duration_months} 个月（自 {start.isoformat()} 起至 {cap.isoformat()} 止）；"
        f"依据：{basis}。"
    )


def _withdrawal_of(record: CreditRecord) -> Any:
    # The reverse one-to-one raises (an AttributeError) when the record has no withdrawal.
    return getattr(record, "withdrawal", None)


def _withdrawn_phrase(record: CreditRecord, day: date | None = None) -> str:
    """How the basis went away, as in 依据记录（北关环罚〔2026〕1号）已于 2026-11-20 撤销."""
    from xinyong.records.models import RecordWithdrawal

    withdrawal = _withdrawal_of(record)
    day = withdrawal.withdrawn_on if withdrawal is not None else day
    when = f"已于 {day.isoformat()} " if day else "已"
    voided = withdrawal is not None and withdrawal.kind == RecordWithdrawal.Kind.KEYING_ERROR
    return f"依据记录（{record.document_number}）{when}{'作为录入错误作废' if voided else '撤销'}"


def _withdrawn_basis(record: CreditRecord) -> str:
    """Why a withdrawn basis record cannot carry an entry, naming the withdrawal."""
    return (
        f"{_withdrawn_phrase(record)}（记录编号 {record.pk}），"
        "不能作为列入名单的依据（认定失信须有具法律效力的文书）。"
    )


def propose_entry(
    *,
    actor: Any,
    list_type: ListType,
    subject: Subject,
    basis_document: str,
    reasons: str,
    on: date,
    designating_unit: Unit | None = None,
    designating_authority: str = "",
    basis_record: CreditRecord | None = None,
    ends_on: date | None = None,
) -> ListEntry:
    """Propose listing `subject` on `list_type` on `on` (the day of the proposal).

    Refused for a type designated outside the district (its entries come from upstream
    only) and for a basis record that is no longer active. Black and watch types start as
    拟列入; when the type needs prior notice (`ListType.needs_prior_notice`) a notice
    number is assigned and the notice PDF can be printed (sanctions.notices). A red-list
    entry starts its publicity (公示中) for publicity_workdays counted from the later of
    `on` and today (河南条例 art. 28)."""
    lt = get_list_type(list_type)
    if not lt.active:
        raise DomainError(f"名单类型“{lt.name}”已停用，不能列入新主体。")
    if not lt.locally_designable:
        raise DomainError(_upstream_only(lt), code="upstream_only")
    subj = _subject(subject)
    day = _day(on, "拟列入日期", not_after_today=True)
    document = _text(basis_document, "认定文书号（具法律效力的认定文书）", max_length=200)
    why = _long_text(reasons, "列入理由（具体失信或守信事实）")
    hits = check_lawful_matter(why)
    if hits:
        raise DomainError(f"列入理由涉及不得作为失信惩戒依据的事项：{describe_forbidden(hits)}")
    unit = designating_unit
    if unit is None and actor is not None and getattr(actor, "unit_id", None):
        unit = actor.unit
    if actor is not None and not can_manage_entry(actor, unit=unit.pk if unit else None):
        if permissions.role_of(actor) is None:
            raise NotPermitted("请先登录，或账号已停用。")
        raise NotPermitted("只有信用办管理员或认定单位的工作人员可以提出列入。")
    not_designator = designation_refusal(lt, unit, actor=actor)
    if not_designator:
        raise NotPermitted(not_designator)
    if basis_record is not None:
        if actor is not None:
            from xinyong.records.selectors import records_visible_to

            if not records_visible_to(actor).filter(pk=basis_record.pk).exists():
                raise NotFoundError(f"依据记录 {basis_record.pk} 不存在，或您无权查看。")
        if basis_record.subject_id not in (
            subj.pk,
            *subj.absorbed.values_list("pk", flat=True),
        ):
            raise DomainError("依据记录的主体与拟列入主体不一致。")
        if basis_record.status != CreditRecord.Status.ACTIVE:
            raise DomainError(_withdrawn_basis(basis_record), code="basis_withdrawn")
    if ends_on is not None and ends_on < day:
        raise DomainError("有效期至不能早于拟列入日期。")
    # Counted from the proposal day: the entry takes effect on it or later, so an end
    # within the term from here is within it from the actual start too.
    too_long = term_refusal(lt, day, ends_on)
    if too_long:
        raise DomainError(too_long, code="past_term")
    if lt.kind == ListType.Kind.RED:
        refusal = _red_refusal(subj, day, timezone.localdate())
        if refusal:
            raise DomainError(refusal, code="serious_dishonesty")
    with transaction.atomic():
        dup = ListEntry.objects.filter(
            list_type=lt, subject=subj, status__in=OPEN_STATUSES, basis_document=document
        ).first()
        if dup is not None:
            raise DomainError(
                f"该主体已因文书“{document}”在“{lt.name}”中（{dup.get_status_display()}，"
                f"条目 {dup.pk}），不能重复列入。"
            )
        entry = ListEntry(
            list_type=lt,
            subject=subj,
            basis_document=document,
            basis_record=basis_record,
            reasons=why,
            designating_unit=unit,
            designating_authority=_text(
                designating_authority or lt.designating_authority, "认定机关", max_length=200
            ),
            source=ListEntry.Source.LOCAL,
            ends_on=ends_on,
        )
        if lt.publishes_first:
            # 河南条例 art. 28: red-list entries are published before they take effect.
            entry.status = Status.PUBLICISING
            # Counted from the day it actually goes public: a backdated proposal date would
            # shorten the period, down to none at all.
            published = max(day, timezone.localdate())
            entry.publicity_from = published
            # 期限待定 (None) while the end falls in a year without a calendar: the entry
            # stays 公示中 until that year is loaded (sanctions.deadlines).
            entry.publicity_until = add_workdays_if_known(published, lt.publicity_workdays)
            if ends_on is not None and entry.publicity_until and ends_on <= entry.publicity_until:
                # It would take effect after its publicity already past its end: nothing
                # could list it, and the daily job would meet it every day.
                raise DomainError(
                    f"有效期至 {ends_on.isoformat()} 不晚于红名单公示截止日期 "
                    f"{entry.publicity_until.isoformat()}，公示期满生效后即已届满；请更正有效期。"
                )
            earliest = published + timedelta(days=lt.publicity_workdays)
            if ends_on is not None and entry.publicity_until is None and ends_on <= earliest:
                # 期限待定: n working days span at least n calendar days, so the publicity
                # certainly runs to `earliest` or later; an end on or before it could never
                # take effect (the check above, on a known end).
                raise DomainError(
                    f"红名单{publicity_until_text(entry)}，公示期至少至 {earliest.isoformat()}；"
                    f"有效期至 {ends_on.isoformat()} 不晚于该日，公示期满生效后即已届满；"
                    "请更正有效期。"
                )
        else:
            entry.status = Status.PROPOSED
        entry.save()
        if lt.needs_prior_notice:
            entry.notice_number = _notice_number(entry, day)
            entry.save(update_fields=["notice_number"])
        _change(entry, actor=actor, from_status="", on=day, note="提出列入")
        _event(actor, "sanctions.entry_propose", entry, None)
    return entry


def serve_notice(*, actor: Any, entry: ListEntry, served_on: date) -> ListEntry:
    """Record that the prior written notice reached the subject on `served_on`; the
    objection period ends add_workdays(served_on, notice_objection_workdays) — 期限待定
    (None) while that falls in a year whose working-day calendar is not loaded."""
    day = _day(served_on, "送达日期")
    with transaction.atomic():
        current = _lock(entry)
        _require_manage(actor, current)
        lt = current.list_type
        if not lt.needs_prior_notice:
            raise DomainError(f"“{lt.name}”不适用列入前书面告知。")
        if current.status != Status.PROPOSED:
            raise DomainError(f"条目当前为“{current.get_status_display()}”，不能再送达告知书。")
        first = current.changes.order_by("id").first()
        if first is not None and day < first.on:
            raise DomainError(f"送达日期不能早于提出列入的日期 {first.on.isoformat()}。")
        if day > timezone.localdate():
            raise DomainError("送达日期不能晚于今天。")
        old = _entry_snapshot(current)
        current.notice_served_on = day
        current.objection_deadline = add_workdays_if_known(day, lt.notice_objection_workdays)
        current.save(update_fields=["notice_served_on", "objection_deadline", "updated_at"])
        ListEntryChange.objects.create(
            entry=current,
            from_status=current.status,
            to_status=current.status,
            on=day,
            note=(
                f"书面告知书 {current.notice_number} 已送达，"
                + (
                    f"异议期至 {current.objection_deadline.isoformat()}"
                    if current.objection_deadline
                    else f"{objection_deadline_text(current)}，导入后自动计算"
                )
            ),
            actor=actor if getattr(actor, "pk", None) else None,
        )
        _event(actor, "sanctions.entry_serve_notice", current, old)
    return current


def _objection_state(entry: ListEntry) -> tuple[list[Any], list[Any], bool, date | None]:
    """(pending, revoked, kept, kept_on) over the objections concerning the entry:
    kept_on is the latest day one was decided 维持 (None if none records its day). Only
    an objection received on or after the notice was served counts as kept: one received
    before cannot have answered the notice, whose objection period (河南条例 art. 28)
    it therefore does not shorten."""
    from xinyong.rights.models import Objection

    pending: list[Any] = []
    revoked: list[Any] = []
    kept = False
    kept_on: date | None = None
    for objection in entry_objections(entry):
        if objection.status != Objection.Status.DECIDED:
            pending.append(objection)
        elif objection.outcome == Objection.Outcome.REVOKED:
            revoked.append(objection)
        elif objection.outcome == Objection.Outcome.KEPT:
            served = entry.notice_served_on
            if served is not None and objection.received_on < served:
                continue
            kept = True
            if objection.decided_on and (kept_on is None or objection.decided_on > kept_on):
                kept_on = objection.decided_on
    return pending, revoked, kept, kept_on


def _objection_name(objection: Any) -> str:
    # By its number, not its query code: the code is the applicant's own key to the case
    # and these texts reach other units and, through removals, the city platform.
    return f"异议（编号 {objection.pk}，{objection.received_on.isoformat()} 受理）"


def effective_refusal(entry: ListEntry, on: date) -> str | None:
    """Why the entry cannot take effect on `on`, or None when it can."""
    lt = entry.list_type
    today = timezone.localdate()
    if entry.source == ListEntry.Source.LOCAL and not lt.locally_designable:
        # A proposal made before the type was marked as designated outside the district.
        return _upstream_only(lt)
    if entry.status == Status.PUBLICISING:
        if entry.publicity_until is None and entry.publicity_from is not None:
            return (
                f"红名单{publicity_until_text(entry)}，公示期满后方可生效（河南条例第二十八条）；"
                "信用办导入该年度节假日安排后自动计算公示截止日期。"
            )
        if entry.publicity_until is None or on <= entry.publicity_until:
            until = entry.publicity_until.isoformat() if entry.publicity_until else "—"
            return f"红名单公示期至 {until}，公示期满后方可生效（河南条例第二十八条）。"
    elif entry.status != Status.PROPOSED:
        return f"条目当前为“{entry.get_status_display()}”，不能生效。"
    if on > today:
        # Taking effect on a later day would decide now that no objection will come in the
        # rest of the objection period (河南条例 art. 28); it is done on or after that day.
        return (
            f"生效日期 {on.isoformat()} 晚于今天（{today.isoformat()}），不能预先列入；请届时办理。"
        )
    first = entry.changes.order_by("id").first()
    if first is not None and on < first.on:
        return f"生效日期不能早于提出列入的日期 {first.on.isoformat()}。"
    if entry.source == ListEntry.Source.LOCAL:
        # A proposal recorded for a unit the type does not name (made before the rule,
        # or the unit taken off the type since): its finding is not that unit's to make.
        unit = entry.designating_unit
        not_designator = designation_refusal(lt, unit) if unit is not None else None
        if not_designator:
            return not_designator
        # An end typed before the term rule, or the term shortened since (counted from
        # the day it takes effect).
        too_long = term_refusal(lt, on, entry.ends_on)
        if too_long:
            return too_long
    if entry.ends_on is not None and entry.ends_on < on:
        return "条目的有效期至早于生效日期，请先更正有效期。"
    basis = entry.basis_record
    if basis is not None and basis.status != CreditRecord.Status.ACTIVE:
        return _withdrawn_basis(basis)
    pending, revoked, kept, kept_on = _objection_state(entry)
    if revoked:
        return f"针对该条目的{_objection_name(revoked[0])}已决定撤销，不能列入。"
    if pending:
        return (
            f"针对该条目（或其依据记录）的{_objection_name(pending[0])}尚未办结，"
            "办结前不能列入（河南条例第二十八条、第四十一条）。"
        )
    if lt.kind == ListType.Kind.RED:
        refusal = _red_refusal(entry.subject, on, today)
        if refusal:
            return refusal
    served = entry.notice_served_on
    if entry.status == Status.PROPOSED and served is not None and on < served:
        # 河南条例 art. 28: the written notice precedes the listing, whatever became of an
        # objection to it.
        return (
            f"生效日期不能早于书面告知书送达日期 {served.isoformat()}"
            "（河南条例第二十八条：列入前书面告知）。"
        )
    if entry.status == Status.PROPOSED and lt.needs_prior_notice:
        if entry.notice_served_on is None:
            return "尚未送达列入前书面告知书，不能列入（河南条例第二十八条）。"
        early = entry.objection_deadline is None or on <= entry.objection_deadline
        if kept and early and kept_on is not None and on < kept_on:
            # The 维持 decision is what allows listing before the period ends; until it
            # was made the objection was pending, which blocks the listing.
            return (
                f"异议（维持）于 {kept_on.isoformat()} 决定，"
                "异议期届满前提前列入的生效日期不能早于该日。"
            )
        if entry.objection_deadline is None:
            # 期限待定: the period's end is not known, so it has not run out (an
            # objection decided 维持 ends the wait all the same, as below).
            if not kept:
                return (
                    f"{objection_deadline_text(entry)}，异议期届满前不能列入（河南条例第二十八条）；"
                    "信用办导入该年度节假日安排后自动计算异议截止日期。"
                )
        elif on <= entry.objection_deadline and not kept:
            return (
                f"异议期至 {entry.objection_deadline.isoformat()} 届满，"
                f"{(entry.objection_deadline + timedelta(days=1)).isoformat()} 起方可列入"
                "（异议经审查维持的除外）。"
            )
    return None


def publicity_until_text(entry: ListEntry, *, label: str = "公示期截止日期") -> str:
    """A red entry's publicity end as shown: "2026-10-10",
    "公示期截止日期待定（2027 年工作日历尚未导入）" (`label` "" in a column already
    named: "待定（…）"), or "" when it has no publicity."""
    if entry.publicity_until is not None:
        return entry.publicity_until.isoformat()
    if entry.publicity_from is None:
        return ""
    return pending_note(entry.publicity_from, entry.list_type.publicity_workdays, label=label)


def objection_deadline_text(entry: ListEntry, *, label: str = "异议期截止日期") -> str:
    """The objection deadline after the notice as shown: "2026-10-19",
    "异议期截止日期待定（2027 年工作日历尚未导入）" (`label` as above), or "" before the
    notice is served."""
    if entry.objection_deadline is not None:
        return entry.objection_deadline.isoformat()
    if entry.notice_served_on is None:
        return ""
    return pending_note(
        entry.notice_served_on, entry.list_type.notice_objection_workdays, label=label
    )


def make_effective(*, actor: Any, entry: ListEntry, on: date) -> ListEntry:
    """The entry takes effect (列入) on `on` (not later than today): refused before the
    notice was served and the objection period ran out (unless an objection was decided
    维持), while an objection to it or its basis record is undecided, for red entries
    before the publicity period ended or while the subject is on a serious-dishonesty list.
    A serious entry taking effect removes the subject's red entries in the same
    transaction (the RED type's exit criteria: 被列入严重失信主体名单的，立即移出)."""
    day = _day(on, "生效日期")
    with transaction.atomic():
        current = _lock(entry)
        _require_manage(actor, current)
        refusal = effective_refusal(current, day)
        if refusal:
            raise DomainError(refusal, code="not_yet_effective")
        old = _entry_snapshot(current)
        previous = current.status
        current.status = Status.LISTED
        current.effective_from = day
        if current.ends_on is None:
            # An end before `day` or past the term was refused by effective_refusal.
            current.ends_on = default_end(current.list_type, day)
        current.save()
        _change(current, actor=actor, from_status=previous, on=day, note="列入生效")
        _event(actor, "sanctions.entry_effective", current, old)
        if current.list_type.kind == ListType.Kind.SERIOUS:
            end_red_entries(actor=actor, serious=current, on=day)
    return current


def end_red_entries(*, actor: Any, serious: ListEntry, on: date) -> None:
    """The subject's red entries end because `serious` took effect: listed ones are
    removed (through the removal path, so the removal goes out like the listing did,
    DOMAIN §8), ones still in publicity are withdrawn. The actor's rights over the
    serious entry suffice: this is the rule's consequence, not a separate decision.
    Call it inside the transaction that lists `serious` (it locks the red entries)."""
    why = f"被列入严重失信主体名单：{serious.list_type.name}"
    subject = serious.subject
    reds = (
        ListEntry.objects.select_for_update()
        .select_related("list_type", "subject")
        .filter(of_subject(subject))
        .filter(list_type__kind=ListType.Kind.RED)
        .order_by("id")
    )
    for red in reds.filter(Q(status=Status.PUBLICISING) | in_force_q(on)):
        if red.status == Status.PUBLICISING:
            _cancel_locked(red, actor=actor, day=on, why=why)
        elif red.status == Status.LISTED:
            day = max(on, red.effective_from) if red.effective_from else on
            _remove_locked(red, actor=actor, day=day, why=why)
    # A red entry that would take effect later (listed with a future start) ends too.
    for red in reds.filter(status=Status.LISTED, effective_from__gt=on):
        assert red.effective_from is not None
        _remove_locked(red, actor=actor, day=red.effective_from, why=why)
    # A red entry already removed from a later day (remove_entry takes a future date) is
    # still in force until then: its removal is brought forward, 立即移出.
    for red in reds.filter(status=Status.REMOVED, removed_on__gt=on):
        assert red.removed_on is not None
        day = max(on, red.effective_from) if red.effective_from else on
        if day < red.removed_on:
            note = f"{why}（原定 {red.removed_on.isoformat()} 移出，提前至 {day.isoformat()}）"
            _remove_locked(red, actor=actor, day=day, why=why, note=note)


def _remove_locked(
    current: ListEntry, *, actor: Any, day: date, why: str, note: str | None = None
) -> ListEntry:
    old = _entry_snapshot(current)
    previous = current.status
    current.status = Status.REMOVED
    current.removed_on = day
    current.removal_reason = why
    current.save()
    _change(current, actor=actor, from_status=previous, on=day, note=note or why)
    _event(actor, "sanctions.entry_remove", current, old)
    return current


def _cancel_locked(current: ListEntry, *, actor: Any, day: date, why: str) -> ListEntry:
    old = _entry_snapshot(current)
    previous = current.status
    current.status = Status.CANCELLED
    current.removal_reason = why
    current.save()
    _change(current, actor=actor, from_status=previous, on=day, note=why)
    _event(actor, "sanctions.entry_cancel", current, old)
    return current


def cancel_red_entries_ending_in_publicity(*, actor: Any, on: date) -> list[int]:
    """Withdraw (on `on`) the red entries still 公示中 whose publicity end, once the
    calendar computed it (`deadlines.settle` / `recompute`), is not before their end
    date: they would take effect after their own end (河南条例 art. 28: publicity
    first), so the daily job would hold them 公示中 forever. Call it inside the
    calendar's transaction; returns the entries withdrawn."""
    ended: list[int] = []
    due = (
        ListEntry.objects.select_for_update()
        .select_related("list_type", "subject")
        .filter(
            status=Status.PUBLICISING,
            ends_on__isnull=False,
            publicity_until__isnull=False,
            ends_on__lte=F("publicity_until"),
        )
        .order_by("id")
    )
    for entry in due:
        assert entry.publicity_until is not None and entry.ends_on is not None
        why = (
            f"按工作日历计算的红名单公示截止日期 {entry.publicity_until.isoformat()} "
            f"不早于有效期至 {entry.ends_on.isoformat()}，公示期满生效后即已届满，"
            "自动撤销拟列入（河南条例第二十八条）"
        )
        _cancel_locked(entry, actor=actor, day=on, why=why)
        ended.append(entry.pk)
    return ended


def remove_entry(*, actor: Any, entry: ListEntry, on: date, reason: str) -> ListEntry:
    """Remove a listed entry (移出) from `on`: it stops being active that day, and the
    removal goes out through `entry_changed` like the listing did (DOMAIN §8)."""
    day = _day(on, "移出日期")
    why = _long_text(reason, "移出理由")
    with transaction.atomic():
        current = _lock(entry)
        _require_manage(actor, current)
        if current.status != Status.LISTED:
            raise DomainError(
                f"条目当前为“{current.get_status_display()}”，只有已列入的条目可以移出；"
                "拟列入或公示中的条目请撤销。"
            )
        if current.effective_from and day < current.effective_from:
            raise DomainError(f"移出日期不能早于生效日期 {current.effective_from.isoformat()}。")
        _remove_locked(current, actor=actor, day=day, why=why)
    return current


def cancel_entry(*, actor: Any, entry: ListEntry, on: date, reason: str) -> ListEntry:
    """Withdraw a proposal (拟列入 or 公示中) before it took effect."""
    day = _day(on, "撤销日期")
    why = _long_text(reason, "撤销理由")
    with transaction.atomic():
        current = _lock(entry)
        _require_manage(actor, current)
        if current.status not in (Status.PROPOSED, Status.PUBLICISING):
            raise DomainError(
                f"条目当前为“{current.get_status_display()}”，只有拟列入或公示中的条目可以撤销；"
                "已列入的条目请移出。"
            )
        _cancel_locked(current, actor=actor, day=day, why=why)
    return current


def link_objection(*, actor: Any, entry: ListEntry, objection: Any) -> ListEntry:
    """Attach an objection filed through the rights workflow (record None, the subject's
    own objection to the entry) to the entry, so that it blocks the listing until decided
    and cancels the proposal when decided 撤销."""
    with transaction.atomic():
        current = _lock(entry)
        if objection.subject_id != current.subject_id:
            raise DomainError("异议申请的信用主体与名单条目的主体不一致。")
        if actor is not None and permissions.role_of(actor) != Role.CREDIT_ADMIN:
            _require_manage(actor, current)
        if current.objections.filter(pk=objection.pk).exists():
            return current
        current.objections.add(objection)
        _event(actor, "sanctions.entry_link_objection", current, None, objection_id=objection.pk)
    return current


def apply_objection_outcome(*, actor: Any, objection: Any) -> list[ListEntry]:
    """An objection was decided 撤销: the entries it concerns (directly or through their
    basis record) are undone — proposals cancelled, listed entries removed through the
    removal path so the removal goes out like the listing did (DOMAIN §8). Called from the
    rights `objection_decided` signal; returns the entries changed."""
    from xinyong.rights.models import Objection

    if objection.status != Objection.Status.DECIDED or objection.outcome != (
        Objection.Outcome.REVOKED
    ):
        return []
    q = Q(objections=objection)
    if objection.record_id:
        q |= Q(basis_record_id=objection.record_id)
    decided = objection.decided_on or timezone.localdate()
    reason = f"异议（编号 {objection.pk}）经审查决定撤销"
    changed = []
    for entry in ListEntry.objects.filter(q, status__in=OPEN_STATUSES).distinct().order_by("id"):
        if objection not in entry_objections(entry):
            continue
        if entry.status == Status.LISTED:
            day = max(decided, entry.effective_from) if entry.effective_from else decided
            changed.append(
                remove_entry(actor=None, entry=entry, on=day, reason=f"{reason}，移出名单")
            )
        else:
            changed.append(cancel_entry(actor=None, entry=entry, on=decided, reason=reason))
    return changed


def end_entries_of_withdrawn_record(
    *, record: CreditRecord, on: date | None = None
) -> list[ListEntry]:
    """The basis record was withdrawn (撤销, or voided as a keying error): every open entry
    resting on it ends on the withdrawal day — local and upstream alike, since an entry
    may not outlive its finding (DOMAIN §5: a revoked finding comes off within 1 working
    day). Listed entries are removed through the removal path, so the removal goes out
    like the listing did (event, history, entry_changed → outbox, DOMAIN §8); proposals
    and red entries in publicity are cancelled. The day is the one the withdrawal
    records, else `on`, else today. The system acts (actor None): it is the withdrawal's
    consequence, and the withdrawing unit need not be the entry's designating unit."""
    withdrawal = _withdrawal_of(record)
    day = withdrawal.withdrawn_on if withdrawal is not None else (on or timezone.localdate())
    why = _withdrawn_phrase(record, day)
    changed = []
    entries = ListEntry.objects.filter(basis_record=record, status__in=OPEN_STATUSES)
    for entry in entries.order_by("id"):
        if entry.status == Status.LISTED:
            start = entry.effective_from
            changed.append(
                remove_entry(
                    actor=None,
                    entry=entry,
                    on=max(day, start) if start else day,
                    reason=f"{why}，随之移出名单",
                )
            )
        else:
            changed.append(
                cancel_entry(actor=None, entry=entry, on=day, reason=f"{why}，撤销拟列入")
            )
    return changed


@dataclass
class DueResult:
    promoted: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    held: list[tuple[int, str]] = field(default_factory=list)
    basis_withdrawn: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "promoted": self.promoted,
            "expired": self.expired,
            "held": [{"entry": pk, "reason": why} for pk, why in self.held],
            "basis_withdrawn": self.basis_withdrawn,
        }


def promote_due_entries(*, actor: Any = None, on: date) -> DueResult:
    """The daily job (idempotent): entries still open on a basis record withdrawn by `on`
    end (entries left by a missed signal, or from before the withdrawal ended local
    entries too); red entries whose publicity ended before `on` take effect on `on`;
    listed entries past their end date are removed as expired."""
    result = DueResult()
    stale = CreditRecord.objects.filter(
        Q(withdrawal__withdrawn_on__lte=on) | Q(withdrawal__isnull=True),
        status=CreditRecord.Status.WITHDRAWN,
        pk__in=ListEntry.objects.filter(status__in=OPEN_STATUSES).values("basis_record_id"),
    )
    for record in stale.order_by("id"):
        ended = end_entries_of_withdrawn_record(record=record, on=on)
        result.basis_withdrawn += [e.pk for e in ended]
    for entry in ListEntry.objects.filter(
        status=Status.PUBLICISING, publicity_until__lt=on
    ).order_by("id"):
        refusal = effective_refusal(entry, on)
        if refusal:
            result.held.append((entry.pk, refusal))
            continue
        # One entry the services refuse (data stored before a rule) is held, never
        # stopping the job before the rest — expired entries would stay listed and their
        # removal never go out (DOMAIN §8).
        try:
            make_effective(actor=actor, entry=entry, on=on)
        except DomainError as exc:
            result.held.append((entry.pk, exc.message))
            continue
        result.promoted.append(entry.pk)
    for entry in ListEntry.objects.filter(status=Status.LISTED, ends_on__lt=on).order_by("id"):
        assert entry.ends_on is not None
        try:
            remove_entry(
                actor=actor,
                entry=entry,
                on=entry.ends_on + timedelta(days=1),
                reason=expiry_reason(entry.ends_on),
            )
        except DomainError as exc:
            result.held.append((entry.pk, f"有效期届满未能自动移出：{exc.message}"))
            continue
        result.expired.append(entry.pk)
    return result


def expiry_reason(ends_on: date) -> str:
    return f"有效期至 {ends_on.isoformat()} 届满，自动移出"


def run_due_job() -> str:
    """The scheduler's daily run of `promote_due_entries`: without it a red entry whose
    publicity ended would never take effect, and an expired entry would stay LISTED and
    its removal would never go out through the channels that carried its listing
    (DOMAIN.md §8: a delisted entry must never still look active)."""
    result = promote_due_entries(actor=None, on=timezone.localdate())
    line = f"信用名单：红名单公示期满生效 {len(result.promoted)} 条，有效期届满移出 {len(result.expired)} 条"
    if result.held:
        line += f"，暂不生效 {len(result.held)} 条"
    if result.basis_withdrawn:
        line += f"，依据记录已撤销而结束 {len(result.basis_withdrawn)} 条"
    return line


# ---------------------------------------------------------------- the district's share


def _district_enterprises(region: str) -> QuerySet[Subject]:
    # 企业 = USCC registered by 工商/市场监管 with category 1 (GB 32100: "91"), whose
    # region (positions 3-8) is the district's; merged-away subjects are not counted.
    return Subject.objects.filter(
        kind=SubjectKind.ORGANISATION,
        identifier_type=IdentifierType.USCC,
        identifier__startswith="91",
        region_code=region,
        merged_into__isnull=True,
    )


def list_share(on: date, *, region_code: str | None = None) -> dict[str, Any]:
    """The district's black-list picture on `on` (seed task 10).

    Definitions (stated openly, no official formula was found):
    - district subjects: subjects whose primary USCC carries the district's region code
      (positions 3–8, settings.XINYONG_REGION_CODE), plus natural persons are not counted;
    - district enterprises: those whose USCC starts with "91" (GB 32100: 工商 · 企业);
    - listed: with an entry of a serious-dishonesty list (kind 严重失信主体名单) in force
      on `on` (see `active_entries`);
    - share = listed district enterprises ÷ district enterprises × 100, 3 decimals;
    - government bodies: subjects flagged `is_government_body` (USCC authority code 1)
      with an in-force entry of a list whose field is 失信被执行人 (target: zero);
    - an entry of a subject merged into another counts for the surviving subject, as the
      check sees it (`active_entries`): each count is of surviving subjects holding an
      entry, their own or an absorbed duplicate's.
    """
    from django.db.models.functions import Coalesce

    def holders(entries: QuerySet[ListEntry]) -> QuerySet[Any, dict[str, Any]]:
        # The surviving subject of each entry (merges leave entries on the absorbed row;
        # subjects.merge_subjects keeps `merged_into` one level deep).
        return entries.annotate(holder=Coalesce("subject__merged_into", "subject")).values("holder")

    region = region_code or settings.XINYONG_REGION_CODE
    in_force = ListEntry.objects.filter(in_force_q(on))
    serious = in_force.filter(list_type__kind=ListType.Kind.SERIOUS)
    enterprises = _district_enterprises(region)
    total = enterprises.count()
    listed = enterprises.filter(pk__in=holders(serious)).count()
    share = (
        (Decimal(listed) * 100 / Decimal(total)).quantize(Decimal("0.001"), ROUND_HALF_UP)
        if total
        else Decimal("0.000")
    )
    district_orgs = Subject.objects.filter(
        region_code=region, identifier_type=IdentifierType.USCC, merged_into__isnull=True
    )
    by_type = []
    for lt in ListType.objects.order_by("kind", "code"):
        on_type = holders(in_force.filter(list_type=lt))
        by_type.append(
            {
                "code": lt.code,
                "name": lt.name,
                "kind": lt.kind,
                "subjects": district_orgs.filter(pk__in=on_type).count(),
                "enterprises": enterprises.filter(pk__in=on_type).count(),
            }
        )
    gov = Subject.objects.filter(
        is_government_body=True,
        merged_into__isnull=True,
        pk__in=holders(
            in_force.filter(
                Q(list_type__field="失信被执行人") | Q(list_type__record_type__code="SXBZXR")
            )
        ),
    ).order_by("name")
    return {
        "on": on.isoformat(),
        "region_code": region,
        "enterprises": total,
        "listed_enterprises": listed,
        "share_percent": str(share),
        "by_type": by_type,
        "government_bodies_on_sxbzxr": gov.count(),
        "government_bodies": [{"id": s.pk, "name": s.name} for s in gov],
    }


# governance.py reads the rule under its earlier name.
_in_force = in_force_q


def entry_counts_by_status(qs: Iterable[ListEntry] | QuerySet[ListEntry]) -> dict[str, int]:
    """{status: count} over a queryset of entries (for list pages)."""
    if isinstance(qs, QuerySet):
        return {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("id"))}
    out: dict[str, int] = {}
    for entry in qs:
        out[entry.status] = out.get(entry.status, 0) + 1
    return out
