"""The prior written notice (事先告知书) of a black-list entry, as a PDF.

河南条例 art. 28 (DOMAIN §7): before a subject is put on a serious-dishonesty list it is
told in writing the basis, the reasons, the measures that will apply and its right to
object. The objection deadline is add_workdays(served date, the type's
notice_objection_workdays); before the notice is served the PDF states the period in
working days from service.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from xinyong.core.errors import DomainError
from xinyong.core.masking import mask_id_number
from xinyong.core.pdf import render_typst

from .lists import measures_for, objection_deadline_text
from .models import ListEntry

_TEMPLATE = Path(__file__).parent / "templates" / "sanctions" / "list_notice.typ"


@lru_cache(maxsize=1)
def _source() -> str:
    return _TEMPLATE.read_text(encoding="utf-8")


def _d(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def notice_data(entry: ListEntry, *, today: date | None = None) -> dict[str, Any]:
    """What the notice says (a natural person's ID number masked)."""
    lt = entry.list_type
    subject = entry.subject
    first = entry.changes.order_by("id").first()
    proposed_on = first.on if first else entry.created_at.date()
    identifier = mask_id_number(subject.identifier) if subject.is_person else subject.identifier
    measures = measures_for(lt, entry.notice_served_on or proposed_on)
    measure_lines = [
        f"{i}. {m.name}（依据：{m.legal_basis}）" for i, m in enumerate(measures, start=1)
    ] or ["该名单类型目前未关联联合惩戒措施；列入后仅依法公示。"]
    days = lt.notice_objection_workdays
    if entry.objection_deadline:
        deadline = (
            f"你（单位）可于 {_d(entry.objection_deadline)}（本告知书送达之日起 {days} 个"
            "工作日）前提出陈述、申辩或异议"
        )
    else:
        deadline = f"你（单位）可自本告知书送达之日起 {days} 个工作日内提出陈述、申辩或异议"
    portal = getattr(settings, "XINYONG_PLATFORM_NAME", "公共信用信息平台")
    issuer = entry.designating_authority or lt.designating_authority
    return {
        "title": f"拟列入{lt.name}事先告知书",
        "number": entry.notice_number or f"（条目 {entry.pk}）",
        "subject_name": subject.name,
        "opening": (
            f"经查，你（单位）存在下列失信行为，{issuer}拟将你（单位）列入{lt.name}。"
            "根据《河南省社会信用条例》第二十八条，现将拟列入的依据、理由、将采取的措施及你（单位）"
            "享有的权利告知如下。"
        ),
        "rows": [
            ["信用主体", subject.name],
            ["主体代码", identifier or "—"],
            ["名单类型", lt.name],
            ["认定文书", entry.basis_document],
            ["认定机关", issuer],
            ["拟列入日期", _d(proposed_on)],
            ["告知书送达日期", _d(entry.notice_served_on)],
            [
                "异议截止日期",
                _d(entry.objection_deadline)
                if entry.objection_deadline or not entry.notice_served_on
                else objection_deadline_text(entry, label=""),
            ],
        ],
        "sections": [
            {"title": "一、列入依据", "lines": [lt.legal_basis, f"列入条件：{lt.entry_criteria}"]},
            {"title": "二、列入理由（具体失信事实）", "lines": [entry.reasons]},
            {"title": "三、列入后将依法采取的措施", "lines": measure_lines},
            {
                "title": "四、陈述、申辩和异议的权利及期限",
                "lines": [
                    f"{deadline}。可向{issuer}或通过{portal}提交书面材料；逾期未提出的，视为放弃。",
                    "异议经审查成立的，不予列入；期满未提出或异议不成立的，依法列入并公示。",
                    f"移出条件：{lt.exit_criteria}",
                ],
            },
        ],
        "issuer": issuer,
        "date": _d(proposed_on if today is None else today),
    }


def notice_pdf(entry: ListEntry) -> bytes:
    """The notice as PDF bytes (CJK font embedded). Refused for types without notice."""
    if not entry.list_type.needs_prior_notice:
        raise DomainError(f"“{entry.list_type.name}”不适用列入前书面告知，没有告知书。")
    if entry.status == ListEntry.Status.CANCELLED and not entry.notice_served_on:
        raise DomainError("该拟列入已撤销且告知书未送达，不再出具告知书。")
    return render_typst(_source(), inputs={"data": notice_data(entry)})


def notice_filename(entry: ListEntry) -> str:
    return f"事先告知书-{entry.notice_number or entry.pk}-{timezone.localdate():%Y%m%d}.pdf"
