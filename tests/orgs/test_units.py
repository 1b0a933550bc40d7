from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.orgs import services
from xinyong.orgs.loaders import read_units_file
from xinyong.orgs.models import Role, Unit, UnitAlias, UnitGroup, User

from .conftest import make_user

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "2023-beiguan-credit-work-plan.txt"
DEADLINE = re.compile(r"^(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|持续推进)$")


def _seed_unit_cells() -> tuple[list[str], int]:
    """Every text naming responsible units in the seed: the (责任单位：…) of the 23 tasks,
    the working groups the task texts set up (成立…等单位组成), the header's addressees and
    the ledger's 责任单位 cells. Returns the cells and the number of ledger rows seen."""
    text = SEED.read_text(encoding="utf-8")
    cells = re.findall(r"[（(]责任单位[：:](.+?)[）)]\s*(?:\n|$)", text)
    assert len(cells) == 23  # one per numbered task
    cells += re.findall(r"成立(.+?)等(?:单位|部门)组成", text)
    cells.append(re.search(r"\n(各街道办事处.+?)及有关单位：", text).group(1))
    rows = 0
    for line in text.splitlines():
        if "\t" not in line or line.startswith("一级指标"):
            continue
        raw = [re.sub(r"</?p>", "", c).strip() for c in line.split("\t")]
        deadline = next(i for i, c in enumerate(raw) if DEADLINE.match(c))
        rows += 1
        # Walk back from the deadline over the unit cells (one row has two); the 重点工作
        # text before them always contains sentence punctuation.
        j = deadline - 1
        while j >= 0 and not re.search(r"[。，；：“”]", raw[j]):
            if raw[j]:
                cells.append(raw[j])
            j -= 1
    return cells, rows


def _seed_names() -> Counter[str]:
    cells, _rows = _seed_unit_cells()
    names: Counter[str] = Counter()
    for cell in cells:
        for part in re.split(r"[、，,；;\s]+", cell):
            part = re.sub(r"(牵头|按职责分工负责|负责)$", "", part)
            if part:
                names[part] += 1
    return names


def test_seed_is_read_completely():
    cells, rows = _seed_unit_cells()
    assert rows == 33  # the ledger's rows
    # 23 tasks, 2 working groups, the addressees, 34 ledger cells (one row has two).
    assert len(cells) == 23 + 2 + 1 + 34
    names = _seed_names()
    assert len(names) == 102
    assert names["区发改委"] == 46
    assert names["各街道〈镇〉"] == 13


@pytest.mark.django_db
def test_every_unit_name_in_the_seed_resolves():
    unknown = []
    for name in _seed_names():
        try:
            target = services.resolve_unit_name(name)
        except DomainError:
            unknown.append(name)
            continue
        assert isinstance(target, Unit | UnitGroup)
    assert unknown == []


@pytest.mark.django_db
def test_service_splitter_agrees_with_the_seed_extraction():
    cells, _rows = _seed_unit_cells()
    from_service = Counter(n for cell in cells for n in services.split_unit_names(cell))
    assert from_service == _seed_names()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("区编办", "区委编办"),
        ("区自然局", "区自然资源和规划局"),
        ("区自然资源局", "区自然资源和规划局"),
        ("区市场局", "区市场监管局"),
        ("区市场监督管理局", "区市场监管局"),
        ("市场监管局", "区市场监管局"),
        ("区金融办", "区金融工作局"),
        ("区金融局", "区金融工作局"),
        ("金融局", "区金融工作局"),
        ("区金融服务中心", "区金融工作局"),
        ("区环保局", "区生态环境局"),
        ("区建筑业管理局", "区建设业管理局"),
        ("区文广体局", "区文广体旅局"),
        ("区农业局", "区农业农村局"),
        ("区退役军人局", "区退役军人事务局"),
        ("区总工会", "区工会"),
        ("区卫生健康委", "区卫健委"),
        ("区人力资源社会保障局", "区人社局"),
        ("区交通运输局", "区交通局"),
        ("区发展改革委", "区发改委"),
        ("发改委", "区发改委"),
        ("区大数据局", "区政务服务和大数据局"),
        ("区委统一战线工作部", "区委统战部"),
        ("区委统一战线工作部(民族宗教事务局)", "区委统战部"),
        ("区民宗局", "区委统战部"),
        ("住房建局", "区住建局"),
        ("区委办公室(档案局)", "区委办"),
        ("区委办公室（档案局）", "区委办"),
        ("财政局", "区财政局"),
        ("残联", "区残联"),
        ("柏庄镇政府", "柏庄镇"),
        (" 区 市场局 ", "区市场监管局"),
        ("ｒ", None),
    ],
)
def test_aliases_resolve_to_their_unit(spelling, canonical):
    if canonical is None:
        with pytest.raises(DomainError):
            services.resolve_unit_name(spelling)
        return
    target = services.resolve_unit_name(spelling)
    assert isinstance(target, Unit)
    assert target.name == canonical


