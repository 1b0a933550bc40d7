"""Builders for the repair and notice tests: penalty records stored through the real
ingestion pipeline, which announces them with records.signals.batch_stored."""

from __future__ import annotations

from datetime import date
from typing import Any

from stdnum.cn import uscc

from xinyong.collection.services import ingest_rows
from xinyong.orgs.models import Role, Unit, User
from xinyong.orgs.services import resolve_unit_name
from xinyong.records.models import CreditRecord
from xinyong.rights import repair
from xinyong.rights.models import Channel, RepairApplication

ORG_USCC = "91512081MA62K0260E"  # DOMAIN.md §2 example, valid
PERSON_ID = "11010519491231002X"  # DOMAIN.md §2 example, valid
DECIDER_USCC = "11410503MB1234567" + uscc.calc_check_digit("11410503MB1234567")
UNIT = "区生态环境局"
OTHER_UNIT = "区交通运输局"
PASSWORD = "Xinyong@Test2026"


def unit(name: str = UNIT) -> Unit:
    found = resolve_unit_name(name)
    assert isinstance(found, Unit)
    return found


def penalty_row(n: int = 1, decided: str = "2026-03-10", **overrides: Any) -> dict[str, Any]:
    # An environmental penalty: no sector rule applies, so 国办发〔2025〕22号 一般 governs
    # (3 months minimum, 1 year maximum, counted from the decision date).
    row: dict[str, Any] = {
        "CF_XDR_MC": "安阳市北关区某某化工有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": ORG_USCC,
        "CF_FRDB": "张三",
        "CF_WSH": f"北关环罚〔2026〕{n}号",
        "CF_WFXW": "超标排放大气污染物",
        "CF_SY": "经查，当事人排放的大气污染物超过排放标准。",
        "CF_YJ": "《中华人民共和国大气污染防治法》第九十九条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款5万元",
        "CF_NR_FK": "5",
        "CF_JDRQ": decided,
        "CF_CFJG": "安阳市北关区生态环境局",
        "CF_CFJGDM": DECIDER_USCC,
        "CF_SJLY": "安阳市北关区生态环境局",
        "CF_SJLYDM": DECIDER_USCC,
    }
    row.update(overrides)
    return row


def person_penalty_row(n: int = 1, **overrides: Any) -> dict[str, Any]:
    return penalty_row(
        n,
        CF_XDR_MC="李四",
        CF_XDR_LB="自然人",
        CF_XDR_SHXYM="",
        CF_FRDB="",
        CF_XDR_ZJLX="身份证",
        CF_XDR_ZJHM=PERSON_ID,
        **overrides,
    )


def store(
    rows: list[dict[str, Any]], *, reported_on: date = date(2026, 3, 12), unit_name: str = UNIT
) -> Any:
    result = ingest_rows(
        actor=None, unit=unit_name, record_type="行政处罚", rows=rows, reported_on=reported_on
    )
    assert result.rejected == 0, [e.as_dict() for e in result.errors]
    return result


def record(n: int = 1) -> CreditRecord:
    return CreditRecord.objects.select_related("record_type", "subject", "source_unit").get(
        document_number=f"北关环罚〔2026〕{n}号"
    )


def make_user(username: str, role: str, unit_name: str | None = UNIT, **extra: Any) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        unit=unit(unit_name) if unit_name else None,
        **extra,
    )


def staff() -> dict[str, User]:
    return {
        "admin": make_user("xyb", Role.CREDIT_ADMIN, None, is_staff=True),
        "reporter": make_user("hbj", Role.REPORTER),
        "reviewer": make_user("hbjsh", Role.REVIEWER),
        "other": make_user("jtj", Role.REPORTER, OTHER_UNIT),
        "leader": make_user("ld", Role.LEADER, None),
    }


def apply(r: CreditRecord, on: date = date(2026, 9, 22), **kw: Any) -> RepairApplication:
    """An online repair application by the penalised firm, submitted on `on`."""
    values: dict[str, Any] = {
        "actor": None,
        "record": r,
        "channel": Channel.ONLINE,
        "applicant_name": "安阳市北关区某某化工有限公司",
        "applicant_phone": "13800001234",
        "subject_identifier": ORG_USCC,
        "fulfilment_statement": "已于2026年3月20日缴清罚款5万元，并完成废气治理设施改造。",
        "commitment_accepted": True,
        "submitted_on": on,
    }
    values.update(kw)
    return repair.apply_for_repair(**values)
