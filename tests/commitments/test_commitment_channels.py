"""信用修复型 from repair applications, file import (form and CLI), the API."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from xinyong.commitments import services
from xinyong.commitments.models import Commitment, Kind
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Role
from xinyong.rights import repair
from xinyong.rights.models import Channel

from ..rights.repair_helpers import penalty_row, record, store
from .helpers import ORG_USCC, OTHER_USCC, PERSON_ID, SCJG, ZJJ, make_user, matter, unit

pytestmark = pytest.mark.django_db


def test_repair_application_creates_repair_commitment() -> None:
    store([penalty_row(1, decided="2026-03-10")])
    r = record(1)
    app = repair.apply_for_repair(
        actor=None,
        record=r,
        channel=Channel.ONLINE,
        applicant_name="安阳市北关区某某化工有限公司",
        applicant_phone="13800001234",
        subject_identifier=ORG_USCC,
        fulfilment_statement="已缴清罚款并完成整改。",
        commitment_accepted=True,
        submitted_on=date(2026, 9, 22),
    )
    c = Commitment.objects.get(repair_application=app)
    assert c.kind == Kind.REPAIR
    assert c.code == "41050320260922000001"
    assert c.content == app.commitment_text
    assert c.subject_id == r.subject_id and c.accepting_unit_id == r.source_unit_id
    assert c.channel == Commitment.Channel.PUBLIC_WINDOW
    # Shared with authorities only: publishing it would re-expose the repaired penalty.
    assert c.publicity == Commitment.Publicity.LIMITED
    assert c.breach_liability.startswith("违反信用修复承诺的，失信信息按最长公示期限公示")
    assert c.reason == f"申请信用修复：行政处罚 {r.document_number}"
    # Idempotent per application.
    assert services.record_repair_commitment(actor=None, application=app).pk == c.pk


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "承诺.csv"
    header = "承诺人名称,承诺人代码,承诺类型,承诺事项,承诺作出日期,公开属性"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8-sig")
    return path


def test_import_file_all_or_nothing(tmp_path: Path) -> None:
    bad = _csv(
        tmp_path,
        [
            f"安阳市某某食品有限公司,{ORG_USCC},容缺受理型,食品经营许可,2026-09-28,可向社会公开",
            f"某某餐饮店,{OTHER_USCC},容缺受理型,不存在的事项,2026-09-28,",
            "张某,123,证明事项型,食品经营许可,2026-09-28,",
        ],
    )
    result = services.import_commitments(actor=None, unit=SCJG, path=bad)
    assert [(e.row, e.column) for e in result.errors] == [(3, "承诺事项"), (4, "")]
    assert "不存在的事项" in result.errors[0].message
    assert "承诺人代码" in result.errors[1].message
    assert Commitment.objects.count() == 0
    good = _csv(
        tmp_path,
        [
            f"安阳市某某食品有限公司,{ORG_USCC},容缺受理型,食品经营许可,2026-09-28,可向社会公开",
            f"李四,{PERSON_ID},证明事项型,食品经营许可,2026/9/29,不可公开",
        ],
    )
    done = services.import_commitments(actor=None, unit=SCJG, path=good)
    assert [c.code for c in done.created] == ["41050320260928000001", "41050320260929000001"]
    first, second = done.created
    assert (first.verify_due, first.channel) == (date(2026, 10, 10), Commitment.Channel.FILE)
    assert second.publicity == Commitment.Publicity.PRIVATE


def test_import_reports_a_committer_code_of_the_wrong_kind_by_row(tmp_path: Path) -> None:
    """A valid 组织机构代码 is still not a committer's code (USCC or resident ID): the row
    is reported with its number, not the whole file refused without one."""
    path = _csv(
        tmp_path,
        [
            f"安阳市某某食品有限公司,{ORG_USCC},容缺受理型,食品经营许可,2026-09-28,可向社会公开",
            "安阳市某某建材有限公司,MA62K0260,容缺受理型,食品经营许可,2026-09-28,",
        ],
    )
    result = services.import_commitments(actor=None, unit=SCJG, path=path)
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "承诺人代码应为统一社会信用代码或居民身份证号码。")
    ]
    assert Commitment.objects.count() == 0


def test_import_refuses_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("名称,代码\n甲,乙\n", encoding="utf-8")
    with pytest.raises(
        DomainError, match="缺少必需的列：承诺人名称、承诺人代码、承诺类型、承诺作出日期"
    ):
        services.import_commitments(actor=None, unit=SCJG, path=path)


def test_cli_import_and_check_overdue(tmp_path: Path) -> None:
    path = _csv(
        tmp_path, [f"安阳市某某食品有限公司,{ORG_USCC},容缺受理型,食品经营许可,2026-09-28,"]
    )
    out = StringIO()
    call_command("commitments", "import", str(path), "--unit", "区市场局", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["created"], data["codes"]) == (1, ["41050320260928000001"])
    out = StringIO()
    call_command("commitments", "check-overdue", "--on", "2026-10-11", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "on": "2026-10-11",
        "flagged": 1,
        "codes": ["41050320260928000001"],
    }
    out = StringIO()
    call_command("commitments", "check-overdue", "--on", "2026-10-11", "--json", stdout=out)
    assert json.loads(out.getvalue())["flagged"] == 0
    with pytest.raises(CommandError, match="日期“2026-13-01”无效"):
        call_command("commitments", "check-overdue", "--on", "2026-13-01")
    with pytest.raises(CommandError, match="单位"):
        call_command("commitments", "import", str(path), "--unit", "不存在的局")


def test_api_unit_endpoints_and_scope() -> None:
    own = make_user("scjg", Role.REPORTER, SCJG)
    other = make_user("zjj", Role.REPORTER, ZJJ)
    api = APIClient()
    api.force_authenticate(own)
    m = matter(SCJG, "食品经营许可", Kind.CERTIFICATE)
    created = api.post(
        "/api/v1/commitments/",
        {
            "matter": m.pk,
            "committer_name": "安阳市某某食品有限公司",
            "committer_code": ORG_USCC,
            "made_on": "2026-09-28",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["code"], body["kind"], body["verify_due"]) == (
        "41050320260928000001",
        "certificate",
        "2026-10-30",
    )
    bad = api.post(
        "/api/v1/commitments/", {"committer_name": "x", "made_on": "20260928"}, format="json"
    )
    assert bad.status_code == 400 and "承诺人代码" in bad.json()["detail"]
    api.force_authenticate(other)
    assert api.get("/api/v1/commitments/").json()["count"] == 0
    denied = api.post(
        f"/api/v1/commitments/{body['id']}/fulfilment/",
        {"status": "全部履行", "evidence": "x"},
        format="json",
    )
    assert denied.status_code == 404
    api.force_authenticate(own)
    missing = api.post(
        f"/api/v1/commitments/{body['id']}/fulfilment/",
        {"status": "全部未履行", "evidence": "实地核查不符"},
        format="json",
    )
    assert missing.status_code == 400 and missing.json()["detail"] == "请填写未履行内容。"
    done = api.post(
        f"/api/v1/commitments/{body['id']}/fulfilment/",
        {
            "status": "全部未履行",
            "evidence": "实地核查不符",
            "unfulfilled_content": "经营场所不实",
            "liability_action": "撤销许可",
            "verified_on": "2026-10-20",
        },
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["status"] == "broken" and done.json()["breach_record"] is not None


def test_api_public_window_and_matters() -> None:
    api = APIClient()
    matters = api.get("/api/v1/commitments/matters/", {"kind": "voluntary"}).json()
    assert [m["name"] for m in matters["results"]] == ["经营主体信用承诺"]
    assert api.get("/api/v1/commitments/matters/", {"kind": "nope"}).status_code == 400
    start = api.post(
        "/api/v1/commitments/public/",
        {
            "matter": matters["results"][0]["id"],
            "uscc": ORG_USCC,
            "name": "安阳市北关区某某超市有限公司",
            "accepted": True,
        },
        format="json",
    )
    assert start.status_code == 200
    token, shown = start.json()["token"], start.json()["shown"]
    assert len(shown) == 6 and shown.isdigit()
    forged = api.post(
        "/api/v1/commitments/public/confirm/", {"token": "x", "code": shown}, format="json"
    )
    assert forged.status_code == 400
    ok = api.post(
        "/api/v1/commitments/public/confirm/", {"token": token, "code": shown}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["code"].startswith("410503") and ok.json()["status"] == "pending"
    assert Commitment.objects.get().accepting_unit == unit(SCJG)
    assert api.get("/api/v1/commitments/").status_code in (401, 403)
