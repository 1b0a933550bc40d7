"""The published white list as a file for the provincial 信易贷 platform (XLSX or CSV with
a BOM, so that Chinese Excel opens it). Every cell passes `safe_cell`; every export is
logged, since the file leaves the platform."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError
from xinyong.core.exports import safe_cell, xlsx_workbook
from xinyong.orgs.permissions import require
from xinyong.supervision.draws import grades_public

from .models import WhitelistItem, WhitelistRun
from .selectors import published_items
from .services import current_run

HEADERS = (
    "序号",
    "企业名称",
    "统一社会信用代码",
    "主体类别",
    "注册地行政区划代码",
    "信用等级",
    "名单状态",
    "移出日期",
    "移出原因",
    "名单批次号",
    "发布日期",
    "推荐单位",
)


# The grade cell while the credit office does not publish grades. The provincial
# 信易贷 platform is the node banks search for firms (国办发〔2021〕52号 network), so the file
# reaches banks: the grade goes out under the same switch as the bank pages, the portal and
# the credit report (supervision.draws.grades_public). The column stays, so that the
# platform's import keeps its layout.
GRADE_WITHHELD = "未公开"


def rows(run: WhitelistRun) -> list[list[Any]]:
    out = []
    published = timezone.localtime(run.published_at).date() if run.published_at else None
    shown_grades = grades_public()
    for n, item in enumerate(published_items(run), start=1):
        s = item.subject
        out.append(
            [
                n,
                s.name,
                s.display_identifier,
                s.get_kind_display(),
                s.region_code,
                item.grade if shown_grades else GRADE_WITHHELD,
                item.get_status_display(),
                item.removed_on.isoformat() if item.removed_on else "",
                item.note if item.status == WhitelistItem.Status.REMOVED else "",
                run.number,
                published.isoformat() if published else "",
                "区社会信用体系建设领导小组办公室（区发改委）",
            ]
        )
    return out


def to_xlsx(run: WhitelistRun, data: list[list[Any]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsx_workbook(buffer)
    head = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    sheet = workbook.add_worksheet("信易贷白名单")
    sheet.write_string(0, 0, f"信易贷推荐企业白名单（{run.number}）", head)
    for col, label in enumerate(HEADERS):
        sheet.write_string(1, col, label, head)
    for r, row in enumerate(data, start=2):
        for col, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, safe_cell(str(value)))
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 2, 22)
    sheet.set_column(3, len(HEADERS) - 1, 14)
    sheet.freeze_panes(2, 2)
    workbook.close()
    return buffer.getvalue()


def to_csv(data: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in data:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_whitelist(
    *, actor: Any, fmt: str = "xlsx", deliver: Callable[[str, bytes], None] | None = None
) -> tuple[str, bytes]:
    """The published list as (file name, bytes); credit office (or the system, for the
    CLI) only. `deliver(name, content)`, if given, hands the file out (the CLI writes it)
    in the transaction of the export's event: a delivery that raises leaves no event."""
    if actor is not None:
        require(actor, "credit_admin")
    fmt = (fmt or "xlsx").lower()
    if fmt not in ("xlsx", "csv"):
        raise DomainError("导出格式应为 xlsx 或 csv。")
    run = current_run()
    if run is None:
        raise DomainError("尚未发布信易贷白名单，无可导出的名单。")
    data = rows(run)
    content = to_xlsx(run, data) if fmt == "xlsx" else to_csv(data)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="finance.export",
            target_type="finance.WhitelistRun",
            target_id=run.pk,
            target_repr=f"{run.number} 导出 {fmt.upper()}（报送省信易贷平台）",
            new={"format": fmt, "rows": len(data)},
        )
        name = f"信易贷白名单-{run.number}.{fmt}"
        if deliver is not None:
            deliver(name, content)
    return name, content
