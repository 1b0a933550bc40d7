"""The one write path of 信易贷 (DOMAIN.md §12; 国办发〔2021〕52号): white-list rules,
screening runs, the two reviews and publication, re-screening when grades or lists
change, enterprises' authorisations for banks, bank access to credit reports, loan
outcomes, the city average per year and 银企对接 events.

Review: the credit office (信用办管理员) approves first, then the finance office (a
部门审核员 of the unit named by settings.XINYONG_FINANCE_OFFICE, default 区金融工作局);
the second approval publishes the list to bank users and replaces the previous one.
"""

from __future__ import annotations

import secrets
import time
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinyong.commitments.identity import confirmer
from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import clean_day, clean_text
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit, User
from xinyong.orgs.services import resolve_unit
from xinyong.subjects.models import Subject, SubjectKind, of_subject
from xinyong.subjects.services import resolve

from . import criteria as crit
from .models import (
    Authorisation,
    CityBenchmark,
    LoanOutcome,
    MatchmakingEvent,
    WhitelistItem,
    WhitelistRule,
    WhitelistRun,
    reasons_text,
)

RULE_TARGET = "finance.WhitelistRule"
RUN_TARGET = "finance.WhitelistRun"
ITEM_TARGET = "finance.WhitelistItem"
AUTH_TARGET = "finance.Authorisation"
OUTCOME_TARGET = "finance.LoanOutcome"
REPORT_PURPOSE = "xinyidai"  # reports' purpose code 信易贷融资授信
# An authorisation longer than a year is refused: banks re-ask each credit cycle (our
# choice: no national term was found; docs/finance.md).
MAX_AUTH_DAYS = 366
CONFIRM_SECONDS = 30 * 60
MAX_AMOUNT_WAN = Decimal("100000")
MAX_RATE = Decimal("24")
# Far above any district 银企对接 meeting (our choice; the district holds a few thousand
# firms): a typo is refused before it becomes a ledger figure or overflows the column.
MAX_EVENT_FIRMS = 100_000
Status = WhitelistRun.Status
ItemStatus = WhitelistItem.Status


