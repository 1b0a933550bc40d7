"""The one write path of credit commitments (DOMAIN.md §9): matters, commitments made
through every channel, fulfilment, overdue flags and 信用修复型 commitments.

A commitment found 部分履行 / 全部未履行 becomes a dishonesty record (catalogue type CNWN)
through `collection.services.ingest_rows` — the one write path of credit records — so
that it is validated, published and counted like every other record (国办发〔2019〕35号
二（一）: 书面承诺履约情况记入信用记录).

国办发〔2020〕42号: a subject on a 严重失信主体名单, with an earlier 证明事项型 / 审批替代型
breach not yet repaired, or with an unrepaired 严重 dishonesty record still in its
publicity period, may not make those 告知承诺 kinds (`exclusion_reason`, enforced in
`_create` and on a public-window confirmation). A 信用修复型 commitment runs until the repaired record's longest publicity
period would have ended and is checked the day after (`repair_check_day`, kept in step
when publicity recomputes that period: `follow_repair_check_days`); a broken one
puts the repaired record back on public view until that period ends
(`restore_repaired_publicity`); one whose repair ends unapproved lapses
(`lapse_repair_commitments`) and cannot be found broken.

A 核查期限 counted in working days that falls in a year whose calendar is not loaded yet
leaves the commitment recorded 核查期限待定 (`_verify_due`); the date is filled when the
year is loaded (`settle_verify_dues`) and recomputed when a loaded year's holidays change
(`recompute_verify_dues`), both from commitments.receivers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xinyong.core import calendar
from xinyong.core.audit import record_event
from xinyong.core.calendar_services import record_recount
from xinyong.core.errors import DomainError
from xinyong.core.identifiers import IdentifierKind, split_document_key
from xinyong.core.identifiers import check as check_identifier
from xinyong.core.inputs import EARLIEST_DAY, MAX_TEXT, RowProblem, clean_date, clean_text
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.orgs.services import resolve_unit
from xinyong.rights.models import RepairApplication
from xinyong.subjects.models import Subject, SubjectIdentifier, of_subject
from xinyong.subjects.services import clean_name, get_or_create_subject, name_key, resolve

from .identity import confirmer
from .models import Commitment, CommitmentMatter, CommitmentSerial, Kind
from .selectors import BREACH_STATUSES
from .signals import commitments_changed

if TYPE_CHECKING:
    from xinyong.publicity.models import PublicityWindow

TARGET = "commitments.Commitment"
MATTER_TARGET = "commitments.CommitmentMatter"
BREACH_RECORD_TYPE = "CNWN"
# An unconfirmed public-window commitment may be confirmed within this time.
CONFIRM_SECONDS = 30 * 60

# The value exchanged with the city platform for each kind (DOMAIN.md §9: 主动公示型 is
# exchanged as 主动型).
EXCHANGE_KIND = {
    Kind.VOLUNTARY: "主动型",
    Kind.DEFICIENCY: "容缺受理型",
    Kind.CERTIFICATE: "证明事项型",
    Kind.APPROVAL: "审批替代型",
    Kind.SELF_DISCIPLINE: "行业自律型",
    Kind.REPAIR: "信用修复型",
}

# Typical consequences of breach per kind (DOMAIN.md §9), used when no matter says more.
DEFAULT_CONSEQUENCE = {
    Kind.VOLUNTARY: "违反承诺的，违诺情况记入信用记录并向社会公开。",
    Kind.DEFICIENCY: "逾期未补正或补正不符合要求的，撤销受理及已作出的审批决定，违诺情况记入信用记录。",
    Kind.CERTIFICATE: "承诺不实的，终止办理或撤销已作出的决定（证明），作为虚假承诺记入信用记录。",
    Kind.APPROVAL: "承诺不实或未履行的，撤销许可（审批）决定，违诺情况记入信用记录。",
    Kind.SELF_DISCIPLINE: "违反自律承诺的，由行业组织依章程处理，违诺情况记入信用记录。",
    Kind.REPAIR: "违反信用修复承诺的，原失信信息按最长公示期限公示，违诺情况向社会公开。",
}

# Kinds whose verification date is a deadline to make good (补正 / 核查): not made good by
# then, they are flagged automatically (issue 6 §1).
DEADLINE_KINDS = (Kind.DEFICIENCY, Kind.CERTIFICATE)

FULFILMENT_LABELS = {
    Commitment.Status.KEPT: "全部履行",
    Commitment.Status.PARTLY: "部分履行",
    Commitment.Status.BROKEN: "全部未履行",
}
_FULFILMENT_BY_LABEL = {v: k for k, v in FULFILMENT_LABELS.items()}
_KIND_BY_LABEL = {label: value for value, label in Kind.choices} | {"主动型": Kind.VOLUNTARY}
_PUBLICITY_BY_LABEL = {label: value for value, label in Commitment.Publicity.choices}


# ---------------------------------------------------------------- small helpers


def coerce_kind(value: Any) -> str:
    text = str(value or "").strip()
    if text in Kind.values:
        return text
    if text in _KIND_BY_LABEL:
        return str(_KIND_BY_LABEL[text])
    raise DomainError(f"承诺类型“{text[:20]}”无效，应为：{'、'.join(Kind.labels)}。")


def coerce_publicity(value: Any) -> str:
    text = str(value or "").strip() or Commitment.Publicity.PUBLIC
    if text in Commitment.Publicity.values:
        return text
    if text in _PUBLICITY_BY_LABEL:
        return str(_PUBLICITY_BY_LABEL[text])
    raise DomainError(
        f"公开属性“{text[:20]}”无效，应为：{'、'.join(Commitment.Publicity.labels)}。"
    )


def _announce(commitments: list[Commitment], change: str, actor: Any) -> None:
    """Tell the consumers (the exchange outbox towards the city platform: plan task 5 and
    ledger row 24 share commitments and their fulfilment) inside the caller's transaction,
    so that the announcement commits or rolls back with the change."""
    if commitments:
        commitments_changed.send(
            sender=Commitment, commitments=commitments, change=change, actor=actor
        )


def _repr(c: Commitment) -> str:
    return f"{c.code} {c.get_kind_display()}"


def _snapshot(c: Commitment) -> dict[str, Any]:
    return {
        "code": c.code,
        "kind": c.kind,
        "status": c.status,
        "subject": c.subject_id,
        "matter": c.matter_id,
        "accepting_unit": c.accepting_unit_id,
        "made_on": c.made_on,
        "verify_due": c.verify_due,
        "publicity": c.publicity,
        "channel": c.channel,
    }


# ---------------------------------------------------------------- 承诺编码


CODE_LENGTH = 20  # 6-digit region + yyyyMMdd + 6-digit serial (DOMAIN.md §9)


def region_code() -> str:
    code = str(getattr(settings, "XINYONG_REGION_CODE", "") or "")
    if len(code) != 6 or not code.isdigit():
        raise DomainError(f"行政区划代码配置有误（{code}），应为6位数字（XINYONG_REGION_CODE）。")
    return code


def next_code(day: date) -> str:
    """The next 承诺编码 for `day`: 6-digit region + yyyyMMdd + 6-digit serial (DOMAIN.md
    §9). The day's counter row is locked while the serial is drawn, so concurrent
    callers get distinct codes; the counter commits or rolls back with the caller."""
    region = region_code()
    with transaction.atomic():
        CommitmentSerial.objects.get_or_create(region=region, day=day)
        row = CommitmentSerial.objects.select_for_update().get(region=region, day=day)
        if row.last >= 999_999:
            raise DomainError(f"{day:%Y-%m-%d} 的承诺编码序号已用完（999999）。")
        code = f"{region}{day.year:04d}{day:%m%d}{row.last + 1:06d}"
        if len(code) != CODE_LENGTH:
            raise DomainError(f"承诺编码“{code}”不是{CODE_LENGTH}位，请核对承诺作出日期。")
        row.last += 1
        row.save(update_fields=["last"])
        return code


def _placeholder_code() -> str:
    # Unconfirmed public-window commitments get their real code on confirmation, so that
    # abandoned attempts leave no gaps in the published numbering.
    return "T" + secrets.token_hex(10)[:19].upper()


# ---------------------------------------------------------------- matters


MATTER_ATTRS = (
    "name",
    "kind",
    "template_text",
    "obligations",
    "verification",
    "verification_workdays",
    "breach_consequence",
    "legal_basis",
    "published",
    "active",
)


def _matter_values(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    unknown = sorted(set(values) - set(MATTER_ATTRS))
    if unknown:
        raise DomainError(f"不认识的属性：{'、'.join(unknown)}。")
    if "name" in values:
        clean["name"] = clean_text(values["name"], "事项名称", limit=200)
    if "kind" in values:
        clean["kind"] = coerce_kind(values["kind"])
    if "template_text" in values:
        clean["template_text"] = clean_text(values["template_text"], "承诺书文本")
    if "obligations" in values:
        clean["obligations"] = clean_text(values["obligations"], "承诺人义务", required=False)
    if "verification" in values:
        clean["verification"] = clean_text(
            values["verification"], "核查方式", required=False, limit=100
        )
    if "verification_workdays" in values:
        days = values["verification_workdays"]
        if days in (None, ""):
            clean["verification_workdays"] = None
        else:
            try:
                n = int(days)
            except (TypeError, ValueError):
                raise DomainError("核查期限应为工作日数（整数）。") from None
            if not 1 <= n <= 365:
                raise DomainError("核查期限应在 1 至 365 个工作日之间。")
            clean["verification_workdays"] = n
    if "breach_consequence" in values:
        clean["breach_consequence"] = clean_text(values["breach_consequence"], "违诺后果")
    if "legal_basis" in values:
        # 国办发〔2020〕49号: every measure rests on a cited basis.
        clean["legal_basis"] = clean_text(values["legal_basis"], "依据")
    for flag in ("published", "active"):
        if flag in values:
            clean[flag] = bool(values[flag])
    return clean


def create_matter(*, actor: Any, unit: Any, **values: Any) -> CommitmentMatter:
    unit_obj = resolve_unit(unit)
    if actor is not None:
        permissions.require(actor, "write_unit_data", unit_obj)
    clean = _matter_values(values)
    for required, label in (
        ("name", "事项名称"),
        ("kind", "承诺类型"),
        ("template_text", "承诺书文本"),
        ("breach_consequence", "违诺后果"),
        ("legal_basis", "依据"),
    ):
        if required not in clean:
            raise DomainError(f"请填写{label}。")
    with transaction.atomic():
        if CommitmentMatter.objects.filter(
            unit=unit_obj, name=clean["name"], kind=clean["kind"]
        ).exists():
            raise DomainError(
                f"“{unit_obj.name}”已有“{clean['name']}”（{Kind(clean['kind']).label}）承诺事项。"
            )
        matter = CommitmentMatter.objects.create(unit=unit_obj, **clean)
        record_event(
            actor=actor,
            action="commitments.matter_create",
            target_type=MATTER_TARGET,
            target_id=matter.pk,
            target_repr=str(matter),
            new={"unit": unit_obj.pk, **clean},
        )
    return matter


def update_matter(*, actor: Any, matter: CommitmentMatter, **values: Any) -> CommitmentMatter:
    if actor is not None:
        permissions.require(actor, "write_unit_data", matter.unit_id)
    clean = _matter_values(values)
    with transaction.atomic():
        locked = CommitmentMatter.objects.select_for_update().get(pk=matter.pk)
        old = {k: getattr(locked, k) for k in clean}
        changed = {k: v for k, v in clean.items() if old[k] != v}
        if not changed:
            return locked
        for key, value in changed.items():
            setattr(locked, key, value)
        locked.save()
        record_event(
            actor=actor,
            action="commitments.matter_update",
            target_type=MATTER_TARGET,
            target_id=locked.pk,
            target_repr=str(locked),
            old={k: old[k] for k in changed},
            new=changed,
        )
    return locked


# ---------------------------------------------------------------- recording commitments


@dataclass
class CommitmentInput:
    """One commitment as a unit states it (form, file row, API item)."""

    kind: str
    committer_name: str
    committer_code: str
    reason: str
    made_on: date
    content: str = ""
    breach_liability: str = ""
    matter: CommitmentMatter | None = None
    valid_until: date | None = None
    publicity: str = Commitment.Publicity.PUBLIC


def _verify_due(made_on: date, workdays: int | None) -> date | None:
    """The 核查期限: `workdays` working days after the commitment day (core.calendar: the
    day itself not counted, 民法典 art. 201). None without a period, and while the day
    falls in (or the count starts from) a year whose calendar is not loaded — the next
    year's schedule is published around November (DOMAIN.md §3), and only the date is
    unknown, not whether the commitment may be made: it is recorded 核查期限待定 and the
    date is filled when that year is loaded (`settle_verify_dues`)."""
    return calendar.add_workdays_if_known(made_on, workdays) if workdays else None


def _committer_verdict(code: str) -> Any:
    """The committer's code checked: a valid USCC or resident ID number, or a refusal."""
    verdict = check_identifier(code)
    if not verdict.valid:
        raise DomainError(f"承诺人代码“{code[:40]}”无效：{verdict.reason}")
    if verdict.kind not in (IdentifierKind.USCC, IdentifierKind.RESIDENT_ID):
        raise DomainError("承诺人代码应为统一社会信用代码或居民身份证号码。")
    return verdict


