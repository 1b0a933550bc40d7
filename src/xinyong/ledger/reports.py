"""The ledger's 通报 (XLSX and PDF) and the assessment export, in the manner of
collection/reports.py: every active unit in the fixed order (Unit.sort_order), also the
units that reported nothing; cells pass through core.exports.safe_cell; the PDF is typst
with the data passed as inputs (core.pdf.render_typst).

A 通报 for month YYYY-MM shows the state at the month's end (or today, for the month in
progress; a plan's 通报 may also cover the January after its year, when the fourth
quarter's reports fall due): each unit's rows by status, its overdue rows, repeated delays, counted
activities, and its platform metrics for the plan year up to that day; the credit
office's commentary heads it. A published 通报 is rendered from its frozen snapshot.
"""

from __future__ import annotations

import calendar as pycalendar
import io
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone

from xinyong.core.exports import safe_cell, xlsx_workbook
from xinyong.core.pdf import render_typst

from . import metrics, selectors
from .models import Activity, Bulletin, Plan
from .services import parse_period

# Per-unit metrics shown in the 通报 (codes of ledger.metrics; unregistered ones show 未接入).
BULLETIN_METRICS = (
    "collection.late_rate",
    "collection.compliance_rate",
    "collection.report_rate",
    "integrity.unit_bodies_on_sxbzxr",
    "rights.objections_overdue",
    "rights.repairs_overdue",
    "sanctions.feedback_overdue",
)
BASE_COLUMNS = (
    "序号",
    "单位",
    "台账事项",
    "已完成",
    "待审核",
    "推进中",
    "未报送",
    "逾期",
    "逾期事项",
    "重复逾期",
    "督办",
    "逾期督办",
    "宣传活动",
    "培训学习",
)


def _on(year: int, month: int) -> date:
    end = date(year, month, pycalendar.monthrange(year, month)[1])
    return min(end, timezone.localdate())


def bulletin_data(plan: Plan, period: str, *, bulletin: Bulletin | None = None) -> dict[str, Any]:
    """The 通报's content as plain JSON (what a published 通报 freezes)."""
    year, month = parse_period(period)
    on = _on(year, month)
    picture = selectors.plan_picture(plan, on=on)
    units = [s.unit for s in picture.units]
    ytd = selectors.plan_period(plan, on)
    metric_columns = []
    metric_values: dict[str, dict[int, str]] = {}
    for code in BULLETIN_METRICS:
        metric = metrics.get_metric(code)
        label = metric.label if metric else code
        metric_columns.append(
            label + (f"（{metric.unit_label}）" if metric and metric.unit_label else "")
        )
        if metric is None:
            metric_values[code] = {u.pk: metrics.NOT_CONNECTED for u in units}
        else:
            found = metric.values(units, ytd)
            metric_values[code] = {
                pk: (metrics.NO_DATA if v is None else str(v)) for pk, v in found.items()
            }
    rows = []
    for i, s in enumerate(picture.units, start=1):
        if not s.assignments:
            status_cells: list[Any] = ["本年度无台账任务", "", "", "", "", "", "", "", "", ""]
        else:
            status_cells = [
                s.assignments,
                s.accepted,
                s.pending,
                s.in_progress,
                s.not_reported,
                s.overdue,
                "、".join(f"第{n}项" for n in s.overdue_rows),
                s.repeated_delays,
                s.open_supervision,
                s.overdue_supervision,
            ]
        rows.append(
            [
                i,
                s.unit.name,
                *status_cells,
                s.activities.get(Activity.Kind.PUBLICITY, 0),
                s.activities.get(Activity.Kind.TRAINING, 0),
                *(metric_values[code][s.unit.pk] for code in BULLETIN_METRICS),
                "；".join(s.missed_targets),
            ]
        )
    totals = picture.totals()
    silent = [s.unit.name for s in picture.units if s.silent]
    overdue_units = [s for s in picture.units if s.overdue]
    summary = (
        f"截至{on.year}年{on.month}月{on.day}日，{plan.year}年工作台账共 {len(picture.plan.rows.all())} 项、"
        f"分解到 {len({st.assignment.unit_id for st in picture.states})} 个责任单位共 {totals['assignments']} 条，"
        f"已完成 {totals['accepted']} 条（完成率 {picture.completion}%），待审核 {totals['pending']} 条，"
        f"推进中 {totals['in_progress']} 条，未报送 {totals['not_reported']} 条；逾期 {totals['overdue']} 条，"
        f"涉及 {len(overdue_units)} 个单位。"
    )
    if silent:
        summary += f"全部事项均未报送进展的单位（{len(silent)} 个）：{'、'.join(silent)}。"
    else:
        summary += "各单位均已报送进展。"
    district = settings.XINYONG_DISTRICT
    # The January after the plan year reports on that year's plan (its fourth quarter).
    plan_label = f"（{plan.year}年度）" if year != plan.year else ""
    day = (
        bulletin.published_on if bulletin and bulletin.published_on else None
    ) or timezone.localdate()
    return {
        "title": f"{district}{year}年{month}月社会信用体系建设工作台账{plan_label}推进情况通报",
        "period": f"{year:04d}-{month:02d}",
        "on": on.isoformat(),
        "summary": summary,
        "commentary": bulletin.commentary if bulletin else "",
        "columns": [*BASE_COLUMNS, *metric_columns, "未达标的量化目标"],
        # The PDF sets these narrow; a snapshot published before 督办 was shown has 12.
        "base_columns": len(BASE_COLUMNS),
        "rows": [[str(c) for c in row] for row in rows],
        "definitions": [
            "逾期：有完成时限的事项过期未审核通过（期限前已报完成、正在审核的不算）；持续推进的事项每季度结束后 "
            f"{selectors.rules_for(plan).ongoing_report_workdays} 个工作日内未报送进展（期限时已报完成、正在审核的，"
            "或期限在方案印发前的，不算）。",
            "重复逾期：同一事项第二次起的逾期次数。",
            "督办：统计日尚未办结的督办事项数；逾期督办：其中已过办理期限（期限为法定休假日的顺延至"
            "其后第一个工作日）、至统计日仍未反馈的件数。",
            "平台指标为本年度截至统计日的数据，由平台自动计算；“未接入”表示该指标的数据来源尚未接入平台。",
        ],
        "issuer": f"{district}社会信用体系建设领导小组办公室",
        "date": f"{day.year}年{day.month}月{day.day}日",
        "status": bulletin.get_status_display() if bulletin else "草稿",
    }


