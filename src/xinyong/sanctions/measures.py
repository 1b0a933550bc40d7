"""The measures list (奖惩措施清单) and the 于法有据 compliance report (DOMAIN.md §7–8).

A measure is data: name, legal basis (citation text, required), implementing units, the
list types it applies to, the matters it concerns, incentive or punishment, and the
interval in which it is in force. `save_measure` is the one write path; it refuses a
measure without a legal basis (text naming no document, such as “无” or “《……》第……条”,
counts as none: `xinyong.core.legal_basis`) and one that names a forbidden matter
(国办发〔2020〕49号; 河南条例 art. 31: no invented measures). A measure that is inactive, out of its interval
or without a basis is never applied by a check (`applicable_measures`).

Reference data: data/matters.json and data/measures.json, loaded at order 61 (after the
list types at 60) by `load_matters_and_measures`, which only adds what is missing so that
`xinyong init` never undoes the credit office's changes; `xinyong sanctions load-measures`
ships a changed file explicitly.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Q, QuerySet

from xinyong.catalog.models import RecordType
from xinyong.catalog.selectors import check_lawful_matter, describe_forbidden
from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.exports import safe_cell, xlsx_workbook
from xinyong.core.legal_basis import basis_problem
from xinyong.orgs.models import Unit
from xinyong.orgs.permissions import require
from xinyong.orgs.services import resolve_units

from .models import ListType, Matter, Measure

DATA_DIR = Path(__file__).resolve().parent / "data"


# ---------------------------------------------------------------- validation


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def validate_measure(
    *,
    name: str,
    kind: str,
    legal_basis: str,
    list_types: Sequence[ListType],
    effective_from: date | None,
    effective_to: date | None,
) -> None:
    """Raise DomainError (Chinese) unless the measure may exist: a named measure with a
    cited legal basis, no forbidden matter, list types of the matching kind, a sane
    interval. Shared by the service, the admin form and the loader."""
    if not _text(name):
        raise DomainError("措施名称不能为空。")
    if kind not in Measure.Kind.values:
        raise DomainError(f"措施类别“{kind}”无效：应为“惩戒措施”或“激励措施”。")
    basis = _text(legal_basis)
    if not basis:
        raise DomainError(
            f"措施“{_text(name)}”缺少法律依据：奖惩措施必须直接引用法律、法规或党中央、"
            "国务院政策文件的具体条款，不得保存或实施（国办发〔2020〕49号；河南条例第三十一条）。"
        )
    problem = basis_problem(basis)
    if problem is not None:
        raise DomainError(f"措施“{_text(name)}”的法律依据“{basis}”不是有效的引用：{problem}。")
    forbidden = check_lawful_matter(f"{name} {legal_basis}")
    if forbidden:
        raise DomainError(
            f"措施“{_text(name)}”涉及不得作为失信惩戒依据的事项：{describe_forbidden(forbidden)}"
        )
    if not list_types:
        raise DomainError(f"措施“{_text(name)}”未指定适用名单：惩戒和激励措施须通过名单实施。")
    for lt in list_types:
        is_red = lt.kind == ListType.Kind.RED
        if kind == Measure.Kind.INCENTIVE and not is_red:
            raise DomainError(f"激励措施只能适用于红名单，不能适用于“{lt.name}”。")
        if kind == Measure.Kind.PUNISHMENT and is_red:
            raise DomainError(f"惩戒措施不能适用于红名单“{lt.name}”。")
    if effective_from is None:
        raise DomainError(f"措施“{_text(name)}”缺少生效日期。")
    if effective_to is not None and effective_to < effective_from:
        raise DomainError("失效日期不能早于生效日期。")


def _list_types(codes: Iterable[str]) -> list[ListType]:
    found = []
    for code in codes:
        lt = ListType.objects.filter(code=str(code).strip()).first()
        if lt is None:
            raise DomainError(f"未知的名单类型代码：{code}")
        found.append(lt)
    return found


def _matters(codes: Iterable[str]) -> list[Matter]:
    found = []
    for code in codes:
        matter = Matter.objects.filter(code=str(code).strip().upper()).first()
        if matter is None:
            raise DomainError(f"未知的办理事项代码：{code}")
        found.append(matter)
    return found


def _units(names: Iterable[str]) -> list[Unit]:
    units: list[Unit] = []
    for name in names:
        for unit in resolve_units(str(name)):
            if unit not in units:
                units.append(unit)
    return units


def measure_snapshot(measure: Measure) -> dict[str, Any]:
    return {
        "code": measure.code,
        "name": measure.name,
        "kind": measure.kind,
        "legal_basis": measure.legal_basis,
        "source_list": measure.source_list,
        "implementing_text": measure.implementing_text,
        "units": sorted(u.name for u in measure.implementing_units.all()),
        "list_types": sorted(lt.code for lt in measure.list_types.all()),
        "matters": sorted(m.code for m in measure.matters.all()),
        "effective_from": measure.effective_from,
        "effective_to": measure.effective_to,
        "active": measure.active,
    }


# ---------------------------------------------------------------- write path


def save_measure(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    legal_basis: str,
    source_list: str = "",
    implementing_text: str = "",
    unit_names: Sequence[str] = (),
    list_type_codes: Sequence[str] = (),
    matter_codes: Sequence[str] = (),
    effective_from: date | None,
    effective_to: date | None = None,
    active: bool = True,
) -> Measure:
    """Create or update (by code) a measure. Only the credit office maintains the list
    (actor None: the system's loaders and CLI)."""
    if actor is not None:
        require(actor, "credit_admin")
    code = _text(code).upper()
    if not code:
        raise DomainError("措施代码不能为空。")
    list_types = _list_types(list_type_codes)
    matters = _matters(matter_codes)
    units = _units(unit_names)
    validate_measure(
        name=name,
        kind=kind,
        legal_basis=legal_basis,
        list_types=list_types,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    with transaction.atomic():
        measure = Measure.objects.select_for_update().filter(code=code).first()
        old = measure_snapshot(measure) if measure else None
        if measure is None:
            measure = Measure(code=code)
        measure.name = _text(name)
        measure.kind = kind
        measure.legal_basis = str(legal_basis).strip()
        measure.source_list = _text(source_list)[:200]
        measure.implementing_text = _text(implementing_text)[:300]
        assert effective_from is not None  # validate_measure refused None
        measure.effective_from = effective_from
        measure.effective_to = effective_to
        measure.active = active
        measure.save()
        measure.list_types.set(list_types)
        measure.matters.set(matters)
        measure.implementing_units.set(units)
        new = measure_snapshot(measure)
        if old != new:
            record_event(
                actor=actor,
                action="sanctions.measure_saved" if old else "sanctions.measure_created",
                target_type="sanctions.measure",
                target_id=measure.pk,
                target_repr=f"{measure.code} {measure.name}",
                old=old,
                new=new,
            )
    return measure


class MeasureAdminForm(forms.ModelForm):
    """The admin's form: refuses exactly what `validate_measure` refuses, with the Chinese
    reason on the form (a measure without a basis cannot be saved through the admin)."""

    class Meta:
        model = Measure
        fields = [
            "code",
            "name",
            "kind",
            "legal_basis",
            "source_list",
            "implementing_units",
            "implementing_text",
            "list_types",
            "matters",
            "effective_from",
            "effective_to",
            "active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            validate_measure(
                name=data.get("name") or "",
                kind=data.get("kind") or "",
                legal_basis=data.get("legal_basis") or "",
                list_types=list(data.get("list_types") or []),
                effective_from=data.get("effective_from"),
                effective_to=data.get("effective_to"),
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return data


# ---------------------------------------------------------------- reads


def in_force_q(on: date, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}active": True})
        & Q(**{f"{prefix}effective_from__lte": on})
        & (Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gte": on}))
        & ~Q(**{f"{prefix}legal_basis": ""})
    )


def applicable_measures(*, list_type: ListType, matter: Matter, on: date) -> list[Measure]:
    """The measures that legally apply on `on` to a subject on `list_type` in `matter`:
    linked to both, active, in force, with a basis naming a document, of the kind that
    fits the list (red → incentives, others → punishments) and naming no forbidden
    matter."""
    kind = (
        Measure.Kind.INCENTIVE if list_type.kind == ListType.Kind.RED else Measure.Kind.PUNISHMENT
    )
    candidates = (
        Measure.objects.filter(in_force_q(on), list_types=list_type, matters=matter, kind=kind)
        .distinct()
        .order_by("code")
    )
    # The query only excludes an empty basis; one that names no document is no basis either.
    return [
        m
        for m in candidates
        if basis_problem(m.legal_basis) is None
        and not check_lawful_matter(f"{m.name} {m.legal_basis}")
    ]


def list_measures(
    *, kind: str = "", list_type: str = "", matter: str = "", query: str = ""
) -> QuerySet[Measure]:
    qs = Measure.objects.prefetch_related("list_types", "matters", "implementing_units")
    if kind:
        qs = qs.filter(kind=kind)
    if list_type:
        qs = qs.filter(list_types__code=list_type)
    if matter:
        qs = qs.filter(matters__code=matter)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(legal_basis__icontains=query))
    return qs.distinct().order_by("kind", "code")


def get_measure(code: str) -> Measure:
    measure = (
        Measure.objects.prefetch_related("list_types", "matters", "implementing_units")
        .filter(code=str(code).strip().upper())
        .first()
    )
    if measure is None:
        raise NotFoundError(f"未找到代码为“{code}”的措施。")
    return measure


def get_matter(code_or_name: str) -> Matter:
    text = _text(code_or_name)
    if not text:
        raise DomainError("请选择办理事项。")
    matter = (
        Matter.objects.filter(code=text.upper()).first() or Matter.objects.filter(name=text).first()
    )
    if matter is None:
        known = "、".join(f"{m.code}（{m.name}）" for m in Matter.objects.order_by("code"))
        raise NotFoundError(f"未知的办理事项“{text}”。可选：{known}")
    return matter


# ---------------------------------------------------------------- compliance report


@dataclass
class ComplianceRow:
    section: str  # 奖惩措施 / 名单类型 / 信息类别
    code: str
    name: str
    basis: str
    status: str  # "合规" or "存在问题"
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "code": self.code,
            "name": self.name,
            "basis": self.basis,
            "ok": self.ok,
            "problems": self.problems,
        }


@dataclass
class ComplianceReport:
    on: date
    rows: list[ComplianceRow]

    @property
    def flagged(self) -> list[ComplianceRow]:
        return [r for r in self.rows if not r.ok]

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for row in self.rows:
            c = out.setdefault(row.section, {"total": 0, "flagged": 0})
            c["total"] += 1
            c["flagged"] += 0 if row.ok else 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "all_lawful": not self.flagged,
            "counts": self.counts(),
            "rows": [r.as_dict() for r in self.rows],
        }


