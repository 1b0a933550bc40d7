"""Demo grades: `xinyong init --demo` grades every demo subject once its records, lists
and commitments are loaded. A full recompute writes only what changed, so running it
again is harmless."""

from __future__ import annotations

from xinyong.core.bootstrap import demo_loader

from . import grading


@demo_loader(50, "信用等级")
def load_demo_grades() -> str:
    result = grading.recompute_all()
    letters = "，".join(f"{k} {v}" for k, v in result.grades.items())
    return f"评价主体 {result.subjects} 个（{letters}），本次写入 {result.written} 个"