NAME_MISMATCH = "承诺人名称与统一社会信用代码登记的名称不一致，请核对。"


def _check_subject(*, actor: Any, code: str, name: str, strict_name: bool) -> Subject:
    verdict = _committer_verdict(code)
    subject, _created, conflict = get_or_create_subject(
        actor=actor, identifier=verdict.normalised, name=name, source="信用承诺"
    )
    if conflict and strict_name:
        raise DomainError(NAME_MISMATCH)
    return subject


def _check_known_name(*, code: str, name: str) -> None:
    """The public window's check before the confirmation step, creating nothing: a code
    the platform already holds must come with its registered name (as `_check_subject`
    with strict_name asks again on confirmation)."""
    known = _known_subject(_committer_verdict(code).normalised)
    if known is not None and name_key(known.name) != name_key(clean_name(name)):
        raise DomainError(NAME_MISMATCH)


def _clean_input(unit: Unit, item: CommitmentInput) -> CommitmentInput:
    """One commitment as a unit states it, checked for every channel (form, API, file
    row, public window) before anything is written."""
    kind = coerce_kind(item.kind)
    matter = item.matter
    if matter is not None:
        if matter.unit_id != unit.pk:
            raise DomainError(f"承诺事项“{matter.name}”不属于“{unit.name}”。")
        if matter.kind != kind:
            raise DomainError(
                f"承诺事项“{matter.name}”适用{matter.get_kind_display()}承诺，"
                f"与所填承诺类型“{Kind(kind).label}”不一致。"
            )
        if not matter.active:
            raise DomainError(f"承诺事项“{matter.name}”已停用。")
    if kind in DEADLINE_KINDS:
        # The 核查期限 of these kinds is the deadline to make good, flagged 逾期未补正 when
        # missed (issue 6 §1); it comes only from the matter's 核查期限（工作日）: each
        # authority sets its own, there is no national one (国办发〔2020〕42号).
        if matter is None:
            raise DomainError(f"{Kind(kind).label}承诺请选择承诺事项，以确定核查期限。")
        if not matter.verification_workdays:
            raise DomainError(
                f"承诺事项“{matter.name}”未规定核查期限（工作日），不能据以作出"
                f"{Kind(kind).label}承诺；请先在承诺事项清单中填写核查期限。"
            )
    made_on = clean_date(item.made_on, "承诺作出日期")
    assert made_on is not None
    if made_on > timezone.localdate():
        raise DomainError("承诺作出日期不能晚于今天。")
    if made_on < EARLIEST_DAY:
        raise DomainError(
            f"承诺作出日期 {made_on.isoformat()} 早于 {EARLIEST_DAY.isoformat()}，请核对。"
        )
    valid_until = clean_date(item.valid_until, "承诺有效期", required=False)
    if valid_until is not None and valid_until < made_on:
        raise DomainError("承诺有效期不能早于承诺作出日期。")
    content = clean_text(
        item.content or (matter.template_text if matter else ""), "承诺内容", limit=MAX_TEXT
    )
    liability = clean_text(
        item.breach_liability
        or (matter.breach_consequence if matter else "")
        or DEFAULT_CONSEQUENCE[Kind(kind)],
        "违诺责任",
    )
    publicity = coerce_publicity(item.publicity)
    if kind == Kind.REPAIR and publicity == Commitment.Publicity.PUBLIC:
        # A 信用修复型 commitment names the record being repaired, which repair takes off
        # public view (国办发〔2025〕22号): never 可向社会公开, whichever channel brings it.
        # Coerced rather than refused (a file's rows often carry the default), as
        # `record_repair_commitment` does; a stricter 不可公开 stays as chosen.
        publicity = Commitment.Publicity.LIMITED
    return CommitmentInput(
        kind=kind,
        committer_name=clean_text(item.committer_name, "承诺人名称", limit=200),
        committer_code=clean_text(item.committer_code, "承诺人代码", limit=40),
        reason=clean_text(item.reason or (matter.name if matter else ""), "承诺事由", limit=300),
        made_on=made_on,
        content=content,
        breach_liability=liability,
        matter=matter,
        valid_until=valid_until,
        publicity=publicity,
    )


