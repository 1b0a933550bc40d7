"""One register of 银企对接 events: an event recorded in 信易贷 is the finance office's
activity on the work ledger (row 32: "举办推介会、对接会等宣传活动", 区金融办), so the 信易贷
statistics and the ledger count the same events. The finance office records its own events;
other units are refused (service and page). The demo agrees with itself and loads once."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.finance import selectors, services
from xinyong.finance.models import MatchmakingEvent
from xinyong.ledger import selectors as ledger_selectors
from xinyong.ledger import services as ledger_services
from xinyong.ledger.models import Activity, Assignment, Plan
from xinyong.orgs.models import Role

from .helpers import admin, bank_user, finance_reviewer, make_user, unit

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 25)
HELD = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    # Both registers refuse events after today; pin today so the dates below are past.
    monkeypatch.setattr(services, "_today", lambda: TODAY)
    monkeypatch.setattr(ledger_services, "today", lambda: TODAY)


def plan_2026() -> Plan:
    found = Plan.objects.filter(year=2026).first()
    if found is not None:
        return found
    return ledger_services.copy_plan(actor=None, plan=Plan.objects.get(year=2023), year=2026)


def row32_count(plan: Plan) -> int:
    a = Assignment.objects.get(row__plan=plan, row__number=32, unit=unit("区金融工作局"))
    results = ledger_selectors.evaluate_targets(plan, [a], on=TODAY)[a.pk]
    (result,) = [r for r in results if r.target.activity_kind == "matchmaking"]
    return int(result.value)


def pdf(name: str = "签到表.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 sign-in sheet", content_type="application/pdf")


def record(actor, *, held_on=HELD, evidence_file=None, **extra):
    values = {
        "title": "“信易贷”政银企对接会（产业集聚区专场）",
        "held_on": held_on,
        "venue": "北关区产业集聚区管委会",
        "banks": "中国银行安阳北关支行、安阳农村商业银行",
        "firm_count": 31,
        "evidence": "签到表、现场照片",
    }
    values.update(extra)
    return services.record_matchmaking(actor=actor, evidence_file=evidence_file, **values)


def test_event_recorded_in_finance_counts_on_ledger_row_32():
    plan = plan_2026()
    assert row32_count(plan) == 0
    ev = record(finance_reviewer(), evidence_file=pdf())
    assert row32_count(plan) == 1
    assert selectors.statistics(2026).events == 1
    act = ev.ledger_activity
    assert act is not None
    assert (act.plan_id, act.unit.name, act.kind, act.held_on) == (
        plan.pk,
        "区金融工作局",
        Activity.Kind.MATCHMAKING,
        HELD,
    )
    assert act.evidence.count() == 1
    assert "安阳农村商业银行" in act.description
    # The credit office's event counts the same way.
    record(admin(), held_on=date(2026, 11, 23), evidence_file=pdf("照片.jpg"))
    assert row32_count(plan) == 2
    assert selectors.statistics(2026).events == 2


def test_event_already_on_the_ledger_is_linked_not_counted_twice():
    plan = plan_2026()
    reviewer = finance_reviewer()
    ledger_services.record_activity(
        actor=reviewer,
        plan=plan,
        unit=unit("区金融工作局"),
        kind=Activity.Kind.MATCHMAKING,
        title="银企对接会",
        held_on=HELD,
        files=[pdf()],
    )
    assert row32_count(plan) == 1
    ev = record(reviewer)  # no file needed: the ledger already holds its evidence
    assert row32_count(plan) == 1
    assert ev.ledger_activity is not None and ev.ledger_activity.title == "银企对接会"
    # A second, different event on the same day is a new ledger activity.
    record(reviewer, title="第二场对接会", evidence_file=pdf())
    assert row32_count(plan) == 2
    assert Activity.objects.filter(kind=Activity.Kind.MATCHMAKING).count() == 2


def test_event_of_a_ledger_year_needs_a_file_the_ledger_accepts():
    plan = plan_2026()
    reviewer = finance_reviewer()
    with pytest.raises(DomainError, match="佐证材料文件"):
        record(reviewer)
    with pytest.raises(DomainError, match="类型不允许"):
        record(reviewer, evidence_file=SimpleUploadedFile("x.exe", b"MZ"))
    assert MatchmakingEvent.objects.count() == 0
    assert row32_count(plan) == 0


def test_who_may_record():
    plan_2026()
    reporter = make_user("jrj_rep", Role.REPORTER, "区金融办")
    ev = record(reporter, evidence_file=pdf())
    assert ev.organiser.name == "区金融工作局"  # its own unit by default
    for other in (
        make_user("rep_scj", Role.REPORTER, "区市场监管局"),
        make_user("rev_scj", Role.REVIEWER, "区市场监管局"),
        make_user("leader1", Role.LEADER),
        bank_user(),
    ):
        with pytest.raises(NotPermitted):
            record(other, evidence_file=pdf())
    # The finance office records for itself, not in another unit's name.
    with pytest.raises(NotPermitted):
        record(reporter, organiser="区市场监管局", evidence_file=pdf())
    assert MatchmakingEvent.objects.count() == 1


def test_events_page_for_the_finance_office(client):
    plan = plan_2026()
    url = reverse("finance:events")
    form = {
        "title": "“信易贷”进社区推介会",
        "held_on": "2026-11-20",
        "venue": "红旗路街道",
        "banks": "中国银行安阳北关支行",
        "firm_count": "12",
        "evidence": "签到表",
    }
    other = make_user("rep_scj", Role.REPORTER, "区市场监管局")
    client.force_login(other)
    assert client.get(url).status_code == 403
    assert client.post(url, {**form, "evidence_file": pdf()}).status_code == 403
    assert MatchmakingEvent.objects.count() == 0
    assert url not in client.get("/workspace/").content.decode()
    reporter = make_user("jrj_rep", Role.REPORTER, "区金融工作局")
    client.force_login(reporter)
    assert f'href="{url}"' in client.get("/workspace/").content.decode()
    assert client.get(reverse("finance:home")).status_code == 403  # events only
    page = client.get(url)
    assert page.status_code == 200 and 'id="event-form"' in page.content.decode()
    response = client.post(url, {**form, "evidence_file": pdf()})
    assert response.status_code == 302
    ev = MatchmakingEvent.objects.get()
    assert ev.recorded_by == reporter and ev.ledger_activity is not None
    assert row32_count(plan) == 1
    listing = client.get(url).content.decode()
    assert "已计入工作台账" in listing
    # Without a file the page says why, in Chinese, and records nothing.
    client.force_login(finance_reviewer())
    response = client.post(url, {**form, "title": "无材料"})
    assert response.status_code == 200 and "佐证材料文件" in response.content.decode()
    assert MatchmakingEvent.objects.count() == 1


def test_events_recorded_before_the_plan_are_linked_once_it_exists():
    reviewer = finance_reviewer()
    ev = record(reviewer, evidence_file=pdf())  # no 2026 plan yet: nothing to count on
    assert ev.ledger_activity is None
    plan = plan_2026()
    assert row32_count(plan) == 0
    assert "1" in services.link_matchmaking_to_ledger()
    ev.refresh_from_db()
    assert ev.ledger_activity is not None
    assert row32_count(plan) == 1
    assert services.link_matchmaking_to_ledger() == ""
    assert row32_count(plan) == 1


def test_demo_registers_agree_and_reload_adds_nothing(monkeypatch):
    from xinyong.collection.demo import load_demo_records
    from xinyong.finance.loaders import load_demo_finance, load_demo_matchmaking
    from xinyong.ledger.loaders import load_demo_ledger
    from xinyong.orgs.loaders import load_demo_users
    from xinyong.sanctions.demo import load_demo_lists
    from xinyong.subjects.demo import load_demo_subjects
    from xinyong.supervision.demo import load_demo_grades

    # The demo is loaded on its real day (the ledger demo's dates are fixed in 2026).
    monkeypatch.undo()
    loaders = [
        load_demo_users,
        load_demo_subjects,
        load_demo_records,
        load_demo_lists,
        load_demo_grades,
        load_demo_finance,
        load_demo_ledger,
        load_demo_matchmaking,
    ]
    for load in loaders:
        load()
    plan = Plan.objects.get(year=2026)

    def state():
        return (
            selectors.statistics(2026).events,
            row32_count(plan),
            Activity.objects.filter(kind=Activity.Kind.MATCHMAKING).count(),
            MatchmakingEvent.objects.count(),
        )

    first = state()
    assert first[0] == first[1] >= 1
    assert first[2] == first[3] == first[0]
    assert MatchmakingEvent.objects.filter(ledger_activity__isnull=True).count() == 0
    for load in loaders:
        load()
    assert state() == first
