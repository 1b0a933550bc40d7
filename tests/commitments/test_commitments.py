"""Credit commitments end to end, one kind at a time, with concrete dates (2026 holidays:
国庆 10/1–10/7 off, 10/10 Saturday worked)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.template import Context, Template
from django.test import Client

from xinyong.collection.selectors import Period
from xinyong.commitments import selectors, services
from xinyong.commitments.models import Commitment, Kind
from xinyong.core import calendar
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord

from .helpers import (
    ORG_USCC,
    OTHER_USCC,
    PERSON_ID,
    RSJ,
    SCJG,
    ZJJ,
    commit,
    make_user,
    matter,
    unit,
)

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ 承诺编码


def test_code_is_region_date_serial_and_unique_per_day() -> None:
    first = services.next_code(date(2026, 9, 28))
    second = services.next_code(date(2026, 9, 28))
    other_day = services.next_code(date(2026, 9, 29))
    assert first == "41050320260928000001"
    assert second == "41050320260928000002"
    assert other_day == "41050320260929000001"
    c = commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
    assert c.code == "41050320260928000003"
    assert re.fullmatch(r"\d{20}", c.code)


def test_region_code_comes_from_settings(settings) -> None:
    settings.XINYONG_REGION_CODE = "320100"
    assert services.next_code(date(2023, 2, 17)) == "32010020230217000001"
    settings.XINYONG_REGION_CODE = "32A100"
    with pytest.raises(DomainError, match="行政区划代码配置有误"):
        services.next_code(date(2023, 2, 17))


# ------------------------------------------------------------------ 容缺受理型


def test_deficiency_due_date_and_overdue_flag() -> None:
    c = commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
    # 9-29, 9-30 = 2; 10-1..10-7 holiday; 10-8 = 3, 10-9 = 4, 10-10 (Saturday, worked) = 5.
    assert c.verify_due == date(2026, 10, 10) == calendar.add_workdays(date(2026, 9, 28), 5)
    assert c.breach_liability.startswith("逾期未补正或补正材料不符合要求的，撤销受理")
    assert services.check_overdue(on=date(2026, 10, 10)) == []
    flagged = services.check_overdue(on=date(2026, 10, 11))
    assert [x.pk for x in flagged] == [c.pk]
    c.refresh_from_db()
    assert c.overdue_flagged_on == date(2026, 10, 11)
    assert c.status == Commitment.Status.PENDING
    # Idempotent: a second run (or the next day) flags nothing again.
    assert services.check_overdue(on=date(2026, 10, 12)) == []
    assert Event.objects.filter(action="commitments.flag_overdue").count() == 1


def test_kept_deficiency_is_not_flagged() -> None:
    c = commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
    services.record_fulfilment(
        actor=None,
        commitment=c,
        status="全部履行",
        evidence="2026-10-09 补交食品安全管理制度文本及设备布局图，经书面核查符合要求。",
        verified_on=date(2026, 10, 9),
    )
    assert services.check_overdue(on=date(2026, 10, 11)) == []
    c.refresh_from_db()
    assert (c.status, c.breach_record_id) == (Commitment.Status.KEPT, None)


def test_voluntary_and_self_discipline_kinds_are_never_flagged() -> None:
    commit(RSJ, "人力资源服务行业诚信自律承诺", Kind.SELF_DISCIPLINE)
    assert services.check_overdue(on=date(2026, 12, 31)) == []


# ------------------------------------------------------------------ 证明事项型


def test_certificate_broken_becomes_dishonesty_record_in_subject_file(client: Client) -> None:
    c = commit(SCJG, "食品经营许可", Kind.CERTIFICATE)
    assert c.verify_due == calendar.add_workdays(date(2026, 9, 28), 20) == date(2026, 10, 30)
    with pytest.raises(DomainError, match="请填写未履行内容"):
        services.record_fulfilment(
            actor=None, commitment=c, status="全部未履行", evidence="实地核查"
        )
    done = services.record_fulfilment(
        actor=None,
        commitment=c,
        status="全部未履行",
        evidence="2026-11-02 实地核查：经营场所与承诺地址不符。",
        unfulfilled_content="承诺的经营场所使用权不实",
        liability_action="撤销食品经营许可决定，列入虚假承诺记录",
        verified_on=date(2026, 11, 2),
    )
    record = CreditRecord.objects.get(pk=done.breach_record_id)
    assert record.record_type.code == "CNWN"
    assert record.nature == "dishonest"
    assert record.document_number == c.code
    assert record.decision_date == date(2026, 11, 2)
    assert record.subject_id == c.subject_id
    assert record.source_unit == unit(SCJG)
    assert record.payload["CN_CNLX"] == "证明事项型"
    assert record.payload["CN_LXZT"] == "全部未履行"
    assert record.batch_id is not None  # stored by the collection pipeline
    # The subject's file (public page) shows the commitment and its outcome.
    page = client.get(f"/credit/subject/{c.subject_id}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert c.code in text and "全部未履行" in text and "信用承诺及履行情况（1）" in text
    # Once recorded, the outcome is final.
    with pytest.raises(DomainError, match="不能再记录履行情况"):
        services.record_fulfilment(actor=None, commitment=c, status="全部履行", evidence="x")


# ------------------------------------------------------------------ 审批替代型


def test_approval_partly_kept_carries_the_consequence() -> None:
    c = commit(ZJJ, "建筑工程施工许可", Kind.APPROVAL, name="安阳市某某建设有限公司")
    assert c.verify_due == date(2026, 11, 13)  # 30 working days after 9-28 (10-10 worked)
    assert c.breach_liability == (
        "承诺不实的，撤销施工许可证，责令停止施工，违诺情况记入信用记录。"
    )
    done = services.record_fulfilment(
        actor=None,
        commitment=c,
        status="部分履行",
        evidence="2026-11-10 实地核查：建设资金未全部到位。",
        unfulfilled_content="建设资金到位比例不足承诺的50%",
        liability_action="撤销施工许可证，责令停止施工",
        verified_on=date(2026, 11, 10),
    )
    assert done.status == Commitment.Status.PARTLY
    record = CreditRecord.objects.get(pk=done.breach_record_id)
    assert record.payload["CN_LXZT"] == "部分履行"
    assert record.payload["BZ"] == f"违诺责任：{c.breach_liability}"


def test_kind_without_matter_gets_default_consequence() -> None:
    with pytest.raises(DomainError, match="请填写承诺内容"):
        commit(ZJJ, None, Kind.APPROVAL, reason="临时占道施工审批")
    c = commit(
        ZJJ,
        None,
        Kind.APPROVAL,
        reason="临时占道施工审批",
        content="承诺按批准范围和期限占道施工。",
    )
    assert c.matter is None and c.verify_due is None
    assert c.breach_liability == services.DEFAULT_CONSEQUENCE[Kind.APPROVAL]


def test_matter_kind_and_unit_must_match() -> None:
    with pytest.raises(DomainError, match="不属于"):
        services.record_commitment(
            actor=None,
            unit=unit(ZJJ),
            item=services.CommitmentInput(
                kind=Kind.DEFICIENCY,
                committer_name="某公司",
                committer_code=ORG_USCC,
                reason="",
                made_on=date(2026, 9, 28),
                matter=matter(SCJG, "食品经营许可", Kind.DEFICIENCY),
            ),
        )
    with pytest.raises(DomainError, match="与所填承诺类型“审批替代型”不一致"):
        services.record_commitment(
            actor=None,
            unit=unit(SCJG),
            item=services.CommitmentInput(
                kind=Kind.APPROVAL,
                committer_name="某公司",
                committer_code=ORG_USCC,
                reason="",
                made_on=date(2026, 9, 28),
                matter=matter(SCJG, "食品经营许可", Kind.DEFICIENCY),
            ),
        )
    with pytest.raises(DomainError, match="承诺人代码"):
        commit(SCJG, "食品经营许可", Kind.DEFICIENCY, code="91512081MA62K0260X")


# ------------------------------------------------------------------ 行业自律型


def test_self_discipline_kept_and_unit_figures() -> None:
    c = commit(RSJ, "人力资源服务行业诚信自律承诺", Kind.SELF_DISCIPLINE, made_on=date(2026, 3, 2))
    assert c.verify_due is None
    commit(
        RSJ,
        "社会保险待遇领取资格认证",
        Kind.CERTIFICATE,
        made_on=date(2026, 3, 3),
        code=PERSON_ID,
        name="李四",
    )
    services.record_fulfilment(
        actor=None,
        commitment=c,
        status="全部履行",
        evidence="2026年度行业协会年度检查无违规。",
        verified_on=date(2026, 6, 30),
    )
    figures = selectors.unit_commitment_counts(
        unit(RSJ), Period.between(date(2026, 1, 1), date(2026, 6, 30))
    )
    assert figures["kinds_covered"] == ["证明事项型", "行业自律型"]
    assert figures["matters"] == 2
    assert figures["made"] == 2
    by_kind = {k["label"]: k["count"] for k in figures["by_kind"]}
    assert by_kind["行业自律型"] == 1 and by_kind["证明事项型"] == 1 and by_kind["容缺受理型"] == 0
    assert (figures["kept"], figures["broken"], figures["pending"]) == (1, 0, 1)
    empty = selectors.unit_commitment_counts(
        unit(RSJ), Period.between(date(2026, 7, 1), date(2026, 7, 31))
    )
    assert (empty["made"], empty["kept"]) == (0, 0)


# ------------------------------------------------------------------ permissions


def test_unit_cannot_record_fulfilment_for_another_units_commitment() -> None:
    c = commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
    other = make_user("zjj", Role.REPORTER, ZJJ)
    own = make_user("scjg", Role.REPORTER, SCJG)
    with pytest.raises(NotPermitted, match="区市场监管局"):
        services.record_fulfilment(actor=other, commitment=c, status="全部履行", evidence="x")
    with pytest.raises(NotPermitted):
        commit(SCJG, "食品经营许可", Kind.DEFICIENCY, actor=other)
    assert selectors.commitments_visible_to(other).count() == 0
    done = services.record_fulfilment(
        actor=own,
        commitment=c,
        status="全部履行",
        evidence="补齐材料",
        verified_on=date(2026, 10, 9),
    )
    assert done.verified_by == own


def test_staff_pages_enforce_scope(client: Client) -> None:
    c = commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
    other = make_user("zjj", Role.REPORTER, ZJJ)
    own = make_user("scjg", Role.REPORTER, SCJG)
    client.force_login(other)
    assert client.get(f"/workspace/commitments/{c.pk}/").status_code == 404
    assert client.post(f"/workspace/commitments/{c.pk}/", {"status": "全部履行"}).status_code == 404
    client.logout()
    client.force_login(own)
    page = client.get("/workspace/commitments/")
    assert page.status_code == 200 and c.code in page.content.decode()
    response = client.post(
        f"/workspace/commitments/{c.pk}/",
        {"status": "全部履行", "evidence": "已补正", "verified_on": "2026-10-09"},
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == Commitment.Status.KEPT
    new = client.post(
        "/workspace/commitments/new/",
        {
            "unit": str(unit(SCJG).pk),
            "matter": str(matter(SCJG, "食品经营许可", Kind.DEFICIENCY).pk),
            "committer_name": "安阳市某某餐饮店",
            "committer_code": OTHER_USCC,
            "made_on": "2026-09-28",
            "publicity": "public",
        },
    )
    assert new.status_code == 302
    created = Commitment.objects.get(committer_code=OTHER_USCC)
    assert (created.kind, created.channel, created.verify_due) == (
        Kind.DEFICIENCY,
        Commitment.Channel.FORM,
        date(2026, 10, 10),
    )


# ------------------------------------------------------------------ public output


def test_public_output_only_public_and_masked() -> None:
    person = commit(
        RSJ,
        "社会保险待遇领取资格认证",
        Kind.CERTIFICATE,
        code=PERSON_ID,
        name="李四",
        content=f"本人李四（身份证 {PERSON_ID}）承诺所述情况属实。",
    )
    hidden = commit(
        RSJ,
        "社会保险待遇领取资格认证",
        Kind.CERTIFICATE,
        code=PERSON_ID,
        name="李四",
        publicity=Commitment.Publicity.PRIVATE,
    )
    public = list(selectors.commitments_for_subject(person.subject, public_only=True))
    assert [c.pk for c in public] == [person.pk]
    assert {c.pk for c in selectors.commitments_for_subject(person.subject, public_only=False)} == {
        person.pk,
        hidden.pk,
    }
    shown = selectors.present_public(person)
    assert shown["committer_name"] == "李*"
    assert shown["committer_code"] == "110105********002X"
    assert PERSON_ID not in shown["content"] and "110105********002X" in shown["content"]
    html = Template("{% load commitments_tags %}{% subject_commitments sid %}").render(
        Context({"sid": person.subject_id})
    )
    assert person.code in html and hidden.code not in html
    assert PERSON_ID not in html


def test_public_matter_list(client: Client) -> None:
    page = client.get("/credit/commitments/matters/", {"unit": unit(ZJJ).pk})
    text = page.content.decode()
    assert page.status_code == 200
    assert "建筑工程施工许可" in text and "审批替代型" in text and "国办发〔2019〕35号" in text
    assert "食品经营许可" not in text
    assert (
        client.get("/credit/commitments/matters/", {"unit": "x'", "kind": "bad"}).status_code == 200
    )


# ------------------------------------------------------------------ 主动公示型


def test_voluntary_commitment_through_the_public_window(client: Client) -> None:
    m = matter(SCJG, "经营主体信用承诺", Kind.VOLUNTARY)
    page = client.get("/credit/commitments/")
    assert page.status_code == 200 and m.template_text in page.content.decode()
    refused = client.post(
        "/credit/commitments/", {"matter": m.pk, "uscc": "123", "name": "某公司", "accepted": "on"}
    )
    assert "请填写正确的18位统一社会信用代码" in refused.content.decode()
    step1 = client.post(
        "/credit/commitments/",
        {
            "matter": m.pk,
            "uscc": ORG_USCC.lower(),
            "name": "安阳市北关区某某超市有限公司",
            "accepted": "on",
        },
    )
    assert step1.status_code == 302
    c = Commitment.objects.get(channel=Commitment.Channel.PUBLIC_WINDOW)
    assert c.status == Commitment.Status.UNCONFIRMED and c.code.startswith("T")
    # Unconfirmed commitments are nowhere public, and name no subject until confirmed.
    assert c.subject_id is None
    confirm = client.get(step1["Location"])
    text = confirm.content.decode()
    assert c.confirmation_code in text
    wrong = "000000" if c.confirmation_code != "000000" else "111111"
    bad = client.post(step1["Location"], {"code": wrong})
    assert "确认码不正确" in bad.content.decode()
    done = client.post(step1["Location"], {"code": c.confirmation_code})
    c.refresh_from_db()
    assert c.status == Commitment.Status.PENDING
    assert re.fullmatch(r"410503\d{8}000001", c.code)
    assert c.code in done.content.decode()
    assert (c.kind, c.accepting_unit, c.publicity) == (Kind.VOLUNTARY, unit(SCJG), "public")
    assert c.committer_code == ORG_USCC
    assert c.subject is not None and c.subject.name == "安阳市北关区某某超市有限公司"
    # Confirming twice is harmless: the page shows the published commitment.
    again = client.post(step1["Location"], {"code": "123456"})
    assert c.code in again.content.decode()
    assert client.get("/credit/commitments/confirm/forged/").status_code == 404


def test_public_window_refuses_non_voluntary_matter() -> None:
    with pytest.raises(DomainError, match="不接受网上主动公示承诺"):
        services.start_public_commitment(
            matter=matter(SCJG, "食品经营许可", Kind.DEFICIENCY),
            uscc=ORG_USCC,
            name="某公司",
            accepted=True,
        )


def test_workspace_pages_render_for_unit_staff(client: Client) -> None:
    c = commit(SCJG, "食品经营许可", Kind.DEFICIENCY)
    own = make_user("scjg", Role.REPORTER, SCJG)
    client.force_login(own)
    for url in (
        "/workspace/commitments/new/",
        "/workspace/commitments/import/",
        "/workspace/commitments/matters/",
        f"/workspace/commitments/{c.pk}/",
        "/workspace/commitments/?kind=bad&status=x&overdue=1&page=zz",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/workspace/commitments/units/").status_code == 302
    figures = client.get(
        f"/workspace/commitments/units/{unit(SCJG).pk}/", {"start": "2026-01-01", "end": "bad"}
    )
    assert figures.status_code == 200 and "容缺受理型" in figures.content.decode()
    assert client.get(f"/workspace/commitments/units/{unit(ZJJ).pk}/").status_code == 403
