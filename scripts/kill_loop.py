"""kill -9 at random moments during writes, then check that nothing was half-written
(issue 11 §2, docs/reliability.md).

    .venv/bin/python scripts/kill_loop.py [--rounds N] [--db sqlite|postgres]
        [--ops ingest,objections,lists] [--rows 20000] [--seed S] [--json]

A fresh installation (`xinyong init`) in a temporary XINYONG_VAR (SQLite file) or a new
PostgreSQL database. For each operation and round, a subprocess starts the operation and
is killed with SIGKILL at a random moment of its expected duration; then:

- ingestion (`xinyong ingest` of a file of --rows rows, 10 % of them repeated from the
  round before): every batch is whole (its records = its accepted count, one
  `collection.ingest` event with the same counts) or absent (no batch, no records, no
  event) — there is no third state;
- objection decisions (`rights.objections.decide_objection`, 维持 and 撤销 alternately,
  撤销 also ends publicity and withdraws the record): every objection is decided with
  exactly one event and a withdrawn record for 撤销, or still open with none;
- list changes (`sanctions.lists` propose → make effective → remove): every entry's
  status is the last of its recorded changes, one event per change;
- always: no duplicated record identity, no two subjects with one identifier, and
  `xinyong audit verify` finds both hash chains intact.

The first round of each operation runs to its end (it proves the operation works and
measures the window); later rounds are killed at a uniformly random moment of 110 % of
that window, so a few finish first. Prints per operation: rounds, killed mid-way, whole,
absent, violations. Exit status 1 when any violation was found or an operation failed
by itself.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
XINYONG = str(BIN / "xinyong")
PYTHON = str(BIN / "python")
PG_BASE = os.environ.get("XINYONG_PG_BASE", "postgres://postgres@127.0.0.1:5432")
UNIT = "区市场监管局"
ADMIN = "kill-loop-admin"
OPS = ("ingest", "objections", "lists")
# Objections and list subjects prepared per round: enough that a kill lands mid-loop.
PER_ROUND = 30


def _uscc(n: int) -> str:
    from stdnum.cn import uscc

    body = f"91410503MA{n:07d}"
    return body + uscc.calc_check_digit(body)


DECIDER = "11410503MB1234567"


def penalty(doc: str, n: int, decided: date) -> dict[str, str]:
    from stdnum.cn import uscc

    decider = DECIDER + uscc.calc_check_digit(DECIDER)
    return {
        "CF_XDR_MC": f"安阳市北关区测试商贸{n % 500}号有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": _uscc(n % 500),
        "CF_FRDB": "张三",
        "CF_WSH": doc,
        "CF_WFXW": "未取得食品经营许可从事食品经营",
        "CF_SY": "经查，当事人未取得食品经营许可从事食品经营。",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十二条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款2000元",
        "CF_NR_FK": "0.2",
        "CF_JDRQ": decided.isoformat(),
        "CF_CFJG": "安阳市北关区市场监督管理局",
        "CF_CFJGDM": decider,
        "CF_SJLY": "安阳市北关区市场监督管理局",
        "CF_SJLYDM": decider,
    }


@dataclass
class Tally:
    rounds: int = 0
    killed: int = 0  # the process was still running when it was killed
    whole: int = 0
    absent: int = 0
    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the operation failed by itself
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "killed_mid_way": self.killed,
            "whole": self.whole,
            "absent": self.absent,
            "violations": len(self.violations),
            "violation_details": self.violations[:20],
            "errors": self.errors[:20],
            "seconds": round(self.seconds, 1),
        }


# ------------------------------------------------------------------ the worker side


def worker(op: str, tag: str) -> None:
    """Runs in the killed subprocess: the operation over everything prepared for `tag`,
    one service call (one transaction) after another. Prints START when it begins."""
    import django

    django.setup()
    from django.utils import timezone

    from xinyong.orgs.models import User

    admin = User.objects.get(username=ADMIN)
    today = timezone.localdate()
    print("START", flush=True)
    if op == "objections":
        from xinyong.rights import objections
        from xinyong.rights.models import Objection

        for obj in Objection.objects.exclude(status=Objection.Status.DECIDED).order_by("pk"):
            outcome = Objection.Outcome.REVOKED if obj.pk % 2 else Objection.Outcome.KEPT
            objections.decide_objection(
                actor=admin, objection=obj, outcome=outcome, reason="经核查，作出本决定。", on=today
            )
    elif op == "lists":
        from xinyong.sanctions import lists
        from xinyong.subjects.models import Subject

        watch = lists.get_list_type("WATCH")
        for subject in Subject.objects.filter(name__startswith=f"名单测试{tag}-").order_by("pk"):
            entry = lists.propose_entry(
                actor=admin,
                list_type=watch,
                subject=subject,
                basis_document=f"北关市监认〔2026〕{tag}-{subject.pk}号",
                reasons="多次未按期履行行政处罚决定，经认定列入重点关注名单。",
                on=today,
            )
            entry = lists.make_effective(actor=admin, entry=entry, on=today)
            lists.remove_entry(
                actor=admin, entry=entry, on=today, reason="已履行全部义务，提前移出。"
            )
    print("DONE", flush=True)


# ------------------------------------------------------------------ the checks


def _verify_chain(env: dict[str, str]) -> str | None:
    # A command that cannot start (a checkout being edited while the loop runs) is
    # retried; only the command's own verdict counts as a broken chain.
    for attempt in range(3):
        done = subprocess.run(
            [XINYONG, "audit", "verify", "--json"], env=env, capture_output=True, text=True
        )
        try:
            data = json.loads(done.stdout)
        except json.JSONDecodeError:
            time.sleep(5 * (attempt + 1))
            continue
        if not data.get("intact"):
            return f"日志链损坏：{data.get('problems')}"
        return None
    return f"audit verify 无法运行：{done.stderr[-300:]}"


def global_violations(env: dict[str, str]) -> list[str]:
    from django.db.models import Count

    from xinyong.records.models import CreditRecord
    from xinyong.subjects.models import Subject, SubjectIdentifier

    found: list[str] = []
    dup_keys = (
        CreditRecord.objects.values("identity_key").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    if dup_keys:
        found.append(f"{dup_keys} 个记录标识重复")
    dup_subjects = (
        Subject.objects.filter(merged_into__isnull=True)
        .values("identifier_type", "identifier")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    if dup_subjects:
        found.append(f"{dup_subjects} 个标识对应多个主体")
    dup_ids = (
        SubjectIdentifier.objects.values("kind", "value").annotate(n=Count("id")).filter(n__gt=1)
    )
    if dup_ids.exists():
        found.append("主体标识重复")
    chain = _verify_chain(env)
    if chain:
        found.append(chain)
    return found


def check_ingest(filename: str) -> tuple[str, list[str]]:
    """('whole' | 'absent', violations) for the batch of `filename`."""
    from xinyong.collection.models import Batch
    from xinyong.core.models import Event
    from xinyong.records.models import CreditRecord

    batches = list(Batch.objects.filter(filename=filename))
    if not batches:
        events = Event.objects.filter(action="collection.ingest", target_repr__endswith=filename)
        if events.exists():
            return "absent", [f"{filename}：没有批次却有导入事件"]
        return "absent", []
    problems: list[str] = []
    if len(batches) > 1:
        problems.append(f"{filename}：{len(batches)} 个批次")
    for batch in batches:
        stored = CreditRecord.objects.filter(batch=batch).count()
        if batch.status != Batch.Status.DONE:
            problems.append(f"批次 {batch.pk} 状态为 {batch.status}")
        if stored != batch.accepted + batch.updated:
            problems.append(f"批次 {batch.pk}：记录 {stored} 条，批次记载新增 {batch.accepted}")
        if batch.rows != batch.accepted + batch.updated + batch.duplicates + batch.rejected:
            problems.append(f"批次 {batch.pk}：各项之和不等于行数")
        events = list(
            Event.objects.filter(action="collection.ingest", target_id=str(batch.pk)).values_list(
                "new_values", flat=True
            )
        )
        if len(events) != 1 or (events[0] or {}).get("accepted") != batch.accepted:
            problems.append(f"批次 {batch.pk}：导入事件 {len(events)} 条或计数不符")
    return "whole", problems


def check_objections() -> tuple[int, int, list[str]]:
    """(decided, open, violations) over all objections."""
    from xinyong.core.models import Event
    from xinyong.records.models import CreditRecord
    from xinyong.rights.models import Objection

    events = Counter(
        Event.objects.filter(action="rights.objection.decide").values_list("target_id", flat=True)
    )
    decided = still_open = 0
    problems: list[str] = []
    for obj in Objection.objects.select_related("record"):
        n = events.get(str(obj.pk), 0)
        if obj.status == Objection.Status.DECIDED:
            decided += 1
            if n != 1:
                problems.append(f"异议 {obj.pk} 已办结，但有 {n} 条办结事件")
            withdrawn = (
                obj.record is not None and obj.record.status == CreditRecord.Status.WITHDRAWN
            )
            if (obj.outcome == Objection.Outcome.REVOKED) != withdrawn:
                problems.append(f"异议 {obj.pk} 结果 {obj.outcome}，记录状态 {obj.record.status}")
        else:
            still_open += 1
            if n:
                problems.append(f"异议 {obj.pk} 未办结，却有 {n} 条办结事件")
            if obj.record is not None and obj.record.status != CreditRecord.Status.ACTIVE:
                problems.append(f"异议 {obj.pk} 未办结，记录却已 {obj.record.status}")
    return decided, still_open, problems


def check_lists() -> tuple[int, list[str]]:
    """(changes applied, violations) over all list entries."""
    from xinyong.core.models import Event
    from xinyong.sanctions.models import ListEntry

    events = Counter(
        Event.objects.filter(
            action__startswith="sanctions.entry_", target_type="sanctions.ListEntry"
        ).values_list("target_id", flat=True)
    )
    applied = 0
    problems: list[str] = []
    for entry in ListEntry.objects.prefetch_related("changes"):
        changes = sorted(entry.changes.all(), key=lambda c: c.pk)
        applied += len(changes)
        if events.get(str(entry.pk), 0) != len(changes):
            problems.append(
                f"名单条目 {entry.pk}：{len(changes)} 次变更，{events.get(str(entry.pk), 0)} 条事件"
            )
        if not changes or changes[-1].to_status != entry.status:
            problems.append(f"名单条目 {entry.pk}：状态 {entry.status} 与最后一次变更不符")
    return applied, problems


# ------------------------------------------------------------------ preparing rounds


def prepare(op: str, tag: str, round_no: int, workdir: Path, rows: int, today: date) -> Path | None:
    from xinyong.collection.services import ingest_rows

    decided = today - timedelta(days=20)
    if op == "ingest":
        path = workdir / f"kill-{tag}.csv"
        items = [penalty(f"北关市监罚〔2026〕K{round_no}-{i}号", i, decided) for i in range(rows)]
        if round_no:  # repeated rows from the round before: duplicates, never new records
            items += [
                penalty(f"北关市监罚〔2026〕K{round_no - 1}-{i}号", i, decided)
                for i in range(rows // 10)
            ]
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(items[0]))
            writer.writeheader()
            writer.writerows(items)
        return path
    if op == "objections":
        from xinyong.records.models import CreditRecord
        from xinyong.rights import objections
        from xinyong.rights.models import Channel, Objection

        docs = [f"北关市监罚〔2026〕O{round_no}-{i}号" for i in range(PER_ROUND)]
        ingest_rows(
            actor=None,
            unit=UNIT,
            record_type="行政处罚",
            rows=[penalty(d, 1000 + i, decided) for i, d in enumerate(docs)],
            reported_on=today,
        )
        for record in CreditRecord.objects.filter(document_number__in=docs):
            objections.file_objection(
                actor=None,
                record=record,
                channel=Channel.ONLINE,
                category=Objection.Category.WRONG,
                description="罚款金额有误。",
                applicant_name=record.party_name,
                applicant_phone="13800001234",
                received_on=today,
            )
        return None
    from xinyong.subjects.models import Subject

    base = 2000 + round_no * PER_ROUND
    ingest_rows(
        actor=None,
        unit=UNIT,
        record_type="行政处罚",
        rows=[
            {
                **penalty(f"北关市监罚〔2026〕L{round_no}-{i}号", 0, decided),
                "CF_XDR_MC": f"名单测试{tag}-{i}号有限公司",
                "CF_XDR_SHXYM": _uscc(base + i),
            }
            for i in range(PER_ROUND)
        ],
        reported_on=today,
    )
    assert Subject.objects.filter(name__startswith=f"名单测试{tag}-").count() == PER_ROUND
    return None


# ------------------------------------------------------------------ the loop


def _kill(proc: subprocess.Popen[str]) -> bool:
    """SIGKILL; True when the process was still running."""
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return running


def run_round(
    op: str,
    round_no: int,
    tally: Tally,
    *,
    env: dict[str, str],
    workdir: Path,
    rows: int,
    rng: random.Random,
    estimate: dict[str, float],
) -> None:
    from django.db import connections
    from django.utils import timezone

    today = timezone.localdate()
    tag = f"{op[0]}{round_no}"
    path = prepare(op, tag, round_no, workdir, rows, today)
    if op == "objections":
        before = check_objections()[0]
    elif op == "lists":
        before = check_lists()[0]
    connections.close_all()
    if op == "ingest":
        assert path is not None
        cmd = [XINYONG, "ingest", str(path), "--type", "行政处罚", "--unit", UNIT, "--json"]
    else:
        cmd = [PYTHON, __file__, "--worker", op, "--tag", tag]
    errors = workdir / "stderr.txt"
    started = time.monotonic()
    with errors.open("w") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
    if op != "ingest":
        assert proc.stdout is not None
        proc.stdout.readline()  # START: Django is up, the operation begins now
        started = time.monotonic()
    if round_no == 0:
        # The first round runs to its end: it proves the operation works and measures
        # the window in which the later rounds are killed.
        proc.wait(timeout=1800)
        estimate[op] = max(time.monotonic() - started, 0.2)
        killed = False
    else:
        time.sleep(rng.uniform(0, estimate[op] * 1.1))
        killed = _kill(proc)
    if not killed and proc.returncode != 0:
        tail = errors.read_text(errors="replace").strip().splitlines()[-3:]
        tally.errors.append(
            f"第 {round_no + 1} 轮：退出码 {proc.returncode}：{' '.join(tail)[-300:]}"
        )
    tally.rounds += 1
    tally.killed += killed
    problems: list[str] = []
    if op == "ingest":
        assert path is not None
        state, problems = check_ingest(path.name)
        tally.whole += state == "whole"
        tally.absent += state == "absent"
        path.unlink()
    elif op == "objections":
        decided, still_open, problems = check_objections()
        tally.whole += decided - before
        tally.absent += still_open
    else:
        applied, problems = check_lists()
        tally.whole += applied - before
        tally.absent += PER_ROUND * 3 - (applied - before)
    problems += global_violations(env)
    tally.violations += [f"第 {round_no + 1} 轮：{p}" for p in problems]
    connections.close_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="随机 kill -9 写操作，检查批次完整、无重复、日志链完整"
    )
    parser.add_argument("--rounds", type=int, default=10, help="每种操作的轮数")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--ops", default=",".join(OPS), help="逗号分隔：ingest,objections,lists")
    parser.add_argument("--rows", type=int, default=20_000, help="每个导入文件的行数")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    parser.add_argument("--worker", choices=OPS, help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    if args.worker:
        worker(args.worker, args.tag)
        return 0
    ops = [o.strip() for o in args.ops.split(",") if o.strip()]
    if unknown := set(ops) - set(OPS):
        parser.error(f"未知操作：{'、'.join(sorted(unknown))}")
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="xy-kill-"))
    # PYTHONDONTWRITEBYTECODE would make every child compile Django from source.
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTHONDONTWRITEBYTECODE"}
    }
    env["XINYONG_VAR"] = str(workdir / "var")
    dbname = f"xy_kill_{os.getpid()}"
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname}")
            conn.execute(f"CREATE DATABASE {dbname}")
        env["DATABASE_URL"] = f"{PG_BASE}/{dbname}"
    tallies: dict[str, Tally] = {}
    try:
        init = subprocess.run([XINYONG, "init"], env=env, capture_output=True, text=True)
        if init.returncode:
            sys.exit(f"xinyong init 失败：{init.stderr[-2000:]}")
        os.environ.update(env)
        if args.db == "sqlite":
            os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from xinyong.orgs.models import Role, User

        User.objects.create_user(
            username=ADMIN, password=os.urandom(16).hex(), role=Role.CREDIT_ADMIN, is_staff=True
        )
        estimate = dict.fromkeys(OPS, 1.0)  # measured by each operation's first round
        for op in ops:
            tally = tallies[op] = Tally()
            started = time.monotonic()
            for n in range(args.rounds):
                run_round(
                    op,
                    n,
                    tally,
                    env=env,
                    workdir=workdir,
                    rows=args.rows,
                    rng=rng,
                    estimate=estimate,
                )
            tally.seconds = time.monotonic() - started
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)
        if args.db == "postgres":
            import psycopg

            with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
    report = {op: t.as_dict() for op, t in tallies.items()}
    if args.json:
        print(json.dumps({"db": args.db, "rows": args.rows, "ops": report}, ensure_ascii=False))
    else:
        names = {"ingest": "文件导入", "objections": "异议办结", "lists": "名单变更"}
        unit = {"ingest": "批次", "objections": "件异议", "lists": "次变更"}
        print(f"数据库：{args.db}；每个导入文件 {args.rows} 行")
        for op, t in tallies.items():
            print(
                f"{names[op]}：{t.rounds} 轮，其中 {t.killed} 轮在运行中被杀；"
                f"完整 {t.whole} {unit[op]}，不存在/未执行 {t.absent}；违规 {len(t.violations)}；"
                f"用时 {t.seconds:.0f} 秒"
            )
            for line in t.violations[:20]:
                print(f"  违规：{line}")
            for line in t.errors[:20]:
                print(f"  操作出错（未被杀而自行失败）：{line}")
    return 1 if any(t.violations or t.errors for t in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