def _content(plan: Plan, period: str, bulletin: Bulletin | None) -> dict[str, Any]:
    if bulletin is not None and bulletin.status == Bulletin.Status.PUBLISHED and bulletin.snapshot:
        return dict(bulletin.snapshot)
    return bulletin_data(plan, period, bulletin=bulletin)


def bulletin_xlsx(plan: Plan, period: str, *, bulletin: Bulletin | None = None) -> bytes:
    data = _content(plan, period, bulletin)
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer)
    sheet = book.add_worksheet("通报")
    title = book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    head = book.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "text_wrap": True}
    )
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    last = len(data["columns"]) - 1
    sheet.merge_range(0, 0, 0, last, safe_cell(data["title"]), title)
    sheet.set_row(0, 30)
    sheet.merge_range(
        1, 0, 1, last, safe_cell("信用办评述：" + (data["commentary"] or "（尚未填写）")), wrap
    )
    sheet.set_row(1, 60)
    sheet.merge_range(2, 0, 2, last, safe_cell(data["summary"]), wrap)
    sheet.set_row(2, 60)
    for col, name in enumerate(data["columns"]):
        sheet.write(4, col, name, head)
    r = 5
    for values in data["rows"]:
        for col, value in enumerate(values):
            # ASCII only: "²" passes str.isdigit() but not int().
            number = value.isascii() and value.isdigit() if isinstance(value, str) else False
            sheet.write(r, col, int(value) if number else safe_cell(value), cell)
        r += 1
    r += 1
    sheet.write(r, 0, "说明：")
    for line in data["definitions"]:
        r += 1
        sheet.merge_range(r, 0, r, last, safe_cell(line), wrap)
    r += 2
    sheet.merge_range(r, 0, r, last, safe_cell(f"{data['issuer']}　{data['date']}"))
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 24)
    sheet.set_column(2, last - 1, 10)
    sheet.set_column(8, 8, 20)
    sheet.set_column(last, last, 40)
    sheet.freeze_panes(5, 2)
    book.close()
    return buffer.getvalue()


