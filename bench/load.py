"""Load test: the public query, the subject page and the check API under many clients.

    .venv/bin/python bench/load.py [--records N] [--clients C] [--requests R] [--reuse]

On PostgreSQL with N records (default 1,000,000; the data set of bench/query.py in the
database `xy_load_bench`), `xinyong serve` on loopback, C concurrent clients (default 50,
threads with keep-alive connections) each sending R requests (default 40) in equal thirds,
two runs:
- users: each client waits a think time (exponential, mean --think seconds, default 1 s —
  a person reading the page) before each request: the latency 50 people see;
- saturation: the same clients back to back, no think time: the most the server does
  per second on this machine, and how latency grows when it is overloaded.
Requests:
- search: the public one-click query by name fragment or USCC (/credit/?q=…);
- subject: a public subject page (/credit/subject/<id>/);
- check: the 联合奖惩 check API of a unit's system (GET /api/v1/checks?subject=…&matter=…
  with a unit token; each call is recorded, as in production).

Prints throughput and p50/p95/p99 per kind and the errors (any answer other than 200).
Target (issue 11): the public query p95 ≤ 100 ms at 50 concurrent clients, no errors
(judged on the users run; closed-loop clients without think time measure throughput: at
saturation every request waits for the other 49, so latency there is clients ÷ rate).
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from query import (  # the sibling bench module
    PG_BASE,
    VENV_BIN,
    Plan,
    bench_env,
    prepare,
    print_report,
    run_load,
    serving,
)

DB_NAME = "xy_load_bench"


def _unit_token(db_name: str) -> str:
    done = subprocess.run(
        [
            str(VENV_BIN / "xinyong"),
            "tokens",
            "issue",
            "--unit",
            "区市场监管局",
            "--name",
            "压力测试",
        ],
        env=bench_env(db_name),
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"令牌：(\S+)", done.stdout)
    if match is None:
        sys.exit(f"no token issued: {done.stdout} {done.stderr}")
    return match.group(1)


def _codes(db_name: str, pages: list[int]) -> list[str]:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/{db_name}") as conn:
        rows = conn.execute(
            "SELECT identifier FROM subjects_subject WHERE id = ANY(%s)", [pages]
        ).fetchall()
    return [r[0] for r in rows]


def mixed_plan(pages: list[int], queries: list[str], codes: list[str]) -> Plan:
    matters = ["PROCUREMENT", "BIDDING", "SUBSIDY"]

    def plan(rng: random.Random, n: int) -> tuple[str, str]:
        turn = n % 3
        if turn == 0:
            return "search", "/credit/?" + urllib.parse.urlencode({"q": rng.choice(queries)})
        if turn == 1:
            return "subject", f"/credit/subject/{rng.choice(pages)}/"
        query = urllib.parse.urlencode(
            {"subject": rng.choice(codes), "matter": rng.choice(matters)}
        )
        return "check", f"/api/v1/checks?{query}"

    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="requests per client")
    parser.add_argument("--threads", type=int, default=16, help="server worker threads")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--reuse", action="store_true", help="keep and reuse a filled database")
    args = parser.parse_args()

    pages, queries = prepare(DB_NAME, args.records, reuse=args.reuse)
    token = _unit_token(DB_NAME)
    plan = mixed_plan(pages, queries, _codes(DB_NAME, pages))
    headers = {"Authorization": f"Token {token}"}
    with serving(DB_NAME, args.port, args.threads):
        run_load(args.port, plan, min(args.clients, 10), 10, headers)  # warm-up
        users = run_load(args.port, plan, args.clients, args.requests, headers, args.think)
        saturation = run_load(args.port, plan, args.clients, args.requests // 2, headers)
    print(
        f"users: {args.clients} clients × {args.requests} requests, think time "
        f"{args.think:g} s (mean), server threads {args.threads}"
    )
    print_report(users, {"search": 100.0})
    print(f"saturation: {args.clients} clients back to back")
    print_report(saturation, {})


if __name__ == "__main__":
    main()
