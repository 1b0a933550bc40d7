"""信用修复型 commitments of natural persons identified by another document (a passport
holder is keyed `护照:E12345678`), and the promise made only to obtain a repair that was
then refused or ended without a decision: it lapses with the repair (DOMAIN.md §9)."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

import pytest
from django.apps import apps

from xinyong.commitments import selectors
from xinyong.commitments.models import Commitment
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.records.services import withdraw_record
from xinyong.rights import repair
from xinyong.rights.models import Channel, RepairApplication

from ..rights.repair_helpers import penalty_row, record, store
from .test_commitment_exclusion import admin, apply, approve_repair, breach, breach_record, window

pytestmark = pytest.mark.django_db

PASSPORT = "E12345678"
JOHN = "约翰·史密斯"
# 一般 penalty decided 2026-03-10 (国办发〔2025〕22号: at most 1 year): public until
# 2027-03-10, so a repair commitment on it is checked on 2027-03-11.
CHECK_DAY = date(2027, 3, 11)


def passport_penalty(n: int) -> Any:
    store(
        [
            penalty_row(
                n,
                decided="2026-03-10",
                CF_XDR_MC=JOHN,
                CF_XDR_LB="自然人",
                CF_XDR_SHXYM="",
                CF_FRDB="",
                CF_XDR_ZJLX="护照",
                CF_XDR_ZJHM=PASSPORT,
            )
        ]
    )
    return record(n)


def counter_apply(r: Any, office: Any, on: date) -> RepairApplication:
    return repair.apply_for_repair(
        actor=office,
        record=r,
        channel=Channel.COUNTER,
        applicant_name=JOHN,
        applicant_phone="13800001234",
        fulfilment_statement="已缴清罚款并完成整改。",
        commitment_accepted=True,
        submitted_on=on,
    )


def refuse(app: RepairApplication, office: Any, on: date) -> RepairApplication:
    app = repair.mark_complete(actor=office, application=app, complete=True, on=on)
    app = repair.provider_review(
        actor=office, application=app, agrees=False, opinion="未整改", on=on
    )
    return repair.decide_repair(
        actor=office, application=app, approve=False, reason="未完成整改", on=on
    )


def due_codes(on: date) -> list[str]:
    return list(
        Commitment.objects.filter(selectors.due_for_check_q(on)).values_list("code", flat=True)
    )


# ------------------------------------------------------------------ 1. passport holder


def test_a_passport_holders_broken_repair_commitment_is_recorded_and_the_penalty_shown_again():
    office = admin()
    r = passport_penalty(1)
    assert r.subject.identifier == "护照:E12345678"
    app = approve_repair(counter_apply(r, office, date(2026, 6, 15)), office, date(2026, 6, 30))
    assert window(r).end_reason == "repaired"
    promise = Commitment.objects.get(repair_application=app)
    assert promise.committer_code == "护照:E12345678"

    done = breach(promise, date(2026, 9, 1))
    assert done.status == Commitment.Status.BROKEN
    cnwn = breach_record(done)
    # The breach names the document as the penalty did: type and number apart.
    assert (cnwn.payload["CN_XDR_ZJLX"], cnwn.payload["CN_XDR_ZJHM"]) == ("护照", PASSPORT)
    assert cnwn.payload["CN_XDR_LB"] == "自然人"
    assert cnwn.subject_id == r.subject_id
    assert window(cnwn).is_published
    # The penalty is public again until its longest period (DOMAIN.md §9).
    w = window(r)
    assert (w.ends_on, w.ended_on, w.end_reason) == (date(2027, 3, 10), None, "")


def test_a_resident_id_holders_breach_still_names_the_身份证():
    office = admin()
    store(
        [
            penalty_row(
                2,
                decided="2026-03-10",
                CF_XDR_MC="李四",
                CF_XDR_LB="自然人",
                CF_XDR_SHXYM="",
                CF_FRDB="",
                CF_XDR_ZJLX="身份证",
                CF_XDR_ZJHM="11010519491231002X",
            )
        ]
    )
    r = record(2)
    app = approve_repair(counter_apply(r, office, date(2026, 6, 15)), office, date(2026, 6, 30))
    done = breach(Commitment.objects.get(repair_application=app), date(2026, 9, 1))
    payload = breach_record(done).payload
    assert (payload["CN_XDR_ZJLX"], payload["CN_XDR_ZJHM"]) == ("身份证", "11010519491231002X")


# ------------------------------------------------------------------ 2. unapproved repair


LAPSED_BREACH = "该信用修复型承诺对应的信用修复申请已{status}，承诺随之失效，不能记录违诺。"


def test_a_refused_repairs_commitment_lapses_and_cannot_be_found_broken():
    office = admin()
    store([penalty_row(3, decided="2026-03-10")])
    r = record(3)
    app = apply(r, date(2026, 6, 15), name=r.subject.name)
    promise = Commitment.objects.get(repair_application=app)
    assert promise.verify_due == CHECK_DAY

    refuse(app, office, date(2026, 6, 18))
    promise.refresh_from_db()
    # Still 待核查 for the city platform (nothing new to tell it), but no longer due.
    assert (promise.status, promise.verify_due) == (Commitment.Status.PENDING, None)
    assert promise.evidence == (
        "信用修复申请于 2026-06-18 不予修复，本承诺随之失效，无需核查履行情况。"
    )
    assert promise.code not in due_codes(CHECK_DAY)
    assert promise.code not in due_codes(date(2028, 1, 1))
    event = Event.objects.get(action="commitments.repair_commitment_lapse")
    assert event.target_id == str(promise.pk)
    assert (event.old_values or {})["verify_due"] == "2027-03-11"

    with pytest.raises(DomainError) as refused:
        breach(promise, date(2026, 7, 1))
    assert refused.value.message == LAPSED_BREACH.format(status="不予修复")
    promise.refresh_from_db()
    assert (promise.status, promise.breach_record_id) == (Commitment.Status.PENDING, None)
    # The penalty stays as the refusal left it: public, no CNWN record.
    assert (window(r).ended_on, window(r).end_reason) == (None, "")
    assert not Event.objects.filter(action="commitments.repair_breach_restore").exists()


def test_a_repair_ended_with_its_records_withdrawal_lapses_its_commitment():
    store([penalty_row(4, decided="2026-03-10")])
    r = record(4)
    app = apply(r, date(2026, 6, 15), name=r.subject.name)
    withdraw_record(actor=None, record=r, reason="处罚决定已被撤销", on=date(2026, 6, 20))
    app.refresh_from_db()
    assert app.status == RepairApplication.Status.TERMINATED
    promise = Commitment.objects.get(repair_application=app)
    assert promise.verify_due is None
    assert promise.evidence == (
        "信用修复申请于 2026-06-20 终止办理，本承诺随之失效，无需核查履行情况。"
    )
    assert promise.code not in due_codes(CHECK_DAY)
    with pytest.raises(DomainError) as refused:
        breach(promise, date(2026, 7, 1))
    assert refused.value.message == LAPSED_BREACH.format(status="终止办理")


def test_a_breach_waits_for_the_repair_to_be_approved():
    store([penalty_row(5, decided="2026-03-10")])
    r = record(5)
    app = apply(r, date(2026, 6, 15), name=r.subject.name)
    promise = Commitment.objects.get(repair_application=app)
    with pytest.raises(DomainError) as refused:
        breach(promise, date(2026, 6, 20))
    assert refused.value.message == (
        "该信用修复型承诺对应的信用修复申请尚未准予修复（当前状态：已提交），不能记录违诺；"
        "申请人未履行承诺的，请在修复审核中不予修复。"
    )
    # Still running: checked on its day.
    promise.refresh_from_db()
    assert promise.verify_due == CHECK_DAY


def test_an_approved_repairs_commitment_is_not_lapsed_by_the_records_later_withdrawal():
    office = admin()
    store([penalty_row(6, decided="2026-03-10")])
    r = record(6)
    app = approve_repair(
        apply(r, date(2026, 6, 15), name=r.subject.name), office, date(2026, 6, 30)
    )
    withdraw_record(actor=None, record=r, reason="处罚决定已被撤销", on=date(2026, 7, 20))
    promise = Commitment.objects.get(repair_application=app)
    assert (promise.verify_due, promise.evidence) == (CHECK_DAY, "")


def test_the_migration_lapses_the_commitments_of_repairs_already_ended_unapproved():
    office = admin()
    store([penalty_row(7, decided="2026-03-10"), penalty_row(8, decided="2026-03-10")])
    refused = refuse(
        apply(record(7), date(2026, 6, 15), name=record(7).subject.name), office, date(2026, 6, 18)
    )
    approved = approve_repair(
        apply(record(8), date(2026, 6, 15), name=record(8).subject.name), office, date(2026, 6, 30)
    )
    # As they were before the lapse existed.
    Commitment.objects.filter(repair_application=refused).update(verify_due=CHECK_DAY, evidence="")
    migration = importlib.import_module(
        "xinyong.commitments.migrations.0004_lapse_unapproved_repair_commitments"
    )
    migration.backfill(apps, None)
    lapsed = Commitment.objects.get(repair_application=refused)
    assert lapsed.verify_due is None
    assert lapsed.evidence == (
        "信用修复申请于 2026-06-18 不予修复，本承诺随之失效，无需核查履行情况。"
    )
    assert Commitment.objects.get(repair_application=approved).verify_due == CHECK_DAY
    assert due_codes(CHECK_DAY) == [Commitment.objects.get(repair_application=approved).code]
