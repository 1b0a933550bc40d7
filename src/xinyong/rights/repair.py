"""Credit repair (信用修复): eligibility, application, review, decision and sync.

Rules (DOMAIN.md §5, §12):
- repair may be asked for once the minimum publicity period has passed and until the
  maximum (国办发〔2025〕22号); the window comes from `publicity.PublicityWindow`;
- a complete application is decided within `RightsPolicy.repair_review_days` working days
  (10, 信用中国 practice) and an approval is synced to every receiver within
  `repair_sync_days` (3) working days;
- repair is free: nothing here asks for or records a payment;
- 失信被执行人 entries are removed by the people's court, not repaired here.

Workflow: submitted → (incomplete → submitted again) → provider_review (the record's
source unit agrees or not, with its opinion) → office_review → approved / refused. When
the record is withdrawn (撤销/撤回) while an application is pending, the application ends
(terminated, 终止办理) in the withdrawal's transaction: nothing is left to repair, and
nothing may be reviewed, decided or sent to the city platform for it any more.
Every change goes through a function below: keyword-only, explicit actor, one
transaction, one event (docs/conventions.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.utils import timezone

from xinyong.catalog.models import Nature, Severity
from xinyong.core import calendar
from xinyong.core.audit import record_event
from xinyong.core.errors import CalendarUnknownYear, DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import refuse_control_characters
from xinyong.core.masking import mask_name, mask_phone, mask_text
from xinyong.orgs import permissions
from xinyong.records.models import CreditRecord
from xinyong.records.signals import record_changed
from xinyong.rights.steps import pending_label, step_day
from xinyong.subjects.selectors import identifier_keys

from .attachments import check_files, save_attachments
from .models import Channel, RepairApplication, RightsPolicy

TARGET = "rights.RepairApplication"
COURT_LIST_CODE = "SXBZXR"  # 失信被执行人: listed and delisted by the people's court
OPEN_STATUSES = (
    RepairApplication.Status.SUBMITTED,
    RepairApplication.Status.INCOMPLETE,
    RepairApplication.Status.PROVIDER_REVIEW,
    RepairApplication.Status.OFFICE_REVIEW,
)
REVIEW_STATUSES = (RepairApplication.Status.PROVIDER_REVIEW, RepairApplication.Status.OFFICE_REVIEW)
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
MAX_TEXT = 5000
IDENTITY_MISMATCH = "所填主体代码与该信息的信用主体不一致，请核对。"

# Why a pending application ends when its record is withdrawn, by RecordWithdrawal.Kind.
# (A void is refused while an application is pending — records.services.void_blocker —
# so the second text is there for completeness.)
ENDED_REASONS = {
    "revocation": "该信息已撤销（撤回），无需修复。",
    "keying_error": "该信息已作为录入错误作废，无需修复。",
}
ENDED_REFUSAL = "该信息已撤销（撤回），本信用修复申请已终止办理，不能再审核或作出决定。"

# The 信用修复型 commitment (DOMAIN.md §9): pre-filled on the form, accepted by a checkbox.
# Breach consequence per practice: the penalty stays public for its longest period and
# the breach itself is published.
COMMITMENT_TEMPLATE = (
    "本主体（{subject}）就{document}{kind}等失信信息申请信用修复，郑重承诺：\n"
    "一、已全部履行该失信行为所涉法定责任和义务，已纠正失信行为、消除不良影响；\n"
    "二、所提交的申请材料真实、合法、有效，无虚假内容；\n"
    "三、今后自觉遵守法律法规，诚信经营，接受有关部门和社会的监督；\n"
    "四、同意将本承诺及履行情况纳入信用记录并依法公开。\n"
    "如违反上述承诺，自愿接受撤销修复决定、相关失信信息按最长期限公示、违诺信息依法公示等处理，"
    "并依法承担相应法律责任。"
)

HOW_TO_OBJECT = (
    "对不予修复决定有异议的，可在本平台该条记录页面提出异议申请，"
    "或到区信用办窗口提交（《河南省社会信用条例》第四十一条）。"
)


# ------------------------------------------------------------------ policy & deadlines


def policy_on(day: date) -> RightsPolicy:
    """The deadline policy in force on `day`; the model's defaults when none is stored."""
    found = (
        RightsPolicy.objects.filter(active=True, effective_from__lte=day)
        .order_by("-effective_from", "-id")
        .first()
    )
    return found or RightsPolicy(effective_from=day)


