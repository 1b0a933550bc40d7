"""Every page: what it returns and who may (not) see it; refusals logged; no unmasked ID
number on any public page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import signing
from django.urls import reverse

from xinyong.core.models import Event, ReadLog
from xinyong.personnel import services
from xinyong.personnel.models import FileItem, IdentityCheck, Nomination
from xinyong.rights.models import Objection

from .conftest import LI, WANG, dishonesty, good_faith

pytestmark = pytest.mark.django_db
FULL_ID = re.compile(r"\d{17}[\dX]")


def login(client, user):
    client.force_login(user)
    return client


def open_file(client, person, purpose="干部选拔任用考察"):
    url = reverse("personnel:file", args=[person.pk])
    response = client.post(url, {"action": "open", "purpose": purpose})
    assert response.status_code == 302
    return client.get(url)


def test_anonymous_goes_to_login(client, wang):
    for name, args in (
        ("personnel:list", []),
        ("personnel:file", [wang.pk]),
        ("personnel:new", []),
        ("personnel:import", []),
        ("personnel:honours", []),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and "/login" in response["Location"]


def test_list_shows_masked_rows_to_org_dept(client, users, wang):
    response = login(client, users["zzb"]).get(reverse("personnel:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "王**" in body and "410503********1217" in body
    assert WANG not in body and "新建档案" in body


@pytest.mark.parametrize("who", ["admin", "scj_reporter", "bank", "district_leader"])
def test_list_refused(client, users, wang, who):
    response = login(client, users[who]).get(reverse("personnel:list"))
    assert response.status_code == 403
    if who in ("scj_reporter", "district_leader"):
        assert Event.objects.filter(action="personnel.file.refused", actor=users[who]).exists()


def test_file_asks_purpose_then_opens_and_logs(client, users, wang):
    login(client, users["zzb"])
    url = reverse("personnel:file", args=[wang.pk])
    first = client.get(url)
    assert first.status_code == 200 and "查阅用途" in first.content.decode()
    assert "全区优化营商环境" not in first.content.decode()
    assert not ReadLog.objects.filter(subject_type="personnel.Person").exists()
    empty = client.post(url, {"action": "open", "purpose": ""})
    assert "请填写查阅用途" in empty.content.decode()
    page = open_file(client, wang)
    body = page.content.decode()
    assert "全区优化营商环境工作先进个人" in body and "2025年 优秀" in body
    assert (
        ReadLog.objects.get(subject_id=str(wang.pk)).purpose
        == "公务员：干部选拔任用考察（组织部门）"
    )
    client.get(url)  # every view is a read
    assert ReadLog.objects.filter(subject_id=str(wang.pk)).count() == 2


def test_file_refused_to_outsider_and_logged(client, users, wang):
    login(client, users["zjj_leader"])
    url = reverse("personnel:file", args=[wang.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "open", "purpose": "看看"}).status_code == 403
    assert (
        Event.objects.filter(action="personnel.file.refused", actor=users["zjj_leader"]).count()
        == 2
    )
    # A file that does not exist: the same 403, logged as well.
    assert client.get(reverse("personnel:file", args=[999999])).status_code == 403


def test_leader_of_unit_reads_but_cannot_keep(client, users, wang):
    login(client, users["scj_leader"])
    page = open_file(client, wang, "年度考核")
    assert page.status_code == 200 and "登记档案事项" not in page.content.decode()
    url = reverse("personnel:file", args=[wang.pk])
    response = client.post(url, {"action": "revoke", "item": wang.items.first().pk, "reason": "x"})
    assert response.status_code == 403
    assert client.get(reverse("personnel:new")).status_code == 403


def test_keeper_adds_exempt_item_on_the_page(client, users, wang):
    login(client, users["zzb"])
    open_file(client, wang)
    url = reverse("personnel:file", args=[wang.pk])
    response = client.post(
        url,
        {
            "action": "add",
            "kind": "dishonesty",
            "title": "诫勉谈话",
            "source": "discipline",
            "issuer": "中共北关区纪律检查委员会",
            "document_number": "北纪诫〔2025〕7号",
            "document_date": "2025-06-10",
            "exempt": "on",
            "exemption_ground": "unforeseeable",
            "exemption_body": "中共北关区纪律检查委员会",
            "exemption_document": "北纪容〔2025〕3号",
            "exemption_date": "2025-08-20",
            "exemption_reason": "难以预见的系统故障所致。",
        },
    )
    assert response.status_code == 302
    item = FileItem.objects.get(document_number="北纪诫〔2025〕7号")
    assert item.exempt and item.exemption_ground == "unforeseeable"
    body = client.get(url).content.decode()
    assert "容错免责（难以预见的因素），不计入失信" in body
    bad = client.post(
        url,
        {
            "action": "add",
            "kind": "assessment",
            "year": "abc",
            "issuer": "x",
            "document_number": "n",
            "document_date": "2025-01-01",
        },
        follow=True,
    )
    assert "请填写考核年度" in bad.content.decode()


def test_new_person_page(client, users):
    login(client, users["zzb"])
    assert client.get(reverse("personnel:new")).status_code == 200
    from xinyong.personnel.models import FileCategory

    from .conftest import unit

    response = client.post(
        reverse("personnel:new"),
        {
            "category": FileCategory.objects.get(code="civil_servant").pk,
            "name": "李红梅",
            "id_number": LI,
            "unit": unit("区住建局").pk,
            "post": "科员",
        },
    )
    assert response.status_code == 302
    bad = client.post(
        reverse("personnel:new"),
        {
            "category": FileCategory.objects.get(code="civil_servant").pk,
            "name": "李红梅",
            "id_number": "123",
            "unit": unit("区住建局").pk,
        },
    )
    assert "身份证号码无效" in bad.content.decode()


def test_import_page(client, users, tmp_path):
    login(client, users["zzb"])
    assert client.get(reverse("personnel:import")).status_code == 200
    path = tmp_path / "items.csv"
    path.write_text(
        "档案类别,姓名,身份证号码,所在单位,事项类别,事项,考核年度,考核等次,作出机关,文书号,文书日期\n"
        f"公务员,李红梅,{LI},区住建局,年度考核,,2025,称职,区住建局,北住建人〔2026〕2号,2026-01-22\n",
        encoding="utf-8",
    )
    with path.open("rb") as fh:
        response = client.post(reverse("personnel:import"), {"file": fh}, follow=True)
    assert "已导入 1 条档案事项（新建档 1 人）" in response.content.decode()
    assert login(client, users["admin"]).get(reverse("personnel:import")).status_code == 403


def test_keeper_replies_to_forwarded_objection(client, users, wang):
    item = dishonesty(users["zzb"], wang, "北纪诫〔2025〕7号", date(2025, 6, 10))
    objection = services.object_to_item(
        actor=None,
        person=wang,
        item=item,
        category="wrong",
        description="有误",
        phone="13812345678",
    )
    from xinyong.orgs.services import resolve_unit
    from xinyong.rights.objections import forward_to_provider

    forward_to_provider(actor=users["admin"], objection=objection, unit=resolve_unit("区委组织部"))
    login(client, users["zzb"])
    assert objection.query_code in client.get(reverse("personnel:list")).content.decode()
    open_file(client, wang)
    client.post(
        reverse("personnel:file", args=[wang.pk]),
        {"action": "reply", "objection": objection.pk, "reply": "经核查属实。"},
    )
    objection.refresh_from_db()
    assert objection.status == Objection.Status.PROVIDER_REPLIED


def test_self_view_after_identity_confirmation_and_objection(client, users, wang):
    item = dishonesty(
        users["zzb"], wang, "北纪诫〔2025〕7号", date(2025, 6, 10), exemption=good_faith()
    )
    url = reverse("personnel:my-file")
    page = client.get(url)
    assert page.status_code == 200 and "核验身份" in page.content.decode()
    bad = client.post(url, {"id_number": "123", "name": "王建国"})
    assert "身份证号码无效" in bad.content.decode()
    response = client.post(url, {"id_number": WANG, "name": "王建国"})
    assert response.status_code == 302
    confirm_url = response["Location"]
    check = IdentityCheck.objects.get()
    wrong = client.post(
        confirm_url, {"code": "000000" if check.confirmation_code != "000000" else "111111"}
    )
    assert "确认码不正确" in wrong.content.decode()
    client.post(confirm_url, {"code": check.confirmation_code})
    body = client.get(url).content.decode()
    assert "容错免责" in body and "北纪诫〔2025〕7号" in body
    assert not FULL_ID.findall(body)  # masked ID only, even for the person
    log = ReadLog.objects.filter(subject_id=str(wang.pk)).first()
    assert log is not None and log.reader is None and log.reader_label == "本人（网上身份核验）"
    response = client.post(
        url,
        {
            "action": "object",
            "item": item.pk,
            "category": "wrong",
            "description": "处分已撤销",
            "phone": "13812345678",
        },
        follow=True,
    )
    assert "异议已受理" in response.content.decode()
    assert Objection.objects.get().personnel_item_link.item == item
    # A stranger's session sees nothing.
    client.logout()
    client.cookies.clear()
    assert "核验身份" in client.get(url).content.decode()
    token = signing.dumps({"c": 999}, salt="personnel.self-confirm")
    assert client.get(reverse("personnel:my-confirm", args=[token])).status_code == 404
    assert client.get(reverse("personnel:my-confirm", args=["junk"])).status_code == 404


def test_self_view_wrong_name_shows_no_file(client, wang):
    response = client.post(reverse("personnel:my-file"), {"id_number": WANG, "name": "王建"})
    check = IdentityCheck.objects.get()
    client.post(response["Location"], {"code": check.confirmation_code})
    body = client.get(reverse("personnel:my-file")).content.decode()
    assert "未找到与您的身份证号码和姓名对应的人员信用档案" in body


def test_linked_user_sees_own_file(client, users, wang):
    wang.user = users["scj_reporter"]
    wang.save()
    body = login(client, users["scj_reporter"]).get(reverse("personnel:my-file")).content.decode()
    assert "全区优化营商环境工作先进个人" in body
    assert ReadLog.objects.get(subject_id=str(wang.pk)).reader == users["scj_reporter"]


def test_honours_pages(client, users, wang, honour_kinds):
    login(client, users["scj_reporter"])
    page = client.get(reverse("personnel:honours"))
    assert page.status_code == 200 and 'id="nominate-form"' in page.content.decode()
    nomination = {
        "action": "nominate",
        "kind": honour_kinds["excellent_worker"].pk,
        "year": "2025",
        "person_id_number": WANG,
        "person_name": "王建国",
        "deeds": f"王建国同志身份证{WANG}，事迹突出。",
    }
    response = client.post(reverse("personnel:honours"), nomination)
    assert response.status_code == 302
    n = Nomination.objects.get()
    assert n.nominated_by_unit.name == "区市场监管局"
    assert login(client, users["bank"]).get(reverse("personnel:honours")).status_code == 403
    # The unit's head sees its unit's nominations, read only: no form, a nomination
    # posted anyway is refused.
    login(client, users["scj_leader"])
    page = client.get(reverse("personnel:honours"))
    body = page.content.decode()
    assert page.status_code == 200 and f'id="nomination-{n.pk}"' in body
    assert 'id="nominate-form"' not in body
    refused = client.post(reverse("personnel:honours"), {**nomination, "year": "2026"})
    assert refused.status_code == 403
    assert Nomination.objects.count() == 1
    other_head = login(client, users["zjj_leader"]).get(reverse("personnel:honours"))
    assert f'id="nomination-{n.pk}"' not in other_head.content.decode()
    # Only the credit office selects.
    login(client, users["scj_leader"])
    client.post(
        reverse("personnel:honours"),
        {"action": "decide", "nomination": n.pk, "selected": "1", "document": "x"},
    )
    n.refresh_from_db()
    assert n.status == "nominated"
    login(client, users["admin"])
    client.post(
        reverse("personnel:honours"),
        {
            "action": "decide",
            "nomination": n.pk,
            "selected": "1",
            "document": "北信用办〔2025〕9号",
        },
    )
    n.refresh_from_db()
    assert n.status == "selected"
    client.logout()
    public = client.get(reverse("personnel:public-honours"))
    body = public.content.decode()
    assert public.status_code == 200
    assert "王**（区市场监管局）" in body and "诚信优秀工作者" in body
    assert "王建国" not in body and not FULL_ID.findall(body)
    assert "410503********1217" in body  # the ID in the deeds is masked


def test_public_pages_never_show_full_id(client, users, wang):
    for name in ("personnel:public-honours", "personnel:my-file"):
        body = client.get(reverse(name)).content.decode()
        assert not FULL_ID.findall(body)


def test_portal_home_links_to_personnel_pages(client):
    body = client.get(reverse("web:portal-home")).content.decode()
    assert reverse("personnel:public-honours") in body and reverse("personnel:my-file") in body


def test_navigation_shows_modules_to_the_right_roles(users):
    from xinyong.web.navigation import groups_for

    def titles(user):
        return {m.title for g in groups_for(user) for m in g.modules}

    assert {"人员信用档案", "诚信典型"} <= titles(users["zzb"])
    assert "人员信用档案" in titles(users["sfj_reviewer"])
    assert "人员信用档案" not in titles(users["admin"])
    assert "诚信典型" in titles(users["admin"])
    assert "人员信用档案" not in titles(users["scj_reporter"])
    assert not {"人员信用档案", "诚信典型"} & titles(users["bank"])
