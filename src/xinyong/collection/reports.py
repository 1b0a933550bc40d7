"""The monthly 通报 of collection (XLSX and PDF) and the XLSX import template per record
type.

The 通报 lists every active unit in the fixed order (Unit.sort_order), also those that
reported nothing: silence is what a 通报 is for. Figures come from
`selectors.unit_rates`; definitions are printed under the table.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Any

from django.conf import settings

from xinyong.catalog.fieldspec import (
    FIELD_TYPE_LABELS,
    FieldSpec,
    FieldType,
    RecordTypeSpec,
    get_spec,
)
from xinyong.core.errors import DomainError
from xinyong.core.exports import safe_cell, xlsx_workbook
from xinyong.core.identifiers import IdentifierKind
from xinyong.core.pdf import render_typst
from xinyong.records.selectors import voids_by_unit

from .models import QualityWarning
from .quality import units_for_interview, unrectified_suspicions
from .selectors import (
    RATE_DEFINITIONS,
    Period,
    UnitRates,
    deadline_types,
    format_percent,
    unit_rates,
)
from .spot_checks import SpotStats, period_stats
from .spot_checks import totals as spot_totals

KIND_LABELS = dict(QualityWarning.Kind.choices)

REPORT_COLUMNS = (
    "序号",
    "单位",
    "报送条数",
    "迟报条数",
    "及时率",
    "提交行数",
    "退回行数",
    "合规率",
    "申报决定数",
    "上报率",
    "预警",
    "抽查数",
    "不合格数",
    "抽查合格率",
    "瞒报疑点未整改",
)

# The 通报's definitions of the spot-check and 整改 columns (2023 work plan, task 4).
SPOT_DEFINITIONS = (
    "抽查合格率 = 本月公示信息抽查中核查结论为合格的条数 ÷ 已作出核查结论的条数"
    "（抽查数为该单位被抽取的条数，尚待核查的不计入合格率）；本月未被抽查的单位显示“—”",
    "瞒报疑点未整改 = 本月疑似瞒报漏报预警（报送数少于申报数、文书号不连续、未申报决定数）"
    "中尚未经信用办确认整改完成的条数（截至通报生成时）",
)

# What the two overdue sections count (rights.objections.overdue_in_period and
# rights.repair.overdue_repairs_by_unit): every case late on some day of the month, not
# only those still open at its end.
OVERDUE_DEFINITIONS = (
    "超期异议 = 本月内曾超过办理时限仍未办结（暂停计时的工作日顺延），或在本月内超过办理时限"
    "办结的异议件数，按负责核查的单位计；办理时限落在尚未导入工作日历年份的，暂不判断",
    "超期修复 = 本月内曾超过审核时限或同步时限仍未办结（材料齐全后未作出决定、准予修复后未同步），"
    "或在本月内超期作出决定、超期同步修复结果的信用修复申请件数，按信息提供单位计",
)


@dataclass
class MonthlyReport:
    period: Period
    title: str
    summary: str
    rows: list[UnitRates]
    totals: UnitRates
    interview_units: list[str]
    # (unit name, count): objections overdue during the month (河南条例 art. 41 limits).
    overdue_objections: list[tuple[str, int]] = dc_field(default_factory=list)
    # (unit name, count): repair applications overdue on some day of the month.
    overdue_repairs: list[tuple[str, int]] = dc_field(default_factory=list)
    # {unit id: figures} of the month's spot check; units not sampled are absent.
    spot: dict[int, SpotStats] = dc_field(default_factory=dict)
    # {unit id: 瞒报/漏报 suspicions of the month not confirmed 整改完成}.
    suspicions: dict[int, int] = dc_field(default_factory=dict)
    # (unit name, count): records voided as keying errors (录入错误作废) in the month.
    # Apart from withdrawals: no decision was changed, nothing is late (行政处罚法 art. 48
    # does not apply), but each is a keying error the office wants to see.
    voids: list[tuple[str, int]] = dc_field(default_factory=list)

    def spot_values(self, unit_id: int) -> list[Any]:
        stats = self.spot.get(unit_id)
        if stats is None:
            return ["—", "—", "—"]
        return [stats.sampled, stats.failed, format_percent(stats.pass_rate)]

    def row_values(self, index: int, row: UnitRates) -> list[Any]:
        return [
            index,
            # A unit abolished since is still listed for the months it reported in.
            row.unit.name if row.unit.active else f"{row.unit.name}（已停用）",
            row.reported,
            row.late,
            format_percent(row.timeliness),
            row.rows_submitted,
            row.rows_rejected,
            format_percent(row.compliance),
            "未申报" if row.declared is None else row.declared,
            format_percent(row.reporting),
            warning_text(row),
            *self.spot_values(row.unit.pk),
            self.suspicions.get(row.unit.pk, 0),
        ]

    def table(self) -> list[list[Any]]:
        return [self.row_values(i, row) for i, row in enumerate(self.rows, start=1)]

    def totals_values(self) -> list[Any]:
        t = self.totals
        return [
            "",
            "合计",
            t.reported,
            t.late,
            format_percent(t.timeliness),
            t.rows_submitted,
            t.rows_rejected,
            format_percent(t.compliance),
            t.declared if t.declared is not None else 0,
            format_percent(t.reporting),
            f"{t.warnings} 条" if t.warnings else "",
            *self._spot_totals(),
            sum(self.suspicions.get(r.unit.pk, 0) for r in self.rows),
        ]

    def _spot_totals(self) -> list[Any]:
        listed = {r.unit.pk for r in self.rows}
        stats = [s for uid, s in self.spot.items() if uid in listed]
        if not stats:
            return ["—", "—", "—"]
        total = spot_totals(stats)
        return [total.sampled, total.failed, format_percent(total.pass_rate)]


def warning_text(row: UnitRates) -> str:
    if not row.warnings:
        return ""
    kinds = "、".join(KIND_LABELS.get(k, k).split("·")[0] for k in dict.fromkeys(row.warning_kinds))
    return f"{row.warnings} 条（{kinds}）"


def _totals(rows: list[UnitRates]) -> UnitRates:
    declared = [r.declared for r in rows if r.declared is not None]
    total = UnitRates(unit=rows[0].unit) if rows else None
    assert total is not None
    total.reported = sum(r.reported for r in rows)
    total.late = sum(r.late for r in rows)
    # 期限未定 records stay out of the district's 及时率 as out of each unit's.
    total.undetermined = sum(r.undetermined for r in rows)
    total.rows_submitted = sum(r.rows_submitted for r in rows)
    total.rows_rejected = sum(r.rows_rejected for r in rows)
    total.duplicates = sum(r.duplicates for r in rows)
    total.corrections = sum(r.corrections for r in rows)
    total.batches = sum(r.batches for r in rows)
    total.warnings = sum(r.warnings for r in rows)
    # 上报率 over the units that declared: an undeclared unit has no denominator.
    total.declared = sum(declared) if declared else None
    total.decided_reported = sum(r.decided_reported for r in rows if r.declared is not None)
    return total


def _summary(period: Period, rows: list[UnitRates], totals: UnitRates, interview: list[str]) -> str:
    reporting_units = sum(1 for r in rows if r.reported)
    late_units = sum(1 for r in rows if r.late)
    silent = len(rows) - reporting_units
    parts = [
        f"{period.label}，全区 {len(rows)} 个责任单位中，{reporting_units} 个单位报送公共信用信息共 {totals.reported} 条，"
        f"{silent} 个单位本月未报送。",
    ]
    if totals.late:
        parts.append(f"迟报 {totals.late} 条，涉及 {late_units} 个单位。")
    else:
        parts.append("本月无迟报。")
    parts.append(
        f"全区及时率 {format_percent(totals.timeliness)}，合规率 {format_percent(totals.compliance)}，"
        f"上报率 {format_percent(totals.reporting)}。"
    )
    if interview:
        parts.append(f"列入约谈预警的单位（{len(interview)} 个）：{'、'.join(interview)}。")
    else:
        parts.append("本月无单位列入约谈预警。")
    return "".join(parts)


def _last_counted_day(period: Period) -> date | None:
    """The last day of the period the overdue sections count: its end, or today for the
    month in progress; None for a period that has not begun (nothing can be late in it
    yet — the overview offers any month)."""
    from django.utils import timezone

    end = min(period.end, timezone.localdate())
    return end if end >= period.start else None


def _overdue_objections(period: Period) -> tuple[list[tuple[str, int]], str]:
    """Objections overdue during the period (up to today, for the month in progress), per
    responsible unit, and the note on those whose deadline needs a calendar year not yet
    loaded (from rights, when installed: collection does not depend on it otherwise)."""
    from django.apps import apps

    if not apps.is_installed("xinyong.rights"):
        return [], ""
    end = _last_counted_day(period)
    if end is None:
        return [], ""
    from xinyong.rights.objections import overdue_in_period

    found = overdue_in_period(period.start, end)
    return found.by_unit, found.pending_note


def _overdue_repairs(period: Period) -> list[tuple[str, int]]:
    """Repair applications overdue on some day of the period (up to today, for the month
    in progress): open past the review or sync deadline, or decided or synced late
    within it; per the record's source unit."""
    from django.apps import apps

    if not apps.is_installed("xinyong.rights"):
        return []
    end = _last_counted_day(period)
    if end is None:
        return []
    from xinyong.rights.repair import overdue_repairs_by_unit

    # The period's own days: without `since` the count starts on the first day of the
    # month `end` falls in, which is not the period's start when that lies ahead.
    return overdue_repairs_by_unit(end, since=period.start)


