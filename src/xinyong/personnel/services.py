"""The one write path of personnel files (issue 8 §3): persons and items, 容错免责
decisions, revocation, the file import, opening a file (every read logged with its
purpose, every refusal logged), the person's own view after proving identity, objections
to an item through the rights workflow, and 诚信典型 nominations and selection.

Every change: keyword-only arguments, an explicit actor, one transaction, one event
(docs/conventions.md). A refusal to open a file is itself an event, written before the
refusal is raised so that it survives."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.core.audit import record_event, record_read
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.identifiers import IdentifierKind
from xinyong.core.identifiers import check as check_identifier
from xinyong.core.inputs import EARLIEST_DAY, clean_day, clean_text
from xinyong.core.inputs import RowProblem as ImportProblem
from xinyong.core.masking import mask_id_number, mask_name
from xinyong.orgs.models import Unit
from xinyong.orgs.permissions import is_credit_admin, role_of

from . import access, selectors
from .models import (
    DishonestySource,
    ExemptionGround,
    FileCategory,
    FileItem,
    Grade,
    HonourKind,
    IdentityCheck,
    ItemKind,
    ItemObjection,
    Nomination,
    Person,
)

PERSON = "personnel.Person"
ITEM = "personnel.FileItem"
NOMINATION = "personnel.Nomination"
MAX_TEXT = 4000
# A confirmed identity check opens the person's own file for this long.
SELF_ACCESS_SECONDS = 30 * 60


# ---------------------------------------------------------------- small helpers

# Wraps the reading of one field (named by its import key): the import names the column a
# refusal concerns; everywhere else nothing happens.
Cell = Callable[[str], AbstractContextManager[None]]


@contextmanager
def _anywhere(key: str) -> Iterator[None]:
    yield


def normalise_id_number(value: Any) -> str:
    """A resident ID number, normalised and checked (check digit, region, birth date)."""
    text = clean_text(value, "身份证号码", limit=40)
    verdict = check_identifier(text, IdentifierKind.RESIDENT_ID)
    if verdict.kind != IdentifierKind.RESIDENT_ID or not verdict.valid:
        reason = verdict.reason or "应为18位居民身份证号码"
        raise DomainError(f"身份证号码无效：{reason}")
    return verdict.normalised


def _choice(value: Any, choices: Any, label: str, *, required: bool = True) -> str:
    """A choice given as its code or its Chinese label."""
    text = clean_text(value, label, required=required, limit=40)
    if not text:
        return ""
    if text in choices.values:
        return text
    for code, name in choices.choices:
        if text == name:
            return str(code)
    raise DomainError(f"{label}“{text}”无效，应为：{'、'.join(choices.labels)}。")


def _unit(value: Any, label: str, *, required: bool = False) -> Unit | None:
    if isinstance(value, Unit):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            raise DomainError(f"请填写{label}。")
        return None
    from xinyong.orgs.services import resolve_unit

    try:
        return resolve_unit(text)
    except DomainError as exc:
        raise DomainError(f"{label}：{exc.message}") from None


# What personnel events hold. The operation log is read by the credit office, which does
# not read cadres' files (issue 8 §3: only 组织部门 and the person's unit leadership, each
# read logged with its purpose; 个人信息保护法 art. 6, least privilege): an event names the
# records by id with their kind and status — never an item's title, issuer, document
# number, content or 免责 reason, nor where the person works or their post. The content is
# read on the file page, which asks the purpose and logs the read.
def _person_snapshot(p: Person) -> dict[str, Any]:
    return {"category": p.category.code, "user": p.user_id, "active": p.active}


def _item_snapshot(i: FileItem) -> dict[str, Any]:
    return {
        "person": i.person_id,
        "kind": i.kind,
        "status": i.status,
        "counts_as_dishonesty": selectors.counts_as_dishonesty(i),
    }


def _item_repr(i: FileItem) -> str:
    return f"{i.person.masked_repr} {i.get_kind_display()} #{i.pk}"


def _require_keeper(actor: Any, category: FileCategory) -> None:
    if access.can_keep(actor, category):
        return
    if role_of(actor) is None:
        raise NotPermitted("请先登录，或账号已停用。")
    raise NotPermitted(
        f"{access.WRITE_DENIED}（“{category.name}”档案由{category.keeper_unit}管理）"
    )


# ---------------------------------------------------------------- persons


def register_person(
    *,
    actor: Any,
    category: FileCategory,
    name: Any,
    id_number: Any,
    unit: Any = None,
    employer: Any = "",
    post: Any = "",
    licence_number: Any = "",
    user: Any = None,
) -> Person:
    """Open a file for a person in `category`; a public servant's file names the unit
    (its leadership may read it)."""
    _require_keeper(actor, category)
    clean_name = clean_text(name, "姓名", limit=50)
    ident = normalise_id_number(id_number)
    unit_obj = _unit(unit, "所在单位", required=category.is_public_servant)
    with transaction.atomic():
        if Person.objects.filter(category=category, id_number=ident).exists():
            raise DomainError(f"该人员的“{category.name}”档案已建立（{mask_id_number(ident)}）。")
        person = Person.objects.create(
            category=category,
            name=clean_name,
            id_number=ident,
            unit=unit_obj,
            employer=clean_text(employer, "执业机构/工作单位", required=False, limit=100),
            post=clean_text(post, "职务/岗位", required=False, limit=100),
            licence_number=clean_text(licence_number, "执业证号", required=False, limit=50),
            user=user,
        )
        record_event(
            actor=actor,
            action="personnel.person.register",
            target_type=PERSON,
            target_id=person.pk,
            target_repr=person.masked_repr,
            new=_person_snapshot(person),
        )
    return person


# Where the person works and the post: what a transfer or promotion changes.
_WORK_LABELS = {"unit": "所在单位", "employer": "执业机构", "post": "职务"}


def _work_snapshot(p: Person) -> dict[str, Any]:
    return {
        "unit": p.unit_id,
        "unit_name": p.unit.name if p.unit_id and p.unit else "",
        "employer": p.employer,
        "post": p.post,
    }


def _clean_work(
    *, unit: Any, employer: Any, post: Any, unit_required: bool, cell: Cell = _anywhere
) -> dict[str, Any]:
    """The workplace fields that were given (None: not given, left as they are)."""
    given: dict[str, Any] = {}
    if unit is not None:
        with cell("unit"):
            given["unit"] = _unit(unit, "所在单位", required=unit_required)
    if employer is not None:
        with cell("employer"):
            given["employer"] = clean_text(employer, "执业机构/工作单位", required=False, limit=100)
    if post is not None:
        with cell("post"):
            given["post"] = clean_text(post, "职务/岗位", required=False, limit=100)
    return given


def _work_changes(person: Person, given: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in given.items() if getattr(person, k) != v}


def _changed_fields(changes: dict[str, Any]) -> str:
    """Which of unit / employer / post a transfer changed, by name only: the values stay
    out of the event (see _person_snapshot)."""
    return "、".join(label for key, label in _WORK_LABELS.items() if key in changes)


def _work_change_text(old: dict[str, Any], new: dict[str, Any]) -> str:
    parts = []
    for key, label in _WORK_LABELS.items():
        field_name = "unit_name" if key == "unit" else key
        if old[field_name] != new[field_name]:
            parts.append(f"{label} {old[field_name] or '（空）'} → {new[field_name] or '（空）'}")
    return "；".join(parts)


def _apply_work(person: Person, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    old = _work_snapshot(person)
    for key, value in changes.items():
        setattr(person, key, value)
    person.save()
    return old, _work_snapshot(person)


def change_post(
    *,
    actor: Any,
    person: Person,
    unit: Any = None,
    employer: Any = None,
    post: Any = None,
    on: date | None = None,
) -> Person:
    """A transfer or promotion recorded by the file's keeper (组织部门 for 公务员): the
    unit (or a practitioner's employer) and the post. A public servant's unit decides who
    is 本单位领导, so read access moves with the person at once. A field given as None is
    left as it is; a public servant always keeps a unit."""
    _require_keeper(actor, person.category)
    given = _clean_work(
        unit=unit, employer=employer, post=post, unit_required=person.category.is_public_servant
    )
    day = on or timezone.localdate()
    with transaction.atomic():
        current = (
            Person.objects.select_for_update(of=("self",))
            .select_related("category", "category__keeper_unit", "unit")
            .get(pk=person.pk)
        )
        changes = _work_changes(current, given)
        if not changes:
            raise DomainError("所在单位和职务均未变化。")
        _apply_work(current, changes)
        record_event(
            actor=actor,
            action="personnel.person.transfer",
            target_type=PERSON,
            target_id=current.pk,
            target_repr=current.masked_repr,
            new={"on": day, "change": _changed_fields(changes)},
        )
    return current


# ---------------------------------------------------------------- items


@dataclass
class Exemption:
    ground: str
    body: str
    document: str
    decided_on: date
    reason: str


def clean_exemption(
    ground: Any, body: Any, document: Any, decided_on: Any, reason: Any, cell: Cell = _anywhere
) -> Exemption:
    with cell("exemption_ground"):
        the_ground = _choice(ground, ExemptionGround, "免责情形")
    with cell("exemption_body"):
        the_body = clean_text(body, "免责认定机关", limit=100)
    with cell("exemption_document"):
        the_document = clean_text(document, "免责认定文书号", limit=100)
    with cell("exemption_date"):
        day = clean_day(decided_on, "免责认定日期", not_after_today=True)
    with cell("exemption_reason"):
        the_reason = clean_text(reason, "免责理由")
    return Exemption(
        ground=the_ground, body=the_body, document=the_document, decided_on=day, reason=the_reason
    )


@dataclass
class ItemInput:
    kind: Any
    issuer: Any
    document_number: Any
    document_date: Any
    title: Any = ""
    year: Any = None
    grade: Any = ""
    source: Any = ""
    source_unit: Any = None
    description: Any = ""


def _clean_item(item: ItemInput, cell: Cell = _anywhere) -> dict[str, Any]:
    """The checked values of an item. `cell(key)` wraps the reading of each field so that
    the import can name the column a refusal concerns."""
    with cell("kind"):
        kind = _choice(item.kind, ItemKind, "事项类别")
    values: dict[str, Any] = {"kind": kind, "year": None, "grade": "", "source": ""}
    with cell("issuer"):
        values["issuer"] = clean_text(item.issuer, "作出机关", limit=100)
    with cell("document_number"):
        values["document_number"] = clean_text(item.document_number, "来源文书号", limit=100)
    with cell("document_date"):
        values["document_date"] = clean_day(item.document_date, "文书日期", not_after_today=True)
    with cell("source_unit"):
        values["source_unit"] = _unit(item.source_unit, "提供单位")
    with cell("description"):
        values["description"] = clean_text(item.description, "内容", required=False)
    with cell("title"):
        title = clean_text(item.title, "事项", required=False, limit=200)
    if kind == ItemKind.ASSESSMENT:
        with cell("year"):
            year = _assessment_year(item.year, values["document_date"])
        with cell("grade"):
            values["grade"] = _choice(item.grade, Grade, "考核等次")
        values["year"] = year
        title = title or f"{year}年度考核"
    elif kind == ItemKind.DISHONESTY:
        with cell("source"):
            values["source"] = _choice(item.source, DishonestySource, "失信信息来源")
    with cell("title"):
        if not title:
            raise DomainError("请填写事项名称。")
    values["title"] = title
    return values


def _assessment_year(value: Any, document_date: date) -> int:
    """An annual assessment judges a whole year (《公务员法》第三十六条), so its result
    exists only once that year is over: the year must have ended by today (the project
    clock, Asia/Shanghai), and its document may be dated within the year (December
    assessments are common) or later, never before the year began. Years before the
    earliest date the platform records are typing slips."""
    try:
        year = int(str(value or "").strip().removesuffix("年").removesuffix("年度"))
    except ValueError:
        raise DomainError("请填写考核年度（如 2025）。") from None
    this_year = timezone.localdate().year
    if year < EARLIEST_DAY.year or year > this_year:
        raise DomainError(f"考核年度 {year} 不合理。")
    if year == this_year:
        raise DomainError(f"{year}年度尚未结束，不能登记该年度的考核结果。")
    if document_date < date(year, 1, 1):
        raise DomainError(
            f"{year}年度考核的文书日期 {document_date.isoformat()} 早于该年度开始"
            f"（{year}-01-01），请核对考核年度和文书日期。"
        )
    return year


def _refuse_duplicate(person: Person, values: dict[str, Any]) -> None:
    """One document records one item of a kind for a person: an active item with the
    same person, kind and document number is the same item recorded again (an import run
    twice), and would count the dishonesty twice. A revoked item is no obstacle. The
    refusal names the item by kind, document number and id — what the caller sent and
    the row id — and not its title or content: no purpose was asked, no read logged."""
    same = (
        person.items.filter(
            kind=values["kind"],
            document_number=values["document_number"],
            status=FileItem.Status.ACTIVE,
        )
        .order_by("pk")
        .first()
    )
    if same is not None:
        raise DomainError(
            f"该人员已登记同一事项（{same.get_kind_display()}，"
            f"文书号 {same.document_number}，事项编号 {same.pk}），请勿重复登记；"
            "如原记录有误，请先撤销再登记。"
        )


def _create_item(
    *,
    actor: Any,
    person: Person,
    values: dict[str, Any],
    exemption: Exemption | None,
    cell: Cell = _anywhere,
) -> FileItem:
    # The person's row is locked so that two requests cannot both pass the checks below.
    Person.objects.select_for_update(of=("self",)).filter(pk=person.pk).first()
    with cell("document_number"):
        _refuse_duplicate(person, values)
    with cell("year"):
        if (
            values["kind"] == ItemKind.ASSESSMENT
            and person.items.filter(
                kind=ItemKind.ASSESSMENT, year=values["year"], status=FileItem.Status.ACTIVE
            ).exists()
        ):
            raise DomainError(f"{values['year']}年度考核结果已登记，如有错误请先撤销原记录。")
    with cell("exemption_ground"):
        if exemption is not None and values["kind"] != ItemKind.DISHONESTY:
            raise DomainError("容错免责只适用于一般失信事项。")
    item = FileItem(person=person, recorded_by=actor if getattr(actor, "pk", None) else None)
    for key, value in values.items():
        setattr(item, key, value)
    if exemption is not None:
        with cell("exemption_date"):
            _apply_exemption(item, exemption, actor)
    item.save()
    return item


def _apply_exemption(item: FileItem, exemption: Exemption, actor: Any) -> None:
    if exemption.decided_on < item.document_date:
        raise DomainError("免责认定日期不能早于失信事项的文书日期。")
    item.exempt = True
    item.exemption_ground = exemption.ground
    item.exemption_body = exemption.body
    item.exemption_document = exemption.document
    item.exemption_date = exemption.decided_on
    item.exemption_reason = exemption.reason
    item.exemption_recorded_by = actor if getattr(actor, "pk", None) else None


def add_item(
    *, actor: Any, person: Person, item: ItemInput, exemption: Exemption | None = None
) -> FileItem:
    """Record a commendation, an annual assessment result or a general dishonesty item
    with its source document; a dishonesty item may come with its 容错免责 decision."""
    _require_keeper(actor, person.category)
    values = _clean_item(item)
    with transaction.atomic():
        created = _create_item(actor=actor, person=person, values=values, exemption=exemption)
        record_event(
            actor=actor,
            action="personnel.item.add",
            target_type=ITEM,
            target_id=created.pk,
            target_repr=_item_repr(created),
            new=_item_snapshot(created),
        )
    return created


def record_exemption(
    *,
    actor: Any,
    item: FileItem,
    ground: Any,
    body: Any,
    document: Any,
    decided_on: Any,
    reason: Any,
) -> FileItem:
    """容错免责: the item was found to be a good-faith mistake, force majeure or
    unforeseeable. The decision (body, document, date, reason) is kept on the item, which
    from now on never counts as dishonesty."""
    _require_keeper(actor, item.person.category)
    decision = clean_exemption(ground, body, document, decided_on, reason)
    with transaction.atomic():
        current = FileItem.objects.select_for_update().select_related("person").get(pk=item.pk)
        if current.kind != ItemKind.DISHONESTY:
            raise DomainError("容错免责只适用于一般失信事项。")
        if current.status != FileItem.Status.ACTIVE:
            raise DomainError("该事项已撤销，无需认定免责。")
        if current.exempt:
            raise DomainError("该事项已认定容错免责。")
        old = _item_snapshot(current)
        _apply_exemption(current, decision, actor)
        current.save()
        record_event(
            actor=actor,
            action="personnel.item.exempt",
            target_type=ITEM,
            target_id=current.pk,
            target_repr=_item_repr(current),
            old=old,
            new=_item_snapshot(current),
        )
    return current


def _revoke(*, actor: Any, item: FileItem, reason: str, on: date, via: str) -> FileItem:
    with transaction.atomic():
        current = FileItem.objects.select_for_update().select_related("person").get(pk=item.pk)
        if current.status == FileItem.Status.REVOKED:
            return current
        old = _item_snapshot(current)
        current.status = FileItem.Status.REVOKED
        current.revoked_on = on
        current.revoked_reason = reason
        current.save()
        record_event(
            actor=actor,
            action="personnel.item.revoke",
            target_type=ITEM,
            target_id=current.pk,
            target_repr=_item_repr(current),
            old=old,
            new={**_item_snapshot(current), "via": via},
        )
    return current


def revoke_item(*, actor: Any, item: FileItem, reason: Any, on: date | None = None) -> FileItem:
    """The keeper withdraws an item (its basis was set aside, or it was recorded in
    error). The item stays in the file's history and no longer counts."""
    _require_keeper(actor, item.person.category)
    text = clean_text(reason, "撤销理由")
    if item.status == FileItem.Status.REVOKED:
        raise DomainError("该事项已撤销。")
    return _revoke(actor=actor, item=item, reason=text, on=on or timezone.localdate(), via="keeper")


def apply_objection_outcome(*, actor: Any, objection: Any) -> FileItem | None:
    """An objection to a file item was decided 撤销: the item is revoked. 维持 keeps it
    (with any correction the keeper made while verifying). Called from the rights
    `objection_decided` signal."""
    link = ItemObjection.objects.filter(objection_id=objection.pk).select_related("item").first()
    if link is None or objection.outcome != "revoked":
        return None
    reason = f"异议 {objection.query_code} 决定撤销：{objection.outcome_reason}"
    return _revoke(
        actor=actor,
        item=link.item,
        reason=reason,
        on=objection.decided_on or timezone.localdate(),
        via="objection",
    )


# ---------------------------------------------------------------- opening a file


def check_purpose(value: Any) -> str:
    text = clean_text(value, "查阅用途", limit=200)
    if len(text) < 2:
        raise DomainError("请具体说明查阅用途（如“干部选拔任用考察”）。")
    return text


def log_refusal(*, reader: Any, person: Person | None, purpose: str, what: str = "") -> None:
    """Write the refused attempt (its own transaction, so that the refusal raised next
    does not roll it back)."""
    with transaction.atomic():
        record_event(
            actor=reader,
            action="personnel.file.refused",
            target_type=PERSON,
            target_id=person.pk if person is not None else "",
            target_repr=person.masked_repr if person is not None else what,
            new={"purpose": purpose[:200], "role": role_of(reader) or "anonymous"},
        )


def _refuse_read(reader: Any) -> NotPermitted:
    """The one answer to a refused read, whether or not the file exists (logged first)."""
    if role_of(reader) is None:
        return NotPermitted("请先登录，或账号已停用。")
    return NotPermitted(access.READ_DENIED)


def readable_person(*, reader: Any, pk: Any, purpose: Any = "") -> Person:
    """The person of file `pk` if `reader` may read it (file page, API). An id with no
    file is refused exactly like a file the reader may not read — logged, the same 403
    and message — so that the answer never tells whether a file exists."""
    person = (
        Person.objects.select_related("category", "category__keeper_unit", "unit")
        .filter(pk=pk)
        .first()
    )
    if person is None or not access.can_read(reader, person):
        text = str(purpose or "").strip()[:200]
        log_refusal(reader=reader, person=person, purpose=text, what=f"人员信用档案 {pk}")
        raise _refuse_read(reader)
    return person


def open_file(*, reader: Any, person: Person, purpose: Any) -> dict[str, Any]:
    """The file of `person` for an authorised reader: the purpose is required before it
    opens, the read is logged with it; a refused attempt is logged and refused."""
    text = str(purpose or "").strip()[:200]
    if not access.can_read(reader, person):
        log_refusal(reader=reader, person=person, purpose=text)
        raise _refuse_read(reader)
    text = check_purpose(purpose)
    record_read(
        reader=reader,
        subject_type=PERSON,
        subject_id=person.pk,
        subject_repr=person.masked_repr,
        purpose=f"{person.category.name}：{text}（{access.read_basis(reader, person)}）",
    )
    return selectors.file_view(person)


def open_files_by_id_number(*, reader: Any, id_number: Any, purpose: Any) -> list[dict[str, Any]]:
    """Every file held under `id_number` that `reader` may open (CLI, API). A reader with
    none to open is refused and the attempt logged — the same refusal whether files exist
    under the number or not, so that the answer never tells which."""
    text = str(purpose or "").strip()[:200]
    if not access.may_hold_access(reader):
        try:
            masked = mask_id_number(normalise_id_number(id_number))
        except DomainError:
            masked = ""
        log_refusal(reader=reader, person=None, purpose=text, what=f"按身份证号码查阅 {masked}")
        raise _refuse_read(reader)
    check_purpose(purpose)
    ident = normalise_id_number(id_number)
    persons = selectors.find_persons(ident)
    readable = [p for p in persons if access.can_read(reader, p)]
    if not readable:
        for p in persons:
            log_refusal(reader=reader, person=p, purpose=text)
        if not persons:
            what = f"按身份证号码查阅 {mask_id_number(ident)}"
            log_refusal(reader=reader, person=None, purpose=text, what=what)
        raise _refuse_read(reader)
    return [open_file(reader=reader, person=p, purpose=purpose) for p in readable]


# ---------------------------------------------------------------- the person's own view


class _Self:
    """The reader when a person looks at their own file on the portal (no account)."""

    pk = None
    unit = None

    def audit_label(self) -> str:
        return "本人（网上身份核验）"


def start_identity_check(*, id_number: Any, name: Any) -> tuple[IdentityCheck, str]:
    """Step 1 of the person's own view: the pluggable confirmer (commitments.identity)
    starts; whether a file exists is told only after the confirmation."""
    from xinyong.commitments.identity import confirmer

    ident = normalise_id_number(id_number)
    clean_name = clean_text(name, "姓名", limit=50)
    provider = confirmer()
    with transaction.atomic():
        check = IdentityCheck.objects.create(id_number=ident, name=clean_name)
        shown = provider.start(check)
        check.save(update_fields=["confirmation_code"])
        record_event(
            actor=None,
            action="personnel.identity.start",
            target_type="personnel.IdentityCheck",
            target_id=check.pk,
            target_repr=str(check),
            new={"confirmer": provider.name},
        )
    return check, shown


def confirm_identity(*, check: IdentityCheck, response: Any) -> IdentityCheck:
    from xinyong.commitments.identity import confirmer

    with transaction.atomic():
        current = IdentityCheck.objects.select_for_update().get(pk=check.pk)
        if current.confirmed_at is not None:
            raise DomainError("该身份核验已完成，请直接查看。")
        if timezone.now() - current.created_at > timedelta(seconds=SELF_ACCESS_SECONDS):
            raise DomainError("核验已超时，请重新输入身份证号码和姓名。", code="expired")
        if not confirmer().verify(current, str(response or "").strip()):
            raise DomainError("确认码不正确，请核对后重新输入。", code="bad_code")
        current.confirmed_at = timezone.now()
        current.confirmation_code = ""
        current.save(update_fields=["confirmed_at", "confirmation_code", "updated_at"])
        record_event(
            actor=None,
            action="personnel.identity.confirm",
            target_type="personnel.IdentityCheck",
            target_id=current.pk,
            target_repr=str(current),
            new={"confirmed_at": current.confirmed_at},
        )
    return current


def persons_for_check(check: IdentityCheck) -> list[Person]:
    """The files of a confirmed, unexpired identity check (ID number and name must
    both match the file)."""
    if check.confirmed_at is None:
        raise NotPermitted("请先完成身份核验。")
    if timezone.now() - check.confirmed_at > timedelta(seconds=SELF_ACCESS_SECONDS):
        raise NotPermitted("身份核验已过期，请重新核验。")
    return [p for p in selectors.find_persons(check.id_number) if p.name == check.name]


def persons_of_user(user: Any) -> list[Person]:
    if role_of(user) is None:
        return []
    return list(
        Person.objects.select_related("category", "category__keeper_unit", "unit").filter(user=user)
    )


def open_own_files(*, persons: list[Person], user: Any = None) -> list[dict[str, Any]]:
    """The person's own files (free of charge, 河南条例 art. 40); each read logged."""
    reader = user if getattr(user, "pk", None) else _Self()
    views = []
    for person in persons:
        record_read(
            reader=reader,
            subject_type=PERSON,
            subject_id=person.pk,
            subject_repr=person.masked_repr,
            purpose=f"本人查阅{person.category.name}",
        )
        views.append(selectors.file_view(person))
    return views


# ---------------------------------------------------------------- objections


def object_to_item(
    *,
    actor: Any,
    person: Person,
    item: FileItem,
    category: Any,
    description: Any,
    phone: Any,
    requested_change: Any = "",
) -> Any:
    """The person objects to an item of their own file through the rights workflow
    (河南条例 art. 41: the same 3 / 3+7 working-day limits, pauses and outcomes). The
    objection concerns the person as a subject (record None) and is linked to the item;
    the credit office forwards it to the item's providing unit or the keeping unit."""
    from xinyong.rights.models import Channel, Objection
    from xinyong.rights.objections import OPEN_STATUSES, file_objection
    from xinyong.subjects.services import get_or_create_subject

    if item.person_id != person.pk:
        raise NotFoundError("未找到该档案事项。")
    if item.status != FileItem.Status.ACTIVE:
        raise DomainError("该事项已撤销，无需提出异议。")
    if ItemObjection.objects.filter(item=item, objection__status__in=OPEN_STATUSES).exists():
        raise DomainError("您对该事项提出的异议正在办理中，请勿重复提交。")
    with transaction.atomic():
        subject = person.subject
        if subject is None:
            subject, _created, _conflict = get_or_create_subject(
                actor=actor,
                identifier=person.id_number,
                name=person.name,
                kind="person",
                source="人员信用档案异议",
            )
            Person.objects.filter(pk=person.pk).update(subject=subject)
            person.subject = subject
        objection: Objection = file_objection(
            actor=actor,
            record=None,
            subject=subject,
            channel=Channel.ONLINE,
            category=category,
            description=f"【{person.category.name}·{item.get_kind_display()}·{item.document_number}】"
            + clean_text(description, "异议内容（哪里有误）"),
            applicant_name=person.name,
            applicant_phone=phone,
            applicant_identifier=person.id_number,
            requested_change=requested_change,
            applicant_is_government=person.category.is_public_servant,
        )
        ItemObjection.objects.create(item=item, objection=objection)
        record_event(
            actor=actor,
            action="personnel.item.object",
            target_type=ITEM,
            target_id=item.pk,
            target_repr=_item_repr(item),
            new={"objection": objection.pk, "query_code": objection.query_code},
        )
    return objection


def provider_for_item(item: FileItem) -> Unit:
    """Who verifies an objection to the item: the unit that provided it, else the
    keeping unit."""
    if item.source_unit_id and item.source_unit is not None:
        return item.source_unit
    return item.person.category.keeper_unit


def keeper_answers(actor: Any, objection: Any) -> bool:
    """rights provider check: the keepers of the objected item's file answer as the
    providing unit (a 组织部门 account holds no unit staff role)."""
    link = (
        ItemObjection.objects.filter(objection_id=objection.pk)
        .select_related("item__person__category")
        .first()
    )
    return link is not None and access.can_keep(actor, link.item.person.category)


def objections_for_keeper(user: Any) -> list[ItemObjection]:
    links = ItemObjection.objects.select_related(
        "objection", "item", "item__person", "item__person__category"
    ).order_by("-objection__received_on", "-id")
    return [link for link in links if access.can_keep(user, link.item.person.category)]


# ---------------------------------------------------------------- file import


@dataclass
class ImportOutcome:
    rows: int = 0
    persons_created: int = 0
    items: list[FileItem] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    # One line per existing person whose unit or post the file changed.
    transfers: list[str] = field(default_factory=list)

    def summary(self) -> str:
        moved = f"，变更单位/职务 {len(self.transfers)} 人" if self.transfers else ""
        return f"已导入 {len(self.items)} 条档案事项（新建档 {self.persons_created} 人{moved}）。"

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "persons_created": self.persons_created,
            "items_created": len(self.items),
            "persons_updated": len(self.transfers),
            "changes": self.transfers,
            "errors": [e.as_dict() for e in self.errors],
        }


