"""Reference and demo data of the ledger, loaded by `xinyong init`.

Reference: the seed plan of 2023 (data/2023-beiguan.json) through `services.load_plan`,
create-missing-only, so that the credit office's edits survive.

Demo (`xinyong init --demo`): the 2023 plan copied to this year (2026, deadlines moved to
2026) with a realistic state on 25 November 2026: units reported quarterly on the
持续推进 rows (some missed the third quarter), completions accepted or waiting for review,
publicity and training activities with evidence, a 督办 item with a leader's 批示, and the
October 通报 published with the office's commentary. Dates are fixed, not "today", so the
demo looks the same whenever it is loaded; it is skipped when the 2026 plan has any
report.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from xinyong.core import calendar
from xinyong.core.bootstrap import demo_loader, reference_loader
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Unit, User
from xinyong.orgs.services import resolve_unit

from . import services
from .models import Activity, Assignment, Bulletin, Plan, ProgressReport, SupervisionItem

SEED_PLAN = services.DATA_DIR / "2023-beiguan.json"
DEMO_YEAR = 2026


@reference_loader(90, "工作台账（2023年工作方案）")
def load_seed_plan() -> str:
    data = json.loads(SEED_PLAN.read_text(encoding="utf-8"))
    return services.load_plan(actor=None, data=data).summary()


# ------------------------------------------------------------------ demo


def _pick(*parts: Any) -> int:
    """A stable number 0–99 from the parts: the demo varies between units and rows but is
    the same on every load."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100


_PDF_CACHE: dict[str, bytes] = {}


def _evidence_pdf(title: str) -> bytes:
    if title not in _PDF_CACHE:
        from xinyong.core.pdf import render_typst

        source = (
            "#let fonts = json(bytes(sys.inputs.cjk_fonts))\n"
            '#set text(font: fonts, size: 12pt, lang: "zh")\n'
            '#align(center, text(size: 16pt, weight: "bold", sys.inputs.title))\n'
            "#v(1em)\n演示数据：佐证材料样张（会议纪要、活动照片或通知文件的扫描件在实际使用中上传）。\n"
        )
        _PDF_CACHE[title] = render_typst(source, inputs={"title": title})
    return _PDF_CACHE[title]


def _file(name: str, title: str) -> SimpleUploadedFile:
    try:
        content = _evidence_pdf(title)
    except DomainError:
        # No CJK font on this machine: the demo still loads, evidence as a plain document.
        content = title.encode("utf-8")
        name = name.rsplit(".", 1)[0] + ".doc"
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# The demo's reports carry the dates of its story, earlier than the day it is loaded: the
# credit office records them as it would a report handed in on paper.
DEMO_DATE_REASON = "演示数据：按演示场景的报送日期补录。"
QUARTER_REPORT_DAYS = (date(2026, 4, 3), date(2026, 7, 6), date(2026, 10, 12))
NARRATIVES: dict[str, tuple[str, ...]] = {
    ProgressReport.Claim.IN_PROGRESS: (
        "已将该项工作纳入本单位年度信用建设工作方案，明确分管领导和具体经办人员，按季度推进。",
        "本季度按要求推进，相关信息已按时报送市信用信息共享平台，未发现迟报、漏报。",
        "已召开专题会议研究部署，对照台账逐项梳理，正在整理佐证材料。",
    ),
    ProgressReport.Claim.COMPLETED: (
        "该项工作已按要求完成，相关文件已印发并在部门网站公开，佐证材料已上传。",
        "已完成年度任务，形成工作总结和相关制度文件，请审核。",
    ),
}


def _report(admin: User, a: Assignment, claim: str, day: date, *, evidence: bool) -> ProgressReport:
    texts = NARRATIVES[claim]
    files = (
        [_file(f"{a.unit.short_name or a.unit.name}佐证材料.pdf", f"{a.unit.name}工作佐证材料")]
        if evidence
        else []
    )
    return services.report_progress(
        actor=admin,
        assignment=a,
        claim=claim,
        narrative=texts[_pick(a.pk, day) % len(texts)],
        reported_on=day,
        date_reason=DEMO_DATE_REASON,
        files=files,
    )


