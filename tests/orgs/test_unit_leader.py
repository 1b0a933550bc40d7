"""单位负责人 (Role.UNIT_LEADER): a unit's head reads its own unit's data only and writes
nothing; a district 领导 (Role.LEADER) reads every unit and has no unit (数据安全法,
个人信息保护法: least privilege)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.test import APIClient, APIRequestFactory

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs import permissions, services
from xinyong.orgs.models import Role, User
from xinyong.orgs.permissions import (
    IsReviewerOrCreditAdmin,
    IsUnitStaff,
    ReadOnlyForLeader,
    can_manage_unit_users,
    can_read_unit_data,
    can_write_unit_data,
    has_perm,
    require,
    scope_to_user_units,
)

from .conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LEADER_WITH_UNIT = "领导账号查看全区数据，不能指定所属单位；单位的负责人请使用“单位负责人”角色。"
UNIT_LEADER_WITHOUT_UNIT = "单位负责人必须属于一个责任单位。"


@pytest.fixture
def unit_leader_a(db):
    return make_user("scj_head", Role.UNIT_LEADER, "区市场监管局")


def test_the_role_is_offered_in_chinese():
    assert Role.UNIT_LEADER.label == "单位负责人"
    assert Role.UNIT_LEADER.value == "unit_leader"


def test_unit_leader_reads_its_own_unit_only(scj, rsj, unit_leader_a, leader):
    assert permissions.readable_unit_ids(unit_leader_a) == {scj.pk}
    assert can_read_unit_data(unit_leader_a, scj)
    assert not can_read_unit_data(unit_leader_a, rsj)
    assert not can_read_unit_data(unit_leader_a, None)
    with pytest.raises(NotPermitted) as info:
        require(unit_leader_a, "read_unit_data", rsj)
    assert info.value.message == "无权查看“区人社局”的数据。"
    assert not has_perm(unit_leader_a, "read_all_units")
    with pytest.raises(NotPermitted, match="只有信用办管理员和领导可以查看全区数据"):
        require(unit_leader_a, "read_all_units")
    # The district leader keeps reading every unit.
    assert permissions.readable_unit_ids(leader) is None
    assert can_read_unit_data(leader, rsj) and has_perm(leader, "read_all_units")


def test_unit_leader_scope_on_querysets(scj, rsj, unit_leader_a, reporter_a, reporter_b):
    qs = User.objects.filter(username__in=["reporter_a", "reporter_b"])
    names = set(scope_to_user_units(unit_leader_a, qs).values_list("username", flat=True))
    assert names == {"reporter_a"}


def test_unit_leader_writes_nothing(scj, rsj, unit_leader_a, reporter_a):
    for unit in (scj, rsj):
        assert not can_write_unit_data(unit_leader_a, unit)
        assert not can_manage_unit_users(unit_leader_a, unit)
        assert not has_perm(unit_leader_a, "manage_tokens", unit)
    with pytest.raises(NotPermitted, match="无权修改“区市场监管局”的数据"):
        require(unit_leader_a, "write_unit_data", scj)
    with pytest.raises(NotPermitted):
        services.create_user(
            actor=unit_leader_a,
            username="head_made",
            password=PASSWORD,
            role=Role.REPORTER,
            unit=scj,
        )
    with pytest.raises(NotPermitted):
        services.deactivate(actor=unit_leader_a, user=reporter_a)
    with pytest.raises(NotPermitted):
        services.issue_unit_token(actor=unit_leader_a, unit=scj, name="负责人令牌")


def test_drf_gates_treat_the_unit_leader_as_read_only(unit_leader_a, leader):
    factory = APIRequestFactory()

    def allowed(cls, user, method):
        request = getattr(factory, method)("/api/v1/x")
        request.user = user
        return cls().has_permission(request, None)

    assert allowed(ReadOnlyForLeader, unit_leader_a, "get")
    for method in ("post", "put", "patch", "delete"):
        assert not allowed(ReadOnlyForLeader, unit_leader_a, method)
        assert not allowed(ReadOnlyForLeader, leader, method)
    assert not allowed(IsUnitStaff, unit_leader_a, "get")
    assert not allowed(IsReviewerOrCreditAdmin, unit_leader_a, "get")
    assert "只读" in ReadOnlyForLeader.message and "单位负责人" in ReadOnlyForLeader.message


def test_a_district_leader_has_no_unit(admin_user, scj):
    with pytest.raises(DomainError) as info:
        services.create_user(
            actor=admin_user,
            username="leader_in_unit",
            password=PASSWORD,
            role=Role.LEADER,
            unit=scj,
        )
    assert info.value.message == LEADER_WITH_UNIT
    assert not User.objects.filter(username="leader_in_unit").exists()
    with pytest.raises(DomainError) as info:
        services.create_user(
            actor=admin_user,
            username="head_nowhere",
            password=PASSWORD,
            role=Role.UNIT_LEADER,
            unit=None,
        )
    assert info.value.message == UNIT_LEADER_WITHOUT_UNIT
    head = services.create_user(
        actor=admin_user,
        username="scj_head2",
        password=PASSWORD,
        role=Role.UNIT_LEADER,
        unit=scj,
        full_name="市场监管局局长",
    )
    assert head.audit_label() == "scj_head2（区市场监管局·单位负责人）"
    assert head.is_staff is False


def test_set_role_keeps_the_rule(admin_user, reporter_a, scj):
    with pytest.raises(DomainError) as info:
        services.set_role(actor=admin_user, user=reporter_a, role=Role.LEADER)
    assert info.value.message == LEADER_WITH_UNIT
    services.set_role(actor=admin_user, user=reporter_a, role=Role.UNIT_LEADER)
    reporter_a.refresh_from_db()
    assert (reporter_a.role, reporter_a.unit) == (Role.UNIT_LEADER, scj)
    event = Event.objects.filter(action="orgs.user_set_role").latest("id")
    assert event.new_values["role"] == "unit_leader"
    with pytest.raises(DomainError) as info:
        services.set_role(actor=admin_user, user=reporter_a, role=Role.UNIT_LEADER, unit=None)
    assert info.value.message == UNIT_LEADER_WITHOUT_UNIT
    services.set_role(actor=admin_user, user=reporter_a, role=Role.LEADER, unit=None)
    reporter_a.refresh_from_db()
    assert (reporter_a.role, reporter_a.unit) == (Role.LEADER, None)


def test_the_database_refuses_what_the_services_refuse(scj):
    """The rule also holds for writes that bypass the services (a shell, a script)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="raw_leader", role=Role.LEADER, unit=scj)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="raw_head", role=Role.UNIT_LEADER, unit=None)