# ---------------------------------------------------------------- 告知承诺 exclusion

# The 告知承诺 kinds (证明事项告知承诺制 and its counterpart for approvals, 国办发〔2020〕42号):
# "an applicant with a serious bad record or an earlier false commitment may not use it
# until repaired" (DOMAIN.md §9).
NOTIFY_COMMIT_KINDS = (Kind.CERTIFICATE, Kind.APPROVAL)
_EXCLUSION_TAIL = (
    "依据国办发〔2020〕42号，有严重失信记录或曾作出虚假承诺的申请人在信用修复前不适用告知承诺制，"
    "不能作出{kind}承诺，请按一般程序提交相关证明材料。"
)


def breach_cleared_q(on: date, *, expired: bool = True) -> Q:
    """The breach dishonesty records (CNWN; a Q over CreditRecord) that no longer stand
    against their commitment on `on`:

    - withdrawn (撤销, record or window): it should never have stood;
    - repaired: rights.repair.decide_repair ends the record's PublicityWindow with
      end_reason 已修复 on the decision day — counted when that day is on or before `on`;
      a 信用修复型 breach that undoes the repair clears the ending and the record stands again;
    - with `expired`: dropped off at its maximum publicity period (ends_on before `on`, or
      ended 公示期满): repair can no longer be asked for then (rights.repair_eligibility:
      已届满，无需申请信用修复) and the information goes to the archive (河南条例 art. 19),
      so keeping the 告知承诺 bar would make it permanent. The grade passes False: its
      model keeps counting a breach for its own period (COMMITMENT_BROKEN, 36 months)
      after the publicity ends, as it keeps counting penalties.
    A record without a window (never expected: the pipeline stores both) is not cleared
    unless withdrawn. Nothing here is particular to CNWN: `exclusion_reason` applies the
    same test to a subject's 严重 dishonesty records."""
    from xinyong.publicity.models import PublicityWindow
    from xinyong.records.models import CreditRecord

    reasons = PublicityWindow.EndReason
    cleared = (
        Q(status=CreditRecord.Status.WITHDRAWN)
        | Q(publicity__end_reason=reasons.WITHDRAWN)
        | Q(publicity__end_reason=reasons.REPAIRED, publicity__ended_on__lte=on)
    )
    if expired:
        cleared |= Q(publicity__end_reason=reasons.EXPIRED, publicity__ended_on__lte=on) | Q(
            publicity__ends_on__lt=on
        )
    return cleared


def _breach_cleared(record: Any, on: date) -> bool:
    """Whether a breach's dishonesty record no longer bars 告知承诺 on `on`
    (`breach_cleared_q`); a missing record keeps the bar."""
    from xinyong.records.models import CreditRecord

    if record is None:
        return False
    return CreditRecord.objects.filter(breach_cleared_q(on), pk=record.pk).exists()


def exclusion_reason(subject: Subject, kind: str, on: date) -> str | None:
    """Why `subject` may not make a 告知承诺 (证明事项型 / 审批替代型) commitment made on `on`
    (国办发〔2020〕42号), or None. Judged on the commitment day (承诺作出日期: today for the
    form and the API, the stated day for a file row), for the subject and the subjects
    merged into it:

    1. an entry in force on a 严重失信主体名单: ListType.Kind.SERIOUS is the model's only
       serious-dishonesty (black) list class (失信被执行人, 重大税收违法, 拖欠农民工工资,
       市场监管严重违法失信); 经营异常名录 (ABNORMAL) is a registration status, 重点关注
       (WATCH) a watch list and RED a reward list — none is a serious-dishonesty finding.
       `requires_prior_notice` is a procedure flag, not a severity (the court's list has
       none). Removal (移出) ends the bar: `active_entries` drops it from the removal day;
    2. an earlier 证明事项型 / 审批替代型 commitment found 部分履行 or 全部未履行 (both are
       违诺 and both become a CNWN dishonesty record) on or before `on`, whose dishonesty
       record has not been cleared (`_breach_cleared`);
    3. a dishonesty record decided on or before `on` whose publicity window classes it
       严重 (国办发〔2025〕22号; `PublicityWindow.severity`) and that still stands on `on`:
       not withdrawn, not repaired by then, not past its longest period (`breach_cleared_q`,
       the test of rule 2). Records under rules without classes (58号令: 不分级) do not
       count: nothing says they are serious.
    The reasons are for the unit's staff (form, API, file) and name the list entry, the
    commitment or the record; the public window takes 主动公示型 commitments only, which
    are never excluded."""
    if kind not in NOTIFY_COMMIT_KINDS:
        return None
    from xinyong.sanctions.lists import active_entries
    from xinyong.sanctions.models import ListType

    tail = _EXCLUSION_TAIL.format(kind=Kind(kind).label)
    entry = active_entries(subject, on).filter(list_type__kind=ListType.Kind.SERIOUS).first()
    if entry is not None:
        assert entry.effective_from is not None  # in force implies a start day
        return (
            f"承诺人被列入“{entry.list_type.name}”（{entry.effective_from:%Y-%m-%d} 起，"
            f"认定文书：{entry.basis_document}），属严重失信主体；{tail}"
        )
    earlier = (
        Commitment.objects.filter(of_subject(subject))
        .filter(kind__in=NOTIFY_COMMIT_KINDS, status__in=BREACH_STATUSES, verified_on__lte=on)
        .select_related("breach_record")
        .order_by("verified_on", "id")
    )
    for c in earlier:
        if _breach_cleared(c.breach_record, on):
            continue
        assert c.verified_on is not None
        return (
            f"承诺人此前作出的{c.get_kind_display()}承诺（承诺编码 {c.code}）"
            f"于 {c.verified_on:%Y-%m-%d} 经核查为“{c.get_status_display()}”（违诺），"
            f"其违诺失信信息尚未修复；{tail}"
        )
    serious = _standing_serious_record(subject, on)
    if serious is not None:
        assert serious.decision_date is not None  # filtered on it
        decider = serious.deciding_unit_name or (
            serious.source_unit.name if serious.source_unit_id else ""
        )
        return (
            f"承诺人有严重失信记录（{serious.record_type.name} {serious.document_number}，"
            f"{decider} {serious.decision_date:%Y-%m-%d} 作出），尚未信用修复且仍在公示期内；"
            f"{tail}"
        )
    return None


