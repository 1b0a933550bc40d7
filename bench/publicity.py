"""Bench: compute the publicity windows of N penalty records (default 1,000,000).

    XINYONG_VAR=/tmp/publicity-bench .venv/bin/xinyong init
    XINYONG_VAR=/tmp/publicity-bench .venv/bin/python bench/publicity.py [N]

Records are inserted directly (raw executemany, no windows), then the set-based path
that the batch_stored receiver uses (`services.refresh`, same code as
`compute_windows_for_batch`) computes every window. Prints the seconds per phase.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from datetime import date, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from xinyong.catalog.models import RecordType  # noqa: E402
from xinyong.orgs.models import Unit  # noqa: E402
from xinyong.publicity import services  # noqa: E402
from xinyong.publicity.models import PublicityWindow  # noqa: E402
from xinyong.records.models import CreditRecord  # noqa: E402
from xinyong.subjects.models import Subject  # noqa: E402

KINDS = [["罚款"], ["警告"], ["警告", "罚款"], ["吊销许可证件"], ["通报批评"]]
DECIDERS = ["安阳市北关区生态环境局", "安阳市北关区市场监督管理局", "安阳市北关区应急管理局"]


def main(n: int) -> None:
    rt = RecordType.objects.get(code="XZCF")
    unit = Unit.objects.order_by("id").first()
    assert unit is not None
    subject, _ = Subject.objects.get_or_create(
        identifier="91512081MA62K0260E",
        defaults={"kind": "org", "name": "安阳市北关区某某商贸有限公司", "identifier_type": "uscc"},
    )
    PublicityWindow.objects.all().delete()
    CreditRecord.objects.filter(document_number__startswith="BENCH-").delete()
    now = timezone.now().isoformat()
    start = date(2023, 1, 1)
    t0 = time.perf_counter()
    table = CreditRecord._meta.db_table
    sql = (
        f"INSERT INTO {table} (created_at, updated_at, record_type_id, identity_key, subject_id, "
        "party_name, party_identifier, document_number, decision_date, deciding_unit_name, "
        "deciding_unit_code, source_unit_id, reported_on, deadline, is_late, nature, status, "
        "payload, content_hash, version, name_mismatch) VALUES "
        "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        rows = []
        for i in range(n):
            decided = (start + timedelta(days=i % 1200)).isoformat()
            kinds = KINDS[i % len(KINDS)]
            payload = {
                "CF_CFLB": kinds,
                "CF_NR_FK": "0.2" if "罚款" in kinds else None,
                "CF_XDR_LB": "法人及非法人组织",
                "CF_WFXW": "违反安全生产管理规定" if i % 7 == 0 else "未取得许可从事经营",
                "CF_YJ": "《中华人民共和国行政处罚法》",
            }
            doc = f"BENCH-{i}"
            rows.append(
                (
                    now,
                    now,
                    rt.pk,
                    hashlib.sha256(doc.encode()).hexdigest(),
                    subject.pk,
                    subject.name,
                    subject.identifier,
                    doc,
                    decided,
                    DECIDERS[i % 3],
                    "",
                    unit.pk,
                    decided,
                    None,
                    False,
                    "dishonest",
                    "active",
                    json.dumps(payload, ensure_ascii=False),
                    "x",
                    1,
                    "",
                )
            )
            if len(rows) == 20000:
                cursor.executemany(sql, rows)
                rows = []
        if rows:
            cursor.executemany(sql, rows)
    t1 = time.perf_counter()
    print(f"inserted {n} records in {t1 - t0:.1f} s")
    summary = services.refresh()
    t2 = time.perf_counter()
    print(f"computed windows: {summary} in {t2 - t1:.1f} s ({n / (t2 - t1):,.0f} records/s)")
    t3 = time.perf_counter()
    expired = services.expire(on=date(2026, 11, 26))
    print(f"expire: {expired} in {time.perf_counter() - t3:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
