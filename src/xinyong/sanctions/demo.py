"""Demo lists for `xinyong init --demo`: a court 失信被执行人 entry pushed from upstream, a
wage-arrears entry that went through prior notice, a red-list entry, this year's
governance target and one governance case — each through the services, with dates in
2026. Idempotent: skipped when the first entry exists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from xinyong.core.bootstrap import demo_loader
from xinyong.core.errors import DomainError
from xinyong.orgs.models import User
from xinyong.orgs.services import resolve_unit
from xinyong.records.models import CreditRecord
from xinyong.subjects.demo import demo_subject
from xinyong.subjects.models import Subject

from . import governance, lists
from .importer import import_upstream_entries
from .models import ListEntry

_COURT_CASE = "（2026）豫0503执1234号"
COURT = "安阳市北关区人民法院"


def court_listing(
    *,
    actor: Any,
    subject: Subject,
    case_number: str,
    published_on: date,
    obligation: str,
    head: str = "张某",
) -> ListEntry:
    """A court's 失信被执行人 listing as it arrives here: one upstream row ingested as a
    SXBZXR record (collection.services.ingest_rows) and turned into its entry — the only
    way such an entry comes in, since the court designates it, not the district."""
    from xinyong.collection.services import ingest_rows

    person = subject.is_person
    row = {
        "被执行人姓名/名称": subject.name,
        "被执行人类别": "自然人" if person else "法人及非法人组织",
        **(
            {"证件类型": "身份证", "证件号码": subject.identifier}
            if person
            else {"统一社会信用代码": subject.identifier, "法定代表人或者负责人姓名": head}
        ),
        "执行法院": COURT,
        "执行案号": case_number,
        # The judgment enforced: the civil case the enforcement case (执) came from.
        "做出执行依据单位": COURT,
        "执行依据文号": case_number.replace("执", "民初", 1),
        "立案时间": published_on.isoformat(),
        "发布时间": published_on.isoformat(),
        "生效法律文书确定的义务": obligation,
        "被执行人的履行情况": "全部未履行",
        "失信被执行人行为具体情形": "有履行能力而拒不履行生效法律文书确定义务",
        "数据来源单位": COURT,
    }
    ingest = ingest_rows(
        actor=actor, unit="区法院", record_type="SXBZXR", rows=[row], reported_on=published_on
    )
    if ingest.rejected:
        problem = ingest.errors[0]
        raise DomainError(f"失信被执行人数据未通过校验：{problem.column} {problem.message}")
    # By identity, not by batch: a row stored before keeps its earlier batch.
    records = CreditRecord.objects.filter(
        record_type__code="SXBZXR", document_number=case_number, subject__pk=subject.pk
    )
    import_upstream_entries(actor=actor, list_type="SX_BZXR", records=records, on=published_on)
    entry = (
        ListEntry.objects.filter(source=ListEntry.Source.UPSTREAM, basis_record__in=records)
        .order_by("-id")
        .first()
    )
    if entry is None:
        raise DomainError(f"失信被执行人（{case_number}）未能转为名单条目。")
    return entry


@demo_loader(40, "名单与治理")
@transaction.atomic
def load_demo_lists() -> str:
    if ListEntry.objects.filter(basis_document=_COURT_CASE).exists():
        return "已存在，跳过"
    # The credit office's demo administrator (orgs demo loader, order 10) does the work.
    admin = User.objects.get(username="admin")
    court = court_listing(
        actor=admin,
        subject=demo_subject("安阳市北关区安顺运输有限公司"),
        case_number=_COURT_CASE,
        published_on=date(2026, 6, 15),
        obligation="支付货款 38.6 万元",
    )

    wages = lists.propose_entry(
        actor=admin,
        list_type=lists.get_list_type("SX_WAGES"),
        subject=demo_subject("安阳北关豫安建筑工程有限公司"),
        basis_document="北关人社拖欠认〔2026〕2号",
        reasons="拖欠农民工工资 52 万元，经责令限期支付逾期仍未支付。",
        on=date(2026, 8, 20),
        designating_unit=resolve_unit("区人社局"),
    )
    lists.serve_notice(actor=admin, entry=wages, served_on=date(2026, 8, 21))
    wages.refresh_from_db()
    # Effective the day after the objection period that the notice opened.
    assert wages.objection_deadline is not None
    lists.make_effective(
        actor=admin, entry=wages, on=date.fromordinal(wages.objection_deadline.toordinal() + 1)
    )

    red = lists.propose_entry(
        actor=admin,
        list_type=lists.get_list_type("RED"),
        subject=demo_subject("河南殷都科技有限公司"),
        basis_document="北信用办〔2026〕8号",
        reasons="连续三年纳税信用 A 级，无行政处罚记录，获评区级诚信示范企业。",
        on=date(2026, 9, 1),
        designating_unit=resolve_unit("区发改委"),
    )
    lists.promote_due_entries(actor=admin, on=date(2026, 9, 30))
    red.refresh_from_db()

    governance.set_target(
        actor=admin,
        year=2026,
        max_blacklist_share=Decimal("1.000"),
        max_government_bodies_listed=0,
        note="工作方案第10项：降低黑名单企业占比；政府机构列入失信被执行人清零。",
    )
    governance.open_case(
        actor=admin,
        entry=court,
        lead_unit=resolve_unit("区法院"),
        plan="督促履行判决义务，协调分期支付货款，履行完毕后申请移出失信被执行人名单。",
        due_on=date(2026, 12, 31),
        on=date(2026, 7, 1),
    )
    return f"失信被执行人 1 条、拖欠农民工工资 1 条、红名单 1 条（{red.get_status_display()}），治理目标与治理案件各 1 项"