def _standing_serious_record(subject: Subject, on: date) -> Any:
    """The earliest 严重 dishonesty record of `subject` (or a subject merged into it)
    decided on or before `on` that still stands then (exclusion_reason rule 3)."""
    from xinyong.catalog.models import Nature, Severity
    from xinyong.records.models import CreditRecord

    return (
        CreditRecord.objects.filter(of_subject(subject))
        .filter(
            nature=Nature.DISHONEST,
            publicity__severity=Severity.SERIOUS,
            decision_date__lte=on,
        )
        .exclude(breach_cleared_q(on))
        .select_related("record_type", "source_unit")
        .order_by("decision_date", "id")
        .first()
    )


def _require_not_excluded(subject: Subject, kind: str, on: date) -> None:
    reason = exclusion_reason(subject, kind, on)
    if reason:
        raise DomainError(reason, code="notify_commit_excluded")


def _known_subject(code: str) -> Subject | None:
    """The subject already holding `code`, without creating one (the file import checks
    its rows before anything is written)."""
    verdict = check_identifier(code)
    found = (
        SubjectIdentifier.objects.select_related("subject")
        .filter(kind=verdict.kind.value, value=verdict.normalised)
        .first()
    )
    return resolve(found.subject) if found is not None else None


def _create(
    *,
    actor: Any,
    unit: Unit,
    item: CommitmentInput,
    channel: str,
    status: str = Commitment.Status.PENDING,
    repair_application: Any = None,
) -> Commitment:
    subject: Subject | None = None
    if status == Commitment.Status.UNCONFIRMED:
        # Issue 6 §1: identity by its code plus a confirmation step. Until the applicant
        # confirms, the typed code and name only wait on the commitment: no credit subject
        # is created for them (it would be listed by the public search under any name
        # typed); `confirm_public_commitment` matches or creates it and checks the
        # exclusions then.
        _check_known_name(code=item.committer_code, name=item.committer_name)
    else:
        subject = _check_subject(
            actor=actor,
            code=item.committer_code,
            name=item.committer_name,
            strict_name=channel == Commitment.Channel.PUBLIC_WINDOW,
        )
        # Every way in (form, API, file, public window) comes through here or through
        # the confirmation: 国办发〔2020〕42号.
        _require_not_excluded(subject, item.kind, item.made_on)
    code = (
        _placeholder_code() if status == Commitment.Status.UNCONFIRMED else next_code(item.made_on)
    )
    # The matter's period as the commitment is made: a later edit of the matter does not
    # change the terms of commitments already made.
    workdays = (item.matter.verification_workdays or None) if item.matter is not None else None
    c = Commitment.objects.create(
        code=code,
        kind=item.kind,
        matter=item.matter,
        subject=subject,
        committer_name=item.committer_name,
        committer_code=check_identifier(item.committer_code).normalised,
        reason=item.reason,
        content=item.content,
        breach_liability=item.breach_liability,
        made_on=item.made_on,
        valid_until=item.valid_until,
        accepting_unit=unit,
        channel=channel,
        publicity=item.publicity,
        status=status,
        verify_due=_verify_due(item.made_on, workdays),
        verify_workdays=workdays,
        repair_application=repair_application,
    )
    if status != Commitment.Status.UNCONFIRMED:
        # An unconfirmed public-window attempt is announced when it is confirmed.
        _announce([c], "recorded", actor)
    return c


def _require_writer(actor: Any, unit: Unit | int) -> None:
    if actor is None:
        return  # the system (CLI, jobs, receivers) acts as the credit office
    permissions.require(actor, "write_unit_data", unit)


def record_commitment(
    *, actor: Any, unit: Any, item: CommitmentInput, channel: str = Commitment.Channel.FORM
) -> Commitment:
    """A commitment made in one of the unit's procedures (form or API)."""
    unit_obj = resolve_unit(unit)
    _require_writer(actor, unit_obj)
    if channel not in (Commitment.Channel.FORM, Commitment.Channel.API):
        raise DomainError("录入渠道无效。")
    clean = _clean_input(unit_obj, item)
    with transaction.atomic():
        c = _create(actor=actor, unit=unit_obj, item=clean, channel=channel)
        record_event(
            actor=actor,
            action="commitments.record",
            target_type=TARGET,
            target_id=c.pk,
            target_repr=_repr(c),
            new=_snapshot(c),
        )
    return c


# ---------------------------------------------------------------- file import


@dataclass
class ImportResult:
    created: list[Commitment] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    rows: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": len(self.created),
            "codes": [c.code for c in self.created],
            "errors": [e.as_dict() for e in self.errors],
        }


# Column header (Chinese, as in the exchange data model) → input attribute.
IMPORT_COLUMNS = {
    "承诺人名称": "committer_name",
    "承诺人代码": "committer_code",
    "承诺类型": "kind",
    "承诺事项": "matter",
    "承诺事由": "reason",
    "承诺内容": "content",
    "违诺责任": "breach_liability",
    "承诺作出日期": "made_on",
    "承诺有效期": "valid_until",
    "公开属性": "publicity",
}
REQUIRED_COLUMNS = ("承诺人名称", "承诺人代码", "承诺类型", "承诺作出日期")


def _header(text: str) -> str:
    import unicodedata

    value = unicodedata.normalize("NFKC", str(text or "")).replace("\ufeff", "")
    return "".join(value.split()).lstrip("*")


def import_commitments(
    *, actor: Any, unit: Any, path: Path | str, filename: str = ""
) -> ImportResult:
    """A unit's XLSX/CSV file of commitments (one row each; headers as IMPORT_COLUMNS),
    read by the collection pipeline's reader (encodings, BOMs, Excel). All or nothing: any
    bad row keeps the whole file out and comes back with its row, column and reason."""
    from xinyong.collection.pipeline.reader import read_file

    unit_obj = resolve_unit(unit)
    _require_writer(actor, unit_obj)
    table = read_file(Path(path))
    index: dict[str, int] = {}
    for i, raw in enumerate(table.headers):
        name = _header(raw)
        if name in IMPORT_COLUMNS and name not in index:
            index[name] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if missing:
        raise DomainError(f"文件缺少必需的列：{'、'.join(missing)}。")
    result = ImportResult()
    items: list[tuple[int, CommitmentInput]] = []
    for chunk in table.chunks:
        for ragged in chunk.ragged:
            result.rows += 1
            result.errors.append(RowProblem(ragged.row, "整行", "列数与表头不一致。"))
        for row in chunk.frame.iter_rows(named=True):
            result.rows += 1
            number = int(row["_row"])
            values = {
                IMPORT_COLUMNS[name]: (row.get(f"c{i}") or "").strip() for name, i in index.items()
            }
            if not any(values.values()):
                continue
            matter = None
            matter_name = values.pop("matter", "")
            if matter_name:
                try:
                    kind_value = coerce_kind(values.get("kind", ""))
                except DomainError as exc:
                    result.errors.append(RowProblem(number, "承诺类型", exc.message))
                    continue
                matter = CommitmentMatter.objects.filter(
                    unit=unit_obj, name=matter_name, kind=kind_value, active=True
                ).first()
                if matter is None:
                    result.errors.append(
                        RowProblem(
                            number,
                            "承诺事项",
                            f"本单位没有启用的“{matter_name}”（{Kind(kind_value).label}）承诺事项。",
                        )
                    )
                    continue
            try:
                item = CommitmentInput(
                    kind=values.get("kind", ""),
                    committer_name=values.get("committer_name", ""),
                    committer_code=values.get("committer_code", ""),
                    reason=values.get("reason", ""),
                    made_on=clean_date(values.get("made_on"), "承诺作出日期"),  # type: ignore[arg-type]
                    content=values.get("content", ""),
                    breach_liability=values.get("breach_liability", ""),
                    matter=matter,
                    valid_until=clean_date(values.get("valid_until"), "承诺有效期", required=False),
                    publicity=values.get("publicity", ""),
                )
                clean = _clean_input(unit_obj, item)
                # What `_create` would refuse for the whole file, refused for this row.
                _committer_verdict(clean.committer_code)
                # The same refusal as `_create`, checked here so that the row is reported
                # with the file's other row errors instead of failing the whole write.
                if clean.kind in NOTIFY_COMMIT_KINDS:
                    known = _known_subject(clean.committer_code)
                    if known is not None:
                        _require_not_excluded(known, clean.kind, clean.made_on)
            except DomainError as exc:
                result.errors.append(RowProblem(number, "", exc.message))
                continue
            items.append((number, clean))
    if result.errors:
        return result
    if not items:
        raise DomainError("文件中没有承诺数据。")
    with transaction.atomic():
        for _number, clean in items:
            result.created.append(
                _create(actor=actor, unit=unit_obj, item=clean, channel=Commitment.Channel.FILE)
            )
        record_event(
            actor=actor,
            action="commitments.import",
            target_type=TARGET,
            target_id=result.created[0].pk,
            target_repr=f"{unit_obj.name} {filename or Path(path).name}",
            new={
                "unit": unit_obj.pk,
                "file": filename or Path(path).name,
                "sha256": table.sha256,
                "count": len(result.created),
                "codes": [c.code for c in result.created[:1000]],
            },
        )
    return result


