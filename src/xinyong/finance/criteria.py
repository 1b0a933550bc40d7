"""Eligibility criteria as data, shared by the 信易贷 white list and the 信易+ scenarios.

A criteria set is a JSON object; every key is optional and an absent key is no
condition. No official white-list rule was found (DOMAIN.md §12), so the conditions are
data that the credit office edits, each explained in Chinese per subject:

- ``subject_kinds``: ["org", "individual_business", "person"] (subjects.SubjectKind);
- ``uscc_categories``: two-character GB 32100 prefixes, e.g. ["91", "92", "93"]
  (企业、个体工商户、农民专业合作社); subjects without a USCC fail it;
- ``region_codes``: six-digit GB/T 2260 codes; the word "district" stands for
  settings.XINYONG_REGION_CODE (registered in the district);
- ``grades``: allowed letters, e.g. ["A", "B"] (supervision.SubjectGrade today; on a
  past day the grade of that day from the GradeChange history,
  `supervision.grading.grades_on`);
  ``allow_ungraded``: whether a subject without a grade passes (default false);
- ``excluded_list_kinds``: list kinds (sanctions.ListType.Kind) whose entry in force on
  the day excludes, e.g. ["serious", "abnormal"];
  ``required_list_kinds``: kinds one of which must be in force, e.g. ["red"];
- ``no_penalty_months``: no 行政处罚 decided within this many months before the day
  (``penalty_record_types`` default ["XZCF"]); a penalty whose publicity ended by
  credit repair does not count (信用修复 restores the subject, 国办发〔2025〕22号); an
  unpublished one (a warning alone, 总局令45号) does, without being disclosed to banks
  (Reason.public);
- ``min_years_registered``: registered (subjects.registered_on) at least this many years;
- ``excluded_sector_keywords`` / ``included_sector_keywords``: words matched against the
  name and, where collected, the 企业类型 and 经营范围 of the latest 登记注册基本信息;
- ``excluded_registration_status``: e.g. ["注销", "吊销"], matched against 登记状态.

`evaluate_many` is set-based: a fixed number of queries whatever the number of subjects
(thousands in a second or two), so that a screening run and an API check share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from xinyong.core.errors import DomainError
from xinyong.subjects.models import IdentifierType, Subject, SubjectKind

GRADE_LETTERS = ("A", "B", "C", "D")
LIST_KINDS = {
    "serious": "严重失信主体名单",
    "abnormal": "经营异常名录",
    "watch": "重点关注名单",
    "red": "红名单",
}
KNOWN_KEYS = frozenset(
    {
        "subject_kinds",
        "uscc_categories",
        "region_codes",
        "grades",
        "allow_ungraded",
        "excluded_list_kinds",
        "required_list_kinds",
        "no_penalty_months",
        "penalty_record_types",
        "min_years_registered",
        "excluded_sector_keywords",
        "included_sector_keywords",
        "excluded_registration_status",
    }
)
REGISTRATION_TYPE = "DJZC"
_KIND_LABELS = dict(SubjectKind.choices)


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    passed: bool
    text: str
    # What a bank may read of a failed condition. `text` can cite facts that are not
    # public (a 警告-only penalty is never published, 总局令45号), so a bank is told only
    # which condition is no longer met; the two offices read `text`.
    public: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "passed": self.passed,
            "text": self.text,
            "public": self.public,
        }


def _reason(code: str, label: str, passed: bool, text: str, condition: str) -> Reason:
    """A reason whose public form names `condition` (the rule in words) when it fails."""
    return Reason(code, label, passed, text, "" if passed else f"不符合“{condition}”条件")


@dataclass
class Verdict:
    subject_id: int
    grade: str = ""
    reasons: list[Reason] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(r.passed for r in self.reasons)

    @property
    def failed(self) -> list[Reason]:
        return [r for r in self.reasons if not r.passed]

    def reasons_json(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.reasons]

    def summary(self) -> str:
        failed = self.failed
        if not failed:
            return "符合全部条件"
        return "；".join(r.text for r in failed)

    def public_summary(self) -> str:
        """The failed conditions as a bank may read them (see Reason.public)."""
        return "；".join(r.public or f"不符合“{r.label}”条件" for r in self.failed)


# ---------------------------------------------------------------- validation


def _str_list(value: Any, key: str, label: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        raise DomainError(f"准入条件“{label}”（{key}）应为非空文字的列表。")
    return [x.strip() for x in value]


def _int(value: Any, key: str, label: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(f"准入条件“{label}”（{key}）应为 {low}–{high} 之间的整数。")
    return value


def validate(criteria: Any) -> dict[str, Any]:
    """The criteria checked and normalised, or a DomainError naming the bad key."""
    if not isinstance(criteria, Mapping):
        raise DomainError("准入条件应为 JSON 对象。")
    unknown = sorted(set(criteria) - KNOWN_KEYS)
    if unknown:
        raise DomainError(f"不认识的准入条件：{'、'.join(unknown)}。")
    out: dict[str, Any] = {}
    for key, value in criteria.items():
        if value is None:
            continue
        if key == "subject_kinds":
            kinds = _str_list(value, key, "主体类别")
            bad = [k for k in kinds if k not in SubjectKind.values]
            if bad:
                raise DomainError(
                    f"主体类别“{'、'.join(bad)}”无效，应为 {'、'.join(SubjectKind.values)}。"
                )
            out[key] = kinds
        elif key == "uscc_categories":
            cats = [c.upper() for c in _str_list(value, key, "登记类别")]
            if any(len(c) != 2 for c in cats):
                raise DomainError("登记类别应为统一社会信用代码的前两位，如 91、92、93。")
            out[key] = cats
        elif key == "region_codes":
            codes = _str_list(value, key, "注册地")
            if any(c != "district" and not (len(c) == 6 and c.isdigit()) for c in codes):
                raise DomainError("注册地应为6位行政区划代码，或 district（本区）。")
            out[key] = codes
        elif key == "grades":
            grades = [g.upper() for g in _str_list(value, key, "信用等级")]
            if any(g not in GRADE_LETTERS for g in grades):
                raise DomainError("信用等级只能是 A、B、C、D。")
            out[key] = grades
        elif key == "allow_ungraded":
            if not isinstance(value, bool):
                raise DomainError("allow_ungraded 应为 true 或 false。")
            out[key] = value
        elif key in ("excluded_list_kinds", "required_list_kinds"):
            kinds = _str_list(value, key, "名单类别")
            bad = [k for k in kinds if k not in LIST_KINDS]
            if bad:
                raise DomainError(f"名单类别“{'、'.join(bad)}”无效，应为 {'、'.join(LIST_KINDS)}。")
            out[key] = kinds
        elif key == "no_penalty_months":
            out[key] = _int(value, key, "近期无行政处罚（月）", low=1, high=120)
        elif key == "penalty_record_types":
            out[key] = [c.upper() for c in _str_list(value, key, "处罚类信息类别")]
        elif key == "min_years_registered":
            out[key] = _int(value, key, "成立年限", low=1, high=50)
        else:  # keyword lists and registration statuses
            out[key] = _str_list(value, key, "关键词")
    return out


def describe(criteria: Mapping[str, Any]) -> list[str]:
    """The criteria in Chinese, one line each (shown beside rules and scenarios)."""
    c = criteria
    lines = []
    if c.get("subject_kinds"):
        lines.append("主体类别：" + "、".join(_KIND_LABELS.get(k, k) for k in c["subject_kinds"]))
    if c.get("uscc_categories"):
        lines.append("统一社会信用代码前两位：" + "、".join(c["uscc_categories"]))
    if c.get("region_codes"):
        lines.append("注册地：" + "、".join(_region_label(x) for x in c["region_codes"]))
    if c.get("grades"):
        extra = "（未评价的主体可以）" if c.get("allow_ungraded") else ""
        lines.append("信用等级：" + "、".join(c["grades"]) + extra)
    if c.get("excluded_list_kinds"):
        lines.append("未被列入：" + "、".join(LIST_KINDS[k] for k in c["excluded_list_kinds"]))
    if c.get("required_list_kinds"):
        lines.append("须列入：" + "、".join(LIST_KINDS[k] for k in c["required_list_kinds"]))
    if c.get("no_penalty_months"):
        lines.append(f"近 {c['no_penalty_months']} 个月内无行政处罚（已信用修复的除外）")
    if c.get("min_years_registered"):
        lines.append(f"成立满 {c['min_years_registered']} 年")
    if c.get("excluded_sector_keywords"):
        lines.append("排除行业：" + "、".join(c["excluded_sector_keywords"]))
    if c.get("included_sector_keywords"):
        lines.append("限于行业：" + "、".join(c["included_sector_keywords"]))
    if c.get("excluded_registration_status"):
        lines.append("登记状态不为：" + "、".join(c["excluded_registration_status"]))
    return lines or ["无限制条件"]


def _region_label(code: str) -> str:
    return f"本区（{settings.XINYONG_REGION_CODE}）" if code == "district" else code


# ---------------------------------------------------------------- evaluation


def _months_before(day: date, months: int) -> date:
    from xinyong.sanctions.lists import add_months

    return add_months(day, -months)


def counted_penalties(records: QuerySet[Any], c: Mapping[str, Any], on: date) -> QuerySet[Any]:
    """Of `records`, the penalties the no-penalty condition counts on `on`: the record
    types named, in force, decided within `no_penalty_months` before `on`, not repaired.
    One definition for screening and for narrowing a 信易+ answer to its reader."""
    from xinyong.records.models import CreditRecord

    return records.filter(
        record_type__code__in=c.get("penalty_record_types", ["XZCF"]),
        status=CreditRecord.Status.ACTIVE,
        decision_date__gt=_months_before(on, int(c["no_penalty_months"])),
        decision_date__lte=on,
    ).exclude(publicity__end_reason="repaired")


def _root_rows(
    rows: Iterable[tuple[Any, ...]], wanted: set[int]
) -> Iterable[tuple[int, tuple[Any, ...]]]:
    # Each row starts with (subject_id, merged_into_id): rows of a subject merged into a
    # screened subject count as the survivor's.
    for row in rows:
        root = row[0] if row[0] in wanted else row[1]
        if root in wanted:
            yield root, row[2:]


def _related(qs: QuerySet[Any], subjects: QuerySet[Subject]) -> QuerySet[Any]:
    return qs.filter(Q(subject__in=subjects) | Q(subject__merged_into__in=subjects))


def evaluate_many(
    criteria: Mapping[str, Any], subjects: QuerySet[Subject], on: date
) -> dict[int, Verdict]:
    """Verdicts for every surviving subject of `subjects` on day `on`, in a fixed number
    of queries (each condition reads its facts for all subjects at once)."""
    from xinyong.records.models import CreditRecord
    from xinyong.sanctions.lists import in_force_q
    from xinyong.sanctions.models import ListEntry

    c = validate(criteria)
    roots = subjects.filter(merged_into__isnull=True)
    base = {
        row[0]: row
        for row in roots.values_list(
            "pk", "kind", "identifier_type", "identifier", "region_code", "registered_on", "name"
        )
    }
    wanted = set(base)
    verdicts = {pk: Verdict(subject_id=pk) for pk in base}
    if not wanted:
        return verdicts
    # Subquery rather than a long IN list: no parameter limit on SQLite.
    sub = Subject.objects.filter(pk__in=roots.values("pk"))

    from xinyong.supervision.grading import grades_on

    grades = grades_on(sub, on)
    list_kinds = set(c.get("excluded_list_kinds", [])) | set(c.get("required_list_kinds", []))
    entries: dict[int, list[tuple[Any, ...]]] = {}
    if list_kinds:
        rows = (
            _related(ListEntry.objects.filter(in_force_q(on)), sub)
            .filter(list_type__kind__in=sorted(list_kinds))
            .order_by("effective_from", "id")
            .values_list(
                "subject_id",
                "subject__merged_into_id",
                "list_type__kind",
                "list_type__name",
                "basis_document",
                "effective_from",
            )
        )
        for root, rest in _root_rows(rows, wanted):
            entries.setdefault(root, []).append(rest)
    penalties: dict[int, list[tuple[Any, ...]]] = {}
    months = c.get("no_penalty_months")
    if months:
        rows = (
            counted_penalties(_related(CreditRecord.objects.all(), sub), c, on)
            .order_by("-decision_date", "-id")
            .values_list(
                "subject_id",
                "subject__merged_into_id",
                "document_number",
                "decision_date",
                "deciding_unit_name",
                "publicity__is_published",
            )
        )
        for root, rest in _root_rows(rows, wanted):
            penalties.setdefault(root, []).append(rest)
    registration: dict[int, dict[str, Any]] = {}
    if (
        c.get("excluded_sector_keywords")
        or c.get("included_sector_keywords")
        or c.get("excluded_registration_status")
    ):
        rows = (
            _related(CreditRecord.objects.all(), sub)
            .filter(record_type__code=REGISTRATION_TYPE, status=CreditRecord.Status.ACTIVE)
            .order_by("decision_date", "id")
            .values_list("subject_id", "subject__merged_into_id", "payload")
        )
        for root, rest in _root_rows(rows, wanted):
            payload = rest[0]
            registration[root] = payload if isinstance(payload, dict) else {}

    district = str(settings.XINYONG_REGION_CODE)
    for pk, row in base.items():
        v = verdicts[pk]
        _pk, kind, id_type, identifier, region, registered_on, name = row
        v.grade = grades.get(pk, "")
        _check_kind(c, v, kind)
        _check_category(c, v, id_type, identifier)
        _check_region(c, v, region, district)
        _check_grade(c, v)
        _check_lists(c, v, entries.get(pk, []))
        _check_penalties(c, v, penalties.get(pk, []), on)
        _check_age(c, v, registered_on, on)
        _check_registration(c, v, name, registration.get(pk))
    return verdicts


def evaluate(criteria: Mapping[str, Any], subject: Subject, on: date) -> Verdict:
    """The verdict for one subject (its survivor if it was merged away)."""
    from xinyong.subjects.services import resolve

    root = resolve(subject)
    return evaluate_many(criteria, Subject.objects.filter(pk=root.pk), on)[root.pk]


def _check_kind(c: Mapping[str, Any], v: Verdict, kind: str) -> None:
    allowed = c.get("subject_kinds")
    if not allowed:
        return
    label = _KIND_LABELS.get(kind, kind)
    ok = kind in allowed
    wanted = "、".join(_KIND_LABELS.get(k, k) for k in allowed)
    v.reasons.append(
        _reason(
            "subject_kind",
            "主体类别",
            ok,
            f"主体类别为{label}" + ("，符合要求" if ok else f"，不在适用范围（{wanted}）内"),
            f"主体类别为{wanted}",
        )
    )


def _check_category(c: Mapping[str, Any], v: Verdict, id_type: str, identifier: str) -> None:
    cats = c.get("uscc_categories")
    if not cats:
        return
    condition = f"统一社会信用代码前两位为 {'、'.join(cats)}"
    if id_type != IdentifierType.USCC:
        v.reasons.append(
            _reason("uscc_category", "登记类别", False, "无统一社会信用代码", condition)
        )
        return
    prefix = identifier[:2]
    ok = prefix in cats
    v.reasons.append(
        _reason(
            "uscc_category",
            "登记类别",
            ok,
            f"统一社会信用代码前两位为 {prefix}"
            + ("，符合要求" if ok else f"，不在 {'、'.join(cats)} 之列"),
            condition,
        )
    )


def _check_region(c: Mapping[str, Any], v: Verdict, region: str, district: str) -> None:
    codes = c.get("region_codes")
    if not codes:
        return
    allowed = {district if x == "district" else x for x in codes}
    ok = bool(region) and region in allowed
    where = "、".join(sorted(allowed))
    text = (
        f"注册地行政区划代码 {region}，在本区（{where}）登记"
        if ok
        else (f"注册地行政区划代码 {region}，不在 {where}" if region else "注册地不明")
    )
    v.reasons.append(_reason("region", "注册地", ok, text, f"在 {where} 登记注册"))


def _check_grade(c: Mapping[str, Any], v: Verdict) -> None:
    allowed = c.get("grades")
    if not allowed:
        return
    wanted = "、".join(allowed)
    condition = f"信用等级为 {wanted}"
    if not v.grade:
        ok = bool(c.get("allow_ungraded"))
        text = "尚未评价信用等级" + ("，按规则可以参加" if ok else f"，要求等级为 {wanted}")
        v.reasons.append(_reason("grade", "信用等级", ok, text, condition))
        return
    ok = v.grade in allowed
    v.reasons.append(
        _reason(
            "grade",
            "信用等级",
            ok,
            f"信用等级为 {v.grade}" + ("，符合要求" if ok else f"，不符合要求（须为 {wanted}）"),
            condition,
        )
    )


def _check_lists(c: Mapping[str, Any], v: Verdict, found: list[tuple[Any, ...]]) -> None:
    for kind in c.get("excluded_list_kinds", []):
        hits = [e for e in found if e[0] == kind]
        condition = f"未被列入{LIST_KINDS[kind]}"
        if hits:
            _kind, name, document, since = hits[0]
            text = f"被列入{name}（{document}，{since:%Y-%m-%d} 起）"
            v.reasons.append(_reason(f"list_{kind}", LIST_KINDS[kind], False, text, condition))
        else:
            v.reasons.append(_reason(f"list_{kind}", LIST_KINDS[kind], True, condition, condition))
    required = c.get("required_list_kinds")
    if required:
        hits = [e for e in found if e[0] in required]
        names = "或".join(LIST_KINDS[k] for k in required)
        if hits:
            text = f"已列入{hits[0][1]}（{hits[0][2]}）"
            v.reasons.append(_reason("list_required", "守信名单", True, text, f"列入{names}"))
        else:
            v.reasons.append(
                _reason("list_required", "守信名单", False, f"未列入{names}", f"列入{names}")
            )


def _check_penalties(
    c: Mapping[str, Any], v: Verdict, found: list[tuple[Any, ...]], on: date
) -> None:
    months = c.get("no_penalty_months")
    if not months:
        return
    start = _months_before(on, months)
    condition = f"近 {months} 个月无行政处罚"
    if not found:
        text = f"{start:%Y-%m-%d} 之后（近 {months} 个月）无行政处罚"
        v.reasons.append(_reason("penalty", "行政处罚", True, text, condition))
        return
    # An unpublished penalty still excludes: the condition is about the firm's conduct,
    # not about what the public may read. Only the offices read which penalty it is.
    document, decided, unit, published = found[0]
    hidden = "，不予公示" if published is False else ""
    more = f"等 {len(found)} 件" if len(found) > 1 else ""
    text = f"近 {months} 个月内有行政处罚：{unit}{document}（{decided:%Y-%m-%d}{hidden}）{more}"
    v.reasons.append(_reason("penalty", "行政处罚", False, text, condition))


def _check_age(c: Mapping[str, Any], v: Verdict, registered_on: date | None, on: date) -> None:
    years = c.get("min_years_registered")
    if not years:
        return
    condition = f"成立满 {years} 年"
    if registered_on is None:
        v.reasons.append(_reason("age", "成立年限", False, "成立日期不明", condition))
        return
    limit = _months_before(on, years * 12)
    ok = registered_on <= limit
    v.reasons.append(
        _reason(
            "age",
            "成立年限",
            ok,
            f"{registered_on:%Y-%m-%d} 成立，" + ("已满" if ok else "不满") + f" {years} 年",
            condition,
        )
    )


def _check_registration(
    c: Mapping[str, Any], v: Verdict, name: str, payload: dict[str, Any] | None
) -> None:
    excluded = c.get("excluded_sector_keywords", [])
    included = c.get("included_sector_keywords", [])
    statuses = c.get("excluded_registration_status", [])
    data = payload or {}
    text = " ".join(str(data.get(k) or "") for k in ("DJ_QYLX", "DJ_JYFW"))
    haystack = f"{name} {text}"
    source = "名称及登记的企业类型、经营范围" if payload else "名称（未归集登记注册信息）"
    if excluded:
        hits = [k for k in excluded if k in haystack]
        ok = not hits
        v.reasons.append(
            _reason(
                "sector_excluded",
                "行业",
                ok,
                f"{source}不涉及排除行业" if ok else f"{source}涉及排除行业：{'、'.join(hits)}",
                f"不属于{'、'.join(excluded)}行业",
            )
        )
    if included:
        hits = [k for k in included if k in haystack]
        ok = bool(hits)
        v.reasons.append(
            _reason(
                "sector_included",
                "行业",
                ok,
                f"{source}属于适用行业：{'、'.join(hits)}"
                if ok
                else f"{source}不属于适用行业（{'、'.join(included)}）",
                f"属于{'、'.join(included)}行业",
            )
        )
    if statuses:
        state = str(data.get("DJ_DJZT") or "").strip()
        hit = next((s for s in statuses if s and s in state), None)
        condition = f"登记状态不为{'、'.join(statuses)}"
        if hit:
            v.reasons.append(
                _reason("registration_status", "登记状态", False, f"登记状态为“{state}”", condition)
            )
        else:
            v.reasons.append(
                _reason(
                    "registration_status",
                    "登记状态",
                    True,
                    f"登记状态为“{state}”" if state else "未见注销、吊销等登记状态",
                    condition,
                )
            )