# Column header → field. Headers may come in any order; `*` marks and spaces are ignored.
IMPORT_COLUMNS = {
    "档案类别": "category",
    "姓名": "name",
    "身份证号码": "id_number",
    "所在单位": "unit",
    "执业机构": "employer",
    "职务": "post",
    "执业证号": "licence_number",
    "事项类别": "kind",
    "事项": "title",
    "考核年度": "year",
    "考核等次": "grade",
    "失信来源": "source",
    "作出机关": "issuer",
    "提供单位": "source_unit",
    "文书号": "document_number",
    "文书日期": "document_date",
    "内容": "description",
    "免责情形": "exemption_ground",
    "免责认定机关": "exemption_body",
    "免责文书号": "exemption_document",
    "免责认定日期": "exemption_date",
    "免责理由": "exemption_reason",
}
REQUIRED_IMPORT_COLUMNS = (
    "档案类别",
    "姓名",
    "身份证号码",
    "事项类别",
    "作出机关",
    "文书号",
    "文书日期",
)
_EXEMPTION_KEYS = (
    "exemption_ground",
    "exemption_body",
    "exemption_document",
    "exemption_date",
    "exemption_reason",
)


def _header(text: str) -> str:
    value = unicodedata.normalize("NFKC", str(text or "")).replace("\ufeff", "")
    return "".join(value.split()).lstrip("*")


