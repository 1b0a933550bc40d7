"""录入错误作废: a record keyed wrongly (a typo in the 文书号) is voided, not withdrawn as
if the decision had been changed or revoked (行政处罚法 art. 48 is about changed or
revoked decisions). A void leaves public view at once like a withdrawal, but has no
art. 48 deadline, is never 逾期, is not listed in the public 撤回公告, and is counted
separately on the unit's quality page and in the monthly 通报."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.collection.selectors import Period
from xinyong.collection.services import ingest_rows
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.publicity.models import PublicityWindow
from xinyong.records.models import CreditRecord, RecordWithdrawal
from xinyong.records.services import void_record, withdraw_record

from ..collection.ingest_helpers import org_row
from ..collection.qhelpers import unit, user

pytestmark = pytest.mark.django_db

KEYING_ERROR = RecordWithdrawal.Kind.KEYING_ERROR
REVOCATION = RecordWithdrawal.Kind.REVOCATION
TYPO = "北关市监罚〔2026〕3500号"
RIGHT = "北关市监罚〔2026〕350号"


def _penalty(n: int, *, decided: str = "2026-11-20", reported: date = date(2026, 11, 24)) -> Any:
    result = ingest_rows(
        actor=None,
        unit=unit("区市场监管局"),
        record_type="XZCF",
        rows=[org_row(n, CF_JDRQ=decided)],
        reported_on=reported,
    )
    assert not result.errors, result.errors
    return CreditRecord.objects.get(batch=result.batch)


def _browser(u: Any) -> Client:
    client = Client()
    client.force_login(u)
    return client


def _section(html: str, marker: str, end: str = "</section>") -> str:
    return html.split(marker)[1].split(end)[0]


def test_typo_in_the_document_number_is_voided_end_to_end() -> None:
    """The reviewer's case: 3500号 uploaded by mistake, 350号 uploaded as the correct one;
    both show 公示中 on the public subject page until 3500号 is voided."""
    from xinyong.collection import reports
    from xinyong.exchange import services as exchange
    from xinyong.exchange.models import OutboundMessage
    from xinyong.exchange.payloads import prepare

    wrong, right = _penalty(3500), _penalty(350)
    assert (wrong.document_number, right.document_number) == (TYPO, RIGHT)
    assert wrong.subject_id == right.subject_id
    subject_url = f"/credit/subject/{wrong.subject_id}/"
    before = Client().get(subject_url).content.decode()
    assert TYPO in before and RIGHT in before

    reporter = _browser(user("v_rep", Role.REPORTER, "区市场监管局"))
    url = f"/workspace/collection/records/{wrong.pk}/"
    form = reporter.get(url).content.decode()
    assert "录入错误作废" in form and "撤销/撤回" in form
    done = reporter.post(
        url + "withdraw/",
        {"kind": KEYING_ERROR, "reason": "文书号录入错误", "replacement_document": RIGHT},
    )
    assert done.status_code == 302 and done["Location"] == url

    today = timezone.localdate()
    w = RecordWithdrawal.objects.get(record=wrong)
    assert (w.kind, w.withdrawn_on, w.revoked_on, w.deadline, w.is_late) == (
        KEYING_ERROR,
        today,
        None,
        None,
        False,
    )
    assert (w.replacement_document, w.replaced_by_id, w.reason) == (
        RIGHT,
        right.pk,
        "文书号录入错误",
    )
    assert CreditRecord.objects.get(pk=wrong.pk).status == CreditRecord.Status.WITHDRAWN
    window = PublicityWindow.objects.get(record=wrong)
    assert (window.ended_on, window.end_reason) == (today, PublicityWindow.EndReason.WITHDRAWN)
    event = Event.objects.get(action="records.voided", target_id=str(wrong.pk))
    assert event.new_values["replaced_by"] == right.pk
    assert not Event.objects.filter(action="records.withdrawn", target_id=str(wrong.pk)).exists()

    # Public: only 350号, and no 撤回公告 for a keying error.
    after = Client().get(subject_url).content.decode()
    assert RIGHT in after and TYPO not in after
    notices = Client().get("/credit/withdrawals/").content.decode()
    assert TYPO not in notices and "文书号录入错误" not in notices

    # Staff: the record page names the kind and links the correct record.
    page = reporter.get(url).content.decode()
    box = _section(page, 'id="record-withdrawal"')
    assert "录入错误作废" in box and "逾期撤回" not in box
    assert f'href="/workspace/collection/records/{right.pk}/"' in box
    assert "撤回该信息" not in page

    # Quality page: counted as a void, never as 逾期撤回.
    quality = reporter.get(f"/workspace/collection/units/{wrong.source_unit_id}/?year={today.year}")
    section = _section(quality.content.decode(), 'id="withdrawals"')
    assert "录入错误作废 1 条" in section and TYPO in section
    assert "逾期撤回" not in section

    # The monthly 通报 counts it separately.
    report = reports.monthly_report(Period.month(today.year, today.month))
    assert report.voids == [(unit("区市场监管局").name, 1)]
    assert "录入错误作废 1 条" in report.summary

    # The city platform is told that it is a deletion of a wrongly keyed record.
    exchange.expand_entries()
    message = OutboundMessage.objects.filter(kind="record", operation="withdraw").get()
    item = prepare(message).envelope["items"][0]
    assert item["CF_WSH"] == TYPO and item["JLZT"] == "已撤销"
    assert item["CHLY"] == "录入错误作废：文书号录入错误"


def test_a_void_without_a_known_replacement_keeps_the_number_as_written() -> None:
    wrong = _penalty(3501)
    void_record(
        actor=None,
        record=wrong,
        reason="文书号录入错误",
        replacement_document="北关市监罚〔2026〕351号",
        on=date(2026, 11, 25),
    )
    w = RecordWithdrawal.objects.get(record=wrong)
    assert (w.replacement_document, w.replaced_by_id) == ("北关市监罚〔2026〕351号", None)
    # The page keeps the number as written; a correct record reported afterwards is linked
    # from there (test_void_link.py).
    page = _browser(user("v_rep2", Role.REPORTER, "区市场监管局")).get(
        f"/workspace/collection/records/{wrong.pk}/"
    )
    assert "北关市监罚〔2026〕351号" in page.content.decode()


def test_the_credit_office_may_void_and_other_units_may_not() -> None:
    record = _penalty(3502)
    other = user("v_other", Role.REPORTER, "区人社局")
    with pytest.raises(NotPermitted):
        void_record(actor=other, record=record, reason="文书号录入错误")
    assert CreditRecord.objects.get(pk=record.pk).status == CreditRecord.Status.ACTIVE
    admin = user("v_admin", Role.CREDIT_ADMIN)
    void_record(actor=admin, record=record, reason="文书号录入错误")
    assert RecordWithdrawal.objects.get(record=record).kind == KEYING_ERROR
    with pytest.raises(DomainError, match="该记录已撤销"):
        void_record(actor=admin, record=record, reason="文书号录入错误")


def test_a_void_is_refused_while_the_record_has_dependent_legal_effects() -> None:
    from xinyong.rights.models import Objection, RepairApplication
    from xinyong.sanctions.models import ListEntry, ListType

    listed = _penalty(3503)
    lt = ListType.objects.create(
        code="TEST_VOID",
        name="测试严重失信名单",
        kind=ListType.Kind.SERIOUS,
        legal_basis="测试依据",
        designating_authority="安阳市北关区市场监督管理局",
        entry_criteria="测试",
        exit_criteria="测试",
    )
    entry = ListEntry.objects.create(
        list_type=lt,
        subject=listed.subject,
        basis_document=listed.document_number,
        basis_record=listed,
        reasons="测试",
        status=ListEntry.Status.LISTED,
    )
    with pytest.raises(DomainError, match=r"列入.*名单.*撤销"):
        void_record(actor=None, record=listed, reason="文书号录入错误")

    objected = _penalty(3504)
    objection = Objection.objects.create(
        record=objected,
        subject=objected.subject,
        channel="online",
        category=Objection.Category.WRONG,
        description="文书号有误",
        applicant_name="安阳市北关区某某商贸有限公司",
        applicant_phone="13812345678",
        received_on=date(2026, 11, 24),
    )
    with pytest.raises(DomainError, match="异议"):
        void_record(actor=None, record=objected, reason="文书号录入错误")

    repairing = _penalty(3505)
    RepairApplication.objects.create(
        record=repairing,
        subject=repairing.subject,
        channel="online",
        applicant_name="安阳市北关区某某商贸有限公司",
        applicant_phone="13812345678",
        fulfilment_statement="已缴纳罚款",
        commitment_text="承诺",
        submitted_on=date(2026, 11, 24),
    )
    with pytest.raises(DomainError, match="信用修复"):
        void_record(actor=None, record=repairing, reason="文书号录入错误")

    for record in (listed, objected, repairing):
        assert CreditRecord.objects.get(pk=record.pk).status == CreditRecord.Status.ACTIVE
    assert not RecordWithdrawal.objects.exists()

    # Once the case is handled, the void goes through.
    ListEntry.objects.filter(pk=entry.pk).update(status=ListEntry.Status.REMOVED)
    void_record(actor=None, record=listed, reason="文书号录入错误")
    Objection.objects.filter(pk=objection.pk).update(status=Objection.Status.DECIDED)
    void_record(actor=None, record=objected, reason="文书号录入错误")
    assert RecordWithdrawal.objects.filter(kind=KEYING_ERROR).count() == 2


def test_the_form_refuses_bad_input_without_a_server_error() -> None:
    record = _penalty(3506)
    _penalty(350)
    url = f"/workspace/collection/records/{record.pk}/"
    reporter = _browser(user("v_rep3", Role.REPORTER, "区市场监管局"))
    cases = [
        ({"kind": "bogus", "reason": "x"}, "请选择"),
        ({"kind": KEYING_ERROR, "reason": ""}, "请填写"),
        (
            {"kind": KEYING_ERROR, "reason": "文书号录入错误", "revoked_on": "2026-11-24"},
            "录入错误作废不填写变更或撤销决定日期",
        ),
        (
            {"kind": KEYING_ERROR, "reason": "文书号录入错误", "replacement_document": "文" * 201},
            "最多 200 字",
        ),
        (
            {
                "kind": KEYING_ERROR,
                "reason": "文书号录入错误",
                "replacement_document": record.document_number,
            },
            "不能是本记录",
        ),
        ({"kind": REVOCATION, "reason": "撤销"}, "请填写变更或撤销决定日期"),
        ({"kind": REVOCATION, "reason": "撤销", "revoked_on": "2026-13-01"}, "日期格式不正确"),
    ]
    for data, message in cases:
        response = reporter.post(url + "withdraw/", data)
        assert response.status_code == 200, data
        assert message in response.content.decode(), (data, message)
    assert CreditRecord.objects.get(pk=record.pk).status == CreditRecord.Status.ACTIVE
    assert not RecordWithdrawal.objects.exists()


def test_revocation_keeps_todays_behaviour() -> None:
    """撤销/撤回 (the default kind): a penalty needs the revocation date, gets the art. 48
    deadline and is listed in the public 撤回公告."""
    record = _penalty(3507, decided="2026-11-02", reported=date(2026, 11, 4))
    url = f"/workspace/collection/records/{record.pk}/"
    reporter = _browser(user("v_rep4", Role.REPORTER, "区市场监管局"))
    done = reporter.post(
        url + "withdraw/",
        {"kind": REVOCATION, "revoked_on": "2026-11-20", "reason": "经行政复议撤销"},
    )
    assert done.status_code == 302
    w = RecordWithdrawal.objects.get(record=record)
    # 2026-11-20 is a Friday: three working days are 11-23, 11-24, 11-25.
    assert (w.kind, w.deadline) == (REVOCATION, date(2026, 11, 25))
    assert Event.objects.filter(action="records.withdrawn", target_id=str(record.pk)).exists()
    assert record.document_number in Client().get("/credit/withdrawals/").content.decode()

    # The service's default is a revocation; an explicit kind also reaches void_record.
    other = _penalty(3508)
    withdraw_record(actor=None, record=other, reason="文书号录入错误", kind=KEYING_ERROR)
    assert RecordWithdrawal.objects.get(record=other).kind == KEYING_ERROR
    with pytest.raises(DomainError, match="撤回类型"):
        withdraw_record(actor=None, record=_penalty(3509), reason="x", kind="bogus")


def test_a_licence_is_revoked_without_a_revocation_date_on_the_form() -> None:
    """变更或撤销决定日期 is required only for a penalty's 撤销 (it starts art. 48's
    deadline); a licence has no such deadline."""
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
                "XK_WSH": "北市监许〔2026〕19号",
                "XK_XKLB": "普通",
                "XK_NR": "食品经营许可",
                "XK_JDRQ": "2026-11-20",
                "XK_XKJG": "安阳市北关区市场监督管理局",
                "XK_XKJGDM": org_row(1)["CF_CFJGDM"],
                "XK_LYDW": "安阳市北关区市场监督管理局",
                "XK_LYDWDM": org_row(1)["CF_CFJGDM"],
            }
        ],
        reported_on=date(2026, 11, 24),
    )
    assert not result.errors, result.errors
    licence = CreditRecord.objects.get(batch=result.batch)
    reporter = _browser(user("v_rep5", Role.REPORTER, "区市场监管局"))
    done = reporter.post(
        f"/workspace/collection/records/{licence.pk}/withdraw/",
        {"kind": REVOCATION, "reason": "许可被依法撤销"},
    )
    assert done.status_code == 302
    w = RecordWithdrawal.objects.get(record=licence)
    assert (w.kind, w.revoked_on, w.deadline, w.is_late) == (REVOCATION, None, None, False)


def test_void_through_the_api() -> None:
    wrong, right = _penalty(3500), _penalty(350)
    url = f"/api/v1/records/{wrong.pk}/withdrawal"
    reporter = APIClient()
    reporter.force_authenticate(user("v_api", Role.REPORTER, "区市场监管局"))
    other = APIClient()
    other.force_authenticate(user("v_api_other", Role.REPORTER, "区人社局"))
    body = {"kind": KEYING_ERROR, "reason": "文书号录入错误", "replacement_document": RIGHT}
    assert other.post(url, body, format="json").status_code == 404
    bad = reporter.post(url, {**body, "kind": "bogus"}, format="json")
    assert bad.status_code == 400
    dated = reporter.post(url, {**body, "revoked_on": "2026-11-24"}, format="json")
    assert dated.status_code == 400
    # A revocation of a penalty still needs its date.
    undated = reporter.post(url, {"kind": REVOCATION, "reason": "撤销"}, format="json")
    assert undated.status_code == 400 and "变更或撤销决定日期" in undated.json()["detail"]
    assert CreditRecord.objects.get(pk=wrong.pk).status == CreditRecord.Status.ACTIVE
    done = reporter.post(url, body, format="json")
    assert done.status_code == 200, done.json()
    data = done.json()
    assert data["status"] == "withdrawn"
    assert data["withdrawal"]["kind"] == KEYING_ERROR
    assert (data["withdrawal"]["deadline"], data["withdrawal"]["is_late"]) == (None, False)
    assert RecordWithdrawal.objects.get(record=wrong).replaced_by_id == right.pk