def _demo_progress(admin: User, plan: Plan) -> dict[str, int]:
    counts = {"reports": 0, "accepted": 0, "waiting": 0, "returned": 0}
    assignments = (
        Assignment.objects.filter(row__plan=plan)
        .select_related("row", "unit", "row__plan")
        .order_by("row__number", "unit__sort_order")
    )
    for a in assignments:
        roll = _pick("progress", a.row.number, a.unit.name)
        if a.row.deadline is None:
            # 持续推进: quarterly notes; about one unit in six missed the third quarter.
            for q, day in enumerate(QUARTER_REPORT_DAYS):
                if roll < 10 or (q == 2 and roll < 17):
                    continue
                _report(
                    admin,
                    a,
                    ProgressReport.Claim.IN_PROGRESS,
                    day,
                    evidence=q == 2 and roll % 2 == 0,
                )
                counts["reports"] += 1
            continue
        if roll < 18:
            continue  # not reported yet, five days before the deadline
        if roll < 45:
            _report(admin, a, ProgressReport.Claim.IN_PROGRESS, date(2026, 9, 15), evidence=False)
            counts["reports"] += 1
            continue
        report = _report(
            admin, a, ProgressReport.Claim.COMPLETED, date(2026, 10, 20), evidence=roll % 5 != 0
        )
        counts["reports"] += 1
        if roll < 55:
            counts["waiting"] += 1
            continue
        if roll < 60:
            services.review_report(
                actor=admin,
                report=report,
                accept=False,
                comment="佐证材料不完整，请补充正式印发的文件和网站发布截图后重新报送。",
                on=date(2026, 10, 28),
            )
            counts["returned"] += 1
            continue
        report.refresh_from_db()
        lead = User.objects.filter(
            role="reviewer", unit__in=a.row.lead_units.all(), is_active=True
        ).first()
        if report.review == ProgressReport.Review.SUBMITTED and lead is not None:
            services.review_report(actor=lead, report=report, accept=True, on=date(2026, 10, 23))
        services.review_report(actor=admin, report=report, accept=True, on=date(2026, 10, 26))
        counts["accepted"] += 1
    return counts


ACTIVITY_TITLES = {
    Activity.Kind.PUBLICITY: (
        ("“诚信建设万里行”进社区宣传", "红旗路街道社区广场"),
        ("“3·15”诚信经营主题宣传", "北关区万达广场"),
        ("诚信宣传进企业暨信用修复政策宣讲", "北关区产业园"),
        ("“信用记录关爱日”进机关宣传", "区政务服务中心"),
    ),
    Activity.Kind.TRAINING: (
        ("《河南省社会信用条例》专题学习", "本单位会议室"),
        ("双公示信息报送业务培训", "区发改委三楼会议室"),
        ("信用修复与异议处理政策学习", "本单位会议室"),
    ),
}


