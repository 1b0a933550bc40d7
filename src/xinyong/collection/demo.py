"""Demo credit records for `xinyong init --demo`: penalties and licences of 2026 from a
few district units, reported through the one pipeline (collection.services.ingest_rows)
with realistic report dates — some on time, some late — so that rates, warnings, the
portal, publicity windows and repair notices all have something true to show.

Idempotent: the data set is recognised by its first document number and skipped when
present. Everything is synthetic; the subjects come from subjects/demo.py.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import transaction

from xinyong.core import calendar
from xinyong.core.bootstrap import demo_loader
from xinyong.orgs.services import resolve_unit
from xinyong.records.models import CreditRecord
from xinyong.subjects.demo import demo_subject, demo_uscc
from xinyong.subjects.models import Subject

from . import quality
from .services import ingest_rows

# The deciding units' own (synthetic, valid) codes: authority 1, category 1 (机关).
_UNITS = {
    "区市场监管局": ("安阳市北关区市场监督管理局", demo_uscc("11", "00582659")),
    "区住建局": ("安阳市北关区住房和城乡建设局", demo_uscc("11", "00582712")),
    "区应急局": ("安阳市北关区应急管理局", demo_uscc("11", "00582729")),
    "区生态环境局": ("安阳市北关区生态环境分局", demo_uscc("11", "00582737")),
    "区人社局": ("安阳市北关区人力资源和社会保障局", demo_uscc("11", "00582745")),
}
_MARKER = "北关市监罚〔2026〕101号"

# (unit, number, subject name, decided, workdays until reported, kinds, fine 万元, act, basis)
_PENALTIES: list[tuple[str, str, str, date, int, str, str, str, str]] = [
    (
        "区市场监管局",
        "北关市监罚〔2026〕101号",
        "安阳市鑫源食品有限公司",
        date(2026, 1, 8),
        3,
        "罚款",
        "0.5",
        "生产经营不符合食品安全标准的食品",
        "《中华人民共和国食品安全法》第一百二十四条",
    ),
    (
        "区市场监管局",
        "北关市监罚〔2026〕102号",
        "北关区老张烩面馆",
        date(2026, 2, 5),
        4,
        "警告",
        "",
        "未按规定公示食品经营许可证",
        "《中华人民共和国食品安全法》第一百二十六条",
    ),
    (
        "区市场监管局",
        "北关市监罚〔2026〕103号",
        "安阳市洹水餐饮管理有限公司",
        date(2026, 3, 10),
        5,
        "罚款",
        "1.2",
        "使用超过保质期的食品原料",
        "《中华人民共和国食品安全法》第一百二十四条",
    ),
    (
        "区市场监管局",
        "北关市监罚〔2026〕105号",
        "安阳彰德医药连锁有限公司",
        date(2026, 4, 14),
        12,
        "罚款；没收违法所得",
        "2",
        "销售劣药",
        "《中华人民共和国药品管理法》第一百一十七条",
    ),
    (
        "区市场监管局",
        "北关市监罚〔2026〕106号",
        "北关区安心药房",
        date(2026, 6, 2),
        6,
        "警告",
        "",
        "未按规定建立药品购进记录",
        "《中华人民共和国药品管理法》第一百三十条",
    ),
    (
        "区市场监管局",
        "北关市监罚〔2026〕107号",
        "安阳市北关区万家福超市有限公司",
        date(2026, 9, 28),
        9,
        "罚款",
        "0.3",
        "价格标示不规范",
        "《中华人民共和国价格法》第四十二条",
    ),
    (
        "区市场监管局",
        "北关市监罚〔2026〕108号",
        "安阳市北关区恒达商贸有限公司",
        date(2026, 10, 12),
        2,
        "罚款",
        "0.8",
        "未按规定公示年度报告",
        "《企业信息公示暂行条例》第十八条",
    ),
    (
        "区应急局",
        "北关应急罚〔2026〕21号",
        "安阳市北关区建材供销有限责任公司",
        date(2026, 3, 20),
        4,
        "罚款",
        "3",
        "未按规定开展安全生产教育和培训",
        "《中华人民共和国安全生产法》第九十七条",
    ),
    (
        "区应急局",
        "北关应急罚〔2026〕22号",
        "安阳北关豫安建筑工程有限公司",
        date(2026, 7, 15),
        11,
        "罚款；责令停产停业",
        "5",
        "未采取措施消除事故隐患",
        "《中华人民共和国安全生产法》第一百零二条",
    ),
    (
        "区生态环境局",
        "北关环罚〔2026〕7号",
        "安阳文峰再生资源回收有限公司",
        date(2026, 5, 11),
        5,
        "罚款",
        "2.5",
        "未采取防治扬尘污染措施",
        "《中华人民共和国大气污染防治法》第一百零八条",
    ),
    (
        "区人社局",
        "北关人社罚〔2026〕3号",
        "安阳市北关区安顺运输有限公司",
        date(2026, 8, 3),
        7,
        "罚款",
        "0.6",
        "未按规定支付劳动者工资",
        "《保障农民工工资支付条例》第五十五条",
    ),
]
# (unit, number, subject name, decided, workdays until reported, licence, content)
_LICENCES: list[tuple[str, str, str, date, int, str, str]] = [
    (
        "区市场监管局",
        "JY24105030001234",
        "安阳市洹水餐饮管理有限公司",
        date(2026, 2, 3),
        2,
        "食品经营许可证",
        "热食类食品制售",
    ),
    (
        "区市场监管局",
        "JY24105030001301",
        "北关区红旗路诚信便利店",
        date(2026, 4, 20),
        3,
        "食品经营许可证",
        "预包装食品销售",
    ),
    (
        "区住建局",
        "410503202605120101",
        "安阳北关豫安建筑工程有限公司",
        date(2026, 5, 12),
        4,
        "建筑工程施工许可证",
        "北关区灯塔路社区综合服务中心工程",
    ),
    (
        "区住建局",
        "410503202609150102",
        "安阳市北关区红旗路物业服务有限公司",
        date(2026, 9, 15),
        10,
        "建筑工程施工许可证",
        "红旗路小区二次供水改造工程",
    ),
    (
        "区市场监管局",
        "JY24105030001388",
        "安阳市北关区万家福超市有限公司",
        date(2026, 10, 20),
        3,
        "食品经营许可证",
        "预包装食品、散装食品销售",
    ),
]


def _party(subject: Subject, prefix: str) -> dict[str, str]:
    kind = "个体工商户" if subject.kind == "individual_business" else "法人及非法人组织"
    return {
        f"{prefix}_XDR_MC": subject.name,
        f"{prefix}_XDR_LB": kind,
        f"{prefix}_XDR_SHXYM": subject.identifier,
        ("CF_FRDB" if prefix == "CF" else "XK_FRDB"): "王建军",
    }


def _reported(decided: date, workdays: int) -> date:
    return calendar.add_workdays(decided, workdays)


@demo_loader(30, "信用记录")
@transaction.atomic
def load_demo_records() -> str:
    if CreditRecord.objects.filter(document_number=_MARKER).exists():
        return "已存在，跳过"
    batches: dict[tuple[str, str, date], list[dict[str, Any]]] = defaultdict(list)
    for unit, number, name, decided, delay, kinds, fine, act, basis in _PENALTIES:
        office, code = _UNITS[unit]
        row = {
            **_party(demo_subject(name), "CF"),
            "CF_WSH": number,
            "CF_WFXW": act,
            "CF_SY": f"经查，当事人{act}，违反了有关规定。",
            "CF_YJ": basis,
            "CF_CFLB": kinds,
            "CF_NR": f"{kinds}" + (f"，罚款{fine}万元" if fine else ""),
            "CF_NR_FK": fine,
            "CF_JDRQ": decided.isoformat(),
            "CF_CFJG": office,
            "CF_CFJGDM": code,
            "CF_SJLY": office,
            "CF_SJLYDM": code,
        }
        batches[(unit, "XZCF", _reported(decided, delay))].append(row)
    for unit, number, name, decided, delay, licence, content in _LICENCES:
        office, code = _UNITS[unit]
        row = {
            **_party(demo_subject(name), "XK"),
            "XK_XKWS": f"{licence}准予许可决定书",
            "XK_WSH": number,
            "XK_XKLB": "普通",
            "XK_XKZS": licence,
            "XK_XKBH": number,
            "XK_NR": content,
            "XK_JDRQ": decided.isoformat(),
            "XK_YXQZ": decided.isoformat(),
            "XK_YXQZI": decided.replace(year=decided.year + 5).isoformat(),
            "XK_XKJG": office,
            "XK_XKJGDM": code,
            "XK_LYDW": office,
            "XK_LYDWDM": code,
        }
        batches[(unit, "XZXK", _reported(decided, delay))].append(row)

    accepted = late = 0
    for (unit_name, type_code, reported_on), rows in sorted(
        batches.items(), key=lambda kv: kv[0][2]
    ):
        result = ingest_rows(
            actor=None,
            unit=resolve_unit(unit_name),
            record_type=type_code,
            rows=rows,
            reported_on=reported_on,
        )
        if result.rejected:
            raise RuntimeError(f"演示数据被拒收：{result.errors[0].message}")
        accepted += result.accepted
        late += result.late

    market = resolve_unit("区市场监管局")
    for month, declared in ((9, 1), (10, 2)):
        quality.declare_month(
            actor=None,
            unit=market,
            record_type=_type("XZCF"),
            year=2026,
            month=month,
            count=declared,
        )
    for month in (9, 10):
        quality.run_checks(year=2026, month=month, today=date(2026, 11, 25))
    return f"{accepted} 条记录（其中迟报 {late} 条），区市场监管局 9–10 月申报数"


def _type(code: str) -> Any:
    from xinyong.catalog.models import RecordType

    return RecordType.objects.get(code=code)


_SPOT_PERIOD = "2026-10"
# A fixed seed keeps the demo the same on every installation (the draw is re-checkable
# from it like any other).
_SPOT_SEED = "5d1c0f3a9b7e42c6a8f0e1d2c3b4a596"


@demo_loader(35, "公示信息抽查")
@transaction.atomic
def load_demo_spot_check() -> str:
    """October 2026's spot check (2023 work plan, task 4): 区市场监管局's three records,
    one 合格, one 不合格 with the unit's 整改 reply awaiting the office, one 待核查."""
    from xinyong.orgs.models import Role, User

    from . import spot_checks
    from .models import SpotCheck

    if SpotCheck.objects.filter(period=_SPOT_PERIOD).exists():
        return "已存在，跳过"
    if not CreditRecord.objects.filter(document_number=_MARKER).exists():
        return "无演示信用记录，跳过"
    from xinyong.orgs import permissions

    # The demo accounts act where they still hold their roles; otherwise the system does.
    admin = User.objects.filter(username="admin").first()
    if not permissions.is_credit_admin(admin):
        admin = None
    reporter = User.objects.filter(username="reporter_scj").first()
    market = resolve_unit("区市场监管局")
    if permissions.role_of(reporter) != Role.REPORTER or reporter.unit_id != market.pk:  # type: ignore[union-attr]
        reporter = None
    check = spot_checks.draw(
        actor=admin,
        period=_SPOT_PERIOD,
        per_unit=spot_checks.DEFAULT_PER_UNIT,
        seed=_SPOT_SEED,
        note="演示：2026年10月部门公示信息抽查",
        today=date(2026, 11, 25),
    )
    items = {i.record.document_number: i for i in check.items.select_related("record")}
    failed = items.get("北关市监罚〔2026〕108号")
    if failed is not None:
        spot_checks.record_verdict(
            actor=admin,
            item=failed,
            verdict="failed",
            problems=["vague_facts"],
            note="违法事实只写“未按规定公示年度报告”，未写明所涉年度和逾期情况。",
        )
        spot_checks.reply(
            actor=reporter,
            item=failed,
            text="已补充违法事实（2025年度报告逾期未公示），于2026年11月20日重新报送更正该记录。",
        )
    passed = items.get("JY24105030001388")
    if passed is not None:
        spot_checks.record_verdict(actor=admin, item=passed, verdict="passed")
    return f"{check}：抽取 {len(items)} 条，1 条不合格已回复整改"
