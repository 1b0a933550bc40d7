"""Credit commitments and their fulfilment reach the city platform (plan task 5: 全面归集
……信用承诺及其履约信息; ledger row 24: 向市信用信息平台共享信用承诺及履约践诺信息): one
outbox entry per change, in the transaction of the change, through every channel that
records a commitment; sent in the national exchange style over HTTP and as 前置机 files."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.commitments import services as commitments
from xinyong.commitments.models import Commitment, Kind
from xinyong.core.errors import DomainError
from xinyong.exchange import selectors, services
from xinyong.exchange.fake_platform import FakeCityPlatform
from xinyong.exchange.models import OutboundMessage, OutboxEntry
from xinyong.exchange.payloads import prepare
from xinyong.orgs.models import Role

from ..commitments.helpers import ORG_USCC, PERSON_ID, SCJG, commit, matter, unit
from ..commitments.helpers import make_user as make_staff
from ..rights.repair_helpers import DECIDER_USCC
from ..rights.repair_helpers import penalty_row as repair_penalty_row
from ..rights.repair_helpers import record as repair_record
from ..rights.repair_helpers import store as repair_store
from ..rights.test_repair import apply as apply_for_repair
from .helpers import SECRET, TOKEN, file_settings, http_settings, make_user

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status
SCJG_USCC = DECIDER_USCC  # a valid USCC for the accepting unit
COMPANY = "安阳市北关区某某食品有限公司"


def _commitment_entries() -> list[tuple[str, str, int | None]]:
    return list(
        OutboxEntry.objects.filter(kind=OutboxEntry.Kind.COMMITMENT)
        .order_by("id")
        .values_list("kind", "change", "commitment_id")
    )


def _item(c: Commitment, change: str) -> dict[str, str]:
    """The item the city platform gets for `c`'s `change` entry, built now."""
    services.expand_entries()
    message = OutboundMessage.objects.get(entry__commitment=c, entry__change=change)
    prepared = prepare(message)
    assert prepared.envelope["count"] == 1
    return prepared.envelope["items"][0]


def _fulfil(c: Commitment, status: str, on: date = date(2026, 10, 20)) -> Commitment:
    broken = status != "全部履行"
    return commitments.record_fulfilment(
        actor=None,
        commitment=c,
        status=status,
        evidence="实地核查",
        unfulfilled_content="经营场所不实" if broken else "",
        liability_action="撤销许可" if broken else "",
        verified_on=on,
    )


# ------------------------------------------------------------------ queueing


def test_a_commitment_recorded_on_the_form_is_one_entry_in_its_transaction():
    c = commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
    assert _commitment_entries() == [("commitment", "recorded", c.pk)]
    assert OutboxEntry.objects.count() == 1  # nothing else announced
    services.expand_entries()
    message = OutboundMessage.objects.get()
    assert (message.kind, message.operation, message.item_count) == ("commitment", "upsert", 1)
    entry = OutboxEntry.objects.get()
    assert message.idempotency_key == f"410503-{entry.uid}-00001"


def test_a_rolled_back_or_refused_commitment_queues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
        assert len(_commitment_entries()) == 1
        raise RuntimeError("the surrounding work failed")
    assert _commitment_entries() == [] and Commitment.objects.count() == 0
    with pytest.raises(DomainError):
        commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2099, 1, 1))
    assert OutboxEntry.objects.count() == 0


