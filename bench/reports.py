"""Bench: issue N credit reports (default 1,000) of one enterprise with 200 public records,
and time the verification page.

    XINYONG_VAR=/tmp/reports-bench .venv/bin/xinyong init
    XINYONG_VAR=/tmp/reports-bench .venv/bin/python bench/reports.py [N]

The 200 penalty records go through the real pipeline (collection.services.ingest_rows, so
each has its publicity window). Each report is a full `services.issue_report`: content
from the database, typst PDF with the CJK font, QR code, seal, and the stored row with its
digest. Then the verification page (/credit/reports/verify/) is asked 200 times with the
PDF file and 200 times with the number, through Django's test client (a signed-in staff
session, so that the anonymous rate limit does not interfere). Prints medians.
Targets (issue 7 §4): ≤ 300 ms per report, ≤ 50 ms per verification.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

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
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {sorted(values)[int(len(values) * 0.95) - 1] * 1000:.1f} ms"


def main(n: int) -> None:
    subject = _subject()
    public = len(public_records_for(subject))
    print(f"subject {subject.identifier}: {public} public records")
    total: list[float] = []
    build: list[float] = []
    render: list[float] = []
    report = None
    # Warm-up: font index, template, first queries.
    services.issue_report(actor=None, subject=subject, purpose="gov_procurement", channel="cli")
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        report = services.issue_report(
            actor=None, subject=subject, purpose="gov_procurement", channel="cli"
        )
        total.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    # Breakdown on a sample: content from the database vs. typst + seal.
    header = content.Header(
        number=report.number if report else "",
        issued_at=report.issued_at if report else None,  # type: ignore[arg-type]
        valid_until=report.valid_until if report else None,  # type: ignore[arg-type]
        purpose=report.purpose if report else None,  # type: ignore[arg-type]
        matter=None,
        issuer_unit="",
    )
    for _ in range(min(n, 50)):
        t0 = time.perf_counter()
        data = content.build(subject, header)
        t1 = time.perf_counter()
        rendering.render_sealed(data)
        t2 = time.perf_counter()
        build.append(t1 - t0)
        render.append(t2 - t1)
    assert report is not None
    pdf = services.report_pdf(report)
    print(f"reports issued: {n} in {elapsed:.1f} s; PDF {len(pdf) // 1024} KiB")
    print(f"per report (issue_report, end to end): {_ms(total)}  [target ≤ 300 ms]")
    print(f"  of which content from the database: {_ms(build)}")
    print(f"  of which typst PDF + QR + seal:      {_ms(render)}")

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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
