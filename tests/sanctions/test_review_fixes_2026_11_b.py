"""Fixes of the sanctions review (issue 5), second batch: defects 4 (a merged duplicate's
listing is counted under the surviving subject), 5 (an early ``on`` date on the
governance picture), 6 (the daily reminder of overdue feedback) and 10 (a bank probing
ID numbers through the list-entry API)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.sanctions.governance_helpers import admin, company, entry, make_user, unit
from xinyong.core import jobs
from xinyong.core.management.commands.scheduler import run_all
from xinyong.core.models import Event
from xinyong.orgs import services as org_services
from xinyong.orgs.models import Role
from xinyong.sanctions import checks, governance, lists
from xinyong.sanctions.models import ListEntry
from xinyong.subjects.services import get_or_create_subject, merge_subjects

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ 4. merged subjects


def _merged_listing() -> tuple[object, object, ListEntry]:
    keep = company("30000099", "安阳市北关区合并保留有限公司")
    dup = company("3000009A", "安阳市北关区合并保留有限公司（重复）")
    listed = entry(dup, "SX_BZXR", effective_from=date(2026, 1, 5))
    merge_subjects(actor=None, keep=keep, absorb=dup, reason="同一企业重复登记")
    return keep, dup, listed


def test_merged_duplicates_listing_shows_where_the_check_sees_it() -> None:
    keep, _dup, listed = _merged_listing()
    on = date(2026, 3, 2)
    check = checks.run_check(
        actor=make_user("fin_rep_e", Role.REPORTER, "区财政局"),
        unit=unit("区财政局"),
        subject=keep,
        matter="PROCUREMENT",
        on=on,
    )
    assert check.hit and check.snapshot["entries"][0]["id"] == listed.pk
    share = lists.list_share(on)
    assert share["listed_enterprises"] == 1
    sx = next(row for row in share["by_type"] if row["code"] == "SX_BZXR")
    assert (sx["subjects"], sx["enterprises"]) == (1, 1)
    assert [e.pk for e in lists.punishment_entries_public(on)] == [listed.pk]


def test_merged_listing_counts_once_when_both_rows_are_listed() -> None:
    keep, _dup, listed = _merged_listing()
    own = entry(keep, "SX_BZXR", effective_from=date(2026, 2, 2))
    share = lists.list_share(date(2026, 3, 2))
    assert share["listed_enterprises"] == 1
    sx = next(row for row in share["by_type"] if row["code"] == "SX_BZXR")
    assert (sx["subjects"], sx["enterprises"]) == (1, 1)
    assert sorted(e.pk for e in lists.punishment_entries_public(date(2026, 3, 2))) == sorted(
        [listed.pk, own.pk]
    )


def test_public_list_shows_the_merged_entry_under_the_survivor(clock) -> None:
    keep, _dup, _listed = _merged_listing()
    clock.today = date(2026, 3, 2)
    page = Client().get("/credit/lists/dishonest/").content.decode()
    assert "安阳市北关区合并保留有限公司" in page
    assert "（重复）" not in page
    assert f"/credit/subject/{keep.pk}/" in page


def test_governance_picture_and_trend_count_the_merged_listing() -> None:
    _merged_listing()
    pic = governance.blacklist_picture(on=date(2026, 3, 2))
    assert pic.now.blacklisted_enterprises == 1
    # Month ends 2026-01-31 and 2026-02-28 were after the listing (2026-01-05); 2025-12-31
    # was before it.
    by_day = {p.on: p.blacklisted_enterprises for p in pic.trend}
    assert by_day[date(2026, 1, 31)] == 1
    assert by_day[date(2026, 2, 28)] == 1
    assert by_day[date(2025, 12, 31)] == 0


def test_government_body_counted_once_under_the_survivor() -> None:
    keep = company("30000091", "安阳市北关区某局", category="11")
    dup = company("30000092", "安阳市北关区某局（重复）", category="11")
    assert keep.is_government_body and dup.is_government_body
    entry(keep, "SX_BZXR", effective_from=date(2026, 1, 5))
    entry(dup, "SX_BZXR", effective_from=date(2026, 1, 6))
    merge_subjects(actor=None, keep=keep, absorb=dup, reason="同一机关重复登记")
    share = lists.list_share(date(2026, 3, 2))
    assert share["government_bodies_on_sxbzxr"] == 1
    assert share["government_bodies"] == [{"id": keep.pk, "name": "安阳市北关区某局"}]


def test_cli_share_counts_the_merged_listing(console) -> None:
    _merged_listing()
    code, out, _err = console("lists", "share", "--on", "2026-03-02", "--json")
    assert code == 0
    assert '"listed_enterprises": 1' in out


# ------------------------------------------------------------------ 5. early dates


def test_picture_early_date_is_not_500(console) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(admin())
    api = client.get("/api/v1/governance/picture?on=0001-03-01")
    assert api.status_code == 400
    assert api.json()["detail"] == "统计日期 0001-03-01 早于 2000-01-01，请核对。"
    page = client.get("/workspace/sanctions/governance/?on=0001-03-01")
    assert page.status_code == 200
    assert "统计日期 0001-03-01 早于 2000-01-01，请核对。已按今天统计。" in page.content.decode()
    code, _out, err = console("governance", "picture", "--on", "0001-03-01")
    assert "OverflowError" not in err
    assert code != 0 and "日期 0001-03-01 早于 2000-01-01，请核对。" in err


# ------------------------------------------------------------------ 6. daily reminder


def test_the_platform_reminds_overdue_feedback_without_an_operator(clock) -> None:
    fin = make_user("fin_rep_d", Role.REPORTER, "区财政局")
    subject = company("30000098", "安阳市北关区逾期反馈测试有限公司")
    entry(subject, "SX_BZXR", effective_from=date(2026, 1, 5))
    clock.today = date(2026, 3, 2)
    check = checks.run_check(
        actor=fin, unit=unit("区财政局"), subject=subject, matter="PROCUREMENT"
    )
    assert check.feedback_due == date(2026, 3, 9)
    assert "sanctions.feedback_reminders" in [job.name for job in jobs.daily_jobs()]
    clock.today = date(2026, 3, 9)  # the due day itself: not yet overdue
    run_all()
    assert not Event.objects.filter(action=checks.REMINDER_ACTION, target_id=str(check.pk)).exists()
    clock.today = date(2026, 3, 10)
    results = run_all()  # the scheduler's daily run
    job = next(r for r in results if r["job"] == "sanctions.feedback_reminders")
    assert job == {
        "job": "sanctions.feedback_reminders",
        "ok": True,
        "message": "联合奖惩：提醒逾期未反馈的查询 1 次",
    }
    assert Event.objects.filter(action=checks.REMINDER_ACTION, target_id=str(check.pk)).count() == 1
    run_all()  # the next run adds nothing
    assert Event.objects.filter(action=checks.REMINDER_ACTION, target_id=str(check.pk)).count() == 1


# ------------------------------------------------------------------ 10. probing


def _bank_client() -> APIClient:
    bank = org_services.create_user(
        actor=None,
        username="bank_h",
        password="Xinyong@2026",
        role=Role.BANK,
        unit=None,
        organisation="某银行北关支行",
    )
    client = APIClient()
    client.force_authenticate(bank)
    return client


def test_bank_cannot_probe_who_is_registered_through_list_proposals() -> None:
    get_or_create_subject(actor=None, identifier="11010519491231002X", name="张三")
    client = _bank_client()
    body = {"list_type": "WATCH", "basis_document": "x", "reasons": "y", "on": "2026-11-02"}
    known = client.post(
        "/api/v1/list-entries", {**body, "subject": "11010519491231002X"}, format="json"
    )
    unknown = client.post(
        "/api/v1/list-entries", {**body, "subject": "110105194912310011"}, format="json"
    )
    assert (known.status_code, unknown.status_code) == (403, 403)
    assert known.json() == unknown.json()
    # Neither does an unknown list type answer differently.
    other = client.post("/api/v1/list-entries", {**body, "list_type": "NOPE"}, format="json")
    assert other.status_code == 403


def test_bank_cannot_probe_entries_through_the_action_view() -> None:
    # A guard: this already answered 403 before the fix (the view refused non-readers
    # before get_entry); it now refuses every non-proposer before the lookup.
    listed = entry(
        company("3000009D", "安阳市北关区探测测试有限公司"),
        "SX_BZXR",
        effective_from=date(2026, 1, 5),
    )
    client = _bank_client()
    known = client.post(f"/api/v1/list-entries/{listed.pk}/remove", {}, format="json")
    unknown = client.post(f"/api/v1/list-entries/{listed.pk + 1000}/remove", {}, format="json")
    assert (known.status_code, unknown.status_code) == (403, 403)
    assert known.json() == unknown.json()


def test_org_dept_cannot_probe_through_list_proposals() -> None:
    get_or_create_subject(actor=None, identifier="11010519491231002X", name="张三")
    org = make_user("org_dept_h", Role.ORG_DEPT, "区发改委")
    client = APIClient()
    client.force_authenticate(org)
    body = {"list_type": "WATCH", "basis_document": "x", "reasons": "y", "on": "2026-11-02"}
    known = client.post(
        "/api/v1/list-entries", {**body, "subject": "11010519491231002X"}, format="json"
    )
    unknown = client.post(
        "/api/v1/list-entries", {**body, "subject": "110105194912310011"}, format="json"
    )
    assert (known.status_code, unknown.status_code) == (403, 403)


def test_workspace_proposal_form_refuses_a_bank_before_any_lookup() -> None:
    # A guard: the workspace form already refused the role before its subject search.
    get_or_create_subject(actor=None, identifier="11010519491231002X", name="张三")
    bank = org_services.create_user(
        actor=None,
        username="bank_w",
        password="Xinyong@2026",
        role=Role.BANK,
        unit=None,
        organisation="某银行北关支行",
    )
    client = Client(raise_request_exception=False)
    client.force_login(bank)
    codes = [
        client.post(
            "/workspace/sanctions/lists/new/",
            {"subject": code, "list_type": "", "basis_document": "x", "reasons": "y"},
        ).status_code
        for code in ("11010519491231002X", "110105194912310011")
    ]
    assert codes == [403, 403]