def decision_due(application: RepairApplication) -> date | None:
    """A complete application is decided within N working days of being complete.
    Raises CalendarUnknownYear when that day falls in a year without a calendar."""
    if application.complete_on is None:
        return None
    days = policy_on(application.complete_on).repair_review_days
    return calendar.add_workdays(application.complete_on, days)


def sync_due(application: RepairApplication) -> date | None:
    """An approval is synced to every receiver within N working days of the decision.
    Raises CalendarUnknownYear when that day falls in a year without a calendar."""
    if application.status != RepairApplication.Status.APPROVED or application.decided_on is None:
        return None
    days = policy_on(application.decided_on).repair_sync_days
    return calendar.add_workdays(application.decided_on, days)


def due_or_pending(
    deadline: Callable[[RepairApplication], date | None], application: RepairApplication
) -> tuple[date | None, str]:
    """`deadline(application)` (decision_due or sync_due) and "", or None and the text
    every page shows for a deadline in a year whose holidays are not loaded yet (DOMAIN.md
    §3: an explicit, visible condition, never a guess). Deadlines are computed when read,
    so the date appears once the year is imported."""
    try:
        return deadline(application), ""
    except CalendarUnknownYear as exc:
        return None, pending_label([exc.year])


def is_overdue(application: RepairApplication, today: date) -> bool:
    """Past its decision deadline while under review, or approved and not synced in time.
    A deadline that cannot be computed lies after the calendar's last known day, so it
    is not overdue while the days up to today are known; pages show it as pending."""
    if application.status in REVIEW_STATUSES:
        due, _pending = due_or_pending(decision_due, application)
        return due is not None and today > due
    if application.status == RepairApplication.Status.APPROVED and application.synced_on is None:
        due, _pending = due_or_pending(sync_due, application)
        return due is not None and today > due
    return False


class _Deadlines:
    """Deadlines of many applications, computed once per distinct start day and policy;
    None for one that falls in a year without a calendar (not overdue: see is_overdue)."""

    def __init__(self, attr: str) -> None:
        self.attr = attr
        self.known: dict[date, date | None] = {}

    def __call__(self, start: date | None) -> date | None:
        if start is None:
            return None
        if start not in self.known:
            try:
                days = getattr(policy_on(start), self.attr)
                self.known[start] = calendar.add_workdays(start, days)
            except CalendarUnknownYear:
                self.known[start] = None
        return self.known[start]


def overdue_repairs(today: date) -> QuerySet[RepairApplication]:
    """Applications past their decision deadline, or approved and not synced in time.
    Deadlines are computed once per distinct date (the set is small), then filtered in SQL."""
    reviewing = RepairApplication.objects.filter(
        status__in=REVIEW_STATUSES, complete_on__isnull=False
    )
    unsynced = RepairApplication.objects.filter(
        status=RepairApplication.Status.APPROVED, synced_on__isnull=True, decided_on__isnull=False
    )
    review_due, sync_deadline = _Deadlines("repair_review_days"), _Deadlines("repair_sync_days")

    def late(dates: Iterable[date | None], due: _Deadlines) -> list[date]:
        out = []
        for day in {d for d in dates if d}:
            deadline = due(day)
            if deadline is not None and deadline < today:
                out.append(day)
        return out

    late_complete = late(reviewing.values_list("complete_on", flat=True).distinct(), review_due)
    late_decided = late(unsynced.values_list("decided_on", flat=True).distinct(), sync_deadline)
    return (
        RepairApplication.objects.filter(
            Q(pk__in=reviewing.filter(complete_on__in=late_complete).values("pk"))
            | Q(pk__in=unsynced.filter(decided_on__in=late_decided).values("pk"))
        )
        .select_related("record", "subject", "provider_unit")
        .order_by("complete_on", "id")
    )


# ------------------------------------------------------------------ eligibility


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    from_date: date | None
    until_date: date | None
    reason_zh: str
    code: str = ""


def _window(record: CreditRecord) -> Any:
    from xinyong.publicity.models import PublicityWindow

    return PublicityWindow.objects.filter(record=record).first()


