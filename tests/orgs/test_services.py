from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs import services
from xinyong.orgs.authentication import UnitTokenAuthentication
from xinyong.orgs.models import ApiToken, Role, User

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_create_user_writes_one_event_without_the_password(admin_user, scj):
    before = Event.objects.count()
    user = services.create_user(
        actor=admin_user,
        username="li_si",
        password=PASSWORD,
        role=Role.REPORTER,
        unit=scj,
        full_name="李四",
    )
    assert user.check_password(PASSWORD)
    assert Event.objects.count() == before + 1
    event = Event.objects.latest("id")
    assert (event.action, event.target_id, event.actor_id) == (
        "orgs.user_create",
        str(user.pk),
        admin_user.pk,
    )
    assert event.new_values["unit"] == "区市场监管局"
    assert event.new_values["role"] == "reporter"
    assert PASSWORD not in json.dumps(event.new_values, ensure_ascii=False)


def test_reviewer_creates_only_own_units_reporters(reviewer_a, scj, rsj, reporter_a):
    created = services.create_user(
        actor=reviewer_a, username="scj_new", password=PASSWORD, role=Role.REPORTER, unit=scj
    )
    assert created.unit == scj
    with pytest.raises(NotPermitted, match="只能为本单位创建部门填报员"):
        services.create_user(
            actor=reviewer_a, username="rsj_new", password=PASSWORD, role=Role.REPORTER, unit=rsj
        )
    with pytest.raises(NotPermitted):
        services.create_user(
            actor=reviewer_a, username="scj_rev", password=PASSWORD, role=Role.REVIEWER, unit=scj
        )
    with pytest.raises(NotPermitted, match="只有信用办管理员或部门审核员"):
        services.create_user(
            actor=reporter_a, username="scj_x", password=PASSWORD, role=Role.REPORTER, unit=scj
        )
    assert not User.objects.filter(username__in=["rsj_new", "scj_rev", "scj_x"]).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"password": "123"}, "密码不符合要求"),
        ({"username": "admin_dup"}, "已被使用"),
        ({"username": "坏 名字"}, "用户名只能包含"),
        ({"role": "god"}, "角色“god”无效"),
        ({"unit": None}, "必须属于一个责任单位"),
    ],
)
def test_create_user_refusals(admin_user, scj, kwargs, message):
    services.create_user(
        actor=None, username="admin_dup", password=PASSWORD, role=Role.LEADER, unit=None
    )
    args = {
        "actor": admin_user,
        "username": "new_user",
        "password": PASSWORD,
        "role": Role.REPORTER,
        "unit": scj,
    } | kwargs
    with pytest.raises(DomainError) as info:
        services.create_user(**args)
    assert message in info.value.message


def test_bank_user_needs_organisation():
    with pytest.raises(DomainError, match="所属机构"):
        services.create_user(
            actor=None, username="bank_y", password=PASSWORD, role=Role.BANK, unit=None
        )


def test_set_role_and_deactivate(admin_user, reviewer_a, reporter_a, rsj):
    services.set_role(actor=admin_user, user=reporter_a, role=Role.REVIEWER, unit=rsj)
    reporter_a.refresh_from_db()
    assert (reporter_a.role, reporter_a.unit) == (Role.REVIEWER, rsj)
    event = Event.objects.latest("id")
    assert event.action == "orgs.user_set_role"
    assert event.old_values["role"] == "reporter" and event.new_values["unit"] == "区人社局"
    with pytest.raises(NotPermitted):
        services.set_role(actor=reviewer_a, user=reporter_a, role=Role.LEADER)
    with pytest.raises(NotPermitted, match="不能修改自己的角色"):
        services.set_role(actor=admin_user, user=admin_user, role=Role.LEADER)
    with pytest.raises(NotPermitted):  # reporter_a is now another unit's reviewer
        services.deactivate(actor=reviewer_a, user=reporter_a)
    services.deactivate(actor=admin_user, user=reporter_a, reason="调离")
    reporter_a.refresh_from_db()
    assert reporter_a.is_active is False
    assert Event.objects.latest("id").new_values == {"is_active": False, "reason": "调离"}
    with pytest.raises(DomainError, match="已是停用状态"):
        services.deactivate(actor=admin_user, user=reporter_a)
    services.reactivate(actor=admin_user, user=reporter_a)
    reporter_a.refresh_from_db()
    assert reporter_a.is_active is True


def test_reviewer_deactivates_own_reporter(reviewer_a, reporter_a, reporter_b):
    services.deactivate(actor=reviewer_a, user=reporter_a)
    with pytest.raises(NotPermitted):
        services.deactivate(actor=reviewer_a, user=reporter_b)
    reporter_b.refresh_from_db()
    assert reporter_b.is_active


