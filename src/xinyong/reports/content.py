"""What a credit report says: one JSON-ready dict built from the public record store, the
lists, commitments, grades and the query logs, in the chapter order of the 2022 national
report standard as seen in 信用中国's V2.0 法人 report (DOMAIN.md §12).

Only what the public may see (publicity.selectors.public_records_for: records in their
publicity window; commitments marked 可向社会公开; published lists in force, never the
重点关注名单) or what the subject itself may lawfully learn (who queried it, 河南条例
art. 40) enters a report. The platform's grade enters only while the credit office
publishes grades (settings.XINYONG_PUBLIC_GRADES, `supervision.draws.grades_public`): a
report leaves the platform — handed to the subject, a unit or a bank, and shown by number
on the public verification page — so no report is staff-only. The subjects merged into
the report's subject are part of it. Personal identifiers pass through
publicity.presenters / core.masking (DOMAIN.md §2)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache, reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from xinyong.catalog.fieldspec import get_spec
from xinyong.catalog.models import Category, PublicityPolicy, RecordType
from xinyong.core.errors import DomainError
from xinyong.core.masking import mask_name, mask_text
from xinyong.core.models import ReadLog
from xinyong.publicity import presenters
from xinyong.publicity.models import PublicityWindow, expiry_day
from xinyong.publicity.selectors import (
    STATUS_EXPIRED,
    STATUS_OBJECTION,
    public_records,
    public_status,
)
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject, SubjectKind
from xinyong.subjects.selectors import READ_SUBJECT_TYPE

from .models import ApplicationMatter, ReportKind, ReportPurpose

FORMAT_VERSION = "V1.0（依据《公共信用信息报告标准（2022年版）》）"
COURT_ENFORCEMENT_TYPE = "SXBZXR"
QUERY_LOOKBACK_DAYS = 365  # 河南条例 art. 40: who queried the subject "in the past year"
MAX_QUERY_LINES = 60
STILL_LISTED = "仍在名单中"
# Chapter 七 while grades are not published: says why no grade is printed, rather than
# "no information collected", which would not be true of a graded subject.
GRADES_NOT_PUBLIC = "本平台的信用等级未向社会公开，本报告不载明信用等级。"

# Fields a record line leaves out: who the party is (already the report's subject), and
# what the line shows in its own columns.
_HIDDEN_ROLES = frozenset(
    {
        "party_name",
        "party_kind",
        "party_uscc",
        "party_id_type",
        "party_id_number",
        "legal_rep",
        "document_number",
        "decision_date",
        "deciding_unit_name",
        "deciding_unit_code",
        "source_unit_name",
        "source_unit_code",
        "publicity_end",
    }
)
_REGISTRATION_HIDDEN = frozenset(
    {"party_name", "party_uscc", "party_kind", "source_unit_name", "source_unit_code"}
)
# How many data items a record line shows (keeps a 200-record report readable).
MAX_ITEMS_PER_RECORD = 6

# Chapter keys in report order, with the titles of the two report kinds.
CHAPTERS: list[tuple[str, str, str]] = [
    ("registration", "登记注册基础信息", "身份信息"),
    ("administrative", "行政管理信息", "行政管理信息"),
    ("honour", "诚实守信相关荣誉", "诚实守信相关荣誉"),
    ("serious", "严重失信主体名单", "严重失信主体名单"),
    ("abnormal", "经营（活动）异常名录", ""),
    ("commitment", "信用承诺及履行情况", "信用承诺及履行情况"),
    ("evaluation", "信用评价", "信用评价"),
    ("judicial", "司法判决及执行", "司法判决及执行"),
    ("other", "其他", "其他"),
]
_CATEGORY_CHAPTER: dict[str, str] = {
    Category.REGISTRATION: "registration",
    Category.ADMINISTRATIVE: "administrative",
    Category.HONOUR: "honour",
    Category.SERIOUS_DISHONESTY: "serious",
    Category.ABNORMAL: "abnormal",
    Category.COMMITMENT: "commitment",
    Category.EVALUATION: "evaluation",
    Category.JUDICIAL: "judicial",
}
CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Header:
    number: str
    issued_at: datetime
    valid_until: date
    purpose: ReportPurpose
    matter: ApplicationMatter | None
    issuer_unit: str


def report_kind(subject: Subject) -> str:
    return ReportKind.PERSON if subject.kind == SubjectKind.PERSON else ReportKind.ORG


def _d(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return value.isoformat()


def _chapter_of(record: CreditRecord) -> str:
    if record.record_type.code == COURT_ENFORCEMENT_TYPE:
        return "judicial"
    return _CATEGORY_CHAPTER.get(record.record_type.category, "other")


@lru_cache(maxsize=64)
def _hidden_codes(type_code: str, hidden_roles: frozenset[str], _spec_id: int) -> frozenset[str]:
    spec = get_spec(type_code)
    return frozenset(f.code for f in spec.fields if f.role in hidden_roles)


def _items(
    record: CreditRecord, *, hidden_roles: frozenset[str] = _HIDDEN_ROLES, limit: int | None = None
) -> list[list[str]]:
    code = record.record_type.code
    # Keyed by the spec object's identity too, so that a reloaded catalogue (fieldspec's
    # cache expires) is picked up.
    hidden = _hidden_codes(code, hidden_roles, id(get_spec(code)))
    out = []
    for item in presenters.present_fields(record):
        if item["code"] in hidden or item["code"].endswith(("ZJHM", "ZJLX")):
            continue
        out.append([item["label"], item["value"]])
        if limit is not None and len(out) >= limit:
            break
    return out


def _own_name(subject: Subject) -> str | None:
    """The name `mask_text` masks in the report's free text: a person's own, as the report
    masks it in the name field (DOMAIN.md §2)."""
    return subject.name if subject.is_person else None


def _record_line(record: CreditRecord, today: date, own_name: str | None) -> dict[str, Any]:
    shown = presenters.present_record(record, today=today)
    return {
        "type": shown["type_name"],
        "group": shown["group"],
        "nature": shown["nature"],
        "document": shown["document_number"],
        "decided": shown["decision_date"] or "",
        "unit": mask_text(shown["deciding_unit"], person_name=own_name),
        "status": shown["status"],
        "publicity_until": shown["publicity_ends_on"] or "",
        "repair_from": shown["repair_from"] or "",
        "procedure": str((record.payload or {}).get("CF_CXLX") or ""),
        "summary": "；".join(
            f"{label}：{value}" for label, value in _items(record, limit=MAX_ITEMS_PER_RECORD)
        ),
    }


def _subject_block(subject: Subject) -> dict[str, Any]:
    person = subject.is_person
    others = [
        [i.get_kind_display(), i.display_value]
        for i in subject.identifiers.all()
        if not i.is_primary
    ]
    return {
        "name": mask_name(subject.name) if person else subject.name,
        "identifier": subject.display_identifier,
        "identifier_type": subject.get_identifier_type_display(),
        "kind": subject.get_kind_display(),
        "registered_on": _d(subject.registered_on),
        "other_identifiers": others,
        "is_person": person,
    }


def _subject_ids(subject: Subject) -> list[int]:
    """The subject and the duplicates merged into it: merge_subjects leaves each absorbed
    subject's records, entries, commitments and queries on its own row and points it
    straight at the survivor, so one level is all there is. Ids rather than a join on
    `merged_into`: an OR across the join would scan every record instead of using the
    subject index."""
    return [
        subject.pk,
        *Subject.objects.filter(merged_into=subject).order_by("pk").values_list("pk", flat=True),
    ]


def _list_entries(subject: Subject, on: date) -> list[Any]:
    """Published entries in force (the 重点关注名单 is the units' supervision tool and
    never public), merged-away subjects' included."""
    from xinyong.sanctions.lists import public_entries_of

    return list(public_entries_of(subject.pk, on))


