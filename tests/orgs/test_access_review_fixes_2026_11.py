"""Access after the November 2026 review (foundation defects 2 and 9): a superuser moved
to another role stops being a superuser; an account bound to a deactivated unit is
switched off everywhere (permissions, API tokens, web sessions, login, new tokens)."""

from __future__ import annotations

import pytest
from django.test import Client

from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.orgs import services
from xinyong.orgs.models import ApiToken, Unit, User
from xinyong.orgs.permissions import readable_unit_ids, role_of

from .test_admin_review_fixes_2026_11 import PASSWORD, _superuser, _unit

pytestmark = pytest.mark.django_db


def _switch_off(unit: Unit) -> None:
    Unit.objects.filter(pk=unit.pk).update(active=False)


# --------------------------------------------------------------------------- defect 2


def test_a_superuser_moved_to_reporter_loses_district_wide_rights() -> None:
    root = _superuser()
    other = services.create_user(
        actor=None,
        username="former_admin",
        password="Another#Pass2026",
        role="credit_admin",
        unit=_unit("区发改委"),
        superuser=True,
    )
    scj = _unit("区市场监管局")
    services.set_role(actor=root, user=other, role="reporter", unit=scj)
    other = User.objects.get(pk=other.pk)
    assert other.role == "reporter"
    assert other.is_superuser is False
    assert other.is_staff is False
    assert role_of(other) == "reporter"
    assert readable_unit_ids(other) == {scj.pk}
    event = Event.objects.filter(action="orgs.user_set_role", target_id=str(other.pk)).get()
    assert event.old_values["is_superuser"] is True
    assert event.old_values["is_staff"] is True
    assert event.new_values["is_superuser"] is False
    assert event.new_values["is_staff"] is False


def test_set_role_lets_the_role_decide_staff_and_superuser() -> None:
    root = _superuser()
    kept = services.create_user(
        actor=None,
        username="kept_admin",
        password="Another#Pass2026",
        role="credit_admin",
        unit=_unit("区发改委"),
        superuser=True,
    )
    # Staying a credit admin keeps the superuser flag (only the role decides).
    services.set_role(actor=root, user=kept, role="credit_admin")
    kept = User.objects.get(pk=kept.pk)
    assert (kept.is_superuser, kept.is_staff) == (True, True)
    # A district leader is not staff and not a superuser.
    services.set_role(actor=root, user=kept, role="leader", unit=None)
    kept = User.objects.get(pk=kept.pk)
    assert (kept.role, kept.is_superuser, kept.is_staff) == ("leader", False, False)
    assert role_of(kept) == "leader"


# --------------------------------------------------------------------------- defect 9


