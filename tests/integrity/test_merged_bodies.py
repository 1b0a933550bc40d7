"""A government body whose court listing came in under a second subject that was later
merged into the body's subject (subjects.merge_subjects keeps the absorbed subject's list
entries on it, `merged_into` pointing to the survivor): the body is still one body on the
失信被执行人 list, in the scan, the dashboard, the unit's file and the evaluation."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from xinyong.core.models import Event
from xinyong.integrity import evaluation, monitoring, selectors
from xinyong.integrity.models import Alert
from xinyong.orgs.models import Role
from xinyong.subjects.demo import demo_uscc
from xinyong.subjects.services import merge_subjects

from .helpers import BZZ, BZZ_CODE, gov_subject, link_organ, list_sxbzxr, make_user, unit

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
# The same town as the court wrote it under a code later found to be a duplicate.
OTHER_CODE = demo_uscc("11", "00582683")


def _listed_under_both(clock):
    clock.today = TODAY
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    duplicate = gov_subject(OTHER_CODE, "北关区柏庄镇人民政府")
    first = list_sxbzxr(body.subject, on=date(2026, 10, 12), document="（2026）豫0503执1001号")
    second = list_sxbzxr(duplicate, on=date(2026, 10, 13), document="（2026）豫0503执1002号")
    merge_subjects(actor=None, keep=body.subject, absorb=duplicate, reason="同一乡镇政府重复建档")
    return body, first, second


def test_the_merge_gives_the_unclaimed_listing_to_the_bodys_unit(clock):
    body, first, second = _listed_under_both(clock)
    alert = Alert.objects.get(key=f"sxbzxr:{second.pk}")
    assert (alert.unit, alert.body) == (unit(BZZ), body)
    own = Alert.objects.get(key=f"sxbzxr:{first.pk}")
    event = Event.objects.get(action="integrity.body_merged_listings")
    assert event.target_id == str(body.pk)
    assert sorted(event.new_values["alerts"]) == sorted([own.pk, alert.pk])


def test_entries_of_a_merged_subject_count_for_the_body_once(clock):
    body, first, second = _listed_under_both(clock)
    admin = make_user("m_admin", Role.CREDIT_ADMIN, "区发改委")

    result = monitoring.scan(on=TODAY)
    assert result.listed_count == 1
    assert [g["entry_id"] for g in result.government_bodies_listed] == [first.pk, second.pk]
    assert {g["unit"] for g in result.government_bodies_listed} == {BZZ}
    assert Alert.objects.filter(key=f"sxbzxr:{second.pk}", unit=unit(BZZ)).exists()

    summary = selectors.dashboard_json(admin)
    assert summary["government_bodies_on_sxbzxr"] == 1
    assert [e["entry_id"] for e in summary["listed"]] == [first.pk, second.pk]

    file = selectors.unit_file(unit(BZZ), on=TODAY)
    assert file["listed_count"] == 1
    (town,) = [f for f in file["bodies"] if f.body.pk == body.pk]
    assert {e.pk for e in town.sxbzxr} == {first.pk, second.pk}
    assert set(town.sxbzxr_in_force) == {first.pk, second.pk}

    row = evaluation.unit_evaluation(evaluation.get_system(2026), unit(BZZ))
    assert next(i for i in row.items if i.code == "SXJN01").value == 1

    out = io.StringIO()
    call_command("integrity", "scan", "--json", stdout=out)
    assert json.loads(out.getvalue())["government_bodies_on_sxbzxr"] == 1


def test_the_unit_sees_the_merged_subjects_entry_on_its_dashboard(clock):
    _listed_under_both(clock)
    staff = make_user("m_bzz", Role.REPORTER, BZZ)
    c = Client()
    c.force_login(staff)
    page = c.get(reverse("integrity:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<td id="listed-count">1 个</td>' in html
    assert "（2026）豫0503执1002号" in html
