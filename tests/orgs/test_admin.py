from __future__ import annotations

import pytest
from django.test import Client

from xinyong.core.models import Event
from xinyong.orgs import services
from xinyong.orgs.models import ApiToken, UnitGroup, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return services.create_user(
        actor=None,
        username="root_admin",
        password="Xinyong@2026",
        role="credit_admin",
        unit=services.resolve_unit_name("区发改委"),
        superuser=True,
    )


@pytest.fixture
def client(root):
    c = Client()
    c.force_login(root)
    return c


def test_admin_pages_render(client, scj):
    group = UnitGroup.objects.get(name="各街道〈镇〉")
    for url in [
        "/admin/orgs/unit/",
        f"/admin/orgs/unit/{scj.pk}/change/",
        "/admin/orgs/unitgroup/",
        f"/admin/orgs/unitgroup/{group.pk}/change/",
        "/admin/orgs/user/",
        "/admin/orgs/user/add/",
        "/admin/orgs/apitoken/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "区市场局" in client.get(f"/admin/orgs/unit/{scj.pk}/change/").content.decode()


def test_admin_add_user_goes_through_the_service(client, scj):
    response = client.post(
        "/admin/orgs/user/add/",
        {
            "username": "admin_made",
            "password": "Xinyong@2026",
            "full_name": "后台新建",
            "role": "reporter",
            "unit": scj.pk,
            "organisation": "",
            "phone": "",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="admin_made")
    assert user.check_password("Xinyong@2026") and user.unit == scj
    event = Event.objects.filter(action="orgs.user_create").latest("id")
    assert event.target_id == str(user.pk) and event.actor_label.startswith("root_admin")


def test_admin_revoke_action_uses_the_service(client, root, scj):
    token, _key = services.issue_unit_token(actor=root, unit=scj, name="后台停用测试")
    response = client.post(
        "/admin/orgs/apitoken/",
        {"action": "revoke_selected", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token = ApiToken.objects.get(pk=token.pk)
    assert token.revoked_at is not None
    assert Event.objects.latest("id").action == "orgs.token_revoke"


def test_admin_change_user_goes_through_the_services(client, reporter_a, rsj):
    response = client.post(
        f"/admin/orgs/user/{reporter_a.pk}/change/",
        {
            "username": "reporter_a",
            "full_name": "改后姓名",
            "phone": "",
            "organisation": "",
            "role": "reviewer",
            "unit": rsj.pk,
        },
    )
    assert response.status_code == 302
    reporter_a.refresh_from_db()
    assert (reporter_a.role, reporter_a.unit, reporter_a.full_name) == ("reviewer", rsj, "改后姓名")
    assert reporter_a.is_active is False  # the unchecked box deactivates
    actions = list(
        Event.objects.filter(target_id=str(reporter_a.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == ["orgs.user_set_role", "orgs.user_update", "orgs.user_deactivate"]