def _basis_problems(basis: str, text: str) -> list[str]:
    problems = []
    problem = basis_problem(basis)
    if problem is not None:
        problems.append(problem)
    forbidden = check_lawful_matter(text)
    if forbidden:
        problems.append("涉及不得纳入或惩戒的事项：" + describe_forbidden(forbidden))
    return problems


def measure_problems(measure: Measure, on: date) -> list[str]:
    problems = _basis_problems(measure.legal_basis, f"{measure.name} {measure.legal_basis}")
    if measure.effective_to is not None and measure.effective_to < on:
        problems.append(f"已于 {measure.effective_to:%Y-%m-%d} 失效")
    if not measure.active:
        problems.append("已停用")
    if not measure.list_types.exists():
        problems.append("未关联名单，无法通过名单实施")
    return problems


def compliance_report(*, actor: Any, on: date) -> ComplianceReport:
    """Every measure, every list type and every catalogue record type with its basis;
    anything without one, expired, inactive or naming a forbidden matter is flagged (seed:
    确保我区信用奖惩措施全部于法有据)."""
    if actor is not None:
        require(actor, "read_all_units")
    rows: list[ComplianceRow] = []
    for m in Measure.objects.prefetch_related("list_types").order_by("kind", "code"):
        problems = measure_problems(m, on)
        rows.append(
            ComplianceRow(
                f"奖惩措施（{m.get_kind_display()}）",
                m.code,
                m.name,
                m.legal_basis,
                "存在问题" if problems else "合规",
                problems,
            )
        )
    for lt in ListType.objects.order_by("kind", "code"):
        problems = _basis_problems(
            lt.legal_basis, f"{lt.name} {lt.entry_criteria} {lt.legal_basis}"
        )
        if not lt.active:
            problems.append("已停用")
        rows.append(
            ComplianceRow(
                "名单类型",
                lt.code,
                lt.name,
                lt.legal_basis,
                "存在问题" if problems else "合规",
                problems,
            )
        )
    for rt in RecordType.objects.order_by("sort_order", "code"):
        problems = _basis_problems(rt.legal_basis, f"{rt.name} {rt.description}")
        rows.append(
            ComplianceRow(
                "信息类别（目录）",
                rt.code,
                rt.name,
                rt.legal_basis,
                "存在问题" if problems else "合规",
                problems,
            )
        )
    return ComplianceReport(on=on, rows=rows)