def _category(value: str) -> FileCategory:
    found = (
        FileCategory.objects.filter(active=True, name=value).first()
        or FileCategory.objects.filter(active=True, code=value).first()
    )
    if found is None:
        names = "、".join(FileCategory.objects.filter(active=True).values_list("name", flat=True))
        raise DomainError(f"档案类别“{value[:20]}”不存在，应为：{names}。")
    return found


class _CellError(DomainError):
    """A refusal that concerns one column (`key`, a field of IMPORT_COLUMNS) of a row."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


@contextmanager
def _cell(key: str) -> Iterator[None]:
    try:
        yield
    except _CellError:
        raise
    except DomainError as exc:  # NotPermitted included: the category the actor cannot keep
        raise _CellError(key, exc.message) from None


@dataclass
class _Row:
    number: int
    category: FileCategory
    person: Person | None
    person_values: dict[str, Any]
    item: dict[str, Any]
    exemption: Exemption | None
    work_changes: dict[str, Any] = field(default_factory=dict)


def _same_work(seen_work: dict[str, tuple[Any, int]], number: int, given: dict[str, Any]) -> None:
    """Rows of one person must not disagree on where the person works: the file would
    otherwise decide the transfer by row order."""
    for key, value in given.items():
        first = seen_work.setdefault(key, (value, number))
        if first[0] != value:
            with _cell(key):
                shown = getattr(first[0], "name", first[0]) or "（空）"
                raise DomainError(
                    f"同一人员在文件中对应不同的{_WORK_LABELS[key]}（第 {first[1]} 行为“{shown}”）。"
                )


def _import_row(
    actor: Any, number: int, values: dict[str, str], seen: dict[Any, dict[str, Any]]
) -> _Row:
    with _cell("category"):
        category = _category(values.get("category", ""))
        _require_keeper(actor, category)
    with _cell("id_number"):
        ident = normalise_id_number(values.get("id_number"))
    key = (category.pk, ident)
    with _cell("name"):
        name = clean_text(values.get("name"), "姓名", limit=50)
        entry = seen.setdefault(key, {"name": name, "work": {}, "items": {}})
        if entry["name"] != name:
            raise DomainError(f"同一身份证号码在文件中对应不同姓名（{mask_name(entry['name'])}）。")
    person = (
        Person.objects.filter(category=category, id_number=ident).select_related("unit").first()
    )
    # An empty cell says nothing about the workplace; a filled one is where the person
    # works now (a transfer for a person already on file).
    given = _clean_work(
        unit=values.get("unit") or None,
        employer=values.get("employer") or None,
        post=values.get("post") or None,
        unit_required=False,
        cell=_cell,
    )
    _same_work(entry["work"], number, given)
    person_values: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if person is not None:
        with _cell("name"):
            if person.name != name:
                raise DomainError(f"姓名与已建档人员不一致（档案中为 {person.masked_name}）。")
        changes = _work_changes(person, given)
    else:
        with _cell("unit"):
            if category.is_public_servant and given.get("unit") is None:
                raise DomainError("请填写所在单位。")
        with _cell("licence_number"):
            licence = clean_text(values.get("licence_number"), "执业证号", required=False, limit=50)
        person_values = {
            "name": name,
            "id_number": ident,
            "unit": given.get("unit"),
            "employer": given.get("employer", ""),
            "post": given.get("post", ""),
            "licence_number": licence,
        }
    item = _clean_item(
        ItemInput(
            kind=values.get("kind"),
            issuer=values.get("issuer"),
            document_number=values.get("document_number"),
            document_date=values.get("document_date"),
            title=values.get("title"),
            year=values.get("year"),
            grade=values.get("grade"),
            source=values.get("source"),
            source_unit=values.get("source_unit"),
            description=values.get("description"),
        ),
        cell=_cell,
    )
    # The same item twice — in the file, or already on file (the file imported before) —
    # is refused here, so that every such row is listed at once.
    with _cell("document_number"):
        first = entry["items"].setdefault((item["kind"], item["document_number"]), number)
        if first != number:
            raise DomainError(
                f"与第 {first} 行是同一事项（同一人员、事项类别和文书号 {item['document_number']}），"
                "请勿重复登记。"
            )
        if person is not None:
            _refuse_duplicate(person, item)
    exemption = None
    if any(values.get(k) for k in _EXEMPTION_KEYS):
        with _cell("exemption_ground"):
            if item["kind"] != ItemKind.DISHONESTY:
                raise DomainError("容错免责只适用于一般失信事项。")
        exemption = clean_exemption(
            values.get("exemption_ground"),
            values.get("exemption_body"),
            values.get("exemption_document"),
            values.get("exemption_date"),
            values.get("exemption_reason"),
            cell=_cell,
        )
    return _Row(number, category, person, person_values, item, exemption, changes)


def import_items(*, actor: Any, path: Path | str, filename: str = "") -> ImportOutcome:
    """File items (and the persons they belong to, when new) from an XLSX/CSV file, read
    by the collection pipeline's reader (encodings, BOMs, Excel). All or nothing: any bad
    row keeps the whole file out and comes back with its row number, the column header as
    written in the file and a Chinese reason. For a person already on file, a filled
    所在单位 / 执业机构 / 职务 that differs is a transfer: applied, listed in the outcome
    and recorded with old and new values in the import's event."""
    from xinyong.collection.pipeline.reader import read_file

    if not access.keepable_categories(actor):
        if role_of(actor) is None:
            raise NotPermitted("请先登录，或账号已停用。")
        raise NotPermitted(access.WRITE_DENIED)
    table = read_file(Path(path))
    index: dict[str, int] = {}
    for i, raw in enumerate(table.headers):
        name = _header(raw)
        if name in IMPORT_COLUMNS and name not in index:
            index[name] = i
    missing = [c for c in REQUIRED_IMPORT_COLUMNS if c not in index]
    if missing:
        raise DomainError(f"文件缺少必需的列：{'、'.join(missing)}。")
    # A refusal names the column as the file spells it ("*身份证号码"); a column the file
    # lacks (考核等次 for an assessment row) by its standard name.
    written = {key: name for name, key in IMPORT_COLUMNS.items()}
    written.update({IMPORT_COLUMNS[name]: table.headers[i] for name, i in index.items()})
    outcome = ImportOutcome()
    rows: list[_Row] = []
    seen: dict[Any, dict[str, Any]] = {}
    for chunk in table.chunks:
        for ragged in chunk.ragged:
            outcome.rows += 1
            outcome.errors.append(ImportProblem(ragged.row, "整行", "列数与表头不一致。"))
        for raw_row in chunk.frame.iter_rows(named=True):
            number = int(raw_row["_row"])
            values = {
                IMPORT_COLUMNS[name]: (raw_row.get(f"c{i}") or "").strip()
                for name, i in index.items()
            }
            if not any(values.values()):
                continue
            outcome.rows += 1
            try:
                rows.append(_import_row(actor, number, values, seen))
            except _CellError as exc:
                outcome.errors.append(ImportProblem(number, written[exc.key], exc.message))
    if outcome.errors:
        return outcome
    if not rows:
        raise DomainError("文件中没有档案事项数据。")
    try:
        with transaction.atomic():
            created: dict[Any, Person] = {}
            existing: dict[int, Person] = {}
            moved: list[dict[str, Any]] = []
            for row in rows:
                # One instance per person, so that a transfer given on several rows is
                # applied (and reported) once.
                person = existing.setdefault(row.person.pk, row.person) if row.person else None
                if person is None:
                    key = (row.category.pk, row.person_values["id_number"])
                    person = created.get(key)
                    if person is None:
                        person = Person.objects.create(category=row.category, **row.person_values)
                        created[key] = person
                elif changes := _work_changes(person, row.work_changes):
                    old, new = _apply_work(person, changes)
                    change = _work_change_text(old, new)
                    outcome.transfers.append(f"第 {row.number} 行 {person.masked_repr}：{change}")
                    # The importer sees the values; the event only what changed.
                    moved.append(
                        {"person": person.pk, "row": row.number, "change": _changed_fields(changes)}
                    )
                try:
                    outcome.items.append(
                        _create_item(
                            actor=actor,
                            person=person,
                            values=row.item,
                            exemption=row.exemption,
                            cell=_cell,
                        )
                    )
                except _CellError as exc:
                    raise _RowFailed(row.number, written[exc.key], exc.message) from None
            outcome.persons_created = len(created)
            record_event(
                actor=actor,
                action="personnel.import",
                target_type=ITEM,
                target_id=outcome.items[0].pk,
                target_repr=f"{filename or Path(path).name}",
                new={
                    "file": filename or Path(path).name,
                    "sha256": table.sha256,
                    "persons_created": len(created),
                    "items": [i.pk for i in outcome.items[:1000]],
                    "transfers": moved[:1000],
                },
            )
    except _RowFailed as failed:
        outcome.items = []
        outcome.persons_created = 0
        outcome.transfers = []
        outcome.errors.append(ImportProblem(failed.row, failed.column, failed.message))
    return outcome


