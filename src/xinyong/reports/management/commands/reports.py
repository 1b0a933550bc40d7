"""`xinyong reports issue --subject CODE --purpose CODE [--matter ID] [--out FILE] [--json]`,
`xinyong reports verify FILE [--public-key PEM] [--json]` and `xinyong reports public-key
[--out FILE] [--json]` (thin adapters over reports.services). With `--public-key` the
verification reads nothing but the two files: no database, so a third party can run it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from xinyong.core.commands import ActionCommand, write_output
from xinyong.core.errors import DomainError

from ... import services


class Command(ActionCommand):
    help = (
        "信用报告：按用途出具报告并保存 PDF（issue）；核验报告文件是否由本平台出具、"
        "是否被修改（verify，未通过时退出码为 2；加 --public-key 公钥文件可离线核验，"
        "不访问数据库）；输出签章公钥（public-key）；更换签章密钥（rotate-key）。可加 --json 供脚本读取。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        issue = sub.add_parser("issue", help="出具信用报告")
        issue.add_argument(
            "--subject",
            required=True,
            help="统一社会信用代码、身份证号码或其他证件号码（护照等可只填号码，或写作 护照:E12345678）",
        )
        issue.add_argument(
            "--purpose", default="", help="报告用途代码，如 self_query、no_violation"
        )
        issue.add_argument("--matter", default="", help="信用报告应用目录中的事项编号（可选）")
        issue.add_argument("--out", default="", help="PDF 保存路径（默认 信用报告-编号.pdf）")
        issue.add_argument("--json", action="store_true", help="以 JSON 输出")
        verify = sub.add_parser("verify", help="核验报告 PDF 文件")
        verify.add_argument("file", help="报告 PDF 文件路径")
        verify.add_argument(
            "--public-key",
            default="",
            help="签章公钥文件（PEM，核验页可下载）：离线核验，不访问数据库",
        )
        verify.add_argument("--json", action="store_true", help="以 JSON 输出")
        key = sub.add_parser("public-key", help="输出签章公钥（PEM）及其指纹")
        key.add_argument("--out", default="", help="公钥保存路径（默认输出到屏幕）")
        key.add_argument("--json", action="store_true", help="以 JSON 输出")
        rotate = sub.add_parser(
            "rotate-key",
            help="更换签章密钥：此前出具的报告仍可凭停用的公钥核验，新报告使用新密钥",
        )
        rotate.add_argument("--yes", action="store_true", help="确认更换（不加则只说明将做什么）")
        rotate.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        text, data, ok = self.run_action(options)
        self.emit(text, data, options)
        if not ok:
            raise CommandError(data.get("message", "核验未通过"), returncode=2)

    def _issue(self, options: dict[str, Any]) -> tuple[str, Any, bool]:
        if not options["purpose"] and not options["matter"]:
            raise DomainError("请用 --purpose 指定报告用途代码，或用 --matter 指定应用事项。")
        # Checked before issuing, so that a mistyped path costs nothing; the write itself
        # is part of the issue (deliver) for the failures no check foresees.
        _check_out(Path(options["out"]) if options["out"] else None)

        def deliver(report: Any, pdf: bytes) -> None:
            out = Path(options["out"] or services.download_name(report))
            try:
                write_output(out, pdf)
            except OSError as exc:
                raise DomainError(f"无法写入 {out}：{exc.strerror}。报告未出具。") from exc
            services.record_print(actor=None, report=report, channel="cli")

        report = services.issue_requested(
            actor=None,
            subject=options["subject"],
            purpose=options["purpose"],
            matter=options["matter"],
            channel="cli",
            deliver=deliver,
        )
        out = Path(options["out"] or services.download_name(report))
        data = {
            "number": report.number,
            "subject": report.subject_name,
            "purpose": report.purpose.code,
            "valid_until": report.valid_until.isoformat(),
            "file": str(out),
            "pdf_sha256": report.pdf_sha256,
        }
        text = (
            f"已出具信用报告 {report.number}（{report.subject_name}，{report.purpose.name}），"
            f"有效期至 {report.valid_until.isoformat()}，已保存到 {out}"
        )
        return text, data, True

    def _verify(self, options: dict[str, Any]) -> tuple[str, Any, bool]:
        data = _read(options["file"])
        if options["public_key"]:
            result = services.verify_offline(data, _read(options["public_key"]))
        else:
            result = services.verify_file(data)
        ok = result.authentic and result.valid
        head = "核验通过" if ok else ("报告已过有效期" if result.authentic else "核验未通过")
        lines = [f"{head}：{result.message}"]
        for label, key in (
            ("报告编号", None),
            ("信用主体", "subject"),
            ("报告用途", "purpose"),
            ("生成时间", "issued_at"),
            ("有效期至", "valid_until"),
        ):
            value = result.number if key is None else result.facts.get(key)
            if value:
                lines.append(f"  {label}：{value}")
        return "\n".join(lines), result.as_json(), ok

    def _rotate_key(self, options: dict[str, Any]) -> tuple[str, Any, bool]:
        if not options["yes"]:
            raise DomainError(
                "更换签章密钥后，新报告使用新密钥，此前的报告凭停用的公钥核验；确认请加 --yes。"
            )
        old, new = services.rotate_seal_key(actor=None)
        text = (
            f"签章密钥已更换：{old} 停用（公钥保留在 keys/retired/ 并在核验页公布），新密钥 {new}。\n"
            "请把新公钥交给需要离线核验的单位：xinyong reports public-key --out 公钥.pem"
        )
        return text, {"retired": old, "key_id": new}, True

    def _public_key(self, options: dict[str, Any]) -> tuple[str, Any, bool]:
        info = services.public_key_info()
        text = f"签名算法：{info['alg']}\n公钥指纹（SHA-256）：{info['fingerprint_display']}\n"
        if options["out"]:
            out = Path(options["out"])
            try:
                out.write_text(info["pem"], encoding="ascii")
            except OSError as exc:
                raise DomainError(f"无法写入 {out}：{exc.strerror}。") from exc
            text += f"公钥已保存到 {out}"
        else:
            text += info["pem"].rstrip()
        return text, info, True


def _read(name: str) -> bytes:
    path = Path(name)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DomainError(f"无法读取文件 {path}：{exc.strerror}。") from exc


def _check_out(out: Path | None) -> None:
    """Refuse an output path that cannot be written (None: the default name in the
    current directory)."""
    folder = Path.cwd() if out is None else out.parent
    shown = str(folder if out is None else out)
    if out is not None and out.is_dir():
        raise DomainError(f"无法写入 {shown}：这是一个目录，请给出文件名。报告未出具。")
    if not folder.is_dir():
        raise DomainError(f"无法写入 {shown}：目录 {folder} 不存在。报告未出具。")
    if not os.access(folder, os.W_OK) or (
        out is not None and out.exists() and not os.access(out, os.W_OK)
    ):
        raise DomainError(f"无法写入 {shown}：没有写入权限。报告未出具。")
