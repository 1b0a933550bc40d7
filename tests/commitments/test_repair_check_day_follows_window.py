"""A 信用修复型 commitment is checked the day after the repaired record's longest publicity
period ends (DOMAIN.md §9). That period is publicity's, and publicity recomputes it when
the record is corrected (by hand, by an objection, by a corrected upload) or when a policy
changes: the check day follows, so 到期待核查 (page and API) is never early or late."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import Clock
from xinyong.catalog.models import PublicityPolicy
from xinyong.commitments import selectors, services
from xinyong.commitments.models import Commitment
from xinyong.core.models import Event
from xinyong.orgs.models import Role, User
from xinyong.publicity import services as publicity
from xinyong.records.services import correct_record
from xinyong.rights import objections
from xinyong.rights.models import Channel, Objection

from ..rights.repair_helpers import UNIT, penalty_row, record, store
from .helpers import make_user
from .test_commitment_exclusion import admin, apply, approve_repair, window
from .test_repair_commitment_lapse import refuse

pytestmark = pytest.mark.django_db

# 国办发〔2025〕22号 一般: at most 1 year from the decision date.
DECIDED = "2026-03-10"
CHECK_DAY = date(2027, 3, 11)  # public until 2027-03-10
# Decided 2026-04-10 instead: 国家发展改革委令第36号 (from 2026-04-01) 一般, also at most
# 1 year (a fine, classed 一般), so public until 2027-04-10.
MOVED_DECIDED = "2026-04-10"
MOVED_CHECK_DAY = date(2027, 4, 11)
MOVED_EVENT = "commitments.repair_check_day_moved"
REPORTED = date(2026, 4, 13)


def _repaired(n: int = 1, **row: str) -> Commitment:
    # Reported after both dates, so that a correction to the later one is valid.
    store([penalty_row(n, decided=DECIDED, **row)], reported_on=REPORTED)
    r = record(n)
    app = approve_repair(
        apply(r, date(2026, 6, 15), name=r.subject.name), _office(), date(2026, 6, 30)
    )
    assert window(r).end_reason == "repaired"
    promise = Commitment.objects.get(repair_application=app)
    assert promise.verify_due == CHECK_DAY
    return promise


def _office() -> User:
    return User.objects.filter(username="xyb").first() or admin()


def _due_codes(on: date) -> list[str]:
    return list(
        Commitment.objects.filter(selectors.due_for_check_q(on)).values_list("code", flat=True)
    )


def _correct(n: int, **changes: str) -> None:
    correct_record(actor=_office(), record=record(n), changes=changes, reason="原录入有误")


def _fresh(c: Commitment) -> Commitment:
    return Commitment.objects.get(pk=c.pk)


def test_a_corrected_decision_date_moves_the_check_day_on_the_page_and_the_api(
    clock: Clock,
) -> None:
    promise = _repaired()
    _correct(1, CF_JDRQ=MOVED_DECIDED)

    assert window(record(1)).ends_on == date(2027, 4, 10)
    # The repair stays in force: the correction recomputes the period, not its ending.
    assert window(record(1)).end_reason == "repaired"
    assert _fresh(promise).verify_due == MOVED_CHECK_DAY
    assert promise.code not in _due_codes(CHECK_DAY)
    assert promise.code not in _due_codes(date(2027, 4, 10))
    assert promise.code in _due_codes(MOVED_CHECK_DAY)
    moved = Event.objects.get(action=MOVED_EVENT, target_id=str(promise.pk))
    assert (moved.old_values["verify_due"], moved.new_values["verify_due"]) == (
        "2027-03-11",
        "2027-04-11",
    )
    assert moved.new_values["record"] == record(1).pk

    reporter = make_user("hbj_moved", Role.REPORTER, UNIT)
    client = Client()
    client.force_login(reporter)
    api = APIClient()
    api.force_authenticate(reporter)
    # The old check day: no longer due, on the page nor through the API.
    clock.today = CHECK_DAY
    assert promise.code not in client.get("/workspace/commitments/?due=1").content.decode()
    assert api.get("/api/v1/commitments/?due=1").json()["results"] == []
    # The new one.
    clock.today = MOVED_CHECK_DAY
    page = client.get("/workspace/commitments/?due=1").content.decode()
    assert promise.code in page and "到期待核查" in page
    listed = api.get("/api/v1/commitments/?due=1").json()["results"]
    assert [(c["code"], c["verify_due"]) for c in listed] == [(promise.code, "2027-04-11")]


def test_a_corrected_severity_moves_the_check_day() -> None:
    # 国办发〔2025〕22号: 一般 at most 1 year, 严重 at most 3 years (DOMAIN.md §5).
    promise = _repaired(CF_SXCD="一般")
    _correct(1, CF_SXCD="严重")
    assert window(record(1)).ends_on == date(2029, 3, 10)
    assert _fresh(promise).verify_due == date(2029, 3, 11)
    assert promise.code not in _due_codes(CHECK_DAY)
    assert promise.code in _due_codes(date(2029, 3, 11))
    # And back: the day follows every recomputation, not only the first.
    _correct(1, CF_SXCD="一般")
    assert _fresh(promise).verify_due == CHECK_DAY
    assert Event.objects.filter(action=MOVED_EVENT, target_id=str(promise.pk)).count() == 2


def test_an_objection_decided_as_corrected_moves_the_check_day() -> None:
    promise = _repaired()
    obj = objections.file_objection(
        actor=None,
        record=record(1),
        channel=Channel.ONLINE,
        category=Objection.Category.WRONG,
        description="处罚决定日期应为2026年4月10日。",
        applicant_name="安阳市北关区某某化工有限公司",
        applicant_phone="13800001234",
        received_on=date(2026, 11, 2),
    )
    objections.decide_objection(
        actor=_office(),
        objection=obj,
        outcome="corrected",
        reason="经核实，决定日期录入有误",
        corrected_values={"CF_JDRQ": MOVED_DECIDED},
        on=date(2026, 11, 3),
    )
    assert _fresh(promise).verify_due == MOVED_CHECK_DAY


def test_a_corrected_upload_moves_the_check_day() -> None:
    # Sending the record again with another decision date corrects it as a new version;
    # its window is recomputed set-based with the batch.
    promise = _repaired()
    store([penalty_row(1, decided=MOVED_DECIDED)], reported_on=date(2026, 11, 2))
    assert record(1).decision_date == date(2026, 4, 10)
    assert window(record(1)).ends_on == date(2027, 4, 10)
    assert _fresh(promise).verify_due == MOVED_CHECK_DAY


def test_a_policy_recompute_moves_the_check_day() -> None:
    promise = _repaired()
    # An office shortens the rule in the admin (hypothetical: 6 months), then recomputes.
    PublicityPolicy.objects.filter(code="GBF2025_22_GENERAL").update(max_months=6)
    publicity.recompute(decided_from=date(2026, 3, 1), decided_to=date(2026, 3, 31))
    assert window(record(1)).ends_on == date(2026, 9, 10)
    assert _fresh(promise).verify_due == date(2026, 9, 11)
    assert promise.code in _due_codes(date(2026, 9, 11))


def test_lapsed_and_checked_commitments_are_left_alone(clock: Clock) -> None:
    kept = _repaired()
    # Found kept on its check day (not before: the promise runs until then).
    today, clock.today = clock.today, CHECK_DAY
    kept = services.record_fulfilment(
        actor=None,
        commitment=kept,
        status="全部履行",
        evidence="核查：未发现新的失信行为。",
        verified_on=CHECK_DAY,
    )
    clock.today = today
    store([penalty_row(2, decided=DECIDED)], reported_on=REPORTED)
    lapsed_app = refuse(apply(record(2), date(2026, 6, 15)), _office(), date(2026, 6, 30))
    lapsed = Commitment.objects.get(repair_application=lapsed_app)
    assert lapsed.verify_due is None and lapsed.evidence

    PublicityPolicy.objects.filter(code="GBF2025_22_GENERAL").update(max_months=6)
    publicity.recompute(decided_from=date(2026, 3, 1), decided_to=date(2026, 3, 31))
    assert window(record(2)).ends_on == date(2026, 9, 10)
    # Its check is recorded: the day it was due stays as it was.
    assert _fresh(kept).verify_due == CHECK_DAY
    # Its repair was refused: nothing to check, it stays out of 到期待核查.
    assert _fresh(lapsed).verify_due is None
    assert lapsed.code not in _due_codes(date(2026, 9, 11))
    assert not Event.objects.filter(action=MOVED_EVENT).exists()


def test_an_unchanged_period_writes_nothing() -> None:
    promise = _repaired()
    before = _fresh(promise).updated_at
    # A correction that does not touch the period (the legal representative's name).
    _correct(1, CF_FRDB="李四")
    assert _fresh(promise).verify_due == CHECK_DAY
    assert _fresh(promise).updated_at == before
    assert not Event.objects.filter(action=MOVED_EVENT).exists()
