"""A full upstream list with rows the pipeline rejects: a row still identifiable keeps its
entry; a row that cannot be identified stops the file from ending anything (issue 10 §2)."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.sanctions.importer import ENDED_UPSTREAM, import_list_file, read_snapshot
from xinyong.sanctions.models import ListEntry

from .test_lists_import import _file, _row

pytestmark = pytest.mark.django_db

JIA = ("40000001", "安阳市北关区甲商贸有限公司", "（2026）豫0503执101号")
YI = ("40000002", "安阳市北关区乙商贸有限公司", "（2026）豫0503执102号")
BING = ("40000003", "安阳市北关区丙商贸有限公司", "（2026）豫0503执103号")


def _import(tmp_path, rows, name, *, full=True):
    return import_list_file(
        actor=None,
        list_type="失信被执行人",
        unit="区法院",
        path=_file(tmp_path, rows, name),
        full_snapshot=full,
        on=date(2026, 11, 26),
    )


def test_rejected_rows_count_by_identity_when_it_can_be_read(tmp_path):
    _import(tmp_path, [_row(*JIA), _row(*YI), _row(*BING)], "day1.csv", full=False)
    late = _row(*YI)
    late[9] = "2026-04-31"  # 发布时间 that does not exist
    spaced = _row(*BING)
    spaced[5] = f"  {BING[2]} "  # the case number as the validator trims it
    spaced[8] = "去年"  # 立案时间 unreadable, identity intact
    path = _file(tmp_path, [_row(*JIA), late, spaced], "day2.csv")

    snapshot = read_snapshot("SXBZXR", path)
    assert (len(snapshot.valid), len(snapshot.present), snapshot.unreadable) == (1, 3, [])
    result = _import(tmp_path, [_row(*JIA), late, spaced], "day2.csv")
    assert (result.ended, result.unchanged, result.removal_withheld) == ([], 1, "")
    assert result.ingest is not None and result.ingest["rejected"] == 2
    assert set(ListEntry.objects.values_list("status", flat=True)) == {ListEntry.Status.LISTED}

    # 乙 gone from a clean full list: it ends.
    result = _import(tmp_path, [_row(*JIA), _row(*BING)], "day3.csv")
    assert len(result.ended) == 1
    ended = ListEntry.objects.get(pk=result.ended[0])
    assert (ended.subject.name, ended.removal_reason) == (YI[1], ENDED_UPSTREAM)


def test_an_unidentifiable_row_withholds_every_removal(tmp_path, console):
    _import(tmp_path, [_row(*JIA), _row(*YI)], "day1.csv", full=False)
    ragged = [*_row(*BING), "多出的一列"]
    nameless = _row(*BING)
    nameless[5] = ""  # 执行案号 missing
    path = _file(tmp_path, [_row(*JIA), nameless, ragged], "day2.csv")

    assert read_snapshot("SXBZXR", path).unreadable == [3, 4]
    code, out, err = console(
        "lists",
        "import",
        str(path),
        "--type",
        "失信被执行人",
        "--unit",
        "区法院",
        "--full-snapshot",
        "--on",
        "2026-11-26",
    )
    assert (code, err) == (0, "")
    withheld = (
        "全量名单中有无法识别的行（第 3、4 行），本次不移出任何条目；请上级核实后重新下发全量名单。"
    )
    assert "随上级移出 0 条" in out and withheld in out
    assert ListEntry.objects.get(subject__name=YI[1]).status == ListEntry.Status.LISTED