def repair_eligibility(record: CreditRecord, today: date) -> Eligibility:
    """Whether `record` may be repaired on `today`, from when, until when, and why not
    (国办发〔2025〕22号: repair after the minimum period, drop-off at the maximum)."""
    if record.status == CreditRecord.Status.WITHDRAWN:
        return Eligibility(
            False, None, None, "该信息已被撤销，不再公示，无需申请信用修复。", "withdrawn"
        )
    if record.record_type.code == COURT_LIST_CODE:
        return Eligibility(
            False,
            None,
            None,
            "失信被执行人名单由人民法院依法纳入和删除，不适用本平台信用修复；"
            "履行生效法律文书确定的义务后，请向作出决定的人民法院申请屏蔽或删除失信信息。",
            "court_list",
        )
    if record.nature != Nature.DISHONEST:
        return Eligibility(
            False, None, None, "该信息不属于失信信息，无需信用修复。", "not_dishonest"
        )
    window = _window(record)
    if window is None or not window.is_published:
        why = (
            f"（{window.not_published_reason}）"
            if window is not None and window.not_published_reason
            else ""
        )
        return Eligibility(
            False, None, None, f"该信息依规不向社会公示{why}，无需申请信用修复。", "not_published"
        )
    from_date = window.repair_from or window.starts_on or record.decision_date
    until = window.ends_on
    if window.ended_on is not None:
        reasons = {
            "repaired": f"该信息已于 {window.ended_on:%Y-%m-%d} 完成信用修复，已停止公示。",
            "withdrawn": f"该信息已于 {window.ended_on:%Y-%m-%d} 撤销，已停止公示，无需申请信用修复。",
        }
        text = reasons.get(
            window.end_reason,
            f"该信息最长公示期已于 {window.ended_on:%Y-%m-%d} 届满，已自动停止公示，无需申请信用修复。",
        )
        return Eligibility(False, from_date, until, text, f"ended_{window.end_reason or 'expired'}")
    if until is not None and today > until:
        return Eligibility(
            False,
            from_date,
            until,
            f"该信息最长公示至 {until:%Y-%m-%d}，已届满，自动停止公示，无需申请信用修复。",
            "ended_expired",
        )
    if from_date is not None and today < from_date:
        serious = ""
        if window.severity == Severity.SERIOUS:
            serious = "严重失信信息须公示满1年后方可申请信用修复（国办发〔2025〕22号）。"
        return Eligibility(
            False,
            from_date,
            until,
            f"{serious}最短公示期尚未届满，自 {from_date:%Y-%m-%d} 起可申请信用修复。",
            "not_yet",
        )
    if RepairApplication.objects.filter(record=record, status__in=OPEN_STATUSES).exists():
        return Eligibility(
            False, from_date, until, "该信息已有正在办理的信用修复申请，请勿重复申请。", "pending"
        )
    until_text = f"，最长公示至 {until:%Y-%m-%d}" if until else ""
    return Eligibility(
        True,
        from_date,
        until,
        f"最短公示期已届满，可申请信用修复{until_text}。信用修复全程免费。",
        "eligible",
    )


# ------------------------------------------------------------------ reads


def repairs_visible_to(user: Any) -> QuerySet[RepairApplication]:
    """Credit admins and leaders see all; a unit's staff only its own records' repairs."""
    qs = RepairApplication.objects.select_related(
        "record", "record__record_type", "subject", "provider_unit"
    )
    return permissions.scope_to_user_units(user, qs, unit_field="record__source_unit")


def get_repair_for(user: Any, pk: Any) -> RepairApplication:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError("未找到该信用修复申请。") from None
    found = repairs_visible_to(user).filter(pk=key).first()
    if found is None:
        raise NotFoundError("未找到该信用修复申请，或无权查看。")
    return found


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")


def normalise_code(code: Any) -> str:
    """A query code or identifier as typed: full-width folded, spaces and control
    characters (a pasted NUL, which PostgreSQL text cannot hold) dropped, upper case."""
    text = unicodedata.normalize("NFKC", str(code or ""))
    return "".join(ch for ch in text if not ch.isspace() and not _is_control(ch)).upper()


