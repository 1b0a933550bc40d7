"""Credit repair rules with concrete dates (国办发〔2025〕22号; 2026 holidays)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from xinyong.catalog.models import RecordType
from xinyong.core import calendar
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.models import Event
from xinyong.publicity.models import PublicityWindow
from xinyong.publicity.selectors import public_status
from xinyong.records.models import CreditRecord
from xinyong.rights import repair
from xinyong.rights.models import Channel, RepairApplication
from xinyong.rights.signals import repair_decided

from . import repair_helpers
from .repair_helpers import ORG_USCC, penalty_row, record, staff, store

pytestmark = pytest.mark.django_db


def apply(r: CreditRecord, on: date = date(2026, 9, 22), **kw: Any) -> RepairApplication:
    # Typed in lower case, as applicants do: the identifier check normalises it.
    return repair_helpers.apply(r, on, **{"subject_identifier": ORG_USCC.lower(), **kw})


def window(r: CreditRecord) -> PublicityWindow:
    return PublicityWindow.objects.get(record=r)


# ------------------------------------------------------------------ eligibility


def test_general_penalty_is_eligible_from_three_months_after_decision() -> None:
    store([penalty_row(1, decided="2026-03-10")])
    r = record(1)
    # The 3-month minimum's last day is 06-10 (民法典 arts. 201/202): repair after it.
    before = repair.repair_eligibility(r, date(2026, 6, 10))
    assert (before.eligible, before.code, before.from_date) == (False, "not_yet", date(2026, 6, 11))
    assert before.reason_zh == "最短公示期尚未届满，自 2026-06-11 起可申请信用修复。"
    on_day = repair.repair_eligibility(r, date(2026, 6, 11))
    assert (on_day.eligible, on_day.from_date) == (True, date(2026, 6, 11))
    # 一般: at most 1 year; the window's last public day is the until date.
    assert on_day.until_date == window(r).ends_on == date(2027, 3, 10)
    after = repair.repair_eligibility(r, date(2027, 3, 11))
    assert (after.eligible, after.code) == (False, "ended_expired")
    assert "2027-03-10" in after.reason_zh


def test_serious_class_explains_the_one_year_minimum() -> None:
    store([penalty_row(1, decided="2026-03-10")])
    r = record(1)
    PublicityWindow.objects.filter(record=r).update(
        severity="serious", repair_from=date(2027, 3, 10), ends_on=date(2029, 3, 9)
    )
    verdict = repair.repair_eligibility(r, date(2026, 9, 1))
    assert verdict.code == "not_yet"
    assert verdict.reason_zh.startswith(
        "严重失信信息须公示满1年后方可申请信用修复（国办发〔2025〕22号）"
    )
    assert "2027-03-10" in verdict.reason_zh


def test_refusals_explained_for_court_list_withdrawn_neutral_unpublished_and_ended() -> None:
    store([penalty_row(1)])
    r = record(1)
    today = date(2026, 9, 1)
    court = CreditRecord.objects.select_related("record_type").get(pk=r.pk)
    court.record_type = RecordType.objects.get(code="SXBZXR")
    verdict = repair.repair_eligibility(court, today)
    assert verdict.code == "court_list" and "人民法院" in verdict.reason_zh

    withdrawn = CreditRecord.objects.select_related("record_type").get(pk=r.pk)
    withdrawn.status = CreditRecord.Status.WITHDRAWN
    assert repair.repair_eligibility(withdrawn, today).code == "withdrawn"

    neutral = CreditRecord.objects.select_related("record_type").get(pk=r.pk)
    neutral.nature = "neutral"
    assert (
        repair.repair_eligibility(neutral, today).reason_zh
        == "该信息不属于失信信息，无需信用修复。"
    )

    PublicityWindow.objects.filter(record=r).update(
        is_published=False, not_published_reason="仅警告"
    )
    verdict = repair.repair_eligibility(r, today)
    assert (verdict.code, verdict.reason_zh) == (
        "not_published",
        "该信息依规不向社会公示（仅警告），无需申请信用修复。",
    )

    PublicityWindow.objects.filter(record=r).update(
        is_published=True, ended_on=date(2026, 8, 1), end_reason=PublicityWindow.EndReason.REPAIRED
    )
    verdict = repair.repair_eligibility(r, today)
    assert verdict.code == "ended_repaired"
    assert verdict.reason_zh == "该信息已于 2026-08-01 完成信用修复，已停止公示。"


# ------------------------------------------------------------------ applying


def test_application_refused_at_once_when_not_eligible_with_the_reason() -> None:
    store([penalty_row(1, decided="2026-03-10")])
    with pytest.raises(DomainError) as exc:
        apply(record(1), on=date(2026, 6, 10))
    assert exc.value.message == "最短公示期尚未届满，自 2026-06-11 起可申请信用修复。"
    assert RepairApplication.objects.count() == 0


def test_application_checks_identity_commitment_phone_and_duplicates() -> None:
    store([penalty_row(1)])
    r = record(1)
    with pytest.raises(DomainError, match="所填主体代码与该信息的信用主体不一致"):
        apply(r, subject_identifier="91330282L07196379D")
    with pytest.raises(DomainError, match="请阅读并勾选同意《信用修复承诺书》"):
        apply(r, commitment_accepted=False)
    with pytest.raises(DomainError, match="联系电话格式不正确"):
        apply(r, applicant_phone="12345")
    with pytest.raises(DomainError, match="请填写履行义务情况说明"):
        apply(r, fulfilment_statement="  ")
    app = apply(r)
    assert app.status == RepairApplication.Status.SUBMITTED
    assert len(app.query_code) == 12
    assert app.commitment_text.startswith(
        "本主体（安阳市北关区某某化工有限公司）就北关环罚〔2026〕1号"
    )
    assert app.provider_unit == r.source_unit
    with pytest.raises(DomainError, match="已有正在办理的信用修复申请"):
        apply(r)
    event = Event.objects.get(action="rights.repair.apply")
    assert event.new_values["record"] == r.pk


def test_counter_application_by_the_unit_and_not_by_another_unit() -> None:
    users = staff()
    store([penalty_row(1)])
    r = record(1)
    with pytest.raises(NotPermitted):
        apply(r, actor=users["other"], channel=Channel.COUNTER, subject_identifier=None)
    with pytest.raises(NotPermitted):
        apply(r, actor=users["leader"], channel=Channel.COUNTER, subject_identifier=None)
    app = apply(r, actor=users["reporter"], channel=Channel.COUNTER, subject_identifier=None)
    assert app.channel == Channel.COUNTER


# ------------------------------------------------------------------ the workflow


def test_approval_across_mid_autumn_and_national_day_ends_publicity_and_syncs() -> None:
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    r = record(1)
    app = apply(r, on=date(2026, 9, 22))
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 9, 24)
    )
    assert app.status == RepairApplication.Status.PROVIDER_REVIEW
    # Complete on Thu 2026-09-24; the start day does not count. 9-25..9-27 中秋 off;
    # 9-28 (1), 9-29 (2), 9-30 (3); 10-1..10-7 国庆 off; 10-8 (4), 10-9 (5),
    # 10-10 Sat worked (6), 10-12 (7), 10-13 (8), 10-14 (9), 10-15 (10).
    assert (
        repair.decision_due(app)
        == date(2026, 10, 15)
        == calendar.add_workdays(date(2026, 9, 24), 10)
    )
    assert app.applicant_notice == "申请材料已于 2026-09-24 审查齐全，将于 2026-10-15 前作出决定。"

    assert public_status(r, date(2026, 10, 1)) == "公示中"
    app = repair.provider_review(
        actor=users["reviewer"],
        application=app,
        agrees=True,
        opinion="罚款已缴清，整改到位。",
        on=date(2026, 9, 29),
    )
    assert (app.status, app.provider_agrees) == (RepairApplication.Status.OFFICE_REVIEW, True)

    got: list[Any] = []

    def listen(sender: Any, application: RepairApplication, approved: bool, **kwargs: Any) -> None:
        got.append((application.pk, approved))

    repair_decided.connect(listen)
    try:
        app = repair.decide_repair(
            actor=users["admin"],
            application=app,
            approve=True,
            reason="已履行义务并作出承诺。",
            on=date(2026, 10, 14),
        )
    finally:
        repair_decided.disconnect(listen)
    assert got == [(app.pk, True)]
    assert app.status == RepairApplication.Status.APPROVED
    w = window(r)
    assert (w.ended_on, w.end_reason) == (date(2026, 10, 14), PublicityWindow.EndReason.REPAIRED)
    assert public_status(record(1), date(2026, 10, 15)) == "已修复"
    # Decided Wed 10-14: 10-15 (1), 10-16 (2), weekend, 10-19 Mon (3).
    assert repair.sync_due(app) == date(2026, 10, 19)
    assert "2026-10-19 前同步" in app.applicant_notice
    assert not repair.is_overdue(app, date(2026, 10, 19))
    assert repair.is_overdue(app, date(2026, 10, 20))
    app = repair.record_sync(actor=users["admin"], application=app, on=date(2026, 10, 16))
    assert app.synced_on == date(2026, 10, 16)
    with pytest.raises(DomainError, match="已于 2026-10-16 同步"):
        repair.record_sync(actor=users["admin"], application=app, on=date(2026, 10, 17))
    actions = list(
        Event.objects.filter(target_type="rights.RepairApplication", target_id=str(app.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "rights.repair.apply",
        "rights.repair.complete",
        "rights.repair.provider_review",
        "rights.repair.decide",
        "rights.repair.sync",
    ]


def test_refusal_gives_reasons_and_how_to_object_and_keeps_publicity() -> None:
    users = staff()
    store([penalty_row(1)])
    r = record(1)
    app = apply(r)
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 9, 24)
    )
    app = repair.provider_review(
        actor=users["reporter"],
        application=app,
        agrees=False,
        opinion="尚未完成整改。",
        on=date(2026, 9, 28),
    )
    app = repair.decide_repair(
        actor=users["admin"],
        application=app,
        approve=False,
        reason="整改尚未验收",
        on=date(2026, 9, 30),
    )
    assert app.status == RepairApplication.Status.REFUSED
    assert app.applicant_notice == (
        "不予信用修复（2026-09-30）。理由：整改尚未验收。"
        "对不予修复决定有异议的，可在本平台该条记录页面提出异议申请，"
        "或到区信用办窗口提交（《河南省社会信用条例》第四十一条）。"
    )
    assert window(r).ended_on is None
    assert repair.sync_due(app) is None
    with pytest.raises(DomainError, match="只有准予修复的申请需要同步"):
        repair.record_sync(actor=users["admin"], application=app, on=date(2026, 10, 1))
    # A refused application does not block a new one.
    assert repair.repair_eligibility(r, date(2026, 10, 8)).eligible


def test_incomplete_then_resubmitted() -> None:
    users = staff()
    store([penalty_row(1)])
    app = apply(record(1))
    with pytest.raises(DomainError, match="请填写需补正的材料或内容"):
        repair.mark_complete(actor=users["admin"], application=app, complete=False, note="")
    app = repair.mark_complete(
        actor=users["admin"],
        application=app,
        complete=False,
        note="请补充罚款缴纳凭证",
        on=date(2026, 9, 23),
    )
    assert app.status == RepairApplication.Status.INCOMPLETE
    assert app.applicant_notice == "申请材料不齐全，请凭查询码补正：请补充罚款缴纳凭证"
    assert repair.decision_due(app) is None
    app = repair.resubmit_repair(
        actor=None, application=app, supplement="已补充缴款凭证。", on=date(2026, 9, 25)
    )
    assert app.status == RepairApplication.Status.SUBMITTED
    assert app.fulfilment_statement.endswith("【2026-09-25 补正】已补充缴款凭证。")
    with pytest.raises(DomainError, match="只有“材料待补正”的申请可以补正材料"):
        repair.resubmit_repair(actor=None, application=app, supplement="再补一次")


def test_permissions_of_each_step() -> None:
    users = staff()
    store([penalty_row(1)])
    app = apply(record(1))
    for who in ("reporter", "reviewer", "leader", "other"):
        with pytest.raises(NotPermitted):
            repair.mark_complete(actor=users[who], application=app, complete=True)
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 9, 24)
    )
    for who in ("other", "leader"):
        with pytest.raises(NotPermitted):
            repair.provider_review(actor=users[who], application=app, agrees=True, opinion="同意")
    with pytest.raises(DomainError, match="须经提供单位审核后"):
        repair.decide_repair(
            actor=users["admin"], application=app, approve=True, reason="同意", on=date(2026, 9, 25)
        )
    app = repair.provider_review(
        actor=users["reporter"], application=app, agrees=True, opinion="同意", on=date(2026, 9, 25)
    )
    for who in ("reporter", "reviewer", "leader"):
        with pytest.raises(NotPermitted):
            repair.decide_repair(actor=users[who], application=app, approve=True, reason="同意")
    # Visibility: the unit and the office see it; another unit does not.
    assert repair.get_repair_for(users["reporter"], app.pk) == app
    assert repair.get_repair_for(users["leader"], app.pk) == app
    with pytest.raises(NotFoundError):
        repair.get_repair_for(users["other"], app.pk)
    assert list(repair.repairs_visible_to(users["other"])) == []


def test_overdue_repairs_on_concrete_days() -> None:
    users = staff()
    store([penalty_row(1), penalty_row(2)])
    late = repair.mark_complete(
        actor=users["admin"], application=apply(record(1)), complete=True, on=date(2026, 9, 24)
    )
    fresh = repair.mark_complete(
        actor=users["admin"], application=apply(record(2)), complete=True, on=date(2026, 10, 9)
    )
    assert list(repair.overdue_repairs(date(2026, 10, 15))) == []
    assert list(repair.overdue_repairs(date(2026, 10, 16))) == [late]
    # fresh: complete Fri 10-09 → 10-10 Sat worked (1), 10-12..10-16 (2-6),
    # 10-19..10-22 (7-10): due Thu 10-22.
    assert repair.decision_due(fresh) == date(2026, 10, 22)
    assert set(repair.overdue_repairs(date(2026, 10, 23))) == {late, fresh}


def test_overdue_repairs_in_the_monthly_report() -> None:
    from xinyong.collection.reports import monthly_report, report_pdf
    from xinyong.collection.selectors import Period

    from .repair_helpers import UNIT

    users = staff()
    store([penalty_row(1)])
    repair.mark_complete(
        actor=users["admin"], application=apply(record(1)), complete=True, on=date(2026, 9, 24)
    )  # decision due 2026-10-15, never decided
    october = monthly_report(Period.month(2026, 10))
    assert october.overdue_repairs == [(UNIT, 1)]
    assert f"本月内超期办理的信用修复申请 1 件：{UNIT} 1 件。" in october.summary
    september = monthly_report(Period.month(2026, 9))
    assert september.overdue_repairs == []
    assert "本月内无超期办理的信用修复申请。" in september.summary
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(
        p.extract_text() for p in PdfReader(BytesIO(report_pdf(Period.month(2026, 10)))).pages
    )
    assert "超期办理的信用修复申请" in text


def test_status_lookup_by_query_code_shows_only_applicant_fields() -> None:
    store([penalty_row(1)])
    app = apply(record(1))
    found = repair.repair_by_code(app.query_code.lower())
    view = repair.public_view(found)
    assert view["applicant_phone"] == "138****1234"
    assert view["applicant_name"].startswith("安") and "*" in view["applicant_name"]
    assert view["status_label"] == "已提交"
    assert "fulfilment_statement" not in view and "provider_opinion" not in view
    with pytest.raises(NotFoundError):
        repair.repair_by_code("ABCDEFGHJKLM")
    with pytest.raises(DomainError, match="请输入查询码"):
        repair.repair_by_code("  ")


def test_no_fee_field_anywhere_in_repair() -> None:
    names = {f.name for f in RepairApplication._meta.get_fields()}
    assert not any("fee" in n or "pay" in n or "amount" in n for n in names)


def test_materials_are_stored_with_hash_and_bad_files_refused(settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    store([penalty_row(1)])
    r = record(1)
    with pytest.raises(DomainError, match="类型不允许上传"):
        apply(r, attachments=[SimpleUploadedFile("run.exe", b"MZ")])
    with pytest.raises(DomainError, match="是空文件"):
        apply(r, attachments=[SimpleUploadedFile("empty.pdf", b"")])
    assert RepairApplication.objects.count() == 0
    app = apply(r, attachments=[SimpleUploadedFile("缴款凭证.pdf", b"%PDF-1.4 receipt")])
    stored = app.attachments.get()
    assert (stored.original_name, stored.size) == ("缴款凭证.pdf", 16)
    assert stored.sha256 == "1cfd9c781ea8b21c3c17bb558def1d77998c237072a86ec620a1121ea4fc2a1d"
    assert (tmp_path / stored.file.name).read_bytes() == b"%PDF-1.4 receipt"
