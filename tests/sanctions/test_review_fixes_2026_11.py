"""Review fixes of 2026-11 (issue 5, sanctions): a serious listing ends a red entry whose
removal was scheduled later; a 维持 objection never lets a listing predate the notice;
one bad red entry does not stop the daily list job; an entry never runs past its list's
legal term; a red-list type always publishes first; only the units a list type names
(and the credit office) designate on it."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps

from tests.sanctions.governance_helpers import company, entry, make_user, unit
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.rights.models import Objection
from xinyong.sanctions import checks, lists
from xinyong.sanctions.models import ListEntry, ListEntryChange, ListType

pytestmark = pytest.mark.django_db

S = ListEntry.Status
WAGE_REASONS = "拖欠农民工工资 62 万元，经责令限期支付逾期未支付"


def _wages(reporter, subject, document: str, on: date, **extra):
    return lists.propose_entry(
        actor=reporter,
        list_type=lists.get_list_type("SX_WAGES"),
        subject=subject,
        basis_document=document,
        reasons=WAGE_REASONS,
        on=on,
        designating_unit=unit("区人社局"),
        **extra,
    )


# ---------------------------------------------------------------- 1. red ends on a serious listing


def test_serious_listing_ends_a_red_entry_whose_removal_was_scheduled_later() -> None:
    hrss = make_user("hrss_rep_k", Role.REPORTER, "区人社局")
    subject = company("3000009E", "安阳市北关区红黑测试有限公司")
    red = entry(subject, "RED", effective_from=date(2026, 1, 5))
    lists.remove_entry(actor=None, entry=red, on=date(2026, 12, 31), reason="年度评定到期")
    black = _wages(hrss, subject, "北人社列字〔2026〕12号", date(2026, 9, 25))
    lists.serve_notice(actor=hrss, entry=black, served_on=date(2026, 9, 29))
    lists.make_effective(actor=hrss, entry=black, on=date(2026, 10, 20))
    check = checks.run_check(
        actor=make_user("fin_rep_k", Role.REPORTER, "区财政局"),
        unit=unit("区财政局"),
        subject=subject,
        matter="HONOUR",
        on=date(2026, 11, 2),
    )
    assert [m["code"] for m in check.snapshot["measures"] if m["kind"] == "incentive"] == []
    red.refresh_from_db()
    # Cut short to the day the serious entry took effect, with its history row.
    assert (red.status, red.removed_on) == (S.REMOVED, date(2026, 10, 20))
    assert red.removal_reason == "被列入严重失信主体名单：拖欠农民工工资失信联合惩戒对象名单"
    last = red.changes.order_by("id").last()
    assert (last.from_status, last.to_status, last.on) == (S.REMOVED, S.REMOVED, date(2026, 10, 20))


# ---------------------------------------------------------------- 2. notice before listing


def _kept_objection(subject, decided_on: date) -> Objection:
    return Objection.objects.create(
        subject=subject,
        channel="online",
        category=Objection.Category.WRONG,
        description="对拟列入有异议",
        applicant_name=subject.name,
        applicant_phone="13800000000",
        received_on=date(2026, 9, 30),
        status=Objection.Status.DECIDED,
        outcome=Objection.Outcome.KEPT,
        decided_on=decided_on,
    )


def test_kept_objection_does_not_let_listing_predate_the_notice() -> None:
    reporter = make_user("hrss_rep_b", Role.REPORTER, "区人社局")
    subject = company("30000095", "安阳市北关区测试劳务有限公司")
    e = _wages(reporter, subject, "北人社列字〔2026〕9号", date(2026, 9, 25))
    lists.serve_notice(actor=reporter, entry=e, served_on=date(2026, 9, 29))
    lists.link_objection(
        actor=reporter, entry=e, objection=_kept_objection(subject, date(2026, 10, 9))
    )
    with pytest.raises(DomainError) as refused:  # served 09-29: cannot be listed from 09-28
        lists.make_effective(actor=reporter, entry=e, on=date(2026, 9, 28))
    assert refused.value.message == (
        "生效日期不能早于书面告知书送达日期 2026-09-29（河南条例第二十八条：列入前书面告知）。"
    )
    # Nor before the objection was decided 维持: until then it was pending.
    with pytest.raises(DomainError) as refused:
        lists.make_effective(actor=reporter, entry=e, on=date(2026, 10, 8))
    assert refused.value.message == (
        "异议（维持）于 2026-10-09 决定，异议期届满前提前列入的生效日期不能早于该日。"
    )
    listed = lists.make_effective(actor=reporter, entry=e, on=date(2026, 10, 9))
    assert (listed.status, listed.effective_from) == (S.LISTED, date(2026, 10, 9))


# ---------------------------------------------------------------- 3. the daily job survives


def test_a_red_entry_must_end_after_its_publicity(clock) -> None:
    office = make_user("red_admin_c0", Role.CREDIT_ADMIN, "区发改委")
    clock.today = date(2026, 11, 2)
    with pytest.raises(DomainError) as refused:
        lists.propose_entry(
            actor=office,
            list_type=lists.get_list_type("RED"),
            subject=company("30000096", "安阳市北关区守信测试有限公司"),
            basis_document="北发改信〔2026〕7号",
            reasons="连续三年纳税信用A级",
            on=date(2026, 11, 2),
            ends_on=date(2026, 11, 4),
        )
    # Published 11-02, 5 working days: publicity runs to 11-09.
    assert refused.value.message == (
        "有效期至 2026-11-04 不晚于红名单公示截止日期 2026-11-09，"
        "公示期满生效后即已届满；请更正有效期。"
    )


def test_daily_job_survives_a_red_entry_ending_before_its_publicity(clock) -> None:
    clock.today = date(2026, 11, 10)
    # Stored before the proposal-time rule: publicity to 11-09, end 11-04.
    bad = ListEntry.objects.create(
        list_type=lists.get_list_type("RED"),
        subject=company("30000096", "安阳市北关区守信测试有限公司"),
        basis_document="北发改信〔2026〕7号",
        reasons="连续三年纳税信用A级",
        status=S.PUBLICISING,
        publicity_from=date(2026, 11, 2),
        publicity_until=date(2026, 11, 9),
        ends_on=date(2026, 11, 4),
    )
    expired = entry(
        company("30000097", "安阳市北关区期满测试有限公司"),
        "SX_BZXR",
        effective_from=date(2025, 1, 6),
        ends_on=date(2026, 11, 5),
    )
    result = lists.promote_due_entries(on=date(2026, 11, 10))
    expired.refresh_from_db()
    bad.refresh_from_db()
    assert expired.status == S.REMOVED
    assert bad.status == S.PUBLICISING
    assert result.held == [(bad.pk, "条目的有效期至早于生效日期，请先更正有效期。")]
    assert "暂不生效 1 条" in lists.run_due_job()


# ---------------------------------------------------------------- 7. the legal term


def test_an_entry_cannot_run_past_the_types_legal_term() -> None:
    reporter = make_user("hrss_rep_i", Role.REPORTER, "区人社局")
    subject = company("3000009C", "安阳市北关区超期测试有限公司")
    with pytest.raises(DomainError) as refused:
        _wages(
            reporter,
            subject,
            "北人社列字〔2026〕11号",
            date(2026, 9, 25),
            ends_on=date(2036, 9, 24),
        )
    assert refused.value.message == (
        "有效期至 2036-09-24 超过“拖欠农民工工资失信联合惩戒对象名单”的列入期限 36 个月"
        "（自 2026-09-25 起至 2029-09-24 止）；依据：《保障农民工工资支付条例》第四十八条；"
        "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》（人力资源社会保障部令第45号，"
        "2021年11月1日起施行）。"
    )
    # The last day of the term itself is accepted.
    e = _wages(
        reporter, subject, "北人社列字〔2026〕11号", date(2026, 9, 25), ends_on=date(2029, 9, 24)
    )
    assert e.ends_on == date(2029, 9, 24)


def test_an_earlier_proposal_past_the_term_cannot_take_effect() -> None:
    """A proposal stored before the rule with an end past the term (人社部令第45号: 3 年)
    is refused at make_effective with the same reason, not listed for ten years."""
    reporter = make_user("hrss_rep_l", Role.REPORTER, "区人社局")
    e = ListEntry.objects.create(
        list_type=lists.get_list_type("SX_WAGES"),
        subject=company("3000009D", "安阳市北关区期限测试有限公司"),
        basis_document="北人社列字〔2026〕13号",
        reasons=WAGE_REASONS,
        designating_unit=unit("区人社局"),
        status=S.PROPOSED,
        notice_served_on=date(2026, 9, 28),
        objection_deadline=date(2026, 10, 13),
        ends_on=date(2036, 9, 24),
    )
    ListEntryChange.objects.create(entry=e, to_status=S.PROPOSED, on=date(2026, 9, 25))
    with pytest.raises(DomainError) as refused:
        lists.make_effective(actor=reporter, entry=e, on=date(2026, 10, 20))
    assert refused.value.message.startswith(
        "有效期至 2036-09-24 超过“拖欠农民工工资失信联合惩戒对象名单”的列入期限 36 个月"
        "（自 2026-10-20 起至 2029-10-19 止）；依据："
    )


def test_the_entry_form_refuses_an_end_past_the_term(client) -> None:
    reporter = make_user("hrss_rep_m", Role.REPORTER, "区人社局")
    client.force_login(reporter)
    subject = company("3000009F", "安阳市北关区表单超期有限公司")
    response = client.post(
        "/workspace/sanctions/lists/new/",
        {
            "list_type": lists.get_list_type("SX_WAGES").pk,
            "subject": subject.identifier,
            "basis_document": "北人社列字〔2026〕14号",
            "reasons": WAGE_REASONS,
            "on": "2026-09-25",
            "ends_on": "2030-01-01",
        },
    )
    assert response.status_code == 200
    assert "超过“拖欠农民工工资失信联合惩戒对象名单”的列入期限 36 个月" in response.content.decode()
    assert not ListEntry.objects.filter(subject=subject).exists()


# ---------------------------------------------------------------- 8. red publishes first


def test_red_entry_never_takes_effect_without_publicity(clock) -> None:
    clock.today = date(2026, 11, 2)
    office = make_user("red_admin_j", Role.CREDIT_ADMIN, "区发改委")
    with pytest.raises(DomainError) as refused:
        lists.update_list_type(
            actor=office, list_type=lists.get_list_type("RED"), publish_before_effect=False
        )
    assert refused.value.message == (
        "由本区认定的红名单生效前必须先行公示（河南条例第二十八条）："
        "请勾选“生效前先行公示（红名单）”，或认定机关在本区之外时取消“本区可认定”。"
    )
    assert lists.get_list_type("RED").publish_before_effect is True


# ---------------------------------------------------------------- 9. who designates on a type


def test_a_unit_cannot_designate_on_another_authoritys_list() -> None:
    fin = make_user("fin_rep_f", Role.REPORTER, "区财政局")
    with pytest.raises(NotPermitted) as refused:
        lists.propose_entry(
            actor=fin,
            list_type=lists.get_list_type("SX_TAX"),
            subject=company("3000009B", "安阳市北关区越权测试有限公司"),
            basis_document="北财〔2026〕1号",
            reasons="偷税 120 万元，占应纳税额 15%",
            on=date(2026, 9, 25),
        )
    assert refused.value.message == (
        "“重大税收违法失信主体名单”由区税务局认定，区财政局不能在该名单中提出列入或使其生效"
        "（认定失信须由认定机关作出具法律效力的文书）。"
    )
    assert not ListEntry.objects.filter(basis_document="北财〔2026〕1号").exists()


def test_list_types_name_their_designating_units() -> None:
    def names(code: str) -> list[str]:
        return sorted(u.name for u in lists.get_list_type(code).designating_units.all())

    assert names("SX_TAX") == ["区税务局"]
    assert names("SX_WAGES") == ["区人社局"]
    assert names("SX_SAMR") == ["区市场监管局"]
    assert names("ABNORMAL") == ["区市场监管局"]
    # Designated outside the district: entries by import only.
    assert names("SX_BZXR") == []
    assert "区财政局" in names("WATCH") and "区税务局" in names("RED")


def test_the_designating_unit_and_the_credit_office_may_propose() -> None:
    subject = company("300000A1", "安阳市北关区税务认定测试有限公司")
    tax = make_user("tax_rep_n", Role.REPORTER, "区税务局")
    e = lists.propose_entry(
        actor=tax,
        list_type=lists.get_list_type("SX_TAX"),
        subject=subject,
        basis_document="北税稽罚〔2026〕3号",
        reasons="偷税 120 万元，占应纳税额 15%",
        on=date(2026, 9, 25),
    )
    assert e.designating_unit == unit("区税务局")
    office = make_user("tax_admin_n", Role.CREDIT_ADMIN, "区发改委")
    by_office = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("SX_TAX"),
        subject=subject,
        basis_document="北税稽罚〔2026〕4号",
        reasons="偷税 120 万元，占应纳税额 15%",
        on=date(2026, 9, 25),
    )
    assert by_office.designating_unit == unit("区发改委")
    # The office may record the authority that designated; not an unrelated unit.
    with pytest.raises(NotPermitted):
        lists.propose_entry(
            actor=office,
            list_type=lists.get_list_type("SX_TAX"),
            subject=subject,
            basis_document="北税稽罚〔2026〕5号",
            reasons="偷税 120 万元，占应纳税额 15%",
            on=date(2026, 9, 25),
            designating_unit=unit("区财政局"),
        )


def test_an_earlier_proposal_by_another_unit_cannot_take_effect() -> None:
    fin = make_user("fin_rep_o", Role.REPORTER, "区财政局")
    subject = company("300000A2", "安阳市北关区早先越权有限公司")
    # Proposed before the rule (as stored then).
    e = ListEntry.objects.create(
        list_type=lists.get_list_type("SX_TAX"),
        subject=subject,
        basis_document="北财〔2026〕2号",
        reasons="偷税 120 万元，占应纳税额 15%",
        designating_unit=unit("区财政局"),
        status=S.PROPOSED,
        notice_served_on=date(2026, 9, 28),
        objection_deadline=date(2026, 10, 13),
    )
    ListEntryChange.objects.create(entry=e, to_status=S.PROPOSED, on=date(2026, 9, 25))
    with pytest.raises(DomainError) as refused:
        lists.make_effective(actor=fin, entry=e, on=date(2026, 10, 20))
    assert refused.value.message == (
        "“重大税收违法失信主体名单”由区税务局认定，区财政局不能在该名单中提出列入或使其生效"
        "（认定失信须由认定机关作出具法律效力的文书）。"
    )


def test_designating_units_are_edited_through_the_service() -> None:
    office = make_user("unit_admin_p", Role.CREDIT_ADMIN, "区发改委")
    lt = lists.update_list_type(
        actor=office,
        list_type=lists.get_list_type("SX_TAX"),
        designating_units=["区税务局", "区财政局"],
    )
    assert sorted(u.name for u in lt.designating_units.all()) == ["区税务局", "区财政局"]
    with pytest.raises(DomainError) as refused:
        lists.update_list_type(
            actor=office, list_type=lists.get_list_type("SX_BZXR"), designating_units=["区法院"]
        )
    assert refused.value.message == (
        "“本区可认定”未勾选的名单由本区以外的机关认定，条目只能随上级推送导入或由信用办办理，"
        "不能指定本区认定单位。"
    )


def _admin_payload(lt, **overrides):
    data = {
        "code": lt.code,
        "name": lt.name,
        "kind": lt.kind,
        "field": lt.field,
        "legal_basis": lt.legal_basis,
        "designating_authority": lt.designating_authority,
        "designating_units": [str(u.pk) for u in lt.designating_units.all()],
        "entry_criteria": lt.entry_criteria,
        "exit_criteria": lt.exit_criteria,
        "default_duration_months": lt.default_duration_months or "",
        "notice_objection_workdays": lt.notice_objection_workdays,
        "publicity_workdays": lt.publicity_workdays,
        "record_type": lt.record_type_id or "",
    }
    for flag in ("locally_designable", "requires_prior_notice", "publish_before_effect", "active"):
        if getattr(lt, flag):
            data[flag] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_admin_edits_designating_units_through_the_service(client) -> None:
    office = make_user("unit_admin_q", Role.CREDIT_ADMIN, "区发改委")
    office.is_staff = office.is_superuser = True
    office.save()
    client.force_login(office)
    lt = lists.get_list_type("SX_TAX")
    url = f"/admin/sanctions/listtype/{lt.pk}/change/"
    both = [str(unit("区税务局").pk), str(unit("区财政局").pk)]
    response = client.post(url, _admin_payload(lt, designating_units=both))
    assert response.status_code == 302
    assert sorted(u.name for u in lt.designating_units.all()) == ["区税务局", "区财政局"]
    logged = Event.objects.filter(action="sanctions.list_type_update", target_id=str(lt.pk)).get()
    assert logged.new_values["designating_units"] == ["区税务局", "区财政局"]
    # The red list cannot drop its publicity here either.
    red = lists.get_list_type("RED")
    payload = _admin_payload(red)
    payload.pop("publish_before_effect")
    response = client.post(f"/admin/sanctions/listtype/{red.pk}/change/", payload)
    assert response.status_code == 200
    assert "由本区认定的红名单生效前必须先行公示" in response.content.decode()
    assert lists.get_list_type("RED").publish_before_effect is True


def test_the_migration_gives_existing_types_their_units() -> None:
    migration = importlib.import_module(
        "xinyong.sanctions.migrations.0007_listtype_designating_units"
    )
    for lt in ListType.objects.all():
        lt.designating_units.clear()
    ListType.objects.filter(code="RED").update(publish_before_effect=False)
    migration.fill(django_apps, None)

    def names(code: str) -> list[str]:
        return sorted(u.name for u in ListType.objects.get(code=code).designating_units.all())

    assert names("SX_TAX") == ["区税务局"]
    assert names("ABNORMAL") == ["区市场监管局"]
    assert names("SX_BZXR") == []
    assert len(names("WATCH")) == unit("区财政局").groups.get(name="区政府各部门").members.count()
    assert ListType.objects.get(code="RED").publish_before_effect is True


def test_the_proposal_form_offers_only_the_units_own_types(client) -> None:
    client.force_login(make_user("tax_rep_r", Role.REPORTER, "区税务局"))
    page = client.get("/workspace/sanctions/lists/new/").content.decode()
    assert "重大税收违法失信主体名单" in page
    assert "拖欠农民工工资失信联合惩戒对象名单" not in page
    assert "失信被执行人名单" not in page
