from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinyong.core import context, identifier_services, identifiers
from xinyong.core.errors import DomainError
from xinyong.subjects import selectors, services
from xinyong.subjects.models import Subject


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


class Command(BaseCommand):
    help = (
        "信用主体与代码：校验代码（check）、查询主体（search）、合并重复主体（merge）、"
        "代码校验例外名单（override add/remove/list）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operator", help="以该用户名记录操作人（默认记为“系统”）")
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")

        check = sub.add_parser(
            "check", help="校验一个或多个代码，逐个输出结论（有无效代码时退出码仍为 0）"
        )
        check.add_argument(
            "codes",
            nargs="+",
            metavar="CODE",
            help="统一社会信用代码、身份证号码、注册号或组织机构代码",
        )
        check.add_argument(
            "--hint",
            choices=[
                k.value
                for k in identifiers.IdentifierKind
                if k != identifiers.IdentifierKind.UNKNOWN
            ],
            help="按指定类型校验（如 resident_id）",
        )
        check.add_argument("--json", action="store_true", help="以 JSON 输出")

        search = sub.add_parser(
            "search", help="按代码或名称中的文字查询主体（自然人的查阅将被记录）"
        )
        search.add_argument("text", help="代码或名称中的文字")
        search.add_argument("--limit", type=int, default=20, help="最多返回条数（默认 20）")
        search.add_argument(
            "--purpose", default="命令行查询信用主体", help="查询目的（记入个人信息查阅记录）"
        )
        search.add_argument("--json", action="store_true", help="以 JSON 输出")

        merge = sub.add_parser("merge", help="把重复主体 ABSORB_ID 合并到 KEEP_ID")
        merge.add_argument("keep_id", type=int, metavar="KEEP_ID", help="保留的主体编号")
        merge.add_argument("absorb_id", type=int, metavar="ABSORB_ID", help="被合并的主体编号")
        merge.add_argument("--reason", required=True, help="合并原因")
        merge.add_argument("--json", action="store_true", help="以 JSON 输出")

        override = sub.add_parser("override", help="代码校验例外名单：确属真实但校验不通过的代码")
        osub = override.add_subparsers(dest="override_action", required=True, title="操作")
        add = osub.add_parser("add", help="登记例外代码")
        add.add_argument("code", metavar="CODE")
        add.add_argument("--reason", required=True, help="原因")
        add.add_argument("--basis", required=True, help="核实依据（如营业执照核验、登记机关复函）")
        remove = osub.add_parser("remove", help="撤销例外代码")
        remove.add_argument("code", metavar="CODE")
        remove.add_argument("--reason", required=True, help="撤销原因")
        listing = osub.add_parser("list", help="列出例外代码")
        listing.add_argument("--all", action="store_true", help="包括已撤销的")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, action: str, operator: str | None = None, **options: Any) -> None:
        self.actor = None
        if operator:
            self.actor = get_user_model().objects.filter(username=operator).first()
            if self.actor is None:
                raise CommandError(f"用户“{operator}”不存在。")
        try:
            with context.use(context.RequestContext(channel="cli")):
                getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    # -- check -----------------------------------------------------------------------------

    def _check(
        self, *, codes: list[str], hint: str | None = None, json: bool = False, **_: Any
    ) -> None:
        verdicts = [identifiers.check(code, hint) for code in codes]
        if json:
            self.stdout.write(_dumps([v.as_dict() for v in verdicts]))
            return
        for v in verdicts:
            state = "有效（例外名单）" if v.overridden else "有效" if v.valid else "无效"
            extra = []
            if v.category_code:
                extra.append(f"类别 {v.category_code} {v.category_label}")
            if v.is_government_body:
                extra.append("机构编制类（政府机构）")
            if v.birth_date:
                extra.append(f"出生日期 {v.birth_date:%Y-%m-%d}，{v.sex}")
            line = f"{v.input}\t{v.normalised}\t{v.kind_label}\t{state}"
            if v.reason:
                line += f"\t{v.reason}"
            if extra:
                line += "\t" + "；".join(extra)
            self.stdout.write(line)

    # -- search ----------------------------------------------------------------------------

    def _search(self, *, text: str, limit: int, purpose: str, json: bool = False, **_: Any) -> None:
        found = selectors.search_subjects(text, limit=limit, reader=self.actor, purpose=purpose)
        rows = [_subject_row(s) for s in found]
        if json:
            self.stdout.write(_dumps(rows))
            return
        if not rows:
            self.stdout.write("未找到匹配的信用主体。")
            return
        for row in rows:
            self.stdout.write(
                f"{row['id']}\t{row['kind_label']}\t{row['identifier']}\t{row['name']}"
            )

    # -- merge -----------------------------------------------------------------------------

    def _merge(
        self, *, keep_id: int, absorb_id: int, reason: str, json: bool = False, **_: Any
    ) -> None:
        keep = selectors.get_subject(keep_id, reader=self.actor, purpose="合并重复主体")
        absorb = selectors.get_subject(absorb_id, reader=self.actor, purpose="合并重复主体")
        services.merge_subjects(actor=self.actor, keep=keep, absorb=absorb, reason=reason)
        if json:
            self.stdout.write(_dumps({"kept": keep_id, "absorbed": absorb_id}))
            return
        self.stdout.write(f"已将主体 {absorb_id} 合并至主体 {keep_id}，其代码已转入保留主体。")

    # -- override --------------------------------------------------------------------------

    def _override(self, *, override_action: str, **options: Any) -> None:
        if override_action == "add":
            item = identifier_services.add_override(
                actor=self.actor,
                code=options["code"],
                reason=options["reason"],
                basis=options["basis"],
            )
            self.stdout.write(f"已登记校验例外：{identifiers.mask_identifier(item.code)}。")
        elif override_action == "remove":
            item = identifier_services.remove_override(
                actor=self.actor, code=options["code"], reason=options["reason"]
            )
            self.stdout.write(f"已撤销校验例外：{identifiers.mask_identifier(item.code)}。")
        else:
            items = identifier_services.list_overrides(include_inactive=options.get("all", False))
            rows = [
                {
                    "code": identifiers.mask_identifier(o.code),
                    "kind": o.kind,
                    "reason": o.reason,
                    "basis": o.basis,
                    "active": o.active,
                    "created_by": o.created_by.username if o.created_by else "系统",
                    "created_at": o.created_at.isoformat(),
                }
                for o in items
            ]
            if options.get("json"):
                self.stdout.write(_dumps(rows))
            elif not rows:
                self.stdout.write("校验例外名单为空。")
            else:
                for r in rows:
                    state = "" if r["active"] else "（已撤销）"
                    self.stdout.write(f"{r['code']}{state}\t{r['reason']}\t依据：{r['basis']}")


def _subject_row(subject: Subject) -> dict[str, Any]:
    return {
        "id": subject.pk,
        "kind": subject.kind,
        "kind_label": subject.get_kind_display(),
        "name": subject.name,
        "identifier": subject.display_identifier,
        "is_government_body": subject.is_government_body,
    }