@pytest.mark.django_db
def test_separate_units_stay_separate():
    # The seed lists 区委办 and 区档案局 in the same cell, so they are two units.
    assert services.resolve_unit_name("区档案局").name == "区档案局"
    assert services.resolve_unit_name("区房管局") != services.resolve_unit_name("区住建局")


def test_normalise_unit_name():
    assert services.normalise_unit_name(" 各街道〈镇〉") == "各街道（镇）"
    assert services.normalise_unit_name("各街道<镇>") == "各街道（镇）"
    assert services.normalise_unit_name("各街道(镇)") == "各街道（镇）"
    assert services.normalise_unit_name("各街道‹镇›") == "各街道（镇）"
    assert services.normalise_unit_name("区\u3000市场局\n") == "区市场局"
    assert services.normalise_unit_name("ＡＢＣ区１局") == "ABC区1局"


def test_split_unit_mentions_marks_leads():
    mentions = services.split_unit_mentions(
        "区委组织部、区发改委牵头，各街道〈道〉、区政府各相关部门负责"
    )
    assert [(m.name, m.lead) for m in mentions] == [
        ("区委组织部", True),
        ("区发改委", True),
        ("各街道〈道〉", False),
        ("区政府各相关部门", False),
    ]
    mentions = services.split_unit_mentions("区发改委牵头、各街道〈镇〉、区政府各相关部门负责")
    assert [(m.name, m.lead) for m in mentions] == [
        ("区发改委", True),
        ("各街道〈镇〉", False),
        ("区政府各相关部门", False),
    ]
    assert services.split_unit_names(
        "区发改委、区市场监督管理局牵头；各级具有行政执法职能的部门按职责分工负责"
    ) == ["区发改委", "区市场监督管理局", "各级具有行政执法职能的部门"]
    assert services.split_unit_names("<p>区金融办、区发改委</p>") == ["区金融办", "区发改委"]
    assert services.split_unit_names("") == []


@pytest.mark.django_db
def test_groups_expand_to_their_members():
    towns = services.resolve_units("各街道<镇>")
    assert [u.name for u in towns] == [
        "红旗路街道",
        "灯塔路街道",
        "解放路街道",
        "豆腐营街道",
        "洹北街道",
        "民航路街道",
        "曙光路街道",
        "彰东街道",
        "彰北街道",
        "柏庄镇",
    ]
    for spelling in (
        "各个办事处(柏庄镇)",
        "办事处（柏庄镇）",
        "各办事处（柏庄镇）",
        "各街道〈道〉",
    ):
        assert services.resolve_units(spelling) == towns
    government = {u.name for u in services.resolve_units("区政府各相关部门")}
    assert "区市场监管局" in government and "区税务局" in government
    assert "区法院" not in government and "区委组织部" not in government
    direct = {u.name for u in services.resolve_units("区直各部门")}
    assert {"区法院", "区委组织部", "区残联", "区发改委"} <= direct
    assert "灯塔路街道" not in direct and "柏庄镇" not in direct
    assert services.resolve_units("区人社局") == [services.resolve_unit_name("区人社局")]


@pytest.mark.django_db
def test_unknown_name_is_a_chinese_error():
    with pytest.raises(DomainError) as info:
        services.resolve_unit_name("区外星事务局")
    assert info.value.message == "未知单位名称：区外星事务局"
    with pytest.raises(DomainError):
        services.resolve_unit_name("  ")


