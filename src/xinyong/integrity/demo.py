"""Demo 政务诚信 data for `xinyong init --demo`, through the services with dates in 2026:
units linked to their registered codes, a school and a service centre under their
departments, a town government listed as 失信被执行人 (the alert and the 履约督办 case
follow from the sanctions signal), a pending enforcement case with 通报 and 约谈, arrears
cases (one partly paid, one cleared), government commitments (kept, pending, broken by a
new leadership, with a complaint), manual scores and a stored evaluation. Idempotent:
skipped when the first arrears case exists."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from xinyong.core.bootstrap import demo_loader
from xinyong.orgs.models import User
from xinyong.orgs.services import resolve_unit
from xinyong.sanctions.demo import court_listing
from xinyong.subjects.demo import demo_subject

from . import evaluation, services
from .models import ArrearsCase, GovernmentBody, Indicator

_FIRST_PROJECT = "柏庄镇农村人居环境整治工程（二期）"


def _link(admin: User, unit: str, kind: str, subject_name: str) -> GovernmentBody:
    s = demo_subject(subject_name)
    return services.register_body(
        actor=admin, unit=unit, kind=kind, name=s.name, identifier=s.identifier, on=date(2026, 2, 2)
    )


@demo_loader(60, "政务诚信")
@transaction.atomic
def load_demo_integrity() -> str:
    if ArrearsCase.objects.filter(project=_FIRST_PROJECT).exists():
        return "已存在，跳过"
    admin = User.objects.get(username="admin")
    scj = _link(admin, "区市场监管局", "organ", "安阳市北关区市场监督管理局")
    _link(admin, "区发改委", "organ", "安阳市北关区发展和改革委员会")
    hql = _link(admin, "红旗路街道", "organ", "安阳市北关区人民政府红旗路街道办事处")
    bzz = _link(admin, "柏庄镇", "organ", "安阳市北关区柏庄镇人民政府")
    school = _link(admin, "区教育局", "institution", "安阳市北关区第一实验小学")
    _link(admin, "区政务服务和大数据局", "institution", "安阳市北关区政务服务中心")
    _link(admin, "区商务局", "soe", "安阳市北关区建材供销有限责任公司")

    # A pending enforcement case warns before any finding; 通报 and 约谈 follow.
    case = services.create_case(
        actor=admin,
        body=school,
        kind="enforcement",
        title="校舍维修工程款纠纷执行案",
        case_number="（2026）豫0503执0762号",
        authority="安阳市北关区人民法院",
        counterparty="安阳北关豫安建筑工程有限公司",
        amount_wan="18.40",
        opened_on=date(2026, 5, 18),
        due_on=date(2026, 8, 31),
        description="判决已生效，被执行人尚未支付工程尾款及利息。",
    )
    services.add_step(
        actor=admin,
        case=case,
        kind="notice",
        on=date(2026, 9, 8),
        note="在全区信用工作推进会上通报未结执行案件。",
    )
    services.add_step(
        actor=admin,
        case=case,
        kind="interview",
        on=date(2026, 9, 15),
        note="约谈区教育局分管负责人，要求 10 月底前履行完毕。",
    )
    services.add_step(
        actor=admin,
        case=case,
        kind="supervise",
        on=date(2026, 10, 30),
        note="督办：已支付 10 万元，余款列入 11 月资金计划。",
    )

    assert bzz.subject is not None
    # The court lists 柏庄镇人民政府 (pushed from upstream): the sanctions signal raises the
    # alert and the case.
    court_listing(
        actor=admin,
        subject=bzz.subject,
        case_number="（2026）豫0503执1187号",
        published_on=date(2026, 10, 12),
        obligation="支付工程款 56.8 万元",
        head="王某",
    )

    owed = services.register_arrears(
        actor=admin,
        body=bzz,
        creditor_name="安阳北关豫安建筑工程有限公司",
        creditor_code=demo_subject("安阳北关豫安建筑工程有限公司").identifier,
        creditor_kind="private",
        project=_FIRST_PROJECT,
        amount_wan="56.80",
        due_on=date(2026, 3, 31),
        registered_on=date(2026, 4, 20),
        source="complaint",
        note="企业通过 12345 热线反映工程验收合格后逾期未付款。",
    )
    services.record_payment(
        actor=admin, case=owed, paid_on=date(2026, 7, 15), amount_wan="20.00", note="第一笔"
    )
    cleared = services.register_arrears(
        actor=admin,
        body=scj,
        creditor_name="安阳市北关区恒达商贸有限公司",
        creditor_code=demo_subject("安阳市北关区恒达商贸有限公司").identifier,
        creditor_kind="sme",
        project="2025 年执法装备采购",
        amount_wan="12.50",
        due_on=date(2025, 11, 30),
        registered_on=date(2026, 1, 10),
        source="survey",
    )
    services.record_payment(
        actor=admin, case=cleared, paid_on=date(2026, 5, 20), amount_wan="12.50", note="一次性结清"
    )

    kept = services.record_commitment(
        actor=admin,
        body=scj,
        kind="service",
        title="企业开办一日办结",
        content="材料齐全的，营业执照、公章刻制、发票申领一日内办结。",
        made_on=date(2026, 1, 5),
        due_on=date(2026, 6, 30),
        published=True,
    )
    services.assess_commitment(
        actor=admin,
        commitment=kept,
        status="fulfilled",
        note="上半年 1,236 户企业开办平均用时 0.6 天。",
        on=date(2026, 7, 3),
    )
    services.record_commitment(
        actor=admin,
        body=GovernmentBody.objects.get(
            unit=resolve_unit("区教育局"), kind=GovernmentBody.Kind.ORGAN
        ),
        kind="pledge",
        title="区教育局政务诚信承诺书",
        content="依法履行合同约定，及时支付中小企业款项，不以换届、领导人员更替为由违约毁约。",
        made_on=date(2026, 3, 1),
        published=True,
    )
    broken = services.record_commitment(
        actor=admin,
        body=hql,
        kind="contract",
        title="老旧小区改造配套工程补助款",
        content="改造完工验收后 60 日内拨付配套补助款 35 万元。",
        counterparty="安阳市北关区红旗路物业服务有限公司",
        document_ref="红政协〔2024〕12号",
        made_on=date(2024, 5, 10),
        due_on=date(2026, 2, 28),
    )
    complaint = services.file_complaint(
        actor=admin,
        commitment=broken,
        received_on=date(2026, 4, 2),
        complainant="安阳市北关区红旗路物业服务有限公司",
        phone="0372-5912345",
        content="工程已于 2025 年 12 月验收，补助款至今未拨付，街道称系前任班子承诺。",
    )
    services.assess_commitment(
        actor=admin,
        commitment=broken,
        status="broken",
        note="经核实，街道以领导调整为由未拨付，认定违约。",
        on=date(2026, 5, 6),
        new_official=True,
    )
    services.answer_complaint(
        actor=admin,
        complaint=complaint,
        substantiated=True,
        reply="投诉属实，已转入履约督办。",
        on=date(2026, 5, 8),
    )

    system = evaluation.get_system(2026)
    scores = {
        "区市场监管局": ("9", "8.5", "7.5"),
        "区发改委": ("9.5", "9", "7"),
        "红旗路街道": ("6", "6.5", "5"),
        "柏庄镇": ("5", "6", "5.5"),
        "区教育局": ("8", "8", "6.5"),
    }
    manual = list(
        system.indicators.filter(method=Indicator.Method.MANUAL, parent__isnull=False).order_by(
            "sort_order"
        )
    )
    for unit_name, values in scores.items():
        for indicator, score in zip(manual, values, strict=True):
            evaluation.set_manual_score(
                actor=admin,
                indicator=indicator,
                unit=unit_name,
                score=score,
                evidence=f"{unit_name} 2026 年度{indicator.name}检查记录（区政府督查室，2026-11）。",
                on=date(2026, 11, 18),
            )
    result = evaluation.evaluate(actor=admin, year=2026, as_of=date(2026, 11, 20))
    warned = sum(1 for r in result.rows if r.warning)
    return (
        "政务诚信主体 7 个、失信被执行人政府机构 1 个（已预警）、未结执行案件 1 件、"
        f"拖欠账款 2 笔、政府承诺 3 项、2026 年评价 {len(result.rows)} 个单位（预警 {warned} 个）"
    )
