"""Review fix of 2026-11-27 (issue 7): a scenario's uses page shows whether each person
checked was eligible, so opening it is a read of those persons' data (ARCHITECTURE rule 5;
the person's 查询记录, 河南条例 art. 40)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from xinyong.benefits import services as benefits
from xinyong.core.models import ReadLog
from xinyong.orgs.models import Role

from ..finance.helpers import make_user, person

pytestmark = pytest.mark.django_db


def test_opening_a_scenarios_uses_of_persons_is_read_logged() -> None:
    someone = person("王五", date(1980, 5, 6), 11)
    clerk = make_user("wjw", Role.REPORTER, "区卫健委")
    benefits.check(
        actor=clerk, subject_code=someone.identifier, scenario=benefits.get_scenario("XYYL")
    )
    leader = make_user("leader2", Role.LEADER)
    c = Client()
    c.force_login(leader)
    page = c.get("/workspace/benefits/XYYL/uses/")
    assert "410503********" in page.content.decode()
    assert ReadLog.objects.filter(reader=leader, subject_id=str(someone.pk)).exists()
