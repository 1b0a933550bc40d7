"""Bench: full grade recompute and one incremental update.

    .venv/bin/python bench/grades.py [--subjects N] [--records M] [--db sqlite|postgres]

Defaults: 1,000,000 subjects, 5,000,000 records (targets: full recompute ≤ 60 s,
incremental update of one subject ≤ 50 ms). A fresh database is prepared (`xinyong init`
in a child, then raw inserts — not timed): subjects; records of 行政处罚 (70 %), 行政许可
(20 %), 诚信荣誉 (5 %) and 行政检查 (5 %) spread over 2022–2026 on random subjects; the
penalties' publicity windows (一般 85 %, 严重 10 %, 轻微 5 %; 3 % repaired); list entries for
1 % (经营异常) and 0.2 % (严重失信) of the subjects. Then it times
`grading.recompute_all` (first run: every grade and its history row is written), a second
run (nothing changed: nothing written), and `recompute_subjects([id])` after a new
penalty for one subject (median of 20).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PG_BASE = "postgres://postgres@127.0.0.1:5432"
PG_DB = "xy_grading_bench"
ON = date(2026, 11, 26)


def _prepare_env(db: str) -> dict[str, str]:
    env = dict(os.environ)
    if db == "postgres":
        for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True
            )
        env["DATABASE_URL"] = f"{PG_BASE}/{PG_DB}"
    else:
        var = Path(tempfile.mkdtemp(prefix="grades-bench-"))
        env["XINYONG_VAR"] = str(var)
        env.pop("DATABASE_URL", None)
    subprocess.run([str(VENV_BIN / "xinyong"), "init"], env=env, check=True, capture_output=True)
    return env


def run(n_subjects: int, n_records: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from xinyong.catalog.models import RecordType
    from xinyong.collection.pipeline.persist import bulk_insert, is_postgres
    from xinyong.orgs.models import Unit
    from xinyong.sanctions.models import ListType
    from xinyong.supervision import grading
    from xinyong.supervision.models import GradeChange

    rng = random.Random(20261126)
    now = timezone.now()
    unit = Unit.objects.order_by("id").first()
    assert unit is not None
    types = dict(RecordType.objects.values_list("code", "pk"))
    t0 = time.perf_counter()
    with transaction.atomic():
        bulk_insert(
            "subjects_subject",
            ("id", "created_at", "updated_at", "kind", "name", "identifier", "identifier_type",
             "is_government_body", "region_code"),
            ((i, now, now, "org", f"基准测试企业{i}", f"BENCH{i:09d}", "uscc", False, "410503")
             for i in range(1, n_subjects + 1)),
        )  # fmt: skip
        start = date(2022, 1, 1)
        span = (ON - start).days
        kinds = ["XZCF"] * 14 + ["XZXK"] * 4 + ["CXRY", "XZJC"]
        natures = {"XZCF": "dishonest", "XZXK": "neutral", "CXRY": "trust", "XZJC": "neutral"}
        chunk = 500_000
        rec_id = 0
        for base in range(0, n_records, chunk):
            recs = []
            wins = []
            for _ in range(min(chunk, n_records - base)):
                rec_id += 1
                code = kinds[rng.randrange(20)]
                decided = start + timedelta(days=rng.randrange(span))
                sid = rng.randrange(1, n_subjects + 1)
                recs.append(
                    (rec_id, now, now, types[code], f"bench-{rec_id}", sid, "企业", "", f"B{rec_id}",
                     decided, "", "", unit.pk, decided, False, natures[code], "active", "{}", "x", 1, "")
                )  # fmt: skip
                if code == "XZCF":
                    r = rng.random()
                    sev = "general" if r < 0.85 else "serious" if r < 0.95 else "minor"
                    repaired = rng.random() < 0.03
                    wins.append(
                        (now, now, rec_id, sev, True, "", decided, None, None,
                         decided + timedelta(days=120) if repaired else None,
                         "repaired" if repaired else "")
                    )  # fmt: skip
            bulk_insert(
                "records_creditrecord",
                ("id", "created_at", "updated_at", "record_type_id", "identity_key", "subject_id",
                 "party_name", "party_identifier", "document_number", "decision_date",
                 "deciding_unit_name", "deciding_unit_code", "source_unit_id", "reported_on",
                 "is_late", "nature", "status", "payload", "content_hash", "version",
                 "name_mismatch"),
                recs,
            )  # fmt: skip
            bulk_insert(
                "publicity_publicitywindow",
                ("created_at", "updated_at", "record_id", "severity", "is_published",
                 "not_published_reason", "starts_on", "repair_from", "ends_on", "ended_on",
                 "end_reason"),
                wins,
            )  # fmt: skip
        lt = dict(ListType.objects.values_list("code", "pk"))
        entries = []
        for sid in rng.sample(range(1, n_subjects + 1), n_subjects // 100 + n_subjects // 500):
            code = "ABNORMAL" if len(entries) < n_subjects // 100 else "SX_TAX"
            entries.append(
                (now, now, lt[code], sid, "基准", "基准", "", "listed", "local", "", "", "",
                 date(2025, 1, 1))
            )  # fmt: skip
        bulk_insert(
            "sanctions_listentry",
            ("created_at", "updated_at", "list_type_id", "subject_id", "basis_document",
             "reasons", "designating_authority", "status", "source", "upstream_key",
             "notice_number", "removal_reason", "effective_from"),
            entries,
        )  # fmt: skip
        if is_postgres():
            with connection.cursor() as cursor:
                for table in ("subjects_subject", "records_creditrecord"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"setup: {n_subjects:,} subjects, {n_records:,} records, {len(entries):,} list entries "
        f"in {time.perf_counter() - t0:.1f} s (not timed)"
    )

    first = grading.recompute_all(ON)
    print(f"recompute_all (first run, all written): {first.seconds:.2f} s  {first.as_dict()}")
    second = grading.recompute_all(ON)
    print(
        f"recompute_all (second run, unchanged):   {second.seconds:.2f} s  written={second.written}"
    )
    print(f"grade history rows: {GradeChange.objects.count():,}")

    # Incremental: a new serious penalty for a subject, then its recompute.
    times = []
    for _ in range(20):
        sid = rng.randrange(1, n_subjects + 1)
        rec_id += 1
        with transaction.atomic():
            bulk_insert(
                "records_creditrecord",
                ("id", "created_at", "updated_at", "record_type_id", "identity_key", "subject_id",
                 "party_name", "party_identifier", "document_number", "decision_date",
                 "deciding_unit_name", "deciding_unit_code", "source_unit_id", "reported_on",
                 "is_late", "nature", "status", "payload", "content_hash", "version",
                 "name_mismatch"),
                [(rec_id, now, now, types["XZCF"], f"bench-{rec_id}", sid, "企业", "", f"B{rec_id}",
                  ON, "", "", unit.pk, ON, False, "dishonest", "active", "{}", "x", 1, "")],
            )  # fmt: skip
            bulk_insert(
                "publicity_publicitywindow",
                ("created_at", "updated_at", "record_id", "severity", "is_published",
                 "not_published_reason", "end_reason"),
                [(now, now, rec_id, "serious", True, "", "")],
            )  # fmt: skip
        t = time.perf_counter()
        res = grading.recompute_subjects([sid], on=ON, reason="基准：新增处罚")
        times.append((time.perf_counter() - t) * 1000)
        assert res.changed == 1, res.as_dict()
    print(
        f"incremental recompute_subjects([id]) after a new penalty: median {statistics.median(times):.1f} ms,"
        f" max {max(times):.1f} ms (20 runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite database")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args.subjects, args.records)
        return
    env = _prepare_env(args.db)
    print(f"database: {args.db}")
    try:
        subprocess.run(
            [sys.executable, __file__, "--child", "--subjects", str(args.subjects),
             "--records", str(args.records), "--db", args.db],
            env=env,
            check=True,
        )  # fmt: skip
    finally:
        if args.keep:
            print(
                f"kept: XINYONG_VAR={env.get('XINYONG_VAR')} DATABASE_URL={env.get('DATABASE_URL')}"
            )
        elif args.db == "sqlite" and "XINYONG_VAR" in env:
            shutil.rmtree(env["XINYONG_VAR"], ignore_errors=True)


if __name__ == "__main__":
    main()
