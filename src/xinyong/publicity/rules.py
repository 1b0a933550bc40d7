"""How a record's publicity window is derived from the catalogue's policies (DOMAIN.md §5).

Pure decision logic, no writes: `decide(facts)` turns the few facts of a record that
matter (type, dates, sector, penalty kinds, fine, party kind, severity hint) into the
window's values. The services call it once per distinct combination of facts, so a
batch of a million records costs as many decisions as it has distinct combinations.

Rules implemented (each cites its source):
- The rule in force on the decision date governs the record (58号令 art. on 起算; the
  catalogue's `policy_in_force`).
- Sector rules are their own policies (`PublicityPolicy.sector`). A record belongs to a
  sector when its deciding or source unit, or its 违法行为类型 / 处罚依据, names it
  (SECTOR_KEYWORDS). The special-domain sectors of 58号令 (特种设备、安全生产、消防) are
  tried before the unit sector 市场监管 because they are the narrower rule.
- Within a sector rule that classes penalties by kind (总局令45号): a warning alone is
  not published; 通报批评 or a lower fine falls in the 3-month class; anything else in the
  other class. Several kinds in one decision: the longest period wins (58号令).
- Henan art. 19: dishonesty information is disclosed at most 5 years (upper bound),
  except while the subject stays on a list (失信被执行人: the court's list decides).
- Types without a publicity policy: registration information and trust information
  (守信, 河南条例 art. 19 "may stay public long-term") stay public without end; court
  lists (失信被执行人) stay public while the court keeps the entry (no end date — the
  record is withdrawn when the court removes it); neutral acts stay public without end.

Month arithmetic (`add_months`): the same day of the month N months later, clamped to
the last day of a shorter month (2026-01-31 + 1 month = 2026-02-28). A period of N months
counted from a day ends on `add_months(start, N)` (民法典 arts. 201/202: the start day is
not counted, the period ends on the corresponding day). So `ends_on` — the last day on
which the record is public — is `add_months(start, max)`, and `repair_from` — the first
day on which repair may be asked, after the minimum — is `add_months(start, min) + 1 day`
(decided 2026-03-10, 3 months minimum: last day 06-10, repair from 06-11).
"""

from __future__ import annotations

import calendar as _pycalendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.conf import settings

from xinyong.catalog.fieldspec import SIMPLE_PROCEDURE
from xinyong.catalog.models import (
    Category,
    CountedFrom,
    Nature,
    PublicityPolicy,
    RecordType,
    Severity,
    Sharing,
)
from xinyong.catalog.selectors import policy_in_force, severity_key
from xinyong.core.errors import DomainError

# 河南条例 art. 19: dishonesty information is disclosed for at most 5 years.
HENAN_MAX_DISCLOSURE_MONTHS = 60

# Which words in a unit's name or a record's 违法行为类型 / 处罚依据 place it in a sector
# with its own publicity rule. Order matters: the narrower 58号令 domains come first.
SECTOR_KEYWORDS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    # (sector, keywords, unit names only?)
    ("特种设备", ("特种设备",), False),
    ("安全生产", ("安全生产", "应急管理"), False),
    ("消防", ("消防",), False),
    ("市场监管", ("市场监督管理", "市场监管"), True),
)

# Labels of the penalty fields whose text is searched for a sector.
SECTOR_TEXT_LABELS = ("违法行为类型", "处罚依据")

# 总局令45号 classes penalties by kind: a warning alone is not published, 通报批评 or a
# lower fine ("较低数额罚款") is the 3-month class.
WARNING = "警告"
MINOR_KINDS = frozenset({"警告", "通报批评"})
FINE = "罚款"

# 总局令45号 leaves "较低数额罚款" to local rules and we found no Henan figure. Assumption
# (documented in docs/publicity.md): a fine is "lower" when it is below the 较大数额罚款
# thresholds of the 市场监管 hearing rules — under 1万元 for a natural person, under
# 10万元 for an organisation. Amounts in 万元, as CF_NR_FK carries them. Override with
# the setting PUBLICITY_SMALL_FINE_WAN.
DEFAULT_SMALL_FINE_WAN = {"自然人": "1", "其他": "10"}