_BULLETIN_TYPST = r"""
#let data = json(bytes(sys.inputs.data))
#let fonts = json(bytes(sys.inputs.cjk_fonts))
#set page(paper: "a4", flipped: true, margin: (x: 1.2cm, y: 1.4cm),
  footer: context align(center, text(size: 8pt)[第 #counter(page).display() 页]))
#set text(font: fonts, size: 7.5pt, lang: "zh", region: "cn")
#set par(justify: true, leading: 0.7em)
#align(center, text(size: 15pt, weight: "bold", data.title))
#v(0.4em)
#text(weight: "bold")[信用办评述]
#par(first-line-indent: (amount: 2em, all: true), if data.commentary == "" [（尚未填写）] else [#data.commentary])
#par(first-line-indent: (amount: 2em, all: true), data.summary)
#v(0.4em)
#table(
  // Every column a share of the page width, so that long headers wrap inside their column
  // instead of widening it: `auto` columns took the width of their unbroken headers and
  // squeezed the free-text columns to one character a line (69 pages for 61 units).
  columns: range(data.columns.len()).map(i => if i == 0 { 0.45fr } else if i == 1 { 1.8fr } else if i == 8 { 2fr } else if i == data.columns.len() - 1 { 2.6fr } else if i < data.at("base_columns", default: 12) { 0.7fr } else { 1fr }),
  align: (x, y) => if x == 1 or x == 8 or x == data.columns.len() - 1 { left } else { center },
  stroke: 0.4pt,
  inset: 2.5pt,
  table.header(..data.columns.map(c => text(weight: "bold", c))),
  ..data.rows.flatten().map(c => str(c)),
)
#v(0.4em)
#text(weight: "bold")[说明]
#for line in data.definitions [
  - #line
]
#align(right)[#data.issuer #h(1em) #data.date]
"""


def bulletin_pdf(plan: Plan, period: str, *, bulletin: Bulletin | None = None) -> bytes:
    data = _content(plan, period, bulletin)
    return render_typst(_BULLETIN_TYPST, inputs={"data": data})


ASSESSMENT_COLUMNS = (
    "名次",
    "单位",
    "台账事项",
    "应得分",
    "得分",
    "扣分",
    "考核得分",
    "逾期事项（含逾期后完成）",
    "重复逾期",
    "无佐证完成",
    "量化目标达标",
)


def assessment_rows(plan: Plan, *, on: date | None = None) -> list[list[Any]]:
    out = []
    for s in selectors.assessment(plan, on=on):
        if s.score is None:
            out.append(["—", s.unit.name, 0, "", "", "", "本年度无台账任务", "", "", "", ""])
            continue
        out.append(
            [
                s.rank,
                s.unit.name,
                s.rows,
                float(s.possible),
                float(s.earned),
                float(s.deductions),
                float(s.score),
                s.delayed,
                s.repeated_delays,
                s.missing_evidence,
                f"{s.targets_met}/{s.targets_counted}",
            ]
        )
    return out


def assessment_xlsx(plan: Plan, *, on: date | None = None) -> bytes:
    on = on or timezone.localdate()
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer)
    sheet = book.add_worksheet("考核得分")
    title = book.add_format({"bold": True, "font_size": 15, "align": "center"})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"})
    cell = book.add_format({"border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    last = len(ASSESSMENT_COLUMNS) - 1
    district = settings.XINYONG_DISTRICT
    sheet.merge_range(
        0, 0, 0, last, safe_cell(f"{district}{plan.year}年社会信用体系建设目标责任考核得分"), title
    )
    sheet.merge_range(
        1,
        0,
        1,
        last,
        safe_cell(
            f"统计日期：{on:%Y-%m-%d}。评分规则：{selectors.rules_text(selectors.rules_for(plan))}"
        ),
        wrap,
    )
    sheet.set_row(1, 75)
    for col, name in enumerate(ASSESSMENT_COLUMNS):
        sheet.write(3, col, name, head)
    for r, values in enumerate(assessment_rows(plan, on=on), start=4):
        for col, value in enumerate(values):
            sheet.write(r, col, safe_cell(value), cell)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 26)
    sheet.set_column(2, last, 11)
    sheet.freeze_panes(4, 2)
    book.close()
    return buffer.getvalue()
