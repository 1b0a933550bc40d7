"""Reference and demo data of credit reports, loaded by `xinyong init` (create-missing-only:
what the credit office changed in the admin is never undone):

- the report purposes (data/purposes.json), including the special report replacing the
  无违法违规证明 (发改财金〔2025〕565号) and 信易贷融资授信;
- the seed 信用报告应用目录 (data/matters.json);
- demo: one report issued for a matter, so that the staff list and the catalogue's usage
  count show something (self-service needs no demo data: any demo enterprise can try it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from xinyong.core.bootstrap import demo_loader, reference_loader
from xinyong.core.errors import DomainError
from xinyong.orgs.services import resolve_unit

from . import services
from .models import ApplicationMatter, Report, ReportPurpose

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_SUBJECT_NAME = "安阳市北关区恒达商贸有限公司"


def _items(path: Path, kind: str) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if (
        not isinstance(data, dict)
        or data.get("kind") != kind
        or not isinstance(data.get("items"), list)
    ):
        raise DomainError(f'{path.name} 格式不对：应为 {{"kind": "{kind}", "items": [...]}}。')
    return list(data["items"])


@reference_loader(55, "信用报告用途")
def load_purposes() -> str:
    items = _items(DATA_DIR / "purposes.json", "report_purposes")
    created = 0
    with transaction.atomic():
        for item in items:
            if not ReportPurpose.objects.filter(code=item["code"]).exists():
                services.create_purpose(actor=None, **item)
                created += 1
    return f"报告用途 {len(items)} 项（新增 {created}）"


@reference_loader(56, "信用报告应用目录")
def load_matters() -> str:
    items = _items(DATA_DIR / "matters.json", "report_matters")
    created = 0
    with transaction.atomic():
        for item in items:
            values = dict(item)
            unit = resolve_unit(values.pop("unit"))
            if ApplicationMatter.objects.filter(unit=unit, name=values["name"]).exists():
                continue
            purpose = ReportPurpose.objects.filter(code=values.pop("purpose")).first()
            if purpose is None:
                continue  # the office deleted the purpose: do not bring the matter back
            services.create_matter(actor=None, unit=unit, purpose=purpose, **values)
            created += 1
    return f"信用报告应用事项 {len(items)} 项（新增 {created}）"


@demo_loader(60, "信用报告")
def load_demo_reports() -> str:
    if Report.objects.exists():
        return "已有信用报告，跳过"
    from xinyong.subjects.models import Subject

    subject = Subject.objects.filter(name=DEMO_SUBJECT_NAME).first()
    matter = ApplicationMatter.objects.filter(name="政府采购供应商资格审查").first()
    if subject is None or matter is None:
        return "缺少演示主体或应用事项，跳过"
    report = services.issue_report(
        actor=None, subject=subject, purpose=matter.purpose.code, matter=matter, channel="cli"
    )
    return f"出具演示报告 {report.number}（{subject.name}，政府采购）"
