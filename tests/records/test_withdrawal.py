"""Withdrawing a record whose decision was changed or revoked (行政处罚法 art. 48): the
deadline of three working days (art. 85) from the revocation, the public reason, the end
of publicity on the withdrawal day; through the service, the record page and the API."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.collection.services import ingest_rows
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.publicity.models import PublicityWindow
from xinyong.records.models import CreditRecord, RecordWithdrawal
from xinyong.records.services import withdraw_record

from ..collection.ingest_helpers import org_row
from ..collection.qhelpers import unit, user

pytestmark = pytest.mark.django_db


def _penalty(n: int, *, decided: str = "2026-09-25", reported: date = date(2026, 9, 28)) -> Any:
    result = ingest_rows(
        actor=None,
        unit=unit("区市场监管局"),
        record_type="XZCF",
        rows=[org_row(n, CF_JDRQ=decided)],
        reported_on=reported,
    )
    assert not result.errors, result.errors
    return CreditRecord.objects.get(batch=result.batch)


def test_deadline_is_three_working_days_across_the_national_day_holiday() -> None:
    # Revoked on 2026-09-30; 10-01..10-07 are holidays, so the three working days are
    # 10-08, 10-09 and 10-10 (a Saturday made a working day): due 2026-10-10.
    late = withdraw_record(
        actor=None,
        record=_penalty(1),
        reason="经行政复议，原处罚决定被撤销",
        revoked_on=date(2026, 9, 30),
        basis_document="北政复决字〔2026〕3号",
        on=date(2026, 10, 12),
    )
    w = RecordWithdrawal.objects.get(record=late)
    assert (w.withdrawn_on, w.revoked_on, w.deadline, w.is_late) == (
        date(2026, 10, 12),
        date(2026, 9, 30),
        date(2026, 10, 10),
        True,
    )
    assert w.basis_document == "北政复决字〔2026〕3号"
    assert late.status == CreditRecord.Status.WITHDRAWN
    window = PublicityWindow.objects.get(record=late)
    assert (window.ended_on, window.end_reason) == (
        date(2026, 10, 12),
        PublicityWindow.EndReason.WITHDRAWN,
    )
    event = Event.objects.filter(action="records.withdrawn", target_id=str(late.pk)).get()
    assert event.new_values["deadline"] == "2026-10-10" and event.new_values["late"] is True

    on_time = withdraw_record(
        actor=None,
        record=_penalty(2),
        reason="本机关自行撤销原处罚决定",
        revoked_on=date(2026, 9, 30),
        on=date(2026, 10, 10),
    )
    assert RecordWithdrawal.objects.get(record=on_time).is_late is False


def test_refusals_leave_the_record_as_it_was() -> None:
    record = _penalty(3)
    cases = [
        ({"revoked_on": date(2026, 10, 13)}, "晚于撤回日期 2026-10-12"),
        ({"revoked_on": date(2026, 9, 24)}, "早于原决定日期 2026-09-25"),
        ({"revoked_on": date(2026, 9, 30), "reason": " "}, "请填写更正或撤销的理由"),
        ({"revoked_on": date(2026, 9, 30), "basis_document": "文" * 201}, "依据文书号过长"),
    ]
    for kwargs, message in cases:
        args = {"reason": "撤销", **kwargs}
        with pytest.raises(DomainError, match=message):
            withdraw_record(actor=None, record=record, on=date(2026, 10, 12), **args)
    record.refresh_from_db()
    assert record.status == CreditRecord.Status.ACTIVE
    assert not RecordWithdrawal.objects.exists()
    assert PublicityWindow.objects.get(record=record).ended_on is None
    withdraw_record(actor=None, record=record, reason="撤销", on=date(2026, 10, 12))
    with pytest.raises(DomainError, match="该记录已撤销"):
        withdraw_record(actor=None, record=record, reason="撤销", on=date(2026, 10, 13))


def test_only_the_reporting_unit_or_the_credit_office_may_withdraw() -> None:
    record = _penalty(4)
    other = user("w_other", Role.REPORTER, "区人社局")
    with pytest.raises(NotPermitted):
        withdraw_record(actor=other, record=record, reason="撤销", revoked_on=date(2026, 9, 30))
    assert CreditRecord.objects.get(pk=record.pk).status == CreditRecord.Status.ACTIVE


def test_a_licence_has_no_penalty_deadline() -> None:
    result = ingest_rows(
        actor=None,
        unit=unit("区市场监管局"),
        record_type="XZXK",
        rows=[
            {
                "XK_XDR_MC": "安阳市北关区某某商贸有限公司",
                "XK_XDR_LB": "法人及非法人组织",
                "XK_XDR_SHXYM": org_row(1)["CF_XDR_SHXYM"],
                "XK_FRDB": "张三",
                "XK_XKWS": "食品经营许可决定书",
                "XK_WSH": "北市监许〔2026〕9号",
                "XK_XKLB": "普通",
                "XK_NR": "食品经营许可",
                "XK_JDRQ": "2026-09-25",
                "XK_XKJG": "安阳市北关区市场监督管理局",
                "XK_XKJGDM": org_row(1)["CF_CFJGDM"],
                "XK_LYDW": "安阳市北关区市场监督管理局",
                "XK_LYDWDM": org_row(1)["CF_CFJGDM"],
            }
        ],
        reported_on=date(2026, 9, 28),
    )
    assert not result.errors, result.errors
    licence = CreditRecord.objects.get(batch=result.batch)
    withdraw_record(
        actor=None,
        record=licence,
        reason="许可被依法撤销",
        revoked_on=date(2026, 9, 30),
        on=date(2026, 11, 2),
    )
    w = RecordWithdrawal.objects.get(record=licence)
    assert (w.deadline, w.is_late) == (None, False)


def _browser(u: Any) -> Client:
    client = Client()
    client.force_login(u)
    return client


def test_record_page_form_and_result() -> None:
    record = _penalty(5)
    url = f"/workspace/collection/records/{record.pk}/"
    reporter = _browser(user("w_rep", Role.REPORTER, "区市场监管局"))
    leader = _browser(user("w_leader", Role.LEADER))
    other = _browser(user("w_other2", Role.REPORTER, "区人社局"))
    assert "撤回该信息" in reporter.get(url).content.decode()
    assert "撤回该信息" not in leader.get(url).content.decode()
    denied = leader.post(url + "withdraw/", {"revoked_on": "2026-09-30", "reason": "撤销"})
    assert denied.status_code == 403
    assert other.post(url + "withdraw/", {"revoked_on": "2026-09-30"}).status_code == 404
    invalid = reporter.post(url + "withdraw/", {"revoked_on": "2026-09-20", "reason": "撤销"})
    assert invalid.status_code == 200
    assert "早于原决定日期 2026-09-25" in invalid.content.decode()
    missing = reporter.post(url + "withdraw/", {"revoked_on": "2026-09-30", "reason": ""})
    assert "请填写撤回理由。" in missing.content.decode()
    assert CreditRecord.objects.get(pk=record.pk).status == CreditRecord.Status.ACTIVE
    done = reporter.post(
        url + "withdraw/",
        {"revoked_on": "2026-09-30", "reason": "经行政复议撤销", "basis_document": "复议3号"},
    )
    assert done.status_code == 302 and done["Location"] == url
    page = reporter.get(url).content.decode()
    # Withdrawn after 2026-10-10 (the test runs later): the page says so.
    assert "经行政复议撤销" in page and "2026-10-10" in page and "逾期撤回" in page
    assert "撤回该信息" not in page
    # Withdrawn today (the page's form has no date): the quality page of this year lists it.
    year = timezone.localdate().year
    quality = reporter.get(f"/workspace/collection/units/{record.source_unit_id}/?year={year}")
    section = quality.content.decode().split('id="withdrawals"')[1].split("</section>")[0]
    assert record.document_number in section and "逾期撤回" in section
    assert "2026-10-10" in section and "经行政复议撤销" in section
    again = reporter.post(url + "withdraw/", {"revoked_on": "2026-09-30", "reason": "再撤"})
    assert again.status_code == 302
    assert RecordWithdrawal.objects.get(record=record).reason == "经行政复议撤销"


def test_withdrawal_api() -> None:
    record = _penalty(6)
    url = f"/api/v1/records/{record.pk}/withdrawal"
    reporter = APIClient()
    reporter.force_authenticate(user("w_api", Role.REPORTER, "区市场监管局"))
    other = APIClient()
    other.force_authenticate(user("w_api_other", Role.REPORTER, "区人社局"))
    leader = APIClient()
    leader.force_authenticate(user("w_api_leader", Role.LEADER))
    body = {"revoked_on": "2026-09-30", "reason": "原处罚决定被人民法院判决撤销"}
    assert other.post(url, body, format="json").status_code == 404
    assert leader.post(url, body, format="json").status_code == 403
    bad = reporter.post(url, {"revoked_on": "2026-13-01", "reason": "撤销"}, format="json")
    assert bad.status_code == 400
    assert "变更或撤销决定日期" in bad.json()["detail"]
    assert CreditRecord.objects.get(pk=record.pk).status == CreditRecord.Status.ACTIVE
    done = reporter.post(url, body, format="json")
    assert done.status_code == 200, done.json()
    data = done.json()
    assert data["status"] == "withdrawn"
    assert data["withdrawal"]["deadline"] == "2026-10-10"
    assert data["withdrawal"]["is_late"] is True
    assert data["withdrawal"]["reason"] == "原处罚决定被人民法院判决撤销"
    detail = reporter.get(f"/api/v1/records/{record.pk}").json()
    assert detail["withdrawal"]["revoked_on"] == "2026-09-30"
    again = reporter.post(url, body, format="json")
    assert again.status_code == 400 and "该记录已撤销" in again.json()["detail"]


def test_public_withdrawal_notices() -> None:
    """行政处罚法 art. 48 "并公开说明理由": the portal lists withdrawals of organisations'
    penalties that were public that day, with the reason, masked. Not listed: natural
    persons (public only on their token page), objection outcomes, records already
    repaired before the withdrawal, and notices whose information's period is over."""
    from ..publicity.helpers import person_penalty

    company = _penalty(7)
    withdraw_record(
        actor=None,
        record=company,
        reason="经行政复议，原处罚决定被撤销（联系电话13812345678）",
        revoked_on=date(2026, 9, 30),
        basis_document="北政复决字〔2026〕7号",
        on=date(2026, 10, 9),
    )
    person = person_penalty(8, decided="2026-09-25", name="王小明")
    withdraw_record(
        actor=None,
        record=person,
        reason="原处罚决定被人民法院判决撤销",
        revoked_on=date(2026, 10, 12),
        on=date(2026, 10, 13),
    )
    by_objection = _penalty(9)
    withdraw_record(
        actor=None, record=by_objection, reason="经异议核查决定撤销", on=date(2026, 10, 9)
    )
    repaired = _penalty(10)
    PublicityWindow.objects.filter(record=repaired).update(
        ended_on=date(2026, 10, 5), end_reason=PublicityWindow.EndReason.REPAIRED
    )
    withdraw_record(
        actor=None,
        record=repaired,
        reason="原处罚决定被撤销",
        revoked_on=date(2026, 10, 8),
        on=date(2026, 10, 9),
    )
    assert RecordWithdrawal.objects.get(record=repaired).was_public is False
    page = Client().get("/credit/withdrawals/")
    assert page.status_code == 200
    table = page.content.decode().split('id="withdrawals"')[1].split("</table>")[0]
    assert company.document_number in table and "北政复决字〔2026〕7号" in table
    assert "经行政复议，原处罚决定被撤销" in table and "13812345678" not in table
    assert "138****5678" in table
    assert person.document_number not in table and "王" not in table
    assert by_objection.document_number not in table
    assert repaired.document_number not in table
    # Once the withdrawn information's own period has passed, its notice goes too.
    PublicityWindow.objects.filter(record=company).update(ends_on=date(2026, 10, 31))
    assert company.document_number not in Client().get("/credit/withdrawals/").content.decode()


def test_withdrawal_goes_through_when_the_deadline_year_has_no_calendar(monkeypatch) -> None:
    """A missing holiday schedule must not keep a revoked penalty public: the record is
    withdrawn and the deadline stays open (the event says why). Revoked 2026-12-29, the
    deadline would fall in 2027, whose schedule is published in late autumn."""
    from xinyong.core import calendar
    from xinyong.core.errors import CalendarUnknownYear

    def unknown(day: date, n: int) -> date:
        raise CalendarUnknownYear(2027)

    record = _penalty(11)
    monkeypatch.setattr(calendar, "add_workdays", unknown)
    withdraw_record(
        actor=None,
        record=record,
        reason="原处罚决定被撤销",
        revoked_on=date(2026, 12, 29),
        on=date(2026, 12, 30),
    )
    w = RecordWithdrawal.objects.get(record=record)
    assert (w.deadline, w.is_late) == (None, False)
    event = Event.objects.filter(action="records.withdrawn", target_id=str(record.pk)).get()
    assert "2027" in event.new_values["deadline_note"]
    assert CreditRecord.objects.get(pk=record.pk).status == CreditRecord.Status.WITHDRAWN