class _RowFailed(Exception):
    def __init__(self, row: int, column: str, message: str):
        super().__init__(message)
        self.row = row
        self.column = column
        self.message = message


# ---------------------------------------------------------------- 诚信典型


def _nomination_snapshot(n: Nomination) -> dict[str, Any]:
    return {
        "kind": n.kind.code,
        "year": n.year,
        "person": n.person_id,
        "unit": n.unit_id,
        "community": n.community,
        "nominated_by_unit": n.nominated_by_unit_id,
        "status": n.status,
        "decided_on": n.decided_on,
        "decision_document": n.decision_document,
        "withdrawn_on": n.withdrawn_on,
        "withdrawal_reason": n.withdrawal_reason,
    }


def nominating_unit(actor: Any) -> Unit:
    """Units nominate through their staff and leaders; the credit office (which also
    selects) nominates too, in the name of its unit."""
    role = role_of(actor)
    if role is None:
        raise NotPermitted("请先登录，或账号已停用。")
    unit = getattr(actor, "unit", None)
    if is_credit_admin(actor):
        from xinyong.orgs.selectors import credit_office_unit

        # A superuser has no unit of their own: the nomination is the credit office's.
        unit = unit or credit_office_unit()
        if unit is None:
            raise DomainError("未设置信用办所在单位，无法以信用办名义推荐。")
        return unit  # type: ignore[no-any-return]
    if unit is None or role not in access.KEEPER_STAFF_ROLES:
        raise NotPermitted("只有信用办和各单位工作人员可以推荐诚信典型（推荐单位为本人所在单位）。")
    return unit  # type: ignore[no-any-return]


