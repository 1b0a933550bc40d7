"""Defects a review found in personnel files and 诚信典型, each pinned with the demo's
concrete values: the 诚信典型 check reads every file held under the ID number and the
nominee unit's open 政务诚信 findings; the credit office withdraws an honour and
nominates; a public servant's unit and post change (page, API, import); page refusals
are logged; implausible dates are refused; import errors name their column."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.event_labels import ACTION_LABELS
from xinyong.core.models import Event, ReadLog
from xinyong.personnel import selectors, services
from xinyong.personnel.models import FileCategory, FileItem, Nomination, Person

from .conftest import LI, WANG, make_user, unit

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 26)
CHECK_PURPOSE = "诚信典型评选核查"


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def today(monkeypatch):
    """The project clock (Asia/Shanghai) pinned to 2026-11-26: the assessment rule
    depends on whether a year has ended."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY


def nominate_wang(users, honour_kinds, *, year=2025, on=date(2025, 12, 1)):
    return services.nominate(
        actor=users["zzb"],
        kind=honour_kinds["excellent_worker"],
        year=year,
        person_id_number=WANG,
        person_name="王建国",
        deeds="牵头建成信用分级分类监管系统。",
        on=on,
    )


def select(users, n, on=date(2025, 12, 26)):
    return services.decide_nomination(
        actor=users["admin"], nomination=n, selected=True, document="北信用办〔2025〕9号", on=on
    )


# ---------------------------------------------------------------- 1. every file of the person


def test_honour_check_reads_every_file_under_the_id_number(users, wang, honour_kinds):
    wjw = users["wjw_reporter"]
    medical = services.register_person(
        actor=wjw,
        category=FileCategory.objects.get(code="medical"),
        name="王建国",
        id_number=WANG,
        employer="安阳市北关区人民医院",
        post="兼职医师",
    )
    penalty = services.add_item(
        actor=wjw,
        person=medical,
        item=services.ItemInput(
            kind="一般失信",
            title="超范围执业被警告",
            source="行政处罚",
            issuer="安阳市北关区卫生健康委员会",
            document_number="北卫医罚〔2025〕3号",
            document_date=date(2025, 8, 1),
        ),
    )
    assert selectors.dishonesty_within(wang, on=date(2025, 12, 26), years=3) == 1
    n = nominate_wang(users, honour_kinds)
    with pytest.raises(DomainError, match="近 3 年内有 1 项计入的一般失信事项"):
        select(users, n)
    n.refresh_from_db()
    assert n.status == Nomination.Status.NOMINATED
    assert not selectors.public_honours(2025).exists()
    consulted = ReadLog.objects.filter(purpose__startswith=CHECK_PURPOSE)
    assert sorted(consulted.values_list("subject_id", flat=True)) == sorted(
        [str(wang.pk), str(medical.pk)]
    )
    # Revoked in the other file: it no longer counts, the selection goes through.
    services.revoke_item(
        actor=wjw, item=penalty, reason="处罚决定经复议撤销。", on=date(2025, 10, 9)
    )
    assert select(users, n).status == Nomination.Status.SELECTED


# ---------------------------------------------------------------- 2. unit nominees


def _broken_street_commitment(admin):
    from xinyong.integrity import services as integrity
    from xinyong.integrity.models import GovernmentBody

    street = GovernmentBody.objects.get(unit__name="红旗路街道", kind="organ")
    c = integrity.record_commitment(
        actor=admin,
        body=street,
        kind="contract",
        title="老旧小区改造配套工程补助款",
        content="改造完工验收后 60 日内拨付配套补助款 35 万元。",
        counterparty="安阳市北关区红旗路物业服务有限公司",
        document_ref="红政协〔2024〕12号",
        made_on=date(2024, 5, 10),
        due_on=date(2026, 2, 28),
    )
    return integrity.assess_commitment(
        actor=admin,
        commitment=c,
        status="broken",
        note="经核实，街道以领导调整为由未拨付，认定违约。",
        on=date(2026, 5, 6),
        new_official=True,
    )