def _repair_text(overdue: list[tuple[str, int]]) -> str:
    if not overdue:
        return "本月内无超期办理的信用修复申请。"
    total = sum(n for _name, n in overdue)
    units = "、".join(f"{name} {n} 件" for name, n in overdue)
    return f"本月内超期办理的信用修复申请 {total} 件：{units}。"


def _objection_text(overdue: list[tuple[str, int]]) -> str:
    if not overdue:
        return "本月无超期办理的异议。"
    total = sum(n for _name, n in overdue)
    units = "、".join(f"{name} {n} 件" for name, n in overdue)
    return f"本月超期办理的异议 {total} 件：{units}。"


def _void_text(voids: list[tuple[str, int]]) -> str:
    if not voids:
        return "本月无录入错误作废的记录。"
    total = sum(n for _name, n in voids)
    units = "、".join(f"{name} {n} 条" for name, n in voids)
    return f"本月录入错误作废 {total} 条：{units}。"


def _spot_text(spot: dict[int, SpotStats], suspicions: dict[int, int]) -> str:
    if spot:
        total = spot_totals(spot.values())
        judged = total.passed + total.failed
        text = (
            f"本月抽查 {len(spot)} 个单位公示信息 {total.sampled} 条，已核查 {judged} 条，"
            f"不合格 {total.failed} 条，抽查合格率 {format_percent(total.pass_rate)}。"
        )
    else:
        text = "本月未开展公示信息抽查。"
    open_count = sum(suspicions.values())
    if open_count:
        units = sum(1 for n in suspicions.values() if n)
        text += f"疑似瞒报漏报尚未整改完成 {open_count} 条，涉及 {units} 个单位。"
    else:
        text += "无尚未整改的疑似瞒报漏报。"
    return text


