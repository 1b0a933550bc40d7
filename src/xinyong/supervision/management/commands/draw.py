from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from xinyong.collection.api import _unit_arg
from xinyong.core.commands import ActionCommand
from xinyong.supervision import draws
from xinyong.supervision.models import Draw


class Command(ActionCommand):
    help = (
        "双随机抽查：建立任务并公布种子哈希（create）、抽取并公开种子（run）、"
        "用公开的种子复核（verify）、列出任务（list）。可加 --json 供脚本读取。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        create = sub.add_parser(
            "create", help="建立抽查任务：固定对象库、比例和检查人员，公布种子哈希"
        )
        create.add_argument("--unit", required=True, help="组织单位名称或编号")
        create.add_argument("--title", required=True, help="抽查任务名称")
        create.add_argument(
            "--record-type", default="", help="信息类别代码或名称（按该类信息的主体建库）"
        )
        create.add_argument("--region", default="", help="行政区划代码前缀，如 410502")
        create.add_argument("--grades", default="", help="等级范围，如 C,D（默认全部）")
        create.add_argument("--inspectors", type=int, default=2, help="每户检查人员数（默认 2）")
        create.add_argument("--json", action="store_true", help="以 JSON 输出")
        run = sub.add_parser("run", help="抽取，并公开随机种子和结果")
        run.add_argument("draw_id", help="抽查任务编号")
        run.add_argument("--json", action="store_true", help="以 JSON 输出")
        verify = sub.add_parser("verify", help="用公开的种子重新抽取并比对；一致时退出码为 0")
        verify.add_argument("draw_id", help="抽查任务编号")
        verify.add_argument("--json", action="store_true", help="以 JSON 输出")
        listing = sub.add_parser("list", help="列出抽查任务")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        text, data, ok = self.run_action(options)
        self.emit(text, data, options)
        if not ok:
            # verify: a difference is a failure for scripts, with its reason already printed.
            raise CommandError(data.get("message", "复核不一致"), returncode=2)

    def _create(self, options: dict[str, Any]) -> tuple[str, Any, bool]:
        draw = draws.create_draw(
            actor=None,
            unit=_unit_arg(options["unit"]),
            title=options["title"],
            record_type=options["record_type"] or None,
            region=options["region"],
            grades=options["grades"] or None,
            inspectors_per_target=options["inspectors"],
        )
        data = draws.summary(draw)
        quotas = "，".join(
            f"{g['grade']} {g['pool']} 户抽 "
            + (
                str(g["quota"])
                if g["quota"] is not None
                else f"{g['quota_min']} 或 {g['quota_max']}"
            )
            for g in data["grades"]
        )
        if data["frequency"]:
            quotas += f"\n{data['frequency']['text']}"
        text = (
            f"抽查任务 {draw.pk} 已建立：{draw.title}（{draw.unit.name}）\n"
            f"对象库 {data['pool_size']} 户：{quotas}\n"
            f"种子哈希（SHA-256）：{draw.seed_hash}"
        )
        return text, data, True

    def _run(self, options: dict[str, Any]) -> tuple[str, Any, bool]:
        draw = draws.run_draw(actor=None, draw=draws.get_public_draw(options["draw_id"]))
        targets = draws.public_targets(draw)
        lines = [f"抽查任务 {draw.pk} 已抽取 {len(targets)} 户，随机种子：{draw.seed}"]
        for t in targets:
            names = "、".join(i["name"] for i in t["inspectors"])
            lines.append(
                f"{t['order']:>4}. {t['grade']} {t['name']}（{t['identifier']}） 检查人员：{names}"
            )
        return "\n".join(lines), {**draws.summary(draw), "targets": targets}, True

    def _verify(self, options: dict[str, Any]) -> tuple[str, Any, bool]:
        report = draws.verify_draw(draws.get_public_draw(options["draw_id"]))
        text = (
            f"复核一致：抽查任务 {report.draw_id} 的 {report.targets} 户检查对象和检查人员可由公开的种子重现。"
            if report.ok
            else f"复核不一致：{report.message}"
        )
        return text, report.as_json(), report.ok

    def _list(self, options: dict[str, Any]) -> tuple[str, Any, bool]:
        items = list(Draw.objects.select_related("unit").order_by("-id")[:500])
        data = [draws.summary(d) for d in items]
        if not items:
            return "暂无抽查任务。", data, True
        lines = [
            f"{d.pk:>5}  {d.get_status_display():<8} {d.unit.name}  {d.title}  对象库 {len(d.pool_snapshot)} 户"
            for d in items
        ]
        return "\n".join(lines), data, True
