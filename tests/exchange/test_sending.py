"""Sending to the fake city platform over real HTTP on loopback: signatures, idempotency,
retries with backoff, failures on purpose — nothing lost, nothing duplicated."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.exchange import services
from xinyong.exchange.conf import get_config
from xinyong.exchange.fake_platform import FakeCityPlatform
from xinyong.exchange.models import DeliveryAttempt, OutboundMessage
from xinyong.exchange.signing import sign
from xinyong.records.models import CreditRecord

from .helpers import SECRET, TOKEN, http_settings, store

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status


def _drain(rounds: int = 60) -> None:
    for _ in range(rounds):
        services.send_pending(actor=None)
        if not OutboundMessage.objects.exclude(status=Status.ACKNOWLEDGED).exists():
            return
    raise AssertionError("messages still not acknowledged")


def test_signature_is_hmac_sha256_over_method_path_timestamp_and_body():
    # Computed independently: printf 'POST\n/api/exchange/messages\n1795000000\n{}' |
    # openssl dgst -sha256 -hmac k
    assert sign("k", "post", "/api/exchange/messages", "1795000000", b"{}") == (
        "8eb3e3c82d37696fe90a6f5f4407e44831f99f20f64d2d4b21939deca551fa00"
    )
    assert sign("k", "POST", "/api/exchange/messages", "1795000001", b"{}") != sign(
        "k", "POST", "/api/exchange/messages", "1795000000", b"{}"
    )


def test_all_messages_acknowledged_once_with_receipts(settings):
    store(1, 5)
    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url, CHUNK_SIZE=2)
        result = services.send_pending(actor=None)
        assert (result.expanded, result.attempted, result.acknowledged) == (3, 3, 3)
        stats = city.stats()
    assert (stats["received"], stats["items"], stats["duplicates"]) == (3, 5, 0)
    messages = list(OutboundMessage.objects.order_by("seq"))
    assert [m.status for m in messages] == [Status.ACKNOWLEDGED] * 3
    assert [m.receipt for m in messages] == ["CITY-00000001", "CITY-00000002", "CITY-00000003"]
    assert set(city.received) == {m.idempotency_key for m in messages}
    assert all(m.attempts == 1 and m.transport == "http" for m in messages)
    assert DeliveryAttempt.objects.filter(outcome="acknowledged").count() == 3
    event = Event.objects.filter(action="exchange.send").get()
    assert event.new_values["acknowledged"] == 3


def test_a_wrong_secret_is_refused_and_not_retried(settings):
    store(1, 1)
    with FakeCityPlatform(token=TOKEN, secret="the-platform-knows-another") as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url)
        result = services.send_pending(actor=None)
        assert city.stats()["rejected_auth"] == 1 and city.received == {}
    assert (result.failed, result.retrying) == (1, 0)
    message = OutboundMessage.objects.get()
    assert message.status == Status.FAILED
    assert message.last_error == "市平台拒收（401）：签名不符"
    assert DeliveryAttempt.objects.get().http_status == 401


def test_nothing_lost_or_duplicated_under_errors_timeouts_and_dropped_connections(settings):
    store(1, 40)
    admin_changes = CreditRecord.objects.order_by("id")[:3]
    from xinyong.records.services import withdraw_record

    for record in admin_changes:
        withdraw_record(actor=None, record=record, reason="复议撤销")
    with FakeCityPlatform(
        token=TOKEN,
        secret=SECRET,
        error_rate=0.25,
        timeout_rate=0.1,
        drop_rate=0.15,
        timeout_delay=0.8,
        seed=7,
    ) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url, CHUNK_SIZE=4, MAX_ATTEMPTS=100)
        _drain()
        stats = city.stats()
        requests_before = stats["requests"]
        # An acknowledged message is never sent again.
        again = services.send_pending(actor=None)
        assert again.attempted == 0 and city.stats()["requests"] == requests_before
    keys = set(OutboundMessage.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == 10 + 3
    assert set(city.received) == keys
    # Every failure mode happened, and the platform saw retries of messages it already had.
    assert set(stats["failures"]) == {"error", "timeout", "drop"}
    assert stats["duplicates"] >= 1
    # Each record arrived exactly once in the batch's messages, each withdrawal once.
    batch_items = [
        item["JLBS"]
        for env in city.received.values()
        if env["kind"] == "batch"
        for item in env["items"]
    ]
    counts = Counter(batch_items)
    assert len(counts) == 40 and set(counts.values()) == {1}
    withdrawals = [env for env in city.received.values() if env["operation"] == "withdraw"]
    assert len(withdrawals) == 3
    assert {env["items"][0]["JLZT"] for env in withdrawals} == {"已撤销"}
    # Attempts recorded: one per request that reached a verdict.
    assert DeliveryAttempt.objects.filter(outcome="retry").count() >= 1
    assert DeliveryAttempt.objects.filter(outcome="acknowledged").count() == 13


def test_max_attempts_then_failed_and_resend_puts_it_back(settings):
    store(1, 1)
    with FakeCityPlatform(token=TOKEN, secret=SECRET, error_rate=1.0) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url, MAX_ATTEMPTS=3)
        for _ in range(3):
            services.send_pending(actor=None)
        message = OutboundMessage.objects.get()
        assert (message.status, message.attempts) == (Status.FAILED, 3)
        assert message.last_error == "已尝试 3 次仍失败：市平台返回 500：市平台内部错误（模拟）"
        assert [a.outcome for a in message.tries.order_by("number")] == [
            "retry",
            "retry",
            "failed",
        ]
        # Nothing is sent automatically once failed.
        assert services.send_pending(actor=None).attempted == 0
        city.error_rate = 0.0
        services.resend_message(actor=None, message=message.pk)
        message.refresh_from_db()
        assert (message.status, message.attempts) == (Status.PENDING, 0)
        services.send_pending(actor=None)
    message.refresh_from_db()
    assert message.status == Status.ACKNOWLEDGED
    with pytest.raises(DomainError, match="被市平台确认接收，不需要重发"):
        services.resend_message(actor=None, message=message.pk)
    assert Event.objects.filter(action="exchange.resend", target_id=str(message.pk)).count() == 1


def test_backoff_is_exponential_with_jitter_and_capped(settings):
    settings.XINYONG_EXCHANGE = {"BACKOFF_BASE": 30, "BACKOFF_CAP": 600}
    config = get_config()
    rng = random.Random(1)
    first = [services.backoff_seconds(1, config, rng) for _ in range(200)]
    third = [services.backoff_seconds(3, config, rng) for _ in range(200)]
    tenth = [services.backoff_seconds(10, config, rng) for _ in range(200)]
    assert min(first) >= 15 and max(first) <= 30
    assert min(third) >= 60 and max(third) <= 120
    assert min(tenth) >= 300 and max(tenth) <= 600
    assert len({round(x, 3) for x in third}) > 100  # jittered, not in lockstep


def test_a_retry_waits_for_its_backoff(settings):
    store(1, 1)
    with FakeCityPlatform(token=TOKEN, secret=SECRET, error_rate=1.0) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url, BACKOFF_BASE=3600, BACKOFF_CAP=3600)
        services.send_pending(actor=None)
        message = OutboundMessage.objects.get()
        assert message.status == Status.PENDING
        wait = (message.next_attempt_at - timezone.now()).total_seconds()
        assert 1700 < wait <= 3600
        assert services.send_pending(actor=None).attempted == 0
        assert city.stats()["requests"] == 1


def test_a_claimed_message_is_not_sent_by_another_sender_until_the_claim_expires(settings):
    store(1, 1)
    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url)
        services.expand_entries()
        message = OutboundMessage.objects.get()
        # Another sender holds the message (it was killed after claiming it).
        OutboundMessage.objects.filter(pk=message.pk).update(
            lease_until=timezone.now() + timedelta(minutes=2), lease_token="other"
        )
        assert services.send_pending(actor=None).attempted == 0
        assert city.stats()["requests"] == 0
        OutboundMessage.objects.filter(pk=message.pk).update(
            lease_until=timezone.now() - timedelta(seconds=1)
        )
        assert services.send_pending(actor=None).acknowledged == 1
    message.refresh_from_db()
    assert (message.status, message.lease_token) == (Status.ACKNOWLEDGED, "")


def test_send_limit_takes_the_oldest_first(settings):
    store(1, 3)
    with FakeCityPlatform(token=TOKEN, secret=SECRET) as city:
        settings.XINYONG_EXCHANGE = http_settings(city.url, CHUNK_SIZE=1)
        assert services.send_pending(actor=None, limit=2).acknowledged == 2
        assert list(OutboundMessage.objects.order_by("seq").values_list("status", flat=True)) == [
            Status.ACKNOWLEDGED,
            Status.ACKNOWLEDGED,
            Status.PENDING,
        ]
    with pytest.raises(DomainError, match="正整数"):
        services.send_pending(actor=None, limit=0)


def test_bad_transport_setting_is_a_chinese_error(settings):
    settings.XINYONG_EXCHANGE = {"TRANSPORT": "ftp"}
    with pytest.raises(DomainError, match="TRANSPORT 的值“ftp”无效"):
        services.send_pending(actor=None)
    settings.XINYONG_EXCHANGE = {"TRANSPORT": "http", "HTTP_URL": ""}
    with pytest.raises(DomainError, match="HTTP_URL 未设置或无效"):
        services.send_pending(actor=None)
