"""The one write path of the work ledger (docs/conventions.md): loading and copying plans,
progress reports and their review, activities, deadline warnings, 督办 with 批示, 通报
and the rules. Every function takes keyword arguments and an explicit `actor`, runs in
one transaction and writes one event."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from xinyong.core import calendar
from xinyong.core.audit import record_event
from xinyong.core.errors import CalendarUnknownYear, DomainError, NotPermitted
from xinyong.core.inputs import clean_text
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.orgs.selectors import credit_office_unit
from xinyong.orgs.services import resolve_unit_name, resolve_units, split_unit_mentions
from xinyong.rights.attachments import check_files

from .models import (
    ONGOING,
    Activity,
    Assignment,
    Bulletin,
    DeadlineWarning,
    Evidence,
    Instruction,
    Plan,
    PlanRules,
    ProgressReport,
    Row,
    RowTarget,
    SupervisionItem,
    Task,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_LINKS = 10
# 参加人数 of one event: a district of some 600,000 people has no event of more than a
# million, so a larger count is a typing slip (and stays inside PostgreSQL's integer).
MAX_PARTICIPANTS = 1_000_000
# RowTarget.value: DecimalField(max_digits=14, decimal_places=2).
MAX_TARGET_VALUE = Decimal(10) ** 12
# Row and Task numbers are PositiveSmallIntegerField; seed_line a PositiveIntegerField.
MAX_ITEM_NUMBER = 32767
MAX_SEED_LINE = 2**31 - 1
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[-年/.]\s*(\d{1,2})\s*月?\s*$")
RULE_FIELDS = (
    "warning_workdays",
    "ongoing_report_workdays",
    "supervision_workdays",
    "points_per_row",
    "pending_share",
    "progress_share",
    "overdue_deduction",
    "missing_evidence_deduction",
    "repeated_delay_deduction",
    "target_points",
)


def today() -> date:
    return timezone.localdate()


def _date(value: Any, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise DomainError(f"{label}格式不正确：“{value}”，应为 YYYY-MM-DD。") from None


def parse_period(text: Any) -> tuple[int, int]:
    """(year, month) from "2026-10" / "2026年10月"; DomainError otherwise."""
    match = _PERIOD_RE.match(str(text or ""))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DomainError(f"通报期间格式不正确：“{text}”，请按 2026-10 的格式填写。")
    return int(match.group(1)), int(match.group(2))


# ------------------------------------------------------------------ loading plans


@dataclass
class LoadResult:
    plan: Plan
    created_plan: bool = False
    tasks: int = 0
    rows: int = 0
    assignments: int = 0
    targets: int = 0
    # Targets re-pointed from a binding the plan file declares superseded ("replaces").
    replaced: int = 0
    # New or re-pointed targets carried over to the plans copied from this one.
    propagated: int = 0
    unresolved: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = "新建" if self.created_plan else "已有"
        text = (
            f"{self.plan.year}年工作方案（{head}）：重点工作新增 {self.tasks} 项，台账事项新增 {self.rows} 项，"
            f"责任分解新增 {self.assignments} 条，量化目标新增 {self.targets} 个"
        )
        if self.replaced:
            text += f"，量化目标改绑 {self.replaced} 个"
        if self.propagated:
            text += f"，同步到复制的年度方案 {self.propagated} 个"
        if self.unresolved:
            text += f"；责任单位无法识别，未补充责任分解：{'；'.join(self.unresolved)}"
        return text


def mention_units(text: str) -> tuple[list[Unit], list[Unit]]:
    """(lead units, all units) named by a 责任单位 text, groups expanded, each unit once,
    in order of mention. An unknown name is a DomainError."""
    leads: list[Unit] = []
    units: list[Unit] = []
    for mention in split_unit_mentions(text):
        for unit in resolve_units(mention.name):
            if unit not in units:
                units.append(unit)
            if mention.lead and unit not in leads:
                leads.append(unit)
    return leads, units


def _validate_plan_file(data: Any) -> None:
    if not isinstance(data, dict) or data.get("kind") != "ledger_plan":
        raise DomainError('工作方案文件格式不对：应为 {"kind": "ledger_plan", ...} 的 JSON 对象。')
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise DomainError("工作方案文件缺少年度（year，2000–2100 的整数）。")
    for key in ("tasks", "rows"):
        items = data.get(key)
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise DomainError(f"工作方案文件格式不对：{key} 必须是对象列表。")
    if not clean_text(data.get("title"), "方案名称（title）", limit=200):
        raise DomainError("工作方案文件缺少方案名称（title）。")
    _validate_plan_groups(data.get("groups"))
    _unique_numbers(data["tasks"], "重点工作")
    for number, item in zip(_unique_numbers(data["rows"], "台账"), data["rows"], strict=True):
        where = f"台账第 {number} 项"
        linked = item.get("tasks")
        if linked is not None and (
            not isinstance(linked, list) or _numbers(linked, MAX_ITEM_NUMBER) is None
        ):
            raise DomainError(
                f"{where}：关联重点工作（tasks）应为重点工作序号列表，如 [4, 23]，"
                f"而不是“{_shown(linked)}”。"
            )
        if item.get("seed_line") not in (None, ""):
            _file_number(item["seed_line"], where, "原文行号（seed_line）", limit=MAX_SEED_LINE)


def _validate_plan_groups(groups: Any) -> None:
    """The plan's groups (一 … 七), whose titles new tasks take by their `group`: each a
    number that fits Task.group_number and a title that fits Task.group_title."""
    if groups is None:
        return
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise DomainError(
            f"工作方案文件格式不对：分组（groups）必须是对象列表，而不是“{_shown(groups)}”。"
        )
    seen: set[str] = set()
    for index, group in enumerate(groups, start=1):
        where = f"分组第 {index} 个"
        number = group.get("number")
        if isinstance(number, bool) or not isinstance(number, str | int):
            raise DomainError(
                f"{where}：序号（number）应为文本，如“一”，而不是“{_shown(number)}”。"
            )
        text = str(number).strip()
        if not text or len(text) > 4:
            raise DomainError(f"{where}：序号（number）应为 1–4 个字，如“一”。")
        if text in seen:
            raise DomainError(f"{where}：序号（number）“{text}”重复，每组的序号应各不相同。")
        seen.add(text)
        title = group.get("title")
        if not isinstance(title, str):
            raise DomainError(f"{where}：标题（title）应为文本，而不是“{_shown(title)}”。")
        clean_text(title, f"{where}标题（title）", limit=100)


def _unique_numbers(items: Sequence[Any], kind: str) -> list[int]:
    """The items' numbers, each checked; a number used twice is refused, since load_plan
    matches items by number and would merge the second into the first."""
    seen: dict[int, int] = {}
    numbers = []
    for index, item in enumerate(items, start=1):
        number = _file_number(item.get("number"), f"{kind}第 {index} 个", "序号（number）")
        if number in seen:
            raise DomainError(
                f"{kind}第 {index} 个：序号（number）{number} 与{kind}第 {seen[number]} 个重复，"
                "每项的序号应各不相同。"
            )
        seen[number] = index
        numbers.append(number)
    return numbers


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:39] + "…"


def _numbers(values: Sequence[Any], limit: int) -> list[int] | None:
    """Whole numbers 1..limit written as JSON numbers or digit strings ("3", as int()
    read them before), or None when one is not."""
    found = []
    for value in values:
        if isinstance(value, bool):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = value.strip() if isinstance(value, str) else ""
        if text.isascii() and text.isdigit() and len(text) <= 12:
            value = int(text)
        if not isinstance(value, int) or not 1 <= value <= limit:
            return None
        found.append(value)
    return found


def _file_number(value: Any, where: str, label: str, *, limit: int = MAX_ITEM_NUMBER) -> int:
    numbers = _numbers([value], limit)
    if numbers is None:
        raise DomainError(f"{where}：{label}应为不超过 {limit} 的正整数，而不是“{_shown(value)}”。")
    return numbers[0]


def _deadline(value: Any, where: str) -> date | None:
    text = str(value or "").strip()
    if text in ("", ONGOING):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(
            f"{where}：完成时限应为 YYYY-MM-DD 或“持续推进”，而不是“{text}”。"
        ) from None


def _target_values(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise DomainError(f"{where}：量化目标格式不对。")
    comparison = str(item.get("comparison", ""))
    if comparison not in RowTarget.Comparison.values:
        raise DomainError(f"{where}：量化目标的比较应为 <= 或 >=。")
    try:
        value = Decimal(str(item.get("value")))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{where}：量化目标的目标值不是数字。") from None
    if item.get("metric"):
        values: dict[str, Any] = {
            "kind": RowTarget.Kind.METRIC,
            "metric_code": str(item["metric"]),
            "activity_kind": "",
            "comparison": comparison,
            "value": value,
        }
    else:
        values = {
            "kind": RowTarget.Kind.ACTIVITY,
            "metric_code": "",
            "activity_kind": str(item.get("activity", "")),
            "comparison": comparison,
            "value": value,
        }
    try:
        check_target(RowTarget(**values))
    except DomainError as exc:
        raise DomainError(f"{where}：{exc.message}") from None
    return values


def _replaced_codes(item: Any, where: str) -> list[str]:
    """The metric codes a target supersedes ("replaces": [...] in the plan file)."""
    codes = item.get("replaces") or []
    if not isinstance(codes, list) or not all(isinstance(c, str) and c for c in codes):
        raise DomainError(f"{where}：量化目标的 replaces 应为指标代码列表。")
    return list(codes)


def _apply_target(row: Row, values: dict[str, Any], replaces: Sequence[str]) -> str:
    """Make `row` carry the target `values`, create-missing-only: "added" when created,
    "replaced" when a target bound to a superseded code was re-pointed (its comparison
    and value, perhaps edited by the credit office, are kept) or removed because the
    new binding was already there, "" when nothing changed."""
    key = (values["kind"], values["metric_code"], values["activity_kind"])
    targets = list(row.targets.all())
    present = any((t.kind, t.metric_code, t.activity_kind) == key for t in targets)
    old = [
        t
        for t in targets
        if replaces and t.kind == RowTarget.Kind.METRIC and t.metric_code in replaces
    ]
    if present:
        if not old:
            return ""
        RowTarget.objects.filter(pk__in=[t.pk for t in old]).delete()
        return "replaced"
    if old:
        keep, *extra = old
        keep.metric_code = values["metric_code"]
        keep.save(update_fields=["metric_code"])
        RowTarget.objects.filter(pk__in=[t.pk for t in extra]).delete()
        return "replaced"
    RowTarget.objects.create(row=row, **values)
    return "added"


def _copies(plan: Plan) -> list[Plan]:
    """The plans copied from `plan`, and from those, and so on."""
    found: list[Plan] = []
    todo = [plan]
    while todo:
        for copy in Plan.objects.filter(copied_from=todo.pop()).order_by("year"):
            if copy not in found and copy.pk != plan.pk:
                found.append(copy)
                todo.append(copy)
    return found


def default_rules() -> dict[str, Any]:
    data = json.loads((DATA_DIR / "rules.json").read_text(encoding="utf-8"))
    return {k: data[k] for k in RULE_FIELDS if k in data}


def _ensure_rules(plan: Plan, values: dict[str, Any] | None = None) -> None:
    if not PlanRules.objects.filter(plan=plan).exists():
        PlanRules.objects.create(plan=plan, **(values or default_rules()))


def _ensure_assignments(row: Row, units: Sequence[Unit]) -> int:
    existing = set(row.assignments.values_list("unit_id", flat=True))
    new = [Assignment(row=row, unit=u) for u in units if u.pk not in existing]
    Assignment.objects.bulk_create(new)
    return len(new)


def load_plan(*, actor: Any, data: Any) -> LoadResult:
    """Load a plan file (see data/2023-beiguan.json). Idempotent and create-missing-only:
    tasks and rows are matched by number, and what exists is left as the credit office
    edited it; responsible-unit assignments and targets that are missing are added, an
    existing row's assignments read from its own 责任单位 text. A target may name the
    metric codes it supersedes ("replaces"): a row still bound to one of them is
    re-pointed instead of getting a second target. Targets this load adds or re-points
    are carried over to the rows of the same number in the plans copied from this one.
    Every unit name in the file must resolve (orgs aliases and groups)."""
    _validate_plan_file(data)
    year = int(data["year"])
    with transaction.atomic():
        plan, created = Plan.objects.get_or_create(
            year=year,
            defaults={
                "title": clean_text(data.get("title"), "方案名称", limit=200),
                "document_number": clean_text(
                    data.get("document_number"), "文号", required=False, limit=60
                ),
                "issued_on": _date(data["issued_on"], "印发日期")
                if data.get("issued_on")
                else None,
                "issuer": clean_text(data.get("issuer"), "印发单位", required=False, limit=100),
            },
        )
        result = LoadResult(plan=plan, created_plan=created)
        _ensure_rules(plan)
        groups = {str(g.get("number")): str(g.get("title", "")) for g in data.get("groups") or []}
        tasks: dict[int, Task] = {t.number: t for t in plan.tasks.all()}
        for item in data["tasks"]:
            number = _file_number(item.get("number"), "重点工作", "序号（number）")
            where = f"重点工作第 {number} 项"
            try:
                leads, units = mention_units(str(item.get("units", "")))
            except DomainError as exc:
                raise DomainError(f"{where}：{exc.message}") from exc
            task = tasks.get(number)
            if task is None:
                group = str(item.get("group", ""))
                task = Task.objects.create(
                    plan=plan,
                    number=number,
                    group_number=group,
                    group_title=groups.get(group, ""),
                    title=clean_text(item.get("title"), f"{where}标题", limit=200),
                    text=clean_text(item.get("text"), f"{where}内容"),
                    units_text=clean_text(item.get("units"), f"{where}责任单位", limit=500),
                )
                task.lead_units.set(leads)
                task.units.set(units)
                tasks[number] = task
                result.tasks += 1
        rows = {r.number: r for r in plan.rows.all()}
        changed: list[tuple[int, dict[str, Any], list[str]]] = []
        for item in data["rows"]:
            number = _file_number(item.get("number"), "台账", "序号（number）")
            where = f"台账第 {number} 项"
            try:
                _leads, units = mention_units(str(item.get("units", "")))
            except DomainError as exc:
                raise DomainError(f"{where}：{exc.message}") from exc
            if not units:
                raise DomainError(f"{where}：没有责任单位。")
            row = rows.get(number)
            row_created = row is None
            if row is None:
                row = Row.objects.create(
                    plan=plan,
                    number=number,
                    level1=clean_text(item.get("level1"), f"{where}一级指标", limit=100),
                    level2=clean_text(item.get("level2"), f"{where}二级指标", limit=100),
                    level3=clean_text(item.get("level3"), f"{where}三级指标", limit=100),
                    level4=clean_text(item.get("level4"), f"{where}四级指标", required=False),
                    work=clean_text(item.get("work"), f"{where}重点工作"),
                    units_text=clean_text(item.get("units"), f"{where}责任单位"),
                    deadline=_deadline(item.get("deadline"), where),
                    plan_clause=str(item.get("plan_clause", ""))[:40],
                    note=str(item.get("note", ""))[:300],
                    seed_line=(
                        None
                        if item.get("seed_line") in (None, "")
                        else _file_number(item["seed_line"], where, "原文行号", limit=MAX_SEED_LINE)
                    ),
                )
                linked = []
                for n in _numbers(item.get("tasks") or [], MAX_ITEM_NUMBER) or []:
                    if n not in tasks:
                        raise DomainError(f"{where}：关联的重点工作第 {n} 项不存在。")
                    linked.append(tasks[n])
                row.tasks.set(linked)
                leads = []
                for task in linked:
                    leads.extend(u for u in task.lead_units.all() if u not in leads)
                row.lead_units.set(leads)
                rows[number] = row
                result.rows += 1
            else:
                # An existing row's 责任单位 text is the credit office's (save_plan_item
                # makes its assignments follow it), so the file's text must not put back a
                # unit the office dropped. Its groups are read afresh: a unit since added to
                # 各街道〈镇〉 joins a row that still names the group.
                try:
                    _leads, units = mention_units(row.units_text)
                except DomainError as exc:
                    # A name since removed from orgs: init carries on and says so.
                    result.unresolved.append(f"{where}：{exc.message}")
                    units = []
            result.assignments += _ensure_assignments(row, units)
            for target in item.get("targets") or []:
                values = _target_values(target, where)
                replaces = _replaced_codes(target, where)
                done = _apply_target(row, values, replaces)
                if done == "added":
                    result.targets += 1
                elif done == "replaced":
                    result.replaced += 1
                if done and not row_created:
                    changed.append((number, values, replaces))
        # A binding the file adds or re-points after a plan was copied reaches the copies
        # too (the demo's 2026 plan is a copy of the 2023 seed plan). Only what changed
        # in this load is carried over, so a target the office removed from its own
        # year's plan stays removed on the next reload.
        for copy in _copies(plan) if changed else []:
            copy_rows = {r.number: r for r in copy.rows.all()}
            for number, values, replaces in changed:
                if number in copy_rows and _apply_target(copy_rows[number], values, replaces):
                    result.propagated += 1
        if (
            created
            or result.tasks
            or result.rows
            or result.assignments
            or result.targets
            or result.replaced
            or result.propagated
        ):
            record_event(
                actor=actor,
                action="ledger.plan_loaded",
                target_type="ledger.Plan",
                target_id=plan.pk,
                target_repr=str(plan),
                new={
                    "year": year,
                    "tasks": result.tasks,
                    "rows": result.rows,
                    "assignments": result.assignments,
                    "targets": result.targets,
                    "replaced": result.replaced,
                    "propagated": result.propagated,
                },
            )
    return result


def load_plan_file(*, actor: Any, path: Path | str) -> LoadResult:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DomainError(f"文件不存在：{path}") from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError):
        raise DomainError(f"无法读取文件：{path}（应为 UTF-8 编码的 JSON）。") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError(f"文件不是有效的 JSON：第 {exc.lineno} 行 {exc.msg}。") from None
    return load_plan(actor=actor, data=data)


def _shift(day: date | None, years: int) -> date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def copy_plan(*, actor: Any, plan: Plan, year: int, title: str = "") -> Plan:
    """Copy a plan to another year as next year's starting point: tasks, rows, targets,
    responsible units and rules; deadlines move by the difference in years (2023-11-30 →
    2024-11-30); progress is not copied. Refused when that year already has a plan."""
    if actor is not None:  # the demo loader copies as the system
        permissions.require(actor, "credit_admin")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise DomainError("目标年度不正确。")
    if Plan.objects.filter(year=year).exists():
        raise DomainError(f"{year}年已有工作方案，不能重复复制；请直接编辑该年度方案。")
    shift = year - plan.year
    with transaction.atomic():
        copy = Plan.objects.create(
            year=year,
            title=title or plan.title.replace(str(plan.year), str(year)),
            document_number="",
            issued_on=None,
            issuer=plan.issuer,
            copied_from=plan,
        )
        rules = getattr(plan, "rules", None)
        _ensure_rules(copy, {k: getattr(rules, k) for k in RULE_FIELDS} if rules else None)
        tasks: dict[int, Task] = {}
        for task in plan.tasks.prefetch_related("lead_units", "units"):
            new = Task.objects.create(
                plan=copy,
                number=task.number,
                group_number=task.group_number,
                group_title=task.group_title,
                title=task.title,
                text=task.text,
                units_text=task.units_text,
            )
            new.lead_units.set(task.lead_units.all())
            new.units.set(task.units.all())
            tasks[task.pk] = new
        rows = 0
        for row in plan.rows.prefetch_related("tasks", "lead_units", "targets", "assignments"):
            new_row = Row.objects.create(
                plan=copy,
                number=row.number,
                level1=row.level1,
                level2=row.level2,
                level3=row.level3,
                level4=row.level4,
                work=row.work,
                units_text=row.units_text,
                deadline=_shift(row.deadline, shift),
                plan_clause=row.plan_clause,
                note=row.note,
                seed_line=row.seed_line,
            )
            new_row.tasks.set([tasks[t.pk] for t in row.tasks.all()])
            new_row.lead_units.set(row.lead_units.all())
            RowTarget.objects.bulk_create(
                RowTarget(
                    row=new_row,
                    kind=t.kind,
                    metric_code=t.metric_code,
                    activity_kind=t.activity_kind,
                    comparison=t.comparison,
                    value=t.value,
                )
                for t in row.targets.all()
            )
            Assignment.objects.bulk_create(
                Assignment(row=new_row, unit_id=a.unit_id) for a in row.assignments.all()
            )
            rows += 1
        record_event(
            actor=actor,
            action="ledger.plan_copied",
            target_type="ledger.Plan",
            target_id=copy.pk,
            target_repr=str(copy),
            new={"from_year": plan.year, "year": year, "rows": rows},
        )
    return copy


def check_rules(values: dict[str, Any]) -> dict[str, Decimal | int]:
    """The rule values as they are stored, or a DomainError naming the first one refused
    (update_rules, and the admin's form before it reports anything saved)."""
    checked: dict[str, Decimal | int] = {}
    for key, value in values.items():
        if key not in RULE_FIELDS:
            raise DomainError(f"未知规则项：{key}")
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = Decimal("NaN")
        if not number.is_finite():
            raise DomainError(
                f"规则“{getattr(PlanRules._meta.get_field(key), 'verbose_name', key)}”应为数字。"
            )
        if key == "points_per_row" and number <= 0:
            # Possible points 0 is how the assessment tells a unit without rows.
            raise DomainError("每项满分应大于 0。")
        if number < 0:
            raise DomainError("规则数值不能为负数。")
        if key.endswith("_share") and number > 1:
            raise DomainError("得分比例应在 0 到 1 之间。")
        checked[key] = int(number) if key.endswith("_workdays") else number
    return checked


def update_rules(*, actor: Any, rules: PlanRules, values: dict[str, Any]) -> PlanRules:
    permissions.require(actor, "credit_admin")
    old = {k: getattr(rules, k) for k in RULE_FIELDS}
    checked = check_rules(values)
    with transaction.atomic():
        for key, number in checked.items():
            setattr(rules, key, number)
        rules.save()
        record_event(
            actor=actor,
            action="ledger.rules_updated",
            target_type="ledger.PlanRules",
            target_id=rules.pk,
            target_repr=str(rules),
            old=old,
            new={k: getattr(rules, k) for k in RULE_FIELDS},
        )
    return rules


def check_target(target: RowTarget) -> None:
    """Refuse a target that could never be met or missed sensibly: an unknown activity
    kind, a metric without a code, a negative value (every metric and count the ledger
    binds is at least 0), a percentage outside 0–100, a fractional count of activities."""
    from .metrics import get_metric

    if target.kind not in RowTarget.Kind.values:
        raise DomainError("量化目标的类型应为“平台指标”或“活动次数”。")
    if target.comparison not in RowTarget.Comparison.values:
        raise DomainError("量化目标的比较应为 <= 或 >=。")
    if target.kind == RowTarget.Kind.ACTIVITY and target.activity_kind not in Activity.Kind.values:
        kinds = "、".join(f"{value}（{label}）" for value, label in Activity.Kind.choices)
        raise DomainError(f"未知活动类型“{target.activity_kind}”，应为：{kinds}。")
    if target.kind == RowTarget.Kind.METRIC and not str(target.metric_code or "").strip():
        raise DomainError("平台指标类型的量化目标请填写指标代码。")
    value = target.value
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except (InvalidOperation, ValueError):
            value = Decimal("NaN")
    if not value.is_finite():
        raise DomainError("量化目标的目标值应为数字。")
    metric = get_metric(target.metric_code) if target.kind == RowTarget.Kind.METRIC else None
    if metric is not None and metric.unit_label == "%" and not 0 <= value <= 100:
        raise DomainError(f"“{metric.label}”是百分比，目标值应在 0 到 100 之间，而不是 {value}。")
    if value < 0:
        raise DomainError(f"量化目标的目标值不能为负数：{value}。")
    if value >= MAX_TARGET_VALUE:
        raise DomainError(f"量化目标的目标值过大：{value}。")
    if target.kind == RowTarget.Kind.ACTIVITY and value != value.to_integral_value():
        raise DomainError(f"活动次数的目标值应为整数，而不是 {value}。")


def check_row_units(row: Row, units_text: str) -> tuple[list[Unit], list[Assignment]]:
    """The units a row's 责任单位 text names (read as load_plan reads a plan file) and the
    row's assignments the text leaves out. Refused: an unknown name, a text naming no
    unit, and leaving out a unit that has reported progress (with its evidence) or been
    supervised (督办, 批示) on the row, since its assignment holds that history and
    would take it along. Assignments have no inactive state, so such a unit stays."""
    try:
        _leads, units = mention_units(units_text)
    except DomainError as exc:
        raise DomainError(f"责任单位：{exc.message}") from exc
    if not units:
        raise DomainError("责任单位：没有写明任何责任单位。")
    if row.pk is None:
        return units, []
    dropped: list[Any] = list(  # Assignments with the counts annotated
        Assignment.objects.filter(row_id=row.pk)
        .exclude(unit_id__in=[u.pk for u in units])
        .select_related("unit")
        .annotate(
            n_reports=Count("reports", distinct=True),
            n_evidence=Count("reports__evidence", distinct=True),
            n_supervision=Count("supervision_items", distinct=True),
        )
        .order_by("unit__sort_order", "unit__name")
    )
    kept = []
    for a in dropped:
        history = []
        if a.n_reports:
            history.append(f"已报送进展 {a.n_reports} 次")
        if a.n_evidence:
            history.append(f"佐证材料 {a.n_evidence} 份")
        if a.n_supervision:
            history.append(f"督办事项 {a.n_supervision} 项")
        if history:
            kept.append(f"{a.unit.name}（{'，'.join(history)}）")
    if kept:
        raise DomainError(
            f"责任单位不能去掉{'、'.join(kept)}：其在本事项上的进展、佐证和督办记录须保留，"
            "请在责任单位中保留该单位。"
        )
    return units, dropped


def _sync_row_units(row: Row) -> dict[str, list[str]]:
    """Make the row's assignments follow its 责任单位 text (check_row_units); the
    warnings of a dropped unit go with its assignment."""
    # Lock the row's assignments: a report filed meanwhile (report_progress locks its
    # assignment) would otherwise be deleted with an assignment checked as empty.
    list(Assignment.objects.select_for_update().filter(row_id=row.pk).values_list("pk"))
    units, dropped = check_row_units(row, row.units_text)
    Assignment.objects.filter(pk__in=[a.pk for a in dropped]).delete()
    existing = set(row.assignments.values_list("unit_id", flat=True))
    _ensure_assignments(row, units)
    return {
        "units_added": [u.name for u in units if u.pk not in existing],
        "units_removed": [a.unit.name for a in dropped],
    }


def save_plan_item(*, actor: Any, item: Any, changed: Sequence[str]) -> Any:
    """Save a plan, task, row or target edited in the admin, with one event. A row whose
    责任单位 text is new or changed gets its assignments from it (_sync_row_units), as
    load_plan gives them."""
    permissions.require(actor, "credit_admin")
    if not isinstance(item, (Plan, Task, Row, RowTarget)):
        raise DomainError("只能编辑工作方案、重点工作、台账事项和量化目标。")
    if isinstance(item, RowTarget):
        check_target(item)
    with transaction.atomic():
        created = item.pk is None
        stored = None
        if isinstance(item, Row) and not created:
            stored = Row.objects.filter(pk=item.pk).values_list("units_text", flat=True).first()
        sync = isinstance(item, Row) and (created or stored != item.units_text)
        item.save()
        units: dict[str, Any] = {}
        if sync:
            units = {"units_text": item.units_text, **_sync_row_units(item)}
        record_event(
            actor=actor,
            action="ledger.plan_item_created" if created else "ledger.plan_item_edited",
            target_type=f"ledger.{type(item).__name__}",
            target_id=item.pk,
            target_repr=str(item),
            old={"units_text": stored} if sync and not created else None,
            new={"changed": list(changed), **units},
        )
    return item


def delete_plan_item(*, actor: Any, item: Any) -> None:
    permissions.require(actor, "credit_admin")
    if not isinstance(item, RowTarget):
        raise DomainError("只能删除量化目标；台账事项请保留并修改。")
    with transaction.atomic():
        record_event(
            actor=actor,
            action="ledger.target_deleted",
            target_type="ledger.RowTarget",
            target_id=item.pk,
            target_repr=str(item),
            old={"row": item.row_id, "target": str(item)},
        )
        item.delete()


# ------------------------------------------------------------------ evidence


def _links(links: Iterable[Any]) -> list[str]:
    items = [str(x).strip() for x in links or () if str(x or "").strip()]
    if len(items) > MAX_LINKS:
        raise DomainError(f"最多填写 {MAX_LINKS} 个链接。")
    check = URLValidator(schemes=["http", "https"])
    for url in items:
        try:
            check(url)
        except ValidationError:
            raise DomainError(
                f"链接格式不正确：“{url[:80]}”，应以 http:// 或 https:// 开头。"
            ) from None
        if len(url) > 500:
            raise DomainError("链接过长：最多 500 个字符。")
    return items


def _save_evidence(
    files: Sequence[Any], links: Sequence[str], *, report: Any = None, activity: Any = None
) -> int:
    saved = 0
    for item in files:
        digest = hashlib.sha256()
        for chunk in item.chunks():
            digest.update(chunk)
        item.seek(0)
        name = PurePath(str(item.name)).name[:255]
        kind = (
            Evidence.Kind.PHOTO
            if PurePath(name).suffix.lower() in PHOTO_SUFFIXES
            else Evidence.Kind.DOCUMENT
        )
        evidence = Evidence(
            report=report,
            activity=activity,
            kind=kind,
            original_name=name,
            size=int(item.size),
            sha256=digest.hexdigest(),
        )
        evidence.file.save(name, item, save=False)
        evidence.save()
        saved += 1
    for url in links:
        Evidence.objects.create(report=report, activity=activity, kind=Evidence.Kind.LINK, url=url)
        saved += 1
    return saved


# ------------------------------------------------------------------ progress and review


def _require_reporter(actor: Any, unit: Unit) -> None:
    role = permissions.role_of(actor)
    if role == Role.LEADER:
        raise NotPermitted("领导账号为只读账号，不能报送进展。")
    if role not in (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER):
        raise NotPermitted("只有责任单位的填报员、审核员或信用办管理员可以报送进展。")
    permissions.require(actor, "write_unit_data", unit)


def lead_review_unit_ids(assignment: Assignment) -> set[int]:
    """The units whose reviewers review a completion of `assignment` first: the row's
    lead units other than the credit office (which reviews anyway) and the reporting unit
    itself (nobody approves its own work). Without one, the credit office alone reviews."""
    office = credit_office_unit()
    return {
        u.pk
        for u in assignment.row.lead_units.all()
        if u.pk != assignment.unit_id and (office is None or u.pk != office.pk)
    }


def needs_lead_review(assignment: Assignment) -> bool:
    return bool(lead_review_unit_ids(assignment))


def report_progress(
    *,
    actor: Any,
    assignment: Assignment,
    claim: str,
    narrative: str,
    reported_on: date | None = None,
    date_reason: str = "",
    files: Iterable[Any] = (),
    links: Iterable[Any] = (),
) -> ProgressReport:
    """A responsible unit reports on its row: 推进中 (a progress note) or 已完成 (sent
    for review: to the lead unit, then the credit office). A report is dated the day it
    is filed, since deadlines are judged on that date; only the credit office may record
    an earlier date (e.g. a report handed in on paper), with the reason kept on the
    report and in its event."""
    _require_reporter(actor, assignment.unit)
    if claim not in ProgressReport.Claim.values:
        raise DomainError("进展状态只能是“推进中”或“已完成”。")
    narrative = clean_text(narrative, "工作进展")
    filed_on = today()
    day = _date(reported_on, "报送日期") if reported_on else filed_on
    if day > filed_on:
        raise DomainError("报送日期不能晚于今天。")
    date_reason = clean_text(date_reason, "补录理由", required=False, limit=500)
    if day < filed_on:
        if not permissions.is_credit_admin(actor):
            raise DomainError(
                "报送日期即提交当天，单位不能填写更早的日期；确需补录的，请由信用办补录并说明理由。"
            )
        if not date_reason:
            raise DomainError("补录更早的报送日期，请填写补录理由。")
    else:
        date_reason = ""
    if day.year != assignment.row.plan.year and day.year != assignment.row.plan.year + 1:
        raise DomainError(f"报送日期应在 {assignment.row.plan.year} 年度内。")
    checked = check_files(files)
    urls = _links(links)
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update().select_related("row").get(pk=assignment.pk)
        )
        pending = assignment.reports.filter(
            review__in=(ProgressReport.Review.SUBMITTED, ProgressReport.Review.LEAD_ACCEPTED)
        ).exists()
        if pending:
            raise DomainError("该事项已有待审核的完成报告，请等待审核结果后再报送。")
        if assignment.status == Assignment.Status.ACCEPTED and not assignment.row.is_ongoing:
            raise DomainError("该事项已审核完成，无需再报送。")
        same = assignment.reports.filter(claim=claim, narrative=narrative, reported_on=day).first()
        if same is not None:
            raise DomainError(
                f"已报送过相同的进展：{day:%Y-%m-%d}“{same.get_claim_display()}”，"
                "工作进展内容一字不差，未重复报送。如有新的进展，请补充说明后再报送。"
            )
        old = {"status": assignment.status}
        if claim == ProgressReport.Claim.COMPLETED:
            review = (
                ProgressReport.Review.SUBMITTED
                if needs_lead_review(assignment)
                else ProgressReport.Review.LEAD_ACCEPTED
            )
            assignment.status = (
                Assignment.Status.SUBMITTED
                if review == ProgressReport.Review.SUBMITTED
                else Assignment.Status.LEAD_ACCEPTED
            )
            assignment.completed_on = day
        else:
            review = ProgressReport.Review.NONE
            # A 持续推进 row accepted as done stays accepted: a later progress report is
            # news of continuing work, not a step back (it scored 30 % instead of 100 %).
            if not (assignment.status == Assignment.Status.ACCEPTED and assignment.row.is_ongoing):
                assignment.status = Assignment.Status.IN_PROGRESS
        report = ProgressReport.objects.create(
            assignment=assignment,
            reported_on=day,
            date_reason=date_reason,
            claim=claim,
            narrative=narrative,
            review=review,
            submitted_by=actor if getattr(actor, "pk", None) else None,
        )
        evidence = _save_evidence(checked, urls, report=report)
        assignment.last_reported_on = max(day, assignment.last_reported_on or day)
        assignment.save()
        record_event(
            actor=actor,
            action="ledger.progress_reported",
            target_type="ledger.Assignment",
            target_id=assignment.pk,
            target_repr=str(assignment),
            old=old,
            new={
                "report": report.pk,
                "claim": claim,
                "reported_on": day,
                "filed_on": filed_on,
                "date_reason": date_reason,
                "status": assignment.status,
                "evidence": evidence,
            },
        )
    return report