def test_api_file_and_public_window_commitments_are_each_queued(tmp_path: Path):
    # API
    staff = make_staff("scjg_api", Role.REPORTER, SCJG)
    api = APIClient()
    api.force_authenticate(staff)
    created = api.post(
        "/api/v1/commitments/",
        {
            "matter": matter(SCJG, "食品经营许可", Kind.CERTIFICATE).pk,
            "committer_name": COMPANY,
            "committer_code": ORG_USCC,
            "made_on": "2026-09-28",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    by_api = Commitment.objects.get(pk=created.json()["id"])
    assert _commitment_entries() == [("commitment", "recorded", by_api.pk)]

    # File import: one entry per commitment; a file with a bad row queues nothing.
    header = "承诺人名称,承诺人代码,承诺类型,承诺事项,承诺作出日期,公开属性"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"{header}\n{COMPANY},{ORG_USCC},容缺受理型,食品经营许可,2026-09-28,\n张某,123,容缺受理型,,2026-09-28,\n",
        encoding="utf-8-sig",
    )
    assert commitments.import_commitments(actor=None, unit=SCJG, path=bad).errors
    assert len(_commitment_entries()) == 1
    good = tmp_path / "good.csv"
    good.write_text(
        f"{header}\n{COMPANY},{ORG_USCC},容缺受理型,食品经营许可,2026-09-28,\n"
        f"张某,{PERSON_ID},容缺受理型,食品经营许可,2026-09-29,特定范围内公开\n",
        encoding="utf-8-sig",
    )
    imported = commitments.import_commitments(actor=None, unit=SCJG, path=good).created
    assert _commitment_entries()[1:] == [("commitment", "recorded", c.pk) for c in imported]

    # Public window: nothing while unconfirmed (a placeholder code, maybe abandoned); the
    # confirmation makes the commitment and queues it.
    voluntary = matter(SCJG, "经营主体信用承诺", Kind.VOLUNTARY)
    pending, shown = commitments.start_public_commitment(
        matter=voluntary, uscc=ORG_USCC, name=COMPANY, accepted=True
    )
    assert len(_commitment_entries()) == 3
    with pytest.raises(DomainError):
        commitments.confirm_public_commitment(commitment=pending, response="000000x")
    assert len(_commitment_entries()) == 3
    confirmed = commitments.confirm_public_commitment(commitment=pending, response=shown)
    assert _commitment_entries()[3:] == [("commitment", "recorded", confirmed.pk)]


def test_fulfilment_and_overdue_flag_are_each_one_entry():
    kept = commit(SCJG, "食品经营许可", Kind.CERTIFICATE)
    _fulfil(kept, "全部履行")
    assert _commitment_entries() == [
        ("commitment", "recorded", kept.pk),
        ("commitment", "kept", kept.pk),
    ]
    # A refused second fulfilment changes nothing and announces nothing.
    with pytest.raises(DomainError):
        _fulfil(kept, "全部未履行")
    assert len(_commitment_entries()) == 2

    broken = commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
    last = OutboxEntry.objects.order_by("id").last()
    assert last is not None
    _fulfil(broken, "全部未履行")
    # The breach record (CNWN, a batch of the pipeline) and the commitment's new state.
    assert list(
        OutboxEntry.objects.filter(pk__gt=last.pk)
        .order_by("id")
        .values_list("kind", "change", "commitment_id")
    ) == [("batch", "stored", None), ("commitment", "broken", broken.pk)]

    # 容缺受理型 made 2026-09-28 with 5 working days to make good: due 2026-10-10 (国庆
    # 10/1–10/7 off, Saturday 10/10 worked), flagged on 2026-10-11, once.
    late = commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
    assert late.verify_due == date(2026, 10, 10)
    flagged = commitments.check_overdue(on=date(2026, 10, 11))
    assert [c.pk for c in flagged] == [late.pk]
    assert _commitment_entries()[-2:] == [
        ("commitment", "recorded", late.pk),
        ("commitment", "overdue", late.pk),
    ]
    count = len(_commitment_entries())
    assert commitments.check_overdue(on=date(2026, 10, 12)) == []
    assert len(_commitment_entries()) == count
    item = _item(late, "overdue")
    assert (item["CN_LXZT"], item["CN_YQRQ"]) == ("待核查", "2026-10-11")
    # The flag moves GXSJ on, so a receiver keeping the latest GXSJ per JLBS takes it.
    flagged_at = Commitment.objects.get(pk=late.pk).updated_at
    assert flagged_at > late.updated_at
    assert item["GXSJ"] == timezone.localtime(flagged_at).isoformat(timespec="seconds")


def test_a_failed_fulfilment_transaction_queues_nothing():
    c = commit(SCJG, "食品经营许可", Kind.CERTIFICATE)
    with pytest.raises(RuntimeError), transaction.atomic():
        _fulfil(c, "部分履行")
        assert len(_commitment_entries()) == 2
        raise RuntimeError("the surrounding work failed")
    assert _commitment_entries() == [("commitment", "recorded", c.pk)]
    assert OutboxEntry.objects.count() == 1  # the breach batch rolled back too
    c.refresh_from_db()
    assert c.status == Commitment.Status.PENDING


# ------------------------------------------------------------------ the format


def test_an_organisations_commitment_in_the_exchange_format():
    scjg = unit(SCJG)
    scjg.uscc = SCJG_USCC
    scjg.save()
    c = commit(
        SCJG,
        "食品经营许可",
        Kind.DEFICIENCY,
        name=COMPANY,
        valid_until=date(2027, 9, 27),
    )
    item = _item(c, "recorded")
    message = OutboundMessage.objects.get(entry__change="recorded")
    codes = [code for code, _ in prepare(message).columns]
    assert codes[:5] == ["CN_XDR_MC", "CN_XDR_LB", "CN_XDR_SHXYM", "CN_XDR_ZJLX", "CN_XDR_ZJHM"]
    assert codes[-3:] == ["CZLX", "JLBS", "GXSJ"]
    assert set(item) == set(codes)
    expected = {
        "CN_XDR_MC": COMPANY,
        "CN_XDR_LB": "法人及非法人组织",
        "CN_XDR_SHXYM": ORG_USCC,
        "CN_XDR_ZJLX": "",
        "CN_XDR_ZJHM": "",
        "CN_CNBM": c.code,
        "CN_CNLX": "容缺受理型",
        "CN_CNSY": "食品经营许可",
        "CN_CNRQ": "2026-09-28",
        "CN_YXQZ": "2027-09-27",
        "CN_SLDW": "区市场监管局",
        "CN_SLDWDM": SCJG_USCC,
        "CN_LXZT": "待核查",
        "CN_HCRQ": "",
        "CN_WLXNR": "",
        "CN_ZJNR": "",
        "CN_YQRQ": "",
        "CN_GKSX": "可向社会公开",
        "BZ": "",
        "CZLX": "新增或更新",
        "JLBS": c.code,
    }
    assert {code: item[code] for code in expected} == expected
    assert item["CN_CNNR"] == c.content and item["CN_CNNR"]
    assert item["CN_WNZR"] == c.breach_liability and item["CN_WNZR"]

    done = _fulfil(c, "部分履行")
    item = _item(c, "partly")
    assert (item["CN_LXZT"], item["CN_HCRQ"]) == ("部分履行", "2026-10-20")
    assert (item["CN_WLXNR"], item["CN_ZJNR"]) == ("经营场所不实", "撤销许可")
    assert done.breach_record is not None
    assert item["BZ"] == f"违诺失信信息记录标识：{done.breach_record.identity_key}"


def test_a_natural_persons_commitment_is_shared_in_full_with_its_publicity():
    # As for records: the city platform is a lawful receiver of shared data, so the ID
    # number travels in full; 公开属性 tells it what it may show the public.
    c = commit(
        SCJG,
        "食品经营许可",
        Kind.DEFICIENCY,
        code=PERSON_ID.lower(),
        name="张某某",
        publicity="不可公开",
    )
    item = _item(c, "recorded")
    assert (item["CN_XDR_MC"], item["CN_XDR_LB"]) == ("张某某", "自然人")
    assert (item["CN_XDR_SHXYM"], item["CN_XDR_ZJLX"], item["CN_XDR_ZJHM"]) == (
        "",
        "身份证",
        PERSON_ID,
    )
    assert item["CN_GKSX"] == "不可公开"


def test_a_repair_commitment_is_queued_with_its_application_for_specific_use_only():
    repair_store([repair_penalty_row(1, decided="2026-03-10")])
    assert _commitment_entries() == []
    app = apply_for_repair(repair_record(1), on=date(2026, 9, 22))
    promise = Commitment.objects.get(repair_application=app)
    # 信用修复型: filed with the repair application, in its transaction.
    assert _commitment_entries() == [("commitment", "recorded", promise.pk)]
    # Recording it again (idempotent per application) announces nothing new.
    commitments.record_repair_commitment(actor=None, application=app)
    assert len(_commitment_entries()) == 1
    # A failed filing (refused: the commitment was not accepted) queues nothing.
    with pytest.raises(DomainError):
        apply_for_repair(repair_record(1), on=date(2026, 9, 23), commitment_accepted=False)
    assert len(_commitment_entries()) == 1
    item = _item(promise, "recorded")
    assert (item["CN_CNLX"], item["CN_GKSX"]) == ("信用修复型", "特定范围内公开")
    assert item["CN_CNBM"] == "41050320260922000001"


# ------------------------------------------------------------------ sending


def test_sent_to_the_fake_city_platform_once_even_when_re_sent(settings):
    c = commit(SCJG, "食品经营许可", Kind.CERTIFICATE)
    _fulfil(c, "全部履行")
    # The platform stores the first message and drops the connection: the sender does
    # not know, and sends it again under the same key.
    with FakeCityPlatform(token=TOKEN, secret=SECRET, drop_rate=1.0) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url)
        first = services.send_pending(actor=None, limit=1)
        assert (first.attempted, first.retrying) == (1, 1)
        assert len(city.received) == 1
        city.drop_rate = 0.0
        for _ in range(5):
            services.send_pending(actor=None)
        stats = city.stats()
    messages = list(OutboundMessage.objects.filter(kind="commitment").order_by("id"))
    assert [m.status for m in messages] == [Status.ACKNOWLEDGED] * 2
    assert (stats["received"], stats["items"], stats["duplicates"]) == (2, 2, 1)
    assert messages[0].receipt == "CITY-00000001"  # the receipt given the first time
    assert [city.received[m.idempotency_key]["kind"] for m in messages] == ["commitment"] * 2
    recorded, kept = (city.received[m.idempotency_key]["items"][0] for m in messages)
    assert recorded["CN_CNBM"] == kept["CN_CNBM"] == c.code
    # State transfer: each carries the state when it was sent.
    assert (recorded["CN_LXZT"], kept["CN_LXZT"]) == ("全部履行", "全部履行")
    # Nothing left to send; an acknowledged message is never sent again.
    assert services.send_pending(actor=None).attempted == 0


