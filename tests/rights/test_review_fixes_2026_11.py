"""Defects found in the 2026-11 review of objections and credit repair (issue 4): the
rights APIs open a person's record without the person token, public status pages show
ID and phone numbers typed into staff reasons, the public repair form prints a person's
full name in the commitment, an objection cannot close as 更正 once the unit corrected the
record during the case, and 材料齐全 can be dated before the resubmission."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from xinyong.core.errors import DomainError
from xinyong.core.models import Event, ReadLog
from xinyong.publicity.views import person_token
from xinyong.records import services as records
from xinyong.records.models import RecordVersion
from xinyong.rights import objections, repair
from xinyong.rights.models import Channel, Objection, RepairApplication

from .repair_helpers import (
    PERSON_ID,
    apply,
    penalty_row,
    person_penalty_row,
    record,
    staff,
    store,
)

pytestmark = pytest.mark.django_db

REASON = f"经核查，当事人经办人李四（身份证{PERSON_ID}，电话13812345678）提交的缴款凭证属实"


def _file(r, **kw):
    values = dict(
        actor=None,
        record=r,
        channel=Channel.ONLINE,
        category=Objection.Category.WRONG,
        description="罚款金额应为3万元，不是5万元。",
        requested_change="罚款3万元",
        applicant_name="安阳市北关区某某化工有限公司",
        applicant_phone="13800001234",
    )
    values.update(kw)
    return objections.file_objection(**values)


def _person_reads(r) -> int:
    return ReadLog.objects.filter(
        subject_type="subjects.Subject", subject_id=str(r.subject_id)
    ).count()


# ------------------------------------------------------------------ 1. person token on the APIs


def test_api_objection_on_a_persons_record_needs_the_person_token(clock):
    clock.today = date(2026, 9, 29)
    store([person_penalty_row(1)])
    r = record(1)
    assert Client().get(f"/credit/record/{r.pk}/objection/").status_code == 404  # portal: token
    body = {
        "record": r.pk,
        "category": "wrong",
        "description": "有误",
        "applicant_name": "王五",
        "applicant_phone": "13800001234",
    }
    api = APIClient()
    refused = api.post("/api/v1/objections", body, format="json")
    assert refused.status_code == 404, refused.json()
    assert "北关环罚〔2026〕1号" not in refused.content.decode()
    assert api.post("/api/v1/objections?t=forged", body, format="json").status_code == 404
    assert not Objection.objects.exists()
    assert _person_reads(r) == 0
    filed = api.post(f"/api/v1/objections?t={person_token(r.subject)}", body, format="json")
    assert filed.status_code == 201, filed.json()
    assert filed.json()["subject_name"] == "李*"
    assert Objection.objects.get().record_id == r.pk
    assert _person_reads(r) == 1
    # An organisation's record needs no token, as on the portal.
    store([penalty_row(2)])
    org = APIClient().post("/api/v1/objections", {**body, "record": record(2).pk}, format="json")
    assert org.status_code == 201, org.json()


def test_api_repair_on_a_persons_record_needs_the_person_token(clock):
    clock.today = date(2026, 9, 22)  # decided 2026-03-10: past the 3-month minimum
    store([person_penalty_row(1)])
    r = record(1)
    body = {
        "record": r.pk,
        "applicant_name": "李四",
        "applicant_phone": "13800001234",
        "subject_identifier": PERSON_ID,
        "fulfilment_statement": "罚款已缴清。",
        "commitment_accepted": True,
    }
    api = APIClient()
    refused = api.post("/api/v1/repairs", body, format="json")
    assert refused.status_code == 404, refused.json()
    assert not RepairApplication.objects.exists()
    assert _person_reads(r) == 0
    created = api.post(f"/api/v1/repairs?t={person_token(r.subject)}", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["party_name"] == "李*"
    assert _person_reads(r) == 1


# ------------------------------------------------------------------ 2. masked free text


def test_public_objection_status_masks_ids_typed_into_the_reason(clock):
    clock.today = date(2026, 9, 28)
    users = staff()
    store([penalty_row(1, decided="2026-09-01")], reported_on=date(2026, 9, 3))
    obj = _file(record(1))
    objections.decide_objection(actor=users["admin"], objection=obj, outcome="kept", reason=REASON)
    html = Client().get(f"/credit/objection/status/?code={obj.query_code}").content.decode()
    api = Client().get(f"/api/v1/objections/status?code={obj.query_code}")
    assert api.status_code == 200
    assert PERSON_ID not in html and "13812345678" not in html
    assert "110105********002X" in html and "138****5678" in html
    text = api.content.decode()
    assert PERSON_ID not in text and "13812345678" not in text
    assert "110105********002X" in api.json()["outcome_reason"]
    assert PERSON_ID not in api.json()["applicant_notice"]


def test_public_repair_status_masks_ids_typed_into_the_reason(clock):
    clock.today = date(2026, 9, 22)
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    app = apply(record(1), on=date(2026, 9, 22))
    repair.mark_complete(actor=users["admin"], application=app, complete=True)
    repair.provider_review(actor=users["reporter"], application=app, agrees=False, opinion="未整改")
    repair.decide_repair(actor=users["admin"], application=app, approve=False, reason=REASON)
    html = Client().get(f"/credit/repair/status/?code={app.query_code}").content.decode()
    assert PERSON_ID not in html and "13812345678" not in html
    assert "110105********002X" in html
    api = Client().get(f"/api/v1/repairs/status?code={app.query_code}")
    assert api.status_code == 200
    assert PERSON_ID not in api.content.decode() and "13812345678" not in api.content.decode()


def test_public_repair_status_masks_the_incomplete_note_and_a_persons_name(clock):
    clock.today = date(2026, 9, 22)
    users = staff()
    store([person_penalty_row(1)])
    r = record(1)
    app = apply(r, on=date(2026, 9, 22), applicant_name="李四", subject_identifier=PERSON_ID)
    repair.mark_complete(
        actor=users["admin"],
        application=app,
        complete=False,
        note=f"请李四补交身份证（{PERSON_ID}）复印件",
    )
    api = Client().get(f"/api/v1/repairs/status?code={app.query_code}").json()
    assert (
        api["applicant_notice"]
        == "申请材料不齐全，请凭查询码补正：请李*补交身份证（110105********002X）复印件"
    )
    # Staff keep the full text.
    assert PERSON_ID in RepairApplication.objects.get().applicant_notice


# ------------------------------------------------------------------ 3. commitment on the form


def test_public_repair_form_masks_the_persons_name_in_the_commitment(clock):
    clock.today = date(2026, 9, 22)
    store([person_penalty_row(1)])  # 李四, decided 2026-03-10
    r = record(1)
    url = f"/credit/record/{r.pk}/repair/?t={person_token(r.subject)}"
    page = Client().get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "本主体（李*）就北关环罚〔2026〕1号行政处罚" in html
    assert "李四" not in html
    # The stored commitment, which only staff see, names the person in full.
    done = Client().post(
        url,
        {
            "applicant_name": "王五",
            "applicant_phone": "13800001234",
            "subject_identifier": PERSON_ID,
            "fulfilment_statement": "罚款已缴清。",
            "commitment_accepted": "on",
        },
    )
    assert done.status_code == 200
    assert "李四" not in done.content.decode()
    assert "本主体（李四）" in RepairApplication.objects.get().commitment_text


# ------------------------------------------------------------------ 5. 更正 after the unit corrected


def _at(day: date) -> datetime:
    # The clock fixture sets today's date, not the time stamps: a record version is dated
    # as if made on `day`.
    return timezone.make_aware(datetime.combine(day, time(10)))


def _case_corrected_by_the_unit(clock):
    clock.today = date(2026, 9, 28)
    users = staff()
    store([penalty_row(1, decided="2026-09-01")], reported_on=date(2026, 9, 3))
    obj = _file(record(1))
    clock.today = date(2026, 9, 29)
    obj = objections.forward_to_provider(actor=users["admin"], objection=obj)
    records.correct_record(
        actor=users["reporter"],
        record=record(1),
        changes={"CF_NR_FK": "3", "CF_NR": "罚款3万元"},
        reason="核实金额有误",
    )
    RecordVersion.objects.update(superseded_at=_at(date(2026, 9, 29)))
    obj = objections.provider_reply(
        actor=users["reporter"], objection=obj, reply="经核实金额有误，已更正为3万元。"
    )
    clock.today = date(2026, 9, 30)
    return users, obj


def _decide_event(obj: Objection) -> Event:
    return Event.objects.get(action="rights.objection.decide", target_id=str(obj.pk))


def test_objection_can_close_as_corrected_when_the_unit_corrected_during_the_case(clock):
    users, obj = _case_corrected_by_the_unit(clock)
    done = objections.decide_objection(
        actor=users["admin"],
        objection=obj,
        outcome="corrected",
        reason="提供单位已更正",
        corrected_values={"CF_NR_FK": "3", "CF_NR": "罚款3万元"},
    )
    assert done.outcome == Objection.Outcome.CORRECTED
    assert "决定予以更正" in done.applicant_notice
    r = record(1)
    assert (r.version, r.payload["CF_NR_FK"]) == (2, "3")  # no second correction
    effect = _decide_event(done).new_values["effect"]
    assert effect["record_version"] == 2
    assert effect["corrected_during_case"] is True


def test_objection_closes_as_corrected_without_values_only_after_a_correction_in_the_case(
    clock,
):
    clock.today = date(2026, 9, 10)
    users = staff()
    store([penalty_row(1, decided="2026-09-01")], reported_on=date(2026, 9, 3))
    # Corrected before the objection: no correction made in the case.
    records.correct_record(
        actor=users["reporter"], record=record(1), changes={"CF_NR_FK": "4"}, reason="核实"
    )
    RecordVersion.objects.update(superseded_at=_at(date(2026, 9, 10)))
    clock.today = date(2026, 9, 28)
    obj = _file(record(1))
    with pytest.raises(DomainError, match="请填写更正后的信息项"):
        objections.decide_objection(
            actor=users["admin"], objection=obj, outcome="corrected", reason="更正"
        )
    with pytest.raises(DomainError, match="与现有内容相同"):
        objections.decide_objection(
            actor=users["admin"],
            objection=obj,
            outcome="corrected",
            reason="更正",
            corrected_values={"CF_NR_FK": "4"},
        )
    # The unit corrects while the case is open; the office closes it as 更正 without values.
    clock.today = date(2026, 9, 29)
    records.correct_record(
        actor=users["reporter"], record=record(1), changes={"CF_NR_FK": "3"}, reason="核实"
    )
    RecordVersion.objects.filter(version=2).update(superseded_at=_at(date(2026, 9, 29)))
    clock.today = date(2026, 9, 30)
    done = objections.decide_objection(
        actor=users["admin"], objection=obj, outcome="corrected", reason="提供单位已更正"
    )
    assert done.outcome == Objection.Outcome.CORRECTED
    assert record(1).version == 3
    effect = _decide_event(done).new_values["effect"]
    assert effect["record_version"] == 3
    assert effect["corrected_during_case"] is True


# ------------------------------------------------------------------ 6. repair step dates


def _resubmitted(clock):
    clock.today = date(2026, 9, 1)
    users = staff()
    store([penalty_row(1, decided="2026-03-10")])
    app = apply(record(1), on=date(2026, 9, 1))
    clock.today = date(2026, 9, 3)
    app = repair.mark_complete(
        actor=users["admin"], application=app, complete=False, note="缺缴款凭证"
    )
    assert app.incomplete_on == date(2026, 9, 3)
    return users, app


def test_completeness_cannot_be_dated_before_the_resubmission(clock):
    users, app = _resubmitted(clock)
    clock.today = date(2026, 9, 10)
    app = repair.resubmit_repair(actor=None, application=app, supplement="补交缴款凭证")
    assert app.resubmitted_on == date(2026, 9, 10)
    with pytest.raises(
        DomainError, match=r"材料审查日期（2026-09-02）不能早于补正日期（2026-09-10）"
    ):
        repair.mark_complete(
            actor=users["admin"], application=app, complete=True, on=date(2026, 9, 2)
        )
    done = repair.mark_complete(
        actor=users["admin"], application=app, complete=True, on=date(2026, 9, 10)
    )
    assert done.complete_on == date(2026, 9, 10)


def test_resubmission_cannot_be_dated_before_the_incomplete_finding(clock):
    _, app = _resubmitted(clock)
    clock.today = date(2026, 9, 10)
    with pytest.raises(
        DomainError, match=r"补正日期（2026-09-02）不能早于退回补正日期（2026-09-03）"
    ):
        repair.resubmit_repair(
            actor=None, application=app, supplement="补交缴款凭证", on=date(2026, 9, 2)
        )


def test_migration_dates_past_resubmissions_from_their_statement(clock):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("xinyong.rights.migrations.0005_repair_step_dates")
    _, app = _resubmitted(clock)
    clock.today = date(2026, 9, 10)
    # A marker typed into the text, dated after the row last changed, is not taken.
    repair.resubmit_repair(
        actor=None, application=app, supplement="补交缴款凭证\n【2030-01-01 补正】另附说明"
    )
    RepairApplication.objects.update(resubmitted_on=None)
    migration.fill_resubmitted_on(apps, None)
    assert RepairApplication.objects.get().resubmitted_on == date(2026, 9, 10)
