"""Review fixes of issue 6 (supervision review #2, #5, #7), with concrete dates:

- a broken commitment whose breach record (CNWN) was repaired, withdrawn or has run out
  of its publicity period is no longer shown to the public — neither on the subject page
  nor in the credit report (DOMAIN.md §5, 国办发〔2025〕22号; §4 a revoked finding is
  taken off view);
- the public 主动公示型 window creates no credit subject before the confirmation step;
- an unrepaired 严重 dishonesty record still within its publicity period bars 告知承诺
  (国办发〔2020〕42号, DOMAIN.md §9)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from xinyong.commitments import selectors, services
from xinyong.commitments.models import Commitment, Kind
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.publicity.models import PublicityWindow
from xinyong.records.models import CreditRecord
from xinyong.records.services import withdraw_record
from xinyong.reports import services as reports
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject, merge_subjects

from ..rights.repair_helpers import penalty_row, store
from .helpers import ORG_USCC, OTHER_USCC, SCJG, ZJJ, commit, matter
from .test_commitment_exclusion import admin, apply, approve_repair, breach, breach_record, window

pytestmark = pytest.mark.django_db

NAME = "安阳市北关区某某食品有限公司"
FIRM = "安阳市北关区某某化工有限公司"  # the penalty's party (repair_helpers)
UNFULFILLED = "承诺的经营场所使用权不实"


def _broken() -> Commitment:
    made = commit(SCJG, "食品经营许可", Kind.CERTIFICATE, made_on=date(2026, 2, 20))
    return breach(made, date(2026, 3, 2))


def _page(client: Client, subject_id: int) -> str:
    return client.get(f"/credit/subject/{subject_id}/").content.decode()


def _report_codes(subject_id: int) -> list[str]:
    report = reports.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    assert report.subject_id == subject_id
    chapter = next(c for c in report.content["chapters"] if c["key"] == "commitment")
    return [c["code"] for c in chapter["commitments"]]


# ------------------------------------------------------------------ 2. breach off view


def test_unrepaired_breach_is_shown_with_its_outcome(client: Client) -> None:
    broken = _broken()
    kept = commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 4, 1))
    page = _page(client, broken.subject_id)
    assert broken.code in page and "全部未履行" in page and UNFULFILLED in page
    assert kept.code in page
    assert _report_codes(broken.subject_id) == [kept.code, broken.code]


def test_repaired_breach_takes_the_commitment_off_public_view(client: Client) -> None:
    office = admin()
    broken = _broken()
    kept = commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 4, 1))
    cnwn = breach_record(broken)
    approve_repair(apply(cnwn, date(2026, 6, 10)), office, date(2026, 6, 15))
    assert window(cnwn).end_reason == "repaired"
    page = _page(client, broken.subject_id)
    assert UNFULFILLED not in page
    assert "全部未履行" not in page
    assert broken.code not in page
    # The other commitment stays; only the repaired breach goes.
    assert kept.code in page and "信用承诺及履行情况（1）" in page
    assert _report_codes(broken.subject_id) == [kept.code]
    # Staff keep the whole history (with the repair's own 信用修复型 commitment).
    staff_view = selectors.commitments_for_subject(broken.subject_id, public_only=False)
    assert {broken.pk, kept.pk} < {c.pk for c in staff_view}


def test_withdrawn_breach_takes_the_commitment_off_public_view(client: Client) -> None:
    broken = _broken()
    withdraw_record(
        actor=None, record=breach_record(broken), reason="经复核，违诺认定有误，予以撤销"
    )
    page = _page(client, broken.subject_id)
    assert UNFULFILLED not in page and broken.code not in page
    assert _report_codes(broken.subject_id) == []


def test_breach_past_its_publicity_period_is_off_public_view(clock, client: Client) -> None:
    broken = _broken()
    # CNWN is 一般 (国办发〔2025〕22号: at most 1 year from the check day 2026-03-02).
    assert window(breach_record(broken)).ends_on == date(2027, 3, 2)
    clock.today = date(2027, 3, 2)
    assert [
        c.pk for c in selectors.commitments_for_subject(broken.subject_id, public_only=True)
    ] == [broken.pk]
    clock.today = date(2027, 3, 3)
    assert not selectors.commitments_for_subject(broken.subject_id, public_only=True).exists()
    assert broken.code not in _page(client, broken.subject_id)


def test_merged_away_subjects_repaired_breach_is_off_the_survivors_report() -> None:
    office = admin()
    broken = _broken()
    keep, _, _ = get_or_create_subject(actor=None, identifier=OTHER_USCC, name=NAME)
    merge_subjects(actor=None, keep=keep, absorb=broken.subject, reason="同一企业重复建档")
    report = reports.issue_report(actor=None, subject=OTHER_USCC, purpose="self_query")
    chapter = next(c for c in report.content["chapters"] if c["key"] == "commitment")
    assert [c["code"] for c in chapter["commitments"]] == [broken.code]
    approve_repair(apply(breach_record(broken), date(2026, 6, 10)), office, date(2026, 6, 15))
    report = reports.issue_report(actor=None, subject=OTHER_USCC, purpose="self_query")
    chapter = next(c for c in report.content["chapters"] if c["key"] == "commitment")
    assert chapter["commitments"] == []


# ------------------------------------------------------------------ 5. public window


def _voluntary_id(api: APIClient) -> int:
    return int(
        api.get("/api/v1/commitments/matters/", {"kind": "voluntary"}).json()["results"][0]["id"]
    )


def _start(api: APIClient, name: str, uscc: str = ORG_USCC) -> dict:
    r = api.post(
        "/api/v1/commitments/public/",
        {"matter": _voluntary_id(api), "uscc": uscc, "name": name, "accepted": True},
        format="json",
    )
    assert r.status_code == 200, r.json()
    return r.json()


def test_unconfirmed_public_commitment_creates_no_subject(client: Client) -> None:
    api = APIClient()
    _start(api, "随便填写的冒名公司")
    c = Commitment.objects.get()
    assert c.status == Commitment.Status.UNCONFIRMED
    assert (c.subject_id, c.committer_code, c.committer_name) == (
        None,
        ORG_USCC,
        "随便填写的冒名公司",
    )
    assert not Subject.objects.filter(identifier=ORG_USCC).exists()
    found = client.get("/credit/", {"q": "随便填写的冒名公司"}).content.decode()
    assert "/credit/subject/" not in found
    assert not Event.objects.filter(action="subjects.create").exists()


def test_confirmation_creates_the_subject_under_the_typed_name(client: Client) -> None:
    api = APIClient()
    started = _start(api, "安阳市北关区某某超市有限公司")
    ok = api.post(
        "/api/v1/commitments/public/confirm/",
        {"token": started["token"], "code": started["shown"]},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "pending"
    c = Commitment.objects.get()
    subject = Subject.objects.get(identifier=ORG_USCC)
    assert (c.subject_id, subject.name) == (subject.pk, "安阳市北关区某某超市有限公司")
    assert list(selectors.commitments_for_subject(subject, public_only=True)) == [c]
    found = client.get("/credit/", {"q": "安阳市北关区某某超市有限公司"}).content.decode()
    assert f"/credit/subject/{subject.pk}/" in found


def test_known_code_needs_its_registered_name_at_start_and_at_confirmation() -> None:
    api = APIClient()
    get_or_create_subject(actor=None, identifier=ORG_USCC, name="安阳市北关区某某超市有限公司")
    refused = api.post(
        "/api/v1/commitments/public/",
        {"matter": _voluntary_id(api), "uscc": ORG_USCC, "name": "冒名公司", "accepted": True},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == "承诺人名称与统一社会信用代码登记的名称不一致，请核对。"
    assert not Commitment.objects.exists()

    # A code first seen at start but registered under another name before confirmation.
    pending, shown = services.start_public_commitment(
        matter=matter(SCJG, "经营主体信用承诺", Kind.VOLUNTARY),
        uscc=OTHER_USCC,
        name="安阳市北关区某某商贸有限公司",
        accepted=True,
    )
    get_or_create_subject(actor=None, identifier=OTHER_USCC, name="安阳市北关区另一家公司")
    with pytest.raises(DomainError, match="名称不一致"):
        services.confirm_public_commitment(commitment=pending, response=shown)
    pending.refresh_from_db()
    assert (pending.status, pending.subject_id) == (Commitment.Status.UNCONFIRMED, None)

    # The registered name (full-width brackets and spaces aside) matches.
    again, shown = services.start_public_commitment(
        matter=matter(SCJG, "经营主体信用承诺", Kind.VOLUNTARY),
        uscc=ORG_USCC,
        name="安阳市北关区某某超市有限公司",
        accepted=True,
    )
    done = services.confirm_public_commitment(commitment=again, response=shown)
    assert done.subject == Subject.objects.get(identifier=ORG_USCC)


def test_public_confirm_page_renders_without_a_subject(client: Client) -> None:
    m = matter(SCJG, "经营主体信用承诺", Kind.VOLUNTARY)
    step1 = client.post(
        "/credit/commitments/",
        {
            "matter": m.pk,
            "uscc": ORG_USCC,
            "name": "安阳市北关区某某超市有限公司",
            "accepted": "on",
        },
    )
    assert step1.status_code == 302
    page = client.get(step1["Location"])
    assert page.status_code == 200
    assert "安阳市北关区某某超市有限公司" in page.content.decode()


# ------------------------------------------------------------------ 7. serious records


TAIL = (
    "依据国办发〔2020〕42号，有严重失信记录或曾作出虚假承诺的申请人在信用修复前不适用告知承诺制，"
    "不能作出证明事项型承诺，请按一般程序提交相关证明材料。"
)
SERIOUS_REASON = (
    "承诺人有严重失信记录（行政处罚 北关环罚〔2026〕1号，安阳市北关区生态环境局 2026-05-10 作出），"
    "尚未信用修复且仍在公示期内；" + TAIL
)


def _serious(n: int = 1, decided: str = "2026-05-10", **extra: str) -> CreditRecord:
    store(
        [
            penalty_row(
                n,
                decided=decided,
                CF_CFLB="罚款;吊销许可证件",
                CF_NR="罚款5万元，吊销排污许可证",
                **extra,
            )
        ],
        reported_on=date(2026, 5, 12),
    )
    rec = CreditRecord.objects.get(document_number=f"北关环罚〔2026〕{n}号")
    w = PublicityWindow.objects.get(record=rec)
    assert w.severity == "serious" and w.end_reason == ""
    return rec


def _certificate(made_on: date) -> Commitment:
    return commit(SCJG, "食品经营许可", Kind.CERTIFICATE, made_on=made_on)


def test_serious_penalty_bars_notify_commit_kinds() -> None:
    _serious()
    # The day before the decision there was nothing to bar.
    assert _certificate(date(2026, 5, 9)).status == Commitment.Status.PENDING
    with pytest.raises(DomainError) as caught:
        _certificate(date(2026, 9, 28))
    assert caught.value.message == SERIOUS_REASON
    assert caught.value.code == "notify_commit_excluded"
    with pytest.raises(DomainError, match="不能作出审批替代型承诺"):
        commit(ZJJ, "建筑工程施工许可", Kind.APPROVAL, made_on=date(2026, 9, 28), name=NAME)
    # The other kinds are not 告知承诺.
    assert commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 9, 28)).pk


def test_general_penalty_does_not_bar() -> None:
    store([penalty_row(1, decided="2026-05-10")], reported_on=date(2026, 5, 12))
    w = PublicityWindow.objects.get(record__document_number="北关环罚〔2026〕1号")
    assert w.severity != "serious"
    assert _certificate(date(2026, 9, 28)).status == Commitment.Status.PENDING


def test_repaired_serious_penalty_bars_until_the_repair_day(clock, next_year_calendar) -> None:
    office = admin()
    rec = _serious()
    # 严重: repair may be asked after at least 1 year (国办发〔2025〕22号).
    assert window(rec).repair_from == date(2027, 5, 11)
    clock.today = date(2027, 6, 1)
    approve_repair(apply(rec, date(2027, 5, 20), FIRM), office, date(2027, 5, 28))
    assert (window(rec).end_reason, window(rec).ended_on) == ("repaired", date(2027, 5, 28))
    with pytest.raises(DomainError, match="北关环罚〔2026〕1号"):
        _certificate(date(2027, 5, 27))
    assert _certificate(date(2027, 5, 28)).status == Commitment.Status.PENDING


def test_withdrawn_serious_penalty_no_longer_bars() -> None:
    rec = _serious()
    withdraw_record(actor=None, record=rec, reason="处罚决定经复议撤销")
    assert services.exclusion_reason(rec.subject, Kind.CERTIFICATE, date(2026, 9, 28)) is None
    assert _certificate(date(2026, 9, 28)).status == Commitment.Status.PENDING


def test_serious_penalty_past_its_period_no_longer_bars() -> None:
    rec = _serious()
    # 严重 (国办发〔2025〕22号): at most 3 years from the decision date.
    assert window(rec).ends_on == date(2029, 5, 10)
    reason = services.exclusion_reason(rec.subject, Kind.CERTIFICATE, date(2029, 5, 10))
    assert reason is not None and "北关环罚〔2026〕1号" in reason
    assert services.exclusion_reason(rec.subject, Kind.CERTIFICATE, date(2029, 5, 11)) is None


def test_merged_away_subjects_serious_penalty_bars_the_survivor() -> None:
    rec = _serious()
    keep, _, _ = get_or_create_subject(actor=None, identifier=OTHER_USCC, name=NAME)
    merge_subjects(actor=None, keep=keep, absorb=rec.subject, reason="同一企业重复建档")
    assert services.exclusion_reason(keep, Kind.CERTIFICATE, date(2026, 9, 28)) == SERIOUS_REASON


def test_file_row_of_a_subject_with_a_serious_penalty_is_listed(tmp_path: Path) -> None:
    _serious()
    f = tmp_path / "rows.csv"
    f.write_text(
        "承诺人名称,承诺人代码,承诺类型,承诺事项,承诺作出日期\n"
        f"{NAME},{ORG_USCC},证明事项型,食品经营许可,2026-09-28\n",
        encoding="utf-8-sig",
    )
    result = services.import_commitments(actor=None, unit=SCJG, path=f)
    assert [(e.row, e.message) for e in result.errors] == [(2, SERIOUS_REASON)]
    assert not Commitment.objects.exists()


def test_an_attempt_without_a_subject_is_masked_by_its_code() -> None:
    """Until confirmation there is no subject: whether to mask is read from the typed code
    (Commitment.committer_is_person), the same on every page that shows the attempt."""
    _start(APIClient(), "安阳市北关区某某超市有限公司")
    c = Commitment.objects.get()
    assert c.subject_id is None and c.committer_is_person is False
    assert selectors.present_public(c)["committer_name"] == "安阳市北关区某某超市有限公司"
    c.committer_code, c.committer_name = "410503196805120318", "张建国"
    assert c.committer_is_person is True
    assert selectors.present_public(c)["committer_name"] == "张**"
