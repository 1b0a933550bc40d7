"""Who may open a file: 组织部门, the person's own unit leadership, the keeping unit —
every read logged with its purpose, every refusal logged."""

from __future__ import annotations

import pytest

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event, ReadLog
from xinyong.orgs.models import Role
from xinyong.personnel import access, services

from .conftest import OUTSIDER_ID, WANG, make_user

pytestmark = pytest.mark.django_db


def test_org_dept_reads_with_purpose_logged(users, wang):
    view = services.open_file(reader=users["zzb"], person=wang, purpose="干部选拔任用考察")
    assert view["person"]["name"] == "王建国"
    assert view["person"]["id_number_masked"] == "410503********1217"
    log = ReadLog.objects.get(subject_type="personnel.Person", subject_id=str(wang.pk))
    assert log.reader == users["zzb"]
    assert log.purpose == "公务员：干部选拔任用考察（组织部门）"
    assert log.subject_repr == "王**（410503********1217）"


def test_purpose_required_before_the_file_opens(users, wang):
    with pytest.raises(DomainError, match="请填写查阅用途"):
        services.open_file(reader=users["zzb"], person=wang, purpose="  ")
    assert not ReadLog.objects.filter(subject_type="personnel.Person").exists()


def test_own_unit_leader_reads_other_unit_leader_refused(users, wang):
    services.open_file(reader=users["scj_leader"], person=wang, purpose="年度考核")
    assert ReadLog.objects.get(subject_id=str(wang.pk)).purpose.endswith("（本单位领导）")
    with pytest.raises(NotPermitted):
        services.open_file(reader=users["zjj_leader"], person=wang, purpose="年度考核")
    with pytest.raises(NotPermitted):
        services.open_file(reader=users["district_leader"], person=wang, purpose="年度考核")


@pytest.mark.parametrize("who", ["admin", "scj_reporter", "bank", "zjj_leader", "district_leader"])
def test_user_outside_org_dept_refused_and_logged(users, wang, who):
    user = users[who]
    with pytest.raises(NotPermitted, match="无权查阅该人员信用档案"):
        services.open_file(reader=user, person=wang, purpose="想看看")
    event = Event.objects.get(action="personnel.file.refused", actor=user)
    assert event.target_id == str(wang.pk)
    assert event.target_repr == "王**（410503********1217）"
    assert event.new_values["purpose"] == "想看看"
    assert not ReadLog.objects.filter(subject_type="personnel.Person").exists()


def test_refused_by_id_number_without_revealing_existence(users, wang):
    for ident in (WANG, OUTSIDER_ID):
        with pytest.raises(NotPermitted):
            services.open_files_by_id_number(reader=users["admin"], id_number=ident, purpose="核查")
    assert Event.objects.filter(action="personnel.file.refused", actor=users["admin"]).count() == 2
    # A reader who may hold access is refused alike when no file exists (logged too).
    with pytest.raises(NotPermitted, match="或该档案不存在"):
        services.open_files_by_id_number(reader=users["zzb"], id_number=OUTSIDER_ID, purpose="核查")


def test_practitioner_file_keeping_unit_only(users, lawyer_file):
    assert access.read_basis(users["sfj_reviewer"], lawyer_file) == "建档管理单位"
    services.open_file(reader=users["sfj_reviewer"], person=lawyer_file, purpose="执业年度考核")
    # 组织部门 does not read practitioners' files unless the category says so.
    with pytest.raises(NotPermitted):
        services.open_file(reader=users["zzb"], person=lawyer_file, purpose="核查")
    with pytest.raises(NotPermitted):
        services.open_file(reader=users["wjw_reporter"], person=lawyer_file, purpose="核查")
    lawyer_file.category.org_dept_reads = True
    lawyer_file.category.save()
    services.open_file(reader=users["zzb"], person=lawyer_file, purpose="核查")


def test_who_keeps_files(users, servant, lawyer_file):
    assert access.can_keep(users["zzb"], servant)
    assert not access.can_keep(users["scj_leader"], servant)
    assert not access.can_keep(users["admin"], servant)
    assert access.can_keep(users["sfj_reviewer"], lawyer_file.category)
    assert not access.can_keep(users["zzb"], lawyer_file.category)
    with pytest.raises(NotPermitted, match="仅建档管理单位可以登记"):
        services.register_person(
            actor=users["admin"], category=servant, name="张三", id_number=WANG, unit="区市场监管局"
        )


def test_keeping_units_head_reads_its_files_and_acts_for_nothing(users, lawyer_file, wang):
    """A 单位负责人 of the keeping unit reads the files it keeps; it keeps none and
    nominates nobody (a 单位负责人 writes nothing)."""
    head = make_user("t_sfj_head", Role.UNIT_LEADER, "区司法局")
    assert access.read_basis(head, lawyer_file) == "建档管理单位"
    assert access.may_hold_access(head)
    assert not access.can_keep(head, lawyer_file.category)
    assert access.keepable_categories(head) == []
    with pytest.raises(NotPermitted):
        services.open_file(reader=head, person=wang, purpose="年度考核")
    with pytest.raises(NotPermitted, match="只有信用办和各单位工作人员可以推荐诚信典型"):
        services.nominating_unit(head)
    # A district leader has no unit, so it is neither a unit's leadership nor its keeper.
    assert not access.may_hold_access(users["district_leader"])
    assert access.read_basis(users["district_leader"], lawyer_file) is None
