"""Shared builders for the quality, report, page and API tests of collection: units and
users from the reference data, records and batches written directly through the ORM
(rate arithmetic needs no pipeline)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import date
from typing import Any

from xinyong.catalog.models import RecordType
from xinyong.collection.models import Batch, MonthlyDeclaration
from xinyong.orgs import services as org_services
from xinyong.orgs.models import Unit, User
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject

PASSWORD = "Xinyong@Quality2026"
_seq = itertools.count(1)


def unit(name: str) -> Unit:
    target = org_services.resolve_unit_name(name)
    assert isinstance(target, Unit)
    return target


def user(username: str, role: str, unit_name: str | None = None, **extra: Any) -> User:
    return org_services.create_user(  # type: ignore[no-any-return]
        actor=None,
        username=username,
        password=PASSWORD,
        role=role,
        unit=unit(unit_name) if unit_name else None,
        **extra,
    )


def rtype(code: str) -> RecordType:
    return RecordType.objects.get(code=code)


def subject(name: str = "安阳市北关区某某商贸有限公司", *, person: bool = False) -> Subject:
    n = next(_seq)
    return Subject.objects.create(
        kind="person" if person else "org",
        name=name,
        identifier=f"TEST{n:014d}",
        identifier_type="resident_id" if person else "uscc",
    )


def record(
    source: Unit,
    document_number: str,
    *,
    decided: date,
    reported: date,
    late: bool = False,
    code: str = "XZCF",
    party: str = "安阳市北关区某某商贸有限公司",
    person: bool = False,
    batch: Batch | None = None,
) -> CreditRecord:
    rt = rtype(code)
    key = hashlib.sha256(f"{code}|{source.pk}|{document_number}|{next(_seq)}".encode()).hexdigest()
    return CreditRecord.objects.create(  # type: ignore[no-any-return]
        record_type=rt,
        identity_key=key,
        subject=subject(party, person=person),
        party_name=party,
        party_identifier="",
        document_number=document_number,
        decision_date=decided,
        deciding_unit_name=source.name,
        source_unit=source,
        reported_on=reported,
        deadline=decided,
        is_late=late,
        nature=rt.nature,
        payload={"CF_XDR_MC": party, "CF_WSH": document_number},
        content_hash="0" * 64,
        batch=batch,
    )


def batch(
    source: Unit, *, reported: date, rows: int, rejected: int = 0, code: str = "XZCF", **counts: int
) -> Batch:
    return Batch.objects.create(  # type: ignore[no-any-return]
        unit=source,
        record_type=rtype(code),
        channel=Batch.Channel.UPLOAD,
        filename="test.xlsx",
        reported_on=reported,
        rows=rows,
        rejected=rejected,
        accepted=rows - rejected,
        **counts,
    )


def declare(
    source: Unit, year: int, month: int, count: int, code: str = "XZCF"
) -> MonthlyDeclaration:
    return MonthlyDeclaration.objects.create(  # type: ignore[no-any-return]
        unit=source, record_type=rtype(code), year=year, month=month, declared_count=count
    )


ORG_USCC = "91410503MA44000011"
OFFICE_USCC = "114105030050000012"


def penalty_row(
    number: int, *, decided: str = "2026-10-09", name: str = "安阳市北关区某某商贸有限公司"
) -> dict[str, str]:
    """A valid XZCF row keyed by field code."""
    return {
        "CF_XDR_MC": name,
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": ORG_USCC,
        "CF_FRDB": "张三",
        "CF_WSH": f"北市监罚〔2026〕{number}号",
        "CF_WFXW": "未按规定公示年度报告",
        "CF_SY": "经查，当事人未按规定公示年度报告。",
        "CF_YJ": "《企业信息公示暂行条例》第十八条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款2000元",
        "CF_NR_FK": "0.2",
        "CF_JDRQ": decided,
        "CF_CFJG": "区市场监管局",
        "CF_CFJGDM": OFFICE_USCC,
        "CF_SJLY": "区市场监管局",
        "CF_SJLYDM": OFFICE_USCC,
    }