def _entry_line(entry: Any, own_name: str | None) -> dict[str, Any]:
    return {
        "list": entry.list_type.name,
        "kind": entry.list_type.get_kind_display(),
        "document": mask_text(entry.basis_document, person_name=own_name),
        "reasons": mask_text(entry.reasons, person_name=own_name),
        "authority": entry.designating_authority
        or (entry.designating_unit.name if entry.designating_unit_id else ""),
        "effective_from": _d(entry.effective_from),
        "ends_on": _d(entry.ends_on) or "移出前持续有效",
        "removal": entry.list_type.exit_criteria,
    }


def _commitments(ids: list[int], today: date, own_name: str | None) -> list[dict[str, Any]]:
    """What the subject page shows on the issue day: a broken commitment whose breach
    record is no longer public (repaired, withdrawn, past its period) is left out, as
    the record itself is (commitments_for_subject)."""
    from xinyong.commitments.selectors import commitments_for_subject, present_public

    qs = reduce(or_, (commitments_for_subject(i, public_only=True, today=today) for i in ids))
    out = []
    for c in qs.order_by("-made_on", "-id")[:100]:
        shown = present_public(c)
        out.append(
            {
                "code": shown["code"],
                "kind": shown["kind_label"],
                # present_public masks numbers only, not the person's own name.
                "reason": mask_text(shown["reason"], person_name=own_name),
                "made_on": _d(shown["made_on"]),
                "unit": shown["accepting_unit"],
                "status": shown["status_label"],
            }
        )
    return out