def test_api_refuses_a_leader_in_a_unit_in_chinese(admin_user, scj):
    client = APIClient()
    client.force_authenticate(admin_user)
    url = f"/api/v1/units/{scj.pk}/users/"
    refused = client.post(
        url, {"username": "api_leader", "password": PASSWORD, "role": "leader"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == LEADER_WITH_UNIT
    created = client.post(
        url, {"username": "api_head", "password": PASSWORD, "role": "unit_leader"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["role_label"] == "单位负责人"
    assert created.json()["unit_name"] == "区市场监管局"


def test_unit_leader_cannot_use_the_account_api(unit_leader_a, scj):
    client = APIClient()
    client.force_authenticate(unit_leader_a)
    assert client.get(f"/api/v1/units/{scj.pk}/users/").status_code == 403
    assert client.get("/api/v1/tokens/").status_code == 403
    me = client.get("/api/v1/me").json()
    assert (me["role"], me["role_label"], me["unit_name"]) == (
        "unit_leader",
        "单位负责人",
        "区市场监管局",
    )


def test_admin_form_refuses_a_leader_in_a_unit(scj, reporter_a):
    root = services.create_user(
        actor=None,
        username="root_ul",
        password=PASSWORD,
        role=Role.CREDIT_ADMIN,
        unit=services.resolve_unit_name("区发改委"),
        superuser=True,
    )
    client = Client()
    client.force_login(root)
    add = client.post(
        "/admin/orgs/user/add/",
        {
            "username": "admin_leader",
            "password": PASSWORD,
            "full_name": "",
            "role": "leader",
            "unit": scj.pk,
            "organisation": "",
            "phone": "",
        },
    )
    assert add.status_code == 200
    assert LEADER_WITH_UNIT in add.content.decode()
    assert not User.objects.filter(username="admin_leader").exists()
    change = client.post(
        f"/admin/orgs/user/{reporter_a.pk}/change/",
        {
            "username": "reporter_a",
            "full_name": "",
            "phone": "",
            "organisation": "",
            "role": "unit_leader",
            "unit": "",
            "is_active": "on",
        },
    )
    assert change.status_code == 200
    assert UNIT_LEADER_WITHOUT_UNIT in change.content.decode()
    reporter_a.refresh_from_db()
    assert (reporter_a.role, reporter_a.unit) == (Role.REPORTER, scj)