def repair_by_code(code: Any) -> RepairApplication:
    """The application an applicant follows with its query code (no login)."""
    text = normalise_code(code)
    if not text:
        raise DomainError("请输入查询码。")
    if len(text) != 12:
        raise NotFoundError("查询码应为12位字母和数字，请核对后重新输入。")
    found = (
        RepairApplication.objects.select_related("record", "subject")
        .filter(query_code=text)
        .first()
    )
    if found is None:
        raise NotFoundError("未找到该查询码对应的信用修复申请，请核对后重新输入。")
    return found


def public_view(application: RepairApplication) -> dict[str, Any]:
    """The applicant-facing fields only, masked where personal."""
    record = application.record
    due, due_pending = due_or_pending(decision_due, application)
    # Staff type the reason and the incomplete-materials note freely: an ID or phone
    # number in them (and a person's own full name) is masked as in any public text
    # (DOMAIN.md §2).
    own_name = record.party_name if application.subject.is_person else None
    return {
        "query_code": application.query_code,
        "status": application.status,
        "status_label": application.get_status_display(),
        "record_id": record.pk,
        "document_number": record.document_number,
        "party_name": mask_name(record.party_name)
        if application.subject.is_person
        else record.party_name,
        "applicant_name": mask_name(application.applicant_name),
        "applicant_phone": mask_phone(application.applicant_phone),
        "submitted_on": application.submitted_on,
        "complete_on": application.complete_on,
        "decision_due": due,
        "decision_due_pending": due_pending,
        "decided_on": application.decided_on,
        "decision_reason": mask_text(application.decision_reason, person_name=own_name)
        if application.status
        in (
            RepairApplication.Status.APPROVED,
            RepairApplication.Status.REFUSED,
            RepairApplication.Status.TERMINATED,
        )
        else "",
        "applicant_notice": mask_text(application.applicant_notice, person_name=own_name),
        "synced_on": application.synced_on,
    }


def commitment_text_for(record: CreditRecord, *, public: bool = False) -> str:
    """The commitment for `record`, naming its document and its own type (a 违诺 record
    is no 行政处罚). 文书号 mostly end in 号 already (北关市监罚〔2026〕21号); others, such
    as a 违诺 record's 41050320260316000001, do not. `public`: as a public page shows it,
    a natural person's name masked like the page's record box (DOMAIN.md §2: a person's
    name keeps its first character only); the stored commitment, seen by staff only,
    names the subject in full."""
    number = str(record.document_number or "").strip()
    if number and not number.endswith("号"):
        number += "号"
    name = record.party_name
    if public and record.subject.is_person:
        name = mask_name(name)
    return COMMITMENT_TEMPLATE.format(subject=name, document=number, kind=record.record_type.name)


# ------------------------------------------------------------------ writes


def _snapshot(app: RepairApplication) -> dict[str, Any]:
    return {
        "status": app.status,
        "incomplete_on": app.incomplete_on,
        "resubmitted_on": app.resubmitted_on,
        "complete_on": app.complete_on,
        "provider_agrees": app.provider_agrees,
        "decided_on": app.decided_on,
        "synced_on": app.synced_on,
    }


def _repr(app: RepairApplication) -> str:
    return f"修复 {app.query_code}（记录 {app.record_id}）"


def _text(value: Any, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"请填写{label}。")
    if len(text) > limit:
        raise DomainError(f"{label}过长（最多 {limit} 字）。")
    return refuse_control_characters(text, label)


def _phone(value: Any) -> str:
    text = "".join(unicodedata.normalize("NFKC", str(value or "")).split())
    if not _PHONE.match(text):
        raise DomainError("联系电话格式不正确，请填写11位手机号或带区号的固定电话。")
    return text


def _today(on: date | None) -> date:
    return on or timezone.localdate()


def _lock(application: RepairApplication) -> RepairApplication:
    """The application locked for a step of its workflow, refused once it ended with its
    record's withdrawal. The record row is locked first, as a withdrawal does before it ends the
    record's applications: a step and a withdrawal then run one after the other (in the
    same lock order, so never deadlocked), and a step never acts on a withdrawn record."""
    CreditRecord.objects.select_for_update().filter(pk=application.record_id).first()
    app = (
        RepairApplication.objects.select_for_update()
        .select_related("record", "subject")
        .get(pk=application.pk)
    )
    # A decided application stays as decided (an approval made before the withdrawal can
    # still be recorded as synced). A pending one on a withdrawn record should not exist
    # (the withdrawal ends it, migration 0003 ended older ones) and is refused all the same.
    withdrawn = app.record.status == CreditRecord.Status.WITHDRAWN
    if app.status == RepairApplication.Status.TERMINATED or (
        withdrawn and app.status in OPEN_STATUSES
    ):
        raise DomainError(ENDED_REFUSAL, code="repair_terminated")
    return app


