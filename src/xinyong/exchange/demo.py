"""Demo exchange for `xinyong init --demo`: the demo's records and list changes were queued
by the outbox receivers as they were loaded; this sends some of them for real — over HTTP
to the fake city platform started on loopback for the occasion (most acknowledged, one
refused by the platform, two left retrying after 500s) and two as 前置机 file drops
waiting for their receipt — so that the 市平台推送 page shows every state. Idempotent:
skipped once any message has been attempted."""

from __future__ import annotations

from xinyong.core.bootstrap import demo_loader

from . import services
from .conf import get_config
from .fake_platform import FakeCityPlatform
from .models import DeliveryAttempt, OutboundMessage
from .transports import FileDropTransport, HttpJsonTransport

DEMO_TOKEN = "demo-city-token"
DEMO_SECRET = "demo-city-secret"


@demo_loader(95, "市平台数据交换")
def load_demo_exchange() -> str:
    if DeliveryAttempt.objects.exists():
        return "已存在，跳过"
    services.expand_entries()
    pending = list(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING)
        .order_by("id")
        .values_list("idempotency_key", flat=True)
    )
    if not pending:
        return "没有待推送的变更"
    refused = set(pending[2:3])
    with FakeCityPlatform(token=DEMO_TOKEN, secret=DEMO_SECRET, reject_keys=refused) as city:
        http = HttpJsonTransport(url=city.url, token=DEMO_TOKEN, secret=DEMO_SECRET, timeout=5)
        first = services.send_pending(actor=None, limit=8, transport=http)
        city.error_rate = 1.0  # the platform is "down" for the next two
        second = services.send_pending(actor=None, limit=2, transport=http)
    config = get_config()
    drop = FileDropTransport(directory=config.file_dir, file_format=config.file_format)
    third = services.send_pending(actor=None, limit=2, transport=drop)
    return (
        f"接口推送已确认 {first.acknowledged} 个、市平台拒收 {first.failed} 个、"
        f"待重试 {second.retrying} 个；前置机文件待回执 {third.sent} 个"
    )
