from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from xinyong.core.models import Event
from xinyong.orgs.loaders import DEMO_PASSWORD, load_demo_users
from xinyong.orgs.models import Role, User

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


def _login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_url_is_the_web_login():
    assert reverse("web:login") == LOGIN


@pytest.mark.argon2
def test_passwords_are_hashed_with_argon2(reporter_a):
    assert reporter_a.password.startswith("argon2$argon2id$")
    stored = User.objects.get(pk=reporter_a.pk).password
    assert PASSWORD not in stored


def test_lockout_after_five_failures(reporter_a, reviewer_a):
    client = Client()
    for _ in range(4):
        response = _login(client, "reporter_a", "wrong-password")
        assert response.status_code == 200  # the form again, with an error
    fifth = _login(client, "reporter_a", "wrong-password")
    assert fifth.status_code == 429
    sixth = _login(client, "reporter_a", PASSWORD)
    assert sixth.status_code == 429
    page = sixth.content.decode()
    assert "账号已临时锁定" in page and "联系信用办管理员解锁" in page
    assert "_auth_user_id" not in client.session
    # Lockout is per username (+ IP): another account still logs in.
    other = _login(Client(), "reviewer_a", PASSWORD)
    assert other.status_code == 302


def test_success_resets_the_failure_counter(reporter_a):
    client = Client()
    for _ in range(4):
        _login(client, "reporter_a", "wrong-password")
    assert _login(client, "reporter_a", PASSWORD).status_code == 302
    client = Client()
    for _ in range(4):
        assert _login(client, "reporter_a", "wrong-password").status_code == 200
    assert _login(client, "reporter_a", PASSWORD).status_code == 302


def test_csrf_is_enforced_on_the_login_form(reporter_a):
    client = Client(enforce_csrf_checks=True)
    refused = _login(client, "reporter_a", PASSWORD)
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session
    page = client.get(LOGIN)
    token = page.cookies["csrftoken"].value
    accepted = client.post(
        LOGIN, {"username": "reporter_a", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302
    assert client.session["_auth_user_id"] == str(reporter_a.pk)


@pytest.mark.argon2
def test_session_and_cookie_settings(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.CSRF_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_system_accounts_cannot_log_in_with_a_password(admin_user, scj):
    from xinyong.orgs import services

    account = services.create_system_account(actor=admin_user, unit=scj, username="scj_sys")
    assert _login(Client(), "scj_sys", "").status_code == 200
    assert not account.has_usable_password()


def test_demo_users_are_idempotent_and_keep_changed_passwords():
    summary = load_demo_users()
    assert "新建 7 个演示账号" in summary
    expected = {
        "admin": (Role.CREDIT_ADMIN, "区发改委", ""),
        "reporter_scj": (Role.REPORTER, "区市场监管局", ""),
        "reviewer_scj": (Role.REVIEWER, "区市场监管局", ""),
        "reporter_rsj": (Role.REPORTER, "区人社局", ""),
        "leader": (Role.LEADER, None, ""),
        "zzb": (Role.ORG_DEPT, "区委组织部", ""),
        "bank_demo": (Role.BANK, None, "中国银行安阳北关支行"),
    }
    for username, (role, unit, organisation) in expected.items():
        user = User.objects.get(username=username)
        assert (user.role, user.unit.name if user.unit else None, user.organisation) == (
            role,
            unit,
            organisation,
        )
        assert user.check_password(DEMO_PASSWORD)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    admin.set_password("Changed#Passw0rd")
    admin.save()
    events = Event.objects.count()
    assert load_demo_users() == "演示账号均已存在，未作改动"
    assert Event.objects.count() == events
    assert User.objects.get(username="admin").check_password("Changed#Passw0rd")
    assert _login(Client(), "reporter_scj", DEMO_PASSWORD).status_code == 302
