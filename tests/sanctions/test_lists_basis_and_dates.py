"""Review fixes of 2026-11-26: the court's list is never designated here and a local
serious entry always needs the prior notice; an entry ends with its withdrawn basis and
cannot rest on one; imported entries run to their end date; a red entry's publicity is
never shortened by a backdated proposal date."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps
from rest_framework.test import APIClient

from tests.rights.repair_helpers import penalty_row, record, store
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.exchange.models import OutboxEntry
from xinyong.orgs.models import Role
from xinyong.records import services as records
from xinyong.records.models import CreditRecord, RecordWithdrawal
from xinyong.sanctions import checks, lists
from xinyong.sanctions.demo import court_listing
from xinyong.sanctions.models import ListEntry, ListEntryChange, ListType

from .governance_helpers import company, entry, make_user, unit

pytestmark = pytest.mark.django_db

S = ListEntry.Status
COURT_ONLY = (
    "“失信被执行人名单”由人民法院认定，条目只能由信用办随上级推送的名单文件导入，"
    "本区单位不能自行提出列入或使其生效（认定失信须有认定机关具法律效力的文书）。"
)


@pytest.fixture
def office():
    return make_user("basis_admin", Role.CREDIT_ADMIN, "区发改委")


@pytest.fixture
def penalty():
    """区生态环境局's penalty of 2026-10-09 against the DOMAIN §2 example company."""
    store([penalty_row(1, decided="2026-10-09")], reported_on=date(2026, 10, 10))
    return record(1)


def _measures(subject, matter, on):
    check = checks.run_check(
        actor=make_user(f"basis_fin_{matter}_{on:%m%d}", Role.REPORTER, "区财政局"),
        unit=unit("区财政局"),
        subject=subject,
        matter=matter,
        on=on,
    )
    return [m["code"] for m in check.snapshot["measures"]]


# ---------------------------------------------------------------- 1. who designates


def test_a_district_unit_cannot_put_a_subject_on_the_courts_list(office, client):
    subject = company("32000001", "安阳市北关区被执行商贸有限公司")
    reporter = make_user("basis_hrss", Role.REPORTER, "区人社局")
    for actor in (reporter, office):
        with pytest.raises(DomainError) as refused:
            lists.propose_entry(
                actor=actor,
                list_type=lists.get_list_type("SX_BZXR"),
                subject=subject,
                basis_document="（2026）豫0503执501号",
                reasons="有履行能力而拒不履行生效法律文书确定的给付义务",
                on=date(2026, 11, 26),
            )
        assert refused.value.message == COURT_ONLY
    api = APIClient()
    api.force_authenticate(reporter)
    response = api.post(
        "/api/v1/list-entries",
        {
            "list_type": "SX_BZXR",
            "subject": subject.identifier,
            "basis_document": "（2026）豫0503执501号",
            "reasons": "有履行能力而拒不履行生效法律文书确定的给付义务",
            "on": "2026-11-26",
        },
        format="json",
    )
    assert (response.status_code, response.json()["detail"]) == (400, COURT_ONLY)
    assert not ListEntry.objects.exists()
    assert _measures(subject, "CONSUMPTION", date(2026, 11, 26)) == []
    types = {t["code"]: t for t in api.get("/api/v1/list-types").json()["results"]}
    assert (types["SX_BZXR"]["locally_designable"], types["SX_WAGES"]["locally_designable"]) == (
        False,
        True,
    )
    # Who may designate: 人社部令第45号 names the 人力资源社会保障部门; the court's list none.
    assert (types["SX_WAGES"]["designating_units"], types["SX_BZXR"]["designating_units"]) == (
        ["区人社局"],
        [],
    )
    # The web form does not offer it.
    client.force_login(reporter)
    form = client.get("/workspace/sanctions/lists/new/").content.decode()
    assert "拖欠农民工工资失信联合惩戒对象名单" in form
    assert "失信被执行人名单" not in form


def test_a_court_listing_proposed_here_before_the_fix_cannot_take_effect(office):
    subject = company("32000002", "安阳市北关区遗留商贸有限公司")
    left = ListEntry.objects.create(
        list_type=ListType.objects.get(code="SX_BZXR"),
        subject=subject,
        basis_document="（2026）豫0503执502号",
        reasons="有履行能力而拒不履行生效法律文书确定的给付义务",
        designating_unit=unit("区人社局"),
        designating_authority="人民法院",
        status=S.PROPOSED,
    )
    with pytest.raises(DomainError) as refused:
        lists.make_effective(actor=office, entry=left, on=date(2026, 11, 26))
    assert refused.value.message == COURT_ONLY
    assert ListEntry.objects.get(pk=left.pk).status == S.PROPOSED


