"""督促整改 of 瞒报/漏报 suspicions (2023 work plan, task 4: 对产生瞒报的部门督促整改): the
unit's 情况说明, the office's 整改完成 or 退回, the state on the pages and API, and the
通报's count of suspicions not yet rectified."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.test import Client
from pypdf import PdfReader
from rest_framework.test import APIClient

from xinyong.collection import quality, reports, selectors
from xinyong.collection.models import QualityWarning
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role

from .qhelpers import batch, declare, record, unit, user

pytestmark = pytest.mark.django_db

OCT = selectors.Period.month(2026, 10)
TODAY = date(2026, 11, 25)
Kind = QualityWarning.Kind


@pytest.fixture
def suspicions() -> dict[str, Any]:
    """区市场监管局 declared 4 October penalties and reported 北市监罚〔2026〕11号 and 13号:
    a shortfall of 2 and a gap at 12号; and three late records (约谈预警, not a suspicion).
    区人社局 declared nothing for October (未申报)."""
    scj, rsj = unit("区市场监管局"), unit("区人社局")
    record(scj, "北市监罚〔2026〕11号", decided=date(2026, 10, 9), reported=date(2026, 10, 12))
    record(scj, "北市监罚〔2026〕13号", decided=date(2026, 10, 15), reported=date(2026, 10, 16))
    for n in (1, 2, 3):
        record(
            scj,
            f"北市监许〔2026〕{n}号",
            decided=date(2026, 9, 1),
            reported=date(2026, 10, 20),
            late=True,
            code="XZXK",
        )
    declare(scj, 2026, 10, 4)
    record(rsj, "北人社罚〔2026〕1号", decided=date(2026, 9, 9), reported=date(2026, 9, 10))
    batch(rsj, reported=date(2026, 9, 10), rows=1)  # a unit that reports penalties declares
    for u in (scj, rsj):
        quality.check_unit_period(u, 2026, 10, today=TODAY)
    warnings = {w.kind: w for w in QualityWarning.objects.filter(unit=scj, period="2026-10")}
    assert set(warnings) == {Kind.UNDER_REPORTED, Kind.NUMBER_GAP, Kind.REPEATED_LATENESS}
    not_declared = QualityWarning.objects.get(unit=rsj, period="2026-10")
    assert not_declared.kind == Kind.NOT_DECLARED
    return {
        "scj": scj,
        "rsj": rsj,
        "under": warnings[Kind.UNDER_REPORTED],
        "gap": warnings[Kind.NUMBER_GAP],
        "late": warnings[Kind.REPEATED_LATENESS],
        "not_declared": not_declared,
    }


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "admin": user("ur_admin", Role.CREDIT_ADMIN, "区发改委"),
        "reporter": user("ur_rep", Role.REPORTER, "区市场监管局"),
        "reviewer": user("ur_rev", Role.REVIEWER, "区市场监管局"),
        "other": user("ur_other", Role.REPORTER, "区人社局"),
        "leader": user("ur_leader", Role.LEADER),
        "bank": user("ur_bank", Role.BANK, organisation="中国银行安阳北关支行"),
    }


def _client(u: Any | None = None) -> Client:
    client = Client()
    if u is not None:
        client.force_login(u)
    return client


def _api(u: Any | None = None) -> APIClient:
    client = APIClient()
    if u is not None:
        client.force_authenticate(u)
    return client


def test_explain_review_state_machine(suspicions: dict[str, Any], people: dict[str, Any]) -> None:
    under, admin, reporter = suspicions["under"], people["admin"], people["reporter"]
    assert (under.rectification, under.rectification_label) == ("", "待说明")
    assert suspicions["late"].rectification_label == ""

    with pytest.raises(DomainError, match="单位尚未提交情况说明，不能确认整改"):
        quality.review_warning(actor=admin, warning=under, accepted=True)
    with pytest.raises(DomainError, match="只有疑似瞒报漏报的预警"):
        quality.explain_warning(actor=reporter, warning=suspicions["late"], text="已知悉")
    with pytest.raises(DomainError, match="请填写情况说明"):
        quality.explain_warning(actor=reporter, warning=under, text=" \n ")
    with pytest.raises(DomainError, match="控制字符"):
        quality.explain_warning(actor=reporter, warning=under, text="作废\x00")
    with pytest.raises(DomainError, match="情况说明过长"):
        quality.explain_warning(actor=reporter, warning=under, text="说" * 2001)
    with pytest.raises(NotPermitted, match="情况说明由被预警单位的填报员或审核员填写"):
        quality.explain_warning(actor=admin, warning=under, text="代为说明")
    for who in ("other", "leader", "bank"):
        with pytest.raises(NotPermitted, match="无权为“区市场监管局”填写情况说明"):
            quality.explain_warning(actor=people[who], warning=under, text="说明")

    under = quality.explain_warning(
        actor=reporter, warning=under, text="12号文书作废，另 1 件不予处罚，已更正申报数。"
    )
    assert (under.rectification, under.rectification_label) == ("explained", "已说明待确认")
    assert under.explained_by == reporter and under.acknowledged_at is not None
    with pytest.raises(DomainError, match="已提交情况说明，正在等待信用办确认，不能重复提交"):
        quality.explain_warning(actor=people["reviewer"], warning=under, text="补充")
    for who in ("reporter", "leader"):
        with pytest.raises(NotPermitted, match="只有信用办管理员"):
            quality.review_warning(actor=people[who], warning=under, accepted=True)
    with pytest.raises(DomainError, match="请填写退回理由"):
        quality.review_warning(actor=admin, warning=under, accepted=False, reason="")

    under = quality.review_warning(
        actor=admin,
        warning=under,
        accepted=False,
        reason="请附作废文书的说明，并补报不予处罚以外的决定",
    )
    assert (under.rectification, under.rectification_label) == ("returned", "已退回")
    with pytest.raises(DomainError, match="单位尚未提交情况说明"):
        quality.review_warning(actor=admin, warning=under, accepted=True)
    under = quality.explain_warning(
        actor=people["reviewer"], warning=under, text="已补报北市监罚〔2026〕12号。"
    )
    under = quality.review_warning(actor=admin, warning=under, accepted=True)
    assert (under.rectification, under.reviewed_by) == ("done", admin)
    with pytest.raises(DomainError, match="该预警已确认整改完成。"):
        quality.review_warning(actor=admin, warning=under, accepted=True)
    with pytest.raises(DomainError, match="该预警已确认整改完成，无需再说明"):
        quality.explain_warning(actor=reporter, warning=under, text="再说明")
    actions = list(
        Event.objects.filter(target_type="collection.QualityWarning", target_id=str(under.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "collection.warning.explain",
        "collection.warning.review",
        "collection.warning.explain",
        "collection.warning.review",
    ]


def test_an_explained_suspicion_outlives_its_cause(
    suspicions: dict[str, Any], people: dict[str, Any]
) -> None:
    """The unit 补报s the missing 12号 and a fourth record: the checks find nothing any
    more. Both suspicions are resolved and kept — the explained one with its 情况说明 —
    and neither waits for the office any more."""
    quality.explain_warning(actor=people["reporter"], warning=suspicions["gap"], text="已补报12号")
    scj = suspicions["scj"]
    record(scj, "北市监罚〔2026〕12号", decided=date(2026, 10, 12), reported=date(2026, 11, 20))
    record(scj, "北市监罚〔2026〕14号", decided=date(2026, 10, 20), reported=date(2026, 11, 20))
    quality.check_unit_period(scj, 2026, 10, today=TODAY)
    gap = QualityWarning.objects.get(pk=suspicions["gap"].pk)
    assert (gap.rectification, gap.resolution, gap.explanation) == (
        "explained",
        "resolved",
        "已补报12号",
    )
    under = QualityWarning.objects.get(pk=suspicions["under"].pk)
    assert (under.resolution, under.resolution_note) == ("resolved", "申报与报送已一致，自动解除")
    with pytest.raises(DomainError, match="该预警已自动解除（文书号已连续，自动解除），无需确认"):
        quality.review_warning(actor=people["admin"], warning=gap, accepted=True)
    assert quality.unrectified_suspicions(OCT) == {suspicions["rsj"].pk: 1}


def test_tongbao_counts_suspicions_not_yet_rectified(
    suspicions: dict[str, Any], people: dict[str, Any]
) -> None:
    report = reports.monthly_report(OCT)
    assert report.suspicions == {suspicions["scj"].pk: 2, suspicions["rsj"].pk: 1}
    assert "疑似瞒报漏报尚未整改完成 3 条，涉及 2 个单位。" in report.summary
    assert any(d.startswith("瞒报疑点未整改 = ") for d in reports._definitions())

    gap = quality.explain_warning(actor=people["reporter"], warning=suspicions["gap"], text="作废")
    # Explained but not confirmed still counts.
    assert reports.monthly_report(OCT).suspicions[suspicions["scj"].pk] == 2
    quality.review_warning(actor=people["admin"], warning=gap, accepted=True)

    sheet = openpyxl.load_workbook(io.BytesIO(reports.report_xlsx(OCT)))["通报"]
    rows = {r[1]: r for r in ([c.value for c in row] for row in sheet.iter_rows(min_row=5))}
    assert rows["区市场监管局"][14] == 1
    assert rows["区人社局"][14] == 1
    assert rows["区纪委监委"][14] == 0
    assert rows["合计"][14] == 2
    pdf = reports.report_pdf(OCT, issued_on=date(2026, 11, 5))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")
    assert "疑似瞒报漏报尚未整改完成2条，涉及2个单位。" in text.replace("\n", "")

    page = _client(people["admin"]).get("/workspace/collection/?period=2026-10").content.decode()
    assert (
        "<th>瞒报疑点未整改</th>" in page
        and "/workspace/collection/suspicions/?period=2026-10" in page
    )


def test_pages_per_role(suspicions: dict[str, Any], people: dict[str, Any]) -> None:
    scj, under = suspicions["scj"], suspicions["under"]
    unit_page = f"/workspace/collection/units/{scj.pk}/"
    explain = f"/workspace/collection/warnings/{under.pk}/explain/"
    review = f"/workspace/collection/warnings/{under.pk}/review/"
    listing = "/workspace/collection/suspicions/"

    anonymous = _client()
    for url in (listing,):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    for url in (explain, review):
        response = anonymous.post(url, {"text": "x"})
        assert response.status_code == 302 and "/login/" in response["Location"]

    reporter = _client(people["reporter"])
    page = reporter.get(unit_page).content.decode()
    assert "待说明" in page and "提交情况说明" in page and f'action="{explain}"' in page
    assert reporter.get(listing)["Location"] == f"{unit_page}#warnings"
    assert reporter.get(explain).status_code == 405
    for who in ("admin", "leader"):
        assert _client(people[who]).post(explain, {"text": "说明"}).status_code == 403, who
    assert _client(people["other"]).post(explain, {"text": "说明"}).status_code == 404
    assert _client(people["bank"]).post(explain, {"text": "说明"}).status_code == 404

    blank = reporter.post(explain, {"text": ""}, follow=True)
    assert "请填写情况说明" in blank.content.decode()
    control = reporter.post(explain, {"text": "作废\x1b"}, follow=True)
    assert "控制字符" in control.content.decode()
    done = reporter.post(explain, {"text": "文书号作废"}, follow=True)
    assert done.redirect_chain[-1][0] == f"{unit_page}#warning-{under.pk}"
    html = done.content.decode()
    assert (
        "已提交情况说明，等待信用办确认。" in html
        and "已说明待确认" in html
        and "文书号作废" in html
    )
    again = reporter.post(explain, {"text": "再说明"}, follow=True)
    assert "不能重复提交" in again.content.decode()

    admin = _client(people["admin"])
    listed = admin.get(f"{listing}?state=explained&period=2026-10").content.decode()
    assert "区市场监管局" in listed and "文书号作废" in listed and f'action="{review}"' in listed
    assert "区人社局" not in listed  # its 未申报 warning is still 待说明
    assert "区人社局" in admin.get(f"{listing}?state=pending").content.decode()
    bad = admin.get(f"{listing}?state=<b>&period=2026-99")
    assert bad.status_code == 200 and "统计期间不正确" in bad.content.decode()
    leader = _client(people["leader"])
    lead_page = leader.get(listing)
    assert lead_page.status_code == 200 and f'action="{review}"' not in lead_page.content.decode()
    assert _client(people["bank"]).get(listing).status_code == 403

    for who in ("reporter", "leader"):
        assert _client(people[who]).post(review, {"decision": "accept"}).status_code == 403, who
    no_reason = admin.post(review, {"decision": "return", "reason": ""}, follow=True)
    assert "请填写退回理由" in no_reason.content.decode()
    back = admin.post(
        review,
        {"decision": "return", "reason": "请附作废说明", "next": f"{listing}?state=all"},
        follow=True,
    )
    assert back.redirect_chain[-1][0] == f"{listing}?state=all"
    assert "已退回，请单位重新说明。" in back.content.decode()
    # An outside address in `next` is ignored.
    reporter.post(explain, {"text": "附作废说明"})
    outside = admin.post(review, {"decision": "accept", "next": "https://example.com/"})
    assert outside["Location"] == f"{unit_page}#warning-{under.pk}"
    under.refresh_from_db()
    assert under.rectification == "done"
    assert "整改完成" in reporter.get(unit_page).content.decode()


def test_api_per_role(suspicions: dict[str, Any], people: dict[str, Any]) -> None:
    under = suspicions["under"]
    explain = f"/api/v1/collection/warnings/{under.pk}/explanation"
    review = f"/api/v1/collection/warnings/{under.pk}/review"
    assert _api().post(explain, {"text": "x"}, format="json").status_code in (401, 403)
    assert _api(people["admin"]).post(explain, {"text": "x"}, format="json").status_code == 403
    assert _api(people["leader"]).post(explain, {"text": "x"}, format="json").status_code == 403
    assert _api(people["other"]).post(explain, {"text": "x"}, format="json").status_code == 404
    reporter = _api(people["reporter"])
    assert reporter.post(explain, {}, format="json").status_code == 400
    control = reporter.post(explain, {"text": "作废\x07"}, format="json")
    assert control.status_code == 400 and "控制字符" in control.json()["detail"]
    late = reporter.post(
        f"/api/v1/collection/warnings/{suspicions['late'].pk}/explanation",
        {"text": "x"},
        format="json",
    )
    assert late.status_code == 400 and "只有疑似瞒报漏报的预警" in late.json()["detail"]
    ok = reporter.post(explain, {"text": "已补报"}, format="json")
    assert ok.status_code == 200 and ok.json()["rectification_label"] == "已说明待确认"

    assert reporter.post(review, {"accepted": True}, format="json").status_code == 403
    assert _api(people["leader"]).post(review, {"accepted": True}, format="json").status_code == 403
    admin = _api(people["admin"])
    assert admin.post(review, {"accepted": "maybe"}, format="json").status_code == 400
    no_reason = admin.post(review, {"accepted": False}, format="json")
    assert no_reason.status_code == 400 and "请填写退回理由" in no_reason.json()["detail"]
    done = admin.post(review, {"accepted": True}, format="json")
    assert done.status_code == 200 and done.json()["rectification"] == "done"
    assert (
        admin.post(
            "/api/v1/collection/warnings/999999/review", {"accepted": True}, format="json"
        ).status_code
        == 404
    )
