"""Reference data (the default white-list rule, create-missing-only so that the credit
office's edits in the admin survive) and the 信易贷 demo: a finance-office reviewer, a
screened, reviewed and published white list, authorisations, loan outcomes and the city
average; after the work ledger's demo, the 银企对接 events (the same events as the
finance office's ledger activities, so that the 信易贷 statistics and ledger row 32
agree)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from xinyong.core.bootstrap import demo_loader, reference_loader
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Role, User

from . import services
from .models import MatchmakingEvent, WhitelistItem, WhitelistRule, WhitelistRun

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_BANK = "中国银行安阳北关支行"  # orgs/loaders.py: bank_demo's organisation
DEMO_REVIEWER = "jrj_reviewer"


def load_rules(data: Any, *, actor: Any = None) -> int:
    if not isinstance(data, dict) or data.get("kind") != "whitelist_rules":
        raise DomainError(
            '白名单规则文件格式不对：应为 {"kind": "whitelist_rules", "items": [...]}。'
        )
    created = 0
    with transaction.atomic():
        for item in data.get("items", []):
            values = dict(item)
            code = values.pop("code")
            if WhitelistRule.objects.filter(code=code).exists():
                continue
            services.create_rule(actor=actor, code=code, **values)
            created += 1
    return created


@reference_loader(80, "信易贷白名单规则")
def load_rule_reference() -> str:
    data = json.loads((DATA_DIR / "whitelist_rules.json").read_text(encoding="utf-8"))
    created = load_rules(data)
    return f"白名单规则 {len(data['items'])} 条（新增 {created}）"


def _reviewer() -> User:
    from xinyong.orgs.loaders import DEMO_PASSWORD
    from xinyong.orgs.services import create_user

    found = User.objects.filter(username=DEMO_REVIEWER).first()
    if found is not None:
        return found
    return create_user(
        actor=None,
        username=DEMO_REVIEWER,
        password=DEMO_PASSWORD,
        role=Role.REVIEWER,
        unit=services.finance_office(),
        full_name="金融工作局审核员",
    )


@demo_loader(60, "信易贷")
def load_demo_finance() -> str:
    reviewer = _reviewer()
    if WhitelistRun.objects.exists():
        return "信易贷演示数据已存在，未作改动"
    admin = User.objects.get(username="admin")
    bank = User.objects.get(username="bank_demo")
    today = timezone.localdate()
    run = services.screen(actor=admin, on=today)
    services.approve_credit(actor=admin, run=run, opinion="经核对，同意推荐。")
    services.approve_finance(actor=reviewer, run=run, opinion="同意发布，推送合作银行。")
    listed = list(
        WhitelistItem.objects.filter(run=run, status=WhitelistItem.Status.LISTED)
        .select_related("subject")
        .order_by("subject_id")
    )
    firms = [i.subject for i in listed]
    last_year = today.year - 1
    for subject in firms[:2]:
        # Last year's loans were applied for under last year's written authorisation
        # (outcomes need one in force on the application day); it shows as 已过期.
        services.record_staff_authorisation(
            actor=admin,
            subject=subject,
            bank=DEMO_BANK,
            scope="financing",
            valid_from=date(last_year, 5, 1),
            valid_until=date(last_year, 12, 31),
            document=ContentFile("企业授权书（演示）".encode(), name="授权书.txt"),
            agent_name="企业经办人",
        )
        services.record_staff_authorisation(
            actor=admin,
            subject=subject,
            bank=DEMO_BANK,
            scope="financing",
            valid_from=today,
            valid_until=today + timedelta(days=365),
            document=ContentFile("企业授权书（演示）".encode(), name="授权书.txt"),
            agent_name="企业经办人",
        )
    if firms:
        services.report_outcome(
            actor=bank,
            subject=firms[0],
            applied_on=date(last_year, 5, 20),
            status="granted",
            granted_on=date(last_year, 6, 10),
            amount_wan="300",
            loan_type="credit",
            rate_percent="3.85",
            term_months=12,
        )
        services.report_outcome(
            actor=bank,
            subject=firms[0],
            applied_on=today,
            status="granted",
            granted_on=today,
            amount_wan="420",
            loan_type="credit",
            rate_percent="3.45",
            term_months=12,
            note="信易贷白名单推荐企业，纯信用放款",
        )
    if len(firms) > 1:
        services.report_outcome(
            actor=bank,
            subject=firms[1],
            applied_on=date(last_year, 9, 3),
            status="granted",
            granted_on=date(last_year, 9, 28),
            amount_wan="200",
            loan_type="secured",
            rate_percent="4.10",
            term_months=24,
        )
        services.report_outcome(actor=bank, subject=firms[1], applied_on=today, status="applied")
    services.set_benchmark(
        actor=None,
        year=last_year,
        city_growth_percent=Decimal("10.80"),
        source=f"安阳市金融工作局 {last_year} 年信用贷款统计（演示数据）",
    )
    services.set_benchmark(
        actor=None,
        year=today.year,
        city_growth_percent=Decimal("12.50"),
        source=f"安阳市金融工作局 {today.year} 年三季度通报（演示数据）",
    )
    return (
        f"白名单 {run.number}：筛查 {run.candidates} 个主体，列入 {run.eligible} 家并已发布；"
        f"授权 {min(len(firms), 2)} 家（含上年已过期的授权），融资结果 {min(len(firms), 2) * 2} 条"
    )


DEMO_EVENT_BANKS = [DEMO_BANK, "中国工商银行安阳北关支行", "安阳农村商业银行"]


def _demo_pdf(title: str) -> ContentFile:
    try:
        from xinyong.core.pdf import render_typst

        content = render_typst(
            "#let fonts = json(bytes(sys.inputs.cjk_fonts))\n"
            '#set text(font: fonts, size: 12pt, lang: "zh")\n'
            '#align(center, text(size: 16pt, weight: "bold", sys.inputs.title))\n'
            "#v(1em)\n演示数据：银企对接会签到表样张（实际使用中上传签到表、现场照片的扫描件）。\n",
            inputs={"title": title},
        )
        return ContentFile(content, name="签到表.pdf")
    except DomainError:
        # No CJK font on this machine: the demo still loads, evidence as a plain document.
        return ContentFile(title.encode("utf-8"), name="签到表.doc")


@demo_loader(91, "信易贷银企对接")
def load_demo_matchmaking() -> str:
    """After the work ledger's demo (90): the 信易贷 register records the finance office's
    matchmaking events that the ledger demo holds (same day, so record_matchmaking links
    them instead of adding ledger activities), with the banks and firms the ledger does not
    carry. Without a ledger demo, one event of this year."""
    from xinyong.ledger.models import Activity

    linked = services.link_matchmaking_to_ledger()
    if MatchmakingEvent.objects.exists():
        return "银企对接演示数据已存在，未作改动" + (f"；{linked}" if linked else "")
    reviewer = _reviewer()
    today = timezone.localdate()
    run = services.current_run()
    firms = (
        [
            i.subject
            for i in WhitelistItem.objects.filter(run=run, status=WhitelistItem.Status.LISTED)
            .select_related("subject")
            .order_by("subject_id")[:5]
        ]
        if run is not None
        else []
    )
    on_ledger = list(
        Activity.objects.filter(
            unit=services.finance_office(),
            kind=Activity.Kind.MATCHMAKING,
            held_on__lte=today,
        ).order_by("held_on", "id")
    )
    days = [(a.held_on, a.title, a.place) for a in on_ledger] or [
        (
            min(today, date(today.year, 5, 18)),
            f"北关区{today.year}年“信易贷”银企对接会",
            "北关区政务服务中心三楼会议室",
        )
    ]
    for i, (day, title, place) in enumerate(days):
        services.record_matchmaking(
            actor=reviewer,
            title=title,
            held_on=day,
            venue=place,
            banks=DEMO_EVENT_BANKS[: 3 - i % 2],
            firms=firms,
            firm_count=max(len(firms), 23 + 9 * i),
            evidence="会议签到表、现场照片、北关区融媒体中心新闻稿（演示数据）",
            evidence_file=_demo_pdf(title),
        )
    same = "，即工作台账中区金融工作局的推介对接活动记录" if on_ledger else ""
    return f"银企对接活动 {len(days)} 场{same}"