def _grade(subject: Subject) -> dict[str, Any] | None:
    from xinyong.supervision.grading import grade_of

    grade = grade_of(subject)
    if grade is None:
        return None
    return {
        "grade": grade.grade,
        "label": grade.get_grade_display(),
        "source": grade.get_source_display(),
        "score": str(grade.score) if grade.score is not None else "",
        "computed_at": _d(grade.computed_at),
    }


def _named(user: Any, *, affiliation: str, label: str, nobody: str) -> str:
    """Who queried, as art. 40 lets the subject see it: the unit, or for a bank's user
    the bank (User.affiliation); for staff without either, their role. `label` is the
    actor as recorded at the time: a user deleted since is not shown by name. `nobody`
    names a query made without a user."""
    if affiliation:
        return affiliation
    if user is None:
        return "已注销的平台用户" if label not in ("", "系统", "AnonymousUser") else nobody
    from xinyong.orgs.models import Role

    if user.role == Role.CREDIT_ADMIN:
        return "信用主管部门（信用办）"
    return str(Role(user.role).label) if user.role in Role.values else "平台用户"


def _reader_named(log: ReadLog) -> str:
    # Portal reads are logged without a reader: the public query, which anyone holding
    # the full name and ID number can make, so it is not called 本人. Jobs and the CLI
    # run outside a request.
    return _named(
        log.reader,
        affiliation=log.reader_unit,
        label=log.reader_label,
        nobody="公众查询（凭姓名和身份证号码）" if log.channel in ("web", "api") else "平台系统",
    )


def _newest(qs: QuerySet[Any]) -> tuple[list[Any], int]:
    """The newest MAX_QUERY_LINES rows of an ordered queryset and how many it has in
    all, counted only when the page is full (a query saved per source in nearly every
    report)."""
    page = list(qs[:MAX_QUERY_LINES])
    return page, len(page) if len(page) < MAX_QUERY_LINES else qs.count()