def monthly_report(period: Period) -> MonthlyReport:
    if not period.is_month:
        raise ValueError("the 通报 is monthly")
    rows = unit_rates(period, record_types=deadline_types())
    district = settings.XINYONG_DISTRICT
    title = f"{district}{period.year}年{period.month_number}月公共信用信息归集情况通报"
    if not rows:
        raise DomainError("尚无启用的责任单位，无法生成通报。")
    totals = _totals(rows)
    interview = [u.name for u in units_for_interview(period)]
    overdue, pending = _overdue_objections(period)
    repairs = _overdue_repairs(period)
    listed = {r.unit.pk for r in rows}
    spot = {uid: s for uid, s in period_stats(period).items() if uid in listed}
    suspicions = {uid: n for uid, n in unrectified_suspicions(period).items() if uid in listed}
    voids = voids_by_unit(period.start, period.end)
    return MonthlyReport(
        period=period,
        title=title,
        summary=_summary(period, rows, totals, interview)
        + _objection_text(overdue)
        + pending
        + _repair_text(repairs)
        + _spot_text(spot, suspicions)
        + _void_text(voids),
        rows=rows,
        totals=totals,
        interview_units=interview,
        overdue_objections=overdue,
        overdue_repairs=repairs,
        spot=spot,
        suspicions=suspicions,
        voids=voids,
    )


