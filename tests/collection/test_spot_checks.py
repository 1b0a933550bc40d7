"""公示信息抽查 (2023 work plan, task 4): the seeded draw, verdicts, the units' 整改 replies
and the office's confirmation, the 通报 columns, the pages, the API, the CLI and the demo."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client
from pypdf import PdfReader
from rest_framework.test import APIClient

from xinyong.collection import reports, selectors, spot_checks
from xinyong.collection.models import SpotCheck, SpotCheckItem
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord

from .qhelpers import record, unit, user

pytestmark = pytest.mark.django_db

OCT = selectors.Period.month(2026, 10)
TODAY = date(2026, 11, 25)
SEED = "00112233445566778899aabbccddeeff"
OTHER_SEED = "ffeeddccbbaa99887766554433221100"


@pytest.fixture
def october() -> dict[str, Any]:
    """区市场监管局: seven penalties reported in October 2026 (plus a registration record,
    a withdrawn penalty and one reported in November, none of which may be drawn);
    区人社局: two penalties."""
    scj, rsj = unit("区市场监管局"), unit("区人社局")
    own = [
        record(
            scj,
            f"北市监罚〔2026〕{n}号",
            decided=date(2026, 10, 9),
            reported=date(2026, 10, 12 + n),
        )
        for n in range(1, 8)
    ]
    registration = record(
        scj, "REG-1", decided=date(2026, 10, 2), reported=date(2026, 10, 20), code="DJZC"
    )
    withdrawn = record(
        scj, "北市监罚〔2026〕8号", decided=date(2026, 10, 9), reported=date(2026, 10, 21)
    )
    CreditRecord.objects.filter(pk=withdrawn.pk).update(status=CreditRecord.Status.WITHDRAWN)
    november = record(
        scj, "北市监罚〔2026〕9号", decided=date(2026, 10, 30), reported=date(2026, 11, 2)
    )
    foreign = [
        record(
            rsj, f"北人社罚〔2026〕{n}号", decided=date(2026, 10, 9), reported=date(2026, 10, 16)
        )
        for n in (1, 2)
    ]
    return {
        "scj": scj,
        "rsj": rsj,
        "own": own,
        "foreign": foreign,
        "excluded": [registration, withdrawn, november],
    }


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "admin": user("sc_admin", Role.CREDIT_ADMIN, "区发改委"),
        "reporter": user("sc_rep", Role.REPORTER, "区市场监管局"),
        "reviewer": user("sc_rev", Role.REVIEWER, "区市场监管局"),
        "other": user("sc_other", Role.REPORTER, "区人社局"),
        "unsampled": user("sc_yjj", Role.REPORTER, "区应急局"),
        "leader": user("sc_leader", Role.LEADER),
        "bank": user("sc_bank", Role.BANK, organisation="中国银行安阳北关支行"),
    }


def _draw(**kwargs: Any) -> SpotCheck:
    return spot_checks.draw(
        actor=kwargs.pop("actor", None),
        period=kwargs.pop("period", "2026-10"),
        seed=kwargs.pop("seed", SEED),
        today=TODAY,
        **kwargs,
    )


def _sample(check: SpotCheck) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for item in check.items.order_by("unit_id", "record_id"):
        out.setdefault(item.unit_id, []).append(item.record_id)
    return out


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


# ------------------------------------------------------------------ the draw


def test_each_unit_gets_its_count_or_all_when_fewer(october: dict[str, Any]) -> None:
    check = _draw(per_unit=5, actor=None)
    scj, rsj = october["scj"], october["rsj"]
    own_ids = sorted(r.pk for r in october["own"])
    assert check.pool == {
        str(scj.pk): own_ids,
        str(rsj.pk): sorted(r.pk for r in october["foreign"]),
    }
    assert check.pool_size == 9
    assert check.record_types[:2] == ["XZCF", "XZXK"] and "DJZC" not in check.record_types
    sample = _sample(check)
    assert len(sample[scj.pk]) == 5 and set(sample[scj.pk]) <= set(own_ids)
    # Fewer than the count: all of them.
    assert sample[rsj.pk] == sorted(r.pk for r in october["foreign"])
    excluded = {r.pk for r in october["excluded"]}
    assert not excluded & set(check.items.values_list("record_id", flat=True))
    assert set(check.items.values_list("period", flat=True)) == {"2026-10"}
    assert set(check.items.values_list("verdict", flat=True)) == {"pending"}
    assert spot_checks.verify_sample(check)
    # The documented rule: each unit's records of lowest HMAC-SHA256(seed, id).
    expected = sorted(
        own_ids, key=lambda i: hmac.new(SEED.encode(), str(i).encode(), hashlib.sha256).hexdigest()
    )[:5]
    assert sorted(expected) == sample[scj.pk]


def test_same_seed_same_sample(october: dict[str, Any]) -> None:
    first = _draw(per_unit=3)
    kept = _sample(first)
    assert spot_checks.compute_sample(SEED, first.pool, 3) == spot_checks.compute_sample(
        SEED, first.pool, 3
    )
    first.delete()
    again = _draw(per_unit=3)
    assert _sample(again) == kept
    assert again.seed == SEED
    other = spot_checks.compute_sample(OTHER_SEED, again.pool, 3)
    assert sorted(other[october["scj"].pk]) != kept[october["scj"].pk]
    # Tampering with the stored items is detected.
    item = again.items.filter(unit=october["scj"]).first()
    assert item is not None
    spare = next(r for r in october["own"] if r.pk not in kept[october["scj"].pk])
    SpotCheckItem.objects.filter(pk=item.pk).update(record_id=spare.pk)
    assert not spot_checks.verify_sample(again)


def test_a_generated_seed_is_stored_and_logged(october: dict[str, Any]) -> None:
    admin = user("sc_admin2", Role.CREDIT_ADMIN, "区发改委")
    check = spot_checks.draw(actor=admin, period="2026-10", today=TODAY)
    assert len(check.seed) == 32 and int(check.seed, 16) >= 0
    assert check.per_unit == 5 and check.drawn_by == admin
    event = Event.objects.get(action="collection.spot_check.draw")
    assert event.new_values["seed"] == check.seed and event.new_values["sampled"] == 7


def test_repeat_draw_and_bad_draws_are_refused(october: dict[str, Any]) -> None:
    _draw()
    with pytest.raises(
        DomainError, match=r"2026年10月已于 .* 抽取过（抽查编号 \d+），同一月份不能重复抽取"
    ):
        _draw(seed=OTHER_SEED)
    assert SpotCheck.objects.count() == 1
    with pytest.raises(DomainError, match="2026年11月尚未结束"):
        _draw(period="2026-11")
    with pytest.raises(DomainError, match="2026年8月没有可抽查的公示信息"):
        _draw(period="2026-08")
    for bad in ("0", "101", "abc", "", "5.5"):
        with pytest.raises(DomainError, match="每单位抽查条数"):
            _draw(period="2026-09", per_unit=bad)
    with pytest.raises(DomainError, match="统计月份格式不正确"):
        _draw(period="2026-1x")
    with pytest.raises(DomainError, match="控制字符"):
        _draw(period="2026-09", note="说明\x00")
    for who in ("leader", "reporter"):
        role = Role.LEADER if who == "leader" else Role.REPORTER
        actor = user(f"sc_d_{who}", role, None if who == "leader" else "区市场监管局")
        with pytest.raises(NotPermitted, match="只有信用办管理员"):
            spot_checks.draw(actor=actor, period="2026-09", today=TODAY)


def test_a_record_is_in_at_most_one_check_per_period(october: dict[str, Any]) -> None:
    check = _draw()
    item = check.items.first()
    assert item is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        SpotCheckItem.objects.create(
            spot_check=check, period="2026-10", record=item.record, unit=item.unit
        )


# ------------------------------------------------------------------ verdict and 整改


def _scj_item(check: SpotCheck, scj: Any) -> SpotCheckItem:
    item = check.items.filter(unit=scj).order_by("id").first()
    assert item is not None
    return item


def test_verdict_reply_confirm_state_machine(
    october: dict[str, Any], people: dict[str, Any]
) -> None:
    check = _draw()
    item = _scj_item(check, october["scj"])
    admin, reporter = people["admin"], people["reporter"]

    with pytest.raises(DomainError, match="只有核查结论为不合格的条目需要回复整改情况"):
        spot_checks.reply(actor=reporter, item=item, text="已整改")
    with pytest.raises(DomainError, match="该条目核查合格或尚未核查，无需整改确认"):
        spot_checks.confirm(actor=admin, item=item, accepted=True)
    with pytest.raises(DomainError, match="请至少选择一个问题类型"):
        spot_checks.record_verdict(actor=admin, item=item, verdict="failed")
    with pytest.raises(DomainError, match="结论为合格时不能选择问题类型"):
        spot_checks.record_verdict(actor=admin, item=item, verdict="合格", problems=["privacy"])
    with pytest.raises(DomainError, match="核查结论只能是"):
        spot_checks.record_verdict(actor=admin, item=item, verdict="maybe")
    with pytest.raises(DomainError, match="未知的问题类型“排版难看”"):
        spot_checks.record_verdict(actor=admin, item=item, verdict="failed", problems=["排版难看"])
    with pytest.raises(DomainError, match="控制字符"):
        spot_checks.record_verdict(
            actor=admin, item=item, verdict="failed", problems=["privacy"], note="a\x07b"
        )
    for who in ("leader", "reporter"):
        with pytest.raises(NotPermitted, match="只有信用办管理员"):
            spot_checks.record_verdict(
                actor=people[who], item=item, verdict="failed", problems=["privacy"]
            )

    # Labels or codes, stored as codes in the fixed order.
    item = spot_checks.record_verdict(
        actor=admin,
        item=item,
        verdict="不合格",
        problems=["处罚依据不准确", "vague_facts"],
        note="违法事实未写明时间",
    )
    assert (item.verdict, item.problems, item.rectification) == (
        "failed",
        ["vague_facts", "wrong_basis"],
        "awaiting",
    )
    assert item.problem_labels == ["违法事实表述不具体", "处罚依据不准确"]
    assert item.checked_by == admin and item.checked_at is not None

    with pytest.raises(DomainError, match="单位尚未回复整改情况，不能确认"):
        spot_checks.confirm(actor=admin, item=item, accepted=True)
    with pytest.raises(DomainError, match="请填写整改情况"):
        spot_checks.reply(actor=reporter, item=item, text="   ")
    with pytest.raises(DomainError, match="控制字符"):
        spot_checks.reply(actor=reporter, item=item, text="已整改\x1b[31m")
    with pytest.raises(NotPermitted, match="整改情况由被抽查单位的填报员或审核员回复"):
        spot_checks.reply(actor=admin, item=item, text="代为回复")
    for who in ("other", "leader", "bank"):
        with pytest.raises(NotPermitted, match="无权回复“区市场监管局”的抽查条目"):
            spot_checks.reply(actor=people[who], item=item, text="已整改")

    before = CreditRecord.objects.get(pk=item.record_id)
    item = spot_checks.reply(actor=people["reviewer"], item=item, text="已重新报送更正该记录")
    assert (item.rectification, item.reply, item.replied_by) == (
        "replied",
        "已重新报送更正该记录",
        people["reviewer"],
    )
    after = CreditRecord.objects.get(pk=item.record_id)
    # Replying changes nothing in the record: the unit corrects it by sending it again.
    assert (after.version, after.payload, after.content_hash, after.updated_at) == (
        before.version,
        before.payload,
        before.content_hash,
        before.updated_at,
    )
    with pytest.raises(DomainError, match="正在等待信用办确认，不能重复回复"):
        spot_checks.reply(actor=reporter, item=item, text="再说一次")
    with pytest.raises(DomainError, match="单位已回复整改情况，不能再更改核查结论"):
        spot_checks.record_verdict(actor=admin, item=item, verdict="passed")
    with pytest.raises(NotPermitted):
        spot_checks.confirm(actor=people["leader"], item=item, accepted=True)
    with pytest.raises(DomainError, match="请填写退回理由"):
        spot_checks.confirm(actor=admin, item=item, accepted=False, reason="")

    item = spot_checks.confirm(
        actor=admin, item=item, accepted=False, reason="更正后的记录仍缺处罚依据条款"
    )
    assert (item.rectification, item.review_reason) == ("returned", "更正后的记录仍缺处罚依据条款")
    with pytest.raises(DomainError, match="单位尚未回复整改情况"):
        spot_checks.confirm(actor=admin, item=item, accepted=True)
    item = spot_checks.reply(actor=reporter, item=item, text="已补充依据条款并重新报送")
    item = spot_checks.confirm(actor=admin, item=item, accepted=True)
    assert item.rectification == "confirmed" and item.reviewed_by == admin
    with pytest.raises(DomainError, match="该条目已确认整改完成，无需再回复"):
        spot_checks.reply(actor=reporter, item=item, text="还有")
    with pytest.raises(DomainError, match="该条目已确认整改完成"):
        spot_checks.confirm(actor=admin, item=item, accepted=True)

    actions = list(
        Event.objects.filter(target_type="collection.SpotCheckItem", target_id=str(item.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "collection.spot_check.verdict",
        "collection.spot_check.reply",
        "collection.spot_check.return",
        "collection.spot_check.reply",
        "collection.spot_check.confirm",
    ]


def test_a_verdict_may_change_until_the_unit_replies(
    october: dict[str, Any], people: dict[str, Any]
) -> None:
    item = _scj_item(_draw(), october["scj"])
    admin = people["admin"]
    item = spot_checks.record_verdict(
        actor=admin, item=item, verdict="failed", problems=["privacy"]
    )
    item = spot_checks.record_verdict(actor=admin, item=item, verdict="passed")
    assert (item.verdict, item.problems, item.rectification) == ("passed", [], "")
    with pytest.raises(DomainError, match="只有核查结论为不合格的条目"):
        spot_checks.reply(actor=people["reporter"], item=item, text="已整改")


# ------------------------------------------------------------------ the 通报


def _judge(check: SpotCheck, october: dict[str, Any], admin: Any) -> None:
    """区市场监管局: 3 合格, 1 不合格, 1 待核查; 区人社局: 2 合格."""
    scj_items = list(check.items.filter(unit=october["scj"]).order_by("id"))
    for item in scj_items[:3]:
        spot_checks.record_verdict(actor=admin, item=item, verdict="passed")
    spot_checks.record_verdict(
        actor=admin, item=scj_items[3], verdict="failed", problems=["overdue"]
    )
    for item in check.items.filter(unit=october["rsj"]):
        spot_checks.record_verdict(actor=admin, item=item, verdict="passed")


def test_tongbao_columns(october: dict[str, Any], people: dict[str, Any]) -> None:
    _judge(_draw(), october, people["admin"])
    report = reports.monthly_report(OCT)
    assert reports.REPORT_COLUMNS[-4:] == ("抽查数", "不合格数", "抽查合格率", "瞒报疑点未整改")
    assert (
        "本月抽查 2 个单位公示信息 7 条，已核查 6 条，不合格 1 条，抽查合格率 83.33%。"
        in report.summary
    )
    assert any(d.startswith("抽查合格率 = ") and "“—”" in d for d in reports._definitions())

    book = openpyxl.load_workbook(io.BytesIO(reports.report_xlsx(OCT)))
    sheet = book["通报"]
    assert [c.value for c in sheet[4]] == list(reports.REPORT_COLUMNS)
    rows = {r[1]: r for r in ([c.value for c in row] for row in sheet.iter_rows(min_row=5))}
    assert rows["区市场监管局"][11:15] == [5, 1, "75.00%", 0]
    assert rows["区人社局"][11:15] == [2, 0, "100.00%", 0]
    assert rows["区纪委监委"][11:15] == ["—", "—", "—", 0]
    assert rows["合计"][11:14] == [7, 1, "83.33%"]
    definitions = [
        row[0]
        for row in ([c.value for c in r] for r in sheet.iter_rows())
        if isinstance(row[0], str)
    ]
    assert any(str(d).startswith("抽查合格率 = ") for d in definitions)

    pdf = reports.report_pdf(OCT, issued_on=date(2026, 11, 5))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = text.replace(" ", "").replace("\n", "")
    assert "抽查合格率" in flat and "75.00%" in flat and "瞒报疑点未整改" in flat

    page = _client(people["leader"]).get("/workspace/collection/?period=2026-10").content.decode()
    assert "<th>抽查合格率</th>" in page and "75.00%" in page and "抽查合格率 = " in page
    assert "/workspace/collection/spot-checks/" in page


def test_tongbao_without_a_check(october: dict[str, Any]) -> None:
    report = reports.monthly_report(OCT)
    assert "本月未开展公示信息抽查。" in report.summary
    assert report.totals_values()[11:14] == ["—", "—", "—"]
    assert all(values[11:14] == ["—", "—", "—"] for values in report.table())


# ------------------------------------------------------------------ pages


def test_page_access_per_role(october: dict[str, Any], people: dict[str, Any]) -> None:
    check = _draw()
    scj, rsj = october["scj"], october["rsj"]
    base = "/workspace/collection/spot-checks/"
    detail = f"{base}{check.pk}/"
    # Before any verdict a unit does not learn which of its records were drawn.
    assert _client(people["reporter"]).get(detail).status_code == 404
    assert _client(people["reporter"]).get(base, follow=True).status_code == 200
    scj_items = list(check.items.filter(unit=scj).order_by("id"))
    judged, pending = scj_items[0], scj_items[1]
    spot_checks.record_verdict(actor=people["admin"], item=judged, verdict="passed")
    foreign_item = check.items.filter(unit=rsj).order_by("id").first()
    assert foreign_item is not None
    spot_checks.record_verdict(actor=people["admin"], item=foreign_item, verdict="passed")
    own_doc, foreign_doc = judged.record.document_number, foreign_item.record.document_number
    pending_doc = pending.record.document_number

    anonymous = _client()
    for url in (
        base,
        f"{base}new/",
        detail,
        f"{base}units/{scj.pk}/",
        "/workspace/collection/suspicions/",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url

    admin = _client(people["admin"])
    listing = admin.get(base)
    assert listing.status_code == 200
    assert (
        "2026年10月公示信息抽查" in listing.content.decode()
        and "新建抽查" in listing.content.decode()
    )
    assert admin.get(f"{base}new/").status_code == 200
    page = admin.get(detail).content.decode()
    assert "区市场监管局" in page and "区人社局" in page and "保存结论" in page
    assert SEED in page and "抽样结果一致" in page
    assert admin.get(f"{base}units/{rsj.pk}/").status_code == 200

    leader = _client(people["leader"])
    listing = leader.get(base)
    assert listing.status_code == 200 and "新建抽查" not in listing.content.decode()
    assert leader.get(f"{base}new/").status_code == 403
    page = leader.get(detail)
    assert page.status_code == 200 and "保存结论" not in page.content.decode()
    assert leader.get(f"{base}units/{scj.pk}/").status_code == 200

    reporter = _client(people["reporter"])
    assert reporter.get(base)["Location"] == f"{base}units/{scj.pk}/"
    assert reporter.get(detail)["Location"] == f"{base}units/{scj.pk}/?check={check.pk}"
    assert reporter.get(f"{base}new/").status_code == 403
    own = reporter.get(f"{base}units/{scj.pk}/?check={check.pk}").content.decode()
    assert own_doc in own and foreign_doc not in own and pending_doc not in own
    assert pending_doc in admin.get(f"{base}units/{scj.pk}/").content.decode()
    assert reporter.get(f"{base}units/{rsj.pk}/").status_code == 403

    other = _client(people["other"])
    assert other.get(detail)["Location"] == f"{base}units/{rsj.pk}/?check={check.pk}"
    mine = other.get(f"{base}units/{rsj.pk}/").content.decode()
    assert foreign_doc in mine and own_doc not in mine
    # A unit the check did not sample does not learn of it.
    assert _client(people["unsampled"]).get(detail).status_code == 404

    bank = _client(people["bank"])
    people["bank"].granted_units.add(scj)
    for url in (base, f"{base}new/", detail, f"{base}units/{scj.pk}/"):
        assert bank.get(url).status_code in (403, 404), url
    assert admin.get(f"{base}999999/").status_code == 404
    assert admin.get(f"{base}abc/").status_code == 404
    assert admin.get(f"{base}units/999999/").status_code == 404
    for query in ("abc", "１２", "9" * 40, "-1"):
        assert reporter.get(f"{base}units/{scj.pk}/?check={query}").status_code == 200, query
    for bad_id in ("abc", "", None, "1e3", -1, 2**70):
        with pytest.raises(NotFoundError):
            spot_checks.get_item(people["admin"], bad_id)
        with pytest.raises(NotFoundError):
            spot_checks.get_check(people["admin"], bad_id)
    # From the unit's quality page and the overview.
    quality_page = reporter.get(f"/workspace/collection/units/{scj.pk}/").content.decode()
    assert f"{base}units/{scj.pk}/" in quality_page


def test_draw_form(october: dict[str, Any], people: dict[str, Any]) -> None:
    admin = _client(people["admin"])
    bad = admin.post("/workspace/collection/spot-checks/new/", {"period": "abc", "per_unit": "5"})
    assert bad.status_code == 200 and "统计月份格式不正确" in bad.content.decode()
    bad = admin.post(
        "/workspace/collection/spot-checks/new/", {"period": "2026-10", "per_unit": "x"}
    )
    assert "每单位抽查条数应为整数" in bad.content.decode()
    bad = admin.post(
        "/workspace/collection/spot-checks/new/",
        {"period": "2026-10", "per_unit": "5", "note": "\x00"},
    )
    assert bad.status_code == 200 and "控制字符" in bad.content.decode()
    assert SpotCheck.objects.count() == 0
    done = admin.post(
        "/workspace/collection/spot-checks/new/",
        {"period": "2026-10", "per_unit": "5"},
        follow=True,
    )
    check = SpotCheck.objects.get()
    assert done.redirect_chain[-1][0] == f"/workspace/collection/spot-checks/{check.pk}/"
    assert "已抽取2026年10月公示信息抽查：2 个单位，共 7 条。" in done.content.decode()
    again = admin.post(
        "/workspace/collection/spot-checks/new/", {"period": "2026-10", "per_unit": "5"}
    )
    assert again.status_code == 200 and "同一月份不能重复抽取" in again.content.decode()
    leader = _client(people["leader"]).post(
        "/workspace/collection/spot-checks/new/", {"period": "2026-09", "per_unit": "5"}
    )
    assert leader.status_code == 403


def test_item_posts_per_role_and_bad_input(october: dict[str, Any], people: dict[str, Any]) -> None:
    check = _draw()
    item = _scj_item(check, october["scj"])
    base = f"/workspace/collection/spot-checks/items/{item.pk}/"
    verdict = {"verdict": "failed", "problems": ["vague_facts"], "note": "未写明时间"}

    for action in ("verdict", "reply", "confirm"):
        anonymous = _client().post(f"{base}{action}/", verdict)
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert _client(people["admin"]).get(f"{base}verdict/").status_code == 405
    assert _client(people["leader"]).post(f"{base}verdict/", verdict).status_code == 403
    # A pending item is not shown to its unit at all.
    for who in ("reporter", "reviewer", "other"):
        assert _client(people[who]).post(f"{base}verdict/", verdict).status_code == 404, who
    assert _client(people["bank"]).post(f"{base}verdict/", verdict).status_code == 403

    admin = _client(people["admin"])
    unknown = admin.post(
        f"{base}verdict/", {"verdict": "failed", "problems": ["sloppy"]}, follow=True
    )
    assert unknown.status_code == 200 and "不在可选范围内" in unknown.content.decode()
    empty = admin.post(f"{base}verdict/", {"verdict": "failed"}, follow=True)
    assert "请至少选择一个问题类型" in empty.content.decode()
    control = admin.post(f"{base}verdict/", {**verdict, "note": "\x0b"}, follow=True)
    assert "控制字符" in control.content.decode()
    item.refresh_from_db()
    assert item.verdict == "pending"
    ok = admin.post(f"{base}verdict/", verdict, follow=True)
    assert ok.redirect_chain[-1][0].startswith(f"/workspace/collection/spot-checks/{check.pk}/")
    assert "已保存核查结论" in ok.content.decode()
    item.refresh_from_db()
    assert (item.verdict, item.problems) == ("failed", ["vague_facts"])
    for who in ("reporter", "reviewer"):
        assert _client(people[who]).post(f"{base}verdict/", verdict).status_code == 403, who

    for who in ("admin", "leader"):
        assert _client(people[who]).post(f"{base}reply/", {"text": "已整改"}).status_code == 403, (
            who
        )
    assert _client(people["other"]).post(f"{base}reply/", {"text": "已整改"}).status_code == 404
    reporter = _client(people["reporter"])
    page = reporter.get(
        f"/workspace/collection/spot-checks/units/{october['scj'].pk}/"
    ).content.decode()
    assert "提交整改情况" in page and "违法事实表述不具体" in page
    blank = reporter.post(f"{base}reply/", {"text": ""}, follow=True)
    assert "请填写整改情况" in blank.content.decode()
    control = reporter.post(f"{base}reply/", {"text": "已整改\x00"}, follow=True)
    assert "控制字符" in control.content.decode()
    done = reporter.post(f"{base}reply/", {"text": "已重新报送"}, follow=True)
    assert "已提交整改情况，等待信用办确认。" in done.content.decode()
    again = reporter.post(f"{base}reply/", {"text": "再回复"}, follow=True)
    assert "不能重复回复" in again.content.decode()

    for who in ("leader", "reporter"):
        assert (
            _client(people[who]).post(f"{base}confirm/", {"decision": "accept"}).status_code == 403
        )
    no_reason = admin.post(f"{base}confirm/", {"decision": "return", "reason": ""}, follow=True)
    assert "请填写退回理由" in no_reason.content.decode()
    odd = admin.post(f"{base}confirm/", {"decision": "maybe"}, follow=True)
    assert "确认结果只能是整改完成或退回" in odd.content.decode()
    accepted = admin.post(f"{base}confirm/", {"decision": "accept"}, follow=True)
    assert "已确认整改完成。" in accepted.content.decode()
    item.refresh_from_db()
    assert item.rectification == "confirmed"
    assert (
        admin.post("/workspace/collection/spot-checks/items/999999/verdict/", verdict).status_code
        == 404
    )


# ------------------------------------------------------------------ API


def test_api_per_role(october: dict[str, Any], people: dict[str, Any]) -> None:
    check = _draw()
    item = _scj_item(check, october["scj"])
    lst, det = "/api/v1/collection/spot-checks", f"/api/v1/collection/spot-checks/{check.pk}"
    base = f"/api/v1/collection/spot-check-items/{item.pk}"

    assert _api().get(lst).status_code in (401, 403)
    assert _api().get(det).status_code in (401, 403)
    assert _api(people["bank"]).get(lst).status_code == 403
    assert _api(people["bank"]).get(det).status_code == 403

    admin = _api(people["admin"])
    body = admin.get(lst).json()
    assert body["count"] == 1 and body["results"][0]["stats"]["sampled"] == 7
    detail = admin.get(det).json()
    assert detail["verified"] is True and len(detail["items"]) == 7 and detail["seed"] == SEED

    leader = _api(people["leader"])
    assert leader.get(det).json()["stats"]["sampled"] == 7
    reporter = _api(people["reporter"])
    # Nothing judged yet: the unit does not see the check.
    assert reporter.get(det).status_code == 404
    assert reporter.get(lst).json()["count"] == 0
    assert _api(people["unsampled"]).get(det).status_code == 404
    assert _api(people["unsampled"]).get(lst).json()["count"] == 0

    verdict = {"verdict": "failed", "problems": ["信息项缺失或错误"], "note": "缺罚款金额"}
    for who in ("leader", "reporter", "other"):
        assert _api(people[who]).post(f"{base}/verdict", verdict, format="json").status_code == 403
    unknown = admin.post(f"{base}/verdict", {"verdict": "failed", "problems": ["x"]}, format="json")
    assert unknown.status_code == 400 and "未知的问题类型“x”" in unknown.json()["detail"]
    wrong_type = admin.post(
        f"{base}/verdict", {"verdict": "failed", "problems": {"a": 1}}, format="json"
    )
    assert wrong_type.status_code == 400 and "问题类型" in wrong_type.json()["detail"]
    control = admin.post(f"{base}/verdict", {**verdict, "note": "\x01"}, format="json")
    assert control.status_code == 400 and "控制字符" in control.json()["detail"]
    ok = admin.post(f"{base}/verdict", verdict, format="json")
    assert ok.status_code == 200 and ok.json()["problems"] == ["missing_item"]
    assert ok.json()["rectification"] == "awaiting"
    mine = reporter.get(det).json()
    assert [i["id"] for i in mine["items"]] == [item.pk] and mine["stats"]["sampled"] == 1
    assert reporter.get(lst).json()["results"][0]["stats"]["failed"] == 1
    assert _api(people["other"]).get(det).status_code == 404

    assert admin.post(f"{base}/reply", {"text": "代答"}, format="json").status_code == 403
    assert (
        _api(people["other"]).post(f"{base}/reply", {"text": "x"}, format="json").status_code == 404
    )
    empty = reporter.post(f"{base}/reply", {"text": ""}, format="json")
    assert empty.status_code == 400
    control = reporter.post(f"{base}/reply", {"text": "整改\x08"}, format="json")
    assert control.status_code == 400 and "控制字符" in control.json()["detail"]
    replied = reporter.post(f"{base}/reply", {"text": "已补充金额并重新报送"}, format="json")
    assert replied.status_code == 200 and replied.json()["rectification"] == "replied"
    twice = reporter.post(f"{base}/reply", {"text": "again"}, format="json")
    assert twice.status_code == 400 and "不能重复回复" in twice.json()["detail"]

    assert (
        reporter.post(f"{base}/confirmation", {"accepted": True}, format="json").status_code == 403
    )
    no_reason = admin.post(f"{base}/confirmation", {"accepted": False}, format="json")
    assert no_reason.status_code == 400 and "请填写退回理由" in no_reason.json()["detail"]
    confirmed = admin.post(f"{base}/confirmation", {"accepted": True}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["rectification_label"] == "整改完成"

    assert admin.get("/api/v1/collection/spot-checks/999999").status_code == 404
    assert admin.post("/api/v1/collection/spot-check-items/abc/verdict", verdict).status_code == 404


def test_api_draw(october: dict[str, Any], people: dict[str, Any]) -> None:
    lst = "/api/v1/collection/spot-checks"
    assert _api(people["leader"]).post(lst, {"period": "2026-10"}, format="json").status_code == 403
    assert (
        _api(people["reporter"]).post(lst, {"period": "2026-10"}, format="json").status_code == 403
    )
    admin = _api(people["admin"])
    bad = admin.post(lst, {"period": "2026-10", "per_unit": "many"}, format="json")
    assert bad.status_code == 400 and "每单位抽查条数" in bad.json()["detail"]
    made = admin.post(lst, {"period": "2026-10", "per_unit": 1}, format="json")
    assert made.status_code == 201 and made.json()["stats"]["sampled"] == 2
    again = admin.post(lst, {"period": "2026-10"}, format="json")
    assert again.status_code == 400 and "同一月份不能重复抽取" in again.json()["detail"]


def test_openapi_documents_the_spot_check_endpoints(people: dict[str, Any]) -> None:
    schema = _client(people["admin"]).get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    for route in (
        "/api/v1/collection/spot-checks",
        "/api/v1/collection/spot-checks/{check_id}",
        "/api/v1/collection/spot-check-items/{item_id}/verdict",
        "/api/v1/collection/spot-check-items/{item_id}/reply",
        "/api/v1/collection/spot-check-items/{item_id}/confirmation",
        "/api/v1/collection/warnings/{warning_id}/explanation",
        "/api/v1/collection/warnings/{warning_id}/review",
    ):
        assert route in text, route


# ------------------------------------------------------------------ CLI and demo


def test_cli_spot_check(october: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    out = io.StringIO()
    call_command(
        "collection", "spot-check", "--period", "2026-10", "--per-unit", "3", "--json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert (data["period"], data["per_unit"], data["pool_size"], data["sampled"]) == (
        "2026-10",
        3,
        9,
        5,
    )
    assert data["units"] == {"区市场监管局": 3, "区人社局": 2} and data["verified"] is True
    with pytest.raises(CommandError, match="同一月份不能重复抽取"):
        call_command("collection", "spot-check", "--period", "2026-10")
    with pytest.raises(CommandError, match="每单位抽查条数应为整数"):
        call_command("collection", "spot-check", "--period", "2026-09", "--per-unit", "x")
    text = io.StringIO()
    SpotCheck.objects.all().delete()
    call_command("collection", "spot-check", "--period", "2026-10", stdout=text)
    assert text.getvalue().startswith("已抽取2026年10月公示信息抽查（编号 ")
    assert "区市场监管局：5 条" in text.getvalue()


def test_demo_spot_check_is_idempotent() -> None:
    from xinyong.collection.demo import load_demo_records, load_demo_spot_check
    from xinyong.orgs.loaders import load_demo_users
    from xinyong.subjects.demo import load_demo_subjects

    load_demo_users()
    load_demo_subjects()
    load_demo_records()
    summary = load_demo_spot_check()
    assert summary == "2026年10月公示信息抽查：抽取 3 条，1 条不合格已回复整改"
    check = SpotCheck.objects.get(period="2026-10")
    assert spot_checks.verify_sample(check)
    failed = check.items.get(verdict="failed")
    assert failed.record.document_number == "北关市监罚〔2026〕108号"
    assert failed.rectification == "replied" and failed.replied_by.username == "reporter_scj"
    assert failed.unit.name == "区市场监管局"
    assert load_demo_spot_check() == "已存在，跳过"
    assert SpotCheck.objects.count() == 1 and SpotCheckItem.objects.count() == 3