def queries_of(
    subject: Subject, *, since: date, until: date, ids: list[int] | None = None
) -> tuple[list[dict[str, str]], int]:
    """Who queried the subject's data between `since` and `until` (河南条例 art. 40):
    reads of a person's data (core ReadLog), 奖惩 checks by units (sanctions Check),
    信易+ checks of an organisation (benefits ScenarioUse; a person's are ReadLog rows
    already) and reports issued about it — of the subject and of the duplicates merged
    into it (`ids`, default _subject_ids). Units and banks are named; individual staff are
    not. Returns the newest MAX_QUERY_LINES rows and the total count.

    A check is one line, from its Check row (the unit it was made for, its matter and
    date). The reads of a person that are that same query are not lines of their own:
    those a user made to find and check the person on a day that user recorded a check of
    the person, and the checking unit reopening its own check later (sanctions.checks
    purposes)."""
    from xinyong.benefits.models import ScenarioUse
    from xinyong.sanctions.checks import CHECK_PURPOSE, FOLLOW_UP_PURPOSE
    from xinyong.sanctions.models import Check

    from .models import Report

    ids = ids if ids is not None else _subject_ids(subject)
    rows: list[dict[str, str]] = []
    total = 0
    start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(until + timedelta(days=1), datetime.min.time()))
    if subject.is_person:
        reads = ReadLog.objects.filter(
            subject_type=READ_SUBJECT_TYPE,
            subject_id__in=[str(i) for i in ids],
            occurred_at__gte=start,
            occurred_at__lt=end,
        ).exclude(purpose__startswith=FOLLOW_UP_PURPOSE)
        # The days each user (the user who recorded it, not the unit it was made for:
        # the credit office checks for units) recorded a check of the person.
        checked_days: dict[int | None, set[date]] = {}
        for created, checker in Check.objects.filter(
            subject_id__in=ids, created_at__gte=start, created_at__lt=end
        ).values_list("created_at", "checked_by_id"):
            checked_days.setdefault(checker, set()).add(timezone.localtime(created).date())
        if checked_days:
            # A name search may also show persons who are not then checked: their read
            # stays a line unless they were checked that day too — by the same reader, so
            # that another unit's check does not hide this one's read.
            same_query = reduce(
                or_,
                (
                    Q(reader_id=checker, day__in=sorted(days))
                    for checker, days in checked_days.items()
                ),
            )
            reads = reads.annotate(
                day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone())
            ).exclude(Q(purpose__startswith=CHECK_PURPOSE) & same_query)
        logs, count = _newest(reads.select_related("reader").order_by("-occurred_at"))
        total += count
        for log in logs:
            rows.append(
                {
                    "date": timezone.localtime(log.occurred_at).date().isoformat(),
                    "who": _reader_named(log),
                    "purpose": mask_text(log.purpose, person_name=subject.name),
                }
            )
    checks, count = _newest(
        Check.objects.filter(subject_id__in=ids, checked_on__gte=since, checked_on__lte=until)
        .select_related("unit", "matter")
        .order_by("-checked_on")
    )
    total += count
    for check in checks:
        rows.append(
            {
                "date": check.checked_on.isoformat(),
                "who": check.unit.name,
                "purpose": f"联合奖惩查询：{check.matter.name}",
            }
        )
    if not subject.is_person:
        uses, count = _newest(
            ScenarioUse.objects.filter(
                subject_id__in=ids, checked_at__gte=start, checked_at__lt=end
            )
            .select_related("scenario", "actor__unit")
            .order_by("-checked_at", "-id")
        )
        total += count
        for use in uses:
            rows.append(
                {
                    "date": timezone.localtime(use.checked_at).date().isoformat(),
                    "who": _named(
                        use.actor,
                        affiliation=use.actor.affiliation if use.actor else "",
                        label=use.actor_label,
                        nobody="平台系统",
                    ),
                    "purpose": f"信易+核验：{use.scenario.name}",
                }
            )
        reports, count = _newest(
            Report.objects.filter(subject_id__in=ids, issued_at__gte=start, issued_at__lt=end)
            .select_related("purpose")
            .only("issued_at", "issued_unit", "channel", "purpose__name")
            .order_by("-issued_at")
        )
        total += count
        for report in reports:
            rows.append(
                {
                    "date": timezone.localtime(report.issued_at).date().isoformat(),
                    "who": report.issued_unit or report.get_channel_display(),
                    "purpose": f"出具信用报告：{report.purpose.name}",
                }
            )
    rows.sort(key=lambda r: r["date"], reverse=True)
    return rows[:MAX_QUERY_LINES], total


