"""Runs the fake city platform (市信用信息共享平台) on loopback for a demo of the exchange:

    .venv/bin/python scripts/fake_city_platform.py [--port 8765] [--token city-token]
        [--secret city-secret] [--error-rate 0.2] [--timeout-rate 0.05] [--drop-rate 0.1]

then point the platform at it:

    XINYONG_EXCHANGE_TRANSPORT=http \
    XINYONG_EXCHANGE_URL=http://127.0.0.1:8765/api/exchange/messages \
    XINYONG_EXCHANGE_TOKEN=city-token XINYONG_EXCHANGE_SECRET=city-secret \
    .venv/bin/xinyong exchange send

It verifies token and signature, deduplicates by idempotency key, acknowledges, fails on
purpose at the given rates, and prints a line per ten stored messages; `GET` on the same
URL lists what it received. Ctrl+C stops it. (docs/exchange.md)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from xinyong.exchange.fake_platform import FakeCityPlatform


def main() -> None:
    parser = argparse.ArgumentParser(description="模拟市信用信息共享平台（仅监听本机回环地址）")
    parser.add_argument("--port", type=int, default=8765, help="端口，默认 8765")
    parser.add_argument("--token", default="city-token", help="接口令牌")
    parser.add_argument("--secret", default="city-secret", help="请求签名密钥")
    parser.add_argument("--error-rate", type=float, default=0.0, help="返回 500 的比例")
    parser.add_argument("--timeout-rate", type=float, default=0.0, help="入库后超时不应答的比例")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="入库后断开连接的比例")
    parser.add_argument("--timeout-delay", type=float, default=15.0, help="超时不应答的秒数")
    args = parser.parse_args()

    def report(key: str, count: int) -> None:
        if count % 10 == 0:
            print(f"已接收 {count} 个报文（最新 {key}）", flush=True)

    city = FakeCityPlatform(
        token=args.token,
        secret=args.secret,
        port=args.port,
        error_rate=args.error_rate,
        timeout_rate=args.timeout_rate,
        drop_rate=args.drop_rate,
        timeout_delay=args.timeout_delay,
        on_stored=report,
    ).start()
    print(f"模拟市平台已启动：{city.url}  （按 Ctrl+C 停止）", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        stats = city.stats()
        print(
            f"\n已停止。共接收 {stats['received']} 个报文 {stats['items']} 条信息，"
            f"重复报文 {stats['duplicates']} 次，模拟故障 {stats['failures']}。"
        )
        city.stop()


if __name__ == "__main__":
    main()
