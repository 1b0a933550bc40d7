"""Defects a review of issue 8 found in personnel files (reviews/integrity.md 4, 5, 8, 9
and minor b), each pinned with concrete values:

4. personnel events hold only ids, kind, status and counts_as_dishonesty — the credit
   office, which reads the operation log, does not read cadres' files;
5. an active item with the same person, kind and document number is refused (add_item,
   API, import row error), so that importing a file twice does not double the count;
8. the file API refuses (and logs) an id alike whether a file exists or not;
9. the revoke and 容错免责 endpoints answer the item's status, not its content;
b. a reader who may hold access is answered 403 both for a file that does not exist and
   for one they may not read (page, API, by ID number), every time logged."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event, ReadLog
from xinyong.personnel import access
from xinyong.personnel import selectors as psel
from xinyong.personnel import services as psvc
from xinyong.personnel.models import FileCategory, FileItem

from .conftest import LI, OUTSIDER_ID

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 26)
HEADER = "档案类别,姓名,身份证号码,所在单位,事项类别,事项,失信来源,作出机关,文书号,文书日期\n"
LI_ROW = (
    f"公务员,李红梅,{LI},区住建局,一般失信,诫勉谈话,纪律处分,区纪委,北纪诫〔2026〕9号,2026-02-01\n"
)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def li(users, clock):
    clock.today = TODAY
    return psvc.register_person(
        actor=users["zzb"],
        category=FileCategory.objects.get(code="civil_servant"),
        name="李红梅",
        id_number=LI,
        unit="区住建局",
        post="城建科科长",
    )


def warning(users, person, number="北纪诫〔2026〕9号"):
    return psvc.add_item(
        actor=users["zzb"],
        person=person,
        item=psvc.ItemInput(
            kind="一般失信",
            title="诫勉谈话（违规发放补贴）",
            source="纪律处分",
            issuer="区纪委",
            source_unit="区纪委监委",
            document_number=number,
            document_date=date(2026, 2, 1),
            description="违规向下属发放交通补贴 3600 元",
        ),
    )


# ---------------------------------------------------------------- 4. events


def test_event_log_shows_no_cadre_item_to_the_credit_office(users, li):
    warning(users, li)
    c = Client()
    c.force_login(users["admin"])
    html = c.get("/workspace/events/?action=personnel.item.add").content.decode()
    assert "登记档案条目" in html  # the event is listed …
    for secret in ("诫勉谈话（违规发放补贴）", "北纪诫〔2026〕9号", "区纪委", "发放交通补贴"):
        assert secret not in html, secret  # … without the item's content
    assert not ReadLog.objects.filter(reader=users["admin"]).exists()


def test_personnel_events_hold_only_ids_kind_status_and_count(users, li, tmp_path):
    item = warning(users, li)
    psvc.record_exemption(
        actor=users["zzb"],
        item=item,
        ground="good_faith",
        body="中共北关区纪律检查委员会",
        document="北纪容〔2026〕4号",
        decided_on=date(2026, 3, 2),
        reason="先行先试中的无意过失，未谋取私利",
    )
    other = warning(users, li, number="北纪诫〔2026〕11号")
    psvc.revoke_item(actor=users["zzb"], item=other, reason="依据文件已被撤销（北纪〔2026〕20号）")
    psvc.change_post(actor=users["zzb"], person=li, unit="区发改委", post="综合科科长")
    path = tmp_path / "move.csv"
    path.write_text(
        "档案类别,姓名,身份证号码,所在单位,职务,事项类别,事项,作出机关,文书号,文书日期\n"
        f"公务员,李红梅,{LI},区教育局,副局长,表彰奖励,先进个人,区委,北文〔2026〕3号,2026-03-01\n",
        encoding="utf-8",
    )
    assert not psvc.import_items(actor=users["zzb"], path=path).errors

    events = Event.objects.filter(action__startswith="personnel.")
    assert {e.action for e in events} >= {
        "personnel.person.register",
        "personnel.item.add",
        "personnel.item.exempt",
        "personnel.item.revoke",
        "personnel.person.transfer",
        "personnel.import",
    }
    stored = json.dumps(
        [[e.target_repr, e.old_values, e.new_values] for e in events], ensure_ascii=False
    )
    for secret in (
        "诫勉谈话",
        "区纪委",
        "北纪诫〔2026〕9号",
        "北纪诫〔2026〕11号",
        "发放交通补贴",
        "北纪容〔2026〕4号",
        "无意过失",
        "北纪〔2026〕20号",
        "区住建局",
        "区发改委",
        "区教育局",
        "城建科科长",
        "综合科科长",
        "副局长",
        "先进个人",
        "北文〔2026〕3号",
    ):
        assert secret not in stored, secret
    add = Event.objects.get(action="personnel.item.add", target_id=str(item.pk))
    assert add.new_values == {
        "person": li.pk,
        "kind": "dishonesty",
        "status": "active",
        "counts_as_dishonesty": True,
    }
    assert add.target_repr == f"李**（410503********2028） 一般失信 #{item.pk}"
    exempt = Event.objects.get(action="personnel.item.exempt")
    assert exempt.old_values["counts_as_dishonesty"] is True
    assert exempt.new_values["counts_as_dishonesty"] is False
    revoke = Event.objects.get(action="personnel.item.revoke")
    assert revoke.new_values == {
        "person": li.pk,
        "kind": "dishonesty",
        "status": "revoked",
        "counts_as_dishonesty": False,
        "via": "keeper",
    }
    register = Event.objects.get(action="personnel.person.register")
    assert not {"unit", "employer", "post", "licence_number"} & set(register.new_values)
    transfer = Event.objects.get(action="personnel.person.transfer")
    assert transfer.old_values is None
    assert transfer.new_values == {"on": "2026-11-26", "change": "所在单位、职务"}
    imported = Event.objects.get(action="personnel.import")
    assert imported.new_values["transfers"] == [
        {"person": li.pk, "row": 2, "change": "所在单位、职务"}
    ]


# ---------------------------------------------------------------- 5. duplicates


def test_reimporting_a_file_does_not_double_the_dishonesty(users, tmp_path, clock):
    clock.today = TODAY
    path = tmp_path / "items.csv"
    path.write_text(HEADER + LI_ROW, encoding="utf-8")
    first = psvc.import_items(actor=users["zzb"], path=path)
    assert not first.errors and len(first.items) == 1
    again = psvc.import_items(actor=users["zzb"], path=path)
    existing = first.items[0]
    assert [(e.row, e.column) for e in again.errors] == [(2, "文书号")]
    assert again.errors[0].message == (
        f"该人员已登记同一事项（一般失信，文书号 北纪诫〔2026〕9号，事项编号 "
        f"{existing.pk}），请勿重复登记；如原记录有误，请先撤销再登记。"
    )
    assert again.items == []
    summary = psel.summarise(psel.find_persons(LI)[0].items.all())
    assert (summary.dishonesty, summary.score) == (1, 90)


def test_duplicate_rows_in_one_file_are_refused_and_nothing_imports(users, tmp_path, clock):
    clock.today = TODAY
    path = tmp_path / "twice.csv"
    path.write_text(
        HEADER
        + LI_ROW
        # Another person named in the same document is no duplicate.
        + "公务员,王建国,410503198203141217,区市场监管局,一般失信,诫勉谈话,纪律处分,区纪委,"
        "北纪诫〔2026〕9号,2026-02-01\n" + LI_ROW,
        encoding="utf-8",
    )
    outcome = psvc.import_items(actor=users["zzb"], path=path)
    assert [(e.row, e.column) for e in outcome.errors] == [(4, "文书号")]
    assert outcome.errors[0].message == (
        "与第 2 行是同一事项（同一人员、事项类别和文书号 北纪诫〔2026〕9号），请勿重复登记。"
    )
    # All or nothing (the importer's rule): the good rows wait for the corrected file.
    assert not FileItem.objects.exists() and outcome.items == []


def test_reimport_lists_every_duplicate_row_at_once(users, li, tmp_path):
    warning(users, li)
    warning(users, li, number="北纪诫〔2026〕12号")
    path = tmp_path / "again.csv"
    path.write_text(
        HEADER
        + LI_ROW
        + f"公务员,李红梅,{LI},区住建局,表彰奖励,先进个人,,区委,北文〔2026〕3号,2026-03-01\n"
        + LI_ROW.replace("9号", "12号"),
        encoding="utf-8",
    )
    outcome = psvc.import_items(actor=users["zzb"], path=path)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "文书号"), (4, "文书号")]
    assert li.items.count() == 2


def test_add_item_refuses_an_active_duplicate(users, li):
    first = warning(users, li)
    with pytest.raises(DomainError) as refused:
        warning(users, li)
    assert refused.value.message == (
        f"该人员已登记同一事项（一般失信，文书号 北纪诫〔2026〕9号，"
        f"事项编号 {first.pk}），请勿重复登记；如原记录有误，请先撤销再登记。"
    )
    # The same document as a commendation is another item; a revoked item is no obstacle.
    psvc.add_item(
        actor=users["zzb"],
        person=li,
        item=psvc.ItemInput(
            kind="表彰奖励",
            title="先进个人",
            issuer="区纪委",
            document_number="北纪诫〔2026〕9号",
            document_date=date(2026, 2, 1),
        ),
    )
    psvc.revoke_item(actor=users["zzb"], item=first, reason="录入错误")
    again = warning(users, li)
    assert psel.summarise(li.items.all()).dishonesty == 1 and again.pk != first.pk


def test_api_refuses_an_active_duplicate(users, li):
    payload = {
        "person": li.pk,
        "kind": "dishonesty",
        "title": "诫勉谈话",
        "dishonesty_source": "纪律处分",
        "issuer": "区纪委",
        "document_number": "北纪诫〔2026〕9号",
        "document_date": "2026-02-01",
    }
    assert (
        api(users["zzb"]).post("/api/v1/personnel/items/", payload, format="json").status_code
        == 201
    )
    second = api(users["zzb"]).post("/api/v1/personnel/items/", payload, format="json")
    assert second.status_code == 400
    assert "该人员已登记同一事项（一般失信，文书号 北纪诫〔2026〕9号" in second.json()["detail"]
    assert li.items.count() == 1


# ---------------------------------------------------------------- 8. API refusals


def test_api_refusal_of_a_missing_file_id_is_logged_like_the_page(users):
    bank = users["bank"]
    page = Client()
    page.force_login(bank)
    assert page.get(reverse("personnel:file", args=[999999])).status_code == 403
    assert Event.objects.filter(action="personnel.file.refused", actor=bank).count() == 1
    r = api(bank).get("/api/v1/personnel/persons/999999/file/", {"purpose": "贷款审查"})
    assert r.status_code == 403, r.status_code
    events = Event.objects.filter(action="personnel.file.refused", actor=bank).order_by("id")
    assert events.count() == 2
    assert events.last().target_repr == "人员信用档案 999999"
    assert events.last().new_values == {"purpose": "贷款审查", "role": "bank"}


def test_api_answers_an_existing_and_a_missing_id_alike(users, li):
    bank = api(users["bank"])
    there = bank.get(f"/api/v1/personnel/persons/{li.pk}/file/", {"purpose": "贷款审查"})
    missing = bank.get("/api/v1/personnel/persons/999999/file/", {"purpose": "贷款审查"})
    assert (there.status_code, there.json()) == (missing.status_code, missing.json())
    assert there.status_code == 403


# ---------------------------------------------------------------- 9. revoke / 容错免责 answers


def test_api_revoke_and_exemption_answer_status_not_content(users, li):
    item = warning(users, li)
    zzb = api(users["zzb"])
    exemption = {
        "ground": "good_faith",
        "body": "中共北关区纪律检查委员会",
        "document": "北纪容〔2026〕4号",
        "decided_on": "2026-03-02",
        "reason": "无意过失",
    }
    done = zzb.post(f"/api/v1/personnel/items/{item.pk}/exemption/", exemption, format="json")
    assert done.status_code == 200
    assert done.json() == {
        "id": item.pk,
        "status": "active",
        "status_label": "有效",
        "counts_as_dishonesty": False,
    }
    r = zzb.post(
        f"/api/v1/personnel/items/{item.pk}/revoke/", {"reason": "录入错误"}, format="json"
    )
    assert r.status_code == 200
    assert r.json() == {
        "id": item.pk,
        "status": "revoked",
        "status_label": "已撤销",
        "counts_as_dishonesty": False,
    }
    assert "违规" not in r.content.decode()
    # Nothing of the file was shown, so nothing was read.
    assert not ReadLog.objects.filter(subject_type="personnel.Person").exists()


# ---------------------------------------------------------------- b. 403 whether or not a file exists


def test_file_page_answers_403_for_a_missing_file_to_a_reader(users, li):
    c = Client()
    c.force_login(users["scj_leader"])  # a 单位负责人: may hold access, not to 住建局's staff
    there = c.get(reverse("personnel:file", args=[li.pk]))
    missing = c.get(reverse("personnel:file", args=[999999]))
    assert there.status_code == missing.status_code == 403
    refused = Event.objects.filter(action="personnel.file.refused", actor=users["scj_leader"])
    assert sorted(e.target_repr for e in refused) == ["人员信用档案 999999", li.masked_repr]


def test_by_id_number_refuses_alike_whether_or_not_a_file_exists(users, lawyer_file):
    zzb = users["zzb"]  # 组织部门: does not read lawyers' files
    with pytest.raises(NotPermitted) as there:
        psvc.open_files_by_id_number(reader=zzb, id_number="410502198506115036", purpose="核查")
    with pytest.raises(NotPermitted) as missing:
        psvc.open_files_by_id_number(reader=zzb, id_number=OUTSIDER_ID, purpose="核查")
    assert there.value.message == missing.value.message == access.READ_DENIED
    assert "或该档案不存在" in access.READ_DENIED
    refused = Event.objects.filter(action="personnel.file.refused", actor=zzb)
    assert sorted(e.target_repr for e in refused) == sorted(
        [lawyer_file.masked_repr, "按身份证号码查阅 110105********002X"]
    )
    r = api(zzb).get("/api/v1/personnel/persons/999999/file/", {"purpose": "核查"})
    assert r.status_code == 403 and r.json()["detail"] == access.READ_DENIED