def _advice(
    subject: Subject, records: list[dict[str, Any]], entries: list[Any], today: date
) -> list[str]:
    advice = []
    dishonest = [r for r in records if r["nature"] == "失信"]
    repairable = [
        r for r in dishonest if r["repair_from"] and r["repair_from"] <= today.isoformat()
    ]
    later = [r for r in dishonest if r["repair_from"] and r["repair_from"] > today.isoformat()]
    if repairable:
        advice.append(
            f"有 {len(repairable)} 条失信信息已满最短公示期，履行法定义务、纠正失信行为后可申请信用修复"
            f"（{_repair_rule_in_force(today)}）。"
        )
    if later:
        first = min(r["repair_from"] for r in later)
        advice.append(
            f"有 {len(later)} 条失信信息尚未满最短公示期，最早自 {first} 起可申请信用修复。"
        )
    serious = [e for e in entries if e.list_type.kind in ("serious", "abnormal")]
    if serious:
        advice.append(
            "被列入严重失信主体名单或经营异常名录的，履行相关义务后可按名单的移出条件申请移出。"
        )
    if any(r["status"] == STATUS_OBJECTION for r in records):
        advice.append("有信息正在异议处理中，处理结果将告知申请人。")
    if not advice:
        advice.append(
            "未发现失信信息。建议继续依法诚信经营（履约），可主动作出信用承诺、申报诚信荣誉，"
            "以享受守信激励措施。"
            if not subject.is_person
            else "未发现失信信息。建议继续保持良好信用记录。"
        )
    return advice


def _why_not_in_body(record: CreditRecord, today: date) -> str:
    window = getattr(record, "publicity", None)
    if window is None:
        return "未公示"
    if not window.is_published:
        return (
            f"依规不公示（{window.not_published_reason}）"
            if window.not_published_reason
            else "依规不公示"
        )
    if window.ended_on is not None:
        return f"{window.ended_on.isoformat()} 起停止公示（{window.get_end_reason_display()}）"
    # The daily expiry job may not have run yet: the report states what is true on its
    # date, and the job will record the day after the last public day (publicity.services
    # .expire), whatever day it runs.
    if window.ends_on is not None and public_status(record, today) == STATUS_EXPIRED:
        return f"{expiry_day(window.ends_on).isoformat()} 起停止公示（{PublicityWindow.EndReason.EXPIRED.label}）"
    return "未公示"


def _repair_rule_in_force(today: date) -> str:
    """The repair rule an application made today follows (58号令 until 2026-03-31, 36号令
    from 2026-04-01 …), from the catalogue's policies rather than a fixed citation."""
    from xinyong.catalog.selectors import policy_in_force

    try:
        return policy_in_force(record_type="XZCF", decision_date=today).document
    except DomainError:
        return "按现行信用修复规定"


def _serious_in_period(ids: list[int], start: date, today: date) -> list[Any]:
    """Serious-dishonesty entries in force on some day from `start` to `today`, removed or
    ended since included: a listing in the period is what the special report answers
    for. In force as sanctions.lists.in_force_q has it (the removal day is the first day
    out, `ends_on` the last day in). An entry whose basis record was withdrawn is left
    out, as withdrawn records are: the finding it rested on was undone."""
    from xinyong.sanctions.models import ListEntry, ListType

    return list(
        ListEntry.objects.select_related("list_type", "designating_unit")
        .filter(
            subject_id__in=ids,
            list_type__kind=ListType.Kind.SERIOUS,
            status__in=(ListEntry.Status.LISTED, ListEntry.Status.REMOVED),
            effective_from__isnull=False,
            effective_from__lte=today,
        )
        .exclude(removed_on__lte=start)
        .exclude(removed_on__lte=F("effective_from"))
        .exclude(ends_on__lt=start)
        .exclude(basis_record__status=CreditRecord.Status.WITHDRAWN)
        .order_by("-effective_from", "-id")
    )