def _day(value: Any, label: str, *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            raise DomainError(f"请填写{label}。")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise DomainError(
            f"{label}“{str(value)[:20]}”格式不对，应为 2026-09-29 这样的日期。"
        ) from None


def _places(number: Decimal, label: str, places: int, shown: Any) -> None:
    # The column keeps `places` decimals and would round the rest away silently: 0.001
    # passes "> 0" and is stored as 0.00. Trailing zeros (12.500) are no extra precision.
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise DomainError(f"{label}最多 {places} 位小数，“{str(shown)[:20]}”超出，请核对。")


def _decimal(value: Any, label: str, *, low: Decimal, high: Decimal, places: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(f"{label}“{str(value)[:20]}”不是数字。") from None
    if not number.is_finite() or not low < number <= high:
        raise DomainError(f"{label}应大于 {low} 且不超过 {high}。")
    _places(number, label, places, value)
    return number


def _today() -> date:
    return timezone.localdate()


# ---------------------------------------------------------------- who reviews


def finance_office() -> Unit:
    """The unit that represents the finance office (区金融工作局 and its aliases
    区金融办/区金融局/区金融服务中心 resolve to it)."""
    return resolve_unit(getattr(settings, "XINYONG_FINANCE_OFFICE", "") or "区金融工作局")


def is_finance_reviewer(user: Any) -> bool:
    if permissions.role_of(user) != Role.REVIEWER or not getattr(user, "unit_id", None):
        return False
    return bool(user.unit_id == finance_office().pk)


def bank_of(user: Any) -> str:
    """The bank a bank user works for (User.organisation), or a refusal."""
    if permissions.role_of(user) != Role.BANK:
        raise NotPermitted("只有银行用户可以执行此操作。")
    bank = str(getattr(user, "organisation", "") or "").strip()
    if not bank:
        raise NotPermitted("您的银行账号未登记所属银行，请联系信用办。")
    return bank


def known_banks() -> list[str]:
    """The banks with an active bank account on the platform (the banks an enterprise
    can authorise)."""
    names = (
        User.objects.filter(role=Role.BANK, is_active=True)
        .exclude(organisation="")
        .values_list("organisation", flat=True)
        .distinct()
    )
    return sorted(set(names))


# ---------------------------------------------------------------- rules


RULE_ATTRS = ("name", "criteria", "policy_basis", "description", "effective_from", "active")


def _rule_values(values: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(RULE_ATTRS))
    if unknown:
        raise DomainError(f"不认识的属性：{'、'.join(unknown)}。")
    clean = dict(values)
    if "name" in clean:
        clean["name"] = clean_text(clean["name"], "规则名称", limit=100)
    if "criteria" in clean:
        clean["criteria"] = crit.validate(clean["criteria"])
    if "policy_basis" in clean:
        clean["policy_basis"] = clean_text(clean["policy_basis"], "政策依据")
    if "description" in clean:
        clean["description"] = clean_text(clean["description"], "说明", required=False)
    if "effective_from" in clean:
        clean["effective_from"] = _day(clean["effective_from"], "生效日期")
    if "active" in clean:
        clean["active"] = bool(clean["active"])
    return clean


def create_rule(*, actor: Any, code: str, **values: Any) -> WhitelistRule:
    if actor is not None:
        permissions.require(actor, "credit_admin")
    code = clean_text(code, "规则代码", limit=30).upper()
    clean = _rule_values(values)
    for key in ("name", "criteria", "policy_basis", "effective_from"):
        if key not in clean:
            raise DomainError(f"新建规则须填写 {key}。")
    with transaction.atomic():
        if WhitelistRule.objects.filter(code=code).exists():
            raise DomainError(f"规则代码 {code} 已存在。")
        rule = WhitelistRule.objects.create(code=code, **clean)
        record_event(
            actor=actor,
            action="finance.rule_create",
            target_type=RULE_TARGET,
            target_id=rule.pk,
            target_repr=str(rule),
            new={"code": code, **clean},
        )
    return rule


def apply_changes(
    *,
    actor: Any,
    instance: Any,
    clean: dict[str, Any],
    action: str,
    target_type: str,
    snapshot: Any = None,
) -> Any:
    """Save the fields of `clean` that differ on `instance` (locked), with one event
    holding the old and new values; nothing is written when nothing changed. Shared by
    the rule and scenario (benefits) admin paths."""
    show = snapshot or (lambda values: values)
    with transaction.atomic():
        current = type(instance).objects.select_for_update().get(pk=instance.pk)
        old = {k: getattr(current, k) for k in clean}
        changed = {k: v for k, v in clean.items() if old[k] != v}
        if not changed:
            return current
        for key, value in changed.items():
            setattr(current, key, value)
        current.save()
        record_event(
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=current.pk,
            target_repr=str(current),
            old=show({k: old[k] for k in changed}),
            new=show(changed),
        )
    return current


def update_rule(*, actor: Any, rule: WhitelistRule, **values: Any) -> WhitelistRule:
    if actor is not None:
        permissions.require(actor, "credit_admin")
    updated: WhitelistRule = apply_changes(
        actor=actor,
        instance=rule,
        clean=_rule_values(values),
        action="finance.rule_update",
        target_type=RULE_TARGET,
    )
    return updated


def rule_in_force(on: date) -> WhitelistRule:
    rule = (
        WhitelistRule.objects.filter(active=True, effective_from__lte=on)
        .order_by("-effective_from", "-id")
        .first()
    )
    if rule is None:
        raise DomainError(f"{on:%Y-%m-%d} 没有生效的白名单规则，请在配置管理中维护规则。")
    return rule


def get_rule(code: Any) -> WhitelistRule:
    rule = WhitelistRule.objects.filter(code=str(code or "").strip().upper()).first()
    if rule is None:
        raise NotFoundError(f"没有代码为“{str(code)[:30]}”的白名单规则。")
    return rule


# ---------------------------------------------------------------- screening


def candidates(criteria: dict[str, Any]) -> QuerySet[Subject]:
    """The subjects screened: surviving subjects of the rule's kinds (every subject when
    the rule names none). Narrowing by kind here keeps natural persons out of a run that
    is about firms; every other condition is explained per subject."""
    qs = Subject.objects.filter(merged_into__isnull=True)
    kinds = criteria.get("subject_kinds")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs


def _run_number(on: date) -> str:
    prefix = f"XYD{on:%Y%m%d}"
    n = WhitelistRun.objects.filter(number__startswith=prefix).count() + 1
    while WhitelistRun.objects.filter(number=f"{prefix}-{n:02d}").exists():
        n += 1
    return f"{prefix}-{n:02d}"


def screen(
    *, actor: Any, rule: WhitelistRule | None = None, on: date | None = None
) -> WhitelistRun:
    """Screen every candidate against the rule on day `on`; every subject gets a row with
    one reason per criterion, in or out. The run then waits for the credit office."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    # A base day still to come would state facts of days that have not happened ("no
    # penalty since ..."), and reviewers would approve them.
    day = clean_day(on, "筛选基准日", not_after_today=True) if on is not None else _today()
    rule = rule or rule_in_force(day)
    criteria = crit.validate(rule.criteria)
    started = time.perf_counter()
    with transaction.atomic():
        verdicts = crit.evaluate_many(criteria, candidates(criteria), day)
        run = WhitelistRun.objects.create(
            number=_run_number(day),
            rule=rule,
            criteria=criteria,
            screened_on=day,
            screened_by=actor if getattr(actor, "pk", None) else None,
            candidates=len(verdicts),
            eligible=sum(1 for v in verdicts.values() if v.eligible),
        )
        WhitelistItem.objects.bulk_create(
            [
                WhitelistItem(
                    run=run,
                    subject_id=pk,
                    status=ItemStatus.LISTED if v.eligible else ItemStatus.INELIGIBLE,
                    grade=v.grade,
                    reasons=v.reasons_json(),
                )
                for pk, v in sorted(verdicts.items())
            ],
            batch_size=2000,
        )
        run.seconds = round(time.perf_counter() - started, 3)
        run.save(update_fields=["seconds"])
        record_event(
            actor=actor,
            action="finance.screen",
            target_type=RUN_TARGET,
            target_id=run.pk,
            target_repr=f"{run.number} 筛查 {run.candidates} 个主体",
            new={
                "number": run.number,
                "rule": rule.code,
                "on": day,
                "candidates": run.candidates,
                "eligible": run.eligible,
                "seconds": run.seconds,
            },
        )
    return run


def _lock_run(run: WhitelistRun) -> WhitelistRun:
    return WhitelistRun.objects.select_for_update().get(pk=run.pk)


def approve_credit(*, actor: Any, run: WhitelistRun, opinion: Any = "") -> WhitelistRun:
    """The credit office's review (first of two)."""
    permissions.require(actor, "credit_admin")
    with transaction.atomic():
        current = _lock_run(run)
        if current.status != Status.CREDIT_REVIEW:
            raise DomainError(
                f"该名单当前状态为“{current.get_status_display()}”，不能进行信用办审核。"
            )
        current.status = Status.FINANCE_REVIEW
        current.credit_reviewer = actor
        current.credit_reviewed_at = timezone.now()
        current.credit_opinion = clean_text(opinion, "审核意见", required=False) or "同意"
        current.save()
        record_event(
            actor=actor,
            action="finance.approve_credit",
            target_type=RUN_TARGET,
            target_id=current.pk,
            target_repr=current.number,
            old={"status": Status.CREDIT_REVIEW},
            new={"status": current.status, "opinion": current.credit_opinion},
        )
    return current


def approve_finance(*, actor: Any, run: WhitelistRun, opinion: Any = "") -> WhitelistRun:
    """The finance office's review (second of two): re-checks the listed firms on the day,
    then publishes the list to bank users and supersedes the list published before."""
    if not is_finance_reviewer(actor):
        raise NotPermitted(f"只有{finance_office().name}的审核员可以进行金融工作局审核。")
    with transaction.atomic():
        current = _lock_run(run)
        if current.status != Status.FINANCE_REVIEW:
            raise DomainError(
                f"该名单当前状态为“{current.get_status_display()}”，不能进行金融工作局审核。"
            )
        # The run was screened days ago and not every change of the facts sends a signal
        # (a provincial grade, the daily recompute): what is published holds on the day.
        dropped = rescreen(actor=actor, run=current, trigger="金融工作局审核发布")
        superseded = list(
            WhitelistRun.objects.select_for_update()
            .filter(status=Status.PUBLISHED)
            .values_list("number", flat=True)
        )
        WhitelistRun.objects.filter(status=Status.PUBLISHED).update(status=Status.SUPERSEDED)
        now = timezone.now()
        current.status = Status.PUBLISHED
        current.finance_reviewer = actor
        current.finance_reviewed_at = now
        current.finance_opinion = clean_text(opinion, "审核意见", required=False) or "同意"
        current.published_at = now
        current.save()
        record_event(
            actor=actor,
            action="finance.publish",
            target_type=RUN_TARGET,
            target_id=current.pk,
            target_repr=f"{current.number} 发布",
            old={"status": Status.FINANCE_REVIEW},
            new={
                "status": current.status,
                "opinion": current.finance_opinion,
                "listed": current.items.filter(status=ItemStatus.LISTED).count(),
                "rechecked_out": [i.subject.name for i in dropped],
                "superseded": superseded,
            },
        )
    return current


def return_run(*, actor: Any, run: WhitelistRun, opinion: Any) -> WhitelistRun:
    """Either reviewer sends the run back (it ends there; a new screening follows)."""
    with transaction.atomic():
        current = _lock_run(run)
        if current.status == Status.CREDIT_REVIEW:
            permissions.require(actor, "credit_admin")
        elif current.status == Status.FINANCE_REVIEW:
            if not is_finance_reviewer(actor):
                raise NotPermitted(f"只有{finance_office().name}的审核员可以退回待其审核的名单。")
        else:
            raise DomainError(f"该名单当前状态为“{current.get_status_display()}”，不能退回。")
        text = clean_text(opinion, "退回意见")
        old = current.status
        if old == Status.CREDIT_REVIEW:
            current.credit_reviewer, current.credit_opinion = actor, text
            current.credit_reviewed_at = timezone.now()
        else:
            current.finance_reviewer, current.finance_opinion = actor, text
            current.finance_reviewed_at = timezone.now()
        current.status = Status.RETURNED
        current.save()
        record_event(
            actor=actor,
            action="finance.return",
            target_type=RUN_TARGET,
            target_id=current.pk,
            target_repr=current.number,
            old={"status": old},
            new={"status": current.status, "opinion": text},
        )
    return current


def exclude_item(*, actor: Any, item: WhitelistItem, reason: Any) -> WhitelistItem:
    """A reviewer takes an eligible subject off a run under review, with the reason."""
    run = item.run
    if run.status == Status.CREDIT_REVIEW:
        permissions.require(actor, "credit_admin")
    elif run.status == Status.FINANCE_REVIEW:
        if not (permissions.is_credit_admin(actor) or is_finance_reviewer(actor)):
            raise NotPermitted("只有信用办或金融工作局审核员可以剔除名单中的企业。")
    else:
        raise DomainError("只有审核中的名单可以剔除企业。")
    text = clean_text(reason, "剔除理由", limit=500)
    with transaction.atomic():
        current = WhitelistItem.objects.select_for_update().get(pk=item.pk)
        if current.status != ItemStatus.LISTED:
            raise DomainError("该企业不在拟列入名单中。")
        current.status = ItemStatus.EXCLUDED
        current.note = text
        current.save(update_fields=["status", "note"])
        record_event(
            actor=actor,
            action="finance.exclude",
            target_type=ITEM_TARGET,
            target_id=current.pk,
            target_repr=f"{run.number} {current.subject.name}",
            old={"status": ItemStatus.LISTED},
            new={"status": current.status, "reason": text},
        )
    return current


def current_run() -> WhitelistRun | None:
    return WhitelistRun.objects.filter(status=Status.PUBLISHED).order_by("-published_at").first()


def run_in_force(day: date) -> WhitelistRun | None:
    """The list banks were reading on `day`: the last one published on or before it
    (Asia/Shanghai days). Publication supersedes the previous list at once, so on the day
    a list is published it is the one in force (our choice: the list of the day's end)."""
    return (
        WhitelistRun.objects.filter(
            status__in=(Status.PUBLISHED, Status.SUPERSEDED), published_at__date__lte=day
        )
        .order_by("-published_at", "-id")
        .first()
    )


# The runs whose listed firms follow the facts: the published list, and the runs under
# review, so that a firm that stops qualifying during review is not published as listed.
LIVE_STATUSES = (Status.PUBLISHED, Status.CREDIT_REVIEW, Status.FINANCE_REVIEW)


def listed_items(subject_ids: Any = None) -> QuerySet[WhitelistItem]:
    """The listed items of the live runs: all, or those of the subjects given (ids or a
    subquery of ids), of their survivors and of the subjects merged into them."""
    items = WhitelistItem.objects.filter(run__status__in=LIVE_STATUSES, status=ItemStatus.LISTED)
    if subject_ids is None:
        return items
    if not isinstance(subject_ids, QuerySet):
        subject_ids = sorted({int(i) for i in subject_ids})
    survivors = Subject.objects.filter(pk__in=subject_ids, merged_into__isnull=False)
    return items.filter(
        Q(subject_id__in=subject_ids)
        | Q(subject__merged_into_id__in=subject_ids)
        | Q(subject_id__in=survivors.values("merged_into_id"))
    )


def _merged_verdict(item: WhitelistItem) -> crit.Verdict:
    # The firm lives on as its survivor, which the next screening judges in its own right.
    text = f"已与{resolve(item.subject).name}合并"
    reason = crit.Reason("merged", "主体合并", False, text, public=text)
    return crit.Verdict(subject_id=item.subject_id, reasons=[reason])


def _staff_reasons(item: WhitelistItem, verdict: crit.Verdict) -> list[dict[str, Any]]:
    out = []
    for reason in verdict.failed:
        row = reason.as_dict()
        if reason.code == "grade" and item.grade and verdict.grade and item.grade != verdict.grade:
            row["text"] = f"信用等级由 {item.grade} 变为 {verdict.grade}，{reason.text}"
        out.append(row)
    return out


def _take_off(
    run: WhitelistRun,
    items: list[WhitelistItem],
    subjects: QuerySet[Subject],
    day: date,
    trigger: str,
    *,
    actor: Any,
) -> list[WhitelistItem]:
    """Take the items of `run` (of `subjects`) that no longer qualify on `day` off it:
    removed (banks read the conditions no longer met) from the published list, excluded
    (with the full reason, read by the offices only) from a run under review."""
    verdicts = crit.evaluate_many(run.criteria, subjects, day)
    published = run.status == Status.PUBLISHED
    out: list[WhitelistItem] = []
    for item in items:
        verdict = verdicts.get(item.subject_id)
        if verdict is None:
            # evaluate_many judges surviving subjects only.
            verdict = _merged_verdict(item)
        if verdict.eligible:
            continue
        item.removal_reasons = _staff_reasons(item, verdict)
        if published:
            item.status, item.removed_on = ItemStatus.REMOVED, day
            item.note = verdict.public_summary()
        else:
            item.status = ItemStatus.EXCLUDED
            suffix = f"（{trigger}）" if trigger else ""
            item.note = f"复核不再符合条件：{reasons_text(item.removal_reasons)}{suffix}"
        item.save(update_fields=["status", "removed_on", "note", "removal_reasons"])
        out.append(item)
    if out:
        record_event(
            actor=actor,
            action="finance.remove" if published else "finance.recheck_exclude",
            target_type=RUN_TARGET,
            target_id=run.pk,
            target_repr=f"{run.number} {'移出' if published else '剔除'} {len(out)} 家",
            new={
                "on": day,
                "trigger": trigger,
                "removed": [
                    {"subject": i.subject_id, "name": i.subject.name, "reason": i.staff_reason}
                    for i in out[:500]
                ],
                "count": len(out),
            },
        )
    return out


def rescreen(
    *,
    actor: Any = None,
    subject_ids: Any = None,
    on: date | None = None,
    trigger: str = "",
    run: WhitelistRun | None = None,
) -> list[WhitelistItem]:
    """Re-check the listed subjects of the published list and of the runs under review
    (all, or those given as in `listed_items`; or of one `run`) against each run's own
    criteria: a subject that no longer qualifies, or was merged into another, is taken
    off (`_take_off`). Idempotent: items taken off stay off and are not touched again.
    A removal counts from its own day (`listed_on`): `on` may not precede the published
    list's publication day, or the removal would rewrite who was listed before it."""
    day = on or _today()
    published = current_run()
    if on is not None and published is not None and (run is None or run.pk == published.pk):
        published_on = timezone.localtime(published.published_at).date()
        if on < published_on:
            raise DomainError(
                f"复核基准日 {on:%Y-%m-%d} 早于现行白名单 {published.number} 的发布日"
                f"（{published_on:%Y-%m-%d}）：移出自复核基准日起算，不能早于名单发布，"
                "否则会改写发布前的名单记录。"
            )
    items = listed_items(subject_ids)
    if run is not None:
        items = items.filter(run=run)
    by_run: dict[int, list[WhitelistItem]] = {}
    for item in items.select_related("subject", "run").order_by("run_id", "id"):
        by_run.setdefault(item.run_id, []).append(item)
    out: list[WhitelistItem] = []
    with transaction.atomic():
        for run_id, group in by_run.items():
            # Subquery rather than a long IN list (a run lists thousands of firms).
            subjects = Subject.objects.filter(
                pk__in=items.filter(run_id=run_id).values("subject_id")
            )
            out.extend(_take_off(group[0].run, group, subjects, day, trigger, actor=actor))
    return out


def run_rescreen_job() -> str:
    changed = rescreen(actor=None, trigger="每日复核")
    run = current_run()
    removed = sum(1 for i in changed if i.status == ItemStatus.REMOVED)
    text = (
        f"信易贷白名单 {run.number} 每日复核：移出 {removed} 家"
        if run is not None
        else "信易贷白名单：尚未发布名单"
    )
    if len(changed) > removed:
        text += f"；审核中的名单剔除 {len(changed) - removed} 家"
    elif run is None:
        text += "，无需复核"
    return text


# ---------------------------------------------------------------- authorisations


def _auth_code(day: date) -> str:
    while True:
        code = f"SQ{day:%Y%m%d}{secrets.token_hex(3).upper()}"
        if not Authorisation.objects.filter(code=code).exists():
            return code


def _auth_snapshot(a: Authorisation) -> dict[str, Any]:
    return {
        "code": a.code,
        "subject": a.subject_id,
        "bank": a.bank,
        "scope": a.scope,
        "valid_from": a.valid_from,
        "valid_until": a.valid_until,
        "status": a.status,
        "channel": a.channel,
    }


def _clean_auth(
    *, subject: Subject, bank: Any, scope: Any, valid_from: date, valid_until: Any
) -> tuple[str, str, date]:
    if subject.kind == SubjectKind.PERSON:
        raise DomainError("信易贷授权只适用于企业和个体工商户。")
    bank_name = clean_text(bank, "被授权银行", limit=100)
    if bank_name not in known_banks():
        raise DomainError(f"“{bank_name}”不是本平台登记的合作银行。")
    scope_value = str(scope or "").strip()
    if scope_value not in Authorisation.Scope.values:
        labels = {label: value for value, label in Authorisation.Scope.choices}
        if scope_value not in labels:
            raise DomainError(f"授权范围应为：{'、'.join(Authorisation.Scope.labels)}。")
        scope_value = labels[scope_value]
    until = _day(valid_until, "授权有效期")
    assert until is not None
    if until < valid_from:
        raise DomainError("授权有效期不能早于生效日期。")
    if (until - valid_from).days > MAX_AUTH_DAYS:
        raise DomainError(
            f"授权有效期最长一年（{valid_from + timedelta(days=MAX_AUTH_DAYS):%Y-%m-%d} 之前）。"
        )
    return bank_name, scope_value, until


def _subject_by_code(code: Any, name: Any) -> Subject:
    from xinyong.supervision.grading import subject_by_code

    subject = subject_by_code(clean_text(code, "统一社会信用代码", limit=40))
    given = clean_text(name, "企业名称", limit=200)
    if subject.name != given:
        raise DomainError("企业名称与统一社会信用代码不一致，请核对。")
    return subject


def start_portal_authorisation(
    *,
    uscc: Any,
    name: Any,
    bank: Any,
    scope: Any,
    valid_until: Any,
    agent_name: Any = "",
    on: date | None = None,
) -> tuple[Authorisation, str]:
    """An enterprise authorises a bank on the portal: kept unconfirmed until the identity
    confirmer (commitments.identity, pluggable) accepts."""
    subject = _subject_by_code(uscc, name)
    day = on or _today()
    bank_name, scope_value, until = _clean_auth(
        subject=subject, bank=bank, scope=scope, valid_from=day, valid_until=valid_until
    )
    provider = confirmer()
    with transaction.atomic():
        auth = Authorisation.objects.create(
            code=_auth_code(day),
            subject=subject,
            bank=bank_name,
            scope=scope_value,
            valid_from=day,
            valid_until=until,
            channel=Authorisation.Channel.PORTAL,
            agent_name=clean_text(agent_name, "经办人", required=False, limit=50),
        )
        shown = provider.start(auth)
        auth.save(update_fields=["confirmation_code"])
        record_event(
            actor=None,
            action="finance.authorise_start",
            target_type=AUTH_TARGET,
            target_id=auth.pk,
            target_repr=f"{subject.name} 授权 {bank_name}",
            new={**_auth_snapshot(auth), "confirmer": provider.name},
        )
    return auth, shown


def confirm_portal_authorisation(*, authorisation: Authorisation, response: Any) -> Authorisation:
    with transaction.atomic():
        a = Authorisation.objects.select_for_update().get(pk=authorisation.pk)
        if a.status != Authorisation.Status.UNCONFIRMED:
            raise DomainError("该授权已确认，无需重复确认。")
        if timezone.now() - a.created_at > timedelta(seconds=CONFIRM_SECONDS):
            raise DomainError("确认已超时，请重新填写授权。", code="expired")
        if not confirmer().verify(a, str(response or "").strip()):
            raise DomainError("确认码不正确，请核对屏幕上显示的确认码。", code="bad_code")
        a.status = Authorisation.Status.ACTIVE
        a.confirmation_code = ""
        a.confirmed_at = timezone.now()
        a.save()
        record_event(
            actor=None,
            action="finance.authorise_confirm",
            target_type=AUTH_TARGET,
            target_id=a.pk,
            target_repr=f"{a.code} {a.bank}",
            new=_auth_snapshot(a),
        )
    return a


def record_staff_authorisation(
    *,
    actor: Any,
    subject: Subject,
    bank: Any,
    scope: Any,
    valid_from: Any,
    valid_until: Any,
    document: Any,
    agent_name: Any = "",
) -> Authorisation:
    """The credit office records a written authorisation (the signed 授权书 uploaded)."""
    permissions.require(actor, "credit_admin")
    if not document:
        raise DomainError("请上传企业签章的授权书扫描件。")
    start = _day(valid_from, "生效日期")
    assert start is not None
    subject = resolve(subject)
    bank_name, scope_value, until = _clean_auth(
        subject=subject, bank=bank, scope=scope, valid_from=start, valid_until=valid_until
    )
    with transaction.atomic():
        a = Authorisation(
            code=_auth_code(start),
            subject=subject,
            bank=bank_name,
            scope=scope_value,
            valid_from=start,
            valid_until=until,
            status=Authorisation.Status.ACTIVE,
            channel=Authorisation.Channel.STAFF,
            agent_name=clean_text(agent_name, "经办人", required=False, limit=50),
            recorded_by=actor,
            confirmed_at=timezone.now(),
        )
        a.document.save(getattr(document, "name", "") or "authorisation.pdf", document, save=False)
        a.save()
        record_event(
            actor=actor,
            action="finance.authorise_record",
            target_type=AUTH_TARGET,
            target_id=a.pk,
            target_repr=f"{subject.name} 授权 {bank_name}",
            new={**_auth_snapshot(a), "document": a.document.name},
        )
    return a


def _revoke(a: Authorisation, *, actor: Any, reason: str, action: str) -> Authorisation:
    a.status = Authorisation.Status.REVOKED
    a.revoked_at = timezone.now()
    a.revoked_reason = reason
    a.confirmation_code = ""
    a.save()
    record_event(
        actor=actor,
        action=action,
        target_type=AUTH_TARGET,
        target_id=a.pk,
        target_repr=f"{a.code} {a.bank}",
        old={"status": Authorisation.Status.ACTIVE},
        new={"status": a.status, "reason": reason},
    )
    return a


def _require_revocable(a: Authorisation) -> None:
    if not a.revocable:
        raise DomainError(
            f"该授权已于 {a.valid_until:%Y-%m-%d} 到期，银行已不能凭它查看，无需撤销。"
        )


def revoke_authorisation(*, actor: Any, authorisation: Authorisation, reason: Any) -> Authorisation:
    """The credit office revokes on the enterprise's written request."""
    permissions.require(actor, "credit_admin")
    text = clean_text(reason, "撤销原因", limit=300)
    with transaction.atomic():
        a = Authorisation.objects.select_for_update().get(pk=authorisation.pk)
        if a.status != Authorisation.Status.ACTIVE:
            raise DomainError("只有有效的授权可以撤销。")
        _require_revocable(a)
        return _revoke(a, actor=actor, reason=text, action="finance.authorise_revoke")


def start_portal_revocation(*, code: Any, uscc: Any) -> tuple[Authorisation, str]:
    """The enterprise revokes on the portal: the same identity confirmation first."""
    a = (
        Authorisation.objects.select_related("subject")
        .filter(code=str(code or "").strip().upper()[:24])
        .first()
    )
    from xinyong.core import identifiers

    if a is None or a.subject.identifier != identifiers.normalise(uscc):
        raise DomainError("授权编号与统一社会信用代码不匹配。")
    if a.status != Authorisation.Status.ACTIVE:
        raise DomainError("该授权不是有效状态，无需撤销。")
    _require_revocable(a)
    provider = confirmer()
    with transaction.atomic():
        shown = provider.start(a)
        a.save(update_fields=["confirmation_code", "updated_at"])
        record_event(
            actor=None,
            action="finance.authorise_revoke_start",
            target_type=AUTH_TARGET,
            target_id=a.pk,
            target_repr=f"{a.code} {a.bank}",
            new={"confirmer": provider.name},
        )
    return a, shown


def confirm_portal_revocation(*, authorisation: Authorisation, response: Any) -> Authorisation:
    with transaction.atomic():
        a = Authorisation.objects.select_for_update().get(pk=authorisation.pk)
        if a.status != Authorisation.Status.ACTIVE or not a.confirmation_code:
            raise DomainError("请先提交撤销申请。")
        if timezone.now() - a.updated_at > timedelta(seconds=CONFIRM_SECONDS):
            raise DomainError("确认已超时，请重新提交撤销申请。", code="expired")
        if not confirmer().verify(a, str(response or "").strip()):
            raise DomainError("确认码不正确，请核对屏幕上显示的确认码。", code="bad_code")
        return _revoke(a, actor=None, reason="企业网上撤销授权", action="finance.authorise_revoke")


def valid_authorisation(
    subject: Subject, bank: str, on: date | None = None
) -> Authorisation | None:
    """The enterprise's authorisation for `bank` in force on `on` (both scopes allow the
    credit report)."""
    day = on or _today()
    return (
        Authorisation.objects.filter(
            Authorisation.in_force_q(day),
            of_subject(subject),
            bank=bank,
        )
        .order_by("-valid_until")
        .first()
    )


def authorised_subjects_q(bank: str, on: date | None = None) -> Q:
    """Rows with a `subject` whose subject `bank` may see on `on`: the same rule as
    `valid_authorisation` — the subject's authorisation in force, or that of a subject
    merged into it — for filtering many rows at once (reports.selectors)."""
    day = on or _today()
    in_force = Authorisation.objects.filter(Authorisation.in_force_q(day), bank=bank)
    return Q(subject__in=in_force.values("subject_id")) | Q(
        subject__in=in_force.values("subject__merged_into_id")
    )


def report_matter() -> Any:
    """The finance office's entry of the 信用报告应用目录 for 信易贷 (seeded as 信易贷融资推荐,
    reports/data/matters.json), where the banks' reports are counted; None when the office
    has none in use (the report is still issued, just not counted)."""
    from xinyong.reports.models import ApplicationMatter

    return (
        ApplicationMatter.objects.select_related("unit", "purpose")
        .filter(unit=finance_office(), purpose__code=REPORT_PURPOSE, active=True)
        .order_by("id")
        .first()
    )


def bank_report(*, actor: Any, subject: Subject) -> tuple[Any, bytes]:
    """A bank user's request for an enterprise's credit report. Without the enterprise's
    authorisation in force the request is refused and the attempt is logged (committed
    even though the caller sees a refusal)."""
    bank = bank_of(actor)
    subject = resolve(subject)
    auth = valid_authorisation(subject, bank)
    if auth is None:
        with transaction.atomic():
            record_event(
                actor=actor,
                action="finance.report_refused",
                target_type="subjects.Subject",
                target_id=subject.pk,
                target_repr=f"{bank} 无授权查询 {subject.name}",
                new={"bank": bank, "subject": subject.pk, "reason": "无有效授权"},
            )
        raise NotPermitted(
            f"{subject.name}未授权{bank}查询其信用报告（或授权已过期、已撤销），不能查看。"
        )
    from xinyong.reports import services as reports

    with transaction.atomic():
        report = reports.issue_report(
            actor=actor,
            subject=subject,
            purpose=REPORT_PURPOSE,
            matter=report_matter(),
            channel="bank",
        )
        record_event(
            actor=actor,
            action="finance.report_access",
            target_type=AUTH_TARGET,
            target_id=auth.pk,
            target_repr=f"{bank} 查询 {subject.name} 信用报告",
            new={"authorisation": auth.code, "report": str(getattr(report, "pk", ""))},
        )
    # Handed to the bank: one print, like every download of a report (issue 7 §1), and
    # read through the same check that refuses a missing or corrupt file.
    return report, reports.download_pdf(actor=actor, report=report, channel="bank")


# ---------------------------------------------------------------- loan outcomes


def listed_on(day: date) -> QuerySet[WhitelistItem]:
    """The items of the list in force on `day` (`run_in_force`) that were listed that day:
    listed, or removed only later (a removal counts from its own day)."""
    run = run_in_force(day)
    if run is None:
        return WhitelistItem.objects.none()
    return WhitelistItem.objects.filter(run=run).filter(
        Q(status=ItemStatus.LISTED) | Q(status=ItemStatus.REMOVED, removed_on__gt=day)
    )


def _listed_item(subject: Subject, day: date) -> WhitelistItem | None:
    # A firm merged into `subject` was listed in its own name (items of survivors and
    # merged subjects count together, as for authorisations).
    return listed_on(day).filter(of_subject(subject)).order_by("id").first()


def _not_after_today(day: date, label: str) -> None:
    today = _today()
    if day > today:
        raise DomainError(
            f"{label} {day:%Y-%m-%d} 不能晚于今天（{today:%Y-%m-%d}）：只能报送已经发生的申请和放款。"
        )


def _reporting_basis(subject: Subject, bank: str, day: date) -> WhitelistItem | None:
    """Why `bank` may report an application of `subject` made on `day`: the white-list
    entry in force that day (returned), or an authorisation in force that day (None).
    Otherwise refused, saying what was missing that day."""
    item = _listed_item(subject, day)
    if item is not None or valid_authorisation(subject, bank, day) is not None:
        return item
    raise DomainError(
        f"{subject.name}在申请日期 {day:%Y-%m-%d} 不在已发布的白名单中，"
        f"且{_authorisation_gap(subject, bank, day)}，{bank}不能报送该申请的融资结果。"
    )


def _authorisation_gap(subject: Subject, bank: str, day: date) -> str:
    """What was wrong that day with the firm's authorisations for the bank."""
    auths = list(
        Authorisation.objects.filter(of_subject(subject), bank=bank).order_by("-valid_until", "-id")
    )
    if not auths:
        return f"企业没有给{bank}的授权"
    for a in auths:
        if not a.valid_from <= day <= a.valid_until:
            continue
        if a.status == Authorisation.Status.REVOKED and a.revoked_at is not None:
            revoked = timezone.localtime(a.revoked_at).date()
            return f"企业已于 {revoked:%Y-%m-%d} 撤销给{bank}的授权（{a.code}），撤销当日起不再有效"
        if a.status == Authorisation.Status.UNCONFIRMED:
            return f"企业给{bank}的授权（{a.code}）尚未经企业确认，未生效"
    a = auths[0]
    return (
        f"企业给{bank}的授权（{a.code}）有效期为 {a.valid_from:%Y-%m-%d} 至 "
        f"{a.valid_until:%Y-%m-%d}，不含申请日期"
    )


def _field_places(name: str, model: Any = LoanOutcome) -> int:
    places = model._meta.get_field(name).decimal_places
    assert isinstance(places, int)
    return places


def _outcome_values(values: dict[str, Any], status: str, applied_on: date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if status not in LoanOutcome.Status.values:
        labels = {label: value for value, label in LoanOutcome.Status.choices}
        if status not in labels:
            raise DomainError(f"融资结果应为：{'、'.join(LoanOutcome.Status.labels)}。")
        status = labels[status]
    out["status"] = status
    amount = _decimal(
        values.get("amount_wan"),
        "金额（万元）",
        low=Decimal(0),
        high=MAX_AMOUNT_WAN,
        places=_field_places("amount_wan"),
    )
    rate = _decimal(
        values.get("rate_percent"),
        "年利率（%）",
        low=Decimal(0),
        high=MAX_RATE,
        places=_field_places("rate_percent"),
    )
    loan_type = str(values.get("loan_type") or "").strip()
    if loan_type and loan_type not in LoanOutcome.LoanType.values:
        labels = {label: value for value, label in LoanOutcome.LoanType.choices}
        labels.update({"信用": "credit", "抵押": "secured", "担保": "secured", "抵质押": "secured"})
        if loan_type not in labels:
            raise DomainError("贷款方式应为 信用贷款 或 抵质押/担保贷款。")
        loan_type = labels[loan_type]
    granted_on = _day(values.get("granted_on"), "放款日期", required=False)
    raw_term = values.get("term_months")
    term: int | None = None
    if raw_term not in (None, ""):
        try:
            term = int(str(raw_term).strip())
        except (TypeError, ValueError):
            raise DomainError("期限（月）应为整数。") from None
        if not 0 < term <= 360:
            raise DomainError("期限（月）应在 1–360 之间。")
    incomplete = amount is None or not loan_type or rate is None or granted_on is None
    if status == LoanOutcome.Status.GRANTED and incomplete:
        raise DomainError("已授信放款的须填写金额（万元）、贷款方式、年利率和放款日期。")
    if status != LoanOutcome.Status.GRANTED:
        # Disbursement data on an outcome without a loan would be counted nowhere and
        # misread everywhere; refused rather than dropped so the bank sees its mistake.
        # The loan type and term describe the application and may stay.
        given = [
            label
            for label, v in (
                ("放款日期", granted_on),
                ("金额（万元）", amount),
                ("年利率（%）", rate),
            )
            if v is not None
        ]
        if given:
            raise DomainError(
                f"“{LoanOutcome.Status(status).label}”的融资结果不应填写{'、'.join(given)}："
                "只有“已授信放款”的才填写放款数据，请清空后再报送。"
            )
    if granted_on is not None:
        _not_after_today(granted_on, "放款日期")
        if granted_on < applied_on:
            raise DomainError("放款日期不能早于申请日期。")
    out.update(
        amount_wan=amount,
        rate_percent=rate,
        loan_type=loan_type,
        granted_on=granted_on,
        term_months=term,
        note=clean_text(values.get("note"), "说明", required=False, limit=300),
    )
    return out


def _outcome_snapshot(o: LoanOutcome) -> dict[str, Any]:
    return {
        "bank": o.bank,
        "subject": o.subject_id,
        "applied_on": o.applied_on,
        "status": o.status,
        "granted_on": o.granted_on,
        "amount_wan": o.amount_wan,
        "loan_type": o.loan_type,
        "rate_percent": o.rate_percent,
        "whitelist_item": o.whitelist_item_id,
    }


def _refuse_copy(
    *, bank: str, subject: Subject, applied_on: date, clean: dict[str, Any], own: int | None = None
) -> None:
    """Refuse an outcome identical to one the bank already reported (same firm, 申请日期,
    result, amount and loan type): a resubmitted form would otherwise count the loan twice
    in 信用贷款发放额. A second, different loan of the firm differs in one of these and is
    recorded. Called under the subject's row lock, so two submissions cannot both pass."""
    same = LoanOutcome.objects.filter(
        bank=bank,
        subject=subject,
        applied_on=applied_on,
        status=clean["status"],
        amount_wan=clean["amount_wan"],
        loan_type=clean["loan_type"],
    )
    if own is not None:
        same = same.exclude(pk=own)
    existing = same.order_by("id").first()
    if existing is None:
        return
    what = existing.get_status_display()
    if existing.amount_wan is not None:
        what += f" {existing.amount_wan} 万元"
    if existing.loan_type:
        what += f"{existing.get_loan_type_display()}"
    reported = timezone.localtime(existing.created_at)
    raise DomainError(
        f"{bank}已报送过相同的融资结果（编号 {existing.pk}：{subject.name}，"
        f"{existing.applied_on:%Y-%m-%d} 申请，{what}，报送于 {reported:%Y-%m-%d %H:%M}），"
        "不再重复记录。如需更正，请修改该条记录；如确为另一笔贷款，请核对金额和贷款方式。"
    )


def report_outcome(
    *, actor: Any, subject: Subject, applied_on: Any, status: Any, **values: Any
) -> LoanOutcome:
    """A bank reports an application and (later) its result. Only firms the bank was shown
    (on a published white list) or authorised by may be reported; an outcome identical
    to one already reported is refused (`_refuse_copy`)."""
    bank = bank_of(actor)
    subject = resolve(subject)
    day = _day(applied_on, "申请日期")
    assert day is not None
    _not_after_today(day, "申请日期")
    clean = _outcome_values(values, str(status or "").strip(), day)
    item = _reporting_basis(subject, bank, day)
    with transaction.atomic():
        Subject.objects.select_for_update().filter(pk=subject.pk).first()
        _refuse_copy(bank=bank, subject=subject, applied_on=day, clean=clean)
        o = LoanOutcome.objects.create(
            bank=bank,
            subject=subject,
            whitelist_item=item,
            applied_on=day,
            reported_by=actor,
            **clean,
        )
        record_event(
            actor=actor,
            action="finance.outcome_report",
            target_type=OUTCOME_TARGET,
            target_id=o.pk,
            target_repr=f"{bank} {subject.name} {o.get_status_display()}",
            new=_outcome_snapshot(o),
        )
    return o


def update_outcome(*, actor: Any, outcome: LoanOutcome, status: Any, **values: Any) -> LoanOutcome:
    bank = bank_of(actor)
    if outcome.bank != bank:
        raise NotPermitted("只能更新本行报送的融资结果。")
    clean = _outcome_values(values, str(status or "").strip(), outcome.applied_on)
    _reporting_basis(outcome.subject, bank, outcome.applied_on)
    with transaction.atomic():
        Subject.objects.select_for_update().filter(pk=outcome.subject_id).first()
        o = LoanOutcome.objects.select_for_update().get(pk=outcome.pk)
        _refuse_copy(bank=bank, subject=o.subject, applied_on=o.applied_on, clean=clean, own=o.pk)
        old = _outcome_snapshot(o)
        for key, value in clean.items():
            setattr(o, key, value)
        o.save()
        record_event(
            actor=actor,
            action="finance.outcome_update",
            target_type=OUTCOME_TARGET,
            target_id=o.pk,
            target_repr=f"{bank} {o.subject.name} {o.get_status_display()}",
            old=old,
            new=_outcome_snapshot(o),
        )
    return o


# ---------------------------------------------------------------- benchmarks, events


def set_benchmark(*, actor: Any, year: Any, city_growth_percent: Any, source: Any) -> CityBenchmark:
    """Enter (or correct) the city's average credit-loan growth for a year."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    try:
        y = int(str(year).strip())
    except (TypeError, ValueError):
        raise DomainError("年度应为四位数字，如 2026。") from None
    if not 2000 <= y <= 2100:
        raise DomainError("年度应在 2000–2100 之间。")
    try:
        growth = Decimal(str(city_growth_percent).strip())
    except InvalidOperation:
        raise DomainError("全市平均增速应为数字（%）。") from None
    if not growth.is_finite() or abs(growth) > 1000:
        raise DomainError("全市平均增速应在 -1000% 到 1000% 之间。")
    _places(
        growth,
        "全市平均增速",
        _field_places("city_growth_percent", CityBenchmark),
        city_growth_percent,
    )
    text = clean_text(source, "数据来源", limit=200)
    with transaction.atomic():
        current = CityBenchmark.objects.select_for_update().filter(year=y).first()
        old = None
        if current is None:
            current = CityBenchmark.objects.create(year=y, city_growth_percent=growth, source=text)
        else:
            old = {"city_growth_percent": current.city_growth_percent, "source": current.source}
            current.city_growth_percent, current.source = growth, text
            current.save()
        record_event(
            actor=actor,
            action="finance.benchmark_set",
            target_type="finance.CityBenchmark",
            target_id=current.pk,
            target_repr=f"{y} 年全市信用贷款平均增速 {growth}%",
            old=old,
            new={"year": y, "city_growth_percent": growth, "source": text},
        )
    return current


def may_record_matchmaking(user: Any) -> bool:
    """The credit office and the finance office's own staff (部门填报员 or 部门审核员)
    record 银企对接 events: the seed's ledger gives "举办推介会、对接会等宣传活动" to 区金融办
    (row 32), so the unit that holds the events records them."""
    role = permissions.role_of(user)
    if role == Role.CREDIT_ADMIN:
        return True
    if role not in permissions.UNIT_STAFF_ROLES or not getattr(user, "unit_id", None):
        return False
    return bool(user.unit_id == finance_office().pk)


def _ledger_description(ev: MatchmakingEvent) -> str:
    return (
        f"参加银行：{'、'.join(ev.banks)}；参加企业 {ev.firm_count} 家。"
        f"佐证材料：{ev.evidence}（信易贷银企对接活动登记）"
    )[:2000]


def _link_ledger(ev: MatchmakingEvent, *, actor: Any, evidence_file: Any) -> Any:
    """The ledger activity this event is, or None when its year has no ledger plan.

    An unlinked 信易贷推介对接活动 of the finance office on the same day already on the ledger
    is taken as this event (entered there first), so that nothing counts twice; otherwise
    the activity is recorded through the ledger's own service, which counts activities by
    their evidence and so needs the file."""
    from xinyong.ledger import services as ledger_services
    from xinyong.ledger.models import Activity, Plan

    plan = Plan.objects.select_for_update().filter(year=ev.held_on.year).first()
    if plan is None:
        return None
    office = finance_office()
    taken = (
        MatchmakingEvent.objects.filter(ledger_activity__isnull=False)
        .exclude(pk=ev.pk)
        .values("ledger_activity_id")
    )
    same = (
        Activity.objects.filter(
            plan=plan, unit=office, kind=Activity.Kind.MATCHMAKING, held_on=ev.held_on
        )
        .exclude(pk__in=taken)
        .order_by("id")
        .first()
    )
    if same is not None:
        return same
    if not evidence_file:
        raise DomainError(
            f"该活动计入{plan.year}年工作台账（{office.name}“举办推介会、对接会”），台账按佐证"
            "计数：请上传佐证材料文件（签到表、照片、会议通知等，PDF、图片、Word 或 Excel）。"
        )
    return ledger_services.record_activity(
        actor=actor,
        plan=plan,
        unit=office,
        kind=Activity.Kind.MATCHMAKING,
        title=ev.title,
        held_on=ev.held_on,
        place=ev.venue,
        description=_ledger_description(ev),
        files=[evidence_file],
    )


def record_matchmaking(
    *,
    actor: Any,
    title: Any,
    held_on: Any,
    banks: Any,
    evidence: Any,
    firms: list[Subject] | None = None,
    firm_count: Any = None,
    venue: Any = "",
    organiser: Any = None,
    evidence_file: Any = None,
) -> MatchmakingEvent:
    """Record a 银企对接 event with its evidence, and the same event on the work ledger
    (the finance office's 信易贷推介对接活动, counted by row 32) when its year has a plan."""
    from xinyong.rights.attachments import check_files

    office = finance_office()
    if not may_record_matchmaking(actor):
        if permissions.role_of(actor) is None:
            raise NotPermitted("请先登录，或账号已停用。")
        raise NotPermitted(f"只有信用办管理员和{office.name}的工作人员可以登记银企对接活动。")
    day = _day(held_on, "举办日期")
    assert day is not None
    if day > _today():
        raise DomainError("只能登记已经举办的活动（举办日期不能晚于今天）。")
    if isinstance(banks, str):
        banks = [
            b
            for b in (x.strip() for x in banks.replace("，", "、").replace(",", "、").split("、"))
            if b
        ]
    if not isinstance(banks, list) or not banks:
        raise DomainError("请填写参加银行（多个以顿号分隔）。")
    # A bank named twice is one participation (statistics count 参加银行 家次 per event).
    bank_list = list(dict.fromkeys(clean_text(b, "银行名称", limit=100) for b in banks))
    firm_list = list(dict.fromkeys(resolve(f) for f in (firms or [])))
    count = len(firm_list)
    if firm_count not in (None, ""):
        try:
            given = int(str(firm_count).strip())
        except (TypeError, ValueError):
            raise DomainError("参加企业数应为整数。") from None
        if not 0 <= given <= MAX_EVENT_FIRMS:
            raise DomainError(
                f"参加企业数应在 0–{MAX_EVENT_FIRMS} 之间（填写的是“{str(firm_count)[:24]}”），请核对。"
            )
        count = max(count, given)
    unit = resolve_unit(organiser) if organiser else None
    if not permissions.is_credit_admin(actor):
        # The finance office records its own events, not another unit's.
        if unit is None:
            unit = office
        elif unit.pk != office.pk:
            raise NotPermitted(f"只能登记{office.name}主办的银企对接活动。")
    if evidence_file:
        check_files([evidence_file])
    with transaction.atomic():
        ev = MatchmakingEvent(
            title=clean_text(title, "活动名称", limit=200),
            held_on=day,
            venue=clean_text(venue, "地点", required=False, limit=200),
            organiser=unit,
            banks=bank_list,
            firm_count=count,
            evidence=clean_text(evidence, "佐证材料说明"),
            recorded_by=actor,
        )
        if evidence_file:
            ev.evidence_file.save(
                getattr(evidence_file, "name", "") or "evidence", evidence_file, save=False
            )
        ev.save()
        ev.firms.set(firm_list)
        ev.ledger_activity = _link_ledger(ev, actor=actor, evidence_file=evidence_file)
        if ev.ledger_activity is not None:
            ev.save(update_fields=["ledger_activity", "updated_at"])
        record_event(
            actor=actor,
            action="finance.matchmaking_record",
            target_type="finance.MatchmakingEvent",
            target_id=ev.pk,
            target_repr=f"{day:%Y-%m-%d} {ev.title}",
            new={
                "title": ev.title,
                "held_on": day,
                "banks": bank_list,
                "firms": [f.pk for f in firm_list],
                "firm_count": count,
                "ledger_activity": ev.ledger_activity_id,
            },
        )
    return ev


def link_matchmaking_to_ledger() -> str:
    """Daily job: an event recorded before its year's ledger plan existed is put on the
    ledger once the plan is there, in the name of whoever recorded it. Events that cannot
    be linked (no file for the ledger, recorder no longer allowed) stay listed as 未计入工作台账
    on the events page and are reported here."""
    from xinyong.ledger.models import Plan

    years = list(Plan.objects.values_list("year", flat=True))
    pending = MatchmakingEvent.objects.filter(
        ledger_activity__isnull=True, held_on__year__in=years
    ).order_by("held_on", "id")
    linked, failed = 0, []
    for ev in pending.select_related("recorded_by"):
        if not may_record_matchmaking(ev.recorded_by):
            failed.append(f"{ev.held_on:%Y-%m-%d} {ev.title}（录入人已无登记权限）")
            continue
        try:
            with transaction.atomic():
                activity = _link_ledger(
                    ev, actor=ev.recorded_by, evidence_file=ev.evidence_file or None
                )
                if activity is None:
                    continue
                ev.ledger_activity = activity
                ev.save(update_fields=["ledger_activity", "updated_at"])
                record_event(
                    actor=None,
                    action="finance.matchmaking_ledger_linked",
                    target_type="finance.MatchmakingEvent",
                    target_id=ev.pk,
                    target_repr=f"{ev.held_on:%Y-%m-%d} {ev.title}",
                    new={"ledger_activity": activity.pk},
                )
            linked += 1
        except (DomainError, OSError) as exc:
            reason = getattr(exc, "message", "") or "佐证材料文件无法读取"
            failed.append(f"{ev.held_on:%Y-%m-%d} {ev.title}（{reason}）")
        finally:
            if ev.evidence_file:
                ev.evidence_file.close()
    if not linked and not failed:
        return ""
    text = f"银企对接活动计入工作台账 {linked} 场"
    if failed:
        text += f"，未能计入 {len(failed)} 场：" + "；".join(failed[:5])
    return text