def nominate(
    *,
    actor: Any,
    kind: HonourKind,
    year: Any,
    deeds: Any,
    person_id_number: Any = "",
    person_name: Any = "",
    unit: Any = None,
    community: Any = "",
    on: date | None = None,
) -> Nomination:
    """A unit nominates: a person of its own (公务员 of the unit, or a practitioner whose
    file it keeps) as 诚信优秀工作者, an organ as 诚信示范机关, a 街道 (or one of its
    社区) as 诚信示范街道（社区）."""
    by_unit = nominating_unit(actor)
    if not kind.active:
        raise DomainError("该诚信典型类别已停用。")
    day = on or timezone.localdate()
    try:
        the_year = int(str(year or "").strip().removesuffix("年").removesuffix("年度"))
    except ValueError:
        raise DomainError("请填写评选年度（如 2026）。") from None
    if the_year < 2000 or the_year > day.year + 1:
        raise DomainError(f"评选年度 {the_year} 不合理。")
    text = clean_text(deeds, "主要事迹")
    person = None
    nominee_unit = None
    place = ""
    if kind.nominee == HonourKind.Nominee.PERSON:
        ident = normalise_id_number(person_id_number)
        name = clean_text(person_name, "被推荐人姓名", limit=50)
        candidates = [
            p
            for p in selectors.find_persons(ident)
            if p.name == name
            and (p.unit_id == by_unit.pk or p.category.keeper_unit_id == by_unit.pk)
        ]
        if not candidates:
            raise DomainError("未找到本单位建档人员中与该身份证号码和姓名一致的人员。")
        person = candidates[0]
    else:
        nominee_unit = _unit(unit, "被推荐单位", required=True)
        assert nominee_unit is not None
        if kind.nominee == HonourKind.Nominee.COMMUNITY:
            if nominee_unit.kind not in (Unit.Kind.SUBDISTRICT, Unit.Kind.TOWN):
                raise DomainError("诚信示范街道（社区）只能推荐街道（镇）或其所属社区。")
            place = clean_text(community, "社区名称", required=False, limit=100)
        # 组织部门 (which runs the 机关 evaluations) and the credit office nominate any
        # unit; other units nominate themselves (or their own 社区).
        if nominee_unit.pk != by_unit.pk and role_of(actor) not in ("org_dept", "credit_admin"):
            raise DomainError("各单位只能推荐本单位（或本街道所属社区）。")
    with transaction.atomic():
        duplicate = Nomination.objects.filter(
            kind=kind, year=the_year, person=person, unit=nominee_unit, community=place
        ).exclude(status=Nomination.Status.NOT_SELECTED)
        if duplicate.exists():
            raise DomainError(f"{the_year}年已推荐过该对象参评“{kind.name}”。")
        n = Nomination.objects.create(
            kind=kind,
            year=the_year,
            person=person,
            unit=nominee_unit,
            community=place,
            nominated_by_unit=by_unit,
            nominated_by=actor,
            nominated_on=day,
            deeds=text,
        )
        record_event(
            actor=actor,
            action="personnel.honour.nominate",
            target_type=NOMINATION,
            target_id=n.pk,
            target_repr=str(n),
            new=_nomination_snapshot(n),
        )
    return n