def test_community_of_street_with_open_severe_finding_cannot_be_selected(users, honour_kinds):
    from xinyong.integrity import services as integrity
    from xinyong.integrity.models import Alert, IntegrityCase

    admin = users["admin"]
    commitment = _broken_street_commitment(admin)
    n = services.nominate(
        actor=users["zzb"],
        kind=honour_kinds["model_community"],
        year=2026,
        unit="红旗路街道",
        community="健康路社区",
        deeds="社区诚信宣传全覆盖。",
        on=date(2026, 4, 1),
    )
    with pytest.raises(DomainError) as refused:
        select(users, n, on=date(2026, 6, 10))
    message = refused.value.message
    assert "红旗路街道" in message and "新官不理旧账" in message
    assert "不能评为诚信典型" in message and "2026-05-06" in message
    n.refresh_from_db()
    assert n.status == Nomination.Status.NOMINATED
    assert not selectors.public_honours(2026).exists()

    # Both the alert and the 履约督办 case must be gone before the street qualifies.
    alert = Alert.objects.get(key=f"broken:{commitment.pk}")
    integrity.resolve_alert(
        actor=admin, alert=alert, resolution="补助款已拨付。", on=date(2026, 6, 15)
    )
    with pytest.raises(DomainError, match="履约督办"):
        select(users, n, on=date(2026, 6, 20))
    case = IntegrityCase.objects.get(commitment=commitment)
    integrity.add_step(
        actor=admin, case=case, kind="close", on=date(2026, 6, 16), note="补助款已全额拨付。"
    )
    assert select(users, n, on=date(2026, 6, 20)).status == Nomination.Status.SELECTED


def test_findings_are_judged_as_of_the_selection_day(users, honour_kinds):
    _broken_street_commitment(users["admin"])
    n = services.nominate(
        actor=users["zzb"],
        kind=honour_kinds["model_community"],
        year=2025,
        unit="红旗路街道",
        community="健康路社区",
        deeds="社区诚信宣传全覆盖。",
        on=date(2025, 12, 10),
    )
    # The demo's 2025 selection: the finding of 2026-05-06 did not exist yet.
    assert select(users, n, on=date(2025, 12, 26)).status == Nomination.Status.SELECTED


def test_organ_with_acknowledged_arrears_alert_cannot_be_selected(users, honour_kinds):
    from xinyong.integrity import services as integrity
    from xinyong.integrity.models import Alert, GovernmentBody

    admin = users["admin"]
    body = GovernmentBody.objects.get(unit__name="区税务局", kind="organ")
    case = integrity.register_arrears(
        actor=admin,
        body=body,
        creditor_name="安阳市北关区宏达印务有限公司",
        creditor_kind="sme",
        project="2025 年票据印制服务",
        amount_wan="12.50",
        due_on=date(2026, 3, 31),
        registered_on=date(2026, 5, 8),
    )
    alert = Alert.objects.get(key=f"arrears:{case.pk}")
    integrity.acknowledge_alert(
        actor=admin, alert=alert, response="已制定清偿计划。", on=date(2026, 5, 9)
    )
    n = services.nominate(
        actor=admin,
        kind=honour_kinds["model_organ"],
        year=2026,
        unit="区税务局",
        deeds="政务服务“好差评”好评率 100%。",
        on=date(2026, 5, 20),
    )
    with pytest.raises(DomainError, match=r"区税务局.*警示.*拖欠"):
        select(users, n, on=date(2026, 6, 1))


# ---------------------------------------------------------------- 3. withdrawal


def test_credit_office_withdraws_a_selected_honour(users, wang, honour_kinds):
    admin = users["admin"]
    n = select(users, nominate_wang(users, honour_kinds))
    assert selectors.public_honours(2025).count() == 1
    with pytest.raises(NotPermitted, match="只有信用办"):
        services.withdraw_honour(actor=users["zzb"], nomination=n, reason="x")
    with pytest.raises(DomainError, match="请填写撤销理由"):
        services.withdraw_honour(actor=admin, nomination=n, reason=" ")
    with pytest.raises(DomainError, match="不能早于评选日期"):
        services.withdraw_honour(actor=admin, nomination=n, reason="x", on=date(2025, 12, 1))
    done = services.withdraw_honour(
        actor=admin,
        nomination=n,
        reason="本人受到党纪处分，撤销其诚信优秀工作者称号。",
        on=date(2026, 3, 2),
    )
    assert done.status == Nomination.Status.WITHDRAWN
    assert done.get_status_display() == "已撤销"
    assert done.withdrawn_on == date(2026, 3, 2) and done.withdrawn_by == admin
    assert done.withdrawal_reason == "本人受到党纪处分，撤销其诚信优秀工作者称号。"
    assert not selectors.public_honours(2025).exists() and selectors.honour_years() == []
    event = Event.objects.get(action="personnel.honour.withdraw")
    assert event.old_values["status"] == "selected"
    assert event.new_values["status"] == "withdrawn"
    assert event.new_values["withdrawal_reason"].startswith("本人受到党纪处分")
    assert ACTION_LABELS["personnel.honour.withdraw"] == "撤销诚信典型称号"
    with pytest.raises(DomainError, match="只能撤销已评选"):
        services.withdraw_honour(actor=admin, nomination=done, reason="再次")


