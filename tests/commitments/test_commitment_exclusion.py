"""国办发〔2020〕42号: no 告知承诺 (证明事项型 / 审批替代型) for a subject on a 严重失信 list or
with an unrepaired earlier breach; and a broken 信用修复型 commitment puts the repaired
penalty back on view until its longest period (DOMAIN.md §9). Concrete dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from xinyong.commitments import services
from xinyong.commitments.models import Commitment, CommitmentMatter, Kind
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.orgs.models import Role, User
from xinyong.publicity.models import PublicityWindow
from xinyong.records.models import CreditRecord
from xinyong.records.services import withdraw_record
from xinyong.rights import repair
from xinyong.rights.models import Channel, RepairApplication
from xinyong.sanctions import lists
from xinyong.subjects.models import Subject
from xinyong.subjects.services import merge_subjects

from ..rights.repair_helpers import penalty_row, record, store
from .helpers import ORG_USCC, OTHER_USCC, RSJ, SCJG, ZJJ, commit, make_user, unit

pytestmark = pytest.mark.django_db

NAME = "安阳市北关区某某食品有限公司"
TAIL_CERT = (
    "依据国办发〔2020〕42号，有严重失信记录或曾作出虚假承诺的申请人在信用修复前不适用告知承诺制，"
    "不能作出证明事项型承诺，请按一般程序提交相关证明材料。"
)
TAIL_APPROVAL = TAIL_CERT.replace("证明事项型", "审批替代型")


def certificate(made_on: date, code: str = ORG_USCC) -> Commitment:
    return commit(SCJG, "食品经营许可", Kind.CERTIFICATE, made_on=made_on, code=code)


def approval(made_on: date) -> Commitment:
    return commit(ZJJ, "建筑工程施工许可", Kind.APPROVAL, made_on=made_on, name=NAME)


def admin() -> User:
    return make_user("xyb", Role.CREDIT_ADMIN, None, is_staff=True)


def approve_repair(app: RepairApplication, office: User, decided: date) -> RepairApplication:
    app = repair.mark_complete(actor=office, application=app, complete=True, on=decided)
    app = repair.provider_review(
        actor=office, application=app, agrees=True, opinion="已履行", on=decided
    )
    return repair.decide_repair(
        actor=office, application=app, approve=True, reason="已纠正失信行为", on=decided
    )


def apply(r: CreditRecord, on: date, name: str = NAME) -> RepairApplication:
    return repair.apply_for_repair(
        actor=None,
        record=r,
        channel=Channel.ONLINE,
        applicant_name=name,
        applicant_phone="13800001234",
        subject_identifier=ORG_USCC,
        fulfilment_statement="已整改并履行承诺义务。",
        commitment_accepted=True,
        submitted_on=on,
    )


def breach(c: Commitment, verified_on: date) -> Commitment:
    return services.record_fulfilment(
        actor=None,
        commitment=c,
        status="全部未履行",
        evidence=f"{verified_on:%Y-%m-%d} 实地核查：承诺内容不实。",
        unfulfilled_content="承诺的经营场所使用权不实",
        liability_action="撤销许可决定，违诺情况记入信用记录",
        verified_on=verified_on,
    )


def breach_record(c: Commitment) -> CreditRecord:
    assert c.breach_record_id is not None
    return CreditRecord.objects.get(pk=c.breach_record_id)


def window(r: Any) -> PublicityWindow:
    return PublicityWindow.objects.get(record_id=r.pk)


# ------------------------------------------------------------------ 严重失信主体名单


def _wages_entry(subject: Subject) -> Any:
    entry = lists.propose_entry(
        actor=None,
        list_type=lists.get_list_type("SX_WAGES"),
        subject=subject,
        basis_document="北人社列字〔2026〕3号",
        reasons="拖欠农民工工资 62 万元，经责令限期支付逾期未支付",
        on=date(2026, 9, 25),
        designating_unit=unit(RSJ),
    )
    entry = lists.serve_notice(actor=None, entry=entry, served_on=date(2026, 9, 29))
    return lists.make_effective(actor=None, entry=entry, on=date(2026, 10, 20))


def test_serious_list_entry_bars_notify_commit_kinds_while_in_force() -> None:
    first = commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 9, 28))
    entry = _wages_entry(first.subject)
    # The day before the entry took effect the subject was not barred.
    assert certificate(date(2026, 10, 19)).status == Commitment.Status.PENDING
    expected = (
        "承诺人被列入“拖欠农民工工资失信联合惩戒对象名单”（2026-10-20 起，"
        "认定文书：北人社列字〔2026〕3号），属严重失信主体；" + TAIL_CERT
    )
    before = Commitment.objects.count()
    with pytest.raises(DomainError) as caught:
        certificate(date(2026, 10, 20))
    assert caught.value.message == expected
    assert caught.value.code == "notify_commit_excluded"
    with pytest.raises(DomainError, match="不能作出审批替代型承诺"):
        approval(date(2026, 11, 2))
    assert Commitment.objects.count() == before
    # Only the 告知承诺 kinds are barred.
    assert commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 10, 21)).pk
    assert commit(RSJ, "人力资源服务行业诚信自律承诺", Kind.SELF_DISCIPLINE).pk
    # Removal (移出) lifts the bar from the removal day.
    lists.remove_entry(actor=None, entry=entry, on=date(2026, 11, 3), reason="已足额支付")
    with pytest.raises(DomainError, match="拖欠农民工工资"):
        certificate(date(2026, 11, 2))
    assert certificate(date(2026, 11, 3)).status == Commitment.Status.PENDING


def test_watch_and_abnormal_lists_do_not_bar() -> None:
    subject = commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 9, 28)).subject
    for code, document in (("WATCH", "北发改关注〔2026〕1号"), ("ABNORMAL", "北市监异〔2026〕1号")):
        entry = lists.propose_entry(
            actor=None,
            list_type=lists.get_list_type(code),
            subject=subject,
            basis_document=document,
            reasons="未按规定报送年度报告",
            on=date(2026, 10, 8),
            designating_unit=unit(SCJG),
        )
        lists.make_effective(actor=None, entry=entry, on=date(2026, 10, 9))
    assert lists.active_entries(subject, date(2026, 10, 12)).count() == 2
    assert services.exclusion_reason(subject, Kind.CERTIFICATE, date(2026, 10, 12)) is None
    assert certificate(date(2026, 10, 12)).status == Commitment.Status.PENDING


def test_api_returns_400_with_the_reason() -> None:
    first = commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 9, 28))
    _wages_entry(first.subject)
    api = APIClient()
    api.force_authenticate(make_user("scjg", Role.REPORTER, SCJG))
    m = CommitmentMatter.objects.get(unit=unit(SCJG), name="食品经营许可", kind=Kind.CERTIFICATE)
    refused = api.post(
        "/api/v1/commitments/",
        {
            "matter": m.pk,
            "committer_name": NAME,
            "committer_code": ORG_USCC,
            "made_on": "2026-10-26",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "承诺人被列入“拖欠农民工工资失信联合惩戒对象名单”（2026-10-20 起，"
        "认定文书：北人社列字〔2026〕3号），属严重失信主体；" + TAIL_CERT
    )
    assert Commitment.objects.filter(kind=Kind.CERTIFICATE).count() == 0


# ------------------------------------------------------------------ earlier breach


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "承诺.csv"
    header = "承诺人名称,承诺人代码,承诺类型,承诺事项,承诺作出日期,公开属性"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8-sig")
    return path


def test_unrepaired_breach_bars_until_repaired_then_again_when_repair_undone(
    tmp_path: Path,
) -> None:
    office = admin()
    broken = breach(certificate(date(2026, 2, 20)), date(2026, 3, 2))
    cnwn = breach_record(broken)
    w = window(cnwn)
    # 国办发〔2025〕22号 一般: repair after 3 months, off view after 1 year.
    assert (w.repair_from, w.ends_on, w.ended_on) == (date(2026, 6, 3), date(2027, 3, 2), None)
    # Made the day before the breach was found: not barred.
    assert approval(date(2026, 3, 1)).status == Commitment.Status.PENDING
    expected = (
        f"承诺人此前作出的证明事项型承诺（承诺编码 {broken.code}）于 2026-03-02 经核查为"
        "“全部未履行”（违诺），其违诺失信信息尚未修复；" + TAIL_APPROVAL
    )
    with pytest.raises(DomainError) as caught:
        approval(date(2026, 3, 2))
    assert caught.value.message == expected
    # 容缺受理型 is not a 告知承诺 kind.
    assert commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 3, 2)).pk

    # The file import reports the row with the reason and keeps the file out.
    before = Commitment.objects.count()
    path = _csv(
        tmp_path,
        [
            f"某某餐饮店,{OTHER_USCC},证明事项型,食品经营许可,2026-03-05,",
            f"{NAME},{ORG_USCC},证明事项型,食品经营许可,2026-03-05,",
        ],
    )
    result = services.import_commitments(actor=None, unit=SCJG, path=path)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "", expected.replace("审批替代型承诺", "证明事项型承诺"))
    ]
    assert result.created == [] and Commitment.objects.count() == before

    # Repair approved on 2026-06-15: the bar lifts that day, not before.
    app = approve_repair(apply(cnwn, date(2026, 6, 10)), office, date(2026, 6, 15))
    assert (window(cnwn).ended_on, window(cnwn).end_reason) == (date(2026, 6, 15), "repaired")
    with pytest.raises(DomainError, match=broken.code):
        certificate(date(2026, 6, 14))
    assert certificate(date(2026, 6, 15)).status == Commitment.Status.PENDING

    # The repair's own 信用修复型 commitment is broken: the breach record is back on view
    # and the bar with it.
    promise = Commitment.objects.get(repair_application=app)
    breach(promise, date(2026, 7, 1))
    assert (window(cnwn).ended_on, window(cnwn).end_reason) == (None, "")
    with pytest.raises(DomainError, match=broken.code):
        certificate(date(2026, 7, 1))


def test_partly_kept_breach_bars_and_withdrawal_lifts() -> None:
    c = certificate(date(2026, 2, 20))
    done = services.record_fulfilment(
        actor=None,
        commitment=c,
        status="部分履行",
        evidence="2026-03-02 书面核查：缺少场所使用证明。",
        unfulfilled_content="经营场所使用证明未提交",
        liability_action="撤销许可决定",
        verified_on=date(2026, 3, 2),
    )
    with pytest.raises(DomainError, match="经核查为“部分履行”（违诺）"):
        approval(date(2026, 3, 10))
    withdraw_record(
        actor=None,
        record=breach_record(done),
        reason="核查结论有误，已撤销",
        on=date(2026, 3, 9),
    )
    assert approval(date(2026, 3, 10)).status == Commitment.Status.PENDING


def test_breach_past_its_longest_period_no_longer_bars() -> None:
    broken = breach(certificate(date(2025, 9, 20)), date(2025, 10, 8))
    assert window(breach_record(broken)).ends_on == date(2026, 10, 8)
    with pytest.raises(DomainError, match=broken.code):
        approval(date(2026, 10, 8))
    # Past the maximum it cannot be repaired any more and drops off: no bar.
    assert approval(date(2026, 10, 9)).status == Commitment.Status.PENDING


def test_merged_subject_brings_its_breach() -> None:
    broken = breach(certificate(date(2026, 2, 20), code=OTHER_USCC), date(2026, 3, 2))
    keep = commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 3, 1)).subject
    merge_subjects(actor=None, keep=keep, absorb=broken.subject, reason="同一主体重复登记")
    assert services.exclusion_reason(keep, Kind.APPROVAL, date(2026, 3, 3)) is not None
    with pytest.raises(DomainError, match=broken.code):
        approval(date(2026, 3, 3))


# ------------------------------------------------------------------ 信用修复型 breach


def test_broken_repair_commitment_restores_publicity_to_its_maximum() -> None:
    office = admin()
    store([penalty_row(1, decided="2026-03-10")])
    r = record(1)
    assert (window(r).repair_from, window(r).ends_on) == (date(2026, 6, 11), date(2027, 3, 10))
    app = approve_repair(
        apply(r, date(2026, 6, 15), name=r.subject.name), office, date(2026, 6, 30)
    )
    assert (window(r).ended_on, window(r).end_reason) == (date(2026, 6, 30), "repaired")
    promise = Commitment.objects.get(repair_application=app)
    assert promise.kind == Kind.REPAIR

    done = breach(promise, date(2026, 9, 1))
    assert done.status == Commitment.Status.BROKEN
    # The breach is published (CNWN) …
    cnwn = breach_record(done)
    assert cnwn.record_type.code == "CNWN" and cnwn.payload["CN_CNLX"] == "信用修复型"
    assert window(cnwn).is_published
    # … and the penalty is public again until its longest period.
    w = window(r)
    assert (w.ends_on, w.ended_on, w.end_reason) == (date(2027, 3, 10), None, "")
    event = Event.objects.get(action="commitments.repair_breach_restore")
    assert event.target_id == str(promise.pk)
    old, new = event.old_values or {}, event.new_values or {}
    assert (old["ended_on"], old["end_reason"]) == ("2026-06-30", "repaired")
    assert (new["ends_on"], new["ended_on"], new["end_reason"]) == ("2027-03-10", None, "")
    assert new["record"] == r.pk and new["repair_application"] == app.pk
    assert Event.objects.filter(action="publicity.restored", target_id=str(r.pk)).count() == 1
    fulfil = Event.objects.get(action="commitments.fulfil", target_id=str(promise.pk))
    assert (fulfil.new_values or {})["repaired_record_restored"] is True
    # The city platform, which was told of the repair, is told the record counts again.
    from xinyong.exchange.models import OutboxEntry

    assert OutboxEntry.objects.filter(
        kind=OutboxEntry.Kind.RECORD, change="restored", record_id=r.pk
    ).exists()

    # Idempotent: nothing left to undo, no second event.
    assert services.restore_repaired_publicity(actor=None, commitment=done) is None
    assert Event.objects.filter(action="commitments.repair_breach_restore").count() == 1
    assert Event.objects.filter(action="publicity.restored").count() == 1


def test_broken_repair_commitment_past_the_maximum_ends_as_expired() -> None:
    office = admin()
    store([penalty_row(2, decided="2025-11-20")], reported_on=date(2025, 11, 21))
    r = record(2)
    assert window(r).ends_on == date(2026, 11, 20)
    app = approve_repair(apply(r, date(2026, 3, 2), name=r.subject.name), office, date(2026, 3, 9))
    promise = Commitment.objects.get(repair_application=app)
    breach(promise, date(2026, 11, 25))
    w = window(r)
    # The longest period ran out on 2026-11-20: off view from the next day as 公示期满.
    assert (w.ends_on, w.ended_on, w.end_reason) == (
        date(2026, 11, 20),
        date(2026, 11, 21),
        "expired",
    )


def test_refused_repair_leaves_publicity_alone() -> None:
    office = admin()
    store([penalty_row(3, decided="2026-03-10")])
    r = record(3)
    app = apply(r, date(2026, 6, 15), name=r.subject.name)
    app = repair.mark_complete(actor=office, application=app, complete=True, on=date(2026, 6, 16))
    app = repair.provider_review(
        actor=office, application=app, agrees=False, opinion="未整改", on=date(2026, 6, 17)
    )
    repair.decide_repair(
        actor=office, application=app, approve=False, reason="未整改", on=date(2026, 6, 18)
    )
    promise = Commitment.objects.get(repair_application=app)
    # The promise lapsed with the refusal: no breach to record (test_repair_commitment_lapse).
    with pytest.raises(DomainError, match="信用修复申请已不予修复，承诺随之失效"):
        breach(promise, date(2026, 7, 1))
    assert (window(r).ended_on, window(r).end_reason) == (None, "")
    assert not Event.objects.filter(action="commitments.repair_breach_restore").exists()
    assert not Event.objects.filter(action="publicity.restored").exists()
