from __future__ import annotations

import pytest

from xinyong.core.audit import record_event, record_read, verify_chains
from xinyong.core.models import Event, ReadLog

pytestmark = pytest.mark.django_db


def test_intact_chain_verifies():
    for i in range(3):
        record_event(
            actor=None, action="test.change", target_type="thing", target_id=i, new={"n": i}
        )
    record_read(
        reader=None, subject_type="person", subject_id=1, subject_repr="张*", purpose="测试"
    )
    assert verify_chains() == []


def test_edit_is_detected_and_named():
    events = [
        record_event(actor=None, action="test.change", target_type="thing", target_id=i)
        for i in range(3)
    ]
    Event.objects.filter(pk=events[1].pk).update(target_repr="tampered")
    problems = verify_chains()
    assert [(p.chain, p.entry_id) for p in problems] == [("event", events[1].pk)]


def test_deleting_a_middle_entry_is_detected():
    events = [
        record_event(actor=None, action="test.change", target_type="thing", target_id=i)
        for i in range(3)
    ]
    Event.objects.filter(pk=events[1].pk).delete()
    problems = verify_chains()
    assert problems and problems[0].entry_id == events[2].pk


def test_deleting_the_newest_entry_is_detected():
    record_read(
        reader=None, subject_type="person", subject_id=1, subject_repr="张*", purpose="测试"
    )
    last = record_read(
        reader=None, subject_type="person", subject_id=2, subject_repr="李*", purpose="测试"
    )
    ReadLog.objects.filter(pk=last.pk).delete()
    problems = verify_chains()
    assert [(p.chain, p.entry_id) for p in problems] == [("read", None)]


def test_a_read_by_a_bank_names_the_bank():
    # A bank account has no unit; the person's 查询记录 used to say only "银行用户".
    from xinyong.orgs.models import Role, Unit, User

    bank = User.objects.create(
        username="rd_bank", role=Role.BANK, organisation="中国银行安阳北关支行"
    )
    staff = User.objects.create(
        username="rd_staff", role=Role.REPORTER, unit=Unit.objects.create(name="测试局")
    )
    by_bank = record_read(
        reader=bank, subject_type="subject", subject_id=1, subject_repr="张**", purpose="信易+"
    )
    by_staff = record_read(
        reader=staff, subject_type="subject", subject_id=1, subject_repr="张**", purpose="核查"
    )
    assert (by_bank.reader_unit, by_staff.reader_unit) == ("中国银行安阳北关支行", "测试局")
    assert verify_chains() == []
