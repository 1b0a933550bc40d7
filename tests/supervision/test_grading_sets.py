"""The set-based grading of large runs (a big batch, a long list of subjects, the full
recompute) against the one-subject-at-a-time path, with concrete figures (model v1:
base 100, A ≥ 90, B ≥ 75, C ≥ 60; 一般 penalty −10 within 12 months; serious list −40
and at most D; kept commitments +1 each, cap 5; broken −10)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection
from stdnum.cn import uscc

from tests.rights.repair_helpers import penalty_row, person_penalty_row, record, store
from xinyong.core.models import Event
from xinyong.records.models import CreditRecord
from xinyong.sanctions.models import ListEntry, ListType
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject, merge_subjects
from xinyong.supervision import grading
from xinyong.supervision.models import GradeChange, SubjectGrade

pytestmark = pytest.mark.django_db
TODAY = date(2026, 9, 30)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grading, "_today", lambda: TODAY)


def valid(code17: str) -> str:
    return code17 + uscc.calc_check_digit(code17)


def org(code17: str, name: str) -> Subject:
    subject, _, _ = get_or_create_subject(actor=None, identifier=valid(code17), name=name)
    return subject


def other_org_row(n: int) -> dict[str, Any]:
    return penalty_row(
        n, CF_XDR_MC="安阳市北关区另一化工有限公司", CF_XDR_SHXYM=valid("91410503MA9G5N2Q8")
    )


def grades() -> dict[int, tuple[str, Decimal | None, str, Any, int | None]]:
    return {
        g.subject_id: (g.grade, g.score, g.source, g.explanation, g.model_id)
        for g in SubjectGrade.objects.all()
    }


def changes() -> list[tuple[int, str, str, Decimal | None, Decimal | None, str]]:
    return sorted(
        GradeChange.objects.values_list(
            "subject_id", "old_grade", "new_grade", "old_score", "new_score", "reason"
        )
    )


def forget_grades() -> None:
    GradeChange.objects.all().delete()
    SubjectGrade.objects.all().delete()


def mixed_subjects() -> dict[str, int]:
    """Seven subjects, one of each kind of contribution."""
    from xinyong.commitments.models import Commitment

    store([penalty_row(1), penalty_row(2)])  # ORG_USCC: two 一般 penalties
    store([person_penalty_row(3)])  # a person: one penalty
    absorbed = store(
        [
            penalty_row(
                4,
                CF_XDR_MC="安阳市北关区某某化工有限公司（重复登记）",
                CF_XDR_SHXYM=valid("91410503MA9G5N2D5"),
            )
        ]
    )
    survivor = record(1).subject
    duplicate = CreditRecord.objects.get(batch=absorbed.batch).subject
    merge_subjects(actor=None, keep=survivor, absorb=duplicate, reason="重复登记")
    listed = org("91410503MA9G5N2Y2", "安阳市北关区失信商贸有限公司")
    ListEntry.objects.create(
        list_type=ListType.objects.get(code="SX_TAX"),
        subject=listed,
        basis_document="测试〔2026〕1号",
        reasons="测试",
        status=ListEntry.Status.LISTED,
        effective_from=date(2026, 6, 1),
    )
    keeper = org("91410503MA9G5N2K1", "安阳市北关区守诺商贸有限公司")
    for n, status in enumerate(["kept"] * 7 + ["broken"], start=1):
        Commitment.objects.create(
            code=f"41050320260901{n:06d}",
            kind="certificate",
            subject=keeper,
            committer_name=keeper.name,
            committer_code=keeper.identifier,
            reason="测试",
            content="材料真实有效",
            breach_liability="撤销决定",
            made_on=date(2026, 9, 1),
            channel="form",
            status=status,
            verified_on=date(2026, 9, 20),
        )
    rated = org("91410503MA9G5N2P3", "安阳市北关区省评商贸有限公司")
    grading.add_external(
        actor=None,
        subject=rated,
        source="provincial",
        evaluator="河南省社会信用体系建设领导小组办公室",
        grade="良好",
        evaluated_on=date(2026, 6, 30),
        valid_until=date(2026, 12, 31),
    )
    clean = org("91410503MA9G5N2C4", "安阳市北关区守信商贸有限公司")
    person = record(3).subject
    return {
        "survivor": survivor.pk,
        "duplicate": duplicate.pk,
        "person": person.pk,
        "listed": listed.pk,
        "keeper": keeper.pk,
        "rated": rated.pk,
        "clean": clean.pk,
    }


def test_set_path_writes_what_the_per_subject_path_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = mixed_subjects()
    everyone = list(ids.values())

    forget_grades()
    monkeypatch.setattr(grading, "_SET_ABOVE", 10_000)
    one_by_one = grading.recompute_subjects(everyone, reason="测试")
    expected_grades, expected_changes = grades(), changes()

    forget_grades()
    monkeypatch.setattr(grading, "_SET_ABOVE", 0)
    set_based = grading.recompute_subjects(everyone, reason="测试")
    assert grades() == expected_grades
    assert changes() == expected_changes
    keep = ("subjects", "written", "changed", "grades")
    assert {k: set_based.as_dict()[k] for k in keep} == {k: one_by_one.as_dict()[k] for k in keep}

    # The duplicate's penalty counts for the survivor: three penalties, −30 (cap 30) → 70.
    got = grades()
    assert ids["duplicate"] not in got
    assert got[ids["survivor"]][:3] == ("C", Decimal("70.00"), "computed")
    assert got[ids["person"]][:3] == ("A", Decimal("90.00"), "computed")
    assert got[ids["listed"]][:3] == ("D", Decimal("60.00"), "computed")
    assert got[ids["keeper"]][:3] == ("A", Decimal("95.00"), "computed")
    assert got[ids["rated"]][:3] == ("B", Decimal("100.00"), "provincial")
    assert got[ids["clean"]][:3] == ("A", Decimal("100.00"), "computed")
    assert got[ids["rated"]][3][-1]["code"] == grading.EXTERNAL_CODE
    assert (set_based.subjects, set_based.written, set_based.changed) == (6, 6, 6)
    assert set_based.grades == {"A": 3, "B": 1, "C": 1, "D": 1}
    assert all(c[1] == "" and c[5] == "测试" for c in changes())

    # Nothing changed: nothing written, no history.
    again = grading.recompute_subjects(everyone, reason="测试")
    assert (again.written, again.changed) == (0, 0)
    assert len(changes()) == 6


def test_full_recompute_is_set_based_and_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = mixed_subjects()
    forget_grades()
    monkeypatch.setattr(grading, "_SET_ABOVE", 10_000)
    grading.recompute_subjects(list(ids.values()), reason="全量重新评价")
    expected = {sid: g for sid, g in grades().items()}
    forget_grades()
    result = grading.recompute_all(TODAY)
    n = Subject.objects.filter(merged_into__isnull=True).count()
    assert (result.subjects, result.written, result.changed) == (n, n, n)
    got = grades()
    assert {sid: got[sid] for sid in expected} == expected
    second = grading.recompute_all(TODAY)
    assert (second.written, second.changed) == (0, 0)


def test_a_large_batch_grades_its_subjects_set_based(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grading, "_SET_ABOVE", 1)
    before = Event.objects.count()
    result = store(
        [
            penalty_row(1),
            penalty_row(2),
            person_penalty_row(3),
            other_org_row(4),
        ]
    )
    batch = result.batch.pk
    reason = f"批次 {batch} 信用信息入库"
    org_id, person_id, other_id = (record(n).subject_id for n in (1, 3, 4))
    got = grades()
    assert got[org_id][:3] == ("B", Decimal("80.00"), "computed")
    assert got[person_id][:3] == ("A", Decimal("90.00"), "computed")
    assert got[other_id][:3] == ("A", Decimal("90.00"), "computed")
    assert changes() == sorted(
        [
            (org_id, "", "B", None, Decimal("80.00"), reason),
            (person_id, "", "A", None, Decimal("90.00"), reason),
            (other_id, "", "A", None, Decimal("90.00"), reason),
        ]
    )
    # One event for the batch; the signal sent again by store() writes nothing more.
    events = list(
        Event.objects.filter(pk__gt=before, action__startswith="supervision.grades").values_list(
            "action", "target_id", "target_repr", "new_values"
        )
    )
    assert len(events) == 1
    action, target_id, target_repr, new = events[0]
    assert (action, target_id, target_repr) == (
        "supervision.grades.recompute_subjects",
        "",
        f"3 个主体（{reason}）",
    )
    assert (new["subjects"], new["written"], new["changed"]) == (3, 3, 3)
    assert new["grades"] == {"A": 2, "B": 1, "C": 0, "D": 0}


def test_a_batch_correcting_an_older_record_grades_its_subject(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store([penalty_row(1)])
    org_id = record(1).subject_id
    assert grades()[org_id][:2] == ("A", Decimal("90.00"))
    monkeypatch.setattr(grading, "_SET_ABOVE", 1)
    # Batch 2 corrects record 1 (an older id, outside the batch's new records) and adds
    # a penalty for another subject.
    second = store(
        [
            penalty_row(1, CF_NR="罚款6万元", CF_NR_FK="6"),
            other_org_row(5),
        ]
    )
    assert (second.accepted, second.updated) == (1, 1)
    # Both subjects were graded; the corrected one still has one penalty (nothing written).
    event = Event.objects.filter(action="supervision.grades.recompute_subjects").latest("id")
    assert event.target_repr == f"2 个主体（批次 {second.batch.pk} 信用信息入库）"
    assert (event.new_values["written"], event.new_values["changed"]) == (1, 1)
    assert grades()[org_id][:2] == ("A", Decimal("90.00"))
    store(
        [
            penalty_row(1, CF_NR="罚款7万元", CF_NR_FK="7"),
            penalty_row(6),
        ]
    )
    # Its new penalty and the corrected one: 100 − 20 = 80.
    assert grades()[org_id][:2] == ("B", Decimal("80.00"))
    last = GradeChange.objects.filter(subject_id=org_id).order_by("-id").first()
    assert last is not None and (last.old_grade, last.new_grade) == ("A", "B")


@pytest.mark.parametrize("set_above", [0, 100])
def test_a_correction_naming_another_subject_regrades_the_one_it_leaves(
    monkeypatch: pytest.MonkeyPatch, set_above: int
) -> None:
    # Both paths: the set-based one for large batches and the per-subject one.
    monkeypatch.setattr(grading, "_SET_ABOVE", set_above)
    store([penalty_row(1), penalty_row(2)])
    org_id = record(1).subject_id
    assert grades()[org_id][:2] == ("B", Decimal("80.00"))
    # The deciding unit finds it named the wrong party in 北关环罚〔2026〕1号.
    fixed = store([other_org_row(1)])
    assert fixed.updated == 1
    other_id = record(1).subject_id
    assert other_id != org_id
    # The first firm keeps one penalty (100 − 10); the other now holds one.
    assert grades()[org_id][:2] == ("A", Decimal("90.00"))
    assert grades()[other_id][:2] == ("A", Decimal("90.00"))
    last = GradeChange.objects.filter(subject_id=org_id).order_by("-id").first()
    assert last is not None
    assert (last.old_grade, last.new_grade, last.reason) == (
        "B",
        "A",
        f"批次 {fixed.batch.pk} 更正：记录改属其他主体",
    )


def test_a_batch_grades_only_the_subjects_of_its_records(monkeypatch: pytest.MonkeyPatch) -> None:
    result = store(
        [
            penalty_row(1),
            person_penalty_row(2),
            other_org_row(3),
        ]
    )
    person_id = record(2).subject_id
    # The person's record leaves the batch (its id stays in the batch's range of ids).
    CreditRecord.objects.filter(pk=record(2).pk).update(batch=None)
    forget_grades()
    monkeypatch.setattr(grading, "_SET_ABOVE", 0)
    done = grading.recompute_batch(result.batch.pk)
    assert done.subjects == 2
    assert person_id not in grades()
    assert {g[:2] for g in grades().values()} == {("A", Decimal("90.00"))}


def test_same_explanation_in_another_layout_is_not_rewritten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(grading, "_SET_ABOVE", 0)
    store([penalty_row(1), penalty_row(2)])
    org_id = record(1).subject_id
    stored = SubjectGrade.objects.get(subject_id=org_id)
    loose = json.dumps(stored.explanation, ensure_ascii=True, indent=1)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE supervision_subjectgrade SET explanation = %s::jsonb WHERE subject_id = %s",
                [loose, org_id],
            )
        else:
            cursor.execute(
                "UPDATE supervision_subjectgrade SET explanation = %s WHERE subject_id = %s",
                [loose, org_id],
            )
    result = grading.recompute_subjects([org_id], reason="测试")
    assert (result.written, result.changed) == (0, 0)


def test_a_grade_written_meanwhile_falls_back_to_the_upsert(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(grading, "_SET_ABOVE", 0)
    store([penalty_row(1)])
    org_id = record(1).subject_id
    forget_grades()
    real = grading._sql

    def racing(sql: str, params: Any = ()) -> int:
        if "INSERT INTO supervision_subjectgrade" in sql and "ON CONFLICT" not in sql:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(sql, params)

    monkeypatch.setattr(grading, "_sql", racing)
    result = grading.recompute_subjects([org_id], reason="测试")
    assert (result.written, result.changed) == (1, 1)
    assert grades()[org_id][:2] == ("A", Decimal("90.00"))


def test_a_penalty_batch_has_no_sector_results_to_read(
    django_assert_max_num_queries: Any,
) -> None:
    result = store([penalty_row(1)])
    with django_assert_max_num_queries(1):
        assert grading.external_from_batch(result.batch.pk) == 0
