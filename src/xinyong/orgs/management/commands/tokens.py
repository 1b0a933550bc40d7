from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinyong.core import context
from xinyong.core.errors import DomainError
from xinyong.orgs import services
from xinyong.orgs.models import Unit


class Command(BaseCommand):
    help = "接口令牌：为责任单位或银行的接口系统账号签发令牌（issue），或停用令牌（revoke）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        issue = sub.add_parser(
            "issue",
            help="签发令牌；单位或银行尚无接口系统账号时自动创建。令牌只显示这一次。",
        )
        holder = issue.add_mutually_exclusive_group(required=True)
        holder.add_argument("--unit", help="责任单位名称或别名")
        holder.add_argument(
            "--bank",
            help="银行名称（须已有该银行的银行用户，即其“所属机构”），如 中国银行安阳北关支行",
        )
        issue.add_argument("--name", required=True, help="令牌用途，如“双公示数据报送”")
        revoke = sub.add_parser("revoke", help="按前缀停用令牌")
        revoke.add_argument("prefix", help="令牌前缀（签发时显示的前 8 个字符）")
        revoke.add_argument("--reason", default="", help="停用原因")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            with context.use(context.RequestContext(channel="cli")):
                getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _issue(
        self, *, unit: str | None = None, bank: str | None = None, name: str, **_: Any
    ) -> None:
        if bank is not None:
            token, key = services.issue_bank_token(actor=None, bank=bank, name=name)
            holder = f"银行“{token.user.organisation}”"
        else:
            token, key = services.issue_unit_token(
                actor=None, unit=self._unit(str(unit or "")), name=name
            )
            holder = f"“{token.user.unit.name if token.user.unit else ''}”"
        self.stdout.write(
            f"已为{holder}的接口账号 {token.user.username} 签发令牌（用途：{token.name}）。"
        )
        self.stdout.write(f"令牌：{key}")
        self.stdout.write(
            f"请立即妥善保存，此令牌不会再次显示；前缀 {token.prefix} 可用于停用。"
            "调用接口时使用请求头：Authorization: Token <令牌>"
        )

    def _unit(self, name: str) -> Unit:
        try:
            target = services.resolve_unit_name(name)
        except DomainError as exc:
            # A bank's name given as a unit: banks are not units (orgs.services).
            try:
                bank = services.resolve_bank_name(name)
            except DomainError:
                raise exc from None
            raise CommandError(f"“{bank}”是银行，不是责任单位：请改用 --bank {bank}") from None
        if not isinstance(target, Unit):
            raise CommandError(f"“{name}”是单位组，请指定一个具体单位。")
        return target

    def _revoke(self, *, prefix: str, reason: str = "", **_: Any) -> None:
        token = services.find_token_by_prefix(prefix)
        services.revoke_token(actor=None, token=token, reason=reason)
        self.stdout.write(f"令牌 {token.prefix}…（{token.name}，{token.user.username}）已停用。")
