"""Upstream list files through the collection pipeline; the API and the CLI of lists."""

from __future__ import annotations

import csv
import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from xinyong.orgs.models import Role
from xinyong.sanctions import lists
from xinyong.sanctions.importer import import_list_file
from xinyong.sanctions.models import ListEntry
from xinyong.subjects.demo import demo_uscc

from .governance_helpers import company, make_user

pytestmark = pytest.mark.django_db

HEADERS = [
    "被执行人姓名/名称",
    "被执行人类别",
    "统一社会信用代码",
    "法定代表人或者负责人姓名",
    "执行法院",
    "执行案号",
    "做出执行依据单位",
    "执行依据文号",
    "立案时间",
    "发布时间",
    "生效法律文书确定的义务",
    "被执行人的履行情况",
    "失信被执行人行为具体情形",
    "数据来源单位",
]


def _row(body: str, name: str, case: str) -> list[str]:
    return [
        name,
        "法人及非法人组织",
        demo_uscc("91", body, "410503"),
        "张某",
        "安阳市北关区人民法院",
        case,
        "安阳市北关区人民法院",
        f"（2025）豫0503民初{body[-3:]}号",
        "2026-03-02",
        "2026-04-10",
        "支付货款 30 万元",
        "全部未履行",
        "有履行能力而拒不履行生效法律文书确定义务",
        "安阳市北关区人民法院",
    ]