# 国家发展改革委令第36号《信用修复管理办法》 (in force 2026-04-01) classes dishonesty
# information as 轻微 / 一般 / 严重 and names what each mainly covers: 轻微 — penalties
# decided under the 简易程序, 警告, 通报批评; 严重 — 吊销许可证件, 限制从业 (and the
# serious-dishonesty lists, which are their own record types here). The deciding
# authority's own class (CF_SXCD 失信程度) always wins; without it, a decision from that
# day on is classed by these, and anything else is 一般 (the type's default policy).
# Amount-based classes (较小 / 较大数额 / 巨额罚款) need sector thresholds we do not have, so
# a fine alone stays 一般. Settings PUBLICITY_KIND_CLASSES (penalty kind → 轻微/严重) and
# PUBLICITY_KIND_CLASSES_FROM (ISO date) override both.
DEFAULT_KIND_CLASSES = {
    "警告": "轻微",
    "通报批评": "轻微",
    "吊销许可证件": "严重",
    "限制从业": "严重",
}
DEFAULT_KIND_CLASSES_FROM = date(2026, 4, 1)


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = _pycalendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def small_fine_limit(party_kind: str) -> Decimal:
    table = {**DEFAULT_SMALL_FINE_WAN, **getattr(settings, "PUBLICITY_SMALL_FINE_WAN", {})}
    key = "自然人" if party_kind == "自然人" else "其他"
    return Decimal(str(table[key]))


def kind_classes() -> tuple[date, dict[str, str]]:
    start = getattr(settings, "PUBLICITY_KIND_CLASSES_FROM", None)
    table = getattr(settings, "PUBLICITY_KIND_CLASSES", None)
    return (
        date.fromisoformat(start) if start else DEFAULT_KIND_CLASSES_FROM,
        dict(DEFAULT_KIND_CLASSES if table is None else table),
    )


def derived_class(facts: Facts) -> str:
    """The 36号令 class of a penalty whose deciding authority gave none ("" = 一般, the
    type's default): see DEFAULT_KIND_CLASSES."""
    start, table = kind_classes()
    if facts.decision_date is None or facts.decision_date < start or not facts.kinds:
        return ""
    if facts.procedure == SIMPLE_PROCEDURE:
        return "轻微"
    classes = {table.get(kind, "") for kind in facts.kinds}
    if "严重" in classes:
        return "严重"
    if classes == {"轻微"}:
        return "轻微"
    return ""


@dataclass(frozen=True)
class Facts:
    """What the window of one record depends on (the grouping key of a batch)."""

    record_type_id: int
    decision_date: date | None
    reported_on: date | None
    sectors: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    fine_wan: str = ""
    party_kind: str = ""
    severity_hint: str = ""
    procedure: str = ""


@dataclass(frozen=True)
class Decision:
    policy_id: int | None
    severity: str
    is_published: bool
    not_published_reason: str
    starts_on: date | None
    repair_from: date | None
    ends_on: date | None
    explanation: str

    def as_fields(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id,
            "severity": self.severity,
            "is_published": self.is_published,
            "not_published_reason": self.not_published_reason,
            "starts_on": self.starts_on,
            "repair_from": self.repair_from,
            "ends_on": self.ends_on,
            "explanation": self.explanation,
        }


def detect_sectors(texts: list[str], unit_names: list[str]) -> tuple[str, ...]:
    return _detect_sectors(tuple(texts), tuple(unit_names))


@lru_cache(maxsize=65536)
def _detect_sectors(texts: tuple[str, ...], unit_names: tuple[str, ...]) -> tuple[str, ...]:
    found: list[str] = []
    for sector, words, units_only in SECTOR_KEYWORDS:
        haystacks = unit_names if units_only else [*unit_names, *texts]
        if any(w in h for w in words for h in haystacks if h):
            found.append(sector)
    return tuple(found)


