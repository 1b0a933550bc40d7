from __future__ import annotations

from datetime import date, timedelta

import pytest

from xinyong.core.models import Event
from xinyong.subjects import services
from xinyong.subjects.demo import demo_resident_id, demo_uscc
from xinyong.subjects.models import Subject, SubjectIdentifier, SubjectKind

pytestmark = pytest.mark.django_db


def _body(i: int) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    digits = []
    for _ in range(6):
        i, r = divmod(i, len(alphabet))
        digits.append(alphabet[r])
    return "MA" + "".join(reversed(digits))


def test_bulk_match_creates_matches_and_flags():
    existing, _, _ = services.get_or_create_subject(
        actor=None, identifier="91512081MA62K0260E", name="四川某某建材有限公司"
    )
    merged, _, _ = services.get_or_create_subject(
        actor=None, identifier="320402000022814", name="四川某某建材公司"
    )
    services.merge_subjects(actor=None, keep=existing, absorb=merged, reason="同一企业")
    person_id = demo_resident_id(date(1975, 11, 3), 42)
    items = [
        ("91512081MA62K0260E", "法人及非法人组织", "四川某某建材有限公司"),
        ("320402000022814", None, "四川某某建材公司"),  # absorbed → survivor, old name
        (demo_uscc("91", "MA44T3K1"), "org", "安阳市北关区恒达商贸有限公司"),
        (demo_uscc("91", "MA44T3K1"), "org", "安阳市北关区恒达商贸有限公司"),  # repeated row
        (demo_uscc("92", "L14N8Q2T"), "个体工商户", "北关区老张烩面馆"),
        (person_id, "自然人", "李秀英"),
        ("91512081MA62K0260F", None, "校验失败公司"),
        ("无", None, "没有代码"),
        (demo_uscc("92", "L25R6K3M"), "法人及非法人组织", "类别不符"),
        (demo_uscc("91", "MA45B8Q0"), None, "甲公司"),
        (demo_uscc("91", "MA45B8Q0"), None, "乙公司"),  # same new code, two names
    ]
    before = Subject.objects.count()
    result = services.match_or_create_many(actor=None, items=items, source="批次 42")
    assert Subject.objects.count() == before + 4
    assert result["91512081MA62K0260E"] == existing.pk
    assert result["320402000022814"] == existing.pk
    new_company = Subject.objects.get(identifier=demo_uscc("91", "MA44T3K1"))
    assert result[demo_uscc("91", "MA44T3K1")] == new_company.pk
    assert new_company.kind == SubjectKind.ORGANISATION
    assert (
        Subject.objects.get(identifier=demo_uscc("92", "L14N8Q2T")).kind
        == SubjectKind.INDIVIDUAL_BUSINESS
    )
    person = Subject.objects.get(identifier=person_id)
    assert (person.kind, result[person_id]) == (SubjectKind.PERSON, person.pk)
    assert sorted(result.created) == sorted(
        [
            demo_uscc("91", "MA44T3K1"),
            demo_uscc("92", "L14N8Q2T"),
            person_id,
            demo_uscc("91", "MA45B8Q0"),
        ]
    )
    rejected = {code: message for (code, _kind, _name), message in result.rejected.items()}
    assert set(rejected) == {"91512081MA62K0260F", "无", demo_uscc("92", "L25R6K3M")}
    assert rejected["91512081MA62K0260F"].endswith("校验位错误：第18位应为“E”，实为“F”")
    assert "应为“个体工商户”" in rejected[demo_uscc("92", "L25R6K3M")]
    assert set(result.name_conflicts) == {"320402000022814", demo_uscc("91", "MA45B8Q0")}
    assert (
        "同一批次中该代码既作“甲公司”又作“乙公司”"
        in result.name_conflicts[demo_uscc("91", "MA45B8Q0")]
    )
    assert SubjectIdentifier.objects.get(value=person_id).source == "批次 42"
    event = Event.objects.get(action="subjects.bulk_match")
    assert event.new_values == {
        "rows": 11,
        "identifiers": 6,
        "matched": 2,
        "created": 4,
        "name_conflicts": 2,
        "rejected": 3,
        "source": "批次 42",
    }
    # Running the same batch again creates nothing.
    again = services.match_or_create_many(actor=None, items=items, source="批次 42")
    assert again.created == []
    assert Subject.objects.count() == before + 4
    assert again[person_id] == person.pk


def test_bulk_match_is_set_based(django_assert_max_num_queries):
    start = date(1960, 1, 1)
    items = [(demo_uscc("91", _body(i)), "org", f"企业{i}") for i in range(2500)]
    items += [
        (demo_resident_id(start + timedelta(days=i), 10 + i % 800), "自然人", f"人员{i}")
        for i in range(500)
    ]
    # 3,000 rows: lookups in chunks of 900 and batched inserts (SQLite limits a statement
    # to 999 parameters, so ~110 rows a batch) — never a query per row.
    with django_assert_max_num_queries(80):
        result = services.match_or_create_many(actor=None, items=items)
    assert len(result) == 3000
    assert len(result.created) == 3000
    assert Subject.objects.filter(kind=SubjectKind.PERSON).count() == 500
    with django_assert_max_num_queries(20):
        again = services.match_or_create_many(actor=None, items=items)
    assert again == dict(result)
    assert again.created == []
