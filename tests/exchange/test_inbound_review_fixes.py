"""Inbound exchange after review (issue 10 §2): a full list with a rejected row ends nothing
that is still in it; local entries ended by a pushed-down listing are sent up; returned
records and refused manifests are shown on the inbound page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.test import Client

from xinyong.core.models import Event
from xinyong.exchange import services
from xinyong.exchange.inbound import import_inbox
from xinyong.exchange.models import InboundFile, OutboundMessage, OutboxEntry
from xinyong.orgs.models import Role, User
from xinyong.records.models import CreditRecord
from xinyong.sanctions import lists
from xinyong.sanctions.importer import ENDED_UPSTREAM
from xinyong.sanctions.models import ListEntry

from ..sanctions.governance_helpers import company
from ..sanctions.test_lists_import import _file as list_file
from ..sanctions.test_lists_import import _row as list_row
from .helpers import file_settings, make_user, store
from .test_inbound import _deliver

pytestmark = pytest.mark.django_db

JIA = "安阳市北关区甲商贸有限公司"
YI = "安阳市北关区乙商贸有限公司"
BING = "安阳市北关区丙商贸有限公司"


def _login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _page(username: str = "ex_admin") -> str:
    response = _login(username).get("/workspace/exchange/inbound/")
    assert response.status_code == 200
    return response.content.decode()


def _full_list(inbox: Path, tmp_path: Path, name: str, rows: list[list[str]]) -> None:
    _deliver(
        inbox,
        name,
        list_file(tmp_path, rows, f"{name}.csv"),
        kind="list",
        list_type="SX_BZXR",
        unit="区法院",
        full_snapshot=True,
    )


# ---------------------------------------------------------------- 1. full snapshots


def test_a_rejected_row_of_a_full_list_keeps_its_entry_and_is_reported(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    make_user("ex_admin")
    inbox = tmp_path / "inbox"
    a = list_row("40000001", JIA, "（2026）豫0503执101号")
    b = list_row("40000002", YI, "（2026）豫0503执102号")
    _full_list(inbox, tmp_path, "sx1", [a, b])
    import_inbox(actor=None)
    assert ListEntry.objects.filter(status=ListEntry.Status.LISTED).count() == 2

    b2 = list(b)
    b2[9] = "2026-04-31"  # 发布时间: no such day, the row is rejected
    _full_list(inbox, tmp_path, "sx2", [a, b2])
    run = import_inbox(actor=None)

    entry = ListEntry.objects.get(subject__name=YI)
    assert entry.status == ListEntry.Status.LISTED
    assert entry.removal_reason == ""
    row = InboundFile.objects.get(filename="sx2.csv")
    assert row.status == InboundFile.Status.DONE
    assert row.result["ended"] == 0 and row.result["unchanged"] == 1
    assert row.result["ingest"]["rejected"] == 1
    assert row.message == "已导入；1 行未通过校验被退回"
    assert run.files[0]["message"] == row.message
    [error] = row.result["ingest"]["errors"]
    assert (error["row"], error["column"]) == (3, "发布时间")
    assert "日期不存在" in error["message"] and "2026-04-31" in error["message"]
    body = _page()
    assert "第 3 行" in body and "日期不存在" in body and "2026-04-31" in body


def test_a_row_without_a_readable_identity_ends_nothing_and_says_so(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    make_user("ex_admin")
    inbox = tmp_path / "inbox"
    a = list_row("40000001", JIA, "（2026）豫0503执101号")
    b = list_row("40000002", YI, "（2026）豫0503执102号")
    _full_list(inbox, tmp_path, "sx1", [a, b])
    import_inbox(actor=None)

    # 乙 is not in the second file; 丙's row has no 执行案号, so whether it is 乙's row
    # under a mistyped name or a new one cannot be told.
    c = list_row("40000003", BING, "")
    _full_list(inbox, tmp_path, "sx2", [a, c])
    import_inbox(actor=None)

    assert ListEntry.objects.get(subject__name=YI).status == ListEntry.Status.LISTED
    assert not ListEntry.objects.filter(removal_reason=ENDED_UPSTREAM).exists()
    row = InboundFile.objects.get(filename="sx2.csv")
    assert row.result["ended"] == 0
    withheld = (
        "全量名单中有无法识别的行（第 3 行），本次不移出任何条目；请上级核实后重新下发全量名单。"
    )
    assert row.result["removal_withheld"] == withheld
    assert row.message == f"已导入；1 行未通过校验被退回；{withheld}"
    event = Event.objects.filter(action="sanctions.entries_import").order_by("-id").first()
    assert event is not None and event.new_values["removal_withheld"] == withheld
    body = _page()
    assert withheld in body and "执行案号" in body

    # The corrected full list, without 乙, then ends 乙.
    c[5] = "（2026）豫0503执103号"
    _full_list(inbox, tmp_path, "sx3", [a, c])
    import_inbox(actor=None)
    entry = ListEntry.objects.get(subject__name=YI)
    assert (entry.status, entry.removal_reason) == (ListEntry.Status.REMOVED, ENDED_UPSTREAM)


# ---------------------------------------------------------------- 2. consequences go up


def test_a_red_entry_ended_by_a_pushed_down_listing_is_sent_up(settings, tmp_path, clock):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    office = make_user("ex_admin")
    firm = company("40000001", JIA)
    clock.today = date(2026, 9, 28)
    red = lists.propose_entry(
        actor=office,
        list_type=lists.get_list_type("RED"),
        subject=firm,
        basis_document="北政〔2026〕12号",
        reasons="2025 年度区级诚信示范企业",
        on=date(2026, 9, 28),
    )
    clock.today = date(2026, 10, 11)
    assert lists.promote_due_entries(on=date(2026, 10, 11)).promoted == [red.pk]
    queued = OutboxEntry.objects.filter(list_entry=red).order_by("id")
    assert list(queued.values_list("change", flat=True)) == ["publicising", "listed"]

    clock.today = date(2026, 11, 20)
    inbox = tmp_path / "inbox"
    data = list_file(tmp_path, [list_row("40000001", JIA, "（2026）豫0503执101号")], "sx.csv")
    _deliver(inbox, "sx", data, kind="list", list_type="SX_BZXR", unit="区法院")
    assert import_inbox(actor=None).imported == 1

    red.refresh_from_db()
    assert (red.status, red.removed_on) == (ListEntry.Status.REMOVED, date(2026, 11, 20))
    assert list(queued.values_list("change", flat=True)) == ["publicising", "listed", "removed"]
    # The pushed-down rows themselves are not echoed: no batch, no upstream entry.
    assert list(OutboxEntry.objects.exclude(list_entry=red)) == []


# ---------------------------------------------------------------- 3. what the page shows


def test_returned_records_are_shown_on_the_page_and_on_the_record(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path, CHUNK_SIZE=1)
    make_user("ex_admin")
    make_user("ex_reporter", Role.REPORTER, "区市场监管局")
    store(1, 2)
    services.send_pending(actor=None)
    first = OutboundMessage.objects.order_by("seq").first()
    assert first is not None
    record = CreditRecord.objects.get(document_number="北关市监罚〔2026〕1号")
    inbox = tmp_path / "inbox"
    inbox.mkdir(parents=True)
    feedback = inbox / "fk-20261126.csv"
    feedback.write_text(
        "幂等键,记录标识,处理结果,原因,回执号\n"
        f"{first.idempotency_key},,接收,,CITY-80\n"
        f",{record.identity_key},退回,相对人名称与登记不符,\n",
        encoding="utf-8",
    )
    _deliver(inbox, "fk-20261126", feedback, kind="feedback")
    import_inbox(actor=None)

    row = InboundFile.objects.get()
    assert row.message == "已导入；市平台退回记录 1 条"
    body = _page()
    assert "相对人名称与登记不符" in body
    assert "北关市监罚〔2026〕1号" in body
    assert f'href="/workspace/collection/records/{record.pk}/"' in body
    assert "区市场监管局" in body

    # The providing unit sees the return on the record's own page.
    event = Event.objects.get(action="exchange.record_returned")
    assert (event.target_type, event.target_id) == ("records.CreditRecord", str(record.pk))
    assert event.new_values == {
        "document_number": "北关市监罚〔2026〕1号",
        "unit": "区市场监管局",
        "reason": "相对人名称与登记不符",
        "inbound_file": row.pk,
        "filename": "fk-20261126.csv",
    }
    page = _login("ex_reporter").get(f"/workspace/collection/records/{record.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "市平台退回信用记录" in text
    assert "北关市监罚〔2026〕1号 退回原因：相对人名称与登记不符" in text
    # One exchange.import event for the file, as before.
    assert Event.objects.filter(action="exchange.import").count() == 1


def test_a_refused_manifest_is_recorded_and_shown(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    make_user("ex_admin")
    inbox = tmp_path / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "sx-bad.manifest.json").write_text(
        json.dumps({"kind": "list", "files": [{"name": "sx.csv", "sha256": "0" * 64}]}),
        encoding="utf-8",
    )
    run = import_inbox(actor=None)
    assert (run.imported, run.rejected) == (0, 1)

    reason = "名单文件须在清单中注明名单类型（list_type）。"
    row = InboundFile.objects.get()
    assert (row.filename, row.status, row.kind, row.message) == (
        "sx-bad.manifest.json",
        InboundFile.Status.REJECTED,
        "list",
        reason,
    )
    assert row.moved_to and Path(row.moved_to, "sx-bad.manifest.json").is_file()
    assert run.files[0]["inbound_file"] == row.pk
    event = Event.objects.get(action="exchange.import")
    assert event.target_id == str(row.pk)
    assert (event.new_values["ok"], event.new_values["message"]) == (False, reason)
    body = _page()
    assert "sx-bad.manifest.json" in body and reason in body

    # The same broken manifest delivered again is recorded again on the same row.
    (inbox / "sx-bad.manifest.json").write_text(
        json.dumps({"kind": "list", "files": [{"name": "sx.csv", "sha256": "0" * 64}]}),
        encoding="utf-8",
    )
    import_inbox(actor=None)
    assert InboundFile.objects.count() == 1
    assert Event.objects.filter(action="exchange.import").count() == 2
