from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from xinyong.core.models import Event
from xinyong.publicity import selectors, services
from xinyong.publicity.models import PublicityWindow
from xinyong.records.signals import record_changed

from .helpers import ORG_USCC, penalty

pytestmark = pytest.mark.django_db


def test_expire_on_the_day_after_the_maximum_and_idempotent() -> None:
    record = penalty(21, decided="2026-03-10")
    assert services.expire(on=date(2027, 3, 10))["expired"] == 0  # last public day
    assert selectors.is_publicly_visible(record, today=date(2027, 3, 10))
    events_before = Event.objects.filter(action="publicity.expired").count()
    assert services.expire(on=date(2027, 3, 11)) == {"on": "2027-03-11", "expired": 1}
    w = PublicityWindow.objects.get(record=record)
    assert (w.ended_on, w.end_reason) == (date(2027, 3, 11), "expired")
    assert services.expire(on=date(2027, 3, 11))["expired"] == 0
    assert services.expire(on=date(2027, 5, 1))["expired"] == 0
    assert Event.objects.filter(action="publicity.expired").count() == events_before + 1
    # Public side: gone from the portal, the API and the visibility check; staff keep history.
    assert not selectors.is_publicly_visible(record, today=date(2027, 3, 11))
    client = Client()
    page = client.get(f"/credit/subject/{record.subject_id}/").content.decode()
    assert record.document_number not in page
    api = client.get(f"/api/v1/public/subjects/{record.subject_id}").json()
    assert api["records"] == []
    assert client.get(f"/credit/record/{record.pk}/").status_code == 404
    history = selectors.public_records_for(record.subject, include_history=True)
    assert [r.pk for r in history] == [record.pk]
    assert selectors.public_status(history[0]) == "公示期满"


def test_late_run_records_the_legal_end_date() -> None:
    record = penalty(22, decided="2026-03-10")
    services.expire(on=date(2027, 6, 1))
    assert PublicityWindow.objects.get(record=record).ended_on == date(2027, 3, 11)


def test_repair_and_withdrawal_end_publicity_with_reason() -> None:
    repaired = penalty(23, decided="2026-03-10")
    services.end_publicity(actor=None, record=repaired, reason="repaired", on=date(2026, 7, 1))
    repaired.refresh_from_db()
    assert selectors.public_status(repaired) == "已修复"
    assert not selectors.is_publicly_visible(repaired, today=date(2026, 7, 2))
    # idempotent: a second ending keeps the first date
    services.end_publicity(actor=None, record=repaired, reason="repaired", on=date(2026, 8, 1))
    assert PublicityWindow.objects.get(record=repaired).ended_on == date(2026, 7, 1)
    withdrawn = penalty(24, decided="2026-03-10")
    record_changed.send(sender=None, record=withdrawn, change="withdrawn", actor=None)
    w = PublicityWindow.objects.get(record=withdrawn)
    assert w.end_reason == "withdrawn" and w.ended_on is not None
    record_changed.send(sender=None, record=withdrawn, change="restored", actor=None)
    w.refresh_from_db()
    assert (w.ended_on, w.end_reason) == (None, "")


def test_cli_window_and_expire(capsys, monkeypatch) -> None:
    # The expiry runs on a day that has come: a future --on is refused.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 3, 11))
    record = penalty(25, decided="2026-03-10")
    out = StringIO()
    call_command("publicity", "window", str(record.pk), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["class"] == "一般"
    assert (data["starts_on"], data["repair_from"], data["ends_on"]) == (
        "2026-03-10",
        "2026-06-11",
        "2027-03-10",
    )
    assert data["policy"] == "国办发〔2025〕22号·一般失信信息"
    text = StringIO()
    call_command("publicity", "window", str(record.pk), stdout=text)
    assert "最早可申请修复日期：2026-06-11" in text.getvalue()
    out = StringIO()
    call_command("publicity", "expire", "--on", "2027-03-11", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"on": "2027-03-11", "expired": 1}
    out = StringIO()
    call_command("publicity", "expire", "--on", "2027-03-11", stdout=out)
    assert "结束公示 0 条" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["window", "abc"], "记录编号“abc”无效"),
        (["window", "999999"], "记录 999999 不存在"),
        (["expire", "--on", "2027-13-01"], "日期“2027-13-01”无效"),
    ],
)
def test_cli_refuses_bad_input_in_chinese(args, message) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("publicity", *args)