def _file(tmp_path, rows, name="sx.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def test_upstream_file_becomes_entries_idempotently_and_full_snapshot_ends_missing(tmp_path):
    a = _row("40000001", "安阳市北关区甲商贸有限公司", "（2026）豫0503执101号")
    b = _row("40000002", "安阳市北关区乙商贸有限公司", "（2026）豫0503执102号")
    path = _file(tmp_path, [a, b])
    first = import_list_file(actor=None, list_type="失信被执行人", unit="区法院", path=path)
    assert len(first.created) == 2 and first.unchanged == 0
    entry = ListEntry.objects.get(pk=first.created[0])
    assert entry.status == ListEntry.Status.LISTED and entry.source == ListEntry.Source.UPSTREAM
    assert entry.effective_from == date(2026, 4, 10)
    # The type's 24 months (法释〔2013〕17号 as configured), inclusive.
    assert entry.ends_on == date(2028, 4, 9)
    assert "有履行能力而拒不履行" in entry.reasons
    again = import_list_file(actor=None, list_type="SX_BZXR", unit="区法院", path=path)
    assert again.created == [] and again.unchanged == 2
    assert ListEntry.objects.count() == 2
    # The next full snapshot no longer holds b: its entry ends here.
    snapshot = _file(tmp_path, [a], "sx2.csv")
    third = import_list_file(
        actor=None,
        list_type="失信被执行人",
        unit="区法院",
        path=snapshot,
        full_snapshot=True,
        on=date(2026, 11, 20),
    )
    assert third.unchanged == 1 and len(third.ended) == 1
    ended = ListEntry.objects.get(pk=third.ended[0])
    subject_b = ended.subject
    assert subject_b.name == "安阳市北关区乙商贸有限公司"
    assert ended.status == ListEntry.Status.REMOVED and ended.removed_on == date(2026, 11, 20)
    assert lists.active_entries(subject_b, date(2026, 11, 19)).count() == 1
    assert lists.active_entries(subject_b, date(2026, 11, 20)).count() == 0


def test_cli_import_json_and_refusals(tmp_path):
    path = _file(
        tmp_path, [_row("40000003", "安阳市北关区丙商贸有限公司", "（2026）豫0503执103号")]
    )
    out = StringIO()
    call_command(
        "lists",
        "import",
        str(path),
        "--type",
        "失信被执行人",
        "--unit",
        "区法院",
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["created"] == 1 and data["ingest"]["accepted"] == 1
    with pytest.raises(CommandError, match="未关联公共信用信息目录"):
        call_command("lists", "import", str(path), "--type", "RED", "--unit", "区法院")


def test_cli_import_refusals_are_one_error_line(tmp_path, console):
    path = _file(
        tmp_path, [_row("40000004", "安阳市北关区丁商贸有限公司", "（2026）豫0503执104号")]
    )
    court = ["--unit", "区法院"]
    sx = ["--type", "失信被执行人"]
    cases = [
        ([str(tmp_path / "nope.csv"), *sx, *court], "错误：文件不存在或不是普通文件：nope.csv"),
        ([str(path), "--type", "火星名单", *court], "错误：没有名单类型“火星名单”。"),
        ([str(path), *sx, "--unit", "火星局"], "错误：未知单位名称：火星局"),
        (
            [str(path), *sx, *court, "--full-snapshot", "--on", "2036-11-26"],
            f"错误：处理日期 2036-11-26 晚于今天（{timezone.localdate().isoformat()}），"
            "不能预先登记。",
        ),
        (
            [str(path), *sx, *court, "--on", "2026-02-30"],
            "错误：日期“2026-02-30”格式不对，应为 2026-09-29 这样的日期。",
        ),
    ]
    for args, expected in cases:
        code, out, err = console("lists", "import", *args, "--json")
        assert (code, out) == (1, ""), args
        assert err == expected + "\n", args
    assert not ListEntry.objects.exists()


def test_api_propose_serve_and_refuse_early_listing(client):
    reporter = make_user("api_hrss", Role.REPORTER, "区人社局")
    other = make_user("api_tax", Role.REPORTER, "区税务局")
    subject = company("40000009", "安阳市北关区戊建筑有限公司")
    client.force_login(reporter)
    types = client.get("/api/v1/list-types").json()
    assert {t["code"] for t in types["results"]} >= {"SX_BZXR", "SX_WAGES", "RED"}
    made = client.post(
        "/api/v1/list-entries",
        {
            "list_type": "SX_WAGES",
            "subject": subject.identifier,
            "basis_document": "北人社列字〔2026〕9号",
            "reasons": "拖欠农民工工资 20 万元",
            "on": "2026-09-25",
            "designating_unit": "区人社局",
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    served = client.post(
        f"/api/v1/list-entries/{pk}/serve", {"on": "2026-09-29"}, content_type="application/json"
    )
    assert served.json()["objection_deadline"] == "2026-10-19"
    early = client.post(
        f"/api/v1/list-entries/{pk}/effective",
        {"on": "2026-10-19"},
        content_type="application/json",
    )
    assert early.status_code == 400 and "2026-10-19" in early.json()["detail"]
    ok = client.post(
        f"/api/v1/list-entries/{pk}/effective",
        {"on": "2026-10-20"},
        content_type="application/json",
    )
    assert ok.json()["status"] == "listed"
    listed = client.get(
        "/api/v1/list-entries", {"subject": subject.identifier, "active_on": "2026-10-20"}
    ).json()
    assert [e["id"] for e in listed["results"]] == [pk]
    client.force_login(other)
    assert client.get(f"/api/v1/list-entries/{pk}").status_code == 404
    assert client.get("/api/v1/list-share").status_code == 403


def test_workspace_pages_and_notice_download(client):
    admin = make_user("ws_admin", Role.CREDIT_ADMIN, "区发改委")
    subject = company("40000010", "安阳市北关区己建筑有限公司")
    entry = lists.propose_entry(
        actor=admin,
        list_type=lists.get_list_type("SX_WAGES"),
        subject=subject,
        basis_document="F-1",
        reasons="拖欠农民工工资 8 万元",
        on=date(2026, 9, 25),
    )
    client.force_login(admin)
    assert "己建筑" in client.get("/workspace/sanctions/lists/").content.decode()
    assert (
        "人力资源社会保障部令第45号"
        in client.get("/workspace/sanctions/lists/types/").content.decode()
    )
    page = client.post(
        f"/workspace/sanctions/lists/{entry.pk}/action/",
        {"action": "effective", "on": "2026-10-30"},
        follow=True,
    )
    assert "尚未送达列入前书面告知书" in page.content.decode()
    pdf = client.get(f"/workspace/sanctions/lists/{entry.pk}/notice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/workspace/sanctions/lists/999999/").status_code == 404


def test_an_upstream_serious_listing_ends_the_subjects_red_entry(tmp_path):
    from .governance_helpers import entry

    firm = company("40000004", "安阳市北关区丁商贸有限公司")
    red = entry(firm, "RED", effective_from=date(2026, 5, 1))
    path = _file(
        tmp_path, [_row("40000004", "安阳市北关区丁商贸有限公司", "（2026）豫0503执104号")]
    )
    result = import_list_file(
        actor=None, list_type="失信被执行人", unit="区法院", path=path, on=date(2026, 11, 20)
    )
    assert len(result.created) == 1
    red.refresh_from_db()
    assert red.status == ListEntry.Status.REMOVED and red.removed_on == date(2026, 11, 20)
    assert red.removal_reason == "被列入严重失信主体名单：失信被执行人名单"
    assert [e.list_type.code for e in lists.active_entries(firm, date(2026, 11, 20))] == ["SX_BZXR"]


def test_a_row_whose_term_has_run_out_is_imported_as_ended(tmp_path):
    from xinyong.sanctions.checks import run_check

    from .governance_helpers import unit

    row = _row("40000021", "安阳市北关区旧案商贸有限公司", "（2023）豫0503执21号")
    row[8:10] = ["2023-03-02", "2023-04-10"]  # 立案时间, 发布时间
    path = _file(tmp_path, [row])
    result = import_list_file(
        actor=None, list_type="失信被执行人", unit="区法院", path=path, on=date(2026, 11, 26)
    )
    assert (result.created, result.as_json()["expired"]) == ([], 1)
    entry = ListEntry.objects.get(pk=result.expired[0])
    assert (entry.status, entry.effective_from, entry.ends_on, entry.removed_on) == (
        ListEntry.Status.REMOVED,
        date(2023, 4, 10),
        date(2025, 4, 9),
        date(2025, 4, 10),
    )
    assert entry.removal_reason == "有效期至 2025-04-09 届满，自动移出"
    assert list(entry.changes.values_list("from_status", "to_status", "on")) == [
        ("", ListEntry.Status.REMOVED, date(2025, 4, 10))
    ]
    # History stays true: listed in 2024, not since its end.
    assert lists.active_entries(entry.subject, date(2024, 6, 1)).count() == 1
    assert lists.active_entries(entry.subject, date(2026, 11, 26)).count() == 0
    check = run_check(
        actor=make_user("imp_fin", Role.REPORTER, "区财政局"),
        unit=unit("区财政局"),
        subject=entry.subject,
        matter="PROCUREMENT",
        on=date(2026, 11, 26),
    )
    assert check.snapshot["measures"] == []
    assert lists.promote_due_entries(on=date(2026, 11, 26)).expired == []
    # The file sent again lists nothing again.
    again = import_list_file(
        actor=None, list_type="失信被执行人", unit="区法院", path=path, on=date(2026, 11, 26)
    )
    assert (again.created, again.expired, again.unchanged) == ([], [], 1)
    assert ListEntry.objects.count() == 1
