"""The one write path of 信易+: scenarios (data, maintained by the credit office) and the
providers' checks ("is this subject eligible, and for what"), each recorded as a
ScenarioUse and counted per scenario. Eligibility is evaluated by the criteria shared
with the 信易贷 white list (finance.criteria)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xinyong.core import identifiers
from xinyong.core.audit import actor_label, record_event, record_read
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import clean_text
from xinyong.core.masking import mask_name
from xinyong.finance import criteria as crit
from xinyong.finance.services import apply_changes
from xinyong.orgs import permissions
from xinyong.orgs.models import Role
from xinyong.orgs.services import resolve_unit
from xinyong.subjects.models import Subject, of_subject
from xinyong.subjects.selectors import (
    READ_SUBJECT_TYPE,
    bank_may_see,
    find_by_identifier,
    masked_repr,
)

from .models import Scenario, ScenarioUse

TARGET = "benefits.Scenario"
# What the check takes (page, API, CLI): a passport or permit number may be typed bare.
SUBJECT_CODE_LABEL = "统一社会信用代码、身份证号码或其他证件号码"
# Scenario providers: the credit office, units' staff and banks (信易贷 is a scenario's
# sibling). Leaders and the organisation department look at the figures only.
CHECK_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, Role.BANK)
# Who is told why: the platform's own staff. A unit's staff read the facts behind a
# reason only where they read them in the workspace anyway (`_narrowed`): grades
# (supervision READ_ROLES), registration facts, published records and lists, and their
# own unit's records and list entries (permissions.can_read_unit_data) — another unit's
# unpublished penalty or 重点关注 entry is named as the condition in words, as the 信易贷
# white list names it to banks (least privilege, 个人信息保护法 art. 6; an unpublished
# penalty "is not disclosed", docs/finance.md). A bank learns only whether the subject
# may enjoy each benefit: grades are for the platform's staff only, and the 信易贷 white
# list hides a firm that has not authorised the bank (docs/finance.md).
REASON_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER)
# A bank checks only the firms it may see elsewhere (`bank_may_see`: on the published white
# list or authorising it). A natural person, a hidden firm and an unknown code all get this
# one answer, so that a bare ID number tells the bank neither that the person exists nor
# whether they are on the 失信被执行人名单 (个人信息保护法 art. 6, least privilege).
BANK_NOT_FOUND = (
    "未找到可供贵行核验的企业：银行只能核验已发布的信易贷白名单上的企业或已授权贵行的企业，"
    "请填写其统一社会信用代码。"
)
SCENARIO_ATTRS = (
    "name",
    "field",
    "provider",
    "provider_unit",
    "benefit",
    "criteria",
    "legal_basis",
    "published",
    "active",
    "sort_order",
)


def _values(values: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(SCENARIO_ATTRS))
    if unknown:
        raise DomainError(f"不认识的属性：{'、'.join(unknown)}。")
    clean = dict(values)
    for key, label, limit in (
        ("name", "场景名称", 50),
        ("field", "领域", 50),
        ("provider", "服务提供方", 200),
        ("benefit", "守信激励内容", 2000),
        ("legal_basis", "法律或政策依据", 2000),
    ):
        if key in clean:
            clean[key] = clean_text(clean[key], label, limit=limit)
    if "criteria" in clean:
        clean["criteria"] = crit.validate(clean["criteria"])
    if clean.get("provider_unit") not in (None, ""):
        clean["provider_unit"] = resolve_unit(clean["provider_unit"])
    elif "provider_unit" in clean:
        clean["provider_unit"] = None
    for key in ("published", "active"):
        if key in clean:
            clean[key] = bool(clean[key])
    return clean


def _snapshot(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.pk if hasattr(v, "pk") else v) for k, v in values.items()}


def create_scenario(*, actor: Any, code: Any, **values: Any) -> Scenario:
    if actor is not None:
        permissions.require(actor, "credit_admin")
    code_text = clean_text(code, "场景代码", limit=20).upper()
    clean = _values(values)
    for key in ("name", "field", "provider", "benefit", "criteria", "legal_basis"):
        if key not in clean:
            raise DomainError(f"新建场景须填写 {key}。")
    with transaction.atomic():
        if Scenario.objects.filter(code=code_text).exists():
            raise DomainError(f"场景代码 {code_text} 已存在。")
        scenario = Scenario.objects.create(code=code_text, **clean)
        record_event(
            actor=actor,
            action="benefits.scenario_create",
            target_type=TARGET,
            target_id=scenario.pk,
            target_repr=str(scenario),
            new={"code": code_text, **_snapshot(clean)},
        )
    return scenario


def update_scenario(*, actor: Any, scenario: Scenario, **values: Any) -> Scenario:
    if actor is not None:
        permissions.require(actor, "credit_admin")
    updated: Scenario = apply_changes(
        actor=actor,
        instance=scenario,
        clean=_values(values),
        action="benefits.scenario_update",
        target_type=TARGET,
        snapshot=_snapshot,
    )
    return updated


def get_scenario(code: Any) -> Scenario:
    scenario = Scenario.objects.filter(
        code=str(code or "").strip().upper()[:20], active=True
    ).first()
    if scenario is None:
        raise NotFoundError(f"没有代码为“{str(code)[:20]}”的信易+场景（或已停用）。")
    return scenario


def may_check(user: Any) -> bool:
    return permissions.role_of(user) in CHECK_ROLES


def sees_reasons(user: Any) -> bool:
    """Whether a check by `user` shows the reasons behind each answer; the CLI and jobs
    (no user) run on the server by the credit office."""
    return user is None or permissions.role_of(user) in REASON_ROLES


def _penalties_hidden_from(
    unit_ids: set[int], subject: Subject, criteria: dict[str, Any], day: date
) -> bool:
    """Whether the penalties the no-penalty condition counted on `day`
    (`finance.criteria.counted_penalties`) include one that is neither published nor
    reported by one of `unit_ids`."""
    from xinyong.finance.criteria import counted_penalties
    from xinyong.publicity.selectors import visible_filter
    from xinyong.records.models import CreditRecord

    counted = counted_penalties(
        CreditRecord.objects.filter(of_subject(subject)),
        criteria,
        day,
    )
    return (
        counted.exclude(source_unit_id__in=sorted(unit_ids))
        .exclude(pk__in=CreditRecord.objects.filter(visible_filter(day)).values("pk"))
        .exists()
    )


def _entries_hidden_from(unit_ids: set[int], subject: Subject, kinds: list[str], day: date) -> bool:
    """Whether an entry in force on `day` of the unpublished list kinds among `kinds`
    (the 重点关注名单) was designated by a unit outside `unit_ids`."""
    from xinyong.sanctions.lists import PUBLIC_KINDS, in_force_q
    from xinyong.sanctions.models import ListEntry

    unpublished = [k for k in kinds if k not in PUBLIC_KINDS]
    if not unpublished:
        return False
    return (
        ListEntry.objects.filter(of_subject(subject))
        .filter(in_force_q(day), list_type__kind__in=unpublished)
        .exclude(designating_unit_id__in=sorted(unit_ids))
        .exists()
    )


def _narrowed(
    actor: Any, subject: Subject | None, answer: ScenarioAnswer, day: date
) -> ScenarioAnswer:
    """The answer as `actor` may read it (see REASON_ROLES): a reason citing a fact the
    actor may not read elsewhere keeps only its condition in words. Roles that read every
    unit's data (credit office, leaders) and the server (no actor) read it whole."""
    unit_ids = permissions.readable_unit_ids(actor) if actor is not None else None
    if unit_ids is None or subject is None:
        return answer
    from xinyong.subjects.services import resolve

    root = resolve(subject)
    criteria = crit.validate(answer.scenario.criteria)
    reasons = []
    for reason in answer.reasons:
        code, passed = str(reason.get("code", "")), bool(reason.get("passed"))
        hidden = False
        if code == "penalty" and not passed:
            hidden = _penalties_hidden_from(unit_ids, root, criteria, day)
        elif code == "list_required" and passed:
            # Only a met requirement names the entry found.
            hidden = _entries_hidden_from(
                unit_ids, root, criteria.get("required_list_kinds", []), day
            )
        elif code.startswith("list_") and not passed:
            hidden = _entries_hidden_from(unit_ids, root, [code.removeprefix("list_")], day)
        if hidden:
            label = reason.get("label", "")
            text = (
                f"符合“{label}”条件"
                if passed
                else str(reason.get("public") or f"不符合“{label}”条件")
            )
            reason = {**reason, "text": text}
        reasons.append(reason)
    return ScenarioAnswer(answer.scenario, answer.eligible, reasons)


