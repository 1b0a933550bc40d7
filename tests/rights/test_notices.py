"""主动告知 (两书同达): repair notices issued per stored penalty record, the PDF, serving."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.records.models import CreditRecord
from xinyong.records.signals import batch_stored
from xinyong.rights import notices
from xinyong.rights.models import RepairNotice

from .repair_helpers import PERSON_ID, penalty_row, person_penalty_row, staff, store

pytestmark = pytest.mark.django_db


def test_one_notice_per_penalty_record_idempotent() -> None:
    result = store([penalty_row(1), penalty_row(2), person_penalty_row(3)])
    records = list(CreditRecord.objects.order_by("id"))
    assert len(records) == 3
    found = {n.record_id: n for n in RepairNotice.objects.all()}
    assert set(found) == {r.pk for r in records}
    for r in records:
        notice = found[r.pk]
        assert notice.number == f"XFGZ2026{r.pk:010d}" == notices.notice_number(r.pk, 2026)
        assert (notice.earliest_repair_on, notice.publicity_ends_on) == (
            date(2026, 6, 11),
            date(2027, 3, 10),
        )
        assert notice.served_on is None
    # The batch is announced again (the pipeline and this test both send it): no new rows.
    batch_stored.send(sender=CreditRecord, batch_id=result.batch.pk)
    assert RepairNotice.objects.count() == 3
    assert notices.issue_notices_for_batch(result.batch.pk) == 0
    assert Event.objects.filter(action="rights.notice.issue").count() == 1
    assert Event.objects.get(action="rights.notice.issue").new_values == {"created": 3}


def test_unpublished_penalty_gets_no_notice() -> None:
    # 总局令45号: a warning alone from market regulation is not published, so there is
    # nothing to repair and no notice; the fine in the same batch gets one.
    row = penalty_row(
        7,
        CF_CFLB="警告",
        CF_NR="警告",
        CF_NR_FK="",
        CF_CFJG="安阳市北关区市场监督管理局",
        CF_SJLY="安阳市北关区市场监督管理局",
    )
    store([row, penalty_row(8, CF_CFJG="安阳市北关区市场监督管理局")], unit_name="区市场监管局")
    warning = CreditRecord.objects.get(document_number="北关环罚〔2026〕7号")
    fine = CreditRecord.objects.get(document_number="北关环罚〔2026〕8号")
    assert warning.publicity.is_published is False
    assert list(RepairNotice.objects.values_list("record_id", flat=True)) == [fine.pk]


def test_notice_pdf_text_dates_masking_and_embedded_cjk_font() -> None:
    store([person_penalty_row(1)])
    notice = RepairNotice.objects.get()
    pdf = notices.notice_pdf(notice)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    compact = "".join(text.split())
    assert "信用修复告知书" in compact
    assert notice.number in compact
    assert "2026年6月11日" in compact  # earliest repair date
    assert "2027年3月10日" in compact  # maximum publicity end
    assert "北关环罚〔2026〕1号" in compact
    assert "免费" in compact and "国办发〔2025〕22号" in compact and "河南省社会信用条例" in compact
    assert PERSON_ID not in compact
    assert "110105********002X" in compact
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts.append((str(descriptor["/FontName"]), embedded))
    assert any("CJK" in name or "Han" in name or "Zen" in name for name, _ in fonts), fonts
    assert all(embedded for _, embedded in fonts)


def test_serve_notice_by_own_unit_only() -> None:
    users = staff()
    store([penalty_row(1)])
    notice = RepairNotice.objects.get()
    with pytest.raises(NotPermitted):
        notices.serve_notice(
            actor=users["other"], notice=notice, method="直接送达", served_on=date(2026, 3, 12)
        )
    with pytest.raises(NotPermitted):
        notices.serve_notice(
            actor=users["leader"], notice=notice, method="直接送达", served_on=date(2026, 3, 12)
        )
    with pytest.raises(DomainError, match="送达方式无效"):
        notices.serve_notice(
            actor=users["reporter"], notice=notice, method="口头", served_on=date(2026, 3, 12)
        )
    with pytest.raises(DomainError, match="不能早于处罚决定日期"):
        notices.serve_notice(
            actor=users["reporter"], notice=notice, method="直接送达", served_on=date(2026, 3, 9)
        )
    done = notices.serve_notice(
        actor=users["reporter"],
        notice=notice,
        method="与处罚决定书同时送达",
        served_on=date(2026, 3, 10),
    )
    assert (done.served_on, done.serve_method, done.served_by) == (
        date(2026, 3, 10),
        "与处罚决定书同时送达",
        users["reporter"],
    )
    assert Event.objects.filter(action="rights.notice.serve", target_id=str(notice.pk)).count() == 1
    assert list(notices.notices_visible_to(users["other"])) == []
    assert list(notices.notices_visible_to(users["reporter"])) == [done]