# ---------------------------------------------------------------- the public window


def start_public_commitment(
    *,
    matter: CommitmentMatter,
    uscc: Any,
    name: Any,
    accepted: bool,
    on: date | None = None,
) -> tuple[Commitment, str]:
    """An enterprise publishes a 主动公示型 commitment on the portal: the commitment is
    kept unconfirmed, naming no credit subject (only the typed code and name), until the
    identity confirmer accepts. Returns the commitment and what the confirmer shows the
    applicant (the demo shows a one-time code on screen)."""
    if matter.kind != Kind.VOLUNTARY or not matter.published or not matter.active:
        raise DomainError("该事项不接受网上主动公示承诺。")
    if not accepted:
        raise DomainError("请阅读并勾选同意承诺书内容后再提交。")
    code = clean_text(uscc, "统一社会信用代码", limit=40)
    verdict = check_identifier(code, IdentifierKind.USCC)
    if verdict.kind != IdentifierKind.USCC or not verdict.valid:
        raise DomainError(
            "请填写正确的18位统一社会信用代码" + (f"：{verdict.reason}" if verdict.reason else "。")
        )
    day = on or timezone.localdate()
    item = _clean_input(
        matter.unit,
        CommitmentInput(
            kind=Kind.VOLUNTARY,
            committer_name=str(name or ""),
            committer_code=verdict.normalised,
            reason=matter.name,
            made_on=day,
            matter=matter,
        ),
    )
    provider = confirmer()
    with transaction.atomic():
        c = _create(
            actor=None,
            unit=matter.unit,
            item=item,
            channel=Commitment.Channel.PUBLIC_WINDOW,
            status=Commitment.Status.UNCONFIRMED,
        )
        shown = provider.start(c)
        c.save(update_fields=["confirmation_code"])
        record_event(
            actor=None,
            action="commitments.public_start",
            target_type=TARGET,
            target_id=c.pk,
            target_repr=f"{c.committer_name} {matter.name}",
            new={**_snapshot(c), "confirmer": provider.name},
        )
    return c, shown


def confirm_public_commitment(*, commitment: Commitment, response: Any) -> Commitment:
    """The applicant completes the confirmation step; the committer's subject is matched
    (registered name required) or created, and the commitment gets its 承诺编码 and is
    published (publicity 可向社会公开)."""
    with transaction.atomic():
        c = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if c.status != Commitment.Status.UNCONFIRMED:
            raise DomainError("该承诺已确认，无需重复确认。")
        if timezone.now() - c.created_at > timedelta(seconds=CONFIRM_SECONDS):
            raise DomainError("确认已超时，请重新填写承诺。", code="expired")
        if not confirmer().verify(c, str(response or "").strip()):
            raise DomainError("确认码不正确，请核对屏幕上显示的确认码。", code="bad_code")
        # Only now does the committer enter the credit file: the code's subject, or a new
        # one under the typed name; a name other than the registered one is refused (the
        # code may have been registered since the attempt started).
        subject = _check_subject(
            actor=None, code=c.committer_code, name=c.committer_name, strict_name=True
        )
        _require_not_excluded(subject, c.kind, c.made_on)
        c.subject = subject
        c.code = next_code(c.made_on)
        c.status = Commitment.Status.PENDING
        c.confirmation_code = ""
        c.confirmed_at = timezone.now()
        c.publicity = Commitment.Publicity.PUBLIC
        c.save()
        _announce([c], "recorded", None)
        record_event(
            actor=None,
            action="commitments.public_confirm",
            target_type=TARGET,
            target_id=c.pk,
            target_repr=_repr(c),
            new=_snapshot(c),
        )
    return c


# ---------------------------------------------------------------- fulfilment

RESIDENT_ID_DOCUMENT = "身份证"


def person_document(code: str) -> tuple[str, str]:
    """(证件类型, 证件号码) of a natural person's 承诺人代码, as records and the exchange
    carry them (CN_XDR_ZJLX / CN_XDR_ZJHM): a person identified by another document is
    keyed `<证件类型>:<号码>` (core.identifiers.document_key), which is no document number;
    any other person's code is a resident ID number."""
    document = split_document_key(code)
    return document if document is not None else (RESIDENT_ID_DOCUMENT, code)


# What the breach record says instead of a commitment's 事由 and 内容 that the committer
# did not agree to publish.
WITHHELD_TEXT = "{what}不予公开（承诺时选择{publicity}）"


def _breach_row(c: Commitment, status: str, verified_on: date) -> dict[str, Any]:
    subject = c.subject
    assert subject is not None  # only a 待确认 public-window attempt has none
    unit = c.accepting_unit
    reason, content = c.reason, c.content
    if c.publicity != Commitment.Publicity.PUBLIC:
        # The breach is a dishonesty fact and is published as such (国办发〔2019〕35号:
        # 履约情况记入信用记录), but the record is public: the commitment's own words stay
        # where its 公开属性 put them (the commitment item still carries them, with
        # CN_GKSX, to the city platform).
        shown = c.get_publicity_display()
        reason = WITHHELD_TEXT.format(what="承诺事由", publicity=shown)
        content = WITHHELD_TEXT.format(what="承诺内容", publicity=shown)
    row: dict[str, Any] = {
        "CN_XDR_MC": c.committer_name,
        "CN_XDR_LB": subject.get_kind_display(),
        "CN_CNBM": c.code,
        "CN_CNLX": EXCHANGE_KIND[Kind(c.kind)],
        "CN_CNSY": reason,
        "CN_CNNR": content,
        "CN_CNRQ": c.made_on.isoformat(),
        "CN_LXZT": FULFILMENT_LABELS[Commitment.Status(status)],
        "CN_WLXNR": c.unfulfilled_content,
        "CN_ZJNR": c.liability_action,
        "CN_HCRQ": verified_on.isoformat(),
        "CN_SLDW": unit.name if unit else "",
        "BZ": f"违诺责任：{c.breach_liability}"[:512],
    }
    if subject.is_person:
        row["CN_XDR_ZJLX"], row["CN_XDR_ZJHM"] = person_document(c.committer_code)
    else:
        row["CN_XDR_SHXYM"] = c.committer_code
    if unit is not None and unit.uscc:
        row["CN_SLDWDM"] = unit.uscc
    return row