def may_lead_review(actor: Any, report: ProgressReport) -> bool:
    """The credit office, or a reviewer of one of the lead units that review this
    completion (lead_review_unit_ids: not the reporting unit's own)."""
    role = permissions.role_of(actor)
    if role == Role.CREDIT_ADMIN:
        return True
    return (
        role == Role.REVIEWER
        and actor.unit_id is not None
        and actor.unit_id in lead_review_unit_ids(report.assignment)
    )


def review_report(
    *,
    actor: Any,
    report: ProgressReport,
    accept: bool,
    comment: str = "",
    on: date | None = None,
) -> ProgressReport:
    """Accept or return a completion report. The lead unit's reviewer acts on reports
    waiting for the lead unit; the credit office may act at either stage and its
    acceptance is final. A return needs a comment."""
    comment = clean_text(comment, "审核意见", required=not accept, limit=2000)
    day = on or today()
    with transaction.atomic():
        report = (
            ProgressReport.objects.select_for_update()
            .select_related("assignment", "assignment__row", "assignment__unit")
            .get(pk=report.pk)
        )
        assignment = report.assignment
        old = {"review": report.review, "status": assignment.status}
        office = permissions.is_credit_admin(actor)
        if report.review == ProgressReport.Review.SUBMITTED:
            if not may_lead_review(actor, report):
                raise NotPermitted("只有牵头单位的审核员或信用办管理员可以审核该报告。")
        elif report.review == ProgressReport.Review.LEAD_ACCEPTED:
            if not office:
                raise NotPermitted("该报告待信用办审核，只有信用办管理员可以审核。")
        else:
            raise DomainError("该报告不在待审核状态。")
        if day < report.reported_on or day > today():
            raise DomainError("审核日期应在报送日期与今天之间。")
        stage_lead = report.review == ProgressReport.Review.SUBMITTED and not office
        if stage_lead:
            report.lead_reviewed_by = actor
            report.lead_reviewed_on = day
            report.lead_comment = comment
        else:
            report.office_reviewed_by = actor
            report.office_reviewed_on = day
            report.office_comment = comment
        if not accept:
            report.review = ProgressReport.Review.RETURNED
            assignment.status = Assignment.Status.RETURNED
            assignment.completed_on = None
        elif stage_lead:
            report.review = ProgressReport.Review.LEAD_ACCEPTED
            assignment.status = Assignment.Status.LEAD_ACCEPTED
        else:
            report.review = ProgressReport.Review.ACCEPTED
            assignment.status = Assignment.Status.ACCEPTED
            assignment.accepted_on = day
        report.save()
        assignment.save()
        record_event(
            actor=actor,
            action="ledger.report_reviewed",
            target_type="ledger.ProgressReport",
            target_id=report.pk,
            target_repr=str(assignment),
            old=old,
            new={
                "review": report.review,
                "status": assignment.status,
                "stage": "lead" if stage_lead else "office",
                "comment": comment,
            },
        )
    return report


