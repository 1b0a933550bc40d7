"""Repair notices follow every window computation (a correction, an objection's 更正,
`publicity recompute`), and the 通报 of a month not yet begun counts no overdue repair."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from xinyong.collection.reports import monthly_report
from xinyong.collection.selectors import Period
from xinyong.core.models import Event
from xinyong.publicity import services as publicity
from xinyong.publicity.models import PublicityWindow
from xinyong.records import services as records
from xinyong.records.models import CreditRecord
from xinyong.rights import objections, repair
from xinyong.rights.models import Channel, Objection, RepairNotice

from .repair_helpers import apply, penalty_row, record, staff, store

pytestmark = pytest.mark.django_db


def _file(r: CreditRecord, **kw: object) -> Objection:
    values: dict[str, object] = dict(
        actor=None,
        record=r,
        channel=Channel.ONLINE,
        category=Objection.Category.WRONG,
        description="罚款金额应为3万元，不是5万元。",
        requested_change="罚款3万元",
        applicant_name="安阳市北关区某某化工有限公司",
        applicant_phone="13800001234",
    )
    values.update(kw)
    return objections.file_objection(**values)  # type: ignore[arg-type]


def _dates(r: CreditRecord) -> tuple[date | None, date | None]:
    n = RepairNotice.objects.get(record=r)
    return n.earliest_repair_on, n.publicity_ends_on


# ------------------------------------------------------------------ defect 4


def test_repair_notice_dates_follow_a_correction_decided_on_an_objection(clock) -> None:
    clock.today = date(2026, 9, 28)
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    r = record(1)
    assert _dates(r) == (date(2026, 6, 11), date(2027, 3, 10))  # 一般: 3 months, 1 year
    obj = _file(r, description="失信程度有误", requested_change="严重")
    objections.decide_objection(
        actor=users["admin"],
        objection=obj,
        outcome="corrected",
        reason="处罚机关认定为严重失信",
        corrected_values={"CF_SXCD": "严重"},
    )
    w = PublicityWindow.objects.get(record=r)
    # 国办发〔2025〕22号 严重: 1 year minimum, 3 years maximum from the decision date.
    assert (w.repair_from, w.ends_on) == (date(2027, 3, 11), date(2029, 3, 10))
    assert _dates(r) == (date(2027, 3, 11), date(2029, 3, 10))
    # The unit's list and the API read the stored dates: they agree with the window.
    listed = Client()
    listed.force_login(users["admin"])
    body = listed.get("/api/v1/notices/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(x["earliest_repair_on"], x["publicity_ends_on"]) for x in rows] == [
        ("2027-03-11", "2029-03-10")
    ]


def test_repair_notice_dates_follow_a_correction_of_the_decision_date(clock) -> None:
    clock.today = date(2026, 9, 28)
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    r = records.correct_record(
        actor=users["reporter"],
        record=record(1),
        changes={"CF_JDRQ": "2026-03-02"},
        reason="决定日期录入有误",
    )
    assert _dates(r) == (date(2026, 6, 3), date(2027, 3, 2))


def test_a_correction_that_makes_a_record_published_issues_its_notice(clock) -> None:
    clock.today = date(2026, 9, 28)
    users = staff()
    # 总局令45号: a warning alone from market regulation is not published — no notice.
    market = {"CF_CFJG": "安阳市北关区市场监督管理局", "CF_SJLY": "安阳市北关区市场监督管理局"}
    store(
        [penalty_row(7, CF_CFLB="警告", CF_NR="警告", CF_NR_FK="", **market)],
        unit_name="区市场监管局",
    )
    r = record(7)
    assert r.publicity.is_published is False
    assert not RepairNotice.objects.filter(record=r).exists()
    obj = _file(r, description="处罚种类有误", requested_change="罚款1万元")
    objections.decide_objection(
        actor=users["admin"],
        objection=obj,
        outcome="corrected",
        reason="处罚机关决定为罚款1万元",
        corrected_values={"CF_CFLB": "罚款", "CF_NR": "罚款1万元", "CF_NR_FK": "1"},
    )
    w = PublicityWindow.objects.get(record=r)
    assert w.is_published is True
    notice = RepairNotice.objects.get(record=r)
    assert notice.number == f"XFGZ2026{r.pk:010d}"
    assert (notice.earliest_repair_on, notice.publicity_ends_on) == (w.repair_from, w.ends_on)
    # 总局令45号, a low fine: 3 months from the day published (reported 2026-03-12), no
    # minimum (repair may be applied for at once).
    assert (w.repair_from, w.ends_on) == (date(2026, 3, 12), date(2026, 6, 12))


def test_recompute_refreshes_stale_notices_and_issues_missing_ones(clock) -> None:
    clock.today = date(2026, 9, 28)
    result = store([penalty_row(1), penalty_row(2), penalty_row(3)])
    one, two, three = (record(n) for n in (1, 2, 3))
    # Stale dates (as left by a policy change before this fix) and a notice never issued.
    RepairNotice.objects.filter(record=one).update(
        earliest_repair_on=date(2026, 1, 1), publicity_ends_on=date(2026, 2, 1)
    )
    RepairNotice.objects.filter(record=two).update(publicity_ends_on=None)
    RepairNotice.objects.filter(record=three).delete()
    before = Event.objects.filter(action="rights.notice.issue").count()

    publicity.recompute(decided_from=date(2026, 3, 1))

    for r in (one, two, three):
        assert _dates(r) == (date(2026, 6, 11), date(2027, 3, 10))
    assert RepairNotice.objects.get(record=three).number == f"XFGZ2026{three.pk:010d}"
    issued = Event.objects.filter(action="rights.notice.issue").order_by("-id")
    assert issued.count() == before + 1
    event = issued.first()
    assert event is not None
    assert (event.target_type, event.target_id, event.new_values) == (
        "collection.Batch",
        str(result.batch.pk),
        {"created": 1},
    )


def test_a_batch_ingest_issues_its_notices_once_attributed_to_the_batch(clock) -> None:
    clock.today = date(2026, 9, 28)
    store([penalty_row(1, decided="2026-03-10")])
    first = RepairNotice.objects.get(record=record(1))
    # A batch's window pass checks that batch's records only: a one-row upload must not
    # read the whole records table. The first batch's notice is left as it was.
    second = store([penalty_row(2), penalty_row(3)], reported_on=date(2026, 3, 13))
    assert RepairNotice.objects.count() == 3
    assert RepairNotice.objects.get(record=record(1)).updated_at == first.updated_at
    events = Event.objects.filter(action="rights.notice.issue", target_id=str(second.batch.pk))
    assert list(events.values_list("target_type", "new_values")) == [
        ("collection.Batch", {"created": 2})
    ]


# ------------------------------------------------------------------ defect 7


def test_a_future_months_tongbao_counts_no_overdue_repairs(clock) -> None:
    clock.today = date(2026, 11, 2)
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    app = apply(record(1), on=date(2026, 11, 2))
    repair.mark_complete(actor=users["admin"], application=app, complete=True)  # due 11-16
    clock.today = date(2026, 11, 26)
    assert monthly_report(Period.month(2026, 11)).overdue_repairs == [("区生态环境局", 1)]
    december = monthly_report(Period.month(2026, 12))
    assert december.overdue_objections == []
    assert december.overdue_repairs == []
    # The overview (which offers the month in progress and later ones) says the same.
    page = Client()
    page.force_login(users["admin"])
    november = page.get("/workspace/collection/?period=2026-11").content.decode()
    assert "本月内超期办理的信用修复申请 1 件：区生态环境局 1 件" in november
    html = page.get("/workspace/collection/?period=2026-12").content.decode()
    assert "本月内无超期办理的信用修复申请" in html
    assert "本月无超期办理的异议" in html
