"""Grades with concrete records, dates and numbers (model v1: base 100, A ≥ 90, B ≥ 75,
C ≥ 60; 一般 penalty −10 within 12 months, −5 within 12–36 months, cap 30/15; repaired
dishonesty −1, cap 3; serious list −40 and at most D)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.rights.repair_helpers import (
    ORG_USCC,
    PERSON_ID,
    penalty_row,
    record,
    staff,
    store,
    unit,
)
from xinyong.collection.services import ingest_rows
from xinyong.core.errors import DomainError
from xinyong.rights import repair
from xinyong.rights.models import Channel
from xinyong.sanctions.models import ListEntry, ListType
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject
from xinyong.supervision import grading
from xinyong.supervision.models import (
    EvaluationModel,
    ExternalEvaluation,
    GradeChange,
    Indicator,
    SubjectGrade,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 9, 30)
CLEAN_USCC = "91410503MA9G5N2X4B"


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    # Receivers evaluate "today"; fix it so that the age bands do not move with the clock.
    monkeypatch.setattr(grading, "_today", lambda: TODAY)


def contributions(subject: Any, on: date = TODAY) -> dict[str, tuple[int, float]]:
    return {c.code: (c.count, float(c.points)) for c in grading.explain(subject, on) if c.count}


def stored(subject_id: int) -> tuple[str, Decimal | None, str]:
    g = SubjectGrade.objects.get(subject_id=subject_id)
    return g.grade, g.score, g.source


def clean_subject(code: str = CLEAN_USCC, name: str = "安阳市北关区守信商贸有限公司") -> Subject:
    from stdnum.cn import uscc

    code = code[:17] + uscc.calc_check_digit(code[:17])
    subject, _, _ = get_or_create_subject(actor=None, identifier=code, name=name)
    return subject


# ---------------------------------------------------------------- model and cut-offs


def test_reference_model_is_loaded_with_indicators_and_cutoffs() -> None:
    model = grading.model_in_force(TODAY)
    assert (model.version, model.base_score, model.cutoffs) == (
        1,
        Decimal("100.00"),
        {"A": 90.0, "B": 75.0, "C": 60.0},
    )
    codes = list(model.indicators.values_list("code", flat=True))
    assert codes[:3] == ["PENALTY_GENERAL_12M", "PENALTY_GENERAL_36M", "PENALTY_SERIOUS_36M"]
    assert len(codes) == 12
    serious = model.indicators.get(code="LIST_SERIOUS")
    assert (serious.points, serious.params["max_grade"]) == (Decimal("-40.00"), "D")


@pytest.mark.parametrize(
    ("score", "letter"),
    [(100, "A"), (90, "A"), (89.99, "B"), (75, "B"), (74.5, "C"), (60, "C"), (59.99, "D")],
)
def test_cutoffs(score: float, letter: str) -> None:
    assert grading.letter_for(score, {"A": 90, "B": 75, "C": 60}) == letter


def test_model_versions_apply_by_evaluation_date() -> None:
    v1 = grading.model_in_force(date(2026, 12, 31))
    v2 = EvaluationModel.objects.create(
        name=v1.name,
        version=3,  # v2 is the reference model of 2026-12-01 (data file)
        effective_from=date(2027, 1, 1),
        base_score=100,
        cutoffs={"A": 101, "B": 75, "C": 60},
        basis="测试：提高 A 类分界",
    )
    subject = clean_subject()
    assert grading.compute_grade(subject, date(2026, 12, 31)).grade == "A"
    later = grading.compute_grade(subject, date(2027, 1, 1))
    assert (later.model.pk, later.grade, later.score) == (v2.pk, "B", Decimal("100.00"))
    with pytest.raises(DomainError, match="2023-12-31 没有生效的信用评价模型"):
        grading.compute_grade(subject, date(2023, 12, 31))


# ---------------------------------------------------------------- records


def test_penalty_lowers_grade_and_repair_raises_it_again() -> None:
    users = staff()
    store([penalty_row(1), penalty_row(2)])
    subject_id = record(1).subject_id
    # Two 一般 penalties of 2026-03-10, within 12 months of 2026-09-30: 100 − 2×10 = 80.
    assert stored(subject_id) == ("B", Decimal("80.00"), "computed")
    assert contributions(subject_id) == {"PENALTY_GENERAL_12M": (2, -20.0)}
    first = GradeChange.objects.filter(subject_id=subject_id).order_by("id").first()
    assert first is not None and (first.old_grade, first.new_grade) == ("", "B")

    for n in (1, 2):
        app = repair.apply_for_repair(
            actor=None,
            record=record(n),
            channel=Channel.ONLINE,
            applicant_name="安阳市北关区某某化工有限公司",
            applicant_phone="13800001234",
            subject_identifier=ORG_USCC,
            fulfilment_statement="已缴清罚款并完成整改。",
            commitment_accepted=True,
            submitted_on=date(2026, 9, 22),
        )
        app = repair.mark_complete(
            actor=users["admin"], application=app, complete=True, on=date(2026, 9, 23)
        )
        app = repair.provider_review(
            actor=users["reporter"],
            application=app,
            agrees=True,
            opinion="同意",
            on=date(2026, 9, 24),
        )
        repair.decide_repair(
            actor=users["admin"],
            application=app,
            approve=True,
            reason="整改到位",
            on=date(2026, 9, 25),
        )
    # Repaired: no longer a penalty deduction, −1 each as repaired history: 100 − 2 = 98.
    assert stored(subject_id) == ("A", Decimal("98.00"), "computed")
    assert contributions(subject_id) == {"REPAIRED_36M": (2, -2.0)}
    grades = list(
        GradeChange.objects.filter(subject_id=subject_id)
        .order_by("id")
        .values_list("new_grade", "new_score")
    )
    assert grades == [("B", Decimal("80.00")), ("B", Decimal("89.00")), ("A", Decimal("98.00"))]


def test_penalty_age_bands_and_cap() -> None:
    store([penalty_row(n) for n in range(1, 5)])
    subject_id = record(1).subject_id
    # Four penalties within 12 months: −40 capped at −30 → 70, grade C.
    result = grading.compute_grade(subject_id, TODAY)
    pen = next(c for c in result.contributions if c.code == "PENALTY_GENERAL_12M")
    assert (pen.count, pen.points, pen.capped) == (4, Decimal("-30.00"), True)
    assert (result.score, result.grade) == (Decimal("70.00"), "C")
    # 2027-04-01: older than 12 months, within 36 → −5 each (−20, cap 15) → 85, B.
    assert contributions(subject_id, date(2027, 4, 1)) == {"PENALTY_GENERAL_36M": (4, -15.0)}
    assert grading.compute_grade(subject_id, date(2027, 4, 1)).grade == "B"
    # 2029-03-10 is exactly 36 months later: no longer counted.
    assert contributions(subject_id, date(2029, 3, 10)) == {}
    # Before the decision the penalty did not exist.
    assert contributions(subject_id, date(2026, 3, 9)) == {}


def test_withdrawn_record_stops_counting() -> None:
    from xinyong.records.services import withdraw_record

    users = staff()
    store([penalty_row(1)])
    r = record(1)
    assert stored(r.subject_id)[:2] == ("A", Decimal("90.00"))
    withdraw_record(actor=users["admin"], record=r, reason="决定已被撤销")
    assert stored(r.subject_id)[:2] == ("A", Decimal("100.00"))


# ---------------------------------------------------------------- lists and commitments


def _list(subject: Subject, code: str, effective: date = date(2026, 6, 1)) -> ListEntry:
    return ListEntry.objects.create(
        list_type=ListType.objects.get(code=code),
        subject=subject,
        basis_document="测试〔2026〕1号",
        reasons="测试",
        status=ListEntry.Status.LISTED,
        effective_from=effective,
    )


def test_serious_list_caps_grade_at_d_and_red_list_adds() -> None:
    subject = clean_subject()
    _list(subject, "SX_TAX")
    grading.recompute_subjects([subject.pk])
    # 100 − 40 = 60 would be C; the serious list caps the letter at D.
    assert stored(subject.pk) == ("D", Decimal("60.00"), "computed")
    result = grading.compute_grade(subject, TODAY)
    assert (result.computed_grade, result.floors) == ("D", ["LIST_SERIOUS"])
    # Not yet in force the day before it took effect.
    assert grading.compute_grade(subject, date(2026, 5, 31)).grade == "A"

    other = clean_subject("91410503MA9G5N2Y2", "安阳市北关区红榜商贸有限公司")
    _list(other, "RED")
    _list(other, "WATCH")
    assert contributions(other) == {"LIST_WATCH": (1, -5.0), "LIST_RED": (1, 5.0)}


def test_list_change_through_the_service_recomputes(monkeypatch: pytest.MonkeyPatch) -> None:
    from xinyong.sanctions.signals import entry_changed

    subject = clean_subject()
    grading.recompute_subjects([subject.pk])
    assert stored(subject.pk)[0] == "A"
    entry = _list(subject, "ABNORMAL")
    entry_changed.send(sender=ListEntry, entry=entry, change=None, actor=None)
    assert stored(subject.pk) == ("B", Decimal("85.00"), "computed")
    reason = GradeChange.objects.filter(subject=subject).order_by("-id").first()
    assert reason is not None and reason.reason == "经营异常名录：列入"


def test_commitments_kept_and_broken() -> None:
    from xinyong.commitments.models import Commitment

    subject = clean_subject()

    def make(n: int, status: str) -> None:
        Commitment.objects.create(
            code=f"41050320260901{n:06d}",
            kind="certificate",
            subject=subject,
            committer_name=subject.name,
            committer_code=subject.identifier,
            reason="测试",
            content="材料真实有效",
            breach_liability="撤销决定",
            made_on=date(2026, 9, 1),
            channel="form",
            status=status,
            verified_on=date(2026, 9, 20),
        )

    for n in range(1, 8):
        make(n, "kept")
    assert contributions(subject) == {"COMMITMENT_KEPT": (7, 5.0)}
    make(8, "broken")
    # Saved commitments recompute the subject: 100 + 5 − 10 = 95.
    assert stored(subject.pk) == ("A", Decimal("95.00"), "computed")
    # Before verification nothing counted.
    assert contributions(subject, date(2026, 9, 19)) == {}


def _certificate_breach(verified_on: date) -> Any:
    """A 证明事项型 commitment of 2026-02-20 found 全部未履行: a COMMITMENT_BROKEN and a
    CNWN dishonesty record (一般: repair from 3 months, off view after 1 year)."""
    from tests.commitments.helpers import SCJG, commit
    from xinyong.commitments import services as commitments

    c = commit(SCJG, "食品经营许可", "certificate", made_on=date(2026, 2, 20))
    return commitments.record_fulfilment(
        actor=None,
        commitment=c,
        status="全部未履行",
        evidence=f"{verified_on:%Y-%m-%d} 实地核查：承诺内容不实。",
        unfulfilled_content="承诺的经营场所使用权不实",
        liability_action="撤销许可决定，违诺情况记入信用记录",
        verified_on=verified_on,
    )


def test_withdrawn_breach_record_no_longer_costs_the_broken_commitment() -> None:
    from xinyong.records.services import withdraw_record

    users = staff()
    broken = _certificate_breach(date(2026, 3, 2))
    assert stored(broken.subject_id)[:2] == ("A", Decimal("90.00"))
    assert contributions(broken.subject_id) == {"COMMITMENT_BROKEN": (1, -10.0)}
    withdraw_record(
        actor=users["admin"], record=broken.breach_record, reason="核查结论有误，已撤销"
    )
    # 已撤销的记录不计分: neither the record nor the commitment it recorded.
    assert stored(broken.subject_id)[:2] == ("A", Decimal("100.00"))
    assert contributions(broken.subject_id) == {}
    assert grading.recompute_all(TODAY).written == 0  # the set-based run agrees


def test_repaired_breach_record_counts_as_repaired_history_only() -> None:
    users = staff()
    broken = _certificate_breach(date(2026, 3, 2))
    app = repair.apply_for_repair(
        actor=None,
        record=broken.breach_record,
        channel=Channel.ONLINE,
        applicant_name=broken.committer_name,
        applicant_phone="13800001234",
        subject_identifier=broken.committer_code,
        fulfilment_statement="已补交经营场所使用证明。",
        commitment_accepted=True,
        submitted_on=date(2026, 6, 10),
    )
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 6, 11)
    )
    app = repair.provider_review(
        actor=users["admin"], application=app, agrees=True, opinion="同意", on=date(2026, 6, 12)
    )
    repair.decide_repair(
        actor=users["admin"], application=app, approve=True, reason="已纠正", on=date(2026, 6, 15)
    )
    # Repairing raises the grade: 100 − 1 (repaired history), not 100 − 1 − 10 = 89 B.
    assert stored(broken.subject_id)[:2] == ("A", Decimal("99.00"))
    assert contributions(broken.subject_id) == {"REPAIRED_36M": (1, -1.0)}
    # Before the repair decision the breach still cost its 10 points.
    assert contributions(broken.subject_id, date(2026, 6, 14)) == {"COMMITMENT_BROKEN": (1, -10.0)}
    assert grading.recompute_all(TODAY).written == 0


# ---------------------------------------------------------------- external results


def test_external_result_takes_precedence_while_valid() -> None:
    subject = clean_subject()
    ev = grading.add_external(
        actor=None,
        subject=subject,
        source="provincial",
        evaluator="河南省社会信用体系建设领导小组办公室",
        grade="良好",
        evaluated_on=date(2026, 6, 30),
        valid_until=date(2026, 12, 31),
    )
    assert ev.grade == "B"
    assert stored(subject.pk) == ("B", Decimal("100.00"), "provincial")
    assert grading.compute_grade(subject, date(2027, 1, 1)).grade == "A"  # expired
    ev.takes_precedence = False
    ev.save()
    assert grading.compute_grade(subject, TODAY).grade == "A"
    with pytest.raises(DomainError, match="无法识别"):
        grading.normalise_grade("很好")


def test_import_file_cli(tmp_path: Path) -> None:
    subject = clean_subject()
    path = tmp_path / "provincial.csv"
    path.write_text(
        "统一社会信用代码,主体名称,评价等级,评价得分,评价日期,有效期至,评价机构\n"
        f"{subject.identifier},{subject.name},C,68.5,2026-08-01,2027-07-31,河南省信用办\n"
        f"{subject.identifier},{subject.name},极好,90,2026-08-01,,河南省信用办\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("grades", "import", str(path), "--source", "provincial", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["imported"], data["rejected"]) == (1, 1)
    assert "第 3 行" in data["errors"][0]
    assert stored(subject.pk) == ("C", Decimal("100.00"), "provincial")


def test_sector_result_through_the_pipeline() -> None:
    from stdnum.cn import uscc

    subject = clean_subject()
    decider = "11410503MB1234567" + uscc.calc_check_digit("11410503MB1234567")
    result = ingest_rows(
        actor=None,
        unit="区交通运输局",
        record_type="行业信用评价结果",
        rows=[
            {
                "HY_ZTMC": subject.name,
                "HY_ZTLB": "法人及非法人组织",
                "HY_SHXYM": subject.identifier,
                "HY_HY": "道路运输",
                "HY_DJ": "D级",
                "HY_YSDJ": "D级（信用较差）",
                "HY_PJRQ": "2026-09-01",
                "HY_YXQZ": "2027-08-31",
                "HY_WH": "北关交信评〔2026〕3号",
                "HY_PJJG": "安阳市北关区交通运输局",
                "HY_PJJGDM": decider,
                "HY_SJLY": "安阳市北关区交通运输局",
            }
        ],
        reported_on=date(2026, 9, 2),
    )
    assert result.rejected == 0, [e.as_dict() for e in result.errors]
    ev = ExternalEvaluation.objects.get(subject=subject)
    assert (ev.source, ev.grade, ev.sector, ev.valid_until) == (
        "sector",
        "D",
        "道路运输",
        date(2027, 8, 31),
    )
    assert stored(subject.pk) == ("D", Decimal("100.00"), "sector")


# ---------------------------------------------------------------- full recompute


def test_recompute_all_is_idempotent() -> None:
    store([penalty_row(1)])
    clean_subject()
    GradeChange.objects.all().delete()
    SubjectGrade.objects.all().delete()
    first = grading.recompute_all(TODAY)
    n = Subject.objects.filter(merged_into__isnull=True).count()
    assert (first.subjects, first.written, first.changed) == (n, n, n)
    assert first.grades["A"] == n  # one penalty: 90, still A
    assert GradeChange.objects.count() == n
    second = grading.recompute_all(TODAY)
    assert (second.written, second.changed) == (0, 0)
    assert GradeChange.objects.count() == n
    # A later date moves the penalty to the 12–36 month band: 95. On that date model v2
    # (2026-12-01) is in force, so both grades are rewritten to point at it; only the
    # penalised subject's grade changes.
    third = grading.recompute_all(date(2027, 3, 11))
    assert (third.written, third.changed) == (2, 1)
    assert set(SubjectGrade.objects.values_list("model__version", flat=True)) == {2}
    assert stored(record(1).subject_id)[1] == Decimal("95.00")


def test_model_change_rewrites_grades() -> None:
    store([penalty_row(1), penalty_row(2)])
    grading.recompute_all(TODAY)
    model = grading.model_in_force(TODAY)
    Indicator.objects.filter(model=model, code="PENALTY_GENERAL_12M").update(points=-20)
    result = grading.recompute_all(TODAY)
    assert result.changed == 1
    assert stored(record(1).subject_id)[:2] == ("C", Decimal("70.00"))


# ---------------------------------------------------------------- CLI, pages, API


def test_cli_explain_and_recompute() -> None:
    store([penalty_row(1), penalty_row(2)])
    out = StringIO()
    call_command("grades", "explain", ORG_USCC, "--on", "2026-09-30", stdout=out)
    text = out.getvalue()
    assert "等级 B（本平台等级 B，得分 80.00）" in text
    assert "一般失信行政处罚（12个月内）：2 项 × -10.00 = -20.00" in text
    out = StringIO()
    call_command("grades", "recompute", "--on", "2026-09-30", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["written"], data["changed"], data["grades"]["B"]) == (0, 0, 1)
    with pytest.raises(Exception, match="没有代码为"):
        call_command("grades", "explain", "91410503MA0000000X", stdout=StringIO())


def test_pages_and_api_are_staff_only(client: Any) -> None:
    from tests.rights.repair_helpers import make_user
    from xinyong.orgs.models import Role

    store([penalty_row(1), penalty_row(2)])
    subject_id = record(1).subject_id
    url = f"/workspace/supervision/grades/subject/{subject_id}/"
    api = f"/api/v1/grades/{subject_id}/"
    assert client.get(url).status_code == 302
    assert client.get(api).status_code in (401, 403)
    assert client.get("/api/v1/grades/distribution/").status_code in (401, 403)
    client.force_login(make_user("bank", Role.BANK, None))
    assert client.get(url).status_code == 403
    assert client.get(api).status_code == 403
    client.force_login(make_user("hbj2", Role.REPORTER))
    page = client.get(url + "?on=2026-09-30")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="grade-letter">B<' in html and "一般失信行政处罚（12个月内）" in html
    assert client.get(url + "?on=2026-99-01").status_code == 302  # bad date: message, no 500
    data = client.get(api + "?on=2026-09-30").json()
    assert (data["grade"], data["score"]) == ("B", 80)
    pen = next(c for c in data["contributions"] if c["code"] == "PENALTY_GENERAL_12M")
    assert (pen["count"], pen["points"]) == (2, -20)
    assert client.get(api + "?on=bad").status_code == 400
    assert client.get("/api/v1/grades/999999/").status_code == 404
    dist = client.get("/api/v1/grades/distribution/").json()
    assert dist["grades"]["B"] == 1
    home = client.get("/workspace/supervision/grades/")
    assert home.status_code == 200 and "门户网站不展示" in home.content.decode()
    model = client.get("/workspace/supervision/grades/model/").content.decode()
    assert "全国没有统一的评分标准和等级分界" in model and "A ≥ 90.0" in model
    # Only the credit office recomputes everything.
    assert client.post("/workspace/supervision/grades/recompute/").status_code == 403


def test_person_grade_read_is_logged(client: Any) -> None:
    from tests.rights.repair_helpers import make_user, person_penalty_row
    from xinyong.core.models import ReadLog
    from xinyong.orgs.models import Role

    store([person_penalty_row(1)])
    subject = Subject.objects.get(identifier=PERSON_ID)
    client.force_login(make_user("xyb2", Role.CREDIT_ADMIN, None))
    before = ReadLog.objects.count()
    html = client.get(f"/workspace/supervision/grades/subject/{subject.pk}/").content.decode()
    assert "李*" in html and "李四" not in html
    assert ReadLog.objects.count() == before + 1
    assert unit().name == "区生态环境局"


def test_a_large_batch_with_a_sector_result_is_graded_set_based(monkeypatch) -> None:
    from stdnum.cn import uscc

    subject = clean_subject()
    set_runs: list[int] = []
    real_set_run = grading._set_run

    def spy(*args, **kwargs):
        set_runs.append(1)
        return real_set_run(*args, **kwargs)

    monkeypatch.setattr(grading, "_set_run", spy)
    monkeypatch.setattr(grading, "_SET_ABOVE", 0)
    decider = "11410503MB1234567" + uscc.calc_check_digit("11410503MB1234567")
    result = ingest_rows(
        actor=None,
        unit="区交通运输局",
        record_type="行业信用评价结果",
        rows=[
            {
                "HY_ZTMC": subject.name,
                "HY_ZTLB": "法人及非法人组织",
                "HY_SHXYM": subject.identifier,
                "HY_HY": "道路运输",
                "HY_DJ": "C级",
                "HY_PJRQ": "2026-09-01",
                "HY_YXQZ": "2027-08-31",
                "HY_WH": "北关交信评〔2026〕4号",
                "HY_PJJG": "安阳市北关区交通运输局",
                "HY_PJJGDM": decider,
                "HY_SJLY": "安阳市北关区交通运输局",
            }
        ],
        reported_on=date(2026, 9, 2),
    )
    assert result.rejected == 0, [e.as_dict() for e in result.errors]
    # Once for the sector result it became, once for the batch (nothing left to write).
    assert set_runs == [1, 1]
    assert stored(subject.pk) == ("C", Decimal("100.00"), "sector")
    change = GradeChange.objects.get(subject=subject)
    assert (change.old_grade, change.new_grade, change.reason) == ("", "C", "行业信用评价结果报送")