def compliance_xlsx(report: ComplianceReport) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsx_workbook(buffer)
    sheet = workbook.add_worksheet("于法有据检查")
    head = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    bad = workbook.add_format({"font_color": "#C00000"})
    sheet.write_string(0, 0, f"信用奖惩措施于法有据检查（{report.on:%Y-%m-%d}）", head)
    headers = ["类别", "代码", "名称", "法律依据", "结论", "问题"]
    for col, title in enumerate(headers):
        sheet.write_string(1, col, title, head)
    for r, row in enumerate(report.rows, start=2):
        fmt = None if row.ok else bad
        values = [row.section, row.code, row.name, row.basis, row.status, "；".join(row.problems)]
        for col, value in enumerate(values):
            sheet.write_string(r, col, safe_cell(value), fmt)
    sheet.freeze_panes(2, 0)
    sheet.set_column(0, 1, 16)
    sheet.set_column(2, 2, 36)
    sheet.set_column(3, 3, 60)
    sheet.set_column(5, 5, 40)
    workbook.close()
    return buffer.getvalue()


# ---------------------------------------------------------------- reference data


@dataclass
class LoadCount:
    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        total = self.created + self.updated + self.unchanged
        return f"{self.label} {total} 项（新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}）"


def _read_items(path: Path, kind: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DomainError(f"找不到文件“{path}”。") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DomainError(f"文件“{path.name}”不是有效的 UTF-8 JSON：{exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("kind") != kind
        or not isinstance(data.get("items"), list)
    ):
        raise DomainError(f'文件“{path.name}”格式不对：应为 {{"kind": "{kind}", "items": [...]}}。')
    return [x for x in data["items"] if isinstance(x, dict)]


def load_matters(*, actor: Any, items: list[dict[str, Any]], update_existing: bool) -> LoadCount:
    count = LoadCount("办理事项类型")
    for item in items:
        code = _text(item.get("code")).upper()
        name = _text(item.get("name"))
        if not code or not name:
            raise DomainError(f"办理事项缺少代码或名称：{item}")
        description = _text(item.get("description"))[:300]
        matter = Matter.objects.filter(code=code).first()
        if matter is None:
            matter = Matter.objects.create(code=code, name=name, description=description)
            record_event(
                actor=actor,
                action="sanctions.matter_created",
                target_type="sanctions.matter",
                target_id=matter.pk,
                target_repr=f"{code} {name}",
                new={"code": code, "name": name, "description": description},
            )
            count.created += 1
        elif update_existing and (matter.name, matter.description) != (name, description):
            old = {"name": matter.name, "description": matter.description}
            matter.name, matter.description = name, description
            matter.save(update_fields=["name", "description", "updated_at"])
            record_event(
                actor=actor,
                action="sanctions.matter_saved",
                target_type="sanctions.matter",
                target_id=matter.pk,
                target_repr=f"{code} {name}",
                old=old,
                new={"name": name, "description": description},
            )
            count.updated += 1
        else:
            count.unchanged += 1
    return count


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(f"{where}：日期“{value}”格式不对，应为 YYYY-MM-DD。") from None


def load_measures(*, actor: Any, items: list[dict[str, Any]], update_existing: bool) -> LoadCount:
    count = LoadCount("奖惩措施")
    for item in items:
        code = _text(item.get("code")).upper()
        exists = Measure.objects.filter(code=code).exists()
        if exists and not update_existing:
            count.unchanged += 1
            continue
        before = measure_snapshot(Measure.objects.get(code=code)) if exists else None
        where = f"措施 {code or '（无代码）'}"
        measure = save_measure(
            actor=actor,
            code=code,
            name=str(item.get("name") or ""),
            kind=str(item.get("kind") or ""),
            legal_basis=str(item.get("legal_basis") or ""),
            source_list=str(item.get("source_list") or ""),
            implementing_text=str(item.get("implementing_text") or ""),
            unit_names=[str(n) for n in item.get("units") or []],
            list_type_codes=[str(c) for c in item.get("list_types") or []],
            matter_codes=[str(c) for c in item.get("matters") or []],
            effective_from=_date(item.get("effective_from"), where),
            effective_to=_date(item.get("effective_to"), where),
            active=bool(item.get("active", True)),
        )
        if before is None:
            count.created += 1
        elif before != measure_snapshot(measure):
            count.updated += 1
        else:
            count.unchanged += 1
    return count


def load_matters_and_measures(
    *, actor: Any = None, update_existing: bool = False, directory: Path = DATA_DIR
) -> list[LoadCount]:
    """Load data/matters.json then data/measures.json, all or nothing."""
    with transaction.atomic():
        return [
            load_matters(
                actor=actor,
                items=_read_items(directory / "matters.json", "matters"),
                update_existing=update_existing,
            ),
            load_measures(
                actor=actor,
                items=_read_items(directory / "measures.json", "measures"),
                update_existing=update_existing,
            ),
        ]