def decide_nomination(
    *,
    actor: Any,
    nomination: Nomination,
    selected: bool,
    document: Any = "",
    note: Any = "",
    on: date | None = None,
) -> Nomination:
    """The credit office selects (published on the portal at once) or declines. A person
    with counted dishonesty within the kind's look-back years — in any file held under
    the ID number — cannot be selected; items exempt under 容错免责 do not count. The
    check reads those files, so each is logged as a read with its purpose. A unit (or a
    street, for one of its communities) with a 政务诚信 finding still open on the day —
    a severe alert or a case in 履约督办 — cannot be selected either."""
    if not is_credit_admin(actor):
        if role_of(actor) is None:
            raise NotPermitted("请先登录，或账号已停用。")
        raise NotPermitted("只有信用办管理员可以评选诚信典型。")
    day = on or timezone.localdate()
    doc = clean_text(document, "评选文件文号", required=selected, limit=100)
    text = clean_text(note, "评选意见", required=not selected)
    if nomination.status != Nomination.Status.NOMINATED:
        raise DomainError(f"该推荐已{nomination.get_status_display()}。")
    person = nomination.person
    if selected and person is not None:
        # Logged before the check so that a refusal does not roll the reads back.
        for held in selectors.find_persons(person.id_number):
            record_read(
                reader=actor,
                subject_type=PERSON,
                subject_id=held.pk,
                subject_repr=held.masked_repr,
                purpose=f"诚信典型评选核查（{nomination.kind.name}，{held.category.name}，"
                "仅核查有无计入的失信事项）",
            )
        found = selectors.dishonesty_within(person, on=day, years=nomination.kind.lookback_years)
        if found:
            raise DomainError(
                f"被推荐人近 {nomination.kind.lookback_years} 年内有 {found} 项计入的一般失信事项，"
                "不能评为诚信典型（容错免责事项不计入）。"
            )
    if selected and nomination.unit is not None:
        findings = selectors.unit_open_findings(nomination.unit, on=day)
        if findings:
            raise DomainError(
                f"被推荐单位{nomination.unit.name}在评选日（{day.isoformat()}）有未解除的政务诚信"
                f"警示或未办结的履约督办案件，不能评为诚信典型：{'；'.join(findings)}。"
            )
    with transaction.atomic():
        n = (
            Nomination.objects.select_for_update(of=("self",))
            .select_related("kind", "person", "person__category", "unit", "nominated_by_unit")
            .get(pk=nomination.pk)
        )
        if n.status != Nomination.Status.NOMINATED:
            raise DomainError(f"该推荐已{n.get_status_display()}。")
        if day < n.nominated_on:
            raise DomainError("评选日期不能早于推荐日期。")
        old = _nomination_snapshot(n)
        n.status = Nomination.Status.SELECTED if selected else Nomination.Status.NOT_SELECTED
        n.decided_on = day
        n.decision_document = doc
        n.decision_note = text
        n.decided_by = actor
        n.save()
        record_event(
            actor=actor,
            action="personnel.honour.decide",
            target_type=NOMINATION,
            target_id=n.pk,
            target_repr=str(n),
            old=old,
            new=_nomination_snapshot(n),
        )
    return n


