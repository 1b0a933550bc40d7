"""A commitment whose 核查期限 falls in a year the working-day calendar does not hold yet
(the next year's schedule is published around November, DOMAIN.md §3) is recorded with
the date pending (核查期限待定) instead of being refused; loading that year fills it, and
an edit of a loaded year's holidays recomputes the dates it changes.

2026 has no holiday in December (the package's calendar). The 2027 schedule imported here
is a test assumption: 元旦 2027-01-01 (Friday) to 01-03 off, no make-up working day.
区市场监管局's 食品经营许可 (容缺受理型) has a 核查期限 of 5 working days, 区住建局's 建筑工程
施工许可 (审批替代型) one of 30; the start day is not counted (民法典 art. 201)."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import Clock
from xinyong.commitments import selectors, services
from xinyong.commitments.models import Commitment, Kind
from xinyong.core import calendar_services
from xinyong.core.models import CalendarYear, Event, WorkdayException
from xinyong.orgs.models import Role

from ..collection.test_rules_review_fixes import holiday_cn_2027
from .helpers import ORG_USCC, OTHER_USCC, SCJG, ZJJ, commit, make_user, matter, unit

pytestmark = pytest.mark.django_db

PENDING_NOTE = "核查期限待定（2027 年工作日历尚未导入）"
SETTLE = "commitments.verify_due_settle"
RECALCULATE = "commitments.verify_due_recalculate"
FOOD = "食品经营许可"


@pytest.fixture(autouse=True)
def year_end(clock: Clock) -> Clock:
    clock.today = date(2026, 12, 28)
    CalendarYear.objects.filter(year__gte=2027).delete()
    return clock


def fresh(c: Commitment) -> Commitment:
    return Commitment.objects.get(pk=c.pk)


def events(action: str) -> list[dict]:
    return [e.new_values for e in Event.objects.filter(action=action).order_by("id")]


def holiday(day: date) -> WorkdayException:
    return calendar_services.save_workday_exception(
        actor=None, day=day, kind=WorkdayException.Kind.HOLIDAY, name="测试调整"
    )


# ---------------------------------------------------------------- recorded, date pending


def test_commitment_due_in_an_unknown_year_is_recorded_with_the_date_pending() -> None:
    # 2026-12-28 (Monday) + 5 working days: 12-29, 12-30, 12-31, then 2027 — not loaded.
    c = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 28))
    assert c.code == "41050320261228000001"
    assert (c.verify_due, c.verify_workdays, c.status) == (None, 5, Commitment.Status.PENDING)
    assert c.verify_due_note == PENDING_NOTE
    assert events("commitments.record")[0]["verify_due"] is None
    # 30 working days from 2026-12-01 run past 12-31 (23 working days left in December).
    long = commit(ZJJ, "建筑工程施工许可", Kind.APPROVAL, made_on=date(2026, 12, 1))
    assert (long.verify_due, long.verify_workdays) == (None, 30)
    # A commitment without a 核查期限 is not pending: nothing to wait for.
    plain = commit(
        SCJG, None, Kind.APPROVAL, code=OTHER_USCC, name="某公司", reason="办理", content="属实"
    )
    assert (plain.verify_due, plain.verify_workdays, plain.verify_due_note) == (None, None, "")
    # Known dates stay as they were: 2026-12-21 + 5 = 12-22 … 12-28.
    known = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 21), code=OTHER_USCC)
    assert (known.verify_due, known.verify_due_note) == (date(2026, 12, 28), "")


def test_workspace_form_and_pages_show_the_pending_date(client: Client) -> None:
    reporter = make_user("scj_rep", Role.REPORTER, SCJG)
    client.force_login(reporter)
    m = matter(SCJG, FOOD, Kind.DEFICIENCY)
    answer = client.post(
        "/workspace/commitments/new/",
        {
            "unit": unit(SCJG).pk,
            "matter": m.pk,
            "committer_name": "安阳市北关区某某食品有限公司",
            "committer_code": ORG_USCC,
            "made_on": "2026-12-28",
            "publicity": "public",
        },
        follow=True,
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    c = Commitment.objects.get()
    assert c.verify_due is None
    assert "已录入，承诺编码 41050320261228000001" in page
    assert PENDING_NOTE in page and "None" not in page
    listing = client.get("/workspace/commitments/").content.decode()
    assert PENDING_NOTE in listing


def test_api_accepts_it_and_says_the_date_is_pending() -> None:
    api = APIClient()
    api.force_authenticate(make_user("scj_rep", Role.REPORTER, SCJG))
    created = api.post(
        "/api/v1/commitments/",
        {
            "matter": matter(SCJG, FOOD, Kind.DEFICIENCY).pk,
            "committer_name": "安阳市北关区某某食品有限公司",
            "committer_code": ORG_USCC,
            "made_on": "2026-12-28",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["verify_due"], body["verify_due_note"]) == (None, PENDING_NOTE)
    detail = api.get(f"/api/v1/commitments/{body['id']}/").json()
    assert detail["verify_due_note"] == PENDING_NOTE


def test_public_window_accepts_it() -> None:
    voluntary = matter(SCJG, "经营主体信用承诺", Kind.VOLUNTARY)
    services.update_matter(actor=None, matter=voluntary, verification_workdays=5)
    api = APIClient()
    start = api.post(
        "/api/v1/commitments/public/",
        {"matter": voluntary.pk, "uscc": ORG_USCC, "name": "某某超市有限公司", "accepted": True},
        format="json",
    )
    assert start.status_code == 200, start.json()
    ok = api.post(
        "/api/v1/commitments/public/confirm/",
        {"token": start.json()["token"], "code": start.json()["shown"]},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    c = Commitment.objects.get()
    assert (c.status, c.verify_due, c.verify_due_note) == (
        Commitment.Status.PENDING,
        None,
        PENDING_NOTE,
    )


def test_file_import_and_cli_accept_it(tmp_path: Path) -> None:
    path = tmp_path / "承诺.csv"
    path.write_text(
        "承诺人名称,承诺人代码,承诺类型,承诺事项,承诺作出日期\n"
        f"安阳市某某食品有限公司,{ORG_USCC},容缺受理型,{FOOD},2026-12-28\n",
        encoding="utf-8-sig",
    )
    out = StringIO()
    call_command("commitments", "import", str(path), "--unit", SCJG, stdout=out)
    assert "已导入 1 条信用承诺" in out.getvalue()
    assert PENDING_NOTE in out.getvalue()
    assert Commitment.objects.get().verify_due is None


# ---------------------------------------------------------------- filled when the year is loaded


def test_importing_2027_fills_the_pending_date() -> None:
    c = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 28))
    long = commit(ZJJ, "建筑工程施工许可", Kind.APPROVAL, made_on=date(2026, 12, 1))
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    # 12-29, 12-30, 12-31 = 3; 2027-01-01 元旦 off, 01-02/03 weekend; 01-04 = 4, 01-05 = 5.
    assert (fresh(c).verify_due, fresh(c).verify_due_note) == (date(2027, 1, 5), "")
    # 2026-12-01 + 30: December has 22 working days after 12-01 (12-02 … 12-31), then
    # 01-04 … 01-08 (5) and 01-11, 01-12, 01-13 (3): 22 + 8 = 30 on Wednesday 2027-01-13.
    assert fresh(long).verify_due == date(2027, 1, 13)
    assert events(SETTLE) == [
        {"years": [2027], "count": 2, "codes": [c.code, long.code]},
    ]
    # Importing the year again changes nothing and writes no second event.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert len(events(SETTLE)) == 1


def test_year_added_by_hand_fills_the_date_as_plain_weekdays() -> None:
    c = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 28))
    calendar_services.save_calendar_year(actor=None, year=2027, source="国办发明电〔2026〕1号")
    # No exceptions yet: 2027-01-01 (Friday) counts: 12-29, 12-30, 12-31, 01-01, 01-04.
    assert fresh(c).verify_due == date(2027, 1, 4)


# ---------------------------------------------------------------- recomputed after a calendar edit


def test_holiday_added_in_december_moves_a_computed_date_and_back() -> None:
    # 2026-12-14 (Monday) + 5: 12-15, 12-16, 12-17, 12-18, 12-21.
    moved = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 14))
    assert moved.verify_due == date(2026, 12, 21)
    # Windows without 12-16: made on that day (not counted), or due before it.
    same_day = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 16), code=OTHER_USCC)
    assert same_day.verify_due == date(2026, 12, 23)
    before = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 1), code=OTHER_USCC)
    assert before.verify_due == date(2026, 12, 8)
    exception = holiday(date(2026, 12, 16))
    # 12-16 off: 12-15, 12-17, 12-18, 12-21, 12-22.
    assert fresh(moved).verify_due == date(2026, 12, 22)
    assert fresh(same_day).verify_due == date(2026, 12, 23)
    assert fresh(before).verify_due == date(2026, 12, 8)
    assert events(RECALCULATE) == [
        {"days": ["2026-12-16"], "count": 1, "codes": [moved.code], "undetermined": 0}
    ]
    calendar_services.delete_workday_exception(actor=None, pk=exception.pk)
    assert fresh(moved).verify_due == date(2026, 12, 21)
    assert len(events(RECALCULATE)) == 2


def test_an_edit_that_pushes_the_date_into_2027_makes_it_pending_until_2027_is_loaded() -> None:
    # 2026-12-24 + 5: 12-25, 12-28, 12-29, 12-30, 12-31.
    c = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 24))
    assert c.verify_due == date(2026, 12, 31)
    holiday(date(2026, 12, 28))
    assert (fresh(c).verify_due, fresh(c).verify_due_note) == (None, PENDING_NOTE)
    assert events(RECALCULATE)[0]["undetermined"] == 1
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    # 12-25, 12-29, 12-30, 12-31 = 4; 2027-01-01 元旦 off; 01-04 = 5.
    assert fresh(c).verify_due == date(2027, 1, 4)


def test_checked_and_flagged_commitments_keep_their_date(clock: Clock) -> None:
    clock.today = date(2026, 12, 23)
    flagged = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 14))
    kept = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 14), code=OTHER_USCC)
    assert [c.pk for c in services.check_overdue(on=date(2026, 12, 22))] == [flagged.pk, kept.pk]
    services.record_fulfilment(
        actor=None, commitment=kept, status="全部履行", evidence="已补齐材料", verified_on=None
    )
    holiday(date(2026, 12, 16))
    assert fresh(flagged).verify_due == fresh(kept).verify_due == date(2026, 12, 21)
    assert events(RECALCULATE) == []


def test_repair_commitment_check_day_is_left_alone() -> None:
    # Its day follows the repaired record's publicity window, not working days, even when
    # its unit's repair matter names a 核查期限.
    services.create_matter(
        actor=None,
        unit=SCJG,
        name="信用修复承诺",
        kind=Kind.REPAIR,
        template_text="承诺已纠正失信行为",
        verification_workdays=5,
        breach_consequence="按最长期限公示",
        legal_basis="国办发〔2025〕22号",
    )
    repair = Commitment.objects.create(
        code="41050320261214900001",
        kind=Kind.REPAIR,
        matter=matter(SCJG, "信用修复承诺", Kind.REPAIR),
        committer_name="某公司",
        committer_code=ORG_USCC,
        reason="申请信用修复",
        content="承诺",
        breach_liability="按最长期限公示",
        made_on=date(2026, 12, 14),
        accepting_unit=unit(SCJG),
        channel=Commitment.Channel.FORM,
        verify_due=date(2026, 12, 18),
    )
    lapsed = Commitment.objects.create(
        code="41050320261228900001",
        kind=Kind.REPAIR,
        matter=matter(SCJG, "信用修复承诺", Kind.REPAIR),
        committer_name="某公司",
        committer_code=ORG_USCC,
        reason="申请信用修复",
        content="承诺",
        breach_liability="按最长期限公示",
        made_on=date(2026, 12, 28),
        accepting_unit=unit(SCJG),
        channel=Commitment.Channel.FORM,
        verify_due=None,
    )
    holiday(date(2026, 12, 16))
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert fresh(repair).verify_due == date(2026, 12, 18)
    assert fresh(lapsed).verify_due is None
    assert fresh(lapsed).verify_due_note == ""
    assert events(RECALCULATE) == events(SETTLE) == []


# ---------------------------------------------------------------- not overdue while pending


def test_pending_date_is_not_overdue_on_2027_01_10_until_2027_is_loaded(
    clock: Clock, client: Client
) -> None:
    c = commit(SCJG, FOOD, Kind.DEFICIENCY, made_on=date(2026, 12, 28))
    clock.today = date(2027, 1, 10)
    assert services.check_overdue(on=date(2027, 1, 10)) == []
    assert not Commitment.objects.filter(selectors.due_for_check_q(date(2027, 1, 10))).exists()
    client.force_login(make_user("scj_rep", Role.REPORTER, SCJG))
    assert c.code not in client.get("/workspace/commitments/?due=1").content.decode()
    assert c.code not in client.get("/workspace/commitments/?overdue=1").content.decode()
    api = APIClient()
    api.force_authenticate(make_user("scj_rep2", Role.REPORTER, SCJG))
    assert api.get("/api/v1/commitments/", {"due": "1"}).json()["count"] == 0
    # Once 2027 is loaded the date is 2027-01-05 (see above) and the next check flags it.
    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)
    assert [x.pk for x in services.check_overdue(on=date(2027, 1, 10))] == [c.pk]
