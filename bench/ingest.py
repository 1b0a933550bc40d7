"""Benchmark: `xinyong ingest` end to end against the physical reference.

    .venv/bin/python bench/ingest.py [--rows N] [--db sqlite|postgres] [--keep]

1. Generates N realistic 行政处罚 rows (default 1,000,000) as a UTF-8 CSV, a few percent
   of them invalid (bad check characters, impossible dates, missing fields, negative
   amounts), with repeat offenders (about one subject per four rows) and thousands
   separators in some amounts.
2. Reference: a child process reads the CSV with polars and loads the rows raw into a bare
   table on the same database (SQLite `executemany` in one transaction; PostgreSQL
   psycopg 3 `cursor.copy()`).
3. Runs `xinyong ingest` on the same CSV in a child process (fresh database with the
   reference data loaded by `xinyong init` beforehand, not timed).

Prints rows/s and peak memory (each child's own ru_maxrss via os.wait4) for both, and last
`ratio: X.XX` = end-to-end ÷ reference throughput. Target: ratio ≥ 0.5, peak ≤ 1 GB.
`--floor` also times the database alone storing the accepted records again (same
columns and indexes, one INSERT … SELECT): the time no ingest that stores them can beat.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PG_BASE = "postgres://postgres@127.0.0.1:5432"

HEADERS = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "程序类型",
    "备注",
]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
TRADES = ["商贸", "建材", "餐饮", "物流", "科技", "食品", "机械", "服装", "药房", "汽修"]
ACTS = [
    ("未取得食品经营许可从事食品经营", "《中华人民共和国食品安全法》第一百二十二条"),
    ("销售不符合安全标准的产品", "《中华人民共和国产品质量法》第四十九条"),
    ("未按规定公示年度报告", "《企业信息公示暂行条例》第十七条"),
    ("违反消防安全管理规定", "《中华人民共和国消防法》第六十条"),
    ("超标排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条"),
]


def _uscc(rng: random.Random, category: str) -> str:
    from stdnum.cn import uscc

    body = category + "410503" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _id_number(rng: random.Random) -> str:
    from stdnum.cn import ric

    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    body = f"410503{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def generate(path: Path, n: int, reported_on: date, seed: int = 20260101) -> None:
    import polars as pl

    rng = random.Random(seed)
    subjects = []
    for i in range(max(n // 4, 1)):
        r = rng.random()
        if r < 0.7:
            subjects.append(
                (
                    f"安阳市北关区{rng.choice(TRADES)}有限公司{i}",
                    "法人及非法人组织",
                    _uscc(rng, "91"),
                    "",
                    "",
                )
            )
        elif r < 0.8:
            subjects.append(
                (f"北关区{rng.choice(TRADES)}店{i}", "个体工商户", _uscc(rng, "92"), "", "")
            )
        else:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            subjects.append((name, "自然人", "", "身份证", _id_number(rng)))
    deciding = ("区市场监督管理局", _uscc(random.Random(7), "11"))
    columns: list[list[str]] = [[] for _ in HEADERS]
    for i in range(n):
        name, kind, code, id_type, id_no = subjects[rng.randrange(len(subjects))]
        act, basis = ACTS[rng.randrange(len(ACTS))]
        fine = rng.random() < 0.7
        kinds = "罚款" if fine else "警告"
        if fine and rng.random() < 0.2:
            kinds = "警告；罚款"
        amount = rng.choice(["0.2", "0.5", "1", "1.5", "3", "1,234.5", "0.05"]) if fine else ""
        # Most decisions in the last seven working days, about one in ten older (迟报).
        back = rng.randrange(1, 9) if rng.random() < 0.9 else rng.randrange(12, 60)
        decided = reported_on - timedelta(days=back)
        day = rng.choice(
            [
                decided.isoformat(),
                f"{decided.year}-{decided.month}-{decided.day}",
                f"{decided:%Y/%m/%d}",
            ]
        )
        row = [
            name,
            kind,
            code,
            (rng.choice(SURNAMES) + rng.choice(GIVEN)) if kind == "法人及非法人组织" else "",
            id_type,
            id_no,
            f"北关市监罚〔{decided.year}〕{i + 1}号",
            act,
            f"经查，当事人{act}，违法事实清楚，证据确凿。",
            basis,
            kinds,
            f"{kinds}{amount and '，罚款' + amount + '万元'}",
            amount,
            day,
            deciding[0],
            deciding[1],
            deciding[0],
            deciding[1],
            "普通程序",
            "",
        ]
        bad = rng.random()
        if bad < 0.01:
            row[2] = row[2][:-1] + ("0" if row[2][-1:] != "0" else "1") if row[2] else row[2]
            row[5] = row[5][:-1] + ("0" if row[5][-1:] != "0" else "1") if row[5] else row[5]
        elif bad < 0.02:
            row[13] = f"{decided.year}-13-{decided.day}"
        elif bad < 0.03:
            row[9] = ""
        elif bad < 0.035:
            row[12] = "-1" if fine else row[12]
        for col, value in zip(columns, row, strict=True):
            col.append(value)
    pl.DataFrame({h: c for h, c in zip(HEADERS, columns, strict=True)}).write_csv(path)


REFERENCE = r"""
import sys, time
import polars as pl
path, db = sys.argv[1], sys.argv[2]
start = time.perf_counter()
# Streamed in batches, as the ingest reads in chunks: the peak memory compares like with
# like instead of holding a million rows as Python tuples.
reader = pl.read_csv_batched(path, infer_schema_length=0, batch_size=50_000)
width = None
conn = None
cur = None
copy_ctx = None
if db.startswith("postgres"):
    import psycopg
    conn = psycopg.connect(db)
    cur = conn.cursor()
