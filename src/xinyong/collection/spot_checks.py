"""Spot checks of published information (2023 北关区 work plan, task 4: 开展部门公示信息抽查).

The credit office draws, for one month, a sample of each unit's 十公示 records (the types
with a reporting deadline, `selectors.deadline_types`) reported in that month, judges
each sampled record 合格 or 不合格 with the problems found, the unit replies how it
rectified (整改), and the office confirms the rectification or returns it.

The draw (reproducible, auditable):

- pool = {unit id: sorted ids of the unit's active records of those types reported in
  the month}, stored with the check;
- seed = 16 random bytes as 32 hex characters, stored with the check;
- rank(record) = HMAC-SHA256(key = the seed's text, message = the record id in decimal);
- each unit's sample = its `per_unit` records of lowest rank, or all of them when it has
  fewer. `verify_sample` re-draws from the stored seed and pool and compares.

The seed is chosen by the platform, never by the person drawing (a chosen seed could be
tried until it spares a unit); `seed=` exists for tests and re-enactment only.

One write path: every change goes through the functions below, each in one transaction
with one event (`core.audit.record_event`). A reply does not change the record: the unit
corrects it by sending it again (the correction path of the pipeline).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import clean_text
from xinyong.orgs import permissions
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord

from .models import PROBLEM_KINDS, PROBLEM_LABELS, SpotCheck, SpotCheckItem
from .selectors import Period, deadline_types, parse_period, percent, reported_records

Verdict = SpotCheckItem.Verdict
Rect = SpotCheckItem.Rectification

DEFAULT_PER_UNIT = 5
MAX_PER_UNIT = 100
MAX_TEXT = 2000
# Roles that see spot checks at all: the office and leaders all of them, a unit's staff
# their own unit's items. Banks and the organisation department see none (internal work).
READER_ROLES = (Role.CREDIT_ADMIN, Role.LEADER, Role.REPORTER, Role.REVIEWER)


# ------------------------------------------------------------------ the draw


def rank(seed: str, record_id: int) -> str:
    return hmac.new(seed.encode("ascii"), str(int(record_id)).encode(), hashlib.sha256).hexdigest()


def compute_sample(
    seed: str, pool: Mapping[Any, Iterable[int]], per_unit: int
) -> dict[int, list[int]]:
    """{unit id: sampled record ids in rank order}; a pure function of its arguments."""
    out: dict[int, list[int]] = {}
    for unit_id, ids in pool.items():
        ranked = sorted({int(i) for i in ids}, key=lambda i: (rank(seed, i), i))
        if ranked:
            out[int(unit_id)] = ranked[:per_unit]
    return out


def pool_of(period: Period) -> dict[int, list[int]]:
    """Each unit's active 十公示 records reported in the month, by the unit itself: what the
    city platform pushed down is not the unit's publication to answer for."""
    pool: dict[int, list[int]] = defaultdict(list)
    rows = (
        reported_records()
        .filter(
            record_type__in=deadline_types(),
            reported_on__gte=period.start,
            reported_on__lte=period.end,
            status=CreditRecord.Status.ACTIVE,
        )
        .order_by("source_unit_id", "id")
        .values_list("source_unit_id", "id")
    )
    for unit_id, record_id in rows:
        pool[int(unit_id)].append(int(record_id))
    return dict(pool)