def test_issue_token_stores_only_hash_and_prefix(reviewer_a, scj):
    account = services.create_system_account(actor=reviewer_a, unit=scj, username="scj_sys")
    assert account.is_system_account and not account.has_usable_password()
    assert account.role == Role.REPORTER and account.unit == scj
    token, key = services.issue_token(actor=reviewer_a, user=account, name="双公示报送")
    assert len(key) == 43
    assert token.prefix == key[:8]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash=key).exists()
    event = Event.objects.latest("id")
    assert event.action == "orgs.token_issue"
    assert event.new_values == {"name": "双公示报送", "prefix": key[:8], "user": "scj_sys"}
    for e in Event.objects.all():
        assert key not in json.dumps([e.new_values, e.old_values, e.target_repr])


def test_tokens_are_scoped_to_the_unit(reviewer_a, reviewer_b, scj, rsj, admin_user, reporter_a):
    with pytest.raises(NotPermitted, match="无权管理“区人社局”的接口令牌"):
        services.create_system_account(actor=reviewer_a, unit=rsj, username="rsj_sys")
    rsj_token, _key = services.issue_unit_token(actor=reviewer_b, unit=rsj, name="人社接口")
    with pytest.raises(NotPermitted):
        services.issue_token(actor=reviewer_a, user=rsj_token.user, name="偷签")
    with pytest.raises(NotPermitted):
        services.revoke_token(actor=reviewer_a, token=rsj_token)
    with pytest.raises(NotPermitted):
        services.issue_unit_token(actor=reporter_a, unit=scj, name="填报员不可签发")
    rsj_token.refresh_from_db()
    assert rsj_token.revoked_at is None
    # The credit office manages every unit's tokens.
    services.revoke_token(actor=admin_user, token=rsj_token, reason="测试")
    rsj_token.refresh_from_db()
    assert rsj_token.revoked_at is not None
    with pytest.raises(DomainError, match="已于"):
        services.revoke_token(actor=admin_user, token=rsj_token)


def test_issue_unit_token_reuses_the_system_account(admin_user, scj):
    first, _ = services.issue_unit_token(actor=admin_user, unit=scj, name="一")
    second, _ = services.issue_unit_token(actor=admin_user, unit=scj, name="二")
    assert first.user == second.user
    assert first.user.username == f"sys_unit_{scj.pk}"
    assert User.objects.filter(unit=scj, is_system_account=True).count() == 1


def test_personal_accounts_get_no_tokens(admin_user, reporter_a):
    with pytest.raises(DomainError, match="只能签发给接口系统账号"):
        services.issue_token(actor=admin_user, user=reporter_a, name="个人")
    with pytest.raises(DomainError, match="请填写令牌用途"):
        services.issue_unit_token(actor=admin_user, unit=reporter_a.unit, name="  ")


def test_a_token_prefix_never_starts_with_a_dash(admin_user, scj, monkeypatch):
    """`xinyong tokens revoke -AbCdEfG` would read the prefix as an option: such keys are
    drawn again (the CLI test failed 1 run in 64 before)."""
    keys = iter(["-dashfirst" + "x" * 33, "plainkey" + "y" * 35])
    monkeypatch.setattr(services.secrets, "token_urlsafe", lambda n: next(keys))
    token, key = services.issue_unit_token(actor=admin_user, unit=scj, name="前缀")
    assert (token.prefix, key) == ("plainkey", "plainkey" + "y" * 35)
    call_command("tokens", "revoke", token.prefix)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_tokens_cli(capsys, scj):
    call_command("tokens", "issue", "--unit", "区市场局", "--name", "CLI 测试")
    out = capsys.readouterr().out
    key = next(line.split("：", 1)[1] for line in out.splitlines() if line.startswith("令牌："))
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    assert token.user.unit == scj and token.name == "CLI 测试"
    assert Event.objects.filter(action="orgs.token_issue").latest("id").channel == "cli"
    with pytest.raises(CommandError, match="是单位组"):
        call_command("tokens", "issue", "--unit", "各街道〈镇〉", "--name", "x")
    with pytest.raises(CommandError, match="没有前缀"):
        call_command("tokens", "revoke", "zzzzzzzz")
    call_command("tokens", "revoke", token.prefix)
    assert "已停用" in capsys.readouterr().out
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoked_token_no_longer_authenticates(admin_user, scj):
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework.test import APIRequestFactory

    token, key = services.issue_unit_token(actor=admin_user, unit=scj, name="x")
    request = APIRequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {key}")
    user, auth = UnitTokenAuthentication().authenticate(request)
    assert user == token.user and auth == token
    services.revoke_token(actor=admin_user, token=token)
    with pytest.raises(AuthenticationFailed):
        UnitTokenAuthentication().authenticate(request)


def test_update_profile(admin_user, reporter_a, reviewer_b):
    services.update_profile(
        actor=admin_user, user=reporter_a, full_name="王五", phone="13812345678"
    )
    reporter_a.refresh_from_db()
    assert (reporter_a.full_name, reporter_a.phone) == ("王五", "13812345678")
    with pytest.raises(NotPermitted):
        services.update_profile(actor=reviewer_b, user=reporter_a, full_name="改名")
