"""Defects the November 2026 review of issue 8 found in 政务诚信 (report integrity.md):

1. `integrity scan --on <past day>` lifted the alert and closed the case of a body still
   on the 失信被执行人 list (its entry took effect after that day);
2. `integrity export --as-of <future>` judged commitments not yet due as overdue and gave
   a 年度考核 that disagreed with the page and the API — a future day is now refused;
3. the evaluation pages answered 500 for a year whose indicator system exists but which
   has not begun, and `evaluate` created next year's system before refusing the year;
6. the dashboard, the API summary and the scan counted list entries, not government
   bodies (one town with two court cases is one body, as in the evaluation and the file);
7. units with the same percentage did not share a rank;
10. unit staff could register a 纪律处分 case (the office's) by sending its Chinese label;
(a) fully paying arrears with payments dated before the registration lifted the alert
   before the day it was raised.
"""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from xinyong.core.errors import NotPermitted
from xinyong.integrity import evaluation, monitoring, selectors, services
from xinyong.integrity.models import Alert, Indicator, IndicatorSystem, IntegrityCase
from xinyong.orgs.models import Role
from xinyong.sanctions import lists

from .helpers import BZZ, BZZ_CODE, SCJG, link_organ, list_sxbzxr, make_user, organ, unit

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("integrity", *args, stdout=out)
    return out.getvalue()


# ------------------------------------------------ 1. a scan of a past day


def test_scan_on_a_past_day_keeps_a_listing_still_in_force(clock):
    clock.today = TODAY
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    entry = list_sxbzxr(body.subject, on=date(2026, 10, 12))
    _run("scan", "--on", "2026-09-01")
    entry.refresh_from_db()
    assert entry.status == "listed"
    alert = Alert.objects.get(key=f"sxbzxr:{entry.pk}")
    assert (alert.status, alert.resolved_on, alert.resolution) == (Alert.Status.OPEN, None, "")
    case = IntegrityCase.objects.get(list_entry=entry)
    assert (case.stage, case.closed_on) == (IntegrityCase.Stage.SUPERVISION, None)
    assert case.opened_on == date(2026, 10, 12)


def test_a_scan_still_lifts_a_removal_the_receiver_missed_never_before_the_removal(clock):
    clock.today = TODAY
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    entry = list_sxbzxr(body.subject, on=date(2026, 10, 12))
    from xinyong.integrity import receivers
    from xinyong.sanctions.signals import entry_changed

    entry_changed.disconnect(dispatch_uid="integrity.entry_changed")
    try:
        lists.remove_entry(actor=None, entry=entry, on=date(2026, 11, 2), reason="已履行完毕")
    finally:
        receivers.connect()
    assert Alert.objects.get(key=f"sxbzxr:{entry.pk}").status == Alert.Status.OPEN
    # On 20 October the entry was still in force: that scan counts it and lifts nothing
    # before the removal of 2 November.
    result = monitoring.scan(on=date(2026, 10, 20))
    assert [g["entry_id"] for g in result.government_bodies_listed] == [entry.pk]
    alert = Alert.objects.get(key=f"sxbzxr:{entry.pk}")
    case = IntegrityCase.objects.get(list_entry=entry)
    assert (alert.status, alert.resolved_on) == (Alert.Status.RESOLVED, date(2026, 11, 2))
    assert (case.stage, case.closed_on) == (IntegrityCase.Stage.CLOSED, date(2026, 11, 2))


# ------------------------------------------------ 2. export with a future --as-of


def test_export_refuses_a_future_as_of_and_agrees_with_the_page_today(tmp_path, clock):
    clock.today = TODAY
    services.record_commitment(
        actor=None,
        body=organ(SCJG),
        kind="contract",
        title="园区道路移交",
        content="12月15日前完成",
        made_on=date(2026, 3, 1),
        due_on=date(2026, 12, 15),
    )
    out = tmp_path / "a.xlsx"
    with pytest.raises(CommandError) as refused:
        _run("export", "--year", "2026", "--out", str(out), "--as-of", "2026-12-31")
    assert str(refused.value) == "数据截至日期 2026-12-31 晚于今天（2026-11-26），不能预先登记。"
    assert not out.exists()

    live = evaluation.unit_evaluation(evaluation.get_system(2026), unit(SCJG))
    assert (live.percent, live.rank) == (Decimal("100.00"), 1)
    _run("export", "--year", "2026", "--out", str(out), "--as-of", "2026-11-26")
    sheet = openpyxl.load_workbook(out)["汇总排名"]
    assert sheet["A1"].value == "2026年政务诚信评价年度运行得分（年度未结束）"
    row = next(r for r in sheet.iter_rows(min_row=5, values_only=True) if r[1] == SCJG)
    assert (row[0], row[8]) == (1, 100.0)


# ------------------------------------------------ 3. a year not yet begun


def test_evaluate_refuses_a_year_not_begun_without_creating_its_system(clock):
    clock.today = TODAY
    with pytest.raises(CommandError, match="2027 年尚未开始，不能评价。"):
        _run("evaluate", "--year", "2027")
    assert not IndicatorSystem.objects.filter(year=2027).exists()