def test_the_fake_platform_refuses_an_envelope_whose_items_do_not_match_its_columns(settings):
    commit(SCJG, "食品经营许可", Kind.CERTIFICATE)
    services.expand_entries()
    message = OutboundMessage.objects.get()
    prepared = prepare(message)
    prepared.envelope["items"][0]["XX_UNKNOWN"] = "x"
    from xinyong.exchange.transports import HttpJsonTransport

    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        http = HttpJsonTransport(url=city.url, token=TOKEN, secret=SECRET, timeout=2)
        outcome = http.deliver(prepared)
        assert city.received == {}
    assert (outcome.kind, outcome.http_status) == ("failed", 422)
    assert "XX_UNKNOWN" in outcome.detail


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_file_drop_carries_commitments(settings, tmp_path, file_format):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path, FILE_FORMAT=file_format)
    c = commit(SCJG, "食品经营许可", Kind.DEFICIENCY, code=PERSON_ID, name="张某某")
    result = services.send_pending(actor=None)
    assert (result.attempted, result.sent) == (1, 1)
    message = OutboundMessage.objects.get()
    outbox = tmp_path / "outbox"
    manifest = json.loads((outbox / f"{message.idempotency_key}.manifest.json").read_text("utf-8"))
    assert (manifest["kind"], manifest["operation"], manifest["record_type"]) == (
        "commitment",
        "upsert",
        "",
    )
    assert manifest["files"][0]["rows"] == 1
    codes = [col["code"] for col in manifest["columns"]]
    assert "CN_CNBM" in codes and "CN_GKSX" in codes
    data = (outbox / f"{message.idempotency_key}.{file_format}").read_bytes()
    if file_format == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert sheet is not None
        values = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
        rows = [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    assert len(rows) == 1
    assert list(rows[0]) == codes
    assert (rows[0]["CN_CNBM"], rows[0]["CN_XDR_ZJHM"], rows[0]["CN_LXZT"]) == (
        c.code,
        PERSON_ID,
        "待核查",
    )


# ------------------------------------------------------------------ surfaces and figures


def test_status_page_lists_commitment_messages_with_a_chinese_label(settings, tmp_path):
    settings.XINYONG_EXCHANGE = file_settings(tmp_path)
    make_user("ex_admin")
    commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
    services.expand_entries()
    client = Client()
    from xinyong.orgs.models import User

    client.force_login(User.objects.get(username="ex_admin"))
    html = client.get("/workspace/exchange/?kind=commitment").content.decode()
    assert "共 1 条" in html
    assert "<td>信用承诺</td><td>新增或更新</td>" in html
    assert '<option value="commitment" selected>信用承诺</option>' in html
    message = OutboundMessage.objects.get()
    detail = client.get(f"/workspace/exchange/messages/{message.pk}/").content.decode()
    assert "信用承诺" in detail and message.entry.commitment.code in detail
    assert "（作出承诺）" in detail
    assert selectors.filter_messages(kind="commitment").count() == 1
    with pytest.raises(DomainError, match="commitment"):
        selectors.filter_messages(kind="nope")


def test_commitments_shared_with_the_city_platform_per_unit_and_period(settings):
    period = SimpleNamespace(start=date(2026, 9, 1), end=date(2026, 9, 30))
    shared = commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 9, 28))
    commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 10, 8))  # other period
    unsent = commit(SCJG, "食品经营许可", Kind.CERTIFICATE, made_on=date(2026, 9, 29))
    assert selectors.commitments_shared_with_city(unit(SCJG), period).count() == 0
    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url)
        services.expand_entries()
        city.reject_keys = {OutboundMessage.objects.get(entry__commitment=unsent).idempotency_key}
        services.send_pending(actor=None)
    qs = selectors.commitments_shared_with_city(unit(SCJG), period)
    assert list(qs) == [shared]
    assert selectors.commitments_shared_with_city(unit("区住建局"), period).count() == 0