def test_the_court_list_still_comes_in_from_upstream():
    subject = company("32000003", "安阳市北关区上级推送商贸有限公司")
    listed = court_listing(
        actor=None,
        subject=subject,
        case_number="（2026）豫0503执503号",
        published_on=date(2026, 11, 2),
        obligation="支付货款 18 万元",
    )
    assert (listed.status, listed.source, listed.designating_authority) == (
        S.LISTED,
        ListEntry.Source.UPSTREAM,
        "安阳市北关区人民法院",
    )
    assert (listed.effective_from, listed.ends_on) == (date(2026, 11, 2), date(2028, 11, 1))
    assert _measures(subject, "CONSUMPTION", date(2026, 11, 26)) == ["P-CONSUMPTION"]


def test_a_local_serious_list_without_the_notice_flag_cannot_be_set_up(office):
    values = dict(
        code="SX_LOCAL",
        name="某领域严重失信主体名单",
        kind=ListType.Kind.SERIOUS,
        legal_basis="《河南省社会信用条例》第三十三条",
        designating_authority="区有关行业主管部门",
        entry_criteria="依法认定的严重失信行为",
        exit_criteria="期限届满或者依法信用修复",
        requires_prior_notice=False,
    )
    with pytest.raises(DomainError) as refused:
        lists.create_list_type(actor=office, **values)
    assert refused.value.message == (
        "由本区认定的严重失信主体名单列入前必须书面告知依据、理由、措施和异议权利"
        "（河南条例第二十八条）：请勾选“列入前须书面告知”，"
        "或认定机关在本区之外时取消“本区可认定”。"
    )
    # Designated outside the district, it is consistent (entries come from upstream).
    outside = lists.create_list_type(actor=office, **values, locally_designable=False)
    assert not outside.needs_prior_notice


def test_a_local_serious_entry_needs_the_notice_whatever_the_flag(office):
    """A type saved before the rule (flag off) still goes through the notice."""
    ListType.objects.filter(code="SX_SAMR").update(requires_prior_notice=False)
    subject = company("32000004", "安阳市北关区无告知食品有限公司")
    proposal = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("SX_SAMR"),
        subject=subject,
        basis_document="北市监列字〔2026〕11号",
        reasons="生产经营超范围使用食品添加剂的食品，受到较重行政处罚",
        on=date(2026, 9, 29),
        designating_unit=unit("区市场监管局"),
    )
    assert proposal.notice_number == f"XYGZ2026{proposal.pk:06d}"
    with pytest.raises(DomainError, match="尚未送达列入前书面告知书"):
        lists.make_effective(actor=office, entry=proposal, on=date(2026, 9, 29))
    served = lists.serve_notice(actor=office, entry=proposal, served_on=date(2026, 9, 29))
    # 10 working days from 2026-09-29 across 国庆 (10/1–10/7 off, 10/10 Saturday worked).
    assert served.objection_deadline == date(2026, 10, 19)
    with pytest.raises(DomainError, match="2026-10-20 起方可列入"):
        lists.make_effective(actor=office, entry=served, on=date(2026, 10, 19))
    assert lists.make_effective(actor=office, entry=served, on=date(2026, 10, 20)).status == (
        S.LISTED
    )


# ---------------------------------------------------------------- 2. the basis record


def _samr_listed(office, basis):
    proposal = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("SX_SAMR"),
        subject=basis.subject,
        basis_document="北市监列字〔2026〕12号",
        reasons="超标排放大气污染物受到较重行政处罚",
        on=date(2026, 10, 12),
        designating_unit=unit("区市场监管局"),
        basis_record=basis,
    )
    # 10 working days from 2026-10-12 end on 2026-10-26.
    served = lists.serve_notice(actor=office, entry=proposal, served_on=date(2026, 10, 12))
    assert served.objection_deadline == date(2026, 10, 26)
    return lists.make_effective(actor=office, entry=served, on=date(2026, 10, 28))


