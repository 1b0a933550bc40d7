"""Shared set-up of the security tests: the demo installation (`xinyong init --demo`) and
the platform's roles as clients.

Loading the demo data takes about 20 s, too long for every test. The package-scoped
fixture loads it once inside an outer transaction that is rolled back when the package's
tests are done; each test's own transaction (pytest-django's `db`) is a savepoint inside
it, so tests still cannot see each other's writes and nothing leaks to other packages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

# The roles of the matrix. "visitor" is a member of the public who has confirmed their
# identity on the portal (a session that holds portal confirmations but no account).
ROLES = (
    "anonymous",
    "visitor",
    "credit_admin",
    "reporter_a",
    "reviewer_a",
    "reporter_b",
    "leader",
    "unit_leader_a",
    "unit_leader_b",
    "org_dept",
    "bank",
)

# Demo accounts (xinyong.orgs.loaders.DEMO_USERS; scj_leader, unit A's 单位负责人, from
# personnel/demo.py): unit A is 区市场监管局, unit B 区人社局. Unit B's 单位负责人 is not a
# demo account: `demo_data` adds it.
DEMO_ACCOUNTS = {
    "credit_admin": "admin",
    "reporter_a": "reporter_scj",
    "reviewer_a": "reviewer_scj",
    "reporter_b": "reporter_rsj",
    "leader": "leader",
    "unit_leader_a": "scj_leader",
    "unit_leader_b": "rsj_leader",
    "org_dept": "zzb",
    "bank": "bank_demo",
}
UNIT_A = "区市场监管局"
UNIT_B = "区人社局"


@pytest.fixture(scope="package")
def demo_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    from types import SimpleNamespace
    from unittest import mock

    from tests.demo.test_supervision_sanctions_demo import DEMO_SEEDS
    from xinyong.core import bootstrap
    from xinyong.supervision import draws

    # The demo's draws take whoever their random seed picks, possibly nobody (small
    # strata at 1–30 %); the matrix needs unit A's draw target, so the seeds are fixed.
    seeds = iter(DEMO_SEEDS)
    fixed = SimpleNamespace(token_hex=lambda _n: next(seeds))
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with mock.patch.object(draws, "secrets", fixed):
                bootstrap.run_demo_loaders()
            _add_unit_b_leader()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _add_unit_b_leader() -> None:
    from xinyong.orgs import services
    from xinyong.orgs.loaders import DEMO_PASSWORD
    from xinyong.orgs.models import Role

    services.create_user(
        actor=None,
        username=DEMO_ACCOUNTS["unit_leader_b"],
        password=DEMO_PASSWORD,
        role=Role.UNIT_LEADER,
        unit=services.resolve_unit(UNIT_B),
        full_name="人社局局长",
    )


@dataclass
class Actors:
    users: dict[str, Any]

    def client(self, role: str, **kwargs: Any) -> Client:
        client = Client(**kwargs)
        if role in self.users:
            client.force_login(self.users[role])
        elif role == "visitor":
            portal_visitor(client)
        return client


def portal_visitor(client: Client) -> Client:
    """A member of the public who has confirmed their identity on the portal (the
    personnel self-service confirmation: the strongest thing an anonymous session can
    hold) for the first demo person's file, and has made a public query."""
    from xinyong.personnel import services
    from xinyong.personnel.models import Person
    from xinyong.personnel.views import SELF_SESSION

    person = Person.objects.order_by("pk").first()
    assert person is not None, "the demo data holds personnel files"
    check, _shown = services.start_identity_check(id_number=person.id_number, name=person.name)
    check = services.confirm_identity(check=check, response=check.confirmation_code)
    session = client.session
    session[SELF_SESSION] = check.pk
    session.save()
    client.get("/credit/", {"q": "安阳"})
    return client


@pytest.fixture
def actors(demo_data: None, db: Any) -> Actors:
    from xinyong.orgs.models import User

    users = {role: User.objects.get(username=name) for role, name in DEMO_ACCOUNTS.items()}
    return Actors(users=users)
