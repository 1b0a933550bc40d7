"""Defects found in review of credit repair: an application on a withdrawn record kept
running and its approval went to the city platform; the commitment read "…21号号行政处罚…"
and called every record 行政处罚."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.test import Client
from rest_framework.test import APIClient

from xinyong.catalog.models import RecordType
from xinyong.commitments.models import Commitment
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.exchange.models import OutboxEntry
from xinyong.publicity.models import PublicityWindow
from xinyong.records import services as records
from xinyong.records.models import CreditRecord
from xinyong.reports.content import _repairs_in_progress
from xinyong.rights import objections, repair
from xinyong.rights.models import Channel, Objection, RepairApplication

from .repair_helpers import ORG_USCC, apply, penalty_row, record, staff, store

pytestmark = pytest.mark.django_db

ENDED_REASON = "该信息已撤销（撤回），无需修复。"
REFUSAL = "该信息已撤销（撤回），本信用修复申请已终止办理，不能再审核或作出决定。"


def in_provider_review(users: dict[str, Any]) -> RepairApplication:
    """北关环罚〔2026〕1号 (decided 2026-03-10), applied for 09-22, complete 09-23."""
    store([penalty_row(1, decided="2026-03-10")])
    app = apply(record(1))
    return repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 9, 23)
    )


def fresh(app: RepairApplication) -> RepairApplication:
    return RepairApplication.objects.select_related("record").get(pk=app.pk)


# ------------------------------------------------------------------ 1. withdrawn record


def test_withdrawing_the_record_ends_the_pending_repair_in_the_same_transaction() -> None:
    users = staff()
    app = in_provider_review(users)
    records.withdraw_record(
        actor=users["admin"],
        record=record(1),
        reason="原处罚决定已被行政复议决定撤销",
        revoked_on=date(2026, 9, 24),
        on=date(2026, 9, 25),
    )
    app = fresh(app)
    assert app.status == "terminated"
    assert app.get_status_display() == "终止办理"
    assert app.decided_on == date(2026, 9, 25)
    assert app.decision_reason == ENDED_REASON
    assert app.applicant_notice == (
        "信用修复申请终止办理（2026-09-25）：该信息已撤销（撤回），无需修复。"
    )
    view = repair.public_view(app)
    assert (view["status_label"], view["decision_reason"]) == ("终止办理", ENDED_REASON)
    # Not overdue, however long nobody looks at it.
    assert not repair.is_overdue(app, date(2027, 1, 4))
    assert app.pk not in set(repair.overdue_repairs(date(2027, 1, 4)).values_list("pk", flat=True))
    event = Event.objects.get(action="rights.repair.decide", target_id=str(app.pk))
    assert event.new_values["status"] == "terminated"
    assert event.new_values["reason"] == ENDED_REASON
    assert event.old_values["status"] == "provider_review"
    # The withdrawal reaches the city platform; nothing about the repair does.
    assert OutboxEntry.objects.filter(kind="record", change="withdrawn").count() == 1
    assert not OutboxEntry.objects.filter(kind="repair").exists()
    # The credit report no longer counts it among the repairs in progress.
    assert _repairs_in_progress(app.subject) == 0


def test_after_the_withdrawal_no_review_or_decision_is_possible() -> None:
    users = staff()
    app = in_provider_review(users)
    repair.provider_review(
        actor=users["reviewer"],
        application=app,
        agrees=True,
        opinion="同意修复。",
        on=date(2026, 9, 24),
    )
    records.withdraw_record(
        actor=users["reporter"],
        record=record(1),
        reason="原处罚决定已被撤销",
        revoked_on=date(2026, 9, 25),
        on=date(2026, 9, 25),
    )
    assert fresh(app).status == "terminated"
    for attempt in (
        lambda: repair.decide_repair(
            actor=users["admin"], application=app, approve=True, reason="同意", on=date(2026, 9, 28)
        ),
        lambda: repair.provider_review(
            actor=users["reviewer"], application=app, agrees=True, opinion="同意", on=None
        ),
        lambda: repair.mark_complete(actor=users["admin"], application=app, complete=True),
        lambda: repair.resubmit_repair(actor=None, application=app, supplement="补充"),
    ):
        with pytest.raises(DomainError) as exc:
            attempt()
        assert exc.value.message == REFUSAL
    assert fresh(app).status == "terminated"
    assert not OutboxEntry.objects.filter(kind="repair").exists()


def test_api_refuses_review_and_decision_of_an_ended_application() -> None:
    users = staff()
    app = in_provider_review(users)
    records.withdraw_record(
        actor=users["admin"], record=record(1), reason="原处罚决定已被撤销", on=date(2026, 9, 25)
    )
    reviewer, admin = APIClient(), APIClient()
    reviewer.force_authenticate(users["reviewer"])
    admin.force_authenticate(users["admin"])
    review = reviewer.post(
        f"/api/v1/repairs/{app.pk}/provider-review",
        {"agrees": True, "opinion": "同意"},
        format="json",
    )
    assert review.status_code == 400, review.content
    assert review.json()["detail"] == REFUSAL
    decide = admin.post(
        f"/api/v1/repairs/{app.pk}/decide", {"approve": True, "reason": "同意"}, format="json"
    )
    assert decide.status_code == 400, decide.content
    assert decide.json()["detail"] == REFUSAL
    assert fresh(app).status == "terminated"
    assert not OutboxEntry.objects.filter(kind="repair").exists()


def test_objection_decided_revoked_ends_the_repair_and_the_status_page_says_so() -> None:
    users = staff()
    app = in_provider_review(users)
    objection = objections.file_objection(
        actor=users["admin"],
        record=record(1),
        channel=Channel.COUNTER,
        category=Objection.Category.WRONG,
        description="处罚决定已被行政复议撤销，公示信息应撤下。",
        applicant_name="安阳市北关区某某化工有限公司",
        applicant_identifier=ORG_USCC,
        applicant_phone="13800001234",
        received_on=date(2026, 9, 24),
    )
    objection = objections.forward_to_provider(
        actor=users["admin"], objection=objection, on=date(2026, 9, 24)
    )
    objections.decide_objection(
        actor=users["admin"],
        objection=objection,
        outcome=Objection.Outcome.REVOKED,
        reason="原处罚决定已被行政复议决定撤销",
        on=date(2026, 9, 25),
    )
    assert record(1).status == CreditRecord.Status.WITHDRAWN
    assert fresh(app).status == "terminated"
    page = Client().get("/credit/repair/status/", {"code": app.query_code})
    text = page.content.decode()
    assert page.status_code == 200
    assert '<span class="tag" id="repair-status-label">终止办理</span>' in text
    assert ENDED_REASON in text
    assert "决定期限" not in text
    assert "提供单位审核中" not in text


def test_an_already_finished_application_is_left_as_it_was() -> None:
    users = staff()
    app = in_provider_review(users)
    repair.provider_review(
        actor=users["reviewer"],
        application=app,
        agrees=False,
        opinion="不同意。",
        on=date(2026, 9, 24),
    )
    refused = repair.decide_repair(
        actor=users["admin"],
        application=app,
        approve=False,
        reason="未完成整改。",
        on=date(2026, 9, 28),
    )
    notice = refused.applicant_notice
    records.withdraw_record(
        actor=users["admin"], record=record(1), reason="原处罚决定已被撤销", on=date(2026, 9, 29)
    )
    app = fresh(app)
    assert (app.status, app.decided_on, app.applicant_notice) == (
        "refused",
        date(2026, 9, 28),
        notice,
    )


def test_an_approval_made_before_the_withdrawal_can_still_be_marked_synced() -> None:
    users = staff()
    app = in_provider_review(users)
    repair.provider_review(
        actor=users["reviewer"],
        application=app,
        agrees=True,
        opinion="同意。",
        on=date(2026, 9, 24),
    )
    repair.decide_repair(
        actor=users["admin"], application=app, approve=True, reason="已整改。", on=date(2026, 9, 28)
    )
    records.withdraw_record(
        actor=users["admin"], record=record(1), reason="原处罚决定已被撤销", on=date(2026, 9, 29)
    )
    synced = repair.record_sync(actor=users["admin"], application=app, on=date(2026, 9, 30))
    assert (synced.status, synced.synced_on) == ("approved", date(2026, 9, 30))


def test_an_application_left_open_on_a_withdrawn_record_is_refused_and_ended_by_migration() -> None:
    # Withdrawn before the fix: the record went, the application stayed open.
    users = staff()
    app = in_provider_review(users)
    r = record(1)
    CreditRecord.objects.filter(pk=r.pk).update(status=CreditRecord.Status.WITHDRAWN)
    django_apps.get_model("records", "RecordWithdrawal").objects.create(
        record=r, withdrawn_on=date(2026, 9, 25), reason="原处罚决定已被撤销"
    )
    with pytest.raises(DomainError) as exc:
        repair.provider_review(
            actor=users["reviewer"], application=app, agrees=True, opinion="同意", on=None
        )
    assert exc.value.message == REFUSAL
    assert fresh(app).status == "provider_review"

    migration = importlib.import_module("xinyong.rights.migrations.0003_repair_terminated")
    migration.end_repairs_of_withdrawn_records(django_apps, None)
    app = fresh(app)
    assert (app.status, app.decided_on, app.decision_reason) == (
        "terminated",
        date(2026, 9, 25),
        ENDED_REASON,
    )
    assert app.applicant_notice == (
        "信用修复申请终止办理（2026-09-25）：该信息已撤销（撤回），无需修复。"
    )


# ------------------------------------------------------------------ 2. commitment text


def test_commitment_names_the_document_once_and_the_record_type() -> None:
    store([penalty_row(21, decided="2026-03-10")])
    penalty = record(21)
    text = repair.commitment_text_for(penalty)
    assert text.startswith(
        "本主体（安阳市北关区某某化工有限公司）就北关环罚〔2026〕21号行政处罚等失信信息"
        "申请信用修复，郑重承诺：\n"
    )
    assert "号号" not in text

    breach = CreditRecord.objects.select_related("record_type").get(pk=penalty.pk)
    breach.record_type = RecordType.objects.get(code="CNWN")
    breach.document_number = "41050320260316000001"
    text = repair.commitment_text_for(breach)
    assert text.startswith(
        "本主体（安阳市北关区某某化工有限公司）就41050320260316000001号信用承诺违诺信息"
        "等失信信息申请信用修复，郑重承诺：\n"
    )
    assert "行政处罚" not in text


def test_stored_commitment_of_an_application_reads_right() -> None:
    store([penalty_row(21, decided="2026-03-10")])
    app = apply(record(21))
    assert "就北关环罚〔2026〕21号行政处罚等失信信息申请信用修复" in app.commitment_text
    stored = Commitment.objects.get(repair_application=app)
    assert stored.content == app.commitment_text
    assert "号号" not in stored.content


def test_windows_stay_ended_as_withdrawn_not_repaired() -> None:
    users = staff()
    in_provider_review(users)
    records.withdraw_record(
        actor=users["admin"], record=record(1), reason="原处罚决定已被撤销", on=date(2026, 9, 25)
    )
    window = PublicityWindow.objects.get(record=record(1))
    assert (window.end_reason, window.ended_on) == (
        PublicityWindow.EndReason.WITHDRAWN,
        date(2026, 9, 25),
    )