def _bank_subject(actor: Any, code: str) -> Subject:
    """The subject a bank's check is about, or NotFoundError (BANK_NOT_FOUND) — the same
    for every code the bank may not see. The refusal is on the record (committed although
    the bank is refused), as finance.bank_report records a report refused."""
    try:
        subject = find_by_identifier(code)
    except DomainError:
        # A number held under two document types: persons only, so the same answer.
        subject = None
    if subject is not None and bank_may_see(actor, subject):
        return subject
    with transaction.atomic():
        record_event(
            actor=actor,
            action="benefits.check_refused",
            target_type=TARGET,
            target_id="",
            target_repr=f"{identifiers.mask_identifier(code)} 银行核验未获准",
            new={"subject": subject.pk if subject else None, "reason": "银行无权查看该主体"},
        )
    raise NotFoundError(BANK_NOT_FOUND)


@dataclass
class ScenarioAnswer:
    scenario: Scenario
    eligible: bool
    reasons: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.code,
            "name": self.scenario.name,
            "provider": self.scenario.provider,
            "benefit": self.scenario.benefit,
            "eligible": self.eligible,
            "reasons": self.reasons,
            "legal_basis": self.scenario.legal_basis,
        }


@dataclass
class CheckResult:
    queried_code: str
    on: date
    subject: Subject | None
    answers: list[ScenarioAnswer] = field(default_factory=list)
    reasons_shown: bool = True

    @property
    def eligible_for(self) -> list[str]:
        return [a.scenario.name for a in self.answers if a.eligible]

    def as_dict(self) -> dict[str, Any]:
        s = self.subject
        return {
            "subject": None
            if s is None
            else {
                "name": mask_name(s.name) if s.is_person else s.name,
                "code": s.display_identifier,
                "kind": s.get_kind_display(),
            },
            "queried_code": self.queried_code,
            "on": self.on.isoformat(),
            "eligible_for": self.eligible_for,
            "reasons_shown": self.reasons_shown,
            "results": [a.as_dict() for a in self.answers],
        }