def test_withdrawing_the_basis_penalty_ends_a_local_entry_on_the_withdrawal_day(office, penalty):
    listed = _samr_listed(office, penalty)
    subject = listed.subject
    assert _measures(subject, "PROCUREMENT", date(2026, 11, 19)) == ["P-ABNORMAL"]
    records.withdraw_record(
        actor=make_user("basis_env", Role.REPORTER, "区生态环境局"),
        record=penalty,
        reason="处罚决定已被行政复议撤销",
        revoked_on=date(2026, 11, 18),
        on=date(2026, 11, 20),
    )
    ended = ListEntry.objects.get(pk=listed.pk)
    assert (ended.status, ended.removed_on, ended.removal_reason) == (
        S.REMOVED,
        date(2026, 11, 20),
        "依据记录（北关环罚〔2026〕1号）已于 2026-11-20 撤销，随之移出名单",
    )
    last = ListEntryChange.objects.filter(entry=ended).order_by("id").last()
    assert last is not None
    assert (last.from_status, last.to_status, last.on) == (S.LISTED, S.REMOVED, date(2026, 11, 20))
    assert Event.objects.filter(action="sanctions.entry_remove", target_id=str(ended.pk)).exists()
    assert list(
        OutboxEntry.objects.filter(list_entry=ended).order_by("id").values_list("change", flat=True)
    ) == ["listed", "removed"]
    assert lists.active_entries(subject, date(2026, 11, 19)).count() == 1
    assert lists.active_entries(subject, date(2026, 11, 20)).count() == 0
    assert _measures(subject, "PROCUREMENT", date(2026, 11, 26)) == []


def test_an_upstream_entry_ends_on_the_withdrawal_day_not_the_day_it_is_noticed():
    subject = company("32000005", "安阳市北关区撤销推送商贸有限公司")
    listed = court_listing(
        actor=None,
        subject=subject,
        case_number="（2026）豫0503执505号",
        published_on=date(2026, 10, 12),
        obligation="支付货款 9 万元",
    )
    assert listed.basis_record is not None
    records.withdraw_record(
        actor=None,
        record=listed.basis_record,
        reason="人民法院决定删除失信信息",
        on=date(2026, 11, 20),
    )
    listed.refresh_from_db()
    assert (listed.status, listed.removed_on) == (S.REMOVED, date(2026, 11, 20))
    assert (
        listed.removal_reason
        == "依据记录（（2026）豫0503执505号）已于 2026-11-20 撤销，随之移出名单"
    )


def test_a_withdrawn_record_is_no_basis(office, penalty):
    records.withdraw_record(
        actor=None, record=penalty, reason="处罚决定已被行政复议撤销", on=date(2026, 11, 20)
    )
    penalty.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        lists.propose_entry(
            actor=office,
            list_type=lists.get_list_type("WATCH"),
            subject=penalty.subject,
            basis_document="北环关注〔2026〕3号",
            reasons="超标排放大气污染物",
            on=date(2026, 11, 26),
            designating_unit=unit("区生态环境局"),
            basis_record=penalty,
        )
    assert refused.value.message == (
        f"依据记录（北关环罚〔2026〕1号）已于 2026-11-20 撤销（记录编号 {penalty.pk}），"
        "不能作为列入名单的依据（认定失信须有具法律效力的文书）。"
    )
    assert not ListEntry.objects.exists()


def test_the_daily_job_ends_entries_left_open_on_a_withdrawn_basis(office, penalty):
    """What installations have from before the fix: the withdrawal ended upstream
    entries only, so a local one stayed listed."""
    listed = _samr_listed(office, penalty)
    CreditRecord.objects.filter(pk=penalty.pk).update(status=CreditRecord.Status.WITHDRAWN)
    RecordWithdrawal.objects.create(
        record=penalty, withdrawn_on=date(2026, 11, 20), reason="处罚决定已被行政复议撤销"
    )
    assert lists.active_entries(listed.subject, date(2026, 11, 26)).count() == 1
    # Run for a day before the withdrawal, the job leaves it.
    assert lists.promote_due_entries(on=date(2026, 11, 19)).basis_withdrawn == []
    result = lists.promote_due_entries(on=date(2026, 11, 26))
    assert result.basis_withdrawn == [listed.pk]
    ended = ListEntry.objects.get(pk=listed.pk)
    assert (ended.status, ended.removed_on) == (S.REMOVED, date(2026, 11, 20))
    assert lists.promote_due_entries(on=date(2026, 11, 26)).basis_withdrawn == []


def test_the_scheduled_job_reports_what_it_ended(office, penalty):
    listed = _samr_listed(office, penalty)
    CreditRecord.objects.filter(pk=penalty.pk).update(status=CreditRecord.Status.WITHDRAWN)
    RecordWithdrawal.objects.create(
        record=penalty, withdrawn_on=date(2026, 11, 20), reason="处罚决定已被行政复议撤销"
    )
    assert lists.run_due_job() == (
        "信用名单：红名单公示期满生效 0 条，有效期届满移出 0 条，依据记录已撤销而结束 1 条"
    )
    assert ListEntry.objects.get(pk=listed.pk).status == S.REMOVED


# ---------------------------------------------------------------- 3. imported end dates