# ------------------------------------------------------------------ activities


def record_activity(
    *,
    actor: Any,
    plan: Plan,
    unit: Unit,
    kind: str,
    title: str,
    held_on: date,
    place: str = "",
    participants: int | None = None,
    description: str = "",
    files: Iterable[Any] = (),
    links: Iterable[Any] = (),
) -> Activity:
    """Record a publicity event, a training session, a 信易贷 matchmaking event or a
    典型案例, with its evidence; it counts against the rows' activity targets."""
    _require_reporter(actor, unit)
    if kind not in Activity.Kind.values:
        raise DomainError("活动类型不正确。")
    held_on = _date(held_on, "活动日期")
    if held_on.year != plan.year:
        raise DomainError(f"活动日期应在 {plan.year} 年内。")
    if held_on > today():
        raise DomainError("活动日期不能晚于今天。")
    if participants is not None and (
        not isinstance(participants, int) or isinstance(participants, bool) or participants < 0
    ):
        raise DomainError("参加人数应为非负整数。")
    if participants is not None and participants > MAX_PARTICIPANTS:
        raise DomainError(f"参加人数应在 0 到 {MAX_PARTICIPANTS} 之间。")
    title = clean_text(title, "活动名称", limit=200)
    checked = check_files(files)
    urls = _links(links)
    if not checked and not urls:
        raise DomainError("请上传佐证材料（文件或照片）或填写网站发布链接：活动按佐证计数。")
    with transaction.atomic():
        # One unit's activities are recorded one at a time, so that two submits of the
        # same form cannot both pass the check for an identical record below.
        Unit.objects.select_for_update().filter(pk=unit.pk).first()
        same = (
            Activity.objects.filter(plan=plan, unit=unit, kind=kind, title=title, held_on=held_on)
            .order_by("pk")
            .first()
        )
        if same is not None:
            # Each activity counts toward a scored "at least N a year" target: the same
            # event recorded twice would count twice.
            raise DomainError(
                f"已记录过相同的活动：{unit.name} {held_on:%Y-%m-%d}"
                f"“{title}”（{same.get_kind_display()}，"
                f"{timezone.localtime(same.created_at):%Y-%m-%d %H:%M} 录入），未重复记录。"
                "同一天另有一场同名活动的，请在名称中加以区分（如“上午场”）。"
            )
        activity = Activity.objects.create(
            plan=plan,
            unit=unit,
            kind=kind,
            title=title,
            held_on=held_on,
            place=clean_text(place, "地点或渠道", required=False, limit=200),
            participants=participants,
            description=clean_text(description, "简要情况", required=False),
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        evidence = _save_evidence(checked, urls, activity=activity)
        record_event(
            actor=actor,
            action="ledger.activity_recorded",
            target_type="ledger.Activity",
            target_id=activity.pk,
            target_repr=str(activity),
            new={"kind": kind, "held_on": held_on, "unit": unit.name, "evidence": evidence},
        )
    return activity


# ------------------------------------------------------------------ warnings (daily job)


@dataclass
class WarningRun:
    due_soon: int = 0
    overdue: int = 0
    skipped_years: set[int] = field(default_factory=set)

    def summary(self) -> str:
        text = f"工作台账期限预警：即将到期 {self.due_soon} 条、逾期 {self.overdue} 条（新增）"
        if self.skipped_years:
            years = "、".join(str(y) for y in sorted(self.skipped_years))
            text += f"；{years} 年工作日历未导入，相关期限暂未计算"
        return text


def run_warnings(*, actor: Any = None, on: date | None = None) -> WarningRun:
    """Warn units before and after their deadlines (working days, rules of the plan year).
    Idempotent: one warning per (assignment, kind, due date). Last year's plan is read
    too for its deadlines that fall this year: the fourth quarter's report on a 持续推进
    row is due in January."""
    from . import selectors

    on = on or today()
    run = WarningRun()
    for plan in (selectors.plan_for_year(on.year), selectors.plan_for_year(on.year - 1)):
        if plan is not None:
            _warn_plan(plan, on, run, actor=actor, this_year_only=plan.year != on.year)
    return run


def _warn_plan(plan: Plan, on: date, run: WarningRun, *, actor: Any, this_year_only: bool) -> None:
    from . import selectors

    new: list[DeadlineWarning] = []
    counts: dict[str, int] = {DeadlineWarning.Kind.OVERDUE: 0, DeadlineWarning.Kind.DUE_SOON: 0}
    existing = set(
        DeadlineWarning.objects.filter(assignment__row__plan=plan).values_list(
            "assignment_id", "kind", "due_on"
        )
    )
    for state in selectors.assignment_states(plan, on=on):
        run.skipped_years |= state.unknown_years
        a = state.assignment
        for kind, due in state.warnings():
            if (a.pk, kind, due) in existing or (this_year_only and due.year != on.year):
                continue
            label = "已逾期" if kind == DeadlineWarning.Kind.OVERDUE else "即将到期"
            message = (
                f"{a.row.plan.year}年台账第{a.row.number}项“{a.row.short_title}”{label}"
                f"（期限 {selectors.deadline_text(a.row, due)}），请{a.unit.name}及时报送进展。"
            )
            new.append(
                DeadlineWarning(
                    assignment=a, kind=kind, due_on=due, created_on=on, message=message[:300]
                )
            )
            counts[kind] += 1
    run.overdue += counts[DeadlineWarning.Kind.OVERDUE]
    run.due_soon += counts[DeadlineWarning.Kind.DUE_SOON]
    if new:
        with transaction.atomic():
            DeadlineWarning.objects.bulk_create(new)
            record_event(
                actor=actor,
                action="ledger.warnings_issued",
                target_type="ledger.Plan",
                target_id=plan.pk,
                target_repr=str(plan),
                new={
                    "on": on,
                    "due_soon": counts[DeadlineWarning.Kind.DUE_SOON],
                    "overdue": counts[DeadlineWarning.Kind.OVERDUE],
                },
            )


def run_warnings_job() -> str:
    return run_warnings().summary()


# ------------------------------------------------------------------ 督办 and 批示


def open_supervision(
    *, actor: Any, assignment: Assignment, reason: str, due_on: date | None = None
) -> SupervisionItem:
    """The credit office opens a 督办 item on a unit's row (seed §三（二）)."""
    permissions.require(actor, "credit_admin")
    reason = clean_text(reason, "督办事由", limit=2000)
    day = today()
    if due_on is None:
        rules = PlanRules.objects.filter(plan=assignment.row.plan).first()
        days = rules.supervision_workdays if rules else 5
        try:
            due_on = calendar.add_workdays(day, days)
        except CalendarUnknownYear as exc:
            raise DomainError(exc.message + "也可以直接指定办理期限。") from None
    if due_on < day:
        raise DomainError("办理期限不能早于今天。")
    with transaction.atomic():
        Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
        same = (
            assignment.supervision_items.exclude(status=SupervisionItem.Status.CLOSED)
            .filter(reason=reason)
            .first()
        )
        if same is not None:
            # Open 督办 items are counted per unit in the 通报: a second identical one
            # would count the same 督办 twice.
            raise DomainError(
                f"该事项已有相同事由的督办事项（{same.opened_on:%Y-%m-%d} 发起，"
                f"{same.get_status_display()}，期限 {same.due_on:%Y-%m-%d}），未重复督办。"
            )
        item = SupervisionItem.objects.create(
            assignment=assignment,
            reason=reason,
            opened_on=day,
            due_on=due_on,
            opened_by=actor if getattr(actor, "pk", None) else None,
        )
        record_event(
            actor=actor,
            action="ledger.supervision_opened",
            target_type="ledger.SupervisionItem",
            target_id=item.pk,
            target_repr=str(item),
            new={"assignment": assignment.pk, "due_on": due_on, "reason": reason},
        )
    return item


def add_instruction(*, actor: Any, item: SupervisionItem, text: str) -> Instruction:
    """A leader's 批示 on a 督办 item."""
    if not permissions.is_leader(actor):
        raise NotPermitted("只有领导可以作出批示。")
    text = clean_text(text, "批示内容", limit=2000)
    if item.status == SupervisionItem.Status.CLOSED:
        raise DomainError("该督办事项已办结。")
    with transaction.atomic():
        label = getattr(actor, "full_name", "") or actor.username
        instruction = Instruction.objects.create(
            item=item, leader=actor, leader_label=label[:100], text=text, given_on=today()
        )
        record_event(
            actor=actor,
            action="ledger.instruction_given",
            target_type="ledger.SupervisionItem",
            target_id=item.pk,
            target_repr=str(item),
            new={"text": text},
        )
    return instruction


def respond_supervision(*, actor: Any, item: SupervisionItem, response: str) -> SupervisionItem:
    """The supervised unit answers what it has done."""
    _require_reporter(actor, item.assignment.unit)
    response = clean_text(response, "办理情况", limit=2000)
    if item.status == SupervisionItem.Status.CLOSED:
        raise DomainError("该督办事项已办结。")
    with transaction.atomic():
        old = {"status": item.status}
        item.response = response
        # The first answer dates it: a past 通报 reads whether the unit had answered by
        # its day, and a fuller answer later must not undo that.
        item.responded_on = item.responded_on or today()
        item.status = SupervisionItem.Status.ANSWERED
        item.save()
        record_event(
            actor=actor,
            action="ledger.supervision_answered",
            target_type="ledger.SupervisionItem",
            target_id=item.pk,
            target_repr=str(item),
            old=old,
            new={"status": item.status, "response": response},
        )
    return item


def close_supervision(*, actor: Any, item: SupervisionItem, note: str) -> SupervisionItem:
    permissions.require(actor, "credit_admin")
    note = clean_text(note, "办结意见", limit=2000)
    if item.status == SupervisionItem.Status.CLOSED:
        raise DomainError("该督办事项已办结。")
    with transaction.atomic():
        old = {"status": item.status}
        item.status = SupervisionItem.Status.CLOSED
        item.closing_note = note
        item.closed_on = today()
        item.save()
        record_event(
            actor=actor,
            action="ledger.supervision_closed",
            target_type="ledger.SupervisionItem",
            target_id=item.pk,
            target_repr=str(item),
            old=old,
            new={"status": item.status, "note": note},
        )
    return item


# ------------------------------------------------------------------ 通报


def check_bulletin_period(plan: Plan, year: int, month: int) -> None:
    """A plan's 通报 cover its year's months and the January after it, when the fourth
    quarter's reports on its 持续推进 rows fall due (next year's plan has its own
    January 通报). A month not yet begun has nothing to report: its figures would be
    today's, published under a later month (the 通报 page and `xinyong ledger report`
    both check here)."""
    if not (year == plan.year or (year == plan.year + 1 and month == 1)):
        raise DomainError(f"通报期间应在 {plan.year} 年内或 {plan.year + 1} 年 1 月。")
    if date(year, month, 1) > today():
        raise DomainError(f"{year} 年 {month} 月尚未开始，不能起草或生成该月的通报。")


def draft_bulletin(*, actor: Any, plan: Plan, period: str, commentary: str = "") -> Bulletin:
    permissions.require(actor, "credit_admin")
    year, month = parse_period(period)
    check_bulletin_period(plan, year, month)
    key = f"{year:04d}-{month:02d}"
    if Bulletin.objects.filter(plan=plan, period=key).exists():
        raise DomainError(f"{key} 的通报已存在。")
    with transaction.atomic():
        bulletin = Bulletin.objects.create(
            plan=plan,
            period=key,
            commentary=clean_text(commentary, "信用办评述", required=False),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        record_event(
            actor=actor,
            action="ledger.bulletin_drafted",
            target_type="ledger.Bulletin",
            target_id=bulletin.pk,
            target_repr=str(bulletin),
            new={"period": key},
        )
    return bulletin


def update_commentary(*, actor: Any, bulletin: Bulletin, commentary: str) -> Bulletin:
    permissions.require(actor, "credit_admin")
    if bulletin.status == Bulletin.Status.PUBLISHED:
        raise DomainError("通报已印发，不能再修改。")
    commentary = clean_text(commentary, "信用办评述", required=False)
    with transaction.atomic():
        old = {"commentary": bulletin.commentary}
        bulletin.commentary = commentary
        bulletin.save(update_fields=["commentary", "updated_at"])
        record_event(
            actor=actor,
            action="ledger.bulletin_commented",
            target_type="ledger.Bulletin",
            target_id=bulletin.pk,
            target_repr=str(bulletin),
            old=old,
            new={"commentary": commentary},
        )
    return bulletin


def publish_bulletin(*, actor: Any, bulletin: Bulletin) -> Bulletin:
    """Freeze the 通报's figures with the commentary; a 通报 without commentary is not
    published (the credit office adds its assessment first)."""
    from . import reports

    permissions.require(actor, "credit_admin")
    if bulletin.status == Bulletin.Status.PUBLISHED:
        raise DomainError("通报已印发。")
    if not bulletin.commentary.strip():
        raise DomainError("请先填写信用办评述，再印发通报。")
    with transaction.atomic():
        bulletin.snapshot = reports.bulletin_data(bulletin.plan, bulletin.period, bulletin=bulletin)
        bulletin.status = Bulletin.Status.PUBLISHED
        bulletin.published_on = today()
        bulletin.save()
        record_event(
            actor=actor,
            action="ledger.bulletin_published",
            target_type="ledger.Bulletin",
            target_id=bulletin.pk,
            target_repr=str(bulletin),
            new={"period": bulletin.period, "published_on": bulletin.published_on},
        )
    return bulletin


def resolve_unit_filter(value: Any) -> Unit:
    """A unit for a filter given as a name (any spelling) or an id."""
    from xinyong.orgs.services import resolve_unit

    target = resolve_unit(value) if str(value).strip().isdigit() else resolve_unit_name(str(value))
    if not isinstance(target, Unit):
        raise DomainError(f"“{value}”是单位组，请指定具体单位。")
    return target