def check(
    *,
    actor: Any,
    subject_code: Any,
    scenario: Scenario | None = None,
    on: date | None = None,
    channel: str = ScenarioUse.Channel.WORKSPACE,
) -> CheckResult:
    """Is this subject eligible — for the given scenario, or for which of all active
    scenarios? One ScenarioUse per scenario answered; natural persons' reads are logged."""
    if actor is not None and not may_check(actor):
        raise NotPermitted("只有信用办、责任单位工作人员和合作银行可以进行信易+核验。")
    code = identifiers.normalise(clean_text(subject_code, SUBJECT_CODE_LABEL, limit=40))
    if not code:
        raise DomainError(f"请填写{SUBJECT_CODE_LABEL}。")
    day = on or timezone.localdate()
    scenarios = (
        [scenario]
        if scenario is not None
        else list(Scenario.objects.filter(active=True).order_by("sort_order", "code"))
    )
    if not scenarios:
        raise DomainError("目前没有启用的信易+场景。")
    if scenario is not None and not scenario.active:
        raise DomainError(f"信易+场景“{scenario.name}”已停用。")
    # Not grading.subject_by_code: the 信易贷 pages use it for firms by their USCC, where
    # a bare passport number must not find a person. Raises DomainError for a number
    # registered under two document types (the type must be given, not guessed).
    subject: Subject | None
    if permissions.role_of(actor) == Role.BANK:
        subject = _bank_subject(actor, code)
    else:
        subject = find_by_identifier(code)
    shown_code = (
        subject.display_identifier if subject is not None else identifiers.mask_identifier(code)
    )
    answers: list[ScenarioAnswer] = []
    for sc in scenarios:
        if subject is None:
            reasons = [
                {
                    "code": "subject",
                    "label": "信用主体",
                    "passed": False,
                    "text": "平台未收录该主体的信用信息，无法认定为守信主体",
                }
            ]
            answers.append(ScenarioAnswer(sc, False, reasons))
            continue
        verdict = crit.evaluate(sc.criteria, subject, day)
        answers.append(ScenarioAnswer(sc, verdict.eligible, verdict.reasons_json()))
    shown = sees_reasons(actor)
    result = CheckResult(
        queried_code=shown_code,
        on=day,
        subject=subject,
        answers=[_narrowed(actor, subject, a, day) for a in answers]
        if shown
        else [ScenarioAnswer(a.scenario, a.eligible, []) for a in answers],
        reasons_shown=shown,
    )
    label = actor_label(actor)[:150]
    with transaction.atomic():
        ScenarioUse.objects.bulk_create(
            [
                ScenarioUse(
                    scenario=a.scenario,
                    subject=subject,
                    queried_code=shown_code,
                    eligible=a.eligible,
                    reasons=a.reasons,
                    checked_on=day,
                    actor=actor if getattr(actor, "pk", None) else None,
                    actor_label=label,
                    channel=channel,
                )
                # The record keeps the reasons whoever asked, so that the credit office
                # can explain any answer later (an objection, a complaint).
                for a in answers
            ]
        )
        if subject is not None and subject.is_person:
            record_read(
                reader=actor,
                subject_type=READ_SUBJECT_TYPE,
                subject_id=subject.pk,
                subject_repr=masked_repr(subject),
                purpose="信易+守信激励核验",
            )
        record_event(
            actor=actor,
            action="benefits.check",
            target_type=TARGET,
            target_id=scenarios[0].pk if len(scenarios) == 1 else "",
            target_repr=f"{shown_code} 核验 {len(scenarios)} 个场景",
            new={
                "subject": subject.pk if subject else None,
                "on": day,
                "channel": channel,
                "answers": {a.scenario.code: a.eligible for a in result.answers},
            },
        )
    return result


def usage_counts(scenarios: QuerySet[Scenario] | None = None) -> QuerySet[Scenario]:
    """Scenarios annotated with their use counts (total, eligible answers, this year)."""
    year = timezone.localdate().year
    qs = scenarios if scenarios is not None else Scenario.objects.all()
    return qs.annotate(
        use_count=Count("uses"),
        eligible_count=Count("uses", filter=Q(uses__eligible=True)),
        year_count=Count("uses", filter=Q(uses__checked_on__year=year)),
    ).order_by("sort_order", "code")
