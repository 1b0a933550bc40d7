"""The README's coverage figures are facts about the platform: a new endpoint or role
changes them, and this test says so instead of letting the README drift."""

from __future__ import annotations

import json
from pathlib import Path

from django.test import Client

from . import conftest as security
from . import matrix

README = Path(__file__).resolve().parents[2] / "README.md"
ROLE_COUNT_WORDS = {9: "九", 10: "十", 11: "十一", 12: "十二", 13: "十三"}


def test_readme_counts_match_the_platform() -> None:
    text = README.read_text(encoding="utf-8")
    schema = json.loads(Client().get("/api/schema/", {"format": "json"}).content)
    operations = sum(
        1
        for methods in schema["paths"].values()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    )
    assert f"全部 {operations} 个接口操作" in text
    assert f"全部 {len(matrix.endpoints())} 个地址" in text
    assert f"{ROLE_COUNT_WORDS[len(security.ROLES)]}种角色" in text