def _require_provider(actor: Any, record: CreditRecord) -> None:
    if permissions.is_credit_admin(actor):
        return
    if not permissions.can_write_unit_data(actor, record.source_unit_id):
        if permissions.role_of(actor) is None:
            raise NotPermitted("请先登录，或账号已停用。")
        raise NotPermitted("只有该记录的报送单位或信用办管理员可以办理此修复申请。")


def _save_materials(application: RepairApplication, attachments: Iterable[Any]) -> int:
    return len(save_attachments(repair=application, files=attachments))


def apply_for_repair(
    *,
    actor: Any,
    record: CreditRecord,
    channel: str,
    applicant_name: str,
    applicant_phone: str,
    fulfilment_statement: str,
    commitment_accepted: bool,
    commitment_text: str | None = None,
    subject_identifier: str | None = None,
    attachments: Iterable[Any] = (),
    submitted_on: date | None = None,
) -> RepairApplication:
    """File a repair application, online (actor None, the applicant proves the subject's
    code) or at the counter (credit office or the record's unit). Refused at once, with
    the reason, when the record is not eligible on the submission day."""
    if channel not in Channel.values:
        raise DomainError("受理渠道无效。")
    given = ""
    if channel == Channel.COUNTER:
        _require_provider(actor, record)
    else:
        given = normalise_code(subject_identifier)
        if not given:
            raise DomainError(
                "请填写信用主体的统一社会信用代码或证件号码（身份证或护照等），以核实申请人身份。"
            )
    name = _text(applicant_name, "申请人", limit=200)
    phone = _phone(applicant_phone)
    statement = _text(fulfilment_statement, "履行义务情况说明")
    if not commitment_accepted:
        raise DomainError("请阅读并勾选同意《信用修复承诺书》，作出信用修复承诺后方可申请。")
    commitment = _text(commitment_text or commitment_text_for(record), "信用修复承诺书")
    attachments = check_files(attachments)
    day = step_day(submitted_on, "提交日期")
    if channel != Channel.COUNTER:
        # The identity is checked last, after everything else the form needs (eligibility
        # included, which the page shows anyway): an incomplete form must not tell a
        # right ID number from a wrong one, or the form becomes an oracle for a person's
        # full ID number.
        verdict = repair_eligibility(record, day)
        if not verdict.eligible:
            raise DomainError(verdict.reason_zh, code=f"not_eligible_{verdict.code}")
        # A passport or permit holder (keyed 护照:E12345678) may type the bare number.
        known = {normalise_code(record.subject.identifier), normalise_code(record.party_identifier)}
        if not identifier_keys(given) & (known - {""}):
            raise DomainError(IDENTITY_MISMATCH)
    with transaction.atomic():
        locked = (
            CreditRecord.objects.select_for_update()
            .select_related("record_type", "subject")
            .get(pk=record.pk)
        )
        verdict = repair_eligibility(locked, day)
        if not verdict.eligible:
            raise DomainError(verdict.reason_zh, code=f"not_eligible_{verdict.code}")
        app = RepairApplication.objects.create(
            record=locked,
            subject=locked.subject,
            channel=channel,
            applicant_name=name,
            applicant_phone=phone,
            fulfilment_statement=statement,
            commitment_text=commitment,
            commitment_accepted=True,
            submitted_on=day,
            provider_unit=locked.source_unit,
        )
        count = _save_materials(app, attachments)
        record_event(
            actor=actor,
            action="rights.repair.apply",
            target_type=TARGET,
            target_id=app.pk,
            target_repr=_repr(app),
            new={**_snapshot(app), "channel": channel, "record": locked.pk, "materials": count},
        )
        from .signals import repair_applied

        repair_applied.send(sender=RepairApplication, application=app, actor=actor)
    return app


