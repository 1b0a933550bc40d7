from __future__ import annotations

from datetime import timedelta

from xinyong.web.templatetags.web_extras import (
    ChangeRow,
    change_rows,
    channel_label,
    page_url,
    zh_duration,
)


def test_change_rows_for_objects() -> None:
    # Fields are named after the event's target model (its verbose_name).
    assert change_rows(
        {"name": "区市场局", "active": True},
        {"name": "区市场监督管理局", "active": True},
        "orgs.Unit",
    ) == [
        ChangeRow("规范名称", "区市场局", "区市场监督管理局", True),
        ChangeRow("启用", "true", "true", False),
    ]


def test_change_rows_for_creation_and_deletion() -> None:
    # No model behind the target: the shared names of core.event_labels, else the key.
    assert change_rows(None, {"code": "A1", "note": "", "zz_new": 1}, "publicity") == [
        ChangeRow("代码", "—", "A1", True),
        ChangeRow("说明", "—", "（空）", True),
        ChangeRow("zz_new", "—", "1", True),
    ]
    assert change_rows({"code": "A1"}, None) == [ChangeRow("代码", "A1", "—", True)]
    assert change_rows(None, None) == []


def test_change_rows_for_plain_values() -> None:
    assert change_rows([1, 2], [1, 2, 3]) == [ChangeRow("值", "[1, 2]", "[1, 2, 3]", True)]


def test_channel_label_and_duration_and_page_url() -> None:
    assert [channel_label(c) for c in ("web", "api", "system", "odd")] == [
        "网页",
        "接口",
        "系统",
        "odd",
    ]
    assert zh_duration(timedelta(minutes=30)) == "30 分钟"
    assert zh_duration(timedelta(hours=1, minutes=30)) == "1 小时 30 分钟"
    assert zh_duration(timedelta(seconds=20)) == "不到 1 分钟"
    assert zh_duration("PT30M") == ""
    assert page_url("action=a.b", 2) == "?action=a.b&page=2"
    assert page_url("", 3) == "?page=3"
