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
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.rights.repair_helpers import penalty_row, store
from xinyong.core.models import Event
from xinyong.integrity import evaluation, monitoring, selectors, services
from xinyong.integrity.models import Alert
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord
from xinyong.subjects.demo import demo_uscc
from xinyong.subjects.models import Subject
from xinyong.subjects.services import merge_subjects

from .helpers import (
    BZZ,
    BZZ_CODE,
    JYJ,
    SCHOOL_CODE,
    gov_subject,
    link_organ,
    list_sxbzxr,
    make_user,
    unit,
)

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


# ---------------------------------------------------------------- the body's own subject absorbed


def test_body_subject_absorbed_into_its_duplicate_keeps_the_body_alerted(clock) -> None:
    clock.today = TODAY
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    duplicate = gov_subject(OTHER_CODE, "北关区柏庄镇人民政府")
    first = list_sxbzxr(body.subject, on=date(2026, 10, 12), document="（2026）豫0503执1001号")
    merge_subjects(actor=None, keep=duplicate, absorb=body.subject, reason="同一乡镇政府重复建档")
    second = list_sxbzxr(duplicate, on=date(2026, 10, 13), document="（2026）豫0503执1002号")
    monitoring.scan(on=TODAY)
    assert Alert.objects.get(key=f"sxbzxr:{first.pk}").unit == unit(BZZ)
    alert = Alert.objects.get(key=f"sxbzxr:{second.pk}")
    assert alert.unit == unit(BZZ)
    file = selectors.unit_file(unit(BZZ), on=TODAY)
    (town,) = [f for f in file["bodies"] if f.body.pk == body.pk]
    assert {e.pk for e in town.sxbzxr} == {first.pk, second.pk}


def test_the_merge_moves_the_body_to_the_survivor_with_an_event(clock) -> None:
    clock.today = TODAY
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    duplicate = gov_subject(OTHER_CODE, "北关区柏庄镇人民政府")
    own = body.subject
    # Listed under the duplicate before the merge: unclaimed until the merge.
    earlier = list_sxbzxr(duplicate, on=date(2026, 10, 13), document="（2026）豫0503执1002号")
    assert Alert.objects.get(key=f"sxbzxr:{earlier.pk}").unit is None

    merge_subjects(actor=None, keep=duplicate, absorb=own, reason="同一乡镇政府重复建档")

    body.refresh_from_db()
    assert body.subject_id == duplicate.pk
    event = Event.objects.get(action="integrity.body_subject_merged")
    assert event.target_id == str(body.pk)
    assert event.old_values == {"subject_id": own.pk}
    assert event.new_values["subject_id"] == duplicate.pk
    alert = Alert.objects.get(key=f"sxbzxr:{earlier.pk}")
    assert (alert.unit, alert.body) == (unit(BZZ), body)


def test_a_body_left_on_a_subject_merged_before_the_fix_is_moved_by_the_scan(clock) -> None:
    clock.today = TODAY
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    duplicate = gov_subject(OTHER_CODE, "北关区柏庄镇人民政府")
    # A merge made before bodies followed their subject: the body still holds the absorbed one.
    Subject.objects.filter(pk=body.subject_id).update(merged_into=duplicate)
    later = list_sxbzxr(duplicate, on=date(2026, 10, 13), document="（2026）豫0503执1002号")
    assert Alert.objects.get(key=f"sxbzxr:{later.pk}").unit is None

    monitoring.scan(on=TODAY)

    body.refresh_from_db()
    assert body.subject_id == duplicate.pk
    assert Alert.objects.get(key=f"sxbzxr:{later.pk}").unit == unit(BZZ)
    assert Event.objects.filter(action="integrity.body_subject_merged").count() == 1
    monitoring.scan(on=TODAY)
    assert Event.objects.filter(action="integrity.body_subject_merged").count() == 1


def test_a_survivor_already_claimed_by_another_body_leaves_the_body_where_it_is(clock) -> None:
    clock.today = TODAY
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    school = services.register_body(
        actor=None, unit=JYJ, kind="institution", name="北关区某小学", identifier=SCHOOL_CODE
    )
    own = body.subject
    assert own is not None and school.subject is not None
    merge_subjects(actor=None, keep=school.subject, absorb=own, reason="测试：已登记的两个主体")
    body.refresh_from_db()
    assert body.subject_id == own.pk
    assert not Event.objects.filter(action="integrity.body_subject_merged").exists()
    monitoring.scan(on=TODAY)
    body.refresh_from_db()
    assert body.subject_id == own.pk


def test_penalties_of_the_absorbed_subject_still_count_for_the_body(clock) -> None:
    clock.today = TODAY
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    duplicate = gov_subject(OTHER_CODE, "北关区柏庄镇人民政府")
    store(
        [
            penalty_row(
                1,
                CF_XDR_MC="安阳市北关区柏庄镇人民政府",
                CF_XDR_SHXYM=BZZ_CODE,
                CF_FRDB="王五",
            )
        ]
    )
    penalty = CreditRecord.objects.get(document_number="北关环罚〔2026〕1号")
    assert penalty.subject_id == body.subject_id
    before = evaluation.metric_values(
        "penalties", [unit(BZZ)], date(2026, 1, 1), date(2026, 12, 31)
    )
    assert before[unit(BZZ).pk] == 1

    merge_subjects(actor=None, keep=duplicate, absorb=body.subject, reason="同一乡镇政府重复建档")

    after = evaluation.metric_values("penalties", [unit(BZZ)], date(2026, 1, 1), date(2026, 12, 31))
    assert after[unit(BZZ).pk] == 1
    file = selectors.unit_file(unit(BZZ), on=TODAY)
    (town,) = [f for f in file["bodies"] if f.body.pk == body.pk]
    assert [r.pk for r in town.penalties] == [penalty.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan text")
def test_the_unit_files_penalties_use_the_records_subject_index(clock) -> None:
    clock.today = TODAY
    link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    with CaptureQueriesContext(connection) as captured:
        selectors.unit_file(unit(BZZ), on=TODAY)
    (sql,) = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "records_creditrecord"' in q["sql"] and "XZCF" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = [row[3] for row in cursor.fetchall()]
    assert any("records_creditrecord_subject_id" in step for step in plan), plan
    assert not any(step.startswith("SCAN records_creditrecord") for step in plan), plan
