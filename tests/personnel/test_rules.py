"""容错免责 and the counting rule: an exempt item never counts — not in the file summary,
the score, the exports (CLI/API JSON) or the 诚信典型 check."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command

from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.personnel import selectors, services
from xinyong.personnel.models import FileItem

from .conftest import WANG, dishonesty, good_faith

pytestmark = pytest.mark.django_db


def test_file_summary_counts_and_score(wang):
    summary = selectors.summarise(wang.items.all())
    assert summary.commendations == 1
    assert summary.assessments == {2024: "称职", 2025: "优秀"}
    assert summary.dishonesty == 0
    # 100 + 2 (commendation) + 0 (称职) + 2 (优秀)
    assert summary.score == 104
    assert summary.conclusion == "无计入的失信记录"


def test_exempt_item_never_counts_anywhere(users, wang, honour_kinds, capsys):
    zzb = users["zzb"]
    exempt = dishonesty(zzb, wang, "北纪诫〔2025〕7号", date(2025, 6, 10), exemption=good_faith())
    assert exempt.exempt and not selectors.counts_as_dishonesty(exempt)
    assert exempt.exemption_body == "中共北关区纪律检查委员会"
    assert exempt.exemption_document == "北纪容〔2025〕3号"
    assert exempt.exemption_date == date(2025, 8, 20)

    view = services.open_file(reader=zzb, person=wang, purpose="干部选拔任用考察")
    assert view["summary"]["dishonesty"] == 0
    assert view["summary"]["exempt"] == 1
    assert view["summary"]["score"] == 104  # unchanged by the exempt item
    row = next(i for i in view["items"] if i["id"] == exempt.pk)
    assert row["counts_as_dishonesty"] is False
    assert row["exemption"]["reason"].startswith("改革创新")

    assert selectors.countable_dishonesty(wang.items.all()).count() == 0
    assert selectors.dishonesty_within(wang, on=date(2026, 1, 1), years=3) == 0

    call_command(
        "personnel",
        "file",
        "--id-number",
        WANG,
        "--purpose",
        "评先评优审核",
        "--as",
        "t_zzb",
        "--json",
    )
    data = json.loads(capsys.readouterr().out)
    assert data["files"][0]["summary"]["dishonesty"] == 0

    # The 诚信典型 check does not hold the exempt item against him.
    n = services.nominate(
        actor=zzb,
        kind=honour_kinds["excellent_worker"],
        year=2025,
        person_id_number=WANG,
        person_name="王建国",
        deeds="牵头建成信用分级分类监管系统。",
        on=date(2025, 12, 1),
    )
    done = services.decide_nomination(
        actor=users["admin"],
        nomination=n,
        selected=True,
        document="北信用办〔2025〕9号",
        on=date(2025, 12, 26),
    )
    assert done.status == "selected"


def test_counted_dishonesty_lowers_score_and_blocks_selection(users, wang, honour_kinds):
    zzb = users["zzb"]
    item = dishonesty(zzb, wang, "北纪诫〔2025〕8号", date(2025, 6, 10))
    assert selectors.counts_as_dishonesty(item)
    summary = selectors.summarise(wang.items.all())
    assert summary.dishonesty == 1 and summary.score == 94
    assert summary.conclusion == "有计入的失信记录"
    n = services.nominate(
        actor=zzb,
        kind=honour_kinds["excellent_worker"],
        year=2025,
        person_id_number=WANG,
        person_name="王建国",
        deeds="事迹",
        on=date(2025, 12, 1),
    )
    with pytest.raises(DomainError, match="近 3 年内有 1 项计入的一般失信事项"):
        services.decide_nomination(
            actor=users["admin"],
            nomination=n,
            selected=True,
            document="北信用办〔2025〕9号",
            on=date(2025, 12, 26),
        )
    # Exempted later: the decision is kept and the item stops counting.
    services.record_exemption(
        actor=zzb,
        item=item,
        ground="不可抗力",
        body="中共北关区纪律检查委员会",
        document="北纪容〔2025〕5号",
        decided_on=date(2025, 9, 1),
        reason="暴雨导致无法按期办结。",
    )
    item.refresh_from_db()
    assert item.exempt and item.exemption_ground == "force_majeure"
    assert selectors.summarise(wang.items.all()).dishonesty == 0
    event = Event.objects.filter(action="personnel.item.exempt").get()
    assert event.old_values["counts_as_dishonesty"] is True
    assert event.new_values["counts_as_dishonesty"] is False
    services.decide_nomination(
        actor=users["admin"],
        nomination=n,
        selected=True,
        document="北信用办〔2025〕9号",
        on=date(2025, 12, 26),
    )


def test_dishonesty_older_than_lookback_does_not_block(users, wang):
    dishonesty(users["zzb"], wang, "北纪诫〔2021〕1号", date(2021, 3, 1))
    assert selectors.dishonesty_within(wang, on=date(2025, 12, 26), years=3) == 0
    assert selectors.dishonesty_within(wang, on=date(2024, 2, 29), years=3) == 1


def test_revoked_item_no_longer_counts(users, wang):
    item = dishonesty(users["zzb"], wang, "北纪诫〔2025〕9号", date(2025, 6, 10))
    services.revoke_item(
        actor=users["zzb"], item=item, reason="原处分决定已被撤销。", on=date(2025, 7, 1)
    )
    item.refresh_from_db()
    assert item.status == FileItem.Status.REVOKED and item.revoked_on == date(2025, 7, 1)
    assert selectors.summarise(wang.items.all()).dishonesty == 0
    with pytest.raises(DomainError, match="已撤销"):
        services.revoke_item(actor=users["zzb"], item=item, reason="再次")


def test_item_rules(users, wang):
    zzb = users["zzb"]
    with pytest.raises(DomainError, match="2025年度考核结果已登记"):
        services.add_item(
            actor=zzb,
            person=wang,
            item=services.ItemInput(
                kind="assessment",
                year=2025,
                grade="称职",
                issuer="x",
                document_number="n",
                document_date=date(2026, 1, 2),
            ),
        )
    with pytest.raises(DomainError, match="考核等次“良好”无效"):
        services.add_item(
            actor=zzb,
            person=wang,
            item=services.ItemInput(
                kind="年度考核",
                year=2023,
                grade="良好",
                issuer="x",
                document_number="n",
                document_date=date(2024, 1, 2),
            ),
        )
    with pytest.raises(DomainError, match="容错免责只适用于一般失信事项"):
        services.add_item(
            actor=zzb,
            person=wang,
            item=services.ItemInput(
                kind="表彰奖励",
                title="t",
                issuer="x",
                document_number="n",
                document_date=date(2025, 1, 2),
            ),
            exemption=good_faith(),
        )
    with pytest.raises(DomainError, match="请填写失信信息来源"):
        services.add_item(
            actor=zzb,
            person=wang,
            item=services.ItemInput(
                kind="一般失信",
                title="t",
                issuer="x",
                document_number="n",
                document_date=date(2025, 1, 2),
            ),
        )
    with pytest.raises(DomainError, match="免责认定日期不能早于"):
        dishonesty(
            zzb,
            wang,
            "北纪诫〔2025〕10号",
            date(2025, 6, 10),
            exemption=good_faith(on=date(2025, 6, 1)),
        )
    with pytest.raises(DomainError, match="文书日期 2099-01-01 晚于今天"):
        dishonesty(zzb, wang, "北纪诫〔2099〕1号", date(2099, 1, 1))
    item = dishonesty(zzb, wang, "北纪诫〔2025〕11号", date(2025, 6, 10), exemption=good_faith())
    with pytest.raises(DomainError, match="已认定容错免责"):
        services.record_exemption(
            actor=zzb,
            item=item,
            ground="good_faith",
            body="b",
            document="d",
            decided_on=date(2025, 9, 1),
            reason="r",
        )


def test_register_person_checks_id_and_unit(users, servant):
    with pytest.raises(DomainError, match="身份证号码无效"):
        services.register_person(
            actor=users["zzb"],
            category=servant,
            name="张三",
            id_number="410503198203141210",
            unit="区市场监管局",
        )
    with pytest.raises(DomainError, match="请填写所在单位"):
        services.register_person(actor=users["zzb"], category=servant, name="张三", id_number=WANG)
    p = services.register_person(
        actor=users["zzb"],
        category=servant,
        name="张三",
        id_number=" 410503198203141217 ",
        unit="区市场局",
    )
    assert p.id_number == WANG and p.unit is not None and p.unit.name == "区市场监管局"
    with pytest.raises(DomainError, match="已建立"):
        services.register_person(
            actor=users["zzb"], category=servant, name="张三", id_number=WANG, unit="区市场监管局"
        )
