"""REST endpoints under /api/v1/integrity/: results, scopes and refusals (JSON with a
Chinese detail, never a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xinyong.integrity.models import Alert, ArrearsCase, IntegrityCase

from .helpers import BZZ, SCJG, organ, unit

pytestmark = pytest.mark.django_db

GETS = [
    ("api:integrity-summary", None),
    ("api:integrity-alerts", None),
    ("api:integrity-bodies", None),
    ("api:integrity-cases", None),
    ("api:integrity-arrears", None),
    ("api:integrity-arrears-targets", None),
    ("api:integrity-commitments", None),
    ("api:integrity-evaluation", None),
]


@pytest.mark.parametrize(("name", "args"), GETS)
def test_anonymous_callers_are_refused(api, name, args):
    response = api.get(reverse(name, args=args))
    assert response.status_code in (401, 403)
    assert "未登录" in response.json()["detail"]


@pytest.mark.parametrize(("name", "args"), GETS)
@pytest.mark.parametrize("who", ["zzb", "bank"])
def test_org_department_and_banks_are_refused(api, people, name, args, who):
    api.force_authenticate(people[who])
    response = api.get(reverse(name, args=args))
    assert response.status_code == 403
    assert response.json()["detail"] in (
        "无权执行此操作。",
        "只有信用办、责任单位工作人员和领导可以查看政务诚信信息。",
    )


@pytest.mark.parametrize(("name", "args"), GETS)
@pytest.mark.parametrize("who", ["admin", "leader", "scj"])
def test_staff_read(api, people, world, name, args, who):
    api.force_authenticate(people[who])
    assert api.get(reverse(name, args=args) + "?year=2026").status_code == 200


def test_summary_counts_the_listed_government_body(api, people, world):
    api.force_authenticate(people["admin"])
    data = api.get(reverse("api:integrity-summary")).json()
    assert (
        data["government_bodies_on_sxbzxr"] == 1 and data["target_government_bodies_on_sxbzxr"] == 0
    )
    assert data["listed"][0]["subject"] == "安阳市北关区柏庄镇人民政府"
    assert data["arrears"]["new_cases"] == 1 and data["arrears"]["new_wan"] == "8.00"
    api.force_authenticate(people["scj"])
    assert api.get(reverse("api:integrity-summary")).json()["government_bodies_on_sxbzxr"] == 0


def test_alerts_are_scoped_and_signed_off(api, people, world):
    api.force_authenticate(people["scj"])
    alerts = api.get(reverse("api:integrity-alerts")).json()["results"]
    assert [a["kind"] for a in alerts] == ["arrears"]
    listed = Alert.objects.get(kind=Alert.Kind.SXBZXR)
    assert (
        api.post(reverse("api:integrity-alert-ack", args=[listed.pk]), {"text": "x"}).status_code
        == 404
    )
    ack = api.post(
        reverse("api:integrity-alert-ack", args=[alerts[0]["id"]]),
        {"text": "已制定清偿计划"},
        format="json",
    )
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert (
        api.post(
            reverse("api:integrity-alert-resolve", args=[alerts[0]["id"]]), {"text": "x"}
        ).status_code
        == 403
    )
    empty = api.post(reverse("api:integrity-alert-ack", args=[alerts[0]["id"]]), {}, format="json")
    assert empty.status_code == 400 and "说明" in empty.json()["detail"]
    api.force_authenticate(people["admin"])
    resolved = api.post(
        reverse("api:integrity-alert-resolve", args=[listed.pk]),
        {"text": "核实已履行"},
        format="json",
    )
    assert resolved.json()["status"] == "resolved"
    assert api.get(reverse("api:integrity-alerts") + "?status=bogus").status_code == 400


def test_unit_file(api, people, world):
    api.force_authenticate(people["bzz"])
    data = api.get(reverse("api:integrity-unit-file", args=[unit(BZZ).pk])).json()
    assert data["bodies"][0]["sxbzxr"][0]["in_force"] is True
    assert data["cases"][0]["kind"] == "enforcement"
    assert api.get(reverse("api:integrity-unit-file", args=[unit(SCJG).pk])).status_code == 403
    assert api.get(reverse("api:integrity-unit-file", args=[999999])).status_code == 404


def test_bodies_cases_and_steps(api, people, world):
    api.force_authenticate(people["scj"])
    created = api.post(
        reverse("api:integrity-bodies"),
        {"unit": SCJG, "kind": "institution", "name": "区市场监管局检验检测中心"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["kind_label"] == "所属事业单位"
    case = api.post(
        reverse("api:integrity-cases"),
        {
            "body": created.json()["id"],
            "kind": "enforcement",
            "title": "检测费执行案",
            "opened_on": "2026-09-01",
            "amount_wan": "3.2",
        },
        format="json",
    )
    assert case.status_code == 201 and case.json()["stage"] == "warning"
    pk = case.json()["id"]
    step = api.post(
        reverse("api:integrity-case-steps", args=[pk]),
        {"kind": "notice", "on": "2026-09-10", "note": "x"},
        format="json",
    )
    assert step.status_code == 403 and "通报" in step.json()["detail"]
    ok = api.post(
        reverse("api:integrity-case-steps", args=[pk]),
        {"kind": "progress", "on": "2026-09-10", "note": "已付 1 万"},
        format="json",
    )
    assert ok.status_code == 201 and [s["kind"] for s in ok.json()["steps"]] == [
        "warning",
        "progress",
    ]
    other = api.post(
        reverse("api:integrity-cases"),
        {"body": organ(BZZ).pk, "kind": "enforcement", "title": "x", "opened_on": "2026-09-01"},
        format="json",
    )
    assert other.status_code == 404
    bad = api.post(
        reverse("api:integrity-cases"),
        {
            "body": created.json()["id"],
            "kind": "enforcement",
            "title": "x",
            "opened_on": "2026-13-01",
        },
        format="json",
    )
    assert bad.status_code == 400 and "立案/发现日期" in bad.json()["detail"]
    listed = IntegrityCase.objects.get(list_entry=world["entry"])
    assert api.get(reverse("api:integrity-case", args=[listed.pk])).status_code == 404


def test_arrears_payments_and_targets(api, people, world):
    api.force_authenticate(people["scj"])
    pk = world["arrears"].pk
    paid = api.post(
        reverse("api:integrity-arrears-payments", args=[pk]),
        {"paid_on": "2026-06-01", "amount_wan": "8"},
        format="json",
    )
    assert (
        paid.status_code == 201
        and paid.json()["status"] == "cleared"
        and paid.json()["outstanding_wan"] == "0.00"
    )
    again = api.post(
        reverse("api:integrity-arrears-payments", args=[pk]),
        {"paid_on": "2026-06-02", "amount_wan": "1"},
        format="json",
    )
    assert again.status_code == 400 and "已清偿" in again.json()["detail"]
    created = api.post(
        reverse("api:integrity-arrears"),
        {
            "body": organ(SCJG).pk,
            "creditor_name": "某公司",
            "creditor_kind": "sme",
            "project": "印刷",
            "amount_wan": "1.5",
            "due_on": "2026-05-31",
            "registered_on": "2026-06-10",
        },
        format="json",
    )
    assert created.status_code == 201
    targets = api.get(reverse("api:integrity-arrears-targets") + "?year=2026").json()
    assert targets["district"]["new_cases"] == 2 and targets["district"]["target_met"] is False
    assert api.get(reverse("api:integrity-arrears-targets") + "?year=abc").status_code == 400
    api.force_authenticate(people["leader"])
    assert api.post(reverse("api:integrity-arrears"), {}, format="json").status_code == 403
    assert ArrearsCase.objects.count() == 2


def test_commitments_assess_and_complaints(api, people, world):
    api.force_authenticate(people["scj"])
    pk = world["commitment"].pk
    made = api.post(
        reverse("api:integrity-commitments"),
        {
            "body": organ(SCJG).pk,
            "kind": "pledge",
            "title": "诚信承诺书",
            "content": "依法履约",
            "made_on": "2026-02-01",
            "published": True,
        },
        format="json",
    )
    assert made.status_code == 201 and made.json()["kind_label"] == "诚信承诺书"
    broken = api.post(
        reverse("api:integrity-commitment-assess", args=[pk]),
        {"status": "broken", "note": "x"},
        format="json",
    )
    assert broken.status_code == 403
    kept = api.post(
        reverse("api:integrity-commitment-assess", args=[pk]),
        {"status": "fulfilled", "note": "平均 0.6 天", "on": "2026-07-01"},
        format="json",
    )
    assert kept.json()["status"] == "fulfilled"
    complaint = api.post(
        reverse("api:integrity-commitment-complaints", args=[pk]),
        {
            "received_on": "2026-07-02",
            "complainant": "某公司",
            "content": "未一日办结",
            "phone": "abc",
        },
        format="json",
    )
    assert complaint.status_code == 400 and "联系电话" in complaint.json()["detail"]


def test_evaluation_endpoints(api, people, world):
    api.force_authenticate(people["scj"])
    data = api.get(reverse("api:integrity-evaluation") + "?year=2026").json()
    assert [u["unit"] for u in data["units"]] == [SCJG]
    assert api.get(reverse("api:integrity-evaluation-export") + "?year=2026").status_code == 403
    own = api.get(
        reverse("api:integrity-evaluation-unit", args=[unit(SCJG).pk]) + "?year=2026"
    ).json()
    assert own["unit"] == SCJG and len(own["items"]) == 16
    refused = api.post(
        reverse("api:integrity-evaluation-scores"),
        {"year": 2026, "indicator": "YFXZ04", "unit": SCJG, "score": "9", "evidence": "x"},
        format="json",
    )
    assert refused.status_code == 403
    assert api.post(reverse("api:integrity-scan")).status_code == 403
    api.force_authenticate(people["admin"])
    scored = api.post(
        reverse("api:integrity-evaluation-scores"),
        {"year": 2026, "indicator": "yfxz04", "unit": SCJG, "score": "9", "evidence": "检查记录"},
        format="json",
    )
    assert scored.status_code == 201 and scored.json()["score"] == "9.00"
    missing = api.post(
        reverse("api:integrity-evaluation-scores"),
        {"year": 2026, "indicator": "NOPE", "unit": SCJG, "score": "9", "evidence": "x"},
        format="json",
    )
    assert missing.status_code == 404
    full = api.get(reverse("api:integrity-evaluation") + "?year=2026").json()
    assert (
        len(full["units"]) == 52
        and full["units"][-1]["unit"] == BZZ
        and full["units"][-1]["warning"] is True
    )
    xlsx = api.get(reverse("api:integrity-evaluation-export") + "?year=2026")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    scan = api.post(reverse("api:integrity-scan")).json()
    assert scan["government_bodies_on_sxbzxr"] == 1
    assert api.get(reverse("api:integrity-evaluation") + "?year=2031").status_code == 404
    api.force_authenticate(people["leader"])
    assert api.post(reverse("api:integrity-scan")).status_code == 403
