"""Inspection results as 行政检查 records, public pages, API, CLI and policy rules."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import SubjectKind
from xinyong.supervision import draws, policy
from xinyong.supervision.models import Draw, SupervisionPolicy

from .draws_helpers import ensure_policies, make_pool, roster, staff, unit

pytestmark = pytest.mark.django_db
INSPECTOR_USCC = "11410503MB1234567"


@pytest.fixture(autouse=True)
def _seed_dir(settings, tmp_path: Path) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()


def _valid_uscc() -> str:
    from stdnum.cn import uscc

    return INSPECTOR_USCC + uscc.calc_check_digit(INSPECTOR_USCC)


def _drawn(counts=None, kind=SubjectKind.ORGANISATION) -> Draw:
    make_pool(counts or {"D": 10}, kind=kind)
    roster(2)
    draw = draws.create_draw(actor=None, unit=unit(), title="2026年食品经营双随机抽查")
    return draws.run_draw(actor=None, draw=draw)


def _record(target, n: int = 1, **extra):
    values = {
        "document_number": f"北关市监检〔2026〕{n}号",
        # On or after the draw's run date (an earlier date is refused).
        "inspected_on": timezone.localdate().isoformat(),
        "matters": "食品经营许可事项",
        "outcome": "未发现问题",
        "legal_rep": "张三",
        "inspecting_unit_name": "安阳市北关区市场监督管理局",
        "inspecting_unit_code": _valid_uscc(),
    }
    values.update(extra)
    return draws.record_inspection(actor=None, target=target, **values)


def test_inspection_result_becomes_xzjc_record_and_is_published():
    draw = _drawn()
    targets = list(draw.targets.order_by("pk"))
    assert len(targets) == 3
    record = _record(targets[0], outcome="发现过期食品2批次", handling="责令改正")
    assert record.record_type.code == "XZJC"
    assert record.subject_id == targets[0].subject_id
    assert record.payload["JC_FS"] == "双随机抽查"
    assert record.payload["JC_JG"] == "发现过期食品2批次"
    assert record.source_unit == unit()
    targets[0].refresh_from_db()
    assert targets[0].inspection_record_id == record.pk
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAWN
    page = Client().get(f"/credit/draws/{draw.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "发现过期食品2批次" in body and "责令改正" in body
    assert "待检查" in body
    for n, target in enumerate(targets[1:], start=2):
        _record(target, n)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.PUBLISHED
    assert CreditRecord.objects.filter(record_type__code="XZJC").count() == 3


def test_rejected_inspection_row_gives_the_reason():
    draw = _drawn()
    target = draw.targets.first()
    with pytest.raises(DomainError, match=r"检查结果未能入库.*法定代表人"):
        _record(target, legal_rep="")
    with pytest.raises(DomainError, match="未登记统一社会信用代码"):
        _record(target, inspecting_unit_code="")


def test_public_page_before_run_shows_hash_not_seed(tmp_path):
    make_pool({"B": 50})
    roster(2)
    draw = draws.create_draw(actor=None, unit=unit(), title="抽取前公示")
    seed = (Path(tmp_path) / "seeds" / draw.seed_hash).read_text()
    body = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    assert draw.seed_hash in body
    assert seed not in body
    assert 'id="pool-size">50<' in body
    assert "抽取后公开" in body
    data = Client().get(f"/credit/draws/{draw.pk}/data.json").json()
    assert data["seed"] is None and data["result"] is None and data["pool_size"] == 50
    assert data["pool"] is None  # grades not public: no member list (see draws.public_data)


def test_persons_are_masked_on_public_page():
    draw = _drawn({"D": 10}, kind=SubjectKind.PERSON)  # 10 × 30 %: 3 drawn
    body = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    names = [t.subject.name for t in draw.targets.select_related("subject")]
    assert len(names) == 3
    for name in names:
        assert name not in body
        assert name[0] + "*" in body


def test_public_verify_page_and_api_endpoint():
    draw = _drawn()
    page = Client().get(f"/credit/draws/{draw.pk}/verify/").content.decode()
    assert "复核一致" in page
    answer = Client().get(f"/api/v1/draws/{draw.pk}/verify")
    assert answer.status_code == 200
    assert answer.json()["ok"] is True and answer.json()["targets"] == 3
    Draw.objects.filter(pk=draw.pk).update(seed="ff" * 32)
    assert (
        "随机种子与抽取前公布的哈希不一致"
        in Client().get(f"/credit/draws/{draw.pk}/verify/").content.decode()
    )
    assert Client().get("/credit/draws/999999/").status_code == 404
    assert Client().get("/api/v1/draws/abc/verify").status_code == 404


def test_cli_create_run_verify_list():
    make_pool({"A": 100, "B": 100, "C": 50, "D": 10})
    roster(3)
    out = StringIO()
    call_command(
        "draw", "create", "--unit", "区市场监管局", "--title", "CLI抽查", "--json", stdout=out
    )
    created = json.loads(out.getvalue())
    assert [g["quota"] for g in created["grades"]] == [1, 2, 5, 3]
    assert created["seed"] is None
    out = StringIO()
    call_command("draw", "run", str(created["id"]), stdout=out)
    assert f"抽查任务 {created['id']} 已抽取 11 户" in out.getvalue()
    out = StringIO()
    call_command("draw", "verify", str(created["id"]), stdout=out)
    assert out.getvalue().startswith("复核一致")
    out = StringIO()
    call_command("draw", "list", "--json", stdout=out)
    assert json.loads(out.getvalue())[0]["status"] == "drawn"
    draw = Draw.objects.get(pk=created["id"])
    Draw.objects.filter(pk=draw.pk).update(result=list(reversed(draw.result)))
    out = StringIO()
    with pytest.raises(CommandError, match="第 1 个抽查对象不一致"):
        call_command("draw", "verify", str(draw.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["ok"] is False
    with pytest.raises(CommandError, match="没有这次抽查"):
        call_command("draw", "verify", "12345")


def test_staff_pages_and_permissions():
    users = staff()
    make_pool({"C": 20})
    roster(2)
    reporter = Client()
    reporter.force_login(users["reporter"])
    response = reporter.post(
        "/workspace/supervision/draws/new/",
        {"title": "网页发起", "grades": ["A", "B", "C", "D"], "inspectors_per_target": "2"},
    )
    assert response.status_code == 302
    draw = Draw.objects.get(title="网页发起")
    assert draw.unit == unit()
    assert reporter.get(f"/workspace/supervision/draws/{draw.pk}/").status_code == 200
    other = Client()
    other.force_login(users["other"])
    assert other.get(f"/workspace/supervision/draws/{draw.pk}/").status_code == 404
    assert other.post(f"/workspace/supervision/draws/{draw.pk}/run/").status_code == 404
    assert reporter.post(f"/workspace/supervision/draws/{draw.pk}/run/").status_code == 302
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAWN and draw.targets.count() == 2
    target = draw.targets.first()
    assert target is not None
    form = reporter.post(
        f"/workspace/supervision/draws/targets/{target.pk}/inspection/",
        {"document_number": "", "inspected_on": "2026-03-20", "matters": "x", "outcome": "y"},
    )
    assert form.status_code == 200 and "请填写检查机关统一社会信用代码" in form.content.decode()
    # Inspector roster page: the reporter adds to their own unit.
    page = reporter.post(
        "/workspace/supervision/inspectors/", {"name": "赵六", "badge_number": "B-001"}
    )
    assert page.status_code == 302
    assert "赵六" in reporter.get("/workspace/supervision/inspectors/").content.decode()
    assert "赵六" not in other.get("/workspace/supervision/inspectors/").content.decode()
    # API: a unit cannot set up a draw for another unit.
    api = other.post(
        "/api/v1/draws", {"title": "越权", "unit": "区市场监管局"}, content_type="application/json"
    )
    assert api.status_code == 403
    assert "无权修改" in api.json()["detail"]
    # Policies: only the credit office edits.
    admin = Client()
    admin.force_login(users["admin"])
    a = SupervisionPolicy.objects.get(grade="A")
    assert reporter.get(f"/workspace/supervision/policies/{a.pk}/").status_code == 403
    edit = admin.post(
        f"/workspace/supervision/policies/{a.pk}/",
        {**policy.snapshot(a), "inspection_ratio": "1.5", "effective_to": ""},
    )
    assert edit.status_code == 302
    a.refresh_from_db()
    assert a.inspection_ratio == Decimal("1.50")
    leader = Client()
    leader.force_login(users["leader"])
    assert leader.get("/workspace/supervision/draws/").status_code == 200
    assert leader.post(f"/workspace/supervision/draws/{draw.pk}/run/").status_code == 403


def test_policy_without_basis_or_with_bad_ratio_is_refused():
    admin = staff()["admin"]
    base = {
        "grade": "C",
        "inspection_ratio": "100",
        "frequency_per_year": 4,
        "approach": "全覆盖",
        "basis": "巴彦淖尔2022先例：C、D类100%",
        "effective_from": "2027-01-01",
    }
    with pytest.raises(DomainError, match="请填写政策依据"):
        policy.create_policy(actor=admin, **{**base, "basis": "  "})
    with pytest.raises(DomainError, match="0 到 100"):
        policy.create_policy(actor=admin, **{**base, "inspection_ratio": "120"})
    with pytest.raises(DomainError, match="0 到 100"):
        policy.create_policy(actor=admin, **{**base, "inspection_ratio": "abc"})
    with pytest.raises(DomainError, match="失效日期不能早于生效日期"):
        policy.create_policy(actor=admin, **{**base, "effective_to": "2026-01-01"})
    with pytest.raises(NotPermitted):
        policy.create_policy(actor=staff_user(), **base)
    created = policy.create_policy(actor=admin, **base)
    from datetime import date

    in_force = policy.policy_for("C", date(2026, 12, 31))
    assert in_force is not None and in_force.inspection_ratio == Decimal("10.00")
    assert policy.policy_for("C", date(2027, 1, 1)) == created
    # The loader never overwrites what the credit office changed.
    assert "新增 0" in policy.load_default_policies()


def staff_user():
    from .draws_helpers import make_user

    return make_user("tbr", "reporter")
