"""Objections (河南条例 art. 41) with concrete dates, including the 2026 holidays."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xinyong.collection.reports import monthly_report
from xinyong.collection.selectors import Period
from xinyong.core.bootstrap import run_reference_loaders
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.models import Event
from xinyong.publicity.models import PublicityWindow
from xinyong.publicity.selectors import is_publicly_visible, public_status
from xinyong.records.models import CreditRecord, RecordVersion
from xinyong.rights import objections
from xinyong.rights.models import Channel, Objection, ObjectionPause, RightsPolicy
from xinyong.rights.signals import objection_decided

from .repair_helpers import DECIDER_USCC, OTHER_UNIT, penalty_row, record, staff, store, unit

pytestmark = pytest.mark.django_db


def file(r: CreditRecord | None, on: date = date(2026, 9, 29), **kw: Any) -> Objection:
    values: dict[str, Any] = {
        "actor": None,
        "record": r,
        "channel": Channel.ONLINE,
        "category": Objection.Category.WRONG,
        "description": "罚款金额应为3万元，不是5万元。",
        "requested_change": "罚款3万元",
        "applicant_name": "安阳市北关区某某化工有限公司",
        "applicant_phone": "13800001234",
        "received_on": on,
    }
    values.update(kw)
    return objections.file_objection(**values)


@pytest.fixture
def users() -> dict[str, Any]:
    return staff()


@pytest.fixture
def rec() -> CreditRecord:
    store([penalty_row(1)])
    return record(1)


# ------------------------------------------------------------------ policy & deadlines


def test_default_policy_is_seeded_once_with_its_basis() -> None:
    run_reference_loaders()
    run_reference_loaders()
    policies = RightsPolicy.objects.filter(effective_from=date(2021, 1, 1))
    assert policies.count() == 1
    policy = policies.get()
    assert (policy.objection_office_days, policy.objection_provider_reply_days) == (3, 3)
    assert policy.objection_total_days == 7
    assert "第四十一条" in policy.legal_basis


def test_office_route_due_skips_national_day_2026(rec: CreditRecord) -> None:
    # 2026-09-29 (Tue): 9-30 is day 1, 10-01..10-07 are holidays, 10-08 day 2, 10-09 day 3.
    obj = file(rec, on=date(2026, 9, 29))
    assert obj.route == Objection.Route.OFFICE
    assert objections.due_date(obj) == date(2026, 10, 9)
    assert objections.provider_due_date(obj) is None


def test_provider_route_deadlines_around_spring_festival_2026(
    rec: CreditRecord, users: dict[str, Any]
) -> None:
    # Received Thu 2026-02-12; 2-14 (Sat) is a make-up working day, 2-15..2-23 are the
    # 春节 holidays, 2-28 (Sat) is a make-up working day.
    obj = file(rec, on=date(2026, 2, 12))
    obj = objections.forward_to_provider(actor=users["admin"], objection=obj, on=date(2026, 2, 13))
    assert obj.status == Objection.Status.FORWARDED
    assert obj.provider_unit == unit()
    # Provider: 3 working days from 2-13 → 2-14, 2-24, 2-25.
    assert objections.provider_due_date(obj) == date(2026, 2, 25)
    # Case: 7 working days from 2-12 → 2-13, 2-14, 2-24, 2-25, 2-26, 2-27, 2-28.
    assert objections.due_date(obj) == date(2026, 2, 28)


def test_a_pause_of_two_working_days_moves_the_due_date_by_two(
    rec: CreditRecord, users: dict[str, Any]
) -> None:
    obj = file(rec, on=date(2026, 9, 29))  # due Fri 10-09
    # Expert review from Thu 10-08 (before the deadline: a pause cannot start once it has
    # passed) to Sat 10-10: (10-08, 10-10] holds 10-09 and 10-10 (the make-up working day
    # after National Day) — exactly two working days.
    objections.start_pause(
        actor=users["admin"],
        objection=obj,
        reason=ObjectionPause.Reason.EXPERT,
        note="请专家评审",
        on=date(2026, 10, 8),
    )
    paused = Objection.objects.get(pk=obj.pk)
    with pytest.raises(DomainError, match="暂停计时"):
        objections.decide_objection(
            actor=users["admin"],
            objection=paused,
            outcome="kept",
            reason="无误",
            on=date(2026, 10, 14),
        )
    objections.end_pause(actor=users["admin"], objection=paused, on=date(2026, 10, 10))
    fresh = Objection.objects.get(pk=obj.pk)
    assert objections.paused_workdays(fresh) == 2
    # 10-09 plus two working days: 10-10 (make-up Saturday), 10-12.
    assert objections.due_date(fresh) == date(2026, 10, 12)
    assert Event.objects.filter(action="rights.objection.resume", target_id=str(obj.pk)).exists()


def test_overdue_listing_on_a_given_day(rec: CreditRecord, users: dict[str, Any]) -> None:
    late = file(rec, on=date(2026, 9, 29))  # due 10-09
    store([penalty_row(2)])
    forwarded = file(record(2), on=date(2026, 10, 8), applicant_phone="13900001111")
    objections.forward_to_provider(actor=users["admin"], objection=forwarded, on=date(2026, 10, 8))
    # 10-10 (Sat) is a make-up working day after National Day 2026.
    # Provider due: 10-09, 10-10, 10-12; case due: 7 working days after 10-08 → 10-16.
    assert list(objections.overdue_objections(date(2026, 10, 9))) == []
    assert list(objections.overdue_objections(date(2026, 10, 12))) == [late]
    assert set(objections.overdue_objections(date(2026, 10, 13))) == {late, forwarded}
    fwd = Objection.objects.get(pk=forwarded.pk)
    assert objections.is_provider_overdue(fwd, date(2026, 10, 13))
    assert not objections.is_case_overdue(fwd, date(2026, 10, 13))
    assert objections.due_date(fwd) == date(2026, 10, 16)
    # Overdue by 10-10, 10-12, 10-13; three working days left until 10-16.
    assert objections.days_left(late, date(2026, 10, 13)) == -3
    assert objections.days_left(fwd, date(2026, 10, 13)) == 3
    objections.decide_objection(
        actor=users["admin"],
        objection=late,
        outcome="kept",
        reason="信息无误",
        on=date(2026, 10, 13),
    )
    assert list(objections.overdue_objections(date(2026, 10, 13))) == [fwd]


# ------------------------------------------------------------------ filing


def test_filing_marks_the_record_at_once_and_stores_evidence(rec: CreditRecord) -> None:
    assert public_status(rec) == "公示中"
    pdf = SimpleUploadedFile("缴款凭证.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    obj = file(rec, attachments=[pdf])
    assert objections.has_open_objection(rec)
    assert public_status(CreditRecord.objects.get(pk=rec.pk)) == "异议处理中"
    attachment = obj.attachments.get()
    assert attachment.original_name == "缴款凭证.pdf"
    assert attachment.sha256 == hashlib.sha256(b"%PDF-1.4 evidence").hexdigest()
    assert len(obj.query_code) == 12
    event = Event.objects.get(action="rights.objection.file", target_id=str(obj.pk))
    assert event.new_values["evidence"] == 1
    with pytest.raises(DomainError, match="正在办理中"):
        file(rec)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([SimpleUploadedFile(f"{i}.png", b"x") for i in range(6)], "最多上传 5 个"),
        ([SimpleUploadedFile("a.exe", b"MZ")], "仅支持 PDF、JPG、PNG、DOCX"),
        ([SimpleUploadedFile("a.xlsx", b"PK")], "仅支持 PDF、JPG、PNG、DOCX"),
        ([SimpleUploadedFile("big.pdf", b"x" * (10 * 1024 * 1024 + 1))], "超过 10MB"),
        ([SimpleUploadedFile("empty.jpg", b"")], "空文件"),
    ],
)
def test_evidence_limits(rec: CreditRecord, files: list[Any], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        file(rec, attachments=files)
    assert not Objection.objects.exists()


def test_filing_refusals_are_chinese(rec: CreditRecord, users: dict[str, Any]) -> None:
    with pytest.raises(DomainError, match="联系电话格式不正确"):
        file(rec, applicant_phone="12345")
    with pytest.raises(DomainError, match="请选择异议类型"):
        file(rec, category="bogus")
    with pytest.raises(DomainError, match="请填写异议内容"):
        file(rec, description="  ")
    with pytest.raises(NotPermitted, match="窗口受理"):
        file(rec, channel=Channel.COUNTER, actor=users["other"])
    obj = file(rec, channel=Channel.COUNTER, actor=users["reporter"])
    assert obj.channel == Channel.COUNTER
    assert obj.received_by == users["reporter"]


def test_government_body_objects_through_the_same_path(users: dict[str, Any]) -> None:
    # The subject is a government body (USCC class 11: 机关).
    store(
        [
            penalty_row(
                7,
                CF_XDR_MC="安阳市北关区某某街道办事处",
                CF_XDR_SHXYM=DECIDER_USCC,
                CF_FRDB="王五",
            )
        ]
    )
    gov = record(7)
    obj = file(
        gov,
        on=date(2026, 9, 29),
        applicant_name="安阳市北关区某某街道办事处",
        applicant_identifier=DECIDER_USCC,
        applicant_is_government=True,
    )
    assert obj.applicant_is_government is True
    assert obj.subject.identifier == DECIDER_USCC
    assert objections.due_date(obj) == date(2026, 10, 9)
    done = objections.decide_objection(
        actor=users["admin"],
        objection=obj,
        outcome="kept",
        reason="处罚事实清楚",
        on=date(2026, 10, 9),
    )
    assert done.status == Objection.Status.DECIDED
    assert Event.objects.get(action="rights.objection.file", target_id=str(obj.pk)).new_values[
        "government"
    ]


# ------------------------------------------------------------------ outcomes


def test_corrected_makes_a_new_version_and_tells_the_applicant(
    rec: CreditRecord, users: dict[str, Any]
) -> None:
    obj = file(rec)
    obj = objections.forward_to_provider(actor=users["admin"], objection=obj, on=date(2026, 9, 30))
    with pytest.raises(NotPermitted):
        objections.provider_reply(
            actor=users["other"], objection=obj, reply="无误", on=date(2026, 10, 8)
        )
    obj = objections.provider_reply(
        actor=users["reporter"],
        objection=obj,
        reply="罚款金额录入有误，应为3万元。",
        on=date(2026, 10, 8),
    )
    with pytest.raises(DomainError, match="请填写更正后的信息项"):
        objections.decide_objection(
            actor=users["admin"], objection=obj, outcome="corrected", reason="核实有误"
        )
    with pytest.raises(DomainError, match="决定记录的身份"):
        objections.decide_objection(
            actor=users["admin"],
            objection=obj,
            outcome="corrected",
            reason="核实有误",
            corrected_values={"CF_WSH": "北关环罚〔2026〕99号"},
        )
    with pytest.raises(DomainError, match="未通过校验"):
        objections.decide_objection(
            actor=users["admin"],
            objection=obj,
            outcome="corrected",
            reason="核实有误",
            corrected_values={"CF_NR_FK": "三万"},
        )
    done = objections.decide_objection(
        actor=users["admin"],
        objection=obj,
        outcome="corrected",
        reason="经提供单位核实，罚款金额录入有误",
        corrected_values={"CF_NR_FK": "3", "CF_NR": "罚款3万元"},
        on=date(2026, 10, 9),
    )
    fresh = CreditRecord.objects.get(pk=rec.pk)
    assert fresh.version == 2
    assert fresh.payload["CF_NR_FK"] == "3"
    assert fresh.payload["CF_NR"] == "罚款3万元"
    old = RecordVersion.objects.get(record=fresh)
    assert (old.version, old.payload["CF_NR_FK"]) == (1, "5")
    assert done.outcome == Objection.Outcome.CORRECTED
    assert "决定予以更正" in done.applicant_notice and "同步" in done.applicant_notice
    assert is_publicly_visible(fresh)
    assert public_status(fresh) == "公示中"
    assert Event.objects.filter(action="records.corrected", target_id=str(rec.pk)).exists()
    decided = Event.objects.get(action="rights.objection.decide", target_id=str(obj.pk))
    assert decided.new_values["effect"]["record_version"] == 2
    assert decided.new_values["sync"]["signal"] == "rights.objection_decided"


def test_revoked_withdraws_the_record_and_ends_publicity_on_the_decision_day(
    rec: CreditRecord, users: dict[str, Any]
) -> None:
    seen: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append(kwargs)

    objection_decided.connect(receiver, dispatch_uid="test.objection_decided")
    try:
        obj = file(rec)
        done = objections.decide_objection(
            actor=users["admin"],
            objection=obj,
            outcome="revoked",
            reason="该处罚决定已被行政复议撤销",
            on=date(2026, 10, 9),
        )
    finally:
        objection_decided.disconnect(dispatch_uid="test.objection_decided")
    fresh = CreditRecord.objects.get(pk=rec.pk)
    assert fresh.status == CreditRecord.Status.WITHDRAWN
    window = PublicityWindow.objects.get(record=fresh)
    assert (window.ended_on, window.end_reason) == (
        date(2026, 10, 9),
        PublicityWindow.EndReason.WITHDRAWN,
    )
    assert not is_publicly_visible(fresh)
    assert "停止公示" in done.applicant_notice
    assert seen and seen[0]["objection"].pk == obj.pk and seen[0]["actor"] == users["admin"]
    decided = Event.objects.get(action="rights.objection.decide", target_id=str(obj.pk))
    assert any(r.endswith("receiver") for r in decided.new_values["sync"]["receivers"])
    with pytest.raises(DomainError, match="已办结"):
        objections.decide_objection(
            actor=users["admin"], objection=done, outcome="kept", reason="再次"
        )


def test_kept_leaves_the_record_public_and_explains_how_to_appeal(
    rec: CreditRecord, users: dict[str, Any]
) -> None:
    obj = file(rec)
    with pytest.raises(NotPermitted):
        objections.decide_objection(
            actor=users["reporter"], objection=obj, outcome="kept", reason="无误"
        )
    done = objections.decide_objection(
        actor=users["admin"],
        objection=obj,
        outcome="kept",
        reason="处罚事实清楚",
        on=date(2026, 10, 1),
    )
    fresh = CreditRecord.objects.get(pk=rec.pk)
    assert fresh.version == 1 and fresh.status == CreditRecord.Status.ACTIVE
    assert public_status(fresh) == "公示中"
    assert "行政复议" in done.applicant_notice
    assert done.decided_by == users["admin"]


def test_objection_about_a_subject_without_a_record(
    rec: CreditRecord, users: dict[str, Any]
) -> None:
    obj = file(None, subject=rec.subject, category=Objection.Category.INFRINGING)
    assert obj.record is None and obj.subject == rec.subject
    assert public_status(CreditRecord.objects.get(pk=rec.pk)) == "公示中"
    with pytest.raises(DomainError, match="请选择负责核查的单位"):
        objections.forward_to_provider(actor=users["admin"], objection=obj)
    with pytest.raises(DomainError, match="不能作出更正决定"):
        objections.decide_objection(
            actor=users["admin"],
            objection=obj,
            outcome="corrected",
            reason="x",
            corrected_values={"CF_NR": "y"},
        )
    done = objections.decide_objection(
        actor=users["admin"], objection=obj, outcome="revoked", reason="拟列入依据不足"
    )
    assert done.status == Objection.Status.DECIDED
    assert CreditRecord.objects.get(pk=rec.pk).status == CreditRecord.Status.ACTIVE


# ------------------------------------------------------------------ visibility


def test_units_see_only_objections_forwarded_to_them(
    rec: CreditRecord, users: dict[str, Any]
) -> None:
    obj = file(rec)
    assert list(objections.objections_visible_to(users["reporter"])) == []
    objections.forward_to_provider(actor=users["admin"], objection=obj, on=date(2026, 9, 30))
    assert list(objections.objections_visible_to(users["reporter"])) == [obj]
    assert list(objections.objections_visible_to(users["other"])) == []
    assert list(objections.objections_visible_to(users["leader"])) == [obj]
    assert list(objections.objections_visible_to(None)) == []
    with pytest.raises(NotFoundError):
        objections.get_objection_for(users["other"], obj.pk)
    # Forwarded to another unit explicitly: only that unit sees it.
    store([penalty_row(3)])
    second = file(record(3), applicant_phone="13700000000")
    objections.forward_to_provider(
        actor=users["admin"], objection=second, unit=unit(OTHER_UNIT), on=date(2026, 9, 30)
    )
    assert list(objections.objections_visible_to(users["other"])) == [second]
    assert second not in objections.objections_visible_to(users["reporter"])


def test_public_view_shows_no_staff_fields(rec: CreditRecord, users: dict[str, Any]) -> None:
    obj = file(rec, applicant_name="李四", applicant_identifier="11010519491231002X")
    objections.forward_to_provider(actor=users["admin"], objection=obj, on=date(2026, 9, 30))
    objections.provider_reply(
        actor=users["reporter"],
        objection=obj,
        reply="内部核查意见：经办人张某",
        on=date(2026, 9, 30),
    )
    view = objections.public_view(objections.objection_by_code(obj.query_code.lower()))
    text = repr(view)
    assert "内部核查意见" not in text and "张某" not in text
    assert "11010519491231002X" not in text
    assert view["applicant_name"] == "李*"
    assert view["applicant_phone"] == "138****1234"
    # Forwarded: 7 working days from 9-29 → 9-30, 10-08, 10-09, 10-10, 10-12, 10-13, 10-14.
    assert view["due_on"] == date(2026, 10, 14)
    assert view["outcome"] == "" and view["applicant_notice"] == ""
    with pytest.raises(NotFoundError, match="12位"):
        objections.objection_by_code("ABC")
    with pytest.raises(DomainError, match="请输入查询码"):
        objections.objection_by_code("  ")


# ------------------------------------------------------------------ monthly 通报


def test_overdue_objections_in_the_monthly_report(rec: CreditRecord, users: dict[str, Any]) -> None:
    late = file(rec, on=date(2026, 9, 29))  # due 10-09; decided 10-13: overdue in October
    objections.decide_objection(
        actor=users["admin"], objection=late, outcome="kept", reason="无误", on=date(2026, 10, 13)
    )
    store([penalty_row(4)])
    forwarded = file(record(4), on=date(2026, 10, 20), applicant_phone="13900002222")
    objections.forward_to_provider(
        actor=users["admin"], objection=forwarded, unit=unit(OTHER_UNIT), on=date(2026, 10, 20)
    )  # case due 10-29, still open
    store([penalty_row(5)])
    in_time = file(record(5), on=date(2026, 10, 26), applicant_phone="13900003333")
    objections.decide_objection(
        actor=users["admin"],
        objection=in_time,
        outcome="kept",
        reason="无误",
        on=date(2026, 10, 27),
    )
    other = unit(OTHER_UNIT).name
    assert objections.overdue_by_unit(date(2026, 10, 1), date(2026, 10, 31)) == sorted(
        [(UNIT_NAME, 1), (other, 1)], key=lambda item: unit(item[0]).sort_order
    )
    assert objections.overdue_by_unit(date(2026, 9, 1), date(2026, 9, 30)) == []
    report = monthly_report(Period.month(2026, 10))
    assert dict(report.overdue_objections) == {UNIT_NAME: 1, other: 1}
    assert "本月超期办理的异议 2 件" in report.summary
    september = monthly_report(Period.month(2026, 9))
    assert september.overdue_objections == []
    assert "本月无超期办理的异议" in september.summary


UNIT_NAME = "区生态环境局"
