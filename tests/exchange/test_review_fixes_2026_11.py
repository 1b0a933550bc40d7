"""Exchange with the city platform, review fixes of 2026-11 (issue 10; docs/exchange.md):

1. a repaired record changed afterwards stays repaired at the city (its record item carries
   the repair result, XF_JG);
2. a list manifest's full_snapshot must be a JSON boolean;
3. a creation date before 2000-01-01 in the message filter is refused, not a server error;
4. docs/deploy.md installs npm and creates the backup directory;
5. the acceptance of a resent drop is kept whatever the order of the receipts.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from rest_framework.test import APIClient

from xinyong.commitments.models import Commitment
from xinyong.exchange import services
from xinyong.exchange.inbound import import_inbox
from xinyong.exchange.models import InboundFile, OutboundMessage
from xinyong.exchange.payloads import prepare
from xinyong.records.models import CreditRecord
from xinyong.records.services import correct_record, withdraw_record
from xinyong.rights import repair
from xinyong.sanctions.models import ListEntry

from ..commitments.test_commitment_exclusion import admin, apply, approve_repair, breach
from ..rights.repair_helpers import penalty_row, record, staff
from ..rights.repair_helpers import store as store_penalties
from ..rights.test_repair import apply as apply_for_repair
from ..sanctions.test_lists_import import _file as list_file
from ..sanctions.test_lists_import import _row as list_row
from .conftest import Moment
from .helpers import file_settings, http_settings, make_user, store
from .test_inbound import _deliver

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = OutboundMessage.Status
APPROVED = "准予信用修复，停止公示"
CORRECTED_SY = "经查，当事人排放的大气污染物超过国家排放标准。"


def _city_view() -> dict[str, dict[str, str]]:
    """What the city platform keeps: per JLBS, the item with the latest GXSJ (a tie goes
    to the later message)."""
    kept: dict[str, dict[str, str]] = {}
    for m in OutboundMessage.objects.order_by("id"):
        for item in prepare(m).rows:
            old = kept.get(item["JLBS"])
            if old is None or item["GXSJ"] >= old["GXSJ"]:
                kept[item["JLBS"]] = item
    return kept


# ------------------------------------------------------------------ 1. repaired records


def test_a_repaired_record_corrected_afterwards_stays_repaired_at_the_city():
    users = staff()
    store_penalties([penalty_row(1, decided="2026-03-10")])
    r = record(1)
    app = apply_for_repair(r, on=date(2026, 9, 22))
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 9, 24)
    )
    app = repair.provider_review(
        actor=users["reviewer"],
        application=app,
        agrees=True,
        opinion="整改到位。",
        on=date(2026, 9, 29),
    )
    repair.decide_repair(
        actor=users["admin"],
        application=app,
        approve=True,
        reason="已履行义务。",
        on=date(2026, 10, 14),
    )
    correct_record(
        actor=users["admin"], record=r, changes={"CF_SY": CORRECTED_SY}, reason="事实表述笔误"
    )
    services.expand_entries()
    kept = _city_view()[r.identity_key]
    assert kept.get("XF_JG") == APPROVED, kept


def _repaired(moment: Moment) -> tuple[CreditRecord, Any, Any]:
    """A penalty decided 2026-03-10, stored 03-12, repaired on 2026-06-30."""
    office = admin()
    moment.set(date(2026, 3, 12))
    store_penalties([penalty_row(1, decided="2026-03-10")])
    r = record(1)
    moment.set(date(2026, 6, 15))
    app = apply(r, date(2026, 6, 15), name=r.subject.name)
    moment.set(date(2026, 6, 30))
    app = approve_repair(app, office, date(2026, 6, 30))
    return r, app, office


def test_a_correction_months_after_the_repair_keeps_it_out_of_view_at_the_city(moment):
    r, _, office = _repaired(moment)
    moment.set(date(2026, 9, 1))
    correct_record(actor=office, record=r, changes={"CF_SY": CORRECTED_SY}, reason="事实表述笔误")
    services.expand_entries()
    corrected = OutboundMessage.objects.get(entry__change="corrected")
    (item,) = prepare(corrected).rows
    # The record item says what the repair item said, with the corrected content.
    assert (item["XF_JG"], item["GXSJ"], item["BBH"]) == (
        APPROVED,
        "2026-09-01T10:00:00+08:00",
        "2",
    )
    kept = _city_view()[r.identity_key]
    assert (kept["XF_JG"], kept["CF_SY"], kept["JLZT"]) == (APPROVED, CORRECTED_SY, "有效")


def test_a_repaired_record_resubmitted_by_its_unit_stays_repaired_at_the_city(moment):
    r, _, _ = _repaired(moment)
    moment.set(date(2026, 9, 1))
    result = store_penalties(
        [penalty_row(1, decided="2026-03-10", CF_SY=CORRECTED_SY)], reported_on=date(2026, 9, 1)
    )
    assert result.updated == 1
    services.expand_entries()
    resubmitted = OutboundMessage.objects.filter(kind="batch").order_by("id").last()
    assert resubmitted is not None
    (item,) = prepare(resubmitted).rows
    assert (item["XF_JG"], item["CF_SY"], item["GXSJ"]) == (
        APPROVED,
        CORRECTED_SY,
        "2026-09-01T10:00:00+08:00",
    )
    assert _city_view()[r.identity_key]["XF_JG"] == APPROVED


def test_a_record_whose_repair_was_undone_and_then_corrected_is_shown_again(moment):
    r, app, office = _repaired(moment)
    moment.set(date(2026, 9, 1))
    breach(Commitment.objects.get(repair_application=app), date(2026, 9, 1))
    moment.set(date(2026, 9, 2))
    correct_record(actor=office, record=r, changes={"CF_SY": CORRECTED_SY}, reason="事实表述笔误")
    services.expand_entries()
    kept = _city_view()[r.identity_key]
    assert (kept["XF_JG"], kept["CF_SY"], kept["GXSJ"]) == (
        "撤销修复，恢复公示",
        CORRECTED_SY,
        "2026-09-02T10:00:00+08:00",
    )


def test_a_repair_undone_after_the_longest_period_stays_not_shown_when_corrected(moment):
    office = admin()
    moment.set(date(2025, 11, 21))
    store_penalties([penalty_row(2, decided="2025-11-20")], reported_on=date(2025, 11, 21))
    r = record(2)
    moment.set(date(2026, 3, 2))
    app = apply(r, date(2026, 3, 2), name=r.subject.name)
    moment.set(date(2026, 3, 9))
    app = approve_repair(app, office, date(2026, 3, 9))
    moment.set(date(2026, 11, 25))
    breach(Commitment.objects.get(repair_application=app), date(2026, 11, 25))
    moment.set(date(2026, 11, 26))
    correct_record(actor=office, record=r, changes={"CF_SY": CORRECTED_SY}, reason="事实表述笔误")
    services.expand_entries()
    kept = _city_view()[r.identity_key]
    # The longest period ran out on 2026-11-20: the later record item does not bring the
    # penalty back to view at the city.
    assert (kept["XF_JG"], kept["GXSJ"]) == ("撤销修复，公示期已满", "2026-11-26T10:00:00+08:00")


def test_a_repaired_record_withdrawn_afterwards_goes_as_a_withdrawal(moment):
    r, _, office = _repaired(moment)
    moment.set(date(2026, 9, 1))
    withdraw_record(actor=office, record=r, reason="复议撤销", on=date(2026, 9, 1))
    services.expand_entries()
    kept = _city_view()[r.identity_key]
    # The withdrawal overrides the repair (the record should never have been public).
    assert (kept["CZLX"], kept["JLZT"], kept["XF_JG"]) == ("撤销", "已撤销", "")


def test_a_record_never_repaired_has_an_empty_repair_result():
    store(1, 1)
    services.expand_entries()
    prepared = prepare(OutboundMessage.objects.get())
    assert [c for c, _ in prepared.columns][-8:] == [
        "CZLX",
        "JLBS",
        "BBH",
        "JLZT",
        "GXSJ",
        "CHRQ",
        "CHLY",
        "XF_JG",
    ]
    assert prepared.rows[0]["XF_JG"] == ""


# ------------------------------------------------------------------ 2. full_snapshot


@pytest.mark.parametrize("value", ["false", "0", 0, None])
def test_full_snapshot_that_is_not_a_json_boolean_is_refused(settings, tmp_path, value):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    inbox = tmp_path / "inbox"
    a = list_row("40000001", "安阳市北关区甲商贸有限公司", "（2026）豫0503执101号")
    b = list_row("40000002", "安阳市北关区乙商贸有限公司", "（2026）豫0503执102号")
    (tmp_path / "d1").mkdir()
    _deliver(
        inbox,
        "first",
        list_file(tmp_path / "d1", [a, b], "first.csv"),
        kind="list",
        list_type="SX_BZXR",
        unit="区法院",
    )
    assert import_inbox(actor=None).imported == 1
    c = list_row("40000003", "安阳市北关区丙商贸有限公司", "（2026）豫0503执103号")
    (tmp_path / "d2").mkdir()
    _deliver(
        inbox,
        "second",
        list_file(tmp_path / "d2", [c], "second.csv"),
        kind="list",
        list_type="SX_BZXR",
        unit="区法院",
        full_snapshot=value,
    )
    run = import_inbox(actor=None)
    assert ListEntry.objects.filter(status=ListEntry.Status.REMOVED).count() == 0, run.as_json()
    assert (run.imported, run.rejected) == (0, 1)
    refused = InboundFile.objects.get(filename="second.manifest.json")
    assert refused.status == InboundFile.Status.REJECTED
    assert refused.message == (
        f"清单中的全量标记（full_snapshot）“{json.dumps(value, ensure_ascii=False)}”无效，"
        "应为不加引号的 true（全量名单）或 false（增量）。"
    )
    assert ListEntry.objects.count() == 2


def test_full_snapshot_true_still_ends_the_entries_missing_from_the_file(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    inbox = tmp_path / "inbox"
    a = list_row("40000001", "安阳市北关区甲商贸有限公司", "（2026）豫0503执101号")
    b = list_row("40000002", "安阳市北关区乙商贸有限公司", "（2026）豫0503执102号")
    (tmp_path / "d1").mkdir()
    _deliver(
        inbox,
        "first",
        list_file(tmp_path / "d1", [a, b], "first.csv"),
        kind="list",
        list_type="SX_BZXR",
        unit="区法院",
        full_snapshot=False,
    )
    assert import_inbox(actor=None).imported == 1
    (tmp_path / "d2").mkdir()
    _deliver(
        inbox,
        "second",
        list_file(tmp_path / "d2", [a], "second.csv"),
        kind="list",
        list_type="SX_BZXR",
        unit="区法院",
        full_snapshot=True,
    )
    assert import_inbox(actor=None).imported == 1
    assert ListEntry.objects.filter(status=ListEntry.Status.REMOVED).count() == 1


# ------------------------------------------------------------------ 3. created_from


def test_exchange_message_filter_with_year_one_is_not_a_server_error():
    admin_user = make_user("zz_ex_admin")
    page = Client(raise_request_exception=False)
    page.force_login(admin_user)
    response = page.get("/workspace/exchange/?created_from=0001-01-01")
    assert response.status_code == 200
    html = response.content.decode()
    assert "起始日期 0001-01-01 早于 2000-01-01，请核对。" in html
    assert "没有符合条件的推送报文" in html
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(admin_user)
    for param, label in (("created_from", "起始日期"), ("created_to", "截止日期")):
        answer = api.get(f"/api/v1/exchange/messages/?{param}=0001-01-01")
        assert answer.status_code == 400
        assert answer.json()["detail"] == f"{label}：日期不合理：“0001-01-01”"
        answer = api.get(f"/api/v1/exchange/messages/?{param}=1999-12-31")
        assert answer.status_code == 400
        assert answer.json()["detail"] == f"{label} 1999-12-31 早于 2000-01-01，请核对。"
    assert api.get("/api/v1/exchange/messages/?created_from=2000-01-01").status_code == 200


# ------------------------------------------------------------------ 4. docs/deploy.md


def _apt_packages() -> set[str]:
    text = (ROOT / "docs" / "deploy.md").read_text("utf-8")
    line = next(line for line in text.splitlines() if line.startswith("apt-get install"))
    return set(line.split()[3:])


def test_make_install_tools_are_installed_by_the_documented_apt_get_line():
    assert "npm ci" in (ROOT / "Makefile").read_text("utf-8")
    assert "assets/dist/" in (ROOT / ".gitignore").read_text("utf-8")
    assert {"npm", "nodejs"} & _apt_packages(), _apt_packages()


def test_backup_target_directory_is_created_for_the_service_user():
    text = (ROOT / "docs" / "deploy.md").read_text("utf-8")
    assert "User=xinyong" in text and "--out /srv/backups/xinyong" in text
    assert re.search(r"install -d[^\n]*-o xinyong[^\n]*/srv/backups/xinyong", text)


# ------------------------------------------------------------------ 5. receipts


def _ack(root: Path, key: str, status: str, receipt: str = "") -> None:
    acks = root / "acks"
    acks.mkdir(parents=True, exist_ok=True)
    detail = "字段校验不通过" if status == "rejected" else ""
    (acks / f"{key}.ack.json").write_text(
        json.dumps(
            {"idempotency_key": key, "status": status, "receipt": receipt, "detail": detail}
        ),
        "utf-8",
    )


def _dropped_twice(settings: Any, tmp_path: Path) -> OutboundMessage:
    """A message dropped as a file, resent by a person and dropped again: two drops under
    one key, neither receipted yet."""
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    store(1, 1)
    services.send_pending(actor=None)
    message = OutboundMessage.objects.get()
    assert message.status == Status.SENT
    services.resend_message(actor=make_user("zz_ex_admin2"), message=message)
    services.send_pending(actor=None)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)
    return message


def test_acceptance_of_the_resent_drop_is_not_lost_after_the_first_drop_was_returned(
    settings, tmp_path
):
    message = _dropped_twice(settings, tmp_path)
    _ack(tmp_path, message.idempotency_key, "rejected")
    services.send_pending(actor=None)
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Status.FAILED, "市平台退回：字段校验不通过")
    _ack(tmp_path, message.idempotency_key, "accepted", "CITY-RCPT-2")
    assert services.send_pending(actor=None).acks_collected == 1
    message.refresh_from_db()
    assert (message.status, message.receipt, message.last_error) == (
        Status.ACKNOWLEDGED,
        "CITY-RCPT-2",
        "",
    )
    assert message.acknowledged_at is not None


def test_a_late_return_of_the_first_drop_does_not_undo_the_acknowledgement(settings, tmp_path):
    message = _dropped_twice(settings, tmp_path)
    _ack(tmp_path, message.idempotency_key, "duplicate", "CITY-RCPT-2")
    services.send_pending(actor=None)
    _ack(tmp_path, message.idempotency_key, "rejected")
    services.send_pending(actor=None)
    message.refresh_from_db()
    assert (message.status, message.receipt, message.last_error) == (
        Status.ACKNOWLEDGED,
        "CITY-RCPT-2",
        "",
    )
    assert not (tmp_path / "acks" / f"{message.idempotency_key}.ack.json").exists()


def test_a_return_of_the_earlier_drop_does_not_cancel_a_queued_resend(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    store(1, 1)
    services.send_pending(actor=None)
    message = OutboundMessage.objects.get()
    services.resend_message(actor=make_user("zz_ex_admin3"), message=message)
    # The return of the first drop is read before the queued redelivery is made.
    _ack(tmp_path, message.idempotency_key, "rejected")
    services.send_pending(actor=None)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)
    _ack(tmp_path, message.idempotency_key, "accepted", "CITY-RCPT-3")
    services.send_pending(actor=None)
    message.refresh_from_db()
    assert (message.status, message.receipt) == (Status.ACKNOWLEDGED, "CITY-RCPT-3")


def test_a_failed_drop_still_gets_its_acceptance_after_switching_to_http(settings, tmp_path):
    message = _dropped_twice(settings, tmp_path)
    _ack(tmp_path, message.idempotency_key, "rejected")
    services.send_pending(actor=None)
    settings.XINYONG_EXCHANGE = {
        **http_settings("http://127.0.0.1:9/unused"),
        "FILE_ACK_DIR": str(tmp_path / "acks"),
    }
    _ack(tmp_path, message.idempotency_key, "accepted", "CITY-RCPT-4")
    result = services.send_pending(actor=None)
    assert (result.transport, result.attempted, result.acks_collected) == ("http", 0, 1)
    message.refresh_from_db()
    assert (message.status, message.receipt) == (Status.ACKNOWLEDGED, "CITY-RCPT-4")


@pytest.mark.parametrize("field", ["full_snapshot", "kind", "list_type"])
def test_a_manifest_with_a_lone_surrogate_is_rejected_not_a_crash(
    settings: Any, tmp_path: Path, field: str
) -> None:
    """JSON may escape a lone surrogate (\\ud800); echoed into the refusal, it could not be
    written to result.json, and the import job crashed with the delivery half archived."""
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir(parents=True)
    row = list_row("40000001", "安阳市北关区甲商贸有限公司", "（2026）豫0503执101号")
    data = list_file(inbox, [row], "d.csv")
    body = {
        "kind": "list",
        "list_type": "SX_BZXR",
        "unit": "区法院",
        "full_snapshot": False,
        "files": [{"name": data.name, "sha256": hashlib.sha256(data.read_bytes()).hexdigest()}],
    }
    body[field] = "PH"
    text = json.dumps(body, ensure_ascii=False).replace('"PH"', '"\\ud800"')
    (inbox / "d.manifest.json").write_text(text, encoding="utf-8")
    run = import_inbox(actor=None)
    assert run.rejected == 1
    refused = InboundFile.objects.get(filename="d.manifest.json")
    assert refused.status == InboundFile.Status.REJECTED
    assert "孤立的 Unicode 代理项" in refused.message