def _definitions() -> list[str]:
    return [
        RATE_DEFINITIONS["timeliness"],
        RATE_DEFINITIONS["compliance"],
        RATE_DEFINITIONS["reporting"] + "；未申报的单位上报率记为“—”。",
        RATE_DEFINITIONS["scope"] + "。",
        *(line + "。" for line in SPOT_DEFINITIONS),
        *(line + "。" for line in OVERDUE_DEFINITIONS),
    ]


def report_xlsx(period: Period) -> bytes:
    report = monthly_report(period)
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer)
    sheet = book.add_worksheet("通报")
    title = book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    head = book.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "text_wrap": True}
    )
    cell = book.add_format({"border": 1})
    bold = book.add_format({"border": 1, "bold": True})
    last_col = len(REPORT_COLUMNS) - 1
    sheet.merge_range(0, 0, 0, last_col, safe_cell(report.title), title)
    sheet.set_row(0, 30)
    sheet.merge_range(1, 0, 1, last_col, safe_cell(report.summary), wrap)
    sheet.set_row(1, 80)
    for col, name in enumerate(REPORT_COLUMNS):
        sheet.write(3, col, name, head)
    row_index = 4
    for values in report.table():
        for col, value in enumerate(values):
            sheet.write(row_index, col, safe_cell(value), cell)
        row_index += 1
    for col, value in enumerate(report.totals_values()):
        sheet.write(row_index, col, safe_cell(value), bold)
    row_index += 2
    for title, column, rows, none in (
        ("超期异议：", "超期件数", report.overdue_objections, "本月无超期办理的异议"),
        ("超期修复：", "超期件数", report.overdue_repairs, "本月内无超期办理的信用修复申请"),
        ("录入错误作废：", "作废条数", report.voids, "本月无录入错误作废的记录"),
    ):
        sheet.write(row_index, 0, title)
        sheet.write(row_index + 1, 1, "单位", head)
        sheet.write(row_index + 1, 2, column, head)
        row_index += 1
        for name, count in rows:
            row_index += 1
            sheet.write(row_index, 1, safe_cell(name), cell)
            sheet.write(row_index, 2, count, cell)
        if not rows:
            row_index += 1
            sheet.write(row_index, 1, none, cell)
        row_index += 2
    sheet.write(row_index, 0, "指标口径：")
    for line in _definitions():
        row_index += 1
        sheet.merge_range(row_index, 0, row_index, last_col, safe_cell(line), wrap)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, 9, 11)
    sheet.set_column(10, 10, 36)
    sheet.set_column(11, 14, 11)
    sheet.freeze_panes(4, 2)
    book.close()
    return buffer.getvalue()


