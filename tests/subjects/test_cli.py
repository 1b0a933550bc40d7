from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinyong.core import bootstrap
from xinyong.core.models import Event, ReadLog
from xinyong.subjects import services
from xinyong.subjects.demo import load_demo_subjects
from xinyong.subjects.models import Subject, SubjectKind

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("subjects", *args, stdout=out)
    return out.getvalue()


def test_check_json_one_verdict_per_input():
    data = json.loads(
        _run("check", "91512081MA62K0260E", "91330282l07196379d", "13830295-X", "无", "--json")
    )
    assert [(d["input"], d["normalised"], d["kind"], d["valid"]) for d in data] == [
        ("91512081MA62K0260E", "91512081MA62K0260E", "uscc", True),
        ("91330282l07196379d", "91330282L07196379D", "uscc", True),
        ("13830295-X", "13830295-X", "org_code", True),
        ("无", "无", "unknown", False),
    ]
    assert data[3]["reason"].startswith("长度错误：共1位")


def test_check_text_output():
    out = _run("check", "91350203M0001QAY9B")
    assert (
        out
        == "91350203M0001QAY9B\t91350203M0001QAY9B\t统一社会信用代码\t无效\t校验位错误：第18位应为“9”，实为“B”\t类别 91 企业\n"
    )


def test_override_add_list_remove():
    out = _run(
        "override",
        "add",
        "91350203M0001QAY9B",
        "--reason",
        "登记机关核实",
        "--basis",
        "营业执照核验",
    )
    assert out == "已登记校验例外：91350203M0001QAY9B。\n"
    assert json.loads(_run("check", "91350203M0001QAY9B", "--json"))[0]["overridden"] is True
    listed = json.loads(_run("override", "list", "--json"))
    assert [(r["code"], r["reason"], r["basis"], r["active"]) for r in listed] == [
        ("91350203M0001QAY9B", "登记机关核实", "营业执照核验", True)
    ]
    event = Event.objects.get(action="core.identifier_override_add")
    assert (event.channel, event.actor_label) == ("cli", "系统")
    _run("override", "remove", "91350203M0001QAY9B", "--reason", "复核")
    assert json.loads(_run("override", "list", "--json")) == []
    assert len(json.loads(_run("override", "list", "--all", "--json"))) == 1
    with pytest.raises(CommandError, match="校验通过，无需加入例外名单"):
        _run("override", "add", "91512081MA62K0260E", "--reason", "r", "--basis", "b")


def test_search_and_merge():
    load_demo_subjects()
    found = json.loads(_run("search", "恒达", "--json"))
    assert [r["name"] for r in found] == ["安阳市北关区恒达商贸有限公司"]
    keep = Subject.objects.get(name="安阳市北关区恒达商贸有限公司")
    dup, _, _ = services.get_or_create_subject(
        actor=None, identifier="320402000022814", name="恒达商贸"
    )
    out = _run("merge", str(keep.pk), str(dup.pk), "--reason", "同一企业")
    assert out == f"已将主体 {dup.pk} 合并至主体 {keep.pk}，其代码已转入保留主体。\n"
    dup.refresh_from_db()
    assert dup.merged_into_id == keep.pk
    people = json.loads(_run("search", "张建国", "--json", "--purpose", "命令行核查"))
    assert len(people) == 1 and people[0]["identifier"].startswith("410503********")
    assert ReadLog.objects.get().purpose == "命令行核查"
    with pytest.raises(CommandError, match="不能再次合并"):
        _run("merge", str(keep.pk), str(dup.pk), "--reason", "再来")
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        _run("--operator", "nobody", "search", "恒达")


def test_demo_loader_is_idempotent_and_realistic():
    first = load_demo_subjects()
    assert first == "新增 31 个，已存在 0 个（共 31 个演示主体）"
    assert load_demo_subjects() == "新增 0 个，已存在 31 个（共 31 个演示主体）"
    assert Subject.objects.count() == 31
    assert Subject.objects.filter(kind=SubjectKind.PERSON).count() == 4
    assert Subject.objects.filter(kind=SubjectKind.INDIVIDUAL_BUSINESS).count() == 6
    assert Subject.objects.filter(is_government_body=True).count() == 7
    assert set(
        Subject.objects.exclude(kind=SubjectKind.PERSON).values_list("region_code", flat=True)
    ) == {"410503"}
    assert all(s.identifiers.get().valid for s in Subject.objects.all())
    assert any(e.name == "信用主体" and e.order == 20 for e in bootstrap._demo)