def _demo_activities(admin: User, plan: Plan) -> int:
    created = 0
    units = (
        Unit.objects.filter(
            ledger_assignments__row__plan=plan,
            ledger_assignments__row__targets__activity_kind__in=["publicity", "training"],
        )
        .distinct()
        .order_by("sort_order")
    )
    for unit in units:
        for kind, titles in ACTIVITY_TITLES.items():
            roll = _pick("activity", kind, unit.name)
            wanted = 3 if kind == Activity.Kind.PUBLICITY else 2
            n = wanted if roll >= 35 else roll % wanted  # about a third fall short
            for i in range(n):
                title, place = titles[i % len(titles)]
                services.record_activity(
                    actor=admin,
                    plan=plan,
                    unit=unit,
                    kind=kind,
                    title=title,
                    held_on=date(2026, 3 + i * 3, 10 + roll % 15),
                    place=place,
                    participants=20 + roll,
                    description=f"{unit.name}组织开展{title}，发放宣传资料、现场解答咨询。",
                    files=[_file(f"{title}.pdf", f"{unit.name}{title}")],
                )
                created += 1
    finance = resolve_unit("区金融办")
    for day, title in (
        (date(2026, 5, 21), "“信易贷”银企对接会（第一场）"),
        (date(2026, 9, 17), "“信易贷”进园区推介会"),
    ):
        services.record_activity(
            actor=admin,
            plan=plan,
            unit=finance,
            kind=Activity.Kind.MATCHMAKING,
            title=title,
            held_on=day,
            place="北关区产业集聚区",
            participants=86,
            description="组织 6 家合作银行与 40 余家中小微企业现场对接，介绍“信易贷”平台注册与白名单推荐流程。",
            files=[_file(f"{title}.pdf", title)],
        )
        created += 1
    court = resolve_unit("区法院")
    services.record_activity(
        actor=admin,
        plan=plan,
        unit=court,
        kind=Activity.Kind.TYPICAL_CASE,
        title="执行和解促成被执行企业信用修复典型案例",
        held_on=date(2026, 8, 12),
        description="通过执行和解促成企业履行给付义务后依法移出失信被执行人名单，恢复正常经营。",
        files=[_file("典型案例.pdf", "执行和解促成信用修复典型案例")],
    )
    return created + 1


@demo_loader(90, "工作台账")
@transaction.atomic
def load_demo_ledger() -> str:
    source = Plan.objects.filter(year=2023).first()
    if source is None:
        return "未载入2023年工作方案，跳过"
    admin = User.objects.get(username="admin")
    plan = Plan.objects.filter(year=DEMO_YEAR).first()
    if plan is None:
        plan = services.copy_plan(actor=None, plan=source, year=DEMO_YEAR)
    if ProgressReport.objects.filter(assignment__row__plan=plan).exists():
        return f"{DEMO_YEAR}年工作台账已有进展数据，跳过"
    counts = _demo_progress(admin, plan)
    activities = _demo_activities(admin, plan)
    overdue = (
        Assignment.objects.filter(row__plan=plan, row__deadline__isnull=True)
        .exclude(reports__reported_on__gte=date(2026, 10, 1))
        .select_related("row", "unit")
        .order_by("row__number", "unit__sort_order")
        .first()
    )
    if overdue is not None and not SupervisionItem.objects.filter(assignment=overdue).exists():
        today = timezone.localdate()
        item = services.open_supervision(
            actor=admin,
            assignment=overdue,
            reason=f"第三季度未按期报送台账第{overdue.row.number}项工作进展，请于期限内报送并说明原因。",
            # The plan's 5 working days; in late December, before next year's calendar is
            # published, the office names a date itself (as the service asks), here the
            # year's last day, as the instruction below says.
            due_on=calendar.add_workdays_if_known(today, 5) or date(today.year, 12, 31),
        )
        leader = User.objects.filter(username="leader").first()
        if leader is not None:
            services.add_instruction(
                actor=leader,
                item=item,
                text="请信用办跟踪督促，年底前务必完成，结果纳入年度目标考核。",
            )
    if not Bulletin.objects.filter(plan=plan, period="2026-10").exists():
        bulletin = services.draft_bulletin(
            actor=admin,
            plan=plan,
            period="2026-10",
            commentary="10月份各单位总体按计划推进，双公示信息报送及时。部分单位持续推进事项未按季度报送进展，"
            "请相关单位于11月底前补报；逾期事项纳入年度目标责任考核。",
        )
        services.publish_bulletin(actor=admin, bulletin=bulletin)
    return (
        f"{DEMO_YEAR}年工作台账：进展报送 {counts['reports']} 条（审核通过 {counts['accepted']}、待审核 "
        f"{counts['waiting']}、退回 {counts['returned']}），活动 {activities} 次，10月通报已印发"
    )