def _store_breach(*, actor: Any, c: Commitment, status: str, verified_on: date) -> Any:
    from xinyong.collection.services import ingest_rows
    from xinyong.records.models import CreditRecord

    if c.accepting_unit is None:
        raise DomainError("该承诺没有受理单位，无法形成违诺失信信息。")
    result = ingest_rows(
        actor=actor,
        unit=c.accepting_unit,
        record_type=BREACH_RECORD_TYPE,
        rows=[_breach_row(c, status, verified_on)],
        channel="form",
    )
    if result.rejected or not (result.accepted or result.updated or result.duplicates):
        reasons = "；".join(f"{e.column or '整行'}：{e.message}" for e in result.errors)
        raise DomainError(f"违诺失信信息未能入库：{reasons or '未知原因'}")
    return (
        CreditRecord.objects.filter(record_type__code=BREACH_RECORD_TYPE, document_number=c.code)
        .order_by("-id")
        .first()
    )


def restore_repaired_publicity(*, actor: Any, commitment: Commitment) -> PublicityWindow | None:
    """A broken 信用修复型 commitment (DOMAIN.md §9: "the penalty stays published for its
    longest period"): undo the repair's effect on the repaired record's publicity.

    A successful repair (rights.repair.decide_repair → publicity.end_publicity) only ends
    the window — ended_on = the decision day, end_reason 已修复 — and leaves ends_on, the
    policy maximum computed without repair, as it was. Clearing that ending
    (publicity.restore_publicity) makes the record public again until ends_on, or, when
    ends_on has already passed, ends it as 公示期满 the day after ends_on.

    Only for a 信用修复型 commitment recorded 部分履行 / 全部未履行. Idempotent: only a
    window still ended 已修复 is restored; a refused or undecided repair, an already
    restored window, or a withdrawn record (撤销 overrides) is left as is and None
    returned. Otherwise returns the restored window; one event
    (commitments.repair_breach_restore) beside publicity's own publicity.restored."""
    from xinyong.publicity import services as publicity
    from xinyong.publicity.models import PublicityWindow

    application = commitment.repair_application
    if (
        commitment.kind != Kind.REPAIR
        or commitment.status not in BREACH_STATUSES
        or application is None
    ):
        return None
    record = application.record
    with transaction.atomic():
        window = PublicityWindow.objects.select_for_update().filter(record_id=record.pk).first()
        if window is None or window.end_reason != PublicityWindow.EndReason.REPAIRED:
            return None
        old = {"ended_on": window.ended_on, "end_reason": window.end_reason}
        restored = publicity.restore_publicity(actor=actor, record=record)
        record_event(
            actor=actor,
            action="commitments.repair_breach_restore",
            target_type=TARGET,
            target_id=commitment.pk,
            target_repr=_repr(commitment),
            old={"record": record.pk, **old},
            new={
                "record": record.pk,
                "repair_application": application.pk,
                "ends_on": restored.ends_on,
                "ended_on": restored.ended_on,
                "end_reason": restored.end_reason,
            },
        )
        # The city platform (exchange outbox), grades and the other consumers learn that
        # the record counts again, as they learnt of the repair.
        from xinyong.records.models import CreditRecord
        from xinyong.records.signals import record_changed

        record_changed.send(sender=CreditRecord, record=record, change="restored", actor=actor)
    return restored


def record_fulfilment(
    *,
    actor: Any,
    commitment: Commitment,
    status: Any,
    evidence: Any,
    unfulfilled_content: Any = "",
    liability_action: Any = "",
    verified_on: Any = None,
) -> Commitment:
    """The accepting unit records whether the commitment was kept (全部履行 / 部分履行 /
    全部未履行) with its evidence. When it was not fully kept, 未履行内容 and 违诺责任追究内容
    are required and the breach becomes a dishonesty record through the pipeline; a
    broken 信用修复型 commitment also puts the repaired record back on public view until
    its longest period (`restore_repaired_publicity`)."""
    text = str(status or "").strip()
    value = _FULFILMENT_BY_LABEL.get(text, text)
    if value not in FULFILMENT_LABELS:
        raise DomainError("履行情况应为：全部履行、部分履行或全部未履行。")
    accepting = commitment.accepting_unit
    if accepting is None:
        raise DomainError("该承诺没有受理单位，无法记录履行情况。")
    _require_writer(actor, accepting)
    proof = clean_text(evidence, "核查依据/证据说明")
    broken = value != Commitment.Status.KEPT
    missing = clean_text(unfulfilled_content, "未履行内容", required=broken)
    action = clean_text(liability_action, "违诺责任追究内容", required=broken)
    day = clean_date(verified_on, "核查日期", required=False) or timezone.localdate()
    if day > timezone.localdate():
        raise DomainError("核查日期不能晚于今天。")
    with transaction.atomic():
        c = (
            Commitment.objects.select_for_update(of=("self",))
            .select_related("subject", "accepting_unit")
            .get(pk=commitment.pk)
        )
        if c.status != Commitment.Status.PENDING:
            raise DomainError(f"该承诺当前状态为“{c.get_status_display()}”，不能再记录履行情况。")
        if day < c.made_on:
            raise DomainError("核查日期不能早于承诺作出日期。")
        if c.kind == Kind.REPAIR:
            if broken:
                _require_approved_repair(c)
            else:
                _require_repair_check_day(c, day)
        old = _snapshot(c)
        c.status = value
        c.evidence = proof
        c.unfulfilled_content = missing if broken else ""
        c.liability_action = action if broken else ""
        c.verified_on = day
        c.verified_by = actor if getattr(actor, "pk", None) else None
        if broken:
            c.breach_record = _store_breach(actor=actor, c=c, status=value, verified_on=day)
        c.save()
        restored = None
        if broken and c.kind == Kind.REPAIR:
            # The breach is published (CNWN) and the penalty goes back on view.
            restored = restore_repaired_publicity(actor=actor, commitment=c)
        _announce([c], value, actor)
        record_event(
            actor=actor,
            action="commitments.fulfil",
            target_type=TARGET,
            target_id=c.pk,
            target_repr=_repr(c),
            old=old,
            new={
                **_snapshot(c),
                "evidence": proof,
                "unfulfilled_content": c.unfulfilled_content,
                "liability_action": c.liability_action,
                "verified_on": day,
                "breach_record": c.breach_record_id,
                "repaired_record_restored": restored is not None,
            },
        )
    return c


# ---------------------------------------------------------------- overdue flags


def check_overdue(*, actor: Any = None, on: date | None = None) -> list[Commitment]:
    """Flag 容缺受理型 / 证明事项型 commitments still 待核查 after their verification date
    (not made good by the date). Idempotent: a flagged commitment is not flagged again.
    One whose date is pending (核查期限待定: its year's calendar not loaded) has missed no
    date anybody can name and is not flagged; once the year is loaded and the date filled
    (`settle_verify_dues`), the next run flags it if that date has passed."""
    day = on or timezone.localdate()
    with transaction.atomic():
        due = list(
            Commitment.objects.select_for_update()
            .filter(
                kind__in=DEADLINE_KINDS,
                status=Commitment.Status.PENDING,
                verify_due__lt=day,
                overdue_flagged_on__isnull=True,
            )
            .order_by("id")
        )
        if not due:
            return []
        # updated_at moves too (update() skips auto_now): the city platform keeps, per
        # commitment, the state with the latest update time (exchange.payloads).
        now = timezone.now()
        Commitment.objects.filter(pk__in=[c.pk for c in due]).update(
            overdue_flagged_on=day, updated_at=now
        )
        for c in due:
            c.overdue_flagged_on = day
            c.updated_at = now
        _announce(due, "overdue", actor)
        record_event(
            actor=actor,
            action="commitments.flag_overdue",
            target_type=TARGET,
            target_id=due[0].pk,
            target_repr=f"逾期未补正 {len(due)} 件",
            new={"on": day, "codes": [c.code for c in due[:1000]], "count": len(due)},
        )
    return due


