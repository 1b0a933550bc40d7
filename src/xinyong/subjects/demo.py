"""Demo subjects of 北关区 (region 410503): enterprises, 个体工商户, government bodies and
institutions, and a few natural persons. Every code is synthetic but valid: the check
characters are computed, never typed. Idempotent through `get_or_create_subject`."""

from __future__ import annotations

from datetime import date

from xinyong.core.bootstrap import demo_loader
from xinyong.core.identifiers import org_code_check_char, resident_id_check_char, uscc_check_char

from .models import Subject, SubjectKind
from .services import get_or_create_subject

REGION = "410503"  # 河南省安阳市北关区 (GB/T 2260)


def demo_uscc(category: str, org_body: str, region: str = REGION) -> str:
    """A valid USCC: category + region + organisation code (with its GB 11714 check) +
    the GB 32100 check character."""
    first17 = f"{category}{region}{org_body}{org_code_check_char(org_body)}"
    return first17 + uscc_check_char(first17)


def demo_subject(name: str) -> Subject:
    """A demo subject by its name (the other apps' demo loaders, after this one)."""
    return Subject.objects.get(name=name, merged_into__isnull=True)


def demo_resident_id(born: date, sequence: int, region: str = REGION) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


# (category, organisation-code body, name, registered_on)
_ORGANISATIONS: list[tuple[str, str, str, date | None]] = [
    ("91", "MA44T3K1", "安阳市北关区恒达商贸有限公司", date(2016, 3, 18)),
    ("91", "MA44UC2R", "安阳北关豫安建筑工程有限公司", date(2017, 6, 2)),
    ("91", "MA45B8Q0", "安阳市鑫源食品有限公司", date(2018, 9, 11)),
    ("91", "MA46D1L7", "安阳市北关区红旗路物业服务有限公司", date(2019, 4, 25)),
    ("91", "MA47HN3E", "河南殷都科技有限公司", date(2020, 8, 7)),
    ("91", "MA48KP5A", "安阳市洹水餐饮管理有限公司", date(2021, 1, 14)),
    ("91", "MA9F0T6W", "安阳市北关区安顺运输有限公司", date(2021, 11, 30)),
    ("91", "MA9G2R8U", "安阳彰德医药连锁有限公司", date(2022, 5, 19)),
    ("91", "71671259", "安阳市北关区建材供销有限责任公司", date(1999, 7, 1)),
    ("91", "MA9HLX4C", "安阳市北关区万家福超市有限公司", date(2023, 2, 27)),
    ("91", "MA9J7M1N", "安阳文峰再生资源回收有限公司", date(2023, 9, 5)),
    ("93", "MA44W9P2", "安阳市北关区柏庄镇绿源蔬菜种植专业合作社", date(2016, 10, 12)),
    ("52", "MJY51368", "安阳市北关区阳光老年公寓", date(2015, 12, 3)),
    ("51", "MJY52743", "安阳市北关区个体劳动者协会", date(2005, 6, 20)),
]
_INDIVIDUAL_BUSINESSES: list[tuple[str, str, date | None]] = [
    ("L14N8Q2T", "北关区老张烩面馆", date(2017, 4, 9)),
    ("L25R6K3M", "北关区李记五金店", date(2018, 8, 21)),
    ("L36T4E5W", "北关区晓芳理发店", date(2019, 3, 3)),
    ("L47U2H7P", "北关区红旗路诚信便利店", date(2020, 12, 16)),
    ("L58W9J1A", "北关区王氏家电维修部", date(2022, 7, 28)),
    ("L69X3B6D", "北关区安心药房", date(2023, 1, 10)),
]
# Authority 1 (机构编制): 11 机关, 12 事业单位, 13 群众团体 — the 政务诚信 subjects.
_GOVERNMENT: list[tuple[str, str, str]] = [
    ("11", "00582640", "安阳市北关区发展和改革委员会"),
    ("11", "00582659", "安阳市北关区市场监督管理局"),
    ("11", "00582667", "安阳市北关区人民政府红旗路街道办事处"),
    ("11", "00582675", "安阳市北关区柏庄镇人民政府"),
    ("12", "41608233", "安阳市北关区第一实验小学"),
    ("12", "41608241", "安阳市北关区政务服务中心"),
    ("13", "00582683", "共青团安阳市北关区委员会"),
]
# (name, birth date, sequence: odd men, even women)
_PERSONS: list[tuple[str, date, int]] = [
    ("张建国", date(1968, 5, 12), 31),
    ("李秀英", date(1975, 11, 3), 42),
    ("王磊", date(1988, 2, 29), 17),
    ("赵丽娟", date(1992, 9, 30), 26),
]


@demo_loader(20, "信用主体")
def load_demo_subjects() -> str:
    created = existing = 0
    rows: list[tuple[str, str, SubjectKind, date | None]] = []
    for category, body, name, registered in _ORGANISATIONS:
        rows.append((demo_uscc(category, body), name, SubjectKind.ORGANISATION, registered))
    for body, name, registered in _INDIVIDUAL_BUSINESSES:
        rows.append((demo_uscc("92", body), name, SubjectKind.INDIVIDUAL_BUSINESS, registered))
    for category, body, name in _GOVERNMENT:
        rows.append((demo_uscc(category, body), name, SubjectKind.ORGANISATION, None))
    for name, born, sequence in _PERSONS:
        rows.append((demo_resident_id(born, sequence), name, SubjectKind.PERSON, None))
    for code, name, kind, registered in rows:
        _subject, was_created, _conflict = get_or_create_subject(
            actor=None,
            identifier=code,
            name=name,
            kind=kind,
            source="演示数据",
            registered_on=registered,
        )
        if was_created:
            created += 1
        else:
            existing += 1
    return f"新增 {created} 个，已存在 {existing} 个（共 {len(rows)} 个演示主体）"