def _period_entry_line(entry: Any, today: date, own_name: str | None) -> dict[str, str]:
    last_day = entry.removed_on - timedelta(days=1) if entry.removed_on else None
    if entry.ends_on is not None and (last_day is None or entry.ends_on < last_day):
        last_day = entry.ends_on
    if entry.removed_on is not None and entry.removed_on <= today:
        status = f"已于 {entry.removed_on.isoformat()} 移出"
    elif last_day is not None and last_day < today:
        status = f"有效期至 {last_day.isoformat()}，已届满"
    else:
        status = STILL_LISTED
    return {
        "list": entry.list_type.name,
        "document": mask_text(entry.basis_document, person_name=own_name),
        "authority": entry.designating_authority
        or (entry.designating_unit.name if entry.designating_unit_id else ""),
        "effective_from": _d(entry.effective_from),
        "removed_on": _d(entry.removed_on) or "—",
        "ends_on": _d(entry.ends_on) or "移出前持续有效",
        "status": status,
    }


def _special(
    purpose: ReportPurpose,
    ids: list[int],
    public_ids: set[int],
    today: date,
    own_name: str | None,
) -> dict[str, Any]:
    """发改财金〔2025〕565号: a special report that replaces 无违法违规证明 covers at least
    行政处罚 (incl. 简易程序), 行政强制, serious-dishonesty lists and criminal judgments.

    It answers "any violation in the period?", so it counts every record in force
    decided in the period, not only those on public display: 简易程序 penalties and, since
    36号令, minor ones are never published, and a repaired or expired penalty was still a
    violation; likewise every serious-list entry in force at any time in the period, with
    its 列入 and 移出 dates. Only withdrawn records (decisions revoked or found unlawful)
    and entries resting on them are left out. Records the report's body does not show
    are listed in the section itself. `ids`: the subject and those merged into it."""
    months = purpose.lookback_months or 36
    start = _months_before(today, months)
    criminal_types = list(
        RecordType.objects.filter(category=Category.JUDICIAL, name__contains="刑事").values_list(
            "code", flat=True
        )
    )
    counted = list(
        CreditRecord.objects.filter(
            subject_id__in=ids,
            status=CreditRecord.Status.ACTIVE,
            decision_date__gte=start,
            decision_date__lte=today,
            record_type__code__in=["XZCF", "XZQZ", *criminal_types],
        )
        .select_related("record_type", "publicity")
        .order_by("record_type__sort_order", "-decision_date", "-id")
    )
    penalties = [r for r in counted if r.record_type.code == "XZCF"]
    simple = [r for r in penalties if "简易" in str((r.payload or {}).get("CF_CXLX") or "")]
    coercion = [r for r in counted if r.record_type.code == "XZQZ"]
    serious = _serious_in_period(ids, start, today)
    serious_lines = [_period_entry_line(e, today, own_name) for e in serious]
    still_listed = sum(1 for e in serious_lines if e["status"] == STILL_LISTED)
    criminal = [r for r in counted if r.record_type.code in criminal_types]
    outside_body = [r for r in counted if r.pk not in public_ids]

    def line(label: str, found: list[CreditRecord], extra: str = "") -> dict[str, str]:
        if not found:
            return {"item": label, "result": "无"}
        hidden = sum(1 for r in found if r.pk not in public_ids)
        where = "详见正文" if not hidden else f"其中 {hidden} 条未在正文公示，见下表"
        return {"item": label, "result": f"有 {len(found)} 条{extra}，{where}"}

    items = [
        line("行政处罚（含简易程序）", penalties, f"（其中简易程序 {len(simple)} 条）"),
        line("行政强制", coercion),
        {
            "item": "严重失信主体名单",
            "result": (
                f"期间内曾被列入 {len(serious)} 项（目前仍在名单中 {still_listed} 项），见下表"
                if serious
                else "无"
            ),
        },
    ]
    if criminal_types:
        items.append(line("刑事判决", criminal))
    else:
        items.append(
            {
                "item": "刑事判决",
                "result": "本平台公共信用信息目录尚未归集刑事判决信息，本项以人民法院出具的材料为准",
            }
        )
    clean = not (penalties or coercion or serious or criminal)
    return {
        "period": f"{start.isoformat()} 至 {today.isoformat()}",
        "items": items,
        "lists": serious_lines,
        "not_in_body": [
            {
                "type": r.record_type.name,
                "document": mask_text(r.document_number, person_name=own_name),
                "decided": r.decision_date.isoformat() if r.decision_date else "",
                "unit": mask_text(r.deciding_unit_name, person_name=own_name),
                "why": _why_not_in_body(r, today),
            }
            for r in outside_body
        ],
        "conclusion": (
            "查询期间内，本平台未归集到该主体在上述领域的违法违规记录。"
            if clean
            else "查询期间内，本平台归集到该主体在上述领域的违法违规记录，详见上表及正文。"
        ),
        "basis": purpose.basis,
    }


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    return date(year, month + 1, 28)