def test_an_upstream_end_date_in_the_row_wins_over_the_default(office):
    """A list pushed in a catalogue type that states 有效期至 (诚信荣誉: RY_YXQZ)."""
    from xinyong.catalog.models import RecordType
    from xinyong.sanctions.importer import import_upstream_entries

    honours = lists.create_list_type(
        actor=office,
        code="RED_CITY",
        name="市级诚信示范企业名单",
        kind=ListType.Kind.RED,
        legal_basis="《河南省社会信用条例》第三十条",
        designating_authority="安阳市社会信用体系建设领导小组办公室",
        locally_designable=False,
        entry_criteria="经市级评定的诚信示范企业",
        exit_criteria="有效期届满或者出现严重失信行为",
        default_duration_months=12,
        record_type="CXRY",
    )
    subject = company("32000006", "安阳市北关区诚信示范有限公司")
    rows = []
    for n, until in ((1, "2027-06-30"), (2, "")):
        rows.append(
            CreditRecord.objects.create(
                record_type=RecordType.objects.get(code="CXRY"),
                identity_key=f"CXRY|honour|{n}",
                subject=subject,
                party_name=subject.name,
                party_identifier=subject.identifier,
                document_number=f"安信办〔2026〕{n}号",
                decision_date=date(2026, 3, 2),
                deciding_unit_name="安阳市社会信用体系建设领导小组办公室",
                source_unit=unit("区发改委"),
                reported_on=date(2026, 3, 2),
                nature="trust",
                payload={"RY_YXQZ": until} if until else {},
                content_hash=f"h{n}",
            )
        )
    result = import_upstream_entries(
        actor=None, list_type=honours, records=rows, on=date(2026, 11, 26)
    )
    ends = dict(
        ListEntry.objects.filter(pk__in=result.created).values_list("basis_document", "ends_on")
    )
    assert ends == {"安信办〔2026〕1号": date(2027, 6, 30), "安信办〔2026〕2号": date(2027, 3, 1)}


def test_the_migration_gives_imported_entries_their_end_and_marks_the_court_list():
    migration = importlib.import_module(
        "xinyong.sanctions.migrations.0003_listtype_locally_designable"
    )
    ListType.objects.filter(code="SX_BZXR").update(locally_designable=True)
    subject = company("32000007", "安阳市北关区迁移商贸有限公司")
    old = entry(subject, "SX_BZXR", effective_from=date(2023, 4, 10))
    ListEntry.objects.filter(pk=old.pk).update(source=ListEntry.Source.UPSTREAM)
    recent = entry(subject, "SX_BZXR", effective_from=date(2026, 4, 10))
    ListEntry.objects.filter(pk=recent.pk).update(source=ListEntry.Source.UPSTREAM)
    watch = entry(subject, "WATCH", effective_from=date(2026, 4, 10))  # no default duration
    migration.backfill(django_apps, None)
    assert not ListType.objects.get(code="SX_BZXR").locally_designable
    ends = {e.pk: e.ends_on for e in ListEntry.objects.all()}
    assert ends == {old.pk: date(2025, 4, 9), recent.pk: date(2028, 4, 9), watch.pk: None}
    # The daily job then removes the lapsed one through the removal path.
    assert lists.promote_due_entries(on=date(2026, 11, 26)).expired == [old.pk]
    lapsed = ListEntry.objects.get(pk=old.pk)
    assert (lapsed.status, lapsed.removed_on) == (S.REMOVED, date(2025, 4, 10))
    assert [e.pk for e in lists.active_entries(subject, date(2026, 11, 26))] == [
        recent.pk,
        watch.pk,
    ]


# ---------------------------------------------------------------- 4. red-list publicity


def test_a_backdated_red_proposal_still_gets_its_whole_publicity(office, clock):
    clock.today = date(2026, 11, 26)
    subject = company("32000008", "安阳市北关区倒签示范有限公司")
    red = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("RED"),
        subject=subject,
        basis_document="北政〔2026〕31号",
        reasons="2025 年度区级诚信示范企业",
        on=date(2026, 11, 2),
    )
    # 5 working days from the day it went public: 11/27, 11/30, 12/1, 12/2, 12/3.
    assert (red.status, red.publicity_until) == (S.PUBLICISING, date(2026, 12, 3))
    # The proposal keeps its date in the history.
    assert red.changes.get().on == date(2026, 11, 2)
    assert lists.promote_due_entries(on=date(2026, 11, 26)).promoted == []
    with pytest.raises(DomainError, match="红名单公示期至 2026-12-03"):
        lists.make_effective(actor=office, entry=red, on=date(2026, 11, 26))
    clock.today = date(2026, 12, 4)
    assert lists.promote_due_entries(on=date(2026, 12, 4)).promoted == [red.pk]
    red.refresh_from_db()
    assert (red.status, red.effective_from) == (S.LISTED, date(2026, 12, 4))