else:
    import sqlite3
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("BEGIN")
while batches := reader.next_batches(4):
    for df in batches:
        if width is None:
            width = df.width
            cols = [f"c{i}" for i in range(width)]
            ddl = "CREATE TABLE bench_raw (" + ", ".join(f"{c} text" for c in cols) + ")"
            if cur is not None:
                cur.execute(ddl)
                copy_ctx = cur.copy("COPY bench_raw (" + ", ".join(cols) + ") FROM STDIN")
                copy = copy_ctx.__enter__()
            else:
                conn.execute(ddl)
                insert = "INSERT INTO bench_raw VALUES (" + ", ".join("?" * width) + ")"
        if copy_ctx is not None:
            for row in df.iter_rows():
                copy.write_row(row)
        else:
            conn.executemany(insert, df.iter_rows())
if copy_ctx is not None:
    copy_ctx.__exit__(None, None, None)
conn.commit()
conn.close()
print(time.perf_counter() - start)
"""


def _child_rusage_wrapper(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    # Run through a tiny launcher that reports its child's own peak RSS (os.wait4), so
    # that the reference and the ingest are measured separately.
    launcher = (
        "import os, sys, time, json\n"
        "start = time.perf_counter()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.execvpe(sys.argv[1], sys.argv[1:], os.environ)\n"
        "_, status, usage = os.wait4(pid, 0)\n"
        "print(json.dumps({'wall': time.perf_counter() - start, 'rss': usage.ru_maxrss * 1024,"
        " 'status': os.waitstatus_to_exitcode(status)}), file=sys.stderr)\n"
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", launcher, *cmd], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    lines = proc.stderr.strip().splitlines()
    info = json.loads(lines[-1]) if lines else {"status": -1, "rss": 0}
    if info["status"] != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return wall, int(info["rss"]), proc.stdout


def _records_floor(db: str, env: dict[str, str], pg_url: str | None) -> tuple[float, float]:
    """Seconds the database alone needs to store the ingested records again: a copy of
    the records table with the same indexes, filled by one INSERT … SELECT and committed.
    A lower bound for any ingest that must store those rows, whatever else it does.

    Returned twice: with the indexes maintained row by row (as a live table must), and
    with them built after the insert (a bulk load into a table nobody reads meanwhile)."""
    table = "records_creditrecord"
    if pg_url is not None:
        import psycopg

        with psycopg.connect(pg_url) as conn:
            indexes = [
                sql
                for (sql,) in conn.execute(
                    "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table]
                ).fetchall()
            ]
            took = []
            for built_after in (False, True):
                conn.execute(
                    f"CREATE TABLE bench_floor (LIKE {table} INCLUDING DEFAULTS)"
                    if built_after
                    else f"CREATE TABLE bench_floor (LIKE {table} INCLUDING ALL)"
                )
                conn.commit()
                start = time.perf_counter()
                conn.execute(f"INSERT INTO bench_floor SELECT * FROM {table}")
                if built_after:
                    for number, sql in enumerate(indexes):
                        head, target = sql.split(" ON ", 1)
                        unique = "UNIQUE " if "UNIQUE" in head.upper() else ""
                        columns = target[target.index("(") :]
                        conn.execute(
                            f"CREATE {unique}INDEX bench_floor_{number} ON bench_floor {columns}"
                        )
                conn.commit()
                took.append(time.perf_counter() - start)
                conn.execute("DROP TABLE bench_floor")
                conn.commit()
        return took[0], took[1]
    import sqlite3

    conn = sqlite3.connect(Path(env["XINYONG_VAR"]) / "xinyong.sqlite3", isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    # The ingest's own bulk cache (core.bulk), so both sides get the same memory.
    conn.execute("PRAGMA cache_size=-98304")
    index_sql = [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            [table],
        ).fetchall()
    ]
    statements = []
    for number, sql in enumerate(index_sql):
        head, target = sql.split(" ON ", 1)
        unique = "UNIQUE " if "UNIQUE" in head.upper() else ""
        columns = target[target.index("(") :]
        statements.append(f"CREATE {unique}INDEX bench_floor_{number} ON bench_floor {columns}")
    # The identity constraint lives in the table definition (an autoindex without SQL).
    statements.append("CREATE UNIQUE INDEX bench_floor_identity ON bench_floor (identity_key)")
    took = []
    for built_after in (False, True):
        conn.execute(f"CREATE TABLE bench_floor AS SELECT * FROM {table} WHERE 0")
        if not built_after:
            for statement in statements:
                conn.execute(statement)
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute(f"INSERT INTO bench_floor SELECT * FROM {table}")
        if built_after:
            for statement in statements:
                conn.execute(statement)
        conn.execute("COMMIT")
        took.append(time.perf_counter() - start)
        conn.execute("DROP TABLE bench_floor")
    conn.close()
    return took[0], took[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time storing the accepted records alone (the database's share)",
    )
    args = parser.parse_args()

    # polars sets _RJEM_MALLOC_CONF in this process's environment when generate() imports
    # it; the children must start from the caller's environment, or the ingest would run
    # with this script's allocator settings instead of its own (xinyong/__init__.py).
    allocator_conf = os.environ.get("_RJEM_MALLOC_CONF")
    work = Path(tempfile.mkdtemp(prefix="xy-bench-"))
    csv_path = work / "penalties.csv"
    reported_on = date(2026, 11, 20)
    t0 = time.perf_counter()
    generate(csv_path, args.rows, reported_on)
    print(
        f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s"
    )

    env = dict(os.environ)
    # A real installation caches bytecode; this environment sets PYTHONDONTWRITEBYTECODE,
    # which would make every child compile Django and the project from source.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if allocator_conf is None:
        env.pop("_RJEM_MALLOC_CONF", None)
    env["XINYONG_VAR"] = str(work / "var")
    pg_name = f"xy_bench_{os.getpid()}"
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {pg_name}")
            conn.execute(f"CREATE DATABASE {pg_name}")
        env["DATABASE_URL"] = f"{PG_BASE}/{pg_name}"
        ref_db = f"{PG_BASE}/{pg_name}"
    else:
        env.pop("DATABASE_URL", None)
        ref_db = str(work / "reference.sqlite3")
    try:
        subprocess.run(
            [str(VENV_BIN / "xinyong"), "init"], env=env, check=True, capture_output=True
        )

        ref_wall, ref_rss, _ = _child_rusage_wrapper(
            [sys.executable, "-c", REFERENCE, str(csv_path), ref_db], env
        )
        ref_rate = args.rows / ref_wall
        print(f"reference: {ref_wall:.1f} s, {ref_rate:,.0f} rows/s, peak {ref_rss / 2**20:.0f} MB")

        cmd = [
            str(VENV_BIN / "xinyong"),
            "ingest",
            str(csv_path),
            "--type",
            "行政处罚",
            "--unit",
            "区市场监管局",
            "--reported-on",
            reported_on.isoformat(),
            "--json",
        ]
        wall, rss, out = _child_rusage_wrapper(cmd, env)
        summary = json.loads(out)
        rate = args.rows / wall
        print(
            f"ingest:    {wall:.1f} s, {rate:,.0f} rows/s, peak {rss / 2**20:.0f} MB — accepted "
            f"{summary['accepted']:,}, rejected {summary['rejected']:,}, duplicates {summary['duplicates']:,}, "
            f"late {summary['late']:,}"
        )
        if args.floor:
            floor, floor_after = _records_floor(
                args.db, env, ref_db if args.db == "postgres" else None
            )
            print(
                f"floor:     {floor:.1f} s to store the {summary['accepted']:,} accepted records "
                f"alone (same columns and indexes, INSERT … SELECT, no Python) — "
                f"ratio ceiling {ref_wall / floor:.2f}; {floor_after:.1f} s with the indexes "
                f"built after the insert — ceiling {ref_wall / floor_after:.2f}"
            )
        print(f"ratio: {rate / ref_rate:.2f}")
    finally:
        if args.db == "postgres":
            import psycopg

            with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