def mark_complete(
    *,
    actor: Any,
    application: RepairApplication,
    complete: bool,
    note: str = "",
    on: date | None = None,
) -> RepairApplication:
    """The credit office checks the materials: complete → the provider reviews (the
    decision clock starts); incomplete → the applicant is told what to add."""
    permissions.require(actor, "credit_admin")
    note = _text(note, "需补正的材料或内容", required=False)
    with transaction.atomic():
        app = _lock(application)
        if app.status != RepairApplication.Status.SUBMITTED:
            raise DomainError(f"当前状态为“{app.get_status_display()}”，不能进行材料审查。")
        # The decision clock starts when the materials are complete: never before the
        # resubmission that completed them, nor before the finding that asked for it.
        day = step_day(
            on,
            "材料审查日期",
            ("提交日期", app.submitted_on),
            ("退回补正日期", app.incomplete_on),
            ("补正日期", app.resubmitted_on),
        )
        old = _snapshot(app)
        if complete:
            app.complete_on = day
            app.status = RepairApplication.Status.PROVIDER_REVIEW
            app.provider_unit = app.record.source_unit
            due, pending = due_or_pending(decision_due, app)
            by = (
                f"于 {due:%Y-%m-%d} 前"
                if due
                else f"自材料齐全之日起 {policy_on(day).repair_review_days} 个工作日内（{pending}）"
            )
            app.applicant_notice = f"申请材料已于 {day:%Y-%m-%d} 审查齐全，将{by}作出决定。"
        else:
            missing = _text(note, "需补正的材料或内容")
            app.status = RepairApplication.Status.INCOMPLETE
            app.incomplete_on = day
            app.applicant_notice = f"申请材料不齐全，请凭查询码补正：{missing}"
        app.save()
        record_event(
            actor=actor,
            action="rights.repair.complete" if complete else "rights.repair.incomplete",
            target_type=TARGET,
            target_id=app.pk,
            target_repr=_repr(app),
            old=old,
            new={**_snapshot(app), "note": note},
        )
    return app


def resubmit_repair(
    *,
    actor: Any,
    application: RepairApplication,
    supplement: str,
    attachments: Iterable[Any] = (),
    on: date | None = None,
) -> RepairApplication:
    """The applicant supplies what was missing (by query code, or at the counter)."""
    text = _text(supplement, "补正说明")
    with transaction.atomic():
        app = _lock(application)
        if app.status != RepairApplication.Status.INCOMPLETE:
            raise DomainError("只有“材料待补正”的申请可以补正材料。")
        day = step_day(
            on,
            "补正日期",
            ("提交日期", app.submitted_on),
            ("退回补正日期", app.incomplete_on),
            ("补正日期", app.resubmitted_on),
        )
        old = _snapshot(app)
        app.fulfilment_statement = _text(
            f"{app.fulfilment_statement}\n【{day:%Y-%m-%d} 补正】{text}",
            "履行义务情况说明",
            limit=MAX_TEXT * 2,
        )
        app.status = RepairApplication.Status.SUBMITTED
        app.resubmitted_on = day
        app.applicant_notice = f"已于 {day:%Y-%m-%d} 补正材料，等待审查。"
        app.save()
        count = _save_materials(app, attachments)
        record_event(
            actor=actor,
            action="rights.repair.resubmit",
            target_type=TARGET,
            target_id=app.pk,
            target_repr=_repr(app),
            old=old,
            new={**_snapshot(app), "materials": count},
        )
    return app


def provider_review(
    *,
    actor: Any,
    application: RepairApplication,
    agrees: bool,
    opinion: str,
    on: date | None = None,
) -> RepairApplication:
    """The record's source unit reviews: agrees or not, with its opinion."""
    text = _text(opinion, "审核意见")
    with transaction.atomic():
        app = _lock(application)
        _require_provider(actor, app.record)
        if app.status != RepairApplication.Status.PROVIDER_REVIEW:
            raise DomainError(f"当前状态为“{app.get_status_display()}”，不能进行提供单位审核。")
        day = step_day(on, "提供单位审核日期", ("材料齐全日期", app.complete_on))
        old = _snapshot(app)
        app.provider_agrees = bool(agrees)
        app.provider_opinion = text
        app.provider_reviewed_on = day
        app.status = RepairApplication.Status.OFFICE_REVIEW
        app.save()
        record_event(
            actor=actor,
            action="rights.repair.provider_review",
            target_type=TARGET,
            target_id=app.pk,
            target_repr=_repr(app),
            old=old,
            new={**_snapshot(app), "opinion": text},
        )
    return app


