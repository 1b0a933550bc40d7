"""Demo 联合奖惩核查, 失信事件 and 典型案例 for `xinyong init --demo`, through the services
after the lists (order 40), dated November 2026: 区市场监管局 checks the wage-arrears
entry's subject before a licence (measures returned, feedback given), the court-listed
subject before a 告知承诺 registration (feedback pending) and a subject on no list (no
hit); a typical case written from the first check and published; a dishonesty event
from monitoring assigned, handled and published, and a second one assigned and open; and
one API token for 区市场监管局's system account (the account its reporter's data system
uses; the token's key is not printed). Idempotent: skipped when the first check exists."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from xinyong.core.bootstrap import demo_loader
from xinyong.orgs import services as orgs
from xinyong.orgs.models import User
from xinyong.orgs.services import resolve_unit
from xinyong.subjects.demo import demo_subject

from . import checks, events
from .models import Check, CheckMeasure

_FIRST_REFERENCE = "北关市监许受〔2026〕0318号"
_TOKEN_NAME = "市场监管执法办案系统数据报送"


@demo_loader(45, "联合奖惩核查与失信事件")
@transaction.atomic
def load_demo_checks() -> str:
    if Check.objects.filter(matter_reference=_FIRST_REFERENCE).exists():
        return "已存在，跳过"
    admin = User.objects.get(username="admin")
    reporter = User.objects.get(username="reporter_scj")
    reviewer = User.objects.get(username="reviewer_scj")
    market = resolve_unit("区市场监管局")

    # 发起响应 → 信息推送 → 执行反馈: the wage-arrears entry (names/demo order 40).
    wages = checks.run_check(
        actor=reporter,
        unit=market,
        subject=demo_subject("安阳北关豫安建筑工程有限公司"),
        matter="LICENSING",
        reference=_FIRST_REFERENCE,
        on=date(2026, 11, 9),
    )
    reasons = {
        "P-WAGES": "依法从严审查：不适用容缺受理和告知承诺，要求补齐全部申请材料后再予审查。",
        "P-SUPERVISION": "已列为重点监管对象，纳入本局第四季度“双随机”抽查的重点检查名单。",
    }
    checks.submit_feedback(
        actor=reporter,
        check=wages,
        items={
            row.pk: (CheckMeasure.Action.APPLIED, reasons.get(row.measure.code, "已依法实施。"))
            for row in checks.check_measures(wages)
        },
        on=date(2026, 11, 12),
    )
    # The court's 失信被执行人 entry, before a registration by 告知承诺: feedback pending.
    court = checks.run_check(
        actor=reporter,
        unit=market,
        subject=demo_subject("安阳市北关区安顺运输有限公司"),
        matter="COMMITMENT_APPROVAL",
        reference="北关市监登受〔2026〕1127号（住所变更登记）",
        on=date(2026, 11, 23),
    )
    # A subject on no list: nothing applies, no feedback needed.
    clean = checks.run_check(
        actor=reporter,
        unit=market,
        subject=demo_subject("安阳市北关区恒达商贸有限公司"),
        matter="PROCUREMENT",
        reference="北关区政府采购项目 BGCG-2026-046 供应商资格审查",
        on=date(2026, 11, 24),
    )

    case = checks.write_case(
        actor=reviewer,
        unit=market,
        title="区市场监管局对拖欠农民工工资失信主体实施联合惩戒",
        body=(
            "2026年11月9日，安阳北关豫安建筑工程有限公司向区市场监管局申请办理行政许可。"
            "受理前经区公共信用信息平台联合奖惩核查，该公司因拖欠农民工工资52万元、经责令"
            "限期支付逾期仍未支付，已被区人社局列入拖欠农民工工资失信联合惩戒对象名单"
            "（北关人社拖欠认〔2026〕2号）。区市场监管局依据《保障农民工工资支付条例》"
            "第四十八条，对其申请依法从严审查，不适用容缺受理和告知承诺，并将其列为重点监管"
            "对象、提高抽查比例，于11月12日通过平台反馈了措施执行情况。"
            "本案做到了核查在前、依法惩戒、及时反馈，体现了“一处失信、处处受限”。"
        ),
        check=wages,
    )
    checks.publish_case(actor=admin, case=case, on=date(2026, 11, 18))

    # 失信事件: registered from monitoring, assigned, handled by the unit, published.
    event = events.register_event(
        actor=admin,
        title="万家福超市“双十一”促销涉嫌先提价后打折",
        source="互联网舆情监测（区信用办）",
        description=(
            "11月12日网络舆情监测发现，有消费者反映安阳市北关区万家福超市有限公司"
            "“双十一”促销期间部分商品标示的“原价”高于此前实际售价。"
        ),
        detected_on=date(2026, 11, 12),
        subject=demo_subject("安阳市北关区万家福超市有限公司"),
    )
    events.assign_event(actor=admin, event=event, unit=market, on=date(2026, 11, 12))
    events.record_handling(
        actor=reporter,
        event=event,
        handling=(
            "11月13日执法人员现场检查，查实3种商品促销标示的原价高于促销前7日内最低成交价，"
            "已责令立即改正，并立案调查（北关市监立〔2026〕58号）。"
        ),
        on=date(2026, 11, 17),
    )
    events.publish_event(
        actor=admin,
        event=event,
        public_text=(
            "区市场监管局已对安阳市北关区万家福超市有限公司“双十一”促销价格标示问题现场检查，"
            "责令立即改正并依法立案调查，处理结果将依法公示。"
        ),
        on=date(2026, 11, 20),
    )
    open_event = events.register_event(
        actor=admin,
        title="12345热线反映豫安建筑工程工地拖欠农民工工资",
        source="12345政务服务便民热线",
        description=(
            "11月23日12345热线转来诉求：安阳北关豫安建筑工程有限公司承建的灯塔路社区"
            "综合服务中心工程拖欠12名农民工10月份工资。"
        ),
        detected_on=date(2026, 11, 23),
        subject=demo_subject("安阳北关豫安建筑工程有限公司"),
    )
    events.assign_event(
        actor=admin, event=open_event, unit=resolve_unit("区人社局"), on=date(2026, 11, 23)
    )

    # The unit's data system reports through the API with a token of its system account;
    # the key is shown only to whoever issues a token, never in this summary.
    token, _key = orgs.issue_unit_token(actor=reviewer, unit=market, name=_TOKEN_NAME)

    wages.refresh_from_db()
    court.refresh_from_db()
    return (
        f"区市场监管局核查 3 次（命中 2 次：{wages.get_feedback_status_display()} 1 次、"
        f"{court.get_feedback_status_display()} 1 次；未命中 {int(not clean.hit)} 次），"
        f"典型案例 1 篇（已发布），失信事件 2 件（已公布 1 件、已交办 1 件），"
        f"接口令牌 1 个（{token.user.username}）"
    )
