"""Review of the 信易贷 white list on 2026-11-26: banks read only the condition a removed
firm no longer meets (a 警告-only penalty is not public, 总局令45号), while the two offices
keep the full reason; the finance office's approval re-checks the list on the day it
publishes it, and list changes reach a run under review; a listed firm merged away
leaves the list; no screening on a base day still to come."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.finance import exports, selectors, services
from xinyong.finance.models import WhitelistItem, WhitelistRun
from xinyong.publicity.services import compute_window
from xinyong.subjects.services import merge_subjects

from .helpers import (
    admin,
    bank_user,
    finance_reviewer,
    firm,
    list_entry,
    penalty,
    publish,
    set_grade,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 26)
DOCUMENT = "北关市监罚〔2026〕5号"
PENALTY_CONDITION = "不符合“近 12 个月无行政处罚”条件"


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return {
        "credit": admin(),
        "reviewer": finance_reviewer(),
        "bank": bank_user(),
        "good": firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A"),
        "b": firm("MA46D1L7", "安阳市北关区红旗路物业服务有限公司", grade="B"),
    }


def item(run: WhitelistRun, subject) -> WhitelistItem:
    return WhitelistItem.objects.get(run=run, subject=subject)


def warning_only(subject, decided: date):
    """A 市场监管 penalty of a warning alone: never published (总局令45号 art. 2)."""
    record = penalty(
        subject, decided, DOCUMENT, payload={"CF_CFLB": "警告", "CF_NR": "警告", "CF_NR_FK": ""}
    )
    window = compute_window(record)
    assert window.is_published is False
    return record


# ------------------------------------------------------------------ 1. what banks read


def test_unpublished_penalty_removes_but_banks_read_only_the_condition(client, world):
    run = publish(date(2026, 11, 20), world["credit"], world["reviewer"])
    warning_only(world["good"], date(2026, 11, 23))
    removed = services.rescreen(trigger="每日复核")
    assert [i.subject_id for i in removed] == [world["good"].pk]
    it = item(run, world["good"])
    assert it.status == WhitelistItem.Status.REMOVED and it.removed_on == TODAY
    # The note is what banks (pages, API, the provincial export) read.
    assert it.note == PENALTY_CONDITION
    # The two offices keep the full reason.
    assert it.staff_reason == (
        f"近 12 个月内有行政处罚：安阳市北关区市场监督管理局{DOCUMENT}（2026-11-23，不予公示）"
    )

    client.force_login(world["bank"])
    page = client.get(reverse("finance:bank-list")).content.decode()
    assert f"2026-11-26 移出：{PENALTY_CONDITION}" in page
    assert DOCUMENT not in page and "市场监督管理局" not in page
    subject_page = client.get(reverse("finance:bank-subject", args=[world["good"].pk]))
    assert PENALTY_CONDITION in subject_page.content.decode()
    assert DOCUMENT not in subject_page.content.decode()
    api = APIClient()
    api.force_authenticate(world["bank"])
    body = api.get("/api/v1/xinyidai/whitelist/").content.decode()
    assert DOCUMENT not in body and "不符合" in body
    _name, content = exports.export_whitelist(actor=world["credit"], fmt="csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert [r[8] for r in rows if r[1] == world["good"].name] == [PENALTY_CONDITION]

    client.force_login(world["credit"])
    staff_page = client.get(reverse("finance:home")).content.decode()
    assert DOCUMENT in staff_page
    run_page = client.get(reverse("finance:run", args=[run.pk]) + "?status=removed")
    assert DOCUMENT in run_page.content.decode()
    event = Event.objects.get(action="finance.remove")
    assert DOCUMENT in str(event.new_values)


def test_unpublished_penalty_still_keeps_a_firm_off_a_new_list(world):
    warning_only(world["good"], date(2026, 11, 23))
    run = services.screen(actor=world["credit"], on=TODAY)
    it = item(run, world["good"])
    assert it.status == WhitelistItem.Status.INELIGIBLE
    failed = [r for r in it.reasons if not r["passed"]]
    assert [r["public"] for r in failed] == [PENALTY_CONDITION]


def test_grade_change_reads_as_the_condition_for_banks(world):
    run = publish(date(2026, 11, 20), world["credit"], world["reviewer"])
    set_grade(world["good"], "C")
    services.rescreen(trigger="每日复核")
    it = item(run, world["good"])
    assert it.note == "不符合“信用等级为 A、B”条件"
    assert it.staff_reason == "信用等级由 A 变为 C，信用等级为 C，不符合要求（须为 A、B）"


# ------------------------------------------------------------------ 2. facts of the day


def test_finance_approval_rechecks_the_list_on_the_day_it_publishes(world):
    run = services.screen(actor=world["credit"], on=date(2026, 11, 20))
    services.approve_credit(actor=world["credit"], run=run, opinion="同意")
    # A grade falls without any signal (the daily recompute has not run yet).
    set_grade(world["b"], "C")
    run = services.approve_finance(actor=world["reviewer"], run=run, opinion="同意发布")
    assert run.status == WhitelistRun.Status.PUBLISHED
    it = item(run, world["b"])
    assert it.status == WhitelistItem.Status.EXCLUDED
    assert it.note == (
        "复核不再符合条件：信用等级由 B 变为 C，信用等级为 C，不符合要求（须为 A、B）"
        "（金融工作局审核发布）"
    )
    assert [i.subject_id for i in selectors.published_items(run)] == [world["good"].pk]
    published = Event.objects.get(action="finance.publish")
    assert published.new_values["listed"] == 1
    assert published.new_values["rechecked_out"] == [world["b"].name]


def test_list_entry_during_review_takes_the_firm_off_before_publication(world):
    run = services.screen(actor=world["credit"], on=TODAY)
    services.approve_credit(actor=world["credit"], run=run, opinion="同意")
    # The court's listing takes effect the same day, before the finance office approves.
    list_entry(world["b"], "SX_BZXR", TODAY, actor=world["credit"])
    it = item(run, world["b"])
    assert it.status == WhitelistItem.Status.EXCLUDED
    assert "被列入失信被执行人名单" in it.note
    run = services.approve_finance(actor=world["reviewer"], run=run, opinion="同意发布")
    statuses = {i.subject_id: i.status for i in selectors.published_items(run)}
    assert statuses == {world["good"].pk: WhitelistItem.Status.LISTED}


def test_daily_job_reports_exclusions_from_a_run_under_review(world):
    run = services.screen(actor=world["credit"], on=TODAY)
    set_grade(world["good"], "D")
    text = services.run_rescreen_job()
    assert text == "信易贷白名单：尚未发布名单；审核中的名单剔除 1 家"
    assert item(run, world["good"]).status == WhitelistItem.Status.EXCLUDED


# ------------------------------------------------------------------ 3. merged away


def test_listed_firm_merged_away_is_removed_naming_the_survivor(world):
    survivor = firm("MA44UC2R", "安阳北关豫安建筑工程有限公司", grade="C")
    run = publish(date(2026, 11, 20), world["credit"], world["reviewer"])
    assert item(run, world["good"]).status == WhitelistItem.Status.LISTED
    merge_subjects(actor=world["credit"], keep=survivor, absorb=world["good"], reason="吸收合并")
    # The survivor's listing reaches the merged firm's entry through the signal.
    list_entry(survivor, "SX_BZXR", TODAY, actor=world["credit"])
    it = item(run, world["good"])
    assert it.status == WhitelistItem.Status.REMOVED
    assert it.note == "已与安阳北关豫安建筑工程有限公司合并"
    assert it.staff_reason == "已与安阳北关豫安建筑工程有限公司合并"
    assert it.removal_reasons[0]["code"] == "merged"


def test_daily_rescreen_removes_a_merged_firm(world):
    survivor = firm("MA44UC2R", "安阳北关豫安建筑工程有限公司", grade="A")
    run = publish(date(2026, 11, 20), world["credit"], world["reviewer"])
    merge_subjects(actor=world["credit"], keep=survivor, absorb=world["b"], reason="吸收合并")
    assert services.run_rescreen_job() == f"信易贷白名单 {run.number} 每日复核：移出 1 家"
    assert item(run, world["b"]).note == "已与安阳北关豫安建筑工程有限公司合并"
    assert item(run, world["good"]).status == WhitelistItem.Status.LISTED


# ------------------------------------------------------------------ 4. base day


def test_screen_refuses_a_base_day_still_to_come(world):
    with pytest.raises(CommandError) as exc:
        call_command("xinyidai", "screen", "--on", "2027-11-01")
    assert str(exc.value) == "筛选基准日 2027-11-01 晚于今天（2026-11-26），不能预先登记。"
    with pytest.raises(DomainError) as refused:
        services.screen(actor=world["credit"], on=date(2026, 11, 27))
    assert "晚于今天（2026-11-26）" in refused.value.message
    assert not WhitelistRun.objects.exists()
    out = io.StringIO()
    call_command("xinyidai", "screen", "--on", "2026-11-26", "--json", stdout=out)
    assert '"on": "2026-11-26"' in out.getvalue()