def test_a_deactivated_units_token_gets_401_with_a_chinese_reason() -> None:
    root = _superuser()
    scj = _unit("区市场监管局")
    _token, key = services.issue_unit_token(actor=root, unit=scj, name="对接")
    _switch_off(scj)
    r = Client().get("/api/v1/records/", HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 401
    assert r.json()["detail"] == "责任单位“区市场监管局”已停用，其账号和接口令牌不能再使用。"


def test_a_deactivated_units_session_is_ended() -> None:
    scj = _unit("区市场监管局")
    reviewer = services.create_user(
        actor=None, username="reviewer_x", password=PASSWORD, role="reviewer", unit=scj
    )
    session = Client()
    session.force_login(reviewer)
    assert session.get("/api/v1/records/").status_code == 200
    _switch_off(scj)
    assert session.get("/api/v1/records/").status_code == 401
    r = session.get("/workspace/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/")
    # Logged out, not merely hidden: switching the unit back on does not revive it.
    Unit.objects.filter(pk=scj.pk).update(active=True)
    assert session.get("/workspace/").status_code == 302


def test_a_deactivated_units_staff_cannot_log_in() -> None:
    scj = _unit("区市场监管局")
    services.create_user(
        actor=None, username="reporter_x", password=PASSWORD, role="reporter", unit=scj
    )
    _switch_off(scj)
    client = Client()
    r = client.post("/login/", {"username": "reporter_x", "password": PASSWORD})
    assert r.status_code == 200
    assert "责任单位“区市场监管局”已停用，其账号和接口令牌不能再使用。" in r.content.decode()
    assert client.get("/workspace/").status_code == 302


def test_role_of_switches_off_only_accounts_bound_to_an_inactive_unit() -> None:
    fgw = _unit("区发改委")
    admin = services.create_user(
        actor=None, username="xyb_admin", password=PASSWORD, role="credit_admin", unit=fgw
    )
    fgw_reporter = services.create_user(
        actor=None, username="fgw_reporter", password=PASSWORD, role="reporter", unit=fgw
    )
    fgw_head = services.create_user(
        actor=None, username="fgw_head", password=PASSWORD, role="unit_leader", unit=fgw
    )
    leader = services.create_user(
        actor=None, username="leader_x", password=PASSWORD, role="leader", unit=None
    )
    bank = services.create_user(
        actor=None,
        username="bank_x",
        password=PASSWORD,
        role="bank",
        unit=None,
        organisation="中国银行安阳北关支行",
    )
    _switch_off(fgw)
    fresh = {u.username: User.objects.get(pk=u.pk) for u in (admin, fgw_reporter, fgw_head)}
    assert role_of(fresh["fgw_reporter"]) is None
    assert readable_unit_ids(fresh["fgw_reporter"]) == set()
    assert role_of(fresh["fgw_head"]) is None
    # The credit office's rights are district-wide, not its unit's: its admins keep them.
    assert role_of(fresh["xyb_admin"]) == "credit_admin"
    assert role_of(User.objects.get(pk=leader.pk)) == "leader"
    assert role_of(User.objects.get(pk=bank.pk)) == "bank"


def test_no_token_is_issued_for_a_deactivated_unit() -> None:
    root = _superuser()
    scj = _unit("区市场监管局")
    first, _key = services.issue_unit_token(actor=root, unit=scj, name="对接")
    _switch_off(scj)
    scj = Unit.objects.get(pk=scj.pk)
    with pytest.raises(DomainError, match="责任单位“区市场监管局”已停用"):
        services.issue_unit_token(actor=root, unit=scj, name="第二个")
    with pytest.raises(DomainError, match="责任单位“区市场监管局”已停用"):
        services.ensure_system_account(actor=root, unit=scj)
    account = User.objects.get(pk=first.user_id)
    with pytest.raises(DomainError, match="责任单位“区市场监管局”已停用"):
        services.issue_token(actor=root, user=account, name="第三个")
    assert ApiToken.objects.filter(user__unit=scj).count() == 1


def test_createsuperuser_stores_the_credit_admin_role() -> None:
    first = User.objects.create_superuser("first_admin", "", PASSWORD)
    assert (first.role, first.is_staff, role_of(first)) == ("credit_admin", True, "credit_admin")


def test_giving_an_older_superuser_a_unit_keeps_it_a_superuser() -> None:
    """A superuser made before createsuperuser stored its role (stored role: the default
    填报员, no unit): saving only a unit for it in the admin is no change of role."""
    office = services.resolve_unit("区发改委")
    root = services.create_user(
        actor=None,
        username="office_x",
        password=PASSWORD,
        role="credit_admin",
        unit=office,
        superuser=True,
    )
    older = User.objects.create_superuser("older_admin", "", PASSWORD, role="reporter")
    client = Client(raise_request_exception=False)
    client.force_login(root)
    response = client.post(
        f"/admin/orgs/user/{older.pk}/change/",
        {
            "full_name": "",
            "phone": "",
            "organisation": "",
            "role": "reporter",
            "unit": office.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    older.refresh_from_db()
    assert (older.unit, older.is_superuser, older.is_staff) == (office, True, True)
    assert role_of(older) == "credit_admin"
    # Moving it to another role does demote it.
    services.set_role(actor=root, user=older, role="reviewer", unit=office)
    older.refresh_from_db()
    assert (older.is_superuser, older.is_staff, role_of(older)) == (False, False, "reviewer")
