"""Lists: types as data, the notice before the black-list entry, red-list publicity,
removal, objections, the district share, the notice PDF."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.rights.models import Objection
from xinyong.sanctions import lists, notices
from xinyong.sanctions.models import ListEntry, ListEntryChange, ListType, Measure

from .governance_helpers import company, make_user, unit

pytestmark = pytest.mark.django_db

S = ListEntry.Status


@pytest.fixture
def office():
    return make_user("list_admin", Role.CREDIT_ADMIN, "区发改委")


@pytest.fixture
def hrss_reporter():
    return make_user("hrss_rep", Role.REPORTER, "区人社局")


def _wages(actor, subject, on=date(2026, 9, 25)):
    return lists.propose_entry(
        actor=actor,
        list_type=lists.get_list_type("SX_WAGES"),
        subject=subject,
        basis_document="北人社列字〔2026〕3号",
        reasons="拖欠农民工工资 62 万元，经责令限期支付逾期未支付",
        on=on,
        designating_unit=unit("区人社局"),
    )


def test_list_types_are_loaded_with_their_bases():
    assert ListType.objects.count() == 7
    court = lists.get_list_type("失信被执行人")
    assert court.code == "SX_BZXR"
    assert "失信被执行人名单信息的若干规定" in court.legal_basis
    assert court.record_type is not None and court.record_type.code == "SXBZXR"
    wages = ListType.objects.get(code="SX_WAGES")
    assert wages.requires_prior_notice and wages.default_duration_months == 36
    red = ListType.objects.get(code="RED")
    assert red.publish_before_effect and red.publicity_workdays == 5


def test_a_list_type_without_basis_or_on_a_forbidden_matter_is_refused(office):
    values = dict(
        code="X1",
        name="测试名单",
        kind=ListType.Kind.WATCH,
        designating_authority="区某局",
        entry_criteria="某条件",
        exit_criteria="某条件",
    )
    with pytest.raises(DomainError, match="无依据的名单不得设立"):
        lists.create_list_type(actor=office, legal_basis="  ", **values)
    # Text that names no document is no basis either (core.legal_basis).
    for empty_words in ("无", "《……》第……条", "某办法"):
        with pytest.raises(DomainError, match=r"未写明|占位符"):
            lists.create_list_type(actor=office, legal_basis=empty_words, **values)
    basis = "《河南省社会信用条例》第三十一条"
    with pytest.raises(DomainError, match="闯红灯"):
        lists.create_list_type(
            actor=office, legal_basis=basis, **{**values, "entry_criteria": "多次闯红灯"}
        )
    assert not ListType.objects.filter(code="X1").exists()
    reporter = make_user("rep1", Role.REPORTER, "区人社局")
    with pytest.raises(NotPermitted):
        lists.create_list_type(actor=reporter, legal_basis=basis, **values)


def test_the_notice_precedes_the_black_list_entry(hrss_reporter):
    subject = company("30000001", "安阳市北关区甲建筑劳务有限公司")
    entry = _wages(hrss_reporter, subject)
    assert entry.status == S.PROPOSED
    assert entry.notice_number == f"XYGZ2026{entry.pk:06d}"
    # Not served yet: refused.
    with pytest.raises(DomainError, match="尚未送达"):
        lists.make_effective(actor=hrss_reporter, entry=entry, on=date(2026, 10, 30))
    entry = lists.serve_notice(actor=hrss_reporter, entry=entry, served_on=date(2026, 9, 29))
    # 10 working days after 2026-09-29 across 国庆 (10/1–10/7 off, 10/10 Saturday worked).
    assert entry.objection_deadline == date(2026, 10, 19)
    with pytest.raises(DomainError, match="2026-10-19"):
        lists.make_effective(actor=hrss_reporter, entry=entry, on=date(2026, 10, 19))
    assert lists.active_entries(subject, date(2026, 10, 19)).count() == 0
    entry = lists.make_effective(actor=hrss_reporter, entry=entry, on=date(2026, 10, 20))
    assert entry.status == S.LISTED
    # 36 months (人社部令第45号) from 2026-10-20, inclusive.
    assert entry.ends_on == date(2029, 10, 19)
    assert list(lists.active_entries(subject, date(2026, 10, 20))) == [entry]
    history = list(
        ListEntryChange.objects.filter(entry=entry).values_list("from_status", "to_status", "on")
    )
    assert history == [
        ("", S.PROPOSED, date(2026, 9, 25)),
        (S.PROPOSED, S.PROPOSED, date(2026, 9, 29)),
        (S.PROPOSED, S.LISTED, date(2026, 10, 20)),
    ]
    actions = list(
        Event.objects.filter(target_type="sanctions.ListEntry", target_id=str(entry.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "sanctions.entry_propose",
        "sanctions.entry_serve_notice",
        "sanctions.entry_effective",
    ]


def test_removal_ends_the_entry_everywhere(hrss_reporter):
    subject = company("30000002", "安阳市北关区乙劳务有限公司")
    entry = _wages(hrss_reporter, subject)
    lists.serve_notice(actor=hrss_reporter, entry=entry, served_on=date(2026, 9, 29))
    lists.make_effective(actor=hrss_reporter, entry=entry, on=date(2026, 10, 20))
    received = []

    def listen(sender, entry, change, actor, **kwargs):
        received.append((entry.pk, change.to_status))

    from xinyong.sanctions.signals import entry_changed

    entry_changed.connect(listen)
    try:
        with pytest.raises(DomainError, match="移出理由"):
            lists.remove_entry(actor=hrss_reporter, entry=entry, on=date(2026, 11, 2), reason="")
        lists.remove_entry(
            actor=hrss_reporter, entry=entry, on=date(2026, 11, 2), reason="已足额支付拖欠工资"
        )
    finally:
        entry_changed.disconnect(listen)
    assert received == [(entry.pk, S.REMOVED)]
    assert lists.active_entries(subject, date(2026, 11, 1)).count() == 1
    assert lists.active_entries(subject, date(2026, 11, 2)).count() == 0
    assert lists.active_entries(subject, date(2026, 12, 1)).count() == 0
    with pytest.raises(DomainError, match="只有已列入"):
        lists.remove_entry(actor=hrss_reporter, entry=entry, on=date(2026, 11, 3), reason="再次")


def test_permissions_follow_the_designating_unit(hrss_reporter):
    subject = company("30000003", "安阳市北关区丙公司")
    entry = _wages(hrss_reporter, subject)
    other = make_user("tax_rep", Role.REPORTER, "区税务局")
    with pytest.raises(NotPermitted):
        lists.serve_notice(actor=other, entry=entry, served_on=date(2026, 9, 29))
    leader = make_user("leader1", Role.LEADER)
    with pytest.raises(NotPermitted):
        lists.cancel_entry(actor=leader, entry=entry, on=date(2026, 9, 29), reason="x")
    with pytest.raises(NotPermitted):
        lists.propose_entry(
            actor=other,
            list_type=lists.get_list_type("SX_WAGES"),
            subject=subject,
            basis_document="B",
            reasons="拖欠工资",
            on=date(2026, 9, 25),
            designating_unit=unit("区人社局"),
        )
    assert lists.entries_visible_to(other).count() == 0
    assert lists.entries_visible_to(hrss_reporter).count() == 1


def test_reasons_on_a_forbidden_matter_are_refused(hrss_reporter):
    subject = company("30000004", "安阳市北关区丁公司")
    with pytest.raises(DomainError, match="不得作为失信惩戒依据"):
        lists.propose_entry(
            actor=hrss_reporter,
            list_type=lists.get_list_type("SX_WAGES"),
            subject=subject,
            basis_document="C",
            reasons="该公司负责人多次信访",
            on=date(2026, 9, 25),
        )


def _objection(subject, *, status, outcome=""):
    return Objection.objects.create(
        subject=subject,
        channel="online",
        category=Objection.Category.WRONG,
        description="对拟列入拖欠农民工工资失信联合惩戒对象名单有异议",
        applicant_name=subject.name,
        applicant_phone="13800000000",
        received_on=date(2026, 9, 30),
        status=status,
        outcome=outcome,
        decided_on=date(2026, 10, 9) if outcome else None,
    )


def test_objections_block_or_allow_the_listing(hrss_reporter):
    subject = company("30000005", "安阳市北关区戊公司")
    entry = _wages(hrss_reporter, subject)
    lists.serve_notice(actor=hrss_reporter, entry=entry, served_on=date(2026, 9, 29))
    pending = _objection(subject, status=Objection.Status.RECEIVED)
    lists.link_objection(actor=hrss_reporter, entry=entry, objection=pending)
    with pytest.raises(DomainError, match="尚未办结"):
        lists.make_effective(actor=hrss_reporter, entry=entry, on=date(2026, 10, 20))
    # Decided 维持: the listing may take effect before the objection period ends.
    Objection.objects.filter(pk=pending.pk).update(
        status=Objection.Status.DECIDED,
        outcome=Objection.Outcome.KEPT,
        decided_on=date(2026, 10, 9),
    )
    entry = lists.make_effective(actor=hrss_reporter, entry=entry, on=date(2026, 10, 12))
    assert entry.effective_from == date(2026, 10, 12)


def test_an_objection_decided_revoked_cancels_the_proposal(hrss_reporter):
    subject = company("30000006", "安阳市北关区己公司")
    entry = _wages(hrss_reporter, subject)
    objection = _objection(
        subject, status=Objection.Status.DECIDED, outcome=Objection.Outcome.REVOKED
    )
    lists.link_objection(actor=hrss_reporter, entry=entry, objection=objection)
    with pytest.raises(DomainError, match="撤销"):
        lists.make_effective(actor=hrss_reporter, entry=entry, on=date(2026, 10, 30))
    cancelled = lists.apply_objection_outcome(actor=None, objection=objection)
    assert [e.pk for e in cancelled] == [entry.pk]
    entry.refresh_from_db()
    assert entry.status == S.CANCELLED
    assert entry.removal_reason == f"异议（编号 {objection.pk}）经审查决定撤销"
    assert objection.query_code not in entry.removal_reason


def test_red_entries_are_published_before_they_take_effect(office, client, clock):
    subject = company("30000007", "安阳市北关区守信示范企业有限公司")
    clock.today = date(2026, 9, 28)
    entry = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("RED"),
        subject=subject,
        basis_document="北政〔2026〕12号",
        reasons="2025 年度区级诚信示范企业",
        on=date(2026, 9, 28),
    )
    assert entry.status == S.PUBLICISING
    # 5 working days after 2026-09-28: 9/29, 9/30, 10/8, 10/9, 10/10 (调休 Saturday).
    assert entry.publicity_until == date(2026, 10, 10)
    page = client.get("/credit/lists/red/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "安阳市北关区守信示范企业有限公司" in body and "公示中" in body
    clock.today = date(2026, 10, 11)
    assert lists.promote_due_entries(on=date(2026, 10, 10)).promoted == []
    with pytest.raises(DomainError, match="公示期至 2026-10-10"):
        lists.make_effective(actor=office, entry=entry, on=date(2026, 10, 10))
    result = lists.promote_due_entries(on=date(2026, 10, 11))
    assert result.promoted == [entry.pk]
    entry.refresh_from_db()
    assert entry.status == S.LISTED and entry.effective_from == date(2026, 10, 11)
    assert lists.promote_due_entries(on=date(2026, 10, 11)).promoted == []  # idempotent
    clock.today = date(2026, 10, 20)
    lists.remove_entry(
        actor=office, entry=entry, on=date(2026, 10, 20), reason="被列入经营异常名录"
    )
    assert "守信示范企业" not in client.get("/credit/lists/red/").content.decode()


def test_the_public_red_list_masks_a_persons_identifiers_in_the_reasons(office, client):
    from xinyong.subjects.services import get_or_create_subject

    person, _, _ = get_or_create_subject(
        actor=None, identifier="11010519491231002X", name="李秀英", kind="自然人"
    )
    lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("RED"),
        subject=person,
        basis_document="北政〔2026〕13号",
        reasons="李秀英（身份证11010519491231002X，电话13912345678）连续五年无偿献血。",
        on=date(2026, 9, 28),
    )
    body = client.get("/credit/lists/red/").content.decode()
    assert "连续五年无偿献血" in body
    for clear in ("李秀英", "11010519491231002X", "13912345678"):
        assert clear not in body
    assert "李**（身份证110105********002X，电话139****5678）" in body


def test_expired_entries_are_removed_by_the_job(office):
    subject = company("30000008", "安阳市北关区庚公司")
    entry = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("WATCH"),
        subject=subject,
        basis_document="D-1",
        reasons="未按期履行行政处罚决定",
        on=date(2026, 3, 2),
        ends_on=date(2026, 6, 30),
    )
    lists.make_effective(actor=office, entry=entry, on=date(2026, 3, 2))
    assert lists.active_entries(subject, date(2026, 6, 30)).count() == 1
    assert lists.active_entries(subject, date(2026, 7, 1)).count() == 0
    result = lists.promote_due_entries(on=date(2026, 7, 5))
    assert result.expired == [entry.pk]
    entry.refresh_from_db()
    assert entry.status == S.REMOVED and entry.removed_on == date(2026, 7, 1)


def test_list_share_counts_district_enterprises_and_government_bodies(office):
    listed = company("30000011", "安阳市北关区甲企业")
    company("30000012", "安阳市北关区乙企业")
    company("30000013", "安阳市北关区丙企业")
    company("30000014", "安阳市北关区丁企业")
    company("30000015", "安阳市文峰区企业", region="410502")  # not the district's
    gov = company("30000016", "安阳市北关区某局", category="11")
    court = lists.get_list_type("SX_BZXR")
    for subject in (listed, gov):
        e = ListEntry.objects.create(
            list_type=court,
            subject=subject,
            basis_document=f"（2026）豫0503执{subject.pk}号",
            reasons="拒不履行",
            status=S.LISTED,
            source=ListEntry.Source.UPSTREAM,
            effective_from=date(2026, 5, 1),
        )
    share = lists.list_share(date(2026, 6, 1))
    assert share["enterprises"] == 4
    assert share["listed_enterprises"] == 1
    assert share["share_percent"] == "25.000"
    assert share["government_bodies_on_sxbzxr"] == 1
    assert share["government_bodies"][0]["name"] == "安阳市北关区某局"
    court_row = next(r for r in share["by_type"] if r["code"] == "SX_BZXR")
    assert court_row == {**court_row, "subjects": 2, "enterprises": 1}
    before = lists.list_share(date(2026, 4, 30))
    assert before["listed_enterprises"] == 0 and before["government_bodies_on_sxbzxr"] == 0
    lists.remove_entry(actor=office, entry=e, on=date(2026, 6, 15), reason="已履行")
    assert lists.list_share(date(2026, 6, 15))["government_bodies_on_sxbzxr"] == 0


def test_notice_pdf_states_basis_measures_rights_and_deadline(hrss_reporter):
    subject = company("30000009", "安阳市北关区辛劳务有限公司")
    measure = (
        Measure.objects.filter(list_types__code="SX_WAGES", active=True).order_by("code").first()
    )
    assert measure is not None
    entry = _wages(hrss_reporter, subject)
    entry = lists.serve_notice(actor=hrss_reporter, entry=entry, served_on=date(2026, 9, 29))
    pdf = notices.notice_pdf(entry)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert "拟列入拖欠农民工工资失信联合惩戒对象名单事先告知书" in text
    assert "安阳市北关区辛劳务有限公司" in text
    assert "人社部令第45号".replace(" ", "") in text or "人力资源社会保障部令第45号" in text
    assert "拖欠农民工工资62万元" in text
    assert measure.name.replace(" ", "") in text
    assert "2026年10月19日" in text
    assert "陈述、申辩或异议" in text
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            desc = (
                descendants[0].get_object()["/FontDescriptor"]
                if descendants
                else font.get("/FontDescriptor")
            )
            desc = desc.get_object()
            if any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(desc["/FontName"]))
    assert any("CJK" in f or "Hei" in f or "Han" in f for f in fonts), fonts


def test_a_red_type_has_no_notice_pdf(office):
    subject = company("30000010", "安阳市北关区壬公司")
    entry = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("RED"),
        subject=subject,
        basis_document="E",
        reasons="诚信示范",
        on=date(2026, 9, 28),
    )
    with pytest.raises(DomainError, match="不适用列入前书面告知"):
        notices.notice_pdf(entry)


def test_the_scheduler_runs_the_list_job_daily(office):
    """Red entries take effect and expired entries come off without anyone typing
    `xinyong lists due`; the job runs before grades and the white-list re-check read the
    lists, and a second run the same day changes nothing."""
    from xinyong.core.jobs import daily_jobs

    subject = company("30000009", "安阳市北关区辛公司")
    entry = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("WATCH"),
        subject=subject,
        basis_document="D-2",
        reasons="未按期履行行政处罚决定",
        on=date(2026, 3, 2),
        ends_on=date(2026, 6, 30),
    )
    lists.make_effective(actor=office, entry=entry, on=date(2026, 3, 2))
    names = [job.name for job in daily_jobs()]
    assert names.index("sanctions.lists_due") < names.index("supervision.grades")
    assert names.index("sanctions.lists_due") < names.index("finance.whitelist_rescreen")
    job = next(j for j in daily_jobs() if j.name == "sanctions.lists_due")
    assert job.run() == "信用名单：红名单公示期满生效 0 条，有效期届满移出 1 条"
    entry.refresh_from_db()
    assert entry.status == S.REMOVED and entry.removed_on == date(2026, 7, 1)
    assert "有效期至 2026-06-30 届满" in entry.removal_reason
    assert job.run() == "信用名单：红名单公示期满生效 0 条，有效期届满移出 0 条"


def test_list_dates_are_read_like_every_other_date(office, clock):
    clock.today = date(2026, 9, 28)
    entry = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("RED"),
        subject=company("30000009", "安阳市北关区格式测试有限公司"),
        basis_document="北政〔2026〕14号",
        reasons="2025 年度区级诚信示范企业",
        on="2026年9月28日",
    )
    # Proposed 2026-09-28 (written 2026年9月28日): publicity 5 working days, to 2026-10-10.
    assert entry.publicity_until == date(2026, 10, 10)
    with pytest.raises(DomainError, match="拟列入日期 1999-12-31 早于 2000-01-01"):
        lists.propose_entry(
            actor=office,
            list_type=lists.get_list_type("RED"),
            subject=company("30000010", "安阳市北关区格式测试二有限公司"),
            basis_document="北政〔2026〕15号",
            reasons="2025 年度区级诚信示范企业",
            on="1999/12/31",
        )
