"""The measures list: a measure without a legal basis (or naming a forbidden matter) is
refused by the service, the admin and the loader; the compliance report flags whatever
lacks a basis, has expired or names a forbidden matter — measures, list types and the
catalogue's record types together."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.sanctions.governance_helpers import make_user
from xinyong.catalog.models import RecordType
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.sanctions import measures
from xinyong.sanctions.models import ListType, Matter, Measure

pytestmark = pytest.mark.django_db

BASIS = "《中华人民共和国政府采购法》第二十二条第一款第五项"


def _save(**overrides):
    values = {
        "actor": None,
        "code": "T-1",
        "name": "测试措施",
        "kind": "punishment",
        "legal_basis": BASIS,
        "list_type_codes": ["SX_BZXR"],
        "matter_codes": ["PROCUREMENT"],
        "unit_names": ["区财政局"],
        "effective_from": date(2026, 1, 1),
    }
    values.update(overrides)
    return measures.save_measure(**values)


def test_reference_measures_are_loaded_with_bases() -> None:
    assert Matter.objects.count() == 12
    assert Measure.objects.count() == 16
    assert Measure.objects.filter(kind="incentive").count() == 5
    procurement = Measure.objects.get(code="P-PROCUREMENT")
    assert procurement.legal_basis.startswith(BASIS)
    assert sorted(lt.code for lt in procurement.list_types.all()) == [
        "SX_BZXR",
        "SX_TAX",
        "SX_WAGES",
    ]
    assert [u.name for u in procurement.implementing_units.all()] == ["区财政局"]
    assert not Measure.objects.filter(legal_basis="").exists()
    # Loading again changes nothing.
    counts = measures.load_matters_and_measures(update_existing=True)
    assert [(c.created, c.updated, c.unchanged) for c in counts] == [(0, 0, 12), (0, 0, 16)]


def test_measure_without_basis_is_refused() -> None:
    with pytest.raises(DomainError, match="缺少法律依据"):
        _save(legal_basis="   ")
    with pytest.raises(DomainError, match="不是有效的引用"):
        _save(legal_basis="有关规定")
    assert not Measure.objects.filter(code="T-1").exists()
    measure = _save()
    assert measure.legal_basis == BASIS
    assert (
        Event.objects.filter(action="sanctions.measure_created", target_id=str(measure.pk)).count()
        == 1
    )
    # An existing measure cannot lose its basis either.
    with pytest.raises(DomainError, match="缺少法律依据"):
        _save(legal_basis="")
    assert Measure.objects.get(code="T-1").legal_basis == BASIS


def test_forbidden_matter_and_wrong_list_kind_are_refused() -> None:
    with pytest.raises(DomainError, match="欠缴物业费"):
        _save(name="对欠缴物业费的业主限制评优评先")
    with pytest.raises(DomainError, match="闯红灯"):
        _save(name="闯红灯人员限制乘坐高铁")
    with pytest.raises(DomainError, match="激励措施只能适用于红名单"):
        _save(kind="incentive")
    with pytest.raises(DomainError, match="惩戒措施不能适用于红名单"):
        _save(list_type_codes=["RED"])
    with pytest.raises(DomainError, match="未指定适用名单"):
        _save(list_type_codes=[])
    with pytest.raises(DomainError, match="未知的名单类型代码：NOPE"):
        _save(list_type_codes=["NOPE"])
    with pytest.raises(DomainError, match="失效日期不能早于生效日期"):
        _save(effective_to=date(2025, 12, 31))
    assert not Measure.objects.filter(code="T-1").exists()


def test_only_the_credit_office_maintains_measures() -> None:
    reporter = make_user("m_reporter", Role.REPORTER, "区财政局")
    with pytest.raises(NotPermitted):
        _save(actor=reporter)
    admin = make_user("m_admin", Role.CREDIT_ADMIN, "区发改委")
    assert _save(actor=admin).code == "T-1"


def test_admin_form_refuses_a_measure_without_basis() -> None:
    lt = ListType.objects.get(code="SX_BZXR")
    data = {
        "code": "T-2",
        "name": "测试措施",
        "kind": "punishment",
        "legal_basis": "",
        "source_list": "测试",
        "implementing_text": "",
        "list_types": [lt.pk],
        "matters": [],
        "implementing_units": [],
        "effective_from": "2026-01-01",
        "active": "on",
    }
    form = measures.MeasureAdminForm(data=data)
    assert not form.is_valid()
    assert "缺少法律依据" in str(form.errors)
    form = measures.MeasureAdminForm(data={**data, "legal_basis": BASIS})
    assert form.is_valid(), form.errors


def test_admin_saves_through_the_service(client) -> None:
    admin = make_user("m_admin2", Role.CREDIT_ADMIN, "区发改委")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    lt = ListType.objects.get(code="SX_BZXR")
    matter = Matter.objects.get(code="PROCUREMENT")
    payload = {
        "code": "T-3",
        "name": "测试措施",
        "kind": "punishment",
        "legal_basis": "",
        "source_list": "测试",
        "list_types": [str(lt.pk)],
        "matters": [str(matter.pk)],
        "effective_from": "2026-01-01",
        "active": "on",
    }
    response = client.post("/admin/sanctions/measure/add/", payload)
    assert response.status_code == 200
    assert "缺少法律依据" in response.content.decode()
    assert not Measure.objects.filter(code="T-3").exists()
    response = client.post("/admin/sanctions/measure/add/", {**payload, "legal_basis": BASIS})
    assert response.status_code == 302
    saved = Measure.objects.get(code="T-3")
    assert [m.code for m in saved.matters.all()] == ["PROCUREMENT"]
    assert Event.objects.filter(
        action="sanctions.measure_created", target_id=str(saved.pk)
    ).exists()


def test_loader_refuses_a_file_with_a_measure_without_basis(tmp_path: Path) -> None:
    (tmp_path / "matters.json").write_text(
        json.dumps({"kind": "matters", "items": [{"code": "PROCUREMENT", "name": "政府采购"}]}),
        encoding="utf-8",
    )
    item = {
        "code": "T-9",
        "name": "无依据措施",
        "kind": "punishment",
        "legal_basis": "",
        "list_types": ["SX_BZXR"],
        "matters": ["PROCUREMENT"],
        "effective_from": "2026-01-01",
    }
    (tmp_path / "measures.json").write_text(
        json.dumps({"kind": "measures", "items": [item]}, ensure_ascii=False), encoding="utf-8"
    )
    with pytest.raises(DomainError, match="缺少法律依据"):
        measures.load_matters_and_measures(update_existing=True, directory=tmp_path)
    assert not Measure.objects.filter(code="T-9").exists()


def test_compliance_report_flags_missing_basis_expiry_and_forbidden_matters() -> None:
    on = date(2026, 3, 2)
    report = measures.compliance_report(actor=None, on=on)
    assert report.flagged == []
    counts = report.counts()
    assert counts["奖惩措施（惩戒措施）"] == {"total": 11, "flagged": 0}
    assert counts["奖惩措施（激励措施）"] == {"total": 5, "flagged": 0}
    assert counts["名单类型"]["total"] == 7
    assert counts["信息类别（目录）"]["total"] == RecordType.objects.count()

    # Things that slipped in around the services are caught by the report.
    Measure.objects.filter(code="P-WAGES").update(legal_basis="")
    Measure.objects.filter(code="P-LAND").update(effective_to=date(2026, 2, 27))
    Measure.objects.filter(code="I-CREDIT").update(name="对按时缴纳物业费的业主给予信贷优惠")
    RecordType.objects.filter(pk=RecordType.objects.order_by("pk").first().pk).update(
        description="含欠缴物业费信息"
    )
    report = measures.compliance_report(actor=None, on=on)
    flagged = {(r.code, "；".join(r.problems)) for r in report.flagged}
    codes = sorted(code for code, _ in flagged)
    assert codes == sorted(
        ["P-WAGES", "P-LAND", "I-CREDIT", RecordType.objects.order_by("pk").first().code]
    )
    problems = dict(flagged)
    assert problems["P-WAGES"] == "缺少法律依据"
    assert problems["P-LAND"] == "已于 2026-02-27 失效"
    assert "物业费" in problems["I-CREDIT"]
    assert measures.compliance_xlsx(report)[:2] == b"PK"
    leader = make_user("m_leader", Role.LEADER)
    assert measures.compliance_report(actor=leader, on=on).on == on
    with pytest.raises(NotPermitted):
        measures.compliance_report(actor=make_user("m_rep", Role.REPORTER, "区财政局"), on=on)


def test_cli_compliance_json_and_text() -> None:
    out = StringIO()
    call_command("sanctions", "compliance", "--on", "2026-03-02", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["all_lawful"] is True
    assert data["counts"]["奖惩措施（惩戒措施）"] == {"total": 11, "flagged": 0}
    Measure.objects.filter(code="P-WAGES").update(legal_basis="")
    out = StringIO()
    call_command("sanctions", "compliance", "--on", "2026-03-02", stdout=out)
    text = out.getvalue()
    assert "奖惩措施（惩戒措施）：11 项，问题 1 项" in text
    assert "P-WAGES" in text and "缺少法律依据" in text