def _fine(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value not in ("", None) else None
    except (InvalidOperation, ValueError):
        return None


def kind_class(kind: str, facts: Facts) -> str | None:
    """The 总局令45号 class of one penalty kind; None for "other" (the sector's longest)."""
    if kind == WARNING:
        return Severity.UNPUBLISHED
    if kind in MINOR_KINDS:
        return Severity.MINOR
    if kind == FINE:
        amount = _fine(facts.fine_wan)
        if amount is not None and amount < small_fine_limit(facts.party_kind):
            return Severity.MINOR
    return None


def _window_from_policy(policy: PublicityPolicy, facts: Facts, *, dishonest: bool) -> Decision:
    label = Severity(policy.severity).label if policy.severity in Severity.values else ""
    # A longest period of 0 months: not published (36号令: 轻微失信信息原则上不予公示).
    if policy.severity == Severity.UNPUBLISHED or policy.max_months == 0:
        return Decision(
            policy_id=policy.pk,
            severity=policy.severity,
            is_published=False,
            not_published_reason=f"依据{policy.document}，{policy.name.split('·')[-1]}"
            + (
                "的信息不予公示。"
                if policy.severity == Severity.UNPUBLISHED
                else "原则上不予公示。"
            ),
            starts_on=None,
            repair_from=None,
            ends_on=None,
            explanation=f"适用《{policy.name}》：{policy.notes or policy.legal_basis}",
        )
    from_publication = policy.counted_from == CountedFrom.PUBLICATION_DATE
    start = facts.reported_on if from_publication else facts.decision_date
    start = start or facts.decision_date
    assert start is not None
    ends = add_months(start, policy.max_months)
    notes = [
        f"适用《{policy.name}》（{policy.document}），失信程度：{label}；"
        f"自{'公示之日' if from_publication else '决定日期'} {start.isoformat()} 起算，"
        f"最长公示 {policy.max_months} 个月。"
    ]
    if not policy.min_months:
        repair_from = start
        notes.append("该规则未规定最短公示期：履行法定责任义务后即可申请信用修复。")
    else:
        # add_months gives the minimum's last day (民法典 arts. 201/202, as for ends_on):
        # repair may be asked for from the day after it.
        repair_from = add_months(start, policy.min_months) + timedelta(days=1)
        notes.append(f"最短公示期 {policy.min_months} 个月，期满后可申请信用修复。")
    if dishonest and facts.decision_date:
        cap = add_months(facts.decision_date, HENAN_MAX_DISCLOSURE_MONTHS)
        if cap < ends:
            ends = cap
            notes.append("《河南省社会信用条例》第十九条：失信信息披露期限最长5年。")
    return Decision(
        policy_id=policy.pk,
        severity=policy.severity,
        is_published=True,
        not_published_reason="",
        starts_on=start,
        repair_from=min(repair_from, ends),
        ends_on=ends,
        explanation="".join(notes),
    )


def _longest(decisions: list[Decision]) -> Decision:
    published = [d for d in decisions if d.is_published]
    if not published:
        return decisions[0]
    return max(published, key=lambda d: (d.ends_on or date.max, d.repair_from or date.min))


def _unpublished(reason: str, *, severity: str = "") -> Decision:
    return Decision(None, severity, False, reason, None, None, None, reason)


def _no_policy(rt: RecordType, facts: Facts, why: str = "") -> Decision:
    start = facts.decision_date
    prefix = f"{why}" if why else ""
    if rt.category == Category.SERIOUS_DISHONESTY:
        text = (
            "名单类信息：纳入与移出由作出认定的机关（失信被执行人为人民法院）决定，"
            "在名单期间持续公示，不适用行政处罚信息公示期限；移出名单时撤销公示"
            "（《河南省社会信用条例》第十九条：主体仍在惩戒名单内的，披露期限可延长）。"
        )
        return Decision(None, "", True, "", start, None, None, prefix + text)
    if rt.category == Category.REGISTRATION:
        text = "登记注册基本信息依法长期公示，不设公示截止日期（《企业信息公示暂行条例》）。"
        return Decision(None, "", True, "", start, None, None, prefix + text)
    if rt.nature == Nature.TRUST:
        text = "守信信息可以长期公开，不设公示截止日期（《河南省社会信用条例》第十九条）。"
        return Decision(None, "", True, "", start, None, None, prefix + text)
    if rt.nature == Nature.DISHONEST and start is not None:
        ends = add_months(start, HENAN_MAX_DISCLOSURE_MONTHS)
        text = "没有适用的公示期限政策：按《河南省社会信用条例》第十九条，失信信息披露期限最长5年。"
        return Decision(None, "", True, "", start, start, ends, prefix + text)
    text = "中性信息：相关规定未设公示期限，持续公示。"
    return Decision(None, "", True, "", start, None, None, prefix + text)


class Decider:
    """Decides windows with per-run caches (record types and policies)."""

    def __init__(self) -> None:
        self._types: dict[int, RecordType] = {}
        self._cache: dict[Facts, Decision] = {}
        self._policies: dict[tuple[Any, ...], PublicityPolicy | None] = {}
        # policy_in_force's answer only changes where a policy starts or ends: key its
        # cache by the set of policies in force on the day, not by the day.
        self._intervals = list(
            PublicityPolicy.objects.filter(active=True).values_list(
                "pk", "effective_from", "effective_to"
            )
        )
        self._in_force: dict[date, tuple[int, ...]] = {}
        self._windows: dict[tuple[Any, ...], Decision] = {}

    def record_type(self, pk: int) -> RecordType:
        if pk not in self._types:
            self._types[pk] = RecordType.objects.select_related("default_policy").get(pk=pk)
        return self._types[pk]

    def _policy(
        self, rt: RecordType, day: date, severity: str | None, sector: str
    ) -> PublicityPolicy | None:
        if day not in self._in_force:
            self._in_force[day] = tuple(
                pk
                for pk, start, end in self._intervals
                if start <= day and (end is None or day <= end)
            )
        key = (rt.pk, self._in_force[day], severity, sector)
        if key not in self._policies:
            try:
                self._policies[key] = policy_in_force(
                    record_type=rt, decision_date=day, severity=severity, sector=sector
                )
            except DomainError:
                self._policies[key] = None
        return self._policies[key]

    def decide(self, facts: Facts) -> Decision:
        if facts not in self._cache:
            self._cache[facts] = self._decide(facts)
        return self._cache[facts]

    def _decide(self, facts: Facts) -> Decision:
        rt = self.record_type(facts.record_type_id)
        if rt.sharing != Sharing.PUBLIC:
            return _unpublished(
                f"信息类别“{rt.name}”的共享属性为“{rt.get_sharing_display()}”，"
                "依公共信用信息目录不向社会公开。"
            )
        day = facts.decision_date
        if day is None:
            return _unpublished("缺少决定日期，无法确定适用的公示期限规则，暂不公示。")
        dishonest = rt.nature == Nature.DISHONEST
        if rt.default_policy_id is None and not facts.severity_hint:
            return _no_policy(rt, facts)
        # The deciding authority's stated class (22号 / 36号令) wins over the sector's
        # own classing, when a policy of that class is in force on the decision date.
        if facts.severity_hint:
            stated = self._policy(rt, day, facts.severity_hint, "")
            if stated is not None and stated.severity == severity_key(facts.severity_hint):
                return self._window(stated, facts, dishonest=dishonest)
        # Sector rules (penalty kinds only matter there).
        for sector in facts.sectors:
            probe = self._policy(rt, day, None, sector)
            if probe is None or sector not in probe.sectors():
                continue
            kinds = facts.kinds or ("",)
            decisions = []
            for kind in kinds:
                cls = kind_class(kind, facts) if kind else None
                policy = self._policy(rt, day, cls, sector) if cls else probe
                if policy is None or sector not in policy.sectors():
                    policy = probe
                decisions.append(self._window(policy, facts, dishonest=dishonest))
            return _longest(decisions)
        hint = facts.severity_hint or derived_class(facts) or None
        policy = self._policy(rt, day, hint, "")
        if policy is None and hint:
            policy = self._policy(rt, day, None, "")
        if policy is None:
            return _no_policy(rt, facts, why=f"{day.isoformat()} 没有施行中的公示期限政策。")
        return self._window(policy, facts, dishonest=dishonest)

    def _window(self, policy: PublicityPolicy, facts: Facts, *, dishonest: bool) -> Decision:
        # A policy's window reads only these facts: many records that differ in others
        # (fine, party kind, sector words) share it.
        key = (policy.pk, facts.decision_date, facts.reported_on, dishonest)
        if key not in self._windows:
            self._windows[key] = _window_from_policy(policy, facts, dishonest=dishonest)
        return self._windows[key]