def withdraw_honour(
    *, actor: Any, nomination: Nomination, reason: Any, on: date | None = None
) -> Nomination:
    """The credit office takes a selected honour back (撤销), e.g. when the holder is
    later found dishonest or the deeds untrue: it leaves the portal at once; the
    nomination, its selection and the reason stay on record."""
    if not is_credit_admin(actor):
        if role_of(actor) is None:
            raise NotPermitted("请先登录，或账号已停用。")
        raise NotPermitted("只有信用办管理员可以撤销诚信典型称号。")
    text = clean_text(reason, "撤销理由")
    day = on or timezone.localdate()
    with transaction.atomic():
        n = (
            Nomination.objects.select_for_update(of=("self",))
            .select_related("kind", "person", "person__unit", "unit", "nominated_by_unit")
            .get(pk=nomination.pk)
        )
        if n.status != Nomination.Status.SELECTED:
            raise DomainError(f"只能撤销已评选的诚信典型，该推荐{n.get_status_display()}。")
        if n.decided_on is not None and day < n.decided_on:
            raise DomainError("撤销日期不能早于评选日期。")
        old = _nomination_snapshot(n)
        n.status = Nomination.Status.WITHDRAWN
        n.withdrawn_on = day
        n.withdrawal_reason = text
        n.withdrawn_by = actor if getattr(actor, "pk", None) else None
        n.save()
        record_event(
            actor=actor,
            action="personnel.honour.withdraw",
            target_type=NOMINATION,
            target_id=n.pk,
            target_repr=str(n),
            old=old,
            new=_nomination_snapshot(n),
        )
    return n


# ---------------------------------------------------------------- reference data (admin)


def save_reference(*, actor: Any, obj: FileCategory | HonourKind, created: bool) -> Any:
    """The credit office edits a file category or a 诚信典型 title in the admin."""
    if not is_credit_admin(actor):
        raise NotPermitted("只有信用办管理员可以维护档案类别和诚信典型类别。")
    fields = [
        f.attname
        for f in obj._meta.concrete_fields
        if f.attname not in ("created_at", "updated_at")
    ]
    old = None if created else type(obj).objects.filter(pk=obj.pk).values(*fields).first()
    with transaction.atomic():
        obj.save()
        record_event(
            actor=actor,
            action=f"personnel.{type(obj).__name__.lower()}.{'create' if created else 'update'}",
            target_type=f"personnel.{type(obj).__name__}",
            target_id=obj.pk,
            target_repr=str(obj),
            old=old,
            new={f: getattr(obj, f) for f in fields},
        )
    return obj
