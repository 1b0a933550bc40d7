"""Review of 2026-11-27 (issue 6 §1, DOMAIN.md §9): six defects of commitments, each with
the concrete case that showed it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from xinyong.commitments import selectors, services
from xinyong.commitments.models import Commitment, Kind
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Role
from xinyong.subjects.services import get_or_create_subject, merge_subjects

from ..rights.repair_helpers import penalty_row, record, store
from .helpers import ORG_USCC, OTHER_USCC, SCJG, commit, make_user, unit
from .test_commitment_exclusion import admin, apply, approve_repair
from .test_repair_commitment_lapse import refuse

pytestmark = pytest.mark.django_db

KEPT_EVIDENCE = "核查：已履行"


# ------------------------------------------------------------------ 1. 信用修复型 kept


def test_lapsed_repair_commitment_cannot_be_found_kept() -> None:
    office = admin()
    store([penalty_row(3, decided="2026-03-10")])
    r = record(3)
    app = apply(r, date(2026, 6, 15), name=r.subject.name)
    promise = Commitment.objects.get(repair_application=app)
    refuse(app, office, date(2026, 6, 18))
    promise.refresh_from_db()
    assert promise.verify_due is None
    with pytest.raises(DomainError) as caught:
        services.record_fulfilment(
            actor=None,
            commitment=promise,
            status="全部履行",
            evidence=KEPT_EVIDENCE,
            verified_on=date(2026, 7, 1),
        )
    assert caught.value.code == "repair_commitment_lapsed"
    assert "承诺随之失效" in caught.value.message
    promise.refresh_from_db()
    assert promise.status == Commitment.Status.PENDING


def test_repair_commitment_cannot_be_found_kept_before_its_check_day(clock: Any) -> None:
    office = admin()
    store([penalty_row(4, decided="2026-03-10")])
    r = record(4)
    app = apply(r, date(2026, 6, 15), name=r.subject.name)
    approve_repair(app, office, date(2026, 6, 20))
    promise = Commitment.objects.get(repair_application=app)
    assert promise.verify_due == date(2027, 3, 11)
    with pytest.raises(DomainError) as caught:
        services.record_fulfilment(
            actor=None,
            commitment=promise,
            status="全部履行",
            evidence=KEPT_EVIDENCE,
            verified_on=date(2026, 7, 1),
        )
    assert caught.value.code == "repair_check_day_not_reached"
    assert "2027-03-11" in caught.value.message
    # On its check day it may be found kept.
    clock.today = date(2027, 3, 11)
    kept = services.record_fulfilment(
        actor=None,
        commitment=promise,
        status="全部履行",
        evidence=KEPT_EVIDENCE,
        verified_on=date(2027, 3, 11),
    )
    assert kept.status == Commitment.Status.KEPT


# ------------------------------------------------------------------ 2. 不可公开 content

SECRET = "本企业承诺所报工艺配方XYZ123真实有效"
SECRET_REASON = "食品经营许可（配方XYZ123）"


@pytest.mark.parametrize("publicity", [Commitment.Publicity.PRIVATE, Commitment.Publicity.LIMITED])
def test_private_commitment_content_not_published_when_broken(clock: Any, publicity: str) -> None:
    clock.today = date(2026, 11, 20)
    c = commit(
        SCJG,
        "食品经营许可",
        Kind.CERTIFICATE,
        made_on=date(2026, 11, 2),
        publicity=publicity,
        content=SECRET,
        reason=SECRET_REASON,
    )
    c = services.record_fulfilment(
        actor=None,
        commitment=c,
        status="全部未履行",
        evidence="书面核查：承诺内容不实",
        unfulfilled_content="未提交配方证明",
        liability_action="撤销许可决定",
        verified_on=date(2026, 11, 20),
    )
    page = Client().get(f"/credit/record/{c.breach_record_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET not in html and "XYZ123" not in html
    shown = Commitment.Publicity(publicity).label
    assert f"承诺内容不予公开（承诺时选择{shown}）" in html
    # The breach itself is still on the public record.
    assert c.code in html and "全部未履行" in html
    # Staff keep the commitment as made.
    c.refresh_from_db()
    assert c.content == SECRET and c.reason == SECRET_REASON


def test_public_commitment_content_still_published_when_broken(clock: Any) -> None:
    clock.today = date(2026, 11, 20)
    c = commit(SCJG, "食品经营许可", Kind.CERTIFICATE, made_on=date(2026, 11, 2), content=SECRET)
    c = services.record_fulfilment(
        actor=None,
        commitment=c,
        status="全部未履行",
        evidence="书面核查：承诺内容不实",
        unfulfilled_content="未提交配方证明",
        liability_action="撤销许可决定",
        verified_on=date(2026, 11, 20),
    )
    assert SECRET in Client().get(f"/credit/record/{c.breach_record_id}/").content.decode()


# ------------------------------------------------------------------ 3. 信用修复型 never public

REASON = "申请信用修复：行政处罚 北关市监罚〔2026〕7号"


def test_repair_commitment_recorded_by_a_unit_is_not_public(clock: Any) -> None:
    clock.today = date(2026, 11, 20)
    c = commit("区发改委", "信用修复承诺", Kind.REPAIR, made_on=date(2026, 11, 2), reason=REASON)
    listed = [x.code for x in selectors.commitments_for_subject(c.subject_id, public_only=True)]
    html = Client().get(f"/credit/subject/{c.subject_id}/").content.decode()
    assert c.code not in listed and REASON not in html, (c.publicity, listed)
    assert c.publicity == Commitment.Publicity.LIMITED


def test_repair_commitment_in_a_file_is_coerced_to_limited(clock: Any, tmp_path: Any) -> None:
    clock.today = date(2026, 11, 20)
    path = tmp_path / "repair.csv"
    path.write_text(
        "承诺人名称,承诺人代码,承诺类型,承诺事由,承诺内容,承诺作出日期,公开属性\n"
        f"安阳市北关区某某食品有限公司,{ORG_USCC},信用修复型,{REASON},按期整改,2026-11-02,"
        "可向社会公开\n",
        encoding="utf-8",
    )
    result = services.import_commitments(actor=None, unit=unit("区发改委"), path=path)
    assert not result.errors
    assert [c.publicity for c in result.created] == [Commitment.Publicity.LIMITED]


# ------------------------------------------------------------------ 4. 容缺 / 证明事项 need a matter


def test_deficiency_commitment_without_matter_has_a_due_date_or_is_refused(clock: Any) -> None:
    clock.today = date(2026, 11, 20)
    api = APIClient()
    api.force_authenticate(make_user("scjg", Role.REPORTER, SCJG))
    resp = api.post(
        "/api/v1/commitments/",
        {
            "kind": "容缺受理型",
            "committer_name": "安阳市北关区某某食品有限公司",
            "committer_code": ORG_USCC,
            "made_on": "2026-09-28",
            "reason": "食品经营许可（容缺受理）",
            "content": "承诺 5 个工作日内补交食品安全管理制度文本。",
        },
        format="json",
    )
    assert resp.status_code == 400
    assert "请选择承诺事项，以确定核查期限" in resp.content.decode()
    assert not Commitment.objects.exists()


@pytest.mark.parametrize("kind", [Kind.DEFICIENCY, Kind.CERTIFICATE])
def test_deadline_kinds_without_matter_are_refused_on_every_channel(
    clock: Any, tmp_path: Any, kind: str
) -> None:
    clock.today = date(2026, 11, 20)
    with pytest.raises(DomainError, match="请选择承诺事项，以确定核查期限"):
        commit(SCJG, None, kind, made_on=date(2026, 11, 2), reason="食品经营许可")
    path = tmp_path / "deadline.csv"
    path.write_text(
        "承诺人名称,承诺人代码,承诺类型,承诺事由,承诺作出日期\n"
        f"安阳市北关区某某食品有限公司,{ORG_USCC},{Kind(kind).label},食品经营许可,2026-11-02\n",
        encoding="utf-8",
    )
    result = services.import_commitments(actor=None, unit=unit(SCJG), path=path)
    assert [(e.row, e.message) for e in result.errors] == [
        (2, f"{Kind(kind).label}承诺请选择承诺事项，以确定核查期限。")
    ]
    assert not Commitment.objects.exists()


# ------------------------------------------------------------------ 5. merged subjects


def test_survivor_page_lists_commitments_of_merged_duplicate(clock: Any) -> None:
    clock.today = date(2026, 11, 20)
    c = commit(SCJG, "经营主体信用承诺", Kind.VOLUNTARY, made_on=date(2026, 11, 2))
    survivor, _created, _conflict = get_or_create_subject(
        actor=None, identifier=OTHER_USCC, name="安阳市北关区某某食品有限公司（新）"
    )
    merge_subjects(actor=None, keep=survivor, absorb=c.subject, reason="同一主体重复建档")
    html = Client().get(f"/credit/subject/{survivor.pk}/").content.decode()
    assert f'data-commitment="{c.code}"' in html
    staff = selectors.commitments_for_subject(survivor, public_only=False)
    assert [x.code for x in staff] == [c.code]


# ------------------------------------------------------------------ 6. 逾期 made good


def test_public_page_drops_overdue_tag_once_made_good(clock: Any) -> None:
    clock.today = date(2026, 9, 28)
    c = commit(SCJG, "食品经营许可", Kind.DEFICIENCY, made_on=date(2026, 9, 28))
    clock.today = date(2026, 10, 11)
    assert [x.pk for x in services.check_overdue(on=date(2026, 10, 11))] == [c.pk]
    html = Client().get(f"/credit/subject/{c.subject_id}/").content.decode()
    row = html.split(f'data-commitment="{c.code}"')[1].split("</tr>")[0]
    assert "逾期未补正" in row
    clock.today = date(2026, 10, 20)
    services.record_fulfilment(
        actor=None,
        commitment=c,
        status="全部履行",
        evidence="2026-10-20 补交材料，书面核查符合要求。",
        verified_on=date(2026, 10, 20),
    )
    html = Client().get(f"/credit/subject/{c.subject_id}/").content.decode()
    row = html.split(f'data-commitment="{c.code}"')[1].split("</tr>")[0]
    assert "全部履行" in row
    assert "逾期未补正" not in row, row


def test_a_persons_own_name_is_masked_in_the_public_commitment_text(clock) -> None:
    from xinyong.commitments.selectors import present_public

    clock.today = date(2026, 11, 20)
    c = commit(
        SCJG,
        "经营主体信用承诺",
        Kind.VOLUNTARY,
        made_on=date(2026, 11, 2),
        code="11010519491231002X",
        name="李四",
        reason="李四申请个体经营信用承诺",
        content="本人李四承诺守法经营，联系电话 13912345678。",
    )
    shown = present_public(c)
    assert shown["committer_name"] == "李*"
    assert "李四" not in shown["reason"] + shown["content"]
    assert "13912345678" not in shown["content"]
    assert "守法经营" in shown["content"]
