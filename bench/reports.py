"""Bench: issue N credit reports (default 1,000) of one enterprise with 200 public records,
and time the verification page.

    XINYONG_VAR=/tmp/reports-bench .venv/bin/xinyong init
    XINYONG_VAR=/tmp/reports-bench .venv/bin/python bench/reports.py [--count N]

The 200 penalty records go through the real pipeline (collection.services.ingest_rows, so
each has its publicity window). Each report is a full `services.issue_report`: content
from the database, typst PDF with the CJK font, QR code, Ed25519 seal, the PDF file and
the stored row with its digest; the breakdown times `content.build` and
`rendering.render_sealed` inside those very calls (the rest is file, row and audit). The
load average is printed because the machine is shared. Then the verification page (/credit/reports/verify/) is asked 200 times with the
PDF file and 200 times with the number, through Django's test client (a signed-in staff
session, so that the anonymous rate limit does not interfere). Prints medians and p95.
Targets (issue 7 §4): ≤ 300 ms per report, ≤ 50 ms per verification.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402

from xinyong.collection.services import ingest_rows  # noqa: E402
from xinyong.orgs.models import Role, User  # noqa: E402
from xinyong.orgs.services import resolve_unit  # noqa: E402
from xinyong.publicity.selectors import public_records_for  # noqa: E402
from xinyong.reports import content, rendering, services  # noqa: E402
from xinyong.subjects.demo import demo_uscc  # noqa: E402
from xinyong.subjects.models import Subject  # noqa: E402

RECORDS = 200
DECIDER = "安阳市北关区市场监督管理局"
DECIDER_USCC = demo_uscc("11", "00582659")
SUBJECT_USCC = demo_uscc("91", "MA4BENCH")


def _rows(code: str, name: str) -> list[dict[str, str]]:
    decider_code = DECIDER_USCC
    rows = []
    for i in range(RECORDS):
        rows.append(
            {
                "CF_XDR_MC": name,
                "CF_XDR_LB": "法人及非法人组织",
                "CF_XDR_SHXYM": code,
                "CF_FRDB": "张三",
                "CF_WSH": f"北关市监罚〔2026〕C{i + 1}号",
                "CF_WFXW": "未按规定公示食品经营许可证" if i % 3 else "未取得许可从事经营",
                "CF_SY": f"经查，当事人第 {i + 1} 次检查发现经营场所未公示许可证。",
                "CF_YJ": "《中华人民共和国食品安全法》第一百二十六条",
                "CF_CFLB": "罚款",
                "CF_NR": f"罚款{2000 + i * 10}元",
                "CF_NR_FK": f"{(2000 + i * 10) / 10000:.3f}",
                "CF_JDRQ": f"2026-{(i % 9) + 1:02d}-{(i % 27) + 1:02d}",
                "CF_CFJG": DECIDER,
                "CF_CFJGDM": decider_code,
                "CF_SJLY": DECIDER,
                "CF_SJLYDM": decider_code,
            }
        )
    return rows


def _subject() -> Subject:
    code = SUBJECT_USCC
    name = "安阳市北关区基准测试商贸有限公司"
    subject = Subject.objects.filter(identifier=code).first()
    if subject is None or len(public_records_for(subject)) < RECORDS:
        result = ingest_rows(
            actor=None,
            unit=resolve_unit("区市场监管局"),
            record_type="XZCF",
            rows=_rows(code, name),
        )
        if result.errors:
            raise SystemExit(f"records rejected: {result.errors[:3]}")
        subject = Subject.objects.get(identifier=code)
    return subject


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _timed(module: Any, name: str, into: list[float], cpu: list[float]) -> None:
    """Wrap `module.name` so that each call's duration (wall clock, and CPU time of the
    process) lands in `into` and `cpu`: the bench's breakdown of the very reports it
    issues."""
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)

    setattr(module, name, wrapper)


def _cpu(values: list[float]) -> str:
    return f"CPU {statistics.median(values) * 1000:.1f} ms"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def main(n: int) -> None:
    subject = _subject()
    public = len(public_records_for(subject))
    print(f"subject {subject.identifier}: {public} public records")
    # Warm-up: font index, template, first queries.
    services.issue_report(actor=None, subject=subject, purpose="gov_procurement", channel="cli")
    total: list[float] = []
    build: list[float] = []
    render: list[float] = []
    total_cpu: list[float] = []
    build_cpu: list[float] = []
    render_cpu: list[float] = []
    _timed(content, "build", build, build_cpu)
    _timed(rendering, "render_sealed", render, render_cpu)
    report = None
    print(f"start: {_load()}")
    started = time.perf_counter()
    cpu_started = time.process_time()
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        report = services.issue_report(
            actor=None, subject=subject, purpose="gov_procurement", channel="cli"
        )
        total.append(time.perf_counter() - t0)
        total_cpu.append(time.process_time() - c0)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(f"end:   {_load()}")
    assert report is not None
    rest = [t - b - r for t, b, r in zip(total, build, render, strict=True)]
    rest_cpu = [t - b - r for t, b, r in zip(total_cpu, build_cpu, render_cpu, strict=True)]
    pdf = services.report_pdf(report)
    print(
        f"reports issued: {n} in {elapsed:.1f} s (CPU {cpu / n * 1000:.1f} ms per report on average); "
        f"PDF {len(pdf) // 1024} KiB, {report.record_count} records"
    )
    print(
        f"per report (issue_report, end to end): {_ms(total)}; {_cpu(total_cpu)}  [target ≤ 300 ms]"
    )
    print(f"  content from the database:       {_ms(build)}; {_cpu(build_cpu)}")
    print(f"  typst PDF + QR + Ed25519 seal:   {_ms(render)}; {_cpu(render_cpu)}")
    print(f"  store file + row + audit:        {_ms(rest)}; {_cpu(rest_cpu)}")

    staff = User.objects.filter(username="bench_reports").first() or User.objects.create_user(
        username="bench_reports", password=None, role=Role.CREDIT_ADMIN
    )
    client = Client()
    client.force_login(staff)
    by_file: list[float] = []
    by_number: list[float] = []
    for _ in range(200):
        upload = SimpleUploadedFile("report.pdf", pdf, content_type="application/pdf")
        t0 = time.perf_counter()
        response = client.post("/credit/reports/verify/", {"file": upload})
        by_file.append(time.perf_counter() - t0)
        assert response.status_code == 200 and "核验通过" in response.content.decode()
        t0 = time.perf_counter()
        response = client.get("/credit/reports/verify/", {"number": report.number})
        by_number.append(time.perf_counter() - t0)
        assert response.status_code == 200
    print(f"verification page, upload PDF: {_ms(by_file)}  [target ≤ 50 ms]")
    print(f"verification page, by number:  {_ms(by_number)}  [target ≤ 50 ms]")
    print(f"done:  {_load()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=None, help="reports to issue")
    parser.add_argument("--count", dest="count_opt", type=int, default=None)
    args = parser.parse_args()
    main(args.count_opt or args.count or 1000)