def run_overdue_job() -> str:
    flagged = check_overdue(actor=None)
    return f"信用承诺逾期未补正：新标记 {len(flagged)} 件"


# ---------------------------------------------------------------- 核查期限 and the calendar


def _computed_dues() -> Any:
    """The commitments whose 核查期限 is a count of working days from the commitment day
    (`verify_workdays`), computed by the platform: never a 信用修复型 commitment of a
    repair application, whose day follows the repaired record's publicity window
    (`follow_repair_check_days`) and which may have lapsed (no day)."""
    return Commitment.objects.filter(verify_workdays__isnull=False, repair_application__isnull=True)


def _dues_for(commitments: list[Commitment]) -> dict[int, date | None]:
    """{pk: made_on + verify_workdays working days, or None while unknown}, from one
    snapshot of the calendar, each distinct (day, count) computed once."""
    cal = calendar.current()
    by_count: dict[int, set[date]] = {}
    for c in commitments:
        assert c.verify_workdays is not None  # `_computed_dues` only
        by_count.setdefault(c.verify_workdays, set()).add(c.made_on)
    known = {n: cal.deadline_for(days, n, skip_unknown=True) for n, days in by_count.items()}
    return {c.pk: known[c.verify_workdays or 0].get(c.made_on) for c in commitments}


def _store_dues(new: dict[int, date | None]) -> None:
    """Write the new dates, one UPDATE per distinct date; updated_at moves too (update()
    skips auto_now), as when a repair check day moves."""
    by_day: dict[date | None, list[int]] = {}
    for pk, day in new.items():
        by_day.setdefault(day, []).append(pk)
    now = timezone.now()
    for day, pks in by_day.items():
        # Chunks of ids: under SQLite's historic 999-parameter limit.
        for i in range(0, len(pks), 900):
            Commitment.objects.filter(pk__in=pks[i : i + 900]).update(
                verify_due=day, updated_at=now
            )


def settle_verify_dues(years: list[int], *, actor: Any = None) -> list[Commitment]:
    """Fill the 核查期限 of the commitments recorded 核查期限待定 (`_verify_due`) now that
    the calendar of `years` is loaded (core.calendar.calendar_years_loaded, inside the
    loading transaction): made_on plus the commitment's own `verify_workdays`, as on
    recording. Every status alike: a commitment checked while its date was unknown gets
    the date it was due. A date still in a year not loaded (a gap) stays pending.
    核查期限 is not exchanged: nothing is announced; a date already past is flagged
    逾期未补正 by the next daily check (`check_overdue`). One event
    (commitments.verify_due_settle) when a date was filled."""
    if not years:
        return []
    with transaction.atomic():
        waiting = list(
            _computed_dues()
            .select_for_update()
            .filter(verify_due__isnull=True)
            .only("pk", "code", "made_on", "verify_workdays")
            .order_by("id")
        )
        dues = _dues_for(waiting)
        filled: dict[int, date | None] = {}
        for c in waiting:
            due = dues[c.pk]
            if due is not None:
                c.verify_due = filled[c.pk] = due
        if not filled:
            return []
        _store_dues(filled)
        done = [c for c in waiting if c.pk in filled]
        record_recount(
            actor=actor,
            action="commitments.verify_due_settle",
            what="承诺核查期限",
            years=years,
            new={
                "years": list(years),
                "count": len(done),
                "codes": [c.code for c in done[:1000]],
            },
        )
    return done


def recompute_verify_dues(days: list[date], *, actor: Any = None) -> list[Commitment]:
    """Recompute the stored 核查期限 after `days` of loaded years turned from working day
    to rest day or back (core.calendar.calendar_days_changed, inside the editing
    transaction). add_workdays(D, n) changes only when a changed day lies in (D, due]:
    only those commitments are redone; a date pushed into a year not loaded becomes
    核查期限待定 until that year is loaded. Only commitments still to be checked and not
    flagged 逾期未补正 move: one already checked keeps the day it was checked against, and
    a flag (exchanged as CN_YQRQ, counted by the grades) keeps the date it was raised
    against — undoing it is a person's decision. Nothing is announced (核查期限 is not
    exchanged). One event (commitments.verify_due_recalculate) when a date changed."""
    changed = sorted(set(days))
    if not changed:
        return []
    first, last = changed[0], changed[-1]
    with transaction.atomic():
        candidates = list(
            _computed_dues()
            .select_for_update()
            .filter(
                status__in=(Commitment.Status.PENDING, Commitment.Status.UNCONFIRMED),
                overdue_flagged_on__isnull=True,
                verify_due__gte=first,
                made_on__lt=last,
            )
            .only("pk", "code", "made_on", "verify_workdays", "verify_due")
            .order_by("id")
        )
        # Those whose window (made_on, due] holds a changed day.
        touched = [
            c
            for c in candidates
            if c.verify_due is not None and any(c.made_on < d <= c.verify_due for d in changed)
        ]
        dues = _dues_for(touched)
        moved: dict[int, date | None] = {}
        for c in touched:
            if dues[c.pk] != c.verify_due:
                c.verify_due = moved[c.pk] = dues[c.pk]
        if not moved:
            return []
        _store_dues(moved)
        done = [c for c in candidates if c.pk in moved]
        record_recount(
            actor=actor,
            action="commitments.verify_due_recalculate",
            what="承诺核查期限",
            days=changed,
            new={
                "days": [d.isoformat() for d in changed],
                "count": len(done),
                "codes": [c.code for c in done[:1000]],
                "undetermined": sum(1 for c in done if c.verify_due is None),
            },
        )
    return done


# ---------------------------------------------------------------- 信用修复型


def repair_check_day(record: Any) -> date | None:
    """The fulfilment-check day of the 信用修复型 commitment made to repair `record`: the
    day after the last day of the record's longest publicity period. Breaking the promise
    keeps the penalty published for that period (DOMAIN.md §9), so the promise runs until
    then and only then can it be found kept. The period is publicity's own (the record's
    window, `ends_on`, which repair never changes; `expiry_day` is the day after it), never
    computed here: when publicity recomputes it, `follow_repair_check_days` moves the
    stored day. None when the window has no maximum."""
    from xinyong.publicity.services import window_for

    return _check_day_after(window_for(record).ends_on)


def _check_day_after(ends_on: date | None) -> date | None:
    from xinyong.publicity.models import expiry_day

    return expiry_day(ends_on) if ends_on is not None else None


def follow_repair_check_days(*, actor: Any, record_ids: list[int] | None) -> list[Commitment]:
    """Keep the check day of 信用修复型 commitments in step with their records' windows,
    which publicity recomputes when a record is corrected (by hand, by an objection, by a
    corrected upload) or a policy changes (`publicity.signals.windows_computed`; None:
    any record). Only commitments still to be checked move: one already checked keeps
    the day it was due, and one whose repair ended unapproved has lapsed (no day). The
    rows concerned are few — pending repairs' commitments — so this reads them all after
    a set-based pass. 核查期限 is not exchanged: nothing is announced. One event
    (commitments.repair_check_day_moved) per commitment moved; none when nothing
    changed."""
    candidates = (
        Commitment.objects.filter(kind=Kind.REPAIR, status=Commitment.Status.PENDING)
        .filter(repair_application__isnull=False)
        .exclude(repair_application__status__in=REPAIR_ENDED_UNAPPROVED)
    )
    if record_ids is not None:
        candidates = candidates.filter(repair_application__record_id__in=record_ids)
    stale: dict[int, tuple[date | None, date | None, int]] = {}
    for pk, due, window_id, ends_on, record_id in candidates.values_list(
        "pk",
        "verify_due",
        "repair_application__record__publicity__pk",
        "repair_application__record__publicity__ends_on",
        "repair_application__record_id",
    ):
        # A record without a window yet gets one (and this call) when it is computed.
        if window_id is not None and _check_day_after(ends_on) != due:
            stale[pk] = (_check_day_after(ends_on), ends_on, record_id)
    if not stale:
        return []
    moved = []
    with transaction.atomic():
        locked = Commitment.objects.select_for_update().filter(
            pk__in=list(stale), status=Commitment.Status.PENDING
        )
        for c in locked.order_by("id"):
            day, ends_on, record_id = stale[c.pk]
            old = {"verify_due": c.verify_due}
            c.verify_due = day
            c.save(update_fields=["verify_due", "updated_at"])
            record_event(
                actor=actor,
                action="commitments.repair_check_day_moved",
                target_type=TARGET,
                target_id=c.pk,
                target_repr=_repr(c),
                old=old,
                new={"verify_due": day, "record": record_id, "publicity_ends_on": ends_on},
            )
            moved.append(c)
    return moved