def _public_records(subject: Subject, ids: list[int], today: date) -> list[CreditRecord]:
    """publicity.selectors.public_records_for in three queries, without building the same
    record type, publicity policy and subject once per record: the joins of
    `public_records` made 5 model instances per record, most of them copies. Record types
    are loaded without their field list (a large JSON column; the specs come from
    catalog.fieldspec's cache). `ids`: the subject and those merged into it, whose records
    are shown as the subject's."""
    records = list(
        public_records(today)
        .filter(subject_id__in=ids)
        .select_related(None)
        .select_related("publicity")
        # Columns no line of the report shows (dates are parsed per row and cost).
        .defer(
            "created_at",
            "updated_at",
            "identity_key",
            "party_identifier",
            "deciding_unit_code",
            "source_unit",
            "reported_on",
            "deadline",
            "is_late",
            "content_hash",
            "version",
            "name_mismatch",
            "batch",
            "publicity__created_at",
            "publicity__updated_at",
            "publicity__not_published_reason",
        )
        .order_by("record_type__sort_order", "-decision_date", "-id")
    )
    types = RecordType.objects.defer("fields", "subject_types", "description").in_bulk(
        {r.record_type_id for r in records}
    )
    windows = [r.publicity for r in records]
    policies = PublicityPolicy.objects.in_bulk({w.policy_id for w in windows if w.policy_id})
    for record, window in zip(records, windows, strict=True):
        record.record_type = types[record.record_type_id]
        record.subject = subject
        if window.policy_id:
            window.policy = policies[window.policy_id]
    return records