def test_withdrawal_api_and_page(client, users, wang, honour_kinds):
    n = select(users, nominate_wang(users, honour_kinds))
    url = f"/api/v1/personnel/nominations/{n.pk}/withdraw/"
    assert api(users["zzb"]).post(url, {"reason": "x"}, format="json").status_code == 403
    assert api(users["admin"]).post(url, {}, format="json").status_code == 400
    ok = api(users["admin"]).post(url, {"reason": "事迹材料失实。"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "withdrawn"
    assert ok.json()["status_label"] == "已撤销"
    assert api().get("/api/v1/personnel/honours/", {"year": 2025}).json()["count"] == 0
    missing = api(users["admin"]).post(
        "/api/v1/personnel/nominations/999999/withdraw/", {"reason": "x"}, format="json"
    )
    assert missing.status_code == 404

    # The workspace page where decisions are made offers the withdrawal.
    other = services.nominate(
        actor=users["zzb"],
        kind=honour_kinds["model_organ"],
        year=2025,
        unit="区税务局",
        deeds="承诺事项按期办结率 100%。",
        on=date(2025, 12, 10),
    )
    select(users, other)
    client.force_login(users["admin"])
    page = client.get(reverse("personnel:honours")).content.decode()
    assert 'value="withdraw"' in page and "撤销称号" in page
    response = client.post(
        reverse("personnel:honours"),
        {"action": "withdraw", "nomination": other.pk, "reason": "年度考评发现失信问题。"},
        follow=True,
    )
    assert "已撤销该诚信典型称号" in response.content.decode()
    other.refresh_from_db()
    assert other.status == Nomination.Status.WITHDRAWN
    assert "年度考评发现失信问题。" in response.content.decode()
    public = client.get(reverse("personnel:public-honours")).content.decode()
    assert "区税务局" not in public
    client.force_login(users["zzb"])
    client.post(
        reverse("personnel:honours"),
        {"action": "withdraw", "nomination": n.pk, "reason": "x"},
    )
    assert Event.objects.filter(action="personnel.honour.withdraw").count() == 2


# ---------------------------------------------------------------- 4. the credit office nominates


def test_credit_office_nominates_any_unit(client, users, honour_kinds):
    n = services.nominate(
        actor=users["admin"],
        kind=honour_kinds["model_organ"],
        year=2026,
        unit="区税务局",
        deeds="全面落实政务服务“好差评”。",
        on=date(2026, 5, 20),
    )
    assert n.nominated_by_unit.name == "区发改委" and n.unit is not None
    assert n.unit.name == "区税务局"
    # A superuser without a unit nominates in the name of the credit office's unit.
    root = make_user("t_root", "reporter", None, is_superuser=True)
    m = services.nominate(
        actor=root,
        kind=honour_kinds["model_community"],
        year=2026,
        unit="红旗路街道",
        community="健康路社区",
        deeds="社区诚信宣传全覆盖。",
        on=date(2026, 5, 20),
    )
    assert m.nominated_by_unit.is_credit_office
    created = api(users["admin"]).post(
        "/api/v1/personnel/nominations/",
        {"kind": "model_organ", "year": 2026, "unit": "区教育局", "deeds": "诚信承诺全覆盖。"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["nominee"] == "区教育局"


# ---------------------------------------------------------------- 5. transfer


def test_keeper_changes_unit_and_post_and_access_follows(users, wang):
    zzb = users["zzb"]
    fgw_leader = make_user("t_fgw_leader", "unit_leader", "区发改委")
    with pytest.raises(NotPermitted, match="无权维护"):
        services.change_post(actor=users["scj_leader"], person=wang, unit="区发改委", post="x")
    with pytest.raises(DomainError, match="请填写所在单位"):
        services.change_post(actor=zzb, person=wang, unit="", post="信用监管科科长")
    with pytest.raises(DomainError, match="所在单位和职务均未变化"):
        services.change_post(actor=zzb, person=wang, unit="区市场局", post="信用监管科科长")
    moved = services.change_post(
        actor=zzb, person=wang, unit="区发改委", post="信用建设股股长", on=date(2026, 9, 1)
    )
    assert moved.unit == unit("区发改委") and moved.post == "信用建设股股长"
    # The event names what changed, not the values (the credit office reads the log).
    event = Event.objects.get(action="personnel.person.transfer")
    assert event.old_values is None
    assert event.new_values == {"on": "2026-09-01", "change": "所在单位、职务"}
    assert ACTION_LABELS["personnel.person.transfer"] == "变更所在单位或职务"
    # 本单位领导 follows the person: the old unit's leader no longer reads the file.
    wang.refresh_from_db()
    with pytest.raises(NotPermitted):
        services.open_file(reader=users["scj_leader"], person=wang, purpose="年度考核")
    view = services.open_file(reader=fgw_leader, person=wang, purpose="年度考核")
    assert view["person"]["unit"] == "区发改委"


def test_practitioner_transfer_changes_employer(users, lawyer_file):
    with pytest.raises(NotPermitted):
        services.change_post(
            actor=users["zzb"], person=lawyer_file, employer="河南正义律师事务所", post="合伙人"
        )
    done = services.change_post(
        actor=users["sfj_reviewer"],
        person=lawyer_file,
        employer="河南正义律师事务所",
        post="合伙人",
    )
    assert done.employer == "河南正义律师事务所" and done.unit is None
    assert Event.objects.get(action="personnel.person.transfer").new_values["change"] == (
        "执业机构、职务"
    )


def test_transfer_api_and_page(client, users, wang):
    url = f"/api/v1/personnel/persons/{wang.pk}/transfer/"
    refused = api(users["scj_leader"]).post(url, {"unit": "区发改委"}, format="json")
    assert refused.status_code == 403
    ok = api(users["zzb"]).post(url, {"unit": "区发改委", "post": "副局长"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["unit"] == "区发改委" and ok.json()["post"] == "副局长"
    assert WANG not in json.dumps(ok.json())
    assert (
        api(users["zzb"])
        .post("/api/v1/personnel/persons/999999/transfer/", {"post": "x"}, format="json")
        .status_code
        == 404
    )

    client.force_login(users["zzb"])
    file_url = reverse("personnel:file", args=[wang.pk])
    client.post(file_url, {"action": "open", "purpose": "干部选拔任用考察"})
    page = client.get(file_url).content.decode()
    assert 'value="transfer"' in page and "变更所在单位" in page
    response = client.post(
        file_url,
        {"action": "transfer", "unit": unit("区住建局").pk, "post": "办公室主任"},
        follow=True,
    )
    assert "已变更所在单位/职务" in response.content.decode()
    wang.refresh_from_db()
    assert wang.unit == unit("区住建局") and wang.post == "办公室主任"


def test_import_updates_unit_and_post_of_an_existing_person(users, wang, tmp_path, capsys):
    path = tmp_path / "transfer.csv"
    path.write_text(
        "档案类别,姓名,身份证号码,所在单位,职务,事项类别,事项,作出机关,文书号,文书日期\n"
        f"公务员,王建国,{WANG},区发改委,副局长,表彰奖励,先进个人,区委,北文〔2026〕3号,2026-03-01\n"
        f"公务员,王建国,{WANG},区发改委,,表彰奖励,优秀党员,区委,北文〔2026〕4号,2026-06-30\n",
        encoding="utf-8",
    )
    call_command("personnel", "import", str(path), "--as", "t_zzb")
    text = capsys.readouterr().out
    assert "已导入 2 条档案事项（新建档 0 人，变更单位/职务 1 人）" in text
    assert (
        "王**（410503********1217）：所在单位 区市场监管局 → 区发改委；职务 信用监管科科长 → 副局长"
        in text
    )
    wang.refresh_from_db()
    assert wang.unit == unit("区发改委") and wang.post == "副局长"
    event = Event.objects.get(action="personnel.import")
    assert event.new_values["transfers"] == [
        {"person": wang.pk, "row": 2, "change": "所在单位、职务"}
    ]


def test_import_json_reports_updates_and_refuses_conflicting_rows(users, wang, tmp_path, capsys):
    path = tmp_path / "transfer.csv"
    path.write_text(
        "档案类别,姓名,身份证号码,所在单位,职务,事项类别,事项,作出机关,文书号,文书日期\n"
        f"公务员,王建国,{WANG},区发改委,副局长,表彰奖励,先进个人,区委,北文〔2026〕3号,2026-03-01\n",
        encoding="utf-8",
    )
    call_command("personnel", "import", str(path), "--as", "t_zzb", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["persons_updated"] == 1 and data["items_created"] == 1
    assert data["changes"] == [
        "第 2 行 王**（410503********1217）：所在单位 区市场监管局 → 区发改委；"
        "职务 信用监管科科长 → 副局长"
    ]
    bad = tmp_path / "conflict.csv"
    bad.write_text(
        "档案类别,姓名,身份证号码,所在单位,事项类别,事项,作出机关,文书号,文书日期\n"
        f"公务员,王建国,{WANG},区住建局,表彰奖励,先进个人,区委,北文〔2026〕5号,2026-03-01\n"
        f"公务员,王建国,{WANG},区教育局,表彰奖励,优秀党员,区委,北文〔2026〕6号,2026-06-30\n",
        encoding="utf-8",
    )
    outcome = services.import_items(actor=users["zzb"], path=bad)
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "所在单位")]
    assert "同一人员在文件中对应不同的所在单位" in outcome.errors[0].message
    wang.refresh_from_db()
    assert wang.unit == unit("区发改委")


# ---------------------------------------------------------------- 6. page refusals logged


@pytest.mark.parametrize("who", ["admin", "bank"])
def test_file_page_refusal_is_logged_for_every_role(client, users, wang, who):
    client.force_login(users[who])
    response = client.get(reverse("personnel:file", args=[wang.pk]))
    assert response.status_code == 403
    event = Event.objects.get(action="personnel.file.refused", actor=users[who])
    assert event.target_id == str(wang.pk) and event.target_repr == wang.masked_repr
    assert event.new_values["role"] == users[who].role
    # A file that does not exist: the same 403, no hint whether it exists, still logged.
    assert client.get(reverse("personnel:file", args=[999999])).status_code == 403
    assert Event.objects.filter(action="personnel.file.refused", actor=users[who]).count() == 2
    assert client.get(reverse("personnel:list")).status_code == 403
    assert Event.objects.filter(action="personnel.file.refused", actor=users[who]).count() == 3


# ---------------------------------------------------------------- 7. dates


def test_implausible_item_dates_are_refused(users, wang, today):
    zzb = users["zzb"]

    def add(**values):
        base = {"issuer": "中共北关区委", "document_number": "北文〔2025〕1号"}
        return services.add_item(actor=zzb, person=wang, item=services.ItemInput(**base, **values))

    with pytest.raises(DomainError, match="文书日期 0001-01-01 早于 2000-01-01"):
        add(kind="一般失信", title="诫勉谈话", source="纪律处分", document_date=date(1, 1, 1))
    with pytest.raises(DomainError, match="文书日期 2026-11-27 晚于今天"):
        add(kind="表彰奖励", title="先进个人", document_date=date(2026, 11, 27))
    with pytest.raises(DomainError, match="2010年度考核的文书日期 2005-01-01 早于该年度开始"):
        add(kind="年度考核", year=2010, grade="优秀", document_date=date(2005, 1, 1))
    with pytest.raises(DomainError, match="2026年度尚未结束"):
        add(kind="年度考核", year=2026, grade="优秀", document_date=date(2026, 11, 20))
    with pytest.raises(DomainError, match="免责认定日期 0001-01-01 早于 2000-01-01"):
        services.clean_exemption("good_faith", "区纪委", "北纪容〔2025〕3号", date(1, 1, 1), "r")
    # The API reads "0001-01-01" as a date: refused there too, with the reason.
    payload = {
        "person": wang.pk,
        "kind": "dishonesty",
        "title": "诫勉谈话",
        "dishonesty_source": "纪律处分",
        "issuer": "中共北关区纪律检查委员会",
        "document_number": "北纪诫〔2025〕7号",
        "document_date": "0001-01-01",
    }
    refused = api(zzb).post("/api/v1/personnel/items/", payload, format="json")
    assert refused.status_code == 400 and "早于 2000-01-01" in refused.json()["detail"]
    # Issued in the year itself and recorded after it ended: accepted.
    ok = add(kind="年度考核", year=2023, grade="称职", document_date=date(2023, 12, 28))
    assert ok.year == 2023 and ok.document_date == date(2023, 12, 28)
    assert selectors.summarise(wang.items.all()).score == 104  # 称职 adds nothing
    assert not FileItem.objects.filter(year__in=(2010, 2026)).exists()


def test_assessment_of_an_ended_year_is_accepted_on_new_years_day(users, wang, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 1))
    item = services.add_item(
        actor=users["zzb"],
        person=wang,
        item=services.ItemInput(
            kind="年度考核",
            year=2026,
            grade="优秀",
            issuer="安阳市北关区市场监督管理局",
            document_number="北市监人〔2027〕1号",
            document_date=date(2026, 12, 30),
        ),
    )
    assert item.year == 2026


# ---------------------------------------------------------------- 8. import error columns


def test_import_errors_name_the_column_as_written(users, wang, tmp_path, today):
    path = tmp_path / "bad.csv"
    path.write_text(
        "档案类别,姓名,*身份证号码,所在单位,事项类别,事项,考核年度,考核等次,作出机关,文书号,"
        "文书 日期,免责情形\n"
        f"公务员,李红梅,{LI},区住建局,年度考核,,2025,良好,区住建局,北住建人〔2026〕2号,2026-01-22,\n"
        "公务员,张三,123,区住建局,表彰奖励,先进,,,区委,北文〔2025〕1号,2025-01-01,\n"
        f"教师,李红梅,{LI},区住建局,表彰奖励,先进,,,区委,北文〔2025〕1号,2025-01-01,\n"
        f"公务员,李红梅,{LI},区住建局,表彰奖励,先进,,,区委,北文〔2025〕2号,2025-13-01,\n"
        f"公务员,李红梅,{LI},区住建局,表彰奖励,先进,,,区委,北文〔2025〕3号,2025-01-01,不可抗力\n"
        f"公务员,王建设,{WANG},区住建局,表彰奖励,先进,,,区委,北文〔2025〕4号,2025-01-01,\n"
        f"公务员,李红梅,{LI},区住建局,年度考核,,2026,优秀,区住建局,北住建人〔2026〕3号,2026-11-20,\n"
        f"公务员,李红梅,{LI},区住建局,表彰奖励,,,,区委,北文〔2025〕5号,2025-01-01,\n",
        encoding="utf-8",
    )
    outcome = services.import_items(actor=users["zzb"], path=path)
    assert [(e.row, e.column) for e in outcome.errors] == [
        (2, "考核等次"),
        (3, "*身份证号码"),
        (4, "档案类别"),
        (5, "文书 日期"),
        (6, "免责情形"),
        (7, "姓名"),
        (8, "考核年度"),
        (9, "事项"),
    ]
    assert "2026年度尚未结束" in outcome.errors[6].message
    # Refused for a category the actor does not keep: the category column.
    other = tmp_path / "lawyer.csv"
    other.write_text(
        "档案类别,姓名,身份证号码,执业机构,事项类别,事项,作出机关,文书号,文书日期\n"
        "律师,孙立,410502198506115036,河南安北律师事务所,表彰奖励,优秀律师,区司法局,北司〔2026〕6号,2026-02-10\n",
        encoding="utf-8",
    )
    refused = services.import_items(actor=users["zzb"], path=other)
    assert [(e.row, e.column) for e in refused.errors] == [(2, "档案类别")]


def test_import_error_found_while_saving_names_its_column(users, wang, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(
        "档案类别,姓名,身份证号码,事项类别,考核年度,考核等次,作出机关,文书号,文书日期\n"
        f"公务员,王建国,{WANG},年度考核,2025,称职,区市场监管局,北市监人〔2026〕9号,2026-01-22\n",
        encoding="utf-8",
    )
    outcome = services.import_items(actor=users["zzb"], path=path)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "考核年度")]
    assert "2025年度考核结果已登记" in outcome.errors[0].message
    assert Person.objects.get(pk=wang.pk).items.count() == 3