def _require_approved_repair(c: Commitment) -> None:
    """A 信用修复型 commitment is made only to obtain its repair: a breach of it is recorded
    (CNWN, and the penalty shown again) only once the repair was approved. Before the
    decision the office refuses the repair instead; after a refusal or 终止办理 the promise
    has lapsed (`lapse_repair_commitments`)."""
    application = c.repair_application
    if application is None or application.status == RepairApplication.Status.APPROVED:
        return
    label = application.get_status_display()
    if application.status in REPAIR_ENDED_UNAPPROVED:
        raise DomainError(
            f"该信用修复型承诺对应的信用修复申请已{label}，承诺随之失效，不能记录违诺。",
            code="repair_commitment_lapsed",
        )
    raise DomainError(
        f"该信用修复型承诺对应的信用修复申请尚未准予修复（当前状态：{label}），不能记录违诺；"
        "申请人未履行承诺的，请在修复审核中不予修复。",
        code="repair_not_approved",
    )


def _require_repair_check_day(c: Commitment, day: date) -> None:
    """A 信用修复型 commitment is found 全部履行 only on or after its check day: the promise
    runs until the repaired record's longest publicity period has ended
    (`repair_check_day`), and a breach may still be found until then. One whose repair
    ended unapproved has lapsed (`lapse_repair_commitments`): nothing is left to check,
    neither kept nor broken. Without a check day (the record's window has no maximum, or
    a unit's own 信用修复型 commitment without a period) the unit's check stands."""
    application = c.repair_application
    if application is not None and application.status in REPAIR_ENDED_UNAPPROVED:
        raise DomainError(
            f"该信用修复型承诺对应的信用修复申请已{application.get_status_display()}，"
            "承诺随之失效，无需核查履行情况，不能记录履行情况。",
            code="repair_commitment_lapsed",
        )
    if c.verify_due is not None and day < c.verify_due:
        raise DomainError(
            f"信用修复型承诺的核查期限为 {c.verify_due:%Y-%m-%d}，此前仍在履行期内，"
            "该日起方可记录为全部履行；期间发现违诺的，可记录部分履行或全部未履行。",
            code="repair_check_day_not_reached",
        )


# A repair that ended without approval: refused, or ended with its record's withdrawal.
REPAIR_ENDED_UNAPPROVED = (RepairApplication.Status.REFUSED, RepairApplication.Status.TERMINATED)
LAPSE_NOTE = "信用修复申请于 {day} {outcome}，本承诺随之失效，无需核查履行情况。"


def lapse_note(decided_on: date | None, outcome: str) -> str:
    return LAPSE_NOTE.format(day=f"{decided_on:%Y-%m-%d}" if decided_on else "", outcome=outcome)


def lapse_repair_commitments(*, actor: Any, applications: Any) -> list[Commitment]:
    """The 信用修复型 commitments of repairs that ended unapproved (不予修复, or 终止办理
    with the record's withdrawal) lapse: the promise was made only to obtain the repair
    (国办发〔2025〕22号: the applicant's 信用承诺书), so there is nothing left to check. Its
    核查期限 is cleared — it leaves 到期待核查 — and 核查依据/证据说明 says why; a breach is
    refused (`_require_approved_repair`). The status stays 待核查, as the city platform
    was told: the exchange has no state for a lapsed promise, so nothing is announced.
    Applications still open or approved are skipped. Idempotent: a lapsed commitment is
    left alone. One event (commitments.repair_commitment_lapse) per commitment."""
    ended = {a.pk: a for a in applications if a.status in REPAIR_ENDED_UNAPPROVED}
    if not ended:
        return []
    lapsed = []
    with transaction.atomic():
        pending = (
            Commitment.objects.select_for_update()
            .filter(kind=Kind.REPAIR, status=Commitment.Status.PENDING)
            .filter(repair_application_id__in=list(ended))
            .filter(Q(verify_due__isnull=False) | Q(evidence=""))
            .order_by("id")
        )
        for c in pending:
            application = ended[c.repair_application_id]
            old = {"verify_due": c.verify_due, "evidence": c.evidence}
            c.verify_due = None
            c.evidence = lapse_note(application.decided_on, application.get_status_display())
            c.save(update_fields=["verify_due", "evidence", "updated_at"])
            record_event(
                actor=actor,
                action="commitments.repair_commitment_lapse",
                target_type=TARGET,
                target_id=c.pk,
                target_repr=_repr(c),
                old=old,
                new={
                    "verify_due": None,
                    "evidence": c.evidence,
                    "repair_application": application.pk,
                    "repair_status": application.status,
                },
            )
            lapsed.append(c)
    return lapsed


def record_repair_commitment(*, actor: Any, application: Any) -> Commitment:
    """The 信用修复型 commitment made with a repair application (国办发〔2025〕22号: the
    applicant submits a 信用承诺书), accepted by the record's unit and checked on
    `repair_check_day`, like any commitment with a 核查期限. Idempotent per application."""
    existing = Commitment.objects.filter(repair_application=application).first()
    if existing is not None:
        return existing
    record = application.record
    subject = application.subject
    unit = application.provider_unit or record.source_unit
    matter = (
        CommitmentMatter.objects.filter(unit=unit, kind=Kind.REPAIR, active=True).first()
        or CommitmentMatter.objects.filter(kind=Kind.REPAIR, active=True).order_by("id").first()
    )
    channel = (
        Commitment.Channel.PUBLIC_WINDOW
        if str(application.channel) == "online"
        else Commitment.Channel.FORM
    )
    liability = (
        matter.breach_consequence if matter is not None else DEFAULT_CONSEQUENCE[Kind.REPAIR]
    )
    with transaction.atomic():
        c = Commitment.objects.create(
            code=next_code(application.submitted_on),
            kind=Kind.REPAIR,
            matter=matter if matter is not None and matter.unit_id == unit.pk else None,
            subject=subject,
            committer_name=subject.name,
            committer_code=subject.identifier,
            reason=f"申请信用修复：{record.record_type.name} {record.document_number}"[:300],
            content=application.commitment_text,
            breach_liability=liability,
            made_on=application.submitted_on,
            accepting_unit=unit,
            channel=channel,
            # A repair commitment names the record being repaired: publishing it would keep
            # showing the very penalty that repair takes off public view (国办发〔2025〕22号),
            # so it is shared with the authorities only, for every kind of subject.
            publicity=Commitment.Publicity.LIMITED,
            status=Commitment.Status.PENDING,
            verify_due=repair_check_day(record),
            repair_application=application,
        )
        _announce([c], "recorded", actor)
        record_event(
            actor=actor,
            action="commitments.repair_commitment",
            target_type=TARGET,
            target_id=c.pk,
            target_repr=_repr(c),
            new={**_snapshot(c), "repair_application": application.pk},
        )
    return c