def test_scheduler_once_runs_the_expiry_job() -> None:
    penalty(26, decided="2024-01-15", CF_XDR_SHXYM=ORG_USCC)  # 58号令: ends 2027-01-15
    out = StringIO()
    call_command("scheduler", "--once", "--json", stdout=out)
    results = json.loads(out.getvalue())
    job = next(r for r in results if r["job"] == "publicity.expire")
    assert job["ok"] is True
    assert "公示期满处理" in job["message"]


def test_staff_record_page_shows_why_and_when_publicity_ended(django_user_model) -> None:
    from xinyong.orgs.models import Role

    record = penalty(27, decided="2026-03-10")
    services.expire(on=date(2027, 3, 11))
    admin = django_user_model.objects.create_user(
        username="xyb", password="Xinyong@Test2026", role=Role.CREDIT_ADMIN, is_staff=True
    )
    client = Client()
    client.force_login(admin)
    body = client.get(f"/workspace/collection/records/{record.pk}/").content.decode()
    assert "公示期满" in body
    assert "2027-03-11" in body
    assert "国办发〔2025〕22号·一般失信信息" in body


def test_recompute_applies_a_changed_policy_to_a_span_of_decisions() -> None:
    """After a policy changes (here 36号令's 一般 class lengthened to 24 months in the
    admin), `publicity recompute` applies it to the records decided in the span given;
    other records and recorded endings stay as they were."""
    from django.core.management.base import CommandError

    from xinyong.catalog.models import PublicityPolicy
    from xinyong.records.services import withdraw_record

    inside = penalty(41, decided="2026-05-11")
    withdrawn = penalty(42, decided="2026-05-12")
    withdraw_record(actor=None, record=withdrawn, reason="复议撤销", on=date(2026, 11, 2))
    outside = penalty(43, decided="2026-03-10")
    assert PublicityWindow.objects.get(record=inside).ends_on == date(2027, 5, 11)
    PublicityPolicy.objects.filter(code="NDRC36_GENERAL").update(max_months=24)

    out = StringIO()
    call_command("publicity", "recompute", "--decided-from", "2026-04-01", "--json", stdout=out)
    assert json.loads(out.getvalue())["records"] == 2
    assert PublicityWindow.objects.get(record=inside).ends_on == date(2028, 5, 11)
    kept = PublicityWindow.objects.get(record=withdrawn)
    assert (kept.ends_on, kept.ended_on, kept.end_reason) == (
        date(2028, 5, 12),
        date(2026, 11, 2),
        PublicityWindow.EndReason.WITHDRAWN,
    )
    assert PublicityWindow.objects.get(record=outside).ends_on == date(2027, 3, 10)
    assert Event.objects.filter(action="publicity.recomputed").count() == 1

    text = StringIO()
    call_command(
        "publicity",
        "recompute",
        "--decided-from",
        "2026-05-12",
        "--decided-to",
        "2026-05-12",
        stdout=text,
    )
    assert text.getvalue().strip() == "重算公示期限 1 条（其中向社会公示 1 条）。"
    with pytest.raises(CommandError, match="结束日期不能早于开始日期"):
        call_command(
            "publicity", "recompute", "--decided-from", "2026-05-12", "--decided-to", "2026-05-01"
        )
    with pytest.raises(CommandError, match="日期“2026-13-01”无效"):
        call_command("publicity", "recompute", "--decided-from", "2026-13-01")
