"""Grades after the supervision review (issue 6 findings 4, 6, 9 a/b, 11): the admin
refuses an evaluation model that would break or mis-grade, a withdrawn or corrected
sector evaluation stops deciding or changes the letter, a merge regrades the survivor at
once and leaves no grade behind for the absorbed subject, and a 容缺 commitment flagged
逾期未补正 costs the breach points (model v1: base 100, A ≥ 90, B ≥ 75, C ≥ 60)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.rights.repair_helpers import penalty_row, record, store
from tests.supervision.test_grading import TODAY, clean_subject, stored
from xinyong.collection.services import ingest_rows
from xinyong.core.errors import DomainError
from xinyong.orgs.models import User
from xinyong.records.models import CreditRecord
from xinyong.records.services import correct_record, void_record, withdraw_record
from xinyong.subjects.models import Subject
from xinyong.subjects.services import merge_subjects
from xinyong.supervision import grading, loaders
from xinyong.supervision.models import EvaluationModel, ExternalEvaluation, Indicator, SubjectGrade

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grading, "_today", lambda: TODAY)


# ---------------------------------------------------------------- 4. the admin


def _post(client: Client, cutoffs: str, indicator: dict[str, str] | None = None) -> Any:
    data = {
        "name": "北关区公共信用综合评价模型",
        "version": "9",
        "effective_from": "2026-11-01",
        "effective_to": "",
        "base_score": "100",
        "cutoffs": cutoffs,
        "basis": "测试",
        "active": "on",
        "indicators-TOTAL_FORMS": "0",
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
    }
    if indicator is not None:
        row = {
            "order": "10",
            "code": "P12",
            "name": "行政处罚",
            "kind": "records",
            "params": '{"record_type": "XZCF", "within_months": 12}',
            "points": "-10",
            "cap": "30",
            **indicator,
        }
        data["indicators-TOTAL_FORMS"] = "1"
        data.update({f"indicators-0-{k}": v for k, v in row.items()})
    return client.post("/admin/supervision/evaluationmodel/add/", data)


@pytest.fixture
def root() -> Client:
    su = User.objects.create_superuser("root", password="Xinyong@Test2026")
    c = Client()
    c.force_login(su)
    return c


GOOD_CUTOFFS = '{"A": 90, "B": 75, "C": 60}'


@pytest.mark.parametrize(
    ("cutoffs", "indicator", "message"),
    [
        ('{"A": "九十", "B": 75, "C": 60}', None, "等级分界须为数字"),
        ('{"A": 60, "B": 75, "C": 90}', None, "等级分界须满足 A &gt; B &gt; C"),
        ('{"A": 90, "B": 75}', None, "等级分界应为"),
        (
            GOOD_CUTOFFS,
            {"params": '{"record_type": "XZCF", "within_months": "十二"}'},
            "within_months 应为 1 到 600 之间的整数月数",
        ),
        (
            GOOD_CUTOFFS,
            {"params": '{"record_type": "XZCF", "within_months": 12, "older_than_months": 36}'},
            "older_than_months 须小于 within_months",
        ),
        (GOOD_CUTOFFS, {"params": '{"record_type": "XZCF", "severity": "重"}'}, "severity"),
        (GOOD_CUTOFFS, {"params": '{"record_type": "XZCF", "months": 12}'}, "不认识的参数 months"),
        (GOOD_CUTOFFS, {"kind": "list", "params": '{"list_kind": "black"}'}, "list_kind"),
        (GOOD_CUTOFFS, {"kind": "list", "params": '{"max_grade": "D"}'}, "缺少参数 list_kind"),
        (
            GOOD_CUTOFFS,
            {"kind": "commitment_broken", "params": '{"statuses": ["违诺"]}'},
            "statuses",
        ),
        (GOOD_CUTOFFS, {"params": '{"record_type": "XZCF", "max_grade": "E"}'}, "max_grade"),
        (GOOD_CUTOFFS, {"params": '["XZCF"]'}, "参数应为"),
        (GOOD_CUTOFFS, {"cap": "-30"}, "封顶"),
    ],
)
def test_admin_refuses_a_model_that_would_break_or_misgrade(
    root: Client, cutoffs: str, indicator: dict[str, str] | None, message: str
) -> None:
    response = _post(root, cutoffs, indicator)
    assert response.status_code == 200  # the form again, with the error
    assert message in response.content.decode()
    assert not EvaluationModel.objects.filter(version=9).exists()
    # The model in force is unchanged: grading still works.
    assert grading.compute_grade(clean_subject(), date(2026, 11, 20)).grade == "A"


def test_admin_saves_a_valid_model_with_its_cutoffs_as_numbers(root: Client) -> None:
    response = _post(
        root,
        '{"A": "92", "B": 75, "C": 60.5}',
        {"params": '{"record_type": "XZCF", "severity": ["general"], "within_months": 12}'},
    )
    assert response.status_code == 302
    model = EvaluationModel.objects.get(version=9)
    assert model.cutoffs == {"A": 92.0, "B": 75.0, "C": 60.5}
    assert model.indicators.get().params["within_months"] == 12


def test_the_reference_models_pass_the_same_checks() -> None:
    for model in EvaluationModel.objects.all():
        loaders.check_cutoffs(model.cutoffs)
        for ind in model.indicators.all():
            loaders.check_params(ind.kind, ind.params)


def test_the_loader_refuses_bad_indicator_params() -> None:
    data = {
        "kind": "evaluation_model",
        "models": [
            {
                "name": "测试模型",
                "version": 1,
                "effective_from": "2027-01-01",
                "cutoffs": {"A": 90, "B": 75, "C": 60},
                "basis": "测试",
                "indicators": [
                    {
                        "code": "P12",
                        "name": "行政处罚",
                        "kind": "records",
                        "params": {"within_months": "十二"},
                        "points": -10,
                    }
                ],
            }
        ],
    }
    with pytest.raises(DomainError, match="指标 P12：within_months 应为"):
        loaders.load_models(data)
    assert not EvaluationModel.objects.filter(name="测试模型").exists()


def test_a_broken_model_already_stored_refuses_an_upload_with_a_message_not_a_500() -> None:
    # Written past the admin (a shell, SQL): the upload is refused in Chinese (400), the
    # batch is not stored, instead of a ValueError deep in the grade receiver (500).
    from xinyong.orgs import services as org_services
    from xinyong.orgs.services import resolve_unit_name

    model = grading.model_in_force(TODAY)
    Indicator.objects.filter(model=model, code="PENALTY_GENERAL_12M").update(
        params={"record_type": "XZCF", "within_months": "十二"}
    )
    with pytest.raises(DomainError, match="PENALTY_GENERAL_12M"):
        grading.compute_grade(clean_subject(), TODAY)
    _token, key = org_services.issue_unit_token(
        actor=None, unit=resolve_unit_name("区生态环境局"), name="执法系统"
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = {"record_type": "行政处罚", "rows": [penalty_row(1)]}
    response = api.post("/api/v1/collection/batches", body, format="json")
    assert response.status_code == 400
    assert "信用评价模型" in str(response.json())
    assert not CreditRecord.objects.exists()


# ---------------------------------------------------------------- 6. sector results


def _sector(subject: Subject, letter: str = "D级", n: int = 3) -> CreditRecord:
    from stdnum.cn import uscc

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
                "HY_DJ": letter,
                "HY_PJRQ": "2026-09-01",
                "HY_YXQZ": "2027-08-31",
                "HY_WH": f"北关交信评〔2026〕{n}号",
                "HY_PJJG": "安阳市北关区交通运输局",
                "HY_PJJGDM": decider,
                "HY_SJLY": "安阳市北关区交通运输局",
            }
        ],
        reported_on=date(2026, 9, 2),
    )
    assert result.rejected == 0, [e.as_dict() for e in result.errors]
    return CreditRecord.objects.get(document_number=f"北关交信评〔2026〕{n}号")


def test_withdrawn_sector_result_no_longer_decides_the_grade() -> None:
    s = clean_subject()
    rec = _sector(s)
    assert stored(s.pk) == ("D", Decimal("100.00"), "sector")
    withdraw_record(actor=None, record=rec, reason="评价对象有误，予以撤销")
    assert stored(s.pk) == ("A", Decimal("100.00"), "computed")
    assert not ExternalEvaluation.objects.filter(record=rec).exists()
    assert grading.recompute_all(TODAY).written == 0  # the full run agrees


def test_voided_sector_result_no_longer_decides_the_grade() -> None:
    s = clean_subject()
    rec = _sector(s)
    void_record(actor=None, record=rec, reason="误将其他企业的评价结果录入")
    assert stored(s.pk)[0] == "A"


def test_corrected_sector_result_takes_the_new_letter() -> None:
    s = clean_subject()
    rec = _sector(s)
    correct_record(actor=None, record=rec, changes={"HY_DJ": "B级"}, reason="等级录入错误")
    assert ExternalEvaluation.objects.get(record=rec).grade == "B"
    assert stored(s.pk) == ("B", Decimal("100.00"), "sector")


def test_a_stale_result_of_a_withdrawn_record_is_ignored() -> None:
    # A result stored before withdrawals dropped it: the withdrawn record no longer
    # counts (the model's basis: 已撤销的记录不计分), at the next run.
    s = clean_subject()
    rec = _sector(s)
    CreditRecord.objects.filter(pk=rec.pk).update(status="withdrawn")
    assert grading.compute_grade(s, TODAY).grade == "A"
    grading.recompute_all(TODAY)
    assert stored(s.pk)[0] == "A"


# ---------------------------------------------------------------- 9. merged subjects


def test_merge_regrades_the_survivor_and_drops_the_absorbed_grade() -> None:
    store([penalty_row(1), penalty_row(2)])
    dup = record(1).subject
    keep = clean_subject()
    grading.recompute_subjects([keep.pk])
    assert stored(dup.pk)[:2] == ("B", Decimal("80.00"))
    assert stored(keep.pk)[:2] == ("A", Decimal("100.00"))
    merge_subjects(actor=None, keep=keep, absorb=dup, reason="同一企业重复登记")
    # The two 一般 penalties now count for the survivor at once: 100 − 20 = 80.
    assert stored(keep.pk)[:2] == ("B", Decimal("80.00"))
    assert not SubjectGrade.objects.filter(subject=dup).exists()
    assert grading.distribution() == {"A": 0, "B": 1, "C": 0, "D": 0}


def test_full_run_drops_grades_left_on_merged_subjects() -> None:
    store([penalty_row(1), penalty_row(2)])
    dup = record(1).subject
    keep = clean_subject()
    grading.recompute_subjects([keep.pk])
    # A merge from before the hook existed: the absorbed subject kept its grade.
    Subject.objects.filter(pk=dup.pk).update(merged_into=keep)
    assert grading.distribution() == {"A": 1, "B": 1, "C": 0, "D": 0}
    grading.recompute_all(TODAY)
    assert not SubjectGrade.objects.filter(subject=dup).exists()
    assert stored(keep.pk)[0] == "B"
    assert grading.distribution() == {"A": 0, "B": 1, "C": 0, "D": 0}


# ---------------------------------------------------------------- 11. 逾期未补正


def test_overdue_deficiency_commitment_costs_the_breach_points(
    clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.commitments.helpers import SCJG, commit
    from xinyong.commitments import services as commitments
    from xinyong.commitments.models import Kind

    clock.today = date(2026, 9, 28)
    c = commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 9, 28))
    assert c.verify_due == date(2026, 10, 10)
    subject_id = c.subject_id
    grading.recompute_subjects([subject_id], on=date(2026, 9, 28))

    clock.today = date(2026, 10, 11)
    monkeypatch.setattr(grading, "_today", lambda: clock.today)
    assert [x.pk for x in commitments.check_overdue(on=date(2026, 10, 11))] == [c.pk]
    # The flag recomputed the subject (check_overdue writes with update(), no post_save).
    assert stored(subject_id)[:2] == ("A", Decimal("90.00"))
    result = grading.compute_grade(subject_id, date(2026, 10, 30))
    broken = {x.code: (x.count, x.points) for x in result.contributions if x.count}
    assert broken == {"COMMITMENT_BROKEN": (1, Decimal("-10.00"))}
    # Before the flag nothing counted.
    assert grading.compute_grade(subject_id, date(2026, 10, 10)).score == Decimal("100.00")
    # Made good late (全部履行 recorded): no longer a breach.
    clock.today = date(2026, 10, 20)
    commitments.record_fulfilment(
        actor=None,
        commitment=c,
        status="全部履行",
        evidence="2026-10-20 补交食品安全管理制度文本，经书面核查符合要求。",
        verified_on=date(2026, 10, 20),
    )
    assert "COMMITMENT_BROKEN" not in {
        x.code
        for x in grading.compute_grade(subject_id, date(2026, 10, 30)).contributions
        if x.count
    }
