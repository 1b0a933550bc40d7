"""The workspace's missing-calendar banner links to 配置管理 only for those who may import
a year there (the calendar admin's own rule: staff with add and change permission, i.e.
superusers); a leader or a bank would land on the admin's 403 page, so they are told to
contact the credit office instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from xinyong.orgs.models import Role, User

pytestmark = pytest.mark.django_db
ADMIN_URL = "/admin/core/calendaryear/"
CONTACT = "请联系信用办导入"


@pytest.fixture(autouse=True)
def missing_2027(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("xinyong.web.context_processors._missing_calendar_year", lambda: 2027)


def _banner(user: User) -> str:
    client = Client()
    client.force_login(user)
    page = client.get("/workspace/").content.decode()
    start = page.index('id="calendar-banner"')
    return page[start : page.index("</div>", start)]


def test_superuser_gets_the_link_and_can_use_it(superuser: User) -> None:
    banner = _banner(superuser)
    assert "尚未导入 2027 年节假日安排" in banner
    assert f'<a href="{ADMIN_URL}">配置管理</a>' in banner and CONTACT not in banner
    client = Client()
    client.force_login(superuser)
    assert client.get(ADMIN_URL).status_code == 200


@pytest.mark.parametrize("role", [Role.LEADER, Role.BANK, Role.REPORTER])
def test_others_are_told_to_contact_the_credit_office(
    make_user: Callable[..., User], role: str
) -> None:
    extra: dict[str, Any] = {"unit": None, "organisation": "中国银行安阳北关支行"}
    if role == Role.LEADER:
        extra = {"unit": None}  # a district leader has no unit
    user = make_user(f"u_{role}", role, **(extra if role in (Role.BANK, Role.LEADER) else {}))
    banner = _banner(user)
    assert "尚未导入 2027 年节假日安排" in banner
    assert CONTACT in banner and "/admin/" not in banner and "<a " not in banner


def test_credit_admin_without_the_admin_permission_is_not_sent_there(
    credit_admin: User,
) -> None:
    # A credit admin without the model permissions would get the admin's 403 as well.
    client = Client()
    client.force_login(credit_admin)
    assert client.get(ADMIN_URL).status_code == 403
    assert "/admin/" not in _banner(credit_admin)
    credit_admin.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="core",
            codename__in=["add_calendaryear", "change_calendaryear"],
        )
    )
    credit_admin = User.objects.get(pk=credit_admin.pk)  # no cached permissions
    assert f'<a href="{ADMIN_URL}">配置管理</a>' in _banner(credit_admin)
    client.force_login(credit_admin)
    assert client.get(ADMIN_URL).status_code == 200