def decide_repair(
    *,
    actor: Any,
    application: RepairApplication,
    approve: bool,
    reason: str,
    on: date | None = None,
) -> RepairApplication:
    """The credit office decides. Approval ends the record's publicity (已修复) and starts
    the sync clock; refusal tells the applicant why and how to object."""
    permissions.require(actor, "credit_admin")
    text = _text(reason, "决定理由")
    from xinyong.publicity import services as publicity
    from xinyong.publicity.models import PublicityWindow

    from .signals import repair_decided

    with transaction.atomic():
        app = _lock(application)
        if app.status != RepairApplication.Status.OFFICE_REVIEW:
            raise DomainError(
                f"当前状态为“{app.get_status_display()}”，须经提供单位审核后由信用办作出决定。"
            )
        earlier = [("提供单位审核日期", app.provider_reviewed_on)]
        if approve:
            # Repair may be granted only once the minimum period has passed (22号).
            window = _window(app.record)
            earlier.append(("该信息的最早可申请修复日期", window.repair_from if window else None))
        day = step_day(on, "决定日期", *earlier)
        old = _snapshot(app)
        app.decision_reason = text
        app.decided_on = day
        app.decided_by = actor if getattr(actor, "pk", None) else None
        if approve:
            app.status = RepairApplication.Status.APPROVED
            publicity.end_publicity(
                actor=actor, record=app.record, reason=PublicityWindow.EndReason.REPAIRED, on=day
            )
            due, pending = due_or_pending(sync_due, app)
            by = (
                f"于 {due:%Y-%m-%d} 前"
                if due
                else f"自决定之日起 {policy_on(day).repair_sync_days} 个工作日内（{pending}）"
            )
            app.applicant_notice = (
                f"准予信用修复（{day:%Y-%m-%d}）。该信息已停止公示，"
                f"修复结果将{by}同步至各信息接收方。理由：{text}"
            )
        else:
            app.status = RepairApplication.Status.REFUSED
            # The reason usually ends with its own full stop; avoid "。。".
            app.applicant_notice = (
                f"不予信用修复（{day:%Y-%m-%d}）。理由：{text.rstrip('。． .')}。{HOW_TO_OBJECT}"
            )
        app.save()
        record_event(
            actor=actor,
            action="rights.repair.decide",
            target_type=TARGET,
            target_id=app.pk,
            target_repr=_repr(app),
            old=old,
            new={**_snapshot(app), "reason": text},
        )
        repair_decided.send(sender=RepairApplication, application=app, approved=bool(approve))
    return app


def record_sync(
    *, actor: Any, application: RepairApplication, on: date | None = None
) -> RepairApplication:
    """Mark that an approval reached every receiver of the record (信用中国, the city
    platform); idempotent refusal once done."""
    permissions.require(actor, "credit_admin")
    with transaction.atomic():
        app = _lock(application)
        if app.status != RepairApplication.Status.APPROVED:
            raise DomainError("只有准予修复的申请需要同步修复结果。")
        if app.synced_on is not None:
            raise DomainError(f"修复结果已于 {app.synced_on:%Y-%m-%d} 同步，无需重复登记。")
        day = step_day(on, "同步日期", ("决定日期", app.decided_on))
        old = _snapshot(app)
        app.synced_on = day
        app.save(update_fields=["synced_on", "updated_at"])
        record_event(
            actor=actor,
            action="rights.repair.sync",
            target_type=TARGET,
            target_id=app.pk,
            target_repr=_repr(app),
            old=old,
            new=_snapshot(app),
        )
    return app


