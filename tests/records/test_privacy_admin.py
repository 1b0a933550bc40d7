"""The configuration admin shows a natural person's data masked (DOMAIN.md §2), in every
list and on every change page — the record's payload, free texts, and whatever names the
person through another row (`张建国（410503…）` in a list entry, a check, a grade) — so
that nothing there is a read of personal data that would need a read-log entry (§6). The
person's data in full is read on the workspace pages, which ask the purpose and log."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from xinyong.benefits.models import Scenario, ScenarioUse
from xinyong.core.models import ReadLog
from xinyong.orgs.models import Role
from xinyong.publicity.models import PublicityWindow
from xinyong.records.models import CreditRecord
from xinyong.rights.models import Objection, RepairNotice
from xinyong.sanctions import checks
from xinyong.sanctions.models import CheckMeasure
from xinyong.supervision.models import GradeChange, SubjectGrade

from ..publicity.helpers import person_penalty
from ..sanctions.governance_helpers import entry, make_user, unit

pytestmark = pytest.mark.django_db

ID_NUMBER = "410503196805120318"
MASKED_ID = "410503********0318"
PHONE = "13812345678"
NAME = "张建国"


@pytest.fixture
def record() -> CreditRecord:
    return person_penalty(1, decided="2026-03-02", id_number=ID_NUMBER, name=NAME)


@pytest.fixture
def root() -> Client:
    user = get_user_model().objects.create_superuser(username="root_privacy", password="x" * 12)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def person_rows(record: CreditRecord) -> dict[str, Any]:
    """One row of each admin that names the person, besides the record itself."""
    person = record.subject
    objection = Objection.objects.create(
        record=record,
        subject=person,
        channel="counter",
        category="wrong",
        description=f"{NAME}（身份证{ID_NUMBER}，电话{PHONE}）称罚款金额有误。",
        applicant_name=NAME,
        applicant_identifier=ID_NUMBER,
        applicant_phone=PHONE,
        received_on=date(2026, 3, 10),
        applicant_notice=f"{NAME}：您的异议已受理，联系电话 {PHONE}。",
    )
    listed = entry(person, "SX_BZXR", effective_from=date(2026, 1, 5))
    listed.reasons = f"{NAME}有履行能力而拒不履行生效法律文书确定的义务"
    listed.save(update_fields=["reasons"])
    check = checks.run_check(
        actor=make_user("pa_fin", Role.REPORTER, "区财政局"),
        unit=unit("区财政局"),
        subject=person,
        matter="PROCUREMENT",
    )
    # Storing the penalty graded the person already; the explanation is made to name them.
    grade, _ = SubjectGrade.objects.update_or_create(
        subject=person,
        defaults={
            "grade": "C",
            "score": Decimal("55"),
            "explanation": [{"indicator": f"{NAME}的行政处罚", "points": -15}],
            "computed_at": timezone.now(),
        },
    )
    change = GradeChange.objects.create(
        subject=person,
        old_grade="B",
        new_grade="C",
        reason=f"{NAME}新增行政处罚",
        changed_at=timezone.now(),
    )
    use = ScenarioUse.objects.create(
        scenario=Scenario.objects.order_by("id").first(),
        subject=person,
        queried_code=MASKED_ID,
        eligible=False,
        reasons=[f"{NAME}有未到期的行政处罚"],
        checked_on=date(2026, 3, 12),
        actor_label="测试",
        channel="workspace",
    )
    return {
        "subject": person,
        "record": record,
        "window": PublicityWindow.objects.get(record=record),
        "notice": RepairNotice.objects.get(record=record),
        "objection": objection,
        "entry": listed,
        "check": check,
        "measure": CheckMeasure.objects.filter(check_run=check).first(),
        "grade": grade,
        "change": change,
        "use": use,
    }


def _admin_url(obj: Any, page: str = "change") -> str:
    meta = obj._meta
    if page == "changelist":
        return f"/admin/{meta.app_label}/{meta.model_name}/"
    return f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/"


def _assert_masked(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    for secret in (ID_NUMBER, PHONE, NAME, json.dumps(NAME)[1:-1]):
        assert secret not in html, (url, secret)
    return html


def test_the_record_change_page_shows_the_payload_masked_and_logs_nothing(root, record) -> None:
    reads = ReadLog.objects.count()
    html = _assert_masked(root, _admin_url(record))
    # The payload is there, masked as on every public page: name, ID number, phone.
    assert "张**" in html
    assert MASKED_ID in html
    assert "138****5678" in html
    assert "罚款5000元" in html
    listing = _assert_masked(root, _admin_url(record, "changelist"))
    assert "张**" in listing and MASKED_ID in listing
    assert ReadLog.objects.count() == reads


def test_every_admin_naming_the_person_masks_them(root, person_rows) -> None:
    assert person_rows["measure"] is not None, "the listed person's check hits a measure"
    reads = ReadLog.objects.count()
    for key, obj in person_rows.items():
        if key == "subject":
            continue  # its change page logs the read (next test)
        _assert_masked(root, _admin_url(obj, "changelist"))
        html = _assert_masked(root, _admin_url(obj))
        assert "张**" in html, key
    _assert_masked(root, _admin_url(person_rows["subject"], "changelist"))
    assert ReadLog.objects.count() == reads


def test_the_subject_change_page_is_masked_and_still_logged(root, person_rows) -> None:
    reads = ReadLog.objects.count()
    html = _assert_masked(root, _admin_url(person_rows["subject"]))
    assert f"张**（{MASKED_ID}）" in html
    assert ReadLog.objects.count() == reads + 1
    assert ReadLog.objects.order_by("-id")[0].purpose == "配置管理查看信用主体"


def test_the_event_log_in_the_admin_masks_corrections(root, record) -> None:
    from xinyong.core.models import Event
    from xinyong.records.services import correct_record

    admin = make_user("pa_admin", Role.CREDIT_ADMIN, "区发改委")
    correct_record(
        actor=admin,
        record=record,
        changes={"CF_NR": f"罚款6000元，当事人{NAME}身份证{ID_NUMBER}，电话{PHONE}"},
        reason="金额笔误",
    )
    event = Event.objects.get(action="records.corrected")
    # Stored as written: the hash chain covers it.
    assert ID_NUMBER in json.dumps(event.new_values, ensure_ascii=False)
    reads = ReadLog.objects.count()
    html = _assert_masked(root, _admin_url(event))
    assert "罚款6000元" in html and MASKED_ID in html and "138****5678" in html
    _assert_masked(root, _admin_url(event, "changelist"))
    assert ReadLog.objects.count() == reads


def test_an_organisations_record_keeps_its_name_in_the_admin(root) -> None:
    from ..publicity.helpers import penalty

    record = penalty(7, decided="2026-03-02")
    html = root.get(_admin_url(record)).content.decode()
    # An organisation's name and code are public; its legal representative is not masked
    # by name (not a person subject) but the page still never shows an ID number whole.
    assert "安阳市北关区某某商贸有限公司" in html
    assert "91512081MA62K0260E" in html


def test_an_editable_admin_lists_and_labels_the_person_masked(root, record) -> None:
    from xinyong.supervision.models import Inspector, InspectorConflict

    inspector = Inspector.objects.create(
        unit=unit("区市场监管局"), name="王检查", badge_number="ZF-0001"
    )
    conflict = InspectorConflict.objects.create(
        inspector=inspector, subject=record.subject, reason="近亲属", declared_on=date(2026, 3, 1)
    )
    reads = ReadLog.objects.count()
    assert "张**" in _assert_masked(root, _admin_url(conflict, "changelist"))
    # The form edits the row as stored; the subject beside its id box is masked.
    form = _assert_masked(root, _admin_url(conflict))
    assert f"张**（{MASKED_ID}）" in form and "近亲属" in form
    assert ReadLog.objects.count() == reads


def test_commitment_report_and_outbox_admins_mask_the_person(root, record) -> None:
    """A repair commitment names its committer and a credit report its subject: those
    admins mask the person like the others; so does the outbox entry naming the record."""
    from xinyong.commitments.models import Commitment
    from xinyong.exchange.models import OutboxEntry
    from xinyong.reports import services as reports

    from ..rights.repair_helpers import apply

    apply(
        record,
        date(2026, 9, 22),
        applicant_name=NAME,
        applicant_phone=PHONE,
        subject_identifier=ID_NUMBER,
    )
    commitment = Commitment.objects.get(subject=record.subject)
    report = reports.issue_report(actor=None, subject=ID_NUMBER, purpose="self_query")
    entry_row = OutboxEntry.objects.filter(batch=record.batch).first()
    assert commitment.committer_name == NAME
    reads = ReadLog.objects.count()
    for obj in (commitment, report, entry_row):
        assert obj is not None
        _assert_masked(root, _admin_url(obj, "changelist"))
        _assert_masked(root, _admin_url(obj))
    assert ReadLog.objects.count() == reads