def test_evaluation_pages_of_a_year_not_begun_say_so(clock):
    clock.today = TODAY
    admin = make_user("r_admin", Role.CREDIT_ADMIN, "区发改委")
    # The office sets up next year's system ahead of time.
    evaluation.ensure_system(actor=admin, year=2027)
    c = Client(raise_request_exception=False)
    c.force_login(admin)

    page = c.get(reverse("integrity:evaluation") + "?year=2027")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2027 年尚未开始，不能评价。" in html
    assert reverse("integrity:evaluation-export") not in html

    one = c.get(reverse("integrity:evaluation-unit", args=[unit(SCJG).pk]) + "?year=2027")
    assert one.status_code == 200
    assert "2027 年尚未开始，不能评价。" in one.content.decode()

    export = c.get(reverse("integrity:evaluation-export") + "?year=2027", follow=True)
    assert export.status_code == 200
    assert export.redirect_chain == [(reverse("integrity:evaluation") + "?year=2027", 302)]
    assert "2027 年尚未开始，不能评价。" in export.content.decode()

    # The office's button on that page refuses with the same message, nothing stored.
    saved = c.post(reverse("integrity:evaluation") + "?year=2027", {"year": "2027"}, follow=True)
    assert "2027 年尚未开始，不能评价。" in saved.content.decode()
    assert not evaluation.EvaluationResult.objects.filter(system__year=2027).exists()


# ------------------------------------------------ 6. bodies, not entries


def test_one_body_with_two_entries_counts_once_everywhere(clock):
    clock.today = TODAY
    admin = make_user("r_admin", Role.CREDIT_ADMIN, "区发改委")
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    first = list_sxbzxr(body.subject, on=date(2026, 10, 12), document="（2026）豫0503执1001号")
    second = list_sxbzxr(body.subject, on=date(2026, 10, 13), document="（2026）豫0503执1002号")

    summary = selectors.dashboard_json(admin)
    assert summary["government_bodies_on_sxbzxr"] == 1
    assert [e["entry_id"] for e in summary["listed"]] == [first.pk, second.pk]
    row = evaluation.unit_evaluation(evaluation.get_system(2026), unit(BZZ))
    assert next(i for i in row.items if i.code == "SXJN01").value == 1
    assert selectors.unit_file(unit(BZZ))["listed_count"] == 1

    scanned = json.loads(_run("scan", "--json"))
    assert scanned["government_bodies_on_sxbzxr"] == 1
    assert [g["entry_id"] for g in scanned["government_bodies"]] == [first.pk, second.pk]
    assert "列入失信被执行人的政府机构 1 个（目标 0）" in _run("scan")

    c = Client()
    c.force_login(admin)
    html = c.get(reverse("integrity:dashboard")).content.decode()
    assert '<td id="listed-count">1 个</td>' in html


# ------------------------------------------------ 7. ties share a rank


def test_equal_percent_shares_a_rank(clock):
    clock.today = TODAY
    system = evaluation.get_system(2026)
    for ind in system.indicators.filter(parent__isnull=False, method=Indicator.Method.MANUAL):
        evaluation.set_manual_score(
            actor=None, indicator=ind, unit=unit(SCJG), score=ind.weight, evidence="证据"
        )
    rows = {r.unit.name: r for r in evaluation.compute(system).rows}
    a, b = rows[SCJG], rows["区住建局"]
    assert a.score > b.score
    assert a.percent == b.percent == Decimal("100.00")
    assert a.rank == b.rank == 1


# ------------------------------------------------ 10. the label of an office-only kind


@pytest.mark.parametrize("kind", ["discipline", "纪律处分"])
def test_unit_staff_cannot_register_a_discipline_case_by_code_or_label(clock, kind):
    clock.today = TODAY
    scj = make_user("r_scj", Role.REPORTER, SCJG)
    with pytest.raises(NotPermitted, match="只有信用办管理员"):
        services.create_case(
            actor=scj, body=organ(SCJG), kind=kind, title="x", opened_on=date(2026, 5, 1)
        )
    assert not IntegrityCase.objects.filter(kind=IntegrityCase.Kind.DISCIPLINE).exists()


# ------------------------------------------------ (a) payments before the registration


def test_arrears_paid_before_registration_lift_the_alert_on_the_day_raised(clock):
    clock.today = TODAY
    scj = make_user("r_scj", Role.REPORTER, SCJG)
    case = services.register_arrears(
        actor=scj,
        body=organ(SCJG),
        creditor_name="安阳市鑫源食品有限公司",
        creditor_kind="sme",
        project="食堂食材采购",
        amount_wan="8",
        due_on=date(2026, 2, 28),
        registered_on=date(2026, 4, 1),
    )
    services.record_payment(actor=scj, case=case, paid_on=date(2026, 3, 15), amount_wan="8")
    case.refresh_from_db()
    assert case.cleared_on == date(2026, 3, 15)  # the debt was paid that day
    alert = Alert.objects.get(key=f"arrears:{case.pk}")
    assert alert.raised_on == date(2026, 4, 1)
    assert (alert.status, alert.resolved_on) == (Alert.Status.RESOLVED, date(2026, 4, 1))
    assert alert.resolution == "2026-03-15 已全部清偿"