def end_repairs_of_withdrawn_record(
    *, actor: Any, record: CreditRecord, on: date | None = None, kind: str = ""
) -> list[RepairApplication]:
    """The record was withdrawn (撤销/撤回) or voided: its pending applications end
    (终止办理) on the withdrawal day, with the reason on the applicant's status page. No
    decision is made on their merits, so `repair_decided` is not sent: nothing goes to
    the city platform for them (the withdrawal itself does). Decided applications stay as
    they are. One event per application ended."""
    day = _today(on)
    reason = ENDED_REASONS.get(str(kind or ""), ENDED_REASONS["revocation"])
    ended = []
    with transaction.atomic():
        pending = (
            RepairApplication.objects.select_for_update()
            .filter(record_id=record.pk, status__in=OPEN_STATUSES)
            .order_by("id")
        )
        for app in pending:
            old = _snapshot(app)
            app.status = RepairApplication.Status.TERMINATED
            app.decision_reason = reason
            app.decided_on = day
            app.decided_by = actor if getattr(actor, "pk", None) else None
            app.applicant_notice = f"信用修复申请终止办理（{day:%Y-%m-%d}）：{reason}"
            app.save()
            # The closing decision on the application (终止办理), under decide's code: the
            # snapshot's status tells it from an approval or a refusal.
            record_event(
                actor=actor,
                action="rights.repair.decide",
                target_type=TARGET,
                target_id=app.pk,
                target_repr=_repr(app),
                old=old,
                new={**_snapshot(app), "reason": reason, "record_withdrawn": record.pk},
            )
            ended.append(app)
    return ended


# Connected when this module is imported (RightsConfig.ready imports views_repair, which
# imports it). Sent inside the withdrawal's transaction, so the applications end with it.
@receiver(record_changed, dispatch_uid="rights.repair.record_changed")
def _on_record_changed(
    sender: Any,
    record: CreditRecord | None = None,
    change: str = "",
    actor: Any = None,
    **kwargs: Any,
) -> None:
    if record is not None and change == "withdrawn":
        end_repairs_of_withdrawn_record(
            actor=actor, record=record, on=kwargs.get("on"), kind=kwargs.get("kind") or ""
        )


def overdue_repairs_by_unit(today: date, *, since: date | None = None) -> list[tuple[str, int]]:
    """For the monthly 通报: per the record's source unit (in the fixed unit order), the
    applications that were overdue on some day of [since, today] — `since` defaults to
    the first day of `today`'s month. Overdue on a day: complete and not yet decided past
    the decision deadline, or approved and not yet synced past the sync deadline; a
    decision or sync made late on that day counts too. Rebuilt from the dates
    (complete_on, decided_on, synced_on), not from today's status, so a past month reads
    as it was: complete 09-01, due 09-15, refused 10-12 counts in September and October.
    A deadline that falls in a year without a calendar lies after the last known day: it
    is not counted until that year is imported (the pages show it as pending)."""
    start = since or today.replace(day=1)
    review_due, sync_deadline = _Deadlines("repair_review_days"), _Deadlines("repair_sync_days")
    one_day = timedelta(days=1)

    def late_within(due: date | None, last_day: date) -> bool:
        # Some day d of [start, today] with due < d <= last_day (last open or late-acting day).
        return due is not None and max(start, due + one_day) <= min(today, last_day)

    candidates = (
        RepairApplication.objects.filter(complete_on__isnull=False, complete_on__lt=today)
        .filter(Q(decided_on__isnull=True) | Q(decided_on__gte=start))
        .select_related("record__source_unit")
    )
    approved_late = (
        RepairApplication.objects.filter(
            status=RepairApplication.Status.APPROVED, decided_on__lt=today
        )
        .filter(Q(synced_on__isnull=True) | Q(synced_on__gte=start))
        .select_related("record__source_unit")
    )
    late: dict[int, RepairApplication] = {}
    for app in candidates:
        if app.decided_on is None:
            last_day = today
        elif app.status == RepairApplication.Status.TERMINATED:
            # Ended with its record's withdrawal: no late decision, only days open late.
            last_day = app.decided_on - one_day
        else:
            last_day = app.decided_on
        if late_within(review_due(app.complete_on), last_day):
            late[app.pk] = app
    for app in approved_late:
        if late_within(sync_deadline(app.decided_on), app.synced_on or today):
            late[app.pk] = app
    counts: dict[tuple[int, str], int] = {}
    for app in late.values():
        unit = app.record.source_unit
        key = (unit.sort_order, unit.name)
        counts[key] = counts.get(key, 0) + 1
    return [(name, n) for (_order, name), n in sorted(counts.items())]
