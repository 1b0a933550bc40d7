from __future__ import annotations

from datetime import date

import pytest

from xinyong.core import identifier_services
from xinyong.core.errors import DomainError
from xinyong.core.models import Event, ReadLog
from xinyong.subjects import selectors, services
from xinyong.subjects.demo import demo_resident_id, demo_uscc
from xinyong.subjects.models import Subject, SubjectIdentifier, SubjectKind

pytestmark = pytest.mark.django_db

COMPANY = "91512081MA62K0260E"
PERSON_ID = "11010519491231002X"


def _events(subject):
    return list(
        Event.objects.filter(target_type="subjects.Subject", target_id=str(subject.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_create_then_match_by_identifier():
    subject, created, conflict = services.get_or_create_subject(
        actor=None, identifier=" 91512081ma62k0260e ", name="四川某某建材有限公司", source="测试"
    )
    assert (created, conflict) == (True, None)
    assert subject.kind == SubjectKind.ORGANISATION
    assert subject.identifier == COMPANY
    assert subject.identifier_type == "uscc"
    assert subject.region_code == "512081"
    assert subject.is_government_body is False
    primary = subject.identifiers.get()
    assert (primary.kind, primary.value, primary.is_primary, primary.valid, primary.source) == (
        "uscc",
        COMPANY,
        True,
        True,
        "测试",
    )
    assert _events(subject) == ["subjects.create"]

    again, created, conflict = services.get_or_create_subject(
        actor=None, identifier=COMPANY, name="四川某某建材有限公司"
    )
    assert (again.pk, created, conflict) == (subject.pk, False, None)
    assert Subject.objects.count() == 1


def test_name_conflict_is_returned_never_written():
    subject, _, _ = services.get_or_create_subject(
        actor=None, identifier=COMPANY, name="四川某某建材有限公司"
    )
    # Full-width brackets and spaces are the same name.
    _, _, same = services.get_or_create_subject(
        actor=None, identifier=COMPANY, name=" 四川某某建材有限公司 "
    )
    assert same is None
    matched, created, conflict = services.get_or_create_subject(
        actor=None, identifier=COMPANY, name="四川另一家公司"
    )
    assert (matched.pk, created) == (subject.pk, False)
    assert conflict == (
        f"名称不一致：平台登记为“四川某某建材有限公司”，本次提供为“四川另一家公司”（主体编号 {subject.pk}），"
        "未覆盖平台名称，请核实。"
    )
    subject.refresh_from_db()
    assert subject.name == "四川某某建材有限公司"


def test_person_conflict_masks_names():
    person, _, _ = services.get_or_create_subject(
        actor=None, identifier=PERSON_ID, name="王秀兰", kind="自然人"
    )
    assert person.kind == SubjectKind.PERSON
    assert person.region_code == ""
    _, _, conflict = services.get_or_create_subject(actor=None, identifier=PERSON_ID, name="李四")
    assert conflict is not None
    assert "王**" in conflict and "李*" in conflict and "王秀兰" not in conflict


def test_kinds_follow_the_code():
    shop, _, _ = services.get_or_create_subject(
        actor=None, identifier=demo_uscc("92", "L14N8Q2T"), name="北关区老张烩面馆"
    )
    assert shop.kind == SubjectKind.INDIVIDUAL_BUSINESS
    office, _, _ = services.get_or_create_subject(
        actor=None, identifier=demo_uscc("11", "00582640"), name="安阳市北关区发展和改革委员会"
    )
    assert (office.kind, office.is_government_body, office.region_code) == (
        SubjectKind.ORGANISATION,
        True,
        "410503",
    )
    with pytest.raises(DomainError) as info:
        services.get_or_create_subject(
            actor=None, identifier=demo_uscc("92", "L25R6K3M"), name="x", kind="法人及非法人组织"
        )
    assert info.value.message == (
        "主体类别“法人及非法人组织”与代码类别为“92 个体工商户”不符，应为“个体工商户”。"
    )
    with pytest.raises(DomainError, match="主体类别“法人”无法识别"):
        services.get_or_create_subject(actor=None, identifier=COMPANY, name="x", kind="法人")


@pytest.mark.parametrize(
    ("identifier", "name", "message"),
    [
        (
            "91512081MA62K0260F",
            "某公司",
            "统一社会信用代码“91512081MA62K0260F”无效：校验位错误：第18位应为“E”，实为“F”",
        ),
        ("110105194912310021", "某人", "居民身份证号码“110105********0021”无效：校验位错误"),
        ("无", "某公司", "无法识别主体代码：长度错误"),
        (COMPANY, "  ", "主体名称不能为空。"),
        (COMPANY, "名" * 201, "主体名称过长：201 个字，最多 200 个字。"),
    ],
)
def test_refusals(identifier, name, message):
    with pytest.raises(DomainError) as info:
        services.get_or_create_subject(actor=None, identifier=identifier, name=name)
    assert message in info.value.message
    assert not Subject.objects.exists()


def test_overridden_code_creates_a_subject():
    identifier_services.add_override(
        actor=None, code="91350203M0001QAY9B", reason="真实代码", basis="营业执照核验"
    )
    subject, created, _ = services.get_or_create_subject(
        actor=None, identifier="91350203M0001QAY9B", name="厦门某公司"
    )
    assert created and subject.identifiers.get().valid is True


def test_add_identifier_matches_old_numbers_and_promotes_a_uscc():
    subject, _, _ = services.get_or_create_subject(
        actor=None, identifier="320402000022814", name="常州某厂"
    )
    assert subject.identifier_type == "reg_no_15"
    services.add_identifier(actor=None, subject=subject, identifier="13830295X", source="处罚文书")
    services.add_identifier(
        actor=None, subject=subject, identifier="320402 1234 5678", kind="tax_reg"
    )
    uscc = demo_uscc("91", "MA44T3K1", region="320402")
    services.add_identifier(actor=None, subject=subject, identifier=uscc)
    subject.refresh_from_db()
    assert (subject.identifier, subject.identifier_type) == (uscc, "uscc")
    rows = {(i.kind, i.value, i.is_primary, i.valid) for i in subject.identifiers.all()}
    assert rows == {
        ("reg_no_15", "320402000022814", False, True),
        ("org_code", "13830295-X", False, True),
        ("tax_reg", "32040212345678", False, None),
        ("uscc", uscc, True, True),
    }
    # Any of them finds the subject.
    for code in ["13830295-x", "320402000022814", uscc]:
        found, created, _ = services.get_or_create_subject(
            actor=None, identifier=code, name="常州某厂"
        )
        assert (found.pk, created) == (subject.pk, False)
    assert _events(subject) == ["subjects.create"] + ["subjects.add_identifier"] * 3

    other, _, _ = services.get_or_create_subject(actor=None, identifier=COMPANY, name="另一家")
    with pytest.raises(DomainError, match=f"已属于信用主体 {subject.pk}"):
        services.add_identifier(actor=None, subject=other, identifier="13830295-X")
    with pytest.raises(DomainError, match="已登记在该主体名下"):
        services.add_identifier(actor=None, subject=subject, identifier="13830295-X")
    with pytest.raises(DomainError, match="组织和个体工商户不能登记居民身份证号码"):
        services.add_identifier(actor=None, subject=other, identifier=PERSON_ID)


def test_merge_moves_identifiers_and_keeps_both_histories():
    keep, _, _ = services.get_or_create_subject(
        actor=None, identifier=COMPANY, name="四川某某建材有限公司"
    )
    dup, _, _ = services.get_or_create_subject(
        actor=None, identifier="320402000022814", name="四川某某建材公司"
    )
    older, _, _ = services.get_or_create_subject(
        actor=None, identifier="13830295-X", name="某某建材"
    )
    services.merge_subjects(actor=None, keep=dup, absorb=older, reason="同一主体的组织机构代码")
    services.merge_subjects(
        actor=None, keep=keep, absorb=dup, reason="注册号与统一社会信用代码属同一企业"
    )
    dup.refresh_from_db()
    older.refresh_from_db()
    assert dup.merged_into_id == keep.pk and dup.merged_at is not None
    assert older.merged_into_id == keep.pk  # rerouted straight to the survivor
    assert services.resolve(older).pk == keep.pk
    assert set(keep.identifiers.values_list("value", "is_primary")) == {
        (COMPANY, True),
        ("320402000022814", False),
        ("13830295-X", False),
    }
    assert _events(dup) == ["subjects.create", "subjects.merge", "subjects.merged_into"]
    assert _events(keep) == ["subjects.create", "subjects.merge"]
    merge_event = Event.objects.get(action="subjects.merge", target_id=str(keep.pk))
    assert merge_event.new_values["absorbed"] == dup.pk
    assert merge_event.new_values["rerouted"] == [older.pk]
    # An identifier of the absorbed subject now finds the survivor.
    found, _, _ = services.get_or_create_subject(
        actor=None, identifier="320402000022814", name="四川某某建材有限公司"
    )
    assert found.pk == keep.pk
    # Search shows the survivor only.
    assert [s.pk for s in selectors.search_subjects("建材", reader=None, purpose="测试")] == [
        keep.pk
    ]

    with pytest.raises(DomainError, match="不能再次合并"):
        services.merge_subjects(actor=None, keep=keep, absorb=dup, reason="再来")
    with pytest.raises(DomainError, match="请填写合并原因"):
        services.merge_subjects(actor=None, keep=keep, absorb=dup, reason=" ")
    person, _, _ = services.get_or_create_subject(actor=None, identifier=PERSON_ID, name="王秀兰")
    with pytest.raises(DomainError, match="自然人不能与组织或个体工商户合并"):
        services.merge_subjects(actor=None, keep=keep, absorb=person, reason="误操作")


def test_rename():
    subject, _, _ = services.get_or_create_subject(
        actor=None, identifier=COMPANY, name="旧名称有限公司"
    )
    services.rename(actor=None, subject=subject, name="新名称有限公司", reason="名称变更登记")
    subject.refresh_from_db()
    assert subject.name == "新名称有限公司"
    event = Event.objects.get(action="subjects.rename")
    assert (event.old_values, event.new_values) == (
        {"name": "旧名称有限公司"},
        {"name": "新名称有限公司", "reason": "名称变更登记"},
    )
    with pytest.raises(DomainError, match="新名称与原名称相同"):
        services.rename(actor=None, subject=subject, name="新名称有限公司")


def test_search_by_code_and_substring_and_read_logging():
    company, _, _ = services.get_or_create_subject(
        actor=None, identifier=COMPANY, name="安阳市北关区恒达商贸有限公司"
    )
    shop, _, _ = services.get_or_create_subject(
        actor=None, identifier=demo_uscc("92", "L14N8Q2T"), name="北关区老张烩面馆"
    )
    person, _, _ = services.get_or_create_subject(
        actor=None, identifier=demo_resident_id(date(1968, 5, 12), 31), name="张建国"
    )
    assert [
        s.pk
        for s in selectors.search_subjects(
            "９１５１２０８１ＭＡ６２Ｋ０２６０Ｅ", reader=None, purpose="测试"
        )
    ] == [company.pk]
    assert [s.pk for s in selectors.search_subjects("北关区", reader=None, purpose="测试")] == [
        shop.pk,
        company.pk,
    ]
    assert ReadLog.objects.count() == 0
    found = selectors.search_subjects("张", reader=None, purpose="核查处罚对象")
    assert {s.pk for s in found} == {shop.pk, person.pk}
    log = ReadLog.objects.get()
    assert (log.subject_id, log.subject_repr, log.purpose) == (
        str(person.pk),
        f"张**（410503********{person.identifier[-4:]}）",
        "核查处罚对象",
    )
    assert selectors.search_subjects("不存在的名字", reader=None, purpose="测试") == []
    with pytest.raises(DomainError, match="请输入"):
        selectors.search_subjects("  ", reader=None, purpose="测试")


def test_resolve_and_identifier_uniqueness_per_kind():
    subject, _, _ = services.get_or_create_subject(actor=None, identifier=COMPANY, name="某公司")
    assert services.resolve(subject.pk).pk == subject.pk
    assert SubjectIdentifier.objects.filter(value=COMPANY).count() == 1


def test_admin_change_page_logs_a_person_read(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser(username="root_subj", password="x" * 12)
    client.force_login(admin)
    person, _, _ = services.get_or_create_subject(actor=None, identifier=PERSON_ID, name="王秀兰")
    page = client.get(f"/admin/subjects/subject/{person.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "110105********002X" in html and PERSON_ID not in html
    assert ReadLog.objects.get().purpose == "配置管理查看信用主体"
    assert client.get("/admin/subjects/subject/").status_code == 200
