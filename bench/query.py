"""Benchmark: the public subject page and the public search by name at production size.

    .venv/bin/python bench/query.py [--records N] [--clients C] [--requests R] [--reuse]

1. Creates (or with --reuse keeps) the PostgreSQL database `xy_query_bench`, runs
   `xinyong init`, and fills it set-based in SQL (generate_series) with N credit records
   (default 10,000,000) on N/5 subjects: 80 % organisations, 10 % 个体工商户, 10 % persons;
   one in five subjects carries most records (repeat offenders); every record has its
   publicity window, four in five still public.
2. Serves the platform with `xinyong serve` (waitress) on a loopback port.
3. C concurrent clients (threads with keep-alive connections) request R pages each:
   half subject pages of random public subjects that have records, half searches by a
   name fragment of a random subject (a quarter of those by USCC instead).

Prints per kind: requests, throughput, p50 / p95 / p99 and errors; targets (issue 10):
subject page p95 ≤ 50 ms, search by name p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PG_BASE = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "xy_query_bench"

# Name parts: enough variety that a fragment of one name matches few others, as real
# company names do.
PLACES = ["安阳市北关区", "安阳市", "河南省安阳市北关区", "北关区"]
WORDS = ["鑫源", "宏达", "恒通", "华润", "金盛", "瑞丰", "国泰", "永兴", "博远", "安信",
         "德润", "汇通", "中原", "殷都", "洹河", "嘉禾", "天成", "万和", "兴业", "长青"]  # fmt: skip
TRADES = ["商贸", "建材", "餐饮", "物流", "科技", "食品", "机械", "服装", "药房", "汽修"]
FORMS = ["有限公司", "有限责任公司", "商行", "经营部", "合作社"]


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def fill(conn: object, records: int) -> None:
    """Set-based generation; runs in one transaction per table."""
    subjects = max(records // 5, 10)
    cur = conn.cursor()  # type: ignore[attr-defined]
    # The rows are consistent by construction: skip the deferred foreign-key triggers,
    # which would otherwise re-check ten million rows one by one at COMMIT.
    cur.execute("SET session_replication_role = replica")
    cur.execute("SELECT id FROM orgs_unit ORDER BY id LIMIT 1")
    unit_id = cur.fetchone()[0]
    cur.execute("SELECT id FROM catalog_recordtype WHERE code = 'XZCF'")
    penalty_type = cur.fetchone()[0]
    t0 = time.perf_counter()
    cur.execute(
        f"""
        INSERT INTO subjects_subject (id, created_at, updated_at, kind, name, identifier,
            identifier_type, is_government_body, region_code)
        SELECT i, now(), now(),
            CASE WHEN i % 10 < 8 THEN 'org' WHEN i % 10 = 8 THEN 'individual_business'
                 ELSE 'person' END,
            CASE WHEN i % 10 = 9 THEN '王' || (i % 997)::text
                 ELSE ({_sql_array(PLACES)})[1 + i % 4]
                   || ({_sql_array(WORDS)})[1 + (i / 7) % 20]
                   || ({_sql_array(WORDS)})[1 + (i / 140) % 20]
                   || ({_sql_array(TRADES)})[1 + (i / 3) % 10]
                   || ({_sql_array(FORMS)})[1 + (i / 11) % 5] || i::text END,
            CASE WHEN i % 10 = 9 THEN '410503' || lpad(i::text, 12, '0')
                 ELSE '91410503' || lpad(i::text, 10, '0') END,
            CASE WHEN i % 10 = 9 THEN 'resident_id' ELSE 'uscc' END,
            false, '410503'
        FROM generate_series(1, {subjects}) AS i
        """
    )
    cur.execute(
        "INSERT INTO subjects_subjectidentifier (kind, value, is_primary, valid, source,"
        " created_at, subject_id) SELECT identifier_type, identifier, true, true, 'bench',"
        " now(), id FROM subjects_subject WHERE id <= %s",
        [subjects],
    )
    cur.execute(
        "SELECT setval(pg_get_serial_sequence('subjects_subject', 'id'), %s)", [subjects + 1]
    )
    conn.commit()  # type: ignore[attr-defined]
    print(f"  {subjects:,} subjects in {time.perf_counter() - t0:.0f} s", flush=True)
    t0 = time.perf_counter()
    # Four in five records belong to the fifth of subjects that offend repeatedly.
    cur.execute(
        f"""
        INSERT INTO records_creditrecord (id, created_at, updated_at, identity_key, party_name,
            party_identifier, document_number, decision_date, deciding_unit_name,
            deciding_unit_code, reported_on, deadline, is_late, nature, status, payload,
            content_hash, version, name_mismatch, record_type_id, source_unit_id, subject_id)
        SELECT r.i, now(), now(), md5(r.i::text) || md5('k' || r.i::text), s.name,
            s.identifier, '北关市监罚〔' || (2018 + r.i % 8) || '〕' || r.i || '号',
            date '2026-11-20' - (r.i % 2500)::int, '区市场监督管理局', '11410503MB0000000X',
            date '2026-11-20' - (r.i % 2500)::int + 3, date '2026-11-20' - (r.i % 2500)::int + 9,
            false, 'dishonest', 'active',
            jsonb_build_object(
                'CF_WSH', '北关市监罚〔' || (2018 + r.i % 8) || '〕' || r.i || '号',
                'CF_WFXW', '未按规定公示年度报告',
                'CF_SY', '经查，当事人未按规定公示年度报告，违法事实清楚，证据确凿。',
                'CF_YJ', '《企业信息公示暂行条例》第十七条',
                'CF_CFLB', '罚款', 'CF_NR', '罚款0.5万元', 'CF_NR_FK', '0.5',
                'CF_JDRQ', (date '2026-11-20' - (r.i % 2500)::int)::text,
                'CF_CFJG', '区市场监督管理局', 'CF_CFJGDM', '11410503MB0000000X'),
            md5(r.i::text) || md5(r.i::text), 1, '',
            {penalty_type}, {unit_id}, s.id
        FROM (SELECT i, CASE WHEN i % 5 < 4 THEN 1 + (i * 7919) % ({subjects} / 5)
                             ELSE 1 + (i * 104729) % {subjects} END AS sid
              FROM generate_series(1::bigint, {records}) AS i) AS r
        JOIN subjects_subject s ON s.id = r.sid
        """
    )
    cur.execute(
        "SELECT setval(pg_get_serial_sequence('records_creditrecord', 'id'), %s)", [records + 1]
    )
    conn.commit()  # type: ignore[attr-defined]
    print(f"  {records:,} records in {time.perf_counter() - t0:.0f} s", flush=True)
    t0 = time.perf_counter()
    cur.execute(
        """
        INSERT INTO publicity_publicitywindow (created_at, updated_at, record_id, severity,
            is_published, not_published_reason, starts_on, repair_from, ends_on, end_reason)
        SELECT now(), now(), id, '', true, '', decision_date, decision_date + 90,
            CASE WHEN id % 5 = 0 THEN date '2026-01-01' ELSE decision_date + 1825 END,
            ''
        FROM records_creditrecord
        """
    )
    conn.commit()  # type: ignore[attr-defined]
    print(f"  windows in {time.perf_counter() - t0:.0f} s", flush=True)
    t0 = time.perf_counter()
    conn.autocommit = True  # type: ignore[attr-defined]
    cur.execute("SET session_replication_role = DEFAULT")
    cur.execute("VACUUM ANALYZE")
    print(f"  vacuum analyze in {time.perf_counter() - t0:.0f} s", flush=True)


def _targets(conn: object, count: int) -> tuple[list[int], list[str]]:
    """Public subjects with records (subject pages) and search strings."""
    cur = conn.cursor()  # type: ignore[attr-defined]
    cur.execute("SELECT max(id) FROM subjects_subject")
    top = cur.fetchone()[0]
    rng = random.Random(7)
    ids = rng.sample(range(1, top + 1), min(top, count * 3))
    cur.execute(
        "SELECT s.id, s.name, s.identifier FROM subjects_subject s WHERE s.id = ANY(%s)"
        " AND s.kind <> 'person' AND EXISTS (SELECT 1 FROM records_creditrecord r"
        " WHERE r.subject_id = s.id)",
        [ids],
    )
    rows = cur.fetchall()
    pages = [r[0] for r in rows]
    queries = []
    for _id, name, code in rows:
        if rng.random() < 0.25:
            queries.append(code)
        else:
            # What people type: the name without the place prefix, sometimes only part.
            for place in sorted(PLACES, key=len, reverse=True):
                if name.startswith(place):
                    name = name[len(place) :]
                    break
            queries.append(name if rng.random() < 0.5 else name[:2] + name[-6:])
    return pages, queries


Plan = Callable[[random.Random, int], tuple[str, str]]


def _client(
    port: int,
    requests: list[tuple[str, str]],
    out: list[tuple[str, float, int]],
    headers: dict[str, str],
    think: float,
    seed: int,
) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for kind, path in requests:
        if think:
            # A person reads the page before the next click: exponential think time.
            time.sleep(rng.expovariate(1 / think))
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = 0
        out.append((kind, time.perf_counter() - start, status))
    conn.close()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def public_plan(pages: list[int], queries: list[str]) -> Plan:
    """Alternately a subject page and a search by name or code."""

    def plan(rng: random.Random, n: int) -> tuple[str, str]:
        if n % 2 == 0:
            return "subject", f"/credit/subject/{rng.choice(pages)}/"
        return "search", "/credit/?" + urllib.parse.urlencode({"q": rng.choice(queries)})

    return plan


def run_load(
    port: int,
    plan: Plan,
    clients: int,
    requests: int,
    headers: dict[str, str] | None = None,
    think: float = 0.0,
) -> dict[str, dict[str, float]]:
    """`clients` threads, each with one keep-alive connection, sending `requests` GETs drawn
    from `plan`, each after a think time with mean `think` seconds (0: back to back, the
    server's saturation); per kind: count, throughput, p50/p95/p99 (ms) and non-200s."""
    rng = random.Random(11)
    plans = [[plan(rng, n) for n in range(requests)] for _ in range(clients)]
    out: list[tuple[str, float, int]] = []
    threads = [
        threading.Thread(target=_client, args=(port, p, out, headers or {}, think, i))
        for i, p in enumerate(plans)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    report = {}
    for kind in sorted({k for k, _d, _s in out}):
        times = [d for k, d, _s in out if k == kind]
        report[kind] = {
            "requests": len(times),
            "per_s": len(times) / wall,
            "p50": _pct(times, 50),
            "p95": _pct(times, 95),
            "p99": _pct(times, 99),
            "mean": statistics.fmean(times) * 1000,
            "errors": sum(1 for k, _d, s in out if k == kind and s != 200),
        }
    return report


def print_report(report: dict[str, dict[str, float]], targets: dict[str, float]) -> None:
    for kind, r in report.items():
        target = targets.get(kind)
        verdict = ""
        if target is not None:
            met = r["p95"] <= target and not r["errors"]
            verdict = f"  (target p95 ≤ {target:.0f} ms: {'met' if met else 'NOT met'})"
        print(
            f"{kind:8s} {int(r['requests']):5d} req  {r['per_s']:6.1f}/s  p50 {r['p50']:6.1f} ms  "
            f"p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  errors {int(r['errors'])}{verdict}"
        )


def wait_for(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit("server exited early")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/credit/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("server did not start")


def bench_env(db_name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["DATABASE_URL"] = f"{PG_BASE}/{db_name}"
    env["XINYONG_VAR"] = f"/tmp/{db_name}-var"
    env["XINYONG_PORTAL_RATE"] = "100000000/min"  # the bench is one address, not a scraper
    env["XINYONG_USER_RATE"] = "100000000/min"
    return env


def prepare(db_name: str, records: int, *, reuse: bool) -> tuple[list[int], list[str]]:
    """A database with `records` records (filled, or reused with --reuse); returns the
    subject pages and search strings to request."""
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone()
        if exists and not reuse:
            admin.execute(f"DROP DATABASE {db_name} WITH (FORCE)")
            exists = None
        if not exists:
            admin.execute(f"CREATE DATABASE {db_name}")
    env = bench_env(db_name)
    subprocess.run([str(VENV_BIN / "xinyong"), "init"], env=env, check=True, capture_output=True)
    with psycopg.connect(f"{PG_BASE}/{db_name}") as conn:
        have = conn.execute("SELECT count(*) FROM records_creditrecord").fetchone()[0]
        if have < records:
            if have:
                sys.exit(f"{db_name} holds {have:,} records; run without --reuse to refill")
            print(f"filling {records:,} records …", flush=True)
            fill(conn, records)
        else:
            print(f"reusing {have:,} records")
        pages, queries = _targets(conn, 2000)
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(%s))", [db_name]).fetchone()
        print(f"database size: {size[0]}", flush=True)
    return pages, queries


@contextlib.contextmanager
def serving(db_name: str, port: int, threads: int) -> Iterator[None]:
    env = bench_env(db_name)
    log = Path(env["XINYONG_VAR"]) / "serve.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                *[str(VENV_BIN / "xinyong"), "serve"],
                *["--port", str(port), "--threads", str(threads)],
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(port, server)
            yield
        finally:
            server.terminate()
            server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=250, help="requests per client")
    parser.add_argument("--threads", type=int, default=8, help="server worker threads")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reuse", action="store_true", help="keep and reuse a filled database")
    args = parser.parse_args()

    pages, queries = prepare(DB_NAME, args.records, reuse=args.reuse)
    with serving(DB_NAME, args.port, args.threads):
        plan = public_plan(pages, queries)
        run_load(args.port, plan, args.clients, 20)  # warm-up
        report = run_load(args.port, plan, args.clients, args.requests)
    print(f"{args.clients} clients × {args.requests} requests, server threads {args.threads}")
    print_report(report, {"subject": 50.0, "search": 100.0})


if __name__ == "__main__":
    main()
