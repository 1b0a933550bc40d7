"""Demo credit commitments for `xinyong init --demo`: commitments that demo enterprises
made to 区市场监管局 under its shipped matter list (食品经营许可 容缺受理型 and 证明事项型,
经营主体信用承诺 主动公示型), through the services with dates in 2026:

- 安阳市洹水餐饮管理有限公司, 容缺受理型, supplemented in time → 全部履行;
- 北关区红旗路诚信便利店, 证明事项型, 实地核查 → 全部履行;
- 北关区老张烩面馆, 证明事项型 (licence renewal), still 待核查;
- 安阳市北关区万家福超市有限公司, 主动公示型 through the public window (confirmed with
  its on-screen code), broken by a price-labelling penalty → 全部未履行, which stores a
  信用承诺违诺信息 (CNWN) record through the collection pipeline.

The committers are on no serious-dishonesty list (the sanctions demo lists 安阳市北关区安顺
运输有限公司 and 安阳北关豫安建筑工程有限公司): 国办发〔2020〕42号 bars those from 告知承诺.
Idempotent: skipped when the first commitment exists."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from xinyong.core.bootstrap import demo_loader
from xinyong.orgs.models import User
from xinyong.orgs.services import resolve_unit
from xinyong.subjects.demo import demo_subject

from . import services
from .models import Commitment, CommitmentMatter, Kind

_UNIT = "区市场监管局"
_FIRST = ("安阳市洹水餐饮管理有限公司", date(2026, 1, 27))


def _matter(name: str, kind: str) -> CommitmentMatter:
    return CommitmentMatter.objects.get(unit=resolve_unit(_UNIT), name=name, kind=kind)


def _record(
    actor: User, *, name: str, kind: str, matter: CommitmentMatter, reason: str, made_on: date
) -> Commitment:
    return services.record_commitment(
        actor=actor,
        unit=_UNIT,
        item=services.CommitmentInput(
            kind=kind,
            committer_name=name,
            committer_code=demo_subject(name).identifier,
            reason=reason,
            made_on=made_on,
            matter=matter,
        ),
    )


@demo_loader(42, "信用承诺")
@transaction.atomic
def load_demo_commitments() -> str:
    name, made_on = _FIRST
    if Commitment.objects.filter(
        committer_name=name, made_on=made_on, kind=Kind.DEFICIENCY
    ).exists():
        return "已存在，跳过"
    # The unit's clerk records commitments; its reviewer records the verification.
    reporter = User.objects.get(username="reporter_scj")
    reviewer = User.objects.get(username="reviewer_scj")
    deficiency = _matter("食品经营许可", Kind.DEFICIENCY)
    certificate = _matter("食品经营许可", Kind.CERTIFICATE)
    voluntary = _matter("经营主体信用承诺", Kind.VOLUNTARY)

    # 容缺受理: materials made good within 5 working days, licence JY24105030001234 issued.
    supplemented = _record(
        reporter,
        name=name,
        kind=Kind.DEFICIENCY,
        matter=deficiency,
        reason="食品经营许可（热食类食品制售）容缺受理",
        made_on=made_on,
    )
    services.record_fulfilment(
        actor=reviewer,
        commitment=supplemented,
        status="全部履行",
        evidence=(
            "申请人于 2026 年 1 月 30 日补交食品安全管理制度文本、主要设备设施布局及操作流程"
            "说明，经书面核查符合要求；2 月 3 日核发食品经营许可证（JY24105030001234）。"
        ),
        verified_on=date(2026, 2, 2),
    )

    # 证明事项告知承诺: verified on site within the matter's 20 working days.
    certified = _record(
        reporter,
        name="北关区红旗路诚信便利店",
        kind=Kind.CERTIFICATE,
        matter=certificate,
        reason="食品经营许可（预包装食品销售）证明事项告知承诺",
        made_on=date(2026, 4, 14),
    )
    services.record_fulfilment(
        actor=reviewer,
        commitment=certified,
        status="全部履行",
        evidence=(
            "2026 年 5 月 12 日实地核查：经营场所使用权、布局与承诺一致，从业人员健康证明齐全，"
            "承诺属实；许可证 JY24105030001301 维持有效。"
        ),
        verified_on=date(2026, 5, 12),
    )

    # Awaiting the on-site check (due 20 working days after the commitment).
    pending = _record(
        reporter,
        name="北关区老张烩面馆",
        kind=Kind.CERTIFICATE,
        matter=certificate,
        reason="食品经营许可证延续（热食类食品制售）证明事项告知承诺",
        made_on=date(2026, 11, 23),
    )

    # 主动公示型 through the portal's window, confirmed with the code shown on screen.
    started, shown = services.start_public_commitment(
        matter=voluntary,
        uscc=demo_subject("安阳市北关区万家福超市有限公司").identifier,
        name="安阳市北关区万家福超市有限公司",
        accepted=True,
        on=date(2026, 3, 16),
    )
    published = services.confirm_public_commitment(commitment=started, response=shown)
    broken = services.record_fulfilment(
        actor=reviewer,
        commitment=published,
        status="全部未履行",
        evidence=("北关市监罚〔2026〕107号行政处罚决定书；2026 年 11 月信用承诺公示核查记录。"),
        unfulfilled_content=(
            "承诺“明码标价”，但于 2026 年 9 月因价格标示不规范被区市场监管局行政处罚"
            "（北关市监罚〔2026〕107号）。"
        ),
        liability_action=(
            "违诺情况记入信用记录并向社会公开；列为 2027 年度“双随机、一公开”抽查重点对象。"
        ),
        verified_on=date(2026, 11, 20),
    )
    assert broken.breach_record is not None
    return (
        f"区市场监管局信用承诺 4 项（全部履行 2、待核查 1〔{pending.code}〕、全部未履行 1），"
        f"违诺失信信息 1 条（{broken.breach_record.document_number}）"
    )
