"""承诺作出日期 has a plausibility floor (2000-01-01) so that 承诺编码 is always 20
characters (DOMAIN.md §9): before, 0001-01-01 was accepted with a 17-character code."""

from __future__ import annotations

import re
from datetime import date

import pytest
from rest_framework.test import APIClient

from xinyong.commitments import services
from xinyong.commitments.models import Commitment, Kind
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Role

from .helpers import ORG_USCC, SCJG, commit, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1900, 1, 1), date(1999, 12, 31)])
def test_service_refuses_made_on_before_2000(day: date) -> None:
    with pytest.raises(DomainError) as caught:
        commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=day)
    assert caught.value.message == (f"承诺作出日期 {day.isoformat()} 早于 2000-01-01，请核对。")
    assert not Commitment.objects.exists()


def test_service_accepts_the_floor_with_a_20_character_code() -> None:
    # 审批替代型 without a matter: no verification deadline, so no working-day calendar of
    # 2000 is needed.
    c = commit(
        SCJG, None, Kind.APPROVAL, made_on=date(2000, 1, 1), reason="办理许可", content="材料真实"
    )
    assert c.code == "41050320000101000001"
    assert len(c.code) == 20


def test_next_code_pads_the_year_to_four_digits() -> None:
    # Even called directly (bypassing the floor), the year is never shortened.
    assert services.next_code(date(999, 1, 2)) == "41050309990102000001"


def test_api_refuses_old_made_on_and_codes_are_20_characters() -> None:
    reporter = make_user("scj_rep", Role.REPORTER, SCJG)
    api = APIClient()
    api.force_authenticate(reporter)
    base = {
        "kind": "审批替代型",
        "committer_name": "某公司",
        "committer_code": ORG_USCC,
        "reason": "办理许可",
        "content": "承诺材料真实",
        "made_on": "2026-11-20",
    }
    for day in ("0001-01-01", "1900-01-01"):
        answer = api.post("/api/v1/commitments/", {**base, "made_on": day}, format="json")
        assert answer.status_code == 400, answer.content
        assert f"承诺作出日期 {day} 早于 2000-01-01" in answer.content.decode()
    assert not Commitment.objects.exists()
    ok = api.post("/api/v1/commitments/", {**base, "made_on": "2000-01-01"}, format="json")
    assert ok.status_code == 201, ok.content
    assert re.fullmatch(r"41050320000101\d{6}", ok.json()["code"])
    assert all(len(code) == 20 for code in Commitment.objects.values_list("code", flat=True))
