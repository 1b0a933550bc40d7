from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIRequestFactory

from xinyong.core.errors import NotPermitted
from xinyong.orgs import permissions, services
from xinyong.orgs.models import User
from xinyong.orgs.permissions import (
    IsCreditAdmin,
    IsReviewerOrCreditAdmin,
    IsUnitStaff,
    ReadOnlyForLeader,
    can_read_unit_data,
    can_write_unit_data,
    require,
    scope_to_user_units,
)

pytestmark = pytest.mark.django_db


def test_read_and_write_matrix(
    scj, rsj, admin_user, reviewer_a, reporter_a, leader, bank, org_dept
):
    anonymous = AnonymousUser()
    expected = {
        # user: (read scj, read rsj, write scj, write rsj)
        "admin_user": (True, True, True, True),
        "reviewer_a": (True, False, True, False),
        "reporter_a": (True, False, True, False),
        "leader": (True, True, False, False),
        "bank": (False, False, False, False),
        "org_dept": (False, False, False, False),
        "anonymous": (False, False, False, False),
    }
    users = {
        "admin_user": admin_user,
        "reviewer_a": reviewer_a,
        "reporter_a": reporter_a,
        "leader": leader,
        "bank": bank,
        "org_dept": org_dept,
        "anonymous": anonymous,
    }
    for key, user in users.items():
        got = (
            can_read_unit_data(user, scj),
            can_read_unit_data(user, rsj),
            can_write_unit_data(user, scj),
            can_write_unit_data(user, rsj.pk),
        )
        assert got == expected[key], key


def test_deactivated_account_sees_nothing(scj, reporter_a):
    services.deactivate(actor=None, user=reporter_a)
    assert not can_read_unit_data(reporter_a, scj)
    assert not can_write_unit_data(reporter_a, scj)
    assert permissions.readable_unit_ids(reporter_a) == set()


def test_superuser_counts_as_credit_admin(rsj):
    root = services.create_user(
        actor=None,
        username="root_x",
        password="Xinyong@2026",
        role="reporter",
        unit=rsj,
        superuser=True,
    )
    assert permissions.role_of(root) == "credit_admin"
    assert can_write_unit_data(root, services.resolve_unit_name("区法院"))


def test_grants_give_banks_read_only_access(scj, rsj, admin_user, bank):
    services.grant_unit_access(actor=admin_user, user=bank, unit=scj)
    bank = User.objects.get(pk=bank.pk)
    assert can_read_unit_data(bank, scj)
    assert not can_read_unit_data(bank, rsj)
    assert not can_write_unit_data(bank, scj)
    services.revoke_unit_access(actor=admin_user, user=bank, unit=scj)
    assert not can_read_unit_data(bank, scj)


def test_only_credit_admins_grant(scj, reviewer_a, bank, reporter_a, admin_user):
    with pytest.raises(NotPermitted):
        services.grant_unit_access(actor=reviewer_a, user=bank, unit=scj)
    with pytest.raises(Exception, match="只有银行用户和组织部门用户"):
        services.grant_unit_access(actor=admin_user, user=reporter_a, unit=scj)


def test_scope_to_user_units(scj, rsj, admin_user, reviewer_a, reporter_b, leader, bank, org_dept):
    qs = User.objects.filter(username__in=["reviewer_a", "reporter_b", "xyb_admin"])
    assert set(scope_to_user_units(reviewer_a, qs).values_list("username", flat=True)) == {
        "reviewer_a"
    }
    assert set(scope_to_user_units(reporter_b, qs).values_list("username", flat=True)) == {
        "reporter_b"
    }
    assert scope_to_user_units(leader, qs).count() == 3
    assert scope_to_user_units(admin_user, qs).count() == 3
    assert scope_to_user_units(bank, qs).count() == 0
    services.grant_unit_access(actor=None, user=org_dept, unit=rsj)
    org_dept = User.objects.get(pk=org_dept.pk)
    assert list(scope_to_user_units(org_dept, qs).values_list("username", flat=True)) == [
        "reporter_b"
    ]
    # A lookup path through a relation.
    from xinyong.orgs.models import UnitAlias

    aliases = scope_to_user_units(reviewer_a, UnitAlias.objects.all(), unit_field="unit")
    assert {a.unit_id for a in aliases} == {scj.pk}


def test_require_raises_with_chinese_reason(scj, rsj, reviewer_a, leader):
    require(reviewer_a, "write_unit_data", scj)
    with pytest.raises(NotPermitted) as info:
        require(reviewer_a, "read_unit_data", rsj)
    assert info.value.message == "无权查看“区人社局”的数据。"
    assert info.value.http_status == 403
    with pytest.raises(NotPermitted) as info:
        require(leader, "write_unit_data", scj)
    assert info.value.message == "无权修改“区市场监管局”的数据。"
    with pytest.raises(NotPermitted) as info:
        require(AnonymousUser(), "read_unit_data", scj)
    assert info.value.message == "请先登录，或账号已停用。"
    with pytest.raises(ValueError):
        require(reviewer_a, "fly")


def test_drf_permission_classes(admin_user, reviewer_a, reporter_a, leader, bank):
    factory = APIRequestFactory()

    def allowed(cls, user, method="get"):
        request = getattr(factory, method)("/api/v1/x")
        request.user = user
        return cls().has_permission(request, None)

    assert allowed(IsCreditAdmin, admin_user) and not allowed(IsCreditAdmin, reviewer_a)
    assert allowed(IsUnitStaff, reporter_a) and allowed(IsUnitStaff, admin_user)
    assert not allowed(IsUnitStaff, leader) and not allowed(IsUnitStaff, bank)
    assert allowed(IsReviewerOrCreditAdmin, reviewer_a)
    assert not allowed(IsReviewerOrCreditAdmin, reporter_a)
    assert allowed(ReadOnlyForLeader, leader, "get")
    assert not allowed(ReadOnlyForLeader, leader, "post")
    assert allowed(ReadOnlyForLeader, reporter_a, "post")
