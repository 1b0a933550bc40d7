"""录入错误作废 and the correct record reported after the void: staff link it from the voided
record's page (or the API) by its 文书号, within the same reporting unit and type; the link
shows on both records' pages and writes `records.void_linked`."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rest_framework.test import APIClient

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.exchange.models import OutboxEntry
from xinyong.orgs.models import Role
from xinyong.records.models import RecordWithdrawal
from xinyong.records.services import link_replacement, void_record, withdraw_record

from ..collection import qhelpers
from ..collection.qhelpers import unit, user
from .test_void import RIGHT, TYPO, _browser, _penalty, _section

pytestmark = pytest.mark.django_db

VOID_DAY = date(2026, 11, 25)


def _void(record: Any, replacement: str = "") -> None:
    void_record(
        actor=None,
        record=record,
        reason="文书号录入错误",
        replacement_document=replacement,
        on=VOID_DAY,
    )


def test_the_correct_record_reported_after_the_void_is_linked_from_the_page() -> None:
    wrong = _penalty(3500)
    _void(wrong, RIGHT)  # 350号 is not reported yet: the void keeps the number as written
    assert RecordWithdrawal.objects.get(record=wrong).replaced_by_id is None

    reporter = _browser(user("vl_rep", Role.REPORTER, "区市场监管局"))
    url = f"/workspace/collection/records/{wrong.pk}/"
    form = _section(reporter.get(url).content.decode(), 'id="record-replacement"')
    assert "关联正确记录" in form and f'value="{RIGHT}"' in form  # prefilled from the void
    early = reporter.post(url + "replacement/", {"document_number": RIGHT}, follow=True)
    assert f"未找到本单位报送的“行政处罚”中文书号为“{RIGHT}”的记录" in early.content.decode()

    right = _penalty(350)  # reported afterwards
    outbox = OutboxEntry.objects.count()
    done = reporter.post(url + "replacement/", {"document_number": f" {RIGHT} "})
    assert done.status_code == 302 and done["Location"] == url
    w = RecordWithdrawal.objects.get(record=wrong)
    assert (w.replaced_by_id, w.replacement_document) == (right.pk, RIGHT)
    event = Event.objects.get(action="records.void_linked", target_id=str(wrong.pk))
    assert event.old_values == {"replaced_by": None, "replacement_document": RIGHT}
    assert event.new_values["replaced_by"] == right.pk
    # The city platform already has the void (撤销, CHLY 录入错误作废：…) and the correct
    # record (新增); its message format carries no link between them: nothing new to send.
    assert OutboxEntry.objects.count() == outbox

    page = reporter.get(url).content.decode()
    box = _section(page, 'id="record-withdrawal"')
    assert f'href="/workspace/collection/records/{right.pk}/"' in box and RIGHT in box
    assert "已关联正确记录" in page
    back = _section(
        reporter.get(f"/workspace/collection/records/{right.pk}/").content.decode(),
        'id="record-replaces"',
    )
    assert f'href="/workspace/collection/records/{wrong.pk}/"' in back and TYPO in back
    assert "录入错误作废" in back

    # Linking the same record again is refused; the quality page shows the link.
    again = reporter.post(url + "replacement/", {"document_number": RIGHT}, follow=True)
    assert "已关联该正确记录" in again.content.decode()
    quality = reporter.get(f"/workspace/collection/units/{wrong.source_unit_id}/?year=2026")
    withdrawals = _section(quality.content.decode(), 'id="withdrawals"')
    assert f'href="/workspace/collection/records/{right.pk}/"' in withdrawals


def test_linking_refuses_what_cannot_be_the_correct_record() -> None:
    scj = unit("区市场监管局")
    wrong = _penalty(3510)
    _void(wrong)
    voided = _penalty(351)
    _void(voided)
    revoked = _penalty(352, decided="2026-11-02", reported=date(2026, 11, 4))
    withdraw_record(
        actor=None, record=revoked, reason="经行政复议撤销", revoked_on=date(2026, 11, 20)
    )
    qhelpers.record(
        scj,
        "北关市监罚〔2026〕353号",
        code="XZXK",
        decided=date(2026, 11, 20),
        reported=date(2026, 11, 24),
    )
    qhelpers.record(
        unit("区人社局"),
        "北关市监罚〔2026〕354号",
        decided=date(2026, 11, 20),
        reported=date(2026, 11, 24),
    )
    active = _penalty(355)
    cases = [
        ("", "请填写正确记录的文书号"),
        (wrong.document_number, "正确记录的文书号不能是本记录的文书号"),
        ("北关市监罚〔2026〕351号", "文书号为“北关市监罚〔2026〕351号”的记录已撤销或作废"),
        ("北关市监罚〔2026〕352号", "文书号为“北关市监罚〔2026〕352号”的记录已撤销或作废"),
        (
            "北关市监罚〔2026〕353号",
            "文书号为“北关市监罚〔2026〕353号”的记录属于“行政许可”，与作废记录的信息类别"
            "“行政处罚”不同",
        ),
        ("北关市监罚〔2026〕354号", "未找到本单位报送的“行政处罚”中文书号为"),
        ("文" * 201, "正确记录的文书号过长（最多 200 字）"),
    ]
    reporter = _browser(user("vl_rep2", Role.REPORTER, "区市场监管局"))
    url = f"/workspace/collection/records/{wrong.pk}/replacement/"
    for number, message in cases:
        with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
            link_replacement(actor=None, record=wrong, document_number=number)
        response = reporter.post(url, {"document_number": number}, follow=True)
        assert response.status_code == 200, number
        assert message in response.content.decode(), (number, message)
    assert RecordWithdrawal.objects.get(record=wrong).replaced_by_id is None
    assert not Event.objects.filter(action="records.void_linked").exists()

    # Only a voided record links a correct one.
    for record in (active, revoked):
        with pytest.raises(DomainError, match="只有录入错误作废的记录可以关联正确记录"):
            link_replacement(actor=None, record=record, document_number="北关市监罚〔2026〕355号")
        assert (
            'id="record-replacement"'
            not in reporter.get(f"/workspace/collection/records/{record.pk}/").content.decode()
        )

    # Who: the record's unit or the credit office; others are refused.
    other = user("vl_other", Role.REPORTER, "区人社局")
    with pytest.raises(NotPermitted):
        link_replacement(actor=other, record=wrong, document_number="北关市监罚〔2026〕355号")
    assert _browser(other).post(url, {"document_number": "x"}).status_code == 404
    leader = _browser(user("vl_leader", Role.LEADER))
    assert leader.post(url, {"document_number": "北关市监罚〔2026〕355号"}).status_code == 403
    assert (
        'id="record-replacement"'
        not in leader.get(f"/workspace/collection/records/{wrong.pk}/").content.decode()
    )
    admin = user("vl_admin", Role.CREDIT_ADMIN)
    link_replacement(actor=admin, record=wrong, document_number="北关市监罚〔2026〕355号")
    assert RecordWithdrawal.objects.get(record=wrong).replaced_by_id == active.pk


def test_a_wrong_link_is_changed_with_its_history() -> None:
    wrong = _penalty(3520)
    first, second = _penalty(352), _penalty(35)
    _void(wrong, "北关市监罚〔2026〕352号")
    assert RecordWithdrawal.objects.get(record=wrong).replaced_by_id == first.pk
    link_replacement(actor=None, record=wrong, document_number="北关市监罚〔2026〕35号")
    assert RecordWithdrawal.objects.get(record=wrong).replaced_by_id == second.pk
    event = Event.objects.get(action="records.void_linked")
    assert event.old_values["replaced_by"] == first.pk
    assert event.new_values["replaced_by"] == second.pk


def test_link_through_the_api() -> None:
    wrong = _penalty(3500)
    _void(wrong, RIGHT)
    right = _penalty(350)
    url = f"/api/v1/records/{wrong.pk}/replacement"
    reporter = APIClient()
    reporter.force_authenticate(user("vl_api", Role.REPORTER, "区市场监管局"))
    other = APIClient()
    other.force_authenticate(user("vl_api_other", Role.REPORTER, "区人社局"))
    assert other.post(url, {"document_number": RIGHT}, format="json").status_code == 404
    missing = reporter.post(url, {}, format="json")
    assert missing.status_code == 400
    bad = reporter.post(url, {"document_number": TYPO}, format="json")
    assert bad.status_code == 400 and "不能是本记录的文书号" in bad.json()["detail"]
    done = reporter.post(url, {"document_number": RIGHT}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["withdrawal"]["replaced_by"] == right.pk
    detail = reporter.get(f"/api/v1/records/{right.pk}").json()
    assert detail["replaces"] == [{"id": wrong.pk, "document_number": TYPO}]
