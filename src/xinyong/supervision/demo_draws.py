"""Demo 双随机 data for `xinyong init --demo`, through supervision.draws after the grades
(order 50): the inspector rosters of 区市场监管局 and 区人社局, one declared conflict of
interest, and one draw per unit — set up (seed hash published), run with the ratios of
each grade, verified from the revealed seed, with inspection results recorded for
whoever the seed draws (possibly nobody: small pools at 1–30 %). The
draws' own times are those of the installation (the service stamps them), so the
inspection dates are the day of the draw. Idempotent: skipped when the first inspector
exists."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from xinyong.core.bootstrap import demo_loader
from xinyong.orgs.models import Unit, User
from xinyong.orgs.services import resolve_unit
from xinyong.subjects.demo import demo_subject, demo_uscc

from . import draws
from .models import Draw, DrawTarget, Inspector

# 行政执法证号: region code 410503 (北关区) and a five-digit serial.
_SCJ_INSPECTORS: list[tuple[str, str]] = [
    ("刘卫东", "41050310021"),
    ("陈丽华", "41050310034"),
    ("杨志强", "41050310047"),
    ("周海燕", "41050310052"),
    ("马俊峰", "41050310068"),
]
_RSJ_INSPECTORS: list[tuple[str, str]] = [
    ("郭振宇", "41050320013"),
    ("孙晓梅", "41050320026"),
]
_MARKER_BADGE = _SCJ_INSPECTORS[0][1]
# The deciding units' registered names and codes (as in collection/demo.py).
_SCJ = ("安阳市北关区市场监督管理局", demo_uscc("11", "00582659"))
_RSJ = ("安阳市北关区人力资源和社会保障局", demo_uscc("11", "00582745"))


def _roster(actor: User, unit: Unit, people: list[tuple[str, str]]) -> list[int]:
    return [
        draws.create_inspector(actor=actor, unit=unit, name=name, badge_number=badge).pk
        for name, badge in people
    ]


def _run_and_verify(actor: User, draw: Draw) -> Draw:
    draw = draws.run_draw(actor=actor, draw=draw)
    report = draws.verify_draw(draw)
    if not report.ok:  # pragma: no cover - the service re-runs its own algorithm
        raise RuntimeError(f"演示抽查复核不一致：{report.message}")
    return draw


def _inspect(
    actor: User,
    target: DrawTarget,
    number: str,
    authority: tuple[str, str],
    matters: str,
    outcome: str,
) -> None:
    draws.record_inspection(
        actor=actor,
        target=target,
        document_number=number,
        inspected_on=timezone.localdate(),
        matters=matters,
        outcome=outcome,
        handling="无需处理，检查结果依法向社会公示。",
        legal_rep="王建军",
        inspecting_unit_name=authority[0],
        inspecting_unit_code=authority[1],
    )


@demo_loader(55, "双随机抽查")
@transaction.atomic
def load_demo_draws() -> str:
    market = resolve_unit("区市场监管局")
    if Inspector.objects.filter(unit=market, badge_number=_MARKER_BADGE).exists():
        return "已存在，跳过"
    reviewer = User.objects.get(username="reviewer_scj")
    reporter = User.objects.get(username="reporter_scj")
    _roster(reviewer, market, _SCJ_INSPECTORS)
    # 回避: declared before the draw, so that the roster snapshot carries it.
    conflicted = Inspector.objects.get(unit=market, badge_number=_SCJ_INSPECTORS[1][1])
    draws.declare_conflict(
        actor=reviewer,
        inspector=conflicted,
        subject=demo_subject("安阳市鑫源食品有限公司"),
        reason="配偶在该公司担任财务负责人，依法申请回避。",
        declared_on=timezone.localdate(),
    )
    # Pool: every subject with an active 行政处罚 record (any unit) — A class at the A
    # ratio, the listed (D) subjects at the D ratio, as the policies in force say.
    draw = draws.create_draw(
        actor=reviewer,
        unit=market,
        title="2026年度行政处罚后续监管“双随机、一公开”抽查",
        record_type="XZCF",
        inspectors_per_target=2,
    )
    draw = _run_and_verify(reviewer, draw)
    # How many are drawn depends on the seed (9 A at 1 % and 2 D at 30 %: each stratum
    # 0 or 1), so the demo may have nothing to inspect.
    if draw.result:
        first = draw.targets.get(subject_id=draw.result[0]["subject_id"])
        # The inspection record is public: it names no penalty, whose own publicity may
        # have ended.
        _inspect(
            reporter,
            first,
            "北关市监检〔2026〕31号",
            _SCJ,
            "原行政处罚决定责令改正事项的整改落实情况；营业执照、许可证件公示情况；进货查验记录。",
            "未发现问题。证照公示和进货查验记录符合规定，原处罚决定责令改正的事项已整改到位。",
        )

    labour = resolve_unit("区人社局")
    reporter_rsj = User.objects.get(username="reporter_rsj")
    _roster(reporter_rsj, labour, _RSJ_INSPECTORS)
    second = draws.create_draw(
        actor=reporter_rsj,
        unit=labour,
        title="2026年度劳动保障监察“双随机、一公开”抽查",
        inspectors_per_target=2,
    )
    second = _run_and_verify(reporter_rsj, second)
    for index, target in enumerate(second.targets.select_related("subject").order_by("pk"), 1):
        _inspect(
            reporter_rsj,
            target,
            f"北关人社检〔2026〕{40 + index}号",
            _RSJ,
            "劳动合同签订、工资支付台账和农民工工资专用账户管理情况。",
            "未发现新的违法行为。已按时足额支付本季度工资，工资支付台账完整。",
        )
    second.refresh_from_db()
    done = draw.targets.filter(inspection_record__isnull=False).count()
    return (
        f"检查人员 {len(_SCJ_INSPECTORS) + len(_RSJ_INSPECTORS)} 名（回避申报 1 条）；"
        f"区市场监管局抽查 1 次（对象库 {len(draw.pool_snapshot)} 户，抽中 {len(draw.result)} 户，"
        f"已录入检查结果 {done} 户，复核一致）；"
        f"区人社局抽查 1 次（抽中 {len(second.result)} 户，{second.get_status_display()}）"
    )