def _per_unit_arg(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("每单位抽查条数应为整数。") from None
    if not 1 <= number <= MAX_PER_UNIT:
        raise DomainError(f"每单位抽查条数应在 1 到 {MAX_PER_UNIT} 之间。")
    return number


def _period_arg(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def draw(
    *,
    actor: Any,
    period: Period | str,
    per_unit: Any = DEFAULT_PER_UNIT,
    note: str = "",
    seed: str | None = None,
    today: date | None = None,
) -> SpotCheck:
    """Draw the month's sample. Only the credit office (or the operator's CLI, actor None);
    a month once drawn is not drawn again; only ended months (a sample of a month in
    progress would spare everything reported after the draw)."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    period = _period_arg(period)
    size = _per_unit_arg(per_unit)
    note = clean_text(note, "说明", required=False, limit=300)
    today = today or timezone.localdate()
    if period.end >= today:
        raise DomainError(f"{period.label}尚未结束，月份结束后才能抽查该月公示的信息。")
    existing = SpotCheck.objects.filter(period=period.key).first()
    if existing is not None:
        raise DomainError(
            f"{period.label}已于 {timezone.localtime(existing.drawn_at):%Y-%m-%d} 抽取过"
            f"（抽查编号 {existing.pk}），同一月份不能重复抽取。"
        )
    pool = pool_of(period)
    if not pool:
        raise DomainError(f"{period.label}没有可抽查的公示信息（十公示信息均未报送）。")
    seed = seed or secrets.token_hex(16)
    sample = compute_sample(seed, pool, size)
    types = [rt.code for rt in deadline_types()]
    try:
        with transaction.atomic():
            check = SpotCheck.objects.create(
                period=period.key,
                per_unit=size,
                seed=seed,
                record_types=types,
                pool={str(k): v for k, v in pool.items()},
                pool_size=sum(len(v) for v in pool.values()),
                note=note,
                drawn_by=actor if getattr(actor, "pk", None) else None,
                drawn_at=timezone.now(),
            )
            SpotCheckItem.objects.bulk_create(
                SpotCheckItem(spot_check=check, period=period.key, record_id=rid, unit_id=uid)
                for uid, ids in sample.items()
                for rid in ids
            )
            record_event(
                actor=actor,
                action="collection.spot_check.draw",
                target_type="collection.SpotCheck",
                target_id=check.pk,
                target_repr=str(check),
                new={
                    "period": period.key,
                    "per_unit": size,
                    "seed": seed,
                    "pool_size": check.pool_size,
                    "units": len(sample),
                    "sampled": sum(len(v) for v in sample.values()),
                },
            )
    except IntegrityError:
        # Two draws of the same month at once: the unique period lets one through.
        raise DomainError(f"{period.label}已抽取过，同一月份不能重复抽取。") from None
    return check


def verify_sample(check: SpotCheck) -> bool:
    """Whether the stored items are exactly the sample the stored seed draws from the
    stored pool."""
    expected = compute_sample(check.seed, check.pool or {}, check.per_unit)
    stored: dict[int, set[int]] = defaultdict(set)
    for unit_id, record_id in check.items.values_list("unit_id", "record_id"):
        stored[int(unit_id)].add(int(record_id))
    return {k: set(v) for k, v in expected.items()} == dict(stored)


# ------------------------------------------------------------------ reads


def can_read(user: Any) -> bool:
    role = permissions.role_of(user)
    if role in (Role.REPORTER, Role.REVIEWER):
        return getattr(user, "unit_id", None) is not None
    return role in READER_ROLES


def _require_reader(user: Any) -> None:
    if permissions.role_of(user) is None:
        raise NotPermitted("请先登录，或账号已停用。")
    if not can_read(user):
        raise NotPermitted("公示信息抽查仅供信用办、领导和被抽查单位查看。")


def _sees_pending(reader: Any) -> bool:
    """A unit learns which of its records were drawn only once they are judged: knowing
    the sample beforehand it could correct just those records before the check."""
    return permissions.role_of(reader) not in (Role.REPORTER, Role.REVIEWER)


def items_for(reader: Any) -> QuerySet[SpotCheckItem]:
    """The items `reader` may see: every item for the office and leaders, the own unit's
    judged items for a unit's staff, none for anyone else."""
    qs = SpotCheckItem.objects.select_related(
        "spot_check", "unit", "record", "record__record_type", "record__subject"
    )
    if not can_read(reader):
        return qs.none()
    if not _sees_pending(reader):
        qs = qs.exclude(verdict=Verdict.PENDING)
    return permissions.scope_to_user_units(reader, qs, "unit")


def checks_for(reader: Any) -> QuerySet[SpotCheck]:
    """Checks with items the reader may see (a unit: the checks with a judged item of
    its own)."""
    if not can_read(reader):
        return SpotCheck.objects.none()
    qs = SpotCheck.objects.all()
    ids = permissions.readable_unit_ids(reader)
    if ids is not None:
        # One filter() call: both conditions hold for the same item.
        qs = qs.filter(
            items__unit_id__in=sorted(ids), items__verdict__in=[Verdict.PASSED, Verdict.FAILED]
        ).distinct()
    return qs.order_by("-period")


def _pk(value: Any, missing: str) -> int:
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        raise NotFoundError(missing) from None
    if pk <= 0 or pk > 2**62:
        raise NotFoundError(missing)
    return pk


def get_check(reader: Any, pk: Any) -> SpotCheck:
    _require_reader(reader)
    check = checks_for(reader).filter(pk=_pk(pk, "未找到该抽查。")).first()
    if check is None:
        raise NotFoundError("未找到该抽查。")
    return check


def get_item(reader: Any, pk: Any) -> SpotCheckItem:
    _require_reader(reader)
    item = items_for(reader).filter(pk=_pk(pk, "未找到该抽查条目。")).first()
    if item is None:
        raise NotFoundError("未找到该抽查条目。")
    return item


@dataclass
class SpotStats:
    """A unit's (or the district's) figures of one check."""

    sampled: int = 0
    passed: int = 0
    failed: int = 0
    replied: int = 0
    confirmed: int = 0

    @property
    def pending(self) -> int:
        return self.sampled - self.passed - self.failed

    @property
    def pass_rate(self) -> Decimal | None:
        # Over the items judged: a sample still being checked is not yet a failure.
        return percent(self.passed, self.passed + self.failed)

    def add(self, other: SpotStats) -> None:
        self.sampled += other.sampled
        self.passed += other.passed
        self.failed += other.failed
        self.replied += other.replied
        self.confirmed += other.confirmed

    def as_json(self) -> dict[str, Any]:
        rate = self.pass_rate
        return {
            "sampled": self.sampled,
            "passed": self.passed,
            "failed": self.failed,
            "pending": self.pending,
            "pass_rate": None if rate is None else str(rate),
            "replied": self.replied,
            "confirmed": self.confirmed,
        }


def stats_by_unit(items: QuerySet[SpotCheckItem]) -> dict[int, SpotStats]:
    out: dict[int, SpotStats] = {}
    for row in (
        items.values("unit_id")
        .annotate(
            n=Count("id"),
            passed=Count("id", filter=Q(verdict=Verdict.PASSED)),
            failed=Count("id", filter=Q(verdict=Verdict.FAILED)),
            replied=Count("id", filter=Q(rectification=Rect.REPLIED)),
            confirmed=Count("id", filter=Q(rectification=Rect.CONFIRMED)),
        )
        .order_by()
    ):
        out[int(row["unit_id"])] = SpotStats(
            row["n"], row["passed"], row["failed"], row["replied"], row["confirmed"]
        )
    return out


def period_stats(period: Period) -> dict[int, SpotStats]:
    """{unit id: figures} of the check of the month (the 通报's columns); units not
    sampled are absent."""
    return stats_by_unit(SpotCheckItem.objects.filter(period=period.key))


def totals(stats: Iterable[SpotStats]) -> SpotStats:
    total = SpotStats()
    for s in stats:
        total.add(s)
    return total


# ------------------------------------------------------------------ verdicts and 整改


def parse_problems(values: Any) -> list[str]:
    """Problem codes from codes or Chinese labels, in the fixed list's order; an unknown
    value is refused by name."""
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").replace("、", ",").split(",")]
    if not isinstance(values, list | tuple):
        raise DomainError("问题类型应为列表。")
    by_label = {label: code for code, label in PROBLEM_KINDS}
    chosen: set[str] = set()
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        code = text if text in PROBLEM_LABELS else by_label.get(text)
        if code is None:
            allowed = "、".join(label for _code, label in PROBLEM_KINDS)
            raise DomainError(f"未知的问题类型“{text[:30]}”，可选：{allowed}。")
        chosen.add(code)
    return [code for code, _label in PROBLEM_KINDS if code in chosen]


def _locked(item: SpotCheckItem) -> SpotCheckItem:
    return SpotCheckItem.objects.select_for_update().select_related("unit").get(pk=item.pk)


def _snapshot(item: SpotCheckItem) -> dict[str, Any]:
    return {
        "verdict": item.verdict,
        "problems": list(item.problems or []),
        "rectification": item.rectification,
    }


def _event(actor: Any, action: str, item: SpotCheckItem, old: Any, new: Any) -> None:
    record_event(
        actor=actor,
        action=f"collection.spot_check.{action}",
        target_type="collection.SpotCheckItem",
        target_id=item.pk,
        target_repr=f"{item.unit.name} {item.period} 抽查条目 {item.pk}",
        old=old,
        new=new,
    )


def record_verdict(
    *, actor: Any, item: SpotCheckItem, verdict: Any, problems: Any = (), note: Any = ""
) -> SpotCheckItem:
    """The office's verdict on one sampled record; it may be changed until the unit has
    replied."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    value = str(verdict or "").strip()
    labels = {label: code for code, label in Verdict.choices}
    value = labels.get(value, value)
    if value not in (Verdict.PASSED, Verdict.FAILED):
        raise DomainError("核查结论只能是“合格”或“不合格”。")
    codes = parse_problems(list(problems) if isinstance(problems, tuple) else problems)
    if value == Verdict.FAILED and not codes:
        raise DomainError("结论为不合格时，请至少选择一个问题类型。")
    if value == Verdict.PASSED and codes:
        raise DomainError("结论为合格时不能选择问题类型。")
    text = clean_text(note, "核查意见", required=False, limit=MAX_TEXT)
    with transaction.atomic():
        item = _locked(item)
        if item.rectification in (Rect.REPLIED, Rect.CONFIRMED, Rect.RETURNED):
            raise DomainError("单位已回复整改情况，不能再更改核查结论。")
        old = _snapshot(item)
        item.verdict = value
        item.problems = codes
        item.note = text
        item.checked_by = actor if getattr(actor, "pk", None) else None
        item.checked_at = timezone.now()
        item.rectification = Rect.AWAITING if value == Verdict.FAILED else ""
        item.save()
        _event(actor, "verdict", item, old, {**_snapshot(item), "note": text})
    return item


def require_replier(actor: Any, item: SpotCheckItem) -> None:
    """Only the sampled unit's reporter or reviewer replies (actor None: the system)."""
    if actor is None:
        return
    role = permissions.role_of(actor)
    if role is None:
        raise NotPermitted("请先登录，或账号已停用。")
    if role in (Role.REPORTER, Role.REVIEWER) and actor.unit_id == item.unit_id:
        return
    if role == Role.CREDIT_ADMIN:
        raise NotPermitted("整改情况由被抽查单位的填报员或审核员回复。")
    raise NotPermitted(f"无权回复“{item.unit.name}”的抽查条目。")


def reply(*, actor: Any, item: SpotCheckItem, text: Any) -> SpotCheckItem:
    """The unit's account of how it rectified a 不合格 record (again after a return)."""
    require_replier(actor, item)
    body = clean_text(text, "整改情况", limit=MAX_TEXT)
    with transaction.atomic():
        item = _locked(item)
        if item.verdict != Verdict.FAILED:
            raise DomainError("只有核查结论为不合格的条目需要回复整改情况。")
        if item.rectification == Rect.REPLIED:
            raise DomainError("已回复整改情况，正在等待信用办确认，不能重复回复。")
        if item.rectification == Rect.CONFIRMED:
            raise DomainError("该条目已确认整改完成，无需再回复。")
        old = _snapshot(item)
        item.reply = body
        item.replied_at = timezone.now()
        item.replied_by = actor if getattr(actor, "pk", None) else None
        item.rectification = Rect.REPLIED
        item.save()
        _event(actor, "reply", item, old, {**_snapshot(item), "reply": body})
    return item


def confirm(*, actor: Any, item: SpotCheckItem, accepted: bool, reason: Any = "") -> SpotCheckItem:
    """The office accepts the unit's rectification (整改完成) or returns it with a reason."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    why = clean_text(reason, "退回理由", required=not accepted, limit=MAX_TEXT)
    with transaction.atomic():
        item = _locked(item)
        if item.rectification == Rect.CONFIRMED:
            raise DomainError("该条目已确认整改完成。")
        if item.rectification != Rect.REPLIED:
            if item.verdict != Verdict.FAILED:
                raise DomainError("该条目核查合格或尚未核查，无需整改确认。")
            raise DomainError("单位尚未回复整改情况，不能确认。")
        old = _snapshot(item)
        item.rectification = Rect.CONFIRMED if accepted else Rect.RETURNED
        item.review_reason = why
        item.reviewed_at = timezone.now()
        item.reviewed_by = actor if getattr(actor, "pk", None) else None
        item.save()
        _event(
            actor,
            "confirm" if accepted else "return",
            item,
            old,
            {**_snapshot(item), "reason": why},
        )
    return item
