"""Guards on the list workflow found in review: an objection to the basis record stops a
proposal and undoes a listing, no effective date after today or before 2000, no red entry
beside a serious one, and check feedback ids that are integers only."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.rights.repair_helpers import ORG_USCC, penalty_row, record, store
from tests.sanctions.governance_helpers import company, entry, make_user, unit
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.rights import objections
from xinyong.rights.models import Channel, Objection
from xinyong.sanctions import checks, lists
from xinyong.sanctions.demo import court_listing
from xinyong.sanctions.models import CheckMeasure, ListEntry, ListEntryChange

pytestmark = pytest.mark.django_db

S = ListEntry.Status
PROPOSED_ON = date(2026, 10, 12)


@pytest.fixture
def office():
    return make_user("guard_admin", Role.CREDIT_ADMIN, "区发改委")


@pytest.fixture
def api(office):
    client = APIClient()
    client.force_authenticate(office)
    return client


@pytest.fixture
def basis():
    """A penalty of 区生态环境局 against the DOMAIN §2 example company."""
    store([penalty_row(1, decided="2026-10-09")], reported_on=date(2026, 10, 10))
    return record(1)


def _propose_samr(api, basis_record, **extra):
    return api.post(
        "/api/v1/list-entries",
        {
            "list_type": "SX_SAMR",
            "subject": ORG_USCC,
            "basis_document": "北市监列字〔2026〕1号",
            "reasons": "超标排放大气污染物受到较重行政处罚",
            "on": PROPOSED_ON.isoformat(),
            "basis_record": basis_record,
            **extra,
        },
        format="json",
    )


def _object(rec, received_on):
    return objections.file_objection(
        actor=None,
        record=rec,
        channel=Channel.ONLINE,
        category=Objection.Category.WRONG,
        description="处罚事实有误，拟列入严重违法失信名单的依据不成立",
        applicant_name="安阳市北关区某某化工有限公司",
        applicant_phone="13800000000",
        received_on=received_on,
    )


# ---------------------------------------------------------------- 1. objections


def test_an_objection_to_the_basis_record_blocks_the_entry_and_revoked_cancels_it(
    api, office, basis
):
    created = _propose_samr(api, basis.pk)
    assert created.status_code == 201, created.content
    assert created.json()["basis_record_id"] == basis.pk
    pk = created.json()["id"]
    served = api.post(f"/api/v1/list-entries/{pk}/serve", {"on": "2026-10-12"}, format="json")
    assert served.status_code == 200
    deadline = date.fromisoformat(served.json()["objection_deadline"])
    objection = _object(basis, PROPOSED_ON + timedelta(days=2))

    refused = api.post(
        f"/api/v1/list-entries/{pk}/effective",
        {"on": (deadline + timedelta(days=1)).isoformat()},
        format="json",
    )
    assert refused.status_code == 400
    detail = refused.json()["detail"]
    assert f"编号 {objection.pk}，2026-10-14 受理" in detail
    assert "尚未办结，办结前不能列入（河南条例第二十八条、第四十一条）" in detail
    assert ListEntry.objects.get(pk=pk).status == S.PROPOSED

    objections.decide_objection(
        actor=office,
        objection=objection,
        outcome=Objection.Outcome.REVOKED,
        reason="处罚决定已被行政复议撤销",
        on=date(2026, 10, 16),
    )
    listed = ListEntry.objects.get(pk=pk)
    assert listed.status == S.CANCELLED
    # Deciding 撤销 withdraws the penalty, and the withdrawal ends what rests on it.
    assert (
        listed.removal_reason == "依据记录（北关环罚〔2026〕1号）已于 2026-10-16 撤销，撤销拟列入"
    )


def test_an_undecided_objection_filed_before_the_proposal_blocks_it(api, basis):
    objection = _object(basis, date(2026, 10, 10))
    pk = _propose_samr(api, basis.pk).json()["id"]
    served = api.post(f"/api/v1/list-entries/{pk}/serve", {"on": "2026-10-12"}, format="json")
    start = date.fromisoformat(served.json()["objection_deadline"]) + timedelta(days=1)
    refused = api.post(
        f"/api/v1/list-entries/{pk}/effective", {"on": start.isoformat()}, format="json"
    )
    assert refused.status_code == 400
    assert f"编号 {objection.pk}，2026-10-10 受理）尚未办结" in refused.json()["detail"]


def test_a_revoked_objection_removes_an_entry_already_listed(api, office, basis):
    pk = _propose_samr(api, basis.pk).json()["id"]
    served = api.post(f"/api/v1/list-entries/{pk}/serve", {"on": "2026-10-12"}, format="json")
    start = date.fromisoformat(served.json()["objection_deadline"]) + timedelta(days=1)
    effective = api.post(
        f"/api/v1/list-entries/{pk}/effective", {"on": start.isoformat()}, format="json"
    )
    assert effective.json()["status"] == "listed", effective.content
    objection = _object(basis, start + timedelta(days=1))
    objections.decide_objection(
        actor=office,
        objection=objection,
        outcome=Objection.Outcome.REVOKED,
        reason="处罚决定已被行政复议撤销",
        on=start + timedelta(days=3),
    )
    removed = ListEntry.objects.get(pk=pk)
    assert removed.status == S.REMOVED
    assert removed.removed_on == start + timedelta(days=3)
    assert removed.removal_reason == (
        f"依据记录（北关环罚〔2026〕1号）已于 {removed.removed_on.isoformat()} 撤销，随之移出名单"
    )
    last = ListEntryChange.objects.filter(entry=removed).order_by("id").last()
    assert last is not None and (last.from_status, last.to_status) == (S.LISTED, S.REMOVED)
    assert Event.objects.filter(action="sanctions.entry_remove", target_id=str(pk)).exists()
    assert not lists.active_entries(removed.subject, start + timedelta(days=3)).exists()
    detail = api.get(f"/api/v1/list-entries/{pk}").json()
    assert detail["status_label"] == "已移出" or detail["status"] == "removed"


def test_a_linked_objection_decided_revoked_removes_a_listed_entry(office):
    subject = company("31000001", "安阳市北关区庚建筑劳务有限公司")
    listed = court_listing(
        actor=None,
        subject=subject,
        case_number="（2026）豫0503执88号",
        published_on=date(2026, 10, 12),
        obligation="支付货款 12 万元",
    )
    objection = Objection.objects.create(
        subject=subject,
        channel="online",
        category=Objection.Category.WRONG,
        description="对列入失信被执行人名单有异议",
        applicant_name=subject.name,
        applicant_phone="13800000000",
        received_on=date(2026, 10, 13),
        status=Objection.Status.DECIDED,
        outcome=Objection.Outcome.REVOKED,
        decided_on=date(2026, 10, 20),
    )
    lists.link_objection(actor=office, entry=listed, objection=objection)
    changed = lists.apply_objection_outcome(actor=None, objection=objection)
    assert [e.pk for e in changed] == [listed.pk]
    listed.refresh_from_db()
    assert (listed.status, listed.removed_on) == (S.REMOVED, date(2026, 10, 20))
    assert not lists.active_entries(subject, date(2026, 10, 20)).exists()


def test_the_basis_record_must_exist_be_the_subjects_and_be_readable(api, basis, client):
    for value, status, text in [
        (1.5, 400, "应为正整数"),
        (True, 400, "应为正整数"),
        (-3, 400, "应为正整数"),
        (basis.pk + 1000, 404, f"依据记录 {basis.pk + 1000} 不存在，或您无权查看"),
    ]:
        response = _propose_samr(api, value)
        assert response.status_code == status, (value, response.content)
        assert text in response.json()["detail"]
    other = company("31000002", "安阳市北关区辛公司")
    mismatch = _propose_samr(api, basis.pk, subject=other.identifier)
    assert mismatch.status_code == 400
    assert mismatch.json()["detail"] == "依据记录的主体与拟列入主体不一致。"
    # 区人社局 cannot read 区生态环境局's records: the id answers like a missing one.
    hrss = APIClient()
    hrss.force_authenticate(make_user("guard_hrss", Role.REPORTER, "区人社局"))
    hidden = hrss.post(
        "/api/v1/list-entries",
        {
            "list_type": "SX_WAGES",
            "subject": ORG_USCC,
            "basis_document": "北人社列字〔2026〕5号",
            "reasons": "拖欠农民工工资",
            "on": "2026-10-12",
            "basis_record": basis.pk,
        },
        format="json",
    )
    assert hidden.status_code == 404
    assert f"依据记录 {basis.pk} 不存在，或您无权查看" in hidden.json()["detail"]
    assert not ListEntry.objects.exists()


def test_the_web_form_passes_the_basis_record(office, basis, client):
    client.force_login(office)
    response = client.post(
        "/workspace/sanctions/lists/new/",
        {
            "list_type": lists.get_list_type("SX_SAMR").pk,
            "subject": ORG_USCC,
            "basis_document": "北市监列字〔2026〕2号",
            "reasons": "超标排放大气污染物受到较重行政处罚",
            "on": "2026-10-12",
            "basis_record": basis.pk,
        },
    )
    created = ListEntry.objects.get()
    assert response.status_code == 302
    assert created.basis_record_id == basis.pk
    page = client.get(f"/workspace/sanctions/lists/{created.pk}/").content.decode()
    assert f"编号 {basis.pk}（对该记录的异议即对本条目的异议）" in page


# ---------------------------------------------------------------- 2/4. dates


def test_no_effective_date_after_today(office, api):
    subject = company("31000003", "安阳市北关区壬建筑劳务有限公司")
    proposal = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("SX_WAGES"),
        subject=subject,
        basis_document="北人社列字〔2026〕3号",
        reasons="拖欠农民工工资 62 万元",
        on=date(2026, 10, 12),
        designating_unit=unit("区人社局"),
    )
    proposal = lists.serve_notice(actor=office, entry=proposal, served_on=date(2026, 10, 12))
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        lists.make_effective(actor=office, entry=proposal, on=tomorrow)
    assert refused.value.message == (
        f"生效日期 {tomorrow.isoformat()} 晚于今天（{today.isoformat()}），不能预先列入；请届时办理。"
    )
    far = api.post(
        f"/api/v1/list-entries/{proposal.pk}/effective", {"on": "9999-12-31"}, format="json"
    )
    assert far.status_code == 400
    assert "生效日期 9999-12-31 晚于今天" in far.json()["detail"]
    # The daily job run for a later day holds the entry instead of listing it early.
    held = lists.promote_due_entries(on=tomorrow)
    assert held.promoted == [] and ListEntry.objects.get(pk=proposal.pk).status == S.PROPOSED


def test_dates_out_of_range_get_chinese_messages_never_a_500(office, api, client):
    subject = company("31000004", "远期公司")
    early = api.post(
        "/api/v1/list-entries",
        {
            "list_type": "SX_WAGES",
            "subject": subject.identifier,
            "basis_document": "北人社列字〔2026〕4号",
            "reasons": "拖欠农民工工资",
            "on": "0001-01-01",
            "designating_unit": "区人社局",
        },
        format="json",
    )
    assert early.status_code == 400
    assert early.json()["detail"] == "拟列入日期 0001-01-01 早于 2000-01-01，请核对。"
    later = api.post(
        "/api/v1/list-entries",
        {
            "list_type": "RED",
            "subject": subject.identifier,
            "basis_document": "北政〔2026〕9号",
            "reasons": "获评区级诚信示范企业",
            "on": "9999-12-30",
        },
        format="json",
    )
    assert later.status_code == 400
    assert "拟列入日期 9999-12-30 晚于今天" in later.json()["detail"]
    assert not ListEntry.objects.exists()

    watch = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("WATCH"),
        subject=subject,
        basis_document="北市监关注〔2026〕7号",
        reasons="未按期履行行政处罚决定",
        on=date(2026, 11, 20),
        designating_unit=unit("区市场监管局"),
    )
    client.raise_request_exception = False
    client.force_login(office)
    response = client.post(
        f"/workspace/sanctions/lists/{watch.pk}/action/",
        {"action": "effective", "on": "9999-12-31"},
        follow=True,
    )
    assert response.status_code == 200
    assert "生效日期 9999-12-31 晚于今天" in response.content.decode()
    assert ListEntry.objects.get(pk=watch.pk).status == S.PROPOSED
    with pytest.raises(DomainError, match="超出可计算的范围"):
        lists.add_months(date(9999, 12, 1), 36)


# ---------------------------------------------------------------- 3. red vs serious


def _red(actor, subject, on=date(2026, 10, 12), document="北政〔2026〕99号"):
    return lists.propose_entry(
        actor=actor,
        list_type=lists.get_list_type("RED"),
        subject=subject,
        basis_document=document,
        reasons="获评区级诚信示范企业",
        on=on,
    )


def test_no_red_entry_while_a_serious_entry_is_in_force(office):
    subject = company("31000005", "安阳市北关区失信又守信有限公司")
    serious = entry(subject, "SX_BZXR", effective_from=date(2026, 6, 1), ends_on=date(2028, 5, 31))
    with pytest.raises(DomainError) as refused:
        _red(office, subject)
    assert refused.value.message == (
        f"该主体在“失信被执行人名单”中（认定文书 {serious.basis_document}，2026-06-01 起生效），"
        "有严重失信记录，不能列入红名单（红名单列入条件：没有严重失信记录）。"
    )
    assert not ListEntry.objects.filter(list_type__code="RED").exists()


def test_a_red_entry_in_publicity_cannot_take_effect_beside_a_serious_one(office, clock):
    subject = company("31000006", "安阳市北关区癸有限公司")
    clock.today = date(2026, 10, 12)
    red = _red(office, subject)
    clock.today = date(2026, 10, 20)
    entry(subject, "SX_BZXR", effective_from=date(2026, 10, 15))
    after = red.publicity_until + timedelta(days=1)
    with pytest.raises(DomainError, match="有严重失信记录，不能列入红名单"):
        lists.make_effective(actor=office, entry=red, on=after)
    result = lists.promote_due_entries(on=after)
    assert result.promoted == [] and "有严重失信记录" in result.held[0][1]


def test_a_serious_listing_ends_the_subjects_red_entries(office, clock):
    subject = company("31000007", "安阳市北关区子有限公司")
    clock.today = date(2026, 10, 12)
    red = _red(office, subject)
    clock.today = red.publicity_until + timedelta(days=1)
    red = lists.make_effective(actor=office, entry=red, on=clock.today)
    clock.today = date(2026, 10, 26)
    publicising = _red(office, subject, on=date(2026, 10, 26), document="北政〔2026〕120号")
    clock.today = date(2026, 11, 3)
    court_listing(
        actor=None,
        subject=subject,
        case_number="（2026）豫0503执66号",
        published_on=date(2026, 11, 2),
        obligation="支付货款 20 万元",
    )
    red.refresh_from_db()
    publicising.refresh_from_db()
    why = "被列入严重失信主体名单：失信被执行人名单"
    assert (red.status, red.removed_on, red.removal_reason) == (S.REMOVED, date(2026, 11, 2), why)
    assert (publicising.status, publicising.removal_reason) == (S.CANCELLED, why)
    assert [e.list_type.code for e in lists.active_entries(subject, date(2026, 11, 2))] == [
        "SX_BZXR"
    ]
    check = checks.run_check(
        actor=make_user("guard_fin", Role.REPORTER, "区财政局"),
        unit=unit("区财政局"),
        subject=subject,
        matter="HONOUR",
        on=date(2026, 11, 3),
    )
    assert [(m["code"], m["kind"]) for m in check.snapshot["measures"]] == [
        ("P-HONOUR", "punishment")
    ]


# ---------------------------------------------------------------- 5. check feedback ids


def test_feedback_ids_must_be_positive_json_integers():
    subject = company("MA00009A", "安阳市北关区反馈物资有限公司")
    entry(subject, "SX_BZXR", effective_from=date(2026, 1, 5))
    api = APIClient()
    api.force_authenticate(make_user("guard_fin2", Role.REPORTER, "区财政局"))
    check = api.get("/api/v1/checks", {"subject": subject.identifier, "matter": "PROCUREMENT"})
    check_id = check.json()["id"]
    row_id = check.json()["measures"][0]["id"]
    url = f"/api/v1/checks/{check_id}/feedback"
    for raw, shown in [("1e400", "inf"), (f"{row_id}.5", f"{row_id}.5"), ("true", "True")]:
        body = '{"items": [{"id": ' + raw + ', "action": "applied"}]}'
        response = api.post(url, body, content_type="application/json")
        assert response.status_code == 400, (raw, response.content)
        assert response.json()["detail"] == (
            f"第 1 项：id“{shown}”无效，应为正整数（本次查询返回的措施 id）。"
        )
    assert CheckMeasure.objects.get(pk=row_id).action == CheckMeasure.Action.PENDING
    ok = api.post(
        url,
        json.dumps({"items": [{"id": row_id, "action": "applied"}]}),
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert CheckMeasure.objects.get(pk=row_id).action == CheckMeasure.Action.APPLIED
