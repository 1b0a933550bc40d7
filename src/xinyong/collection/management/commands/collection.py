"""`xinyong collection …`: operator commands of collection (quality checks, the monthly
通报, import templates, declarations)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xinyong.catalog.models import RecordType
from xinyong.core import context
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Unit
from xinyong.orgs.services import resolve_unit_name

from ...quality import declare_month, run_checks
from ...reports import record_template_xlsx, report_pdf, report_xlsx
from ...selectors import Period, parse_period
from ...spot_checks import DEFAULT_PER_UNIT, draw, stats_by_unit, verify_sample


def _default_period() -> Period:
    today = timezone.localdate()
    return Period.month(today.year, today.month).previous()


class Command(BaseCommand):
    help = (
        "归集质量与通报：check 质量检查（迟报、漏报、文书号断号、未申报），"
        "report 生成月度通报，template 导出导入模板，declare 录入月度决定数，"
        "spot-check 抽取公示信息抽查样本"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        check = sub.add_parser(
            "check", help="对某月各单位运行质量检查（可重复运行，不会重复生成预警）"
        )
        check.add_argument("--period", help="月份，如 2026-10；默认上个月")
        check.add_argument("--json", action="store_true", help="以 JSON 输出结果")

        report = sub.add_parser("report", help="生成月度归集情况通报")
        report.add_argument("--period", help="月份，如 2026-10；默认上个月")
        report.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx", help="xlsx 或 pdf")
        report.add_argument("--output", required=True, help="输出文件路径")

        template = sub.add_parser("template", help="导出某信息类别的 XLSX 导入模板")
        template.add_argument("type", help="信息类别代码或名称，如 XZCF 或 行政处罚")
        template.add_argument("--output", required=True, help="输出文件路径")

        declare = sub.add_parser("declare", help="录入（或更正）单位某月作出的决定数")
        declare.add_argument("--unit", required=True, help="单位名称或别名")
        declare.add_argument("--type", required=True, help="信息类别代码或名称")
        declare.add_argument("--period", required=True, help="月份，如 2026-10")
        declare.add_argument("--count", required=True, type=int, help="决定数")
        declare.add_argument("--note", default="", help="说明")
        declare.add_argument("--json", action="store_true", help="以 JSON 输出结果")

        spot = sub.add_parser(
            "spot-check",
            help="抽取某月公示信息抽查样本（每单位随机抽取，不足的全部抽取；同一月份只能抽取一次）",
        )
        spot.add_argument("--period", required=True, help="月份，如 2026-10（须已结束）")
        spot.add_argument(
            "--per-unit", default=DEFAULT_PER_UNIT, help=f"每单位抽查条数，默认 {DEFAULT_PER_UNIT}"
        )
        spot.add_argument("--note", default="", help="说明")
        spot.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with context.use(context.RequestContext(channel="cli")):
                getattr(self, f"_{options['action'].replace('-', '_')}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _period(self, options: dict[str, Any]) -> Period:
        return parse_period(options["period"]) if options.get("period") else _default_period()

    def _check(self, options: dict[str, Any]) -> None:
        period = self._period(options)
        summary = run_checks(year=period.year, month=period.month_number)
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_json(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{period.label}质量检查完成：检查 {summary.units_checked} 个单位，新增预警 {summary.created} 条，"
            f"更新 {summary.updated} 条，已消除 {summary.resolved} 条，现有预警 {len(summary.warnings)} 条。"
        )
        for item in summary.warnings:
            self.stdout.write(f"  {item['unit']}：{item['message']}")

    def _report(self, options: dict[str, Any]) -> None:
        period = self._period(options)
        content = report_pdf(period) if options["format"] == "pdf" else report_xlsx(period)
        out = Path(options["output"])
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入文件 {out}：{exc.strerror}") from None
        self.stdout.write(f"已生成{period.label}通报：{out}（{len(content)} 字节）")

    def _template(self, options: dict[str, Any]) -> None:
        name = str(options["type"]).strip()
        rt = (
            RecordType.objects.filter(code=name.upper()).first()
            or RecordType.objects.filter(name=name).first()
        )
        if rt is None:
            raise CommandError(f"未知信息类别：{name}")
        _filename, content = record_template_xlsx(rt)
        out = Path(options["output"])
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入文件 {out}：{exc.strerror}") from None
        self.stdout.write(f"已导出“{rt.name}”导入模板：{out}")

    def _declare(self, options: dict[str, Any]) -> None:
        target = resolve_unit_name(options["unit"])
        if not isinstance(target, Unit):
            raise CommandError(f"“{options['unit']}”是单位组，请指定具体单位。")
        name = str(options["type"]).strip()
        rt = (
            RecordType.objects.filter(code=name.upper()).first()
            or RecordType.objects.filter(name=name).first()
        )
        if rt is None:
            raise CommandError(f"未知信息类别：{name}")
        period = parse_period(options["period"])
        # The CLI is the operator's tool on the server: it acts as the system (actor None).
        declaration = declare_month(
            actor=None,
            unit=target,
            record_type=rt,
            year=period.year,
            month=period.month_number,
            count=options["count"],
            note=options["note"],
        )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "unit": target.name,
                        "record_type": rt.code,
                        "period": period.key,
                        "declared_count": declaration.declared_count,
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(
            f"已录入{target.name}{period.label}{rt.name}决定数：{declaration.declared_count} 件。"
        )

    def _spot_check(self, options: dict[str, Any]) -> None:
        period = parse_period(options["period"])
        # The operator's tool on the server acts as the system (actor None), as `declare`.
        check = draw(actor=None, period=period, per_unit=options["per_unit"], note=options["note"])
        stats = stats_by_unit(check.items.all())
        names = dict(Unit.objects.filter(pk__in=list(stats)).values_list("pk", "name"))
        per_unit = {names.get(uid, str(uid)): s.sampled for uid, s in stats.items()}
        sampled = sum(per_unit.values())
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "id": check.pk,
                        "period": check.period,
                        "per_unit": check.per_unit,
                        "seed": check.seed,
                        "pool_size": check.pool_size,
                        "sampled": sampled,
                        "units": per_unit,
                        "verified": verify_sample(check),
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        self.stdout.write(
            f"已抽取{check}（编号 {check.pk}）：{len(per_unit)} 个单位，共 {sampled} 条"
            f"（抽样范围 {check.pool_size} 条，每单位 {check.per_unit} 条，不足的全部抽取），"
            f"随机种子 {check.seed}。"
        )
        for name, count in per_unit.items():
            self.stdout.write(f"  {name}：{count} 条")
