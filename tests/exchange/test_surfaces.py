"""The workspace pages, the API, the CLI and the scheduler's interval job of the exchange:
what each returns and who may (not) use it."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from xinyong.core import jobs
from xinyong.core.management.commands import scheduler
from xinyong.exchange import services
from xinyong.exchange.fake_platform import FakeCityPlatform
from xinyong.exchange.models import OutboundMessage
from xinyong.orgs.models import Role

from .helpers import SECRET, TOKEN, file_settings, http_settings, make_user, store

pytestmark = pytest.mark.django_db


def _login(username: str) -> Client:
    from xinyong.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _failed_and_acked(settings) -> tuple[OutboundMessage, OutboundMessage]:
    store(1, 2)
    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url, CHUNK_SIZE=1)
        services.expand_entries()
        first, second = OutboundMessage.objects.order_by("seq")
        city.reject_keys = {second.idempotency_key}
        services.send_pending(actor=None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("acknowledged", "failed")
    return first, second


def test_page_shows_counts_filters_and_resends_for_the_credit_office_only(settings, tmp_path):
    make_user("ex_admin")
    make_user("ex_reporter", Role.REPORTER, "区市场监管局")
    make_user("ex_leader", Role.LEADER, None)  # a district leader has no unit
    acked, failed = _failed_and_acked(settings)
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)

    assert Client().get("/workspace/exchange/").status_code == 302
    for name in ("ex_reporter", "ex_leader"):
        response = _login(name).get("/workspace/exchange/")
        assert response.status_code == 403
        assert "仅限信用办管理员" in response.content.decode()

    admin = _login("ex_admin")
    html = admin.get("/workspace/exchange/").content.decode()
    assert "向市信用信息共享平台推送" in html and "前置机文件交换" in html
    assert acked.idempotency_key[:20] in html and "CITY-00000001" in html
    assert "市平台拒收（422）" in html
    html = admin.get("/workspace/exchange/?status=failed").content.decode()
    assert "共 1 条" in html and '<span class="tag">发送失败</span>' in html
    assert '<span class="tag">已确认</span>' not in html
    html = admin.get("/workspace/exchange/?created_from=2026-13-01").content.decode()
    assert "没有符合条件的推送报文" in html

    detail = admin.get(f"/workspace/exchange/messages/{failed.pk}/").content.decode()
    assert "字段校验不通过" in detail and "重新发送" in detail
    assert admin.get("/workspace/exchange/messages/999999/").status_code == 404
    assert (
        _login("ex_reporter").post(f"/workspace/exchange/messages/{failed.pk}/resend/").status_code
        == 403
    )

    response = admin.post(f"/workspace/exchange/messages/{failed.pk}/resend/", follow=True)
    assert "已重新排队" in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == "pending"
    response = admin.post(f"/workspace/exchange/messages/{acked.pk}/resend/", follow=True)
    assert "不需要重发" in response.content.decode()

    response = admin.post("/workspace/exchange/send/", {"limit": "10"}, follow=True)
    assert "已投递待回执 1" in response.content.decode()
    response = admin.post("/workspace/exchange/send/", {"limit": "abc"}, follow=True)
    assert "本次发送数量应为正整数" in response.content.decode()


def test_inbound_page_and_import_button(settings, tmp_path):
    make_user("ex_admin")
    make_user("ex_reporter", Role.REPORTER, "区市场监管局")
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    admin = _login("ex_admin")
    html = admin.get("/workspace/exchange/inbound/").content.decode()
    assert str(tmp_path / "inbox") in html and "没有符合条件的下发文件" in html
    assert _login("ex_reporter").get("/workspace/exchange/inbound/").status_code == 403
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "bad.manifest.json").write_text("[]", encoding="utf-8")
    response = admin.post("/workspace/exchange/inbound/import/", follow=True)
    body = response.content.decode()
    assert "拒收 1 个" in body and "清单文件应为 JSON 对象" in body


def test_navigation_lists_the_pages_for_the_credit_office():
    from xinyong.web.navigation import groups_for

    admin = make_user("ex_admin")
    reporter = make_user("ex_reporter", Role.REPORTER, "区市场监管局")
    titles = {m.title for g in groups_for(admin) for m in g.modules}
    assert {"市平台推送", "下发文件导入"} <= titles
    assert not {"市平台推送", "下发文件导入"} & {
        m.title for g in groups_for(reporter) for m in g.modules
    }


def test_api_for_the_credit_office_only(settings):
    admin = make_user("ex_admin")
    reporter = make_user("ex_reporter", Role.REPORTER, "区市场监管局")
    acked, failed = _failed_and_acked(settings)
    api = APIClient()
    assert api.get("/api/v1/exchange/status/").status_code in (401, 403)
    api.force_authenticate(reporter)
    response = api.get("/api/v1/exchange/messages/")
    assert response.status_code == 403
    assert response.json()["detail"] == "数据交换接口仅限信用办管理员使用。"
    api.force_authenticate(admin)
    status = api.get("/api/v1/exchange/status/").json()
    assert status["messages"] == {"pending": 0, "sent": 0, "acknowledged": 1, "failed": 1}
    listing = api.get("/api/v1/exchange/messages/?status=failed").json()
    assert listing["count"] == 1
    assert listing["results"][0]["idempotency_key"] == failed.idempotency_key
    assert listing["results"][0]["last_error"].startswith("市平台拒收（422）")
    bad = api.get("/api/v1/exchange/messages/?status=lost")
    assert bad.status_code == 400 and "状态“lost”无效" in bad.json()["detail"]
    one = api.get(f"/api/v1/exchange/messages/{acked.pk}/").json()
    assert one["receipt"] == "CITY-00000001"
    assert [t["outcome"] for t in one["tries"]] == ["acknowledged"]
    assert api.get("/api/v1/exchange/messages/999999/").status_code == 404
    refused = api.post(f"/api/v1/exchange/messages/{acked.pk}/resend/")
    assert refused.status_code == 400 and "不需要重发" in refused.json()["detail"]
    again = api.post(f"/api/v1/exchange/messages/{failed.pk}/resend/").json()
    assert (again["status"], again["attempts"]) == ("pending", 0)
    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url)
        sent = api.post("/api/v1/exchange/send/", {"limit": 5}, format="json").json()
    assert (sent["attempted"], sent["acknowledged"]) == (1, 1)
    assert api.post("/api/v1/exchange/send/", {"limit": "x"}, format="json").status_code == 400
    inbound = api.get("/api/v1/exchange/inbound/").json()
    assert inbound["count"] == 0 and inbound["results"] == []
    assert api.get("/api/v1/exchange/messages/?page=9").status_code == 400


def test_cli_send_status_resend_import(settings, tmp_path):
    store(1, 3)
    settings.XINYONG_EXCHANGE = file_settings(tmp_path, CHUNK_SIZE=2)
    out = StringIO()
    call_command("exchange", "status", "--json", stdout=out)
    assert json.loads(out.getvalue())["entries_waiting"] == 1
    out = StringIO()
    call_command("exchange", "send", "--limit", "1", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["transport"], data["expanded"], data["attempted"], data["sent"]) == (
        "file",
        2,
        1,
        1,
    )
    out = StringIO()
    call_command("exchange", "status", stdout=out)
    assert out.getvalue().startswith("待生成报文的变更 0 个；报文共 2 个：待发送 1，已发送待确认 1")
    sent = OutboundMessage.objects.get(status="sent")
    out = StringIO()
    call_command("exchange", "resend", str(sent.pk), stdout=out)
    assert out.getvalue().strip() == f"报文 {sent.pk}（{sent.idempotency_key}）已重新排队。"
    with pytest.raises(CommandError, match="推送报文 424242 不存在"):
        call_command("exchange", "resend", "424242")
    with pytest.raises(CommandError, match="正整数"):
        call_command("exchange", "send", "--limit", "0")
    out = StringIO()
    call_command("exchange", "import", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "imported": 0,
        "rejected": 0,
        "waiting": 0,
        "busy": False,
        "files": [],
    }


def test_interval_jobs_run_when_their_period_has_passed(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(
        jobs,
        "interval_jobs",
        lambda: [
            jobs.IntervalJob("a.every_minute", lambda: calls.append("a") or "", 60, 1),
            jobs.IntervalJob("b.hourly", lambda: calls.append("b") or "做了", 3600, 2),
        ],
    )
    last: dict[str, float] = {}
    assert scheduler.run_due_interval_jobs(last, 1000.0) == [
        {"job": "b.hourly", "ok": True, "message": "做了"}
    ]
    assert scheduler.run_due_interval_jobs(last, 1030.0) == []
    scheduler.run_due_interval_jobs(last, 1061.0)
    assert calls == ["a", "b", "a"]


def test_the_exchange_registers_its_interval_jobs():
    names = {job.name: job for job in jobs.interval_jobs()}
    assert names["exchange.send"].every_seconds == 60
    assert names["exchange.import"].every_seconds == 300


def test_send_job_is_silent_when_idle_and_reports_work(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    assert services.run_send_job() == ""
    store(1, 1)
    assert services.run_send_job().startswith("发送方式 file：新生成报文 1 个，本次发送 1 个")


def test_demo_loader_shows_every_state(settings, tmp_path):
    from xinyong.exchange.demo import load_demo_exchange

    settings.XINYONG_EXCHANGE = file_settings(tmp_path, CHUNK_SIZE=1)
    assert load_demo_exchange() == "没有待推送的变更"
    store(1, 14)
    summary = load_demo_exchange()
    assert summary == "接口推送已确认 7 个、市平台拒收 1 个、待重试 2 个；前置机文件待回执 2 个"
    counts = services.status_counts()["messages"]
    assert counts == {"pending": 4, "sent": 2, "acknowledged": 7, "failed": 1}
    assert load_demo_exchange() == "已存在，跳过"