_REPORT_TYPST = r"""
#let data = json(bytes(sys.inputs.data))
#let fonts = json(bytes(sys.inputs.cjk_fonts))
#set page(paper: "a4", flipped: true, margin: (x: 1.5cm, y: 1.5cm),
  footer: context align(center, text(size: 8pt)[第 #counter(page).display() 页]))
#set text(font: fonts, size: 9pt, lang: "zh", region: "cn")
#set par(justify: true, leading: 0.8em)
#align(center, text(size: 16pt, weight: "bold", data.title))
#v(0.5em)
#par(first-line-indent: (amount: 2em, all: true), data.summary)
#v(0.5em)
#table(
  columns: (auto, 1fr, auto, auto, auto, auto, auto, auto, auto, auto, 2fr, auto, auto, auto, auto),
  align: (x, y) => if x == 1 or x == 10 { left } else { center },
  stroke: 0.5pt,
  inset: 4pt,
  table.header(..data.columns.map(c => text(weight: "bold", c))),
  ..data.rows.flatten().map(c => str(c)),
  ..data.totals.map(c => text(weight: "bold", str(c))),
)
#v(0.5em)
#text(weight: "bold")[超期办理的异议]
#if data.objections.len() == 0 [本月无超期办理的异议。] else [
  #table(columns: (auto, auto), stroke: 0.5pt, inset: 4pt,
    text(weight: "bold")[单位], text(weight: "bold")[超期件数],
    ..data.objections.flatten().map(c => str(c)))
]
#v(0.5em)
#text(weight: "bold")[超期办理的信用修复申请]
#if data.repairs.len() == 0 [本月内无超期办理的信用修复申请。] else [
  #table(columns: (auto, auto), stroke: 0.5pt, inset: 4pt,
    text(weight: "bold")[单位], text(weight: "bold")[超期件数],
    ..data.repairs.flatten().map(c => str(c)))
]
#v(0.5em)
#text(weight: "bold")[录入错误作废]
#if data.voids.len() == 0 [本月无录入错误作废的记录。] else [
  #table(columns: (auto, auto), stroke: 0.5pt, inset: 4pt,
    text(weight: "bold")[单位], text(weight: "bold")[作废条数],
    ..data.voids.flatten().map(c => str(c)))
]
#v(0.5em)
#text(weight: "bold")[指标口径]
#for line in data.definitions [
  - #line
]
#align(right)[#data.issuer #h(1em) #data.date]
"""


def report_pdf(period: Period, *, issued_on: Any = None) -> bytes:
    from django.utils import timezone

    report = monthly_report(period)
    day = issued_on or timezone.localdate()
    data = {
        "title": report.title,
        "summary": report.summary,
        "columns": list(REPORT_COLUMNS),
        "rows": [[str(v) for v in row] for row in report.table()],
        "totals": [str(v) for v in report.totals_values()],
        "definitions": _definitions(),
        "objections": [[name, str(count)] for name, count in report.overdue_objections],
        "repairs": [[name, str(count)] for name, count in report.overdue_repairs],
        "voids": [[name, str(count)] for name, count in report.voids],
        "issuer": f"{settings.XINYONG_DISTRICT}社会信用体系建设工作领导小组办公室",
        "date": f"{day.year}年{day.month}月{day.day}日",
    }
    return render_typst(_REPORT_TYPST, inputs={"data": data})


# ------------------------------------------------------------------ import templates

_EXAMPLES: dict[str, str] = {
    FieldType.DATE: "2026-10-15",
    FieldType.DECIMAL: "0.2",
    FieldType.INTEGER: "1",
    FieldType.USCC: "18 位统一社会信用代码",
    FieldType.ID_NUMBER: "18 位居民身份证号码",
}
_KIND_EXAMPLES: dict[IdentifierKind, str] = {
    IdentifierKind.ORG_CODE: "9 位组织机构代码（可带连字符）",
    IdentifierKind.REG_NO_15: "15 位工商注册号",
}


def _requirement(spec: RecordTypeSpec, field: FieldSpec) -> str:
    if field.required:
        return "必填"
    if field.required_when is not None:
        cond = field.required_when
        other = next((f for f in spec.fields if f.code == cond.field), None)
        name = other.label if other else cond.field
        if cond.op == "in":
            return f"条件必填：{name}为{'/'.join(cond.values)}时必填"
        return f"条件必填：{name}含“{cond.values[0]}”时必填"
    return "选填"


def _format(field: FieldSpec) -> str:
    parts = [FIELD_TYPE_LABELS.get(field.type, str(field.type))]
    if field.type == FieldType.DATE:
        parts.append("格式 YYYY-MM-DD")
    if field.identifier_kind is not None:
        parts.append(f"须为校验位正确的{field.identifier_kind.label}")
    elif field.max_length:
        parts.append(f"不超过 {field.max_length} 字")
    if field.unit:
        parts.append(f"单位：{field.unit}")
    if field.decimal_places is not None:
        parts.append(f"最多 {field.decimal_places} 位小数")
    if field.enum:
        sep = "，多个值用“；”分隔" if field.type == FieldType.MULTI_ENUM else ""
        parts.append(f"可选值：{'、'.join(field.enum)}{sep}")
    return "；".join(parts)


