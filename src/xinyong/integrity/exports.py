"""The XLSX for the annual 政务诚信 assessment: the ranking with first-level scores, every
unit's indicator detail with the platform figures and the evidence of manual scores, and
the indicator system itself (weights are data, so the sheet states them). Every text
cell passes through core.exports.safe_cell."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse

from xinyong.core.exports import safe_cell, xlsx_workbook

from .evaluation import Evaluation, compute
from .models import Indicator, IndicatorSystem


def _write_row(sheet: Any, row: int, values: list[Any], fmt: Any = None) -> None:
    for col, value in enumerate(values):
        sheet.write(row, col, safe_cell(value), fmt)


def evaluation_xlsx(
    system: IndicatorSystem, *, as_of: date | None = None
) -> tuple[Evaluation, bytes]:
    result = compute(system, as_of=as_of)
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer)
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    warn = book.add_format({"border": 1, "font_color": "#C00000", "bold": True})
    kind = "年度考核" if not result.running else "年度运行得分（年度未结束）"
    groups = [g["name"] for g in (result.rows[0].groups() if result.rows else [])]

    sheet = book.add_worksheet("汇总排名")
    sheet.write(0, 0, safe_cell(f"{system.year}年政务诚信评价{kind}"), title)
    sheet.write(
        1,
        0,
        safe_cell(
            f"数据期间 {result.start.isoformat()} 至 {result.end.isoformat()}；预警线 {system.warning_threshold}（百分制）；"
            "得分率 = 得分 ÷ 已评指标满分 × 100；待评分的人工指标不计入得分和满分。"
        ),
    )
    header = [
        "名次",
        "单位",
        *groups,
        "得分",
        "已评指标满分",
        "得分率",
        "待评分指标",
        "预警",
        "预警原因",
    ]
    _write_row(sheet, 3, header, head)
    for i, r in enumerate(result.rows, start=4):
        values = [
            r.rank,
            r.unit.name,
            *[float(g["score"]) for g in r.groups()],
            float(r.score),
            float(r.max_score),
            float(r.percent),
            r.unscored,
            "是" if r.warning else "否",
            "；".join(r.reasons),
        ]
        _write_row(sheet, i, values, warn if r.warning else cell)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, len(header) - 2, 11)
    sheet.set_column(len(header) - 1, len(header) - 1, 40)
    sheet.freeze_panes(4, 2)

    detail = book.add_worksheet("指标明细")
    _write_row(
        detail,
        0,
        [
            "单位",
            "一级指标",
            "指标代码",
            "二级指标",
            "分值",
            "评分方法",
            "平台数据/评分情况",
            "得分",
            "计分说明/证据",
        ],
        head,
    )
    methods = dict(Indicator.Method.choices)
    row = 1
    for r in result.rows:
        for item in r.items:
            _write_row(
                detail,
                row,
                [
                    r.unit.name,
                    item.group_name,
                    item.code,
                    item.name,
                    float(item.weight),
                    methods.get(item.method, item.method),
                    item.value_text,
                    "待评分" if item.score is None else float(item.score),
                    item.basis,
                ],
                cell,
            )
            row += 1
    detail.set_column(0, 0, 22)
    detail.set_column(1, 1, 12)
    detail.set_column(3, 3, 30)
    detail.set_column(6, 6, 28)
    detail.set_column(8, 8, 50)
    detail.freeze_panes(1, 1)

    spec = book.add_worksheet("指标体系")
    spec.write(0, 0, safe_cell(f"{system.name}（{system.year}年）"), title)
    spec.write(1, 0, safe_cell(f"依据：{system.legal_basis}"))
    spec.write(2, 0, safe_cell("说明：未找到官方权重，分值、扣分标准与预警线由信用办配置。"))
    _write_row(
        spec, 4, ["代码", "一级指标", "二级指标", "分值", "评分方法", "每件扣分", "评分标准"], head
    )
    line = 5
    for top in system.indicators.filter(parent__isnull=True).order_by("sort_order"):
        _write_row(spec, line, [top.code, top.name, "", float(top.weight), "", "", ""], cell)
        line += 1
        for leaf in top.children.order_by("sort_order"):
            _write_row(
                spec,
                line,
                [
                    leaf.code,
                    "",
                    leaf.name,
                    float(leaf.weight),
                    leaf.get_method_display(),
                    float(leaf.deduct_points) if leaf.method == Indicator.Method.DEDUCT else "",
                    leaf.criteria,
                ],
                cell,
            )
            line += 1
    spec.set_column(0, 1, 12)
    spec.set_column(2, 2, 34)
    spec.set_column(4, 4, 20)
    spec.set_column(6, 6, 60)
    book.close()
    return result, buffer.getvalue()


def export_filename(system: IndicatorSystem) -> str:
    return f"{system.year}年政务诚信评价.xlsx"


def xlsx_response(system: IndicatorSystem) -> HttpResponse:
    """The year's assessment XLSX as a download (pages and API alike)."""
    _result, content = evaluation_xlsx(system)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(export_filename(system))}"
    )
    return response