def build(subject: Subject, header: Header) -> dict[str, Any]:
    """The whole report as plain data (strings, lists, dicts), masked for print."""
    # Imported here, as `_grade` imports grading: supervision is loaded when a report is built.
    from xinyong.supervision.draws import grades_public

    today = timezone.localtime(header.issued_at).date()
    kind = report_kind(subject)
    person = kind == ReportKind.PERSON
    ids = _subject_ids(subject)
    raw_records = _public_records(subject, ids, today)
    entries = _list_entries(subject, today)
    own_name = _own_name(subject)
    lines_by_chapter: dict[str, list[dict[str, Any]]] = {key: [] for key, _, _ in CHAPTERS}
    all_lines = []
    for record in raw_records:
        line = _record_line(record, today, own_name)
        lines_by_chapter[_chapter_of(record)].append(line)
        all_lines.append(line)
    registration = lines_by_chapter.pop("registration")
    raw_registration = [r for r in raw_records if _chapter_of(r) == "registration"]
    commitments = _commitments(ids, today, own_name)
    # Grades are not published unless the office turns them on, and every report leaves
    # the platform (there is no staff-only kind): the same switch as the portal's.
    grades_shown = grades_public()
    grade = _grade(subject) if grades_shown else None
    red = [_entry_line(e, own_name) for e in entries if e.list_type.kind == "red"]
    serious = [_entry_line(e, own_name) for e in entries if e.list_type.kind == "serious"]
    abnormal = [_entry_line(e, own_name) for e in entries if e.list_type.kind == "abnormal"]
    queries, queries_total = queries_of(
        subject, since=today - timedelta(days=QUERY_LOOKBACK_DAYS), until=today, ids=ids
    )

    label = ""
    if serious:
        label = "失信惩戒对象"
    elif red:
        label = "守信激励对象"

    chapters = []
    n = 0
    for key, org_title, person_title in CHAPTERS:
        title = person_title if person else org_title
        if not title:
            continue
        chapter: dict[str, Any] = {"key": key, "records": [], "entries": []}
        if key == "registration":
            # The newest registration record, in full (registration data are public).
            chapter["registration"] = (
                _items(raw_registration[0], hidden_roles=_REGISTRATION_HIDDEN)
                if raw_registration
                else []
            )
            chapter["records"] = []
        else:
            chapter["records"] = lines_by_chapter.get(key, [])
        if key == "honour":
            chapter["entries"] = red
        elif key == "serious":
            chapter["entries"] = serious
        elif key == "abnormal":
            chapter["entries"] = abnormal
        elif key == "commitment":
            chapter["commitments"] = commitments
        elif key == "evaluation":
            chapter["grade"] = grade
            chapter["grade_note"] = "" if grades_shown else GRADES_NOT_PUBLIC
        chapter["title"] = f"{CHINESE_NUMERALS[n]}、{title}"
        chapter["count"] = (
            len(registration)
            if key == "registration"
            else len(chapter["records"])
            + len(chapter["entries"])
            + len(chapter.get("commitments", []))
            + (1 if chapter.get("grade") else 0)
        )
        n += 1
        chapters.append(chapter)
    summary = [[c["title"].split("、", 1)[1], c["count"]] for c in chapters]
    group_counts = Counter(line["group"] for line in lines_by_chapter["administrative"])
    advice = _advice(subject, all_lines, entries, today)
    objections = sum(1 for line in all_lines if line["status"] == STATUS_OBJECTION)
    repairs = _repairs_in_progress(subject, ids)
    data: dict[str, Any] = {
        "title": title_for(kind, special=False),
        "kind": kind,
        "number": header.number,
        "issued_at": _d(header.issued_at),
        "valid_until": _d(header.valid_until),
        "version": FORMAT_VERSION,
        "issuer": settings.XINYONG_PLATFORM_NAME,
        "issuer_unit": header.issuer_unit,
        "purpose": header.purpose.name,
        "purpose_code": header.purpose.code,
        "matter": (f"{header.matter.unit.name} · {header.matter.name}" if header.matter else ""),
        "label": label,
        "subject": _subject_block(subject),
        "summary": summary,
        "administrative_groups": sorted(group_counts.items()),
        "chapters": chapters,
        "advice_title": f"{CHINESE_NUMERALS[n]}、信用状况提升建议",
        "advice": advice,
        "rights": {
            "objections_open": objections,
            "repairs_in_progress": repairs,
        },
        "queries": queries,
        "queries_total": queries_total,
        # all_lines holds every record shown, registration records included.
        "record_count": len(all_lines),
    }
    if header.purpose.special:
        data["special"] = _special(
            header.purpose, ids, {r.pk for r in raw_records}, today, own_name
        )
        data["title"] = title_for(kind, special=True)
    return data


def title_for(kind: str, *, special: bool) -> str:
    """The report's title by kind, and for the special report (发改财金〔2025〕565号)."""
    if special:
        return "专项信用报告（替代有无违法违规记录证明）"
    if kind == ReportKind.PERSON:
        return "公共信用信息报告（个人版）"
    return "公共信用信息报告（法人和非法人组织版）"


def _repairs_in_progress(subject: Subject, ids: list[int] | None = None) -> int:
    from xinyong.rights.models import RepairApplication
    from xinyong.rights.repair import OPEN_STATUSES

    # Open means still being handled: an application ended because its record was
    # withdrawn (终止办理) is no longer in progress.
    ids = ids if ids is not None else _subject_ids(subject)
    return RepairApplication.objects.filter(subject_id__in=ids, status__in=OPEN_STATUSES).count()
