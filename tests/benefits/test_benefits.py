"""信易+: scenarios as data, the provider's check (workspace, API with token, CLI) with
reasons from the shared criteria, every use recorded and counted per scenario; who may
check, who may see the counts, and the public list."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from tests.finance.helpers import admin, bank_user, firm, list_entry, make_user, person, unit
from xinyong.benefits import services
from xinyong.benefits.models import Scenario, ScenarioUse
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.masking import mask_name
from xinyong.core.models import Event, ReadLog
from xinyong.orgs.models import Role
from xinyong.orgs.services import create_system_account, issue_token

pytestmark = pytest.mark.django_db
ON = date(2026, 10, 9)


@pytest.fixture
def world():
    return {
        "credit": admin(),
        "reporter": make_user("rep_zjj", Role.REPORTER, "区住建局"),
        "leader": make_user("leader1", Role.LEADER),
        "zzb": make_user("zzb1", Role.ORG_DEPT, "区委组织部"),
        "bank": bank_user(),
        "a": firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A"),
        "b": firm("MA46D1L7", "安阳市北关区红旗路物业服务有限公司", grade="B"),
        "person": person("李秀英", date(1975, 11, 3), 42),
    }


def test_seed_scenarios_are_data_with_basis():
    codes = list(Scenario.objects.values_list("code", flat=True))
    assert codes == ["XYP", "XYZ", "XYY", "XYX", "XYYL", "XYYD", "XYJ"]
    names = set(Scenario.objects.values_list("name", flat=True))
    assert {"信易批", "信易租", "信易游", "信易行", "信易医", "信易阅"} <= names
    assert all(s.legal_basis and s.provider for s in Scenario.objects.all())
    assert Scenario.objects.get(code="XYZ").provider_unit == unit("区住建局")


def test_check_one_scenario_with_reasons_and_use_recorded(world):
    xyp = services.get_scenario("xyp")
    yes = services.check(
        actor=world["reporter"], subject_code=world["a"].identifier, scenario=xyp, on=ON
    )
    assert yes.eligible_for == ["信易批"]
    no = services.check(
        actor=world["reporter"], subject_code=world["b"].identifier, scenario=xyp, on=ON
    )
    assert no.eligible_for == []
    failed = [r["text"] for r in no.answers[0].reasons if not r["passed"]]
    assert failed == ["信用等级为 B，不符合要求（须为 A）"]
    uses = ScenarioUse.objects.filter(scenario=xyp).order_by("id")
    assert [(u.subject_id, u.eligible, u.checked_on) for u in uses] == [
        (world["a"].pk, True, ON),
        (world["b"].pk, False, ON),
    ]
    assert Event.objects.filter(action="benefits.check").count() == 2
    counted = services.usage_counts().get(code="XYP")
    assert (counted.use_count, counted.eligible_count) == (2, 1)


def test_check_all_scenarios_answers_for_what(world):
    result = services.check(actor=world["credit"], subject_code=world["a"].identifier, on=ON)
    assert result.eligible_for == ["信易批", "信易租", "信易游", "信易行", "信易检"]
    assert ScenarioUse.objects.count() == 7
    # A serious-dishonesty entry in force shuts every scenario.
    list_entry(world["a"], "SX_BZXR", date(2026, 9, 1), actor=world["credit"])
    result = services.check(actor=world["credit"], subject_code=world["a"].identifier, on=ON)
    assert result.eligible_for == []


def test_person_check_is_read_logged_and_masked(world):
    p = world["person"]
    result = services.check(actor=world["reporter"], subject_code=p.identifier, on=ON)
    # Ungraded persons qualify where the scenario allows it (信易租: allow_ungraded).
    assert result.eligible_for == ["信易租", "信易游", "信易行", "信易医", "信易阅"]
    data = result.as_dict()
    assert data["subject"]["name"] == mask_name("李秀英") != "李秀英"
    assert p.identifier not in json.dumps(data, ensure_ascii=False)
    assert ReadLog.objects.filter(subject_id=str(p.pk), purpose="信易+守信激励核验").count() == 1
    assert ScenarioUse.objects.filter(subject=p).first().queried_code == p.display_identifier


def test_unknown_subject_is_recorded_as_not_eligible(world):
    # Staff only: a bank gets "not found" for a code it may not see (bank_may_see).
    result = services.check(actor=world["reporter"], subject_code="91410503MA9ZZZZZ1X", on=ON)
    assert result.subject is None and result.eligible_for == []
    assert ScenarioUse.objects.filter(subject__isnull=True).count() == 7
    with pytest.raises(DomainError):
        services.check(actor=world["bank"], subject_code="  ")


def test_who_may_check(world):
    for who in ("leader", "zzb"):
        with pytest.raises(NotPermitted):
            services.check(actor=world[who], subject_code=world["a"].identifier)


PAGES = [
    ("benefits:list", ("credit", "reporter", "bank", "leader"), ("zzb",)),
    ("benefits:check", ("credit", "reporter", "bank"), ("leader", "zzb")),
]


@pytest.mark.parametrize("name, allowed, refused", PAGES)
def test_workspace_pages_by_role(client, world, name, allowed, refused):
    url = reverse(name)
    assert client.get(url).status_code == 302
    for who in allowed:
        client.force_login(world[who])
        assert client.get(url).status_code == 200, who
    for who in refused:
        client.force_login(world[who])
        assert client.get(url).status_code == 403, who


def test_check_page_and_uses_page(client, world):
    client.force_login(world["reporter"])
    page = client.post(
        reverse("benefits:check"), {"subject": world["a"].identifier, "scenario": "XYZ"}
    ).content.decode()
    assert "可享受：信易租" in page and "信用等级为 A，符合要求" in page
    page = client.post(
        reverse("benefits:check"), {"subject": world["a"].identifier, "scenario": "NOPE"}
    ).content.decode()
    assert "没有代码为“NOPE”的信易+场景" in page
    url = reverse("benefits:uses", args=["XYZ"])
    assert client.get(url).status_code == 403
    client.force_login(world["leader"])
    assert "安阳市北关区恒达商贸有限公司" in client.get(url).content.decode()
    assert client.get(reverse("benefits:uses", args=["NOPE"])).status_code == 404


def test_portal_lists_published_scenarios(client):
    Scenario.objects.filter(code="XYJ").update(published=False)
    page = client.get(reverse("benefits:portal-list")).content.decode()
    assert "信易阅" in page and "北关区图书馆" in page and "信易检" not in page


def test_api_check_with_token_and_counts(world):
    system = create_system_account(actor=world["credit"], unit=unit("区住建局"), username="zjj_sys")
    _token, key = issue_token(actor=world["credit"], user=system, name="公租房系统")
    api = APIClient()
    r = api.post(
        "/api/v1/benefits/check/",
        {"subject": world["a"].identifier, "scenario": "XYZ"},
        format="json",
    )
    assert r.status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    r = api.post(
        "/api/v1/benefits/check/",
        {"subject": world["a"].identifier, "scenario": "XYZ"},
        format="json",
    )
    assert r.status_code == 200
    body = r.json()
    assert body["eligible_for"] == ["信易租"] and body["results"][0]["eligible"] is True
    assert ScenarioUse.objects.get().channel == "api"
    r = api.post("/api/v1/benefits/check/", {"scenario": "XYZ"}, format="json")
    assert (
        r.status_code == 400 and "统一社会信用代码、身份证号码或其他证件号码" in r.json()["detail"]
    )
    r = api.post("/api/v1/benefits/check/", {"subject": "x", "scenario": "NOPE"}, format="json")
    assert r.status_code == 404
    counts = {row["code"]: row["use_count"] for row in api.get("/api/v1/benefits/counts/").json()}
    assert counts["XYZ"] == 1 and counts["XYP"] == 0
    anon = APIClient()
    assert anon.get("/api/v1/benefits/counts/").status_code in (401, 403)
    listed = anon.get("/api/v1/benefits/scenarios/").json()["results"]
    assert listed[0]["code"] == "XYP" and listed[0]["conditions"]


def test_cli_check_json_and_errors(world):
    out = io.StringIO()
    call_command(
        "benefits",
        "check",
        "--scenario",
        "XYP",
        "--subject",
        world["a"].identifier,
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["eligible_for"] == ["信易批"]
    assert ScenarioUse.objects.get().channel == "cli"
    with pytest.raises(CommandError) as exc:
        call_command("benefits", "check", "--scenario", "NOPE", "--subject", "x")
    assert "信易+场景" in str(exc.value)
    out = io.StringIO()
    call_command("benefits", "scenarios", stdout=out)
    assert "XYP 信易批" in out.getvalue()


def test_scenario_criteria_validated_on_save(world):
    with pytest.raises(DomainError):
        services.update_scenario(
            actor=world["credit"],
            scenario=Scenario.objects.get(code="XYP"),
            criteria={"grades": ["Z"]},
        )
    with pytest.raises(NotPermitted):
        services.update_scenario(
            actor=world["reporter"], scenario=Scenario.objects.get(code="XYP"), benefit="x"
        )
    s = services.update_scenario(
        actor=world["credit"],
        scenario=Scenario.objects.get(code="XYP"),
        criteria={"grades": ["A", "B"]},
    )
    assert s.criteria == {"grades": ["A", "B"]}
    assert Event.objects.filter(action="benefits.scenario_update").count() == 1
