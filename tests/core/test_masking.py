from __future__ import annotations

import pytest
from django.template import Context, Template


def render(expr: str, value) -> str:
    return Template("{% load masking %}" + expr).render(Context({"v": value}))


@pytest.mark.parametrize(
    ("expr", "value", "expected"),
    [
        ("{{ v|mask_id }}", "11010519491231002X", "110105********002X"),
        ("{{ v|mask_phone }}", "13812345678", "138****5678"),
        ("{{ v|mask_name }}", "张三丰", "张**"),
        ("{{ v|mask_name }}", "李", "李*"),
        (
            "{{ v|mask_text }}",
            "当事人张三，身份证11010519491231002X，电话13812345678。",
            "当事人张三，身份证110105********002X，电话138****5678。",
        ),
        ("{{ v|mask_id }}", None, ""),
        ("{{ v|mask_phone }}", "", ""),
    ],
)
def test_masking_filters(expr: str, value, expected: str) -> None:
    assert render(expr, value) == expected


def test_masking_filter_output_is_still_escaped() -> None:
    assert render("{{ v|mask_text }}", "<b>13812345678</b>") == "&lt;b&gt;138****5678&lt;/b&gt;"
