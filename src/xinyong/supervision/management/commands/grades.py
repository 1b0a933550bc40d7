from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from xinyong.core.commands import ActionCommand
from xinyong.core.inputs import clean_day
from xinyong.subjects.selectors import log_person_reads, masked_repr
from xinyong.supervision import grading

SOURCES = {"provincial": "省公共信用综合评价", "sector": "行业信用评价"}


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"日期“{text}”无效，应为 YYYY-MM-DD 格式，例如 2026-03-31。") from None


class Command(ActionCommand):
    help = (
        "信用等级：全部重新评价（recompute）、查看主体得分说明（explain）、"
        "导入省级或行业评价结果（import）。可加 --json 供脚本读取。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        rec = sub.add_parser("recompute", help="按评价日施行的模型重新评价全部主体")
        rec.add_argument("--on", help="评价日期 YYYY-MM-DD（默认今天）")
        rec.add_argument("--json", action="store_true", help="以 JSON 输出")
        exp = sub.add_parser("explain", help="列出一个主体各指标的得分")
        exp.add_argument("code", help="统一社会信用代码或证件号码")
        exp.add_argument("--on", help="评价日期 YYYY-MM-DD（默认今天）")
        exp.add_argument("--json", action="store_true", help="以 JSON 输出")
        imp = sub.add_parser("import", help="导入省公共信用综合评价或行业信用评价结果（CSV/XLSX）")
        imp.add_argument(
            "file", help="文件路径；表头含 统一社会信用代码、主体名称、评价等级、评价日期、评价机构"
        )
        imp.add_argument(
            "--source", required=True, choices=sorted(SOURCES), help="provincial 或 sector"
        )
        imp.add_argument("--json", action="store_true", help="以 JSON 输出")

    def _recompute(self, options: dict[str, Any]) -> tuple[str, Any]:
        on = _date(options.get("on"))
        # Writes every subject's grade and a grade-change history row (the 信易贷 white
        # list follows grades): not by a day still to come. `explain` only reads.
        result = grading.recompute_all(
            clean_day(on, "评价日期", not_after_today=True) if on else None
        )
        g = result.grades
        text = (
            f"评价日期 {result.on.isoformat()}，模型 {result.model}\n"
            f"主体 {result.subjects} 个：A {g['A']}，B {g['B']}，C {g['C']}，D {g['D']}\n"
            f"等级或得分变化 {result.changed} 个，写入 {result.written} 个，用时 {result.seconds:.2f} 秒"
        )
        return text, result.as_dict()

    def _explain(self, options: dict[str, Any]) -> tuple[str, Any]:
        subject = grading.subject_by_code(options["code"])
        log_person_reads([subject], reader=None, purpose="命令行查看信用等级")
        result = grading.compute_grade(subject, _date(options.get("on")))
        data = result.as_dict()
        data["subject"] = {"id": subject.pk, "name": masked_repr(subject)}
        lines = [
            f"{masked_repr(subject)}  {result.on.isoformat()}",
            f"等级 {result.grade}（本平台等级 {result.computed_grade}，得分 {result.score}）"
            f"  模型 {result.model}",
            f"  基础分 {result.model.base_score}",
        ]
        for c in result.contributions:
            if c.count:
                extra = "（已封顶）" if c.capped else ""
                lines.append(f"  {c.name}：{c.count} 项 × {c.points_each} = {c.points}{extra}")
        if result.external is not None:
            ev = result.external
            lines.append(
                f"  采用{ev.get_source_display()}：{ev.evaluator} {ev.evaluated_on:%Y-%m-%d} 评价为 {ev.grade}"
            )
        if result.floors:
            lines.append("  列入严重失信主体名单：等级最高为 D")
        return "\n".join(lines), data

    def _import(self, options: dict[str, Any]) -> tuple[str, Any]:
        result = grading.import_external_file(
            actor=None, path=options["file"], source=options["source"]
        )
        lines = [
            f"导入{SOURCES[options['source']]} {result.imported} 条，未导入 {len(result.errors)} 条"
        ]
        lines += [f"  {e}" for e in result.errors[:50]]
        return "\n".join(lines), result.as_dict()
