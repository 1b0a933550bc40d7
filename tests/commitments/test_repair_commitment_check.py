"""A 信用修复型 commitment runs until the repaired record's longest publicity period would
have ended (DOMAIN.md §9: breach keeps the penalty published for its longest period), so
its fulfilment is checked the day after that period's last day: it then appears in the
到期待核查 list and goes through the same fulfilment check as other commitments."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import Clock
from xinyong.commitments import selectors, services
from xinyong.commitments.models import Commitment, Kind
from xinyong.orgs.models import Role

from ..rights.repair_helpers import UNIT, penalty_row, record, store
from .helpers import make_user
from .test_commitment_exclusion import admin, apply, approve_repair, window

pytestmark = pytest.mark.django_db

# 国办发〔2025〕22号 一般 (the environmental penalty of repair_helpers): at most 1 year
# from the decision date 2026-03-10, so public until 2027-03-10.
LAST_PUBLIC_DAY = date(2027, 3, 10)
CHECK_DAY = date(2027, 3, 11)


def _repaired() -> Commitment:
    store([penalty_row(1, decided="2026-03-10")])
    r = record(1)
    assert window(r).ends_on == LAST_PUBLIC_DAY
    app = approve_repair(
        apply(r, date(2026, 6, 15), name=r.subject.name), admin(), date(2026, 6, 30)
    )
    assert window(r).end_reason == "repaired"
    return Commitment.objects.get(repair_application=app)


def _due_codes(on: date) -> list[str]:
    return list(
        Commitment.objects.filter(selectors.due_for_check_q(on)).values_list("code", flat=True)
    )


def test_the_check_day_is_the_day_after_the_longest_period_of_the_repaired_record() -> None:
    promise = _repaired()
    assert (promise.kind, promise.status) == (Kind.REPAIR, Commitment.Status.PENDING)
    assert promise.verify_due == CHECK_DAY
    # The accepting unit is the record's source unit, as the repair flow sets it.
    assert promise.accepting_unit is not None and promise.accepting_unit.name == UNIT
    # Not due while the promise runs; due from the check day on.
    assert promise.code not in _due_codes(LAST_PUBLIC_DAY)
    assert promise.code in _due_codes(CHECK_DAY)
    # The day is a check date, not a deadline the committer missed: no 逾期未补正 flag.
    assert services.check_overdue(on=date(2027, 3, 20)) == []


def test_due_repair_commitment_is_listed_and_checked_like_any_other(clock: Clock) -> None:
    promise = _repaired()
    reporter = make_user("hbj_check", Role.REPORTER, UNIT)
    client = Client()
    client.force_login(reporter)

    clock.today = LAST_PUBLIC_DAY
    page = client.get("/workspace/commitments/?due=1").content.decode()
    assert promise.code not in page

    clock.today = CHECK_DAY
    page = client.get("/workspace/commitments/?due=1").content.decode()
    assert promise.code in page and "到期待核查" in page
    api = APIClient()
    api.force_authenticate(reporter)
    listed = api.get("/api/v1/commitments/?due=1").json()["results"]
    assert [(c["code"], c["verify_due"]) for c in listed] == [(promise.code, "2027-03-11")]
    assert api.get("/api/v1/commitments/?due=x").json()["detail"] == "due 参数应为 1 或 0。"

    # The accepting unit records the check on the detail page, as for any commitment.
    response = client.post(
        f"/workspace/commitments/{promise.pk}/",
        {
            "status": "全部履行",
            "evidence": "公示期届满，期间未发现新的失信行为。",
            "verified_on": "2027-03-11",
        },
    )
    assert response.status_code == 302
    promise.refresh_from_db()
    assert (promise.status, promise.verified_on) == (Commitment.Status.KEPT, CHECK_DAY)
    assert promise.code not in _due_codes(CHECK_DAY)
    # The repaired record stays repaired: the promise was kept.
    assert window(record(1)).end_reason == "repaired"


def test_existing_repair_commitments_get_their_check_day_from_the_migration() -> None:
    promise = _repaired()
    Commitment.objects.filter(pk=promise.pk).update(verify_due=None)
    migration = importlib.import_module(
        "xinyong.commitments.migrations.0003_repair_commitment_check_day"
    )
    migration.backfill(apps, None)
    assert Commitment.objects.get(pk=promise.pk).verify_due == CHECK_DAY
    # A date already set is left alone.
    Commitment.objects.filter(pk=promise.pk).update(verify_due=date(2027, 4, 1))
    migration.backfill(apps, None)
    assert Commitment.objects.get(pk=promise.pk).verify_due == date(2027, 4, 1)
