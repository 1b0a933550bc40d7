"""The demo loaders of objections/repair (rights, order 45) and commitments (order 42):
what they create, that each object is reachable on its normal page for the right user,
and that a second run creates nothing.

Only the loaders they build on run first (accounts, subjects, records, lists), once per
module inside an outer transaction that is rolled back afterwards; each test runs in its
own savepoint (pytest-django's `db`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from xinyong.commitments.demo import load_demo_commitments
from xinyong.commitments.models import Commitment
from xinyong.commitments.services import exclusion_reason
from xinyong.core.models import Event
from xinyong.orgs.models import User
from xinyong.publicity.models import PublicityWindow
from xinyong.publicity.selectors import public_status
from xinyong.records.models import CreditRecord
from xinyong.rights import objections, repair
from xinyong.rights.demo import load_demo_rights
from xinyong.rights.models import Objection, RepairApplication, RepairNotice
from xinyong.subjects.models import Subject


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    from xinyong.collection.demo import load_demo_records
    from xinyong.orgs.loaders import load_demo_users
    from xinyong.sanctions.demo import load_demo_lists
    from xinyong.subjects.demo import load_demo_subjects

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            for loader in (load_demo_users, load_demo_subjects, load_demo_records, load_demo_lists):
                loader()
            yield {"commitments": load_demo_commitments(), "rights": load_demo_rights()}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def data(demo: dict[str, str], db: Any) -> dict[str, str]:
    return demo


def _client(username: str | None) -> Client:
    client = Client()
    if username is not None:
        client.force_login(User.objects.get(username=username))
    return client


def _record(number: str) -> CreditRecord:
    return CreditRecord.objects.get(record_type__code="XZCF", document_number=number)


def _objection(number: str) -> Objection:
    return Objection.objects.get(record__document_number=number)


def _repair(number: str) -> RepairApplication:
    return RepairApplication.objects.get(record__document_number=number)


def _commitment(name: str, kind: str) -> Commitment:
    return Commitment.objects.get(committer_name=name, kind=kind)


def _actions(target_type: str, pk: int) -> list[str]:
    return list(
        Event.objects.filter(target_type=target_type, target_id=str(pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# ------------------------------------------------------------------ the summaries


def test_loaders_report_what_they_created(data: dict[str, str]) -> None:
    assert data["commitments"] == (
        "区市场监管局信用承诺 4 项（全部履行 2、待核查 1〔41050320261123000001〕、全部未履行 1），"
        "违诺失信信息 1 条（41050320260316000001）"
    )
    assert data["rights"] == (
        "异议 3 件（维持 1、提供单位核查中 1、网上已受理 1），信用修复申请 2 件（准予修复 1、"
        "提供单位审核中 1，12-01 前决定），告知书送达 2 份"
    )


# ------------------------------------------------------------------ objections


def test_three_objections_in_three_states_with_real_workflow_events(data: Any) -> None:
    assert Objection.objects.count() == 3

    decided = _objection("北关市监罚〔2026〕101号")
    assert (decided.status, decided.route, decided.outcome) == ("decided", "provider", "kept")
    assert decided.provider_unit is not None and decided.provider_unit.name == "区市场监管局"
    assert (decided.received_on, decided.forwarded_on) == (date(2026, 1, 19), date(2026, 1, 20))
    assert (decided.provider_replied_on, decided.decided_on) == (
        date(2026, 1, 22),
        date(2026, 1, 26),
    )
    assert "GB 7099-2015" in decided.provider_reply
    assert decided.applicant_notice.startswith("您于 2026-01-19 提出的异议")
    assert "经核查，原信息无误，决定维持。" in decided.applicant_notice
    assert objections.due_date(decided) == date(2026, 1, 28)  # 7 working days
    assert decided.decided_by is not None and decided.decided_by.username == "admin"
    assert _actions("rights.Objection", decided.pk) == [
        "rights.objection.file",
        "rights.objection.forward",
        "rights.objection.reply",
        "rights.objection.decide",
    ]
    # 维持: the record stays active and public.
    assert public_status(_record("北关市监罚〔2026〕101号")) != "异议处理中"

    waiting = _objection("北关市监罚〔2026〕107号")
    assert (waiting.status, waiting.channel, waiting.provider_reply) == ("forwarded", "counter", "")
    assert objections.provider_due_date(waiting, today=date(2026, 11, 26)) == date(2026, 11, 27)
    assert objections.due_date(waiting, today=date(2026, 11, 26)) == date(2026, 12, 2)
    assert not objections.is_overdue(waiting, date(2026, 11, 26))
    assert _actions("rights.Objection", waiting.pk) == [
        "rights.objection.file",
        "rights.objection.forward",
    ]

    online = _objection("北关市监罚〔2026〕105号")
    assert (online.status, online.channel, online.route) == ("received", "online", "office")
    assert online.received_by is None and online.provider_unit is None
    assert online.category == "missing"
    assert objections.due_date(online) == date(2026, 11, 30)  # 3 working days (weekend)
    # Open objections show 异议处理中 on the portal at once.
    assert public_status(_record("北关市监罚〔2026〕105号")) == "异议处理中"
    assert public_status(_record("北关市监罚〔2026〕107号")) == "异议处理中"


def test_objections_are_reachable_by_the_right_users(data: Any) -> None:
    admin = _client("admin").get("/workspace/rights/objections/", {"state": "all"})
    assert admin.status_code == 200
    for name in (
        "安阳市鑫源食品有限公司",
        "安阳市北关区万家福超市有限公司",
        "安阳彰德医药连锁有限公司",
    ):
        assert name in admin.content.decode()

    # The unit sees what was forwarded to it (101, 107), not the unrouted online one.
    unit = _client("reviewer_scj")
    page = unit.get("/workspace/rights/objections/", {"state": "all"}).content.decode()
    assert "安阳市北关区万家福超市有限公司" in page and "安阳市鑫源食品有限公司" in page
    assert "安阳彰德医药连锁有限公司" not in page
    waiting = _objection("北关市监罚〔2026〕107号")
    detail = unit.get(f"/workspace/rights/objections/{waiting.pk}/")
    assert detail.status_code == 200
    assert "罚款金额更正为 0.2 万元" in detail.content.decode()
    online = _objection("北关市监罚〔2026〕105号")
    assert unit.get(f"/workspace/rights/objections/{online.pk}/").status_code == 404
    # Another unit sees none of them.
    other = _client("reporter_rsj").get(f"/workspace/rights/objections/{waiting.pk}/")
    assert other.status_code == 404

    # The applicant follows the case by its query code, without logging in.
    decided = _objection("北关市监罚〔2026〕101号")
    status = _client(None).get("/credit/objection/status/", {"code": decided.query_code})
    assert status.status_code == 200
    assert "维持" in status.content.decode()
    assert "处罚决定未被变更或撤销" in status.content.decode()
    record = _record("北关市监罚〔2026〕105号")
    portal = _client(None).get(f"/credit/record/{record.pk}/")
    assert portal.status_code == 200 and "异议处理中" in portal.content.decode()


# ------------------------------------------------------------------ repair


def test_one_repair_approved_and_one_awaiting_the_provider(data: Any) -> None:
    assert RepairApplication.objects.count() == 2

    approved = _repair("北关市监罚〔2026〕103号")
    assert approved.status == "approved" and approved.channel == "online"
    assert (approved.submitted_on, approved.complete_on) == (date(2026, 4, 20), date(2026, 4, 21))
    assert (approved.provider_agrees, approved.provider_reviewed_on) == (True, date(2026, 4, 23))
    assert (approved.decided_on, approved.synced_on) == (date(2026, 4, 28), date(2026, 4, 30))
    assert repair.sync_due(approved) == date(2026, 5, 6)  # 劳动节 5/1–5/5 off
    assert approved.applicant_notice.startswith("准予信用修复（2026-04-28）。该信息已停止公示")
    window = PublicityWindow.objects.get(record=approved.record)
    assert (window.ended_on, window.end_reason) == (date(2026, 4, 28), "repaired")
    assert public_status(approved.record) == "已修复"
    assert _actions("rights.RepairApplication", approved.pk) == [
        "rights.repair.apply",
        "rights.repair.complete",
        "rights.repair.provider_review",
        "rights.repair.decide",
        "rights.repair.sync",
    ]

    pending = _repair("北关市监罚〔2026〕108号")
    assert pending.status == "provider_review" and pending.provider_opinion == ""
    assert pending.provider_unit is not None and pending.provider_unit.name == "区市场监管局"
    assert repair.decision_due(pending) == date(2026, 12, 1)  # 10 working days
    assert not repair.is_overdue(pending, date(2026, 11, 26))
    assert PublicityWindow.objects.get(record=pending.record).ended_on is None

    # 两书同达: both records' 信用修复告知书 were served with the decision.
    served = RepairNotice.objects.filter(served_on__isnull=False).order_by("served_on")
    assert [(n.record.document_number, n.served_on, n.serve_method) for n in served] == [
        ("北关市监罚〔2026〕103号", date(2026, 3, 10), "与处罚决定书同时送达"),
        ("北关市监罚〔2026〕108号", date(2026, 10, 12), "与处罚决定书同时送达"),
    ]
    # Each application carries its 信用修复型 commitment, shared with authorities only.
    promises = Commitment.objects.filter(kind="repair").order_by("made_on")
    assert [(c.repair_application_id, c.status, c.publicity) for c in promises] == [
        (approved.pk, "pending", "limited"),
        (pending.pk, "pending", "limited"),
    ]


def test_repairs_are_reachable_by_the_right_users(data: Any) -> None:
    approved = _repair("北关市监罚〔2026〕103号")
    pending = _repair("北关市监罚〔2026〕108号")
    unit = _client("reporter_scj")
    listing = unit.get("/workspace/rights/repairs/").content.decode()
    assert "安阳市洹水餐饮管理有限公司" in listing and "安阳市北关区恒达商贸有限公司" in listing
    detail = unit.get(f"/workspace/rights/repairs/{pending.pk}/")
    assert detail.status_code == 200 and "补报公示 2025 年度报告" in detail.content.decode()
    assert (
        _client("reporter_rsj").get(f"/workspace/rights/repairs/{pending.pk}/").status_code == 404
    )
    notices = _client("reviewer_scj").get("/workspace/rights/notices/").content.decode()
    assert "XFGZ2026" in notices and "与处罚决定书同时送达" in notices

    status = _client(None).get("/credit/repair/status/", {"code": approved.query_code})
    assert status.status_code == 200 and "准予修复" in status.content.decode()


# ------------------------------------------------------------------ commitments


def test_commitments_kept_pending_and_broken(data: Any) -> None:
    own = Commitment.objects.exclude(kind="repair").order_by("made_on")
    assert [(c.committer_name, c.kind, c.status, c.channel) for c in own] == [
        ("安阳市洹水餐饮管理有限公司", "deficiency", "kept", "form"),
        ("安阳市北关区万家福超市有限公司", "voluntary", "broken", "public_window"),
        ("北关区红旗路诚信便利店", "certificate", "kept", "form"),
        ("北关区老张烩面馆", "certificate", "pending", "form"),
    ]
    assert {c.accepting_unit.name for c in own if c.accepting_unit} == {"区市场监管局"}
    assert all(c.matter is not None and c.matter.unit_id == c.accepting_unit_id for c in own)

    supplemented = _commitment("安阳市洹水餐饮管理有限公司", "deficiency")
    assert (supplemented.verify_due, supplemented.verified_on) == (
        date(2026, 2, 3),
        date(2026, 2, 2),
    )
    pending = _commitment("北关区老张烩面馆", "certificate")
    assert (pending.code, pending.verify_due, pending.verified_on) == (
        "41050320261123000001",
        date(2026, 12, 21),
        None,
    )

    broken = _commitment("安阳市北关区万家福超市有限公司", "voluntary")
    assert broken.code == "41050320260316000001" and broken.confirmed_at is not None
    assert "北关市监罚〔2026〕107号" in broken.unfulfilled_content
    assert broken.breach_record is not None
    breach = broken.breach_record
    assert (breach.record_type.code, breach.document_number, breach.nature) == (
        "CNWN",
        "41050320260316000001",
        "dishonest",
    )
    assert (breach.source_unit.name, breach.status) == ("区市场监管局", "active")
    assert PublicityWindow.objects.get(record=breach).is_published
    assert _actions("commitments.Commitment", broken.pk) == [
        "commitments.public_start",
        "commitments.public_confirm",
        "commitments.fulfil",
    ]
    # A 主动公示型 breach does not bar 告知承诺 (国办发〔2020〕42号 names earlier
    # 证明事项型/审批替代型 breaches); the listed demo subjects stay barred.
    shop = Subject.objects.get(name="安阳市北关区万家福超市有限公司")
    assert exclusion_reason(shop, "certificate", date(2026, 11, 26)) is None
    listed = Subject.objects.get(name="安阳市北关区安顺运输有限公司")
    assert "严重失信主体" in (exclusion_reason(listed, "certificate", date(2026, 11, 26)) or "")


def test_commitments_are_reachable_by_the_right_users(data: Any) -> None:
    unit = _client("reporter_scj")
    listing = unit.get("/workspace/commitments/")
    assert listing.status_code == 200
    for code in ("41050320260127000001", "41050320260414000001", "41050320261123000001"):
        assert code in listing.content.decode()
    broken = _commitment("安阳市北关区万家福超市有限公司", "voluntary")
    detail = unit.get(f"/workspace/commitments/{broken.pk}/")
    assert detail.status_code == 200
    assert "全部未履行" in detail.content.decode()
    assert "双随机、一公开" in detail.content.decode()
    assert _client("reporter_rsj").get(f"/workspace/commitments/{broken.pk}/").status_code == 404

    # The public sees a subject's 可向社会公开 commitments on its portal page …
    shop = Subject.objects.get(name="安阳市北关区万家福超市有限公司")
    page = _client(None).get(f"/credit/subject/{shop.pk}/").content.decode()
    assert "41050320260316000001" in page and "全部未履行" in page
    # … but not the 信用修复型 commitment that names a repaired penalty.
    catering = Subject.objects.get(name="安阳市洹水餐饮管理有限公司")
    page = _client(None).get(f"/credit/subject/{catering.pk}/").content.decode()
    assert "41050320260127000001" in page
    assert "41050320260420000001" not in page


# ------------------------------------------------------------------ idempotency


def test_second_run_creates_nothing(data: Any) -> None:
    def counts() -> tuple[int, ...]:
        return (
            Objection.objects.count(),
            RepairApplication.objects.count(),
            Commitment.objects.count(),
            CreditRecord.objects.count(),
            RepairNotice.objects.filter(served_on__isnull=False).count(),
            Event.objects.count(),
        )

    before = counts()
    # 18 records: the records demo's 17 and the court's 失信被执行人 row that the lists
    # demo imports (the court's list only comes in from upstream).
    assert before[:5] == (3, 2, 6, 18, 2)
    assert load_demo_commitments() == "已存在，跳过"
    assert load_demo_rights() == "已存在，跳过"
    assert counts() == before
