"""Django messages are shown by the workspace layout, once: a page that also looped over
them showed each twice, and pages that forgot them showed none (the draw page's "不能重复
抽取" went unseen)."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "xinyong"
RENDERS_MESSAGES = re.compile(
    r"\{% for \w+ in messages %\}|_messages\.html|includes/messages\.html"
)


def test_only_the_workspace_layout_renders_messages() -> None:
    layout = SRC / "web" / "templates" / "web" / "workspace_base.html"
    assert RENDERS_MESSAGES.search(layout.read_text())
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.glob("*/templates/**/*.html")
        if 'extends "web/workspace_base.html"' in (text := path.read_text())
        and RENDERS_MESSAGES.search(text)
    ]
    assert offenders == []