def _example(field: FieldSpec) -> str:
    if field.enum:
        return field.enum[0]
    if field.identifier_kind is not None:
        return _KIND_EXAMPLES[field.identifier_kind]
    return _EXAMPLES.get(field.type, "")


def _col_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


TEMPLATE_DATA_ROWS = 5000


def record_template_xlsx(record_type: Any) -> tuple[str, bytes]:
    """(file name, XLSX bytes) of the import template of a record type: the header row
    carries the Chinese labels (required ones marked *), each header's comment its field
    code and format; enumerations get drop-down lists; a second sheet explains every
    field."""
    code = getattr(record_type, "code", record_type)
    spec = get_spec(str(code))
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer)
    data = book.add_worksheet("数据")
    guide = book.add_worksheet("填写说明")
    lists = book.add_worksheet("可选值")
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    head_req = book.add_format(
        {"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True}
    )
    text = book.add_format({"num_format": "@"})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    list_col = 0
    for col, field in enumerate(spec.fields):
        label = f"*{field.label}" if field.required else field.label
        data.write_string(0, col, label, head_req if field.required else head)
        data.write_comment(
            0,
            col,
            f"字段代码：{field.code}\n{_requirement(spec, field)}\n{_format(field)}",
            {"x_scale": 2, "y_scale": 2},
        )
        data.set_column(col, col, max(12, min(40, len(field.label) * 2 + 4)), text)
        if field.enum and field.type == FieldType.ENUM:
            lists.write_string(0, list_col, field.label)
            for i, value in enumerate(field.enum, start=1):
                lists.write_string(i, list_col, value)
            letter = _col_name(list_col)
            data.data_validation(
                1,
                col,
                TEMPLATE_DATA_ROWS,
                col,
                {
                    "validate": "list",
                    "source": f"='可选值'!${letter}$2:${letter}${len(field.enum) + 1}",
                    "error_title": "取值不在可选范围内",
                    "error_message": f"{field.label}只能填写：{'、'.join(field.enum)}"[:255],
                },
            )
            list_col += 1
        elif field.enum:
            data.data_validation(
                1,
                col,
                TEMPLATE_DATA_ROWS,
                col,
                {
                    "validate": "any",
                    "input_title": field.label[:32],
                    "input_message": f"可选值：{'、'.join(field.enum)}；多个值用“；”分隔"[:255],
                },
            )
    data.freeze_panes(1, 0)
    lists.hide()
    guide_head = ("字段代码", "字段名称", "是否必填", "格式与取值", "示例", "说明")
    for col, name in enumerate(guide_head):
        guide.write_string(0, col, name, head)
    for row, field in enumerate(spec.fields, start=1):
        values = (
            field.code,
            field.label,
            _requirement(spec, field),
            _format(field),
            _example(field),
            field.description,
        )
        for col, value in enumerate(values):
            guide.write_string(row, col, str(safe_cell(value)), wrap)
    tail = len(spec.fields) + 2
    notes = [
        f"信息类别：{spec.name}（{spec.code}）。法律依据：{spec.legal_basis}",
        "表头可使用字段名称或字段代码，列的顺序不限；带 * 的为必填项。",
        "日期按 YYYY-MM-DD 填写；金额按字段说明的单位填写（罚款金额单位为万元，2000 元填 0.2）。",
    ]
    if spec.report_deadline_workdays:
        notes.append(
            f"应自决定日期起 {spec.report_deadline_workdays} 个工作日内报送（发改办财金〔2018〕424号），逾期计为迟报。"
        )
    for i, note in enumerate(notes):
        guide.write_string(tail + i, 0, str(safe_cell(note)))
    guide.set_column(0, 0, 16)
    guide.set_column(1, 1, 24)
    guide.set_column(2, 2, 24)
    guide.set_column(3, 3, 50)
    guide.set_column(4, 4, 18)
    guide.set_column(5, 5, 40)
    book.close()
    return f"{spec.name}导入模板.xlsx", buffer.getvalue()