@pytest.mark.django_db
def test_reference_data_shape():
    assert Unit.objects.count() == 61
    office = Unit.objects.get(is_credit_office=True)
    assert office.name == "区发改委"
    assert Unit.objects.filter(kind=Unit.Kind.SUBDISTRICT).count() == 9
    assert Unit.objects.get(name="柏庄镇").kind == Unit.Kind.TOWN
    order = list(Unit.objects.values_list("name", flat=True))
    assert order[0] == "区纪委监委" and order[-1] == "柏庄镇"
    assert order.index("区发改委") < order.index("区法院") < order.index("灯塔路街道")
    sort_orders = list(Unit.objects.values_list("sort_order", flat=True))
    assert len(set(sort_orders)) == len(sort_orders)


@pytest.mark.django_db
def test_loading_twice_changes_nothing_and_writes_no_event():
    data = read_units_file()
    before = (Unit.objects.count(), UnitAlias.objects.count(), UnitGroup.objects.count())
    events = Event.objects.count()
    summary = services.load_units(actor=None, data=data)
    assert not summary.changed
    assert (Unit.objects.count(), UnitAlias.objects.count(), UnitGroup.objects.count()) == before
    assert Event.objects.count() == events


@pytest.mark.django_db
def test_loading_updates_renames_and_never_deletes():
    extra = Unit.objects.create(name="区测试中心", kind=Unit.Kind.OTHER, sort_order=5000)
    user = make_user("tester_1", Role.REPORTER, "区测试中心")
    scj = Unit.objects.get(name="区市场监管局")
    data = copy.deepcopy(read_units_file())
    entry = next(u for u in data["units"] if u["name"] == "区市场监管局")
    entry["name"] = "区市场监督管理局"
    entry["aliases"] = ["区市场监管局", "区市场局"]
    entry["sort_order"] = 325
    entry["aliases"].append("区市监局")
    summary = services.load_units(actor=None, data=data)
    assert summary.units_updated == 1 and summary.aliases_added == 1
    scj.refresh_from_db()
    assert (scj.name, scj.sort_order) == ("区市场监督管理局", 325)
    assert services.resolve_unit_name("区市监局") == scj
    assert services.resolve_unit_name("区市场监管局") == scj
    assert Unit.objects.filter(pk=extra.pk).exists()
    user.refresh_from_db()
    assert user.unit == extra
    event = Event.objects.filter(action="orgs.units_load").latest("id")
    assert event.new_values["units_updated"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["units"][1]["aliases"].append("区发改委"), "同时属于"),
        (lambda d: d["units"][0].update(kind="planet"), "类型“planet”无效"),
        (lambda d: d["groups"][0].update(members=["区外星局"]), "不在单位列表中"),
        (lambda d: d.pop("units"), "格式错误"),
    ],
)
def test_bad_unit_files_are_refused(mutate, message):
    data = copy.deepcopy(read_units_file())
    mutate(data)
    with pytest.raises(DomainError) as info:
        services.load_units(actor=None, data=data)
    assert message in info.value.message


@pytest.mark.django_db
def test_only_credit_admins_load_units(reviewer_a):
    with pytest.raises(DomainError) as info:
        services.load_units(actor=reviewer_a, data=read_units_file())
    assert info.value.message == "只有信用办管理员可以维护责任单位。"


@pytest.mark.django_db
def test_units_cli(capsys, tmp_path):
    call_command("units", "resolve", "区市场局", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["type"] == "unit" and out["name"] == "区市场监管局"
    call_command("units", "resolve", "各街道〈镇〉")
    assert "共 10 个单位" in capsys.readouterr().out
    call_command("units", "list", "--json")
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 61 and listed[-1]["name"] == "柏庄镇"
    with pytest.raises(CommandError, match="未知单位名称：区外星局"):
        call_command("units", "resolve", "区外星局")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 UTF-8 JSON"):
        call_command("units", "load", str(bad))
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("units", "load", str(tmp_path / "missing.json"))
    good = tmp_path / "units.json"
    good.write_text(json.dumps(read_units_file(), ensure_ascii=False), encoding="utf-8")
    call_command("units", "load", str(good))
    assert "单位新增 0 个" in capsys.readouterr().out
    assert User.objects.count() == 0
