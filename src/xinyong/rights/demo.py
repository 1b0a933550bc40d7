"""Demo objections (异议) and credit repair (信用修复) for `xinyong init --demo`, on the demo
penalty records of 区市场监管局 (collection demo, order 30), through the services and in
the real order of their workflow, with dates in 2026:

- 北关市监罚〔2026〕101号 (安阳市鑫源食品有限公司): an objection at the credit office's
  counter, forwarded to 区市场监管局, answered, decided 维持 with reasons;
- 北关市监罚〔2026〕107号 (安阳市北关区万家福超市有限公司): an objection to the fine amount,
  forwarded to 区市场监管局 and awaiting its reply;
- 北关市监罚〔2026〕105号 (安阳彰德医药连锁有限公司): an objection filed online by the
  enterprise (the public channel, no login), received and not yet routed;
- 北关市监罚〔2026〕103号 (安阳市洹水餐饮管理有限公司): the 信用修复告知书 served with the
  decision (两书同达), an online repair application, materials complete, the provider
  agrees, approved — publicity ended by repair — and the result synced;
- 北关市监罚〔2026〕108号 (安阳市北关区恒达商贸有限公司): its notice served, an online repair
  application with complete materials, awaiting 区市场监管局's review.

Both repaired records are 市场监管 fines classed 轻微 (总局令45号: at most 3 months, no
minimum period), so repair may be asked for from publication; the applications are dated
within that window. Each application also records its 信用修复型 commitment (commitments
receiver of `repair_applied`). Idempotent: skipped when the first objection exists."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from xinyong.core.bootstrap import demo_loader
from xinyong.core.pdf import render_typst
from xinyong.orgs.models import User
from xinyong.records.models import CreditRecord

from . import notices, objections, repair
from .models import Channel, Objection, RepairApplication

_FIRST = "北关市监罚〔2026〕101号"
_FIRST_RECEIVED = date(2026, 1, 19)


def _evidence_pdf(record: CreditRecord) -> SimpleUploadedFile:
    """The applicant's evidence: a one-page summary of the decision as served, rendered
    like every other PDF of the platform (typst with the embedded CJK font)."""
    source = (
        '#set text(font: json(bytes(sys.inputs.cjk_fonts)), size: 11pt, lang: "zh")\n'
        "#let d = json(bytes(sys.inputs.data))\n"
        "= 行政处罚决定书（当事人留存联）摘要\n"
        "文书号：#d.number \\ 当事人：#d.party \\ 处罚内容：罚款人民币贰仟元整\n"
    )
    pdf = render_typst(
        source, inputs={"data": {"number": record.document_number, "party": record.subject.name}}
    )
    return SimpleUploadedFile("行政处罚决定书留存联.pdf", pdf, content_type="application/pdf")


def _penalty(number: str) -> CreditRecord:
    return CreditRecord.objects.select_related("subject", "source_unit").get(
        record_type__code=notices.PENALTY_CODE, document_number=number
    )


def _serve_with_decision(actor: User, record: CreditRecord) -> None:
    """两书同达: the unit served the notice together with the penalty decision."""
    assert record.decision_date is not None
    notices.serve_notice(
        actor=actor,
        notice=record.repair_notice,
        method="与处罚决定书同时送达",
        served_on=record.decision_date,
    )


@demo_loader(45, "异议与信用修复")
@transaction.atomic
def load_demo_rights() -> str:
    if Objection.objects.filter(
        record__document_number=_FIRST, received_on=_FIRST_RECEIVED
    ).exists():
        return "已存在，跳过"
    admin = User.objects.get(username="admin")
    reporter = User.objects.get(username="reporter_scj")
    reviewer = User.objects.get(username="reviewer_scj")

    # 1. Decided: filed at the counter, verified by the provider, kept with reasons.
    food = _penalty(_FIRST)
    kept = objections.file_objection(
        actor=admin,
        record=food,
        channel=Channel.COUNTER,
        category=Objection.Category.WRONG,
        description=(
            "公示的违法行为为“生产经营不符合食品安全标准的食品”。我公司认为涉案批次桃酥仅外包装"
            "标签标注不规范，不属于不符合食品安全标准的食品，公示信息定性有误。"
        ),
        requested_change="将违法行为更正为“标签不符合规定”。",
        applicant_name=food.subject.name,
        applicant_identifier=food.subject.identifier,
        applicant_phone="0372-3151826",
        received_on=_FIRST_RECEIVED,
    )
    objections.forward_to_provider(
        actor=admin,
        objection=kept,
        note="请核查处罚决定书认定事实与公示信息是否一致，3个工作日内答复。",
        on=date(2026, 1, 20),
    )
    objections.provider_reply(
        actor=reviewer,
        objection=kept,
        reply=(
            "经核查，涉案批次桃酥经检验酸价超过 GB 7099-2015 限量值，属于不符合食品安全标准的"
            "食品；北关市监罚〔2026〕101号行政处罚决定书认定事实清楚，公示信息与决定书一致，"
            "当事人未申请行政复议或提起行政诉讼。"
        ),
        on=date(2026, 1, 22),
    )
    kept = objections.decide_objection(
        actor=admin,
        objection=kept,
        outcome=Objection.Outcome.KEPT,
        reason=(
            "公示信息与北关市监罚〔2026〕101号行政处罚决定书载明内容一致，申请人所称标签问题"
            "与检验结论不符，处罚决定未被变更或撤销。"
        ),
        on=date(2026, 1, 26),
    )

    # 2. Forwarded and awaiting the provider's reply (due 3 working days after forwarding).
    prices = _penalty("北关市监罚〔2026〕107号")
    waiting = objections.file_objection(
        actor=admin,
        record=prices,
        channel=Channel.COUNTER,
        category=Objection.Category.WRONG,
        description=(
            "公示的罚款金额为 0.3 万元，我公司收到的北关市监罚〔2026〕107号行政处罚决定书载明"
            "罚款人民币贰仟元整，公示金额与决定书不一致。"
        ),
        requested_change="罚款金额更正为 0.2 万元。",
        applicant_name=prices.subject.name,
        applicant_identifier=prices.subject.identifier,
        applicant_phone="0372-2663518",
        received_on=date(2026, 11, 23),
        attachments=[_evidence_pdf(prices)],
    )
    waiting = objections.forward_to_provider(
        actor=admin,
        objection=waiting,
        note="请核对处罚决定书原件中的罚款金额，3个工作日内答复。",
        on=date(2026, 11, 24),
    )

    # 3. Filed online by the enterprise on the public portal (no login): 异议处理中 at once.
    drugs = _penalty("北关市监罚〔2026〕105号")
    online = objections.file_objection(
        actor=None,
        record=drugs,
        channel=Channel.ONLINE,
        category=Objection.Category.MISSING,
        description=(
            "公示的处罚内容未载明没收违法所得金额。北关市监罚〔2026〕105号行政处罚决定书载明"
            "没收违法所得 3860 元，我公司已于 2026 年 4 月 28 日连同罚款一并缴清。"
        ),
        requested_change="补充载明没收违法所得金额 0.386 万元。",
        applicant_name=drugs.subject.name,
        applicant_identifier=drugs.subject.identifier,
        applicant_phone="0372-5987210",
        received_on=date(2026, 11, 25),
    )

    # 4. Repair approved: notice served with the decision, online application, materials
    # complete, the provider agrees, the office approves (publicity ends), result synced.
    catering = _penalty("北关市监罚〔2026〕103号")
    _serve_with_decision(reporter, catering)
    approved = repair.apply_for_repair(
        actor=None,
        record=catering,
        channel=Channel.ONLINE,
        applicant_name=catering.subject.name,
        applicant_phone="0372-3229066",
        subject_identifier=catering.subject.identifier,
        fulfilment_statement=(
            "已于 2026 年 3 月 20 日缴纳罚款 1.2 万元；已销毁过期原料，建立原料进货查验和临期"
            "食品清理台账，2026 年 4 月 10 日经区市场监管局复查合格。"
        ),
        commitment_accepted=True,
        submitted_on=date(2026, 4, 20),
    )
    repair.mark_complete(actor=admin, application=approved, complete=True, on=date(2026, 4, 21))
    repair.provider_review(
        actor=reviewer,
        application=approved,
        agrees=True,
        opinion="经核查，当事人已全额缴纳罚款，违法行为已整改到位，复查未发现同类问题，同意信用修复。",
        on=date(2026, 4, 23),
    )
    repair.decide_repair(
        actor=admin,
        application=approved,
        approve=True,
        reason=(
            "当事人已履行行政处罚决定规定的义务，纠正了违法行为并作出信用修复承诺，"
            "提供单位同意修复，符合信用修复条件。"
        ),
        on=date(2026, 4, 28),
    )
    approved = repair.record_sync(actor=admin, application=approved, on=date(2026, 4, 30))

    # 5. Repair pending: complete on 11-17, awaiting 区市场监管局's review.
    trade = _penalty("北关市监罚〔2026〕108号")
    _serve_with_decision(reporter, trade)
    pending = repair.apply_for_repair(
        actor=None,
        record=trade,
        channel=Channel.ONLINE,
        applicant_name=trade.subject.name,
        applicant_phone="0372-2185360",
        subject_identifier=trade.subject.identifier,
        fulfilment_statement=(
            "已于 2026 年 10 月 20 日缴纳罚款 0.8 万元，并于 10 月 23 日补报公示 2025 年度报告；"
            "现因参加政府采购项目投标，申请信用修复。"
        ),
        commitment_accepted=True,
        submitted_on=date(2026, 11, 16),
    )
    pending = repair.mark_complete(
        actor=admin, application=pending, complete=True, on=date(2026, 11, 17)
    )
    assert approved.status == RepairApplication.Status.APPROVED
    due = repair.decision_due(pending)
    return (
        f"异议 3 件（{kept.get_outcome_display()} 1、{waiting.get_status_display()} 1、"
        f"网上{online.get_status_display()} 1），信用修复申请 2 件（准予修复 1、"
        f"{pending.get_status_display()} 1，{due:%m-%d} 前决定），告知书送达 2 份"
    )
